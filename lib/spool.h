/*
 * spool - one message's bytes: in memory up to a limit, then in an unlinked
 * temporary file that is mapped for reading. Bytes past the size cap are
 * counted but not stored (the message is then "truncated").
 */
#ifndef CM_SPOOL_H
#define CM_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

struct spool;

struct spool *spool_create(size_t mem_limit, size_t max_size, const char *tmpdir);
void spool_free(struct spool **sp);
/* -1 with *error_r on a write error (disk full): the message must tempfail. */
int spool_write(struct spool *s, const void *data, size_t len, const char **error_r);
size_t spool_size(const struct spool *s); /* bytes offered, stored or not */
bool spool_truncated(const struct spool *s);
bool spool_on_disk(const struct spool *s);
/* All stored bytes, contiguous; NULL with *error_r if the file can't be mapped. */
const unsigned char *spool_data(struct spool *s, size_t *len_r, const char **error_r);

#endif

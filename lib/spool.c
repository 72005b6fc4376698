/* spool - memory buffer that spills to an unlinked temp file, read via mmap. */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"

struct spool {
	struct buf mem;
	size_t mem_limit, max_size;
	size_t stored, offered;
	const char *tmpdir;
	int fd;
	void *map;
	size_t map_len;
	char error[160];
};

struct spool *spool_create(size_t mem_limit, size_t max_size, const char *tmpdir)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	buf_init(&s->mem);
	s->mem_limit = mem_limit;
	s->max_size = max_size;
	s->tmpdir = tmpdir;
	s->fd = -1;
	return s;
}

static void unmap(struct spool *s)
{
	if (s->map != NULL)
		munmap(s->map, s->map_len);
	s->map = NULL;
	s->map_len = 0;
}

void spool_free(struct spool **sp)
{
	struct spool *s = *sp;

	if (s == NULL)
		return;
	unmap(s);
	if (s->fd >= 0)
		close(s->fd);
	buf_free(&s->mem);
	free(s);
	*sp = NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int spill(struct spool *s, const char **error_r)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/chainmilter.XXXXXX", s->tmpdir);
	s->fd = mkstemp(path);
	if (s->fd < 0) {
		snprintf(s->error, sizeof(s->error), "cannot create a spool file in %s: %s",
		         s->tmpdir, strerror(errno));
		*error_r = s->error;
		return -1;
	}
	unlink(path);
	if (write_all(s->fd, s->mem.data, s->mem.len) < 0) {
		snprintf(s->error, sizeof(s->error), "cannot write spool file in %s: %s", s->tmpdir,
		         strerror(errno));
		*error_r = s->error;
		return -1;
	}
	buf_free(&s->mem);
	return 0;
}

int spool_write(struct spool *s, const void *data, size_t len, const char **error_r)
{
	s->offered += len;
	if (s->stored >= s->max_size)
		return 0;
	if (len > s->max_size - s->stored)
		len = s->max_size - s->stored;
	unmap(s);
	if (s->fd < 0 && s->stored + len > s->mem_limit && spill(s, error_r) < 0)
		return -1;
	if (s->fd >= 0) {
		if (write_all(s->fd, data, len) < 0) {
			snprintf(s->error, sizeof(s->error), "cannot write spool file in %s: %s",
			         s->tmpdir, strerror(errno));
			*error_r = s->error;
			return -1;
		}
	} else {
		buf_append(&s->mem, data, len);
		if (s->mem.oom) {
			*error_r = "out of memory while spooling the message";
			return -1;
		}
	}
	s->stored += len;
	return 0;
}

size_t spool_size(const struct spool *s)
{
	return s->offered;
}

bool spool_truncated(const struct spool *s)
{
	return s->offered > s->stored;
}

bool spool_on_disk(const struct spool *s)
{
	return s->fd >= 0;
}

const unsigned char *spool_data(struct spool *s, size_t *len_r, const char **error_r)
{
	*len_r = s->stored;
	if (s->fd < 0)
		return (const unsigned char *)buf_str(&s->mem);
	if (s->map == NULL && s->stored > 0) {
		void *m = mmap(NULL, s->stored, PROT_READ, MAP_PRIVATE, s->fd, 0);

		if (m == MAP_FAILED) {
			snprintf(s->error, sizeof(s->error), "cannot map spool file: %s",
			         strerror(errno));
			*error_r = s->error;
			return NULL;
		}
		s->map = m;
		s->map_len = s->stored;
	}
	return s->map != NULL ? s->map : (const unsigned char *)"";
}

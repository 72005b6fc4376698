/*
 * zip - the names of the files inside a zip archive, read from its central
 * directory (or, when that is cut off, from the local headers), without
 * unpacking anything: enough to see an executable hidden in an archive.
 */
#ifndef SPAM_ZIP_H
#define SPAM_ZIP_H

#include <stdbool.h>
#include <stddef.h>

#define SPAM_ZIP_MAX_NAMES 10000

/* Does data look like a zip archive (a local file header first)? */
bool spam_zip_is(const unsigned char *data, size_t len);

/*
 * Call fn(arg, name, name_len) for each member name (at most
 * SPAM_ZIP_MAX_NAMES); fn returns false to stop. Returns the number of
 * names given, or -1 if data is no readable zip archive.
 */
long spam_zip_names(const unsigned char *data, size_t len,
                    bool (*fn)(void *arg, const char *name, size_t len), void *arg);

#endif

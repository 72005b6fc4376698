/*
 * file - a whole file read into memory: the config's key lists, rule files,
 * score files, the Public Suffix List. One place that gets the loop, the
 * errors and the terminating NUL right.
 */
#ifndef CM_FILE_H
#define CM_FILE_H

#include <stddef.h>

/*
 * The contents of path, NUL-terminated (binary data may hold other NULs:
 * use *len_r), in memory the caller frees; len_r may be NULL. NULL with
 * *why_r set (strerror's text, or "out of memory") on failure.
 */
char *file_read(const char *path, size_t *len_r, const char **why_r);

#endif

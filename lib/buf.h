/*
 * buf - a growable byte string on malloc, for text built piece by piece
 * (headers, log lines, spooled messages). Failures set buf->oom and later
 * appends do nothing, so callers check once at the end.
 */
#ifndef CM_BUF_H
#define CM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len, cap;
	bool oom;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The contents ("" when empty); valid until the next append. */
const char *buf_str(const struct buf *b);

#endif

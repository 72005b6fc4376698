/* rfc5322 - header/body splitting for message files (tools and tests). */
#include "rfc5322.h"

#include <string.h>

size_t rfc5322_headers(const char *msg, size_t len, rfc5322_field_fn *fn, void *arg)
{
	size_t pos = 0;
	struct buf name, value;

	buf_init(&name);
	buf_init(&value);
	if (len >= 5 && strncmp(msg, "From ", 5) == 0) {
		const char *nl = memchr(msg, '\n', len);

		pos = nl != NULL ? (size_t)(nl - msg) + 1 : len;
	}
	while (pos < len) {
		const char *line = msg + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - line) : len - pos;
		size_t clen = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;
		const char *colon;

		if (clen == 0) {
			pos += llen + (nl != NULL); /* the empty line ends the headers */
			break;
		}
		if ((line[0] == ' ' || line[0] == '\t') && name.len > 0) {
			buf_putc(&value, '\n');
			buf_append(&value, line, clen);
			pos += llen + (nl != NULL);
			continue;
		}
		colon = memchr(line, ':', clen);
		if (colon == NULL)
			break; /* not a header: the body starts here */
		if (name.len > 0)
			fn(arg, buf_str(&name), buf_str(&value));
		buf_reset(&name);
		buf_reset(&value);
		buf_append(&name, line, (size_t)(colon - line));
		buf_append(&value, colon + 1, clen - (size_t)(colon - line) - 1);
		pos += llen + (nl != NULL);
	}
	if (name.len > 0)
		fn(arg, buf_str(&name), buf_str(&value));
	buf_free(&name);
	buf_free(&value);
	return pos;
}

void rfc5322_crlf(const char *data, size_t len, struct buf *out)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
			buf_append(out, data + start, i - start);
			buf_puts(out, "\r\n");
			start = i + 1;
		}
	}
	buf_append(out, data + start, len - start);
}

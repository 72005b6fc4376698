/*
 * canon - simple and relaxed canonicalization of header fields and of the
 * body (RFC 6376 §3.4.1-§3.4.4, with erratum 1384: an empty body is empty
 * under relaxed, one CRLF under simple). The body is a byte-at-a-time state
 * machine, so chunk boundaries never matter; output is batched into the
 * hash.
 */
#include "canon.h"

#include <ctype.h>
#include <string.h>

static bool wsp(char c)
{
	return c == ' ' || c == '\t';
}

void dkimc_canon_header(enum dkimc_canon c, const char *name, const char *value, struct buf *out)
{
	size_t len = strlen(name);
	const char *p;
	bool space = false, started = false;

	if (c == DKIMC_SIMPLE) {
		buf_puts(out, name);
		buf_putc(out, ':');
		buf_puts(out, value);
		buf_append(out, "\r\n", 2);
		return;
	}
	while (len > 0 && wsp(name[len - 1]))
		len--;
	for (p = name; p < name + len; p++)
		buf_putc(out, (char)tolower((unsigned char)*p));
	buf_putc(out, ':');
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
			continue; /* unfold */
		if (wsp(*p)) {
			space = true;
			continue;
		}
		if (space && started)
			buf_putc(out, ' ');
		space = false;
		started = true;
		buf_putc(out, *p);
	}
	buf_append(out, "\r\n", 2);
}

/* ---- the body ---- */

static void flush(struct dkimc_body *b)
{
	dkimc_hash_update(b->hash, b->out, b->n);
	b->length += b->n;
	b->n = 0;
}

static void emit(struct dkimc_body *b, const char *s, size_t len)
{
	while (len > 0) {
		size_t room = sizeof(b->out) - b->n, n = len < room ? len : room;

		memcpy(b->out + b->n, s, n);
		b->n += n;
		s += n;
		len -= n;
		if (b->n == sizeof(b->out))
			flush(b);
	}
}

/* A content byte of a line: first the empty lines and white space held back. */
static void content(struct dkimc_body *b, char c)
{
	for (; b->empty_lines > 0; b->empty_lines--)
		emit(b, "\r\n", 2);
	if (b->wsp) {
		emit(b, " ", 1);
		b->wsp = false;
	}
	emit(b, &c, 1);
	b->in_line = true;
	b->any = true;
}

static void line_end(struct dkimc_body *b)
{
	b->wsp = false; /* relaxed: white space at the end of a line goes */
	if (b->in_line)
		emit(b, "\r\n", 2);
	else
		b->empty_lines++;
	b->in_line = false;
}

void dkimc_body_init(struct dkimc_body *b, enum dkimc_canon c, struct dkimc_hash *h)
{
	memset(b, 0, offsetof(struct dkimc_body, out));
	b->canon = c;
	b->hash = h;
}

static bool plain(const struct dkimc_body *b, char c)
{
	return c != '\r' && c != '\n' && !(b->canon == DKIMC_RELAXED && wsp(c));
}

void dkimc_body_update(struct dkimc_body *b, const unsigned char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		char c = (char)data[i];

		/* Fast path: a run of ordinary bytes, at most one space held back. */
		if (!b->cr && b->empty_lines == 0 && plain(b, c)) {
			size_t j = i + 1;

			while (j < len && plain(b, (char)data[j]))
				j++;
			if (b->wsp) {
				emit(b, " ", 1);
				b->wsp = false;
			}
			emit(b, (const char *)data + i, j - i);
			b->in_line = b->any = true;
			i = j;
			continue;
		}
		i++;
		if (b->cr) {
			b->cr = false;
			if (c == '\n') {
				line_end(b);
				continue;
			}
			content(b, '\r');
		}
		if (c == '\r')
			b->cr = true;
		else if (c == '\n')
			line_end(b);
		else if (b->canon == DKIMC_RELAXED && wsp(c))
			b->wsp = true;
		else
			content(b, c);
	}
}

int dkimc_body_final(struct dkimc_body *b, unsigned char digest[DKIMC_SHA256_LEN])
{
	if (b->cr) {
		b->cr = false;
		content(b, '\r');
	}
	if (b->in_line)
		line_end(b); /* a last line without CRLF gets one */
	if (!b->any && b->canon == DKIMC_SIMPLE)
		emit(b, "\r\n", 2); /* an empty body is one CRLF */
	b->empty_lines = 0;
	flush(b);
	return dkimc_hash_final(b->hash, digest);
}

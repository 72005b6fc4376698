/*
 * hdr - header folding and unfolding. hdr_fold_sa() follows SpamAssassin's
 * PerMsgStatus::_process_header() and Util::wrap() step by step: the text
 * is cut after every white space or comma, pieces are joined while the line
 * stays within 79 columns (a tab counts 8), a new line starts with a tab,
 * and white-space-only lines are dropped.
 */
#include "hdr.h"

#include <stdlib.h>
#include <string.h>

#define SA_WIDTH 79

static bool sa_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t columns(const struct buf *b)
{
	size_t i, n = b->len;

	for (i = 0; i < b->len; i++)
		if (b->data[i] == '\t')
			n += 7;
	return n;
}

/*
 * The elements of Perl's split(/((?<=[\s,]))/, $s): pieces that end after
 * a separator, with an empty capture between each two.
 */
static struct buf *split_pieces(const char *s, size_t len, size_t *n_r)
{
	struct buf *el = calloc(2 * len + 2, sizeof(*el));
	size_t i, n = 0, start = 0;

	if (el == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if ((sa_space(s[i]) || s[i] == ',') && i + 1 < len) {
			buf_append(&el[n++], s + start, i + 1 - start);
			buf_puts(&el[n++], "");
			start = i + 1;
		}
	}
	buf_append(&el[n++], s + start, len - start);
	*n_r = n;
	return el;
}

/* Util::wrap($s, "\t", "", 79, 0, ...) on the split elements, in place. */
static size_t sa_wrap(struct buf *el, size_t n)
{
	size_t pos = 0;
	bool pos_mod = false;

	while (n - 1 > pos) {
		size_t len = columns(&el[pos]);

		if (pos_mod)
			len += columns(&el[pos + 1]);
		if (len <= SA_WIDTH) {
			buf_append(&el[pos], buf_str(&el[pos + 1]), el[pos + 1].len);
			buf_free(&el[pos + 1]);
			memmove(&el[pos + 1], &el[pos + 2], (n - pos - 2) * sizeof(*el));
			n--;
			pos_mod = true;
		} else {
			while (el[pos].len > 0 && sa_space(el[pos].data[el[pos].len - 1]))
				el[pos].data[--el[pos].len] = '\0';
			pos++;
			memmove(&el[pos + 1], &el[pos], (n - pos) * sizeof(*el));
			buf_init(&el[pos]);
			buf_putc(&el[pos], '\t');
			n++;
			pos_mod = false;
		}
	}
	return n;
}

void hdr_fold_sa(const char *name, const char *value, struct buf *out)
{
	struct buf work, joined;
	struct buf *el;
	size_t n, i;
	const char *p, *data;

	buf_init(&work);
	buf_init(&joined);
	buf_printf(&work, "%s!!%s", name, value);
	el = split_pieces(buf_str(&work), work.len, &n);
	if (el == NULL) {
		out->oom = true;
		buf_free(&work);
		return;
	}
	n = sa_wrap(el, n);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&joined, '\n');
		buf_append(&joined, buf_str(&el[i]), el[i].len);
		buf_free(&el[i]);
	}
	free(el);

	/* s/^\s*\n//gm: drop white-space-only lines, then split off "name!!". */
	data = strstr(buf_str(&joined), "!!");
	data = data != NULL ? data + 2 : buf_str(&joined);
	p = data;
	while (*p != '\0') {
		const char *q = p, *last_nl = NULL;

		while (*q != '\0' && sa_space(*q)) {
			if (*q == '\n')
				last_nl = q;
			q++;
		}
		if (p > data && p[-1] == '\n' && last_nl != NULL) {
			p = last_nl + 1;
			continue;
		}
		q = strchr(p, '\n');
		q = q != NULL ? q + 1 : p + strlen(p);
		buf_append(out, p, (size_t)(q - p));
		p = q;
	}
	buf_free(&joined);
	buf_free(&work);
}

void hdr_unfold(const char *value, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (value[i] != '\r' && value[i] != '\n')
			buf_putc(out, value[i]);
}

bool hdr_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':')
			return false;
	}
	return true;
}

/* Skip white space, folds and (nested) comments. */
static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (sa_space(*p))
			p++;
		if (*p != '(')
			return p;
		{
			int depth = 0;

			do {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (*p != '\0' && depth > 0);
		}
	}
}

bool hdr_ar_authserv_id(const char *value, char *out, size_t size)
{
	const char *p = skip_cfws(value);
	size_t n = 0;

	while (p[n] != '\0' && !sa_space(p[n]) && p[n] != ';' && p[n] != '(')
		n++;
	if (n == 0 || size == 0)
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/*
 * mime_decode - the byte-level decodings lib/mime.c needs: base64,
 * quoted-printable, RFC 2047 encoded-words, and charsets to UTF-8 (the
 * common ones here, the rest through glibc's iconv, which only this file
 * includes). Bad input is flagged and decoded as well as it can be.
 */
#include "mime.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

/* ---- transfer encodings ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t mime_base64_decode(const unsigned char *in, size_t len, unsigned char *out,
                          unsigned *flags_r)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i, n = 0;
	unsigned flags = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (c == '=') {
			/* Padding ends a group; another block may follow it. */
			if (bits == 6)
				flags |= MIME_F_BAD_BASE64; /* a lone character before it */
			acc = 0;
			bits = 0;
			continue;
		}
		v = b64_value(c);
		if (v < 0) {
			if (c != '\r' && c != '\n' && c != ' ' && c != '\t')
				flags |= MIME_F_BAD_BASE64;
			continue;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits >= 6)
		flags |= MIME_F_BAD_BASE64; /* a lone character: 6 bits make no byte */
	if (flags_r != NULL)
		*flags_r |= flags;
	return n;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t mime_qp_decode(const unsigned char *in, size_t len, unsigned char *out, bool underscore,
                      unsigned *flags_r)
{
	size_t i = 0, n = 0, j;
	unsigned flags = 0;

	while (i < len) {
		unsigned char c = in[i];

		if (c == '_' && underscore) {
			out[n++] = ' ';
			i++;
			continue;
		}
		if (c != '=') {
			out[n++] = c;
			i++;
			continue;
		}
		if (i + 2 < len && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
			out[n++] =
			    (unsigned char)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
			i += 3;
			continue;
		}
		/* A soft line break: '=', optional trailing white space, line end. */
		for (j = i + 1; j < len && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j < len && in[j] == '\r' && j + 1 < len && in[j + 1] == '\n') {
			i = j + 2;
			continue;
		}
		if (j < len && in[j] == '\n') {
			i = j + 1;
			continue;
		}
		if (j == len) {
			i = len;
			continue;
		}
		flags |= MIME_F_BAD_QP;
		out[n++] = '=';
		i++;
	}
	if (flags_r != NULL)
		*flags_r |= flags;
	return n;
}

/* ---- charsets ---- */

enum cs_kind { CS_ASCII, CS_UTF8, CS_CP1252, CS_ICONV, CS_UNKNOWN };

/* Windows-1252's 0x80-0x9F; the rest of its upper half is ISO-8859-1. */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static const char *const ascii_names[] = {"us-ascii",       "ascii", "iso646-us",
                                          "ansi_x3.4-1968", "us",    NULL};
static const char *const utf8_names[] = {"utf-8", "utf8", NULL};
/* ISO-8859-1 is read as Windows-1252, its superset, as browsers do: mail
 * labelled Latin-1 is mostly written on Windows. */
static const char *const cp1252_names[] = {
    "iso-8859-1",   "iso8859-1", "iso_8859-1", "latin1",          "l1",
    "windows-1252", "cp1252",    "x-cp1252",   "iso-8859-1:1987", NULL};

static bool in_list(const char *name, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(name, list[i]) == 0)
			return true;
	return false;
}

static bool name_plausible(const char *cs)
{
	size_t i;

	for (i = 0; cs[i] != '\0'; i++)
		if (!isalnum((unsigned char)cs[i]) && strchr("-_.:+", cs[i]) == NULL)
			return false;
	return i > 0 && i <= 40;
}

static enum cs_kind classify(const char *cs)
{
	if (cs == NULL || cs[0] == '\0')
		return CS_UNKNOWN;
	if (in_list(cs, ascii_names))
		return CS_ASCII;
	if (in_list(cs, utf8_names))
		return CS_UTF8;
	if (in_list(cs, cp1252_names))
		return CS_CP1252;
	return name_plausible(cs) ? CS_ICONV : CS_UNKNOWN;
}

static size_t put_cp(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Length of a valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static bool has_8bit(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 0x80)
			return true;
	return false;
}

/* The output writer: LF line ends, U+FFFD for what cannot be read. */
struct out {
	unsigned char *p;
	size_t n, cap;
	bool cr; /* the previous input byte was CR */
};

static void out_byte(struct out *o, unsigned char c)
{
	if (o->cr && c == '\n') {
		o->cr = false;
		return; /* CRLF: the LF was written for the CR */
	}
	o->cr = c == '\r';
	if (o->n < o->cap)
		o->p[o->n++] = c == '\r' ? '\n' : c;
}

static void out_cp(struct out *o, uint32_t cp)
{
	unsigned char tmp[4];
	size_t k, n;

	if (cp < 0x80) {
		out_byte(o, (unsigned char)cp);
		return;
	}
	o->cr = false;
	n = put_cp(tmp, cp);
	if (o->n + n > o->cap)
		return;
	for (k = 0; k < n; k++)
		o->p[o->n++] = tmp[k];
}

static void from_utf8(struct out *o, const unsigned char *in, size_t len, unsigned *flags)
{
	size_t i = 0, n, k;

	while (i < len) {
		if (in[i] < 0x80) {
			out_byte(o, in[i++]);
			continue;
		}
		n = utf8_seq(in + i, len - i);
		if (n == 0) {
			*flags |= MIME_F_BAD_CHARSET;
			out_cp(o, 0xFFFD);
			i++;
			continue;
		}
		o->cr = false;
		if (o->n + n <= o->cap)
			for (k = 0; k < n; k++)
				o->p[o->n++] = in[i + k];
		i += n;
	}
}

static void from_cp1252(struct out *o, const unsigned char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (c < 0x80)
			out_byte(o, c);
		else if (c < 0xA0)
			out_cp(o, cp1252_c1[c - 0x80]);
		else
			out_cp(o, c);
	}
}

/* Text whose charset we don't know: UTF-8 if it is valid UTF-8, else 1252. */
static void guess(struct out *o, const unsigned char *in, size_t len, unsigned *flags)
{
	if (utf8_valid(in, len))
		from_utf8(o, in, len, flags);
	else
		from_cp1252(o, in, len);
}

/* Names mail software writes that iconv knows by another name. */
static const char *const aliases[][2] = {
    {"ks_c_5601-1987", "CP949"},  {"ks_c_5601", "CP949"},
    {"chinesebig5", "BIG5"},      {"x-gbk", "GBK"},
    {"x-sjis", "SHIFT_JIS"},      {"x-euc-tw", "EUC-TW"},
    {"x-mac-roman", "MACINTOSH"}, {"unicode-1-1-utf-7", "UTF-7"},
};

/* Through iconv; -1 if it does not know the charset. */
static int from_iconv(struct out *o, const char *cs, const unsigned char *in, size_t len,
                      unsigned *flags)
{
	char tmp[4096];
	char *ip = (char *)in;
	size_t il = len, i;
	iconv_t cd;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(cs, aliases[i][0]) == 0)
			cs = aliases[i][1];
	/* name_plausible() let no '/' through: iconv reads no path from mail. */
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return -1;
	while (il > 0) {
		char *op = tmp;
		size_t ol = sizeof(tmp), r = iconv(cd, &ip, &il, &op, &ol), k;
		int err = errno;

		/* iconv's output is valid UTF-8; only line ends need our writer. */
		for (k = 0; k < (size_t)(op - tmp); k++) {
			unsigned char c = (unsigned char)tmp[k];

			if (c < 0x80)
				out_byte(o, c);
			else if (o->n < o->cap) {
				o->cr = false;
				o->p[o->n++] = c;
			}
		}
		if (r != (size_t)-1 || err == E2BIG)
			continue;
		/* EILSEQ, or EINVAL (a sequence cut at the end): one byte is lost. */
		*flags |= MIME_F_BAD_CHARSET;
		out_cp(o, 0xFFFD);
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL); /* back to the initial shift state */
	}
	iconv_close(cd);
	return 0;
}

char *mime_to_utf8(const char *charset, const unsigned char *in, size_t len, struct pool *p,
                   size_t *out_len_r, unsigned *flags_r)
{
	struct out o = {NULL, 0, 0, false};
	unsigned flags = 0;
	enum cs_kind kind = classify(charset);

	/* 4 bytes out per byte in covers every path: U+FFFD (3) for one bad
	 * byte, at most 4 for any code point from at least one byte. */
	o.cap = len * 4 + 4;
	o.p = pool_alloc(p, o.cap + 1);
	if (o.p == NULL) {
		*out_len_r = 0;
		return NULL;
	}
	switch (kind) {
	case CS_ASCII:
		if (has_8bit(in, len))
			flags |= MIME_F_8BIT_UNDECLARED;
		guess(&o, in, len, &flags);
		break;
	case CS_UTF8:
		from_utf8(&o, in, len, &flags);
		break;
	case CS_CP1252:
		from_cp1252(&o, in, len);
		break;
	case CS_ICONV:
		if (from_iconv(&o, charset, in, len, &flags) == 0)
			break;
		__attribute__((fallthrough)); /* iconv does not know it */
	case CS_UNKNOWN:
		if (charset != NULL && charset[0] != '\0')
			flags |= MIME_F_UNKNOWN_CHARSET;
		else if (has_8bit(in, len))
			flags |= MIME_F_8BIT_UNDECLARED;
		guess(&o, in, len, &flags);
		break;
	}
	o.p[o.n] = '\0';
	*out_len_r = o.n;
	if (flags_r != NULL)
		*flags_r |= flags;
	return (char *)o.p;
}

/* ---- RFC 2047 encoded-words ---- */

struct word {
	const char *charset; /* NUL-terminated copy in tmp */
	char cs[48];
	char enc;
	const char *text;
	size_t text_len;
	size_t end; /* offset after "?=" */
};

/* An encoded-word "=?charset[*lang]?B|Q?text?=" at s[i]; false if none. */
static bool parse_word(const char *s, size_t len, size_t i, struct word *w)
{
	size_t j = i + 2, k, cs_len;
	const char *q;

	if (i + 2 > len || s[i] != '=' || s[i + 1] != '?')
		return false;
	q = memchr(s + j, '?', len - j);
	if (q == NULL)
		return false;
	cs_len = (size_t)(q - (s + j));
	if (cs_len == 0 || cs_len >= sizeof(w->cs))
		return false;
	memcpy(w->cs, s + j, cs_len);
	w->cs[cs_len] = '\0';
	if (strchr(w->cs, '*') != NULL)
		*strchr(w->cs, '*') = '\0'; /* RFC 2231 language tag */
	j += cs_len + 1;
	if (j + 2 > len || s[j + 1] != '?')
		return false;
	w->enc = (char)toupper((unsigned char)s[j]);
	if (w->enc != 'B' && w->enc != 'Q')
		return false;
	j += 2;
	for (k = j; k + 1 < len; k++) {
		if (s[k] == '?' && s[k + 1] == '=')
			break;
		if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')
			return false;
	}
	if (k + 1 >= len)
		return false;
	w->charset = w->cs;
	w->text = s + j;
	w->text_len = k - j;
	w->end = k + 2;
	return true;
}

static void flush_bytes(struct buf *out, struct buf *pending, const char *cs, struct pool *p,
                        unsigned *flags)
{
	size_t n;
	char *u;

	if (pending->len == 0)
		return;
	u = mime_to_utf8(cs, (const unsigned char *)pending->data, pending->len, p, &n, flags);
	if (u != NULL)
		buf_append(out, u, n);
	buf_reset(pending);
}

static void put_plain(struct buf *out, const char *s, size_t len, struct pool *p, unsigned *flags)
{
	size_t n;
	char *u;

	if (!has_8bit((const unsigned char *)s, len)) {
		buf_append(out, s, len);
		return;
	}
	*flags |= MIME_F_8BIT_HEADER;
	u = mime_to_utf8(NULL, (const unsigned char *)s, len, p, &n, NULL);
	if (u != NULL)
		buf_append(out, u, n);
}

static bool only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

char *mime_decode_header(const char *value, struct pool *p, unsigned *flags_r)
{
	size_t len = strlen(value), i = 0, plain = 0, last_end = 0;
	struct buf out, pending;
	char pending_cs[48] = "";
	unsigned flags = 0;
	bool prev_word = false;
	char *r;

	buf_init(&out);
	buf_init(&pending);
	while (i < len) {
		struct word w;
		unsigned char *tmp;
		size_t n;

		if (value[i] != '=' || !parse_word(value, len, i, &w)) {
			if (value[i] == '=' && i + 1 < len && value[i + 1] == '?')
				flags |= MIME_F_BAD_ENCODED_WORD;
			i++;
			continue;
		}
		/* White space between two encoded-words is not part of the text. */
		if (!(prev_word && only_space(value + last_end, i - last_end))) {
			flush_bytes(&out, &pending, pending_cs, p, &flags);
			put_plain(&out, value + plain, i - plain, p, &flags);
		}
		if (strcasecmp(w.charset, pending_cs) != 0) {
			flush_bytes(&out, &pending, pending_cs, p, &flags);
			snprintf(pending_cs, sizeof(pending_cs), "%s", w.charset);
		}
		tmp = pool_alloc(p, w.text_len + 1);
		if (tmp == NULL)
			break;
		if (w.enc == 'B')
			n = mime_base64_decode((const unsigned char *)w.text, w.text_len, tmp,
			                       &flags);
		else
			n = mime_qp_decode((const unsigned char *)w.text, w.text_len, tmp, true,
			                   &flags);
		buf_append(&pending, tmp, n);
		i = plain = last_end = w.end;
		prev_word = true;
	}
	flush_bytes(&out, &pending, pending_cs, p, &flags);
	put_plain(&out, value + plain, len - plain, p, &flags);
	if (flags & MIME_F_BAD_BASE64)
		flags = (flags & ~(unsigned)MIME_F_BAD_BASE64) | MIME_F_BAD_ENCODED_WORD;
	r = out.oom ? NULL : pool_strdup(p, buf_str(&out));
	buf_free(&out);
	buf_free(&pending);
	if (flags_r != NULL)
		*flags_r |= flags & ~(unsigned)(MIME_F_BAD_CHARSET | MIME_F_8BIT_UNDECLARED |
		                                MIME_F_BAD_QP);
	return r;
}

/* ---- flag names ---- */

static const char *const flag_names[] = {
    "bad-header",      "too-many-headers", "no-boundary",      "boundary-missing",
    "unclosed",        "bad-base64",       "bad-qp",           "unknown-encoding",
    "unknown-charset", "bad-charset",      "8bit-undeclared",  "too-deep",
    "too-many-parts",  "truncated",        "bad-encoded-word", "8bit-header",
};

const char *mime_flag_names(unsigned flags, struct pool *p)
{
	struct buf b;
	const char *r;
	size_t i;

	buf_init(&b);
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1u << i))
			buf_printf(&b, "%s%s", b.len ? " " : "", flag_names[i]);
	r = b.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	return r;
}

unsigned mime_flag_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (strcmp(name, flag_names[i]) == 0)
			return 1u << i;
	return 0;
}

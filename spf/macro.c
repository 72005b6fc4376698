/*
 * macro - RFC 7208 §7 macro-strings. One scanner serves both the syntax
 * check done when a record is parsed and the expansion done when a term is
 * evaluated, so the two can never disagree on what is valid.
 */
#include "macro.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char delimiter_chars[] = ".-+,/_=";

struct spfc_macro {
	char letter; /* lower case */
	bool upper;  /* URL-escape the expansion */
	unsigned digits;
	bool reverse;
	unsigned delims; /* bit i: delimiter_chars[i]; 0 means "." */
};

/* A literal byte allowed in the mode (macro-literal, plus SP in explanations). */
static bool spfc_literal_ok(unsigned char c, enum spfc_macro_mode mode)
{
	if (c == ' ')
		return mode == SPFC_MACRO_EXP;
	return c >= 0x21 && c <= 0x7e && c != '%';
}

/*
 * Scan the macro-expand starting at s[i] == '%'. Returns its length; *simple
 * is the replacement for "%%", "%_" and "%-", or NULL for a letter macro
 * described in *mc. -1 with *error_r if malformed.
 */
static long spfc_scan(const char *s, size_t len, size_t i, enum spfc_macro_mode mode,
                      struct spfc_macro *mc, const char **simple, const char **error_r)
{
	size_t j = i + 1;
	char c;

	*simple = NULL;
	if (j >= len) {
		*error_r = "a '%' at the end (write %% for a percent sign)";
		return -1;
	}
	switch (s[j]) {
	case '%':
		*simple = "%";
		return 2;
	case '_':
		*simple = " ";
		return 2;
	case '-':
		*simple = "%20";
		return 2;
	case '{':
		break;
	default:
		*error_r = "'%' not followed by {, %, _ or - (write %% for a percent sign)";
		return -1;
	}
	if (++j >= len) {
		*error_r = "an unterminated %{ macro";
		return -1;
	}
	memset(mc, 0, sizeof(*mc));
	c = s[j];
	mc->upper = c >= 'A' && c <= 'Z';
	mc->letter = mc->upper ? (char)(c - 'A' + 'a') : c;
	if (mc->letter == '\0' || strchr("slodiphcrtv", mc->letter) == NULL) {
		*error_r = "an unknown macro letter (expected one of s l o d i p h c r t v)";
		return -1;
	}
	if (mode == SPFC_MACRO_DOMAIN && strchr("crt", mc->letter) != NULL) {
		*error_r = "the c, r and t macros are allowed only in explanation (exp=) text";
		return -1;
	}
	j++;
	if (j < len && s[j] >= '0' && s[j] <= '9') {
		unsigned v = 0;

		while (j < len && s[j] >= '0' && s[j] <= '9') {
			v = v * 10 + (unsigned)(s[j] - '0');
			if (v > SPFC_MACRO_MAX_PARTS)
				v = SPFC_MACRO_MAX_PARTS; /* any larger count keeps every part */
			j++;
		}
		if (v == 0) {
			*error_r =
			    "a macro keeping 0 parts (the digit transformer must be nonzero)";
			return -1;
		}
		mc->digits = v;
	}
	if (j < len && (s[j] == 'r' || s[j] == 'R')) {
		mc->reverse = true;
		j++;
	}
	while (j < len && s[j] != '}') {
		const char *d = s[j] != '\0' ? strchr(delimiter_chars, s[j]) : NULL;

		if (d == NULL) {
			*error_r =
			    "an invalid character in a %{ macro (delimiters are . - + , / _ =)";
			return -1;
		}
		mc->delims |= 1u << (d - delimiter_chars);
		j++;
	}
	if (j >= len) {
		*error_r = "an unterminated %{ macro";
		return -1;
	}
	return (long)(j - i + 1);
}

int spfc_macro_check(const char *s, size_t len, enum spfc_macro_mode mode, const char **error_r)
{
	struct spfc_macro mc;
	const char *simple;
	size_t i = 0;
	long n;

	while (i < len) {
		if (s[i] != '%') {
			if (!spfc_literal_ok((unsigned char)s[i], mode)) {
				*error_r = "a character not allowed in a macro-string";
				return -1;
			}
			i++;
			continue;
		}
		if ((n = spfc_scan(s, len, i, mode, &mc, &simple, error_r)) < 0)
			return -1;
		i += (size_t)n;
	}
	return 0;
}

static bool spfc_is_delim(char c, unsigned delims)
{
	const char *d;

	if (delims == 0)
		return c == '.';
	d = c != '\0' ? strchr(delimiter_chars, c) : NULL;
	return d != NULL && (delims & (1u << (d - delimiter_chars))) != 0;
}

static void spfc_put_escaped(struct buf *out, const char *s, size_t len, bool escape)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (!escape) {
		buf_append(out, s, len);
		return;
	}
	/* RFC 3986 §2.1: everything but the unreserved characters. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			buf_putc(out, (char)c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

/* Split value on the delimiters, reverse, keep the rightmost parts, join with '.'. */
static int spfc_transform(const char *value, const struct spfc_macro *mc, struct buf *out,
                          const char **error_r)
{
	uint16_t start[SPFC_MACRO_MAX_PARTS], end[SPFC_MACRO_MAX_PARTS];
	size_t len = strlen(value), n = 0, i, first, k;

	if (mc->digits == 0 && !mc->reverse && mc->delims == 0) {
		spfc_put_escaped(out, value, len, mc->upper);
		return 0;
	}
	if (len > UINT16_MAX) {
		*error_r = "a macro value too long to transform";
		return -1;
	}
	start[0] = 0;
	for (i = 0; i <= len; i++) {
		if (i == len || spfc_is_delim(value[i], mc->delims)) {
			end[n++] = (uint16_t)i;
			if (i == len)
				break;
			if (n == SPFC_MACRO_MAX_PARTS) {
				*error_r = "a macro value with too many parts to transform";
				return -1;
			}
			start[n] = (uint16_t)(i + 1);
		}
	}
	/* Parts in output order are p(0..n): reversed or not; keep the last digits. */
	first = mc->digits != 0 && mc->digits < n ? n - mc->digits : 0;
	for (k = first; k < n; k++) {
		size_t idx = mc->reverse ? n - 1 - k : k;

		if (k > first)
			buf_putc(out, '.');
		spfc_put_escaped(out, value + start[idx], end[idx] - start[idx], mc->upper);
	}
	return 0;
}

static const char *spfc_value(struct spfc_macro_env *env, char letter, char *tbuf, size_t tsize)
{
	const char *v = NULL;

	switch (letter) {
	case 's':
		env->used |= SPFC_USED_SENDER;
		v = env->sender;
		break;
	case 'l':
		env->used |= SPFC_USED_SENDER;
		v = env->local;
		break;
	case 'h':
		env->used |= SPFC_USED_SENDER;
		v = env->helo;
		break;
	case 'o':
		v = env->sender_domain;
		break;
	case 'd':
		v = env->domain;
		break;
	case 'i':
		v = env->ip_dots;
		break;
	case 'c':
		v = env->ip_text;
		break;
	case 'v':
		v = env->ipv6 ? "ip6" : "in-addr";
		break;
	case 'r':
		v = env->receiver;
		break;
	case 't':
		env->used |= SPFC_USED_TIME;
		snprintf(tbuf, tsize, "%ld", env->now);
		v = tbuf;
		break;
	case 'p':
		env->used |= SPFC_USED_PTR;
		v = env->ptr_name != NULL ? env->ptr_name(env->arg) : NULL;
		if (v == NULL)
			v = "unknown";
		break;
	}
	return v != NULL ? v : "";
}

int spfc_macro_expand(const char *s, size_t len, enum spfc_macro_mode mode,
                      struct spfc_macro_env *env, struct buf *out, const char **error_r)
{
	struct spfc_macro mc;
	const char *simple;
	char tbuf[32];
	size_t i = 0, lit;
	long n;

	while (i < len) {
		for (lit = i; lit < len && s[lit] != '%'; lit++) {
			if (!spfc_literal_ok((unsigned char)s[lit], mode)) {
				*error_r = "a character not allowed in a macro-string";
				return -1;
			}
		}
		buf_append(out, s + i, lit - i);
		if ((i = lit) >= len)
			break;
		if ((n = spfc_scan(s, len, i, mode, &mc, &simple, error_r)) < 0)
			return -1;
		i += (size_t)n;
		if (simple != NULL)
			buf_puts(out, simple);
		else if (spfc_transform(spfc_value(env, mc.letter, tbuf, sizeof(tbuf)), &mc, out,
		                        error_r) < 0)
			return -1;
	}
	return 0;
}

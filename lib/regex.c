/*
 * regex - PCRE2 behind our own small interface: compile with JIT where the
 * CPU allows it, match with a step limit (the JIT and the interpreter both
 * honour it) and a heap limit, count matches. Nothing here keeps state
 * between calls except the caller's scratch.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

struct rx {
	pcre2_code *code;
	pcre2_match_context *mctx; /* limits; read-only once built, so shared */
};

struct rx_scratch {
	pcre2_match_data *md;
};

int rx_compile(const char *pattern, size_t len, const char *flags, struct rx **re_r, char *err,
               size_t err_size)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C;
	struct rx *re;
	PCRE2_SIZE where;
	int code;
	const char *f;

	*re_r = NULL;
	for (f = flags; *f != '\0'; f++) {
		switch (*f) {
		case 'i':
			opts |= PCRE2_CASELESS;
			break;
		case 'm':
			opts |= PCRE2_MULTILINE;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		default:
			snprintf(err, err_size, "unknown flag '%c', expected i, m, s or x", *f);
			return -1;
		}
	}
	re = calloc(1, sizeof(*re));
	if (re == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	re->code = pcre2_compile((PCRE2_SPTR)pattern, len, opts, &code, &where, NULL);
	if (re->code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, err_size, "at offset %zu: %s", (size_t)where, (const char *)msg);
		free(re);
		return -1;
	}
	/* Without JIT (an unsupported CPU) the interpreter runs the pattern. */
	pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	re->mctx = pcre2_match_context_create(NULL);
	if (re->mctx == NULL) {
		pcre2_code_free(re->code);
		free(re);
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	pcre2_set_match_limit(re->mctx, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, RX_MATCH_LIMIT / 10);
	pcre2_set_heap_limit(re->mctx, 20 * 1024); /* KiB, for the interpreter */
	*re_r = re;
	return 0;
}

void rx_free(struct rx **rep)
{
	struct rx *re = *rep;

	if (re == NULL)
		return;
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re);
	*rep = NULL;
}

struct rx_scratch *rx_scratch_new(void)
{
	struct rx_scratch *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	/* Only the whole match's offsets are read: one pair is enough. */
	sc->md = pcre2_match_data_create(1, NULL);
	if (sc->md == NULL) {
		free(sc);
		return NULL;
	}
	return sc;
}

void rx_scratch_free(struct rx_scratch **sp)
{
	if (*sp == NULL)
		return;
	pcre2_match_data_free((*sp)->md);
	free(*sp);
	*sp = NULL;
}

long rx_count(const struct rx *re, const char *s, size_t len, long max, struct rx_scratch *sc)
{
	PCRE2_SIZE off = 0, *ov;
	long n = 0;
	int r;

	while (n < max && off <= len) {
		r = pcre2_match(re->code, (PCRE2_SPTR)s, len, off, 0, sc->md, re->mctx);
		if (r == PCRE2_ERROR_NOMATCH)
			break;
		if (r < 0)
			return -1;
		n++;
		ov = pcre2_get_ovector_pointer(sc->md);
		if (ov[1] > ov[0]) {
			off = ov[1];
			continue;
		}
		/* An empty match: step over one character. */
		off = ov[1] + 1;
		while (off < len && ((unsigned char)s[off] & 0xC0) == 0x80)
			off++;
	}
	return n;
}

int rx_match(const struct rx *re, const char *s, size_t len)
{
	struct rx_scratch *sc = rx_scratch_new();
	long n;

	if (sc == NULL)
		return -1;
	n = rx_count(re, s, len, 1, sc);
	rx_scratch_free(&sc);
	return n < 0 ? -1 : n > 0;
}

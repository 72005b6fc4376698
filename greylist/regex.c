/*
 * regex - the /regex/ entries of whitelist files on PCRE2 (Perl syntax, as
 * postgrey's files are written for Perl): the only file that includes
 * pcre2.h. Patterns come from the admin, subjects from the network, so a
 * match has a backtracking limit and gives up instead of spinning.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "grey.h"

/* Enough for any sane host name or address pattern, small enough that a
 * pathological one costs well under a millisecond. */
#define MATCH_LIMIT 100000

struct grey_re {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

struct grey_re *grey_re_compile(const char *pattern, char *why, size_t why_size)
{
	struct grey_re *re = calloc(1, sizeof(*re));
	PCRE2_UCHAR msg[200];
	PCRE2_SIZE off;
	int rc;

	if (re == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &rc,
	                         &off, NULL);
	if (re->code == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(why, why_size, "%s at offset %zu", (const char *)msg, (size_t)off);
		free(re);
		return NULL;
	}
	re->mctx = pcre2_match_context_create(NULL);
	if (re->mctx == NULL) {
		snprintf(why, why_size, "out of memory");
		grey_re_free(re);
		return NULL;
	}
	pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
	return re;
}

int grey_re_match(const struct grey_re *re, const char *subject, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL)
		return -1;
	rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, re->mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

void grey_re_free(struct grey_re *re)
{
	if (re == NULL)
		return;
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	free(re);
}

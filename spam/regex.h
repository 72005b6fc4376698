/*
 * regex - the spam rules' regular expressions: PCRE2, compiled once per
 * config with JIT, matched under limits so that a catastrophic pattern
 * costs a bounded amount of work and reports it instead of hanging a
 * thread. Only spam/regex.c includes pcre2.h.
 */
#ifndef SPAM_REGEX_H
#define SPAM_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct spam_re;
struct spam_re_scratch;

/* Backtracking steps one match may take before it is given up. */
#define SPAM_RE_MATCH_LIMIT 1000000

/*
 * Compile pattern (len bytes) with flags from "imsx" (Perl's meaning).
 * Patterns are UTF-8 and match UTF-8 text that may hold invalid bytes.
 * Returns 0, or -1 with a message in err naming the offset and problem.
 */
int spam_re_compile(const char *pattern, size_t len, const char *flags, struct spam_re **re_r,
                    char *err, size_t err_size);
void spam_re_free(struct spam_re **rep);

/* Per-thread working memory for matching (one per message evaluation). */
struct spam_re_scratch *spam_re_scratch_new(void);
void spam_re_scratch_free(struct spam_re_scratch **sp);

/*
 * How many non-overlapping matches s holds, counting up to max (>= 1).
 * Returns the count (0: none), or -1 when a limit (match steps, JIT stack,
 * memory) stopped the search, or another matching error occurred.
 */
long spam_re_count(const struct spam_re *re, const char *s, size_t len, long max,
                   struct spam_re_scratch *sc);

#endif

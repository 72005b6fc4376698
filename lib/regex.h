/*
 * regex - regular expressions written by admins (spam rules, /regex/ lines
 * of greylisting whitelists): PCRE2 (Perl syntax), compiled once per config
 * with JIT, matched under limits so that a catastrophic pattern costs a
 * bounded amount of work and reports it instead of hanging a thread. The
 * only includer of pcre2.h.
 */
#ifndef CM_REGEX_H
#define CM_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct rx;
struct rx_scratch;

/* Backtracking steps one match may take before it is given up. */
#define RX_MATCH_LIMIT 1000000

/*
 * Compile pattern (len bytes) with flags from "imsx" (Perl's meaning).
 * Patterns are UTF-8 and match UTF-8 text that may hold invalid bytes.
 * Returns 0, or -1 with a message in err naming the offset and problem.
 */
int rx_compile(const char *pattern, size_t len, const char *flags, struct rx **re_r, char *err,
               size_t err_size);
void rx_free(struct rx **rep);

/* Per-thread working memory for matching (one per message evaluation). */
struct rx_scratch *rx_scratch_new(void);
void rx_scratch_free(struct rx_scratch **sp);

/*
 * How many non-overlapping matches s holds, counting up to max (>= 1).
 * Returns the count (0: none), or -1 when a limit (match steps, JIT stack,
 * memory) stopped the search, or another matching error occurred.
 */
long rx_count(const struct rx *re, const char *s, size_t len, long max, struct rx_scratch *sc);

/* Whether s matches anywhere: 1, 0, or -1 when a limit stopped the search.
 * Allocates its scratch itself (for the occasional match). */
int rx_match(const struct rx *re, const char *s, size_t len);

#endif

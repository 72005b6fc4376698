/*
 * scores - symbol name -> score. Built from the default table shipped in
 * etc/scores.conf (compiled in), an optional ScoresFile and `Score NAME value`
 * config lines, later ones overriding earlier ones.
 */
#ifndef CM_SCORES_H
#define CM_SCORES_H

#include <stdbool.h>
#include <stddef.h>

struct cm_scores;

struct cm_scores *scores_create(void);
void scores_free(struct cm_scores **sp);
/*
 * Parse "NAME SCORE [description]" lines; '#' starts a comment. Errors go to
 * report(arg, "FILE:LINE: ...") and parsing continues; returns the count.
 */
int scores_parse(struct cm_scores *s, const char *text, const char *file,
                 void (*report)(void *arg, const char *msg), void *arg);
/* One "NAME SCORE" value (a Score config line); -1 if malformed. */
int scores_set_line(struct cm_scores *s, const char *line);
int scores_set(struct cm_scores *s, const char *name, double score);
bool scores_lookup(const struct cm_scores *s, const char *name, double *score_r);
size_t scores_count(const struct cm_scores *s);
/* A score as the log line and amavis's X-Spam-Status write it: up to three
 * decimals, no trailing zeros, no exponent (1.2, 1000, -0.05, 0). */
void scores_format(double v, char *out, size_t size);

#endif

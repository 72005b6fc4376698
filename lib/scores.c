/* scores - a sorted array of (name, score); lookups by binary search. */
#include "scores.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYMBOL_MAX 64

struct entry {
	char name[SYMBOL_MAX];
	double score;
};

struct cm_scores {
	struct entry *v;
	size_t n, cap;
};

struct cm_scores *scores_create(void)
{
	return calloc(1, sizeof(struct cm_scores));
}

void scores_free(struct cm_scores **sp)
{
	if (*sp == NULL)
		return;
	free((*sp)->v);
	free(*sp);
	*sp = NULL;
}

static size_t find(const struct cm_scores *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->v[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int scores_set(struct cm_scores *s, const char *name, double score)
{
	bool found;
	size_t i;

	if (strlen(name) >= SYMBOL_MAX)
		return -1;
	i = find(s, name, &found);
	if (!found) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct entry *v = realloc(s->v, cap * sizeof(*v));

			if (v == NULL)
				return -1;
			s->v = v;
			s->cap = cap;
		}
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
		s->n++;
		snprintf(s->v[i].name, SYMBOL_MAX, "%s", name);
	}
	s->v[i].score = score;
	return 0;
}

bool scores_lookup(const struct cm_scores *s, const char *name, double *score_r)
{
	bool found;
	size_t i;

	if (s == NULL)
		return false;
	i = find(s, name, &found);
	if (found)
		*score_r = s->v[i].score;
	return found;
}

size_t scores_count(const struct cm_scores *s)
{
	return s->n;
}

static bool valid_symbol(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n >= SYMBOL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '_')
			return false;
	return true;
}

/* Parse "NAME SCORE [rest]" from line[0..len); -1 if malformed. */
static int parse_entry(const char *line, size_t len, char *name, double *score, const char **rest)
{
	const char *p = line, *end = line + len;
	size_t n;
	char num[64], *e;

	while (p < end && isspace((unsigned char)*p))
		p++;
	n = 0;
	while (p + n < end && !isspace((unsigned char)p[n]))
		n++;
	if (!valid_symbol(p, n))
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	while (p < end && isspace((unsigned char)*p))
		p++;
	n = 0;
	while (p + n < end && !isspace((unsigned char)p[n]))
		n++;
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, p, n);
	num[n] = '\0';
	errno = 0;
	*score = strtod(num, &e);
	if (errno != 0 || *e != '\0' || !isfinite(*score))
		return -1;
	*rest = p + n;
	return 0;
}

int scores_set_line(struct cm_scores *s, const char *line)
{
	char name[SYMBOL_MAX];
	double score;
	const char *rest;

	if (parse_entry(line, strlen(line), name, &score, &rest) < 0)
		return -1;
	/* A Score config line holds nothing after the number. */
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0')
		return -1;
	return scores_set(s, name, score);
}

int scores_parse(struct cm_scores *s, const char *text, const char *file,
                 void (*report)(void *arg, const char *msg), void *arg)
{
	const char *p = text;
	int lineno = 0, count = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *hash = memchr(p, '#', len);
		size_t use = hash != NULL ? (size_t)(hash - p) : len;
		size_t i;
		char name[SYMBOL_MAX];
		double score;
		const char *rest;

		lineno++;
		for (i = 0; i < use && isspace((unsigned char)p[i]); i++)
			;
		if (i < use) {
			if (parse_entry(p, use, name, &score, &rest) < 0 ||
			    scores_set(s, name, score) < 0) {
				char msg[256];

				snprintf(msg, sizeof(msg),
				         "%s:%d: \"%.*s\": expected SYMBOL SCORE [description], "
				         "such as GTUBE 1000",
				         file, lineno, (int)(use > 60 ? 60 : use), p);
				report(arg, msg);
			} else {
				count++;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return count;
}

void scores_format(double v, char *out, size_t size)
{
	size_t n;

	snprintf(out, size, "%.3f", v);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	if (strcmp(out, "-0") == 0)
		snprintf(out, size, "0");
}

/*
 * bayes - the classifier's mathematics. Each token's probability follows
 * Robinson ("A statistical approach to the spam problem", 2003): the ratio
 * of its frequency in spam to its frequency in spam and ham, pulled toward
 * x by s imaginary observations. The strongest tokens are combined with
 * Fisher's method: -2 sum ln p is chi-square distributed with 2n degrees
 * of freedom when the p are uniform, which turns "all these tokens lean
 * the same way" into a probability, once for spam (S) and once for ham
 * (H); the result is (1 + S - H) / 2, near 0.5 when the evidence is
 * missing or contradicts itself.
 */
#include "bayes.h"

#include <math.h>
#include <stdlib.h>

const struct spam_bayes_params spam_bayes_defaults = {
    .s = 0.45,
    .x = 0.5,
    .min_dev = 0.1,
    .max_tokens = 150,
};

double spam_chi2q(double x2, unsigned v)
{
	double m = x2 / 2.0, sum, term;
	unsigned i;

	if (x2 <= 0)
		return 1.0;
	sum = term = exp(-m);
	for (i = 1; i < v / 2; i++) {
		term *= m / i;
		sum += term;
	}
	return sum < 1.0 ? sum : 1.0;
}

double spam_bayes_token(const struct spam_tcount *c, long nspam, long nham,
                        const struct spam_bayes_params *p)
{
	double sr, hr, pw, n = (double)c->spam + (double)c->ham;

	if (n == 0 || nspam <= 0 || nham <= 0)
		return p->x;
	sr = (double)c->spam / (double)nspam;
	hr = (double)c->ham / (double)nham;
	pw = sr + hr > 0 ? sr / (sr + hr) : p->x;
	return (p->s * p->x + n * pw) / (p->s + n);
}

struct clue {
	double f, dev;
};

static int by_strength(const void *a, const void *b)
{
	double da = ((const struct clue *)a)->dev, db = ((const struct clue *)b)->dev;

	return da < db ? 1 : da > db ? -1 : 0;
}

double spam_bayes_prob(const struct spam_tcount *c, size_t n, long nspam, long nham,
                       const struct spam_bayes_params *p, size_t *n_used_r)
{
	struct clue *clues = malloc((n + 1) * sizeof(*clues));
	double sum_h = 0, sum_s = 0, s, h;
	size_t i, k = 0;

	if (n_used_r != NULL)
		*n_used_r = 0;
	if (clues == NULL)
		return 0.5;
	for (i = 0; i < n; i++) {
		double f = spam_bayes_token(&c[i], nspam, nham, p);
		double dev = fabs(f - 0.5);

		if (dev >= p->min_dev)
			clues[k++] = (struct clue){f, dev};
	}
	if (k > p->max_tokens) {
		qsort(clues, k, sizeof(*clues), by_strength);
		k = p->max_tokens;
	}
	for (i = 0; i < k; i++) {
		/* Probabilities of exactly 0 or 1 cannot occur (s > 0), but keep
		 * the logarithms finite for any parameters. */
		double f = clues[i].f < 1e-12       ? 1e-12
		           : clues[i].f > 1 - 1e-12 ? 1 - 1e-12
		                                    : clues[i].f;

		sum_h += log(f);
		sum_s += log(1.0 - f);
	}
	free(clues);
	if (n_used_r != NULL)
		*n_used_r = k;
	if (k == 0)
		return 0.5;
	s = 1.0 - spam_chi2q(-2.0 * sum_s, 2 * (unsigned)k);
	h = 1.0 - spam_chi2q(-2.0 * sum_h, 2 * (unsigned)k);
	return (1.0 + s - h) / 2.0;
}

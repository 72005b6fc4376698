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
#include <stdbool.h>
#include <stdlib.h>

/* SpamBayes' values. Cross-validation on the training corpus (make
 * bench-spam-cv; tool_bayescv -s -x -d -m) found none better: a larger s
 * or more tokens caught more spam with more false positives, a smaller s
 * or x below 0.5 the reverse, other minimum strengths changed nothing. */
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

bool spam_bayes_misjudged(double prob, bool spam, double margin)
{
	return spam ? prob < 1.0 - margin : prob > margin;
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
	size_t i; /* position in the message: ties go to the earlier token */
};

/* a before b: stronger, or as strong and earlier. */
static bool stronger(const struct clue *a, const struct clue *b)
{
	return a->dev > b->dev || (a->dev == b->dev && a->i < b->i);
}

/*
 * Put the k strongest of c[0..n) first, in any order (quickselect; a
 * full sort of every clue cost as much as the rest of the maths).
 */
static void strongest(struct clue *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		struct clue pivot = c[lo + (hi - lo) / 2], t;
		size_t i = lo, j = lo, m = hi;

		/* three-way partition: [lo,i) stronger, [i,j) the pivot, [m,hi) weaker */
		while (j < m) {
			if (stronger(&c[j], &pivot)) {
				t = c[i], c[i] = c[j], c[j] = t;
				i++, j++;
			} else if (stronger(&pivot, &c[j])) {
				m--;
				t = c[m], c[m] = c[j], c[j] = t;
			} else
				j++;
		}
		if (k < i)
			hi = i;
		else if (k > j)
			lo = j;
		else
			return;
	}
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
			clues[k++] = (struct clue){f, dev, i};
	}
	if (k > p->max_tokens) {
		strongest(clues, k, p->max_tokens);
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

/*
 * bayescv - k-fold cross-validation of the statistical classifier on
 * labelled lists of message files, all in memory: tokenize each message
 * once (spam/token.c), learn k-1 folds, classify the held-out fold, for
 * every fold. Prints "label probability path" per message, then recall
 * and false positives at a few probability cut-offs. For tuning on
 * training mail only:
 *   tool_bayescv [-k FOLDS] [-s S] [-x X] [-d MINDEV] [-m MAXTOKENS] HAMLIST SPAMLIST
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../spam/bayes.h"
#include "../../spam/token.h"
#include "../../spam/view.h"

struct doc {
	char *path;
	bool spam;
	uint64_t *h;
	size_t n;
	int fold;
	double prob;
};

static struct doc *docs;
static size_t n_docs, cap_docs;
static const char *explain; /* -e: a path whose strongest tokens to show */

/* Token counts: open addressing, key 0 free. */
struct slot {
	uint64_t key;
	struct spam_tcount c;
};
static struct slot *table;
static size_t table_cap = (size_t)1 << 22;

static struct slot *slot_of(uint64_t key, bool create)
{
	size_t i = key & (table_cap - 1);

	while (table[i].key != 0 && table[i].key != key)
		i = (i + 1) & (table_cap - 1);
	if (table[i].key == 0) {
		if (!create)
			return NULL;
		table[i].key = key;
	}
	return &table[i];
}

static void learn(const struct doc *d, int sign)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct slot *s = slot_of(d->h[i], true);

		if (d->spam)
			s->c.spam = (uint32_t)((int64_t)s->c.spam + sign);
		else
			s->c.ham = (uint32_t)((int64_t)s->c.ham + sign);
	}
}

static int load(const char *list, bool spam)
{
	FILE *fp = fopen(list, "r");
	char line[4096], path[8192], dir[4096];
	const char *slash = strrchr(list, '/');

	if (fp == NULL) {
		perror(list);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - list) : 1, slash ? list : ".");
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct buf b;
		char chunk[65536];
		size_t n;
		FILE *mf;
		struct pool *p;
		struct spam_view v;
		struct spam_tokens t = {0};
		struct doc *d;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		mf = fopen(path, "rb");
		if (mf == NULL) {
			perror(path);
			continue;
		}
		buf_init(&b);
		while ((n = fread(chunk, 1, sizeof(chunk), mf)) > 0)
			buf_append(&b, chunk, n);
		fclose(mf);
		p = pool_create();
		if (spam_view_build(&v, b.data ? b.data : "", b.len, 1 << 20, NULL, p) < 0 ||
		    spam_tokenize(&v, &t) < 0) {
			fprintf(stderr, "%s: out of memory\n", path);
			return -1;
		}
		if (n_docs == cap_docs) {
			cap_docs = cap_docs ? cap_docs * 2 : 4096;
			docs = realloc(docs, cap_docs * sizeof(*docs));
		}
		d = &docs[n_docs++];
		d->path = strdup(path);
		d->spam = spam;
		d->n = t.n;
		d->h = malloc((t.n + 1) * sizeof(*d->h));
		memcpy(d->h, t.h, t.n * sizeof(*d->h));
		pool_destroy(&p);
		buf_free(&b);
	}
	fclose(fp);
	return 0;
}

struct shown {
	char text[220];
	double f;
	struct spam_tcount c;
};

static struct shown *shown;
static size_t n_shown;
static long sh_nspam, sh_nham;
static const struct spam_bayes_params *sh_prm;

static void trace(void *arg, const char *text, size_t len)
{
	uint64_t h = spam_tok_hash(text, len);
	struct slot *s = slot_of(h, false);
	struct shown *x;

	(void)arg;
	shown = realloc(shown, (n_shown + 1) * sizeof(*shown));
	x = &shown[n_shown++];
	snprintf(x->text, sizeof(x->text), "%.*s", (int)len, text);
	x->c = s != NULL ? s->c : (struct spam_tcount){0, 0};
	x->f = spam_bayes_token(&x->c, sh_nspam, sh_nham, sh_prm);
}

static int by_dev(const void *a, const void *b)
{
	double da = fabs(((const struct shown *)a)->f - 0.5),
	       db = fabs(((const struct shown *)b)->f - 0.5);

	return da < db ? 1 : da > db ? -1 : 0;
}

/* The message's tokens with their counts, strongest first. */
static void show(const struct doc *d, long nspam, long nham, const struct spam_bayes_params *prm)
{
	struct buf b;
	char chunk[65536];
	size_t n, i;
	FILE *mf = fopen(d->path, "rb");
	struct pool *p = pool_create();
	struct spam_view v;
	struct spam_tokens t = {0};

	buf_init(&b);
	while (mf != NULL && (n = fread(chunk, 1, sizeof(chunk), mf)) > 0)
		buf_append(&b, chunk, n);
	if (mf != NULL)
		fclose(mf);
	sh_nspam = nspam;
	sh_nham = nham;
	sh_prm = prm;
	n_shown = 0;
	t.trace = trace;
	spam_view_build(&v, b.data ? b.data : "", b.len, 1 << 20, NULL, p);
	spam_tokenize(&v, &t);
	qsort(shown, n_shown, sizeof(*shown), by_dev);
	fprintf(stderr, "%s: %.6f\n", d->path, d->prob);
	for (i = 0; i < n_shown && i < 40; i++)
		fprintf(stderr, "  %.4f %5u %5u %s\n", shown[i].f, shown[i].c.spam, shown[i].c.ham,
		        shown[i].text);
	pool_destroy(&p);
	buf_free(&b);
}

int main(int argc, char **argv)
{
	struct spam_bayes_params prm = spam_bayes_defaults;
	static const double cuts[] = {0.5, 0.8, 0.9, 0.95, 0.99, 0.999};
	struct spam_tcount *c = NULL;
	size_t i, j, cap_c = 0;
	long nspam = 0, nham = 0, tspam = 0, tham = 0;
	int k = 5, f, opt;

	while ((opt = getopt(argc, argv, "k:s:x:d:m:e:")) != -1) {
		switch (opt) {
		case 'e':
			explain = optarg;
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 's':
			prm.s = atof(optarg);
			break;
		case 'x':
			prm.x = atof(optarg);
			break;
		case 'd':
			prm.min_dev = atof(optarg);
			break;
		case 'm':
			prm.max_tokens = (size_t)atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || k < 2) {
		fprintf(stderr, "usage: tool_bayescv [-k FOLDS] [-s S] [-x X] [-d MINDEV] "
		                "[-m MAXTOKENS] HAMLIST SPAMLIST\n");
		return 2;
	}
	if (load(argv[optind], false) < 0 || load(argv[optind + 1], true) < 0)
		return 1;
	table = calloc(table_cap, sizeof(*table));
	for (i = 0; i < n_docs; i++) {
		docs[i].fold = (int)(i % (size_t)k);
		learn(&docs[i], 1);
		if (docs[i].spam)
			tspam++;
		else
			tham++;
	}
	for (f = 0; f < k; f++) {
		nspam = tspam;
		nham = tham;
		for (i = 0; i < n_docs; i++)
			if (docs[i].fold == f) {
				learn(&docs[i], -1);
				docs[i].spam ? nspam-- : nham--;
			}
		for (i = 0; i < n_docs; i++) {
			struct doc *d = &docs[i];

			if (d->fold != f)
				continue;
			if (d->n > cap_c) {
				cap_c = d->n;
				c = realloc(c, cap_c * sizeof(*c));
			}
			for (j = 0; j < d->n; j++) {
				struct slot *s = slot_of(d->h[j], false);

				c[j] = s != NULL ? s->c : (struct spam_tcount){0, 0};
			}
			d->prob = spam_bayes_prob(c, d->n, nspam, nham, &prm, NULL);
			if (explain != NULL && strstr(d->path, explain) != NULL)
				show(d, nspam, nham, &prm);
		}
		for (i = 0; i < n_docs; i++)
			if (docs[i].fold == f)
				learn(&docs[i], 1);
	}
	for (i = 0; i < n_docs; i++)
		printf("%s %.6f %s\n", docs[i].spam ? "spam" : "ham", docs[i].prob, docs[i].path);
	for (j = 0; j < sizeof(cuts) / sizeof(cuts[0]); j++) {
		long tp = 0, fp = 0;

		for (i = 0; i < n_docs; i++)
			if (docs[i].prob >= cuts[j])
				docs[i].spam ? tp++ : fp++;
		fprintf(stderr,
		        "cut %.3f: recall %.2f%% (%ld/%ld), false positives %.2f%% (%ld/%ld)\n",
		        cuts[j], 100.0 * tp / tspam, tp, tspam, 100.0 * fp / tham, fp, tham);
	}
	return 0;
}

/*
 * bayescv - k-fold cross-validation of the statistical classifier on
 * labelled lists of message files, all in memory: tokenize each message
 * once (spam/token.c), learn k-1 folds, classify the held-out fold, for
 * every fold. A message's fold comes from a hash of its path and -S SEED,
 * so runs with other seeds split the corpus other ways; with -g from the
 * From: address's registered domain instead, so that a
 * sender's messages are never on both sides: what the classifier does
 * with mail from senders it has not learned. -t: after learning the k-1
 * folds, tune them as `chainmilter learn --tune` does (spam_bayes_tune).
 * Prints "label
 * probability path" per message, then recall and false positives at a few
 * probability cut-offs. For tuning on training mail only:
 *   tool_bayescv [-k FOLDS] [-S SEED] [-g] [-t] [-s S] [-x X] [-d MINDEV] [-m MAXTOKENS]
 *                [-r RULES [-w SCORES]] HAMLIST SPAMLIST
 * With -r, RULES is tool_spameval's output for the same messages with
 * Bayes off (every other symbol of the chain, scored); each line is then
 * printed as tool_spameval prints it, "score label path symbols", with the
 * held-out BAYES_ symbol and its score added: the whole score as the
 * daemon would give it, from a classifier that never saw the message.
 * Scores are the built-in ones (etc/scores.conf), then -w SCORES (the
 * same format) to try others without a rebuild.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/file.h"
#include "../../lib/scores.h"
#include "../../spam/bayes.h"
#include "../../spam/spam.h"
#include "../../spam/token.h"
#include "../../spam/uri.h"
#include "../../spam/view.h"

struct doc {
	char *path;
	char *rules;     /* -r: "score symbols" from tool_spameval, NULL if absent */
	char *real;      /* realpath(path), once needed */
	char group[128]; /* -g: the From: address's registered domain */
	bool spam;
	uint64_t *h;
	size_t n;
	int fold;
	bool twice; /* -t: learned a second time in this fold */
	double prob;
};

extern const char cm_default_scores[];

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

/* The registered domain of the From: address, lower case ("" if none). */
static void from_domain(const struct spam_view *v, char *out, size_t size)
{
	const char *from = spam_view_header(v, "From", 1), *at;
	struct spam_addr a;
	char host[256];
	size_t i;

	out[0] = '\0';
	if (from == NULL || spam_addr_parse(from, v->p, &a, 1) != 1 ||
	    (at = strrchr(a.addr, '@')) == NULL)
		return;
	for (i = 0; at[1 + i] != '\0' && i + 1 < sizeof(host); i++)
		host[i] = (char)tolower((unsigned char)at[1 + i]);
	host[i] = '\0';
	snprintf(out, size, "%s", spam_uri_domain(host));
}

/* The classifier's probability for d with the counts as they are now. */
static double classify(const struct doc *d, long nspam, long nham,
                       const struct spam_bayes_params *prm)
{
	static struct spam_tcount *c;
	static size_t cap_c;
	size_t j;

	if (d->n > cap_c) {
		cap_c = d->n;
		c = realloc(c, cap_c * sizeof(*c));
	}
	for (j = 0; j < d->n; j++) {
		struct slot *s = slot_of(d->h[j], false);

		c[j] = s != NULL ? s->c : (struct spam_tcount){0, 0};
	}
	return spam_bayes_prob(c, d->n, nspam, nham, prm, NULL);
}

/* A message's view and tokens, as the daemon would make them (from p). */
static int tokens_of(const char *text, size_t len, struct pool *p, struct spam_view *v,
                     struct spam_tokens *t)
{
	if (spam_view_build(v, text, len, 1 << 20, NULL, p) < 0)
		return -1;
	return spam_tokenize(v, t);
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
		const char *why = NULL;
		char *text;
		size_t len;
		struct pool *p;
		struct spam_view v;
		struct spam_tokens t = {0};
		struct doc *d;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		text = file_read(path, &len, &why);
		if (text == NULL) {
			fprintf(stderr, "%s: %s\n", path, why);
			continue;
		}
		p = pool_create();
		if (tokens_of(text, len, p, &v, &t) < 0) {
			fprintf(stderr, "%s: out of memory\n", path);
			return -1;
		}
		if (n_docs == cap_docs) {
			cap_docs = cap_docs ? cap_docs * 2 : 4096;
			docs = realloc(docs, cap_docs * sizeof(*docs));
		}
		d = &docs[n_docs++];
		memset(d, 0, sizeof(*d));
		d->path = strdup(path);
		d->spam = spam;
		from_domain(&v, d->group, sizeof(d->group));
		d->n = t.n;
		d->h = malloc((t.n + 1) * sizeof(*d->h));
		memcpy(d->h, t.h, t.n * sizeof(*d->h));
		pool_destroy(&p);
		free(text);
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
	const char *why = NULL;
	size_t len = 0, i;
	char *text = file_read(d->path, &len, &why);
	struct pool *p = pool_create();
	struct spam_view v;
	struct spam_tokens t = {0};

	sh_nspam = nspam;
	sh_nham = nham;
	sh_prm = prm;
	n_shown = 0;
	t.trace = trace;
	tokens_of(text != NULL ? text : "", text != NULL ? len : 0, p, &v, &t);
	qsort(shown, n_shown, sizeof(*shown), by_dev);
	fprintf(stderr, "%s: %.6f\n", d->path, d->prob);
	for (i = 0; i < n_shown && i < 40; i++)
		fprintf(stderr, "  %.4f %5u %5u %s\n", shown[i].f, shown[i].c.spam, shown[i].c.ham,
		        shown[i].text);
	pool_destroy(&p);
	free(text);
}

/* ---- -r: the whole score ---- */

static void report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static struct cm_scores *load_scores(const char *file)
{
	struct cm_scores *sc = scores_create();
	const char *why = NULL;
	char *text;

	if (sc == NULL)
		return NULL;
	scores_parse(sc, cm_default_scores, "built-in scores", report, NULL);
	if (file == NULL)
		return sc;
	if ((text = file_read(file, NULL, &why)) == NULL) {
		fprintf(stderr, "%s: %s\n", file, why);
		scores_free(&sc);
		return NULL;
	}
	scores_parse(sc, text, file, report, NULL);
	free(text);
	return sc;
}

/* The same file, however each list names it. */
static bool same_file(struct doc *d, const char *real)
{
	if (d->real == NULL && (d->real = realpath(d->path, NULL)) == NULL)
		d->real = strdup(d->path);
	return strcmp(d->real, real) == 0;
}

/* tool_spameval lines: "score label path symbols"; matched to docs by path. */
static int read_rules(const char *file)
{
	FILE *fp = fopen(file, "r");
	char line[16384], score[64], label[16], path[8192];
	size_t i, next = 0, missing = 0;

	if (fp == NULL) {
		perror(file);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		int off = 0;

		line[strcspn(line, "\r\n")] = '\0';
		char *real;

		if (sscanf(line, "%63s %15s %8191s %n", score, label, path, &off) < 3)
			continue;
		if ((real = realpath(path, NULL)) == NULL) {
			perror(path);
			continue;
		}
		/* Usually in the same order as the lists: look there first. */
		for (i = 0; i < n_docs && !same_file(&docs[(next + i) % n_docs], real); i++)
			;
		free(real);
		if (i == n_docs)
			continue;
		i = (next + i) % n_docs;
		docs[i].rules = malloc(strlen(score) + strlen(line + off) + 2);
		sprintf(docs[i].rules, "%s %s", score, line + off);
		next = i + 1;
	}
	fclose(fp);
	for (i = 0; i < n_docs; i++)
		if (docs[i].rules == NULL && missing++ < 3)
			fprintf(stderr, "%s: no line for %s\n", file, docs[i].path);
	return missing > 0 ? -1 : 0;
}

static void print_scored(const struct doc *d, const struct cm_scores *sc)
{
	const char *sym = spam_bayes_symbol(d->prob), *rest = strchr(d->rules, ' ');
	double score = atof(d->rules), b = 0, b999 = 0;

	scores_lookup(sc, sym, &b);
	if (d->prob >= SPAM_BAYES_999)
		scores_lookup(sc, "BAYES_999", &b999);
	score += b + b999;
	printf("%.3f %s %s %s%s%s=%g", score, d->spam ? "spam" : "ham", d->path,
	       rest != NULL && rest[1] != '\0' ? rest + 1 : "",
	       rest != NULL && rest[1] != '\0' ? "," : "", sym, b);
	if (d->prob >= SPAM_BAYES_999)
		printf(",BAYES_999=%g", b999);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct spam_bayes_params prm = spam_bayes_defaults;
	static const double cuts[] = {0.5, 0.8, 0.9, 0.95, 0.99, 0.999};
	size_t i, j;
	long nspam = 0, nham = 0, tspam = 0, tham = 0;
	int k = 5, f, opt;
	unsigned long long seed = 0;
	bool group = false;
	bool tune = false;
	const char *rules_file = NULL, *scores_file = NULL;
	struct cm_scores *sc = NULL;

	while ((opt = getopt(argc, argv, "k:S:gts:x:d:m:e:r:w:")) != -1) {
		switch (opt) {
		case 'S':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'g':
			group = true;
			break;
		case 't':
			tune = true;
			break;
		case 'r':
			rules_file = optarg;
			break;
		case 'w':
			scores_file = optarg;
			break;
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
	if (argc - optind != 2 || k < 2 || (scores_file != NULL && rules_file == NULL)) {
		fprintf(
		    stderr,
		    "usage: tool_bayescv [-k FOLDS] [-S SEED] [-g] [-t] [-s S] [-x X] [-d MINDEV] "
		    "[-m MAXTOKENS] [-r RULES [-w SCORES]] HAMLIST SPAMLIST\n");
		return 2;
	}
	if (load(argv[optind], false) < 0 || load(argv[optind + 1], true) < 0)
		return 1;
	if (rules_file != NULL &&
	    ((sc = load_scores(scores_file)) == NULL || read_rules(rules_file) < 0))
		return 1;
	table = calloc(table_cap, sizeof(*table));
	for (i = 0; i < n_docs; i++) {
		const char *base = strrchr(docs[i].path, '/');
		char key[192];

		/* By the file's name, not its place in the list: the same split
		 * whatever order or directory the lists give; -g: by sender. */
		if (group && docs[i].group[0] != '\0')
			snprintf(key, sizeof(key), "@%s/%llu", docs[i].group, seed);
		else
			snprintf(key, sizeof(key), "%s/%llu",
			         base != NULL ? base + 1 : docs[i].path, seed);
		docs[i].fold = (int)(spam_tok_hash(key, strlen(key)) % (uint64_t)k);
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
		for (i = 0; tune && i < n_docs; i++) {
			struct doc *d = &docs[i];
			double pr;

			/* learn --tune: judged as if never learned, learned again if misjudged */
			if (d->fold == f)
				continue;
			learn(d, -1);
			d->spam ? nspam-- : nham--;
			pr = classify(d, nspam, nham, &prm);
			learn(d, 1);
			d->spam ? nspam++ : nham++;
			if (spam_bayes_misjudged(pr, d->spam, SPAM_TUNE_MARGIN)) {
				learn(d, 1);
				d->twice = true;
				d->spam ? nspam++ : nham++;
			}
		}
		for (i = 0; i < n_docs; i++) {
			struct doc *d = &docs[i];

			if (d->fold != f)
				continue;
			d->prob = classify(d, nspam, nham, &prm);
			if (explain != NULL && strstr(d->path, explain) != NULL)
				show(d, nspam, nham, &prm);
		}
		for (i = 0; i < n_docs; i++) {
			if (docs[i].fold == f)
				learn(&docs[i], 1);
			if (docs[i].twice)
				learn(&docs[i], -1);
			docs[i].twice = false;
		}
	}
	for (i = 0; i < n_docs; i++)
		if (sc != NULL)
			print_scored(&docs[i], sc);
		else
			printf("%s %.6f %s\n", docs[i].spam ? "spam" : "ham", docs[i].prob,
			       docs[i].path);
	scores_free(&sc);
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

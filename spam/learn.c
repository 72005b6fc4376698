/*
 * learn - `chainmilter learn --spam|--ham [--forget] PATH...`: teach the
 * classifier from message files, directories of them (Maildir, MH,
 * anything: walked recursively) and mbox files, through the same view and
 * tokenizer the milter uses, into the config's BayesStore. A message is
 * learned once; learned again as the other class it moves; --forget takes
 * it back out. --tune, once both classes are learned, trains on error:
 * each message is classified as if it had not been learned, and the ones
 * the classifier misjudges are learned a second time (spam_bayes_tune).
 * On a terminal a progress bar shows how far it is.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/buf.h"
#include "../lib/coreconf.h"
#include "bayes.h"
#include "spam.h"
#include "token.h"
#include "view.h"

#define MAX_DEPTH 32
#define MAX_OV    64

struct learn {
	struct spam_bayes *bayes;
	size_t max_scan;
	long bayes_min;
	bool spam, forget, tune, bar;
	/* what happened */
	unsigned long counts[SPAM_NOT_LEARNED + 1]; /* by enum spam_learned */
	unsigned long judged, twice;                /* --tune: classified held out, learned again */
	unsigned long unreadable, messages;
	/* progress */
	unsigned long long total_bytes, done_bytes;
	struct timespec last_draw, start;
	bool failed; /* a store error: stop */
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void draw(struct learn *ln, bool final)
{
	int width = 30, filled;
	double frac;
	char bar[64];

	if (!ln->bar || (!final && since(&ln->last_draw) < 0.1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ln->last_draw);
	frac = ln->total_bytes > 0 ? (double)ln->done_bytes / (double)ln->total_bytes : 1.0;
	if (frac > 1)
		frac = 1;
	filled = (int)(frac * width);
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(width - filled));
	bar[width] = '\0';
	fprintf(stderr, "\r%s %s [%s] %3d%%  %lu messages",
	        ln->forget ? "forgetting"
	        : ln->tune ? "tuning"
	                   : "learning",
	        ln->spam ? "spam" : "ham", bar, (int)(frac * 100), ln->messages);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void learn_one(struct learn *ln, const char *msg, size_t len, const char *where)
{
	struct pool *p = pool_create();
	struct spam_view v;
	struct spam_tokens t = {0};
	unsigned char digest[16];
	enum spam_learned out;
	const char *error = NULL;
	double prob = -1;
	bool twice = false;
	int r;

	if (p == NULL || spam_view_build(&v, msg, len, ln->max_scan, NULL, p) < 0 ||
	    spam_tokenize(&v, &t) < 0) {
		fprintf(stderr, "chainmilter learn: %s: out of memory\n", where);
		ln->failed = true;
		pool_destroy(&p);
		return;
	}
	spam_bayes_digest(spam_view_header(&v, "Message-ID", 1), msg, len, digest);
	if (ln->tune)
		r = spam_bayes_tune(ln->bayes, &t, digest, ln->spam, ln->bayes_min,
		                    &spam_bayes_defaults, SPAM_TUNE_MARGIN, p, &out, &prob, &twice,
		                    &error);
	else
		r = spam_bayes_learn(ln->bayes, &t, digest, ln->spam, ln->forget, &out, &error);
	if (r < 0) {
		if (ln->bar)
			fputc('\n', stderr);
		fprintf(stderr, "chainmilter learn: %s: %s\n", where, error);
		ln->failed = true;
	} else {
		ln->counts[out]++;
		ln->messages++;
		ln->judged += prob >= 0;
		ln->twice += twice;
	}
	pool_destroy(&p);
}

/* An mbox: messages start at "From " lines that follow an empty line. */
static void learn_mbox(struct learn *ln, const char *data, size_t len, const char *path)
{
	size_t start = 0, i = 0, n = 0;
	char where[4200];

	while (i <= len && !ln->failed) {
		const char *nl = i < len ? memchr(data + i, '\n', len - i) : NULL;
		size_t next = nl != NULL ? (size_t)(nl - data) + 1 : len;
		bool boundary =
		    i == len || (i > start && len - i >= 5 && memcmp(data + i, "From ", 5) == 0 &&
		                 (i < 2 || data[i - 2] == '\n' ||
		                  (i >= 3 && data[i - 2] == '\r' && data[i - 3] == '\n')));

		if (boundary) {
			snprintf(where, sizeof(where), "%s, message %zu", path, ++n);
			learn_one(ln, data + start, i - start, where);
			ln->done_bytes += i - start;
			draw(ln, false);
			start = i;
		}
		if (i == len)
			break;
		i = next;
	}
}

static int read_file(const char *path, struct buf *b)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	buf_reset(b);
	if (fp == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(b, chunk, n);
	n = ferror(fp);
	fclose(fp);
	return n || b->oom ? -1 : 0;
}

static void learn_file(struct learn *ln, const char *path, struct buf *b)
{
	if (read_file(path, b) < 0) {
		if (ln->bar)
			fputc('\n', stderr);
		fprintf(stderr, "chainmilter learn: %s: cannot read: %s\n", path, strerror(errno));
		ln->unreadable++;
		return;
	}
	if (b->len >= 5 && memcmp(b->data, "From ", 5) == 0) {
		learn_mbox(ln, b->data, b->len, path);
		return;
	}
	learn_one(ln, buf_str(b), b->len, path);
	ln->done_bytes += b->len;
	draw(ln, false);
}

/* Walk path: fn(ln, file) for each regular file, dot files skipped. */
static void walk(struct learn *ln, const char *path, int depth, struct buf *b, bool count_only)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (ln->failed)
		return;
	if (stat(path, &st) < 0) {
		if (count_only) {
			fprintf(stderr, "chainmilter learn: %s: %s\n", path, strerror(errno));
			ln->unreadable++;
		}
		return;
	}
	if (S_ISREG(st.st_mode)) {
		if (count_only)
			ln->total_bytes += (unsigned long long)st.st_size;
		else
			learn_file(ln, path, b);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth >= MAX_DEPTH || (d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && !ln->failed) {
		char *child;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&child, "%s/%s", path, e->d_name) < 0)
			break;
		walk(ln, child, depth + 1, b, count_only);
		free(child);
	}
	closedir(d);
}

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: chainmilter learn [-c FILE] [-o NAME=VALUE]... --spam|--ham "
	    "[--forget|--tune] [--quiet] PATH...\n"
	    "  PATH: message files, directories of them (walked), or mbox files\n"
	    "  --tune: after learning both classes, learn again what the classifier misjudges\n");
	return 2;
}

/*
 * Run as root with a UserID, open the store as that user, so that the
 * daemon can write to the file learning creates; files to learn are still
 * read with our own rights.
 */
static int attach_as_user(const struct cm_core_conf *core, struct spam_bayes *b)
{
	const char *error = NULL;
	struct passwd *pw = NULL;
	long ns, nh;
	char name[256], *colon;
	int r;

	if (geteuid() == 0 && core->user != NULL && core->user[0] != '\0') {
		snprintf(name, sizeof(name), "%s", core->user);
		if ((colon = strchr(name, ':')) != NULL)
			*colon = '\0';
		pw = getpwnam(name);
		if (pw == NULL || setegid(pw->pw_gid) < 0 || seteuid(pw->pw_uid) < 0) {
			fprintf(stderr, "chainmilter learn: cannot become %s to open the store\n",
			        name);
			return -1;
		}
	}
	r = spam_bayes_totals(b, &ns, &nh, &error);
	if (pw != NULL && (seteuid(0) < 0 || setegid(0) < 0))
		r = -1;
	if (r < 0)
		fprintf(stderr, "chainmilter learn: %s: %s\n", spam_bayes_name(b),
		        error != NULL ? error : "cannot switch users back");
	return r;
}

static void report(struct learn *ln, double secs)
{
	long ns = 0, nh = 0;
	const char *error = NULL;

	if (ln->tune)
		printf(
		    "tuned %lu messages as %s: %lu misjudged held out and learned a second time, "
		    "%lu judged right, %lu not judged (learned twice before, or too little learned "
		    "yet); %lu were not learned as %s before (%lu moved from %s)",
		    ln->messages, ln->spam ? "spam" : "ham", ln->twice, ln->judged - ln->twice,
		    ln->messages - ln->judged,
		    ln->counts[SPAM_LEARNED] + ln->counts[SPAM_RELEARNED],
		    ln->spam ? "spam" : "ham", ln->counts[SPAM_RELEARNED],
		    ln->spam ? "ham" : "spam");
	else if (ln->forget)
		printf("forgot %lu messages as %s (%lu had not been learned)",
		       ln->counts[SPAM_FORGOTTEN], ln->spam ? "spam" : "ham",
		       ln->counts[SPAM_NOT_LEARNED]);
	else
		printf("learned %lu messages as %s (%lu moved from %s, %lu learned before)",
		       ln->counts[SPAM_LEARNED] + ln->counts[SPAM_RELEARNED],
		       ln->spam ? "spam" : "ham", ln->counts[SPAM_RELEARNED],
		       ln->spam ? "ham" : "spam", ln->counts[SPAM_ALREADY]);
	if (ln->unreadable > 0)
		printf(", %lu unreadable", ln->unreadable);
	printf(" in %.1f s\n", secs);
	if (spam_bayes_totals(ln->bayes, &ns, &nh, &error) == 0)
		printf("%s now knows %ld spam and %ld ham\n", spam_bayes_name(ln->bayes), ns, nh);
}

int spam_learn_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"spam", no_argument, NULL, 's'},   {"ham", no_argument, NULL, 'h'},
	    {"forget", no_argument, NULL, 'f'}, {"tune", no_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},  {NULL, 0, NULL, 0},
	};
	struct learn ln = {0};
	char *ov[MAX_OV];
	const char *config = NULL;
	struct cm_loaded *l = NULL;
	void *state;
	struct buf b;
	size_t n_ov = 0;
	int opt, i, classes = 0;
	bool quiet = false;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:o:q", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (n_ov == MAX_OV)
				return usage();
			ov[n_ov++] = optarg;
			break;
		case 's':
		case 'h':
			ln.spam = opt == 's';
			classes++;
			break;
		case 'f':
			ln.forget = true;
			break;
		case 't':
			ln.tune = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return usage();
		}
	}
	if (classes != 1 || optind >= argc || (ln.forget && ln.tune))
		return usage();
	state = cm_load_check(config, ov, n_ov, &spam_check, &l);
	if (state == NULL)
		return 2;
	ln.bayes = spam_state_bayes(state);
	ln.max_scan = spam_state_max_scan(state);
	ln.bayes_min = spam_state_bayes_min(state);
	if (ln.bayes == NULL) {
		fprintf(stderr,
		        "chainmilter learn: the classifier is off in this config (Bayes no)\n");
		cm_loaded_free(&l);
		return 2;
	}
	if (attach_as_user(cm_loaded_core(l), ln.bayes) < 0) {
		cm_loaded_free(&l);
		return 1;
	}
	ln.bar = !quiet && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &ln.start);
	buf_init(&b);
	for (i = optind; i < argc; i++)
		walk(&ln, argv[i], 0, &b, true);
	for (i = optind; i < argc && !ln.failed; i++)
		walk(&ln, argv[i], 0, &b, false);
	draw(&ln, true);
	buf_free(&b);
	if (!quiet || ln.failed)
		report(&ln, since(&ln.start));
	cm_loaded_free(&l);
	return ln.failed || ln.unreadable > 0 ? 1 : 0;
}

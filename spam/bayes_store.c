/*
 * bayes_store - the classifier's token counts in lib/store.h. Classifying
 * a message is one batched read (one LMDB read transaction, or MGETs on
 * Redis) of its tokens plus the totals and the version; learning is one
 * batched increment. Counters are packed two in one (spam * 2^32 + ham)
 * so that both backends keep them as the plain integers they know.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pool.h"
#include "../lib/store.h"
#include "bayes.h"
#include "token.h"

#define HALF  (1LL << 32)
#define KEY_T 't'

struct spam_bayes {
	struct store *store;
	long token_ttl;
};

int spam_bayes_open(const char *uri, long token_ttl, struct spam_bayes **b_r, const char **error_r)
{
	struct spam_bayes *b = calloc(1, sizeof(*b));

	*b_r = NULL;
	if (b == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	if (store_open(uri, "bayes:", &b->store, error_r) < 0) {
		free(b);
		return -1;
	}
	b->token_ttl = token_ttl;
	*b_r = b;
	return 0;
}

void spam_bayes_close(struct spam_bayes **bp)
{
	if (*bp == NULL)
		return;
	store_close(&(*bp)->store);
	free(*bp);
	*bp = NULL;
}

int spam_bayes_sweep(struct spam_bayes *b, long interval, const char **error_r)
{
	return store_sweeper_start(b->store, interval, error_r);
}

const char *spam_bayes_name(const struct spam_bayes *b)
{
	return store_name(b->store);
}

/* spam * 2^32 + ham, read back with a floor division so that a count that
 * went below zero (a token expired, then forgotten) stays in its half. */
static void unpack(long long v, long long *spam_r, long long *ham_r)
{
	long long q = v + HALF / 2, s = q / HALF;

	if (q % HALF < 0)
		s--; /* C divides toward zero; this wants the floor */
	*spam_r = s;
	*ham_r = v - s * HALF;
}

static void token_key(uint64_t h, unsigned char key[9])
{
	int i;

	key[0] = KEY_T;
	for (i = 0; i < 8; i++)
		key[1 + i] = (unsigned char)(h >> (8 * i));
}

/* ---- classifying ---- */

struct reading {
	struct spam_tcount *c;
	size_t n_tokens, n_known;
	long long totals;
	bool have_version;
	long version;
	bool bad;
};

static uint32_t clamp32(long long v)
{
	return v < 0 ? 0 : v > 0xFFFFFFFFLL ? 0xFFFFFFFFu : (uint32_t)v;
}

static void got_value(void *ctx, size_t i, const void *val, size_t len)
{
	struct reading *rd = ctx;
	long long v, s, h;

	if (store_counter_parse(val, len, &v) < 0) {
		rd->bad = true; /* not ours: counted as unknown */
		return;
	}
	if (i == rd->n_tokens) {
		rd->totals = v;
		return;
	}
	if (i == rd->n_tokens + 1) {
		rd->have_version = true;
		rd->version = (long)v;
		return;
	}
	unpack(v, &s, &h);
	rd->c[i].spam = clamp32(s);
	rd->c[i].ham = clamp32(h);
	rd->n_known++;
}

/*
 * holdout: what this message added to the counts when it was learned
 * (packed as the counters are), taken out again before combining - the
 * probability the classifier would give had it never learned it.
 */
static int classify(struct spam_bayes *b, const struct spam_tokens *t, long min_learned,
                    const struct spam_bayes_params *prm, long long holdout, struct pool *p,
                    struct spam_bayes_result *r, const char **error_r)
{
	struct store_key *keys = pool_alloc(p, (t->n + 2) * sizeof(*keys));
	unsigned char *kbuf = pool_alloc(p, (t->n + 1) * 9);
	struct reading rd = {0};
	long long s, h;
	size_t i;

	memset(r, 0, sizeof(*r));
	rd.c = pool_alloc(p, (t->n + 1) * sizeof(*rd.c));
	if (keys == NULL || kbuf == NULL || rd.c == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (i = 0; i < t->n; i++) {
		token_key(t->h[i], kbuf + 9 * i);
		keys[i] = (struct store_key){kbuf + 9 * i, 9};
	}
	keys[t->n] = (struct store_key){"N", 1};
	keys[t->n + 1] = (struct store_key){"V", 1};
	rd.n_tokens = t->n;
	if (store_get_batch(b->store, keys, t->n + 2, got_value, &rd, error_r) < 0)
		return -1;
	unpack(rd.totals - holdout, &s, &h);
	if (holdout != 0) {
		long long hs, hh;

		unpack(holdout, &hs, &hh);
		for (i = 0; i < t->n; i++) {
			rd.c[i].spam = clamp32((long long)rd.c[i].spam - hs);
			rd.c[i].ham = clamp32((long long)rd.c[i].ham - hh);
		}
	}
	r->nspam = (long)s;
	r->nham = (long)h;
	r->n_known = rd.n_known;
	if (rd.have_version && rd.version != SPAM_TOKENIZER_VERSION) {
		r->why_inactive = "the store was learned by another tokenizer version: learn again";
		return 0;
	}
	if (r->nspam < min_learned || r->nham < min_learned) {
		r->why_inactive = "too few messages learned";
		return 0;
	}
	r->active = true;
	r->prob = spam_bayes_prob(rd.c, t->n, r->nspam, r->nham, prm, &r->n_used);
	return 0;
}

int spam_bayes_classify(struct spam_bayes *b, const struct spam_tokens *t, long min_learned,
                        const struct spam_bayes_params *prm, struct pool *p,
                        struct spam_bayes_result *r, const char **error_r)
{
	return classify(b, t, min_learned, prm, 0, p, r, error_r);
}

/* ---- learning ---- */

void spam_bayes_digest(const char *message_id, const void *msg, size_t len,
                       unsigned char digest[16])
{
	uint64_t h1, h2;
	char *buf;
	size_t n;
	int i;

	if (message_id != NULL && message_id[0] != '\0') {
		msg = message_id;
		len = strlen(message_id);
	}
	/* Two different 64-bit hashes of the same bytes: salted copies. */
	n = len + 1;
	buf = malloc(n);
	if (buf == NULL) {
		memset(digest, 0, 16);
		return;
	}
	memcpy(buf + 1, msg, len);
	buf[0] = 'A';
	h1 = spam_tok_hash(buf, n);
	buf[0] = 'B';
	h2 = spam_tok_hash(buf, n);
	free(buf);
	for (i = 0; i < 8; i++) {
		digest[i] = (unsigned char)(h1 >> (8 * i));
		digest[8 + i] = (unsigned char)(h2 >> (8 * i));
	}
}

static int check_version(struct spam_bayes *b, const char **error_r)
{
	struct buf v;
	long long n;
	int r;

	buf_init(&v);
	r = store_get(b->store, "V", 1, &v, error_r);
	if (r == 1 && (store_counter_parse(v.data, v.len, &n) < 0 || n != SPAM_TOKENIZER_VERSION)) {
		static __thread char msg[256];

		snprintf(msg, sizeof(msg),
		         "%s holds tokens of another tokenizer version (%.*s, this is %d): point "
		         "BayesStore at a new store and learn again",
		         store_name(b->store), (int)(v.len < 20 ? v.len : 20), buf_str(&v),
		         SPAM_TOKENIZER_VERSION);
		*error_r = msg;
		r = -1;
	} else if (r == 0) {
		char ver[16];

		snprintf(ver, sizeof(ver), "%d", SPAM_TOKENIZER_VERSION);
		r = store_put(b->store, "V", 1, ver, strlen(ver), 0, error_r);
	}
	buf_free(&v);
	return r < 0 ? -1 : 0;
}

/*
 * Add delta to every token of t and to the totals: one transaction, unless
 * tokens expire (BayesTokenTTL), when the totals (which never expire) take
 * a second one.
 */
static int add(struct spam_bayes *b, const struct spam_tokens *t, long long delta,
               const char **error_r)
{
	struct store_incr *items = malloc((t->n + 1) * sizeof(*items));
	unsigned char *kbuf = malloc((t->n + 1) * 9);
	struct store_incr total = {"N", 1, delta};
	size_t i, n = t->n;
	int r;

	if (items == NULL || kbuf == NULL) {
		free(items);
		free(kbuf);
		*error_r = "out of memory";
		return -1;
	}
	for (i = 0; i < t->n; i++) {
		token_key(t->h[i], kbuf + 9 * i);
		items[i] = (struct store_incr){kbuf + 9 * i, 9, delta};
	}
	if (b->token_ttl == 0)
		items[n++] = total;
	r = store_incr_batch(b->store, items, n, b->token_ttl, NULL, error_r);
	free(items);
	free(kbuf);
	if (r < 0 || b->token_ttl == 0)
		return r;
	return store_incr_batch(b->store, &total, 1, 0, NULL, error_r);
}

/* What a message's "m" record says it added to the counters: 's'/'h' once,
 * 'S'/'H' twice (spam_bayes_tune); 0 for anything else. */
static long long weight_of(char was)
{
	switch (was) {
	case 's':
		return HALF;
	case 'S':
		return 2 * HALF;
	case 'h':
		return 1;
	case 'H':
		return 2;
	default:
		return 0;
	}
}

static int get_record(struct spam_bayes *b, const unsigned char key[17], char *was_r,
                      const char **error_r)
{
	struct buf old;
	int r;

	*was_r = 0;
	buf_init(&old);
	r = store_get(b->store, key, 17, &old, error_r);
	if (r == 1 && old.len == 1 && weight_of(old.data[0]) != 0)
		*was_r = old.data[0];
	buf_free(&old);
	return r < 0 ? -1 : 0;
}

/* Count the message as `now` ('s', 'h', 'S', 'H', or 0: not at all). */
static int set_record(struct spam_bayes *b, const struct spam_tokens *t,
                      const unsigned char key[17], char was, char now, const char **error_r)
{
	if (add(b, t, weight_of(now) - weight_of(was), error_r) < 0)
		return -1;
	if (now == 0)
		return store_del(b->store, key, 17, error_r) < 0 ? -1 : 0;
	return store_put(b->store, key, 17, &now, 1, 0, error_r);
}

static void record_key(const unsigned char digest[16], unsigned char key[17])
{
	key[0] = 'm';
	memcpy(key + 1, digest, 16);
}

/* Learn (or forget) the message whose record is key; *rec_r: the record after. */
static int learn_as(struct spam_bayes *b, const struct spam_tokens *t, const unsigned char key[17],
                    bool spam, bool forget, enum spam_learned *out, char *rec_r,
                    const char **error_r)
{
	char was, now = spam ? 's' : 'h';

	if (get_record(b, key, &was, error_r) < 0)
		return -1;
	*rec_r = was;
	if (forget) {
		*out = was == 0 ? SPAM_NOT_LEARNED : SPAM_FORGOTTEN;
		*rec_r = 0;
		return was == 0 ? 0 : set_record(b, t, key, was, 0, error_r);
	}
	if (was != 0 && (tolower((unsigned char)was) == now)) {
		*out = SPAM_ALREADY;
		return 0;
	}
	*out = was != 0 ? SPAM_RELEARNED : SPAM_LEARNED;
	*rec_r = now;
	return set_record(b, t, key, was, now, error_r);
}

int spam_bayes_learn(struct spam_bayes *b, const struct spam_tokens *t,
                     const unsigned char digest[16], bool spam, bool forget, enum spam_learned *out,
                     const char **error_r)
{
	unsigned char key[17];
	char rec;

	if (check_version(b, error_r) < 0)
		return -1;
	record_key(digest, key);
	return learn_as(b, t, key, spam, forget, out, &rec, error_r);
}

int spam_bayes_tune(struct spam_bayes *b, const struct spam_tokens *t,
                    const unsigned char digest[16], bool spam, long min_learned,
                    const struct spam_bayes_params *prm, double margin, struct pool *p,
                    enum spam_learned *out, double *prob_r, bool *twice_r, const char **error_r)
{
	unsigned char key[17];
	struct spam_bayes_result r;
	char rec;

	*prob_r = -1;
	*twice_r = false;
	if (check_version(b, error_r) < 0)
		return -1;
	record_key(digest, key);
	if (learn_as(b, t, key, spam, false, out, &rec, error_r) < 0)
		return -1;
	if (rec != (spam ? 's' : 'h')) /* already learned twice */
		return 0;
	if (classify(b, t, min_learned, prm, weight_of(rec), p, &r, error_r) < 0)
		return -1;
	if (!r.active)
		return 0;
	*prob_r = r.prob;
	if (!spam_bayes_misjudged(r.prob, spam, margin))
		return 0;
	*twice_r = true;
	return set_record(b, t, key, rec, spam ? 'S' : 'H', error_r);
}

int spam_bayes_totals(struct spam_bayes *b, long *nspam_r, long *nham_r, const char **error_r)
{
	struct buf v;
	long long n = 0, s, h;
	int r;

	buf_init(&v);
	r = store_get(b->store, "N", 1, &v, error_r);
	if (r == 1 && store_counter_parse(v.data, v.len, &n) < 0) {
		*error_r = "the totals record is not a counter (a corrupt store?)";
		r = -1;
	}
	buf_free(&v);
	if (r < 0)
		return -1;
	unpack(n, &s, &h);
	*nspam_r = (long)s;
	*nham_r = (long)h;
	return 0;
}

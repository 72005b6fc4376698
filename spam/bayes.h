/*
 * bayes - the statistical classifier: per-token spam probabilities in
 * Gary Robinson's form, combined by Fisher's chi-square method (as
 * SpamBayes does) into one probability that a message is spam; the token
 * counts live in the key-value store (lib/store.h) under "bayes:".
 */
#ifndef SPAM_BAYES_H
#define SPAM_BAYES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spam_bayes_params {
	double s;          /* strength of the prior belief about a token (Robinson's s) */
	double x;          /* the prior: a token's probability before any evidence */
	double min_dev;    /* tokens with |f - 0.5| below this say nothing: ignored */
	size_t max_tokens; /* only the strongest this many tokens are combined */
};

extern const struct spam_bayes_params spam_bayes_defaults;

/* How often a token was seen in learned spam and ham. */
struct spam_tcount {
	uint32_t spam, ham;
};

/* P(chi-square with v degrees of freedom >= x2), v even. */
double spam_chi2q(double x2, unsigned v);

/*
 * The probability (0..1) that a message is spam given its tokens' counts
 * and the totals of learned spam and ham; 0.5 when nothing is known.
 * *n_used_r (may be NULL): how many tokens were combined.
 */
double spam_bayes_prob(const struct spam_tcount *c, size_t n, long nspam, long nham,
                       const struct spam_bayes_params *p, size_t *n_used_r);

/* learn --tune's test: a probability given a message held out is not
 * confidently right (spam under 1 - margin, ham over margin). */
bool spam_bayes_misjudged(double prob, bool spam, double margin);

/* A token's f(w): the spam probability of a message holding it. */
double spam_bayes_token(const struct spam_tcount *c, long nspam, long nham,
                        const struct spam_bayes_params *p);

/*
 * The token store (spam/bayes_store.c). Keys under the store prefix
 * "bayes:": "t" + a token's 8-byte hash and "N" (the totals) hold counters
 * packed as spam * 2^32 + ham, so one increment learns a token and one
 * read gets both counts; "m" + a 16-byte message digest remembers what a
 * message was learned as, 's' or 'h' ('S' or 'H': learned twice by
 * spam_bayes_tune), to refuse learning it twice and to move it when
 * relearned as the other class; "V" is the tokenizer version the store
 * was learned with.
 */
struct spam_bayes;
struct spam_tokens;
struct pool;

/* Opens nothing yet (lib/store.h attaches on first use). */
int spam_bayes_open(const char *uri, long token_ttl, struct spam_bayes **b_r, const char **error_r);
void spam_bayes_close(struct spam_bayes **bp);
const char *spam_bayes_name(const struct spam_bayes *b);

struct spam_bayes_result {
	bool active; /* enough spam and ham learned, same tokenizer version */
	double prob; /* spam probability, when active */
	long nspam, nham;
	size_t n_known; /* tokens the store knows */
	size_t n_used;  /* tokens combined */
	const char *why_inactive;
};

/* Classify tokens; -1 with *error_r on a store error. */
int spam_bayes_classify(struct spam_bayes *b, const struct spam_tokens *t, long min_learned,
                        const struct spam_bayes_params *prm, struct pool *p,
                        struct spam_bayes_result *r, const char **error_r);

enum spam_learned {
	SPAM_LEARNED,     /* new */
	SPAM_RELEARNED,   /* it was learned as the other class: moved */
	SPAM_ALREADY,     /* learned as this class before: nothing done */
	SPAM_FORGOTTEN,   /* forget: done */
	SPAM_NOT_LEARNED, /* forget: it was never learned */
};

/* A message's identity for the "m" records: its Message-ID, or its text. */
void spam_bayes_digest(const char *message_id, const void *msg, size_t len,
                       unsigned char digest[16]);

/*
 * Learn (or with forget, unlearn) one message's tokens as spam or ham.
 * Returns 0 and what happened in *out, or -1 with *error_r.
 */
int spam_bayes_learn(struct spam_bayes *b, const struct spam_tokens *t,
                     const unsigned char digest[16], bool spam, bool forget, enum spam_learned *out,
                     const char **error_r);

/*
 * Train on error (`chainmilter learn --tune`): learn the message as
 * spam_bayes_learn does (if it is not yet), then classify it as if it had
 * never been learned; when that probability is not confidently right
 * (spam below 1 - margin, ham above margin) learn it a second time, so
 * that the mail the classifier finds hard - a shop's newsletter among
 * mailing-list ham - weighs more. A message is learned at most twice;
 * forgetting or moving it takes out both. *out: what learning it
 * first did; *prob_r: the held-out probability, or -1 if it was not
 * classified (the classifier is not active yet, or the message was
 * learned twice already); *twice_r: it was learned a second time now.
 */
int spam_bayes_tune(struct spam_bayes *b, const struct spam_tokens *t,
                    const unsigned char digest[16], bool spam, long min_learned,
                    const struct spam_bayes_params *prm, double margin, struct pool *p,
                    enum spam_learned *out, double *prob_r, bool *twice_r, const char **error_r);

/* Start the store's background sweeper (LMDB: expired tokens go). */
int spam_bayes_sweep(struct spam_bayes *b, long interval, const char **error_r);

/* The totals: messages learned as spam and as ham. */
int spam_bayes_totals(struct spam_bayes *b, long *nspam_r, long *nham_r, const char **error_r);

#endif

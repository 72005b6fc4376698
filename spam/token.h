/*
 * token - the classifier's features of a message: words of the text a
 * reader sees, pairs of neighbouring words and of words one apart, header
 * values prefixed by their field (a word in the Subject is not the same
 * token as that word in the body), the sender's and the relays' domains,
 * web address hosts, MIME structure, HTML habits. Each token is hashed
 * to 64 bits; a message gives each token once.
 *
 * The hashes are the keys of the token store, on disk and in Redis: a
 * change to what this file emits or how it hashes is a change of
 * SPAM_TOKENIZER_VERSION, and stores learned with another version must be
 * learned again.
 */
#ifndef SPAM_TOKEN_H
#define SPAM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "view.h"

#define SPAM_TOKENIZER_VERSION 2

/*
 * Words of the body read, at most. Past the first screens a long text adds
 * little but noise, and every word costs store reads. Cross-validation on
 * the training lists agreed, if on thin evidence: with 700 to 1,500 words
 * three long ham messages (one web group's thread) were no longer
 * outvoted by their tails, with 2,000 or more they were; recall did not
 * change.
 */
#define SPAM_TOK_MAX_WORDS 1000
/* Tokens per message, at most (bounded work for the store). */
#define SPAM_TOK_MAX 8000

struct spam_tokens {
	uint64_t *h; /* distinct hashes, in the order first seen */
	size_t n;
	/* the set behind it */
	uint64_t *set;
	size_t set_cap;
	struct pool *p;
	/* For debugging and tests: every token's text as it is emitted. */
	void (*trace)(void *arg, const char *text, size_t len);
	void *trace_arg;
};

/* The 64-bit hash of a token's text (never 0). */
uint64_t spam_tok_hash(const void *data, size_t len);

/* Tokenize v into t (from v's pool). Returns 0, or -1 when out of memory. */
int spam_tokenize(const struct spam_view *v, struct spam_tokens *t);

#endif

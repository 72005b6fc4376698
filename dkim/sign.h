/*
 * sign - makes a DKIM-Signature field (RFC 6376 §5) for a message whose
 * body hash is known: chooses the h= list (the configured fields present,
 * oversigned ones once more), hashes the header fields as a verifier will
 * select them, signs with a key parsed at load time and folds the result.
 */
#ifndef DKIMC_SIGN_H
#define DKIMC_SIGN_H

#include <time.h>

#include "../lib/msg.h"
#include "canon.h"
#include "crypto.h"

/* At most this many h= entries: more would be a message built to waste time. */
#define DKIMC_MAX_SIGNED 256

struct dkimc_signopts {
	enum dkimc_canon hdr_canon, body_canon;
	const char *const *sign; /* field names to sign (case-insensitive) */
	size_t n_sign;
	const char *const *oversign; /* field names listed once more than present */
	size_t n_oversign;
	long ttl; /* x= is t= plus this; 0: no x= */
};

struct dkimc_sigreq {
	const char *domain, *selector;
	const char *identity; /* i=, or NULL */
	const struct dkimc_key *key;
};

/*
 * The value of a DKIM-Signature field (no leading space; folded with "\n\t"
 * as the milter protocol wants), to be prepended to the message, whose
 * header fields are h[0..n) top down. bh: the body hash. Returns NULL with
 * *error_r when signing fails.
 */
const char *dkimc_sign(struct pool *p, const struct dkimc_signopts *o, const struct dkimc_sigreq *r,
                       const struct cm_header *h, size_t n,
                       const unsigned char bh[DKIMC_SHA256_LEN], time_t now, const char **error_r);

/*
 * Hash header fields as a verifier does: for each h= entry, the lowest
 * not-yet-used field of that name (none: nothing), canonicalized. Shared
 * with the tests, which check our signatures against RFC examples.
 */
void dkimc_hash_headers(struct dkimc_hash *hash, enum dkimc_canon c, const char *const *names,
                        size_t n_names, const struct cm_header *h, size_t n, struct buf *scratch);

#endif

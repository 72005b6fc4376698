/*
 * verify - DKIM verification with libopendkim: one library handle per config
 * snapshot, one handle per message fed header fields, end of header, body
 * chunks and end of message as the MTA sends them. Key records are fetched
 * through lib/dns.c (one resolver, one cache, one deadline for the whole
 * daemon), so a DNS timeout is a temperror, never a silent pass (OpenDKIM
 * issue #176). Results come back per signature, in the words of RFC 8601.
 */
#ifndef DKIMC_VERIFY_H
#define DKIMC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/dns.h"
#include "../lib/pool.h"

enum dkimc_result {
	DKIMC_PASS,
	DKIMC_FAIL,      /* verified and failed: signature or body hash mismatch */
	DKIMC_NEUTRAL,   /* not evaluated */
	DKIMC_POLICY,    /* valid, but the key is under MinimumKeyBits */
	DKIMC_TEMPERROR, /* the key could not be fetched now (DNS) */
	DKIMC_PERMERROR, /* unusable: bad syntax, no key, revoked or malformed key */
};

/* The RFC 8601 word for a result: "pass", "fail", ... */
const char *dkimc_result_name(enum dkimc_result r);

struct dkimc_sigresult {
	enum dkimc_result result;
	const char *reason;    /* why it is not a pass, or NULL */
	unsigned key_bits;     /* 0: unknown */
	const char *domain;    /* d= (NULL if the signature had none) */
	const char *identity;  /* i=, or "@" d= */
	const char *selector;  /* s= */
	const char *algorithm; /* a= */
	const char *b;         /* the shortest unique start of b= (header.b) */
	bool testing;          /* the key says t=y: treat as unsigned (RFC 6376 §3.6.1) */
	bool no_key;           /* no key record exists for it */
};

struct dkimc_verifier;
struct dkimc_vmsg;

/* The snapshot's verifier; dns must outlive it. NULL with *error_r. */
struct dkimc_verifier *dkimc_verifier_new(struct dns *dns, unsigned min_key_bits,
                                          const char **error_r);
void dkimc_verifier_free(struct dkimc_verifier **vp);

/* A message; freed with the pool p. NULL with *error_r. */
struct dkimc_vmsg *dkimc_vmsg_new(struct dkimc_verifier *v, struct pool *p, const char *id,
                                  const char **error_r);
/* value: as received, leading space kept, folds as CRLF. */
int dkimc_vmsg_header(struct dkimc_vmsg *vm, const char *name, const char *value,
                      const char **error_r);
/* Returns 1 if the message holds signatures to verify, 0 if none (body
 * chunks and end of message are then not needed), -1 on error. */
int dkimc_vmsg_eoh(struct dkimc_vmsg *vm, const char **error_r);
int dkimc_vmsg_body(struct dkimc_vmsg *vm, const unsigned char *data, size_t len,
                    const char **error_r);
/* The results, one per signature in header order. */
int dkimc_vmsg_eom(struct dkimc_vmsg *vm, struct dkimc_sigresult **res_r, size_t *n_r,
                   const char **error_r);

/*
 * A DNS reply in wire format holding the TXT records of r (what libopendkim
 * parses). Returns its length, or 0 if it does not fit in size. Exposed for
 * the tests.
 */
size_t dkimc_wire_reply(const char *qname, const struct dns_result *r, unsigned char *buf,
                        size_t size);

#endif

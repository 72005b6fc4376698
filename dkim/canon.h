/*
 * canon - DKIM canonicalization (RFC 6376 §3.4): header fields one at a
 * time, the body as a stream of chunks straight into SHA-256, in the
 * "simple" or "relaxed" algorithm. Line ends in the body are LF with an
 * optional CR before it, as the MTA will send the message on: a bare LF
 * becomes CRLF on the wire, a CR elsewhere stays data.
 */
#ifndef DKIMC_CANON_H
#define DKIMC_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/buf.h"
#include "crypto.h"

enum dkimc_canon { DKIMC_SIMPLE, DKIMC_RELAXED };

/*
 * Append one header field in canonical form, CRLF-terminated: name as
 * given, value as received (leading white space kept, folds as CRLF).
 */
void dkimc_canon_header(enum dkimc_canon c, const char *name, const char *value, struct buf *out);

/* The body canonicalizer and hash; no allocation. */
struct dkimc_body {
	enum dkimc_canon canon;
	struct dkimc_hash *hash;
	size_t empty_lines; /* CRLFs held back: empty lines that may be the last ones */
	size_t length;      /* canonical bytes hashed so far */
	bool wsp;           /* relaxed: white space held back inside a line */
	bool cr;            /* a CR that may start a line end */
	bool in_line;       /* the current line has content */
	bool any;           /* some content was hashed */
	size_t n;           /* bytes waiting in out */
	unsigned char out[4096];
};

void dkimc_body_init(struct dkimc_body *b, enum dkimc_canon c, struct dkimc_hash *h);
void dkimc_body_update(struct dkimc_body *b, const unsigned char *data, size_t len);
/* Finish the body and write its hash (the bh= value before base64). */
int dkimc_body_final(struct dkimc_body *b, unsigned char digest[DKIMC_SHA256_LEN]);

#endif

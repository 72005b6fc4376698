/*
 * header - the Received-SPF header field (RFC 7208 §9.1) for an outcome:
 * the result, a comment in words, and the key-value pairs a reader (or a
 * later filter) can parse, folded to fit 78 columns.
 */
#ifndef SPFC_HEADER_H
#define SPFC_HEADER_H

#include "eval.h"

struct spfc_header_info {
	const char *receiver;      /* our host name */
	const char *client_ip;     /* text form */
	const char *envelope_from; /* MAIL FROM as given ("" for the null sender) */
	const char *helo;          /* may be NULL */
};

/* The header's value (without "Received-SPF: "), from p; NULL if out of memory. */
const char *spfc_received_spf(struct pool *p, const struct spfc_outcome *o,
                              const struct spfc_header_info *hi);

#endif

/*
 * dnswire - the DNS parsers behind lib/dns.c, apart from libunbound so that
 * unit tests and the fuzzer reach them: domain names between presentation
 * form and wire form, and the rdata of the record types lib/dns.h offers.
 * Every function here is bounded by its input and never trusts a length.
 */
#ifndef CM_DNSWIRE_H
#define CM_DNSWIRE_H

#include <stddef.h>

#include "dns.h"

#define DNS_WIRE_MAX 255 /* bytes in a wire-form name, root label included */

/*
 * A name in presentation form ("example.org", "example.org.", "a\.b",
 * "\255x") to wire form. The root alone (".") and the empty name are
 * refused: nothing asks the root for TXT or MX. Returns the wire length,
 * or -1 with *error_r (static text) saying what is wrong.
 */
int dns_name_from_text(const char *name, unsigned char wire[DNS_WIRE_MAX], const char **error_r);

/*
 * A wire-form name (uncompressed, as libunbound hands out rdata) starting
 * at in[0] to presentation form without the trailing dot ("." for the
 * root). strict escapes every byte but letters, digits, '-' and '_' (the
 * form handed to libunbound's parser); otherwise only '.', '\\' and bytes
 * outside '!'..'~' are escaped. Returns the bytes of in used, or -1 if the
 * name is malformed (a compression pointer, a label running past len, over
 * 255 bytes) or does not fit in out (DNS_NAME_BUF always fits).
 */
int dns_name_to_text(const unsigned char *in, size_t len, int strict, char *out, size_t size);

/* One rdata item of an answer. */
struct dns_rdata {
	const unsigned char *p;
	size_t len;
};

/*
 * Parse the rdata of an answer of r->type into r's record array (from p),
 * skipping malformed records (counted in r->n_bad). Returns DNS_OK, or
 * DNS_BADDATA with r->error set when no record was usable or the answer is
 * over DNS_MAX_RECORDS / DNS_MAX_BYTES; DNS_TEMPFAIL if p is out of memory.
 */
enum dns_status dns_rdata_parse(struct dns_result *r, const struct dns_rdata *rd, size_t n,
                                struct pool *p);

#endif

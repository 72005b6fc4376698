/*
 * record - SPF records (RFC 7208 §4.5, §12): picking the one record of a
 * TXT answer and checking its whole syntax before anything is evaluated
 * (§4.6: a syntax error anywhere is a permerror). Terms keep pointers into
 * the record text; macro-strings stay unexpanded until evaluation.
 */
#ifndef SPFC_RECORD_H
#define SPFC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/ip.h"
#include "../lib/pool.h"

/* check_host() results (RFC 7208 §2.6), in the order Received-SPF names them. */
enum spfc_result {
	SPFC_NONE,
	SPFC_NEUTRAL,
	SPFC_PASS,
	SPFC_FAIL,
	SPFC_SOFTFAIL,
	SPFC_TEMPERROR,
	SPFC_PERMERROR,
};

enum spfc_mech {
	SPFC_ALL,
	SPFC_INCLUDE,
	SPFC_A,
	SPFC_MX,
	SPFC_PTR,
	SPFC_IP4,
	SPFC_IP6,
	SPFC_EXISTS,
};

/* A piece of the record text (not NUL-terminated). */
struct spfc_span {
	const char *s;
	size_t len;
};

struct spfc_term {
	enum spfc_mech mech;
	enum spfc_result qualifier; /* PASS, FAIL, SOFTFAIL or NEUTRAL */
	struct spfc_span text;      /* the whole term, for Received-SPF's mechanism= */
	struct spfc_span domain;    /* domain-spec; len 0: none given (the current domain) */
	int cidr4, cidr6;           /* prefix lengths; 32 and 128 when not given */
	struct ip_addr net;         /* ip4 / ip6: the network, host bits as written */
};

struct spfc_record {
	struct spfc_term *terms;
	size_t n_terms;
	struct spfc_span redirect; /* len 0: none */
	struct spfc_span exp;      /* len 0: none */
};

/* "v=spf1" (any case) followed by a space or the end: an SPF record (§4.5). */
bool spfc_record_is_spf(const char *text, size_t len);

/*
 * Parse one record (text[0..len), starting "v=spf1"). Returns 0, or -1 with
 * *error_r (from p, naming the term and what is wrong) for a permerror.
 * The record keeps pointers into text.
 */
int spfc_record_parse(const char *text, size_t len, struct pool *p, struct spfc_record *rec,
                      const char **error_r);

const char *spfc_result_name(enum spfc_result r); /* "pass", "fail", ... */

#endif

/*
 * eval - check_host() of RFC 7208 on lib/dns.h: the MAIL FROM and HELO
 * identities, every processing limit (10 DNS-querying terms, 2 void
 * lookups, 10 MX and PTR names), per-query and overall deadlines, and the
 * explanation of a fail. One call evaluates one identity; it allocates from
 * the pool given and never blocks past the request's timeout.
 */
#ifndef SPFC_EVAL_H
#define SPFC_EVAL_H

#include "../lib/dns.h"
#include "record.h"

#define SPFC_MAX_DNS_TERMS   10 /* §4.6.4: include, a, mx, ptr, exists, redirect */
#define SPFC_MAX_VOID        2  /* §4.6.4: terms whose lookup found nothing */
#define SPFC_MAX_NAMES       10 /* §4.6.4: MX hosts, PTR names looked up */
#define SPFC_MAX_DOMAIN      253
#define SPFC_MAX_EXPLANATION 512 /* longer explanations are cut */

struct spfc_request {
	struct ip_addr ip;       /* the SMTP client (IPv4-mapped IPv6 counts as IPv4) */
	const char *sender;      /* MAIL FROM address; NULL or "" for the null sender */
	const char *helo;        /* HELO/EHLO name, or NULL */
	const char *receiver;    /* %{r}: the host doing the check */
	const char *default_exp; /* explanation of a fail whose record gives none (may
	                            hold macros); NULL for none */
	long timeout_ms;         /* for the whole evaluation; <= 0: 20 s (§4.6.4) */
	long now;                /* %{t}; 0: the current time */
};

struct spfc_outcome {
	enum spfc_result result;
	const char *identity;    /* "mailfrom" or "helo" */
	const char *domain;      /* the domain checked */
	const char *sender;      /* <sender> as evaluated ("postmaster@" added if needed) */
	const char *mechanism;   /* the term that decided, "default" (none matched), or NULL */
	const char *explanation; /* a fail's explanation, or NULL */
	const char *problem;     /* why: permerror, temperror, or none; else NULL */
	unsigned dns_terms;      /* DNS-querying terms evaluated */
	unsigned void_lookups;
	unsigned queries; /* DNS queries made (answered from cache or not) */
	unsigned used;    /* SPFC_USED_* letters expanded (spf/macro.h) */
};

/* The MAIL FROM identity: the sender's domain, or postmaster@HELO for the null sender. */
void spfc_check_mailfrom(struct dns *dns, const struct spfc_request *rq, struct pool *p,
                         struct spfc_outcome *out);
/* The HELO identity (RFC 7208 §2.3): none unless the HELO name is a domain. */
void spfc_check_helo(struct dns *dns, const struct spfc_request *rq, struct pool *p,
                     struct spfc_outcome *out);

/* <sender> as check_host() sees it (§4.3): postmaster@HELO for the null
 * sender or the HELO identity, "postmaster" for a missing local-part. */
const char *spfc_sender(struct pool *p, const char *mail_from, const char *helo,
                        bool helo_identity);

/*
 * Is s a domain check_host() may evaluate (§4.3): labels of 1 to 63 bytes,
 * at most 253 bytes (a trailing dot aside), at least two labels, no
 * address literal? Otherwise the result is none.
 */
bool spfc_domain_ok(const char *s);

#endif

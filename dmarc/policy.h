/*
 * policy - DMARC for one author domain (RFC 7489 §6.6): policy discovery
 * in DNS (the domain, then its Organizational Domain), identifier alignment
 * of the SPF and DKIM results (relaxed or strict), the p/sp policy that
 * applies and the pct sampling. Discovery asks lib/dns.h; evaluation is a
 * pure function of its inputs, so unit tests fill them directly.
 */
#ifndef DMARCC_POLICY_H
#define DMARCC_POLICY_H

#include "../lib/dns.h"
#include "psl.h"
#include "record.h"

enum dmarcc_result {
	DMARCC_NONE, /* no policy published: DMARC does not apply */
	DMARCC_PASS,
	DMARCC_FAIL,
	DMARCC_TEMPERROR,
	DMARCC_PERMERROR,
};

enum dmarcc_discovery { DMARCC_FOUND, DMARCC_NOT_FOUND, DMARCC_DNS_ERROR };

struct dmarcc_found {
	enum dmarcc_discovery status;
	struct dmarcc_record rec;
	char domain[DMARCC_DOMAIN_MAX + 1]; /* where the record is */
	bool at_org;                        /* at the Organizational Domain (sp applies) */
	const char *error;                  /* DNS error, or why a record was ignored */
};

/* Find the policy for a normal-form author domain. */
void dmarcc_discover(struct dns *dns, const struct dmarcc_psl *psl, const char *author,
                     struct pool *p, struct dmarcc_found *f);

/* The authentication results DMARC builds on (this process's own checks). */
struct dmarcc_auth_in {
	const char *spf_result; /* "pass", ... or NULL */
	const char *spf_domain;
	const char *const *dkim_domains; /* d= of the signatures that verified */
	size_t n_dkim;
};

struct dmarcc_verdict {
	enum dmarcc_result result;
	enum dmarcc_policy published; /* p, or sp for a subdomain (UNSET for none) */
	enum dmarcc_policy applied;   /* after pct: what a failing message gets */
	bool dkim_aligned, spf_aligned;
};

/* roll: a number from 0 to 99 drawn for pct (the policy applies when roll < pct). */
void dmarcc_evaluate(const struct dmarcc_psl *psl, const char *author, const struct dmarcc_found *f,
                     const struct dmarcc_auth_in *in, unsigned roll, struct dmarcc_verdict *v);

const char *dmarcc_result_name(enum dmarcc_result r); /* "pass", "fail", ... */

#endif

/*
 * policy - RFC 7489 §6.6.2-§6.6.4 for one author domain. Alignment compares
 * Organizational Domains (relaxed) or whole names (strict); a policy found
 * at the Organizational Domain for a subdomain author uses sp when given.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *dmarcc_result_name(enum dmarcc_result r)
{
	static const char *const names[] = {"none", "pass", "fail", "temperror", "permerror"};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* Look for the one DMARC record at _dmarc.domain: FOUND, NOT_FOUND or DNS_ERROR. */
static enum dmarcc_discovery dmarcc_query(struct dns *dns, const char *domain, struct pool *p,
                                          struct dmarcc_found *f, bool *stop)
{
	char name[DMARCC_DOMAIN_MAX + 16];
	struct dns_result r;
	const struct dns_txt *one = NULL;
	const char *error = NULL;
	size_t i, n = 0;

	*stop = false;
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	switch (dns_lookup(dns, name, DNS_TXT, p, &r)) {
	case DNS_OK:
		break;
	case DNS_TEMPFAIL:
		f->error = pool_printf(p, "DNS TXT lookup of %s: %s", name, r.error);
		return DMARCC_DNS_ERROR;
	default:
		return DMARCC_NOT_FOUND;
	}
	for (i = 0; i < r.n; i++) {
		if (dmarcc_record_is_dmarc(r.txt[i].text, r.txt[i].len)) {
			one = &r.txt[i];
			n++;
		}
	}
	if (n > 1) {
		/* §6.6.3: several records end discovery; DMARC does not apply. */
		f->error = pool_printf(p, "%s has %zu DMARC records", name, n);
		*stop = true;
		return DMARCC_NOT_FOUND;
	}
	if (n == 0)
		return DMARCC_NOT_FOUND;
	if (dmarcc_record_parse(one->text, one->len, &f->rec, &error) < 0) {
		f->error = pool_printf(p, "%s: %s", name, error);
		return DMARCC_NOT_FOUND;
	}
	snprintf(f->domain, sizeof(f->domain), "%s", domain);
	return DMARCC_FOUND;
}

void dmarcc_discover(struct dns *dns, const struct dmarcc_psl *psl, const char *author,
                     struct pool *p, struct dmarcc_found *f)
{
	char org[DMARCC_DOMAIN_MAX + 1];
	bool stop;

	memset(f, 0, sizeof(*f));
	f->status = dmarcc_query(dns, author, p, f, &stop);
	if (f->status != DMARCC_NOT_FOUND || stop)
		return;
	dmarcc_psl_org_domain(psl, author, org);
	if (strcmp(org, author) == 0)
		return;
	f->status = dmarcc_query(dns, org, p, f, &stop);
	f->at_org = f->status == DMARCC_FOUND;
}

static bool dmarcc_aligned(const struct dmarcc_psl *psl, const char *author, const char *id,
                           bool strict)
{
	char a[DMARCC_DOMAIN_MAX + 1], b[DMARCC_DOMAIN_MAX + 1], n[DMARCC_DOMAIN_MAX + 1];

	if (id == NULL || !dmarcc_domain_normal(id, n))
		return false;
	if (strict)
		return strcmp(n, author) == 0;
	dmarcc_psl_org_domain(psl, author, a);
	dmarcc_psl_org_domain(psl, n, b);
	return strcmp(a, b) == 0;
}

static enum dmarcc_policy dmarcc_lower(enum dmarcc_policy p)
{
	return p == DMARCC_P_REJECT ? DMARCC_P_QUARANTINE : DMARCC_P_NONE;
}

void dmarcc_evaluate(const struct dmarcc_psl *psl, const char *author, const struct dmarcc_found *f,
                     const struct dmarcc_auth_in *in, unsigned roll, struct dmarcc_verdict *v)
{
	const struct dmarcc_record *rec = &f->rec;
	size_t i;

	memset(v, 0, sizeof(*v));
	if (f->status == DMARCC_DNS_ERROR) {
		v->result = DMARCC_TEMPERROR;
		return;
	}
	if (f->status != DMARCC_FOUND) {
		v->result = DMARCC_NONE;
		return;
	}
	v->published = f->at_org && rec->sp != DMARCC_P_UNSET ? rec->sp : rec->p;
	for (i = 0; i < in->n_dkim && !v->dkim_aligned; i++)
		v->dkim_aligned =
		    dmarcc_aligned(psl, author, in->dkim_domains[i], rec->adkim_strict);
	v->spf_aligned = in->spf_result != NULL && strcmp(in->spf_result, "pass") == 0 &&
	                 dmarcc_aligned(psl, author, in->spf_domain, rec->aspf_strict);
	if (v->dkim_aligned || v->spf_aligned) {
		v->result = DMARCC_PASS;
		v->applied = DMARCC_P_NONE;
		return;
	}
	v->result = DMARCC_FAIL;
	/* §6.6.4: pct samples; messages left out get the next policy down. */
	v->applied = roll < (unsigned)rec->pct ? v->published : dmarcc_lower(v->published);
}

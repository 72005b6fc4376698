/*
 * psl - the Public Suffix List (publicsuffix.org, Debian's package
 * publicsuffix) and the Organizational Domain of RFC 7489 §3.2: the public
 * suffix of a domain plus one label. Rules in Unicode are kept as A-labels
 * (punycode), so both forms of a domain find them.
 */
#ifndef DMARCC_PSL_H
#define DMARCC_PSL_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/pool.h"

#define DMARCC_DOMAIN_MAX 253

struct dmarcc_psl;

/* Parse the list's text (rules, "!" exceptions, "*." wildcards, "//" comments).
 * Returns NULL with *error_r if out of memory or no rule was found. */
struct dmarcc_psl *dmarcc_psl_parse(const char *text, size_t len, const char **error_r);
/* Read and parse a file; *error_r (from p) names the file and the problem. */
struct dmarcc_psl *dmarcc_psl_load(const char *path, struct pool *p, const char **error_r);
void dmarcc_psl_free(struct dmarcc_psl **pp);
size_t dmarcc_psl_rules(const struct dmarcc_psl *psl);

/*
 * A domain in the form rules are kept in: lower case ASCII, labels with
 * other characters as punycode A-labels, no trailing dot. false if it is
 * not a domain name (empty or overlong labels, bad UTF-8, characters other
 * than letters, digits, '-', '_' and non-ASCII ones).
 */
bool dmarcc_domain_normal(const char *in, char out[DMARCC_DOMAIN_MAX + 1]);

/*
 * The Organizational Domain of a normal domain, written to out. Returns
 * false when the domain is a public suffix itself (out is then the domain:
 * there is no label to add).
 */
bool dmarcc_psl_org_domain(const struct dmarcc_psl *psl, const char *domain,
                           char out[DMARCC_DOMAIN_MAX + 1]);

#endif

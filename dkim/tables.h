/*
 * tables - which key signs which sender, read from the files admins already
 * have: dkim-filter's KeyList, OpenDKIM's KeyTable + SigningTable (refile:
 * wildcard patterns, or a plain table with OpenDKIM's lookup order), or
 * Domain + Selector + KeyFile. All become one list of rules, matched against
 * the address in the From field. Every problem is reported as
 * FILE:LINE: what is wrong, and what was expected.
 */
#ifndef DKIMC_TABLES_H
#define DKIMC_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/pool.h"
#include "crypto.h"

/* Where problems go: setting is the config setting the file came from. */
struct dkimc_report {
	void (*fn)(void *arg, const char *setting, const char *msg);
	void *arg;
	struct pool *pool;
	size_t n; /* problems reported */
};

void dkimc_report(struct dkimc_report *r, const char *setting, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct dkimc_keyent {
	const char *name;     /* the KeyTable's key name; else the key file's path */
	const char *domain;   /* d=, or "%": the From field's domain */
	const char *selector; /* s= */
	const char *path;     /* the private key file */
	const char *setting;  /* the setting that named it, for messages */
	const char *origin;   /* "FILE:LINE" (or the setting's place) naming it */
	struct dkimc_key *key;
};

enum dkimc_how {
	DKIMC_GLOB,   /* KeyList, refile: SigningTable: wildcard on the address */
	DKIMC_EXACT,  /* plain SigningTable: OpenDKIM's lookup order */
	DKIMC_DOMAIN, /* Domain: the From domain (or a subdomain, SubDomains yes) */
};

struct dkimc_rule {
	enum dkimc_how how;
	const char *pattern;      /* lowercase */
	struct dkimc_keyent *key; /* NULL: the KeyTable entry named as the From domain */
	const char *domain;       /* KeyList's signing domain; NULL: the key's */
	const char *signer;       /* SigningTable's i= ('%': the From domain), or NULL */
};

#define DKIMC_MAX_SIGS 8 /* signatures added to one message at most */

struct dkimc_tables {
	struct dkimc_keyent **keys;
	size_t n_keys, cap_keys;
	struct dkimc_rule *rules;
	size_t n_rules, cap_rules;
	bool subdomains; /* SubDomains */
	bool multiple;   /* MultipleSignatures: every matching rule signs */
};

/* Read a whole file (at most max bytes) from p; NULL with *error_r. */
char *dkimc_read_file(const char *path, size_t max, struct pool *p, const char **error_r);

/* Parsers of the file texts (path names them in messages). KeyTable must
 * come before the SigningTable that names its keys. */
void dkimc_keylist_parse(struct dkimc_tables *t, struct pool *p, const char *path, const char *text,
                         struct dkimc_report *r);
void dkimc_keytable_parse(struct dkimc_tables *t, struct pool *p, const char *path,
                          const char *text, struct dkimc_report *r);
void dkimc_signingtable_parse(struct dkimc_tables *t, struct pool *p, const char *path,
                              const char *text, bool refile, struct dkimc_report *r);
/* Domain + Selector + KeyFile: domains is the Domain value (a list, or a
 * file of domains if it starts with '/'). */
void dkimc_domains_add(struct dkimc_tables *t, struct pool *p, const char *domains,
                       const char *selector, const char *keyfile, const char *origin,
                       struct dkimc_report *r);

/* A signature to make. */
struct dkimc_sigreq;

/*
 * The signatures for a message whose From address is addr (domain: its
 * domain part, lowercase): first match only, or every match with
 * MultipleSignatures. Returns how many were written to out (at most max).
 */
size_t dkimc_tables_match(const struct dkimc_tables *t, const char *addr, const char *domain,
                          struct pool *p, struct dkimc_sigreq *out, size_t max);

#endif

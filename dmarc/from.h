/*
 * from - the author domains of a message: the domains of the mailboxes in
 * its From header fields (RFC 5322 §3.4 address syntax: display names,
 * comments, quoted strings, angle addresses, groups), as RFC 7489 §6.6.1
 * needs them, with the counts that tell a malformed From apart.
 */
#ifndef DMARCC_FROM_H
#define DMARCC_FROM_H

#include <stddef.h>

#include "psl.h"

#define DMARCC_MAX_AUTHORS 8

struct dmarcc_authors {
	size_t n_fields;    /* From header fields seen (the caller counts them) */
	size_t n_addresses; /* mailboxes in them */
	size_t n_no_domain; /* mailboxes without a usable domain */
	size_t n;           /* distinct domains below (more are dropped) */
	char domain[DMARCC_MAX_AUTHORS][DMARCC_DOMAIN_MAX + 1]; /* normal form */
};

/* Add the mailboxes of one From field's value (folds and all). */
void dmarcc_from_parse(const char *value, struct dmarcc_authors *a);

#endif

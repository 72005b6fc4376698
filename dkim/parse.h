/*
 * parse - the DKIM module's text parsers: tag=value lists (RFC 6376 §3.2,
 * the syntax of DKIM-Signature fields and key records), colon lists such as
 * h=, and the address in a From field that picks the signing domain. Each
 * is bounded: linear in its input, fixed limits on counts.
 */
#ifndef DKIMC_PARSE_H
#define DKIMC_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define DKIMC_MAX_TAGS 64

struct dkimc_tag {
	const char *name, *value; /* not NUL-terminated: point into the input */
	size_t name_len, value_len;
};

struct dkimc_tags {
	struct dkimc_tag v[DKIMC_MAX_TAGS];
	size_t n;
};

/*
 * Split s (len bytes) into tags. Values lose the white space around them
 * and keep what is inside (folds included). Returns 0, or -1 with a static
 * message: a tag name that is not ALPHA *(ALPHA / DIGIT / "_"), a missing
 * "=", a byte a value may not hold, a tag given twice, more than
 * DKIMC_MAX_TAGS, an empty element (";;").
 */
int dkimc_tags_parse(const char *s, size_t len, struct dkimc_tags *out, const char **error_r);
const struct dkimc_tag *dkimc_tags_get(const struct dkimc_tags *t, const char *name);

/*
 * The next element of a list separated by sep (h= lists: ':'), white space
 * around it removed. *pos starts at 0; returns false when the list is done.
 */
bool dkimc_list_next(const char *s, size_t len, char sep, size_t *pos, const char **item_r,
                     size_t *item_len_r);

/*
 * The first address of a From field's value (RFC 5322 mailbox-list):
 * display names, comments, quoted strings, groups and angle brackets
 * skipped. Writes "local@domain" with the domain lowercased into addr and
 * points *domain_r into it. Returns false if there is no address with a
 * domain, or it does not fit.
 */
bool dkimc_from_address(const char *value, char *addr, size_t size, const char **domain_r);

/* Case-insensitive wildcard match: '*' matches any run of bytes. */
bool dkimc_glob(const char *pattern, const char *s);

/* A domain name we can sign with: labels of letters, digits, '-' and '_',
 * 1..63 bytes each, 253 in all. */
bool dkimc_domain_valid(const char *s);

#endif

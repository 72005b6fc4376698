/*
 * record - DMARC policy records (RFC 7489 §6.3, §6.4): "v=DMARC1" first,
 * then tag=value pairs separated by ';'. Unknown tags are ignored; a bad
 * value of an optional tag falls back to its default.
 */
#ifndef DMARCC_RECORD_H
#define DMARCC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

enum dmarcc_policy {
	DMARCC_P_UNSET,
	DMARCC_P_NONE,
	DMARCC_P_QUARANTINE,
	DMARCC_P_REJECT,
};

struct dmarcc_record {
	enum dmarcc_policy p;  /* never UNSET in a usable record */
	enum dmarcc_policy sp; /* UNSET: p applies to subdomains too */
	bool adkim_strict, aspf_strict;
	int pct; /* 0..100 */
	bool rua;
};

/* Does the TXT text start with the v=DMARC1 tag? */
bool dmarcc_record_is_dmarc(const char *text, size_t len);

/*
 * Parse a record that dmarcc_record_is_dmarc() accepted. Returns 0, or -1
 * with *error_r (static) when it has no usable policy: p missing or
 * invalid and no rua to fall back to p=none with (§6.6.3).
 */
int dmarcc_record_parse(const char *text, size_t len, struct dmarcc_record *rec,
                        const char **error_r);

const char *dmarcc_policy_name(enum dmarcc_policy p); /* "none", "quarantine", "reject" */

#endif

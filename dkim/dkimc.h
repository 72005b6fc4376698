/*
 * dkimc - what the DKIM check's files share: its settings and the state
 * built from them once per config snapshot (signing rules with their parsed
 * keys, signing options, the verifier), read-only while mail flows.
 */
#ifndef DKIMC_DKIMC_H
#define DKIMC_DKIMC_H

#include <stdbool.h>

#include "../lib/check.h"
#include "../lib/msg.h"
#include "sign.h"
#include "tables.h"
#include "verify.h"

enum dkimc_mode { DKIMC_MODE_SV, DKIMC_MODE_S, DKIMC_MODE_V, DKIMC_MODE_VS };
enum dkimc_action { DKIMC_ACCEPT, DKIMC_REJECT, DKIMC_TEMPFAIL, DKIMC_DISCARD, DKIMC_QUARANTINE };

struct dkimc_conf {
	bool enabled;
	int mode;
	const char *keylist;
	const char *keytable;
	const char *signingtable;
	const char *domain;
	const char *selector;
	const char *keyfile;
	bool subdomains;
	bool multiple;
	int canon;
	const char *sign_headers;
	const char *oversign_headers;
	long ttl;
	bool require_safe;
	long min_key_bits;
	long max_verify;
	bool always_ar;
	int on_dns_error;
	int on_bad_signature;
	int on_no_signature;
	int on_key_not_found;
	int on_internal_error;
};

struct dkimc_state {
	const struct dkimc_conf *conf;
	bool sign, verify;
	struct dkimc_tables tables;
	struct dkimc_signopts signopts;
	struct dkimc_verifier *verifier;
};

extern const struct setting dkimc_settings[];

/* The hooks (run.c). */
int dkimc_eoh(struct cm_msg *m, void *state, const char **error_r);
int dkimc_body(struct cm_msg *m, void *state, const char **error_r);
int dkimc_eom(struct cm_msg *m, void *state, const char **error_r);

#endif

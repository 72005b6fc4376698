/*
 * keys - loads every private key the tables name, once per config
 * snapshot: the file must exist, be safe (RequireSafeKeys, as OpenDKIM:
 * nobody but us may read it) and hold an RSA (1024 bits or more) or Ed25519
 * key. A key that is wrong is a config error at start and on reload, never
 * a surprise on the first message.
 */
#ifndef DKIMC_KEYS_H
#define DKIMC_KEYS_H

#include <stdbool.h>
#include <sys/types.h>

#include "tables.h"

/* The smallest RSA key we sign with (RFC 8301 §3.2). */
#define DKIMC_MIN_SIGN_BITS 1024
#define DKIMC_KEY_MAX_BYTES 65536

struct dkimc_keyperm {
	bool require_safe;
	gid_t gid;              /* a group that may read keys: the one we run as */
	const char *group_name; /* its name, for messages */
};

/*
 * Why a file with this mode and group is unsafe for a private key, or NULL
 * if it is fine: others may do anything, or the group may write, or the
 * group may read and is not ours.
 */
const char *dkimc_key_unsafe(mode_t mode, gid_t file_gid, const struct dkimc_keyperm *perm,
                             struct pool *p);

/* Load the key of every entry (files named twice are read once). */
void dkimc_keys_load(struct dkimc_tables *t, struct pool *p, const struct dkimc_keyperm *perm,
                     struct dkimc_report *r);

#endif

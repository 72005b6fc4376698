/*
 * keys - private key files to parsed keys, with the checks an admin needs
 * told at start: the file is missing (with dkim-filter's ".private" caveat
 * spelled out), readable by others, not a key, or too weak to sign with.
 */
#include "keys.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

const char *dkimc_key_unsafe(mode_t mode, gid_t file_gid, const struct dkimc_keyperm *perm,
                             struct pool *p)
{
	const char *want = pool_printf(p, "want 0600, or 0640 with group %s", perm->group_name);

	if (mode & 0007)
		return pool_printf(p, "mode %04o lets others %s it (%s)", (unsigned)(mode & 07777),
		                   (mode & 0004) ? "read" : "use", want);
	if (mode & 0030)
		return pool_printf(p, "mode %04o lets its group %s it (%s)",
		                   (unsigned)(mode & 07777), (mode & 0020) ? "write" : "execute",
		                   want);
	if ((mode & 0040) && file_gid != perm->gid)
		return pool_printf(
		    p, "mode %04o lets group %u read it, and chainmilter runs as %s (%s)",
		    (unsigned)(mode & 07777), (unsigned)file_gid, perm->group_name, want);
	return NULL;
}

/* A missing keyfile.private next to an existing keyfile: the user wrote
 * the .private suffix that dkim-filter's KeyList adds itself. */
static const char *caveat(const struct dkimc_keyent *k, struct pool *p)
{
	size_t len = strlen(k->path);
	struct stat st;
	char *shorter;

	if (strcmp(k->setting, "KeyList") != 0 || len < 16 ||
	    strcmp(k->path + len - 16, ".private.private") != 0)
		return "";
	shorter = pool_strndup(p, k->path, len - 8);
	if (shorter == NULL || stat(shorter, &st) < 0)
		return "";
	return pool_printf(p,
	                   "; KeyList appends .private to the keypath, as dkim-filter did: "
	                   "write the keypath without it (%.*s)",
	                   (int)(len - 16), k->path);
}

static void load_one(struct dkimc_keyent *k, struct pool *p, const struct dkimc_keyperm *perm,
                     struct dkimc_report *r)
{
	const char *where = k->origin != NULL ? pool_printf(p, "%s: ", k->origin) : "";
	const char *error, *why;
	struct stat st;
	char *text;

	if (stat(k->path, &st) < 0) {
		dkimc_report(r, k->setting,
		             "%s%s: %s (expected a private key file, as chainmilter keygen "
		             "writes)%s",
		             where, k->path, strerror(errno), caveat(k, p));
		return;
	}
	if (perm->require_safe &&
	    (why = dkimc_key_unsafe(st.st_mode, st.st_gid, perm, p)) != NULL) {
		dkimc_report(r, k->setting, "%s%s: %s; or set RequireSafeKeys no", where, k->path,
		             why);
		return;
	}
	text = dkimc_read_file(k->path, DKIMC_KEY_MAX_BYTES, p, &error);
	if (text == NULL) {
		dkimc_report(r, k->setting, "%s%s", where, error);
		return;
	}
	k->key = dkimc_key_parse(text, strlen(text), p, &error);
	/* The key text is not needed any more: do not leave it in memory. */
	explicit_bzero(text, strlen(text));
	if (k->key == NULL) {
		dkimc_report(r, k->setting, "%s%s: %s", where, k->path, error);
		return;
	}
	if (dkimc_key_type(k->key) == DKIMC_KEY_RSA &&
	    dkimc_key_bits(k->key) < DKIMC_MIN_SIGN_BITS) {
		dkimc_report(r, k->setting,
		             "%s%s: an RSA key of %u bits; verifiers ignore keys under %d bits "
		             "(RFC 8301): make a new one with chainmilter keygen",
		             where, k->path, dkimc_key_bits(k->key), DKIMC_MIN_SIGN_BITS);
		k->key = NULL;
	}
}

void dkimc_keys_load(struct dkimc_tables *t, struct pool *p, const struct dkimc_keyperm *perm,
                     struct dkimc_report *r)
{
	size_t i, j;

	for (i = 0; i < t->n_keys; i++) {
		struct dkimc_keyent *k = t->keys[i];

		for (j = 0; j < i; j++)
			if (strcmp(t->keys[j]->path, k->path) == 0)
				break;
		if (j < i)
			k->key = t->keys[j]->key; /* read once; reported once */
		else
			load_one(k, p, perm, r);
	}
}

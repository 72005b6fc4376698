/*
 * dkim - the DKIM check: signs outbound mail with the keys its key list
 * names (our own signer, keys parsed once per config snapshot) and verifies
 * inbound mail with libopendkim, OpenDKIM's setting names and defaults
 * throughout. This file holds the settings and builds the state; run.c
 * handles messages.
 */
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../lib/coreconf.h"
#include "../lib/hdr.h"
#include "../lib/log.h"
#include "dkimc.h"
#include "keys.h"

#define CONF(field) offsetof(struct dkimc_conf, field)

static const char *const mode_words[] = {"sv", "s", "v", "vs", NULL};
static const char *const canon_words[] = {"relaxed/relaxed",
                                          "relaxed/simple",
                                          "simple/relaxed",
                                          "simple/simple",
                                          "relaxed",
                                          "simple",
                                          NULL};
static const char *const action_words[] = {"accept",  "reject",     "tempfail",
                                           "discard", "quarantine", NULL};

/* RFC 6376 §5.4.1's list, and the fields OpenDKIM signs besides. */
#define SIGN_DEFAULT                                                                               \
	"From, Reply-To, Subject, Date, To, Cc, Resent-Date, Resent-From, Resent-To, Resent-Cc, "  \
	"In-Reply-To, References, List-Id, List-Help, List-Unsubscribe, List-Subscribe, "          \
	"List-Post, List-Owner, List-Archive, Message-ID, Sender, MIME-Version, Content-Type, "    \
	"Content-Transfer-Encoding"

const struct setting dkimc_settings[] = {
    {.name = "DKIM",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Sign outbound mail (with the keys below) and verify inbound mail's DKIM signatures."},
    {.name = "Mode",
     .type = SET_ENUM,
     .offset = CONF(mode),
     .def = "sv",
     .words = mode_words,
     .doc = "As OpenDKIM: s signs outbound mail, v verifies inbound mail, sv does both."},
    {.name = "KeyList",
     .type = SET_STRING,
     .offset = CONF(keylist),
     .doc = "dkim-filter's key list: lines sender-pattern:signing-domain:keypath; the selector is "
            "the file's base name and the key is read from keypath.private."},
    {.name = "KeyTable",
     .type = SET_STRING,
     .offset = CONF(keytable),
     .doc = "OpenDKIM's KeyTable file: lines keyname domain:selector:/path/to/key (domain % is the "
            "sender's domain); used with SigningTable."},
    {.name = "SigningTable",
     .type = SET_STRING,
     .offset = CONF(signingtable),
     .doc = "OpenDKIM's SigningTable: lines pattern keyname [signer]; refile:/path for wildcard "
            "patterns tried in order, /path for OpenDKIM's exact lookups."},
    {.name = "Domain",
     .type = SET_STRING,
     .offset = CONF(domain),
     .doc = "With Selector and KeyFile, one key for these domains (comma separated, or a file "
            "of them); mail whose From address is in one is signed for it."},
    {.name = "Selector",
     .type = SET_STRING,
     .offset = CONF(selector),
     .doc = "The selector (s=) of KeyFile's key, published as SELECTOR._domainkey.DOMAIN."},
    {.name = "KeyFile",
     .type = SET_STRING,
     .offset = CONF(keyfile),
     .doc = "The private key (PEM, RSA or Ed25519) to sign Domain's mail with."},
    {.name = "SubDomains",
     .type = SET_BOOL,
     .offset = CONF(subdomains),
     .def = "no",
     .doc = "Also sign mail from subdomains of the Domain list, with d= the listed domain."},
    {.name = "MultipleSignatures",
     .type = SET_BOOL,
     .offset = CONF(multiple),
     .def = "no",
     .doc = "Sign with every matching key (say RSA and Ed25519 for one domain), not just the "
            "first."},
    {.name = "Canonicalization",
     .type = SET_ENUM,
     .offset = CONF(canon),
     .def = "relaxed/relaxed",
     .words = canon_words,
     .doc = "Header/body canonicalization of our signatures: relaxed or simple for each."},
    {.name = "SignHeaders",
     .type = SET_STRING,
     .offset = CONF(sign_headers),
     .def = SIGN_DEFAULT,
     .doc = "Header fields signed when present (From always): RFC 6376's recommended list and "
            "Message-ID, Sender, MIME-Version, Content-Type, Content-Transfer-Encoding."},
    {.name = "OversignHeaders",
     .type = SET_STRING,
     .offset = CONF(oversign_headers),
     .def = "From",
     .doc = "Header fields listed in h= once more than present, so none can be added later "
            "without breaking the signature."},
    {.name = "SignatureTTL",
     .type = SET_TIME,
     .offset = CONF(ttl),
     .def = "0",
     .min = 0,
     .max = 31536000,
     .doc = "Signatures expire after this long (x=); 0 adds no expiry."},
    {.name = "RequireSafeKeys",
     .type = SET_BOOL,
     .offset = CONF(require_safe),
     .def = "yes",
     .doc = "Refuse private key files that others can read, or that a group other than "
            "chainmilter's can read (mode 0600, or 0640 with our group)."},
    {.name = "MinimumKeyBits",
     .type = SET_INT,
     .offset = CONF(min_key_bits),
     .def = "1024",
     .min = 0,
     .max = 16384,
     .doc = "RSA signatures with smaller keys do not pass (dkim=policy)."},
    {.name = "MaximumSignaturesToVerify",
     .type = SET_INT,
     .offset = CONF(max_verify),
     .def = "5",
     .min = 1,
     .max = 50,
     .doc = "Verify at most this many signatures per message, from the top; the rest are "
            "ignored."},
    {.name = "AlwaysAddARHeader",
     .type = SET_BOOL,
     .offset = CONF(always_ar),
     .def = "no",
     .doc = "Add dkim=none to Authentication-Results for unsigned inbound mail too."},
    {.name = "On-DNSError",
     .type = SET_ENUM,
     .offset = CONF(on_dns_error),
     .def = "tempfail",
     .words = action_words,
     .doc = "A key could not be fetched (DNS timeout or failure): accept, reject, tempfail "
            "(451 4.7.5), discard or quarantine."},
    {.name = "On-BadSignature",
     .type = SET_ENUM,
     .offset = CONF(on_bad_signature),
     .def = "accept",
     .words = action_words,
     .doc = "No signature verifies (and some failed): accept, reject (550 5.7.20), tempfail, "
            "discard or quarantine; keys in test mode (t=y) never count."},
    {.name = "On-NoSignature",
     .type = SET_ENUM,
     .offset = CONF(on_no_signature),
     .def = "accept",
     .words = action_words,
     .doc = "Inbound mail without a signature: accept, reject, tempfail, discard or "
            "quarantine."},
    {.name = "On-KeyNotFound",
     .type = SET_ENUM,
     .offset = CONF(on_key_not_found),
     .def = "accept",
     .words = action_words,
     .doc = "The signatures' keys do not exist in the DNS: accept, reject, tempfail, discard "
            "or quarantine."},
    {.name = "On-InternalError",
     .type = SET_ENUM,
     .offset = CONF(on_internal_error),
     .def = "tempfail",
     .words = cm_policy_words,
     .doc = "Signing or verifying failed inside chainmilter (out of memory, library error): "
            "accept, tempfail (451 4.3.0) or reject."},
    {.name = NULL},
};

/* ---- init ---- */

static void report(void *arg, const char *setting, const char *msg)
{
	cm_init_error(arg, setting, "%s", msg);
}

/* A comma or space separated list of header field names. */
static const char *const *name_list(struct cm_initctx *ic, struct pool *p, const char *setting,
                                    const char *value, size_t *n_r)
{
	char *copy = pool_strdup(p, value), *save = NULL, *name;
	const char **v = pool_alloc(p, (strlen(value) / 2 + 2) * sizeof(*v));
	size_t n = 0;

	*n_r = 0;
	if (copy == NULL || v == NULL)
		return NULL;
	for (name = strtok_r(copy, ", \t", &save); name != NULL;
	     name = strtok_r(NULL, ", \t", &save)) {
		if (!hdr_name_valid(name, strlen(name))) {
			cm_init_error(
			    ic, setting,
			    "\"%s\" is not a header field name; expected names such as From, "
			    "Subject, separated by commas",
			    name);
			continue;
		}
		v[n++] = name;
	}
	*n_r = n;
	return v;
}

static void sign_options(struct cm_initctx *ic, struct pool *p, const struct dkimc_conf *c,
                         struct dkimc_signopts *o)
{
	static const enum dkimc_canon hdr[] = {DKIMC_RELAXED, DKIMC_RELAXED, DKIMC_SIMPLE,
	                                       DKIMC_SIMPLE,  DKIMC_RELAXED, DKIMC_SIMPLE};
	static const enum dkimc_canon body[] = {DKIMC_RELAXED, DKIMC_SIMPLE, DKIMC_RELAXED,
	                                        DKIMC_SIMPLE,  DKIMC_SIMPLE, DKIMC_SIMPLE};

	o->hdr_canon = hdr[c->canon];
	o->body_canon = body[c->canon];
	o->sign = name_list(ic, p, "SignHeaders", c->sign_headers, &o->n_sign);
	o->oversign = name_list(ic, p, "OversignHeaders", c->oversign_headers, &o->n_oversign);
	o->ttl = c->ttl;
}

/* Who may read keys besides us: the group we run as (UserID's, if set). */
static void key_perm(struct cm_initctx *ic, struct pool *p, const struct dkimc_conf *c,
                     struct dkimc_keyperm *perm)
{
	const struct cm_core_conf *core = cm_init_core(ic);
	char user[256], *colon;
	struct group *gr;

	perm->require_safe = c->require_safe;
	perm->gid = getegid();
	if (core->user[0] != '\0') {
		struct passwd *pw;

		snprintf(user, sizeof(user), "%s", core->user);
		colon = strchr(user, ':');
		if (colon != NULL)
			*colon++ = '\0';
		if (colon != NULL && (gr = getgrnam(colon)) != NULL)
			perm->gid = gr->gr_gid;
		else if ((pw = getpwnam(user)) != NULL)
			perm->gid = pw->pw_gid;
	}
	gr = getgrgid(perm->gid);
	perm->group_name =
	    gr != NULL ? pool_strdup(p, gr->gr_name) : pool_printf(p, "%u", (unsigned)perm->gid);
}

static const char *table_path(const char *value, bool *refile)
{
	*refile = false;
	if (strncmp(value, "refile:", 7) == 0) {
		*refile = true;
		return value + 7;
	}
	if (strncmp(value, "file:", 5) == 0)
		return value + 5;
	return value;
}

static void read_table(struct cm_initctx *ic, struct pool *p, const char *setting,
                       const char *value, struct dkimc_tables *t, struct dkimc_report *r)
{
	bool refile;
	const char *path = table_path(value, &refile), *error;
	char *text;

	if (path[0] != '/') {
		cm_init_error(ic, setting,
		              "\"%s\" is not an absolute path; expected a file such as "
		              "/etc/chainmilter/%s%s",
		              value, strcmp(setting, "SigningTable") == 0 ? "refile:" : "",
		              strcmp(setting, "KeyList") == 0 ? "keylist" : setting);
		return;
	}
	if (refile && strcmp(setting, "SigningTable") != 0) {
		cm_init_error(ic, setting, "%s: refile: is for SigningTable; expected a file path",
		              value);
		return;
	}
	text = dkimc_read_file(path, 64 << 20, p, &error);
	if (text == NULL) {
		cm_init_error(ic, setting, "%s (expected a readable file)", error);
		return;
	}
	if (strcmp(setting, "KeyList") == 0)
		dkimc_keylist_parse(t, p, path, text, r);
	else if (strcmp(setting, "KeyTable") == 0)
		dkimc_keytable_parse(t, p, path, text, r);
	else
		dkimc_signingtable_parse(t, p, path, text, refile, r);
}

/* Which of the three ways to name keys is used; more than one is a mistake. */
static void signing_rules(struct cm_initctx *ic, struct pool *p, const struct dkimc_conf *c,
                          struct dkimc_tables *t, struct dkimc_report *r)
{
	bool list = c->keylist[0] != '\0';
	bool table = c->keytable[0] != '\0' || c->signingtable[0] != '\0';
	bool single = c->domain[0] != '\0' || c->selector[0] != '\0' || c->keyfile[0] != '\0';

	t->subdomains = c->subdomains;
	t->multiple = c->multiple;
	if (list + table + single > 1) {
		cm_init_error(ic, list ? "KeyList" : "KeyTable",
		              "%s and %s are both set; expected one way of naming keys: KeyList, "
		              "KeyTable with SigningTable, or Domain with Selector and KeyFile",
		              list ? "KeyList" : "KeyTable/SigningTable",
		              table && list ? "KeyTable/SigningTable" : "Domain/Selector/KeyFile");
		return;
	}
	if (list)
		read_table(ic, p, "KeyList", c->keylist, t, r);
	if (table) {
		if (c->keytable[0] == '\0' || c->signingtable[0] == '\0') {
			cm_init_error(
			    ic, c->keytable[0] == '\0' ? "SigningTable" : "KeyTable",
			    "needs %s too (KeyTable names the keys, SigningTable says which "
			    "sender uses which)",
			    c->keytable[0] == '\0' ? "KeyTable" : "SigningTable");
			return;
		}
		read_table(ic, p, "KeyTable", c->keytable, t, r);
		read_table(ic, p, "SigningTable", c->signingtable, t, r);
	}
	if (single) {
		const char *missing = c->domain[0] == '\0'     ? "Domain"
		                      : c->selector[0] == '\0' ? "Selector"
		                      : c->keyfile[0] == '\0'  ? "KeyFile"
		                                               : NULL;

		if (missing != NULL) {
			cm_init_error(
			    ic,
			    c->domain[0] != '\0'     ? "Domain"
			    : c->selector[0] != '\0' ? "Selector"
			                             : "KeyFile",
			    "%s is not set; expected Domain, Selector and KeyFile together",
			    missing);
			return;
		}
		dkimc_domains_add(t, p, c->domain, c->selector, c->keyfile, NULL, r);
	}
}

static int dkimc_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct dkimc_conf *c = conf;
	struct pool *p = cm_init_pool(ic);
	struct dkimc_report r = {.fn = report, .arg = ic, .pool = p};
	struct dkimc_keyperm perm;
	struct dkimc_state *st;
	const char *error;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	st = pool_alloc(p, sizeof(*st));
	if (st == NULL)
		return -1;
	st->conf = c;
	st->sign = c->mode != DKIMC_MODE_V;
	st->verify = c->mode != DKIMC_MODE_S;
	sign_options(ic, p, c, &st->signopts);
	signing_rules(ic, p, c, &st->tables, &r);
	key_perm(ic, p, c, &perm);
	dkimc_keys_load(&st->tables, p, &perm, &r);
	if (st->tables.n_rules == 0)
		st->sign = false; /* no keys: nothing to sign with */
	if (st->verify) {
		st->verifier =
		    dkimc_verifier_new(cm_init_dns(ic), (unsigned)c->min_key_bits, &error);
		if (st->verifier == NULL) {
			cm_init_error(ic, "DKIM", "%s", error);
			return -1;
		}
	}
	log_debug("dkim", "%zu signing rules, %zu keys; %s%s", st->tables.n_rules,
	          st->tables.n_keys, st->sign ? "signing" : "not signing",
	          st->verify ? ", verifying" : "");
	*state_r = st;
	return 0;
}

static void dkimc_free(void *state)
{
	struct dkimc_state *st = state;

	dkimc_verifier_free(&st->verifier);
}

const struct cm_check dkim_check = {
    .name = "dkim",
    .title = "DKIM signing and verification",
    .settings = dkimc_settings,
    .conf_size = sizeof(struct dkimc_conf),
    .policy_setting = "On-InternalError",
    .init = dkimc_init,
    .free = dkimc_free,
    .hooks = {[CM_EOH] = dkimc_eoh, [CM_BODY] = dkimc_body, [CM_EOM] = dkimc_eom},
};

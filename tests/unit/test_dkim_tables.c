/*
 * Unit tests of the DKIM key configuration: the KeyList, KeyTable,
 * SigningTable and Domain parsers with every message they give, key file
 * loading (missing, unsafe, not a key, too small, dkim-filter's ".private"
 * caveat), the errors of whole configs as `chainmilter -n` prints them, and
 * which keys sign which From address.
 */
#include "cmtest.h"

#include <ctype.h>
#include <sys/stat.h>

#include "../../dkim/keys.h"
#include "../../dkim/sign.h"
#include "../../dkim/tables.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

static char dir[64] = "/tmp/cmunit-dkim.XXXXXX";

struct msgs {
	char v[16][600];
	size_t n;
};

static void collect(void *arg, const char *setting, const char *msg)
{
	struct msgs *m = arg;

	if (m->n < 16)
		snprintf(m->v[m->n++], sizeof(m->v[0]), "%s: %s", setting, msg);
}

static void copy_key(const char *name, const char *to, mode_t mode)
{
	char from[256], path[256], cmd[600];

	snprintf(from, sizeof(from), "tests/fixtures/dkim/%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, to);
	snprintf(cmd, sizeof(cmd), "cp %s %s", from, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void chmod_in_dir(const char *name, mode_t mode)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	mlog_open(false, false, 0);
	assert_non_null(mkdtemp(dir));
	copy_key("rsa2048.private", "rsa2048.private", 0600);
	copy_key("ed25519.private", "ed25519.private", 0600);
	copy_key("small768.private", "small768.private", 0600);
	copy_key("rsa2048.private", "open.private", 0644);
	copy_key("rsa2048.private", "groupw.private", 0660);
	copy_key("rsa2048.private", "example.org.private", 0600);
	write_file("notakey.private", "hello\n");
	write_file("badpem.private",
	           "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	chmod_in_dir("notakey.private", 0600);
	chmod_in_dir("badpem.private", 0600);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- parsers ---- */

static void test_keylist(void **state)
{
	struct pool *p = pool_create();
	struct dkimc_tables t = {0};
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};

	dkimc_keylist_parse(&t, p, "/etc/dkim-keys.conf",
	                    "# the tutorial's line\n"
	                    "*@example.org:example.org:/etc/postfix/dkim/example.org\n"
	                    "\n"
	                    "  *@Example.NET : Example.NET : /etc/postfix/dkim/net2024  \r\n",
	                    &r);
	assert_int_equal(m.n, 0);
	assert_int_equal(t.n_rules, 2);
	assert_string_equal(t.rules[0].pattern, "*@example.org");
	assert_string_equal(t.rules[0].key->path, "/etc/postfix/dkim/example.org.private");
	assert_string_equal(t.rules[0].key->selector, "example.org");
	assert_string_equal(t.rules[0].domain, "example.org");
	assert_string_equal(t.rules[0].key->origin, "/etc/dkim-keys.conf:2");
	assert_string_equal(t.rules[1].pattern, "*@example.net");
	assert_string_equal(t.rules[1].domain, "example.net");
	assert_string_equal(t.rules[1].key->selector, "net2024");
	pool_destroy(&p);
}

static void parse_errors(void (*parse)(struct dkimc_tables *, struct pool *, const char *,
                                       const char *, struct dkimc_report *),
                         const char *text, const char *const *expected)
{
	struct pool *p = pool_create();
	struct dkimc_tables t = {0};
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};
	size_t i;

	parse(&t, p, "/etc/f", text, &r);
	for (i = 0; expected[i] != NULL; i++) {
		assert_true(i < m.n);
		assert_string_equal(m.v[i], expected[i]);
	}
	assert_int_equal(m.n, i);
	pool_destroy(&p);
}

static void test_keylist_errors(void **state)
{
	static char long_line[5000];
	const char *const want[] = {
	    "KeyList: /etc/f:1: \"nocolons\": expected sender-pattern:signing-domain:keypath, "
	    "such as *@example.org:example.org:/etc/postfix/dkim/example.org",
	    "KeyList: /etc/f:2: empty sender pattern; expected one such as *@example.org",
	    "KeyList: /etc/f:3: signing domain \"exa mple.org\" is not a domain name; expected "
	    "one such as example.org",
	    "KeyList: /etc/f:4: keypath \"dkim/example.org\" is not an absolute path; expected "
	    "one such as /etc/postfix/dkim/example.org (.private is appended)",
	    "KeyList: /etc/f:5: the key file's base name \"my key\" is the selector and must be "
	    "made of letters, digits, '-', '_' and dots",
	    "KeyList: /etc/f:6: line longer than 4096 bytes",
	    NULL};
	char text[6000];

	memset(long_line, 'x', 4500);
	snprintf(text, sizeof(text),
	         "nocolons\n:example.org:/k\n*@a:exa mple.org:/k\n*@a:a.org:dkim/example.org\n"
	         "*@a:a.org:/etc/my key\n%s\n",
	         long_line);
	parse_errors(dkimc_keylist_parse, text, want);
}

static void test_keytable(void **state)
{
	struct pool *p = pool_create();
	struct dkimc_tables t = {0};
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};

	dkimc_keytable_parse(&t, p, "/etc/kt",
	                     "sel._domainkey.example.org example.org:sel:/etc/dkim/sel.private\n"
	                     "any\t%:mail:./keys/any.pem\n",
	                     &r);
	assert_int_equal(m.n, 0);
	assert_int_equal(t.n_keys, 2);
	assert_string_equal(t.keys[0]->name, "sel._domainkey.example.org");
	assert_string_equal(t.keys[0]->domain, "example.org");
	assert_string_equal(t.keys[0]->selector, "sel");
	assert_string_equal(t.keys[0]->path, "/etc/dkim/sel.private");
	assert_string_equal(t.keys[1]->domain, "%");
	assert_string_equal(t.keys[1]->path, "./keys/any.pem");
	assert_int_equal(t.n_rules, 0); /* the SigningTable makes the rules */
	pool_destroy(&p);
}

static void test_keytable_errors(void **state)
{
	const char *const want[] = {
	    "KeyTable: /etc/f:1: expected keyname domain:selector:keypath, such as "
	    "sel._domainkey.example.org example.org:sel:/etc/dkim/sel.private",
	    "KeyTable: /etc/f:2: expected keyname domain:selector:keypath, such as "
	    "sel._domainkey.example.org example.org:sel:/etc/dkim/sel.private",
	    "KeyTable: /etc/f:3: \"exa/mple.org\" is not a domain name; expected one such as "
	    "example.org, or % for the sender's domain",
	    "KeyTable: /etc/f:4: selector \"s l\" is not valid; expected letters, digits, '-', "
	    "'_' and dots, such as mail2024",
	    "KeyTable: /etc/f:5: \"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSk\" is not a key file "
	    "path; expected one starting with / (keys inline in the KeyTable are not supported)",
	    "KeyTable: /etc/f:7: key name \"K\" is already defined above",
	    NULL};

	parse_errors(dkimc_keytable_parse,
	             "k1\nk2 example.org:sel\nk3 exa/mple.org:sel:/k\nk4 example.org:s l:/k\n"
	             "k5 example.org:sel:MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAo\n"
	             "k example.org:sel:/k\nK example.org:sel2:/k2\n",
	             want);
}

static void signingtable_errors(struct dkimc_tables *t, struct pool *p, const char *path,
                                const char *text, struct dkimc_report *r)
{
	dkimc_keytable_parse(t, p, "/etc/kt", "k1 example.org:sel:/k\n", r);
	dkimc_signingtable_parse(t, p, path, text, true, r);
}

static void test_signingtable_errors(void **state)
{
	const char *const want[] = {
	    "SigningTable: /etc/f:1: expected pattern keyname [signer], such as *@example.org "
	    "sel._domainkey.example.org",
	    "SigningTable: /etc/f:2: expected pattern keyname [signer], such as *@example.org "
	    "sel._domainkey.example.org",
	    "SigningTable: /etc/f:3: key \"k2\" is not in the KeyTable; expected one of its key "
	    "names",
	    NULL};

	parse_errors(signingtable_errors, "*@example.org\na b c d\n*@example.org k2\n*@x k1\n",
	             want);
}

static void test_domains(void **state)
{
	struct pool *p = pool_create();
	struct dkimc_tables t = {0};
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};
	char path[128];

	dkimc_domains_add(&t, p, "example.org, Example.NET", "sel", "/k", NULL, &r);
	assert_int_equal(m.n, 0);
	assert_int_equal(t.n_rules, 2);
	assert_string_equal(t.rules[1].pattern, "example.net");
	dkimc_domains_add(&t, p, "example.org,bad/domain", "sel", "/k", NULL, &r);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0], "Domain: \"bad/domain\" is not a domain name; expected a list "
	                            "such as example.org, example.net, or the path of a file of "
	                            "them");
	dkimc_domains_add(&t, p, "example.org", "s/l", "/k", NULL, &r);
	assert_string_equal(m.v[1], "Selector: \"s/l\" is not a selector; expected letters, "
	                            "digits, '-', '_' and dots, such as mail2024");
	write_file("domains", "# ours\nexample.org\nbad/one\n");
	snprintf(path, sizeof(path), "%s/domains", dir);
	dkimc_domains_add(&t, p, path, "sel", "/k", NULL, &r);
	assert_int_equal(m.n, 3);
	assert_true(strstr(m.v[2], "/domains:3: \"bad/one\" is not a domain name") != NULL);
	pool_destroy(&p);
}

/* ---- keys ---- */

static const struct dkimc_keyperm perm = {true, 0, "root"};

/* Load one key named by a one-line KeyList; returns its problems. */
static size_t load_keylist(const char *line, struct msgs *m, struct dkimc_tables *t, struct pool *p,
                           const struct dkimc_keyperm *kp)
{
	struct dkimc_report r = {collect, m, p, 0};

	memset(t, 0, sizeof(*t));
	dkimc_keylist_parse(t, p, "/etc/keylist", line, &r);
	dkimc_keys_load(t, p, kp, &r);
	return m->n;
}

static void key_error(const char *base, const char *expected_start, const struct dkimc_keyperm *kp)
{
	struct pool *p = pool_create();
	struct dkimc_tables t;
	struct msgs m = {0};
	char line[256], want[700];

	snprintf(line, sizeof(line), "*@example.org:example.org:%s/%s\n", dir, base);
	snprintf(want, sizeof(want), "KeyList: /etc/keylist:1: %s/%s.private: %s", dir, base,
	         expected_start);
	assert_int_equal(load_keylist(line, &m, &t, p, kp), 1);
	if (strncmp(m.v[0], want, strlen(want)) != 0)
		fail_msg("got      \"%s\"\nexpected \"%s...\"", m.v[0], want);
	assert_null(t.keys[0]->key);
	pool_destroy(&p);
}

static void test_key_files(void **state)
{
	struct dkimc_keyperm lax = perm;
	struct pool *p = pool_create();
	struct dkimc_tables t;
	struct msgs m = {0};
	char line[256], path[256];

	/* Good keys load, RSA and Ed25519. */
	snprintf(line, sizeof(line), "*@a.org:a.org:%s/rsa2048\n*@b.org:b.org:%s/ed25519\n", dir,
	         dir);
	assert_int_equal(load_keylist(line, &m, &t, p, &perm), 0);
	assert_int_equal(dkimc_key_bits(t.keys[0]->key), 2048);
	assert_string_equal(dkimc_key_alg(t.keys[0]->key), "rsa-sha256");
	assert_string_equal(dkimc_key_alg(t.keys[1]->key), "ed25519-sha256");
	pool_destroy(&p);

	key_error("missing",
	          "No such file or directory (expected a private key file, as "
	          "chainmilter keygen writes)",
	          &perm);
	/* The tutorial's caveat: the keypath was written with .private. */
	key_error("example.org.private",
	          "No such file or directory (expected a private key file, as chainmilter keygen "
	          "writes); KeyList appends .private to the keypath, as dkim-filter did: write "
	          "the keypath without it (",
	          &perm);
	key_error("open",
	          "mode 0644 lets others read it (want 0600, or 0640 with group root); or "
	          "set RequireSafeKeys no",
	          &perm);
	key_error("groupw",
	          "mode 0660 lets its group write it (want 0600, or 0640 with group "
	          "root); or set RequireSafeKeys no",
	          &perm);
	snprintf(path, sizeof(path), "%s/open.private", dir);
	chmod(path, 0640);
	assert_int_equal(chown(path, 0, 4242), 0);
	key_error("open",
	          "mode 0640 lets group 4242 read it, and chainmilter runs as root (want "
	          "0600, or 0640 with group root); or set RequireSafeKeys no",
	          &perm);
	chmod(path, 0644);
	key_error("notakey", "not a PEM private key (no \"-----BEGIN ... PRIVATE KEY-----\" line)",
	          &perm);
	key_error("badpem", "not a readable PEM private key", &perm);
	key_error("small768",
	          "an RSA key of 768 bits; verifiers ignore keys under 1024 bits "
	          "(RFC 8301): make a new one with chainmilter keygen",
	          &perm);
	/* RequireSafeKeys no: an open key is used. */
	lax.require_safe = false;
	p = pool_create();
	memset(&m, 0, sizeof(m));
	snprintf(line, sizeof(line), "*@a.org:a.org:%s/open\n", dir);
	assert_int_equal(load_keylist(line, &m, &t, p, &lax), 0);
	assert_non_null(t.keys[0]->key);
	pool_destroy(&p);
}

static void test_key_unsafe(void **state)
{
	struct pool *p = pool_create();

	assert_null(dkimc_key_unsafe(0100600, 7, &perm, p));
	assert_null(dkimc_key_unsafe(0100400, 7, &perm, p));
	assert_null(dkimc_key_unsafe(0100640, 0, &perm, p));
	assert_non_null(dkimc_key_unsafe(0100604, 0, &perm, p));
	assert_non_null(dkimc_key_unsafe(0100601, 0, &perm, p));
	assert_non_null(dkimc_key_unsafe(0100620, 0, &perm, p));
	assert_non_null(dkimc_key_unsafe(0100640, 7, &perm, p));
	pool_destroy(&p);
}

/* ---- whole configs (what chainmilter -n prints) ---- */

static void config_errors(const char *lines, const char *expected)
{
	char text[2048];
	const char *path;
	struct cm_snapshot *snap;
	size_t i;

	/* The lines given start at line 2. */
	snprintf(text, sizeof(text), "ClamAV no\n%s\nGreylist no\n", lines);
	path = cmt_tempfile(text);
	snap = snap_load(path, NULL, 0);
	assert_non_null(snap);
	for (i = 0; i < conf_nerrors(snap->conf); i++)
		if (strstr(conf_errmsg(snap->conf, i), expected) != NULL)
			break;
	if (i == conf_nerrors(snap->conf))
		fail_msg("no error containing \"%s\" (%zu errors, first: %s)", expected,
		         conf_nerrors(snap->conf),
		         conf_nerrors(snap->conf) > 0 ? conf_errmsg(snap->conf, 0) : "-");
	/* Errors name the config file and the setting's line. */
	assert_non_null(strstr(conf_errmsg(snap->conf, i), path));
	snap_free(&snap);
	unlink(path);
}

static void config_ok(const char *lines)
{
	char text[2048];
	const char *path;
	struct cm_snapshot *snap;

	snprintf(text, sizeof(text), "ClamAV no\nGreylist no\n%s", lines);
	path = cmt_tempfile(text);
	snap = snap_load(path, NULL, 0);
	assert_non_null(snap);
	if (conf_nerrors(snap->conf) > 0)
		fail_msg("%s", conf_errmsg(snap->conf, 0));
	snap_free(&snap);
	unlink(path);
}

static void test_configs(void **state)
{
	char lines[1024], kt[128], st[128];

	snprintf(lines, sizeof(lines),
	         "Domain example.org\nSelector rsa2048\nKeyFile %s/rsa2048.private\n", dir);
	config_ok(lines);
	config_ok("Mode v\n");
	snprintf(lines, sizeof(lines), "Domain example.org\nSelector s\nKeyFile %s/missing\n", dir);
	config_errors(lines, ":4: KeyFile: ");
	config_errors(lines, "/missing: No such file or directory");
	config_errors("Domain example.org\nSelector s\n",
	              ":2: Domain: KeyFile is not set; expected Domain, Selector and KeyFile "
	              "together");
	config_errors(
	    "KeyList /etc/kl\nKeyTable /etc/kt\nSigningTable /etc/st\n",
	    "KeyList: KeyList and KeyTable/SigningTable are both set; expected one way of "
	    "naming keys");
	config_errors("KeyTable /etc/kt\n", "KeyTable: needs SigningTable too");
	config_errors("KeyList keys.conf\n", "KeyList: \"keys.conf\" is not an absolute path");
	config_errors("KeyList /nonexistent/keys\n",
	              "KeyList: /nonexistent/keys: No such file or directory (expected a readable "
	              "file)");
	snprintf(kt, sizeof(kt), "%s/kt", dir);
	snprintf(st, sizeof(st), "%s/st", dir);
	snprintf(lines, sizeof(lines), "k1 %%:rsa2048:%s/rsa2048.private\n", dir);
	write_file("kt", lines);
	write_file("st", "*@example.org k1\n");
	snprintf(lines, sizeof(lines), "KeyTable refile:%s\nSigningTable %s\n", kt, st);
	config_errors(lines, "KeyTable: refile:");
	snprintf(lines, sizeof(lines), "KeyTable file:%s\nSigningTable refile:%s\n", kt, st);
	config_ok(lines);
	config_errors("SignHeaders From, Sub:ject\n", "SignHeaders: \"Sub:ject\" is not");
	config_errors("Mode x\n", "Mode");
}

/* ---- matching ---- */

struct matched {
	struct dkimc_sigreq v[DKIMC_MAX_SIGS];
	size_t n;
};

static void tables_from(struct dkimc_tables *t, struct pool *p, const char *keytable,
                        const char *signingtable, bool refile, bool multiple)
{
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};

	memset(t, 0, sizeof(*t));
	t->multiple = multiple;
	dkimc_keytable_parse(t, p, "/kt", keytable, &r);
	dkimc_signingtable_parse(t, p, "/st", signingtable, refile, &r);
	dkimc_keys_load(t, p, &perm, &r);
	if (m.n > 0)
		fail_msg("%s", m.v[0]);
}

/* As run.c calls it: the domain lowercased by dkimc_from_address(). */
static size_t match(const struct dkimc_tables *t, const char *addr, struct pool *p,
                    struct matched *out)
{
	char *domain = pool_strdup(p, strchr(addr, '@') + 1), *c;

	for (c = domain; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	out->n = dkimc_tables_match(t, addr, domain, p, out->v, DKIMC_MAX_SIGS);
	return out->n;
}

static void test_match_signingtable(void **state)
{
	struct pool *p = pool_create();
	struct dkimc_tables t;
	struct matched mt;
	char kt[512];

	snprintf(kt, sizeof(kt),
	         "rsa %%:rsa2048:%s/rsa2048.private\ned example.org:ed25519:%s/ed25519.private\n",
	         dir, dir);
	/* refile: patterns in order; first match, or all with MultipleSignatures. */
	tables_from(&t, p, kt, "*@example.org rsa\n*@example.org ed\n*@*.example.com rsa ops@%\n",
	            true, false);
	assert_int_equal(match(&t, "alice@example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].domain, "example.org");
	assert_string_equal(mt.v[0].selector, "rsa2048");
	assert_null(mt.v[0].identity);
	assert_int_equal(match(&t, "alice@example.net", p, &mt), 0);
	/* % takes the From domain, in d= and in the signer (i=). */
	assert_int_equal(match(&t, "bob@Sub.Example.com", p, &mt), 1);
	assert_string_equal(mt.v[0].domain, "sub.example.com");
	assert_string_equal(mt.v[0].identity, "ops@sub.example.com");
	tables_from(&t, p, kt, "*@example.org rsa\n*@example.org ed\n*@example.org ed\n", true,
	            true);
	assert_int_equal(match(&t, "alice@example.org", p, &mt), 2);
	assert_string_equal(mt.v[0].selector, "rsa2048");
	assert_string_equal(mt.v[1].selector, "ed25519");
	/* An i= outside d= is left out, as OpenDKIM does. */
	tables_from(&t, p, kt, "*@example.org ed someone@example.net\n", true, false);
	assert_int_equal(match(&t, "alice@example.org", p, &mt), 1);
	assert_null(mt.v[0].identity);
	/* Plain tables: full address, then domain, user@.parent, .parent, user@*, *. */
	tables_from(&t, p, kt, "example.org rsa\nalice@example.org ed\n.example.org ed\n", false,
	            false);
	assert_int_equal(match(&t, "alice@example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].selector, "ed25519");
	assert_int_equal(match(&t, "bob@example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].selector, "rsa2048");
	assert_int_equal(match(&t, "bob@mail.example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].selector, "ed25519");
	assert_int_equal(match(&t, "bob@example.net", p, &mt), 0);
	tables_from(&t, p, kt, "* rsa\n", false, false);
	assert_int_equal(match(&t, "anyone@anywhere.example", p, &mt), 1);
	assert_string_equal(mt.v[0].domain, "anywhere.example");
	pool_destroy(&p);
}

static void test_match_keylist_and_domains(void **state)
{
	struct pool *p = pool_create();
	struct dkimc_tables t = {0};
	struct msgs m = {0};
	struct dkimc_report r = {collect, &m, p, 0};
	struct matched mt;
	char line[512], key[256];

	snprintf(line, sizeof(line), "*@example.org:example.org:%s/rsa2048\n", dir);
	dkimc_keylist_parse(&t, p, "/kl", line, &r);
	dkimc_keys_load(&t, p, &perm, &r);
	assert_int_equal(m.n, 0);
	assert_int_equal(match(&t, "Alice@Example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].domain, "example.org");
	assert_string_equal(mt.v[0].selector, "rsa2048");
	assert_int_equal(match(&t, "alice@sub.example.org", p, &mt), 0);

	memset(&t, 0, sizeof(t));
	snprintf(key, sizeof(key), "%s/rsa2048.private", dir);
	dkimc_domains_add(&t, p, "example.org", "rsa2048", key, NULL, &r);
	dkimc_keys_load(&t, p, &perm, &r);
	assert_int_equal(match(&t, "a@example.org", p, &mt), 1);
	assert_int_equal(match(&t, "a@mail.example.org", p, &mt), 0);
	assert_int_equal(match(&t, "a@notexample.org", p, &mt), 0);
	t.subdomains = true;
	assert_int_equal(match(&t, "a@mail.example.org", p, &mt), 1);
	assert_string_equal(mt.v[0].domain, "example.org");
	assert_int_equal(match(&t, "a@notexample.org", p, &mt), 0);
	pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keylist),
	    cmocka_unit_test(test_keylist_errors),
	    cmocka_unit_test(test_keytable),
	    cmocka_unit_test(test_keytable_errors),
	    cmocka_unit_test(test_signingtable_errors),
	    cmocka_unit_test(test_domains),
	    cmocka_unit_test(test_key_files),
	    cmocka_unit_test(test_key_unsafe),
	    cmocka_unit_test(test_configs),
	    cmocka_unit_test(test_match_signingtable),
	    cmocka_unit_test(test_match_keylist_and_domains),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests of DKIM signing: RFC 8463's Ed25519 example reproduced byte for
 * byte (header selection, simple canonicalization, the signature field with
 * b= empty, Ed25519 over the SHA-256 digest), our own signature fields
 * checked the way a verifier reads them, the check on outbound mail driven
 * through milter/callbacks.c, and keygen's files. Interop with dkimpy,
 * Mail::DKIM and libopendkim is in tests/integration/t_dkim_*.sh.
 */
#include "cmtest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "../../dkim/canon.h"
#include "../../dkim/crypto.h"
#include "../../dkim/keygen.h"
#include "../../dkim/parse.h"
#include "../../dkim/sign.h"
#include "../../dkim/tables.h"
#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

/* RFC 8032 §7.1 test 1's secret key, which RFC 8463 appendix A signs with. */
static const char rfc8463_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

/* RFC 8463 appendix A.3: the RFC 6376 example message's header fields. */
static const struct cm_header rfc_headers[] = {
    {"From", " Joe SixPack <joe@football.example.com>", 1},
    {"To", " Suzie Q <suzie@shopping.example.net>", 1},
    {"Subject", " Is dinner ready?", 1},
    {"Date", " Fri, 11 Jul 2003 21:00:37 -0700 (PDT)", 1},
    {"Message-ID", " <20030712040037.46341.5F8J@football.example.com>", 1},
};

static char dir[64] = "/tmp/cmunit-dkimsign.XXXXXX";

static int setup(void **state)
{
	char cmd[256];

	mlog_open(false, false, 0);
	assert_non_null(mkdtemp(dir));
	snprintf(
	    cmd, sizeof(cmd),
	    "cp tests/fixtures/dkim/rsa2048.private tests/fixtures/dkim/ed25519.private %s/ && "
	    "chmod 600 %s/*.private",
	    dir, dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *body_hash(enum dkimc_canon c, const char *body, struct pool *p)
{
	struct dkimc_hash *h = dkimc_hash_new();
	struct dkimc_body b;
	unsigned char d[DKIMC_SHA256_LEN];

	dkimc_body_init(&b, c, h);
	dkimc_body_update(&b, (const unsigned char *)body, strlen(body));
	assert_int_equal(dkimc_body_final(&b, d), 0);
	dkimc_hash_free(&h);
	return dkimc_base64(d, sizeof(d), p);
}

/* The b= value a key gives a signature field (value with b= empty, folds
 * as CRLF) over these header fields: what a verifier computes. */
static const char *signature_over(const struct dkimc_key *k, enum dkimc_canon c,
                                  const char *const *names, size_t n_names,
                                  const struct cm_header *h, size_t n, const char *sigvalue,
                                  struct pool *p)
{
	struct dkimc_hash *hash = dkimc_hash_new();
	unsigned char d[DKIMC_SHA256_LEN], sig[DKIMC_SIG_MAX];
	const char *error;
	struct buf scratch;
	int len;

	buf_init(&scratch);
	dkimc_hash_headers(hash, c, names, n_names, h, n, &scratch);
	buf_reset(&scratch);
	dkimc_canon_header(c, "DKIM-Signature", sigvalue, &scratch);
	dkimc_hash_update(hash, scratch.data, scratch.len - 2); /* without its CRLF */
	assert_int_equal(dkimc_hash_final(hash, d), 0);
	len = dkimc_key_sign(k, d, sig, &error);
	assert_true(len > 0);
	buf_free(&scratch);
	dkimc_hash_free(&hash);
	return dkimc_base64(sig, (size_t)len, p);
}

static void test_rfc8463_ed25519(void **state)
{
	static const char *const h[] = {"from",       "to",   "subject", "date",
	                                "message-id", "from", "subject", "date"};
	struct pool *p = pool_create();
	const char *error;
	struct dkimc_key *k = dkimc_key_parse(rfc8463_key, strlen(rfc8463_key), p, &error);

	assert_non_null(k);
	assert_int_equal(dkimc_key_type(k), DKIMC_KEY_ED25519);
	/* The public half RFC 8463 publishes as brisbane._domainkey. */
	assert_string_equal(dkimc_key_public_b64(k, p),
	                    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	assert_string_equal(body_hash(DKIMC_SIMPLE,
	                              "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\n"
	                              "Joe.\r\n\r\n\r\n",
	                              p),
	                    "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
	assert_string_equal(
	    signature_over(k, DKIMC_SIMPLE, h, 8, rfc_headers, 5,
	                   " v=1; a=ed25519-sha256; c=simple/simple; \r\n"
	                   " d=football.example.com; i=@football.example.com; \r\n"
	                   " q=dns/txt; s=brisbane; t=1518460054; h=from : to : \r\n"
	                   " subject : date : message-id : from : subject : date; \r\n"
	                   " bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=; \r\n b=",
	                   p),
	    "9/dsDChY0YMTtD5Eyw3wx7x22BlSJP7M5ECbJ7GWrR45nXlTCGb8l0YBo0wBLR++X5LqmsxXaOYLLJe46l10AQ"
	    "==");
	pool_destroy(&p);
}

/* Check a field we made as a verifier would: parse it, select h=, empty
 * b=, recompute. Ed25519 is deterministic, so the signature must repeat. */
static void verify_ours(const char *value, const struct dkimc_key *k, const struct cm_header *h,
                        size_t n, struct pool *p)
{
	struct buf wire, b;
	struct dkimc_tags t;
	const struct dkimc_tag *tb, *th, *tc;
	const char *error, *names[64], *item;
	size_t pos = 0, len, n_names = 0, i;
	enum dkimc_canon c;

	buf_init(&wire);
	buf_putc(&wire, ' ');
	for (i = 0; value[i] != '\0'; i++) {
		if (value[i] == '\n')
			buf_putc(&wire, '\r');
		buf_putc(&wire, value[i]);
	}
	assert_int_equal(dkimc_tags_parse(wire.data, wire.len, &t, &error), 0);
	tb = dkimc_tags_get(&t, "b");
	th = dkimc_tags_get(&t, "h");
	tc = dkimc_tags_get(&t, "c");
	assert_non_null(tb);
	assert_non_null(th);
	assert_non_null(tc);
	c = strncmp(tc->value, "simple", 6) == 0 ? DKIMC_SIMPLE : DKIMC_RELAXED;
	while (dkimc_list_next(th->value, th->value_len, ':', &pos, &item, &len))
		names[n_names++] = pool_strndup(p, item, len);
	/* The b= value without its folds, and the field with it emptied. */
	buf_init(&b);
	for (i = 0; i < tb->value_len; i++)
		if (strchr(" \t\r\n", tb->value[i]) == NULL)
			buf_putc(&b, tb->value[i]);
	wire.data[tb->value - wire.data] = '\0';
	assert_string_equal(signature_over(k, c, names, n_names, h, n, wire.data, p), b.data);
	buf_free(&b);
	buf_free(&wire);
}

/* A field without its white space and b= value: its tags, comparable. */
static const char *squeezed(const char *v, struct pool *p)
{
	char *out = pool_strdup(p, v), *o = out;

	for (; *v != '\0'; v++)
		if (strchr(" \t\n", *v) == NULL)
			*o++ = *v;
	*o = '\0';
	o = strstr(out, ";b=");
	if (o != NULL)
		o[3] = '\0';
	return out;
}

static void test_sign_fields(void **state)
{
	static const char *const sign[] = {"From", "To", "Subject", "Date", "Message-ID"};
	static const char *const over[] = {"From", "Reply-To"};
	struct pool *p = pool_create();
	const char *error, *v;
	struct dkimc_key *k = dkimc_key_parse(rfc8463_key, strlen(rfc8463_key), p, &error);
	struct dkimc_signopts o = {DKIMC_RELAXED, DKIMC_RELAXED, sign, 5, over, 2, 0};
	struct dkimc_sigreq r = {"football.example.com", "brisbane", NULL, k};
	unsigned char bh[DKIMC_SHA256_LEN] = {0};

	v = dkimc_sign(p, &o, &r, rfc_headers, 5, bh, 1700000000, &error);
	assert_non_null(v);
	/* Tags in this order; fields in message order, oversigned ones once
	 * more (absent ones too). */
	assert_string_equal(
	    squeezed(v, p),
	    "v=1;a=ed25519-sha256;c=relaxed/relaxed;d=football.example.com;"
	    "s=brisbane;t=1700000000;bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
	    "h=From:To:Subject:Date:Message-ID:From:Reply-To;b=");
	assert_null(strstr(v, "x="));
	verify_ours(v, k, rfc_headers, 5, p);
	/* Lines fit in 78 columns. */
	for (const char *line = v; line != NULL;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		assert_true(strcspn(line, "\n") + (line == v ? 16 : 0) <= 78);
	/* Simple, an expiry and an identity. */
	o.hdr_canon = DKIMC_SIMPLE;
	o.body_canon = DKIMC_SIMPLE;
	o.ttl = 3600;
	r.identity = "joe@football.example.com";
	v = dkimc_sign(p, &o, &r, rfc_headers, 5, bh, 1700000000, &error);
	assert_non_null(v);
	assert_string_equal(squeezed(v, p),
	                    "v=1;a=ed25519-sha256;c=simple/simple;d=football.example.com;"
	                    "s=brisbane;i=joe@football.example.com;t=1700000000;x=1700003600;"
	                    "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
	                    "h=From:To:Subject:Date:Message-ID:From:Reply-To;b=");
	verify_ours(v, k, rfc_headers, 5, p);
	pool_destroy(&p);
}

/* ---- the check on outbound mail ---- */

static const char *qid(void *arg, const char *name)
{
	return strcmp(name, "i") == 0 ? "4QSIGN1" : (const char *)arg;
}

static void with_config(const char *lines)
{
	char text[2048];
	struct cm_snapshot *snap;

	snprintf(text, sizeof(text),
	         "ClamAV no\nGreylist no\nSpamScoring no\nAuthservID mx.test.example\n%s", lines);
	snap = snap_load(cmt_tempfile(text), NULL, 0);
	assert_non_null(snap);
	if (conf_nerrors(snap->conf) > 0)
		fail_msg("config error: %s", conf_errmsg(snap->conf, 0));
	snap_install(snap);
}

struct sent {
	struct cm_decision d;
	char sigs[4][2048]; /* DKIM-Signature values prepended */
	size_t n_sigs;
	char line[1024];
};

static const struct cm_header msg_headers[] = {
    {"From", " Alice <alice@example.org>", 1},
    {"To", " bob@example.com", 1},
    {"Subject", " Lunch", 1},
};

static void send_msg(const char *ip, const char *auth, struct sent *s)
{
	struct cb_macros mac = {qid, (void *)auth};
	struct sockaddr_in sin;
	struct cm_decision d;
	struct mctx *c = cb_session();
	size_t i;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	cb_connect(c, NULL, (struct sockaddr *)&sin, &d);
	cb_helo(c, "client.example", &d);
	c->leadspc = true;
	cb_mail(c, "<alice@example.org>", &mac, &d);
	cb_rcpt(c, "<bob@example.com>", &mac, &d);
	for (i = 0; i < 3; i++)
		cb_header(c, msg_headers[i].name, msg_headers[i].value);
	cb_eoh(c, &mac);
	cb_body(c, (const unsigned char *)"Noon?\r\n", 7);
	cb_eom(c, &mac, "0.1.0", &s->d);
	s->n_sigs = 0;
	for (i = 0; i < s->d.n_edits; i++)
		if (strcmp(s->d.edits[i].name, "DKIM-Signature") == 0 && s->n_sigs < 4)
			snprintf(s->sigs[s->n_sigs++], sizeof(s->sigs[0]), "%s",
			         s->d.edits[i].value);
	s->line[0] = '\0';
	for (i = 0; i < c->m.logfields.n; i++)
		if (strcmp(c->m.logfields.v[i].name, "dkim") == 0)
			snprintf(s->line, sizeof(s->line), "dkim=%s", c->m.logfields.v[i].value);
	cb_done(c);
	cb_close(&c);
}

static void test_check_signs_outbound(void **state)
{
	struct pool *p = pool_create();
	char lines[512], path[128];
	const char *error;
	char *pem;
	struct dkimc_key *k;
	struct sent s;

	snprintf(path, sizeof(path), "%s/ed25519.private", dir);
	pem = dkimc_read_file(path, 65536, p, &error);
	k = dkimc_key_parse(pem, strlen(pem), p, &error);
	snprintf(lines, sizeof(lines), "Domain example.org\nSelector ed25519\nKeyFile %s\n", path);
	with_config(lines);
	/* From an internal host: signed, with what the settings say. */
	send_msg("127.0.0.1", NULL, &s);
	assert_int_equal(s.d.action, CM_ACT_NONE);
	assert_int_equal(s.n_sigs, 1);
	/* The body hash is that of "Noon?" under relaxed canonicalization;
	 * t= is now. */
	assert_true(
	    strncmp(squeezed(s.sigs[0], p),
	            "v=1;a=ed25519-sha256;c=relaxed/relaxed;d=example.org;s=ed25519;t=", 65) == 0);
	assert_non_null(
	    strstr(squeezed(s.sigs[0], p), pool_printf(p, ";bh=%s;h=From:To:Subject:From;b=",
	                                               body_hash(DKIMC_RELAXED, "Noon?\r\n", p))));
	verify_ours(s.sigs[0], k, msg_headers, 3, p);
	assert_string_equal(s.line, "dkim=signed");
	/* An authenticated client is outbound too. */
	send_msg("192.0.2.1", "alice", &s);
	assert_int_equal(s.n_sigs, 1);
	/* Inbound: verified, never signed. */
	send_msg("192.0.2.1", NULL, &s);
	assert_int_equal(s.n_sigs, 0);
	assert_string_equal(s.line, "dkim=none");
	/* Mode v: no signing. */
	snprintf(lines, sizeof(lines), "Mode v\nDomain example.org\nSelector ed25519\nKeyFile %s\n",
	         path);
	with_config(lines);
	send_msg("127.0.0.1", NULL, &s);
	assert_int_equal(s.n_sigs, 0);
	/* A From domain without a key: not signed. */
	snprintf(lines, sizeof(lines), "Domain example.net\nSelector ed25519\nKeyFile %s\n", path);
	with_config(lines);
	send_msg("127.0.0.1", NULL, &s);
	assert_int_equal(s.n_sigs, 0);
	assert_string_equal(s.line, "");
	snap_install(NULL);
	pool_destroy(&p);
}

static void test_check_dual_signs(void **state)
{
	struct pool *p = pool_create();
	char kt[128], st[128], lines[512], text[512];
	struct sent s;
	FILE *fp;

	snprintf(kt, sizeof(kt), "%s/keytable", dir);
	snprintf(st, sizeof(st), "%s/signingtable", dir);
	snprintf(text, sizeof(text),
	         "rsa %%:rsa2048:%s/rsa2048.private\ned example.org:ed25519:%s/ed25519.private\n",
	         dir, dir);
	fp = fopen(kt, "w");
	fputs(text, fp);
	fclose(fp);
	fp = fopen(st, "w");
	fputs("*@example.org rsa\n*@example.org ed\n", fp);
	fclose(fp);
	snprintf(lines, sizeof(lines),
	         "KeyTable %s\nSigningTable refile:%s\nMultipleSignatures yes\nSignatureTTL 1d\n"
	         "Canonicalization simple/relaxed\n",
	         kt, st);
	with_config(lines);
	send_msg("127.0.0.1", NULL, &s);
	assert_int_equal(s.n_sigs, 2);
	assert_non_null(strstr(squeezed(s.sigs[0], p),
	                       "a=rsa-sha256;c=simple/relaxed;d=example.org;s=rsa2048;"));
	assert_non_null(strstr(squeezed(s.sigs[1], p),
	                       "a=ed25519-sha256;c=simple/relaxed;d=example.org;s=ed25519;"));
	assert_non_null(strstr(s.sigs[0], "x="));
	/* Without MultipleSignatures only the first match signs. */
	snprintf(lines, sizeof(lines), "KeyTable %s\nSigningTable refile:%s\n", kt, st);
	with_config(lines);
	send_msg("127.0.0.1", NULL, &s);
	assert_int_equal(s.n_sigs, 1);
	assert_non_null(strstr(s.sigs[0], "s=rsa2048;"));
	snap_install(NULL);
	pool_destroy(&p);
}

/* ---- keygen ---- */

static void test_keygen_zone(void **state)
{
	struct pool *p = pool_create();
	char pub[600];
	const char *z, *q;
	size_t n_strings = 0;

	memset(pub, 'A', 400);
	pub[400] = '\0';
	z = dkimc_keygen_zone(p, "sel", "example.org", "rsa", pub);
	assert_true(
	    strncmp(z, "sel._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  \"p=", 58) ==
	    0);
	assert_non_null(strstr(z, "\" )  ; ----- DKIM key sel for example.org\n"));
	/* Every quoted string fits a DNS character-string (255 bytes). */
	for (q = strchr(z, '"'); q != NULL; q = strchr(strchr(q + 1, '"') + 1, '"')) {
		assert_true(strchr(q + 1, '"') - q - 1 <= 255);
		n_strings++;
	}
	assert_int_equal(n_strings, 3);
	z = dkimc_keygen_zone(p, "ed", "example.org", "ed25519",
	                      "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	assert_string_equal(z, "ed._domainkey\tIN\tTXT\t( \"v=DKIM1; k=ed25519; \"\n"
	                       "\t  \"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\" )  ; ----- "
	                       "DKIM key ed for example.org\n");
	pool_destroy(&p);
}

static int keygen(const char *args)
{
	char buf[256], *argv[16], *save = NULL, *a;
	int argc = 0;

	snprintf(buf, sizeof(buf), "keygen %s", args);
	for (a = strtok_r(buf, " ", &save); a != NULL && argc < 15; a = strtok_r(NULL, " ", &save))
		argv[argc++] = a;
	argv[argc] = NULL;
	return dkimc_keygen_main(argc, argv);
}

static void test_keygen_files(void **state)
{
	struct pool *p = pool_create();
	char args[256], path[256];
	const char *error, *txt, *pub;
	struct dkimc_key *k;
	struct stat st;
	char *pem;
	int saved = dup(1), null = open("/dev/null", O_WRONLY);

	/* keygen says what it wrote on standard output: keep it off the TAP. */
	fflush(stdout);
	dup2(null, 1);
	snprintf(args, sizeof(args), "-d example.org -s gen -b 1024 -D %s", dir);
	assert_int_equal(keygen(args), 0);
	snprintf(path, sizeof(path), "%s/gen.private", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	pem = dkimc_read_file(path, 65536, p, &error);
	k = dkimc_key_parse(pem, strlen(pem), p, &error);
	assert_non_null(k);
	assert_int_equal(dkimc_key_bits(k), 1024);
	/* The record holds the private key's public half. */
	snprintf(path, sizeof(path), "%s/gen.txt", dir);
	txt = dkimc_read_file(path, 65536, p, &error);
	pub = dkimc_key_public_b64(k, p);
	assert_non_null(strstr(txt, pool_printf(p, "\"p=%.*s\"", 248, pub)));
	/* A key is never overwritten. */
	assert_int_equal(keygen(args), 1);
	snprintf(args, sizeof(args), "-d example.org -s ed -t ed25519 -D %s", dir);
	assert_int_equal(keygen(args), 0);
	snprintf(path, sizeof(path), "%s/ed.private", dir);
	pem = dkimc_read_file(path, 65536, p, &error);
	k = dkimc_key_parse(pem, strlen(pem), p, &error);
	assert_int_equal(dkimc_key_type(k), DKIMC_KEY_ED25519);
	snprintf(path, sizeof(path), "%s/ed.txt", dir);
	txt = dkimc_read_file(path, 65536, p, &error);
	assert_non_null(
	    strstr(txt, pool_printf(p, "k=ed25519; \"\n\t  \"p=%s\"", dkimc_key_public_b64(k, p))));
	/* Bad arguments. */
	assert_int_equal(keygen("-s x"), 2);
	assert_int_equal(keygen("-d example.org -t dsa"), 2);
	assert_int_equal(keygen("-d example.org -b 512"), 2);
	assert_int_equal(keygen("-d exa/mple.org"), 2);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8463_ed25519),      cmocka_unit_test(test_sign_fields),
	    cmocka_unit_test(test_check_signs_outbound), cmocka_unit_test(test_check_dual_signs),
	    cmocka_unit_test(test_keygen_zone),          cmocka_unit_test(test_keygen_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests of the chain and the verdict step, driven through
 * milter/callbacks.c exactly as milter/mta.c drives them, without libmilter:
 * GTUBE scoring, X-Spam headers in SpamAssassin's format, levels and
 * destinies, removal of forged headers, direction, oversized messages.
 */
#include "cmtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

static const char gtube[] = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

static const char *qid_macro(void *arg, const char *name)
{
	return strcmp(name, "i") == 0 ? "4QTEST1" : (const char *)arg;
}

/* Load a config made of the lines given and install it. */
static void with_config(const char *lines)
{
	char text[1024];
	struct cm_snapshot *snap;

	/* No virus signatures, DNS, DKIM or greylist store here: those checks
	 * have their own tests. */
	snprintf(
	    text, sizeof(text),
	    "AuthservID mx.test.example\nClamAV no\nSPF no\nDMARC no\nGreylist no\nDKIM no\n%s",
	    lines);
	snap = snap_load(cmt_tempfile(text), NULL, 0);
	assert_non_null(snap);
	if (conf_nerrors(snap->conf) > 0)
		fail_msg("config error: %s", conf_errmsg(snap->conf, 0));
	snap_install(snap);
}

struct run {
	struct cm_decision d;
	char headers[4096]; /* "op Name: value\n" per edit */
};

/* One inbound message from ip with the given extra headers and body. */
static void run_msg(struct mctx *c, const char *extra_headers, const char *body,
                    const char *auth_user, struct run *r)
{
	struct cb_macros mac = {qid_macro, (void *)auth_user};
	struct cm_decision d;
	size_t i, n = 0;

	cb_mail(c, "<sender@example.net>", &mac, &d);
	assert_int_equal(d.action, CM_ACT_NONE);
	cb_rcpt(c, "<rcpt@example.org>", &mac, &d);
	assert_int_equal(d.action, CM_ACT_NONE);
	/* The fields every mail program writes: the spam rules score their absence. */
	cb_header(c, "Date", " Tue, 4 Jun 2024 09:12:40 +0200");
	cb_header(c, "Message-ID", " <20240604071240.1@example.net>");
	cb_header(c, "From", " sender@example.net");
	cb_header(c, "To", " rcpt@example.org");
	if (extra_headers != NULL) {
		char name[64];
		const char *colon = strchr(extra_headers, ':');

		snprintf(name, sizeof(name), "%.*s", (int)(colon - extra_headers), extra_headers);
		cb_header(c, name, colon + 1);
	}
	cb_header(c, "Subject", " test");
	cb_eoh(c, &mac);
	cb_body(c, (const unsigned char *)body, strlen(body));
	cb_eom(c, &mac, "0.1.0", &r->d);
	r->headers[0] = '\0';
	for (i = 0; i < r->d.n_edits; i++) {
		const struct cm_hdr_edit *e = &r->d.edits[i];

		n += snprintf(r->headers + n, sizeof(r->headers) - n, "%s %s: %s\n",
		              e->op == CM_HDR_DELETE    ? "delete"
		              : e->op == CM_HDR_CHANGE  ? "change"
		              : e->op == CM_HDR_PREPEND ? "prepend"
		                                        : "append",
		              e->name, e->value != NULL ? e->value : "");
	}
}

static struct mctx *session(const char *ip)
{
	struct sockaddr_in sin;
	struct cm_decision d;
	struct mctx *c = cb_session();

	assert_non_null(c);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	cb_connect(c, "mail.example.net", (struct sockaddr *)&sin, &d);
	cb_helo(c, "mail.example.net", &d);
	c->leadspc = true;
	return c;
}

static int setup(void **state)
{
	mlog_open(false, false, 0); /* keep test output clean */
	return 0;
}

static void test_gtube_tagged(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	with_config("");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "Hello\r\n%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_string_equal(r.d.word, "Passed SPAM");
	assert_string_equal(
	    r.headers, "prepend X-Spam-Flag: YES\n"
	               "prepend X-Spam-Score: 1000.0\n"
	               "prepend X-Spam-Level: **************************************************\n"
	               "prepend X-Spam-Status: Yes, score=1000.0 required=5.0 tests=GTUBE "
	               "autolearn=no\n\tversion=chainmilter-0.1.0\n");
	cb_done(c);
	cb_close(&c);
	snap_install(NULL);
}

static void test_clean_and_forged_headers_removed(void **state)
{
	struct mctx *c;
	struct run r;

	with_config("");
	c = session("192.0.2.1");
	run_msg(c, "X-Spam-Flag: YES", "Hello\r\n", NULL, &r);
	assert_string_equal(r.d.word, "Passed CLEAN");
	assert_string_equal(r.headers,
	                    "delete X-Spam-Flag: \n"
	                    "prepend X-Spam-Score: 0.0\n"
	                    "prepend X-Spam-Level: \n"
	                    "prepend X-Spam-Status: No, score=0.0 required=5.0 tests=none "
	                    "autolearn=no\n\tversion=chainmilter-0.1.0\n");
	/* An Authentication-Results header claiming our authserv-id goes; others stay. */
	run_msg(c, "Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=x", "Hi\r\n",
	        NULL, &r);
	assert_non_null(strstr(r.headers, "delete Authentication-Results: \n"));
	run_msg(c, "Authentication-Results: other.example; spf=pass smtp.mailfrom=x", "Hi\r\n",
	        NULL, &r);
	assert_null(strstr(r.headers, "delete Authentication-Results"));
	cb_close(&c);
	snap_install(NULL);
}

static void test_destinies(void **state)
{
	static const struct {
		const char *config;
		enum cm_action action;
		const char *word;
	} cases[] = {
	    {"SpamDestiny reject\n", CM_ACT_REJECT, "Blocked SPAM"},
	    {"SpamDestiny discard\n", CM_ACT_DISCARD, "Blocked SPAM"},
	    {"SpamDestiny quarantine\n", CM_ACT_QUARANTINE, "Quarantined SPAM"},
	    {"SpamDestiny pass\n", CM_ACT_NONE, "Passed SPAM"},
	    {"SpamDestiny reject\nSpamKillLevel 2000\n", CM_ACT_NONE, "Passed SPAM"},
	    {"SpamTag2Level 2000\n", CM_ACT_NONE, "Passed CLEAN"},
	};
	size_t i;
	char body[256];

	snprintf(body, sizeof(body), "%s\r\n", gtube);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mctx *c;
		struct run r;

		with_config(cases[i].config);
		c = session("192.0.2.1");
		run_msg(c, NULL, body, NULL, &r);
		assert_int_equal(r.d.action, cases[i].action);
		assert_string_equal(r.d.word, cases[i].word);
		if (cases[i].action == CM_ACT_REJECT) {
			assert_string_equal(r.d.rcode, "554");
			assert_string_equal(r.d.xcode, "5.7.1");
			assert_int_equal(r.d.n_edits, 0);
		}
		if (cases[i].action == CM_ACT_QUARANTINE) {
			assert_string_equal(r.d.text, "spam, score=1000.0");
			assert_non_null(strstr(r.headers, "X-Spam-Flag: YES"));
		}
		cb_done(c);
		cb_close(&c);
		snap_install(NULL);
	}
}

static void test_tag_level(void **state)
{
	struct mctx *c;
	struct run r;

	with_config("SpamTagLevel 2.0\n");
	c = session("192.0.2.1");
	run_msg(c, NULL, "clean\r\n", NULL, &r);
	assert_string_equal(r.headers, ""); /* below the tag level: no X-Spam headers */
	cb_close(&c);
	snap_install(NULL);
}

static void test_score_override(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	with_config("Score GTUBE 7.5\n");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	assert_non_null(strstr(r.headers, "X-Spam-Score: 7.5\n"));
	assert_non_null(strstr(r.headers, "X-Spam-Level: *******\n"));
	assert_non_null(strstr(r.headers, "score=7.5 required=5.0 tests=GTUBE"));
	cb_close(&c);
	snap_install(NULL);
}

static void test_outbound_not_scored(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	snprintf(body, sizeof(body), "%s\r\n", gtube);
	with_config("");
	c = session("127.0.0.1"); /* InternalHosts */
	run_msg(c, NULL, body, NULL, &r);
	assert_true(c->m.outbound);
	assert_string_equal(r.headers, "");
	assert_string_equal(r.d.word, "Passed CLEAN");
	cb_close(&c);
	c = session("192.0.2.1");
	run_msg(c, NULL, body, "alice", &r); /* SMTP AUTH */
	assert_true(c->m.outbound);
	assert_string_equal(r.headers, "");
	cb_close(&c);
	snap_install(NULL);

	with_config("ScoreOutbound yes\n");
	c = session("127.0.0.1");
	run_msg(c, NULL, body, NULL, &r);
	assert_string_equal(r.d.word, "Passed SPAM");
	cb_close(&c);
	snap_install(NULL);
}

static void test_oversize(void **state)
{
	static const struct {
		const char *config;
		enum cm_action action;
		const char *word;
	} cases[] = {
	    {"MaxMessageSize 1k\n", CM_ACT_NONE, "Passed UNCHECKED"},
	    {"MaxMessageSize 1k\nOnOversize reject\n", CM_ACT_REJECT, "Blocked OVERSIZED"},
	    {"MaxMessageSize 1k\nOnOversize tempfail\n", CM_ACT_TEMPFAIL, "Tempfailed OVERSIZED"},
	};
	char body[4096];
	size_t i;

	memset(body, 'a', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	memcpy(body + 2000, gtube, sizeof(gtube) - 1); /* past the limit: never seen */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mctx *c;
		struct run r;

		with_config(cases[i].config);
		c = session("192.0.2.1");
		run_msg(c, NULL, body, NULL, &r);
		assert_int_equal(r.d.action, cases[i].action);
		assert_string_equal(r.d.word, cases[i].word);
		assert_false(r.d.scored);
		cb_close(&c);
		snap_install(NULL);
	}
}

static void test_spool_to_disk(void **state)
{
	struct mctx *c;
	struct run r;
	char *body = malloc(300000);

	memset(body, 'b', 299999);
	body[299999] = '\0';
	memcpy(body + 250000, gtube, sizeof(gtube) - 1);
	with_config("SpoolMemory 64k\n");
	c = session("192.0.2.1");
	run_msg(c, NULL, body, NULL, &r);
	assert_string_equal(r.d.word, "Passed SPAM"); /* found in the mapped spool file */
	cb_close(&c);
	snap_install(NULL);
	free(body);
}

static void test_summary_line(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256], line[1024];

	with_config("");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	mlog_format_summary(&c->m, r.d.word, &r.d, 3, line, sizeof(line));
	assert_string_equal(line, "4QTEST1: Passed SPAM, ip=192.0.2.1 <sender@example.net> -> "
	                          "<rcpt@example.org>, dir=in score=1000.0/5.0 tests=[GTUBE=1000] "
	                          "size=217 time=3ms");
	cb_close(&c);
	snap_install(NULL);
}

static void test_messages_in_one_session(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	with_config("");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	assert_string_equal(r.d.word, "Passed SPAM");
	cb_done(c);
	/* Results of the first message do not leak into the second. */
	run_msg(c, NULL, "clean\r\n", NULL, &r);
	assert_string_equal(r.d.word, "Passed CLEAN");
	assert_int_equal(c->m.symbols.n, 0);
	cb_done(c);
	cb_close(&c);
	snap_install(NULL);
}

static void test_subject_tag(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	with_config("SpamSubjectTag ***SPAM***\n");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	/* The subject is changed in place, before anything else. */
	assert_true(strncmp(r.headers, "change Subject: ***SPAM*** test\n", 32) == 0);
	/* Below SpamTag2Level the subject stays. */
	run_msg(c, NULL, "Hello\r\n", NULL, &r);
	assert_null(strstr(r.headers, "Subject"));
	/* An already tagged subject is not tagged twice. */
	run_msg(c, "Subject: ***SPAM*** earlier", body, NULL, &r);
	assert_null(strstr(r.headers, "change Subject"));
	cb_close(&c);
	snap_install(NULL);
}

static void test_amavis_status(void **state)
{
	struct mctx *c;
	struct run r;
	char body[256];

	with_config("SpamStatusStyle amavis\nScore GTUBE 999.125\n");
	c = session("192.0.2.1");
	snprintf(body, sizeof(body), "%s\r\n", gtube);
	run_msg(c, NULL, body, NULL, &r);
	assert_string_equal(r.headers,
	                    "prepend X-Spam-Flag: YES\n"
	                    "prepend X-Spam-Score: 999.125\n"
	                    "prepend X-Spam-Level: "
	                    "**************************************************\n"
	                    "prepend X-Spam-Status: Yes, score=999.125 tagged_above=-999 "
	                    "required=5\n\ttests=[GTUBE=999.125] autolearn=no "
	                    "autolearn_force=no\n");
	cb_done(c);
	cb_close(&c);
	snap_install(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gtube_tagged),
	    cmocka_unit_test(test_clean_and_forged_headers_removed),
	    cmocka_unit_test(test_destinies),
	    cmocka_unit_test(test_tag_level),
	    cmocka_unit_test(test_score_override),
	    cmocka_unit_test(test_outbound_not_scored),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_spool_to_disk),
	    cmocka_unit_test(test_summary_line),
	    cmocka_unit_test(test_messages_in_one_session),
	    cmocka_unit_test(test_subject_tag),
	    cmocka_unit_test(test_amavis_status),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

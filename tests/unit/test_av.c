/*
 * Unit tests of the antivirus check: the size rule and the destiny mapping
 * on their own, then the whole check with a real libclamav engine on a
 * signature database the test writes (EICAR as a body and a hash signature),
 * driven through milter/callbacks.c as the MTA would drive it.
 */
#include "cmtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "../../av/policy.h"
#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

/* Built at run time from two halves, so this file itself is not flagged. */
static char eicar[69];
static char dbdir[64] = "/tmp/cmunit-av.XXXXXX";
static char empty_dir[64] = "/tmp/cmunit-av-empty.XXXXXX";

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	char line[512];
	size_t i, n;

	mlog_open(false, false, 0);
	snprintf(eicar, sizeof(eicar), "%s%s", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
	         "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
	assert_int_equal(strlen(eicar), 68);
	assert_non_null(mkdtemp(dbdir));
	assert_non_null(mkdtemp(empty_dir));
	n = (size_t)snprintf(line, sizeof(line), "Eicar-Test-Signature.NDB:0:*:");
	for (i = 0; i < 68; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", (unsigned char)eicar[i]);
	snprintf(line + n, sizeof(line) - n, "\n");
	write_file(dbdir, "eicar.ndb", line);
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/eicar.ndb", dbdir);
	unlink(path);
	rmdir(dbdir);
	rmdir(empty_dir);
	return 0;
}

/* ---- policy ---- */

static void test_destiny_mapping(void **state)
{
	assert_int_equal(avc_destiny_action(AVC_REJECT), CM_ACT_REJECT);
	assert_int_equal(avc_destiny_action(AVC_DISCARD), CM_ACT_DISCARD);
	assert_int_equal(avc_destiny_action(AVC_QUARANTINE), CM_ACT_QUARANTINE);
	assert_int_equal(avc_destiny_action(AVC_TAG), CM_ACT_NONE);
	assert_int_equal(avc_destiny_action(99), CM_ACT_REJECT); /* fails safe */
	assert_string_equal(avc_destiny_words[AVC_TAG], "tag");
}

static void test_size_rule(void **state)
{
	assert_false(avc_too_big(1000, 1000, 2000));
	assert_true(avc_too_big(1001, 1000, 2000)); /* over MaxFileSize */
	assert_true(avc_too_big(1001, 5000, 1000)); /* over MaxScanSize */
	assert_false(avc_too_big(0, 1024, 1024));   /* a 0-byte message is scanned */
}

/* ---- the check, end to end ---- */

static const char *qid_macro(void *arg, const char *name)
{
	return strcmp(name, "i") == 0 ? "4QAV1" : (const char *)arg;
}

static struct cm_snapshot *load(const char *lines)
{
	char text[1024];

	/* No DNS, DKIM or greylist store here: those checks have their own tests. */
	snprintf(text, sizeof(text),
	         "DKIM no\nSPF no\nDMARC no\nGreylist no\nClamAVDatabaseDirectory %s\n%s", dbdir,
	         lines);
	return snap_load(cmt_tempfile(text), NULL, 0);
}

static void with_config(const char *lines)
{
	struct cm_snapshot *snap = load(lines);

	assert_non_null(snap);
	if (conf_nerrors(snap->conf) > 0)
		fail_msg("config error: %s", conf_errmsg(snap->conf, 0));
	snap_install(snap);
}

/* What a message's outcome was, copied out before its pool goes. */
struct run {
	struct {
		enum cm_action action;
		char rcode[8], xcode[16], text[256], word[256];
	} d;
	char headers[2048];
	char line[1024];
};

static void run_msg(const char *ip, const char *extra_header, const char *body, struct run *r)
{
	struct cb_macros mac = {qid_macro, NULL};
	struct sockaddr_in sin;
	struct cm_decision d, fin;
	struct mctx *c = cb_session();
	size_t i, n = 0;

	assert_non_null(c);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	cb_connect(c, "mail.example.net", (struct sockaddr *)&sin, &d);
	cb_helo(c, "mail.example.net", &d);
	c->leadspc = true;
	cb_mail(c, "<sender@example.net>", &mac, &d);
	cb_rcpt(c, "<rcpt@example.org>", &mac, &d);
	/* The fields every mail program writes: the spam rules score their absence. */
	cb_header(c, "Date", " Tue, 4 Jun 2024 09:12:40 +0200");
	cb_header(c, "Message-ID", " <20240604071240.1@example.net>");
	cb_header(c, "From", " sender@example.net");
	cb_header(c, "To", " rcpt@example.org");
	if (extra_header != NULL)
		cb_header(c, "X-Virus-Status", extra_header);
	cb_header(c, "Subject", " test");
	cb_eoh(c, &mac);
	cb_body(c, (const unsigned char *)body, strlen(body));
	cb_eom(c, &mac, "0.1.0", &fin);
	r->d.action = fin.action;
	snprintf(r->d.rcode, sizeof(r->d.rcode), "%s", fin.rcode != NULL ? fin.rcode : "");
	snprintf(r->d.xcode, sizeof(r->d.xcode), "%s", fin.xcode != NULL ? fin.xcode : "");
	snprintf(r->d.text, sizeof(r->d.text), "%s", fin.text != NULL ? fin.text : "");
	snprintf(r->d.word, sizeof(r->d.word), "%s", fin.word);
	r->headers[0] = '\0';
	for (i = 0; i < fin.n_edits; i++) {
		const struct cm_hdr_edit *e = &fin.edits[i];

		n += (size_t)snprintf(r->headers + n, sizeof(r->headers) - n, "%s %s: %s\n",
		                      e->op == CM_HDR_DELETE ? "delete" : "prepend", e->name,
		                      e->value != NULL ? e->value : "");
	}
	mlog_format_summary(&c->m, fin.word, &fin, 0, r->line, sizeof(r->line));
	cb_done(c);
	cb_close(&c);
}

static const char *eicar_body(void)
{
	static char body[256];

	snprintf(body, sizeof(body), "Hello\r\n%s\r\n", eicar);
	return body;
}

static void test_reject(void **state)
{
	struct run r;

	with_config("");
	run_msg("192.0.2.1", NULL, eicar_body(), &r);
	assert_int_equal(r.d.action, CM_ACT_REJECT);
	assert_string_equal(r.d.rcode, "550");
	assert_string_equal(r.d.xcode, "5.7.1");
	assert_string_equal(r.d.text, "Virus found: Eicar-Test-Signature.NDB.UNOFFICIAL");
	assert_string_equal(r.d.word, "Blocked INFECTED (Eicar-Test-Signature.NDB.UNOFFICIAL)");
	assert_non_null(strstr(r.line, ", dir=in av=infected size="));
	snap_install(NULL);
}

static void test_destinies(void **state)
{
	static const struct {
		const char *config;
		enum cm_action action;
		const char *word;
		bool status_header;
	} cases[] = {
	    {"VirusDestiny discard\n", CM_ACT_DISCARD, "Blocked INFECTED", false},
	    {"VirusDestiny quarantine\n", CM_ACT_QUARANTINE, "Quarantined INFECTED", true},
	    {"VirusDestiny tag\n", CM_ACT_NONE, "Passed INFECTED", true},
	    {"VirusDestiny tag\nVirusHeaders no\n", CM_ACT_NONE, "Passed INFECTED", true},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		with_config(cases[i].config);
		run_msg("192.0.2.1", NULL, eicar_body(), &r);
		assert_int_equal(r.d.action, cases[i].action);
		assert_non_null(strstr(r.d.word, cases[i].word));
		assert_non_null(strstr(r.d.word, "(Eicar-Test-Signature.NDB.UNOFFICIAL)"));
		if (cases[i].status_header)
			assert_non_null(strstr(r.headers,
			                       "prepend X-Virus-Status: Infected "
			                       "(Eicar-Test-Signature.NDB.UNOFFICIAL)\n"));
		if (strstr(cases[i].config, "VirusHeaders no") != NULL)
			assert_null(strstr(r.headers, "X-Virus-Scanned"));
		else if (cases[i].status_header)
			assert_non_null(strstr(r.headers, "prepend X-Virus-Scanned: chainmilter "));
		if (cases[i].action == CM_ACT_QUARANTINE)
			assert_string_equal(r.d.text,
			                    "Virus found: Eicar-Test-Signature.NDB.UNOFFICIAL");
		snap_install(NULL);
	}
}

static void test_clean_headers(void **state)
{
	char host[256], want[600];
	struct run r;

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	with_config("SpamScoring no\n");
	/* A forged status from outside goes; ours replaces it. */
	run_msg("192.0.2.1", " Clean", "Hello\r\n", &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_string_equal(r.d.word, "Passed CLEAN");
	snprintf(want, sizeof(want),
	         "delete X-Virus-Status: \n"
	         "prepend X-Virus-Scanned: chainmilter 0.1.0 on %s\n"
	         "prepend X-Virus-Status: Clean\n",
	         host);
	assert_string_equal(r.headers, want);
	assert_non_null(strstr(r.line, " av=clean "));
	snap_install(NULL);

	with_config("SpamScoring no\nVirusHeaders no\n");
	run_msg("192.0.2.1", NULL, "Hello\r\n", &r);
	assert_string_equal(r.headers, "");
	snap_install(NULL);
}

static void test_outbound(void **state)
{
	struct run r;

	with_config("");
	run_msg("127.0.0.1", NULL, eicar_body(), &r); /* InternalHosts: outbound */
	assert_int_equal(r.d.action, CM_ACT_REJECT);
	assert_non_null(strstr(r.line, "dir=out av=infected"));
	snap_install(NULL);

	with_config("ScanOutbound no\n");
	run_msg("127.0.0.1", NULL, eicar_body(), &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_null(strstr(r.line, "av="));
	run_msg("192.0.2.1", NULL, eicar_body(), &r); /* inbound: always */
	assert_int_equal(r.d.action, CM_ACT_REJECT);
	snap_install(NULL);
}

static void test_too_big_passes_unscanned(void **state)
{
	char body[4096];
	struct run r;

	memset(body, 'a', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	memcpy(body + 2000, eicar, 68);
	with_config("MaxFileSize 2k\n");
	run_msg("192.0.2.1", NULL, body, &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_string_equal(r.d.word, "Passed CLEAN");
	assert_non_null(strstr(r.line, " av=skipped "));
	assert_non_null(strstr(r.line, "tests=[AV_SKIPPED_SIZE=0]"));
	assert_string_equal(r.headers, "prepend X-Spam-Score: 0.0\nprepend X-Spam-Level: \n"
	                               "prepend X-Spam-Status: No, score=0.0 required=5.0 "
	                               "tests=none autolearn=no\n\tversion=chainmilter-0.1.0\n");
	snap_install(NULL);

	with_config("MaxScanSize 2k\n");
	run_msg("192.0.2.1", NULL, body, &r);
	assert_non_null(strstr(r.line, " av=skipped "));
	snap_install(NULL);

	with_config("MaxFileSize 8k\n"); /* within the limit: found */
	run_msg("192.0.2.1", NULL, body, &r);
	assert_int_equal(r.d.action, CM_ACT_REJECT);
	snap_install(NULL);
}

static void test_empty_body(void **state)
{
	struct run r;

	with_config("");
	run_msg("192.0.2.1", NULL, "", &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_non_null(strstr(r.line, " av=clean "));
	snap_install(NULL);
}

/* libclamav calls a message clean when it cannot create its temp directory:
 * that must be a scan failure, or a full tmpfs would let viruses through. */
static void test_scan_failure(void **state)
{
	static const char mime[] = "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	                           "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n";
	char tmp[64] = "/tmp/cmunit-avtmp.XXXXXX", lines[256];
	struct run r;

	assert_non_null(mkdtemp(tmp));
	snprintf(lines, sizeof(lines), "ClamAVTemporaryDirectory %s\n", tmp);
	with_config(lines);
	rmdir(tmp);
	run_msg("192.0.2.1", NULL, mime, &r);
	assert_int_equal(r.d.action, CM_ACT_TEMPFAIL);
	assert_string_equal(r.d.rcode, "451");
	assert_string_equal(r.d.xcode, "4.3.0");
	assert_non_null(strstr(r.line, " av=error "));
	snap_install(NULL);

	strcpy(tmp, "/tmp/cmunit-avtmp.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(lines, sizeof(lines), "ClamAVTemporaryDirectory %s\nOnScanFailure accept\n", tmp);
	with_config(lines);
	rmdir(tmp);
	run_msg("192.0.2.1", NULL, mime, &r);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_non_null(strstr(r.line, " av=error "));
	snap_install(NULL);
}

static void test_no_signatures_refused(void **state)
{
	char text[256];
	struct cm_snapshot *snap;

	snprintf(text, sizeof(text), "ClamAVDatabaseDirectory %s\nGreylist no\n", empty_dir);
	snap = snap_load(cmt_tempfile(text), NULL, 0);
	assert_non_null(snap);
	assert_int_equal(conf_nerrors(snap->conf), 1);
	assert_non_null(strstr(conf_errmsg(snap->conf, 0), ":1: ClamAVDatabaseDirectory: "));
	assert_non_null(strstr(conf_errmsg(snap->conf, 0),
	                       "holds no virus signatures: libclamav would call every message "
	                       "clean; run freshclam"));
	snap_free(&snap);

	snap = snap_load(cmt_tempfile("ClamAVDatabaseDirectory /nonexistent/clamav\nGreylist no\n"),
	                 NULL, 0);
	assert_non_null(snap);
	assert_int_equal(conf_nerrors(snap->conf), 1);
	assert_non_null(strstr(conf_errmsg(snap->conf, 0), "/nonexistent/clamav: cannot load"));
	snap_free(&snap);

	snap = snap_load(
	    cmt_tempfile("ClamAV no\nClamAVDatabaseDirectory /nonexistent\nGreylist no\n"), NULL,
	    0);
	assert_int_equal(conf_nerrors(snap->conf), 0); /* off: nothing loaded */
	snap_free(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_destiny_mapping),
	    cmocka_unit_test(test_size_rule),
	    cmocka_unit_test(test_reject),
	    cmocka_unit_test(test_destinies),
	    cmocka_unit_test(test_clean_headers),
	    cmocka_unit_test(test_outbound),
	    cmocka_unit_test(test_too_big_passes_unscanned),
	    cmocka_unit_test(test_empty_body),
	    cmocka_unit_test(test_scan_failure),
	    cmocka_unit_test(test_no_signatures_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

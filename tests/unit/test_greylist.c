/*
 * Unit tests of greylisting: triplet keys (netmasks, BATV, SRS, VERP, odd
 * bytes, length bounds), the stored records, the state machine on a
 * settable clock, postgrey's whitelist formats, and the whole check driven
 * through milter/callbacks.c on a real LMDB file: 451 at RCPT, X-Greylist,
 * recipients apart, skips, auto-whitelist, learn-only, store failures.
 */
#include "cmtest.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "../../greylist/grey.h"
#include "../../lib/log.h"
#include "../../lib/store.h"
#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

static char dir[64];
static time_t fake_now = 1700000000;
static char log_text[16384];

static time_t fake_clock(void)
{
	return fake_now;
}

static void log_capture(enum log_level level, const char *line)
{
	(void)level;
	if (strlen(log_text) + strlen(line) + 2 < sizeof(log_text)) {
		strcat(log_text, line);
		strcat(log_text, "\n");
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/cmgrey.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	mlog_open(false, false, 0);
	log_set_sink(log_capture);
	store_set_clock(fake_clock);
	return 0;
}

static int group_teardown(void **state)
{
	store_set_clock(NULL);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- keys ---- */

static const char *net_of(const char *ip, long m4, long m6)
{
	static char out[IP_STRLEN + 4];
	struct ip_addr a;

	assert_int_equal(ip_parse(ip, &a), 0);
	return grey_client_net(&a, m4, m6, out);
}

static void test_client_net(void **state)
{
	assert_string_equal(net_of("192.0.2.77", 24, 64), "192.0.2.0/24");
	assert_string_equal(net_of("192.0.2.77", 32, 64), "192.0.2.77/32");
	assert_string_equal(net_of("198.51.100.200", 16, 64), "198.51.0.0/16");
	assert_string_equal(net_of("2001:db8:1:2:3:4:5:6", 24, 64), "2001:db8:1:2::/64");
	assert_string_equal(net_of("2001:db8:1:2:3:4:5:6", 24, 128), "2001:db8:1:2:3:4:5:6/128");
	assert_string_equal(net_of("2001:db8:1:2:3:4:5:6", 24, 48), "2001:db8:1::/48");
	/* An IPv4-mapped IPv6 client is the IPv4 client. */
	assert_string_equal(net_of("::ffff:192.0.2.9", 24, 64), "192.0.2.0/24");
}

static const char *sender(const char *s)
{
	static struct buf b;

	grey_sender_normalize(s, &b);
	return buf_str(&b);
}

static void test_sender_normalize(void **state)
{
	static const char *const cases[][2] = {
	    {"Sender@Example.NET", "sender@example.net"},
	    {"", ""},
	    {"postmaster", "postmaster"},
	    /* BATV, both orders; the tag changes daily, the address does not. */
	    {"prvs=1234abcdef=Alice@Example.org", "alice@example.org"},
	    {"prvs=0567fedcba=alice@example.org", "alice@example.org"},
	    {"prvs=alice=1234abcdef@example.org", "alice@example.org"},
	    {"prvs=alice@example.org", "prvs=alice@example.org"},
	    /* SRS: a forwarder's rewrite, reduced to the original sender. */
	    {"SRS0=HHH=TT=orig.example=alice@fwd.example", "alice@orig.example"},
	    {"SRS0+xF3c=2F=orig.example=alice@fwd.example", "alice@orig.example"},
	    {"srs0-abcd=ZZ=orig.example=bob.smith@fwd.example", "bob.smith@orig.example"},
	    {"SRS1=HHH=fwd1.example==HHH=TT=orig.example=alice@fwd2.example", "alice@orig.example"},
	    {"SRS1=HHH=fwd1.example=+HHH=TT=orig.example=alice@fwd2.example", "alice@orig.example"},
	    {"SRS0=a=b@fwd.example", "srs0=a=b@fwd.example"},
	    {"SRS0===orig.example=alice@fwd.example", "srs0===orig.example=alice@fwd.example"},
	    /* VERP and extensions, as postgrey. */
	    {"list-bounces+alice=example.org@lists.example", "list-bounces@lists.example"},
	    {"bounce-12345@lists.example", "bounce-#@lists.example"},
	    {"bounce-12345-678@lists.example", "bounce-#-#@lists.example"},
	    {"user123@example.org", "user123@example.org"},
	    {"+only@example.org", "+only@example.org"},
	    /* The last '@' separates the domain. */
	    {"\"a@b\"@Example.org", "\"a@b\"@example.org"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(sender(cases[i][0]), cases[i][1]) != 0)
			fail_msg("%s: got %s, expected %s", cases[i][0], sender(cases[i][0]),
			         cases[i][1]);
}

static const char *key_of(const char *net, const char *s, const char *r)
{
	static struct buf key;
	struct buf ns, nr;

	buf_init(&ns);
	buf_init(&nr);
	grey_sender_normalize(s, &ns);
	grey_rcpt_normalize(r, &nr);
	grey_triplet_key(net, buf_str(&ns), buf_str(&nr), &key);
	buf_free(&ns);
	buf_free(&nr);
	return buf_str(&key);
}

static void test_keys(void **state)
{
	char long1[2000], long2[2000];
	const char *k;
	size_t i;

	assert_string_equal(key_of("192.0.2.0/24", "A@X.example", "B@Y.example"),
	                    "t|192.0.2.0/24|a@x.example|b@y.example");
	assert_string_equal(key_of("192.0.2.0/24", "", "b@y.example"),
	                    "t|192.0.2.0/24||b@y.example");
	/* 8-bit, spaces, the separator and '%' are escaped: no byte outside
	 * printable ASCII, and no way to forge another triplet's key. */
	assert_string_equal(key_of("2001:db8::/64", "j\xc3\xb6rg@x.example", "a|b c%@y.example"),
	                    "t|2001:db8::/64|j%c3%b6rg@x.example|a%7cb%20c%25@y.example");
	/* Over-long parts are cut and hashed: the key stays bounded, and two
	 * long addresses differing at the end stay two keys. */
	memset(long1, 'a', sizeof(long1) - 1);
	long1[sizeof(long1) - 1] = '\0';
	memcpy(long2, long1, sizeof(long2));
	long1[1990] = '@';
	long2[1990] = '@';
	long2[1995] = 'b';
	k = key_of("2001:db8:ffff:ffff::/64", long1, long1);
	assert_true(strlen(k) <= GREY_KEY_MAX);
	assert_true(strlen(k) + strlen(GREY_PREFIX) <= STORE_KEY_MAX);
	{
		char first[GREY_KEY_MAX + 1];

		snprintf(first, sizeof(first), "%s", k);
		assert_string_not_equal(first, key_of("2001:db8:ffff:ffff::/64", long2, long1));
	}
	/* All bytes 0x80-0xff: each escape is three bytes, still bounded. */
	for (i = 0; i < 600; i++)
		long1[i] = (char)(0x80 + i % 128);
	long1[600] = '\0';
	k = key_of("192.0.2.0/24", long1, long1);
	assert_true(strlen(k) <= GREY_KEY_MAX);
	for (i = 0; k[i] != '\0'; i++)
		assert_true(k[i] > 0x20 && k[i] < 0x7f);
}

/* ---- records and the state machine ---- */

static void test_records(void **state)
{
	struct grey_triplet t = {100, 200, 150}, u;
	struct grey_client c = {5, 10, 20}, d;
	struct buf b;
	static const char *const bad[] = {"",         "1",         "1 1 2",
	                                  "2 1 2 3",  "1 1 2 3 4", "1 1  2 3",
	                                  "1 -1 2 3", "1 1 2 3 ",  "1 a b c",
	                                  "1 5 4 0",  "1 5 6 4",   "1 99999999999999999999 1 1"};
	size_t i;

	buf_init(&b);
	grey_triplet_format(&t, &b);
	assert_string_equal(buf_str(&b), "1 100 200 150");
	assert_int_equal(grey_triplet_parse(b.data, b.len, &u), 0);
	assert_memory_equal(&t, &u, sizeof(t));
	grey_client_format(&c, &b);
	assert_string_equal(buf_str(&b), "1 5 10 20");
	assert_int_equal(grey_client_parse(b.data, b.len, &d), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (grey_triplet_parse(bad[i], strlen(bad[i]), &u) == 0)
			fail_msg("\"%s\" parsed as a triplet record", bad[i]);
	buf_free(&b);
}

static void test_state_machine(void **state)
{
	struct grey_params p = {.delay = 300,
	                        .retry_window = 2 * 86400,
	                        .max_age = 35 * 86400,
	                        .refresh = 30240,
	                        .interval = 3600};
	struct grey_step st;
	struct grey_triplet rec;
	struct grey_client c, c2;
	long long t0 = 1700000000;
	long ttl;

	grey_triplet_step(NULL, t0, &p, &st);
	assert_int_equal(st.outcome, GREY_NEW);
	assert_true(st.write);
	assert_int_equal(st.ttl, 2 * 86400);
	assert_int_equal(st.wait, 300);
	rec = st.rec;
	/* Retry after 100 s: early, 200 s to go, nothing written. */
	grey_triplet_step(&rec, t0 + 100, &p, &st);
	assert_int_equal(st.outcome, GREY_EARLY);
	assert_false(st.write);
	assert_int_equal(st.wait, 200);
	/* After the delay: passes, kept max_age. */
	grey_triplet_step(&rec, t0 + 301, &p, &st);
	assert_int_equal(st.outcome, GREY_PASS);
	assert_int_equal(st.delayed, 301);
	assert_int_equal(st.ttl, 35 * 86400);
	assert_int_equal(st.rec.passed, t0 + 301);
	rec = st.rec;
	/* Known: no write until "last seen" is a refresh interval old. */
	grey_triplet_step(&rec, t0 + 1000, &p, &st);
	assert_int_equal(st.outcome, GREY_KNOWN);
	assert_false(st.write);
	grey_triplet_step(&rec, t0 + 301 + 30240, &p, &st);
	assert_int_equal(st.outcome, GREY_KNOWN);
	assert_true(st.write);
	assert_int_equal(st.rec.last, t0 + 301 + 30240);
	/* A waiting triplet retried after the window starts again. */
	rec = (struct grey_triplet){t0, t0, 0};
	grey_triplet_step(&rec, t0 + 2 * 86400 + 1, &p, &st);
	assert_int_equal(st.outcome, GREY_NEW);
	assert_int_equal(st.rec.first, t0 + 2 * 86400 + 1);
	/* First seen in the future (a clock went back): counted from now. */
	rec = (struct grey_triplet){t0 + 50, t0 + 50, 0};
	grey_triplet_step(&rec, t0, &p, &st);
	assert_int_equal(st.outcome, GREY_EARLY);
	assert_true(st.write);
	assert_int_equal(st.rec.first, t0);

	/* Auto-whitelist counting: at most one pass per interval. */
	ttl = grey_client_count(NULL, t0, &p, &c);
	assert_int_equal(ttl, 35 * 86400);
	assert_int_equal(c.count, 1);
	grey_client_count(&c, t0 + 10, &p, &c2);
	assert_int_equal(c2.count, 1);
	assert_int_equal(c2.seen, t0 + 10);
	grey_client_count(&c2, t0 + 3600, &p, &c);
	assert_int_equal(c.count, 2);
	assert_false(grey_client_touch(&c, t0 + 3700, &p, &c2, &ttl));
	assert_true(grey_client_touch(&c, t0 + 3600 + 30240, &p, &c2, &ttl));
	assert_int_equal(c2.seen, t0 + 3600 + 30240);
	assert_int_equal(c2.count, 2);
}

/* ---- whitelists ---- */

static char reported[2048];

static void report(void *ctx, const char *file, int line, const char *text)
{
	size_t n = strlen(reported);

	(void)ctx;
	snprintf(reported + n, sizeof(reported) - n, "%s:%d: %s\n", file, line, text);
}

static bool client_ok(struct grey_wl *wl, const char *ip, const char *name)
{
	struct ip_addr a;

	assert_int_equal(ip_parse(ip, &a), 0);
	return grey_wl_client(wl, &a, name);
}

static void test_whitelist_clients(void **state)
{
	const char *file = cmt_tempfile("# postgrey whitelist for mail client hostnames\n"
	                                "\n"
	                                "  example.com   # a domain: the name and its subdomains\n"
	                                "/^mail\\d+\\.example\\.net$/\n"
	                                "192.0.2.10\n"
	                                "198.51.100.0/28\n"
	                                "203.0.113\n"
	                                "10.20\n"
	                                "2001:db8:aaaa::/48\n"
	                                "2001:db8::5\n");
	struct grey_wl *wl = grey_wl_new(GREY_WL_CLIENTS);

	reported[0] = '\0';
	assert_int_equal(grey_wl_load(wl, file, report, NULL), 0);
	assert_string_equal(reported, "");
	assert_int_equal(grey_wl_count(wl), 8);
	assert_true(client_ok(wl, "192.0.2.99", "example.com"));
	assert_true(client_ok(wl, "192.0.2.99", "MX1.Example.COM"));
	assert_false(client_ok(wl, "192.0.2.99", "notexample.com"));
	assert_false(client_ok(wl, "192.0.2.99", "example.com.evil.example"));
	assert_true(client_ok(wl, "192.0.2.99", "MAIL42.example.net"));
	assert_false(client_ok(wl, "192.0.2.99", "mail.example.net"));
	assert_false(client_ok(wl, "192.0.2.99", NULL));
	assert_true(client_ok(wl, "192.0.2.10", NULL));
	assert_false(client_ok(wl, "192.0.2.11", NULL));
	assert_true(client_ok(wl, "198.51.100.15", NULL));
	assert_false(client_ok(wl, "198.51.100.16", NULL));
	assert_true(client_ok(wl, "203.0.113.200", NULL));
	assert_true(client_ok(wl, "10.20.30.40", NULL));
	assert_false(client_ok(wl, "10.21.0.1", NULL));
	assert_true(client_ok(wl, "2001:db8:aaaa:1::1", NULL));
	assert_true(client_ok(wl, "2001:db8::5", NULL));
	assert_false(client_ok(wl, "2001:db8::6", NULL));
	grey_wl_free(&wl);
	assert_null(wl);

	/* Each bad line is reported with its file and line number. */
	file = cmt_tempfile("ok.example\n"
	                    "/unbalanced(/\n"
	                    "300.1.2.3\n"
	                    "1.2.3/8\n"
	                    "two words\n"
	                    "2001:db8::zz\n");
	wl = grey_wl_new(GREY_WL_CLIENTS);
	reported[0] = '\0';
	assert_int_equal(grey_wl_load(wl, file, report, NULL), -1);
	assert_non_null(strstr(reported, ":2: /unbalanced(/: bad regular expression: "));
	assert_non_null(strstr(reported, ":3: \"300.1.2.3\" is not a valid IP address"));
	assert_non_null(strstr(reported, ":4: \"1.2.3/8\" is not a valid IP address"));
	assert_non_null(strstr(reported, ":5: \"two words\" does not look like a host name"));
	assert_non_null(strstr(reported, ":6: \"2001:db8::zz\" is not a valid IP address"));
	grey_wl_free(&wl);

	wl = grey_wl_new(GREY_WL_CLIENTS);
	reported[0] = '\0';
	assert_int_equal(grey_wl_load(wl, "/nonexistent/whitelist", report, NULL), -1);
	assert_string_equal(reported,
	                    "/nonexistent/whitelist:0: cannot read: No such file or directory\n");
	grey_wl_free(&wl);
}

static void test_whitelist_addresses(void **state)
{
	const char *file = cmt_tempfile("# postgrey whitelist for recipients\n"
	                                "postmaster@\n"
	                                "abuse@example.org\n"
	                                "lists.example\n"
	                                "@exact.example\n"
	                                "/^noreply-[0-9]+@/\n");
	struct grey_wl *wl = grey_wl_new(GREY_WL_ADDRESSES);

	reported[0] = '\0';
	assert_int_equal(grey_wl_load(wl, file, report, NULL), 0);
	assert_string_equal(reported, "");
	assert_true(grey_wl_address(wl, "postmaster@anything.example"));
	assert_true(grey_wl_address(wl, "Postmaster+tag@anything.example"));
	assert_false(grey_wl_address(wl, "postmasterx@anything.example"));
	assert_true(grey_wl_address(wl, "abuse@example.org"));
	assert_true(grey_wl_address(wl, "ABUSE+x@Example.ORG"));
	assert_false(grey_wl_address(wl, "abuse@sub.example.org"));
	assert_false(grey_wl_address(wl, "abusex@example.org"));
	assert_true(grey_wl_address(wl, "anyone@lists.example"));
	assert_true(grey_wl_address(wl, "anyone@eu.lists.example"));
	assert_false(grey_wl_address(wl, "anyone@otherlists.example"));
	assert_true(grey_wl_address(wl, "x@exact.example"));
	assert_false(grey_wl_address(wl, "x@sub.exact.example"));
	assert_true(grey_wl_address(wl, "NoReply-42@shop.example"));
	assert_false(grey_wl_address(wl, "noreply@shop.example"));
	assert_false(grey_wl_address(wl, ""));
	grey_wl_free(&wl);
}

/* ---- the check through the callbacks ---- */

static unsigned conf_serial;

/* A config with greylisting on a fresh LMDB file, plus the lines given. */
static void with_config(const char *lines)
{
	char text[2048];
	struct cm_snapshot *snap;

	/* A test naming its own store comments ours out. */
	snprintf(text, sizeof(text),
	         "ClamAV no\nDKIM no\nSPF no\nDMARC no\nSpamScoring no\nNameservers "
	         "127.0.0.1@9\nGreylistDelay 300\n"
	         "%sGreylistStore lmdb:%s/grey%u.lmdb\n%s",
	         strstr(lines, "GreylistStore") != NULL ? "# " : "", dir, ++conf_serial, lines);
	snap = snap_load(cmt_tempfile(text), NULL, 0);
	assert_non_null(snap);
	if (conf_nerrors(snap->conf) > 0)
		fail_msg("config error: %s", conf_errmsg(snap->conf, 0));
	snap_install(snap);
}

static const char *macro(void *arg, const char *name)
{
	return strcmp(name, "i") == 0               ? "4QGREY1"
	       : strcmp(name, "{auth_authen}") == 0 ? (const char *)arg
	                                            : NULL;
}

static struct mctx *session(const char *ip, const char *name)
{
	struct sockaddr_storage ss;
	struct cm_decision d;
	struct ip_addr a;
	struct mctx *c = cb_session();

	assert_non_null(c);
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(ip_parse(ip, &a), 0);
	if (a.family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		memcpy(&((struct sockaddr_in *)&ss)->sin_addr, a.a, 4);
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, a.a, 16);
	}
	cb_connect(c, name, (struct sockaddr *)&ss, &d);
	cb_helo(c, "mail.example.net", &d);
	c->leadspc = true;
	return c;
}

struct result {
	enum cm_action rcpt[4]; /* per recipient */
	char text[4][200];
	struct cm_decision d; /* end of message, if a recipient was accepted */
	char xgrey[300];      /* the X-Greylist value added, or "" */
	bool ended;
};

/* One message from ip/name, sender, recipients (NULL-terminated). */
static void send_msg(const char *ip, const char *name, const char *from, const char *auth,
                     const char *spf, const char *const *rcpts, struct result *r)
{
	struct cb_macros mac = {macro, (void *)auth};
	struct mctx *c = session(ip, name);
	struct cm_decision d;
	size_t i, accepted = 0;

	memset(r, 0, sizeof(*r));
	cb_mail(c, from, &mac, &d);
	assert_int_equal(d.action, CM_ACT_NONE);
	c->m.auth.spf_result = spf;
	for (i = 0; rcpts[i] != NULL; i++) {
		cb_rcpt(c, rcpts[i], &mac, &d);
		r->rcpt[i] = d.action;
		snprintf(r->text[i], sizeof(r->text[i]), "%s %s %s", d.rcode ? d.rcode : "",
		         d.xcode ? d.xcode : "", d.text ? d.text : "");
		accepted += d.action == CM_ACT_NONE;
	}
	if (accepted > 0) {
		cb_header(c, "From", " sender@example.net");
		cb_eoh(c, &mac);
		cb_body(c, (const unsigned char *)"Hi\r\n", 4);
		cb_eom(c, &mac, "0.1.0", &r->d);
		r->ended = true;
		for (i = 0; i < r->d.n_edits; i++)
			if (strcmp(r->d.edits[i].name, "X-Greylist") == 0)
				snprintf(r->xgrey, sizeof(r->xgrey), "%s", r->d.edits[i].value);
		cb_done(c);
	} else {
		cb_abort(c);
	}
	cb_close(&c);
}

static const char *const one_rcpt[] = {"<rcpt@example.org>", NULL};

static void test_greylist_cycle(void **state)
{
	static const char *const two[] = {"<rcpt@example.org>", "<other@example.org>", NULL};
	struct result r;

	with_config("GreylistText Greylisted for %s seconds, see https://help.example/%r\n");
	log_text[0] = '\0';
	send_msg("192.0.2.1", "mail.example.net", "<sender@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	assert_string_equal(r.text[0],
	                    "451 4.7.1 Greylisted for 300 seconds, see https://help.example/"
	                    "example.org");
	assert_false(r.ended);
	assert_non_null(strstr(log_text, "4QGREY1: Greylisted, ip=192.0.2.1 <sender@example.net> "
	                                 "-> <rcpt@example.org>, dir=in greylist=new "));
	/* An early retry from another address of the /24: 451, with the time left. */
	fake_now += 100;
	send_msg("192.0.2.77", "mail.example.net", "<SENDER@example.net>", NULL, NULL, one_rcpt,
	         &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	assert_string_equal(r.text[0], "451 4.7.1 Greylisted for 200 seconds, see "
	                               "https://help.example/example.org");
	assert_non_null(strstr(log_text, "greylist=early"));
	/* After the delay: the known recipient passes, a new one is greylisted
	 * on its own, and the message carries X-Greylist. */
	fake_now += 201;
	log_text[0] = '\0';
	send_msg("192.0.2.1", "mail.example.net", "<sender@example.net>", NULL, NULL, two, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_int_equal(r.rcpt[1], CM_ACT_TEMPFAIL);
	assert_true(r.ended);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_non_null(strstr(r.xgrey, "delayed 301 seconds by chainmilter-0.1.0 at "));
	assert_non_null(strstr(log_text, "Greylisted, ip=192.0.2.1 <sender@example.net> -> "
	                                 "<other@example.org>, dir=in greylist=new"));
	assert_non_null(strstr(log_text, "Passed CLEAN, ip=192.0.2.1 <sender@example.net> -> "
	                                 "<rcpt@example.org>, dir=in greylist=passed size="));
	/* Again: known, no second X-Greylist. */
	fake_now += 10;
	send_msg("192.0.2.1", "mail.example.net", "<sender@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_string_equal(r.xgrey, "");
	/* Another network is another triplet. */
	send_msg("198.51.100.1", "mail.example.net", "<sender@example.net>", NULL, NULL, one_rcpt,
	         &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	/* The passed triplet is forgotten GreylistMaxAge after it was last seen
	 * (the store's expiry, on the same clock). */
	fake_now += 35 * 86400 + 1;
	send_msg("192.0.2.1", "mail.example.net", "<sender@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	/* A retry after the retry window starts again. */
	fake_now += 2 * 86400 + 1;
	send_msg("192.0.2.1", "mail.example.net", "<sender@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	assert_string_equal(r.text[0], "451 4.7.1 Greylisted for 300 seconds, see "
	                               "https://help.example/example.org");
	snap_install(NULL);
}

static void test_skips(void **state)
{
	const char *clients = cmt_tempfile("trusted.example\n203.0.113.0/24\n");
	char wlc[128], lines[1024];
	const char *senders, *rcpts;
	struct result r;

	snprintf(wlc, sizeof(wlc), "%s", clients);
	senders = cmt_tempfile("newsletter@shop.example\n");
	{
		char s[128];

		snprintf(s, sizeof(s), "%s", senders);
		rcpts = cmt_tempfile("postmaster@\n");
		snprintf(lines, sizeof(lines),
		         "GreylistWhitelistClients %s\nGreylistWhitelistSenders %s\n"
		         "GreylistWhitelistRecipients %s\nGreylistSkipSPFPass yes\n",
		         wlc, s, rcpts);
	}
	with_config(lines);
	log_text[0] = '\0';
	/* Internal (127.0.0.1) and authenticated clients are outbound. */
	send_msg("127.0.0.1", "localhost", "<a@example.org>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "dir=out greylist=skip"));
	send_msg("198.51.100.7", "dsl.example.net", "<alice@example.org>", "alice", NULL, one_rcpt,
	         &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	/* Whitelisted client by name (a subdomain) and by network. */
	send_msg("198.51.100.8", "mx2.trusted.example", "<b@x.example>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "ip=198.51.100.8 <b@x.example> -> <rcpt@example.org>, "
	                                 "dir=in greylist=white"));
	send_msg("203.0.113.50", "[203.0.113.50]", "<b@x.example>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	/* An unverified name does not match a host name entry. */
	send_msg("198.51.100.9", "[198.51.100.9]", "<b@x.example>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	/* Whitelisted sender and recipient. */
	send_msg("198.51.100.9", "x.example", "<NewsLetter@shop.example>", NULL, NULL, one_rcpt,
	         &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	{
		static const char *const pm[] = {"<postmaster@example.org>", "<b@example.org>",
		                                 NULL};

		send_msg("198.51.100.9", "x.example", "<c@x.example>", NULL, NULL, pm, &r);
		assert_int_equal(r.rcpt[0], CM_ACT_NONE);
		assert_int_equal(r.rcpt[1], CM_ACT_TEMPFAIL);
	}
	/* SPF pass (m->auth, as the SPF check leaves it) skips; other results do not. */
	send_msg("198.51.100.10", "x.example", "<d@spf.example>", NULL, "pass", one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "<d@spf.example> -> <rcpt@example.org>, dir=in "
	                                 "greylist=skip"));
	send_msg("198.51.100.10", "x.example", "<e@spf.example>", NULL, "softfail", one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	snap_install(NULL);

	/* Without GreylistSkipSPFPass, an SPF pass is greylisted too. */
	with_config("");
	send_msg("198.51.100.10", "x.example", "<d@spf.example>", NULL, "pass", one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	snap_install(NULL);
}

static void pass_once(const char *ip, const char *rcpt)
{
	const char *const rc[] = {rcpt, NULL};
	struct result r;

	send_msg(ip, "mail.example.net", "<s@example.net>", NULL, NULL, rc, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	fake_now += 301;
	send_msg(ip, "mail.example.net", "<s@example.net>", NULL, NULL, rc, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(r.xgrey, "delayed 301 seconds"));
}

static void test_auto_whitelist(void **state)
{
	static const char *const two[] = {"<r4@example.org>", "<r5@example.org>", NULL};
	struct result r;

	with_config("GreylistAutoWhitelist 3\nGreylistAutoWhitelistInterval 1h\n");
	log_text[0] = '\0';
	pass_once("192.0.2.1", "<r1@example.org>");
	/* A second pass within the hour does not count. */
	pass_once("192.0.2.2", "<r2@example.org>");
	fake_now += 3600;
	pass_once("192.0.2.3", "<r3@example.org>");
	/* Two passing at once count once. */
	fake_now += 3600;
	send_msg("192.0.2.4", "m.example", "<s@example.net>", NULL, NULL, two, &r);
	fake_now += 301;
	send_msg("192.0.2.4", "m.example", "<s@example.net>", NULL, NULL, two, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_int_equal(r.rcpt[1], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "greylist: client network 192.0.2.0/24 auto-whitelisted "
	                                 "after 3 passes"));
	/* Now any new triplet of that /24 passes at once; another /24 does not. */
	send_msg("192.0.2.200", "m.example", "<new@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "<new@example.net> -> <rcpt@example.org>, dir=in "
	                                 "greylist=white"));
	send_msg("192.0.3.1", "m.example", "<new@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	snap_install(NULL);
}

static void test_learn_only(void **state)
{
	struct result r;

	with_config("GreylistLearnOnly yes\n");
	log_text[0] = '\0';
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_int_equal(r.d.action, CM_ACT_NONE);
	assert_non_null(strstr(log_text, "Passed CLEAN, ip=192.0.2.1 <s@example.net> -> "
	                                 "<rcpt@example.org>, dir=in greylist=new"));
	/* A later message passes as a retry would; nobody was delayed, so no
	 * X-Greylist. */
	fake_now += 301;
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_string_equal(r.xgrey, "");
	assert_non_null(strstr(log_text, "<s@example.net> -> <rcpt@example.org>, dir=in "
	                                 "greylist=passed"));
	snap_install(NULL);
	/* What it learned counts once greylisting is on (same store file). */
	{
		char lines[256];

		snprintf(lines, sizeof(lines), "GreylistStore lmdb:%s/grey%u.lmdb\n", dir,
		         conf_serial);
		with_config(lines);
	}
	fake_now += 10;
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	send_msg("192.0.2.1", "m.example", "<unknown@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	snap_install(NULL);
}

static void test_store_failure(void **state)
{
	struct result r;

	/* Nothing listens on port 9: every store call fails. */
	with_config("GreylistStore redis://127.0.0.1:9/0\n");
	log_text[0] = '\0';
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_NONE);
	assert_non_null(strstr(log_text, "greylist check failed, accepting as configured: "
	                                 "redis://127.0.0.1:9/0: "));
	assert_non_null(strstr(log_text, "dir=in greylist=error"));
	snap_install(NULL);
	with_config("GreylistStore redis://127.0.0.1:9/0\nGreylistOnStoreError tempfail\n");
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	assert_string_equal(r.text[0], "451 4.3.0 Temporary failure in the greylist check, "
	                               "please try again later");
	snap_install(NULL);
}

static void test_corrupt_record(void **state)
{
	static const char key[] = "t|192.0.2.0/24|s@example.net|rcpt@example.org";
	char uri[128];
	struct store *s;
	struct result r;

	with_config("");
	snprintf(uri, sizeof(uri), "lmdb:%s/grey%u.lmdb", dir, conf_serial);
	assert_int_equal(store_open(uri, GREY_PREFIX, &s, NULL), 0);
	assert_int_equal(store_put(s, key, strlen(key), "garbage", 7, 0, NULL), 0);
	log_text[0] = '\0';
	send_msg("192.0.2.1", "m.example", "<s@example.net>", NULL, NULL, one_rcpt, &r);
	assert_int_equal(r.rcpt[0], CM_ACT_TEMPFAIL);
	assert_non_null(strstr(log_text, "held something that is not a greylist record; it "
	                                 "starts again"));
	store_close(&s);
	snap_install(NULL);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *lines, *error;
	} cases[] = {
	    {"GreylistDelay 10m\nGreylistRetryWindow 5m\n",
	     "GreylistRetryWindow: 300 seconds is not longer than GreylistDelay (600 seconds)"},
	    {"GreylistText wait %d seconds\n", "GreylistText: \"wait %d seconds\": unknown "
	                                       "placeholder %d"},
	    {"GreylistStore lmdb:/nonexistent/dir/g.lmdb\n",
	     "GreylistStore: lmdb:/nonexistent/dir/g.lmdb: directory /nonexistent/dir does not "
	     "exist; create it"},
	    {"GreylistStore memcached://x\n", "GreylistStore: store \"memcached://x\": expected"},
	    {"GreylistWhitelistClients /nonexistent/wl\n",
	     "GreylistWhitelistClients: /nonexistent/wl: cannot read: No such file or directory"},
	    {"GreylistNetmask4 33\n", "GreylistNetmask4"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct cm_snapshot *snap;
		size_t j;
		bool found = false;

		snprintf(text, sizeof(text),
		         "ClamAV no\nDKIM no\nSPF no\nDMARC no\nNameservers 127.0.0.1@9\n%s%s",
		         strstr(cases[i].lines, "GreylistStore")
		             ? ""
		             : "GreylistStore lmdb:/tmp/g.lmdb\n",
		         cases[i].lines);
		snap = snap_load(cmt_tempfile(text), NULL, 0);
		assert_non_null(snap);
		for (j = 0; j < conf_nerrors(snap->conf); j++)
			found |= strstr(conf_errmsg(snap->conf, j), cases[i].error) != NULL;
		if (!found)
			fail_msg("case %zu: no error containing \"%s\" (%zu errors, first: %s)", i,
			         cases[i].error, conf_nerrors(snap->conf),
			         conf_nerrors(snap->conf) ? conf_errmsg(snap->conf, 0) : "none");
		snap_free(&snap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_net),
	    cmocka_unit_test(test_sender_normalize),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_state_machine),
	    cmocka_unit_test(test_whitelist_clients),
	    cmocka_unit_test(test_whitelist_addresses),
	    cmocka_unit_test(test_greylist_cycle),
	    cmocka_unit_test(test_skips),
	    cmocka_unit_test(test_auto_whitelist),
	    cmocka_unit_test(test_learn_only),
	    cmocka_unit_test(test_store_failure),
	    cmocka_unit_test(test_corrupt_record),
	    cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

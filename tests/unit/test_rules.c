/*
 * Unit tests of the spam rules: the rule file parser (every error names
 * its file and line), meta expressions, regex limits, and every built-in
 * rule on a real message fragment that it must hit - with a plain
 * message that must hit none of them.
 */
#include "cmtest.h"

#include <time.h>

#include "../../lib/buf.h"
#include "../../lib/regex.h"
#include "../../spam/rules.h"
#include "../../spam/view.h"

extern const char cm_default_rules[];

static struct pool *pool;
static struct buf errors;

static void collect(void *arg, const char *msg)
{
	(void)arg;
	buf_printf(&errors, "%s\n", msg);
}

static int setup(void **state)
{
	pool = pool_create();
	buf_init(&errors);
	return 0;
}

static int teardown(void **state)
{
	pool_destroy(&pool);
	buf_free(&errors);
	return 0;
}

static struct spam_ruleset *parse(const char *text)
{
	struct spam_ruleset *rs = spam_rules_new(collect, NULL);

	assert_non_null(rs);
	buf_reset(&errors);
	spam_rules_parse(rs, text, strlen(text), "test.rules");
	spam_rules_finish(rs);
	return rs;
}

/* ---- the parser ---- */

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {"rule lower 1\n\tbody /x/\n", "test.rules:1: rule \"lower\": expected a name"},
	    {"rule A 1.x\n\tbody /x/\n", "test.rules:1: rule A: score \"1.x\": expected a number"},
	    {"rule A 1\n\tbdy /x/\n",
	     "test.rules:2: A: unknown condition \"bdy\", expected header"},
	    {"rule A 1\n\tbody x/\n", "test.rules:2: A: expected a regular expression /.../"},
	    {"rule A 1\n\tbody /x\n", "test.rules:2: A: the regular expression has no closing '/'"},
	    {"rule A 1\n\tbody /(x/\n", "test.rules:2: A: /(x/: at offset 2: missing closing "
	                                "parenthesis"},
	    {"rule A 1\n\tbody /x/q\n", "test.rules:2: A: /x/q: unknown flag 'q'"},
	    {"rule A 1\n\tbody /x/ > 2\n", "test.rules:2: A: unexpected \"> 2\" at the end"},
	    {"rule A 1\n\tbody /x/ >= 0\n", "test.rules:2: A: \">= 0\": expected a whole number"},
	    {"rule A 1\n\theader Subject ~ /x/\n",
	     "test.rules:2: A: header Subject: expected =~, !~, exists or missing"},
	    {"rule A 1\n\theader Subject:full =~ /x/\n",
	     "test.rules:2: A: unknown field modifier \":full\""},
	    {"rule A 1\n\theader @sender =~ /x/\n", "test.rules:2: A: unknown field \"@sender\""},
	    {"rule A 1\n\theader Subject !~ /x/ >= 2\n", "test.rules:2: A: \"!~\" takes no"},
	    {"rule A 1\n\ttest no_such_test\n", "test.rules:2: A: unknown test \"no_such_test\""},
	    {"rule A 1\n\ttest html_only 3\n", "test.rules:2: A: test html_only takes no argument"},
	    {"rule A 1\n\ttest mime_flag nonsense\n",
	     "test.rules:2: A: test mime_flag nonsense: expected a decoding flag"},
	    {"rule A 1\n\tmeta B &&\n", "test.rules:2: A: meta: expected a rule name, a number"},
	    {"rule A 1\n\tmeta (B\n", "test.rules:2: A: meta: expected ')'"},
	    {"rule A 1\n\tmeta B C\n", "test.rules:2: A: meta: unexpected \"C\""},
	    {"rule A 1\n\tmeta B\n", "test.rules:1: A: meta refers to B, which is no rule"},
	    {"rule A 1\n\tmeta B\nrule B 1\n\tmeta A\n",
	     "test.rules:1: A: meta rules refer to each other in a circle"},
	    {"rule A 1\n", "test.rules:1: A: no condition"},
	    {"rule A 1\n\tbody /x/\n\tbody /y/\n", "test.rules:3: A: a second condition"},
	    {"\tbody /x/\n", "test.rules:1: an indented line outside a rule"},
	    {"rule A 1\n\tbody /x/\nrule A 2\n\tbody /y/\n",
	     "test.rules:3: rule A is defined twice in this file"},
	    {"body /x/\n", "test.rules:1: \"body /x/\": expected \"rule NAME SCORE description\""},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spam_ruleset *rs = parse(cases[i].text);

		if (strstr(buf_str(&errors), cases[i].error) == NULL)
			fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i].error,
			         buf_str(&errors));
		assert_true(rs->n_errors > 0);
		spam_rules_free(&rs);
	}
}

static void test_parse_ok(void **state)
{
	struct spam_ruleset *rs = parse("# a comment\n"
	                                "rule SUBJ_X -1.5 A described rule # with a hash\n"
	                                "    header Subject =~ /x\\/y/i >= 2\n"
	                                "\n"
	                                "rule __HELPER\n"
	                                "\t  # comments between the lines\n"
	                                "\tbody /z/\n");

	assert_string_equal(buf_str(&errors), "");
	assert_int_equal(rs->n, 2);
	assert_string_equal(rs->rules[0]->name, "SUBJ_X");
	assert_true(rs->rules[0]->score == -1.5);
	assert_string_equal(rs->rules[0]->desc, "A described rule # with a hash");
	assert_string_equal(rs->rules[0]->pattern, "x\\/y");
	assert_int_equal(rs->rules[0]->min, 2);
	assert_true(rs->rules[1]->score == 0);
	spam_rules_free(&rs);
}

/* A later file's rule replaces an earlier one of the same name. */
static void test_replace(void **state)
{
	struct spam_ruleset *rs = spam_rules_new(collect, NULL);
	static const char a[] = "rule R 1 first\n\tbody /a/\nrule M 1\n\tmeta R\n";
	static const char b[] = "rule R 3 second\n\tbody /b/\n";

	buf_reset(&errors);
	spam_rules_parse(rs, a, strlen(a), "a.rules");
	spam_rules_parse(rs, b, strlen(b), "b.rules");
	assert_int_equal(spam_rules_finish(rs), 0);
	assert_int_equal(rs->n, 2);
	assert_string_equal(rs->rules[0]->desc, "second");
	assert_string_equal(rs->rules[0]->file, "b.rules");
	spam_rules_free(&rs);
}

/* ---- running rules ---- */

static long value_of(const struct spam_ruleset *rs, const long *values, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i]->name, name) == 0)
			return values[i];
	fail_msg("no rule %s", name);
	return 0;
}

static void test_meta_and_counts(void **state)
{
	static const char msg[] = "From: a@example.org\nTo: b@example.org\nSubject: buy buy buy\n"
	                          "\nbuy now, buy today, buy\n";
	struct spam_ruleset *rs = parse("rule THREE 1\n\tbody /buy/ >= 3\n"
	                                "rule FOUR 1\n\tbody /buy/ >= 4\n"
	                                "rule SUBJ 1\n\theader Subject =~ /buy/\n"
	                                "rule NOT_SUBJ 1\n\theader Subject !~ /sell/\n"
	                                "rule ABSENT 1\n\theader X-Nothing !~ /x/\n"
	                                "rule M_AND 1\n\tmeta THREE && !FOUR\n"
	                                "rule M_SUM 1\n\tmeta (THREE + SUBJ + FOUR) == 4\n"
	                                "rule M_CMP 1\n\tmeta THREE > 2 && -1 < 0 || 0\n"
	                                "rule M_META 1\n\tmeta M_AND && M_SUM\n");
	struct spam_view v;
	long values[16];

	assert_string_equal(buf_str(&errors), "");
	assert_int_equal(spam_view_build(&v, msg, strlen(msg), 65536, NULL, pool), 0);
	assert_int_equal(spam_rules_run(rs, &v, values, NULL), 0);
	assert_int_equal(value_of(rs, values, "THREE"), 3);
	assert_int_equal(value_of(rs, values, "FOUR"), 0);
	assert_int_equal(value_of(rs, values, "SUBJ"), 1);
	assert_int_equal(value_of(rs, values, "NOT_SUBJ"), 1);
	assert_int_equal(value_of(rs, values, "ABSENT"), 1);
	assert_int_equal(value_of(rs, values, "M_AND"), 1);
	assert_int_equal(value_of(rs, values, "M_SUM"), 1);
	assert_int_equal(value_of(rs, values, "M_CMP"), 1);
	assert_int_equal(value_of(rs, values, "M_META"), 1);
	spam_rules_free(&rs);
}

/* A pattern that backtracks exponentially is stopped and reported. */
static void test_catastrophic_regex(void **state)
{
	struct spam_ruleset *rs = parse("rule BAD 1\n\tbody /^(a|aa|a?a)+$/\n"
	                                "rule GOOD 1\n\tbody /aaa/\n");
	struct buf msg;
	struct spam_view v;
	const char *slow = NULL;
	long values[2];
	int i;

	assert_string_equal(buf_str(&errors), "");
	buf_init(&msg);
	buf_puts(&msg, "Subject: x\n\n");
	for (i = 0; i < 5000; i++)
		buf_putc(&msg, 'a');
	buf_puts(&msg, "!\n");
	assert_int_equal(spam_view_build(&v, msg.data, msg.len, 65536, NULL, pool), 0);
	assert_int_equal(spam_rules_run(rs, &v, values, &slow), 1);
	assert_string_equal(slow, "BAD");
	assert_int_equal(values[0], 0);
	assert_int_equal(values[1], 1); /* the other rules still run */
	buf_free(&msg);
	spam_rules_free(&rs);
}

/* ---- the built-in rules on real fragments ---- */

struct fragment {
	const char *rule;
	const char *msg;
	const char *helo, *client_name;
};

#define HDRS                                                                                       \
	"Received: from mail.example.net (mail.example.net [198.51.100.20])\n"                     \
	"\tby mx.example.org (Postfix) with ESMTP id 4QX1; Tue, 4 Jun 2024 09:12:44 +0200\n"       \
	"Date: Tue, 4 Jun 2024 09:12:40 +0200\n"                                                   \
	"Message-ID: <20240604071240.GA1234@mail.example.net>\n"                                   \
	"MIME-Version: 1.0\n"

#define HDRS_FULL                                                                                  \
	HDRS "From: Alice Example <alice@example.net>\nTo: bob@example.org\nSubject: Lunch\n"

static const struct fragment fragments[] = {
    {.rule = "MISSING_DATE",
     .msg = "Message-ID: <1@example.net>\nFrom: alice@example.net\nTo: bob@example.org\n"
            "Subject: hi\n\nhello\n"},
    {.rule = "MISSING_FROM",
     .msg = HDRS "Sender: bulk@example.net\nTo: bob@example.org\nSubject: Hi\n\nhello\n"},
    {.rule = "MISSING_MESSAGE_ID",
     .msg = "Date: Tue, 4 Jun 2024 09:12:40 +0200\nFrom: alice@example.net\nTo: bob@example.org\n"
            "Subject: hi\n\nhello\n"},
    {.rule = "MISSING_SUBJECT",
     .msg = HDRS "From: alice@example.net\nTo: bob@example.org\n\nhello\n"},
    {.rule = "DATE_INVALID",
     .msg = "Date: Tue, 24 Sep 2002 06:09:40 -1900\nMessage-ID: <1@example.net>\n"
            "From: alice@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n"},
    {.rule = "DATE_IN_FUTURE",
     .msg = "Received: from relay.example.net (relay.example.net [198.51.100.20])\n"
            "\tby mx.example.org (Postfix) with ESMTP id 4QX1; Tue, 17 Sep 2002 02:27:40 +0100\n"
            "Date: Thu, 19 Sep 2002 02:29:10 -0400\nMessage-ID: <1@example.net>\n"
            "From: alice@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n"},
    {.rule = "DATE_IN_PAST",
     .msg = "Received: from relay.example.net (relay.example.net [198.51.100.20])\n"
            "\tby mx.example.org (Postfix) with ESMTP id 4QX1; Tue, 17 Sep 2002 02:27:40 +0100\n"
            "Date: Sat, 7 Sep 2002 11:00:00 +0000\nMessage-ID: <1@example.net>\n"
            "From: alice@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n"},
    {.rule = "SUBJ_ADV_LABEL",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: ADV: Lowest rates "
                 "in 30 years\n\nhello\n"},
    {.rule = "MESSAGE_ID_MALFORMED",
     .msg = "Date: Tue, 4 Jun 2024 09:12:40 +0200\nMessage-ID: <q8Xyz.2024.06>\n"
            "From: alice@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n"},
    {.rule = "MIME_NO_VERSION",
     .msg = "Date: Tue, 4 Jun 2024 09:12:40 +0200\nMessage-ID: <1@example.net>\n"
            "From: alice@example.net\nTo: bob@example.org\nSubject: hi\n"
            "Content-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\n\nhello\n--b1--\n"},
    {.rule = "FROM_NAME_HAS_ADDRESS",
     .msg = HDRS "From: \"service@bank.example\" <alert7731@mailer.example.biz>\n"
                 "To: bob@example.org\nSubject: Account notice\n\nPlease verify.\n"},
    {.rule = "FROM_NO_ADDRESS",
     .msg = HDRS "From: Special Offers\nTo: bob@example.org\nSubject: Hi\n\nhello\n"},
    {.rule = "TO_UNDISCLOSED",
     .msg = HDRS "From: deals@example.biz\nTo: undisclosed-recipients:;\nSubject: Hi\n\nhello\n"},
    {.rule = "MANY_VISIBLE_RECIPIENTS",
     .msg =
         HDRS "From: deals@example.biz\nSubject: Hi\nTo: a1@example.org, a2@example.org, "
              "a3@example.org, a4@example.org, a5@example.org, a6@example.org,\n a7@example.org, "
              "a8@example.org, a9@example.org, a10@example.org, a11@example.org,\n "
              "a12@example.org, a13@example.org, a14@example.org, a15@example.org,\n "
              "a16@example.org, a17@example.org, a18@example.org, a19@example.org,\n "
              "\"Twenty\" <a20@example.org>\n\nhello\n"},
    {.rule = "TO_EQUALS_FROM",
     .msg = HDRS "From: Best Deals <deals@example.biz>\nTo: DEALS@example.biz\nSubject: Hi\n\n"
                 "hello\n"},
    {.rule = "FROM_LOCAL_DIGITS",
     .msg = HDRS "From: computerupdates101@example.com\nTo: bob@example.org\nSubject: windows "
                 "tips\n\nhello\n"},
    {.rule = "SUBJ_RANDOM_TAIL",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: $250,000... as low "
                 "as $6.50 per month.             edahx\n\nhello\n"},
    {.rule = "BULK_MAILER",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "X-Mailer: Group Mail 4.0\n\nhello\n"},
    {.rule = "X_PRIORITY_HIGHEST",
     .msg =
         HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\nX-Priority: 1 (Highest)\n"
              "\nhello\n"},
    {.rule = "SUBJ_ALL_CAPS",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: FREE CABLE TV - NO "
                 "CATCH\n\nhello\n"},
    {.rule = "SUBJ_EXCLAIM",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Act now!! Limited "
                 "offer\n\nhello\n"},
    {.rule = "SUBJ_ENCODED_ASCII",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\n"
                 "Subject: =?us-ascii?B?TG93ZXN0IG1vcnRnYWdlIHJhdGVz?=\n\nhello\n"},
    {.rule = "HEADER_8BIT",
     .msg =
         HDRS "From: J\xfcrgen <juergen@example.de>\nTo: bob@example.org\nSubject: Hi\n\nhello\n"},
    {.rule = "MIME_BOUNDARY_MISSING",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: multipart/alternative; boundary=\"=Multipart Boundary 0925\"\n\n"
                 "--= Multipart Boundary 0925\nContent-Type: text/plain\n\nBuy now\n"},
    {.rule = "MIME_NO_BOUNDARY",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: multipart/mixed\n\nhello\n"},
    {.rule = "MIME_BAD_BASE64",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ=!!*\n"},
    {.rule = "MIME_BAD_ENCODED_WORD",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: =?utf-8?X?broken?=\n\n"
                 "hello\n"},
    {.rule = "MIME_UNKNOWN_CHARSET",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/plain; charset=\"default_charset\"\n\nhello\n"},
    {.rule = "TEXT_8BIT_UNDECLARED",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/plain\n\nCaf\xe9 cr\xe8me\n"},
    {.rule = "HTML_ONLY",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html; charset=us-ascii\n\n<html><body><p>Hello "
                 "there</p></body></html>\n"},
    {.rule = "HTML_HIDDEN_TEXT",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html\n\n<html><body bgcolor=\"#FFFFFF\"><p>Refinance "
                 "today</p><font color=\"#ffffff\">weather report garden party minutes "
                 "agenda</font></body></html>\n"},
    {.rule = "HTML_COMMENT_IN_WORD",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html\n\n<p>Cheap vi<!-- qwzx -->agra here</p>\n"},
    {.rule = "HTML_IMAGE_ONLY",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html\n\n<html><body><a href=\"http://offers.example.biz/\">"
                 "<img src=\"http://offers.example.biz/banner.gif\" width=600 height=400>"
                 "</a></body></html>\n"},
    {.rule = "HTML_WEB_BUG",
     .msg =
         HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
              "Content-Type: text/html\n\n<p>News</p><img src=\"http://t.example.biz/o.gif?id=77\" "
              "width=\"1\" height=\"1\">\n"},
    {.rule = "HTML_FORM",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html\n\n<form action=\"http://verify.example.biz/login.php\" "
                 "method=post>Card number <input name=cc></form>\n"},
    {.rule = "HTML_SCRIPT",
     .msg =
         HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
              "Content-Type: text/html\n\n<p>Hi</p><script>window.location='http://x.example.biz/'"
              "</script>\n"},
    {.rule = "URI_NUMERIC_IP",
     .msg = HDRS_FULL "\nClick http://203.0.113.77/promo/index.html to claim.\n"},
    {.rule = "URI_OBFUSCATED", .msg = HDRS_FULL "\nVisit http://3405803853/offer now.\n"},
    {.rule = "URI_USERINFO",
     .msg = HDRS_FULL "\nLog in at http://www.bank.example@203.0.113.77/secure/ today.\n"},
    {.rule = "URI_ODD_PORT", .msg = HDRS_FULL "\nSee http://offers.example.biz:8081/deal.html\n"},
    {.rule = "LINK_TEXT_MISMATCH",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Hi\n"
                 "Content-Type: text/html\n\n<p>Sign in at <a href=\"http://203.0.113.77/x\">"
                 "https://www.bank.example/login</a></p>\n"},
    {.rule = "BODY_SHOUTING",
     .msg = HDRS_FULL "\nDEAR FRIEND, I AM THE SON OF THE LATE MINISTER OF FINANCE AND I NEED YOUR "
                      "HELP TO TRANSFER THE SUM OF TWENTY MILLION DOLLARS OUT OF THE COUNTRY. YOU "
                      "WILL RECEIVE TWENTY PERCENT FOR YOUR ASSISTANCE. PLEASE REPLY AT ONCE WITH "
                      "YOUR BANK DETAILS AND TELEPHONE NUMBER SO WE CAN PROCEED.\n"},
    {.rule = "ARCHIVE_EXECUTABLE",
     .msg =
         HDRS "From: billing@example.biz\nTo: bob@example.org\nSubject: Invoice\n"
              "Content-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\n"
              "Invoice attached.\n--zz\nContent-Type: application/zip; name=\"invoice.zip\"\n"
              "Content-Transfer-Encoding: base64\n\n"
              "UEsDBBQAAAAIAJQldl2H+WhdBwAAAMoAAAAXAAAASW52b2ljZV8yMDI0LTA2LnBkZi5leGXzjZowTAAAUEsD"
              "BBQAAAAIAJQldl2d4WBbFgAAABQAAAAKAAAAcmVhZG1lLnR4dCtOTVVILClJTM5ITVHIzCvLz0xOBQBQSwEC"
              "FAMUAAAACACUJXZdh/loXQcAAADKAAAAFwAAAAAAAAAAAAAAgAEAAAAASW52b2ljZV8yMDI0LTA2LnBkZi5l"
              "eGVQSwECFAMUAAAACACUJXZdneFgWxYAAAAUAAAACgAAAAAAAAAAAAAAgAE8AAAAcmVhZG1lLnR4dFBLBQYA"
              "AAAAAgACAH0AAAB6AAAAAAA=\n--zz--\n"},
    {.rule = "ATTACHMENT_EXECUTABLE",
     .msg =
         HDRS "From: billing@example.biz\nTo: bob@example.org\nSubject: Invoice\n"
              "Content-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\n"
              "See attached.\n--zz\nContent-Type: application/octet-stream; name=\"setup.scr\"\n"
              "Content-Disposition: attachment; filename=\"setup.scr\"\n"
              "Content-Transfer-Encoding: base64\n\nAAAA\n--zz--\n"},
    {.rule = "ATTACHMENT_DOUBLE_EXT",
     .msg =
         HDRS "From: billing@example.biz\nTo: bob@example.org\nSubject: Invoice\n"
              "Content-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\n"
              "See attached.\n--zz\nContent-Type: application/octet-stream\n"
              "Content-Disposition: attachment; filename=\"invoice.pdf.exe\"\n"
              "Content-Transfer-Encoding: base64\n\nAAAA\n--zz--\n"},
    {.rule = "ATTACHMENT_PROGRAM",
     .msg = HDRS
     "From: billing@example.biz\nTo: bob@example.org\nSubject: Photo\n"
     "Content-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\n"
     "Nice photo.\n--zz\nContent-Type: image/jpeg; name=\"photo.jpg\"\n"
     "Content-Transfer-Encoding: base64\n\n"
     "TVqQAAMAAAAEAAAA//8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAA==\n--zz--\n"},
    {.rule = "SUBJ_MONEY",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Turn $5 into $20k "
                 "in a month\n\nhello\n"},
    {.rule = "SUBJ_FREE",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Your FREE trial "
                 "inside\n\nhello\n"},
    {.rule = "SUBJ_DOTS",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Rates begin to "
                 "fall......................\n\nhello\n"},
    {.rule = "SUBJ_CONSONANT_TAIL",
     .msg = HDRS "From: deals@example.biz\nTo: bob@example.org\nSubject: Extended car "
                 "warranties here hvgxs\n\nhello\n"},
    {.rule = "FROM_LOCAL_MIXED_DIGITS",
     .msg = HDRS "From: Paul <prospect_111815@mail.example.biz>\nTo: bob@example.org\n"
                 "Subject: Weekly report\n\nhello\n"},
    {.rule = "BODY_EARN_MONEY",
     .msg = HDRS_FULL "\nYou can earn extra income from your kitchen table, and work from "
                      "home in your spare time.\n"},
    {.rule = "BODY_MLM",
     .msg = HDRS_FULL "\nJoin the fastest growing network marketing team: your downline is "
                      "built for you.\n"},
    {.rule = "BODY_STOCK_TIP",
     .msg = HDRS_FULL "\nINVESTOR ALERT: this OTC BB company is about to explode. This "
                      "release contains forward-looking statements.\n"},
    {.rule = "BODY_EMAIL_LISTS",
     .msg = HDRS_FULL "\nReach 20 million fresh e-mail addresses with our bulk emailing "
                      "service.\n"},
    {.rule = "BODY_PHARMACY",
     .msg = HDRS_FULL "\nLose 22.5 lbs in 3 weeks with our new herbal formula.\n"},
    {.rule = "BODY_DEAR_FRIEND",
     .msg = HDRS_FULL "\nDear Friend,\n\nI am writing to you with an offer.\n"},
    {.rule = "BODY_ACT_NOW",
     .msg = HDRS_FULL "\nThis offer is for a limited time only. Order today!\n"},
    {.rule = "BODY_TOLL_FREE",
     .msg = HDRS_FULL "\nCall us at 1-888-555-0199 to claim your prize.\n"},
    {.rule = "BODY_OPT_IN",
     .msg = HDRS_FULL "\nYou received this because you opted in at one of our partner sites.\n"},
    {.rule = "BODY_TAKE_OFF_LIST",
     .msg = HDRS_FULL "\nTo be taken off our list, reply with the word stop.\n"},
    {.rule = "BODY_LARGE_SUM",
     .msg = HDRS_FULL "\nThe fund of US$15,500,000 is in a security vault.\n"},
    {.rule = "ADVANCE_FEE",
     .msg = HDRS_FULL "\nDear Sir,\nMy late father deposited the sum of US$25.5 million with "
                      "a security company. I need a foreign partner to receive the transfer of "
                      "the funds as next of kin.\n"},
    {.rule = "HELO_NUMERIC", .msg = HDRS_FULL "\nhello\n", .helo = "[203.0.113.77]"},
};

static const char plain_ham[] =
    HDRS "From: Alice Example <alice@example.net>\nTo: Bob <bob@example.org>\n"
         "Subject: Re: lunch on Friday?\nIn-Reply-To: <1@example.org>\n"
         "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
         "Friday works for me. The café on the corner opens at noon; see\n"
         "https://cafe.example.net/menu for what they have.\n\nAlice\n";

/*
 * List and personal mail that looks like the advertising rules but is not:
 * none of these may hit any scoring rule (technical subjects ending in an
 * acronym, list footers, sums in a discussion, a phone number abroad).
 */
static const char *const near_ham[] = {
    HDRS "From: Alice Example <alice@example.net>\nTo: ilug@example.org\n"
         "Subject: Re: [ILUG] Newby to Linux looking for information on cvs\n\n"
         "Check out the repository with cvs co, then run make.\n\n"
         "To unsubscribe, send mail to ilug-request@example.org.\n",
    HDRS "From: Alice Example <alice@example.net>\nTo: bob@example.org\n"
         "Subject: Re: budget\n\nThe project cost 2 million over three years; the free\n"
         "software we used saved the rest. Call me on +353 1 555 0199.\n",
    HDRS "From: Alice Example <alice@example.net>\nTo: bob@example.org\n"
         "Subject: curses interface to nmh\n\nI removed the old patch from the tree. As for\n"
         "bulk email: greylisting delays it, which is what we wanted.\n",
};

static struct spam_ruleset *builtin(void)
{
	struct spam_ruleset *rs = parse(cm_default_rules);

	assert_string_equal(buf_str(&errors), "");
	return rs;
}

static void run_on(const struct spam_ruleset *rs, const char *msg, const char *helo,
                   const char *client_name, long *values)
{
	struct spam_env env = {.helo = helo != NULL ? helo : "mail.example.net",
	                       .client_name =
	                           client_name != NULL ? client_name : "mail.example.net",
	                       .client_ip = "198.51.100.20",
	                       .mail_from = "alice@example.net"};
	struct spam_view v;

	assert_int_equal(spam_view_build(&v, msg, strlen(msg), 1 << 20, &env, pool), 0);
	assert_int_equal(spam_rules_run(rs, &v, values, NULL), 0);
}

static void test_builtin_each_rule(void **state)
{
	struct spam_ruleset *rs = builtin();
	long *values = calloc(rs->n, sizeof(*values));
	size_t i, k;

	for (k = 0; k < sizeof(fragments) / sizeof(fragments[0]); k++) {
		run_on(rs, fragments[k].msg, fragments[k].helo, fragments[k].client_name, values);
		if (value_of(rs, values, fragments[k].rule) <= 0)
			fail_msg("%s did not hit its fragment", fragments[k].rule);
	}
	/* Every built-in rule that scores has a fragment above. */
	for (i = 0; i < rs->n; i++) {
		if (strncmp(rs->rules[i]->name, "__", 2) == 0)
			continue;
		for (k = 0; k < sizeof(fragments) / sizeof(fragments[0]); k++)
			if (strcmp(fragments[k].rule, rs->rules[i]->name) == 0)
				break;
		if (k == sizeof(fragments) / sizeof(fragments[0]))
			fail_msg("built-in rule %s has no test fragment", rs->rules[i]->name);
	}
	free(values);
	spam_rules_free(&rs);
}

static void test_builtin_plain_ham(void **state)
{
	struct spam_ruleset *rs = builtin();
	long *values = calloc(rs->n, sizeof(*values));
	size_t i, k;

	run_on(rs, plain_ham, NULL, NULL, values);
	for (i = 0; i < rs->n; i++)
		if (values[i] > 0 && strncmp(rs->rules[i]->name, "__", 2) != 0)
			fail_msg("%s hit a plain personal message", rs->rules[i]->name);
	for (k = 0; k < sizeof(near_ham) / sizeof(near_ham[0]); k++) {
		run_on(rs, near_ham[k], NULL, NULL, values);
		for (i = 0; i < rs->n; i++)
			if (values[i] > 0 && strncmp(rs->rules[i]->name, "__", 2) != 0)
				fail_msg("%s hit list or personal mail %zu", rs->rules[i]->name, k);
	}
	free(values);
	spam_rules_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_meta_and_counts),
	    cmocka_unit_test(test_catastrophic_regex),
	    cmocka_unit_test(test_builtin_each_rule),
	    cmocka_unit_test(test_builtin_plain_ham),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests of DNSBL lines (spam/dnsbl.c): what a line may say, the
 * symbol named after the zone, and every error naming the value and what
 * is expected. The lookups themselves run against nsd in t_spam.sh.
 */
#include "cmtest.h"

#include <arpa/inet.h>

#include "../../spam/dnsbl.h"

static void test_parse_ok(void **state)
{
	struct spam_dnsbl_line l;
	struct ip_addr a;
	char err[256];

	assert_int_equal(spam_dnsbl_parse("zen.spamhaus.org 3.5", &l, err, sizeof(err)), 0);
	assert_string_equal(l.zone, "zen.spamhaus.org");
	assert_true(l.score == 3.5);
	assert_string_equal(l.symbol, "RCVD_IN_ZEN_SPAMHAUS_ORG");
	assert_int_equal(l.timeout_ms, 0);
	assert_int_equal(l.match.n, 0);
	spam_dnsbl_line_free(&l);

	assert_int_equal(spam_dnsbl_parse("bl.example -1 match 127.0.0.2,127.0.0.10/31 "
	                                  "timeout 500ms symbol MY_LIST",
	                                  &l, err, sizeof(err)),
	                 0);
	assert_true(l.score == -1);
	assert_string_equal(l.symbol, "MY_LIST");
	assert_int_equal(l.timeout_ms, 500);
	assert_int_equal(l.match.n, 2);
	ip_parse("127.0.0.11", &a);
	assert_true(ip_netlist_match(&l.match, &a));
	ip_parse("127.0.0.3", &a);
	assert_false(ip_netlist_match(&l.match, &a));
	spam_dnsbl_line_free(&l);

	assert_int_equal(spam_dnsbl_parse("bl.example 1 timeout 2", &l, err, sizeof(err)), 0);
	assert_int_equal(l.timeout_ms, 2000);
	spam_dnsbl_line_free(&l);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
	    {"bl.example", "\"bl.example\": expected ZONE SCORE"},
	    {"bl..example 1", "\"bl..example\": expected a DNS zone"},
	    {"localhost 1", "\"localhost\": expected a DNS zone"},
	    {"bl.example lots", "bl.example: score \"lots\": expected a number"},
	    {"bl.example 1 match 300.0.0.1", "bl.example: match \"300.0.0.1\":"},
	    {"bl.example 1 match /etc/passwd", "bl.example: match \"/etc/passwd\":"},
	    {"bl.example 1 timeout 2h", "bl.example: timeout \"2h\": expected 1ms to 60s"},
	    {"bl.example 1 timeout", "bl.example: \"timeout\" needs a value"},
	    {"bl.example 1 symbol lower", "bl.example: symbol \"lower\": expected capitals"},
	    {"bl.example 1 weight 2", "bl.example: unknown option \"weight\""},
	};
	struct spam_dnsbl_line l;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(spam_dnsbl_parse(cases[i].line, &l, err, sizeof(err)), -1);
		if (strstr(err, cases[i].error) == NULL)
			fail_msg("\"%s\": expected \"%s\", got \"%s\"", cases[i].line,
			         cases[i].error, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of lib/ip.c: parsing, formatting, CIDR matching, lists. */
#include "cmtest.h"

#include "../../lib/ip.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;

	assert_int_equal(ip_parse(s, &a), 0);
	return a;
}

static bool in(const char *net, const char *ip)
{
	struct ip_net n;
	struct ip_addr a = addr(ip);

	assert_int_equal(ip_net_parse(net, &n), 0);
	return ip_net_match(&n, &a);
}

static void test_parse_format(void **state)
{
	char buf[IP_STRLEN];
	struct ip_addr a;

	a = addr("192.0.2.1");
	assert_string_equal(ip_format(&a, buf), "192.0.2.1");
	a = addr("2001:DB8::1");
	assert_string_equal(ip_format(&a, buf), "2001:db8::1");
	a = addr("::ffff:192.0.2.7");
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(ip_format(&a, buf), "192.0.2.7");
	a = addr("[::1]");
	assert_string_equal(ip_format(&a, buf), "::1");
	a = addr("IPv6:2001:db8::2");
	assert_string_equal(ip_format(&a, buf), "2001:db8::2");
	assert_int_equal(ip_parse("192.0.2.256", &a), -1);
	assert_int_equal(ip_parse("example.org", &a), -1);
	assert_int_equal(ip_parse("", &a), -1);
}

static void test_match(void **state)
{
	assert_true(in("192.0.2.0/24", "192.0.2.200"));
	assert_false(in("192.0.2.0/24", "192.0.3.1"));
	assert_true(in("192.0.2.77/24", "192.0.2.1")); /* host bits ignored */
	assert_true(in("0.0.0.0/0", "203.0.113.9"));
	assert_true(in("127.0.0.1", "127.0.0.1"));
	assert_false(in("127.0.0.1", "127.0.0.2"));
	assert_true(in("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(in("2001:db8::/32", "2001:db9::1"));
	assert_false(in("192.0.2.0/24", "2001:db8::1"));
	assert_true(in("192.0.2.0/24", "::ffff:192.0.2.5")); /* v4-mapped client */
	assert_true(in("::ffff:192.0.2.0/120", "192.0.2.5"));
	assert_true(in("2001:db8::1/127", "2001:db8::0"));
}

static void test_bad_nets(void **state)
{
	struct ip_net n;

	assert_int_equal(ip_net_parse("192.0.2.0/33", &n), -1);
	assert_int_equal(ip_net_parse("2001:db8::/129", &n), -1);
	assert_int_equal(ip_net_parse("192.0.2.0/", &n), -1);
	assert_int_equal(ip_net_parse("192.0.2.0/-1", &n), -1);
	assert_int_equal(ip_net_parse("/24", &n), -1);
	assert_int_equal(ip_net_parse("192.0.2.0/2x", &n), -1);
}

static void test_list_and_file(void **state)
{
	struct ip_netlist l;
	struct ip_addr a;
	char *err = NULL, text[256];
	const char *path = cmt_tempfile("# trusted forwarders\n198.51.100.0/24  # a comment\n"
	                                "2001:db8:1::/48\n");

	snprintf(text, sizeof(text), "127.0.0.1, ::1 %s", path);
	assert_int_equal(ip_netlist_parse(text, &l, &err), 0);
	assert_int_equal(l.n, 4);
	a = addr("198.51.100.3");
	assert_true(ip_netlist_match(&l, &a));
	a = addr("2001:db8:1:2::3");
	assert_true(ip_netlist_match(&l, &a));
	a = addr("192.0.2.1");
	assert_false(ip_netlist_match(&l, &a));
	ip_netlist_free(&l);
	unlink(path);

	path = cmt_tempfile("198.51.100.0/24\nnot-an-ip\n");
	assert_int_equal(ip_netlist_parse(path, &l, &err), -1);
	snprintf(text, sizeof(text),
	         "%s:2: \"not-an-ip\": expected an IP address or network such "
	         "as 192.0.2.0/24 or 2001:db8::/32",
	         path);
	assert_string_equal(err, text);
	free(err);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_format),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_bad_nets),
	    cmocka_unit_test(test_list_and_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

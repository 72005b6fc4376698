/*
 * Unit tests of spf/ apart from DNS (the official suites run the evaluator
 * through real DNS in t_spf_suite.sh): the record syntax, macro expansion
 * with RFC 7208 §7.4's own examples, the Received-SPF field, and the result
 * cache's rules (sender-dependent results, expiry, no temperrors).
 */
#include "cmtest.h"

#include "../../spf/cache.h"
#include "../../spf/header.h"
#include "../../spf/macro.h"
#include "../../spf/record.h"

static int parse(const char *text, struct spfc_record *rec, const char **error, struct pool *p)
{
	return spfc_record_parse(text, strlen(text), p, rec, error);
}

static void test_record_valid(void **state)
{
	struct pool *p = pool_create();
	struct spfc_record r;
	const char *error = NULL;
	static const char *const good[] = {
	    "v=spf1",
	    "V=SPF1 -ALL",
	    "v=spf1  a  mx  -all ",
	    "v=spf1 a:example.org/24//64 mx:%{d}/30 ptr ptr:example.org. ~all",
	    "v=spf1 ip4:192.0.2.0/24 ip4:0.0.0.0/0 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 ?all",
	    "v=spf1 include:_spf.example.org exists:%{ir}.%{l1r+-}._spf.%{d} -all",
	    "v=spf1 redirect=_spf.example.org exp=explain._spf.%{d}",
	    "v=spf1 -all moo=bar foo.bar-baz_9=%{d}.%% a:%{d}",
	    "v=spf1 a:example.xn--p1ai a:b-c.d-e a:x.%_y.example.org",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (parse(good[i], &r, &error, p) < 0)
			fail_msg("\"%s\" rejected: %s", good[i], error);
	parse("v=spf1 a:example.org/24//64 -ip4:192.0.2.0/28 ~include:x.example redirect=r.example",
	      &r, &error, p);
	assert_int_equal(r.n_terms, 3);
	assert_int_equal(r.terms[0].mech, SPFC_A);
	assert_int_equal(r.terms[0].cidr4, 24);
	assert_int_equal(r.terms[0].cidr6, 64);
	assert_int_equal(r.terms[0].domain.len, 11);
	assert_int_equal(r.terms[1].qualifier, SPFC_FAIL);
	assert_int_equal(r.terms[1].cidr4, 28);
	assert_int_equal(r.terms[2].qualifier, SPFC_SOFTFAIL);
	assert_int_equal(r.redirect.len, 9);
	pool_destroy(&p);
}

static void test_record_invalid(void **state)
{
	struct pool *p = pool_create();
	struct spfc_record r;
	const char *error = NULL;
	static const char *const bad[][2] = {
	    {"v=spf1 a:example.org -all moo", "unknown mechanism"},
	    {"v=spf1 =a", "unknown mechanism"},
	    {"v=spf1 -all:foo", "nothing may follow"},
	    {"v=spf1 a/33", "0 to 32"},
	    {"v=spf1 a//129", "0 to 128"},
	    {"v=spf1 ip4:192.0.2.0/33", "0 to 32"},
	    {"v=spf1 ip4:192.0.02.1", "not an IPv4 address"},
	    {"v=spf1 ip4:192.0.2.1//32", "prefix length"},
	    {"v=spf1 ip6:2001:db8::zz", "not an IPv6 address"},
	    {"v=spf1 a:example", "not a domain name"},
	    {"v=spf1 a:1.2.3.4", "not a domain name"},
	    {"v=spf1 a:example.com-", "not a domain name"},
	    {"v=spf1 a:%{d}.", "not a domain name"},
	    {"v=spf1 include", "expected ':'"},
	    {"v=spf1 exists:", "an empty domain"},
	    {"v=spf1 ptr/24", "expected ':'"},
	    {"v=spf1 redirect=a.example redirect=b.example", "only once"},
	    {"v=spf1 exp=a.example exp=b.example", "only once"},
	    {"v=spf1 exists:%{i}.%(ir).example.org", "not followed by"},
	    {"v=spf1 a:%{x}.example.org", "unknown macro letter"},
	    {"v=spf1 a:%{d0}.example.org", "0 parts"},
	    {"v=spf1 a:%{c}.example.org", "allowed only in explanation"},
	    {"v=spf1 a:%{d", "unterminated"},
	    {"v=spf1 moo=%", "at the end"},
	    {"v=spf1 a:example.org\t-all", "byte 0x09"},
	    {"v=spf1 a:ex\xc3\xa4mple.org", "byte 0xc3"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i][0], &r, &error, p) == 0)
			fail_msg("\"%s\" accepted", bad[i][0]);
		if (strstr(error, bad[i][1]) == NULL)
			fail_msg("\"%s\": \"%s\" does not say \"%s\"", bad[i][0], error, bad[i][1]);
	}
	assert_false(spfc_record_is_spf("v=spf10 -all", 12));
	assert_false(spfc_record_is_spf("v=spf1-all", 10));
	assert_true(spfc_record_is_spf("v=spf1", 6));
	pool_destroy(&p);
}

static const char *ptr_name(void *arg)
{
	return arg;
}

/* RFC 7208 §7.4's sender, client and PTR name. */
static struct spfc_macro_env env4(void)
{
	return (struct spfc_macro_env){
	    .sender = "strong-bad@email.example.com",
	    .local = "strong-bad",
	    .sender_domain = "email.example.com",
	    .domain = "email.example.com",
	    .helo = "mx.example.org",
	    .receiver = "mx.example.net",
	    .ip_dots = "192.0.2.3",
	    .ip_text = "192.0.2.3",
	    .now = 1700000000,
	    .ptr_name = ptr_name,
	    .arg = "mx.example.org",
	};
}

static const char *expand(struct spfc_macro_env *env, const char *s, enum spfc_macro_mode mode)
{
	static char out[512];
	const char *error = NULL;
	struct buf b;

	buf_init(&b);
	if (spfc_macro_expand(s, strlen(s), mode, env, &b, &error) < 0)
		snprintf(out, sizeof(out), "ERROR: %s", error);
	else
		snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_free(&b);
	return out;
}

static void test_macros_rfc(void **state)
{
	struct spfc_macro_env e = env4();
	static const char *const cases[][2] = {
	    {"%{s}", "strong-bad@email.example.com"},
	    {"%{o}", "email.example.com"},
	    {"%{d}", "email.example.com"},
	    {"%{d4}", "email.example.com"},
	    {"%{d3}", "email.example.com"},
	    {"%{d2}", "example.com"},
	    {"%{d1}", "com"},
	    {"%{dr}", "com.example.email"},
	    {"%{d2r}", "example.email"},
	    {"%{l}", "strong-bad"},
	    {"%{l-}", "strong.bad"},
	    {"%{lr}", "strong-bad"},
	    {"%{lr-}", "bad.strong"},
	    {"%{l1r-}", "strong"},
	    {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
	    {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
	    {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
	    {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
	    {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
	    {"%{p}.%{h}", "mx.example.org.mx.example.org"},
	    {"%%%_%-", "% %20"},
	    {"%{S}", "strong-bad%40email.example.com"},
	    {"%{l+-=}", "strong.bad"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(expand(&e, cases[i][0], SPFC_MACRO_DOMAIN), cases[i][1]);
	assert_true(e.used & SPFC_USED_SENDER);
	assert_true(e.used & SPFC_USED_PTR);

	/* IPv6 (the RFC's 2001:db8::cb01; nibbles in upper case as the suite wants). */
	e.ip_dots = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1";
	e.ipv6 = true;
	assert_string_equal(
	    expand(&e, "%{ir}.%{v}._spf.%{d2}", SPFC_MACRO_DOMAIN),
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf."
	    "example.com");
}

static void test_macros_exp(void **state)
{
	struct spfc_macro_env e = env4();

	e.local = "~jack&jill=up-a_b3.c";
	assert_string_equal(
	    expand(&e, "see http://example.com/why?l=%{L} from %{c} at %{r} %{t}", SPFC_MACRO_EXP),
	    "see http://example.com/why?l=~jack%26jill%3Dup-a_b3.c from 192.0.2.3 "
	    "at mx.example.net 1700000000");
	assert_true(e.used & SPFC_USED_TIME);
	/* c, r, t and spaces belong to explanations only. */
	assert_string_equal(expand(&e, "%{c}", SPFC_MACRO_DOMAIN),
	                    "ERROR: the c, r and t macros are allowed only in explanation (exp=) "
	                    "text");
	assert_string_equal(expand(&e, "a b", SPFC_MACRO_DOMAIN),
	                    "ERROR: a character not allowed in a macro-string");
	assert_int_equal(spfc_macro_check("%{d}.%{i}", 9, SPFC_MACRO_DOMAIN, &(const char *){0}),
	                 0);
	/* A digit count larger than the parts keeps them all. */
	assert_string_equal(expand(&e, "%{d99999999999}", SPFC_MACRO_DOMAIN), "email.example.com");
}

static void test_received_spf(void **state)
{
	struct pool *p = pool_create();
	struct spfc_outcome o = {
	    .result = SPFC_FAIL,
	    .identity = "mailfrom",
	    .domain = "example.net",
	    .sender = "a\"b(c)@example.net",
	    .mechanism = "-all",
	};
	struct spfc_header_info hi = {"mx.test.example", "192.0.2.1", "a\"b(c)@example.net",
	                              "mail.example.net"};
	const char *v = spfc_received_spf(p, &o, &hi);

	assert_string_equal(v, "fail (mx.test.example: domain of a\"b?c?@example.net does not\n"
	                       "\tdesignate 192.0.2.1 as permitted sender) client-ip=192.0.2.1;\n"
	                       "\tenvelope-from=\"a\\\"b(c)@example.net\"; helo=mail.example.net;\n"
	                       "\treceiver=mx.test.example; identity=mailfrom; mechanism=-all;");
	o.result = SPFC_PERMERROR;
	o.mechanism = NULL;
	o.problem = "example.net: \"moo\": unknown mechanism";
	v = spfc_received_spf(p, &o, &hi);
	assert_non_null(strstr(v, "problem=\"example.net: \\\"moo\\\": unknown mechanism\";"));
	assert_non_null(strstr(v, "permerror (mx.test.example: error in processing"));
	pool_destroy(&p);
}

static void outcome(struct spfc_outcome *o, enum spfc_result r, unsigned used)
{
	memset(o, 0, sizeof(*o));
	o->result = r;
	o->identity = "mailfrom";
	o->domain = "example.org";
	o->sender = "a@example.org";
	o->mechanism = "ip4:192.0.2.0/24";
	o->used = used;
}

static void test_cache(void **state)
{
	struct spfc_cache *c = spfc_cache_create(2, 60);
	struct pool *p = pool_create();
	struct spfc_outcome o, got;
	struct ip_addr ip, ip2;

	ip_parse("192.0.2.1", &ip);
	ip_parse("192.0.2.2", &ip2);
	outcome(&o, SPFC_PASS, 0);
	spfc_cache_put(c, &ip, "a@example.org", "helo.example", &o);
	/* Another sender of the same domain gets it (no sender macros used). */
	assert_true(
	    spfc_cache_get(c, &ip, "mailfrom", "EXAMPLE.org", "b@example.org", "x", p, &got));
	assert_int_equal(got.result, SPFC_PASS);
	assert_string_equal(got.mechanism, "ip4:192.0.2.0/24");
	assert_null(got.explanation);
	assert_false(spfc_cache_get(c, &ip2, "mailfrom", "example.org", "a@example.org",
	                            "helo.example", p, &got));
	assert_false(spfc_cache_get(c, &ip, "helo", "example.org", "a@example.org", "helo.example",
	                            p, &got));

	/* A result that used %{l} or %{h} is only for the same sender and HELO. */
	outcome(&o, SPFC_FAIL, SPFC_USED_SENDER);
	o.domain = "macro.example";
	o.explanation = "not for a";
	spfc_cache_put(c, &ip, "a@macro.example", "helo.example", &o);
	assert_true(spfc_cache_get(c, &ip, "mailfrom", "macro.example", "a@macro.example",
	                           "helo.example", p, &got));
	assert_string_equal(got.explanation, "not for a");
	assert_false(spfc_cache_get(c, &ip, "mailfrom", "macro.example", "b@macro.example",
	                            "helo.example", p, &got));

	/* Temperrors are not kept; the oldest entry goes when full (2 here). */
	outcome(&o, SPFC_TEMPERROR, 0);
	o.domain = "temp.example";
	spfc_cache_put(c, &ip, "a@temp.example", "h", &o);
	assert_false(
	    spfc_cache_get(c, &ip, "mailfrom", "temp.example", "a@temp.example", "h", p, &got));
	outcome(&o, SPFC_NONE, 0);
	o.domain = "third.example";
	spfc_cache_put(c, &ip, "a@third.example", "h", &o);
	assert_false(
	    spfc_cache_get(c, &ip, "mailfrom", "example.org", "a@example.org", "h", p, &got));
	assert_true(
	    spfc_cache_get(c, &ip, "mailfrom", "third.example", "z@third.example", "h", p, &got));
	spfc_cache_free(&c);

	/* Entries expire. */
	c = spfc_cache_create(10, 1);
	outcome(&o, SPFC_PASS, 0);
	spfc_cache_put(c, &ip, "a@example.org", "h", &o);
	assert_true(
	    spfc_cache_get(c, &ip, "mailfrom", "example.org", "a@example.org", "h", p, &got));
	sleep(2);
	assert_false(
	    spfc_cache_get(c, &ip, "mailfrom", "example.org", "a@example.org", "h", p, &got));
	spfc_cache_free(&c);
	pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_valid), cmocka_unit_test(test_record_invalid),
	    cmocka_unit_test(test_macros_rfc),   cmocka_unit_test(test_macros_exp),
	    cmocka_unit_test(test_received_spf), cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of lib/dnswire.c, lib/dnscache.c and the parts of lib/dns.c
 * that need no server: rdata parsers on wire-format bytes as libunbound
 * hands them out (TXT with several and empty strings, truncated rdata, MX,
 * PTR, names with escapes and odd bytes), name checks, the answer cache,
 * Nameservers parsing, reverse names, and the resolver in a snapshot.
 */
#include "cmtest.h"

#include <arpa/inet.h>

#include "../../lib/dns.h"
#include "../../lib/dnscache.h"
#include "../../lib/dnswire.h"
#include "../../milter/snapshot.h"

static struct pool *pool;

static int setup(void **state)
{
	pool = pool_create();
	return pool == NULL;
}

static int teardown(void **state)
{
	pool_destroy(&pool);
	return 0;
}

/* Parse rdata items (given as byte strings with lengths) of one type. */
static enum dns_status parse(enum dns_type type, struct dns_result *r, size_t n,
                             const struct dns_rdata *rd)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	return dns_rdata_parse(r, rd, n, pool);
}

#define RD(s)                                                                                      \
	{                                                                                          \
		(const unsigned char *)(s), sizeof(s) - 1                                          \
	}

static void test_txt_strings(void **state)
{
	/* "v=spf1 " "ip4:192.0.2.0/24" "" " -all": joined with nothing between */
	static const struct dns_rdata rd[] = {
	    RD("\x07v=spf1 \x10ip4:192.0.2.0/24\x00\x05 -all"), RD("\x00"), /* one empty string */
	    RD("\x03"
	       "a\0b"), /* a NUL inside */
	};
	struct dns_result r;

	assert_int_equal(parse(DNS_TXT, &r, 3, rd), DNS_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.n_bad, 0);
	assert_string_equal(r.txt[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
	assert_int_equal(r.txt[0].len, 28);
	assert_int_equal(r.txt[0].n_parts, 4);
	assert_string_equal(r.txt[0].parts[0].s, "v=spf1 ");
	assert_string_equal(r.txt[0].parts[1].s, "ip4:192.0.2.0/24");
	assert_int_equal(r.txt[0].parts[2].len, 0);
	assert_string_equal(r.txt[0].parts[2].s, "");
	assert_string_equal(r.txt[0].parts[3].s, " -all");
	assert_int_equal(r.txt[1].len, 0);
	assert_int_equal(r.txt[1].n_parts, 1);
	assert_string_equal(r.txt[1].text, "");
	assert_int_equal(r.txt[2].len, 3);
	assert_memory_equal(r.txt[2].text, "a\0b", 4);
}

static void test_txt_truncated(void **state)
{
	static const struct dns_rdata rd[] = {
	    RD("\x05"
	       "abc"), /* string runs past the rdata */
	    RD("\x02"
	       "ab\x03x"), /* second string truncated */
	    {NULL, 0},     /* no string at all */
	    RD("\x02ok"),
	};
	struct dns_result r;

	assert_int_equal(parse(DNS_TXT, &r, 4, rd), DNS_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.n_bad, 3);
	assert_string_equal(r.txt[0].text, "ok");
	/* Nothing usable at all: BADDATA, with a reason. */
	assert_int_equal(parse(DNS_TXT, &r, 1, rd), DNS_BADDATA);
	assert_int_equal(r.n, 0);
	assert_non_null(strstr(r.error, "malformed"));
}

static void test_address(void **state)
{
	static const struct dns_rdata a[] = {RD("\xc0\x00\x02\x01"), RD("\x7f\x00\x00")};
	static const struct dns_rdata aaaa[] = {
	    RD("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x25")};
	struct dns_result r;
	char buf[IP_STRLEN];

	assert_int_equal(parse(DNS_A, &r, 2, a), DNS_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.n_bad, 1); /* three bytes is no address */
	assert_string_equal(ip_format(&r.addr[0], buf), "192.0.2.1");
	assert_int_equal(parse(DNS_AAAA, &r, 1, aaaa), DNS_OK);
	assert_string_equal(ip_format(&r.addr[0], buf), "2001:db8::25");
	assert_int_equal(parse(DNS_AAAA, &r, 1, a), DNS_BADDATA);
}

static void test_mx(void **state)
{
	static const struct dns_rdata rd[] = {
	    RD("\x00\x0a\x02mx\x04test\x07"
	       "example\x00"),
	    RD("\x00\x00\x00"),               /* null MX (RFC 7505) */
	    RD("\x00\x14\x02mx\xc0\x0c"),     /* compression pointer */
	    RD("\x00\x14\x02mx\x04test"),     /* no root label */
	    RD("\x00\x14\x02mx\x00trailing"), /* bytes after the name */
	    RD("\x00"),                       /* too short */
	};
	struct dns_result r;

	assert_int_equal(parse(DNS_MX, &r, 6, rd), DNS_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.n_bad, 4);
	assert_int_equal(r.mx[0].preference, 10);
	assert_string_equal(r.mx[0].exchange, "mx.test.example");
	assert_int_equal(r.mx[1].preference, 0);
	assert_string_equal(r.mx[1].exchange, ".");
}

static void test_ptr_odd_names(void **state)
{
	static const struct dns_rdata rd[] = {
	    RD("\x04mail\x07"
	       "example\x03net\x00"),
	    RD("\x03"
	       "a.b\x02"
	       "c\\\x00"),                      /* a dot and a backslash in labels */
	    RD("\x04sp c\x03\x01\xff\x7f\x00"), /* space, control and high bytes */
	    RD("\x41"
	       "aaaa"), /* label type 01 (extended) */
	};
	struct dns_result r;

	assert_int_equal(parse(DNS_PTR, &r, 4, rd), DNS_OK);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.n_bad, 1);
	assert_string_equal(r.names[0], "mail.example.net");
	assert_string_equal(r.names[1], "a\\.b.c\\\\");
	assert_string_equal(r.names[2], "sp\\032c.\\001\\255\\127");
}

static void test_name_limits(void **state)
{
	static const unsigned char long_label[] =
	    "\x3f" /* 63 */
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	unsigned char wire[300];
	char out[DNS_NAME_BUF];
	size_t w = 0;
	int i;

	/* 4 labels of 63 bytes: 257 bytes of wire form, over the limit of 255. */
	for (i = 0; i < 4; i++) {
		memcpy(wire + w, long_label, 64);
		w += 64;
	}
	wire[w++] = 0;
	assert_int_equal(dns_name_to_text(wire, w, 0, out, sizeof(out)), -1);
	/* 3 of them plus one of 61: 255 bytes, the most there can be. */
	wire[192] = 61;
	memset(wire + 193, 'b', 61);
	wire[254] = 0;
	assert_int_equal(dns_name_to_text(wire, 255, 0, out, sizeof(out)), 255);
	assert_int_equal(strlen(out), 253);
	/* A buffer too small says so instead of overflowing. */
	assert_int_equal(dns_name_to_text(wire, 255, 0, out, 100), -1);
}

static void test_name_from_text(void **state)
{
	unsigned char wire[DNS_WIRE_MAX];
	char text[DNS_NAME_BUF], name[300];
	const char *error = NULL;
	int len;

	len = dns_name_from_text("Example.ORG.", wire, &error);
	assert_int_equal(len, 13);
	assert_memory_equal(wire,
	                    "\x07"
	                    "Example\x03ORG\x00",
	                    13);
	assert_int_equal(dns_name_from_text("example.org", wire, &error), 13);
	/* Escapes, read back the same way. */
	len = dns_name_from_text("a\\.b.c\\\\.\\255x", wire, &error);
	assert_int_equal(len, 11);
	assert_memory_equal(wire,
	                    "\x03"
	                    "a.b\x02"
	                    "c\\\x02\xffx\x00",
	                    11);
	assert_int_equal(dns_name_to_text(wire, (size_t)len, 0, text, sizeof(text)), len);
	assert_string_equal(text, "a\\.b.c\\\\.\\255x");
	/* The form for libunbound escapes everything but letters, digits, - _. */
	dns_name_to_text(wire, (size_t)len, 1, text, sizeof(text));
	assert_string_equal(text, "a\\046b.c\\092.\\255x");

	assert_int_equal(dns_name_from_text("", wire, &error), -1);
	assert_string_equal(error, "an empty name");
	assert_int_equal(dns_name_from_text(".", wire, &error), -1);
	assert_int_equal(dns_name_from_text("a..b", wire, &error), -1);
	assert_non_null(strstr(error, "empty label"));
	assert_int_equal(dns_name_from_text(".example.org", wire, &error), -1);
	assert_int_equal(dns_name_from_text("example.org..", wire, &error), -1);
	assert_int_equal(dns_name_from_text("x\\", wire, &error), -1);
	assert_int_equal(dns_name_from_text("x\\25", wire, &error), -1);
	assert_int_equal(dns_name_from_text("x\\256", wire, &error), -1);
	memset(name, 'a', 64);
	strcpy(name + 64, ".org");
	assert_int_equal(dns_name_from_text(name, wire, &error), -1);
	assert_string_equal(error, "a label longer than 63 bytes");
	strcpy(name + 63, ".org"); /* 63 is fine */
	assert_true(dns_name_from_text(name, wire, &error) > 0);
	/* 253 characters pass, 254 do not (with or without a trailing dot). */
	memset(name, 'a', 253);
	for (len = 63; len < 253; len += 64)
		name[len] = '.';
	name[253] = '\0';
	assert_int_equal(dns_name_from_text(name, wire, &error), 255);
	strcat(name, ".");
	assert_int_equal(dns_name_from_text(name, wire, &error), 255);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(dns_name_from_text(name, wire, &error), -1);
	assert_string_equal(error, "a name longer than 253 characters");
}

static void test_limits(void **state)
{
	struct dns_rdata *rd = calloc(DNS_MAX_RECORDS + 1, sizeof(*rd));
	struct dns_result r;
	size_t i;

	for (i = 0; i <= DNS_MAX_RECORDS; i++)
		rd[i] = (struct dns_rdata){(const unsigned char *)"\x7f\0\0\x02", 4};
	assert_int_equal(parse(DNS_A, &r, DNS_MAX_RECORDS, rd), DNS_OK);
	assert_int_equal(r.n, DNS_MAX_RECORDS);
	assert_int_equal(parse(DNS_A, &r, DNS_MAX_RECORDS + 1, rd), DNS_BADDATA);
	assert_non_null(strstr(r.error, "over the limit"));
	free(rd);
}

static void test_cache(void **state)
{
	static const struct dns_rdata rd[] = {RD("\x02ok")};
	unsigned char wire[DNS_WIRE_MAX], upper[DNS_WIRE_MAX];
	int wlen = dns_name_from_text("example.org", wire, &(const char *){NULL});
	struct dns_cache *c = dns_cache_create(1 << 20);
	struct dns_cached in = {0, false, 300, "alias.example.org", 1, rd}, out;
	char name[32];
	int i;

	dns_name_from_text("EXAMPLE.org", upper, &(const char *){NULL});
	assert_false(dns_cache_get(c, DNS_TXT, wire, (size_t)wlen, 1000, pool, &out));
	dns_cache_put(c, DNS_TXT, wire, (size_t)wlen, 1000, &in);
	assert_true(dns_cache_get(c, DNS_TXT, upper, (size_t)wlen, 1100, pool, &out));
	assert_int_equal(out.ttl, 200); /* what is left of it */
	assert_int_equal(out.n, 1);
	assert_memory_equal(out.rd[0].p, "\x02ok", 3);
	assert_string_equal(out.cname, "alias.example.org");
	assert_false(dns_cache_get(c, DNS_A, wire, (size_t)wlen, 1100, pool, &out));
	assert_false(dns_cache_get(c, DNS_TXT, wire, (size_t)wlen, 1300, pool, &out)); /* expired */
	assert_int_equal(dns_cache_entries(c), 0);
	/* TTL 0: not kept. NXDOMAIN: kept. */
	in.ttl = 0;
	dns_cache_put(c, DNS_TXT, wire, (size_t)wlen, 1000, &in);
	assert_int_equal(dns_cache_entries(c), 0);
	in = (struct dns_cached){3, true, 60, NULL, 0, NULL};
	dns_cache_put(c, DNS_TXT, wire, (size_t)wlen, 1000, &in);
	assert_true(dns_cache_get(c, DNS_TXT, wire, (size_t)wlen, 1000, pool, &out));
	assert_true(out.nxdomain);
	assert_int_equal(out.n, 0);
	dns_cache_free(&c);

	/* Bounded: a small cache keeps the most recent answers only. */
	c = dns_cache_create(4096);
	in = (struct dns_cached){0, false, 300, NULL, 1, rd};
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		wlen = dns_name_from_text(name, wire, &(const char *){NULL});
		dns_cache_put(c, DNS_TXT, wire, (size_t)wlen, 1000, &in);
	}
	assert_true(dns_cache_entries(c) < 200);
	assert_true(dns_cache_get(c, DNS_TXT, wire, (size_t)wlen, 1000, pool, &out));
	wlen = dns_name_from_text("n0.example", wire, &(const char *){NULL});
	assert_false(dns_cache_get(c, DNS_TXT, wire, (size_t)wlen, 1000, pool, &out));
	dns_cache_free(&c);
}

static void test_reverse(void **state)
{
	struct ip_addr ip;
	char buf[DNS_NAME_BUF];

	ip_parse("192.0.2.1", &ip);
	assert_string_equal(dns_reverse_name(&ip, NULL, buf, sizeof(buf)),
	                    "1.2.0.192.in-addr.arpa");
	assert_string_equal(dns_reverse_name(&ip, "zen.example", buf, sizeof(buf)),
	                    "1.2.0.192.zen.example");
	assert_null(dns_reverse_name(&ip, "zen.example", buf, 10));
	ip_parse("2001:db8::25", &ip);
	assert_string_equal(
	    dns_reverse_name(&ip, NULL, buf, sizeof(buf)),
	    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

static void test_nameservers(void **state)
{
	static const char *const good[] = {
	    "127.0.0.1@5353",     "192.0.2.53, 127.0.0.1@5353", "::1",
	    "::1@5353 127.0.0.1", "[2001:db8::53]@53",          "[::1]"};
	static const char *const bad[][2] = {
	    {"ns.example.org", "\"ns.example.org\": expected an IP address"},
	    {"127.0.0.1:53", "a port is given as ADDRESS@PORT"},
	    {"127.0.0.1@0", "\"127.0.0.1@0\": expected a port from 1 to 65535"},
	    {"127.0.0.1@65536", "expected a port from 1 to 65535"},
	    {"127.0.0.1@53x", "expected a port"},
	    {"192.0.2.1, [::1", "\"[::1\": a bracketed IPv6 address"},
	    {"192.0.2.0/24", "expected an IP address"},
	};
	const char *error = NULL;
	struct dns *d;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		d = dns_create(good[i], 2000, pool, &error);
		if (d == NULL)
			fail_msg("%s: %s", good[i], error);
		assert_int_equal(dns_timeout(d), 2000);
		dns_release(&d);
		assert_null(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		assert_null(dns_create(bad[i][0], 2000, pool, &error));
		if (error == NULL || strstr(error, bad[i][1]) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i][0], error, bad[i][1]);
	}
}

/* Refused before any query: no server is asked (the one given is unused). */
static void test_badname_no_query(void **state)
{
	const char *error = NULL;
	struct dns *d = dns_create("127.0.0.1@9", 1000, pool, &error);
	struct dns_result r;
	struct dns_query *q;

	assert_non_null(d);
	assert_int_equal(dns_lookup(d, "a..example", DNS_TXT, pool, &r), DNS_BADNAME);
	assert_string_equal(r.name, "a..example");
	assert_non_null(strstr(r.error, "empty label"));
	assert_int_equal(r.rcode, -1);
	assert_int_equal(dns_lookup(d, "bad\nname..", DNS_A, pool, &r), DNS_BADNAME);
	assert_null(strchr(r.error, '\n')); /* it goes into logs */
	q = dns_start(d, "", DNS_MX, 0, pool);
	assert_int_equal(dns_wait(q, &r), DNS_BADNAME);
	assert_int_equal(dns_wait(q, &r), DNS_BADNAME); /* again: the same */
	dns_cancel(q);                                  /* finished: a no-op */
	assert_int_equal(dns_wait(NULL, &r), DNS_TEMPFAIL);
	dns_release(&d);
}

/* The snapshot owns one resolver; a bad Nameservers is a config error. */
static void test_snapshot(void **state)
{
	struct cm_snapshot *snap;

	snap = snap_load(
	    cmt_tempfile("ClamAV no\nNameservers 127.0.0.1@5353\nDNSTimeout 2\nGreylist no\n"),
	    NULL, 0);
	assert_non_null(snap);
	assert_int_equal(conf_nerrors(snap->conf), 0);
	assert_non_null(snap->dns);
	assert_int_equal(dns_timeout(snap->dns), 2000);
	snap_release(&snap);
	snap = snap_load(cmt_tempfile("ClamAV no\nNameservers ns1.example.org\nGreylist no\n"),
	                 NULL, 0);
	assert_non_null(snap);
	assert_int_equal(conf_nerrors(snap->conf), 1);
	assert_non_null(strstr(conf_errmsg(snap->conf, 0),
	                       ":2: Nameservers: \"ns1.example.org\": expected an IP address"));
	assert_non_null(snap->dns); /* checks' init() still gets one */
	snap_release(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txt_strings),    cmocka_unit_test(test_txt_truncated),
	    cmocka_unit_test(test_address),        cmocka_unit_test(test_mx),
	    cmocka_unit_test(test_ptr_odd_names),  cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_name_from_text), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_cache),          cmocka_unit_test(test_reverse),
	    cmocka_unit_test(test_nameservers),    cmocka_unit_test(test_badname_no_query),
	    cmocka_unit_test(test_snapshot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

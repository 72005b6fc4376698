/*
 * Unit tests of the DKIM module's text handling: the tag=value parser
 * (RFC 6376 §3.2) with each of its errors, h= lists, the From address,
 * wildcards, and canonicalization with RFC 6376 §3.4.6's example, the empty
 * body hashes every DKIM implementation agrees on, and chunking.
 */
#include "cmtest.h"

#include "../../dkim/canon.h"
#include "../../dkim/parse.h"

/* ---- tags ---- */

static void tags_ok(const char *s, size_t n)
{
	struct dkimc_tags t;
	const char *error = NULL;

	if (dkimc_tags_parse(s, strlen(s), &t, &error) < 0)
		fail_msg("\"%s\": %s", s, error);
	assert_int_equal(t.n, n);
}

static void tags_error(const char *s, const char *expected)
{
	struct dkimc_tags t;
	const char *error = NULL;

	assert_int_equal(dkimc_tags_parse(s, strlen(s), &t, &error), -1);
	assert_string_equal(error, expected);
}

static void value_is(const struct dkimc_tags *t, const char *name, const char *expected)
{
	const struct dkimc_tag *tag = dkimc_tags_get(t, name);

	assert_non_null(tag);
	assert_int_equal(tag->value_len, strlen(expected));
	assert_memory_equal(tag->value, expected, tag->value_len);
}

static void test_tags(void **state)
{
	const char *sig = " v=1; a=rsa-sha256; c=relaxed/simple;\r\n\td=example.net; "
	                  "s=brisbane;\r\n\th=from : to\r\n\t:subject; bh = MTIz\r\n\tNDU=;\r\n\t"
	                  "b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR";
	struct dkimc_tags t;
	const char *error;

	assert_int_equal(dkimc_tags_parse(sig, strlen(sig), &t, &error), 0);
	assert_int_equal(t.n, 8);
	value_is(&t, "v", "1");
	value_is(&t, "c", "relaxed/simple");
	value_is(&t, "d", "example.net");
	/* Values keep what is inside them (folds too), lose what is around. */
	value_is(&t, "h", "from : to\r\n\t:subject");
	value_is(&t, "bh", "MTIz\r\n\tNDU=");
	assert_null(dkimc_tags_get(&t, "x"));
	/* Key records; a trailing ';' and empty values are fine. */
	tags_ok("v=DKIM1; k=rsa; p=", 3);
	tags_ok("k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=;", 2);
	tags_ok("v=DKIM1;  ", 1);
	tags_ok("a_1=x", 1);
}

static void test_tag_errors(void **state)
{
	char many[1024];
	size_t i, n = 0;

	tags_error("", "empty tag (two ';' in a row)");
	tags_error("v=1;; a=b", "empty tag (two ';' in a row)");
	tags_error("1v=1", "a tag name must start with a letter");
	tags_error("v=1; a b=c", "a tag has no '='");
	tags_error("v", "a tag has no '='");
	tags_error("v=\x01", "a tag value holds a byte that is not allowed (control or 8-bit)");
	tags_error("p=\xc3\xa9", "a tag value holds a byte that is not allowed (control or 8-bit)");
	tags_error("v=1; d=a; d=b", "a tag appears twice");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "t%zu=x;", i);
	tags_error(many, "more than 64 tags");
}

static void test_list(void **state)
{
	const char *h = " From : To:\r\n\tSubject::date ";
	const char *want[] = {"From", "To", "Subject", "", "date"};
	const char *item;
	size_t pos = 0, len, n = 0;

	while (dkimc_list_next(h, strlen(h), ':', &pos, &item, &len)) {
		assert_true(n < 5);
		assert_int_equal(len, strlen(want[n]));
		assert_memory_equal(item, want[n], len);
		n++;
	}
	assert_int_equal(n, 5);
	pos = 0;
	assert_false(dkimc_list_next("  ", 2, ':', &pos, &item, &len));
}

/* ---- the From address ---- */

static void from_is(const char *value, const char *addr, const char *domain)
{
	char buf[256];
	const char *d = NULL;

	if (!dkimc_from_address(value, buf, sizeof(buf), &d))
		fail_msg("no address in \"%s\"", value);
	assert_string_equal(buf, addr);
	assert_string_equal(d, domain);
}

static void from_none(const char *value)
{
	char buf[256];
	const char *d;

	assert_false(dkimc_from_address(value, buf, sizeof(buf), &d));
}

static void test_from(void **state)
{
	from_is(" Alice Example <alice@Example.ORG>", "alice@example.org", "example.org");
	from_is(" alice@example.org", "alice@example.org", "example.org");
	from_is(" alice@example.org (Alice)", "alice@example.org", "example.org");
	from_is(" \"Example, Alice <boss@evil.example>\" <alice@example.org>", "alice@example.org",
	        "example.org");
	from_is(" (comment <x@evil.example>) Alice <alice@example.org>", "alice@example.org",
	        "example.org");
	from_is(" a@example.org, b@example.net", "a@example.org", "example.org");
	from_is(" Friends: a@example.org, b@example.net;", "a@example.org", "example.org");
	from_is(" <\"odd local\"@example.org>", "\"odd local\"@example.org", "example.org");
	from_is(" <@relay.example:alice@example.org>", "@relay.example:alice@example.org",
	        "example.org");
	from_is(" alice@example.org.", "alice@example.org", "example.org");
	from_is(" Alice\r\n\t<alice@example.org>", "alice@example.org", "example.org");
	from_none("");
	from_none(" Alice");
	from_none(" <>");
	from_none(" undisclosed-recipients:;");
	from_none(" alice@");
	from_none(" alice@[192.0.2.1]");
	from_none(" alice@exa/mple.org");
}

static void test_glob(void **state)
{
	assert_true(dkimc_glob("*@example.org", "alice@example.org"));
	assert_true(dkimc_glob("*@EXAMPLE.org", "alice@example.ORG"));
	assert_false(dkimc_glob("*@example.org", "alice@example.org.evil"));
	assert_false(dkimc_glob("*@example.org", "alice@sub.example.org"));
	assert_true(dkimc_glob("*@*.example.org", "alice@sub.example.org"));
	assert_true(dkimc_glob("*", ""));
	assert_true(dkimc_glob("a*b*c", "aXXbYYbZZc"));
	assert_false(dkimc_glob("a*b*c", "aXXbYYbZZ"));
	assert_true(dkimc_glob("alice@example.org", "alice@example.org"));
	assert_false(dkimc_glob("alice@example.org", "bob@example.org"));
}

static void test_domain_valid(void **state)
{
	assert_true(dkimc_domain_valid("example.org"));
	assert_true(dkimc_domain_valid("sel_2024.sub-1.example"));
	assert_false(dkimc_domain_valid(""));
	assert_false(dkimc_domain_valid("example..org"));
	assert_false(dkimc_domain_valid(".example.org"));
	assert_false(dkimc_domain_valid("example.org."));
	assert_false(dkimc_domain_valid("exa mple.org"));
	assert_false(dkimc_domain_valid("a/b"));
	assert_false(dkimc_domain_valid(
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.org"));
}

/* ---- canonicalization ---- */

static const char *header_canon(enum dkimc_canon c, const char *name, const char *value)
{
	static char out[512];
	struct buf b;

	buf_init(&b);
	dkimc_canon_header(c, name, value, &b);
	snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_free(&b);
	return out;
}

static void test_header_canon_rfc6376(void **state)
{
	/* RFC 6376 §3.4.6: "A: X" and "B : Y<TAB><CRLF><SP>Z  ". */
	assert_string_equal(header_canon(DKIMC_RELAXED, "A", " X"), "a:X\r\n");
	assert_string_equal(header_canon(DKIMC_RELAXED, "B ", " Y\t\r\n\tZ  "), "b:Y Z\r\n");
	assert_string_equal(header_canon(DKIMC_SIMPLE, "A", " X"), "A: X\r\n");
	assert_string_equal(header_canon(DKIMC_SIMPLE, "B ", " Y\t\r\n\tZ  "),
	                    "B : Y\t\r\n\tZ  \r\n");
	/* Relaxed: an empty value, white space only, inner runs. */
	assert_string_equal(header_canon(DKIMC_RELAXED, "X-Empty", ""), "x-empty:\r\n");
	assert_string_equal(header_canon(DKIMC_RELAXED, "X-Blank", " \t "), "x-blank:\r\n");
	assert_string_equal(header_canon(DKIMC_RELAXED, "Subject", "  a \t\t b\r\n c "),
	                    "subject:a b c\r\n");
}

/* base64 of SHA-256 of text: what a body's bh= must be. */
static const char *b64sha(const char *text, size_t len, struct pool *p)
{
	struct dkimc_hash *h = dkimc_hash_new();
	unsigned char d[DKIMC_SHA256_LEN];

	assert_non_null(h);
	dkimc_hash_update(h, text, len);
	assert_int_equal(dkimc_hash_final(h, d), 0);
	dkimc_hash_free(&h);
	return dkimc_base64(d, sizeof(d), p);
}

/* The body hash of data fed in chunks of `step` bytes (0: all at once). */
static const char *body_hash(enum dkimc_canon c, const char *data, size_t step, struct pool *p,
                             size_t *length_r)
{
	struct dkimc_body b;
	struct dkimc_hash *h = dkimc_hash_new();
	unsigned char d[DKIMC_SHA256_LEN];
	size_t len = strlen(data), off;

	dkimc_body_init(&b, c, h);
	if (step == 0)
		dkimc_body_update(&b, (const unsigned char *)data, len);
	else
		for (off = 0; off < len; off += step)
			dkimc_body_update(&b, (const unsigned char *)data + off,
			                  len - off < step ? len - off : step);
	assert_int_equal(dkimc_body_final(&b, d), 0);
	if (length_r != NULL)
		*length_r = b.length;
	dkimc_hash_free(&h);
	return dkimc_base64(d, sizeof(d), p);
}

static void body_is(enum dkimc_canon c, const char *data, const char *canonical)
{
	struct pool *p = pool_create();
	const char *want = b64sha(canonical, strlen(canonical), p);
	size_t step, length;

	for (step = 0; step <= 3; step++) {
		const char *got = body_hash(c, data, step, p, &length);

		if (strcmp(got, want) != 0)
			fail_msg("%s body \"%s\" in chunks of %zu: canonical form is not \"%s\"",
			         c == DKIMC_RELAXED ? "relaxed" : "simple", data, step, canonical);
		assert_int_equal(length, strlen(canonical));
	}
	pool_destroy(&p);
}

static void test_body_canon_rfc6376(void **state)
{
	/* RFC 6376 §3.4.6's body. */
	body_is(DKIMC_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
	body_is(DKIMC_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
}

static void test_body_canon_edges(void **state)
{
	struct pool *p = pool_create();

	/* Empty bodies: the hashes every implementation agrees on. */
	assert_string_equal(body_hash(DKIMC_SIMPLE, "", 0, p, NULL),
	                    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	assert_string_equal(body_hash(DKIMC_RELAXED, "", 0, p, NULL),
	                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	pool_destroy(&p);
	body_is(DKIMC_SIMPLE, "\r\n\r\n", "\r\n");
	body_is(DKIMC_RELAXED, "\r\n \t\r\n", "");
	/* A last line without CRLF gets one. */
	body_is(DKIMC_SIMPLE, "Hi.", "Hi.\r\n");
	body_is(DKIMC_RELAXED, "Hi. \t", "Hi.\r\n");
	/* Bare LF ends a line (the MTA sends it as CRLF); a lone CR is data. */
	body_is(DKIMC_SIMPLE, "a\nb\n\n", "a\r\nb\r\n");
	body_is(DKIMC_SIMPLE, "a\rb\r\n", "a\rb\r\n");
	body_is(DKIMC_SIMPLE, "a\r", "a\r\r\n");
	body_is(DKIMC_RELAXED, "a \r b\r\r\n", "a \r b\r\r\n");
	/* Relaxed keeps one space for leading white space, drops empty lines
	 * only at the end. */
	body_is(DKIMC_RELAXED, "\t x\r\n\r\n \r\ny\r\n \r\n", " x\r\n\r\n\r\ny\r\n");
	body_is(DKIMC_SIMPLE, "x\r\n \r\n", "x\r\n \r\n");
}

static void test_body_canon_long(void **state)
{
	/* Longer than the canonicalizer's buffer, with runs to collapse. */
	static char body[20000], canon[20000];
	size_t i, n = 0, m = 0;

	for (i = 0; n + 40 < sizeof(body); i++) {
		n += (size_t)snprintf(body + n, sizeof(body) - n, "line %zu  with\t\tspace  \r\n",
		                      i);
		m += (size_t)snprintf(canon + m, sizeof(canon) - m, "line %zu with space\r\n", i);
	}
	body_is(DKIMC_RELAXED, body, canon);
	body_is(DKIMC_SIMPLE, body, body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_tag_errors),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_from),
	    cmocka_unit_test(test_glob),
	    cmocka_unit_test(test_domain_valid),
	    cmocka_unit_test(test_header_canon_rfc6376),
	    cmocka_unit_test(test_body_canon_rfc6376),
	    cmocka_unit_test(test_body_canon_edges),
	    cmocka_unit_test(test_body_canon_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

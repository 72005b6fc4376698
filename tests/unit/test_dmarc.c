/*
 * Unit tests of dmarc/: the Public Suffix List against Debian's own test
 * file, punycode, policy records, author domains from From fields, and the
 * RFC 7489 evaluation (alignment, p/sp, pct) with the SPF and DKIM results
 * filled in directly, as the SPF and DKIM checks fill struct cm_auth.
 */
#include "cmtest.h"

#include "../../dmarc/from.h"
#include "../../dmarc/policy.h"
#include "../../dmarc/psl.h"
#include "../../dmarc/record.h"

#define PSL_FILE  "/usr/share/publicsuffix/public_suffix_list.dat"
#define PSL_TESTS "/usr/share/doc/publicsuffix/examples/test_psl.txt"

static struct dmarcc_psl *psl;

static int setup(void **state)
{
	struct pool *p = pool_create();
	const char *error = NULL;

	psl = dmarcc_psl_load(PSL_FILE, p, &error);
	if (psl == NULL)
		fprintf(stderr, "%s\n", error);
	pool_destroy(&p);
	return psl == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	dmarcc_psl_free(&psl);
	return 0;
}

static const char *org(const char *domain)
{
	static char out[DMARCC_DOMAIN_MAX + 1];
	char norm[DMARCC_DOMAIN_MAX + 1];

	assert_true(dmarcc_domain_normal(domain, norm));
	dmarcc_psl_org_domain(psl, norm, out);
	return out;
}

/* One quoted argument of checkPublicSuffix('...', '...'), or NULL for null. */
static const char *arg(const char **s, char *buf, size_t size)
{
	const char *q;
	size_t n;

	while (**s == ' ' || **s == ',' || **s == '(')
		(*s)++;
	if (strncmp(*s, "null", 4) == 0) {
		*s += 4;
		return NULL;
	}
	assert_int_equal(**s, '\'');
	q = strchr(*s + 1, '\'');
	assert_non_null(q);
	n = (size_t)(q - *s - 1);
	assert_true(n < size);
	memcpy(buf, *s + 1, n);
	buf[n] = '\0';
	*s = q + 1;
	return buf;
}

/* Debian's publicsuffix ships the list's own test cases: all must hold. */
static void test_psl_suite(void **state)
{
	FILE *fp = fopen(PSL_TESTS, "r");
	char line[512], in[256], want[256];
	int n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *s = line, *domain, *expect;
		char norm[DMARCC_DOMAIN_MAX + 1], wnorm[DMARCC_DOMAIN_MAX + 1];
		char out[DMARCC_DOMAIN_MAX + 1];
		bool has;

		if (strncmp(line, "checkPublicSuffix(", 18) != 0)
			continue;
		s += 17;
		domain = arg(&s, in, sizeof(in));
		expect = arg(&s, want, sizeof(want));
		n++;
		/* null, a leading dot: not a domain, no registrable part. */
		if (domain == NULL || domain[0] == '.' || !dmarcc_domain_normal(domain, norm)) {
			if (expect != NULL)
				fail_msg("%s: not a domain to us, the list says %s", line, expect);
			continue;
		}
		has = dmarcc_psl_org_domain(psl, norm, out);
		if (expect == NULL) {
			if (has)
				fail_msg("%s: we say %s, the list says it is a public suffix", line,
				         out);
			continue;
		}
		assert_true(dmarcc_domain_normal(expect, wnorm));
		if (!has || strcmp(out, wnorm) != 0)
			fail_msg("%s: we say %s", line, has ? out : "(a public suffix)");
	}
	fclose(fp);
	assert_true(n > 70);
}

static void test_org_domains(void **state)
{
	assert_true(dmarcc_psl_rules(psl) > 5000);
	assert_string_equal(org("mail.Example.COM."), "example.com");
	assert_string_equal(org("a.b.example.co.uk"), "example.co.uk");
	assert_string_equal(org("example.co.uk"), "example.co.uk");
	assert_string_equal(org("co.uk"), "co.uk");
	/* *.kawasaki.jp with the exception !city.kawasaki.jp */
	assert_string_equal(org("a.b.kawasaki.jp"), "a.b.kawasaki.jp");
	assert_string_equal(org("www.city.kawasaki.jp"), "city.kawasaki.jp");
	/* Unknown TLDs fall back to the implicit "*" rule. */
	assert_string_equal(org("mx.example.test"), "example.test");
	/* Unicode rules match their A-label form, and the other way round. */
	assert_string_equal(org("a.b.\xe9\xa3\x9f\xe7\x8b\xae.\xe4\xb8\xad\xe5\x9b\xbd"),
	                    "xn--85x722f.xn--fiqs8s");
	assert_string_equal(org("mail.xn--85x722f.xn--fiqs8s"), "xn--85x722f.xn--fiqs8s");
}

static void test_domain_normal(void **state)
{
	char out[DMARCC_DOMAIN_MAX + 1];

	assert_true(dmarcc_domain_normal("B\xc3\xbc"
	                                 "cher.example",
	                                 out));
	assert_string_equal(out, "xn--bcher-kva.example");
	assert_true(dmarcc_domain_normal("_dmarc.Example.org.", out));
	assert_string_equal(out, "_dmarc.example.org");
	assert_false(dmarcc_domain_normal("", out));
	assert_false(dmarcc_domain_normal("a..b", out));
	assert_false(dmarcc_domain_normal("exa mple.org", out));
	assert_false(dmarcc_domain_normal("[192.0.2.1]", out));
	assert_false(dmarcc_domain_normal("bad\xff.org", out));
	assert_false(dmarcc_domain_normal(
	    "a234567890123456789012345678901234567890123456789012345678901234.org", out));
}

static void test_records(void **state)
{
	struct dmarcc_record r;
	const char *error = NULL;
	const char *rec;

	assert_true(dmarcc_record_is_dmarc("v=DMARC1; p=none", 16));
	assert_true(dmarcc_record_is_dmarc(" v = DMARC1 ;p=none", 19));
	assert_false(dmarcc_record_is_dmarc("v=dmarc1; p=none", 16)); /* §6.3: exactly */
	assert_false(dmarcc_record_is_dmarc("p=none; v=DMARC1", 16)); /* v comes first */
	assert_false(dmarcc_record_is_dmarc("v=DMARC10; p=none", 17));
	assert_false(dmarcc_record_is_dmarc("v=spf1 -all", 11));

	rec =
	    "v=DMARC1; p=Reject; sp=quarantine; adkim=s; aspf=r; pct=25; rua=mailto:d@example.org";
	assert_int_equal(dmarcc_record_parse(rec, strlen(rec), &r, &error), 0);
	assert_int_equal(r.p, DMARCC_P_REJECT);
	assert_int_equal(r.sp, DMARCC_P_QUARANTINE);
	assert_true(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_int_equal(r.pct, 25);
	assert_true(r.rua);

	rec = "v=DMARC1; p=quarantine; pct=250; adkim=x; unknown=tag;";
	assert_int_equal(dmarcc_record_parse(rec, strlen(rec), &r, &error), 0);
	assert_int_equal(r.p, DMARCC_P_QUARANTINE);
	assert_int_equal(r.sp, DMARCC_P_UNSET);
	assert_int_equal(r.pct, 100);
	assert_false(r.adkim_strict);

	/* No valid p: p=none if there is a rua (§6.6.3), else no policy at all. */
	rec = "v=DMARC1; p=block; rua=mailto:d@example.org";
	assert_int_equal(dmarcc_record_parse(rec, strlen(rec), &r, &error), 0);
	assert_int_equal(r.p, DMARCC_P_NONE);
	rec = "v=DMARC1; p=block";
	assert_int_equal(dmarcc_record_parse(rec, strlen(rec), &r, &error), -1);
	assert_non_null(strstr(error, "p="));
	rec = "v=DMARC1; sp=reject";
	assert_int_equal(dmarcc_record_parse(rec, strlen(rec), &r, &error), -1);
}

static void authors(const char *const *values, size_t n, struct dmarcc_authors *au)
{
	size_t i;

	memset(au, 0, sizeof(*au));
	for (i = 0; i < n; i++) {
		au->n_fields++;
		dmarcc_from_parse(values[i], au);
	}
}

static void test_from(void **state)
{
	struct dmarcc_authors au;
	const char *v[2];

	v[0] = " \"Doe, John (CEO)\" <John.Doe@Example.ORG>";
	authors(v, 1, &au);
	assert_int_equal(au.n_addresses, 1);
	assert_int_equal(au.n, 1);
	assert_string_equal(au.domain[0], "example.org");

	/* The display name may look like an address: the angle address counts. */
	v[0] = " paypal.com@example.org (Service) <x@evil.example>";
	authors(v, 1, &au);
	assert_int_equal(au.n, 1);
	assert_string_equal(au.domain[0], "evil.example");

	/* Several mailboxes, a group, folding, a quoted '@' and a comment. */
	v[0] = " a@one.example,\r\n\tTeam: \"b@x\"@two.example, c@One.Example;, d@three.example "
	       "(c@four.example)";
	authors(v, 1, &au);
	assert_int_equal(au.n_addresses, 4);
	assert_int_equal(au.n_no_domain, 0);
	assert_int_equal(au.n, 3);
	assert_string_equal(au.domain[0], "one.example");
	assert_string_equal(au.domain[1], "two.example");
	assert_string_equal(au.domain[2], "three.example");

	/* Two From fields, an address literal, no address at all. */
	v[0] = " a@one.example";
	v[1] = " b@two.example";
	authors(v, 2, &au);
	assert_int_equal(au.n_fields, 2);
	assert_int_equal(au.n, 2);
	v[0] = " user@[192.0.2.1]";
	authors(v, 1, &au);
	assert_int_equal(au.n_no_domain, 1);
	assert_int_equal(au.n, 0);
	v[0] = " Undisclosed:;";
	authors(v, 1, &au);
	assert_int_equal(au.n_addresses, 0);
	v[0] = " just a name";
	authors(v, 1, &au);
	assert_int_equal(au.n_no_domain, 1);
}

/* A policy as discovery would have found it. */
static struct dmarcc_found found(const char *text, const char *where, bool at_org)
{
	struct dmarcc_found f;
	const char *error = NULL;

	memset(&f, 0, sizeof(f));
	f.status = DMARCC_FOUND;
	assert_int_equal(dmarcc_record_parse(text, strlen(text), &f.rec, &error), 0);
	snprintf(f.domain, sizeof(f.domain), "%s", where);
	f.at_org = at_org;
	return f;
}

static void test_alignment(void **state)
{
	struct dmarcc_found f = found("v=DMARC1; p=reject", "example.org", false);
	const char *dkim_sub[] = {"Mail.Example.ORG"};
	const char *dkim_other[] = {"example.net", "esp.example"};
	struct dmarcc_auth_in in = {0};
	struct dmarcc_verdict v;

	/* Aligned DKIM alone passes: relaxed, a subdomain's signature counts. */
	in.dkim_domains = dkim_sub;
	in.n_dkim = 1;
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_PASS);
	assert_true(v.dkim_aligned);
	assert_false(v.spf_aligned);
	assert_int_equal(v.published, DMARCC_P_REJECT);

	/* Signatures of other domains do not. */
	in.dkim_domains = dkim_other;
	in.n_dkim = 2;
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_FAIL);
	assert_int_equal(v.applied, DMARCC_P_REJECT);

	/* SPF must pass and align; a fail for the same domain does not count. */
	in.n_dkim = 0;
	in.spf_result = "pass";
	in.spf_domain = "bounces.example.org";
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_PASS);
	assert_true(v.spf_aligned);
	in.spf_result = "softfail";
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_FAIL);

	/* Strict alignment wants the same name. */
	f = found("v=DMARC1; p=quarantine; aspf=s; adkim=s", "example.org", false);
	in.spf_result = "pass";
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_FAIL);
	assert_int_equal(v.applied, DMARCC_P_QUARANTINE);
	in.spf_domain = "EXAMPLE.org";
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_PASS);
	in.spf_domain = NULL;
	in.dkim_domains = dkim_sub;
	in.n_dkim = 1;
	dmarcc_evaluate(psl, "example.org", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_FAIL);

	/* Organizational Domains are compared with the PSL: co.uk is not one. */
	f = found("v=DMARC1; p=reject", "example.co.uk", false);
	in = (struct dmarcc_auth_in){"pass", "other.co.uk", NULL, 0};
	dmarcc_evaluate(psl, "example.co.uk", &f, &in, 0, &v);
	assert_int_equal(v.result, DMARCC_FAIL);
}

static void test_policies(void **state)
{
	struct dmarcc_auth_in none = {0};
	struct dmarcc_found f;
	struct dmarcc_verdict v;

	/* Found at the Organizational Domain for a subdomain author: sp applies. */
	f = found("v=DMARC1; p=reject; sp=none", "example.org", true);
	dmarcc_evaluate(psl, "news.example.org", &f, &none, 0, &v);
	assert_int_equal(v.published, DMARCC_P_NONE);
	f.at_org = false;
	dmarcc_evaluate(psl, "example.org", &f, &none, 0, &v);
	assert_int_equal(v.published, DMARCC_P_REJECT);
	f = found("v=DMARC1; p=quarantine", "example.org", true);
	dmarcc_evaluate(psl, "news.example.org", &f, &none, 0, &v);
	assert_int_equal(v.published, DMARCC_P_QUARANTINE);

	/* pct: rolls below it get the policy, the others the next one down. */
	f = found("v=DMARC1; p=reject; pct=30", "example.org", false);
	dmarcc_evaluate(psl, "example.org", &f, &none, 29, &v);
	assert_int_equal(v.applied, DMARCC_P_REJECT);
	dmarcc_evaluate(psl, "example.org", &f, &none, 30, &v);
	assert_int_equal(v.applied, DMARCC_P_QUARANTINE);
	assert_int_equal(v.published, DMARCC_P_REJECT);
	f = found("v=DMARC1; p=quarantine; pct=0", "example.org", false);
	dmarcc_evaluate(psl, "example.org", &f, &none, 0, &v);
	assert_int_equal(v.applied, DMARCC_P_NONE);

	/* No policy, and a DNS failure. */
	f.status = DMARCC_NOT_FOUND;
	dmarcc_evaluate(psl, "example.org", &f, &none, 0, &v);
	assert_int_equal(v.result, DMARCC_NONE);
	f.status = DMARCC_DNS_ERROR;
	dmarcc_evaluate(psl, "example.org", &f, &none, 0, &v);
	assert_int_equal(v.result, DMARCC_TEMPERROR);
	assert_string_equal(dmarcc_result_name(DMARCC_TEMPERROR), "temperror");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_psl_suite),     cmocka_unit_test(test_org_domains),
	    cmocka_unit_test(test_domain_normal), cmocka_unit_test(test_records),
	    cmocka_unit_test(test_from),          cmocka_unit_test(test_alignment),
	    cmocka_unit_test(test_policies),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

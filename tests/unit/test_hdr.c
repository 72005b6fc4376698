/*
 * Unit tests of lib/hdr.c. The folding vectors are what SpamAssassin 4.0.1's
 * own PerMsgStatus::_process_header/Util::wrap produce for the same text;
 * tests/house/sa_fold.sh compares against SA live on random inputs too.
 */
#include "cmtest.h"

#include "../../lib/hdr.h"

static void fold_is(const char *value, const char *expected)
{
	struct buf b;

	buf_init(&b);
	hdr_fold_sa("X-Spam-Status", value, &b);
	assert_false(b.oom);
	assert_string_equal(buf_str(&b), expected);
	buf_free(&b);
}

static void test_fold_short(void **state)
{
	fold_is(
	    "Yes, score=1000.0 required=5.0 tests=GTUBE autolearn=no version=chainmilter-0.1.0",
	    "Yes, score=1000.0 required=5.0 tests=GTUBE autolearn=no\n\tversion=chainmilter-0.1.0");
	fold_is("No, score=0.0 required=5.0 tests=none autolearn=no version=chainmilter-0.1.0",
	        "No, score=0.0 required=5.0 tests=none autolearn=no\n\tversion=chainmilter-0.1.0");
	fold_is("No", "No");
}

static void test_fold_many_tests(void **state)
{
	fold_is(
	    "Yes, score=14.2 required=5.0 tests=BAYES_99,BAYES_999,DKIM_INVALID,"
	    "DMARC_FAIL_REJECT,HTML_MESSAGE,MIME_HTML_ONLY,RCVD_IN_DNSBL,SPF_FAIL,SUBJ_ALL_CAPS,"
	    "URI_NUMERIC_IP autolearn=no version=chainmilter-0.1.0",
	    "Yes, score=14.2 required=5.0 tests=BAYES_99,BAYES_999,\n"
	    "\tDKIM_INVALID,DMARC_FAIL_REJECT,HTML_MESSAGE,MIME_HTML_ONLY,\n"
	    "\tRCVD_IN_DNSBL,SPF_FAIL,SUBJ_ALL_CAPS,URI_NUMERIC_IP autolearn=no\n"
	    "\tversion=chainmilter-0.1.0");
}

static void test_fold_overlong_piece(void **state)
{
	fold_is("Yes, score=7.0 required=5.0 tests=AVERYVERYVERYVERYVERYVERYVERYVERYVERYVERYVERY"
	        "VERYVERYVERYLONGRULENAMEXXXXXXXXXXXXXXXXXXXXXXXX,B autolearn=no version=x",
	        "Yes, score=7.0 required=5.0\n\ttests=AVERYVERYVERYVERYVERYVERYVERYVERYVERYVERYVERY"
	        "VERYVERYVERYLONGRULENAMEXXXXXXXXXXXXXXXXXXXXXXXX,\n\tB autolearn=no version=x");
}

static void test_unfold(void **state)
{
	struct buf b;

	buf_init(&b);
	hdr_unfold(" a\r\n\tb\n c", strlen(" a\r\n\tb\n c"), &b);
	assert_string_equal(buf_str(&b), " a\tb c");
	buf_free(&b);
}

static void test_name_valid(void **state)
{
	assert_true(hdr_name_valid("X-Spam-Status", 13));
	assert_false(hdr_name_valid("Bad:Name", 8));
	assert_false(hdr_name_valid("Bad Name", 8));
	assert_false(hdr_name_valid("", 0));
}

static void test_ar_authserv_id(void **state)
{
	char id[64];

	assert_true(hdr_ar_authserv_id(" mx.example.org; spf=pass", id, sizeof(id)));
	assert_string_equal(id, "mx.example.org");
	assert_true(
	    hdr_ar_authserv_id(" (comment (nested)) mx.example.org 1; none", id, sizeof(id)));
	assert_string_equal(id, "mx.example.org");
	assert_true(hdr_ar_authserv_id("\r\n\tmx.example.org(c); dkim=pass", id, sizeof(id)));
	assert_string_equal(id, "mx.example.org");
	assert_false(hdr_ar_authserv_id(" ; spf=pass", id, sizeof(id)));
	assert_false(hdr_ar_authserv_id(" (unterminated", id, sizeof(id)));
	assert_true(hdr_ar_authserv_id(" averyveryverylongname", id, 5));
	assert_string_equal(id, "aver");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold_short),          cmocka_unit_test(test_fold_many_tests),
	    cmocka_unit_test(test_fold_overlong_piece), cmocka_unit_test(test_unfold),
	    cmocka_unit_test(test_name_valid),          cmocka_unit_test(test_ar_authserv_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

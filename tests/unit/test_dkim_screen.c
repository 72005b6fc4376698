/*
 * Unit tests of the guards in front of libopendkim (dkim/screen.c): which
 * header fields it is given. Signatures past MaximumSignaturesToVerify are
 * left out; a signature whose h= names every field given and then more
 * (libopendkim would write past an array) is refused, also when white space
 * or a tag given twice hides it; so is every signature that is not a valid
 * tag list.
 */
#include "cmtest.h"

#include "../../dkim/screen.h"

#define SIG(h) " v=1; a=rsa-sha256; d=example.org; s=sel; h=" h "; bh=x; b=AbCdEfGhIj"

static void screen(const struct cm_header *h, size_t n, size_t max, struct dkimc_screen *sc,
                   struct pool *p)
{
	assert_int_equal(dkimc_screen(p, h, n, max, sc), 0);
}

static void test_ordinary(void **state)
{
	struct pool *p = pool_create();
	const struct cm_header h[] = {
	    {"DKIM-Signature", SIG("from:to:subject:from"), 1},
	    {"From", " a@example.org", 1},
	    {"To", " b@example.net", 1},
	    {"Subject", " hi", 1},
	};
	struct dkimc_screen sc;

	screen(h, 4, 5, &sc, p);
	assert_true(sc.feed[0] && sc.feed[1] && sc.feed[2] && sc.feed[3]);
	assert_int_equal(sc.n_refused, 0);
	assert_int_equal(sc.n_skipped, 0);
	assert_int_equal(sc.n_fed_sigs, 1);
	assert_int_equal(sc.fed_sigs[0], 0);
	pool_destroy(&p);
}

static void test_overrun(void **state)
{
	struct pool *p = pool_create();
	/* Every field named, then one more entry: refused. */
	struct cm_header h[] = {
	    {"DKIM-Signature", SIG("from:dkim-signature:x"), 1},
	    {"From", " a@example.org", 1},
	};
	struct dkimc_screen sc;

	screen(h, 2, 5, &sc, p);
	assert_false(sc.feed[0]);
	assert_true(sc.feed[1]);
	assert_int_equal(sc.n_refused, 1);
	assert_int_equal(sc.refused[0].result, DKIMC_PERMERROR);
	assert_string_equal(sc.refused[0].reason,
	                    "header list names more fields than the message has");
	assert_string_equal(sc.refused[0].domain, "example.org");
	assert_string_equal(sc.refused[0].selector, "sel");
	assert_string_equal(sc.refused[0].b, "AbCdEfGh");
	assert_int_equal(sc.n_fed_sigs, 0);
	/* White space inside a name is deleted by libopendkim: still refused. */
	h[0].value = SIG("fr om:dkim-\r\n\tsignature : x");
	screen(h, 2, 5, &sc, p);
	assert_false(sc.feed[0]);
	/* Names that match nothing do not use fields up; empty entries are no
	 * entries: not an overrun. */
	h[0].value = SIG("from:x:y:z");
	screen(h, 2, 5, &sc, p);
	assert_true(sc.feed[0]);
	h[0].value = SIG("from:dkim-signature::");
	screen(h, 2, 5, &sc, p);
	assert_true(sc.feed[0]);
	/* Oversigning a field present once is fine when others are not named. */
	struct cm_header h3[] = {
	    {"DKIM-Signature", SIG("from:from:from"), 1},
	    {"From", " a@example.org", 1},
	    {"To", " b@example.net", 1},
	};
	screen(h3, 3, 5, &sc, p);
	assert_true(sc.feed[0]);
	pool_destroy(&p);
}

static void test_names_as_libopendkim_reads_them(void **state)
{
	struct pool *p = pool_create();
	/* A name libopendkim refuses is not given to it, and not counted: h=
	 * naming the two fields it keeps, and more, is an overrun. */
	struct cm_header h[] = {
	    {"DKIM-Signature ", SIG("from:dkim-signature:x"), 1},
	    {"X-\x1e\rOdd", " refused by libopendkim", 1},
	    {"X;Semi", " refused too", 1},
	    {"From  ", " a@example.org", 1},
	};
	struct dkimc_screen sc;

	screen(h, 4, 5, &sc, p);
	/* "DKIM-Signature " is a signature to libopendkim (white space before
	 * the colon is not part of the name): screened, and refused. */
	assert_false(sc.feed[0]);
	assert_int_equal(sc.n_refused, 1);
	assert_false(sc.feed[1]);
	assert_false(sc.feed[2]);
	assert_true(sc.feed[3]);
	pool_destroy(&p);
}

static void test_cascade(void **state)
{
	struct pool *p = pool_create();
	/* The first signature looks fine while the second (invalid, below it)
	 * is still counted; once that one is refused, the first names every
	 * field left and more. Both must go. */
	struct cm_header h[] = {
	    {"DKIM-Signature", SIG("from:dkim-signature:to"), 1},
	    {"DKIM-Signature", " v=1; a=\x01", 2},
	    {"From", " a@example.org", 1},
	};
	struct dkimc_screen sc;

	screen(h, 3, 5, &sc, p);
	assert_false(sc.feed[0]);
	assert_false(sc.feed[1]);
	assert_true(sc.feed[2]);
	assert_int_equal(sc.n_refused, 2);
	assert_int_equal(sc.n_fed_sigs, 0);
	pool_destroy(&p);
}

static void test_syntax(void **state)
{
	struct pool *p = pool_create();
	struct cm_header h[] = {
	    /* libopendkim takes the last h=; we refuse what RFC 6376 forbids. */
	    {"DKIM-Signature", " v=1; d=example.org; h=from; s=sel; h=from:dkim-signature:x; b=Zz",
	     1},
	    {"DKIM-Signature", " garbage", 2},
	    {"From", " a@example.org", 1},
	};
	struct dkimc_screen sc;

	screen(h, 3, 5, &sc, p);
	assert_false(sc.feed[0]);
	assert_false(sc.feed[1]);
	assert_int_equal(sc.n_refused, 2);
	assert_string_equal(sc.refused[0].reason, "signature syntax error: a tag appears twice");
	assert_null(sc.refused[0].domain); /* nothing is read from an invalid field */
	assert_string_equal(sc.refused[1].reason, "signature syntax error: a tag has no '='");
	pool_destroy(&p);
}

static void test_maximum(void **state)
{
	struct pool *p = pool_create();
	struct cm_header h[8];
	struct dkimc_screen sc;
	size_t i;

	for (i = 0; i < 7; i++)
		h[i] = (struct cm_header){"DKIM-Signature", SIG("from"), i + 1};
	h[7] = (struct cm_header){"From", " a@example.org", 1};
	screen(h, 8, 5, &sc, p);
	for (i = 0; i < 5; i++)
		assert_true(sc.feed[i]);
	assert_false(sc.feed[5]);
	assert_false(sc.feed[6]);
	assert_true(sc.feed[7]);
	assert_int_equal(sc.n_skipped, 2);
	assert_int_equal(sc.n_fed_sigs, 5);
	pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ordinary),
	    cmocka_unit_test(test_overrun),
	    cmocka_unit_test(test_names_as_libopendkim_reads_them),
	    cmocka_unit_test(test_cascade),
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the small lib/ pieces: pool, buf, scores, spool, sock. */
#include "cmtest.h"

#include "../../lib/buf.h"
#include "../../lib/pool.h"
#include "../../lib/scores.h"
#include "../../lib/sock.h"
#include "../../lib/spool.h"

static int cleanups;
static void count_cleanup(void *arg)
{
	cleanups += *(int *)arg;
}

static void test_pool(void **state)
{
	struct pool *p = pool_create();
	static int one = 1, ten = 10;
	char *s, *big;

	cleanups = 0;
	s = pool_printf(p, "%s-%d", "abc", 42);
	assert_string_equal(s, "abc-42");
	big = pool_alloc(p, 100000);
	assert_non_null(big);
	big[99999] = 'x';
	assert_string_equal(pool_strndup(p, "abcdef", 3), "abc");
	assert_int_equal(pool_cleanup(p, count_cleanup, &one), 0);
	assert_int_equal(pool_cleanup(p, count_cleanup, &ten), 0);
	assert_false(pool_failed(p));
	pool_destroy(&p);
	assert_null(p);
	assert_int_equal(cleanups, 11);
}

static void test_buf(void **state)
{
	struct buf b;
	int i;

	buf_init(&b);
	assert_string_equal(buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(strncmp(buf_str(&b), "0,1,2,", 6), 0);
	assert_false(b.oom);
	buf_reset(&b);
	buf_puts(&b, "x");
	assert_string_equal(buf_str(&b), "x");
	buf_free(&b);
}

static int reported;
static void report(void *arg, const char *msg)
{
	reported++;
	snprintf(arg, 256, "%s", msg);
}

static void test_scores(void **state)
{
	struct cm_scores *s = scores_create();
	char msg[256] = "";
	double v;

	reported = 0;
	assert_int_equal(scores_parse(s,
	                              "# comment\nGTUBE 1000 the test string\n"
	                              "  SPF_FAIL   1.5\nBAD LINE HERE\nDKIM_VALID -0.1 # x\n",
	                              "scores.conf", report, msg),
	                 3);
	assert_int_equal(reported, 1);
	assert_string_equal(msg, "scores.conf:4: \"BAD LINE HERE\": expected SYMBOL SCORE "
	                         "[description], such as GTUBE 1000");
	assert_true(scores_lookup(s, "SPF_FAIL", &v) && v == 1.5);
	assert_true(scores_lookup(s, "DKIM_VALID", &v) && v == -0.1);
	assert_false(scores_lookup(s, "NOPE", &v));
	assert_int_equal(scores_set_line(s, "SPF_FAIL 3"), 0);
	assert_true(scores_lookup(s, "SPF_FAIL", &v) && v == 3);
	assert_int_equal(scores_set_line(s, "SPF_FAIL 3 extra"), -1);
	assert_int_equal(scores_set_line(s, "SPF-FAIL 3"), -1);
	assert_int_equal(scores_set_line(s, "X nan"), -1);
	assert_int_equal(scores_count(s), 3);
	scores_free(&s);
}

static void test_spool_memory_then_file(void **state)
{
	struct spool *s = spool_create(10, 100, "/tmp");
	const char *err = NULL;
	const unsigned char *d;
	size_t len;

	assert_int_equal(spool_write(s, "hello ", 6, &err), 0);
	assert_false(spool_on_disk(s));
	assert_int_equal(spool_write(s, "world, more bytes", 17, &err), 0);
	assert_true(spool_on_disk(s));
	d = spool_data(s, &len, &err);
	assert_int_equal(len, 23);
	assert_memory_equal(d, "hello world, more bytes", 23);
	assert_int_equal(spool_write(s, "!", 1, &err), 0);
	d = spool_data(s, &len, &err);
	assert_int_equal(len, 24);
	assert_int_equal(d[23], '!');
	spool_free(&s);
}

static void test_spool_cap(void **state)
{
	struct spool *s = spool_create(1000, 8, "/tmp");
	const char *err = NULL;
	size_t len;

	assert_int_equal(spool_write(s, "0123456789", 10, &err), 0);
	assert_true(spool_truncated(s));
	assert_int_equal(spool_size(s), 10);
	spool_data(s, &len, &err);
	assert_int_equal(len, 8);
	spool_free(&s);
}

static void test_spool_bad_dir(void **state)
{
	struct spool *s = spool_create(4, 100, "/nonexistent");
	const char *err = NULL;

	assert_int_equal(spool_write(s, "0123456789", 10, &err), -1);
	assert_string_equal(err, "cannot create a spool file in /nonexistent: No such file or "
	                         "directory");
	spool_free(&s);
}

static void test_sock(void **state)
{
	struct sock_spec sp;
	const char *err;

	assert_int_equal(sock_parse("inet:54321@localhost", &sp, &err), 0);
	assert_int_equal(sp.kind, SOCK_INET);
	assert_int_equal(sp.port, 54321);
	assert_string_equal(sp.host, "localhost");
	assert_int_equal(sock_parse("inet:25", &sp, &err), 0);
	assert_string_equal(sp.host, "");
	assert_int_equal(sock_parse("inet6:54321@::1", &sp, &err), 0);
	assert_int_equal(sp.kind, SOCK_INET6);
	assert_int_equal(sock_parse("unix:/run/chainmilter.sock", &sp, &err), 0);
	assert_string_equal(sp.path, "/run/chainmilter.sock");
	assert_int_equal(sock_parse("local:/x", &sp, &err), 0);
	assert_int_equal(sock_parse("inet:0", &sp, &err), -1);
	assert_int_equal(sock_parse("inet:65536", &sp, &err), -1);
	assert_int_equal(sock_parse("inet:54321@", &sp, &err), -1);
	assert_int_equal(sock_parse("inet:12a", &sp, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pool),      cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_scores),    cmocka_unit_test(test_spool_memory_then_file),
	    cmocka_unit_test(test_spool_cap), cmocka_unit_test(test_spool_bad_dir),
	    cmocka_unit_test(test_sock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

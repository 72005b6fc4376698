/*
 * store_suite - behaviours every store backend shows alike, run by
 * test_store.c on an LMDB file and by test_store_redis.c on a real
 * redis-server: single keys, read-modify-write (also from many threads),
 * batches, scans by prefix, prefixes kept apart, bad keys. suite_uri names
 * the store under test.
 */
#ifndef CM_STORE_SUITE_H
#define CM_STORE_SUITE_H

#include <pthread.h>

#include "cmtest.h"

#include "../../lib/store.h"

static char suite_uri[700];

static struct store *suite_open(const char *prefix)
{
	struct store *s = NULL;
	const char *err = "";

	if (store_open(suite_uri, prefix, &s, &err) < 0)
		fail_msg("store_open(%s): %s", suite_uri, err);
	return s;
}

static void suite_put(struct store *s, const char *key, const char *val, long ttl)
{
	const char *err = "";

	if (store_put(s, key, strlen(key), val, strlen(val), ttl, &err) < 0)
		fail_msg("store_put(%s): %s", key, err);
}

/* The value of key as a string, "(none)" when absent. */
static const char *suite_get(struct store *s, const char *key)
{
	static char out[256];
	const char *err = "";
	struct buf v;
	int r;

	buf_init(&v);
	r = store_get(s, key, strlen(key), &v, &err);
	if (r < 0)
		fail_msg("store_get(%s): %s", key, err);
	snprintf(out, sizeof(out), "%s", r == 1 ? buf_str(&v) : "(none)");
	buf_free(&v);
	return out;
}

static void suite_single_keys(void **state)
{
	struct store *s = suite_open("single:");
	const char bkey[] = {'b', 0, (char)0xff}, bval[] = {0, 1, 2, 0, (char)0xfe};
	const char *err = "";
	struct buf v;

	buf_init(&v);
	assert_string_equal(suite_get(s, "missing"), "(none)");
	suite_put(s, "k", "hello", 0);
	assert_string_equal(suite_get(s, "k"), "hello");
	suite_put(s, "k", "again", 0);
	assert_string_equal(suite_get(s, "k"), "again");
	suite_put(s, "empty", "", 0);
	assert_int_equal(store_get(s, "empty", 5, &v, &err), 1);
	assert_int_equal(v.len, 0);

	/* Keys and values are byte strings. */
	assert_int_equal(store_put(s, bkey, sizeof(bkey), bval, sizeof(bval), 0, &err), 0);
	assert_int_equal(store_get(s, bkey, sizeof(bkey), &v, &err), 1);
	assert_int_equal(v.len, sizeof(bval));
	assert_memory_equal(v.data, bval, sizeof(bval));

	assert_int_equal(store_del(s, "k", 1, &err), 1);
	assert_int_equal(store_del(s, "k", 1, &err), 0);
	assert_string_equal(suite_get(s, "k"), "(none)");
	assert_int_equal(store_check(s, &err), 0);
	buf_free(&v);
	store_close(&s);
	assert_null(s);
}

static void suite_bad_input(void **state)
{
	struct store *s = suite_open("bad:");
	char big[STORE_KEY_MAX + 1];
	const char *err = "";
	struct buf v;

	buf_init(&v);
	assert_int_equal(store_get(s, "", 0, &v, &err), -1);
	assert_non_null(strstr(err, "empty key"));
	/* Every message names the store. */
	assert_non_null(strstr(err, store_name(s)));
	memset(big, 'x', sizeof(big));
	/* The prefix "bad:" counts: 476 bytes are left for the key. */
	assert_int_equal(store_put(s, big, STORE_KEY_MAX - 3, "v", 1, 0, &err), -1);
	assert_non_null(strstr(err, "too long (at most 476)"));
	assert_int_equal(store_put(s, big, STORE_KEY_MAX - 4, "v", 1, 0, &err), 0);
	assert_int_equal(store_put(s, "k", 1, "v", 1, -5, &err), -1);
	assert_non_null(strstr(err, "TTL -5"));
	assert_int_equal(store_put(s, "k", 1, big, STORE_VALUE_MAX + 1, 0, &err), -1);
	assert_non_null(strstr(err, "too large"));
	buf_free(&v);
	store_close(&s);
}

/* ---- read-modify-write ---- */

static int count_up(void *ctx, const void *old, size_t olen, struct buf *nv, long *ttl_r,
                    const char **error_r)
{
	long long n = 0;

	if (old != NULL && store_counter_parse(old, olen, &n) < 0) {
		*error_r = "not a number";
		return -1;
	}
	buf_printf(nv, "%lld", n + 1);
	*ttl_r = ctx != NULL ? *(long *)ctx : 0;
	return STORE_WRITE;
}

/* Greylisting's shape: create when absent, else keep (or delete when told). */
struct first_seen {
	bool delete_it;
	bool existed;
};

static int first_seen(void *ctx, const void *old, size_t olen, struct buf *nv, long *ttl_r,
                      const char **error_r)
{
	struct first_seen *fs = ctx;

	fs->existed = old != NULL;
	if (old == NULL) {
		buf_puts(nv, "first");
		*ttl_r = 3600;
		return STORE_WRITE;
	}
	return fs->delete_it ? STORE_DELETE : STORE_KEEP;
}

static int refuse(void *ctx, const void *old, size_t olen, struct buf *nv, long *ttl_r,
                  const char **error_r)
{
	*error_r = "refused by the test";
	return -1;
}

static int refuse_silently(void *ctx, const void *old, size_t olen, struct buf *nv, long *ttl_r,
                           const char **error_r)
{
	return -1;
}

static void suite_update(void **state)
{
	struct store *s = suite_open("upd:");
	struct first_seen fs = {false, false};
	const char *err = "";
	int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(store_update(s, "n", 1, count_up, NULL, &err), STORE_WRITE);
	assert_string_equal(suite_get(s, "n"), "5");

	assert_int_equal(store_update(s, "t", 1, first_seen, &fs, &err), STORE_WRITE);
	assert_false(fs.existed);
	assert_int_equal(store_update(s, "t", 1, first_seen, &fs, &err), STORE_KEEP);
	assert_true(fs.existed);
	assert_string_equal(suite_get(s, "t"), "first");
	fs.delete_it = true;
	assert_int_equal(store_update(s, "t", 1, first_seen, &fs, &err), STORE_DELETE);
	assert_string_equal(suite_get(s, "t"), "(none)");

	assert_int_equal(store_update(s, "n", 1, refuse, NULL, &err), -1);
	assert_string_equal(err, "refused by the test");
	assert_int_equal(store_update(s, "n", 1, refuse_silently, NULL, &err), -1);
	assert_non_null(strstr(err, "key \"n\": the update gave up"));
	assert_int_equal(store_update(s, "n", 1, refuse_silently, NULL, NULL), -1);
	assert_string_equal(suite_get(s, "n"), "5");
	store_close(&s);
}

#define UPD_THREADS 8
#define UPD_EACH    150

struct upd_thread {
	struct store *s;
	int failures;
	char error[200];
};

static void *update_many(void *arg)
{
	struct upd_thread *t = arg;
	const char *err;
	int i;

	for (i = 0; i < UPD_EACH; i++)
		if (store_update(t->s, "hot", 3, count_up, NULL, &err) != STORE_WRITE) {
			t->failures++;
			snprintf(t->error, sizeof(t->error), "%s", err);
		}
	return NULL;
}

/*
 * Threads on two handles (two snapshots during a reload, or two processes
 * as far as Redis can tell) updating one key: no increment is lost.
 */
static void suite_update_threads(void **state)
{
	struct store *s[2] = {suite_open("thr:"), suite_open("thr:")};
	struct upd_thread t[UPD_THREADS];
	pthread_t tid[UPD_THREADS];
	char want[16];
	int i;

	for (i = 0; i < UPD_THREADS; i++) {
		t[i] = (struct upd_thread){.s = s[i % 2]};
		assert_int_equal(pthread_create(&tid[i], NULL, update_many, &t[i]), 0);
	}
	for (i = 0; i < UPD_THREADS; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < UPD_THREADS; i++)
		if (t[i].failures > 0)
			fail_msg("thread %d: %d updates failed: %s", i, t[i].failures, t[i].error);
	snprintf(want, sizeof(want), "%d", UPD_THREADS * UPD_EACH);
	assert_string_equal(suite_get(s[0], "hot"), want);
	store_close(&s[0]);
	store_close(&s[1]);
}

/* ---- batches ---- */

#define NTOK 2500

struct got {
	long long v[NTOK + 100];
	int calls;
	size_t last;
};

static void got_value(void *ctx, size_t i, const void *val, size_t len)
{
	struct got *g = ctx;

	assert_int_equal(store_counter_parse(val, len, &g->v[i]), 0);
	assert_true(g->calls == 0 || i > g->last);
	g->last = i;
	g->calls++;
}

static void suite_batches(void **state)
{
	static char names[NTOK + 100][16];
	static struct store_incr items[NTOK];
	static struct store_key keys[NTOK + 100];
	static long long res[NTOK];
	static struct got g;
	struct store *s = suite_open("bayes:");
	const char *err = "";
	int i;

	for (i = 0; i < NTOK + 100; i++) {
		snprintf(names[i], sizeof(names[i]), "tok%05d", i);
		keys[i] = (struct store_key){names[i], strlen(names[i])};
		if (i < NTOK)
			items[i] = (struct store_incr){names[i], strlen(names[i]), i % 7 - 3};
	}
	assert_int_equal(store_incr_batch(s, items, NTOK, 0, res, &err), 0);
	for (i = 0; i < NTOK; i++)
		assert_int_equal(res[i], i % 7 - 3);
	assert_int_equal(store_incr_batch(s, items, NTOK, 0, NULL, &err), 0);
	assert_string_equal(suite_get(s, "tok00006"), "6");
	assert_string_equal(suite_get(s, "tok00000"), "-6");

	/* 100 keys were never written: skipped, the others in index order. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_get_batch(s, keys, NTOK + 100, got_value, &g, &err), NTOK);
	assert_int_equal(g.calls, NTOK);
	for (i = 0; i < NTOK; i++)
		assert_int_equal(g.v[i], 2 * (i % 7 - 3));

	/* A value that is not a counter fails the batch, naming the key. */
	suite_put(s, "text", "abc", 0);
	items[0] = (struct store_incr){"fresh", 5, 1};
	items[1] = (struct store_incr){"text", 4, 1};
	assert_int_equal(store_incr_batch(s, items, 2, 0, NULL, &err), -1);
	assert_non_null(strstr(err, "key \"text\" holds a value that is not a counter"));
	if (strcmp(store_backend(s), "lmdb") == 0) /* one transaction: nothing applied */
		assert_string_equal(suite_get(s, "fresh"), "(none)");
	assert_int_equal(store_get_batch(s, keys, 0, got_value, &g, &err), 0);
	store_close(&s);
}

/* ---- scans ---- */

struct seen {
	char keys[16][64];
	char vals[16][64];
	long ttl[16];
	int n, stop_after;
};

static int collect(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                   long ttl_left)
{
	struct seen *sn = ctx;

	assert_true(sn->n < 16);
	snprintf(sn->keys[sn->n], 64, "%.*s", (int)klen, (const char *)key);
	snprintf(sn->vals[sn->n], 64, "%.*s", (int)vlen, val != NULL ? (const char *)val : "");
	sn->ttl[sn->n] = ttl_left;
	sn->n++;
	return sn->stop_after > 0 && sn->n >= sn->stop_after;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void suite_scan(void **state)
{
	struct store *s = suite_open("grey:"), *other = suite_open("greylist-old:");
	char lines[16][160];
	struct seen sn;
	const char *err = "";
	long n;
	int i;

	suite_put(s, "a:1", "one", 0);
	suite_put(s, "a:2", "two", 100);
	suite_put(s, "a:3", "three", 0);
	suite_put(s, "b:1", "bee", 0);
	suite_put(other, "a:9", "elsewhere", 0);

	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_scan(s, "a:", 2, collect, &sn, &err), 3);
	/* Redis scans in no order: sort key+value pairs by key. */
	for (i = 0; i < sn.n; i++)
		snprintf(lines[i], sizeof(lines[i]), "%s=%s/%ld", sn.keys[i], sn.vals[i],
		         sn.ttl[i] > 90 && sn.ttl[i] <= 100 ? 100L : sn.ttl[i]);
	qsort(lines, (size_t)sn.n, sizeof(lines[0]), by_key);
	assert_string_equal(lines[0], "a:1=one/-1");
	assert_string_equal(lines[1], "a:2=two/100");
	assert_string_equal(lines[2], "a:3=three/-1");

	memset(&sn, 0, sizeof(sn));
	sn.stop_after = 1;
	assert_int_equal(store_scan(s, "a:", 2, collect, &sn, &err), 1);

	assert_int_equal(store_count(s, "a:", 2, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_count(s, NULL, 0, &n, &err), 0);
	assert_int_equal(n, 4);
	/* The other user's prefix sees only its own key. */
	assert_int_equal(store_count(other, "", 0, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(suite_get(other, "a:1"), "(none)");

	/* Glob characters in a prefix are literal (Redis SCAN MATCH). */
	suite_put(s, "x*[1]", "1", 0);
	suite_put(s, "x*y", "2", 0);
	suite_put(s, "xz", "3", 0);
	assert_int_equal(store_count(s, "x*", 2, &n, &err), 0);
	assert_int_equal(n, 2);
	store_close(&s);
	store_close(&other);
}

#define SUITE_TESTS                                                                                \
	cmocka_unit_test(suite_single_keys), cmocka_unit_test(suite_bad_input),                    \
	    cmocka_unit_test(suite_update), cmocka_unit_test(suite_update_threads),                \
	    cmocka_unit_test(suite_batches), cmocka_unit_test(suite_scan)

#endif

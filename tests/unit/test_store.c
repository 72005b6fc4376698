/*
 * Unit tests of lib/store on LMDB files in a temporary directory: the shared
 * behaviours (store_suite.h), URIs, expiry on a settable clock, purging and
 * the sweeper, handles sharing one environment, corrupt and unusable files,
 * a full map and its growth, use after fork().
 */
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store_suite.h"

#include "../../lib/log.h"
#include "../../lib/store_impl.h"

static char dir[64];

/* ---- fixtures: a temporary directory, a clock, captured log lines ---- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/cmstore.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(suite_uri, sizeof(suite_uri), "lmdb:%s/suite.lmdb", dir);
	return 0;
}

static int group_teardown(void **state)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static time_t fake_now = 1700000000;

static time_t fake_clock(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static void advance(time_t seconds)
{
	__atomic_add_fetch(&fake_now, seconds, __ATOMIC_SEQ_CST);
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[8192];

static void log_capture(enum log_level level, const char *line)
{
	pthread_mutex_lock(&log_lock);
	if (strlen(log_text) + strlen(line) + 2 < sizeof(log_text)) {
		strcat(log_text, line);
		strcat(log_text, "\n");
	}
	pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *text)
{
	bool has;

	pthread_mutex_lock(&log_lock);
	has = strstr(log_text, text) != NULL;
	pthread_mutex_unlock(&log_lock);
	return has;
}

static struct store *open_at(const char *uri, const char *prefix)
{
	struct store *s = NULL;
	const char *err = "";

	if (store_open(uri, prefix, &s, &err) < 0)
		fail_msg("store_open(%s): %s", uri, err);
	return s;
}

static const char *path_in_dir(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* ---- URIs ---- */

static void test_uri_forms(void **state)
{
	struct store_uri u;
	const char *err;

	assert_int_equal(store_uri_parse("lmdb:/var/lib/chainmilter/greylist.lmdb", &u, &err), 0);
	assert_int_equal(u.kind, STORE_LMDB);
	assert_string_equal(u.path, "/var/lib/chainmilter/greylist.lmdb");
	assert_int_equal(u.map_size, STORE_MAP_SIZE_DEF);
	assert_int_equal(u.sync, STORE_SYNC_FULL);

	assert_int_equal(
	    store_uri_parse("lmdb:///x/y.lmdb?map_size=1M&map_max=2G&sync=meta", &u, &err), 0);
	assert_string_equal(u.path, "/x/y.lmdb");
	assert_int_equal(u.map_size, 1 << 20);
	assert_int_equal(u.map_max, (size_t)2 << 30);
	assert_int_equal(u.sync, STORE_SYNC_META);

	assert_int_equal(store_uri_parse("redis://127.0.0.1", &u, &err), 0);
	assert_int_equal(u.kind, STORE_REDIS);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6379);
	assert_int_equal(u.db, 0);
	assert_int_equal(u.timeout_ms, 100);
	assert_string_equal(u.path, "");

	assert_int_equal(store_uri_parse("redis://:s3cret@redis.example:6380/2", &u, &err), 0);
	assert_string_equal(u.password, "s3cret");
	assert_string_equal(u.user, "");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 2);
	assert_string_equal(u.name, "redis://:***@redis.example:6380/2");

	assert_int_equal(
	    store_uri_parse("redis://bob:p%40ss@[::1]:7000/1?timeout=50&pool=4", &u, &err), 0);
	assert_string_equal(u.user, "bob");
	assert_string_equal(u.password, "p@ss");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.timeout_ms, 50);
	assert_int_equal(u.pool, 4);
	assert_string_equal(u.name, "redis://bob:***@[::1]:7000/1?timeout=50&pool=4");

	assert_int_equal(
	    store_uri_parse("redis+unix:/run/redis/r.sock?db=3&password=x%26y", &u, &err), 0);
	assert_string_equal(u.path, "/run/redis/r.sock");
	assert_int_equal(u.db, 3);
	assert_string_equal(u.password, "x&y");
	assert_string_equal(u.name, "redis+unix:/run/redis/r.sock?db=3&password=***");
}

static void uri_error(const char *uri, const char *want)
{
	struct store_uri u;
	const char *err = "";

	if (store_uri_parse(uri, &u, &err) != -1)
		fail_msg("%s: accepted", uri);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" does not say \"%s\"", uri, err, want);
}

static void test_uri_errors(void **state)
{
	struct store_uri u;
	const char *err = "";

	uri_error("lmdb:relative.lmdb", "lmdb:relative.lmdb: expected an absolute path");
	uri_error("lmdb:/tmp/", "names a directory");
	uri_error("lmdb:/x?map_size=12q", "map_size=12q: expected a size of at least 64k");
	uri_error("lmdb:/x?map_size=1k", "at least 64k");
	uri_error("lmdb:/x?sync=sometimes", "sync=sometimes: expected full, meta or none");
	uri_error("lmdb:/x?bogus=1",
	          "unknown parameter \"bogus\" (lmdb: takes map_size, map_max, sync)");
	uri_error("lmdb:/x?map_size", "parameter \"map_size\": expected name=value");
	uri_error("lmdb:/x?map_size=1G&map_max=512M", "map_size is larger than map_max");
	uri_error("redis://", "expected a host name");
	uri_error("redis://host:99999/0", "port \"99999\": expected a number from 1 to 65535");
	uri_error("redis://host:6379/x", "database \"x\"");
	uri_error("redis://host/0?timeout=0", "timeout=0: expected milliseconds");
	uri_error("redis://pw@host", "expected :password@ or user:password@");
	uri_error("redis://:pw@host?db=1", "unknown parameter \"db\"");
	uri_error("redis://[::1/0", "expected ']'");
	uri_error("redis+unix:relative", "expected an absolute path for the Redis socket");
	uri_error("memcache://x", "expected lmdb:/path/file.lmdb, redis://host:6379/0");
	/* Never the password in a message. */
	assert_int_equal(store_uri_parse("redis://:topsecret@host:0", &u, &err), -1);
	assert_null(strstr(err, "topsecret"));
	assert_non_null(strstr(err, "redis://:***@host:0"));
	assert_int_equal(store_uri_parse("redis://host/0?password=topsecret", &u, &err), -1);
	assert_null(strstr(err, "topsecret"));
	assert_non_null(strstr(err, "redis://host/0?password=***: unknown parameter"));
	assert_int_equal(
	    store_uri_parse("redis+unix:/r.sock?password=a1&password=topsecret&x=1", &u, &err), -1);
	assert_null(strstr(err, "topsecret"));
	assert_non_null(strstr(err, "redis+unix:/r.sock?password=***&password=***&x=1"));
	assert_int_equal(store_uri_parse("redis+unix:/r.sock?password=&db=1", &u, &err), 0);
}

static void test_open_errors(void **state)
{
	struct store *s = NULL;
	const char *err = "";
	char uri[200];

	assert_int_equal(store_open("lmdb:/nonexistent-dir/x.lmdb", "", &s, &err), -1);
	assert_string_equal(
	    err, "lmdb:/nonexistent-dir/x.lmdb: directory /nonexistent-dir does not exist");
	assert_null(s);
	snprintf(uri, sizeof(uri), "lmdb:%s", dir);
	assert_int_equal(store_open(uri, "", &s, &err), -1);
	assert_non_null(strstr(err, "is a directory; lmdb: names a file"));
	assert_int_equal(store_open(suite_uri,
	                            "a-prefix-longer-than-sixty-four-bytes-is-refused-"
	                            "xxxxxxxxxxxxxxxxxxxx",
	                            &s, &err),
	                 -1);
	assert_non_null(strstr(err, "longer than 64 bytes"));
}

/* ---- expiry on the settable clock ---- */

static void test_ttl(void **state)
{
	struct store *s;
	struct first_seen fs = {false, false};
	struct store_incr c = {"c", 1, 1};
	struct seen sn;
	const char *err = "";
	long n;

	store_set_clock(fake_clock);
	assert_int_equal(store_now(), fake_now);
	s = suite_open("ttl:");
	suite_put(s, "a", "soon gone", 10);
	suite_put(s, "b", "stays", 0);
	advance(9);
	assert_string_equal(suite_get(s, "a"), "soon gone");
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_scan(s, "a", 1, collect, &sn, &err), 1);
	assert_int_equal(sn.ttl[0], 1);
	advance(1);
	/* Expired: gone for every reader, though still in the file. */
	assert_string_equal(suite_get(s, "a"), "(none)");
	assert_int_equal(store_count(s, "", 0, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_del(s, "a", 1, &err), 0);
	suite_put(s, "a", "soon gone", 10);
	advance(10);
	assert_int_equal(store_update(s, "a", 1, first_seen, &fs, &err), STORE_WRITE);
	assert_false(fs.existed);

	/* Counters: ttl > 0 sets the expiry, ttl 0 keeps it. */
	assert_int_equal(store_incr_batch(s, &c, 1, 5, NULL, &err), 0);
	advance(3);
	assert_int_equal(store_incr_batch(s, &c, 1, 0, NULL, &err), 0);
	assert_string_equal(suite_get(s, "c"), "2");
	advance(2);
	assert_string_equal(suite_get(s, "c"), "(none)");
	assert_int_equal(store_incr_batch(s, &c, 1, 0, NULL, &err), 0);
	assert_string_equal(suite_get(s, "c"), "1");
	advance(1000000);
	assert_string_equal(suite_get(s, "c"), "1");
	store_close(&s);
	store_set_clock(NULL);
}

static void test_purge(void **state)
{
	static char names[7000][16];
	static struct store_incr items[7000];
	struct store *s;
	const char *err = "";
	long n = -1;
	int i;

	store_set_clock(fake_clock);
	s = open_at(suite_uri, "purge:");
	for (i = 0; i < 7000; i++) {
		snprintf(names[i], sizeof(names[i]), "k%05d", i);
		items[i] = (struct store_incr){names[i], strlen(names[i]), 1};
	}
	/* 5000 entries that expire, mixed with 2000 that do not. */
	assert_int_equal(store_incr_batch(s, items, 5000, 10, NULL, &err), 0);
	assert_int_equal(store_incr_batch(s, items + 5000, 2000, 0, NULL, &err), 0);
	suite_put(s, "k00001x", "no expiry", 0);
	advance(11);
	/* Over several short transactions (1000 deletions each). */
	assert_int_equal(store_purge(s, &n, &err), 0);
	assert_int_equal(n, 5000);
	assert_int_equal(store_count(s, "", 0, &n, &err), 0);
	assert_int_equal(n, 2001);
	assert_int_equal(store_purge(s, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_string_equal(suite_get(s, "k00001x"), "no expiry");
	store_close(&s);
	store_set_clock(NULL);
}

static void test_sweeper(void **state)
{
	struct store *s, *t;
	const char *err = "";
	long n = -1;
	int i;

	store_set_clock(fake_clock);
	log_text[0] = '\0';
	log_set_sink(log_capture);
	s = open_at(suite_uri, "sweep:");
	suite_put(s, "x", "1", 1);
	suite_put(s, "y", "2", 1);
	suite_put(s, "z", "3", 1);
	suite_put(s, "keep", "4", 0);
	advance(5);
	assert_int_equal(store_sweeper_start(s, 1, &err), 0);
	for (i = 0; i < 100 && !log_has("removed 3 expired entries"); i++)
		usleep(50000);
	assert_true(log_has("removed 3 expired entries"));
	assert_true(log_has(store_name(s)));
	/* The sweeper deleted them: nothing left to purge. */
	assert_int_equal(store_purge(s, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_string_equal(suite_get(s, "keep"), "4");
	store_sweeper_stop(s);
	assert_int_equal(store_sweeper_start(s, 0, &err), -1);
	assert_non_null(strstr(err, "at least 1 second"));
	/* Closing a handle stops its sweeper. */
	t = open_at(suite_uri, "sweep2:");
	assert_int_equal(store_sweeper_start(t, 3600, &err), 0);
	assert_int_equal(store_sweeper_start(t, 7200, &err), 0);
	store_close(&t);
	store_close(&s);
	log_set_sink(NULL);
	store_set_clock(NULL);
}

/* ---- one environment per file ---- */

static void test_shared_env(void **state)
{
	struct store *a, *b, *c;
	char real[128], link[128], uri_a[200], uri_b[200];

	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	snprintf(uri_a, sizeof(uri_a), "lmdb:%s/shared.lmdb", real);
	snprintf(uri_b, sizeof(uri_b), "lmdb:%s/shared.lmdb?map_size=1M", link);

	assert_int_equal(store_lmdb_open_envs(), 0);
	a = open_at(uri_a, "grey:");
	b = open_at(uri_b, "grey:");
	assert_int_equal(store_lmdb_open_envs(), 0); /* opened by first use */
	suite_put(a, "k", "from a", 0);
	assert_int_equal(store_lmdb_open_envs(), 1);
	/* The same file by another path: the same environment. */
	assert_string_equal(suite_get(b, "k"), "from a");
	assert_int_equal(store_lmdb_open_envs(), 1);
	/* A reload: a new handle comes, the old one goes, the file stays open. */
	c = open_at(uri_a, "grey:");
	assert_string_equal(suite_get(c, "k"), "from a");
	store_close(&a);
	suite_put(b, "k2", "after a closed", 0);
	assert_string_equal(suite_get(c, "k2"), "after a closed");
	assert_int_equal(store_lmdb_open_envs(), 1);
	store_close(&b);
	store_close(&c);
	assert_int_equal(store_lmdb_open_envs(), 0);
	/* Reopened later: the data is there. */
	a = open_at(uri_b, "grey:");
	assert_string_equal(suite_get(a, "k2"), "after a closed");
	store_close(&a);
}

/* ---- files that are not LMDB files, or cannot be opened ---- */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void expect_unusable(const char *path, const char *want)
{
	struct store *s;
	const char *err = "";
	struct buf v;
	char uri[200];

	buf_init(&v);
	snprintf(uri, sizeof(uri), "lmdb:%s", path);
	s = open_at(uri, "");
	assert_int_equal(store_get(s, "k", 1, &v, &err), -1);
	if (strstr(err, path) == NULL || strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" does not name it or say \"%s\"", path, err, want);
	assert_int_equal(store_put(s, "k", 1, "v", 1, 0, &err), -1);
	assert_int_equal(store_check(s, &err), -1);
	assert_non_null(strstr(err, want));
	store_close(&s);
	assert_int_equal(store_lmdb_open_envs(), 0);
}

static void test_corrupt_files(void **state)
{
	static unsigned char junk[65536];
	unsigned x = 12345;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(x >> 16);
	}
	write_file(path_in_dir("junk64k.lmdb"), junk, sizeof(junk));
	expect_unusable(path_in_dir("junk64k.lmdb"), "cannot open: not an LMDB file");
	write_file(path_in_dir("junk100.lmdb"), junk, 100);
	expect_unusable(path_in_dir("junk100.lmdb"), "cannot open:");
	memset(junk, 0, sizeof(junk));
	write_file(path_in_dir("zeros.lmdb"), junk, 16384);
	expect_unusable(path_in_dir("zeros.lmdb"), "cannot open:");
	/* A lock file that cannot be one. */
	assert_int_equal(mkdir(path_in_dir("locked.lmdb-lock"), 0700), 0);
	expect_unusable(path_in_dir("locked.lmdb"), "cannot open: Is a directory");
}

/* ---- the map: full at map_max, grown below it ---- */

static void test_map_full(void **state)
{
	char uri[200], key[16], val[1000];
	struct store *s;
	const char *err = "";
	int i, r = 0;

	memset(val, 'v', sizeof(val));
	val[sizeof(val) - 1] = '\0';
	snprintf(uri, sizeof(uri), "lmdb:%s/full.lmdb?map_size=64k&map_max=64k", dir);
	s = open_at(uri, "");
	for (i = 0; i < 1000 && r == 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		r = store_put(s, key, strlen(key), val, sizeof(val), 0, &err);
	}
	assert_int_equal(r, -1);
	assert_true(i > 10);
	assert_non_null(strstr(err, store_name(s)));
	assert_non_null(strstr(err, "the file is full: it reached map_max=64k; raise map_max"));
	/* What was committed is intact, and deleting makes room again. */
	assert_int_equal(strncmp(suite_get(s, "k0"), "vvvv", 4), 0);
	assert_int_equal(store_del(s, "k0", 2, &err), 1);
	assert_int_equal(store_del(s, "k1", 2, &err), 1);
	assert_int_equal(store_put(s, "again", 5, val, 100, 0, &err), 0);
	store_close(&s);

	log_text[0] = '\0';
	log_set_sink(log_capture);
	snprintf(uri, sizeof(uri), "lmdb:%s/grow.lmdb?map_size=64k&map_max=16M", dir);
	s = open_at(uri, "");
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (store_put(s, key, strlen(key), val, sizeof(val), 0, &err) < 0)
			fail_msg("put %d: %s", i, err);
	}
	assert_true(log_has("map grown to 128k"));
	assert_true(log_has("map grown to 4M"));
	for (i = 0; i < 3000; i += 7) {
		struct buf v;

		buf_init(&v);
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(store_get(s, key, strlen(key), &v, &err), 1);
		assert_int_equal(v.len, sizeof(val));
		buf_free(&v);
	}
	store_close(&s);
	log_set_sink(NULL);
}

/* ---- fork(): the child attaches on its own ---- */

static void test_fork(void **state)
{
	struct store *s = open_at(suite_uri, "fork:");
	int status;
	pid_t pid;

	store_set_clock(NULL);
	suite_put(s, "parent", "p", 0);
	assert_int_equal(store_sweeper_start(s, 3600, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *err = "";
		struct buf v;
		int ok;

		buf_init(&v);
		ok = store_put(s, "child", 5, "c", 1, 0, &err) == 0 &&
		     store_get(s, "parent", 6, &v, &err) == 1 && store_lmdb_open_envs() == 1;
		if (!ok)
			fprintf(stderr, "child: %s\n", err);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(suite_get(s, "child"), "c");
	store_close(&s);
}

/* Opened as root (the daemon's config load), used after the switch to
 * UserID: the file is created by, and belongs to, that user. */
static void test_privilege_drop(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char sub[128], uri[200], file[160];
	struct store *s;
	struct stat st;
	int status;
	pid_t pid;

	if (getuid() != 0 || pw == NULL)
		skip();
	snprintf(sub, sizeof(sub), "%s/daemon", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chown(sub, pw->pw_uid, pw->pw_gid), 0);
	chmod(dir, 0711);
	snprintf(file, sizeof(file), "%s/greylist.lmdb", sub);
	snprintf(uri, sizeof(uri), "lmdb:%s", file);
	s = open_at(uri, "grey:");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *err = "";

		if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
			_exit(2);
		if (store_put(s, "k", 1, "v", 1, 0, &err) < 0) {
			fprintf(stderr, "child: %s\n", err);
			_exit(1);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(suite_get(s, "k"), "v");
	store_close(&s);
}

static void test_sync_modes(void **state)
{
	const char *modes[] = {"none", "meta", "full"};
	char uri[200];
	int i;

	for (i = 0; i < 3; i++) {
		struct store *s;

		snprintf(uri, sizeof(uri), "lmdb:%s/sync-%s.lmdb?sync=%s", dir, modes[i], modes[i]);
		s = open_at(uri, "");
		suite_put(s, "k", modes[i], 0);
		assert_string_equal(suite_get(s, "k"), modes[i]);
		store_close(&s);
	}
}

static void test_counter_parse(void **state)
{
	long long n;

	assert_int_equal(store_counter_parse("42", 2, &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(store_counter_parse("-9223372036854775808", 20, &n), 0);
	assert_true(n == LLONG_MIN);
	assert_int_equal(store_counter_parse("9223372036854775807", 19, &n), 0);
	assert_true(n == LLONG_MAX);
	assert_int_equal(store_counter_parse("9223372036854775808", 19, &n), -1);
	assert_int_equal(store_counter_parse("", 0, &n), -1);
	assert_int_equal(store_counter_parse("-", 1, &n), -1);
	assert_int_equal(store_counter_parse("1x", 2, &n), -1);
	assert_int_equal(store_counter_parse(" 1", 2, &n), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SUITE_TESTS,
	    cmocka_unit_test(test_uri_forms),
	    cmocka_unit_test(test_uri_errors),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_ttl),
	    cmocka_unit_test(test_purge),
	    cmocka_unit_test(test_sweeper),
	    cmocka_unit_test(test_shared_env),
	    cmocka_unit_test(test_corrupt_files),
	    cmocka_unit_test(test_map_full),
	    cmocka_unit_test(test_fork),
	    cmocka_unit_test(test_privilege_drop),
	    cmocka_unit_test(test_sync_modes),
	    cmocka_unit_test(test_counter_parse),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * Unit tests of lib/store on a real redis-server that the test starts on a
 * free loopback port (no persistence) and stops by its PID: the shared
 * behaviours (store_suite.h), expiry by Redis itself, databases, AUTH, the
 * unix socket, and Redis going away (stopped, or frozen) and coming back
 * while the same handle stays open.
 */
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store_suite.h"

#include "../../lib/log.h"

struct redis {
	pid_t pid;
	int port;
	char sock[128];
	const char *password;
};

static char dir[64];
static struct redis main_srv;

static int free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* redis-server on r->port (and r->sock), in the foreground, no persistence. */
static int redis_start(struct redis *r)
{
	char port[8], log[128];
	int i;

	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis-%d.log", dir, r->port);
	snprintf(r->sock, sizeof(r->sock), "%s/redis-%d.sock", dir, r->port);
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		const char *argv[] = {"redis-server",
		                      "--port",
		                      port,
		                      "--bind",
		                      "127.0.0.1",
		                      "--save",
		                      "",
		                      "--appendonly",
		                      "no",
		                      "--dir",
		                      dir,
		                      "--logfile",
		                      log,
		                      "--unixsocket",
		                      r->sock,
		                      "--unixsocketperm",
		                      "700",
		                      r->password != NULL ? "--requirepass" : NULL,
		                      r->password,
		                      NULL};
		int fd = open("/dev/null", O_RDWR);

		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp("redis-server", (char **)argv);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if (port_open(r->port) && access(r->sock, F_OK) == 0)
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
			break;
		usleep(50000);
	}
	fprintf(stderr, "redis-server on port %d did not start (see %s)\n", r->port, log);
	return -1;
}

static void redis_stop(struct redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGCONT);
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
	}
	r->pid = 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/cmredis.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	main_srv.port = free_port();
	if (redis_start(&main_srv) < 0)
		return -1;
	snprintf(suite_uri, sizeof(suite_uri), "redis://127.0.0.1:%d/0", main_srv.port);
	return 0;
}

static int group_teardown(void **state)
{
	redis_stop(&main_srv);
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
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

/* Retry get until Redis answers (the store reconnects by itself). */
static int get_until_answered(struct store *s, const char *key, const char **err)
{
	struct buf v;
	int i, r = -1;

	buf_init(&v);
	for (i = 0; i < 200 && r < 0; i++) {
		r = store_get(s, key, strlen(key), &v, err);
		if (r < 0)
			usleep(50000);
	}
	buf_free(&v);
	return r;
}

/* ---- tests ---- */

static void test_expiry_by_redis(void **state)
{
	struct store *s = suite_open("ttl:");
	struct store_incr c = {"c", 1, 5};
	struct seen sn;
	const char *err = "";

	suite_put(s, "short", "x", 1);
	suite_put(s, "long", "y", 1000);
	assert_int_equal(store_incr_batch(s, &c, 1, 1, NULL, &err), 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_scan(s, "long", 4, collect, &sn, &err), 1);
	assert_true(sn.ttl[0] > 990 && sn.ttl[0] <= 1000);
	assert_string_equal(suite_get(s, "short"), "x");
	assert_string_equal(suite_get(s, "c"), "5");
	usleep(1500000);
	assert_string_equal(suite_get(s, "short"), "(none)");
	assert_string_equal(suite_get(s, "c"), "(none)");
	assert_string_equal(suite_get(s, "long"), "y");
	/* Nothing for us to purge or sweep: Redis does it. */
	assert_int_equal(store_purge(s, NULL, &err), 0);
	assert_int_equal(store_sweeper_start(s, 60, &err), 0);
	store_close(&s);
}

static void test_databases_and_auth(void **state)
{
	struct redis srv = {.password = "s3cret"};
	char uri[200];
	struct store *s3, *s0, *bad;
	const char *err = "";
	struct buf v;

	buf_init(&v);
	srv.port = free_port();
	assert_int_equal(redis_start(&srv), 0);
	snprintf(uri, sizeof(uri), "redis://:s3cret@127.0.0.1:%d/3", srv.port);
	s3 = open_at(uri, "grey:");
	snprintf(uri, sizeof(uri), "redis://default:s3cret@127.0.0.1:%d/0", srv.port);
	s0 = open_at(uri, "grey:");
	suite_put(s3, "k", "in db 3", 0);
	assert_string_equal(suite_get(s3, "k"), "in db 3");
	assert_string_equal(suite_get(s0, "k"), "(none)");

	snprintf(uri, sizeof(uri), "redis://:wrong@127.0.0.1:%d/3", srv.port);
	bad = open_at(uri, "grey:");
	assert_int_equal(store_get(bad, "k", 1, &v, &err), -1);
	assert_non_null(strstr(err, "AUTH refused"));
	assert_non_null(strstr(err, "redis://:***@127.0.0.1"));
	assert_null(strstr(err, "wrong"));
	store_close(&bad);
	snprintf(uri, sizeof(uri), "redis://127.0.0.1:%d/3", srv.port);
	bad = open_at(uri, "grey:");
	assert_int_equal(store_get(bad, "k", 1, &v, &err), -1);
	assert_non_null(strstr(err, "NOAUTH"));
	store_close(&bad);

	snprintf(uri, sizeof(uri), "redis+unix:%s?db=3&password=s3cret", srv.sock);
	bad = open_at(uri, "grey:");
	assert_string_equal(suite_get(bad, "k"), "in db 3");
	store_close(&bad);
	store_close(&s3);
	store_close(&s0);
	redis_stop(&srv);
	buf_free(&v);
}

/*
 * Another client changes the key between our read and our write: the
 * callback runs again on the new value, and that write wins nothing twice.
 */
struct intruder {
	struct store *other;
	int calls;
};

static int append_after_intrusion(void *ctx, const void *old, size_t olen, struct buf *nv,
                                  long *ttl_r, const char **error_r)
{
	struct intruder *in = ctx;

	/* Only for this test: a plain put on another handle, mid-update. */
	if (in->calls++ == 0)
		suite_put(in->other, "race", "theirs", 0);
	buf_append(nv, old, olen);
	buf_puts(nv, "+ours");
	return STORE_WRITE;
}

static void test_update_conflict(void **state)
{
	struct intruder in = {suite_open("cas:"), 0};
	struct store *s = suite_open("cas:");
	const char *err = "";

	suite_put(s, "race", "start", 0);
	assert_int_equal(store_update(s, "race", 4, append_after_intrusion, &in, &err),
	                 STORE_WRITE);
	assert_int_equal(in.calls, 2);
	assert_string_equal(suite_get(s, "race"), "theirs+ours");
	store_close(&s);
	store_close(&in.other);
}

/* Redis stopped, then started again: errors meanwhile, the same handle after. */
static void test_down_and_back(void **state)
{
	struct store *s = suite_open("down:");
	const char *err = "";
	struct buf v;

	buf_init(&v);
	log_text[0] = '\0';
	log_set_sink(log_capture);
	/* A restart between two calls costs nothing: the pooled connection the
	 * server closed is noticed and replaced before it is used. */
	suite_put(s, "k", "before", 0);
	redis_stop(&main_srv);
	assert_int_equal(redis_start(&main_srv), 0);
	assert_int_equal(store_get(s, "k", 1, &v, &err), 0);

	suite_put(s, "k", "before", 0);
	redis_stop(&main_srv);

	assert_int_equal(store_get(s, "k", 1, &v, &err), -1);
	assert_non_null(strstr(err, store_name(s)));
	assert_true(strstr(err, "cannot connect: Connection refused") != NULL ||
	            strstr(err, "connection lost") != NULL);
	/* While it is down, calls fail without trying, saying when it will retry. */
	assert_int_equal(store_put(s, "k", 1, "v", 1, 0, &err), -1);
	assert_non_null(strstr(err, "Redis unavailable ("));
	assert_non_null(strstr(err, "next try in"));
	assert_true(log_has("Redis unavailable, failing fast until it is back"));

	assert_int_equal(redis_start(&main_srv), 0);
	/* Nothing was saved: the key is gone, but the store answers again. */
	assert_int_equal(get_until_answered(s, "k", &err), 0);
	suite_put(s, "k", "after", 0);
	assert_string_equal(suite_get(s, "k"), "after");
	assert_true(log_has("Redis available again"));
	store_close(&s);
	log_set_sink(NULL);
	buf_free(&v);
}

/* Redis frozen (SIGSTOP): a timeout, not a hang; thawed: working again. */
static void test_frozen_redis(void **state)
{
	struct store *s = suite_open("frozen:");
	struct store_incr c = {"n", 1, 1};
	const char *err = "";
	struct buf v;

	buf_init(&v);
	suite_put(s, "k", "v", 0);
	assert_int_equal(kill(main_srv.pid, SIGSTOP), 0);
	assert_int_equal(store_get(s, "k", 1, &v, &err), -1);
	assert_non_null(strstr(err, "no reply within 100 ms"));
	assert_int_equal(store_incr_batch(s, &c, 1, 0, NULL, &err), -1);
	assert_non_null(strstr(err, "Redis unavailable"));
	assert_int_equal(kill(main_srv.pid, SIGCONT), 0);
	assert_int_equal(get_until_answered(s, "k", &err), 1);
	assert_int_equal(store_incr_batch(s, &c, 1, 0, NULL, &err), 0);
	store_close(&s);
	buf_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    SUITE_TESTS,
	    cmocka_unit_test(test_expiry_by_redis),
	    cmocka_unit_test(test_update_conflict),
	    cmocka_unit_test(test_databases_and_auth),
	    cmocka_unit_test(test_frozen_redis),
	    cmocka_unit_test(test_down_and_back),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

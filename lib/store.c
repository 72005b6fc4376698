/*
 * store - the backend-independent half of the key-value store: URI parsing,
 * key and value checks, dispatch to store_lmdb.c or store_redis.c, the LMDB
 * record format, the clock, fork() detection and the background sweeper.
 */
#include "store_impl.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

#define ERR_MAX 640

static __thread char err_buf[ERR_MAX];

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static pid_t cur_pid;
static store_clock_fn *clock_fn;

/* ---- process-wide state: errors, clock, fork ---- */

int store_error(const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	if (error_r != NULL)
		*error_r = err_buf;
	return -1;
}

int store_fail(const struct store *s, const char **error_r, const char *fmt, ...)
{
	char text[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return store_error(error_r, "%s: %s", s->uri.name, text);
}

const char *store_key_show(const void *key, size_t klen)
{
	static __thread char out[100];
	const unsigned char *k = key;
	size_t i, o = 0;

	for (i = 0; i < klen && o + 8 < sizeof(out); i++) {
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\\')
			out[o++] = (char)k[i];
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", k[i]);
	}
	if (i < klen)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "...");
	out[o] = '\0';
	return out;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&registry);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&registry);
}

static void atfork_child(void)
{
	cur_pid = getpid();
	pthread_mutex_unlock(&registry);
}

static void store_init_once(void)
{
	cur_pid = getpid();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

pid_t store_getpid(void)
{
	return __atomic_load_n(&cur_pid, __ATOMIC_ACQUIRE);
}

void store_registry_lock(void)
{
	pthread_mutex_lock(&registry);
}

void store_registry_unlock(void)
{
	pthread_mutex_unlock(&registry);
}

void store_set_clock(store_clock_fn *fn)
{
	__atomic_store_n(&clock_fn, fn, __ATOMIC_RELEASE);
}

time_t store_now(void)
{
	store_clock_fn *fn = __atomic_load_n(&clock_fn, __ATOMIC_ACQUIRE);

	return fn != NULL ? fn() : time(NULL);
}

/* ---- the LMDB record format and counters ---- */

void store_rec_encode(void *out, uint64_t expires, const void *val, size_t vlen)
{
	unsigned char *p = out;
	int i;

	p[0] = STORE_REC_VERSION;
	p[1] = 0;
	for (i = 0; i < 8; i++)
		p[2 + i] = (unsigned char)(expires >> (8 * i));
	if (vlen > 0)
		memcpy(p + STORE_REC_HDR, val, vlen);
}

int store_rec_decode(const void *rec, size_t len, uint64_t *expires_r, const void **val_r,
                     size_t *vlen_r)
{
	const unsigned char *p = rec;
	uint64_t e = 0;
	int i;

	if (len < STORE_REC_HDR || p[0] != STORE_REC_VERSION || p[1] != 0)
		return -1;
	for (i = 7; i >= 0; i--)
		e = (e << 8) | p[2 + i];
	*expires_r = e;
	*val_r = p + STORE_REC_HDR;
	*vlen_r = len - STORE_REC_HDR;
	return 0;
}

size_t store_counter_format(long long n, char *out)
{
	return (size_t)snprintf(out, 21, "%lld", n);
}

int store_counter_parse(const void *val, size_t len, long long *n_r)
{
	const char *p = val;
	unsigned long long v = 0, limit;
	bool neg = false;
	size_t i = 0;

	if (len > 0 && (p[0] == '-' || p[0] == '+')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == len || len > 20)
		return -1;
	limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (v > (limit - (unsigned)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*n_r = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* ---- handles ---- */

/* The sweeper waits on the monotonic clock: setting the time moves nothing. */
static void sweep_init_locks(struct store *s)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&s->sweep_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->sweep_cond, &attr);
	pthread_condattr_destroy(&attr);
}

int store_open(const char *uri, const char *prefix, struct store **store_r, const char **error_r)
{
	struct store *s;

	*store_r = NULL;
	pthread_once(&init_once, store_init_once);
	if (prefix == NULL)
		prefix = "";
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return store_error(error_r, "%s: out of memory", uri);
	if (store_uri_parse(uri, &s->uri, error_r) < 0) {
		free(s);
		return -1;
	}
	if (strlen(prefix) > STORE_PREFIX_MAX) {
		store_error(error_r, "%s: key prefix \"%s\" is longer than %d bytes", s->uri.name,
		            prefix, STORE_PREFIX_MAX);
		free(s);
		return -1;
	}
	snprintf(s->prefix, sizeof(s->prefix), "%s", prefix);
	s->plen = strlen(s->prefix);
	s->ops = s->uri.kind == STORE_LMDB ? &store_lmdb_ops : &store_redis_ops;
	s->pid = store_getpid();
	sweep_init_locks(s);
	if (s->ops->open(s, error_r) < 0) {
		pthread_mutex_destroy(&s->sweep_lock);
		pthread_cond_destroy(&s->sweep_cond);
		free(s);
		return -1;
	}
	*store_r = s;
	return 0;
}

void store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	store_sweeper_stop(s);
	s->ops->close(s);
	pthread_mutex_destroy(&s->sweep_lock);
	pthread_cond_destroy(&s->sweep_cond);
	free(s);
	*sp = NULL;
}

const char *store_name(const struct store *s)
{
	return s->uri.name;
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

static int sweeper_spawn(struct store *s);

/*
 * A handle used in a child after fork(): the backend drops the parent's
 * environment or connections, and the sweeper thread (which did not cross
 * the fork) starts again here.
 */
static void store_forked(struct store *s)
{
	store_registry_lock();
	if (s->pid != store_getpid()) {
		s->ops->forked(s);
		sweep_init_locks(s);
		if (s->sweep_running && !s->sweep_stop && sweeper_spawn(s) != 0)
			s->sweep_running = false;
		__atomic_store_n(&s->pid, store_getpid(), __ATOMIC_RELEASE);
	}
	store_registry_unlock();
}

static inline void store_ready(struct store *s)
{
	if (__atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) != store_getpid())
		store_forked(s);
}

static int check_key(const struct store *s, const void *key, size_t klen, const char **error_r)
{
	if (klen == 0 || key == NULL)
		return store_fail(s, error_r, "empty key");
	if (klen > STORE_KEY_MAX - s->plen)
		return store_fail(s, error_r, "key \"%s\" of %zu bytes is too long (at most %zu)",
		                  store_key_show(key, klen), klen, STORE_KEY_MAX - s->plen);
	return 0;
}

static int check_ttl(const struct store *s, long ttl, const char **error_r)
{
	if (ttl < 0 || ttl > STORE_TTL_MAX)
		return store_fail(s, error_r, "TTL %ld: expected 0 (none) to 100 years in seconds",
		                  ttl);
	return 0;
}

size_t store_fullkey(const struct store *s, const void *key, size_t klen, char *out)
{
	memcpy(out, s->prefix, s->plen);
	memcpy(out + s->plen, key, klen);
	return s->plen + klen;
}

int store_check(struct store *s, const char **error_r)
{
	store_ready(s);
	return s->ops->check(s, error_r);
}

int store_get(struct store *s, const void *key, size_t klen, struct buf *val, const char **error_r)
{
	char k[STORE_KEY_MAX];

	if (check_key(s, key, klen, error_r) < 0)
		return -1;
	store_ready(s);
	return s->ops->get(s, k, store_fullkey(s, key, klen, k), val, error_r);
}

int store_put(struct store *s, const void *key, size_t klen, const void *val, size_t vlen, long ttl,
              const char **error_r)
{
	char k[STORE_KEY_MAX];

	if (check_key(s, key, klen, error_r) < 0 || check_ttl(s, ttl, error_r) < 0)
		return -1;
	if (vlen > STORE_VALUE_MAX)
		return store_fail(s, error_r,
		                  "value of %zu bytes for key \"%s\" is too large (at most %d)",
		                  vlen, store_key_show(key, klen), STORE_VALUE_MAX);
	store_ready(s);
	return s->ops->put(s, k, store_fullkey(s, key, klen, k), val != NULL ? val : "", vlen, ttl,
	                   error_r);
}

int store_del(struct store *s, const void *key, size_t klen, const char **error_r)
{
	char k[STORE_KEY_MAX];

	if (check_key(s, key, klen, error_r) < 0)
		return -1;
	store_ready(s);
	return s->ops->del(s, k, store_fullkey(s, key, klen, k), error_r);
}

int store_update(struct store *s, const void *key, size_t klen, store_update_fn *fn, void *ctx,
                 const char **error_r)
{
	char k[STORE_KEY_MAX];
	const char *ignored;
	struct buf nv;
	int r;

	/* fn gets a usable error_r, and may return -1 without saying why. */
	if (error_r == NULL)
		error_r = &ignored;
	if (check_key(s, key, klen, error_r) < 0)
		return -1;
	store_ready(s);
	buf_init(&nv);
	*error_r = NULL;
	r = s->ops->update(s, k, store_fullkey(s, key, klen, k), fn, ctx, &nv, error_r);
	buf_free(&nv);
	if (r < 0 && *error_r == NULL)
		store_fail(s, error_r, "key \"%s\": the update gave up", store_key_show(key, klen));
	return r;
}

int store_incr_batch(struct store *s, const struct store_incr *items, size_t n, long ttl,
                     long long *results, const char **error_r)
{
	size_t i;

	if (check_ttl(s, ttl, error_r) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (check_key(s, items[i].key, items[i].klen, error_r) < 0)
			return -1;
	if (n == 0)
		return 0;
	store_ready(s);
	return s->ops->incr(s, items, n, ttl, results, error_r);
}

int store_get_batch(struct store *s, const struct store_key *keys, size_t n, store_value_fn *fn,
                    void *ctx, const char **error_r)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (check_key(s, keys[i].data, keys[i].len, error_r) < 0)
			return -1;
	if (n == 0)
		return 0;
	store_ready(s);
	return s->ops->get_batch(s, keys, n, fn, ctx, error_r);
}

static int scan_prefix(struct store *s, const void *prefix, size_t plen, char *out, size_t *len_r,
                       const char **error_r)
{
	if (plen > STORE_KEY_MAX - s->plen)
		return store_fail(s, error_r, "scan prefix of %zu bytes is too long", plen);
	*len_r = store_fullkey(s, prefix != NULL ? prefix : "", plen, out);
	return 0;
}

int store_scan(struct store *s, const void *prefix, size_t plen, store_scan_fn *fn, void *ctx,
               const char **error_r)
{
	char p[STORE_KEY_MAX];
	size_t len = 0;

	if (scan_prefix(s, prefix, plen, p, &len, error_r) < 0)
		return -1;
	store_ready(s);
	return s->ops->scan(s, p, len, true, fn, ctx, error_r);
}

static int count_one(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                     long ttl_left)
{
	(void)ctx, (void)key, (void)klen, (void)val, (void)vlen, (void)ttl_left;
	return 0;
}

int store_count(struct store *s, const void *prefix, size_t plen, long *count_r,
                const char **error_r)
{
	char p[STORE_KEY_MAX];
	size_t len = 0;
	int r;

	if (scan_prefix(s, prefix, plen, p, &len, error_r) < 0)
		return -1;
	store_ready(s);
	r = s->ops->scan(s, p, len, false, count_one, NULL, error_r);
	if (r < 0)
		return -1;
	*count_r = r;
	return 0;
}

int store_purge(struct store *s, long *purged_r, const char **error_r)
{
	long n = 0;

	store_ready(s);
	if (s->ops->purge(s, &n, error_r) < 0)
		return -1;
	if (purged_r != NULL)
		*purged_r = n;
	return 0;
}

/* ---- the sweeper ---- */

static void *sweeper_main(void *arg)
{
	struct store *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->sweep_lock);
	while (!s->sweep_stop) {
		const char *error;
		long n = 0;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += s->sweep_interval;
		r = 0;
		while (!s->sweep_stop && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&s->sweep_cond, &s->sweep_lock, &until);
		if (s->sweep_stop)
			break;
		pthread_mutex_unlock(&s->sweep_lock);
		if (store_purge(s, &n, &error) < 0)
			log_warn("store: sweeping expired entries: %s", error);
		else if (n > 0)
			log_info("store: %s: removed %ld expired entries", s->uri.name, n);
		pthread_mutex_lock(&s->sweep_lock);
	}
	pthread_mutex_unlock(&s->sweep_lock);
	return NULL;
}

/*
 * The sweeper blocks every signal: a store opened before the daemon's
 * signal thread set up (a check's init) must not become the thread that
 * SIGTERM or SIGHUP is delivered to, which would kill the process.
 */
static int sweeper_spawn(struct store *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&s->sweep_thread, NULL, sweeper_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int store_sweeper_start(struct store *s, long interval, const char **error_r)
{
	int r;

	if (interval < 1)
		return store_fail(s, error_r, "sweeper interval %ld: expected at least 1 second",
		                  interval);
	if (!s->ops->sweeps)
		return 0;
	store_ready(s);
	pthread_mutex_lock(&s->sweep_lock);
	s->sweep_interval = interval;
	if (s->sweep_running) {
		pthread_cond_broadcast(&s->sweep_cond);
		pthread_mutex_unlock(&s->sweep_lock);
		return 0;
	}
	s->sweep_stop = false;
	r = sweeper_spawn(s);
	s->sweep_running = r == 0;
	pthread_mutex_unlock(&s->sweep_lock);
	if (r != 0)
		return store_fail(s, error_r, "cannot start the sweeper thread: %s", strerror(r));
	return 0;
}

void store_sweeper_stop(struct store *s)
{
	bool join;

	store_ready(s);
	pthread_mutex_lock(&s->sweep_lock);
	join = s->sweep_running;
	s->sweep_stop = true;
	s->sweep_running = false;
	pthread_cond_broadcast(&s->sweep_cond);
	pthread_mutex_unlock(&s->sweep_lock);
	if (join)
		pthread_join(s->sweep_thread, NULL);
}

/*
 * store_redis - the shared backend: Redis through hiredis (the only file
 * that includes it). A pool of blocking connections with a timeout on
 * connect and on every command; after a failure the store fails fast for a
 * backoff time, then one caller probes, so a dead Redis costs one timeout
 * per backoff period instead of one per message. Redis expires keys itself.
 */
#include "store_impl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "log.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define MGET_CHUNK     1000
#define SCAN_COUNT     "1000"
#define UPDATE_TRIES   30
#define STRIPES        64

struct rpool {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a connection came back or a slot freed */
	redisContext **idle;
	int n_idle, total; /* total: idle, in use, and being connected */
	bool down, probing;
	long long retry_at; /* monotonic ms: when a down Redis is tried again */
	int backoff;
	char last_error[256];
};

/*
 * Updates of one key from this process take turns (by key hash, over every
 * handle), so WATCH/EXEC only settles races with other processes. Without
 * this, threads streaming updates at one key starve each other: the one
 * that lost the race retries into the next winner's window.
 */
static pthread_mutex_t stripes[STRIPES] = {[0 ... STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

/* fork() waits until no update is in flight; the child starts unlocked. */
static void stripes_lock_all(void)
{
	int i;

	for (i = 0; i < STRIPES; i++)
		pthread_mutex_lock(&stripes[i]);
}

static void stripes_unlock_all(void)
{
	int i;

	for (i = STRIPES - 1; i >= 0; i--)
		pthread_mutex_unlock(&stripes[i]);
}

static void stripes_init(void)
{
	pthread_atfork(stripes_lock_all, stripes_unlock_all, stripes_unlock_all);
}

enum rd_how { RD_OK, RD_DISCARD, RD_FAILED };

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rd_init_locks(struct rpool *p)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
}

static int rd_open(struct store *s, const char **error_r)
{
	struct rpool *p = calloc(1, sizeof(*p));

	if (p != NULL)
		p->idle = calloc((size_t)s->uri.pool, sizeof(*p->idle));
	if (p == NULL || p->idle == NULL) {
		free(p);
		return store_fail(s, error_r, "out of memory");
	}
	rd_init_locks(p);
	pthread_once(&stripes_once, stripes_init);
	s->be = p;
	return 0;
}

static void rd_close(struct store *s)
{
	struct rpool *p = s->be;

	while (p->n_idle > 0)
		redisFree(p->idle[--p->n_idle]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->idle);
	free(p);
	s->be = NULL;
}

static void rd_forked(struct store *s)
{
	struct rpool *p = s->be;

	/* Connections (and their state) are the parent's: close our copies. */
	rd_init_locks(p);
	while (p->n_idle > 0)
		redisFree(p->idle[--p->n_idle]);
	p->total = 0;
	p->down = p->probing = false;
	p->backoff = 0;
}

/* ---- connections ---- */

static void rd_auth_select(struct store *s, redisContext *c, int *n)
{
	char db[12];

	*n = 0;
	if (s->uri.password[0] != '\0') {
		if (s->uri.user[0] != '\0')
			redisAppendCommand(c, "AUTH %s %s", s->uri.user, s->uri.password);
		else
			redisAppendCommand(c, "AUTH %s", s->uri.password);
		(*n)++;
	}
	if (s->uri.db != 0) {
		snprintf(db, sizeof(db), "%d", s->uri.db);
		redisAppendCommand(c, "SELECT %s", db);
		(*n)++;
	}
}

static redisContext *rd_connect(struct store *s, char *err, size_t errlen)
{
	struct timeval tv = {s->uri.timeout_ms / 1000, (s->uri.timeout_ms % 1000) * 1000};
	redisContext *c;
	int i, n;

	if (s->uri.path[0] != '\0')
		c = redisConnectUnixWithTimeout(s->uri.path, tv);
	else
		c = redisConnectWithTimeout(s->uri.host, s->uri.port, tv);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (c->err) {
		snprintf(err, errlen, "cannot connect: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(err, errlen, "cannot set the timeout: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	if (s->uri.path[0] == '\0')
		redisEnableKeepAlive(c);
	rd_auth_select(s, c, &n);
	for (i = 0; i < n; i++) {
		redisReply *r = NULL;

		if (redisGetReply(c, (void **)&r) != REDIS_OK) {
			snprintf(err, errlen, "connection lost while logging in: %s", c->errstr);
			redisFree(c);
			return NULL;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "%s refused: %s",
			         i == 0 && s->uri.password[0] != '\0' ? "AUTH" : "SELECT", r->str);
			freeReplyObject(r);
			redisFree(c);
			return NULL;
		}
		freeReplyObject(r);
	}
	return c;
}

/* An idle connection with something to read has been closed by the server
 * (a restart): Redis sends nothing unasked outside pub/sub. */
static bool rd_stale(redisContext *c)
{
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

	return c->err != 0 || poll(&pfd, 1, 0) != 0;
}

/* Under the lock: Redis failed; drop the idle connections, wait before trying again. */
static void rd_mark_down(struct store *s, struct rpool *p, const char *why)
{
	long long now = now_ms();

	if (!p->down)
		log_warn("store: %s: Redis unavailable, failing fast until it is back: %s",
		         s->uri.name, why);
	/* Threads failing together count once; a failed retry doubles the wait. */
	if (!p->down || now >= p->retry_at) {
		p->backoff =
		    !p->down ? BACKOFF_MIN_MS
		             : (p->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff * 2);
		p->retry_at = now + p->backoff;
	}
	p->down = true;
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	while (p->n_idle > 0) {
		redisFree(p->idle[--p->n_idle]);
		p->total--;
	}
	pthread_cond_broadcast(&p->cond);
}

static redisContext *rd_new(struct store *s, struct rpool *p, const char **error_r)
{
	bool probe = p->down;
	char err[300];
	redisContext *c;

	p->total++;
	p->probing = probe;
	pthread_mutex_unlock(&p->lock);
	c = rd_connect(s, err, sizeof(err));
	pthread_mutex_lock(&p->lock);
	if (probe)
		p->probing = false;
	if (c == NULL) {
		p->total--;
		rd_mark_down(s, p, err);
		pthread_mutex_unlock(&p->lock);
		store_fail(s, error_r, "%s", err);
		return NULL;
	}
	if (p->down) {
		p->down = false;
		p->backoff = 0;
		log_info("store: %s: Redis available again", s->uri.name);
	}
	pthread_mutex_unlock(&p->lock);
	return c;
}

static redisContext *rd_acquire(struct store *s, const char **error_r)
{
	struct rpool *p = s->be;
	long long deadline = now_ms() + s->uri.timeout_ms;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		long long now = now_ms();

		if (p->n_idle > 0) {
			redisContext *c = p->idle[--p->n_idle];

			if (!rd_stale(c)) {
				pthread_mutex_unlock(&p->lock);
				return c;
			}
			redisFree(c);
			p->total--;
			continue;
		}
		if (p->down && (now < p->retry_at || p->probing)) {
			long long wait = p->retry_at > now ? p->retry_at - now : 0;

			pthread_mutex_unlock(&p->lock);
			store_fail(s, error_r, "Redis unavailable (%s); next try in %lld ms",
			           p->last_error, wait);
			return NULL;
		}
		if (p->total < s->uri.pool)
			return rd_new(s, p, error_r); /* unlocks */
		if (now >= deadline) {
			pthread_mutex_unlock(&p->lock);
			store_fail(s, error_r, "all %d connections (pool=%d) stayed busy for %d ms",
			           s->uri.pool, s->uri.pool, s->uri.timeout_ms);
			return NULL;
		} else {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (deadline - now) / 1000;
			ts.tv_nsec += ((deadline - now) % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		}
	}
}

static void rd_release(struct store *s, redisContext *c, enum rd_how how, const char *why)
{
	struct rpool *p = s->be;

	pthread_mutex_lock(&p->lock);
	if (how == RD_OK && c->err == 0) {
		p->idle[p->n_idle++] = c;
	} else {
		redisFree(c);
		p->total--;
		if (how == RD_FAILED)
			rd_mark_down(s, p, why);
	}
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---- commands ---- */

struct rd_op {
	struct store *s;
	redisContext *c;
	long long t0;
	const char **error_r;
};

static bool rd_begin(struct rd_op *op, struct store *s, const char **error_r)
{
	op->s = s;
	op->error_r = error_r;
	op->c = rd_acquire(s, error_r);
	op->t0 = now_ms();
	return op->c != NULL;
}

/* The next reply; NULL after an I/O error, which releases the connection
 * as failed and sets the error. */
static redisReply *rd_read(struct rd_op *op)
{
	redisReply *r = NULL;
	char why[300];

	if (redisGetReply(op->c, (void **)&r) == REDIS_OK && r != NULL)
		return r;
	if (op->c->err == REDIS_ERR_IO && now_ms() - op->t0 >= op->s->uri.timeout_ms - 1)
		snprintf(why, sizeof(why), "no reply within %d ms", op->s->uri.timeout_ms);
	else if (op->c->err == REDIS_ERR_OOM)
		snprintf(why, sizeof(why), "out of memory");
	else
		snprintf(why, sizeof(why), "connection lost: %s",
		         op->c->errstr[0] != '\0' ? op->c->errstr : "unknown error");
	rd_release(op->s, op->c, op->c->err == REDIS_ERR_OOM ? RD_DISCARD : RD_FAILED, why);
	op->c = NULL;
	store_fail(op->s, op->error_r, "%s", why);
	return NULL;
}

/* Finish with the connection: result r, or -1 and a discarded connection
 * when replies may still be pending. */
static int rd_end(struct rd_op *op, int r, bool clean)
{
	if (op->c != NULL)
		rd_release(op->s, op->c, clean ? RD_OK : RD_DISCARD, NULL);
	op->c = NULL;
	return r;
}

static int rd_reply_fail(struct rd_op *op, const char *cmd, const redisReply *r)
{
	if (r->type == REDIS_REPLY_ERROR)
		return store_fail(op->s, op->error_r, "%s: %s", cmd, r->str);
	return store_fail(op->s, op->error_r, "%s: unexpected reply of type %d", cmd, r->type);
}

static void rd_append(struct rd_op *op, int argc, const char **argv, const size_t *lens)
{
	redisAppendCommandArgv(op->c, argc, argv, lens);
}

static int rd_get(struct store *s, const void *key, size_t klen, struct buf *val,
                  const char **error_r)
{
	const char *argv[] = {"GET", key};
	size_t lens[] = {3, klen};
	struct rd_op op;
	redisReply *r;
	int ret;

	if (!rd_begin(&op, s, error_r))
		return -1;
	rd_append(&op, 2, argv, lens);
	if ((r = rd_read(&op)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STRING) {
		buf_reset(val);
		buf_append(val, r->str, r->len);
		ret = val->oom ? store_fail(s, error_r, "out of memory") : 1;
	} else {
		ret = r->type == REDIS_REPLY_NIL ? 0 : rd_reply_fail(&op, "GET", r);
	}
	freeReplyObject(r);
	return rd_end(&op, ret, true);
}

/* SET key value [EX ttl] appended; ttlbuf holds the number. */
static void rd_append_set(struct rd_op *op, const void *key, size_t klen, const void *val,
                          size_t vlen, long ttl, char *ttlbuf)
{
	const char *argv[] = {"SET", key, val, "EX", ttlbuf};
	size_t lens[] = {3, klen, vlen, 2, 0};

	lens[4] = (size_t)snprintf(ttlbuf, 24, "%ld", ttl);
	rd_append(op, ttl > 0 ? 5 : 3, argv, lens);
}

static int rd_put(struct store *s, const void *key, size_t klen, const void *val, size_t vlen,
                  long ttl, const char **error_r)
{
	struct rd_op op;
	redisReply *r;
	char ttlbuf[24];
	int ret;

	if (!rd_begin(&op, s, error_r))
		return -1;
	rd_append_set(&op, key, klen, val, vlen, ttl, ttlbuf);
	if ((r = rd_read(&op)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_STATUS ? 0 : rd_reply_fail(&op, "SET", r);
	freeReplyObject(r);
	return rd_end(&op, ret, true);
}

static int rd_del(struct store *s, const void *key, size_t klen, const char **error_r)
{
	const char *argv[] = {"DEL", key};
	size_t lens[] = {3, klen};
	struct rd_op op;
	redisReply *r;
	int ret;

	if (!rd_begin(&op, s, error_r))
		return -1;
	rd_append(&op, 2, argv, lens);
	if ((r = rd_read(&op)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_INTEGER ? (r->integer > 0) : rd_reply_fail(&op, "DEL", r);
	freeReplyObject(r);
	return rd_end(&op, ret, true);
}

/*
 * One optimistic round: WATCH+GET, fn, MULTI+SET/DEL+EXEC. Returns fn's
 * decision, -1 on error, or -2 when another client changed the key.
 */
static int rd_update_once(struct rd_op *op, const void *key, size_t klen, store_update_fn *fn,
                          void *ctx, struct buf *nv)
{
	const char *watch[] = {"WATCH", key}, *get[] = {"GET", key}, *del[] = {"DEL", key};
	const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"}, *unwatch[] = {"UNWATCH"};
	size_t lw[] = {5, klen}, lg[] = {3, klen}, ld[] = {3, klen}, lm[] = {5}, le[] = {4},
	       lu[] = {7};
	redisReply *w, *g, *r[3];
	char ttlbuf[24];
	long ttl = 0;
	int d, i, n;

	rd_append(op, 2, watch, lw);
	rd_append(op, 2, get, lg);
	if ((w = rd_read(op)) == NULL)
		return -1;
	freeReplyObject(w);
	if ((g = rd_read(op)) == NULL)
		return -1;
	if (g->type != REDIS_REPLY_STRING && g->type != REDIS_REPLY_NIL) {
		rd_reply_fail(op, "GET", g);
		freeReplyObject(g);
		return rd_end(op, -1, false); /* still WATCHing: not for reuse */
	}
	buf_reset(nv);
	d = fn(ctx, g->type == REDIS_REPLY_STRING ? g->str : NULL,
	       g->type == REDIS_REPLY_STRING ? g->len : 0, nv, &ttl, op->error_r);
	freeReplyObject(g);
	if (d == STORE_WRITE &&
	    (nv->oom || nv->len > STORE_VALUE_MAX || ttl < 0 || ttl > STORE_TTL_MAX)) {
		store_fail(op->s, op->error_r,
		           "key \"%s\": the update made a value of %zu bytes (at most %d) or a "
		           "TTL out of range",
		           store_key_show(key, klen), nv->len, STORE_VALUE_MAX);
		d = -1;
	}
	if (d != STORE_WRITE && d != STORE_DELETE) {
		rd_append(op, 1, unwatch, lu);
		if ((w = rd_read(op)) == NULL)
			return -1;
		freeReplyObject(w);
		return d == STORE_KEEP ? STORE_KEEP : -1;
	}
	rd_append(op, 1, multi, lm);
	if (d == STORE_WRITE)
		rd_append_set(op, key, klen, nv->data != NULL ? nv->data : "", nv->len, ttl,
		              ttlbuf);
	else
		rd_append(op, 2, del, ld);
	rd_append(op, 1, exec, le);
	for (n = 0; n < 3; n++)
		if ((r[n] = rd_read(op)) == NULL)
			break;
	if (n == 3 && r[2]->type == REDIS_REPLY_NIL)
		d = -2;
	else if (n == 3 && (r[2]->type != REDIS_REPLY_ARRAY || r[2]->elements != 1 ||
	                    r[2]->element[0]->type == REDIS_REPLY_ERROR))
		d = rd_reply_fail(op, "EXEC",
		                  r[2]->type == REDIS_REPLY_ARRAY && r[2]->elements == 1
		                      ? r[2]->element[0]
		                      : r[2]);
	for (i = 0; i < n; i++)
		freeReplyObject(r[i]);
	return n == 3 ? d : -1;
}

/* FNV-1a, to pick a key's stripe. */
static unsigned rd_hash(const void *key, size_t klen)
{
	const unsigned char *k = key;
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < klen; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* After a lost race, wait a random while (up to 0.1 ms doubling to 3.2 ms)
 * so that clients updating the same key stop colliding in lockstep. */
static void rd_jitter(int tries)
{
	static __thread unsigned seed;
	struct timespec ts = {0, 0};

	if (seed == 0)
		seed = (unsigned)(uintptr_t)&seed ^ (unsigned)now_ms();
	ts.tv_nsec = (long)(rand_r(&seed) % (100 << (tries < 5 ? tries : 5))) * 1000;
	nanosleep(&ts, NULL);
}

static int rd_update(struct store *s, const void *key, size_t klen, store_update_fn *fn, void *ctx,
                     struct buf *nv, const char **error_r)
{
	pthread_mutex_t *stripe = &stripes[rd_hash(key, klen) % STRIPES];
	struct rd_op op;
	int tries, d = -1;

	pthread_mutex_lock(stripe);
	if (!rd_begin(&op, s, error_r))
		goto out;
	for (tries = 0; tries < UPDATE_TRIES; tries++) {
		d = rd_update_once(&op, key, klen, fn, ctx, nv);
		if (op.c == NULL || d != -2)
			break;
		rd_jitter(tries);
		op.t0 = now_ms();
	}
	if (d == -2)
		d = store_fail(
		    s, error_r,
		    "key \"%s\": gave up after %d updates in a row lost to other clients",
		    store_key_show((const char *)key + s->plen, klen - s->plen), UPDATE_TRIES);
	if (op.c != NULL)
		rd_end(&op, 0, true);
out:
	pthread_mutex_unlock(stripe);
	return d;
}

/* ---- batches ---- */

static int rd_incr(struct store *s, const struct store_incr *items, size_t n, long ttl,
                   long long *results, const char **error_r)
{
	const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
	size_t lm[] = {5}, le[] = {4}, i, per = ttl > 0 ? 2 : 1;
	char ttlbuf[24], delta[24], k[STORE_KEY_MAX];
	size_t ttllen = (size_t)snprintf(ttlbuf, sizeof(ttlbuf), "%ld", ttl);
	struct rd_op op;
	redisReply *r, *x;
	int ret = 0;

	if (!rd_begin(&op, s, error_r))
		return -1;
	rd_append(&op, 1, multi, lm);
	for (i = 0; i < n; i++) {
		size_t klen = store_fullkey(s, items[i].key, items[i].klen, k);
		const char *incr[] = {"INCRBY", k, delta}, *expire[] = {"EXPIRE", k, ttlbuf};
		size_t li[] = {6, klen, 0}, lx[] = {6, klen, ttllen};

		li[2] = store_counter_format(items[i].delta, delta);
		rd_append(&op, 3, incr, li);
		if (ttl > 0)
			rd_append(&op, 3, expire, lx);
	}
	rd_append(&op, 1, exec, le);
	/* +OK for MULTI, +QUEUED for each command, then EXEC's array. */
	for (i = 0; i < 1 + n * per; i++) {
		if ((r = rd_read(&op)) == NULL)
			return -1;
		if (r->type == REDIS_REPLY_ERROR && ret == 0)
			ret = rd_reply_fail(&op, i == 0 ? "MULTI" : "INCRBY", r);
		freeReplyObject(r);
	}
	if ((x = rd_read(&op)) == NULL)
		return -1;
	if (ret == 0 && (x->type != REDIS_REPLY_ARRAY || x->elements != n * per))
		ret = rd_reply_fail(&op, "EXEC", x);
	for (i = 0; ret == 0 && i < n; i++) {
		redisReply *e = x->element[i * per];

		if (e->type == REDIS_REPLY_INTEGER) {
			if (results != NULL)
				results[i] = e->integer;
		} else if (e->type == REDIS_REPLY_ERROR && strstr(e->str, "overflow") != NULL) {
			ret = store_fail(s, error_r, "counter \"%s\" would overflow",
			                 store_key_show(items[i].key, items[i].klen));
		} else {
			ret =
			    store_fail(s, error_r, "key \"%s\" holds a value that is not a counter",
			               store_key_show(items[i].key, items[i].klen));
		}
	}
	freeReplyObject(x);
	return rd_end(&op, ret, true);
}

static int rd_mget_send(struct rd_op *op, const struct store_key *keys, size_t n, struct buf *kb,
                        const char **argv, size_t *lens)
{
	size_t i, off;
	char k[STORE_KEY_MAX];

	buf_reset(kb);
	for (i = 0; i < n; i++)
		buf_append(kb, k, store_fullkey(op->s, keys[i].data, keys[i].len, k));
	if (kb->oom)
		return -1;
	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0, off = 0; i < n; i++) {
		argv[i + 1] = kb->data + off;
		lens[i + 1] = op->s->plen + keys[i].len;
		off += lens[i + 1];
	}
	rd_append(op, (int)n + 1, argv, lens);
	return 0;
}

static int rd_get_batch(struct store *s, const struct store_key *keys, size_t n, store_value_fn *fn,
                        void *ctx, const char **error_r)
{
	const char **argv = malloc((MGET_CHUNK + 1) * sizeof(*argv));
	size_t *lens = malloc((MGET_CHUNK + 1) * sizeof(*lens)), at, i;
	struct rd_op op;
	struct buf kb;
	redisReply *r;
	int found = 0;

	buf_init(&kb);
	if (argv == NULL || lens == NULL) {
		free(argv);
		free(lens);
		return store_fail(s, error_r, "out of memory");
	}
	if (!rd_begin(&op, s, error_r))
		found = -1;
	/* Chunks are sent one after another: the keys' buffer is reused. */
	for (at = 0; found >= 0 && at < n; at += MGET_CHUNK) {
		size_t m = n - at < MGET_CHUNK ? n - at : MGET_CHUNK;

		if (rd_mget_send(&op, keys + at, m, &kb, argv, lens) < 0) {
			found = rd_end(&op, store_fail(s, error_r, "out of memory"), true);
			break;
		}
		if ((r = rd_read(&op)) == NULL) {
			found = -1;
			break;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements != m) {
			found = rd_end(&op, rd_reply_fail(&op, "MGET", r), true);
		} else {
			for (i = 0; i < m; i++)
				if (r->element[i]->type == REDIS_REPLY_STRING) {
					fn(ctx, at + i, r->element[i]->str, r->element[i]->len);
					found++;
				}
		}
		freeReplyObject(r);
	}
	if (op.c != NULL)
		rd_end(&op, 0, true);
	buf_free(&kb);
	free(argv);
	free(lens);
	return found;
}

/* ---- scans ---- */

/* SCAN's MATCH pattern for keys starting with prefix: glob characters escaped. */
static void rd_match(const void *prefix, size_t plen, struct buf *pat)
{
	const char *p = prefix;
	size_t i;

	for (i = 0; i < plen; i++) {
		if (strchr("*?[]\\", p[i]) != NULL && p[i] != '\0')
			buf_putc(pat, '\\');
		buf_putc(pat, p[i]);
	}
	buf_putc(pat, '*');
}

/* GET and PTTL for each key of one SCAN batch, then fn for the live ones. */
static int rd_scan_values(struct rd_op *op, redisReply *keys, bool values, store_scan_fn *fn,
                          void *ctx, int *n, int *stop)
{
	redisReply **rep = NULL;
	size_t i, j, m = keys->elements;
	size_t plen = op->s->plen;

	if (values && m > 0) {
		rep = calloc(2 * m, sizeof(*rep));
		if (rep == NULL)
			return rd_end(op, store_fail(op->s, op->error_r, "out of memory"), true);
		for (i = 0; i < m; i++) {
			const char *get[] = {"GET", keys->element[i]->str};
			const char *ttl[] = {"PTTL", keys->element[i]->str};
			size_t lg[] = {3, keys->element[i]->len}, lt[] = {4, keys->element[i]->len};

			rd_append(op, 2, get, lg);
			rd_append(op, 2, ttl, lt);
		}
		for (j = 0; j < 2 * m; j++)
			if ((rep[j] = rd_read(op)) == NULL)
				break;
		if (j < 2 * m) {
			for (i = 0; i < j; i++)
				freeReplyObject(rep[i]);
			free(rep);
			return -1;
		}
	}
	for (i = 0; i < m && !*stop; i++) {
		redisReply *k = keys->element[i];
		long left = -1;

		if (k->type != REDIS_REPLY_STRING || k->len < plen)
			continue;
		if (values) {
			redisReply *v = rep[2 * i], *t = rep[2 * i + 1];

			if (v->type != REDIS_REPLY_STRING) /* expired meanwhile, or not a string */
				continue;
			if (t->type == REDIS_REPLY_INTEGER && t->integer >= 0)
				left = (long)((t->integer + 999) / 1000);
			(*n)++;
			*stop = fn(ctx, k->str + plen, k->len - plen, v->str, v->len, left);
		} else {
			(*n)++;
			*stop = fn(ctx, k->str + plen, k->len - plen, NULL, 0, -1);
		}
	}
	for (j = 0; rep != NULL && j < 2 * m; j++)
		freeReplyObject(rep[j]);
	free(rep);
	return 0;
}

static int rd_scan(struct store *s, const void *prefix, size_t plen, bool values, store_scan_fn *fn,
                   void *ctx, const char **error_r)
{
	char cursor[32] = "0";
	struct rd_op op;
	struct buf pat;
	int n = 0, stop = 0, ret = 0;

	buf_init(&pat);
	rd_match(prefix, plen, &pat);
	if (pat.oom)
		return store_fail(s, error_r, "out of memory");
	if (!rd_begin(&op, s, error_r)) {
		buf_free(&pat);
		return -1;
	}
	do {
		const char *argv[] = {"SCAN", cursor, "MATCH", pat.data, "COUNT", SCAN_COUNT};
		size_t lens[] = {4, strlen(cursor), 5, pat.len, 5, strlen(SCAN_COUNT)};
		redisReply *r;

		op.t0 = now_ms();
		rd_append(&op, 6, argv, lens);
		if ((r = rd_read(&op)) == NULL) {
			ret = -1;
			break;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			ret = rd_end(&op, rd_reply_fail(&op, "SCAN", r), true);
		} else {
			memcpy(cursor, r->element[0]->str, r->element[0]->len);
			cursor[r->element[0]->len] = '\0';
			ret = rd_scan_values(&op, r->element[1], values, fn, ctx, &n, &stop);
		}
		freeReplyObject(r);
	} while (ret == 0 && !stop && strcmp(cursor, "0") != 0);
	buf_free(&pat);
	if (op.c != NULL)
		rd_end(&op, 0, true);
	return ret < 0 ? -1 : n;
}

static int rd_purge(struct store *s, long *purged_r, const char **error_r)
{
	(void)s, (void)error_r;
	*purged_r = 0; /* Redis expires keys itself */
	return 0;
}

static int rd_check(struct store *s, const char **error_r)
{
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	struct rd_op op;
	redisReply *r;
	int ret;

	if (!rd_begin(&op, s, error_r))
		return -1;
	rd_append(&op, 1, argv, lens);
	if ((r = rd_read(&op)) == NULL)
		return -1;
	ret = r->type == REDIS_REPLY_STATUS ? 0 : rd_reply_fail(&op, "PING", r);
	freeReplyObject(r);
	return rd_end(&op, ret, true);
}

const struct store_ops store_redis_ops = {
    .name = "redis",
    .sweeps = false,
    .open = rd_open,
    .close = rd_close,
    .forked = rd_forked,
    .check = rd_check,
    .get = rd_get,
    .put = rd_put,
    .del = rd_del,
    .update = rd_update,
    .incr = rd_incr,
    .get_batch = rd_get_batch,
    .scan = rd_scan,
    .purge = rd_purge,
};

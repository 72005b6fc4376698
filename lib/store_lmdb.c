/*
 * store_lmdb - the embedded backend: one LMDB file (MDB_NOSUBDIR), shared by
 * every handle on it through a process-wide registry (LMDB forbids opening a
 * file twice in a process). The only file that includes lmdb.h. Records
 * carry their expiry in a header (store_rec_encode); the map grows on
 * MDB_MAP_FULL under a lock that keeps transactions out meanwhile.
 */
#include "store_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "log.h"

/* Per write transaction of a purge: entries looked at, entries deleted. */
#define PURGE_VISIT 10000
#define PURGE_BATCH 1000
#define MAX_READERS 1024

struct lenv {
	struct lenv *next;
	char path[PATH_MAX];
	pid_t pid; /* entries of a parent process are never touched after fork() */
	int refs;
	MDB_env *env;
	MDB_dbi dbi;
	/* Every transaction holds it shared; changing the map size exclusive,
	 * since LMDB requires no transaction to be active in the process then. */
	pthread_rwlock_t resize;
	size_t map_size, map_max;
};

static struct lenv *envs; /* under store_registry_lock() */

static const char *lm_strerror(int rc)
{
	switch (rc) {
	case MDB_INVALID:
		return "not an LMDB file (or its header is corrupt)";
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		return "written by an incompatible LMDB version";
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return "the file is corrupt (restore it, or remove it and its -lock file)";
	case MDB_PANIC:
		return "LMDB hit a fatal error on this file; restart the daemon";
	case MDB_READERS_FULL:
		return "too many concurrent readers";
	case EACCES:
	case EPERM:
		return "permission denied (the file and its -lock file must be writable by the "
		       "daemon's user)";
	case EAGAIN:
		return "locked by another process in an incompatible mode";
	default:
		return mdb_strerror(rc);
	}
}

static int lm_fail(struct store *s, const char **error_r, const char *what, int rc)
{
	return store_fail(s, error_r, "%s: %s", what, lm_strerror(rc));
}

static int lm_open(struct store *s, const char **error_r)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	s->be = NULL;
	if (stat(s->uri.path, &st) == 0 && S_ISDIR(st.st_mode))
		return store_fail(s, error_r,
		                  "is a directory; lmdb: names a file (created if missing)");
	snprintf(dir, sizeof(dir), "%s", s->uri.path);
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return store_fail(s, error_r, "directory %s does not exist", dir);
	return 0;
}

/* The file's real path; for a file yet to be created, its directory's. */
static int lm_realpath(struct store *s, char *out, const char **error_r)
{
	char dir[PATH_MAX], rdir[PATH_MAX], *slash;

	if (realpath(s->uri.path, out) != NULL)
		return 0;
	if (errno != ENOENT)
		return store_fail(s, error_r, "%s", strerror(errno));
	snprintf(dir, sizeof(dir), "%s", s->uri.path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (realpath(dir[0] != '\0' ? dir : "/", rdir) == NULL)
		return store_fail(s, error_r, "directory %s: %s", dir[0] != '\0' ? dir : "/",
		                  strerror(errno));
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
	                     slash + 1) >= PATH_MAX)
		return store_fail(s, error_r, "path too long");
	return 0;
}

/* Open the environment, read the root page once so that a damaged file is
 * reported now, and clear reader slots left by processes that died. */
static struct lenv *lm_env_open(struct store *s, const char *real, const char **error_r)
{
	unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
	pthread_rwlockattr_t attr;
	struct lenv *e;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_envinfo info;
	int rc, dead;

	if (s->uri.sync == STORE_SYNC_META)
		flags |= MDB_NOMETASYNC;
	else if (s->uri.sync == STORE_SYNC_NONE)
		flags |= MDB_NOSYNC;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		store_fail(s, error_r, "out of memory");
		return NULL;
	}
	snprintf(e->path, sizeof(e->path), "%s", real);
	rc = mdb_env_create(&e->env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(e->env, s->uri.map_size);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(e->env, MAX_READERS);
	if (rc == 0)
		rc = mdb_env_open(e->env, real, flags, 0600);
	if (rc == 0)
		rc = mdb_reader_check(e->env, &dead);
	if (rc == 0)
		rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, NULL, 0, &e->dbi);
		if (rc == 0)
			rc = mdb_cursor_open(txn, e->dbi, &cur);
		if (rc == 0) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			if (rc == MDB_NOTFOUND)
				rc = 0;
			mdb_cursor_close(cur);
		}
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	if (rc != 0) {
		lm_fail(s, error_r, "cannot open", rc);
		if (e->env != NULL)
			mdb_env_close(e->env);
		free(e);
		return NULL;
	}
	mdb_env_info(e->env, &info);
	e->map_size = info.me_mapsize;
	e->map_max = s->uri.map_max > e->map_size ? s->uri.map_max : e->map_size;
	e->pid = store_getpid();
	e->refs = 1;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&e->resize, &attr);
	pthread_rwlockattr_destroy(&attr);
	return e;
}

/* The handle's environment, opened (or shared) on first use. */
static struct lenv *lm_attach(struct store *s, const char **error_r)
{
	struct lenv *e = __atomic_load_n((struct lenv **)&s->be, __ATOMIC_ACQUIRE);
	char real[PATH_MAX];

	if (e != NULL)
		return e;
	store_registry_lock();
	e = s->be;
	if (e == NULL && lm_realpath(s, real, error_r) == 0) {
		for (e = envs; e != NULL; e = e->next)
			if (e->pid == store_getpid() && strcmp(e->path, real) == 0)
				break;
		if (e != NULL) {
			e->refs++;
		} else if ((e = lm_env_open(s, real, error_r)) != NULL) {
			e->next = envs;
			envs = e;
		}
		if (e != NULL)
			__atomic_store_n((struct lenv **)&s->be, e, __ATOMIC_RELEASE);
	}
	store_registry_unlock();
	return e;
}

static void lm_close(struct store *s)
{
	struct lenv *e = s->be, **pp;

	if (e == NULL)
		return;
	store_registry_lock();
	if (e->pid == store_getpid() && --e->refs == 0) {
		for (pp = &envs; *pp != NULL; pp = &(*pp)->next)
			if (*pp == e) {
				*pp = e->next;
				break;
			}
		mdb_env_close(e->env);
		pthread_rwlock_destroy(&e->resize);
		free(e);
	}
	store_registry_unlock();
	s->be = NULL;
}

int store_lmdb_open_envs(void)
{
	struct lenv *e;
	int n = 0;

	store_registry_lock();
	for (e = envs; e != NULL; e = e->next)
		n += e->pid == store_getpid();
	store_registry_unlock();
	return n;
}

static void lm_forked(struct store *s)
{
	/* The parent's environment must not be used (nor closed) here. */
	s->be = NULL;
}

/* ---- transactions ---- */

static void lm_adopt_size(struct lenv *e)
{
	MDB_envinfo info;

	pthread_rwlock_wrlock(&e->resize);
	if (mdb_env_set_mapsize(e->env, 0) == 0 && mdb_env_info(e->env, &info) == 0)
		e->map_size = info.me_mapsize;
	pthread_rwlock_unlock(&e->resize);
}

static int lm_begin(struct store *s, struct lenv *e, unsigned flags, MDB_txn **txn_r,
                    size_t *size_r, const char **error_r)
{
	int rc, tries;

	for (tries = 0;; tries++) {
		pthread_rwlock_rdlock(&e->resize);
		rc = mdb_txn_begin(e->env, NULL, flags, txn_r);
		if (rc == 0) {
			*size_r = e->map_size;
			return 0;
		}
		pthread_rwlock_unlock(&e->resize);
		/* Another process grew the map: adopt its size and go on. */
		if (rc != MDB_MAP_RESIZED || tries == 3)
			return lm_fail(s, error_r, "cannot begin a transaction", rc);
		lm_adopt_size(e);
	}
}

static void lm_end(struct lenv *e)
{
	pthread_rwlock_unlock(&e->resize);
}

static const char *size_show(size_t n, char *out, size_t cap)
{
	if (n % ((size_t)1 << 30) == 0)
		snprintf(out, cap, "%zuG", n >> 30);
	else if (n % ((size_t)1 << 20) == 0)
		snprintf(out, cap, "%zuM", n >> 20);
	else
		snprintf(out, cap, "%zuk", n >> 10);
	return out;
}

/* MDB_MAP_FULL in a transaction that began with map size `seen`. */
static int lm_grow(struct store *s, struct lenv *e, size_t seen, const char **error_r)
{
	char a[32], b[32];
	MDB_envinfo info;
	size_t want;
	int rc = 0;

	pthread_rwlock_wrlock(&e->resize);
	if (e->map_size > seen) { /* another thread grew it meanwhile */
		pthread_rwlock_unlock(&e->resize);
		return 0;
	}
	if (e->map_size >= e->map_max) {
		pthread_rwlock_unlock(&e->resize);
		return store_fail(s, error_r,
		                  "the file is full: it reached map_max=%s; raise map_max in the "
		                  "store URI (such as ?map_max=%s) or purge expired entries",
		                  size_show(e->map_max, a, sizeof(a)),
		                  size_show(e->map_max * 2, b, sizeof(b)));
	}
	want = e->map_size > e->map_max / 2 ? e->map_max : e->map_size * 2;
	rc = mdb_env_set_mapsize(e->env, want);
	if (rc == 0 && mdb_env_info(e->env, &info) == 0)
		e->map_size = info.me_mapsize;
	pthread_rwlock_unlock(&e->resize);
	if (rc != 0)
		return lm_fail(s, error_r, "cannot grow the map", rc);
	log_info("store: %s: map grown to %s", s->uri.name, size_show(want, a, sizeof(a)));
	return 0;
}

/*
 * The body of a write transaction: returns a result >= 0, or -1 with either
 * *rc_r set to an LMDB error (formatted by lm_write; MDB_MAP_FULL makes it
 * grow the map and run the body again) or *error_r set.
 */
typedef int lm_body_fn(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                       const char **error_r);

static int lm_write(struct store *s, lm_body_fn *body, void *arg, const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	MDB_txn *txn;
	size_t seen;
	int attempt, r, rc;

	if (e == NULL)
		return -1;
	for (attempt = 0; attempt < 40; attempt++) {
		if (lm_begin(s, e, 0, &txn, &seen, error_r) < 0)
			return -1;
		rc = 0;
		r = body(s, e, txn, arg, &rc, error_r);
		if (r < 0)
			mdb_txn_abort(txn);
		else
			rc = mdb_txn_commit(txn);
		lm_end(e);
		if (rc == MDB_MAP_FULL) {
			if (lm_grow(s, e, seen, error_r) < 0)
				return -1;
			continue;
		}
		if (rc != 0)
			return lm_fail(s, error_r, "write failed", rc);
		return r;
	}
	return store_fail(s, error_r, "write failed: the map kept filling up");
}

/* ---- records ---- */

static uint64_t expiry_of(long ttl)
{
	return ttl > 0 ? (uint64_t)store_now() + (uint64_t)ttl : 0;
}

static bool expired(uint64_t expires)
{
	return expires != 0 && expires <= (uint64_t)store_now();
}

/*
 * The live value under key: 1 found, 0 absent or expired, -1 with *error_r
 * (the record is not ours) or *rc_r (LMDB error).
 */
static int lm_read(struct store *s, struct lenv *e, MDB_txn *txn, const void *key, size_t klen,
                   const void **val_r, size_t *vlen_r, uint64_t *expires_r, int *rc_r,
                   const char **error_r)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc = mdb_get(txn, e->dbi, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		*rc_r = rc;
		return -1;
	}
	if (store_rec_decode(v.mv_data, v.mv_size, expires_r, val_r, vlen_r) < 0)
		return store_fail(
		    s, error_r,
		    "key \"%s\": a record of %zu bytes in an unknown format (corrupt, or "
		    "written by another program)",
		    store_key_show(key, klen), v.mv_size);
	return expired(*expires_r) ? 0 : 1;
}

static int lm_write_rec(struct lenv *e, MDB_txn *txn, const void *key, size_t klen, const void *val,
                        size_t vlen, uint64_t expires, int *rc_r)
{
	MDB_val k = {klen, (void *)key}, v = {STORE_REC_HDR + vlen, NULL};
	int rc = mdb_put(txn, e->dbi, &k, &v, MDB_RESERVE);

	if (rc != 0) {
		*rc_r = rc;
		return -1;
	}
	store_rec_encode(v.mv_data, expires, val, vlen);
	return 0;
}

/* ---- single keys ---- */

struct lm_key_arg {
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
	long ttl;
	struct buf *out;
	store_update_fn *fn;
	void *ctx;
};

static int lm_get(struct store *s, const void *key, size_t klen, struct buf *val,
                  const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	const void *v;
	size_t vlen, seen;
	uint64_t exp;
	MDB_txn *txn;
	int r, rc = 0;

	if (e == NULL || lm_begin(s, e, MDB_RDONLY, &txn, &seen, error_r) < 0)
		return -1;
	r = lm_read(s, e, txn, key, klen, &v, &vlen, &exp, &rc, error_r);
	if (r == 1) {
		buf_reset(val);
		buf_append(val, v, vlen);
	}
	mdb_txn_abort(txn);
	lm_end(e);
	if (rc != 0)
		return lm_fail(s, error_r, "read failed", rc);
	if (r == 1 && val->oom)
		return store_fail(s, error_r, "out of memory");
	return r;
}

static int put_body(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                    const char **error_r)
{
	struct lm_key_arg *a = arg;

	(void)s, (void)error_r;
	return lm_write_rec(e, txn, a->key, a->klen, a->val, a->vlen, expiry_of(a->ttl), rc_r);
}

static int lm_put(struct store *s, const void *key, size_t klen, const void *val, size_t vlen,
                  long ttl, const char **error_r)
{
	struct lm_key_arg a = {.key = key, .klen = klen, .val = val, .vlen = vlen, .ttl = ttl};

	return lm_write(s, put_body, &a, error_r);
}

static int del_body(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                    const char **error_r)
{
	struct lm_key_arg *a = arg;
	MDB_val k = {a->klen, (void *)a->key};
	const void *v;
	size_t vlen;
	uint64_t exp;
	int live = lm_read(s, e, txn, a->key, a->klen, &v, &vlen, &exp, rc_r, error_r);
	int rc;

	if (live < 0 && *rc_r != 0)
		return -1;
	/* Delete even a record we cannot read: the caller wants it gone. */
	rc = mdb_del(txn, e->dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		*rc_r = rc;
		return -1;
	}
	return live == 1 ? 1 : 0;
}

static int lm_del(struct store *s, const void *key, size_t klen, const char **error_r)
{
	struct lm_key_arg a = {.key = key, .klen = klen};

	return lm_write(s, del_body, &a, error_r);
}

static int update_body(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                       const char **error_r)
{
	struct lm_key_arg *a = arg;
	MDB_val k = {a->klen, (void *)a->key};
	const void *old = NULL;
	size_t olen = 0;
	uint64_t exp;
	long ttl = 0;
	int live, d, rc;

	live = lm_read(s, e, txn, a->key, a->klen, &old, &olen, &exp, rc_r, error_r);
	if (live < 0)
		return -1;
	buf_reset(a->out);
	d = a->fn(a->ctx, live == 1 ? old : NULL, live == 1 ? olen : 0, a->out, &ttl, error_r);
	switch (d) {
	case STORE_KEEP:
		return d;
	case STORE_WRITE:
		if (a->out->oom)
			return store_fail(s, error_r, "out of memory");
		if (a->out->len > STORE_VALUE_MAX || ttl < 0 || ttl > STORE_TTL_MAX)
			return store_fail(s, error_r,
			                  "key \"%s\": the update made a value of %zu bytes "
			                  "(at most %d) or a TTL out of range",
			                  store_key_show(a->key, a->klen), a->out->len,
			                  STORE_VALUE_MAX);
		if (lm_write_rec(e, txn, a->key, a->klen, a->out->data != NULL ? a->out->data : "",
		                 a->out->len, expiry_of(ttl), rc_r) < 0)
			return -1;
		return d;
	case STORE_DELETE:
		rc = mdb_del(txn, e->dbi, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			*rc_r = rc;
			return -1;
		}
		return d;
	default:
		return -1; /* the callback gave up, with its *error_r */
	}
}

static int lm_update(struct store *s, const void *key, size_t klen, store_update_fn *fn, void *ctx,
                     struct buf *nv, const char **error_r)
{
	struct lm_key_arg a = {.key = key, .klen = klen, .out = nv, .fn = fn, .ctx = ctx};

	return lm_write(s, update_body, &a, error_r);
}

/* ---- batches ---- */

struct lm_incr_arg {
	const struct store_incr *items;
	size_t n;
	long ttl;
	long long *results;
};

static int incr_body(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                     const char **error_r)
{
	struct lm_incr_arg *a = arg;
	char k[STORE_KEY_MAX], num[24];
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct store_incr *it = &a->items[i];
		size_t klen = store_fullkey(s, it->key, it->klen, k), vlen, nlen;
		const void *v;
		uint64_t exp = 0;
		long long cur = 0;
		int live = lm_read(s, e, txn, k, klen, &v, &vlen, &exp, rc_r, error_r);

		if (live < 0)
			return -1;
		if (live == 1 && store_counter_parse(v, vlen, &cur) < 0)
			return store_fail(s, error_r,
			                  "key \"%s\" holds a value that is not a counter",
			                  store_key_show(it->key, it->klen));
		if (__builtin_add_overflow(cur, it->delta, &cur))
			return store_fail(s, error_r, "counter \"%s\" would overflow",
			                  store_key_show(it->key, it->klen));
		if (a->ttl > 0)
			exp = expiry_of(a->ttl);
		else if (live != 1)
			exp = 0;
		nlen = store_counter_format(cur, num);
		if (lm_write_rec(e, txn, k, klen, num, nlen, exp, rc_r) < 0)
			return -1;
		if (a->results != NULL)
			a->results[i] = cur;
	}
	return 0;
}

static int lm_incr(struct store *s, const struct store_incr *items, size_t n, long ttl,
                   long long *results, const char **error_r)
{
	struct lm_incr_arg a = {items, n, ttl, results};

	return lm_write(s, incr_body, &a, error_r);
}

static int lm_get_batch(struct store *s, const struct store_key *keys, size_t n, store_value_fn *fn,
                        void *ctx, const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	char k[STORE_KEY_MAX];
	MDB_txn *txn;
	size_t i, seen;
	int found = 0, rc = 0, r = 0;

	if (e == NULL || lm_begin(s, e, MDB_RDONLY, &txn, &seen, error_r) < 0)
		return -1;
	for (i = 0; i < n && r >= 0; i++) {
		size_t klen = store_fullkey(s, keys[i].data, keys[i].len, k), vlen;
		const void *v;
		uint64_t exp;

		r = lm_read(s, e, txn, k, klen, &v, &vlen, &exp, &rc, error_r);
		if (r == 1) {
			fn(ctx, i, v, vlen);
			found++;
		}
	}
	mdb_txn_abort(txn);
	lm_end(e);
	if (rc != 0)
		return lm_fail(s, error_r, "read failed", rc);
	return r < 0 ? -1 : found;
}

/* ---- scans and purges ---- */

static int lm_scan(struct store *s, const void *prefix, size_t plen, bool values, store_scan_fn *fn,
                   void *ctx, const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	MDB_val k = {plen, (void *)prefix}, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	size_t seen;
	int rc, n = 0, err = 0, stop = 0;

	if (e == NULL || lm_begin(s, e, MDB_RDONLY, &txn, &seen, error_r) < 0)
		return -1;
	rc = mdb_cursor_open(txn, e->dbi, &cur);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, plen > 0 ? MDB_SET_RANGE : MDB_FIRST);
	for (; rc == 0 && !stop; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const void *val;
		size_t vlen;
		uint64_t exp;
		long left;

		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (store_rec_decode(v.mv_data, v.mv_size, &exp, &val, &vlen) < 0) {
			err = store_fail(s, error_r,
			                 "key \"%s\": a record in an unknown format (corrupt?)",
			                 store_key_show(k.mv_data, k.mv_size));
			break;
		}
		if (expired(exp))
			continue;
		left = exp == 0 ? -1 : (long)(exp - (uint64_t)store_now());
		n++;
		stop = fn(ctx, (const char *)k.mv_data + s->plen, k.mv_size - s->plen,
		          values ? val : NULL, values ? vlen : 0, values ? left : -1);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (cur != NULL)
		mdb_cursor_close(cur); /* a read-only transaction does not close its cursors */
	mdb_txn_abort(txn);
	lm_end(e);
	if (rc != 0)
		return lm_fail(s, error_r, "scan failed", rc);
	return err < 0 ? -1 : n;
}

/*
 * A purge is a series of short write transactions, so that writers never
 * wait long: each round looks at up to PURGE_VISIT entries after `from` and
 * deletes up to PURGE_BATCH expired ones. A round only reads `from` (it may
 * run twice when the map grows) and leaves where it stopped in `next`.
 */
struct lm_purge_arg {
	struct buf from, next; /* the last key looked at, before and after a round */
	bool started, more;
	struct buf keys; /* expired keys to delete: 2-byte length, bytes */
};

static int purge_body(struct store *s, struct lenv *e, MDB_txn *txn, void *arg, int *rc_r,
                      const char **error_r)
{
	struct lm_purge_arg *a = arg;
	MDB_val k, v;
	MDB_cursor *cur;
	size_t visited = 0, batch = 0, off;
	int rc;

	buf_reset(&a->keys);
	buf_reset(&a->next);
	a->more = false;
	rc = mdb_cursor_open(txn, e->dbi, &cur);
	if (rc != 0)
		goto out;
	k.mv_size = a->started ? a->from.len : s->plen;
	k.mv_data = a->started ? a->from.data : s->prefix;
	rc = mdb_cursor_get(cur, &k, &v, k.mv_size > 0 ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && a->started && k.mv_size == a->from.len &&
	    memcmp(k.mv_data, a->from.data, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		unsigned char len2[2] = {(unsigned char)(k.mv_size >> 8), (unsigned char)k.mv_size};
		const void *val;
		size_t vlen;
		uint64_t exp;

		if (k.mv_size < s->plen || memcmp(k.mv_data, s->prefix, s->plen) != 0)
			break;
		if (visited == PURGE_VISIT || batch == PURGE_BATCH) {
			a->more = true;
			break;
		}
		visited++;
		buf_reset(&a->next);
		buf_append(&a->next, k.mv_data, k.mv_size);
		/* Records in another format are not ours to judge: left alone. */
		if (store_rec_decode(v.mv_data, v.mv_size, &exp, &val, &vlen) == 0 &&
		    expired(exp)) {
			buf_append(&a->keys, len2, 2);
			buf_append(&a->keys, k.mv_data, k.mv_size);
			batch++;
		}
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(cur);
	if (rc != 0)
		goto out;
	if (a->keys.oom || a->next.oom)
		return store_fail(s, error_r, "out of memory");
	for (off = 0; off < a->keys.len && rc == 0;) {
		const unsigned char *p = (const unsigned char *)a->keys.data + off;

		k.mv_size = (size_t)p[0] << 8 | p[1];
		k.mv_data = (void *)(p + 2);
		rc = mdb_del(txn, e->dbi, &k, NULL);
		off += 2 + k.mv_size;
	}
	if (rc == 0)
		return (int)batch;
out:
	*rc_r = rc;
	return -1;
}

static int lm_purge(struct store *s, long *purged_r, const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	struct lm_purge_arg a;
	struct buf tmp;
	int r, dead;

	if (e == NULL)
		return -1;
	/* Reader slots of dead processes (a killed admin tool) pin old pages. */
	mdb_reader_check(e->env, &dead);

	memset(&a, 0, sizeof(a));
	buf_init(&a.from);
	buf_init(&a.next);
	buf_init(&a.keys);
	do {
		r = lm_write(s, purge_body, &a, error_r);
		if (r < 0)
			break;
		*purged_r += r;
		tmp = a.from;
		a.from = a.next;
		a.next = tmp;
		a.started = true;
	} while (a.more);
	buf_free(&a.from);
	buf_free(&a.next);
	buf_free(&a.keys);
	return r < 0 ? -1 : 0;
}

static int lm_check(struct store *s, const char **error_r)
{
	struct lenv *e = lm_attach(s, error_r);
	MDB_txn *txn;
	size_t seen;

	if (e == NULL || lm_begin(s, e, MDB_RDONLY, &txn, &seen, error_r) < 0)
		return -1;
	mdb_txn_abort(txn);
	lm_end(e);
	return 0;
}

const struct store_ops store_lmdb_ops = {
    .name = "lmdb",
    .sweeps = true,
    .open = lm_open,
    .close = lm_close,
    .forked = lm_forked,
    .check = lm_check,
    .get = lm_get,
    .put = lm_put,
    .del = lm_del,
    .update = lm_update,
    .incr = lm_incr,
    .get_batch = lm_get_batch,
    .scan = lm_scan,
    .purge = lm_purge,
};

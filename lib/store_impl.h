/*
 * store_impl - what lib/store.c shares with its backends (store_lmdb.c,
 * store_redis.c) and with tests/fuzz/fuzz_store.c: the parsed URI, the
 * backend operations table, the LMDB record format, error helpers. Checks
 * include store.h only.
 */
#ifndef CM_STORE_IMPL_H
#define CM_STORE_IMPL_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "store.h"

enum store_kind { STORE_LMDB, STORE_REDIS };
enum store_sync { STORE_SYNC_FULL, STORE_SYNC_META, STORE_SYNC_NONE };

#define STORE_NAME_MAX 512

struct store_uri {
	enum store_kind kind;
	char name[STORE_NAME_MAX]; /* the URI as given, password replaced by *** */
	char path[PATH_MAX - 8];   /* LMDB file, or the Redis unix socket ("" for TCP) */
	/* LMDB */
	size_t map_size, map_max;
	enum store_sync sync;
	/* Redis */
	char host[256];
	int port, db;
	char user[128], password[256];
	int timeout_ms, pool;
};

/* Defaults of the URI parameters. */
#define STORE_MAP_SIZE_DEF ((size_t)256 << 20)
#define STORE_MAP_MAX_DEF  ((size_t)8 << 30)
#define STORE_MAP_SIZE_MIN ((size_t)64 << 10)
#define STORE_TIMEOUT_DEF  100
#define STORE_POOL_DEF     32
#define STORE_REDIS_PORT   6379

/* The longest TTL: a century is plenty, and far from any overflow. */
#define STORE_TTL_MAX (100L * 366 * 86400)

/* Parse a store URI; -1 with *error_r (thread-local text) naming what is wrong. */
int store_uri_parse(const char *uri, struct store_uri *u, const char **error_r);

struct store_ops {
	const char *name;
	bool sweeps; /* expired entries must be deleted by us (LMDB) */
	int (*open)(struct store *s, const char **error_r); /* no I/O */
	void (*close)(struct store *s);
	/* In a child after fork(): drop what belongs to the parent, without I/O. */
	void (*forked)(struct store *s);
	int (*check)(struct store *s, const char **error_r);
	/* Keys given to backends already carry the prefix and are valid. */
	int (*get)(struct store *s, const void *key, size_t klen, struct buf *val,
	           const char **error_r);
	int (*put)(struct store *s, const void *key, size_t klen, const void *val, size_t vlen,
	           long ttl, const char **error_r);
	int (*del)(struct store *s, const void *key, size_t klen, const char **error_r);
	int (*update)(struct store *s, const void *key, size_t klen, store_update_fn *fn, void *ctx,
	              struct buf *nv, const char **error_r);
	/* Items' keys are WITHOUT the prefix (store_fullkey adds it). */
	int (*incr)(struct store *s, const struct store_incr *items, size_t n, long ttl,
	            long long *results, const char **error_r);
	int (*get_batch)(struct store *s, const struct store_key *keys, size_t n,
	                 store_value_fn *fn, void *ctx, const char **error_r);
	/* prefix already carries the handle's prefix; fn gets keys without it.
	 * values false: fn gets val NULL and ttl -1 (counting). */
	int (*scan)(struct store *s, const void *prefix, size_t plen, bool values,
	            store_scan_fn *fn, void *ctx, const char **error_r);
	int (*purge)(struct store *s, long *purged_r, const char **error_r);
};

extern const struct store_ops store_lmdb_ops;
/* For tests: LMDB environments this process has open (the registry's size). */
int store_lmdb_open_envs(void);
extern const struct store_ops store_redis_ops;

struct store {
	const struct store_ops *ops;
	struct store_uri uri;
	char prefix[STORE_PREFIX_MAX + 1];
	size_t plen;
	void *be;  /* the backend's state */
	pid_t pid; /* the process the backend state belongs to */

	/* The sweeper (LMDB). */
	pthread_mutex_t sweep_lock;
	pthread_cond_t sweep_cond;
	pthread_t sweep_thread;
	bool sweep_running, sweep_stop;
	long sweep_interval;
};

/* prefix + key into out[STORE_KEY_MAX]; the caller validated the length. */
size_t store_fullkey(const struct store *s, const void *key, size_t klen, char *out);

/* The process-wide lock of backend registries; fork() waits for it. */
void store_registry_lock(void);
void store_registry_unlock(void);
/* Our process id, kept current across fork() by an atfork handler. */
pid_t store_getpid(void);

/* -1, with *error_r = the text, in thread-local storage. */
int store_error(const char **error_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -1, with *error_r = "NAME: text" in thread-local storage. */
int store_fail(const struct store *s, const char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A key as printable text for messages (static per thread, truncated). */
const char *store_key_show(const void *key, size_t klen);

/*
 * LMDB records: a 10-byte header in front of the value:
 *   byte 0     STORE_REC_VERSION
 *   byte 1     flags (0)
 *   bytes 2-9  expiry, seconds since the epoch, little endian; 0 = never
 */
#define STORE_REC_HDR     10
#define STORE_REC_VERSION 0xC1
void store_rec_encode(void *out, uint64_t expires, const void *val, size_t vlen);
/* 0, or -1 if rec is not a record (short, unknown version or flags). */
int store_rec_decode(const void *rec, size_t len, uint64_t *expires_r, const void **val_r,
                     size_t *vlen_r);
/* Write n in decimal into out (at least 21 bytes); returns the length. */
size_t store_counter_format(long long n, char *out);

#endif

/*
 * store - a small key-value store for state that checks change while mail
 * flows (greylist triplets, Bayes token counters), with two backends behind
 * one interface: an embedded LMDB file (default, nothing to run) and Redis
 * (several MX hosts sharing one state). Keys and values are byte strings.
 */
#ifndef CM_STORE_H
#define CM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

/*
 * Opening
 * -------
 * store_open(uri, prefix, ...) parses the URI and returns a handle; it does
 * no I/O. The file or connection is opened by the first operation, in the
 * process and with the user that performs it. This matters to the daemon,
 * which loads its config (and runs checks' init()) as root before it forks
 * and drops privileges: a store opened in init() is attached by the first
 * milter thread that uses it, so its file belongs to UserID and no LMDB
 * environment crosses a fork(). A handle used after fork() re-attaches in
 * the child by itself. store_check() attaches at once (for tools and for
 * reporting problems early).
 *
 * URIs (parameters after '?', separated by '&'):
 *
 *   lmdb:/var/lib/chainmilter/greylist.lmdb
 *       One file (LMDB's MDB_NOSUBDIR mode) plus its lock file PATH-lock,
 *       both created mode 0600 in a directory that must exist and be
 *       writable. Parameters:
 *         map_size=256M   initial map size (k, M, G suffixes)
 *         map_max=8G      the map doubles on "map full" up to this size;
 *                         beyond it writes fail with an error naming map_max
 *         sync=full       full: every commit is on disk when it returns
 *                         (fdatasync, survives power loss); meta: the last
 *                         commits may be lost on an OS crash (not on a
 *                         process crash), the file never corrupts; none:
 *                         the OS writes when it likes (an OS crash may
 *                         corrupt the file). kill -9 loses nothing in any mode.
 *
 *   redis://host[:port][/db]          (port 6379, db 0 by default)
 *   redis://:password@host:port/db    (AUTH password)
 *   redis://user:password@host/db     (Redis 6 ACL user; %XX escapes allowed)
 *   redis://[::1]:6379/0              (IPv6 literal)
 *   redis+unix:/run/redis/redis.sock  (parameters db=N, password=..., user=...)
 *       Parameters for both Redis forms:
 *         timeout=100     connect and command timeout in milliseconds
 *         pool=32         at most this many connections
 *
 * The prefix ("grey:", "bayes:") is put in front of every key, so several
 * users can share one Redis database or one LMDB file without seeing each
 * other's keys. Scans, counts and purges see only the handle's prefix.
 *
 * Errors
 * ------
 * Every function that can fail returns -1 and sets *error_r (error_r may be
 * NULL) to a text naming the store (the URI, password hidden) and what is
 * wrong, such as "lmdb:/x/grey.lmdb: cannot open: not an LMDB file (or its
 * header is corrupt)" or "redis://:***@db1:6379/0: no reply within 100 ms". The
 * text lives in thread-local storage: valid until the next store_* call on
 * the same thread. Nothing aborts: a store error is a result, and the caller
 * applies its own failure policy (GreylistOnStoreError accept|tempfail).
 *
 * Threads
 * -------
 * Every function may be called from any number of threads at once on one
 * handle, except store_close(). Callbacks (update, batch get, scan) run
 * while the store holds a transaction or a connection: they must be quick
 * and must not call store_* functions.
 *
 * LMDB: readers never wait for writers; writers take turns (one write
 * transaction at a time per file, across processes). LMDB forbids opening
 * one file twice in a process; handles on the same file (a config reload
 * while the old snapshot still runs, greylist and Bayes sharing a file)
 * share one environment through a process-wide registry keyed by the file's
 * real path, with reference counts. The parameters of the first handle to
 * attach apply. Growing the map makes every thread of the process wait for
 * a moment; it happens a handful of times in a file's life.
 *
 * Redis: a pool of connections, each used by one thread at a time. When
 * Redis is down, an operation fails within the timeout, and for a backoff
 * time (100 ms, doubling up to 2 s) later operations fail at once without
 * trying; then one operation tries again, and the store is back when Redis
 * is. Nothing needs reopening.
 *
 * Expiry
 * ------
 * A TTL is in seconds; 0 means "never expires" for store_put and "keep the
 * key's current expiry" for store_incr_batch (as Redis SET and INCRBY do).
 * Expired keys are invisible at once on both backends. Redis deletes them
 * itself; LMDB keeps the expiry time in a header in front of each value and
 * deletes expired entries in store_purge() or in the background sweeper.
 */

struct store;

/* Longest key, counting the prefix (LMDB's limit is 511 bytes). */
#define STORE_KEY_MAX 480
/* Longest value: this is a store of small records. */
#define STORE_VALUE_MAX (1024 * 1024)
/* Longest prefix. */
#define STORE_PREFIX_MAX 64

int store_open(const char *uri, const char *prefix, struct store **store_r, const char **error_r);
/* Stops the sweeper, releases the file or the connections; sets *sp NULL. */
void store_close(struct store **sp);
/* The URI for messages and log lines, with any password replaced by "***". */
const char *store_name(const struct store *s);
/* "lmdb" or "redis". */
const char *store_backend(const struct store *s);
/* Attach now: open (create) the LMDB file, or connect to Redis and PING. */
int store_check(struct store *s, const char **error_r);

/*
 * Single keys. store_get: 1 and the value in *val (replacing its contents),
 * 0 when the key does not exist or has expired, -1 on error. store_put:
 * 0 or -1. store_del: 1 deleted, 0 there was nothing, -1 on error.
 */
int store_get(struct store *s, const void *key, size_t klen, struct buf *val, const char **error_r);
int store_put(struct store *s, const void *key, size_t klen, const void *val, size_t vlen, long ttl,
              const char **error_r);
int store_del(struct store *s, const void *key, size_t klen, const char **error_r);

/*
 * Read-modify-write of one record, atomically: fn gets the current value
 * (old NULL when absent or expired), and returns what to do:
 *   STORE_KEEP    leave the record as it is (and its expiry);
 *   STORE_WRITE   store the bytes fn put in new_val (empty on entry), with
 *                 *ttl_r seconds to live (0 on entry: never expires);
 *   STORE_DELETE  delete the record;
 *   -1            give up: store_update returns -1 with fn's *error_r.
 * store_update returns fn's decision or -1.
 *
 * fn may run MORE THAN ONCE for one call: on Redis it runs between WATCH
 * and EXEC and again when another client changed the key in between
 * (optimistic locking, retried after a random pause up to 30 times, then
 * -1); on LMDB it runs again when the map had to grow. So fn computes from
 * its arguments only and records its outcome in ctx on every call (the last
 * call counts). Updates of one key by threads of one process take turns
 * (LMDB: the write transaction; Redis: a lock per key hash), so retries only
 * happen between processes, such as two MX hosts sharing a Redis. On LMDB
 * fn runs inside the write transaction: other writers wait for it.
 *
 * Why a callback: greylisting's rules (first seen, retry window, pass count)
 * stay C code in one place, tested once, and run unchanged on both
 * backends, instead of a second copy in a Redis Lua script. The price on
 * Redis is two round trips (WATCH+GET, then MULTI+SET+EXEC).
 */
enum store_update { STORE_KEEP, STORE_WRITE, STORE_DELETE };
typedef int store_update_fn(void *ctx, const void *old, size_t old_len, struct buf *new_val,
                            long *ttl_r, const char **error_r);
int store_update(struct store *s, const void *key, size_t klen, store_update_fn *fn, void *ctx,
                 const char **error_r);

/*
 * Counters, for the classifier. A counter is a key whose value is a signed
 * decimal integer in ASCII ("42"), as Redis keeps it; store_get returns
 * those bytes and store_counter_parse() reads them. A missing or expired
 * key counts as 0.
 *
 * store_incr_batch adds items[i].delta to each counter, all in one
 * transaction (one LMDB write transaction; one Redis MULTI/EXEC, sent as a
 * single pipeline). ttl > 0 sets every counter's expiry to ttl seconds from
 * now; ttl == 0 keeps each counter's expiry. With results non-NULL,
 * results[i] receives item i's new value. A key holding something that is
 * not a counter fails the call; on LMDB nothing is changed then, on Redis
 * the other counters are changed (Redis does not roll back), so keep
 * counters and other records under different key prefixes.
 */
struct store_incr {
	const void *key;
	size_t klen;
	long long delta;
};
int store_incr_batch(struct store *s, const struct store_incr *items, size_t n, long ttl,
                     long long *results, const char **error_r);
/* 0 and *n_r for a counter value, -1 if the bytes are not one. */
int store_counter_parse(const void *val, size_t len, long long *n_r);

/*
 * Batched read: fn(ctx, i, value, len) for each keys[i] that exists, in
 * index order; missing keys are skipped. Returns how many were found, or
 * -1. LMDB reads them in one read transaction (a consistent snapshot);
 * Redis with MGET, 1000 keys per command. The value bytes are valid only
 * during the call.
 */
struct store_key {
	const void *data;
	size_t len;
};
typedef void store_value_fn(void *ctx, size_t index, const void *val, size_t len);
int store_get_batch(struct store *s, const struct store_key *keys, size_t n, store_value_fn *fn,
                    void *ctx, const char **error_r);

/*
 * Every live key that starts with prefix (after the handle's own prefix,
 * which fn does not see), with its value and the seconds it has left
 * (-1: no expiry). fn returns 0 to go on, anything else to stop. Returns
 * the number of keys given to fn, or -1. LMDB: in key order, one read
 * transaction. Redis: SCAN, in no order; a key changed during the scan may
 * be missed or given twice (SCAN's guarantee). For admin tools such as
 * `chainmilter greylist list`, not for the mail path.
 */
typedef int store_scan_fn(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                          long ttl_left);
int store_scan(struct store *s, const void *prefix, size_t plen, store_scan_fn *fn, void *ctx,
               const char **error_r);
/* The number of live keys starting with prefix (a scan: O(keys)). */
int store_count(struct store *s, const void *prefix, size_t plen, long *count_r,
                const char **error_r);

/*
 * Delete expired entries under the handle's prefix now; *purged_r (may be
 * NULL) gets how many. LMDB deletes in transactions of at most 1000 keys,
 * so writers never wait long. Redis: nothing to do (0).
 */
int store_purge(struct store *s, long *purged_r, const char **error_r);

/*
 * A background thread that runs store_purge() every interval seconds and
 * logs what it removed (LMDB only; a no-op returning 0 on Redis). The owner
 * starts it once (again: the interval changes) and stops it, or
 * store_close() does. In a forked child it resumes with the first
 * operation there.
 */
int store_sweeper_start(struct store *s, long interval, const char **error_r);
void store_sweeper_stop(struct store *s);

/*
 * The clock for expiry on LMDB (Redis uses its own): time(NULL) unless a
 * test sets another (NULL restores it). Process-wide.
 */
typedef time_t store_clock_fn(void);
void store_set_clock(store_clock_fn *fn);
time_t store_now(void);

#endif

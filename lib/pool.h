/*
 * pool - an arena for allocations that die together (one message, one
 * connection, one config snapshot), with cleanup callbacks for library
 * handles. Allocation failure returns NULL and marks the pool failed, so a
 * caller can tempfail the message instead of aborting the daemon.
 */
#ifndef CM_POOL_H
#define CM_POOL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct pool;

struct pool *pool_create(void);
void pool_destroy(struct pool **pp);

void *pool_alloc(struct pool *p, size_t size); /* zeroed */
void *pool_memdup(struct pool *p, const void *data, size_t size);
char *pool_strdup(struct pool *p, const char *s);
char *pool_strndup(struct pool *p, const char *s, size_t n);
char *pool_printf(struct pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *pool_vprintf(struct pool *p, const char *fmt, va_list ap);

/* Run fn(arg) when the pool is destroyed, latest registered first. */
int pool_cleanup(struct pool *p, void (*fn)(void *), void *arg);

/* True once any allocation from this pool has failed. */
bool pool_failed(const struct pool *p);
size_t pool_used(const struct pool *p);

#endif

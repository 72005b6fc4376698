/*
 * dnscache - answers kept by TTL in front of libunbound. libunbound caches
 * too, but asking it costs a round trip through two threads and pipes
 * (~60-100 us of CPU per lookup here); a hit here costs a hash lookup and a
 * copy, which is what SPF's budget of 50 us per evaluation needs. Bounded
 * in bytes; the least recently used answers go first.
 */
#ifndef CM_DNSCACHE_H
#define CM_DNSCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "dnswire.h"

struct dns_cache;

/* What is kept of an answer (status OK, NXDOMAIN or NODATA). */
struct dns_cached {
	int rcode;
	bool nxdomain;
	unsigned ttl;      /* put: the answer's; get: what is left of it */
	const char *cname; /* or NULL */
	size_t n;
	const struct dns_rdata *rd;
};

struct dns_cache *dns_cache_create(size_t max_bytes);
void dns_cache_free(struct dns_cache **cp);

/* Look (type, wire name) up at time now (seconds); on a hit copy the entry
 * into p and return true. Names compare without regard to ASCII case. */
bool dns_cache_get(struct dns_cache *c, int type, const unsigned char *wire, size_t wlen, long now,
                   struct pool *p, struct dns_cached *out);
/* Keep an answer until now + in->ttl (nothing if ttl is 0 or it is too big). */
void dns_cache_put(struct dns_cache *c, int type, const unsigned char *wire, size_t wlen, long now,
                   const struct dns_cached *in);
size_t dns_cache_entries(struct dns_cache *c);

#endif

/*
 * cache - recent SPF results by (client address, identity, domain), shared
 * by all threads of a config snapshot, for SPFCacheTime seconds. A result
 * that depended on the sender's local-part or the HELO name (macros) is
 * reused only for the same sender and HELO; temperrors are never kept.
 */
#ifndef SPFC_CACHE_H
#define SPFC_CACHE_H

#include "eval.h"

#define SPFC_CACHE_ENTRIES 16384

struct spfc_cache;

/* NULL when out of memory. */
struct spfc_cache *spfc_cache_create(size_t max_entries, long ttl_s);
void spfc_cache_free(struct spfc_cache **cp);

/* A cached outcome for this evaluation (strings copied into p); false if none. */
bool spfc_cache_get(struct spfc_cache *c, const struct ip_addr *ip, const char *identity,
                    const char *domain, const char *sender, const char *helo, struct pool *p,
                    struct spfc_outcome *out);
void spfc_cache_put(struct spfc_cache *c, const struct ip_addr *ip, const char *sender,
                    const char *helo, const struct spfc_outcome *o);

#endif

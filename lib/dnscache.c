/*
 * dnscache - a hash table of answers with an LRU list, under one mutex.
 * Each entry is one allocation holding its key, its cname and its rdata;
 * a hit copies them into the caller's pool so that parsing happens outside
 * the lock and the entry may be evicted at once after.
 */
#include "dnscache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"

#define MAX_TTL    86400 /* an answer is asked again after a day at most */
#define NBUCKETS   4096
#define MAX_RECORD (DNS_MAX_BYTES + 4096)

struct entry {
	struct lru_link lru; /* first: the link is the entry */
	struct entry *hnext; /* hash chain */
	uint32_t hash;
	int type, rcode;
	bool nxdomain;
	long expires;
	size_t size, n;
	size_t wlen;
	unsigned char *wire;
	char *cname;
	struct dns_rdata *rd; /* pointing into data */
	unsigned char data[];
};

struct dns_cache {
	pthread_mutex_t lock;
	struct entry *buckets[NBUCKETS];
	struct lru_list lru;
	size_t bytes, max_bytes, entries;
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static uint32_t hash_of(int type, const unsigned char *wire, size_t wlen)
{
	uint32_t h = 2166136261u ^ (uint32_t)type;
	size_t i;

	for (i = 0; i < wlen; i++)
		h = (h ^ lower(wire[i])) * 16777619u;
	return h;
}

static bool same_name(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

struct dns_cache *dns_cache_create(size_t max_bytes)
{
	struct dns_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	return c;
}

static void drop(struct dns_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash % NBUCKETS];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(&c->lru, &e->lru);
	c->bytes -= e->size;
	c->entries--;
	free(e);
}

void dns_cache_free(struct dns_cache **cp)
{
	struct dns_cache *c = *cp;

	if (c == NULL)
		return;
	while (c->lru.head != NULL)
		drop(c, (struct entry *)c->lru.head);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

static struct entry *find(struct dns_cache *c, uint32_t h, int type, const unsigned char *wire,
                          size_t wlen)
{
	struct entry *e;

	for (e = c->buckets[h % NBUCKETS]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type && e->wlen == wlen &&
		    same_name(e->wire, wire, wlen))
			return e;
	return NULL;
}

/* Copy an entry's contents into p (called with the lock held). */
static bool copy_out(const struct entry *e, long now, struct pool *p, struct dns_cached *out)
{
	struct dns_rdata *rd = pool_alloc(p, (e->n > 0 ? e->n : 1) * sizeof(*rd));
	size_t i;

	if (rd == NULL)
		return false;
	for (i = 0; i < e->n; i++) {
		rd[i].len = e->rd[i].len;
		rd[i].p = pool_memdup(p, e->rd[i].p, e->rd[i].len > 0 ? e->rd[i].len : 1);
		if (rd[i].p == NULL)
			return false;
	}
	out->cname = e->cname != NULL ? pool_strdup(p, e->cname) : NULL;
	if (e->cname != NULL && out->cname == NULL)
		return false;
	out->rcode = e->rcode;
	out->nxdomain = e->nxdomain;
	out->ttl = (unsigned)(e->expires - now);
	out->n = e->n;
	out->rd = rd;
	return true;
}

bool dns_cache_get(struct dns_cache *c, int type, const unsigned char *wire, size_t wlen, long now,
                   struct pool *p, struct dns_cached *out)
{
	uint32_t h = hash_of(type, wire, wlen);
	struct entry *e;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	e = find(c, h, type, wire, wlen);
	if (e != NULL && e->expires <= now) {
		drop(c, e);
		e = NULL;
	}
	if (e != NULL) {
		lru_touch(&c->lru, &e->lru);
		hit = copy_out(e, now, p, out);
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void dns_cache_put(struct dns_cache *c, int type, const unsigned char *wire, size_t wlen, long now,
                   const struct dns_cached *in)
{
	size_t i, bytes = 0, clen = in->cname != NULL ? strlen(in->cname) + 1 : 0, size;
	struct entry *e, *old;
	unsigned char *d;

	if (in->ttl == 0 || in->n > DNS_MAX_RECORDS)
		return;
	for (i = 0; i < in->n; i++)
		bytes += in->rd[i].len;
	if (bytes > MAX_RECORD)
		return;
	size = sizeof(*e) + in->n * sizeof(struct dns_rdata) + wlen + clen + bytes;
	if (size > c->max_bytes / 8) /* one answer never takes much of the cache */
		return;
	e = malloc(size);
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->hash = hash_of(type, wire, wlen);
	e->type = type;
	e->rcode = in->rcode;
	e->nxdomain = in->nxdomain;
	e->expires = now + (in->ttl > MAX_TTL ? MAX_TTL : (long)in->ttl);
	e->size = size;
	e->n = in->n;
	e->wlen = wlen;
	e->rd = (struct dns_rdata *)e->data;
	d = e->data + in->n * sizeof(struct dns_rdata);
	e->wire = d;
	memcpy(d, wire, wlen);
	d += wlen;
	if (in->cname != NULL) {
		e->cname = (char *)d;
		memcpy(d, in->cname, clen);
		d += clen;
	}
	for (i = 0; i < in->n; i++) {
		e->rd[i].p = d;
		e->rd[i].len = in->rd[i].len;
		memcpy(d, in->rd[i].p, in->rd[i].len);
		d += in->rd[i].len;
	}
	pthread_mutex_lock(&c->lock);
	old = find(c, e->hash, type, wire, wlen);
	if (old != NULL)
		drop(c, old);
	while (c->lru.tail != NULL && c->bytes + size > c->max_bytes)
		drop(c, (struct entry *)c->lru.tail);
	e->hnext = c->buckets[e->hash % NBUCKETS];
	c->buckets[e->hash % NBUCKETS] = e;
	lru_push_front(&c->lru, &e->lru);
	c->bytes += size;
	c->entries++;
	pthread_mutex_unlock(&c->lock);
}

size_t dns_cache_entries(struct dns_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->entries;
	pthread_mutex_unlock(&c->lock);
	return n;
}

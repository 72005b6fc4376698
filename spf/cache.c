/*
 * cache - a hash table of recent outcomes with a least-recently-used list,
 * under one mutex (a lookup is a hash and a few compares). Each entry is
 * one allocation holding its strings.
 */
#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/lru.h"
#include "macro.h"

struct spfc_entry {
	struct lru_link lru;      /* first: the link is the entry */
	struct spfc_entry *hnext; /* hash chain */
	unsigned hash;
	long expires;
	struct ip_addr ip;
	bool depends; /* on sender and HELO: they must match too */
	enum spfc_result result;
	/* NUL-terminated strings in data: identity, domain, the sender as
	 * evaluated and as given, helo, mechanism, explanation, problem (empty
	 * for NULL). */
	const char *str[8];
	char data[];
};

struct spfc_cache {
	pthread_mutex_t lock;
	struct spfc_entry **buckets;
	size_t n_buckets, n, max;
	long ttl;
	struct lru_list lru;
};

enum { S_IDENTITY, S_DOMAIN, S_SENDER, S_RAW, S_HELO, S_MECH, S_EXP, S_PROBLEM, S_N };

static long spfc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long)ts.tv_sec;
}

static unsigned spfc_hash(const struct ip_addr *ip, const char *identity, const char *domain)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ ip->a[i]) * 16777619u;
	h = (h ^ (unsigned char)identity[0]) * 16777619u;
	for (; *domain != '\0'; domain++) {
		unsigned char c = (unsigned char)*domain;

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h;
}

struct spfc_cache *spfc_cache_create(size_t max_entries, long ttl_s)
{
	struct spfc_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->max = max_entries > 0 ? max_entries : 1;
	c->n_buckets = 1;
	while (c->n_buckets < c->max)
		c->n_buckets <<= 1;
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->ttl = ttl_s;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void spfc_cache_free(struct spfc_cache **cp)
{
	struct spfc_cache *c = *cp;
	struct lru_link *e, *next;

	if (c == NULL)
		return;
	for (e = c->lru.head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
	*cp = NULL;
}

static void spfc_unlink(struct spfc_cache *c, struct spfc_entry *e)
{
	struct spfc_entry **pp = &c->buckets[e->hash & (c->n_buckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(&c->lru, &e->lru);
	c->n--;
}

static bool spfc_same(const char *a, const char *b)
{
	return strcmp(a, b != NULL ? b : "") == 0;
}

static const char *spfc_opt(struct pool *p, const char *s)
{
	return s[0] != '\0' ? pool_strdup(p, s) : NULL;
}

bool spfc_cache_get(struct spfc_cache *c, const struct ip_addr *ip, const char *identity,
                    const char *domain, const char *sender, const char *helo, struct pool *p,
                    struct spfc_outcome *out)
{
	unsigned h = spfc_hash(ip, identity, domain);
	long now = spfc_now();
	struct spfc_entry *e;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[h & (c->n_buckets - 1)]; e != NULL; e = e->hnext) {
		if (e->hash != h || !ip_equal(&e->ip, ip) || strcmp(e->str[S_IDENTITY], identity) ||
		    strcasecmp(e->str[S_DOMAIN], domain) != 0)
			continue;
		if (e->expires <= now) {
			spfc_unlink(c, e);
			free(e);
			break;
		}
		if (e->depends &&
		    (!spfc_same(e->str[S_RAW], sender) || !spfc_same(e->str[S_HELO], helo)))
			continue;
		lru_touch(&c->lru, &e->lru);
		memset(out, 0, sizeof(*out));
		out->result = e->result;
		out->identity = identity;
		out->domain = pool_strdup(p, e->str[S_DOMAIN]);
		out->sender = pool_strdup(p, e->str[S_SENDER]);
		out->mechanism = spfc_opt(p, e->str[S_MECH]);
		out->explanation = spfc_opt(p, e->str[S_EXP]);
		out->problem = spfc_opt(p, e->str[S_PROBLEM]);
		hit = true;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void spfc_cache_put(struct spfc_cache *c, const struct ip_addr *ip, const char *sender,
                    const char *helo, const struct spfc_outcome *o)
{
	const char *src[S_N] = {o->identity, o->domain,    o->sender,      sender,
	                        helo,        o->mechanism, o->explanation, o->problem};
	size_t len[S_N], total = 0, i;
	struct spfc_entry *e;
	char *d;

	if (c->ttl <= 0 || o->result == SPFC_TEMPERROR || (o->used & SPFC_USED_TIME) ||
	    o->identity == NULL || o->domain == NULL)
		return;
	for (i = 0; i < S_N; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) : 0;
		total += len[i] + 1;
	}
	if ((e = calloc(1, sizeof(*e) + total)) == NULL)
		return;
	for (i = 0, d = e->data; i < S_N; i++) {
		memcpy(d, src[i] != NULL ? src[i] : "", len[i] + 1);
		e->str[i] = d;
		d += len[i] + 1;
	}
	e->ip = *ip;
	e->result = o->result;
	e->depends = (o->used & SPFC_USED_SENDER) != 0;
	e->hash = spfc_hash(ip, o->identity, o->domain);
	e->expires = spfc_now() + c->ttl;
	pthread_mutex_lock(&c->lock);
	while (c->n >= c->max && c->lru.tail != NULL) {
		struct spfc_entry *old = (struct spfc_entry *)c->lru.tail;

		spfc_unlink(c, old);
		free(old);
	}
	e->hnext = c->buckets[e->hash & (c->n_buckets - 1)];
	c->buckets[e->hash & (c->n_buckets - 1)] = e;
	lru_push_front(&c->lru, &e->lru);
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

/*
 * dns - the one DNS resolver of a config snapshot, for every check that asks
 * DNS (DKIM keys, SPF, DMARC, DNSBL): a caching stub resolver on libunbound,
 * shared by all threads, with a deadline on every query. A DNS failure is a
 * result (DNS_TEMPFAIL), never a hang.
 *
 * A check gets the resolver in init() with cm_init_dns() (lib/check.h) and
 * keeps the pointer in its state; it stays valid as long as the snapshot.
 *
 * One lookup, blocking for at most DNSTimeout:
 *
 *	struct dns_result r;
 *
 *	switch (dns_lookup(dns, "example.org", DNS_TXT, m->pool, &r)) {
 *	case DNS_OK:       for (i = 0; i < r.n; i++) use(r.txt[i].text); break;
 *	case DNS_NXDOMAIN: case DNS_NODATA: ...no record...; break;
 *	case DNS_TEMPFAIL: ...try later (log r.error)...; break;
 *	default:           ...DNS_BADNAME, DNS_BADDATA: permanent error...
 *	}
 *
 * Several lookups at once (DNSBL zones, SPF's MX hosts): dns_start() each,
 * then dns_wait() each; they run in parallel and each has its own deadline,
 * so waiting for all of them takes at most the longest timeout.
 *
 *	struct dns_query *q[2];
 *	q[0] = dns_start(dns, "2.0.0.127.zen.example", DNS_A, 0, m->pool);
 *	q[1] = dns_start(dns, "2.0.0.127.bl.example", DNS_A, 2000, m->pool);
 *	dns_wait(q[0], &r0);
 *	dns_wait(q[1], &r1);
 *
 * Every result (records, names, texts) is allocated from the pool given and
 * lives as long as it. A query still running when its pool is destroyed is
 * cancelled, so an early return never leaks one. Names are in presentation
 * form both ways (RFC 1035 §5.1): "example.org" or "example.org.", "\." for
 * a dot inside a label, "\DDD" for any byte; names in results carry no
 * trailing dot and escape such bytes the same way, so they can be looked up
 * again as they are. (A backslash in a name taken from a message is thus
 * read as an escape; no host name holds one.) Build names with
 * dns_reverse_name() for PTR and DNSBL lookups.
 *
 * Threads: the resolver is shared; a query belongs to the thread that
 * waits for it. Waiting blocks only the caller, never longer than the
 * query's deadline. Under `Debug dns` every query is logged with its
 * answer and time ("dns: example.org TXT: OK ttl=300 n=1 ... 2ms").
 *
 * Answers (OK, NXDOMAIN, NODATA) are cached for their TTL, at most a day,
 * across all threads of the snapshot, in DNS_CACHE_BYTES (least recently
 * used go first); libunbound caches behind that too. A reload starts a new
 * resolver with an empty cache. DNS_TEMPFAIL is never cached.
 */
#ifndef CM_DNS_H
#define CM_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "ip.h"
#include "pool.h"

struct dns;
struct dns_query;

/* Record types, numbered as on the wire. CNAMEs are followed by the resolver. */
enum dns_type {
	DNS_A = 1,
	DNS_PTR = 12,
	DNS_MX = 15,
	DNS_TXT = 16,
	DNS_AAAA = 28,
};

enum dns_status {
	/* r->n >= 1 usable records of the type asked. */
	DNS_OK,
	/* The name does not exist (RCODE 3, NXDOMAIN). */
	DNS_NXDOMAIN,
	/* The name exists but holds no record of that type (NOERROR, empty). */
	DNS_NODATA,
	/* No usable answer now; it may work later: the deadline passed, the
	 * server said SERVFAIL, REFUSED, FORMERR, NOTIMP or any other RCODE,
	 * or the network failed. RFC 7208 §5 (temperror) and RFC 6376 §6.1.2
	 * (TEMPFAIL) treat all of these alike; r->rcode says which it was. */
	DNS_TEMPFAIL,
	/* The name is not a domain name (empty label, label over 63 bytes,
	 * over 253 characters, bad escape); nothing was sent. Permanent. */
	DNS_BADNAME,
	/* An answer came, but none of its records could be used (malformed
	 * rdata) or it is over the limits below. Permanent, like a syntax
	 * error in the record (SPF permerror, DKIM PERMFAIL). */
	DNS_BADDATA,
};

/* Bounded work: an answer with more records or rdata bytes is DNS_BADDATA. */
#define DNS_MAX_RECORDS 1024
#define DNS_MAX_BYTES   65535

/* Memory for the cache of answers of one resolver. */
#define DNS_CACHE_BYTES (8 * 1024 * 1024)

/* A byte string that is also NUL-terminated (it may hold NUL bytes too). */
struct dns_str {
	const char *s;
	size_t len;
};

/* One TXT record: its character-strings joined with nothing between them,
 * as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 read them, and the strings as sent. */
struct dns_txt {
	const char *text; /* NUL-terminated */
	size_t len;       /* bytes in text; strlen(text) < len if it holds a NUL */
	size_t n_parts;
	const struct dns_str *parts;
};

struct dns_mx {
	unsigned preference;
	const char *exchange; /* "." for a null MX (RFC 7505) */
};

struct dns_result {
	enum dns_status status;
	enum dns_type type;
	const char *name;     /* the name asked, normalised: no trailing dot */
	const char *cname;    /* where CNAMEs led, or NULL if none were followed */
	unsigned ttl;         /* seconds the answer is good for (0 if none came) */
	int rcode;            /* the answer's RCODE, or -1 if none came */
	long ms;              /* how long the query took */
	bool cached;          /* answered from the resolver's own cache */
	const char *error;    /* why, for TEMPFAIL, BADNAME and BADDATA; else NULL */
	size_t n;             /* records in the array of the type asked */
	size_t n_bad;         /* records of the answer skipped as malformed */
	struct ip_addr *addr; /* DNS_A, DNS_AAAA */
	struct dns_mx *mx;    /* DNS_MX, in answer order */
	const char **names;   /* DNS_PTR */
	struct dns_txt *txt;  /* DNS_TXT, in answer order */
};

/*
 * A resolver. nameservers: "" for the system's (/etc/resolv.conf), or a
 * list separated by commas or spaces of ADDRESS or ADDRESS@PORT (IPv4 or
 * IPv6: "192.0.2.53, 127.0.0.1@5353, ::1@5353, [2001:db8::53]@53"), tried
 * in turn. timeout_ms: each query's deadline unless dns_start() is given
 * another. Nothing is sent and no thread started until the first query.
 * Returns NULL with *error_r (from p) naming the bad value.
 */
struct dns *dns_create(const char *nameservers, long timeout_ms, struct pool *p,
                       const char **error_r);
/* Drop the creator's reference. The resolver shuts down (threads joined,
 * sockets closed) when the last query still running on it has finished. */
void dns_release(struct dns **dp);
long dns_timeout(const struct dns *d);

/* Look name up and wait for the answer (at most the resolver's timeout).
 * Returns r->status. */
enum dns_status dns_lookup(struct dns *d, const char *name, enum dns_type type, struct pool *p,
                           struct dns_result *r);

/*
 * Start a lookup and return at once. timeout_ms <= 0 means the resolver's
 * timeout. The query belongs to the calling thread; finish it with
 * dns_wait() or dns_cancel(), or let the pool's destruction cancel it.
 * Returns NULL only when the pool is out of memory (dns_wait(NULL) then
 * says DNS_TEMPFAIL).
 */
struct dns_query *dns_start(struct dns *d, const char *name, enum dns_type type, long timeout_ms,
                            struct pool *p);
/* Wait for the answer or the query's deadline, whichever comes first, and
 * fill r (from the query's pool). Waiting again returns the same result. */
enum dns_status dns_wait(struct dns_query *q, struct dns_result *r);
/* Stop waiting for a query: its answer, if one still comes, is dropped.
 * A no-op on a finished query or NULL. */
void dns_cancel(struct dns_query *q);

/* The name to look up for an address in a reverse zone: PTR names
 * ("1.2.0.192.in-addr.arpa", "...ip6.arpa") with zone NULL, DNSBL names
 * ("1.2.0.192.zen.example") with the list's zone. Returns buf, or NULL if
 * it does not fit in size (DNS_NAME_BUF always does). */
#define DNS_NAME_BUF 1100
const char *dns_reverse_name(const struct ip_addr *ip, const char *zone, char *buf, size_t size);

const char *dns_status_name(enum dns_status s); /* "OK", "NXDOMAIN", ... */
const char *dns_type_name(enum dns_type t);     /* "TXT", ... */

#endif

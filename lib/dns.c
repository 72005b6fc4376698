/*
 * dns - the resolver of lib/dns.h on libunbound, the only file that includes
 * <unbound.h>. libunbound resolves in its own background thread
 * (ub_ctx_async) and caches by TTL; our collector thread turns its answers
 * into callbacks (ub_process), and each waiting thread sleeps on its query's
 * condition variable until the answer or the query's deadline, when it
 * cancels (ub_cancel) and reports DNS_TEMPFAIL.
 */
#include "dns.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "buf.h"
#include "dnscache.h"
#include "dnswire.h"
#include "log.h"

/*
 * Who frees what: a job is shared between the waiting thread and
 * libunbound's callback. The waiter frees it once the answer is in; if the
 * waiter gives up first, it marks the job abandoned and ub_cancel()s it:
 * when that succeeds no callback will come and the waiter frees the job,
 * otherwise the callback is coming (or running) and frees it. Jobs left at
 * shutdown (ub_ctx_delete calls no more callbacks) are freed from the list.
 */
struct dns_job {
	struct dns_job *prev, *next;
	struct dns *d;
	pthread_cond_t cond;
	int async_id;
	bool done, abandoned;
	int err;
	struct ub_result *res;
};

struct dns {
	pthread_mutex_t lock; /* jobs, refs, started */
	struct ub_ctx *ctx;
	long timeout_ms;
	int refs; /* the creator's, and one per query running */
	bool started;
	atomic_bool bg_started;
	pthread_t collector;
	int wake[2]; /* written to stop the collector */
	struct dns_job *jobs;
	struct dns_cache *cache;
	pthread_mutex_t start_lock; /* the first query starts the threads */
};

struct dns_query {
	struct dns *d; /* NULL once finished */
	struct dns_job *job;
	struct pool *pool;
	const char *qtext;   /* the name as handed to libunbound */
	unsigned char *wire; /* the name in wire form, the cache's key */
	size_t wlen;
	struct timespec start, deadline;
	struct dns_result r;
};

/* ---- creating and releasing ---- */

/* One Nameservers element as libunbound writes it: ADDRESS or ADDRESS@PORT. */
static const char *server_arg(const char *item, struct pool *p, const char **why)
{
	char addr[IP_STRLEN + 8];
	const char *at, *port = NULL, *end;
	struct ip_addr ip;
	size_t alen;

	if (item[0] == '[') { /* [2001:db8::53] or [2001:db8::53]@53 */
		end = strchr(item, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != '@')) {
			*why = "a bracketed IPv6 address is written [ADDRESS] or [ADDRESS]@PORT";
			return NULL;
		}
		alen = (size_t)(end - item - 1);
		item++;
		port = end[1] == '@' ? end + 2 : NULL;
	} else {
		at = strchr(item, '@');
		alen = at != NULL ? (size_t)(at - item) : strlen(item);
		port = at != NULL ? at + 1 : NULL;
	}
	if (alen == 0 || alen >= sizeof(addr)) {
		*why = "expected an IP address";
		return NULL;
	}
	memcpy(addr, item, alen);
	addr[alen] = '\0';
	if (ip_parse(addr, &ip) < 0 || strchr(addr, '/') != NULL || strchr(addr, '[') != NULL) {
		*why = strchr(addr, ':') != NULL && strchr(addr, '.') != NULL &&
		               ip_parse(addr, &ip) < 0
		           ? "expected an IP address; a port is given as ADDRESS@PORT"
		           : "expected an IP address (a nameserver is given by address, not name)";
		return NULL;
	}
	if (port != NULL) {
		char *e;
		long v = strtol(port, &e, 10);

		if (*port == '\0' || *e != '\0' || v < 1 || v > 65535 || port[0] == '+' ||
		    port[0] == '-') {
			*why = "expected a port from 1 to 65535 after @";
			return NULL;
		}
		return pool_printf(p, "%s@%ld", addr, v);
	}
	return pool_strdup(p, addr);
}

/* Point ctx at the Nameservers list; 0, or -1 with *error_r from p. */
static int set_servers(struct ub_ctx *ctx, const char *list, struct pool *p, const char **error_r)
{
	char *copy = pool_strdup(p, list), *save = NULL, *item;
	int n = 0, rc;

	if (copy == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (item = strtok_r(copy, ", \t", &save); item != NULL;
	     item = strtok_r(NULL, ", \t", &save)) {
		const char *why = NULL, *arg = server_arg(item, p, &why);

		if (arg == NULL) {
			*error_r = pool_printf(p, "\"%s\": %s, such as 127.0.0.1@5353 or ::1", item,
			                       why != NULL ? why : "out of memory");
			return -1;
		}
		if ((rc = ub_ctx_set_fwd(ctx, arg)) != 0) {
			*error_r = pool_printf(p, "\"%s\": %s", item, ub_strerror(rc));
			return -1;
		}
		n++;
	}
	if (n > 0)
		return 0;
	/* The system's: resolv.conf's nameservers, 127.0.0.1 if it names none. */
	rc = ub_ctx_resolvconf(ctx, NULL);
	if (rc == UB_READFILE) {
		/* As the C library does without the file: a resolver on this host. */
		log_warn("dns: cannot read /etc/resolv.conf (%s), using 127.0.0.1",
		         strerror(errno));
		rc = ub_ctx_set_fwd(ctx, "127.0.0.1");
	}
	if (rc != 0) {
		*error_r = pool_printf(p, "empty, and /etc/resolv.conf cannot be used: %s",
		                       ub_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * libunbound answers some zones itself (localhost, test., onion., private
 * and documentation reverse zones: RFC 6303, RFC 6761). A stub in front of
 * the site's resolvers must not: PTRs of internal networks, test zones and
 * DNSBL entries there are theirs to answer. "transparent" with no local data
 * sends every query on ("nodefault" does not lift localhost, test. and the
 * like in libunbound 1.17).
 */
static void forward_everything(struct ub_ctx *ctx)
{
	static const char *const zones[] = {
	    "localhost.",
	    "127.in-addr.arpa.",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	    "home.arpa.",
	    "onion.",
	    "test.",
	    "invalid.",
	    "0.in-addr.arpa.",
	    "254.169.in-addr.arpa.",
	    "2.0.192.in-addr.arpa.",
	    "100.51.198.in-addr.arpa.",
	    "113.0.203.in-addr.arpa.",
	    "255.255.255.255.in-addr.arpa.",
	    "8.b.d.0.1.0.0.2.ip6.arpa.",
	};
	char arg[128];
	size_t i;

	ub_ctx_set_option(ctx, "unblock-lan-zones:", "yes");
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		snprintf(arg, sizeof(arg), "%s transparent", zones[i]);
		ub_ctx_set_option(ctx, "local-zone:", arg);
	}
}

struct dns *dns_create(const char *nameservers, long timeout_ms, struct pool *p,
                       const char **error_r)
{
	struct dns *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->ctx = ub_ctx_create()) == NULL ||
	    (d->cache = dns_cache_create(DNS_CACHE_BYTES)) == NULL) {
		*error_r = "out of memory creating the resolver";
		if (d != NULL && d->ctx != NULL)
			ub_ctx_delete(d->ctx);
		free(d);
		return NULL;
	}
	d->wake[0] = d->wake[1] = -1;
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	d->refs = 1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->start_lock, NULL);
	/* A thread of libunbound's resolves; answers come back through ub_fd. */
	ub_ctx_async(d->ctx, 1);
	/* libunbound's own messages would go to standard error in its format:
	 * off (for every context: its log is global). Ours name the query. */
	ub_ctx_debuglevel(d->ctx, 0);
	ub_ctx_debugout(d->ctx, NULL);
	/* A server that was down is tried again soon, not after 15 minutes. */
	ub_ctx_set_option(d->ctx, "infra-keep-probing:", "yes");
	ub_ctx_set_option(d->ctx, "infra-host-ttl:", "60");
	forward_everything(d->ctx);
	if (set_servers(d->ctx, nameservers != NULL ? nameservers : "", p, error_r) < 0) {
		dns_release(&d);
		return NULL;
	}
	return d;
}

static void free_job(struct dns *d, struct dns_job *job)
{
	if (job->prev != NULL)
		job->prev->next = job->next;
	else
		d->jobs = job->next;
	if (job->next != NULL)
		job->next->prev = job->prev;
	pthread_cond_destroy(&job->cond);
	ub_resolve_free(job->res);
	free(job);
}

static void shutdown_resolver(struct dns *d)
{
	if (d->started) {
		ssize_t w;

		do
			w = write(d->wake[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(d->collector, NULL);
	}
	/* Stops libunbound's thread; no callback runs after this. */
	ub_ctx_delete(d->ctx);
	while (d->jobs != NULL)
		free_job(d, d->jobs);
	dns_cache_free(&d->cache);
	if (d->wake[0] >= 0) {
		close(d->wake[0]);
		close(d->wake[1]);
	}
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->start_lock);
	free(d);
}

static void unref(struct dns *d)
{
	int left;

	pthread_mutex_lock(&d->lock);
	left = --d->refs;
	pthread_mutex_unlock(&d->lock);
	if (left == 0)
		shutdown_resolver(d);
}

void dns_release(struct dns **dp)
{
	struct dns *d = *dp;

	*dp = NULL;
	if (d != NULL)
		unref(d);
}

long dns_timeout(const struct dns *d)
{
	return d->timeout_ms;
}

/* ---- the collector thread ---- */

static void *collector_main(void *arg)
{
	struct dns *d = arg;
	struct pollfd fds[2] = {{ub_fd(d->ctx), POLLIN, 0}, {d->wake[0], POLLIN, 0}};

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("dns: poll on the resolver's pipe failed: %s", strerror(errno));
			break;
		}
		if (fds[1].revents != 0)
			break;
		if (fds[0].revents != 0) {
			int rc = ub_process(d->ctx);

			if (rc != 0) {
				/* libunbound's thread is gone: queries now time out. */
				log_error("dns: the resolver stopped answering: %s",
				          ub_strerror(rc));
				fds[0].fd = -1;
			}
		}
	}
	return NULL;
}

/* Start the collector, with every signal blocked (the daemon's signal
 * thread takes them). Called with d->lock held. */
static int start_collector(struct dns *d)
{
	sigset_t all, old;
	int rc;

	if (d->started)
		return 0;
	if (pipe(d->wake) < 0)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&d->collector, NULL, collector_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(d->wake[0]);
		close(d->wake[1]);
		d->wake[0] = d->wake[1] = -1;
		return -1;
	}
	d->started = true;
	return 0;
}

/* ---- queries ---- */

static void answered(void *arg, int err, struct ub_result *res)
{
	struct dns_job *job = arg;
	struct dns *d = job->d;

	pthread_mutex_lock(&d->lock);
	if (job->abandoned) {
		job->res = res;
		free_job(d, job);
	} else {
		job->err = err;
		job->res = res;
		job->done = true;
		pthread_cond_signal(&job->cond);
	}
	pthread_mutex_unlock(&d->lock);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* A TXT string for a log line: quoted, odd bytes as \xHH (no line breaks). */
static void put_text(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void log_result(const struct dns_query *q)
{
	const struct dns_result *r = &q->r;
	char ip[IP_STRLEN];
	struct buf b;
	size_t i;

	if (!log_debug_on("dns"))
		return;
	buf_init(&b);
	for (i = 0; i < r->n && b.len < 200; i++) {
		buf_puts(&b, i == 0 ? " " : ", ");
		switch (r->type) {
		case DNS_A:
		case DNS_AAAA:
			buf_puts(&b, ip_format(&r->addr[i], ip));
			break;
		case DNS_MX:
			buf_printf(&b, "%u %s", r->mx[i].preference, r->mx[i].exchange);
			break;
		case DNS_PTR:
			buf_puts(&b, r->names[i]);
			break;
		case DNS_TXT:
			put_text(&b, r->txt[i].text, r->txt[i].len > 100 ? 100 : r->txt[i].len);
			break;
		}
	}
	if (i < r->n)
		buf_puts(&b, ", ...");
	if (r->error != NULL)
		buf_printf(&b, " (%s)", r->error);
	log_debug("dns", "%s %s: %s ttl=%u n=%zu%s%s%s %ldms%s", r->name, dns_type_name(r->type),
	          dns_status_name(r->status), r->ttl, r->n, r->cname != NULL ? " cname=" : "",
	          r->cname != NULL ? r->cname : "", buf_str(&b), r->ms,
	          r->cached ? " (cached)" : "");
	buf_free(&b);
}

/* The query is over: record its time, log it, drop its hold on d. */
static void finish(struct dns_query *q, enum dns_status status, const char *error)
{
	struct timespec now;
	struct dns *d = q->d;

	clock_gettime(CLOCK_MONOTONIC, &now);
	q->r.ms = ms_between(&q->start, &now);
	if (error != NULL) {
		q->r.status = status;
		q->r.error = error;
	}
	q->d = NULL;
	q->job = NULL;
	log_result(q);
	if (d != NULL)
		unref(d);
}

static void query_cleanup(void *arg)
{
	dns_cancel(arg);
}

static long seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (long)ts.tv_sec;
}

/* Keep a good answer (OK, NXDOMAIN, NODATA) in the cache for its TTL. */
static void remember(struct dns_query *q, const struct dns_rdata *rd, size_t n)
{
	struct dns_cached c = {q->r.rcode, q->r.status == DNS_NXDOMAIN, q->r.ttl, q->r.cname, n,
	                       rd};

	dns_cache_put(q->d->cache, (int)q->r.type, q->wire, q->wlen, seconds_now(), &c);
}

/* Answer from the cache if it holds the name; true if it did. */
static bool from_cache(struct dns_query *q, struct dns *d)
{
	struct dns_cached c;

	if (!dns_cache_get(d->cache, (int)q->r.type, q->wire, q->wlen, seconds_now(), q->pool, &c))
		return false;
	q->r.cached = true;
	q->r.rcode = c.rcode;
	q->r.ttl = c.ttl;
	q->r.cname = c.cname;
	if (c.nxdomain)
		q->r.status = DNS_NXDOMAIN;
	else if (c.n == 0)
		q->r.status = DNS_NODATA;
	else
		dns_rdata_parse(&q->r, c.rd, c.n, q->pool);
	return true;
}

/* Turn libunbound's answer into q->r. */
static void take_answer(struct dns_query *q, int err, struct ub_result *res)
{
	struct dns_result *r = &q->r;
	struct dns_rdata rd[64], *rdp = rd;
	size_t n = 0, i;

	if (err != 0 || res == NULL) {
		r->error = pool_printf(q->pool, "resolver error: %s", ub_strerror(err));
		r->status = DNS_TEMPFAIL;
		return;
	}
	r->rcode = res->rcode;
	r->ttl = res->ttl > 0 ? (unsigned)res->ttl : 0;
	if (res->canonname != NULL && res->canonname[0] != '\0') {
		char buf[DNS_NAME_BUF];
		size_t len = strlen(res->canonname);

		snprintf(buf, sizeof(buf), "%.*s",
		         (int)(len > 1 && res->canonname[len - 1] == '.' ? len - 1 : len),
		         res->canonname);
		if (strcasecmp(buf, r->name) != 0)
			r->cname = pool_strdup(q->pool, buf);
	}
	if (res->rcode == 3 || res->nxdomain) {
		r->status = DNS_NXDOMAIN;
		remember(q, NULL, 0);
		return;
	}
	if (res->rcode != 0) {
		r->error = pool_printf(q->pool, "the server answered RCODE %d (%s)", res->rcode,
		                       res->rcode == 2   ? "SERVFAIL"
		                       : res->rcode == 1 ? "FORMERR"
		                       : res->rcode == 4 ? "NOTIMP"
		                       : res->rcode == 5 ? "REFUSED"
		                                         : "other");
		r->status = DNS_TEMPFAIL;
		return;
	}
	if (!res->havedata || res->data == NULL || res->data[0] == NULL) {
		r->status = DNS_NODATA;
		remember(q, NULL, 0);
		return;
	}
	while (res->data[n] != NULL && n <= DNS_MAX_RECORDS)
		n++;
	if (n > sizeof(rd) / sizeof(rd[0]) &&
	    (rdp = pool_alloc(q->pool, n * sizeof(*rdp))) == NULL) {
		r->error = "out of memory";
		r->status = DNS_TEMPFAIL;
		return;
	}
	for (i = 0; i < n; i++) {
		rdp[i].p = (const unsigned char *)res->data[i];
		rdp[i].len = res->len[i] > 0 ? (size_t)res->len[i] : 0;
	}
	if (dns_rdata_parse(r, rdp, n, q->pool) == DNS_OK)
		remember(q, rdp, n);
}

/* Hand the query to libunbound; returns 0, or -1 with *error_r. */
static int submit(struct dns_query *q, struct dns *d, const char **error_r)
{
	struct dns_job *job = calloc(1, sizeof(*job));
	pthread_condattr_t ca;
	int rc, id = 0;

	if (job == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&job->cond, &ca);
	pthread_condattr_destroy(&ca);
	job->d = d;
	pthread_mutex_lock(&d->lock);
	if (start_collector(d) < 0) {
		pthread_mutex_unlock(&d->lock);
		pthread_cond_destroy(&job->cond);
		free(job);
		*error_r = "cannot start the resolver's thread";
		return -1;
	}
	job->next = d->jobs;
	if (d->jobs != NULL)
		d->jobs->prev = job;
	d->jobs = job;
	d->refs++;
	pthread_mutex_unlock(&d->lock);

	/* libunbound's thread starts with the first query: keep signals off it. */
	if (!atomic_load_explicit(&d->bg_started, memory_order_acquire)) {
		sigset_t all, old;

		pthread_mutex_lock(&d->start_lock);
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		rc = ub_resolve_async(d->ctx, q->qtext, (int)q->r.type, 1, job, answered, &id);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0)
			atomic_store_explicit(&d->bg_started, true, memory_order_release);
		pthread_mutex_unlock(&d->start_lock);
	} else {
		rc = ub_resolve_async(d->ctx, q->qtext, (int)q->r.type, 1, job, answered, &id);
	}
	pthread_mutex_lock(&d->lock);
	if (rc != 0) {
		free_job(d, job);
		d->refs--; /* the creator's reference is still held: not the last */
		pthread_mutex_unlock(&d->lock);
		*error_r = pool_printf(q->pool, "cannot send the query: %s", ub_strerror(rc));
		return -1;
	}
	job->async_id = id;
	pthread_mutex_unlock(&d->lock);
	q->job = job;
	q->d = d;
	return 0;
}

struct dns_query *dns_start(struct dns *d, const char *name, enum dns_type type, long timeout_ms,
                            struct pool *p)
{
	struct dns_query *q = pool_alloc(p, sizeof(*q));
	unsigned char wire[DNS_WIRE_MAX];
	char text[DNS_NAME_BUF];
	const char *error = NULL;
	int wlen;
	long ms = timeout_ms > 0 ? timeout_ms : d->timeout_ms;

	if (q == NULL || pool_cleanup(p, query_cleanup, q) < 0)
		return NULL;
	q->pool = p;
	clock_gettime(CLOCK_MONOTONIC, &q->start);
	q->deadline.tv_sec = q->start.tv_sec + ms / 1000;
	q->deadline.tv_nsec = q->start.tv_nsec + (ms % 1000) * 1000000;
	if (q->deadline.tv_nsec >= 1000000000) {
		q->deadline.tv_sec++;
		q->deadline.tv_nsec -= 1000000000;
	}
	q->r.type = type;
	q->r.rcode = -1;
	q->r.name = pool_strdup(p, name != NULL ? name : "");
	if ((wlen = dns_name_from_text(name, wire, &error)) < 0) {
		char *c;

		for (c = (char *)q->r.name; c != NULL && *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '?'; /* it goes into logs as it is */
		finish(q, DNS_BADNAME,
		       pool_printf(p, "\"%s\" is not a domain name: %s", q->r.name, error));
		return q;
	}
	dns_name_to_text(wire, sizeof(wire), 0, text, sizeof(text));
	q->r.name = pool_strdup(p, text);
	dns_name_to_text(wire, sizeof(wire), 1, text, sizeof(text));
	q->qtext = pool_strdup(p, text);
	q->wire = pool_memdup(p, wire, (size_t)wlen);
	q->wlen = (size_t)wlen;
	if (q->r.name == NULL || q->qtext == NULL || q->wire == NULL) {
		finish(q, DNS_TEMPFAIL, "out of memory");
		return q;
	}
	if (type != DNS_A && type != DNS_AAAA && type != DNS_MX && type != DNS_PTR &&
	    type != DNS_TXT) {
		finish(q, DNS_BADNAME, "a record type lib/dns.c does not parse");
		return q;
	}
	if (from_cache(q, d)) {
		finish(q, q->r.status, NULL);
		return q;
	}
	if (submit(q, d, &error) < 0)
		finish(q, DNS_TEMPFAIL, error);
	return q;
}

/* Give up on a running query (deadline or cancel); d->lock is held. */
static void abandon(struct dns_query *q)
{
	struct dns *d = q->d;
	struct dns_job *job = q->job;
	int id = job->async_id;

	job->abandoned = true;
	pthread_mutex_unlock(&d->lock);
	if (ub_cancel(d->ctx, id) == 0) {
		/* No callback will come for it. */
		pthread_mutex_lock(&d->lock);
		free_job(d, job);
		pthread_mutex_unlock(&d->lock);
	}
}

enum dns_status dns_wait(struct dns_query *q, struct dns_result *r)
{
	struct dns *d;
	struct dns_job *job;

	if (q == NULL) {
		memset(r, 0, sizeof(*r));
		r->status = DNS_TEMPFAIL;
		r->rcode = -1;
		r->name = "";
		r->error = "out of memory";
		return r->status;
	}
	if ((d = q->d) != NULL) {
		job = q->job;
		pthread_mutex_lock(&d->lock);
		while (!job->done)
			if (pthread_cond_timedwait(&job->cond, &d->lock, &q->deadline) == ETIMEDOUT)
				break;
		if (job->done) {
			struct ub_result *res = job->res;
			int err = job->err;

			job->res = NULL;
			free_job(d, job);
			pthread_mutex_unlock(&d->lock);
			take_answer(q, err, res);
			ub_resolve_free(res);
			finish(q, q->r.status, NULL);
		} else {
			abandon(q);
			finish(q, DNS_TEMPFAIL,
			       pool_printf(q->pool, "no answer within %ld ms",
			                   ms_between(&q->start, &q->deadline)));
		}
	}
	*r = q->r;
	return r->status;
}

void dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->d == NULL)
		return;
	pthread_mutex_lock(&q->d->lock);
	if (q->job->done) {
		free_job(q->d, q->job);
		pthread_mutex_unlock(&q->d->lock);
	} else {
		abandon(q);
	}
	finish(q, DNS_TEMPFAIL, "cancelled");
}

enum dns_status dns_lookup(struct dns *d, const char *name, enum dns_type type, struct pool *p,
                           struct dns_result *r)
{
	return dns_wait(dns_start(d, name, type, 0, p), r);
}

/* ---- small helpers ---- */

const char *dns_reverse_name(const struct ip_addr *ip, const char *zone, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i, n;

	if (ip->family == AF_INET) {
		n = snprintf(buf, size, "%u.%u.%u.%u.%s", ip->a[3], ip->a[2], ip->a[1], ip->a[0],
		             zone != NULL ? zone : "in-addr.arpa");
		return n >= 0 && (size_t)n < size ? buf : NULL;
	}
	if (ip->family != AF_INET6 || size < 65)
		return NULL;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hex[ip->a[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[ip->a[i] >> 4];
		buf[o++] = '.';
	}
	n = snprintf(buf + o, size - o, "%s", zone != NULL ? zone : "ip6.arpa");
	return n >= 0 && (size_t)n < size - o ? buf : NULL;
}

const char *dns_status_name(enum dns_status s)
{
	static const char *const names[] = {"OK",       "NXDOMAIN", "NODATA",
	                                    "TEMPFAIL", "BADNAME",  "BADDATA"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *dns_type_name(enum dns_type t)
{
	switch (t) {
	case DNS_A:
		return "A";
	case DNS_PTR:
		return "PTR";
	case DNS_MX:
		return "MX";
	case DNS_TXT:
		return "TXT";
	case DNS_AAAA:
		return "AAAA";
	}
	return "?";
}

/*
 * eval - check_host() (RFC 7208 §4-§6) on lib/dns.h. Mechanisms are
 * evaluated in order; every lookup is bounded by the evaluation's deadline;
 * limits are counted as §4.6.4 says (void lookups per term). MX hosts and
 * PTR names are resolved in parallel, then examined in order.
 */
#include "eval.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/buf.h"
#include "macro.h"

#define SPFC_MAX_DEPTH 24 /* unreachable: every include/redirect is a DNS term */

struct spfc_eval {
	struct dns *dns;
	struct pool *pool;
	const struct spfc_request *rq;
	struct spfc_macro_env env;
	char ip_dots[72];
	char ip_text[IP_STRLEN];
	struct timespec deadline;
	long timeout_ms;
	unsigned terms, voids, queries;
	bool late; /* a lookup was refused: the deadline had passed */

	/* The client's validated PTR names (ptr mechanism, %{p}), found once. */
	bool ptr_done;
	enum dns_status ptr_status;
	const char **ptr_names;
	size_t n_ptr;

	enum spfc_result err; /* TEMPERROR or PERMERROR once a step returned -1 */
	const char *problem;
	const char *mechanism;
	const char *explanation;
};

/* ---- errors and limits ---- */

static int spfc_error(struct spfc_eval *ev, enum spfc_result r, const char *problem)
{
	ev->err = r;
	ev->problem = problem != NULL ? problem : "out of memory";
	return -1;
}

/* A term whose lookup found nothing; the third is a permerror. */
static int spfc_void(struct spfc_eval *ev, const char *name)
{
	if (++ev->voids <= SPFC_MAX_VOID)
		return 0;
	return spfc_error(ev, SPFC_PERMERROR,
	                  pool_printf(ev->pool,
	                              "more than %d void lookups (the last for %s): the record "
	                              "names domains that do not exist",
	                              SPFC_MAX_VOID, name));
}

/* ---- names ---- */

bool spfc_domain_ok(const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0, label = 0, labels = 1, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > SPFC_MAX_DOMAIN || s[0] == '[')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] != '.') {
			if (++label > 63)
				return false;
			continue;
		}
		if (label == 0)
			return false;
		label = 0;
		labels++;
	}
	return label > 0 && labels >= 2;
}

/* A raw name (from a sender or a macro expansion) in lib/dns.h's presentation form. */
static const char *spfc_qname(const char *raw, char *buf, size_t size)
{
	size_t o = 0;

	for (; *raw != '\0' && o + 5 < size; raw++) {
		unsigned char c = (unsigned char)*raw;

		if (c == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (c <= 0x20 || c >= 0x7f) {
			buf[o++] = '\\';
			buf[o++] = (char)('0' + c / 100);
			buf[o++] = (char)('0' + c / 10 % 10);
			buf[o++] = (char)('0' + c % 10);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* The reverse: a name from a DNS answer as raw bytes (for %{p}). */
static char *spfc_unescape(struct pool *p, const char *s)
{
	char *out = pool_alloc(p, strlen(s) + 1), *o = out;

	if (out == NULL)
		return NULL;
	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
		    s[3] >= '0' && s[3] <= '9') {
			*o++ = (char)((s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
			s += 4;
		} else if (s[0] == '\\' && s[1] != '\0') {
			*o++ = s[1];
			s += 2;
		} else {
			*o++ = *s++;
		}
	}
	return out;
}

/* name equals domain, or ends in "." domain (both presentation form, any case). */
static bool spfc_name_within(const char *name, const char *domain)
{
	size_t nl = strlen(name), dl = strlen(domain);

	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (nl == dl)
		return strncasecmp(name, domain, dl) == 0;
	return nl > dl && name[nl - dl - 1] == '.' && strncasecmp(name + nl - dl, domain, dl) == 0;
}

/* ---- DNS ---- */

static long spfc_remaining(const struct spfc_eval *ev)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (ev->deadline.tv_sec - now.tv_sec) * 1000 +
	       (ev->deadline.tv_nsec - now.tv_nsec) / 1000000;
}

/* Start a lookup of a presentation-form name; NULL once the deadline has passed. */
static struct dns_query *spfc_start(struct spfc_eval *ev, const char *name, enum dns_type type)
{
	long left = spfc_remaining(ev), ms = dns_timeout(ev->dns);

	if (left <= 0) {
		ev->late = true;
		return NULL;
	}
	ev->queries++;
	return dns_start(ev->dns, name, type, left < ms ? left : ms, ev->pool);
}

static enum dns_status spfc_wait(struct spfc_eval *ev, struct dns_query *q, struct dns_result *r)
{
	enum dns_status st = dns_wait(q, r);

	if (q == NULL && ev->late)
		r->error = pool_printf(ev->pool, "the SPF evaluation ran out of time (%ld ms)",
		                       ev->timeout_ms);
	return st;
}

static enum dns_status spfc_lookup(struct spfc_eval *ev, const char *name, enum dns_type type,
                                   struct dns_result *r)
{
	return spfc_wait(ev, spfc_start(ev, name, type), r);
}

/* A lookup failed: temperror for TEMPFAIL, permerror for unusable data. */
static int spfc_dns_error(struct spfc_eval *ev, const char *name, enum dns_type type,
                          const struct dns_result *r)
{
	return spfc_error(ev, r->status == DNS_TEMPFAIL ? SPFC_TEMPERROR : SPFC_PERMERROR,
	                  pool_printf(ev->pool, "DNS %s lookup of %s: %s", dns_type_name(type),
	                              name, r->error != NULL ? r->error : "failed"));
}

static bool spfc_is_void(enum dns_status st)
{
	return st == DNS_NXDOMAIN || st == DNS_NODATA || st == DNS_BADNAME;
}

/* ---- expansion ---- */

/* Expand a domain-spec (§7.3: a trailing dot dropped, cut to 253 from the left). */
static const char *spfc_expand_domain(struct spfc_eval *ev, const struct spfc_span *spec)
{
	const char *error = NULL, *s;
	struct buf b;
	size_t len;

	buf_init(&b);
	if (spfc_macro_expand(spec->s, spec->len, SPFC_MACRO_DOMAIN, &ev->env, &b, &error) < 0) {
		buf_free(&b);
		spfc_error(ev, SPFC_PERMERROR,
		           pool_printf(ev->pool, "\"%.*s\": %s", (int)spec->len, spec->s, error));
		return NULL;
	}
	s = buf_str(&b);
	len = b.len;
	if (len > 0 && s[len - 1] == '.')
		len--;
	while (len > SPFC_MAX_DOMAIN) {
		const char *dot = memchr(s, '.', len);

		if (dot == NULL)
			break;
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	s = b.oom ? NULL : pool_strndup(ev->pool, s, len);
	buf_free(&b);
	if (s == NULL)
		spfc_error(ev, SPFC_TEMPERROR, "out of memory");
	return s;
}

static const char *spfc_target(struct spfc_eval *ev, const struct spfc_term *t)
{
	return t->domain.len == 0 ? ev->env.domain : spfc_expand_domain(ev, &t->domain);
}

/* ---- the client's validated names (ptr, %{p}) ---- */

static bool spfc_addr_in(const struct ip_addr *ip, const struct ip_addr *net, int bits)
{
	struct ip_addr a, b;

	if (ip->family != net->family)
		return false;
	ip_mask(ip, bits, &a);
	ip_mask(net, bits, &b);
	return ip_equal(&a, &b);
}

static bool spfc_result_has(const struct dns_result *r, const struct ip_addr *ip, int bits)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (spfc_addr_in(ip, &r->addr[i], bits))
			return true;
	return false;
}

/* §5.5: the PTR names of the client (first 10) whose addresses include it. */
static void spfc_validate_ptr(struct spfc_eval *ev)
{
	enum dns_type at = ev->rq->ip.family == AF_INET ? DNS_A : DNS_AAAA;
	struct dns_query *q[SPFC_MAX_NAMES];
	char rev[DNS_NAME_BUF];
	struct dns_result r, a;
	size_t i, n;

	ev->ptr_done = true;
	ev->ptr_status = DNS_TEMPFAIL;
	if (dns_reverse_name(&ev->rq->ip, NULL, rev, sizeof(rev)) == NULL)
		return;
	ev->ptr_status = spfc_lookup(ev, rev, DNS_PTR, &r);
	if (ev->ptr_status != DNS_OK)
		return;
	n = r.n < SPFC_MAX_NAMES ? r.n : SPFC_MAX_NAMES;
	ev->ptr_names = pool_alloc(ev->pool, (n + 1) * sizeof(*ev->ptr_names));
	for (i = 0; i < n; i++)
		q[i] = spfc_start(ev, r.names[i], at);
	for (i = 0; i < n; i++)
		if (spfc_wait(ev, q[i], &a) == DNS_OK && ev->ptr_names != NULL &&
		    spfc_result_has(&a, &ev->rq->ip, at == DNS_A ? 32 : 128))
			ev->ptr_names[ev->n_ptr++] = r.names[i];
}

/* %{p} (§7.3): the domain itself if validated, else a subdomain of it, else any. */
static const char *spfc_ptr_value(void *arg)
{
	struct spfc_eval *ev = arg;
	char qd[DNS_NAME_BUF];
	const char *d;
	size_t i;

	if (!ev->ptr_done)
		spfc_validate_ptr(ev);
	if (ev->n_ptr == 0)
		return "unknown";
	d = spfc_qname(ev->env.domain != NULL ? ev->env.domain : "", qd, sizeof(qd));
	for (i = 0; i < ev->n_ptr; i++)
		if (strcasecmp(ev->ptr_names[i], d) == 0)
			return ev->env.domain;
	for (i = 0; i < ev->n_ptr; i++)
		if (spfc_name_within(ev->ptr_names[i], d))
			return spfc_unescape(ev->pool, ev->ptr_names[i]);
	return spfc_unescape(ev->pool, ev->ptr_names[0]);
}

/* ---- mechanisms ---- */

static int spfc_match_addr(struct spfc_eval *ev, const char *target, const struct spfc_term *t,
                           enum dns_type type)
{
	char qn[DNS_NAME_BUF];
	struct dns_result r;
	enum dns_status st = spfc_lookup(ev, spfc_qname(target, qn, sizeof(qn)), type, &r);

	if (spfc_is_void(st))
		return spfc_void(ev, target);
	if (st != DNS_OK)
		return spfc_dns_error(ev, target, type, &r);
	if (t->mech == SPFC_EXISTS)
		return 1;
	return spfc_result_has(&r, &ev->rq->ip, type == DNS_A ? t->cidr4 : t->cidr6);
}

static int spfc_mx_order(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcasecmp(x->exchange, y->exchange);
}

static int spfc_match_mx(struct spfc_eval *ev, const char *target, const struct spfc_term *t)
{
	enum dns_type at = ev->rq->ip.family == AF_INET ? DNS_A : DNS_AAAA;
	struct dns_query *q[SPFC_MAX_NAMES];
	char qn[DNS_NAME_BUF];
	struct dns_result r, a;
	enum dns_status st = spfc_lookup(ev, spfc_qname(target, qn, sizeof(qn)), DNS_MX, &r);
	size_t i;
	int match = 0;

	if (spfc_is_void(st))
		return spfc_void(ev, target);
	if (st != DNS_OK)
		return spfc_dns_error(ev, target, DNS_MX, &r);
	if (r.n > SPFC_MAX_NAMES)
		return spfc_error(ev, SPFC_PERMERROR,
		                  pool_printf(ev->pool,
		                              "%s has %zu MX records, over the limit of %d", target,
		                              r.n, SPFC_MAX_NAMES));
	qsort(r.mx, r.n, sizeof(*r.mx), spfc_mx_order);
	for (i = 0; i < r.n; i++) /* a null MX (RFC 7505) has no addresses */
		q[i] = strcmp(r.mx[i].exchange, ".") != 0 ? spfc_start(ev, r.mx[i].exchange, at)
		                                          : NULL;
	/* All are waited for, so that their answers are cached for the next
	 * message; the first match or error in MX order decides. */
	for (i = 0; i < r.n; i++) {
		if (strcmp(r.mx[i].exchange, ".") == 0)
			continue;
		st = spfc_wait(ev, q[i], &a);
		if (match != 0)
			continue;
		if (st == DNS_OK &&
		    spfc_result_has(&a, &ev->rq->ip, at == DNS_A ? t->cidr4 : t->cidr6))
			match = 1;
		else if (!spfc_is_void(st) && st != DNS_OK)
			match = spfc_dns_error(ev, r.mx[i].exchange, at, &a);
	}
	return match;
}

static int spfc_match_ptr(struct spfc_eval *ev, const char *target)
{
	char qt[DNS_NAME_BUF];
	size_t i;

	if (!ev->ptr_done)
		spfc_validate_ptr(ev);
	if (spfc_is_void(ev->ptr_status))
		return spfc_void(ev, "the client's PTR name");
	/* §5.5: a DNS error on the PTR lookup means no match, not temperror. */
	spfc_qname(target, qt, sizeof(qt));
	for (i = 0; i < ev->n_ptr; i++)
		if (spfc_name_within(ev->ptr_names[i], qt))
			return 1;
	return 0;
}

static enum spfc_result spfc_check_host(struct spfc_eval *ev, const char *domain, bool final,
                                        int depth);

static int spfc_match_include(struct spfc_eval *ev, const char *target, int depth)
{
	enum spfc_result r;

	if (!spfc_domain_ok(target))
		return spfc_error(ev, SPFC_PERMERROR,
		                  pool_printf(ev->pool, "include:%s: not a valid domain", target));
	r = spfc_check_host(ev, target, false, depth + 1);
	switch (r) {
	case SPFC_PASS:
		return 1;
	case SPFC_FAIL:
	case SPFC_SOFTFAIL:
	case SPFC_NEUTRAL:
		return 0;
	case SPFC_NONE:
		return spfc_error(ev, SPFC_PERMERROR,
		                  pool_printf(ev->pool, "include:%s: no SPF record there", target));
	default:
		return -1; /* ev->err and the problem are set */
	}
}

/* 1 match, 0 no match, -1 error (ev->err). */
static int spfc_match(struct spfc_eval *ev, const struct spfc_term *t, int depth)
{
	const struct ip_addr *ip = &ev->rq->ip;
	const char *target;

	switch (t->mech) {
	case SPFC_ALL:
		return 1;
	case SPFC_IP4:
		return ip->family == AF_INET && spfc_addr_in(ip, &t->net, t->cidr4);
	case SPFC_IP6:
		return ip->family == AF_INET6 && spfc_addr_in(ip, &t->net, t->cidr6);
	default:
		break;
	}
	if (++ev->terms > SPFC_MAX_DNS_TERMS)
		return spfc_error(ev, SPFC_PERMERROR,
		                  pool_printf(ev->pool,
		                              "more than %d DNS-querying terms (the last \"%.*s\")",
		                              SPFC_MAX_DNS_TERMS, (int)t->text.len, t->text.s));
	if ((target = spfc_target(ev, t)) == NULL)
		return -1;
	switch (t->mech) {
	case SPFC_A:
		return spfc_match_addr(ev, target, t, ip->family == AF_INET ? DNS_A : DNS_AAAA);
	case SPFC_EXISTS:
		return spfc_match_addr(ev, target, t, DNS_A);
	case SPFC_MX:
		return spfc_match_mx(ev, target, t);
	case SPFC_PTR:
		return spfc_match_ptr(ev, target);
	default:
		return spfc_match_include(ev, target, depth);
	}
}

/* ---- records ---- */

/* Find and parse domain's record: 1 found, 0 none (a problem said), -1 error. */
static int spfc_fetch(struct spfc_eval *ev, const char *domain, struct spfc_record *rec)
{
	char qn[DNS_NAME_BUF];
	struct dns_result r;
	enum dns_status st = spfc_lookup(ev, spfc_qname(domain, qn, sizeof(qn)), DNS_TXT, &r);
	const struct dns_txt *found = NULL;
	const char *error = NULL;
	size_t i, n = 0;

	if (spfc_is_void(st)) {
		ev->problem = pool_printf(ev->pool, "%s: %s", domain,
		                          st == DNS_NXDOMAIN ? "no such domain" : "no SPF record");
		return 0;
	}
	if (st != DNS_OK)
		return spfc_dns_error(ev, domain, DNS_TXT, &r);
	for (i = 0; i < r.n; i++) {
		if (spfc_record_is_spf(r.txt[i].text, r.txt[i].len)) {
			found = &r.txt[i];
			n++;
		}
	}
	if (n == 0) {
		ev->problem = pool_printf(ev->pool, "%s: no SPF record", domain);
		return 0;
	}
	if (n > 1)
		return spfc_error(
		    ev, SPFC_PERMERROR,
		    pool_printf(ev->pool, "%s has %zu SPF records (one is allowed)", domain, n));
	if (spfc_record_parse(found->text, found->len, ev->pool, rec, &error) < 0)
		return spfc_error(ev, SPFC_PERMERROR,
		                  pool_printf(ev->pool, "%s: %s", domain, error));
	return 1;
}

/* §6.2: the explanation of a fail, from exp= or the default; none on any error. */
static void spfc_explain(struct spfc_eval *ev, const struct spfc_record *rec)
{
	enum spfc_result err = ev->err;
	const char *problem = ev->problem, *error, *target;
	struct dns_result r;
	struct buf b;

	buf_init(&b);
	if (rec->exp.len > 0 && (target = spfc_expand_domain(ev, &rec->exp)) != NULL) {
		char qn[DNS_NAME_BUF];

		if (spfc_lookup(ev, spfc_qname(target, qn, sizeof(qn)), DNS_TXT, &r) == DNS_OK &&
		    r.n == 1 && strlen(r.txt[0].text) == r.txt[0].len &&
		    spfc_macro_expand(r.txt[0].text, r.txt[0].len, SPFC_MACRO_EXP, &ev->env, &b,
		                      &error) < 0)
			buf_reset(&b);
	}
	ev->err = err; /* nothing here changes the result */
	ev->problem = problem;
	if (b.len == 0 && ev->rq->default_exp != NULL &&
	    spfc_macro_expand(ev->rq->default_exp, strlen(ev->rq->default_exp), SPFC_MACRO_EXP,
	                      &ev->env, &b, &error) < 0)
		buf_reset(&b);
	if (b.len > 0 && !b.oom)
		ev->explanation =
		    pool_strndup(ev->pool, buf_str(&b),
		                 b.len < SPFC_MAX_EXPLANATION ? b.len : SPFC_MAX_EXPLANATION);
	buf_free(&b);
}

static enum spfc_result spfc_eval_record(struct spfc_eval *ev, const char *domain,
                                         const struct spfc_record *rec, bool final, int depth)
{
	enum spfc_result r = SPFC_NEUTRAL;
	const char *saved = ev->env.domain, *target;
	size_t i;
	int m = 0;

	ev->env.domain = domain;
	for (i = 0; i < rec->n_terms; i++) {
		const struct spfc_term *t = &rec->terms[i];

		if ((m = spfc_match(ev, t, depth)) != 0)
			break;
	}
	if (m < 0) {
		r = ev->err;
	} else if (m > 0) {
		r = rec->terms[i].qualifier;
		if (final) {
			ev->mechanism =
			    pool_strndup(ev->pool, rec->terms[i].text.s, rec->terms[i].text.len);
			if (r == SPFC_FAIL)
				spfc_explain(ev, rec);
		}
	} else if (rec->redirect.len > 0) {
		/* §6.1: only when no mechanism matched; it counts as a DNS term. */
		if (++ev->terms > SPFC_MAX_DNS_TERMS)
			r = (spfc_error(ev, SPFC_PERMERROR,
			                pool_printf(ev->pool,
			                            "more than %d DNS-querying terms (the "
			                            "last a redirect)",
			                            SPFC_MAX_DNS_TERMS)),
			     ev->err);
		else if ((target = spfc_expand_domain(ev, &rec->redirect)) == NULL)
			r = ev->err;
		else if (!spfc_domain_ok(target))
			r = (spfc_error(
			         ev, SPFC_PERMERROR,
			         pool_printf(ev->pool, "redirect=%s: not a valid domain", target)),
			     ev->err);
		else if ((r = spfc_check_host(ev, target, final, depth + 1)) == SPFC_NONE)
			r = (spfc_error(
			         ev, SPFC_PERMERROR,
			         pool_printf(ev->pool, "redirect=%s: no SPF record there", target)),
			     ev->err);
	} else if (final) {
		ev->mechanism = "default";
	}
	ev->env.domain = saved;
	return r;
}

static enum spfc_result spfc_check_host(struct spfc_eval *ev, const char *domain, bool final,
                                        int depth)
{
	struct spfc_record rec;
	int rc;

	if (depth > SPFC_MAX_DEPTH)
		return (spfc_error(ev, SPFC_PERMERROR, "include and redirect nested too deeply"),
		        ev->err);
	rc = spfc_fetch(ev, domain, &rec);
	if (rc < 0)
		return ev->err;
	if (rc == 0)
		return SPFC_NONE;
	return spfc_eval_record(ev, domain, &rec, final, depth);
}

/* ---- the identities ---- */

static void spfc_ip_strings(struct spfc_eval *ev)
{
	static const char hex[] = "0123456789ABCDEF";
	const struct ip_addr *ip = &ev->rq->ip;
	size_t o = 0;
	int i;

	ip_format(ip, ev->ip_text);
	if (ip->family != AF_INET6) {
		memcpy(ev->ip_dots, ev->ip_text, sizeof(ev->ip_text));
		return;
	}
	/* RFC 7208 §7.3: 32 nibbles, dotted (upper case, as the test suite has it). */
	for (i = 0; i < 16; i++) {
		ev->ip_dots[o++] = hex[ip->a[i] >> 4];
		ev->ip_dots[o++] = '.';
		ev->ip_dots[o++] = hex[ip->a[i] & 15];
		ev->ip_dots[o++] = i < 15 ? '.' : '\0';
	}
}

static void spfc_run(struct dns *dns, const struct spfc_request *rq, const char *identity,
                     const char *local, const char *domain, struct pool *p,
                     struct spfc_outcome *out)
{
	struct spfc_eval ev;
	struct timespec now;
	size_t dl = strlen(domain);

	memset(&ev, 0, sizeof(ev));
	memset(out, 0, sizeof(*out));
	if (dl > 0 && domain[dl - 1] == '.')
		domain = pool_strndup(p, domain, dl - 1);
	ev.dns = dns;
	ev.pool = p;
	ev.rq = rq;
	ev.timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : 20000;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ev.deadline.tv_sec = now.tv_sec + ev.timeout_ms / 1000;
	ev.deadline.tv_nsec = now.tv_nsec + ev.timeout_ms % 1000 * 1000000;
	if (ev.deadline.tv_nsec >= 1000000000) {
		ev.deadline.tv_sec++;
		ev.deadline.tv_nsec -= 1000000000;
	}
	spfc_ip_strings(&ev);
	ev.env.sender = pool_printf(p, "%s@%s", local, domain != NULL ? domain : "");
	ev.env.local = local;
	ev.env.sender_domain = domain;
	ev.env.domain = domain;
	ev.env.helo = rq->helo;
	ev.env.receiver = rq->receiver != NULL ? rq->receiver : "unknown";
	ev.env.ip_dots = ev.ip_dots;
	ev.env.ip_text = ev.ip_text;
	ev.env.ipv6 = rq->ip.family == AF_INET6;
	ev.env.now = rq->now != 0 ? rq->now : (long)time(NULL);
	ev.env.ptr_name = spfc_ptr_value;
	ev.env.arg = &ev;

	out->identity = identity;
	out->domain = domain;
	out->sender = ev.env.sender;
	if (domain == NULL || local == NULL || ev.env.sender == NULL) {
		out->result = SPFC_TEMPERROR;
		out->problem = "out of memory";
		return;
	}
	if (rq->ip.family != AF_INET && rq->ip.family != AF_INET6) {
		out->result = SPFC_NONE;
		out->problem = "the client's address is unknown";
		return;
	}
	if (!spfc_domain_ok(domain)) {
		out->result = SPFC_NONE;
		out->problem = pool_printf(p, "\"%s\" is not a domain SPF can check", domain);
		return;
	}
	out->result = spfc_check_host(&ev, domain, true, 0);
	out->mechanism = ev.mechanism;
	out->explanation = out->result == SPFC_FAIL ? ev.explanation : NULL;
	out->problem =
	    out->result == SPFC_NONE || out->result >= SPFC_TEMPERROR ? ev.problem : NULL;
	out->dns_terms = ev.terms;
	out->void_lookups = ev.voids;
	out->queries = ev.queries;
	out->used = ev.env.used;
}

/* Split <sender> into local-part and domain (the domain follows the last '@'). */
static const char *spfc_split(struct pool *p, const char *mail_from, const char *helo,
                              bool helo_identity, const char **domain_r)
{
	const char *at;

	if (helo_identity || mail_from == NULL || mail_from[0] == '\0') {
		*domain_r = helo != NULL ? helo : "";
		return "postmaster";
	}
	at = strrchr(mail_from, '@');
	if (at == NULL) {
		*domain_r = mail_from;
		return "postmaster";
	}
	*domain_r = at + 1;
	return at == mail_from ? "postmaster"
	                       : pool_strndup(p, mail_from, (size_t)(at - mail_from));
}

const char *spfc_sender(struct pool *p, const char *mail_from, const char *helo, bool helo_identity)
{
	const char *domain, *local = spfc_split(p, mail_from, helo, helo_identity, &domain);
	size_t dl = strlen(domain);

	if (local == NULL)
		return NULL;
	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	return pool_printf(p, "%s@%.*s", local, (int)dl, domain);
}

void spfc_check_mailfrom(struct dns *dns, const struct spfc_request *rq, struct pool *p,
                         struct spfc_outcome *out)
{
	bool null = rq->sender == NULL || rq->sender[0] == '\0';
	const char *domain, *local = spfc_split(p, rq->sender, rq->helo, false, &domain);

	/* §2.4: for the null sender the MAIL FROM identity is postmaster@HELO. */
	spfc_run(dns, rq, null ? "helo" : "mailfrom", local, domain, p, out);
}

void spfc_check_helo(struct dns *dns, const struct spfc_request *rq, struct pool *p,
                     struct spfc_outcome *out)
{
	const char *domain, *local = spfc_split(p, rq->sender, rq->helo, true, &domain);

	spfc_run(dns, rq, "helo", local, domain, p, out);
}

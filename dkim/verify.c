/*
 * verify - the only file that includes libopendkim's header. Its key
 * lookups are answered through lib/dns.c by the dkim_dns_set_query_*
 * hooks: the answer is rebuilt as the wire-format reply libopendkim parses,
 * and a failed lookup makes it record "key DNS query failed" (temperror).
 * Each lookup's outcome is also kept per message, so that results name the
 * real cause (a timeout, a malformed record) rather than the library's
 * guess.
 */
#include "verify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "../lib/log.h"

#define MAX_LOOKUPS 16
#define WIRE_HEADER 12

struct dkimc_verifier {
	DKIM_LIB *lib;
	struct dns *dns;
};

struct lookup {
	const char *name;
	enum dns_status status;
	const char *error; /* why, if not OK */
};

struct dkimc_vmsg {
	DKIM *dkim;
	struct pool *pool;
	size_t n_lookups;
	struct lookup lookups[MAX_LOOKUPS];
};

/* A query answered at start: libopendkim then asks for the reply. */
struct answer {
	size_t len;
};

/* The message whose library call is running on this thread: key lookups
 * happen inside dkim_eoh()/dkim_eom() and report to it. */
static __thread struct dkimc_vmsg *current;

const char *dkimc_result_name(enum dkimc_result r)
{
	static const char *const names[] = {"pass",   "fail",      "neutral",
	                                    "policy", "temperror", "permerror"};

	return names[r];
}

/* ---- DNS: lib/dns.c behind libopendkim's resolver hooks ---- */

static size_t put_name(const char *name, unsigned char *out, size_t size)
{
	size_t n = 0, len = strlen(name);
	const char *label = name;

	if (len > 0 && name[len - 1] == '.')
		len--;
	while (label < name + len) {
		const char *dot = memchr(label, '.', (size_t)(name + len - label));
		size_t l = dot != NULL ? (size_t)(dot - label) : (size_t)(name + len - label);

		if (l == 0 || l > 63 || n + l + 2 > size || n + l + 2 > 255)
			return 0;
		out[n++] = (unsigned char)l;
		memcpy(out + n, label, l);
		n += l;
		label += l + 1;
	}
	out[n++] = 0;
	return n;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

size_t dkimc_wire_reply(const char *qname, const struct dns_result *r, unsigned char *buf,
                        size_t size)
{
	size_t n = WIRE_HEADER, q, i, j;
	unsigned rcode = r->status == DNS_NXDOMAIN ? 3 : 0;
	size_t ancount = r->status == DNS_OK ? r->n : 0;

	if (size < WIRE_HEADER + 5)
		return 0;
	memset(buf, 0, WIRE_HEADER);
	put16(buf + 2, 0x8180 | rcode); /* a response, recursion desired and available */
	put16(buf + 4, 1);
	put16(buf + 6, (unsigned)ancount);
	q = put_name(qname, buf + n, size - n - 4);
	if (q == 0) {
		buf[n] = 0; /* a name we cannot write: the root (libopendkim only skips it) */
		q = 1;
	}
	n += q;
	put16(buf + n, 16); /* TXT */
	put16(buf + n + 2, 1);
	n += 4;
	for (i = 0; i < ancount; i++) {
		const struct dns_txt *t = &r->txt[i];
		size_t rdlen = 0;

		for (j = 0; j < t->n_parts; j++)
			rdlen += 1 + t->parts[j].len;
		if (rdlen > 65535 || n + 12 + rdlen > size)
			return 0;
		put16(buf + n, 0xc000 | WIRE_HEADER); /* the question's name */
		put16(buf + n + 2, 16);
		put16(buf + n + 4, 1);
		put16(buf + n + 6, (unsigned)(r->ttl >> 16));
		put16(buf + n + 8, r->ttl & 0xffff);
		put16(buf + n + 10, (unsigned)rdlen);
		n += 12;
		for (j = 0; j < t->n_parts; j++) {
			size_t l = t->parts[j].len > 255 ? 255 : t->parts[j].len;

			buf[n++] = (unsigned char)l;
			memcpy(buf + n, t->parts[j].s, l);
			n += l;
		}
	}
	return n;
}

static void remember(struct dkimc_vmsg *vm, const char *name, enum dns_status status,
                     const char *error)
{
	struct lookup *l;

	if (vm == NULL || vm->n_lookups == MAX_LOOKUPS)
		return;
	l = &vm->lookups[vm->n_lookups++];
	l->name = pool_strdup(vm->pool, name);
	l->status = status;
	l->error = error != NULL ? pool_strdup(vm->pool, error) : NULL;
}

static int dns_query_start(void *srv, int type, unsigned char *query, unsigned char *buf,
                           size_t buflen, void **qh)
{
	struct dkimc_verifier *v = srv;
	struct dkimc_vmsg *vm = current;
	struct pool *tmp = vm == NULL ? pool_create() : NULL;
	struct pool *p = vm != NULL ? vm->pool : tmp;
	struct dns_result r;
	struct answer *a;
	size_t len;

	*qh = NULL;
	if (p == NULL || type != 16)
		return -1;
	dns_lookup(v->dns, (const char *)query, DNS_TXT, p, &r);
	if (r.status == DNS_TEMPFAIL) {
		/* libopendkim: "key DNS query failed", DKIM_STAT_KEYFAIL. */
		remember(vm, (const char *)query, r.status, r.error);
		pool_destroy(&tmp);
		return -1;
	}
	len = dkimc_wire_reply((const char *)query, &r, buf, buflen);
	if (len == 0 || r.status == DNS_BADNAME || r.status == DNS_BADDATA) {
		/* Unusable: answer "no such name" and keep the real reason. */
		struct dns_result none = {.status = DNS_NXDOMAIN};

		remember(vm, (const char *)query, len == 0 ? DNS_BADDATA : r.status,
		         len == 0 ? "key record too large" : r.error);
		len = dkimc_wire_reply((const char *)query, &none, buf, buflen);
	} else
		remember(vm, (const char *)query, r.status, NULL);
	pool_destroy(&tmp);
	a = malloc(sizeof(*a));
	if (a == NULL || len == 0) {
		free(a);
		return -1;
	}
	a->len = len;
	*qh = a;
	return 0;
}

static int dns_query_cancel(void *srv, void *qh)
{
	(void)srv;
	free(qh);
	return 0;
}

static int dns_query_wait(void *srv, void *qh, struct timeval *to, size_t *bytes, int *error,
                          int *dnssec)
{
	(void)srv;
	(void)to;
	*bytes = ((struct answer *)qh)->len;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return DKIM_DNS_SUCCESS;
}

static void dns_close(void *srv)
{
	(void)srv; /* the resolver belongs to the snapshot */
}

/* ---- the library handle ---- */

struct dkimc_verifier *dkimc_verifier_new(struct dns *dns, unsigned min_key_bits,
                                          const char **error_r)
{
	struct dkimc_verifier *v = calloc(1, sizeof(*v));
	unsigned int flags = 0;
	unsigned int bits = min_key_bits;

	if (v == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	v->dns = dns;
	v->lib = dkim_init(NULL, NULL);
	if (v->lib == NULL) {
		free(v);
		*error_r = "libopendkim failed to start (dkim_init)";
		return NULL;
	}
	/* Keep signatures with syntax errors, so that they are reported
	 * (permerror) instead of the message passing as unsigned. */
	dkim_options(v->lib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
	flags |= DKIM_LIBFLAGS_BADSIGHANDLES;
	dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
	dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits, sizeof(bits));
	dkim_dns_set_query_service(v->lib, v);
	dkim_dns_set_query_start(v->lib, dns_query_start);
	dkim_dns_set_query_cancel(v->lib, dns_query_cancel);
	dkim_dns_set_query_waitreply(v->lib, dns_query_wait);
	dkim_dns_set_close(v->lib, dns_close);
	dkim_dns_set_init(v->lib, NULL);
	return v;
}

void dkimc_verifier_free(struct dkimc_verifier **vp)
{
	struct dkimc_verifier *v = *vp;

	if (v == NULL)
		return;
	dkim_close(v->lib);
	free(v);
	*vp = NULL;
}

static void vmsg_cleanup(void *arg)
{
	struct dkimc_vmsg *vm = arg;

	if (vm->dkim != NULL)
		dkim_free(vm->dkim);
	vm->dkim = NULL;
}

static const char *lib_error(struct dkimc_vmsg *vm, const char *call, DKIM_STAT st)
{
	const char *detail = vm->dkim != NULL ? dkim_geterror(vm->dkim) : NULL;

	return pool_printf(vm->pool, "%s: %s%s%s", call, dkim_getresultstr(st),
	                   detail != NULL && detail[0] != '\0' ? ": " : "",
	                   detail != NULL ? detail : "");
}

struct dkimc_vmsg *dkimc_vmsg_new(struct dkimc_verifier *v, struct pool *p, const char *id,
                                  const char **error_r)
{
	struct dkimc_vmsg *vm = pool_alloc(p, sizeof(*vm));
	DKIM_STAT st = DKIM_STAT_OK;

	if (vm == NULL || pool_cleanup(p, vmsg_cleanup, vm) < 0) {
		*error_r = "out of memory";
		return NULL;
	}
	vm->pool = p;
	vm->dkim = dkim_verify(v->lib, (const unsigned char *)(id != NULL ? id : "chainmilter"),
	                       NULL, &st);
	if (vm->dkim == NULL) {
		*error_r = pool_printf(p, "dkim_verify: %s", dkim_getresultstr(st));
		return NULL;
	}
	return vm;
}

int dkimc_vmsg_header(struct dkimc_vmsg *vm, const char *name, const char *value,
                      const char **error_r)
{
	char *text = pool_printf(vm->pool, "%s:%s", name, value);
	DKIM_STAT st;

	if (text == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	st = dkim_header(vm->dkim, (unsigned char *)text, strlen(text));
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX) {
		*error_r = lib_error(vm, "dkim_header", st);
		return -1;
	}
	return 0;
}

int dkimc_vmsg_eoh(struct dkimc_vmsg *vm, const char **error_r)
{
	DKIM_STAT st;

	current = vm;
	st = dkim_eoh(vm->dkim);
	current = NULL;
	switch (st) {
	case DKIM_STAT_OK:
	case DKIM_STAT_SYNTAX: /* bad signatures are reported at end of message */
	case DKIM_STAT_CANTVRFY:
	case DKIM_STAT_BADSIG:
	case DKIM_STAT_NOKEY:
	case DKIM_STAT_KEYFAIL:
	case DKIM_STAT_REVOKED:
		return 1;
	case DKIM_STAT_NOSIG:
		return 0;
	default:
		*error_r = lib_error(vm, "dkim_eoh", st);
		return -1;
	}
}

int dkimc_vmsg_body(struct dkimc_vmsg *vm, const unsigned char *data, size_t len,
                    const char **error_r)
{
	DKIM_STAT st = dkim_body(vm->dkim, (unsigned char *)data, len);

	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX) {
		*error_r = lib_error(vm, "dkim_body", st);
		return -1;
	}
	return 0;
}

static const struct lookup *lookup_of(const struct dkimc_vmsg *vm, const char *selector,
                                      const char *domain)
{
	size_t i, sl, dl;

	if (selector == NULL || domain == NULL)
		return NULL;
	sl = strlen(selector);
	dl = strlen(domain);
	for (i = vm->n_lookups; i-- > 0;) {
		const char *n = vm->lookups[i].name;

		if (strncasecmp(n, selector, sl) == 0 &&
		    strncasecmp(n + sl, "._domainkey.", 12) == 0 &&
		    strncasecmp(n + sl + 12, domain, dl) == 0 &&
		    (n[sl + 12 + dl] == '\0' || strcmp(n + sl + 12 + dl, ".") == 0))
			return &vm->lookups[i];
	}
	return NULL;
}

/* One signature's result in RFC 8601's words (OpenDKIM's mapping, except
 * that a missing, revoked or malformed key is permerror, not fail). */
static void classify(const struct dkimc_vmsg *vm, DKIM_SIGINFO *sig, struct dkimc_sigresult *r)
{
	unsigned flags = dkim_sig_getflags(sig);
	int err = dkim_sig_geterror(sig), bh = dkim_sig_getbh(sig);
	const struct lookup *lk = lookup_of(vm, r->selector, r->domain);
	const char *errstr = dkim_sig_geterrorstr(err);
	bool failed_err = err != DKIM_SIGERROR_UNKNOWN && err != DKIM_SIGERROR_OK;

	r->no_key = err == DKIM_SIGERROR_NOKEY &&
	            (lk == NULL || lk->status == DNS_NXDOMAIN || lk->status == DNS_NODATA);
	if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MATCH) {
		r->result = DKIMC_PASS;
	} else if ((lk != NULL && lk->status == DNS_TEMPFAIL) || err == DKIM_SIGERROR_KEYFAIL) {
		r->result = DKIMC_TEMPERROR;
		r->reason = lk != NULL && lk->error != NULL
		                ? pool_printf(vm->pool, "key DNS query failed: %s", lk->error)
		                : "key DNS query failed";
	} else if (err == DKIM_SIGERROR_KEYTOOSMALL) {
		r->result = DKIMC_POLICY;
		r->reason = errstr;
	} else if (lk != NULL && (lk->status == DNS_BADDATA || lk->status == DNS_BADNAME)) {
		r->result = DKIMC_PERMERROR;
		r->reason = lk->status == DNS_BADNAME ? "key name invalid"
		            : lk->error != NULL
		                ? pool_printf(vm->pool, "key DNS reply corrupt: %s", lk->error)
		                : "key DNS reply corrupt";
	} else if (err == DKIM_SIGERROR_NOKEY || err == DKIM_SIGERROR_MULTIREPLY ||
	           err == DKIM_SIGERROR_DNSSYNTAX ||
	           (err >= DKIM_SIGERROR_KEYVERSION && err <= DKIM_SIGERROR_KEYDECODE)) {
		r->result = DKIMC_PERMERROR;
		r->reason = errstr;
	} else if ((flags & DKIM_SIGFLAG_PROCESSED) != 0) {
		/* RFC 6376 §6.1.3's words when the header part verified. */
		r->result = DKIMC_FAIL;
		r->reason = (flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MISMATCH
		                ? "body hash did not verify"
		            : failed_err ? errstr
		                         : "signature verification failed";
	} else if (failed_err) {
		r->result = DKIMC_PERMERROR;
		r->reason = errstr;
	} else {
		r->result = DKIMC_NEUTRAL;
	}
}

static void describe(struct dkimc_vmsg *vm, DKIM_SIGINFO *sig, struct dkimc_sigresult *r)
{
	unsigned char ident[512], ss[128];
	const unsigned char *s;
	size_t sslen = sizeof(ss) - 1;
	unsigned bits = 0;

	memset(r, 0, sizeof(*r));
	if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		r->key_bits = bits;
	if ((s = dkim_sig_getdomain(sig)) != NULL)
		r->domain = pool_strdup(vm->pool, (const char *)s);
	if ((s = dkim_sig_getselector(sig)) != NULL)
		r->selector = pool_strdup(vm->pool, (const char *)s);
	if ((s = dkim_sig_getalgorithm(sig)) != NULL)
		r->algorithm = pool_strdup(vm->pool, (const char *)s);
	memset(ident, 0, sizeof(ident));
	if (dkim_sig_getidentity(vm->dkim, sig, ident, sizeof(ident) - 1) == DKIM_STAT_OK &&
	    ident[0] != '\0')
		r->identity = pool_strdup(vm->pool, (const char *)ident);
	memset(ss, 0, sizeof(ss));
	if (dkim_get_sigsubstring(vm->dkim, sig, (char *)ss, &sslen) == DKIM_STAT_OK)
		r->b = pool_strdup(vm->pool, (const char *)ss);
	r->testing = (dkim_sig_getflags(sig) & DKIM_SIGFLAG_TESTKEY) != 0;
	classify(vm, sig, r);
}

int dkimc_vmsg_eom(struct dkimc_vmsg *vm, struct dkimc_sigresult **res_r, size_t *n_r,
                   const char **error_r)
{
	DKIM_SIGINFO **sigs = NULL;
	_Bool testkey = 0;
	DKIM_STAT st;
	int n = 0, i;

	*res_r = NULL;
	*n_r = 0;
	current = vm;
	st = dkim_eom(vm->dkim, &testkey);
	current = NULL;
	if (st == DKIM_STAT_NOSIG)
		return 0;
	if (st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL || st == DKIM_STAT_INVALID) {
		*error_r = lib_error(vm, "dkim_eom", st);
		return -1;
	}
	if (dkim_getsiglist(vm->dkim, &sigs, &n) != DKIM_STAT_OK || n <= 0)
		return 0;
	*res_r = pool_alloc(vm->pool, (size_t)n * sizeof(**res_r));
	if (*res_r == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (i = 0; i < n; i++)
		describe(vm, sigs[i], &(*res_r)[i]);
	*n_r = (size_t)n;
	return 0;
}

/*
 * spf - the SPF check: at MAIL FROM, for inbound mail from clients not in
 * SPFWhitelist, evaluate the MAIL FROM identity (postmaster@HELO for the
 * null sender) and the HELO identity with spf/eval.c, and record the
 * results: symbols, Received-SPF, an Authentication-Results clause, the
 * result DMARC reads (m->auth) and, if configured, a rejection.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../lib/buf.h"
#include "../lib/check.h"
#include "../lib/coreconf.h"
#include "../lib/log.h"
#include "../lib/msg.h"
#include "cache.h"
#include "eval.h"
#include "header.h"
#include "macro.h"

enum { SPFC_ACTION_SCORE, SPFC_ACTION_REJECT };
static const char *const spfc_action_words[] = {"score", "reject", NULL};

struct spfc_conf {
	bool enabled;
	bool helo;
	int fail_action;
	int on_error;
	struct ip_netlist whitelist;
	long timeout;
	long cache_time;
	const char *default_exp;
};

struct spfc_state {
	const struct spfc_conf *conf;
	struct dns *dns;
	struct spfc_cache *cache;
	const char *receiver;
};

/* The HELO identity's outcome, kept for the connection. */
struct spfc_helo_memo {
	const char *helo;
	struct spfc_outcome o;
};

#define CONF(field) offsetof(struct spfc_conf, field)

static const struct setting spfc_settings[] = {
    {.name = "SPF",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Check SPF (RFC 7208) for inbound mail at MAIL FROM: symbols, Received-SPF and "
            "Authentication-Results."},
    {.name = "SPFHelo",
     .type = SET_BOOL,
     .offset = CONF(helo),
     .def = "yes",
     .doc = "Check the HELO name's SPF record too; a HELO fail decides the SPF result (RFC "
            "7208 section 2.3)."},
    {.name = "SPFFailAction",
     .type = SET_ENUM,
     .offset = CONF(fail_action),
     .def = "score",
     .words = spfc_action_words,
     .doc = "An SPF fail: score it (SPF_FAIL), or reject it at MAIL FROM (550 5.7.23 with "
            "the domain's explanation); forwarded mail fails SPF, so score is the default."},
    {.name = "SPFOnError",
     .type = SET_ENUM,
     .offset = CONF(on_error),
     .def = "accept",
     .words = cm_policy_words,
     .doc = "An SPF temperror (DNS failed or timed out): accept with the result recorded, "
            "tempfail (451 4.7.24) or reject (550 5.7.24)."},
    {.name = "SPFWhitelist",
     .type = SET_NETS,
     .offset = CONF(whitelist),
     .def = "",
     .doc = "Clients whose mail is not SPF-checked (trusted forwarders, backup MX): "
            "addresses, networks, or a file of them (/path)."},
    {.name = "SPFTimeout",
     .type = SET_TIME,
     .offset = CONF(timeout),
     .def = "20",
     .min = 1,
     .max = 300,
     .doc = "How long one SPF evaluation may take in all (each DNS query also within "
            "DNSTimeout); after that it is a temperror."},
    {.name = "SPFCacheTime",
     .type = SET_TIME,
     .offset = CONF(cache_time),
     .def = "60",
     .min = 0,
     .max = 3600,
     .doc = "Keep results by client address and sender domain this long (0: no cache); "
            "DNS answers are cached by their TTL anyway."},
    {.name = "SPFDefaultExplanation",
     .type = SET_STRING,
     .offset = CONF(default_exp),
     .def = "%{o} does not allow %{c} to send its mail (SPF)",
     .doc = "The reason given with a rejected SPF fail when the domain publishes no exp=; "
            "SPF macros such as %{o} (domain) and %{c} (client address) are expanded."},
    {.name = NULL},
};

static int spfc_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct spfc_conf *c = conf;
	struct pool *pool = cm_init_pool(ic);
	struct spfc_state *st;
	const char *error = NULL;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	if (c->default_exp[0] != '\0' &&
	    spfc_macro_check(c->default_exp, strlen(c->default_exp), SPFC_MACRO_EXP, &error) < 0) {
		cm_init_error(ic, "SPFDefaultExplanation",
		              "\"%s\": %s; expected text with SPF macros such as %%{o}, %%{c}",
		              c->default_exp, error);
		return -1;
	}
	st = pool_alloc(pool, sizeof(*st));
	if (st == NULL)
		return -1;
	st->conf = c;
	st->dns = cm_init_dns(ic);
	st->receiver = cm_init_core(ic)->hostname;
	if (c->cache_time > 0 &&
	    (st->cache = spfc_cache_create(SPFC_CACHE_ENTRIES, c->cache_time)) == NULL)
		return -1;
	*state_r = st;
	return 0;
}

static void spfc_free(void *state)
{
	struct spfc_state *st = state;

	spfc_cache_free(&st->cache);
}

/* Evaluate one identity, or take its result from the cache (returns true then). */
static bool spfc_evaluate(struct cm_msg *m, struct spfc_state *st, bool helo_identity,
                          struct spfc_outcome *out)
{
	const struct spfc_conf *c = st->conf;
	struct spfc_request rq = {
	    .ip = m->client_ip,
	    .sender = m->mail_from,
	    .helo = m->helo,
	    .receiver = st->receiver,
	    .default_exp = c->default_exp[0] != '\0' ? c->default_exp : NULL,
	    .timeout_ms = c->timeout * 1000,
	};
	const char *domain, *at;

	if (helo_identity || m->mail_from == NULL || m->mail_from[0] == '\0')
		domain = m->helo != NULL ? m->helo : "";
	else
		domain = (at = strrchr(m->mail_from, '@')) != NULL ? at + 1 : m->mail_from;
	if (st->cache != NULL &&
	    spfc_cache_get(st->cache, &m->client_ip, helo_identity ? "helo" : "mailfrom", domain,
	                   m->mail_from, m->helo, m->pool, out)) {
		/* The cached outcome was for another sender of that domain. */
		out->identity = helo_identity || m->mail_from == NULL || m->mail_from[0] == '\0'
		                    ? "helo"
		                    : "mailfrom";
		out->sender = spfc_sender(m->pool, m->mail_from, m->helo, helo_identity);
		return true;
	}
	if (helo_identity)
		spfc_check_helo(st->dns, &rq, m->pool, out);
	else
		spfc_check_mailfrom(st->dns, &rq, m->pool, out);
	if (st->cache != NULL)
		spfc_cache_put(st->cache, &m->client_ip, m->mail_from, m->helo, out);
	return false;
}

/* The HELO identity, once per HELO name on a connection. */
static const struct spfc_outcome *spfc_helo(struct cm_msg *m, struct spfc_state *st)
{
	struct spfc_helo_memo **slot = (struct spfc_helo_memo **)cm_conn_data(m), *memo = *slot;
	struct spfc_outcome o;

	if (memo != NULL && strcmp(memo->helo, m->helo) == 0)
		return &memo->o;
	spfc_evaluate(m, st, true, &o);
	if ((memo = pool_alloc(m->conn_pool, sizeof(*memo))) == NULL)
		return NULL;
	memo->helo = pool_strdup(m->conn_pool, m->helo);
	memo->o = o;
	memo->o.domain = pool_strdup(m->conn_pool, o.domain);
	memo->o.sender = pool_strdup(m->conn_pool, o.sender);
	memo->o.mechanism = o.mechanism != NULL ? pool_strdup(m->conn_pool, o.mechanism) : NULL;
	memo->o.explanation =
	    o.explanation != NULL ? pool_strdup(m->conn_pool, o.explanation) : NULL;
	memo->o.problem = o.problem != NULL ? pool_strdup(m->conn_pool, o.problem) : NULL;
	*slot = memo;
	return &memo->o;
}

static int spfc_symbol(struct cm_msg *m, const char *prefix, enum spfc_result r)
{
	char name[32];
	size_t i;

	snprintf(name, sizeof(name), "%s%s", prefix, spfc_result_name(r));
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			name[i] = (char)(name[i] - 'a' + 'A');
	return cm_sym(m, name, NULL);
}

/* The explanation as SMTP reply text: printable ASCII only. */
static const char *spfc_reply_text(struct pool *p, const struct spfc_outcome *o)
{
	char *t;
	size_t i;

	if (o->explanation == NULL)
		return pool_printf(p, "SPF fail for %s", o->domain);
	if ((t = pool_strdup(p, o->explanation)) == NULL)
		return NULL;
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
			t[i] = '?';
	return t;
}

/* A domain as an Authentication-Results pvalue: quoted unless a plain name. */
static const char *spfc_ar_domain(struct pool *p, const char *d)
{
	struct buf b;
	const char *out;
	size_t i;

	for (i = 0; d[i] != '\0'; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z') ||
		      (d[i] >= '0' && d[i] <= '9') || d[i] == '.' || d[i] == '-' || d[i] == '_'))
			break;
	if (d[i] == '\0' && i > 0)
		return d;
	buf_init(&b);
	buf_putc(&b, '"');
	for (i = 0; d[i] != '\0'; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '"' || c == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, c < 0x20 || c > 0x7e ? '?' : (char)c);
	}
	buf_putc(&b, '"');
	out = b.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	return out;
}

static int spfc_act(struct cm_msg *m, const struct spfc_conf *c, const struct spfc_outcome *o)
{
	if (o->result == SPFC_FAIL && c->fail_action == SPFC_ACTION_REJECT)
		return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.23", "SPF", o->domain, "%s",
		                  spfc_reply_text(m->pool, o));
	if (o->result != SPFC_TEMPERROR || c->on_error == CM_POLICY_ACCEPT)
		return 0;
	if (c->on_error == CM_POLICY_TEMPFAIL)
		return cm_verdict(m, CM_ACT_TEMPFAIL, "451", "4.7.24", "SPF", o->domain,
		                  "SPF check of %s failed temporarily, please try again later",
		                  o->domain);
	return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.24", "SPF", o->domain,
	                  "SPF check of %s failed (DNS error)", o->domain);
}

static int spfc_mail(struct cm_msg *m, void *state, const char **error_r)
{
	struct spfc_state *st = state;
	const struct spfc_conf *c = st->conf;
	bool null_sender = m->mail_from == NULL || m->mail_from[0] == '\0';
	const struct spfc_outcome *decides, *helo = NULL;
	struct spfc_outcome mf;
	struct spfc_header_info hi = {st->receiver, m->client_addr, m->mail_from, m->helo};
	const char *received, *ar_domain;
	bool cached;

	if (m->outbound)
		return 0;
	if (ip_netlist_match(&c->whitelist, &m->client_ip)) {
		log_debug("spf", "%s: client %s is in SPFWhitelist: not checked", m->session_id,
		          m->client_addr);
		return cm_logfield(m, "spf", "skipped");
	}
	cached = spfc_evaluate(m, st, false, &mf);
	decides = &mf;
	/* For the null sender the MAIL FROM identity is the HELO one already. */
	if (c->helo && !null_sender && m->helo != NULL && spfc_domain_ok(m->helo)) {
		if ((helo = spfc_helo(m, st)) == NULL) {
			*error_r = "out of memory";
			return -1;
		}
		if (helo->result == SPFC_FAIL)
			decides = helo;
	}
	log_debug("spf", "%s: %s %s for %s from %s: %s (%s)%s%s%s", m->session_id, mf.identity,
	          spfc_result_name(mf.result), mf.sender, m->client_addr,
	          mf.mechanism != NULL ? mf.mechanism : "-", mf.problem != NULL ? mf.problem : "",
	          cached ? " (cached)" : "", helo != NULL ? "; helo " : "",
	          helo != NULL ? spfc_result_name(helo->result) : "");
	/* DMARC reads the MAIL FROM identity (RFC 7489 §4.1), whatever HELO says. */
	m->auth.spf_result = spfc_result_name(mf.result);
	m->auth.spf_domain = pool_strdup(m->pool, mf.domain);
	received = spfc_received_spf(m->pool, decides, &hi);
	if (spfc_symbol(m, "SPF_", mf.result) < 0 ||
	    (helo != NULL && spfc_symbol(m, "SPF_HELO_", helo->result) < 0) ||
	    cm_logfield(m, "spf", spfc_result_name(decides->result)) < 0 ||
	    (ar_domain = spfc_ar_domain(m->pool, decides->domain)) == NULL ||
	    cm_ar(m, "spf=%s smtp.%s=%s", spfc_result_name(decides->result), decides->identity,
	          ar_domain) < 0 ||
	    received == NULL || cm_header_add(m, CM_HDR_PREPEND, "Received-SPF", received) < 0 ||
	    spfc_act(m, c, decides) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

const struct cm_check spf_check = {
    .name = "spf",
    .title = "SPF (RFC 7208)",
    .settings = spfc_settings,
    .conf_size = sizeof(struct spfc_conf),
    .policy_setting = "SPFOnError",
    .init = spfc_init,
    .free = spfc_free,
    .hooks = {[CM_MAIL] = spfc_mail},
};

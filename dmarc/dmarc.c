/*
 * dmarc - the DMARC check (RFC 7489) at end of message, for inbound mail:
 * the author domains from the From header fields, each one's policy and
 * alignment with this process's own SPF and DKIM results (m->auth, never
 * headers in the message), an Authentication-Results clause as OpenDMARC
 * writes it, symbols, and the configured action on failures.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/check.h"
#include "../lib/log.h"
#include "../lib/msg.h"
#include "from.h"
#include "policy.h"

struct dmarcc_conf {
	bool enabled;
	bool reject_failures;
	bool quarantine_failures;
	bool reject_bad_from;
	int on_error;
	const char *psl_path;
};

struct dmarcc_state {
	const struct dmarcc_conf *conf;
	struct dns *dns;
	struct dmarcc_psl *psl;
};

#define CONF(field) offsetof(struct dmarcc_conf, field)

static const struct setting dmarcc_settings[] = {
    {.name = "DMARC",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Check DMARC (RFC 7489) for inbound mail: the From domain's policy against the "
            "SPF and DKIM results, in Authentication-Results as OpenDMARC writes it."},
    {.name = "DMARCRejectFailures",
     .type = SET_BOOL,
     .offset = CONF(reject_failures),
     .def = "no",
     .doc = "Reject (550 5.7.1 at end of message) mail that fails DMARC when its domain's "
            "policy is p=reject; no: only score it (DMARC_FAIL_REJECT)."},
    {.name = "DMARCQuarantineFailures",
     .type = SET_BOOL,
     .offset = CONF(quarantine_failures),
     .def = "no",
     .doc = "Put mail that fails DMARC under p=quarantine in the MTA's hold queue; no: only "
            "score it (DMARC_FAIL_QUARANTINE)."},
    {.name = "DMARCRejectBadFrom",
     .type = SET_BOOL,
     .offset = CONF(reject_bad_from),
     .def = "no",
     .doc = "Reject (550 5.7.1) mail with no From, several From header fields or a From "
            "address without a domain (RFC 7489 section 6.6.1); no: score DMARC_BAD_FROM and "
            "check every From domain."},
    {.name = "DMARCOnError",
     .type = SET_ENUM,
     .offset = CONF(on_error),
     .def = "accept",
     .words = cm_policy_words,
     .doc = "When a DMARC policy cannot be looked up (DNS failed): accept with dmarc=temperror "
            "recorded, tempfail (451 4.7.1) or reject."},
    {.name = "DMARCPublicSuffixList",
     .type = SET_STRING,
     .offset = CONF(psl_path),
     .def = "/usr/share/publicsuffix/public_suffix_list.dat",
     .doc = "The Public Suffix List, for Organizational Domains (package publicsuffix)."},
    {.name = NULL},
};

static int dmarcc_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct dmarcc_conf *c = conf;
	struct pool *pool = cm_init_pool(ic);
	struct dmarcc_state *st;
	const char *error = NULL;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	st = pool_alloc(pool, sizeof(*st));
	if (st == NULL)
		return -1;
	st->conf = c;
	st->dns = cm_init_dns(ic);
	st->psl = dmarcc_psl_load(c->psl_path, pool, &error);
	if (st->psl == NULL) {
		cm_init_error(ic, "DMARCPublicSuffixList", "%s", error);
		return -1;
	}
	log_debug("dmarc", "%zu public suffix rules from %s", dmarcc_psl_rules(st->psl),
	          c->psl_path);
	*state_r = st;
	return 0;
}

static void dmarcc_free(void *state)
{
	struct dmarcc_state *st = state;

	dmarcc_psl_free(&st->psl);
}

/* Why the From fields do not name exactly one author, or NULL. */
static const char *dmarcc_bad_from(const struct dmarcc_authors *au)
{
	if (au->n_fields == 0)
		return "no From header field";
	if (au->n_fields > 1)
		return "several From header fields";
	if (au->n_addresses == 0)
		return "a From header field without an address";
	if (au->n_no_domain > 0)
		return "a From address without a domain";
	return NULL;
}

/* What we do to a failing message with that policy: "reject", "quarantine", "none". */
static enum dmarcc_policy dmarcc_disposition(const struct dmarcc_conf *c,
                                             const struct dmarcc_verdict *v)
{
	if (v->result != DMARCC_FAIL)
		return DMARCC_P_NONE;
	if (v->applied == DMARCC_P_REJECT && c->reject_failures)
		return DMARCC_P_REJECT;
	if (v->applied == DMARCC_P_QUARANTINE && c->quarantine_failures)
		return DMARCC_P_QUARANTINE;
	return DMARCC_P_NONE;
}

static int dmarcc_clause(struct cm_msg *m, const char *domain, const struct dmarcc_verdict *v,
                         enum dmarcc_policy dis)
{
	if (v->result == DMARCC_PASS || v->result == DMARCC_FAIL)
		return cm_ar(m, "dmarc=%s (p=%s dis=%s) header.from=%s",
		             dmarcc_result_name(v->result), dmarcc_policy_name(v->published),
		             dmarcc_policy_name(dis), domain);
	return cm_ar(m, "dmarc=%s header.from=%s", dmarcc_result_name(v->result), domain);
}

static int dmarcc_bad(struct cm_msg *m, const struct dmarcc_conf *c, const char *why)
{
	if (cm_sym(m, "DMARC_BAD_FROM", why) < 0 || cm_logfield(m, "dmarc", "permerror") < 0)
		return -1;
	log_debug("dmarc", "%s: %s", m->queue_id != NULL ? m->queue_id : m->session_id, why);
	if (!c->reject_bad_from)
		return 0;
	return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.1", "POLICY", "From",
	                  "Message rejected: %s (RFC 5322 section 3.6 wants exactly one)", why);
}

/* The outcome over all author domains: the strictest failure decides. */
struct dmarcc_total {
	enum dmarcc_result result;
	enum dmarcc_policy applied, dis;
	const char *domain;
};

static void dmarcc_add(struct dmarcc_total *t, const char *domain, const struct dmarcc_verdict *v,
                       enum dmarcc_policy dis)
{
	static const int rank[] = {
	    [DMARCC_NONE] = 0,      [DMARCC_PASS] = 1, [DMARCC_PERMERROR] = 2,
	    [DMARCC_TEMPERROR] = 3, [DMARCC_FAIL] = 4,
	};

	if (rank[v->result] > rank[t->result] ||
	    (v->result == DMARCC_FAIL && t->result == DMARCC_FAIL && v->applied > t->applied)) {
		t->result = v->result;
		t->applied = v->applied;
		t->dis = dis;
		t->domain = domain;
	}
}

static int dmarcc_act(struct cm_msg *m, const struct dmarcc_conf *c, const struct dmarcc_total *t)
{
	static const char *const symbols[] = {
	    [DMARCC_P_UNSET] = "DMARC_FAIL_NONE",
	    [DMARCC_P_NONE] = "DMARC_FAIL_NONE",
	    [DMARCC_P_QUARANTINE] = "DMARC_FAIL_QUARANTINE",
	    [DMARCC_P_REJECT] = "DMARC_FAIL_REJECT",
	};

	if (cm_logfield(m, "dmarc", dmarcc_result_name(t->result)) < 0)
		return -1;
	switch (t->result) {
	case DMARCC_PASS:
		return cm_sym(m, "DMARC_PASS", t->domain);
	case DMARCC_TEMPERROR:
		if (cm_sym(m, "DMARC_TEMPERROR", t->domain) < 0)
			return -1;
		if (c->on_error == CM_POLICY_TEMPFAIL)
			return cm_verdict(
			    m, CM_ACT_TEMPFAIL, "451", "4.7.1", "DMARC", t->domain,
			    "The DMARC policy of %s could not be looked up, please try "
			    "again later",
			    t->domain);
		if (c->on_error == CM_POLICY_REJECT)
			return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.1", "DMARC", t->domain,
			                  "The DMARC policy of %s could not be looked up",
			                  t->domain);
		return 0;
	case DMARCC_FAIL:
		break;
	default:
		return 0;
	}
	if (cm_sym(m, symbols[t->applied], t->domain) < 0)
		return -1;
	if (t->dis == DMARCC_P_REJECT)
		return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.1", "DMARC", t->domain,
		                  "Message rejected: it fails the DMARC policy of %s", t->domain);
	if (t->dis == DMARCC_P_QUARANTINE)
		return cm_verdict(m, CM_ACT_QUARANTINE, "550", "5.7.1", "DMARC", t->domain,
		                  "DMARC quarantine policy of %s", t->domain);
	return 0;
}

static int dmarcc_eom(struct cm_msg *m, void *state, const char **error_r)
{
	struct dmarcc_state *st = state;
	const struct dmarcc_conf *c = st->conf;
	struct dmarcc_auth_in in = {m->auth.spf_result, m->auth.spf_domain,
	                            m->auth.dkim_pass_domains, m->auth.n_dkim_pass};
	struct dmarcc_total total = {DMARCC_NONE, DMARCC_P_UNSET, DMARCC_P_NONE, NULL};
	struct dmarcc_authors *au;
	const struct cm_header *h;
	const char *why;
	unsigned roll = arc4random_uniform(100);
	size_t i;

	if (m->outbound)
		return 0;
	if ((au = pool_alloc(m->pool, sizeof(*au))) == NULL)
		goto nomem;
	for (i = 1; (h = cm_header_get(m, "From", i)) != NULL; i++) {
		au->n_fields++;
		dmarcc_from_parse(h->value, au);
	}
	if ((why = dmarcc_bad_from(au)) != NULL) {
		if (dmarcc_bad(m, c, why) < 0)
			goto nomem;
		if (au->n == 0 || c->reject_bad_from) {
			if (cm_ar(m, "dmarc=permerror (%s)", why) < 0)
				goto nomem;
			return 0;
		}
	}
	for (i = 0; i < au->n; i++) {
		struct dmarcc_found f;
		struct dmarcc_verdict v;
		enum dmarcc_policy dis;

		dmarcc_discover(st->dns, st->psl, au->domain[i], m->pool, &f);
		dmarcc_evaluate(st->psl, au->domain[i], &f, &in, roll, &v);
		dis = dmarcc_disposition(c, &v);
		log_debug("dmarc",
		          "%s: %s: %s (record at %s, p=%s applied=%s, dkim %s, spf %s)%s%s",
		          m->queue_id != NULL ? m->queue_id : m->session_id, au->domain[i],
		          dmarcc_result_name(v.result), f.domain[0] != '\0' ? f.domain : "-",
		          dmarcc_policy_name(v.published), dmarcc_policy_name(v.applied),
		          v.dkim_aligned ? "aligned" : "not aligned",
		          v.spf_aligned ? "aligned" : "not aligned", f.error != NULL ? ": " : "",
		          f.error != NULL ? f.error : "");
		if (dmarcc_clause(m, au->domain[i], &v, dis) < 0)
			goto nomem;
		dmarcc_add(&total, au->domain[i], &v, dis);
	}
	if (dmarcc_act(m, c, &total) < 0)
		goto nomem;
	return 0;
nomem:
	*error_r = "out of memory";
	return -1;
}

const struct cm_check dmarc_check = {
    .name = "dmarc",
    .title = "DMARC (RFC 7489)",
    .settings = dmarcc_settings,
    .conf_size = sizeof(struct dmarcc_conf),
    .policy_setting = "DMARCOnError",
    .init = dmarcc_init,
    .free = dmarcc_free,
    .hooks = {[CM_EOM] = dmarcc_eom},
};

/*
 * chain - runs the enabled checks' hooks for one stage in chain order:
 * authentication first (its results feed the rest), scoring last. A check
 * whose hook fails gets its failure policy applied; once a message is
 * rejected or discarded, later checks are skipped.
 */
#include "chain.h"

#include "../lib/log.h"
#include "snapshot.h"

extern const struct cm_check dkim_check;
extern const struct cm_check spf_check;
extern const struct cm_check dmarc_check;
extern const struct cm_check greylist_check;
extern const struct cm_check av_check;
extern const struct cm_check spam_dnsbl_check;
extern const struct cm_check spam_check;

/* Order: dkim, spf, dmarc, greylist, av, dnsbl, spam (spam stays last). */
/* One check per line. */
/* clang-format off */
const struct cm_check *const chain_checks[] = {
    &dkim_check,
    &spf_check,
    &dmarc_check,
    &greylist_check,
    &av_check,
    &spam_dnsbl_check,
    &spam_check,
};
/* clang-format on */
const size_t chain_n_checks = sizeof(chain_checks) / sizeof(chain_checks[0]);

static void apply_policy(struct cm_msg *m, const struct cm_check *c, int policy, const char *error)
{
	const char *id = m->queue_id != NULL ? m->queue_id : m->session_id;

	switch (policy) {
	case CM_POLICY_ACCEPT:
		log_warn("%s: %s check failed, accepting as configured: %s", id, c->name, error);
		cm_logfield(m, c->name, "error");
		break;
	case CM_POLICY_TEMPFAIL:
		log_warn("%s: %s check failed, tempfailing: %s", id, c->name, error);
		cm_logfield(m, c->name, "error");
		cm_verdict(m, CM_ACT_TEMPFAIL, "451", "4.3.0", "TEMPFAIL", c->name,
		           "Temporary failure in the %s check, please try again later", c->name);
		break;
	default:
		log_warn("%s: %s check failed, rejecting as configured: %s", id, c->name, error);
		cm_logfield(m, c->name, "error");
		cm_verdict(m, CM_ACT_REJECT, "550", "5.7.0", "POLICY", c->name,
		           "Message rejected: the %s check failed", c->name);
		break;
	}
}

static bool decided(const struct cm_msg *m, enum cm_stage stage)
{
	if (stage == CM_RCPT && m->rcpt_verdict.action >= CM_ACT_TEMPFAIL)
		return true;
	return m->verdict.action >= CM_ACT_DISCARD;
}

void chain_run(struct cm_msg *m, const struct cm_snapshot *snap, enum cm_stage stage)
{
	size_t i;

	m->stage = stage;
	if ((snap->stages & (1u << stage)) == 0)
		return;
	for (i = 0; i < chain_n_checks && !decided(m, stage); i++) {
		const struct cm_check *c = chain_checks[i];
		cm_hook_fn *hook = c->hooks[stage];
		const char *error = NULL;
		enum cm_action before;

		if (snap->state[i] == NULL || hook == NULL)
			continue;
		if (stage == CM_EOM && m->oversized && (c->flags & CM_CHECK_NEEDS_MESSAGE))
			continue;
		m->current_check = i;
		before = stage == CM_RCPT ? m->rcpt_verdict.action : m->verdict.action;
		if (hook(m, snap->state[i], &error) < 0)
			apply_policy(m, c, snap->policy[i],
			             error != NULL ? error : "unknown error");
		if (stage == CM_RCPT && m->rcpt_verdict.action != before)
			m->rcpt_verdict.check = c->name;
		else if (stage != CM_RCPT && m->verdict.action != before)
			m->verdict.check = c->name;
	}
}

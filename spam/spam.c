/*
 * spam - the spam-scoring check. For now it knows the GTUBE test string
 * (SpamAssassin's Generic Test for Unsolicited Bulk Email), which lets an
 * admin see the whole path — score, X-Spam headers, destiny — end to end.
 * Rules, the statistical classifier and DNSBLs join it here.
 */
#include <stddef.h>
#include <string.h>

#include "../lib/check.h"
#include "../lib/msg.h"

struct spam_conf {
	bool enabled;
	bool outbound;
	int on_error;
};

#define CONF(field) offsetof(struct spam_conf, field)

static const struct setting spam_settings[] = {
    {.name = "SpamScoring",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Score inbound mail for spam and add X-Spam-* headers as SpamAssassin "
            "writes them."},
    {.name = "ScoreOutbound",
     .type = SET_BOOL,
     .offset = CONF(outbound),
     .def = "no",
     .doc = "Score outbound mail (internal or authenticated clients) too."},
    {.name = "SpamOnError",
     .type = SET_ENUM,
     .offset = CONF(on_error),
     .def = "accept",
     .words = cm_policy_words,
     .doc = "If scoring fails: accept the message unscored, tempfail, or reject it."},
    {.name = NULL},
};

static const char gtube[] = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

static int spam_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct spam_conf *c = conf;

	(void)ic;
	*state_r = c->enabled ? (void *)c : NULL;
	return 0;
}

static int spam_eom(struct cm_msg *m, void *state, const char **error_r)
{
	const struct spam_conf *c = state;
	const unsigned char *msg;
	size_t len, off;

	if (m->outbound && !c->outbound)
		return 0;
	msg = cm_message(m, &len);
	if (msg == NULL) {
		*error_r = "the message could not be read back from the spool";
		return -1;
	}
	m->scored = true;
	off = cm_body_offset(m);
	if (off <= len && memmem(msg + off, len - off, gtube, sizeof(gtube) - 1) != NULL)
		return cm_sym(m, "GTUBE", NULL);
	return 0;
}

const struct cm_check spam_check = {
    .name = "spam",
    .title = "Spam scoring",
    .settings = spam_settings,
    .conf_size = sizeof(struct spam_conf),
    .policy_setting = "SpamOnError",
    .flags = CM_CHECK_NEEDS_MESSAGE,
    .init = spam_init,
    .hooks = {[CM_EOM] = spam_eom},
};

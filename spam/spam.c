/*
 * spam - the spam-scoring check. At end of message it reads the first
 * MaxSpamScanSize bytes once (spam/view.c), runs the rule set (built-in
 * rules from etc/spam.rules plus SpamRulesFile files) and the statistical
 * classifier (spam/token.c, spam/bayes*.c), and adds a symbol per rule
 * that hits and one BAYES_ symbol; the verdict step sums every check's
 * symbols. GTUBE (SpamAssassin's test string) lets an admin see the whole
 * path end to end.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/check.h"
#include "../lib/file.h"
#include "../lib/log.h"
#include "../lib/msg.h"
#include "bayes.h"
#include "rules.h"
#include "spam.h"
#include "token.h"
#include "view.h"

/* etc/spam.rules, compiled in by milter/defaults.S. */
extern const char cm_default_rules[];

struct spam_conf {
	bool enabled;
	bool outbound;
	int on_error;
	size_t max_scan;
	bool builtin_rules;
	struct set_list rule_files;
	bool bayes;
	const char *bayes_store;
	long bayes_min;
	long bayes_ttl;
	bool autolearn;
	double autolearn_spam, autolearn_ham;
};

struct spam_state {
	const struct spam_conf *conf;
	struct spam_ruleset *rules;
	struct spam_bayes *bayes; /* NULL: Bayes no */
	char *bayes_off;          /* why the default store is missing, said once */
	atomic_bool said_off;
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
    {.name = "MaxSpamScanSize",
     .type = SET_SIZE,
     .offset = CONF(max_scan),
     .def = "1M",
     .min = 16384,
     .max = 268435456.0,
     .doc = "Bytes of a message (headers and body) the spam rules and the classifier read; "
            "the rest of a larger message is not scanned (symbol SPAM_PARTIAL)."},
    {.name = "SpamBuiltinRules",
     .type = SET_BOOL,
     .offset = CONF(builtin_rules),
     .def = "yes",
     .doc = "Use the built-in spam rules (the shipped etc/spam.rules); no: only the "
            "SpamRulesFile files."},
    {.name = "SpamRulesFile",
     .type = SET_LIST,
     .offset = CONF(rule_files),
     .doc = "A rule file read after the built-in rules; a rule with the name of an earlier "
            "one replaces it. Repeat for more files; the README describes the format."},
    {.name = "Bayes",
     .type = SET_BOOL,
     .offset = CONF(bayes),
     .def = "yes",
     .doc = "Classify with the statistical classifier (BAYES_* symbols), once it has learned "
            "BayesMinLearned spam and ham (chainmilter learn)."},
    {.name = "BayesStore",
     .type = SET_STRING,
     .offset = CONF(bayes_store),
     .def = "lmdb:/var/lib/chainmilter/bayes.lmdb",
     .doc = "Where the token counts live: lmdb:/path (a file), or redis://host:port/db when "
            "several MX hosts share one classifier."},
    {.name = "BayesMinLearned",
     .type = SET_INT,
     .offset = CONF(bayes_min),
     .def = "200",
     .min = 1,
     .max = 1000000000,
     .doc = "The classifier stays silent until it has learned this many spam and this many "
            "ham messages."},
    {.name = "BayesTokenTTL",
     .type = SET_TIME,
     .offset = CONF(bayes_ttl),
     .def = "0",
     .min = 0,
     .max = 315360000,
     .doc = "A token not learned again for this long is forgotten (0: never), which keeps "
            "an autolearning store from growing without end."},
    {.name = "BayesAutolearn",
     .type = SET_BOOL,
     .offset = CONF(autolearn),
     .def = "no",
     .doc = "Learn from mail as it passes: as spam at BayesAutolearnSpam or more, as ham at "
            "BayesAutolearnHam or less (scores without the BAYES_* symbols)."},
    {.name = "BayesAutolearnSpam",
     .type = SET_DOUBLE,
     .offset = CONF(autolearn_spam),
     .def = "12.0",
     .min = -10000,
     .max = 10000,
     .doc = "Autolearn as spam at or above this score (not counting the classifier's own "
            "symbols)."},
    {.name = "BayesAutolearnHam",
     .type = SET_DOUBLE,
     .offset = CONF(autolearn_ham),
     .def = "-1.0",
     .min = -10000,
     .max = 10000,
     .doc = "Autolearn as ham at or below this score (not counting the classifier's own "
            "symbols)."},
    {.name = NULL},
};

static const char gtube[] = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

/* ---- init ---- */

struct rule_report {
	struct cm_initctx *ic;
	const char *setting;
};

static void report_rule(void *arg, const char *msg)
{
	struct rule_report *rr = arg;

	cm_init_error(rr->ic, rr->setting, "%s", msg);
}

static struct spam_ruleset *load_rules(struct cm_initctx *ic, const struct spam_conf *c)
{
	struct rule_report rr = {ic, "SpamBuiltinRules"};
	struct spam_ruleset *rs = spam_rules_new(report_rule, &rr);
	size_t i, len;

	if (rs == NULL)
		return NULL;
	if (c->builtin_rules)
		spam_rules_parse(rs, cm_default_rules, strlen(cm_default_rules),
		                 "built-in spam.rules");
	rr.setting = "SpamRulesFile";
	for (i = 0; i < c->rule_files.n; i++) {
		const char *path = c->rule_files.items[i].value, *why = NULL;
		char *text = file_read(path, &len, &why);

		if (text == NULL) {
			cm_init_error(ic, "SpamRulesFile", "%s: cannot read: %s", path, why);
			continue;
		}
		spam_rules_parse(rs, text, len, path);
		free(text);
	}
	if (spam_rules_finish(rs) > 0)
		spam_rules_free(&rs);
	return rs;
}

static void spam_free(void *state)
{
	struct spam_state *st = state;

	spam_rules_free(&st->rules);
	spam_bayes_close(&st->bayes);
	free(st->bayes_off);
	free(st);
}

/* How often the LMDB sweeper looks for expired tokens. */
#define SWEEP_INTERVAL 3600

static int open_bayes(struct cm_initctx *ic, const struct spam_conf *c, struct spam_state *st)
{
	const char *error = NULL;

	if (!c->bayes)
		return 0;
	if (spam_bayes_open(c->bayes_store, c->bayes_ttl, &st->bayes, &error) < 0) {
		/* The default place not made yet (a fresh install): score with rules
		 * alone rather than refuse to start. A store the admin named must work. */
		if (strcmp(cm_init_origin(ic, "BayesStore"), "default") == 0) {
			st->bayes_off = strdup(error);
			return 0;
		}
		cm_init_error(ic, "BayesStore", "%s", error);
		return -1;
	}
	if (c->bayes_ttl > 0 && spam_bayes_sweep(st->bayes, SWEEP_INTERVAL, &error) < 0) {
		cm_init_error(ic, "BayesTokenTTL", "%s", error);
		return -1;
	}
	return 0;
}

static int spam_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct spam_conf *c = conf;
	struct spam_state *st;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -1;
	st->conf = c;
	st->rules = load_rules(ic, c);
	if (st->rules == NULL || open_bayes(ic, c, st) < 0) {
		spam_free(st);
		return -1;
	}
	log_debug("spam", "%zu rules loaded", st->rules->n);
	*state_r = st;
	return 0;
}

/* ---- end of message ---- */

static const char *msg_id(const struct cm_msg *m)
{
	return m->queue_id != NULL ? m->queue_id : m->session_id;
}

static int run_rules(struct cm_msg *m, const struct spam_state *st, const struct spam_view *v)
{
	const struct spam_ruleset *rs = st->rules;
	long *values = pool_alloc(m->pool, (rs->n + 1) * sizeof(*values));
	const char *slow = NULL;
	size_t i;
	int limited;

	if (values == NULL)
		return -1;
	limited = spam_rules_run(rs, v, values, &slow);
	if (limited < 0)
		return -1;
	if (limited > 0) {
		log_warn("spam: %s: %d rule(s) stopped by the regular expression match limit, "
		         "first %s: counted as no match",
		         msg_id(m), limited, slow);
		if (cm_sym(m, "SPAM_RULE_LIMIT", slow) < 0)
			return -1;
	}
	for (i = 0; i < rs->n; i++) {
		const struct spam_rule *r = rs->rules[i];

		if (values[i] <= 0 || strncmp(r->name, "__", 2) == 0)
			continue;
		if (cm_sym_score(m, r->name, r->score, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Store problems repeat with every message: say so once a minute. */
static void store_warn(const struct spam_state *st, const char *what, const char *error)
{
	static atomic_long last;
	long now = (long)time(NULL), prev = atomic_load(&last);

	if (now - prev < 60 || !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	log_warn("spam: Bayes %s on %s failed, scoring without it (said once a minute): %s", what,
	         spam_bayes_name(st->bayes), error);
}

static const struct {
	double below;
	const char *name;
} buckets[] = {
    {0.01, "BAYES_00"}, {0.05, "BAYES_05"}, {0.20, "BAYES_20"},
    {0.40, "BAYES_40"}, {0.60, "BAYES_50"}, {0.80, "BAYES_60"},
    {0.95, "BAYES_80"}, {0.99, "BAYES_95"}, {2.00, "BAYES_99"},
};

const char *spam_bayes_symbol(double prob)
{
	size_t i;

	for (i = 0; prob >= buckets[i].below; i++)
		;
	return buckets[i].name;
}

static int run_bayes(struct cm_msg *m, const struct spam_state *st, const struct spam_view *v,
                     struct spam_tokens *t)
{
	struct spam_bayes_result r;
	const char *error = NULL, *detail;

	if (spam_tokenize(v, t) < 0)
		return -1;
	if (spam_bayes_classify(st->bayes, t, st->conf->bayes_min, &spam_bayes_defaults, m->pool,
	                        &r, &error) < 0) {
		store_warn(st, "lookup", error);
		return cm_sym(m, "BAYES_FAIL", error);
	}
	if (!r.active) {
		log_debug("spam", "%s: Bayes inactive: %s (%ld spam, %ld ham learned)", msg_id(m),
		          r.why_inactive, r.nspam, r.nham);
		return 0;
	}
	detail = pool_printf(m->pool, "%.4f", r.prob);
	log_debug("spam", "%s: Bayes %s from %zu of %zu tokens (%zu known)", msg_id(m), detail,
	          r.n_used, t->n, r.n_known);
	if (detail == NULL || cm_sym(m, spam_bayes_symbol(r.prob), detail) < 0 ||
	    cm_logfield(m, "bayes", detail) < 0)
		return -1;
	if (r.prob >= SPAM_BAYES_999 && cm_sym(m, "BAYES_999", detail) < 0)
		return -1;
	return 0;
}

/* The score the other evidence gives: BAYES_ symbols left out. */
static double score_without_bayes(const struct cm_msg *m)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < m->symbols.n; i++)
		if (strncmp(m->symbols.v[i].name, "BAYES_", 6) != 0)
			sum += m->symbols.v[i].score;
	return sum;
}

static void autolearn(struct cm_msg *m, const struct spam_state *st, const struct spam_view *v,
                      const struct spam_tokens *t)
{
	double score = score_without_bayes(m);
	unsigned char digest[16];
	enum spam_learned out;
	const char *error = NULL;
	bool spam;

	if (cm_has_sym(m, "GTUBE") || cm_has_sym(m, "BAYES_FAIL") || t->n == 0)
		return;
	if (score >= st->conf->autolearn_spam)
		spam = true;
	else if (score <= st->conf->autolearn_ham)
		spam = false;
	else
		return;
	spam_bayes_digest(spam_view_header(v, "Message-ID", 1), v->msg, v->len, digest);
	if (spam_bayes_learn(st->bayes, t, digest, spam, false, &out, &error) < 0) {
		store_warn(st, "autolearn", error);
		m->autolearn = "failed";
		return;
	}
	m->autolearn = spam ? "spam" : "ham";
	log_debug("spam", "%s: autolearned as %s (score %.1f without Bayes)%s", msg_id(m),
	          m->autolearn, score, out == SPAM_ALREADY ? ", already known" : "");
}

static void fill_env(const struct cm_msg *m, struct spam_env *env)
{
	memset(env, 0, sizeof(*env));
	env->helo = m->helo;
	env->mail_from = m->mail_from;
	env->client_ip = m->client_ip.family != 0 ? m->client_addr : NULL;
	env->client_name = m->client_name;
	env->rcpts = m->rcpts;
	env->n_rcpts = m->n_rcpts;
}

static int spam_eom(struct cm_msg *m, void *state, const char **error_r)
{
	struct spam_state *st = state;
	const struct spam_conf *c = st->conf;
	const unsigned char *msg;
	struct spam_view v;
	struct spam_env env;
	struct spam_tokens t = {0};
	size_t len, off;

	if (m->outbound && !c->outbound)
		return 0;
	if (st->bayes_off != NULL && !atomic_exchange(&st->said_off, true))
		log_warn(
		    "spam: the classifier is off: %s (create the directory, writable by UserID, "
		    "or set BayesStore)",
		    st->bayes_off);
	msg = cm_message(m, &len);
	if (msg == NULL) {
		*error_r = "the message could not be read back from the spool";
		return -1;
	}
	m->scored = true;
	off = cm_body_offset(m);
	if (off <= len && memmem(msg + off, len - off, gtube, sizeof(gtube) - 1) != NULL &&
	    cm_sym(m, "GTUBE", NULL) < 0)
		return -1;
	if (len > c->max_scan && cm_sym(m, "SPAM_PARTIAL", NULL) < 0)
		return -1;
	fill_env(m, &env);
	if (spam_view_build(&v, msg, len, c->max_scan, &env, m->pool) < 0 ||
	    run_rules(m, st, &v) < 0 || (st->bayes != NULL && run_bayes(m, st, &v, &t) < 0)) {
		*error_r = "out of memory";
		return -1;
	}
	if (st->bayes != NULL && c->autolearn)
		autolearn(m, st, &v, &t);
	return 0;
}

struct spam_bayes *spam_state_bayes(const void *state)
{
	return ((const struct spam_state *)state)->bayes;
}

size_t spam_state_max_scan(const void *state)
{
	return ((const struct spam_state *)state)->conf->max_scan;
}

long spam_state_bayes_min(const void *state)
{
	return ((const struct spam_state *)state)->conf->bayes_min;
}

const struct cm_check spam_check = {
    .name = "spam",
    .title = "Spam scoring",
    .settings = spam_settings,
    .conf_size = sizeof(struct spam_conf),
    .policy_setting = "SpamOnError",
    .flags = CM_CHECK_NEEDS_MESSAGE,
    .init = spam_init,
    .free = spam_free,
    .hooks = {[CM_EOM] = spam_eom},
};

/*
 * grey - the greylisting check. At RCPT TO, for inbound mail, each
 * recipient's triplet is looked up in the store: unknown or retried too
 * early gets 451 4.7.1, a retry after GreylistDelay passes (and the message
 * gets X-Greylist), whitelisted and auto-whitelisted clients skip it. Store
 * failures go to the core's failure policy (GreylistOnStoreError).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/coreconf.h"
#include "../lib/log.h"
#include "../lib/msg.h"
#include "../lib/store.h"
#include "grey.h"

/* LMDB: how often expired entries are deleted (they are invisible anyway). */
#define SWEEP_INTERVAL 3600

struct grey_state {
	const struct grey_conf *conf;
	struct grey_params params;
	struct store *store;
	struct grey_wl *clients, *senders, *recipients;
	const char *hostname;
	unsigned long serial; /* tells states apart, even at one address */
	atomic_bool failing;  /* the last store operation failed */
};

static atomic_ulong serials;

/* Per message: what happened to the recipients that were accepted. */
struct grey_msg {
	unsigned seen;     /* bit per enum grey_outcome */
	long delayed;      /* longest delay among those that passed now */
	struct buf key[2]; /* scratch: triplet and client keys */
};

/* Per connection: the client whitelist's answer, for the state (config
 * snapshot) that gave it: a reload between messages may change the files. */
struct grey_conn {
	unsigned long serial;
	bool white;
};

/* ---- init ---- */

struct report {
	struct cm_initctx *ic;
	const char *setting;
};

static void report_line(void *ctx, const char *file, int line, const char *text)
{
	struct report *r = ctx;

	if (line > 0)
		cm_init_error(r->ic, r->setting, "%s:%d: %s", file, line, text);
	else
		cm_init_error(r->ic, r->setting, "%s: %s", file, text);
}

static struct grey_wl *load_list(struct cm_initctx *ic, const char *setting,
                                 const struct set_list *files, enum grey_wl_kind kind)
{
	struct report rep = {ic, setting};
	struct grey_wl *wl;
	size_t i;

	if (files->n == 0)
		return NULL;
	wl = grey_wl_new(kind);
	if (wl == NULL) {
		cm_init_error(ic, setting, "out of memory");
		return NULL;
	}
	for (i = 0; i < files->n; i++)
		grey_wl_load(wl, files->items[i].value, report_line, &rep);
	return wl;
}

/* %s, %r and %% only: the text goes into an SMTP reply. */
static int check_text(struct cm_initctx *ic, const char *text)
{
	const char *p;

	if (strlen(text) > 400) {
		cm_init_error(ic, "GreylistText", "%zu characters, expected at most 400",
		              strlen(text));
		return -1;
	}
	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			cm_init_error(ic, "GreylistText", "expected printable ASCII text");
			return -1;
		}
		if (*p == '%' && (p[1] == 's' || p[1] == 'r' || p[1] == '%')) {
			p++;
		} else if (*p == '%') {
			cm_init_error(ic, "GreylistText",
			              "\"%s\": unknown placeholder %%%c, expected %%s (seconds to "
			              "wait), %%r (recipient domain) or %%%%",
			              text, p[1] != '\0' ? p[1] : ' ');
			return -1;
		}
	}
	return 0;
}

static void grey_free(void *state)
{
	struct grey_state *st = state;

	if (st == NULL)
		return;
	store_close(&st->store);
	grey_wl_free(&st->clients);
	grey_wl_free(&st->senders);
	grey_wl_free(&st->recipients);
	free(st);
}

static int check_times(struct cm_initctx *ic, const struct grey_conf *c)
{
	if (c->retry_window <= c->delay) {
		cm_init_error(
		    ic, "GreylistRetryWindow",
		    "%ld seconds is not longer than GreylistDelay (%ld seconds): no retry "
		    "could ever pass; expected a longer window, such as 2d",
		    c->retry_window, c->delay);
		return -1;
	}
	if (c->max_age <= c->delay) {
		cm_init_error(
		    ic, "GreylistMaxAge",
		    "%ld seconds is not longer than GreylistDelay (%ld seconds); expected "
		    "something like 35d",
		    c->max_age, c->delay);
		return -1;
	}
	return 0;
}

static int grey_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct grey_conf *c = conf;
	struct grey_state *st;
	const char *error = NULL;
	int bad = 0;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	bad |= check_times(ic, c);
	bad |= check_text(ic, c->text);
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		cm_init_error(ic, "Greylist", "out of memory");
		return -1;
	}
	st->conf = c;
	grey_params_of(c, &st->params);
	st->hostname = cm_init_core(ic)->hostname;
	st->serial = atomic_fetch_add(&serials, 1) + 1;
	atomic_init(&st->failing, false);
	if (store_open(c->store, GREY_PREFIX, &st->store, &error) < 0) {
		cm_init_error(ic, "GreylistStore", "%s%s", error,
		              strstr(error, "does not exist") != NULL
		                  ? "; create it (writable by UserID), choose another "
		                    "GreylistStore, or set Greylist no"
		                  : "");
		bad = -1;
	}
	st->clients = load_list(ic, "GreylistWhitelistClients", &c->wl_clients, GREY_WL_CLIENTS);
	st->senders = load_list(ic, "GreylistWhitelistSenders", &c->wl_senders, GREY_WL_ADDRESSES);
	st->recipients =
	    load_list(ic, "GreylistWhitelistRecipients", &c->wl_recipients, GREY_WL_ADDRESSES);
	if (bad == 0 && store_sweeper_start(st->store, SWEEP_INTERVAL, &error) < 0) {
		cm_init_error(ic, "GreylistStore", "%s", error);
		bad = -1;
	}
	if (bad != 0) {
		grey_free(st);
		return -1;
	}
	log_debug("greylist",
	          "store %s, delay %lds, retry window %lds, max age %lds, %zu+%zu+%zu whitelist "
	          "entries%s",
	          store_name(st->store), c->delay, c->retry_window, c->max_age,
	          grey_wl_count(st->clients), grey_wl_count(st->senders),
	          grey_wl_count(st->recipients), c->learn_only ? ", learning only" : "");
	*state_r = st;
	return 0;
}

/* ---- the store ---- */

struct fetched {
	struct buf val[2];
	bool found[2];
};

static void take_value(void *ctx, size_t index, const void *val, size_t len)
{
	struct fetched *f = ctx;

	buf_reset(&f->val[index]);
	buf_append(&f->val[index], val, len);
	f->found[index] = true;
}

struct step_ctx {
	const struct grey_params *params;
	long long now;
	struct grey_step step;
	bool corrupt;
};

static int step_update(void *ctx, const void *old, size_t old_len, struct buf *new_val, long *ttl_r,
                       const char **error_r)
{
	struct step_ctx *sc = ctx;
	struct grey_triplet t;
	bool have = old != NULL && grey_triplet_parse(old, old_len, &t) == 0;

	(void)error_r;
	sc->corrupt = old != NULL && !have;
	grey_triplet_step(have ? &t : NULL, sc->now, sc->params, &sc->step);
	if (!sc->step.write)
		return STORE_KEEP;
	grey_triplet_format(&sc->step.rec, new_val);
	*ttl_r = sc->step.ttl;
	return STORE_WRITE;
}

struct client_ctx {
	const struct grey_params *params;
	long long now;
	bool count; /* count a pass; else only refresh "last seen" */
	struct grey_client rec;
};

static int client_update(void *ctx, const void *old, size_t old_len, struct buf *new_val,
                         long *ttl_r, const char **error_r)
{
	struct client_ctx *cc = ctx;
	struct grey_client c;
	bool have = old != NULL && grey_client_parse(old, old_len, &c) == 0;

	(void)error_r;
	if (cc->count) {
		*ttl_r = grey_client_count(have ? &c : NULL, cc->now, cc->params, &cc->rec);
	} else if (!have || !grey_client_touch(&c, cc->now, cc->params, &cc->rec, ttl_r)) {
		return STORE_KEEP;
	}
	grey_client_format(&cc->rec, new_val);
	return STORE_WRITE;
}

static void count_pass(struct grey_state *st, const struct buf *ckey, const char *net,
                       long long now)
{
	struct client_ctx cc = {&st->params, now, true, {0, 0, 0}};
	const char *error;

	if (store_update(st->store, ckey->data, ckey->len, client_update, &cc, &error) < 0) {
		log_warn("greylist: counting a pass of %s for the auto-whitelist: %s", net, error);
		return;
	}
	if (cc.rec.count == st->conf->awl)
		log_info("greylist: client network %s auto-whitelisted after %lld passes", net,
		         cc.rec.count);
}

/* The auto-whitelist: true if the client network has passed often enough. */
static bool auto_white(struct grey_state *st, const struct fetched *f, const struct buf *ckey,
                       long long now)
{
	struct client_ctx cc = {&st->params, now, false, {0, 0, 0}};
	struct grey_client c, touched;
	const char *error;
	long ttl;

	if (st->conf->awl == 0 || !f->found[1] ||
	    grey_client_parse(f->val[1].data, f->val[1].len, &c) < 0 || c.count < st->conf->awl)
		return false;
	if (grey_client_touch(&c, now, &st->params, &touched, &ttl) &&
	    store_update(st->store, ckey->data, ckey->len, client_update, &cc, &error) < 0)
		log_warn("greylist: refreshing an auto-whitelisted client: %s", error);
	return true;
}

/* The outcome of one attempt according to the store; -1 on a store error. */
static int consult(struct grey_state *st, struct grey_msg *gm, const char *net, long long now,
                   struct grey_step *step, const char **error_r)
{
	struct store_key keys[2] = {{gm->key[0].data, gm->key[0].len},
	                            {gm->key[1].data, gm->key[1].len}};
	struct step_ctx sc = {&st->params, now, {0}, false};
	struct fetched f;
	struct grey_triplet t;
	bool have;
	int r;

	memset(&f, 0, sizeof(f));
	r = store_get_batch(st->store, keys, st->conf->awl > 0 ? 2 : 1, take_value, &f, error_r);
	if (r >= 0 && auto_white(st, &f, &gm->key[1], now)) {
		step->outcome = GREY_WHITE;
	} else if (r >= 0) {
		have = f.found[0] && grey_triplet_parse(f.val[0].data, f.val[0].len, &t) == 0;
		grey_triplet_step(have ? &t : NULL, now, &st->params, step);
		/* Only a change goes through the atomic update, which decides again
		 * on what is stored then (another MX host may have written). */
		if (step->write) {
			r = store_update(st->store, keys[0].data, keys[0].len, step_update, &sc,
			                 error_r);
			*step = sc.step;
		}
		if (r >= 0 && sc.corrupt)
			log_warn("greylist: %s: key %s held something that is not a greylist "
			         "record; it starts again",
			         store_name(st->store), gm->key[0].data);
		if (r >= 0 && step->outcome == GREY_PASS && st->conf->awl > 0)
			count_pass(st, &gm->key[1], net, now);
	}
	buf_free(&f.val[0]);
	buf_free(&f.val[1]);
	return r < 0 ? -1 : 0;
}

/* ---- the hooks ---- */

static void free_msg(void *arg)
{
	struct grey_msg *gm = arg;

	buf_free(&gm->key[0]);
	buf_free(&gm->key[1]);
}

static struct grey_msg *msg_data(struct cm_msg *m)
{
	void **slot = cm_data(m);
	struct grey_msg *gm = *slot;

	if (gm != NULL)
		return gm;
	gm = pool_alloc(m->pool, sizeof(*gm));
	if (gm == NULL || pool_cleanup(m->pool, free_msg, gm) < 0)
		return NULL;
	*slot = gm;
	return gm;
}

/* The client's host name as the MTA verified it, or NULL. */
static const char *verified_name(const struct cm_msg *m)
{
	const char *n = m->client_name;

	if (n == NULL || n[0] == '\0' || n[0] == '[' || strcmp(n, "unknown") == 0)
		return NULL;
	return n;
}

static bool client_white(struct grey_state *st, struct cm_msg *m)
{
	struct grey_conn *gc = *cm_conn_data(m);

	if (st->clients == NULL)
		return false;
	if (gc == NULL) {
		gc = pool_alloc(m->conn_pool, sizeof(*gc));
		if (gc == NULL)
			return grey_wl_client(st->clients, &m->client_ip, verified_name(m));
		*cm_conn_data(m) = gc;
	}
	if (gc->serial != st->serial) {
		gc->white = grey_wl_client(st->clients, &m->client_ip, verified_name(m));
		gc->serial = st->serial;
	}
	return gc->white;
}

/* Outcomes decided without the store, or -1. */
static int without_store(struct grey_state *st, struct cm_msg *m, const char *rcpt)
{
	if (m->outbound || m->client_ip.family == 0)
		return GREY_SKIP;
	if (client_white(st, m) ||
	    (st->senders != NULL &&
	     grey_wl_address(st->senders, m->mail_from != NULL ? m->mail_from : "")) ||
	    (st->recipients != NULL && grey_wl_address(st->recipients, rcpt)))
		return GREY_WHITE;
	if (st->conf->skip_spf_pass && m->auth.spf_result != NULL &&
	    strcmp(m->auth.spf_result, "pass") == 0)
		return GREY_SKIP;
	return -1;
}

/* GreylistText with %s and %r filled in. */
static const char *reply_text(struct cm_msg *m, const char *text, long wait, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');
	struct buf b;
	const char *out, *p;

	buf_init(&b);
	for (p = text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			buf_printf(&b, "%ld", wait);
			p++;
		} else if (p[0] == '%' && p[1] == 'r') {
			/* Only what is safe in a reply line from the recipient's domain. */
			const char *d = at != NULL ? at + 1 : "";
			size_t i;

			for (i = 0; d[i] != '\0' && i < 255; i++)
				if (d[i] > 0x20 && d[i] < 0x7f && d[i] != '%')
					buf_putc(&b, d[i]);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			buf_putc(&b, '%');
			p++;
		} else {
			buf_putc(&b, *p);
		}
	}
	out = b.oom ? NULL : pool_strdup(m->pool, buf_str(&b));
	buf_free(&b);
	return out;
}

static int store_outcome(struct grey_state *st, struct cm_msg *m, struct grey_msg *gm,
                         const char *rcpt, struct grey_step *step, const char **error_r)
{
	char net[IP_STRLEN + 4];
	struct buf sender, nrcpt;
	int r;

	grey_client_net(&m->client_ip, st->conf->mask4, st->conf->mask6, net);
	buf_init(&sender);
	buf_init(&nrcpt);
	grey_sender_normalize(m->mail_from != NULL ? m->mail_from : "", &sender);
	grey_rcpt_normalize(rcpt, &nrcpt);
	grey_triplet_key(net, buf_str(&sender), buf_str(&nrcpt), &gm->key[0]);
	grey_client_key(net, &gm->key[1]);
	if (sender.oom || nrcpt.oom || gm->key[0].oom || gm->key[1].oom) {
		*error_r = "out of memory building the greylist key";
		r = -1;
	} else {
		r = consult(st, gm, net, store_now(), step, error_r);
	}
	if (r < 0) {
		atomic_store(&st->failing, true);
	} else {
		if (atomic_exchange(&st->failing, false))
			log_info("greylist: %s works again; greylisting resumes",
			         store_name(st->store));
		log_debug("greylist", "%s: %s %s",
		          m->queue_id != NULL ? m->queue_id : m->session_id, gm->key[0].data,
		          grey_outcome_words[step->outcome]);
	}
	buf_free(&sender);
	buf_free(&nrcpt);
	return r;
}

static int grey_rcpt(struct cm_msg *m, void *state, const char **error_r)
{
	struct grey_state *st = state;
	struct grey_msg *gm = msg_data(m);
	const char *rcpt = m->rcpt != NULL ? m->rcpt : "";
	struct grey_step step;
	int outcome;

	if (gm == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	memset(&step, 0, sizeof(step));
	outcome = without_store(st, m, rcpt);
	if (outcome < 0) {
		if (store_outcome(st, m, gm, rcpt, &step, error_r) < 0)
			return -1;
		outcome = (int)step.outcome;
	}
	cm_logfield(m, "greylist", grey_outcome_words[outcome]);
	if ((outcome == GREY_NEW || outcome == GREY_EARLY) && !st->conf->learn_only) {
		const char *text = reply_text(m, st->conf->text, step.wait, rcpt);

		if (text == NULL) {
			*error_r = "out of memory";
			return -1;
		}
		if (cm_verdict(m, CM_ACT_TEMPFAIL, "451", "4.7.1", "GREYLIST",
		               grey_outcome_words[outcome], "%s", text) < 0) {
			*error_r = "out of memory";
			return -1;
		}
		return 0;
	}
	gm->seen |= 1u << outcome;
	if (outcome == GREY_PASS && step.delayed > gm->delayed)
		gm->delayed = step.delayed;
	return 0;
}

/* The summary field for the message: the most telling outcome among the
 * recipients that were accepted. */
static const char *message_word(const struct grey_msg *gm)
{
	static const enum grey_outcome order[] = {GREY_NEW,   GREY_EARLY, GREY_PASS,
	                                          GREY_KNOWN, GREY_WHITE, GREY_SKIP};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (gm->seen & (1u << order[i]))
			return grey_outcome_words[order[i]];
	return NULL;
}

static int grey_eom(struct cm_msg *m, void *state, const char **error_r)
{
	struct grey_state *st = state;
	struct grey_msg *gm = *cm_data(m);
	const char *word, *value;
	char date[64];
	struct tm tm;
	time_t now;

	if (gm == NULL || (word = message_word(gm)) == NULL)
		return 0;
	cm_logfield(m, "greylist", word);
	/* Learning, nobody was delayed: the pass came with a later message. */
	if (!(gm->seen & (1u << GREY_PASS)) || !st->conf->header || st->conf->learn_only)
		return 0;
	now = time(NULL);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
	value = pool_printf(m->pool, "delayed %ld seconds by chainmilter-%s at %s; %s", gm->delayed,
	                    CM_VERSION, st->hostname, date);
	if (value == NULL || cm_header_add(m, CM_HDR_PREPEND, "X-Greylist", value) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

const struct cm_check greylist_check = {
    .name = "greylist",
    .title = "Greylisting",
    .settings = grey_settings,
    .conf_size = sizeof(struct grey_conf),
    .policy_setting = "GreylistOnStoreError",
    .init = grey_init,
    .free = grey_free,
    .hooks = {[CM_RCPT] = grey_rcpt, [CM_EOM] = grey_eom},
};

/*
 * callbacks - one function per milter event: update the context, run the
 * chain for the stage, ask the verdict step for the reply. Refusals before
 * end of message are logged here, each once, as the summary line would be.
 */
#include "callbacks.h"

#include <stdatomic.h>
#include <string.h>

#include "../lib/log.h"
#include "chain.h"
#include "log.h"
#include "snapshot.h"

static atomic_bool draining;

void cb_set_draining(bool on)
{
	atomic_store(&draining, on);
}

bool cb_draining(void)
{
	return atomic_load(&draining);
}

static const char *macro(const struct cb_macros *mac, const char *name)
{
	const char *v = mac != NULL && mac->get != NULL ? mac->get(mac->arg, name) : NULL;

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void take_queue_id(struct mctx *c, const struct cb_macros *mac)
{
	const char *qid = macro(mac, "i");

	if (qid != NULL && c->m.queue_id == NULL && c->m.pool != NULL)
		c->m.queue_id = pool_strdup(c->m.pool, qid);
}

struct mctx *cb_session(void)
{
	return mctx_new();
}

void cb_connect(struct mctx *c, const char *hostname, const struct sockaddr *sa,
                struct cm_decision *d)
{
	mctx_connect(c, hostname, sa);
	if (cb_draining()) {
		memset(d, 0, sizeof(*d));
		d->action = CM_ACT_TEMPFAIL;
		d->rcode = "421";
		d->xcode = "4.3.2";
		d->text = "Mail filter shutting down, try again later";
		return;
	}
	chain_run(&c->m, c->snap, CM_CONNECT);
	verdict_stage(&c->m, CM_CONNECT, d);
}

void cb_helo(struct mctx *c, const char *helo, struct cm_decision *d)
{
	mctx_helo(c, helo);
	chain_run(&c->m, c->snap, CM_HELO);
	verdict_stage(&c->m, CM_HELO, d);
}

static void log_refusal(struct mctx *c, const struct cm_verdict *v, const char *rcpt)
{
	struct cm_msg copy = c->m;
	const char *one[1] = {rcpt};

	if (rcpt != NULL) {
		copy.rcpts = one;
		copy.n_rcpts = 1;
	}
	mlog_summary(&copy, verdict_word(c->m.pool != NULL ? c->m.pool : c->m.conn_pool, v), NULL,
	             mctx_elapsed_ms(c));
}

void cb_mail(struct mctx *c, const char *from, const struct cb_macros *mac, struct cm_decision *d)
{
	struct cm_msg *m = &c->m;

	memset(d, 0, sizeof(*d));
	if (mctx_msg_begin(c) < 0) {
		log_error("%s: out of memory starting a message", m->session_id);
		d->action = CM_ACT_TEMPFAIL;
		return;
	}
	take_queue_id(c, mac);
	m->auth_user = pool_strdup(m->pool, macro(mac, "{auth_authen}"));
	m->outbound = m->internal || m->auth_user != NULL;
	m->mail_from = mctx_strip_brackets(m->pool, from);
	chain_run(m, c->snap, CM_MAIL);
	verdict_stage(m, CM_MAIL, d);
	if (d->action != CM_ACT_NONE) {
		log_refusal(c, &m->verdict, NULL);
		c->logged = true;
	}
}

void cb_rcpt(struct mctx *c, const char *rcpt, const struct cb_macros *mac, struct cm_decision *d)
{
	struct cm_msg *m = &c->m;
	const char *addr;

	memset(d, 0, sizeof(*d));
	if (!c->in_message)
		return;
	take_queue_id(c, mac);
	addr = mctx_strip_brackets(m->pool, rcpt);
	memset(&m->rcpt_verdict, 0, sizeof(m->rcpt_verdict));
	m->rcpt = addr;
	chain_run(m, c->snap, CM_RCPT);
	verdict_stage(m, CM_RCPT, d);
	if (d->action != CM_ACT_NONE) {
		log_refusal(c, &m->rcpt_verdict, addr);
		c->n_rcpt_refused++;
		if (m->rcpt_verdict.action > c->worst_rcpt.action)
			c->worst_rcpt = m->rcpt_verdict;
	} else if (addr == NULL || mctx_add_rcpt(c, addr) < 0) {
		d->action = CM_ACT_TEMPFAIL;
		d->rcode = "451";
		d->xcode = "4.3.0";
		d->text = "Temporary failure, please try again later";
	}
	m->rcpt = NULL;
	memset(&m->rcpt_verdict, 0, sizeof(m->rcpt_verdict));
}

void cb_header(struct mctx *c, const char *name, const char *value)
{
	if (!c->in_message || mctx_header(c, name, value) < 0)
		return;
	chain_run(&c->m, c->snap, CM_HEADER);
}

void cb_eoh(struct mctx *c, const struct cb_macros *mac)
{
	if (!c->in_message || mctx_eoh(c) < 0)
		return;
	take_queue_id(c, mac);
	chain_run(&c->m, c->snap, CM_EOH);
}

void cb_body(struct mctx *c, const unsigned char *data, size_t len)
{
	if (!c->in_message || mctx_body(c, data, len) < 0)
		return;
	chain_run(&c->m, c->snap, CM_BODY);
}

void cb_eom(struct mctx *c, const struct cb_macros *mac, const char *version, struct cm_decision *d)
{
	struct cm_msg *m = &c->m;

	memset(d, 0, sizeof(*d));
	if (!c->in_message) {
		/* A message we never saw begin (out of memory at MAIL): tempfail it. */
		d->action = CM_ACT_TEMPFAIL;
		d->rcode = "451";
		d->xcode = "4.3.0";
		d->text = "Temporary failure in message checks, please try again later";
		return;
	}
	take_queue_id(c, mac);
	m->chunk = NULL;
	m->chunk_len = 0;
	if (c->spool_error != NULL) {
		log_warn("%s: %s", m->queue_id != NULL ? m->queue_id : m->session_id,
		         c->spool_error);
		m->failed = true;
	}
	if (m->oversized)
		log_info("%s: message of %zu bytes is over MaxMessageSize (%zu): not "
		         "content-checked",
		         m->queue_id != NULL ? m->queue_id : m->session_id, m->size,
		         m->core->max_message_size);
	if (!m->failed)
		chain_run(m, c->snap, CM_EOM);
	verdict_final(m, version, d);
	mlog_summary(m, d->word, d, mctx_elapsed_ms(c));
	c->logged = true;
}

void cb_apply_failed(struct mctx *c, const char *what)
{
	log_error("%s: %s: the MTA refused a message change; it tempfails the message",
	          c->m.queue_id != NULL ? c->m.queue_id : c->m.session_id, what);
}

void cb_done(struct mctx *c)
{
	mctx_msg_end(c);
}

void cb_abort(struct mctx *c)
{
	if (c->in_message && !c->logged && c->m.size > 0)
		log_info("%s: message aborted by the MTA after %zu bytes (the client went away, or "
		         "the MTA sent something libmilter could not parse)",
		         c->m.queue_id != NULL ? c->m.queue_id : c->m.session_id, c->m.size);
	mctx_msg_end(c);
}

void cb_close(struct mctx **cp)
{
	struct mctx *c = *cp;

	if (c != NULL && c->in_message && !c->logged)
		log_warn("%s: the MTA closed the connection in the middle of a message (it went "
		         "away, or sent something libmilter could not parse); nothing was decided",
		         c->m.queue_id != NULL ? c->m.queue_id : c->m.session_id);
	mctx_free(cp);
}

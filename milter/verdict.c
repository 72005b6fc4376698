/*
 * verdict - results to decision. Order of precedence: an internal failure
 * tempfails; a hard verdict from a check (virus, policy) stands; otherwise
 * the score against the amavis-style levels picks the spam destiny. Headers
 * follow SpamAssassin's and RFC 8601's formats.
 */
#include "verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"
#include "../lib/coreconf.h"
#include "../lib/hdr.h"
#include "../lib/scores.h"
#include "chain.h"

#define STARS_MAX 50

void verdict_stage(const struct cm_msg *m, enum cm_stage stage, struct cm_decision *d)
{
	const struct cm_verdict *v = stage == CM_RCPT ? &m->rcpt_verdict : &m->verdict;

	memset(d, 0, sizeof(*d));
	if (v->action == CM_ACT_REJECT || v->action == CM_ACT_TEMPFAIL ||
	    v->action == CM_ACT_DISCARD) {
		d->action = v->action;
		d->rcode = v->rcode;
		d->xcode = v->xcode;
		d->text = v->text;
	}
}

const char *verdict_word(struct pool *p, const struct cm_verdict *v)
{
	const char *cat = v->category != NULL ? v->category : "POLICY";
	const char *verb;

	switch (v->action) {
	case CM_ACT_REJECT:
	case CM_ACT_DISCARD:
		verb = "Blocked";
		break;
	case CM_ACT_QUARANTINE:
		verb = "Quarantined";
		break;
	case CM_ACT_TEMPFAIL:
		if (strcmp(cat, "GREYLIST") == 0)
			return "Greylisted";
		verb = "Tempfailed";
		break;
	default:
		verb = "Passed"; /* a finding that let the message through (cm_passed) */
		if (v->category == NULL)
			return "Passed CLEAN";
		break;
	}
	if (v->reason != NULL && v->reason[0] != '\0')
		return pool_printf(p, "%s %s (%s)", verb, cat, v->reason);
	return pool_printf(p, "%s %s", verb, cat);
}

/* ---- header edits ---- */

struct edits {
	struct cm_hdr_edit *v;
	size_t n, cap;
	bool oom;
};

static void push(struct edits *e, enum cm_hdr_op op, const char *name, const char *value,
                 size_t index)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct cm_hdr_edit *v = realloc(e->v, cap * sizeof(*v));

		if (v == NULL) {
			e->oom = true;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (struct cm_hdr_edit){op, name, value, index};
}

static bool is_ours(const struct cm_header *h, const char *authserv_id)
{
	char id[256];

	return strcasecmp(h->name, "Authentication-Results") == 0 &&
	       hdr_ar_authserv_id(h->value, id, sizeof(id)) && strcasecmp(id, authserv_id) == 0;
}

/* Deletes, highest index of each name first so indexes stay valid. */
static void deletes(struct cm_msg *m, bool scored, struct edits *e)
{
	size_t i;

	for (i = m->n_headers; i-- > 0;) {
		const struct cm_header *h = &m->headers[i];

		if (is_ours(h, m->authserv_id) ||
		    (scored && strncasecmp(h->name, "X-Spam-", 7) == 0))
			push(e, CM_HDR_DELETE, h->name, NULL, h->index);
	}
	for (i = 0; i < m->edits.n; i++)
		if (m->edits.v[i].op == CM_HDR_DELETE)
			push(e, CM_HDR_DELETE, m->edits.v[i].name, NULL, m->edits.v[i].index);
}

static const char *ar_value(struct cm_msg *m)
{
	struct buf b;
	const char *out;
	size_t i, c;

	buf_init(&b);
	buf_puts(&b, m->authserv_id);
	/* In chain order (dkim, spf, dmarc), whatever stage wrote each clause. */
	for (c = 0; c < chain_n_checks; c++)
		for (i = 0; i < m->ar.n; i++)
			if (m->ar.v[i].check == c)
				buf_printf(&b, ";\n\t%s", m->ar.v[i].text);
	out = b.oom ? NULL : pool_strdup(m->pool, buf_str(&b));
	buf_free(&b);
	return out;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Symbols that score, sorted, comma separated, as SpamAssassin's _TESTS_. */
static const char *tests_list(struct cm_msg *m)
{
	const char **names = calloc(m->symbols.n + 1, sizeof(*names));
	struct buf b;
	const char *out;
	size_t i, n = 0;

	if (names == NULL)
		return NULL;
	for (i = 0; i < m->symbols.n; i++)
		if (m->symbols.v[i].score != 0)
			names[n++] = m->symbols.v[i].name;
	qsort(names, n, sizeof(*names), cmp_names);
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "," : "", names[i]);
	out = pool_strdup(m->pool, n > 0 ? buf_str(&b) : "none");
	buf_free(&b);
	free(names);
	return out;
}

static void amavis_num(struct buf *b, double v)
{
	char num[64];

	scores_format(v, num, sizeof(num));
	buf_puts(b, num);
}

static int cmp_symbols(const void *a, const void *b)
{
	return strcmp(((const struct cm_symbol *)a)->name, ((const struct cm_symbol *)b)->name);
}

/* amavis's X-Spam-Status: every test with its score, sorted by name. */
static void amavis_status(struct cm_msg *m, const struct cm_decision *d, bool spam, struct buf *b)
{
	const struct cm_core_conf *core = m->core;
	struct cm_symbol *syms = NULL;
	size_t i, n = m->symbols.n;

	buf_printf(b, "%s, score=", spam ? "Yes" : "No");
	amavis_num(b, d->score);
	buf_puts(b, " tagged_above=");
	amavis_num(b, isinf(core->tag_level) ? -999 : core->tag_level);
	buf_puts(b, " required=");
	amavis_num(b, d->required);
	buf_puts(b, " tests=[");
	if (n > 0 && (syms = malloc(n * sizeof(*syms))) == NULL) {
		b->oom = true;
		return;
	}
	if (n > 0)
		memcpy(syms, m->symbols.v, n * sizeof(*syms));
	if (n > 1)
		qsort(syms, n, sizeof(*syms), cmp_symbols);
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s%s=", i ? ", " : "", syms[i].name);
		amavis_num(b, syms[i].score);
	}
	free(syms);
	buf_printf(b, "] autolearn=%s autolearn_force=no",
	           m->autolearn != NULL ? m->autolearn : "no");
}

static void spam_headers(struct cm_msg *m, struct cm_decision *d, const char *version,
                         struct edits *e)
{
	const struct cm_core_conf *core = m->core;
	bool spam = d->score >= core->tag2_level;
	bool amavis = core->status_style == CM_STATUS_AMAVIS;
	char stars[STARS_MAX + 1];
	int n = (int)d->score;
	struct buf status, folded, score;

	if (!(d->score >= core->tag_level))
		return;
	if (n < 0)
		n = 0;
	if (n > STARS_MAX)
		n = STARS_MAX;
	memset(stars, '*', (size_t)n);
	stars[n] = '\0';
	buf_init(&status);
	buf_init(&folded);
	buf_init(&score);
	if (amavis) {
		amavis_status(m, d, spam, &status);
		amavis_num(&score, d->score);
	} else {
		buf_printf(&status,
		           "%s, score=%.1f required=%.1f tests=%s autolearn=%s "
		           "version=chainmilter-%s",
		           spam ? "Yes" : "No", d->score, d->required, d->tests,
		           m->autolearn != NULL ? m->autolearn : "no", version);
		buf_printf(&score, "%.1f", d->score);
	}
	hdr_fold_sa("X-Spam-Status", buf_str(&status), &folded);
	if (spam)
		push(e, CM_HDR_PREPEND, "X-Spam-Flag", "YES", 0);
	push(e, CM_HDR_PREPEND, "X-Spam-Score", pool_strdup(m->pool, buf_str(&score)), 0);
	push(e, CM_HDR_PREPEND, "X-Spam-Level", pool_strdup(m->pool, stars), 0);
	push(e, CM_HDR_PREPEND, "X-Spam-Status", pool_strdup(m->pool, buf_str(&folded)), 0);
	if (status.oom || folded.oom || score.oom)
		e->oom = true;
	buf_free(&status);
	buf_free(&folded);
	buf_free(&score);
}

/*
 * SpamSubjectTag before the subject of spam, once (a message scored twice,
 * by two relays, keeps one tag); a message with no subject gets the tag as
 * its subject.
 */
static void subject_tag(struct cm_msg *m, const struct cm_decision *d, struct edits *e)
{
	const char *tag = m->core->subject_tag;
	const struct cm_header *h;
	const char *v;

	if (tag == NULL || tag[0] == '\0' || !(d->score >= m->core->tag2_level))
		return;
	h = cm_header_get(m, "Subject", 1);
	if (h == NULL) {
		push(e, CM_HDR_APPEND, "Subject", tag, 0);
		return;
	}
	for (v = h->value; *v == ' ' || *v == '\t'; v++)
		;
	if (strncmp(v, tag, strlen(tag)) == 0)
		return;
	v = pool_printf(m->pool, "%s %s", tag, v);
	if (v == NULL)
		e->oom = true;
	else
		push(e, CM_HDR_CHANGE, "Subject", v, 1);
}

static void check_edits(struct cm_msg *m, enum cm_hdr_op op, struct edits *e)
{
	size_t i;

	for (i = 0; i < m->edits.n; i++)
		if (m->edits.v[i].op == op)
			push(e, op, m->edits.v[i].name, m->edits.v[i].value, 0);
}

/* ---- the decision ---- */

static void set_reply(struct cm_decision *d, enum cm_action a, const char *rcode, const char *xcode,
                      const char *text)
{
	d->action = a;
	d->rcode = rcode;
	d->xcode = xcode;
	d->text = text;
}

/* The spam destiny, applied when no check decided more strongly. */
static void spam_destiny(struct cm_msg *m, struct cm_verdict *v, double score)
{
	static const enum cm_action acts[] = {
	    [CM_DESTINY_PASS] = CM_ACT_NONE,
	    [CM_DESTINY_REJECT] = CM_ACT_REJECT,
	    [CM_DESTINY_DISCARD] = CM_ACT_DISCARD,
	    [CM_DESTINY_QUARANTINE] = CM_ACT_QUARANTINE,
	};
	enum cm_action a = acts[m->core->spam_destiny];

	if (score < m->core->kill_level || a <= v->action)
		return;
	*v = (struct cm_verdict){
	    .action = a,
	    .rcode = "554",
	    .xcode = "5.7.1",
	    .text = a == CM_ACT_QUARANTINE ? pool_printf(m->pool, "spam, score=%.1f", score)
	                                   : "Message rejected as spam",
	    .category = "SPAM",
	    .check = "spam",
	};
}

void verdict_final(struct cm_msg *m, const char *version, struct cm_decision *d)
{
	const struct cm_core_conf *core = m->core;
	struct cm_verdict v = m->verdict;
	struct edits e = {0};

	memset(d, 0, sizeof(*d));
	d->scored = m->scored;
	d->score = cm_score(m);
	d->required = core->tag2_level;
	d->tests = tests_list(m);
	if (m->scored)
		spam_destiny(m, &v, d->score);
	if (m->oversized && core->on_oversize == CM_OVERSIZE_REJECT)
		v = (struct cm_verdict){
		    CM_ACT_REJECT, "552", "5.3.4", "Message too big for content checks",
		    "OVERSIZED",   NULL,  NULL};
	else if (m->oversized && core->on_oversize == CM_OVERSIZE_TEMPFAIL)
		v = (struct cm_verdict){CM_ACT_TEMPFAIL,
		                        "452",
		                        "4.3.4",
		                        "Message too big for content checks, try again later",
		                        "OVERSIZED",
		                        NULL,
		                        NULL};

	if (v.action != CM_ACT_NONE && v.action != CM_ACT_QUARANTINE)
		set_reply(d, v.action, v.rcode, v.xcode, v.text);
	else {
		d->action = v.action;
		if (m->scored)
			subject_tag(m, d, &e);
		deletes(m, m->scored, &e);
		if (m->ar.n > 0)
			push(&e, CM_HDR_PREPEND, "Authentication-Results", ar_value(m), 0);
		if (m->scored && d->tests != NULL)
			spam_headers(m, d, version, &e);
		check_edits(m, CM_HDR_PREPEND, &e);
		check_edits(m, CM_HDR_APPEND, &e);
	}
	if (v.action == CM_ACT_QUARANTINE)
		d->text = v.text; /* the hold reason */
	if (v.action != CM_ACT_NONE || v.category != NULL)
		d->word = verdict_word(m->pool, &v);
	else if (m->oversized)
		d->word = "Passed UNCHECKED";
	else if (m->scored && d->score >= core->tag2_level)
		d->word = "Passed SPAM";
	else
		d->word = "Passed CLEAN";

	if (e.oom || m->failed || pool_failed(m->pool) || d->tests == NULL || d->word == NULL) {
		free(e.v);
		memset(&e, 0, sizeof(e));
		set_reply(d, CM_ACT_TEMPFAIL, "451", "4.3.0",
		          "Temporary failure in message checks, please try again later");
		d->word = "Tempfailed (internal error)";
	}
	d->edits = e.n > 0 ? pool_memdup(m->pool, e.v, e.n * sizeof(*e.v)) : NULL;
	d->n_edits = d->edits != NULL ? e.n : 0;
	if (e.n > 0 && d->edits == NULL) {
		set_reply(d, CM_ACT_TEMPFAIL, "451", "4.3.0",
		          "Temporary failure in message checks, please try again later");
		d->word = "Tempfailed (internal error)";
	}
	free(e.v);
}

/*
 * msg - the results API checks write through. Result arrays live on the
 * heap and are cut back to their connection part when a message ends; the
 * strings they point to come from the connection or message pool.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scores.h"
#include "spool.h"

const char *const cm_policy_words[] = {"accept", "tempfail", "reject", NULL};

#define PUSH(m, arr, slot_r)                                                                       \
	(grow((void **)&(arr).v, &(arr).cap, (arr).n, sizeof(*(arr).v)) < 0                        \
	     ? ((m)->failed = true, -1)                                                            \
	     : ((slot_r) = &(arr).v[(arr).n++], 0))

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct pool *cm_pool(struct cm_msg *m)
{
	return m->stage <= CM_HELO || m->pool == NULL ? m->conn_pool : m->pool;
}

static const char *dup(struct cm_msg *m, const char *s)
{
	const char *d;

	if (s == NULL)
		return NULL;
	d = pool_strdup(cm_pool(m), s);
	if (d == NULL)
		m->failed = true;
	return d;
}

int cm_sym_score(struct cm_msg *m, const char *name, double score, const char *detail)
{
	struct cm_symbol *sym;
	size_t i;

	scores_lookup(m->scores, name, &score);
	for (i = 0; i < m->symbols.n; i++) {
		if (strcmp(m->symbols.v[i].name, name) == 0)
			return 0; /* a symbol counts once */
	}
	if (PUSH(m, m->symbols, sym) < 0)
		return -1;
	sym->name = dup(m, name);
	sym->score = score;
	sym->detail = dup(m, detail);
	return m->failed ? -1 : 0;
}

int cm_sym(struct cm_msg *m, const char *name, const char *detail)
{
	return cm_sym_score(m, name, 0.0, detail);
}

bool cm_has_sym(const struct cm_msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->symbols.n; i++)
		if (strcmp(m->symbols.v[i].name, name) == 0)
			return true;
	return false;
}

double cm_score(const struct cm_msg *m)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < m->symbols.n; i++)
		sum += m->symbols.v[i].score;
	return sum;
}

int cm_ar(struct cm_msg *m, const char *fmt, ...)
{
	struct cm_ar_clause *slot;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pool_vprintf(cm_pool(m), fmt, ap);
	va_end(ap);
	if (s == NULL || PUSH(m, m->ar, slot) < 0) {
		m->failed = true;
		return -1;
	}
	slot->text = s;
	slot->check = m->current_check;
	return 0;
}

int cm_verdict(struct cm_msg *m, enum cm_action action, const char *rcode, const char *xcode,
               const char *category, const char *reason, const char *fmt, ...)
{
	struct cm_verdict *v = m->stage == CM_RCPT ? &m->rcpt_verdict : &m->verdict;
	va_list ap;

	if (action <= v->action)
		return 0;
	v->action = action;
	v->rcode = dup(m, rcode);
	v->xcode = dup(m, xcode);
	v->category = dup(m, category);
	v->reason = dup(m, reason);
	v->check = NULL;
	va_start(ap, fmt);
	v->text = pool_vprintf(cm_pool(m), fmt, ap);
	va_end(ap);
	if (v->text == NULL)
		m->failed = true;
	return m->failed ? -1 : 0;
}

int cm_passed(struct cm_msg *m, const char *category, const char *reason)
{
	struct cm_verdict *v = &m->verdict;

	if (v->action != CM_ACT_NONE || v->category != NULL)
		return 0;
	v->category = dup(m, category);
	v->reason = dup(m, reason);
	return m->failed ? -1 : 0;
}

int cm_header_add(struct cm_msg *m, enum cm_hdr_op op, const char *name, const char *value)
{
	struct cm_hdr_edit *e;

	if (PUSH(m, m->edits, e) < 0)
		return -1;
	e->op = op;
	e->name = dup(m, name);
	e->value = dup(m, value);
	e->index = 0;
	return m->failed ? -1 : 0;
}

int cm_header_delete(struct cm_msg *m, const char *name, size_t index)
{
	struct cm_hdr_edit *e;

	if (PUSH(m, m->edits, e) < 0)
		return -1;
	e->op = CM_HDR_DELETE;
	e->name = dup(m, name);
	e->value = NULL;
	e->index = index;
	return m->failed ? -1 : 0;
}

int cm_logfield(struct cm_msg *m, const char *name, const char *value)
{
	struct cm_logfield *f = NULL;
	size_t i;

	for (i = 0; i < m->logfields.n; i++)
		if (strcmp(m->logfields.v[i].name, name) == 0)
			f = &m->logfields.v[i];
	if (f == NULL && PUSH(m, m->logfields, f) < 0)
		return -1;
	f->name = dup(m, name);
	f->value = dup(m, value);
	f->check = m->current_check;
	return m->failed ? -1 : 0;
}

void **cm_data(struct cm_msg *m)
{
	return &m->check_data[m->current_check];
}

void **cm_conn_data(struct cm_msg *m)
{
	return &m->conn_data[m->current_check];
}

const struct cm_header *cm_header_get(const struct cm_msg *m, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < m->n_headers; i++)
		if (strcasecmp(m->headers[i].name, name) == 0 && m->headers[i].index == n)
			return &m->headers[i];
	return NULL;
}

const unsigned char *cm_message(struct cm_msg *m, size_t *len_r)
{
	const char *error;
	const unsigned char *data;

	*len_r = 0;
	if (m->spool == NULL)
		return NULL;
	data = spool_data(m->spool, len_r, &error);
	if (data == NULL)
		m->failed = true;
	return data;
}

size_t cm_body_offset(struct cm_msg *m)
{
	return m->body_offset;
}

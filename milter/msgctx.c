/*
 * msgctx - session and message lifecycle. Headers are spooled as
 * "Name:value" CRLF with folds normalised to CRLF, so the spool holds the
 * message as it travels on the wire; the body follows the empty line.
 */
#include "msgctx.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"
#include "../lib/ip.h"
#include "../lib/spool.h"
#include "snapshot.h"

static atomic_ulong session_counter;
static atomic_long in_flight;

long mctx_in_flight(void)
{
	return atomic_load(&in_flight);
}

static void use_snapshot(struct mctx *c)
{
	c->m.core = c->snap->core;
	c->m.scores = c->snap->scores;
	c->m.authserv_id = c->snap->core->authserv_id;
}

struct mctx *mctx_new(void)
{
	struct mctx *c = calloc(1, sizeof(*c));
	char id[32];

	if (c == NULL)
		return NULL;
	c->snap = snap_acquire();
	c->m.conn_pool = pool_create();
	if (c->snap == NULL || c->m.conn_pool == NULL ||
	    (c->m.conn_data =
	         pool_alloc(c->m.conn_pool, (c->snap->n_checks + 1) * sizeof(void *))) == NULL) {
		mctx_free(&c);
		return NULL;
	}
	use_snapshot(c);
	snprintf(id, sizeof(id), "NOQUEUE-%lx", atomic_fetch_add(&session_counter, 1) + 1);
	c->m.session_id = pool_strdup(c->m.conn_pool, id);
	c->m.client_addr = "unknown";
	c->m.client_name = "unknown";
	c->m.stage = CM_CONNECT;
	return c;
}

void mctx_free(struct mctx **cp)
{
	struct mctx *c = *cp;

	if (c == NULL)
		return;
	mctx_msg_end(c);
	free(c->m.symbols.v);
	free(c->m.ar.v);
	free(c->m.edits.v);
	free(c->m.logfields.v);
	pool_destroy(&c->m.conn_pool);
	snap_release(&c->snap);
	free(c);
	*cp = NULL;
}

void mctx_connect(struct mctx *c, const char *hostname, const struct sockaddr *sa)
{
	struct cm_msg *m = &c->m;
	char ip[IP_STRLEN];

	m->stage = CM_CONNECT;
	if (ip_from_sockaddr(sa, &m->client_ip) == 0)
		m->client_addr = pool_strdup(m->conn_pool, ip_format(&m->client_ip, ip));
	if (hostname != NULL && hostname[0] != '\0')
		m->client_name = pool_strdup(m->conn_pool, hostname);
	else
		m->client_name = pool_printf(m->conn_pool, "[%s]", m->client_addr);
	m->internal = m->client_ip.family != 0 &&
	              ip_netlist_match(&c->snap->core->internal_hosts, &m->client_ip);
}

void mctx_helo(struct mctx *c, const char *helo)
{
	c->m.stage = CM_HELO;
	c->m.helo = pool_strdup(c->m.conn_pool, helo != NULL ? helo : "");
}

const char *mctx_strip_brackets(struct pool *p, const char *addr)
{
	size_t len;

	if (addr == NULL)
		return "";
	len = strlen(addr);
	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>')
		return pool_strndup(p, addr + 1, len - 2);
	return pool_strdup(p, addr);
}

int mctx_msg_begin(struct mctx *c)
{
	struct cm_msg *m = &c->m;
	struct cm_snapshot *fresh;

	mctx_msg_end(c);
	fresh = snap_acquire();
	if (fresh != NULL && fresh != c->snap) {
		snap_release(&c->snap);
		c->snap = fresh;
		use_snapshot(c);
	} else {
		snap_release(&fresh);
	}
	m->pool = pool_create();
	if (m->pool == NULL)
		return -1;
	m->check_data = pool_alloc(m->pool, (c->snap->n_checks + 1) * sizeof(void *));
	m->spool = spool_create(c->snap->core->spool_memory, c->snap->core->max_message_size,
	                        c->snap->core->tmpdir);
	if (m->check_data == NULL || m->spool == NULL) {
		m->failed = true;
		return -1;
	}
	m->stage = CM_MAIL;
	m->symbols.base = m->symbols.n;
	m->ar.base = m->ar.n;
	m->edits.base = m->edits.n;
	m->logfields.base = m->logfields.n;
	c->conn_verdict = m->verdict;
	c->in_message = true;
	c->logged = false;
	atomic_fetch_add(&in_flight, 1);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	return 0;
}

void mctx_msg_end(struct mctx *c)
{
	struct cm_msg *m = &c->m;

	if (!c->in_message)
		return;
	c->in_message = false;
	atomic_fetch_sub(&in_flight, 1);
	spool_free(&m->spool);
	free(m->headers);
	m->headers = NULL;
	m->n_headers = m->cap_headers = 0;
	pool_destroy(&m->pool);
	m->symbols.n = m->symbols.base;
	m->ar.n = m->ar.base;
	m->edits.n = m->edits.base;
	m->logfields.n = m->logfields.base;
	m->verdict = c->conn_verdict;
	memset(&m->rcpt_verdict, 0, sizeof(m->rcpt_verdict));
	memset(&c->worst_rcpt, 0, sizeof(c->worst_rcpt));
	memset(&m->auth, 0, sizeof(m->auth));
	c->n_rcpt_refused = 0;
	c->spool_error = NULL;
	m->queue_id = m->auth_user = m->mail_from = m->rcpt = NULL;
	m->rcpts = NULL;
	m->n_rcpts = 0;
	m->chunk = NULL;
	m->chunk_len = m->size = m->body_offset = 0;
	m->oversized = m->scored = m->failed = m->outbound = false;
	m->check_data = NULL;
}

int mctx_add_rcpt(struct mctx *c, const char *rcpt)
{
	struct cm_msg *m = &c->m;
	const char **v = pool_alloc(m->pool, (m->n_rcpts + 1) * sizeof(*v));

	if (v == NULL) {
		m->failed = true;
		return -1;
	}
	if (m->n_rcpts > 0)
		memcpy(v, m->rcpts, m->n_rcpts * sizeof(*v));
	v[m->n_rcpts++] = rcpt;
	m->rcpts = v;
	return 0;
}

static void spool(struct mctx *c, const void *data, size_t len)
{
	if (c->spool_error != NULL)
		return;
	/* On failure spool_write() points spool_error at its message. */
	(void)spool_write(c->m.spool, data, len, &c->spool_error);
	c->m.oversized = spool_truncated(c->m.spool);
}

/* Value as stored: leading space kept (added if the MTA stripped it), CRLF folds. */
static char *normalise_value(struct mctx *c, const char *value)
{
	struct buf b;
	const char *p;
	char *out;

	buf_init(&b);
	if (!c->leadspc && value[0] != '\0')
		buf_putc(&b, ' ');
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_putc(&b, '\r');
		buf_putc(&b, *p);
	}
	out = b.oom ? NULL : pool_strndup(c->m.pool, buf_str(&b), b.len);
	buf_free(&b);
	return out;
}

int mctx_header(struct mctx *c, const char *name, const char *value)
{
	struct cm_msg *m = &c->m;
	struct cm_header *h;
	size_t i, index = 1;

	m->stage = CM_HEADER;
	if (m->pool == NULL)
		return -1;
	if (m->n_headers == m->cap_headers) {
		size_t cap = m->cap_headers ? m->cap_headers * 2 : 32;
		struct cm_header *v = realloc(m->headers, cap * sizeof(*v));

		if (v == NULL) {
			m->failed = true;
			return -1;
		}
		m->headers = v;
		m->cap_headers = cap;
	}
	for (i = 0; i < m->n_headers; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			index++;
	h = &m->headers[m->n_headers];
	h->name = pool_strdup(m->pool, name);
	h->value = normalise_value(c, value);
	h->index = index;
	if (h->name == NULL || h->value == NULL) {
		m->failed = true;
		return -1;
	}
	m->n_headers++;
	spool(c, h->name, strlen(h->name));
	spool(c, ":", 1);
	spool(c, h->value, strlen(h->value));
	spool(c, "\r\n", 2);
	m->size = spool_size(m->spool);
	return 0;
}

int mctx_eoh(struct mctx *c)
{
	struct cm_msg *m = &c->m;

	m->stage = CM_EOH;
	if (m->spool == NULL)
		return -1;
	spool(c, "\r\n", 2);
	m->body_offset = spool_size(m->spool);
	m->size = spool_size(m->spool);
	return 0;
}

int mctx_body(struct mctx *c, const unsigned char *data, size_t len)
{
	struct cm_msg *m = &c->m;

	m->stage = CM_BODY;
	if (m->spool == NULL)
		return -1;
	spool(c, data, len);
	m->chunk = data;
	m->chunk_len = len;
	m->size = spool_size(m->spool);
	return 0;
}

long mctx_elapsed_ms(const struct mctx *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - c->t0.tv_sec) * 1000 + (now.tv_nsec - c->t0.tv_nsec) / 1000000;
}

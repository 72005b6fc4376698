/*
 * run - the DKIM check per message. At end of header it decides: outbound
 * mail whose From address has a key is signed (the body is hashed as it
 * streams by, the signature made at end of message); inbound mail goes to
 * libopendkim. Results become symbols, Authentication-Results clauses as
 * OpenDKIM writes them, the data DMARC reads, and the On-* policies.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../lib/buf.h"
#include "../lib/log.h"
#include "canon.h"
#include "dkimc.h"
#include "parse.h"
#include "screen.h"

enum job { JOB_NONE, JOB_SIGN, JOB_VERIFY };

struct dkimc_msg {
	enum job job;
	/* signing */
	struct dkimc_sigreq reqs[DKIMC_MAX_SIGS];
	size_t n_reqs;
	struct dkimc_body body;
	struct dkimc_hash *hash;
	/* verifying */
	struct dkimc_vmsg *vm;
	bool has_sigs;                 /* libopendkim has signatures to check */
	struct dkimc_sigresult *extra; /* signatures refused before libopendkim */
	size_t n_extra;
	const size_t *fed_sigs; /* the signature fields libopendkim was given */
	size_t n_fed_sigs;
};

static const char *msg_id(const struct cm_msg *m)
{
	return m->queue_id != NULL ? m->queue_id : m->session_id;
}

static void hash_cleanup(void *arg)
{
	dkimc_hash_free(arg);
}

/* ---- signing ---- */

static int start_signing(struct cm_msg *m, const struct dkimc_state *st, struct dkimc_msg *dm,
                         const char **error_r)
{
	const struct cm_header *from = cm_header_get(m, "From", 1);
	char addr[512], *from_addr;
	const char *domain;

	if (from == NULL || !dkimc_from_address(from->value, addr, sizeof(addr), &domain)) {
		log_debug("dkim", "%s: no usable address in a From field: not signed", msg_id(m));
		return 0;
	}
	/* The requests point into the address (d= may be its domain): keep it. */
	from_addr = pool_strdup(m->pool, addr);
	if (from_addr == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	dm->n_reqs = dkimc_tables_match(&st->tables, from_addr, from_addr + (domain - addr),
	                                m->pool, dm->reqs, DKIMC_MAX_SIGS);
	if (dm->n_reqs == 0) {
		log_debug("dkim", "%s: no key for %s: not signed", msg_id(m), addr);
		return 0;
	}
	dm->hash = dkimc_hash_new();
	if (dm->hash == NULL || pool_cleanup(m->pool, hash_cleanup, &dm->hash) < 0) {
		dkimc_hash_free(&dm->hash);
		*error_r = "out of memory";
		return -1;
	}
	dkimc_body_init(&dm->body, st->signopts.body_canon, dm->hash);
	dm->job = JOB_SIGN;
	return 0;
}

static int finish_signing(struct cm_msg *m, const struct dkimc_state *st, struct dkimc_msg *dm,
                          const char **error_r)
{
	unsigned char bh[DKIMC_SHA256_LEN];
	time_t now = time(NULL);
	size_t i;

	if (dkimc_body_final(&dm->body, bh) < 0) {
		*error_r = "SHA-256 of the body failed";
		return -1;
	}
	for (i = 0; i < dm->n_reqs; i++) {
		const struct dkimc_sigreq *r = &dm->reqs[i];
		const char *value = dkimc_sign(m->pool, &st->signopts, r, m->headers, m->n_headers,
		                               bh, now, error_r);

		if (value == NULL)
			return -1;
		if (cm_header_add(m, CM_HDR_PREPEND, "DKIM-Signature", value) < 0) {
			*error_r = "out of memory";
			return -1;
		}
		log_debug("dkim", "%s: signed: d=%s s=%s a=%s", msg_id(m), r->domain, r->selector,
		          dkimc_key_alg(r->key));
	}
	return cm_logfield(m, "dkim", "signed");
}

/* ---- verifying ---- */

static int start_verifying(struct cm_msg *m, const struct dkimc_state *st, struct dkimc_msg *dm,
                           const char **error_r)
{
	struct dkimc_screen sc;
	size_t i;
	int r;

	dm->vm = dkimc_vmsg_new(st->verifier, m->pool, msg_id(m), error_r);
	if (dm->vm == NULL)
		return -1;
	if (dkimc_screen(m->pool, m->headers, m->n_headers, (size_t)st->conf->max_verify, &sc) <
	    0) {
		*error_r = "out of memory";
		return -1;
	}
	dm->extra = sc.refused;
	dm->n_extra = sc.n_refused;
	dm->fed_sigs = sc.fed_sigs;
	dm->n_fed_sigs = sc.n_fed_sigs;
	for (i = 0; i < m->n_headers; i++)
		if (sc.feed[i] &&
		    dkimc_vmsg_header(dm->vm, m->headers[i].name, m->headers[i].value, error_r) < 0)
			return -1;
	r = dkimc_vmsg_eoh(dm->vm, error_r);
	if (r < 0)
		return -1;
	log_debug("dkim", "%s: %zu header fields, the first %s; %zu signatures refused", msg_id(m),
	          m->n_headers, m->n_headers > 0 ? m->headers[0].name : "-", sc.n_refused);
	for (i = 0; i < sc.n_refused; i++)
		log_info("%s: dkim: signature d=%s s=%s not verified: %s", msg_id(m),
		         sc.refused[i].domain != NULL ? sc.refused[i].domain : "-",
		         sc.refused[i].selector != NULL ? sc.refused[i].selector : "-",
		         sc.refused[i].reason);
	if (sc.n_skipped > 0)
		log_info("%s: dkim: %zu signatures beyond MaximumSignaturesToVerify (%ld) not "
		         "verified",
		         msg_id(m), sc.n_skipped, st->conf->max_verify);
	dm->has_sigs = r > 0;
	dm->job = JOB_VERIFY;
	return 0;
}

/* ---- hooks ---- */

int dkimc_eoh(struct cm_msg *m, void *state, const char **error_r)
{
	const struct dkimc_state *st = state;
	struct dkimc_msg *dm = pool_alloc(m->pool, sizeof(*dm));

	if (dm == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	*cm_data(m) = dm;
	if (m->outbound)
		return st->sign ? start_signing(m, st, dm, error_r) : 0;
	return st->verify ? start_verifying(m, st, dm, error_r) : 0;
}

int dkimc_body(struct cm_msg *m, void *state, const char **error_r)
{
	struct dkimc_msg *dm = *cm_data(m);

	(void)state;
	if (dm == NULL)
		return 0;
	if (dm->job == JOB_SIGN)
		dkimc_body_update(&dm->body, m->chunk, m->chunk_len);
	else if (dm->job == JOB_VERIFY && dm->has_sigs)
		return dkimc_vmsg_body(dm->vm, m->chunk, m->chunk_len, error_r);
	return 0;
}

/* ---- verifying: results ---- */

/* An RFC 8601 quoted-string. */
static const char *quoted(struct pool *p, const char *s)
{
	char *out = pool_alloc(p, 2 * strlen(s) + 3), *o = out;

	if (out == NULL)
		return "\"\"";
	*o++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\';
		*o++ = (*s == '\r' || *s == '\n') ? ' ' : *s;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/* Break a clause between words so that its lines fit in 78 columns (the
 * clause starts after a tab), as OpenDKIM folds its header. */
static const char *fold_clause(struct pool *p, const char *s)
{
	struct buf b;
	const char *out;
	size_t col = 8;

	buf_init(&b);
	while (*s != '\0') {
		size_t word = strcspn(s, " ");

		if (col > 8 && col + 1 + word > 78) {
			buf_puts(&b, "\n\t");
			col = 8;
		} else if (col > 8) {
			buf_putc(&b, ' ');
			col++;
		}
		buf_append(&b, s, word);
		col += word;
		s += word;
		while (*s == ' ')
			s++;
	}
	out = b.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	return out;
}

/* One clause, as OpenDKIM writes it: dkim=pass (2048-bit key)
 * header.d=example.org header.i=@example.org header.a=rsa-sha256
 * header.s=sel header.b=AbCdEfGh (parts not known are left out). */
static int ar_clause(struct cm_msg *m, const struct dkimc_sigresult *r)
{
	struct pool *p = m->pool;
	const char *reason =
	    r->reason != NULL ? pool_printf(p, " reason=%s", quoted(p, r->reason)) : "";
	const char *test = r->testing ? (r->key_bits > 0 ? "; test mode" : " (test mode)") : "";
	const char *bits =
	    r->key_bits > 0 ? pool_printf(p, " (%u-bit key%s)", r->key_bits, test) : test;
	const char *clause = pool_printf(
	    p, "dkim=%s%s%s%s%s%s%s%s%s%s%s%s%s", dkimc_result_name(r->result), reason, bits,
	    r->domain != NULL ? " header.d=" : "", r->domain != NULL ? r->domain : "",
	    r->identity != NULL ? " header.i=" : "", r->identity != NULL ? r->identity : "",
	    r->algorithm != NULL ? " header.a=" : "", r->algorithm != NULL ? r->algorithm : "",
	    r->selector != NULL ? " header.s=" : "", r->selector != NULL ? r->selector : "",
	    r->b != NULL ? " header.b=" : "", r->b != NULL ? r->b : "");

	clause = clause != NULL ? fold_clause(p, clause) : NULL;
	return clause != NULL ? cm_ar(m, "%s", clause) : -1;
}

/* The data DMARC reads: every signature, and the d= of those that pass. */
static int share(struct cm_msg *m, const struct dkimc_sigresult *r, size_t n, const char *overall)
{
	struct cm_dkim_sig *sigs = pool_alloc(m->pool, (n + 1) * sizeof(*sigs));
	const char **pass = pool_alloc(m->pool, (n + 1) * sizeof(*pass));
	size_t i, j, n_pass = 0;

	if (sigs == NULL || pass == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sigs[i] = (struct cm_dkim_sig){dkimc_result_name(r[i].result),
		                               r[i].domain,
		                               r[i].selector,
		                               r[i].algorithm,
		                               r[i].identity,
		                               r[i].key_bits,
		                               r[i].testing};
		if (r[i].result != DKIMC_PASS || r[i].testing || r[i].domain == NULL)
			continue;
		for (j = 0; j < n_pass && strcasecmp(pass[j], r[i].domain) != 0; j++)
			;
		if (j == n_pass)
			pass[n_pass++] = r[i].domain;
	}
	m->auth.dkim_result = overall;
	m->auth.dkim_sigs = sigs;
	m->auth.n_dkim_sigs = n;
	m->auth.dkim_pass_domains = pass;
	m->auth.n_dkim_pass = n_pass;
	return 0;
}

struct outcome {
	const char *word;   /* for the log line and m->auth */
	const char *symbol; /* DKIM_VALID, ... */
	int action;         /* the On-* setting that applies, -1: none */
	const char *why;    /* the log's reason for a refusal */
	const char *xtemp;  /* enhanced code of a tempfail */
	const char *text;   /* SMTP reply text */
	const char *detail; /* a domain for the symbol */
};

/* The message's outcome: a pass wins; signatures from keys in test mode
 * count as none (RFC 6376 §3.6.1); then DNS trouble, failures, the rest. */
static void decide(const struct dkimc_conf *c, const struct dkimc_sigresult *r, size_t n,
                   struct outcome *o)
{
	size_t i, counted = 0, no_key = 0;
	const struct dkimc_sigresult *temp = NULL, *fail = NULL, *other = NULL;

	*o = (struct outcome){"none", "DKIM_NONE", c->on_no_signature,
	                      "none", "4.7.20",    "No DKIM signature found",
	                      NULL};
	for (i = 0; i < n; i++) {
		if (r[i].testing)
			continue;
		counted++;
		if (r[i].result == DKIMC_PASS) {
			*o = (struct outcome){"pass", "DKIM_VALID", -1,         NULL,
			                      NULL,   NULL,         r[i].domain};
			return;
		}
		if (r[i].result == DKIMC_TEMPERROR && temp == NULL)
			temp = &r[i];
		else if (r[i].result == DKIMC_FAIL && fail == NULL)
			fail = &r[i];
		else if (other == NULL)
			other = &r[i];
		no_key += r[i].no_key;
	}
	if (counted == 0) {
		if (n > 0) /* only keys in test mode: logged as such, taken as unsigned */
			o->word = "testing";
		return;
	}
	if (temp != NULL)
		*o = (struct outcome){"temperror", "DKIM_TEMPFAIL", c->on_dns_error,
		                      "temperror", "4.7.5",         "DKIM key retrieval failed",
		                      temp->domain};
	else if (fail != NULL)
		*o =
		    (struct outcome){"fail",      "DKIM_INVALID", c->on_bad_signature,
		                     "fail",      "4.7.20",       "No passing DKIM signature found",
		                     fail->domain};
	else if (no_key == counted)
		*o = (struct outcome){"permerror",  "DKIM_PERMFAIL", c->on_key_not_found,
		                      "no key",     "4.7.20",        "DKIM key not found",
		                      other->domain};
	else
		*o = (struct outcome){dkimc_result_name(other->result),
		                      "DKIM_PERMFAIL",
		                      c->on_bad_signature,
		                      dkimc_result_name(other->result),
		                      "4.7.20",
		                      "No passing DKIM signature found",
		                      other->domain};
}

static int act(struct cm_msg *m, const struct outcome *o)
{
	switch (o->action) {
	case DKIMC_REJECT:
		return cm_verdict(m, CM_ACT_REJECT, "550", "5.7.20", "DKIM", o->why, "%s", o->text);
	case DKIMC_TEMPFAIL:
		return cm_verdict(m, CM_ACT_TEMPFAIL, "451", o->xtemp, "DKIM", o->why,
		                  "%s, please try again later", o->text);
	case DKIMC_DISCARD:
		return cm_verdict(m, CM_ACT_DISCARD, "550", "5.7.20", "DKIM", o->why, "%s",
		                  o->text);
	case DKIMC_QUARANTINE:
		return cm_verdict(m, CM_ACT_QUARANTINE, "550", "5.7.20", "DKIM", o->why, "DKIM: %s",
		                  o->text);
	default:
		return 0;
	}
}

/* libopendkim reports a= as rsa-sha1 for signatures it could not parse:
 * take a=, and d= and s= it did not read, from the field as it is. */
static void own_reading(struct cm_msg *m, const struct cm_header *h, struct dkimc_sigresult *r)
{
	const struct dkimc_tag *a, *d, *s;
	struct dkimc_tags t;
	const char *error;

	if (dkimc_tags_parse(h->value, strlen(h->value), &t, &error) < 0) {
		r->algorithm = NULL;
		return;
	}
	a = dkimc_tags_get(&t, "a");
	d = dkimc_tags_get(&t, "d");
	s = dkimc_tags_get(&t, "s");
	r->algorithm = a != NULL && a->value_len > 0 && a->value_len < 32
	                   ? pool_strndup(m->pool, a->value, a->value_len)
	                   : NULL;
	if (r->domain == NULL && d != NULL && d->value_len > 0 && d->value_len < 256)
		r->domain = pool_strndup(m->pool, d->value, d->value_len);
	if (r->selector == NULL && s != NULL && s->value_len > 0 && s->value_len < 256)
		r->selector = pool_strndup(m->pool, s->value, s->value_len);
}

static int finish_verifying(struct cm_msg *m, const struct dkimc_state *st, struct dkimc_msg *dm,
                            const char **error_r)
{
	struct dkimc_sigresult *lib = NULL, *all;
	struct outcome o;
	size_t n_lib = 0, n, i;

	if (dm->has_sigs && dkimc_vmsg_eom(dm->vm, &lib, &n_lib, error_r) < 0)
		return -1;
	if (n_lib == dm->n_fed_sigs) /* libopendkim lists them in header order */
		for (i = 0; i < n_lib; i++)
			if (lib[i].result != DKIMC_PASS)
				own_reading(m, &m->headers[dm->fed_sigs[i]], &lib[i]);
	n = n_lib + dm->n_extra;
	all = pool_alloc(m->pool, (n + 1) * sizeof(*all));
	if (all == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	if (n_lib > 0)
		memcpy(all, lib, n_lib * sizeof(*all));
	if (dm->n_extra > 0)
		memcpy(all + n_lib, dm->extra, dm->n_extra * sizeof(*all));
	decide(st->conf, all, n, &o);
	for (i = 0; i < n; i++)
		if (ar_clause(m, &all[i]) < 0)
			return -1;
	if (n == 0 && st->conf->always_ar && cm_ar(m, "dkim=none") < 0)
		return -1;
	if (share(m, all, n, strcmp(o.word, "testing") == 0 ? "none" : o.word) < 0 ||
	    cm_sym(m, o.symbol, o.detail) < 0 || cm_logfield(m, "dkim", o.word) < 0 ||
	    act(m, &o) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

int dkimc_eom(struct cm_msg *m, void *state, const char **error_r)
{
	const struct dkimc_state *st = state;
	struct dkimc_msg *dm = *cm_data(m);

	if (dm == NULL)
		return 0;
	if (dm->job == JOB_SIGN)
		return finish_signing(m, st, dm, error_r);
	if (dm->job == JOB_VERIFY)
		return finish_verifying(m, st, dm, error_r);
	return 0;
}

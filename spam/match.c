/*
 * match - running a rule set on one message view: each plain rule once,
 * then the meta rules in dependency order over the values found. Regex
 * work is bounded per match by lib/regex.c; a rule stopped by a limit
 * counts as no match and is reported to the caller, who logs it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"
#include "builtin.h"
#include "../lib/regex.h"
#include "rules.h"

#define MAX_ADDRS 256

struct run {
	const struct spam_ruleset *rs;
	const struct spam_view *v;
	struct rx_scratch *sc;
	long *values;
	const char *all[2]; /* "ALL": decoded, raw; built when first asked for */
	size_t all_len[2];
	int limited;
	const char *slow;
	bool oom;
};

/* Counts matches of r in s (up to want); -1 after a limit stopped it. */
static long count(struct run *ru, const struct spam_rule *r, const char *s, size_t len, long want)
{
	long n;

	if (s == NULL)
		return 0;
	n = rx_count(r->re, s, len, want, ru->sc);
	if (n < 0) {
		if (ru->limited++ == 0)
			ru->slow = r->name;
		return 0;
	}
	return n;
}

/* ---- header fields ---- */

/* Visits each item of the rule's field; fn returns false to stop. */
typedef bool item_fn(struct run *ru, const struct spam_rule *r, const char *s, size_t len,
                     long *acc);

static bool items_of(struct run *ru, const struct spam_rule *r, const char *value, item_fn *fn,
                     long *acc)
{
	struct spam_addr a[MAX_ADDRS];
	size_t i, n;

	if (value == NULL)
		return true;
	if (r->mod != SPAM_H_ADDR && r->mod != SPAM_H_NAME)
		return fn(ru, r, value, strlen(value), acc);
	n = spam_addr_parse(value, ru->v->p, a, MAX_ADDRS);
	for (i = 0; i < n; i++) {
		const char *s = r->mod == SPAM_H_ADDR ? a[i].addr : a[i].name;

		if (!fn(ru, r, s, strlen(s), acc))
			return false;
	}
	return true;
}

static const char *all_fields(struct run *ru, bool raw, size_t *len_r)
{
	const struct spam_view *v = ru->v;
	struct buf b;
	size_t i;

	if (ru->all[raw] == NULL) {
		buf_init(&b);
		for (i = 0; i < v->mime->n_headers; i++)
			buf_printf(&b, "%s:%s%s\n", v->mime->headers[i].name, raw ? "" : " ",
			           raw ? v->mime->headers[i].raw : v->hdr[i]);
		ru->all[raw] = pool_strndup(v->p, buf_str(&b), b.len);
		ru->all_len[raw] = b.len;
		if (ru->all[raw] == NULL || b.oom)
			ru->oom = true;
		buf_free(&b);
	}
	*len_r = ru->all_len[raw];
	return ru->all[raw];
}

static void walk_field(struct run *ru, const struct spam_rule *r, item_fn *fn, long *acc)
{
	const struct spam_view *v = ru->v;
	const struct spam_env *e = &v->env;
	const char *f = r->field;
	size_t i, len;

	if (f[0] != '@') {
		if (strcmp(f, "ALL") == 0) {
			const char *all = all_fields(ru, r->mod == SPAM_H_RAW, &len);

			if (all != NULL)
				fn(ru, r, all, len, acc);
			return;
		}
		for (i = 0; i < v->mime->n_headers; i++)
			if (strcasecmp(v->mime->headers[i].name, f) == 0 &&
			    !items_of(ru, r,
			              r->mod == SPAM_H_RAW ? v->mime->headers[i].raw : v->hdr[i],
			              fn, acc))
				return;
		return;
	}
	if (strcmp(f, "@helo") == 0)
		items_of(ru, r, e->helo, fn, acc);
	else if (strcmp(f, "@mailfrom") == 0)
		items_of(ru, r, e->mail_from, fn, acc);
	else if (strcmp(f, "@client-name") == 0)
		items_of(ru, r, e->client_name, fn, acc);
	else if (strcmp(f, "@client-ip") == 0)
		items_of(ru, r, e->client_ip, fn, acc);
	else if (strcmp(f, "@rcpt") == 0) {
		for (i = 0; i < e->n_rcpts; i++)
			if (!items_of(ru, r, e->rcpts[i], fn, acc))
				return;
	} else if (strcmp(f, "@filename") == 0) {
		for (i = 0; i < v->mime->n_parts; i++)
			if (v->mime->parts[i].filename != NULL &&
			    !items_of(ru, r, v->mime->parts[i].filename, fn, acc))
				return;
	} else if (strcmp(f, "@type") == 0) {
		for (i = 0; i < v->mime->n_parts; i++)
			if (!v->mime->parts[i].container &&
			    !items_of(ru, r, v->mime->parts[i].type, fn, acc))
				return;
	}
}

static bool item_matches(struct run *ru, const struct spam_rule *r, const char *s, size_t len,
                         long *acc)
{
	if (count(ru, r, s, len, 1) > 0)
		(*acc)++;
	return r->negate ? *acc == 0 : *acc < r->min; /* stop once it is decided */
}

static bool item_exists(struct run *ru, const struct spam_rule *r, const char *s, size_t len,
                        long *acc)
{
	(void)ru;
	(void)s;
	(void)len;
	(*acc)++;
	return r->kind == SPAM_K_EXISTS && *acc < r->min;
}

/* ---- rules ---- */

static long at_least(long n, long min)
{
	return n >= min ? n : 0;
}

static long uri_value(struct run *ru, const struct spam_rule *r)
{
	size_t i;
	long n = 0;

	for (i = 0; i < ru->v->n_uris && n < r->min; i++)
		if (count(ru, r, ru->v->uris[i].uri, strlen(ru->v->uris[i].uri), 1) > 0)
			n++;
	return at_least(n, r->min);
}

static long meta_value(const struct run *ru, const struct spam_rule *r)
{
	long stack[SPAM_META_MAX_TOKENS];
	size_t i, sp = 0;

	for (i = 0; i < r->n_code; i++) {
		const struct spam_meta_op *o = &r->code[i];
		long a, b;

		switch (o->op) {
		case SPAM_OP_RULE:
			stack[sp++] = ru->values[o->rule];
			continue;
		case SPAM_OP_NUM:
			stack[sp++] = o->num;
			continue;
		case SPAM_OP_NOT:
			stack[sp - 1] = !stack[sp - 1];
			continue;
		case SPAM_OP_NEG:
			stack[sp - 1] = -stack[sp - 1];
			continue;
		default:
			break;
		}
		b = stack[--sp];
		a = stack[sp - 1];
		switch (o->op) {
		case SPAM_OP_AND:
			a = a && b;
			break;
		case SPAM_OP_OR:
			a = a || b;
			break;
		case SPAM_OP_ADD:
			a = a + b;
			break;
		case SPAM_OP_SUB:
			a = a - b;
			break;
		case SPAM_OP_LT:
			a = a < b;
			break;
		case SPAM_OP_LE:
			a = a <= b;
			break;
		case SPAM_OP_GT:
			a = a > b;
			break;
		case SPAM_OP_GE:
			a = a >= b;
			break;
		case SPAM_OP_EQ:
			a = a == b;
			break;
		default:
			a = a != b;
			break;
		}
		stack[sp - 1] = a;
	}
	return sp == 1 ? at_least(stack[0], r->min) : 0;
}

static long rule_value(struct run *ru, const struct spam_rule *r)
{
	const struct spam_view *v = ru->v;
	long n = 0;

	switch (r->kind) {
	case SPAM_K_HEADER:
		walk_field(ru, r, item_matches, &n);
		return r->negate ? n == 0 : at_least(n, r->min);
	case SPAM_K_EXISTS:
		walk_field(ru, r, item_exists, &n);
		return at_least(n, r->min);
	case SPAM_K_MISSING:
		walk_field(ru, r, item_exists, &n);
		return n == 0;
	case SPAM_K_BODY:
		return at_least(count(ru, r, v->body, v->body_len, r->min), r->min);
	case SPAM_K_RAWBODY:
		return at_least(count(ru, r, v->rawbody, v->rawbody_len, r->min), r->min);
	case SPAM_K_FULL:
		return at_least(count(ru, r, v->msg, v->len, r->min), r->min);
	case SPAM_K_URI:
		return uri_value(ru, r);
	case SPAM_K_TEST:
		return at_least(r->test->fn(v, r->arg), r->min);
	case SPAM_K_META:
		return meta_value(ru, r);
	}
	return 0;
}

int spam_rules_run(const struct spam_ruleset *rs, const struct spam_view *v, long *values,
                   const char **slow_r)
{
	struct run ru = {.rs = rs, .v = v, .values = values};
	size_t i;

	ru.sc = rx_scratch_new();
	if (ru.sc == NULL)
		return -1;
	/* Plain rules come first in a finished set, metas after what they read. */
	for (i = 0; i < rs->n && !ru.oom; i++)
		values[i] = rule_value(&ru, rs->rules[i]);
	rx_scratch_free(&ru.sc);
	if (slow_r != NULL)
		*slow_r = ru.slow;
	return ru.oom ? -1 : ru.limited;
}

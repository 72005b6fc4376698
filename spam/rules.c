/*
 * rules - the rule file parser (the format is described in rules.h). Every
 * problem is reported with its file and line and what was expected, and
 * parsing goes on, so one run shows them all. Meta rules are compiled to
 * postfix code, their names resolved and cycles refused by
 * spam_rules_finish(), which also orders the set for evaluation.
 */
#include "rules.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "builtin.h"
#include "../lib/regex.h"

struct parse {
	struct spam_ruleset *rs;
	const char *file;
	int line;
	struct spam_rule *cur; /* the rule whose condition is due */
	bool cur_has_condition;
	bool skipping;        /* after a bad rule line: its condition is not reported too */
	size_t first_of_file; /* rules of this file start here (duplicates within a file) */
	size_t errors;
};

static void report(struct spam_ruleset *rs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct spam_ruleset *rs, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	rs->n_errors++;
	if (rs->report != NULL)
		rs->report(rs->report_arg, msg);
}

#define ERR(ps, ...) ((ps)->errors++, report((ps)->rs, (ps)->file, (ps)->line, __VA_ARGS__))

struct spam_ruleset *spam_rules_new(void (*rep)(void *arg, const char *msg), void *arg)
{
	struct spam_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs != NULL) {
		rs->report = rep;
		rs->report_arg = arg;
	}
	return rs;
}

static void rule_free(struct spam_rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->name);
	free(r->desc);
	free(r->file);
	free(r->field);
	free(r->pattern);
	free(r->arg);
	rx_free(&r->re);
	for (i = 0; i < r->n_code; i++)
		free(r->code[i].name);
	free(r->code);
	free(r);
}

void spam_rules_free(struct spam_ruleset **rsp)
{
	struct spam_ruleset *rs = *rsp;
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		rule_free(rs->rules[i]);
	free(rs->rules);
	free(rs);
	*rsp = NULL;
}

/* ---- words ---- */

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next word (up to white space) into w; returns what follows it. */
static const char *word(const char *s, char *w, size_t size)
{
	size_t n = 0;

	s = skip_ws(s);
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (n + 1 < size)
			w[n++] = *s;
		s++;
	}
	w[n] = '\0';
	return s;
}

static bool valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return i > 0 && i <= 60;
}

/* ---- regex literals ---- */

/*
 * "/pattern/flags" at s: compiles into r->re. Returns what follows, or
 * NULL after reporting the problem.
 */
static const char *regex_literal(struct parse *ps, struct spam_rule *r, const char *s)
{
	char flags[8], err[300];
	const char *start, *p;
	size_t nf = 0;

	s = skip_ws(s);
	if (*s != '/') {
		ERR(ps, "%s: expected a regular expression /.../ after \"%s\"", r->name,
		    r->kind == SPAM_K_HEADER ? "=~" : "the kind");
		return NULL;
	}
	start = ++s;
	for (p = start; *p != '\0' && *p != '/'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	if (*p != '/') {
		ERR(ps,
		    "%s: the regular expression has no closing '/' (write \\/ for a slash in it)",
		    r->name);
		return NULL;
	}
	for (s = p + 1; isalpha((unsigned char)*s); s++) {
		if (nf + 1 < sizeof(flags))
			flags[nf++] = *s;
	}
	flags[nf] = '\0';
	r->pattern = strndup(start, (size_t)(p - start));
	if (r->pattern == NULL ||
	    rx_compile(start, (size_t)(p - start), flags, &r->re, err, sizeof(err)) < 0) {
		ERR(ps, "%s: /%.*s/%s: %s", r->name, (int)(p - start), start, flags,
		    r->pattern == NULL ? "out of memory" : err);
		return NULL;
	}
	return s;
}

/* An optional ">= N" at s; the rest of the line must be empty. */
static bool threshold(struct parse *ps, struct spam_rule *r, const char *s)
{
	char *end;
	long n;

	s = skip_ws(s);
	r->min = 1;
	if (*s == '\0')
		return true;
	if (strncmp(s, ">=", 2) != 0) {
		ERR(ps, "%s: unexpected \"%s\" at the end, expected nothing or \">= N\"", r->name,
		    s);
		return false;
	}
	s = skip_ws(s + 2);
	errno = 0;
	n = strtol(s, &end, 10);
	if (end == s || *skip_ws(end) != '\0' || errno != 0 || n < 1 || n > 1000000) {
		ERR(ps, "%s: \">= %s\": expected a whole number from 1 to 1000000", r->name, s);
		return false;
	}
	r->min = n;
	return true;
}

/* ---- conditions ---- */

static const char *const pseudo_fields[] = {"@helo",      "@mailfrom", "@rcpt", "@client-name",
                                            "@client-ip", "@filename", "@type", NULL};

static bool field_ok(struct parse *ps, struct spam_rule *r, char *f)
{
	char *colon = strchr(f, ':');
	size_t i;

	r->mod = SPAM_H_DECODED;
	if (colon != NULL) {
		*colon++ = '\0';
		if (strcmp(colon, "raw") == 0)
			r->mod = SPAM_H_RAW;
		else if (strcmp(colon, "addr") == 0)
			r->mod = SPAM_H_ADDR;
		else if (strcmp(colon, "name") == 0)
			r->mod = SPAM_H_NAME;
		else {
			ERR(ps, "%s: unknown field modifier \":%s\", expected :raw, :addr or :name",
			    r->name, colon);
			return false;
		}
	}
	if (f[0] == '@') {
		for (i = 0; pseudo_fields[i] != NULL; i++)
			if (strcmp(f, pseudo_fields[i]) == 0)
				break;
		if (pseudo_fields[i] == NULL) {
			ERR(ps,
			    "%s: unknown field \"%s\", expected a header name or one of @helo, "
			    "@mailfrom, @rcpt, @client-name, @client-ip, @filename, @type",
			    r->name, f);
			return false;
		}
	} else {
		for (i = 0; f[i] != '\0'; i++)
			if ((unsigned char)f[i] <= ' ' || (unsigned char)f[i] >= 0x7F) {
				ERR(ps, "%s: \"%s\" is not a header field name", r->name, f);
				return false;
			}
	}
	r->field = strdup(f);
	return r->field != NULL;
}

static void cond_header(struct parse *ps, struct spam_rule *r, const char *s)
{
	char f[256], op[16];

	s = word(s, f, sizeof(f));
	if (f[0] == '\0') {
		ERR(ps, "%s: header: expected a field name, such as Subject", r->name);
		return;
	}
	if (!field_ok(ps, r, f))
		return;
	s = word(s, op, sizeof(op));
	if (strcmp(op, "=~") == 0 || strcmp(op, "!~") == 0) {
		r->kind = SPAM_K_HEADER;
		r->negate = op[0] == '!';
		s = regex_literal(ps, r, s);
		if (s == NULL)
			return;
		if (r->negate && *skip_ws(s) != '\0')
			ERR(ps, "%s: \"!~\" takes no \">= N\"", r->name);
		else
			threshold(ps, r, s);
	} else if (strcmp(op, "exists") == 0) {
		r->kind = SPAM_K_EXISTS;
		threshold(ps, r, s);
	} else if (strcmp(op, "missing") == 0) {
		r->kind = SPAM_K_MISSING;
		threshold(ps, r, s);
	} else
		ERR(ps, "%s: header %s: expected =~, !~, exists or missing, not \"%s\"", r->name, f,
		    op);
}

static void cond_test(struct parse *ps, struct spam_rule *r, const char *s)
{
	char name[64], arg[256];
	const char *rest, *e;

	r->kind = SPAM_K_TEST;
	s = word(s, name, sizeof(name));
	r->test = spam_test_find(name);
	if (r->test == NULL) {
		ERR(ps, "%s: unknown test \"%s\" (the README lists the built-in tests)", r->name,
		    name);
		return;
	}
	rest = word(s, arg, sizeof(arg));
	if (arg[0] != '\0' && strcmp(arg, ">=") != 0) {
		if (r->test->check_arg == NULL) {
			ERR(ps, "%s: test %s takes no argument, got \"%s\"", r->name, name, arg);
			return;
		}
		s = rest;
	} else
		arg[0] = '\0';
	if (r->test->check_arg != NULL && (e = r->test->check_arg(arg)) != NULL) {
		ERR(ps, "%s: test %s %s: %s", r->name, name, arg, e);
		return;
	}
	r->arg = strdup(arg);
	threshold(ps, r, s);
}

/* ---- meta expressions ---- */

struct mparse {
	struct parse *ps;
	struct spam_rule *r;
	const char *s;
	size_t cap, depth;
	bool bad;
};

static void emit(struct mparse *mp, enum spam_op op, long num, const char *name, size_t len)
{
	struct spam_rule *r = mp->r;
	struct spam_meta_op *o;

	if (mp->bad)
		return;
	if (r->n_code >= SPAM_META_MAX_TOKENS) {
		ERR(mp->ps, "%s: meta expression longer than %d terms", r->name,
		    SPAM_META_MAX_TOKENS);
		mp->bad = true;
		return;
	}
	if (r->n_code == mp->cap) {
		size_t cap = mp->cap ? mp->cap * 2 : 16;
		struct spam_meta_op *c = realloc(r->code, cap * sizeof(*c));

		if (c == NULL) {
			mp->bad = true;
			return;
		}
		r->code = c;
		mp->cap = cap;
	}
	o = &r->code[r->n_code++];
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->num = num;
	if (name != NULL && (o->name = strndup(name, len)) == NULL)
		mp->bad = true;
}

static void mexpr(struct mparse *mp);

static void mprimary(struct mparse *mp)
{
	const char *s = skip_ws(mp->s);

	if (*s == '(') {
		if (++mp->depth > 50) {
			ERR(mp->ps, "%s: meta expression nested too deep", mp->r->name);
			mp->bad = true;
			return;
		}
		mp->s = s + 1;
		mexpr(mp);
		s = skip_ws(mp->s);
		if (*s != ')') {
			if (!mp->bad)
				ERR(mp->ps, "%s: meta: expected ')' at \"%s\"", mp->r->name, s);
			mp->bad = true;
			return;
		}
		mp->depth--;
		mp->s = s + 1;
	} else if (*s == '!' && s[1] != '=') {
		mp->s = s + 1;
		mprimary(mp);
		emit(mp, SPAM_OP_NOT, 0, NULL, 0);
	} else if (*s == '-') {
		mp->s = s + 1;
		mprimary(mp);
		emit(mp, SPAM_OP_NEG, 0, NULL, 0);
	} else if (isdigit((unsigned char)*s)) {
		char *end;
		long n = strtol(s, &end, 10);

		emit(mp, SPAM_OP_NUM, n, NULL, 0);
		mp->s = end;
	} else if (isupper((unsigned char)*s) || *s == '_') {
		const char *e = s;

		while (isupper((unsigned char)*e) || isdigit((unsigned char)*e) || *e == '_')
			e++;
		emit(mp, SPAM_OP_RULE, 0, s, (size_t)(e - s));
		mp->s = e;
	} else {
		if (!mp->bad)
			ERR(mp->ps,
			    "%s: meta: expected a rule name, a number, '!' or '(' at \"%s\"",
			    mp->r->name, *s != '\0' ? s : "the end of the line");
		mp->bad = true;
	}
}

static void msum(struct mparse *mp)
{
	mprimary(mp);
	for (;;) {
		const char *s = skip_ws(mp->s);

		if (*s != '+' && *s != '-')
			return;
		mp->s = s + 1;
		mprimary(mp);
		emit(mp, *s == '+' ? SPAM_OP_ADD : SPAM_OP_SUB, 0, NULL, 0);
	}
}

static void mcmp(struct mparse *mp)
{
	static const struct {
		const char *text;
		enum spam_op op;
	} ops[] = {{"<=", SPAM_OP_LE}, {">=", SPAM_OP_GE}, {"==", SPAM_OP_EQ},
	           {"!=", SPAM_OP_NE}, {"<", SPAM_OP_LT},  {">", SPAM_OP_GT}};
	const char *s;
	size_t i;

	msum(mp);
	s = skip_ws(mp->s);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0) {
			mp->s = s + strlen(ops[i].text);
			msum(mp);
			emit(mp, ops[i].op, 0, NULL, 0);
			return;
		}
}

static void mand(struct mparse *mp)
{
	mcmp(mp);
	while (strncmp(skip_ws(mp->s), "&&", 2) == 0) {
		mp->s = skip_ws(mp->s) + 2;
		mcmp(mp);
		emit(mp, SPAM_OP_AND, 0, NULL, 0);
	}
}

static void mexpr(struct mparse *mp)
{
	mand(mp);
	while (strncmp(skip_ws(mp->s), "||", 2) == 0) {
		mp->s = skip_ws(mp->s) + 2;
		mand(mp);
		emit(mp, SPAM_OP_OR, 0, NULL, 0);
	}
}

static void cond_meta(struct parse *ps, struct spam_rule *r, const char *s)
{
	struct mparse mp = {ps, r, s, 0, 0, false};

	r->kind = SPAM_K_META;
	r->min = 1;
	mexpr(&mp);
	if (!mp.bad && *skip_ws(mp.s) != '\0') {
		ERR(ps, "%s: meta: unexpected \"%s\", expected an operator (&& || + - < > ...)",
		    r->name, skip_ws(mp.s));
	}
}

static void condition(struct parse *ps, const char *line)
{
	struct spam_rule *r = ps->cur;
	char kind[32];
	const char *s;

	if (r == NULL && ps->skipping)
		return;
	if (r == NULL) {
		ERR(ps, "an indented line outside a rule, expected \"rule NAME SCORE description\" "
		        "first");
		return;
	}
	if (ps->cur_has_condition) {
		ERR(ps, "%s: a second condition, expected one per rule (combine rules with meta)",
		    r->name);
		return;
	}
	ps->cur_has_condition = true;
	s = word(line, kind, sizeof(kind));
	if (strcmp(kind, "header") == 0)
		cond_header(ps, r, s);
	else if (strcmp(kind, "meta") == 0)
		cond_meta(ps, r, s);
	else if (strcmp(kind, "test") == 0)
		cond_test(ps, r, s);
	else {
		static const struct {
			const char *word;
			enum spam_kind kind;
		} kinds[] = {{"body", SPAM_K_BODY},
		             {"rawbody", SPAM_K_RAWBODY},
		             {"full", SPAM_K_FULL},
		             {"uri", SPAM_K_URI}};
		size_t i;

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(kind, kinds[i].word) == 0)
				break;
		if (i == sizeof(kinds) / sizeof(kinds[0])) {
			ERR(ps,
			    "%s: unknown condition \"%s\", expected header, body, rawbody, "
			    "full, uri, test or meta",
			    r->name, kind);
			return;
		}
		r->kind = kinds[i].kind;
		s = regex_literal(ps, r, s);
		if (s != NULL)
			threshold(ps, r, s);
	}
}

/* ---- rules ---- */

static ssize_t find_rule(const struct spam_ruleset *rs, const char *name, size_t from)
{
	size_t i;

	for (i = from; i < rs->n; i++)
		if (strcmp(rs->rules[i]->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static void end_rule(struct parse *ps)
{
	if (ps->cur != NULL && !ps->cur_has_condition)
		report(ps->rs, ps->cur->file, ps->cur->line,
		       "%s: no condition, expected an indented line such as \"body /text/i\"",
		       ps->cur->name);
	ps->cur = NULL;
}

static void rule_line(struct parse *ps, const char *line)
{
	struct spam_ruleset *rs = ps->rs;
	struct spam_rule *r;
	char name[128], num[64];
	const char *s;
	char *end;
	ssize_t old;

	end_rule(ps);
	ps->skipping = true;
	s = word(line + 4, name, sizeof(name));
	if (!valid_name(name)) {
		ERR(ps, "rule \"%s\": expected a name of capitals, digits and '_' (at most 60)",
		    name);
		return;
	}
	if (find_rule(rs, name, ps->first_of_file) >= 0) {
		ERR(ps, "rule %s is defined twice in this file", name);
		return;
	}
	if (rs->n >= SPAM_RULES_MAX) {
		ERR(ps, "more than %d rules", SPAM_RULES_MAX);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return;
	r->name = strdup(name);
	r->file = strdup(ps->file);
	r->line = ps->line;
	r->min = 1;
	s = word(s, num, sizeof(num));
	if (num[0] != '\0') {
		errno = 0;
		r->score = strtod(num, &end);
		if (*end != '\0' || errno != 0 || !isfinite(r->score) || fabs(r->score) > 10000) {
			ERR(ps, "rule %s: score \"%s\": expected a number such as 1.5 or -0.3",
			    name, num);
			r->score = 0;
		}
	}
	r->desc = strdup(*skip_ws(s) != '\0' ? skip_ws(s) : name);
	if (r->name == NULL || r->file == NULL || r->desc == NULL) {
		rule_free(r);
		return;
	}
	/* A later file replaces an earlier file's rule of the same name. */
	old = find_rule(rs, name, 0);
	if (old >= 0) {
		rule_free(rs->rules[old]);
		rs->rules[old] = r;
	} else {
		if (rs->n == rs->cap) {
			size_t cap = rs->cap ? rs->cap * 2 : 64;
			struct spam_rule **v = realloc(rs->rules, cap * sizeof(*v));

			if (v == NULL) {
				rule_free(r);
				return;
			}
			rs->rules = v;
			rs->cap = cap;
		}
		rs->rules[rs->n++] = r;
	}
	ps->cur = r;
	ps->cur_has_condition = false;
	ps->skipping = false;
}

size_t spam_rules_parse(struct spam_ruleset *rs, const char *text, size_t len, const char *file)
{
	struct parse ps = {rs, file, 0, NULL, false, false, rs->n, 0};
	char line[SPAM_RULES_MAX_LINE];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		const char *s;

		ps.line++;
		if (n >= sizeof(line)) {
			ERR(&ps, "line longer than %d bytes", SPAM_RULES_MAX_LINE - 1);
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n) != NULL) {
			ERR(&ps, "a NUL byte in the line");
			continue;
		}
		s = skip_ws(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (s != line)
			condition(&ps, s);
		else if (strncmp(line, "rule", 4) == 0 && (line[4] == ' ' || line[4] == '\t'))
			rule_line(&ps, line);
		else {
			end_rule(&ps);
			ps.skipping = true;
			ERR(&ps,
			    "\"%.40s\": expected \"rule NAME SCORE description\" or an indented "
			    "condition",
			    line);
		}
	}
	end_rule(&ps);
	return ps.errors;
}

/* ---- finishing ---- */

enum { UNSEEN, VISITING, DONE };

static bool visit(struct spam_ruleset *rs, size_t i, unsigned char *state, struct spam_rule **out,
                  size_t *n_out)
{
	struct spam_rule *r = rs->rules[i];
	size_t k;

	if (state[i] == DONE)
		return true;
	if (state[i] == VISITING) {
		report(rs, r->file, r->line, "%s: meta rules refer to each other in a circle",
		       r->name);
		return false;
	}
	state[i] = VISITING;
	for (k = 0; k < r->n_code; k++)
		if (r->code[k].op == SPAM_OP_RULE &&
		    rs->rules[r->code[k].rule]->kind == SPAM_K_META &&
		    !visit(rs, r->code[k].rule, state, out, n_out)) {
			state[i] = DONE;
			return false;
		}
	state[i] = DONE;
	out[(*n_out)++] = r;
	return true;
}

size_t spam_rules_finish(struct spam_ruleset *rs)
{
	struct spam_rule **order;
	unsigned char *state;
	size_t *newpos, i, k, n = 0;
	ssize_t j;

	for (i = 0; i < rs->n; i++) {
		struct spam_rule *r = rs->rules[i];

		for (k = 0; k < r->n_code; k++) {
			if (r->code[k].op != SPAM_OP_RULE)
				continue;
			j = find_rule(rs, r->code[k].name, 0);
			if (j < 0)
				report(rs, r->file, r->line,
				       "%s: meta refers to %s, which is no rule", r->name,
				       r->code[k].name);
			else
				r->code[k].rule = (size_t)j;
		}
	}
	if (rs->n_errors > 0)
		return rs->n_errors;
	order = calloc(rs->n + 1, sizeof(*order));
	state = calloc(rs->n + 1, 1);
	newpos = calloc(rs->n + 1, sizeof(*newpos));
	if (order == NULL || state == NULL || newpos == NULL) {
		rs->n_errors++;
		goto out;
	}
	for (i = 0; i < rs->n; i++)
		rs->rules[i]->index = i;
	for (i = 0; i < rs->n; i++)
		if (rs->rules[i]->kind != SPAM_K_META)
			order[n++] = rs->rules[i];
	for (i = 0; i < rs->n; i++)
		if (rs->rules[i]->kind == SPAM_K_META)
			visit(rs, i, state, order, &n);
	if (rs->n_errors > 0)
		goto out;
	/* Indexes in meta code refer to the new order from here on. */
	for (i = 0; i < n; i++)
		newpos[order[i]->index] = i;
	for (i = 0; i < n; i++) {
		order[i]->index = i;
		for (k = 0; k < order[i]->n_code; k++)
			if (order[i]->code[k].op == SPAM_OP_RULE)
				order[i]->code[k].rule = newpos[order[i]->code[k].rule];
	}
	memcpy(rs->rules, order, n * sizeof(*order));
out:
	free(order);
	free(state);
	free(newpos);
	return rs->n_errors;
}

/*
 * conf - the config loader. Defaults come from the tables first, then the
 * file's lines, then command-line overrides; each value is parsed by its
 * declared type and stored at its declared offset. A setting may appear once
 * (SET_LIST settings any number of times). Problems are collected as
 * "FILE:LINE: Name: problem, expected ..." and loading goes on.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"
#include "../lib/ip.h"
#include "../lib/sock.h"

#define LINE_MAX_LEN 65536

struct modstate {
	const struct conf_module *mod;
	void *data;
	struct conf_origin *origins; /* one per table entry */
	size_t n_settings;
};

struct conf {
	struct pool *pool;
	const char *path;
	struct modstate *mods;
	size_t n_mods;
	char **errors;
	size_t n_errors, cap_errors;
};

static void add_error(struct conf *c, const char *msg)
{
	char *copy;

	if (c->n_errors == c->cap_errors) {
		size_t cap = c->cap_errors ? c->cap_errors * 2 : 8;
		char **v = realloc(c->errors, cap * sizeof(*v));

		if (v == NULL)
			return;
		c->errors = v;
		c->cap_errors = cap;
	}
	copy = strdup(msg);
	if (copy != NULL)
		c->errors[c->n_errors++] = copy;
}

void conf_error(struct conf *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_error(c, msg);
}

size_t conf_nerrors(const struct conf *c)
{
	return c->n_errors;
}

const char *conf_errmsg(const struct conf *c, size_t i)
{
	return i < c->n_errors ? c->errors[i] : NULL;
}

void *conf_data(const struct conf *c, size_t mod)
{
	return c->mods[mod].data;
}

struct pool *conf_pool(const struct conf *c)
{
	return c->pool;
}

const char *conf_path(const struct conf *c)
{
	return c->path != NULL ? c->path : "(defaults)";
}

static const struct setting *find_in(const struct conf_module *mod, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; mod->table[i].name != NULL; i++) {
		if (strcasecmp(mod->table[i].name, name) == 0) {
			*idx = i;
			return &mod->table[i];
		}
	}
	return NULL;
}

static const struct setting *find(const struct conf *c, const char *name, size_t *mod, size_t *idx)
{
	size_t m;

	for (m = 0; m < c->n_mods; m++) {
		const struct setting *s = find_in(c->mods[m].mod, name, idx);

		if (s != NULL) {
			*mod = m;
			return s;
		}
	}
	return NULL;
}

static const char *origin_text(const struct conf *c, const struct conf_origin *o, char *buf,
                               size_t size)
{
	if (o->file == NULL)
		snprintf(buf, size, "%s: default", conf_path(c));
	else if (o->line > 0)
		snprintf(buf, size, "%s:%d", o->file, o->line);
	else
		snprintf(buf, size, "%s", o->file);
	return buf;
}

const char *conf_where(const struct conf *c, size_t mod, const char *setting)
{
	size_t idx;
	const struct conf_origin *o;
	char buf[512];

	if (find_in(c->mods[mod].mod, setting, &idx) == NULL)
		return "default";
	o = &c->mods[mod].origins[idx];
	if (o->file == NULL)
		return "default";
	return pool_strdup(c->pool, origin_text(c, o, buf, sizeof(buf)));
}

void conf_setting_error(struct conf *c, size_t mod, const char *setting, const char *fmt,
                        va_list ap)
{
	char msg[1024], where[512];
	size_t idx;
	const struct conf_origin *o = NULL;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (find_in(c->mods[mod].mod, setting, &idx) != NULL)
		o = &c->mods[mod].origins[idx];
	if (o != NULL)
		origin_text(c, o, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "%s", conf_path(c));
	conf_error(c, "%s: %s: %s", where, setting, msg);
}

/* ---- value parsing ---- */

static const char *const bool_yes[] = {"yes", "true", "on", "1", NULL};
static const char *const bool_no[] = {"no", "false", "off", "0", NULL};

static bool word_in(const char *v, const char *const *words, int *idx)
{
	int i;

	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(v, words[i]) == 0) {
			if (idx != NULL)
				*idx = i;
			return true;
		}
	}
	return false;
}

static bool bounded(const struct setting *s)
{
	return s->min != 0 || s->max != 0;
}

/* Parse a number with an optional unit suffix; *mult_r is the unit's value. */
static int parse_scaled(const char *v, const char *units, const double *mults, double *out)
{
	char *end;
	double x;
	const char *u;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	x = strtod(v, &end);
	if (errno != 0 || end == v)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0' || (u = strchr(units, *end)) == NULL)
			return -1;
		x *= mults[u - units];
	}
	*out = x;
	return 0;
}

/* A bound written as a user would write it: 40d, 64M, 5.0. */
static void put_bound(const struct setting *s, double v, struct buf *b)
{
	static const struct {
		double mult;
		const char *unit;
	} time_units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}},
	  size_units[] = {{1073741824, "G"}, {1048576, "M"}, {1024, "k"}, {1, ""}};
	size_t i;

	for (i = 0; i < 4 && (s->type == SET_TIME || s->type == SET_SIZE); i++) {
		double m = s->type == SET_TIME ? time_units[i].mult : size_units[i].mult;

		if (v == 0) {
			buf_puts(b, "0");
			return;
		}
		if (fmod(v, m) == 0) {
			buf_printf(b, "%.0f%s", v / m,
			           s->type == SET_TIME ? time_units[i].unit : size_units[i].unit);
			return;
		}
	}
	buf_printf(b, "%g", v);
}

static void expect_range(const struct setting *s, struct buf *b)
{
	if (!bounded(s))
		return;
	buf_puts(b, " from ");
	put_bound(s, s->min, b);
	buf_puts(b, " to ");
	put_bound(s, s->max, b);
}

/* Parse v for setting s into data; on error describe what was expected. */
static int parse_value(struct conf *c, const struct setting *s, void *data, const char *v,
                       struct buf *why)
{
	char *p = (char *)data + s->offset;
	double x;
	int idx;

	switch (s->type) {
	case SET_BOOL:
		if (word_in(v, bool_yes, NULL))
			*(bool *)p = true;
		else if (word_in(v, bool_no, NULL))
			*(bool *)p = false;
		else
			return buf_puts(why, "expected yes or no"), -1;
		return 0;
	case SET_INT: {
		char *end;
		long l;

		errno = 0;
		l = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' ||
		    (bounded(s) && (l < s->min || l > s->max))) {
			buf_puts(why, "expected a whole number");
			expect_range(s, why);
			return -1;
		}
		*(long *)p = l;
		return 0;
	}
	case SET_TIME: {
		static const double mults[] = {1, 60, 3600, 86400, 604800};

		if (parse_scaled(v, "smhdw", mults, &x) < 0 || x != floor(x) || x > 1e12 ||
		    (bounded(s) && (x < s->min || x > s->max))) {
			buf_puts(why, "expected a duration");
			expect_range(s, why);
			buf_puts(why, ", such as 300, 5m, 2h, 35d or 1w");
			return -1;
		}
		*(long *)p = (long)x;
		return 0;
	}
	case SET_SIZE: {
		static const double mults[] = {1024,    1024,       1048576,
		                               1048576, 1073741824, 1073741824};

		if (parse_scaled(v, "kKmMgG", mults, &x) < 0 || x != floor(x) || x > 1e15 ||
		    (bounded(s) && (x < s->min || x > s->max))) {
			buf_puts(why, "expected a size");
			expect_range(s, why);
			buf_puts(why, ", such as 65536, 64k, 10M or 1G");
			return -1;
		}
		*(size_t *)p = (size_t)x;
		return 0;
	}
	case SET_LEVEL:
		if (strcasecmp(v, "always") == 0) {
			*(double *)p = -INFINITY;
			return 0;
		}
		/* fall through */
	case SET_DOUBLE: {
		char *end;

		errno = 0;
		x = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !isfinite(x) ||
		    (bounded(s) && (x < s->min || x > s->max))) {
			buf_puts(why,
			         s->type == SET_LEVEL ? "expected a score" : "expected a number");
			expect_range(s, why);
			if (s->type == SET_LEVEL)
				buf_puts(why, " such as 5.0, or always");
			return -1;
		}
		*(double *)p = x;
		return 0;
	}
	case SET_STRING:
		*(const char **)p = pool_strdup(c->pool, v);
		return 0;
	case SET_ENUM:
		if (!word_in(v, s->words, &idx)) {
			int i;

			buf_puts(why, "expected one of ");
			for (i = 0; s->words[i] != NULL; i++)
				buf_printf(why, "%s%s", i ? ", " : "", s->words[i]);
			return -1;
		}
		*(int *)p = idx;
		return 0;
	case SET_SOCKET: {
		struct sock_spec spec;
		const char *err;

		if (sock_parse(v, &spec, &err) < 0)
			return buf_puts(why, err), -1;
		*(const char **)p = pool_strdup(c->pool, v);
		return 0;
	}
	case SET_NETS: {
		struct ip_netlist *l = (struct ip_netlist *)p, nl;
		char *err = NULL;

		if (ip_netlist_parse(v, &nl, &err) < 0) {
			buf_puts(why, err != NULL ? err : "out of memory");
			free(err);
			return -1;
		}
		ip_netlist_free(l);
		*l = nl;
		return 0;
	}
	case SET_LIST:
		break; /* handled by the caller: it needs the origin */
	}
	return -1;
}

static void free_netlist(void *arg)
{
	ip_netlist_free(arg);
}

static void free_list(void *arg)
{
	struct set_list *l = arg;

	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int list_append(struct set_list *l, const char *value, const char *file, int line,
                       struct pool *pool)
{
	struct set_item *v = realloc(l->items, (l->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	l->items = v;
	v[l->n].value = pool_strdup(pool, value);
	v[l->n].file = file;
	v[l->n].line = line;
	l->n++;
	return 0;
}

static int apply_defaults(struct conf *c, struct modstate *ms)
{
	size_t i;

	for (i = 0; i < ms->n_settings; i++) {
		const struct setting *s = &ms->mod->table[i];
		char *p = (char *)ms->data + s->offset;
		struct buf why;

		if (s->type == SET_NETS &&
		    pool_cleanup(c->pool, free_netlist, (struct ip_netlist *)p) < 0)
			return -1;
		if (s->type == SET_LIST) {
			if (pool_cleanup(c->pool, free_list, (struct set_list *)p) < 0)
				return -1;
			continue;
		}
		if (s->type == SET_STRING || s->type == SET_SOCKET)
			*(const char **)p = "";
		if (s->def == NULL)
			continue;
		buf_init(&why);
		if (parse_value(c, s, ms->data, s->def, &why) < 0)
			conf_error(c, "built-in default of %s (\"%s\") is invalid: %s", s->name,
			           s->def, buf_str(&why));
		buf_free(&why);
	}
	return 0;
}

/* Edit distance, for "did you mean" on unknown names. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64];

	if (lb >= 64 || la >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost =
			    tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static const char *suggest(const struct conf *c, const char *name)
{
	const char *best = NULL;
	size_t m, i, bestd = 4;

	for (m = 0; m < c->n_mods; m++) {
		const struct setting *t = c->mods[m].mod->table;

		for (i = 0; t[i].name != NULL; i++) {
			size_t d = distance(name, t[i].name);

			if (d < bestd) {
				bestd = d;
				best = t[i].name;
			}
		}
	}
	return best;
}

static void expected_for(const struct setting *s, struct buf *why)
{
	static const char *const by_type[] = {
	    [SET_BOOL] = "yes or no",
	    [SET_INT] = "a whole number",
	    [SET_TIME] = "a duration such as 300, 5m or 2d",
	    [SET_SIZE] = "a size such as 64k or 10M",
	    [SET_DOUBLE] = "a number",
	    [SET_LEVEL] = "a score such as 5.0, or always",
	    [SET_STRING] = "a value",
	    [SET_ENUM] = "one of its words",
	    [SET_SOCKET] = "a socket such as inet:54321@localhost",
	    [SET_NETS] = "IP addresses or networks",
	    [SET_LIST] = "a value",
	};
	buf_printf(why, "missing value, expected %s", by_type[s->type]);
}

static void set_one(struct conf *c, const char *name, const char *value, const char *file, int line)
{
	size_t m, idx;
	const struct setting *s = find(c, name, &m, &idx);
	struct modstate *ms;
	struct conf_origin *o, here = {file, line};
	char at[512];
	struct buf why;

	origin_text(c, &here, at, sizeof(at));
	if (s == NULL) {
		const char *sug = suggest(c, name);

		if (sug != NULL)
			conf_error(c, "%s: %s: unknown setting, did you mean %s?", at, name, sug);
		else
			conf_error(c, "%s: %s: unknown setting (see chainmilter -d for all)", at,
			           name);
		return;
	}
	ms = &c->mods[m];
	o = &ms->origins[idx];
	buf_init(&why);
	if (*value == '\0') {
		expected_for(s, &why);
		conf_error(c, "%s: %s: %s", at, s->name, buf_str(&why));
	} else if (s->type == SET_LIST) {
		if (list_append((struct set_list *)((char *)ms->data + s->offset), value, file,
		                line, c->pool) < 0)
			conf_error(c, "%s: %s: out of memory", at, s->name);
		if (o->file == NULL)
			*o = here;
	} else if (o->file != NULL && o->line > 0 && strcmp(o->file, file) == 0) {
		conf_error(c, "%s: %s: set again (first at line %d), expected it once", at, s->name,
		           o->line);
	} else if (parse_value(c, s, ms->data, value, &why) < 0) {
		conf_error(c, "%s: %s: \"%s\": %s", at, s->name, value, buf_str(&why));
	} else {
		*o = here;
	}
	buf_free(&why);
}

static void trim(char **start, char **end)
{
	while (*start < *end && isspace((unsigned char)**start))
		(*start)++;
	while (*end > *start && isspace((unsigned char)(*end)[-1]))
		(*end)--;
}

static void read_file(struct conf *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line;
	int lineno = 0;

	if (fp == NULL) {
		conf_error(c, "%s: cannot open config file: %s", path, strerror(errno));
		return;
	}
	line = malloc(LINE_MAX_LEN);
	if (line == NULL) {
		fclose(fp);
		conf_error(c, "%s: out of memory", path);
		return;
	}
	while (fgets(line, LINE_MAX_LEN, fp) != NULL) {
		size_t len = strlen(line);
		char *start = line, *end = line + len, *name_end;

		lineno++;
		if (len == LINE_MAX_LEN - 1 && line[len - 1] != '\n') {
			int ch;

			conf_error(c, "%s:%d: line longer than %d bytes, expected a shorter line",
			           path, lineno, LINE_MAX_LEN - 2);
			while ((ch = fgetc(fp)) != EOF && ch != '\n')
				;
			continue;
		}
		trim(&start, &end);
		if (start == end || *start == '#')
			continue;
		*end = '\0';
		name_end = start;
		while (*name_end != '\0' && !isspace((unsigned char)*name_end))
			name_end++;
		if (*name_end != '\0') {
			*name_end++ = '\0';
			while (isspace((unsigned char)*name_end))
				name_end++;
		}
		set_one(c, start, name_end, path, lineno);
	}
	if (ferror(fp))
		conf_error(c, "%s: read error: %s", path, strerror(errno));
	free(line);
	fclose(fp);
}

int conf_override_parse(char *arg, const char *origin, struct conf_override *ov)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return -1;
	*eq = '\0';
	*ov = (struct conf_override){arg, eq + 1, origin};
	return 0;
}

struct conf *conf_load(const struct conf_module *const *mods, size_t n, const char *path,
                       const struct conf_override *ov, size_t n_ov)
{
	struct conf *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL || (c->pool = pool_create()) == NULL) {
		free(c);
		return NULL;
	}
	c->mods = pool_alloc(c->pool, n * sizeof(*c->mods));
	c->n_mods = n;
	c->path = path != NULL ? pool_strdup(c->pool, path) : NULL;
	if (c->mods == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		struct modstate *ms = &c->mods[i];

		ms->mod = mods[i];
		while (mods[i]->table[ms->n_settings].name != NULL)
			ms->n_settings++;
		ms->data = pool_alloc(c->pool, mods[i]->size ? mods[i]->size : 1);
		ms->origins = pool_alloc(c->pool, (ms->n_settings + 1) * sizeof(*ms->origins));
		if (ms->data == NULL || ms->origins == NULL || apply_defaults(c, ms) < 0)
			goto oom;
	}
	if (path != NULL)
		read_file(c, c->path);
	for (i = 0; i < n_ov; i++)
		set_one(c, ov[i].name, ov[i].value, ov[i].origin, 0);
	if (pool_failed(c->pool))
		conf_error(c, "%s: out of memory", conf_path(c));
	return c;
oom:
	conf_free(&c);
	return NULL;
}

void conf_free(struct conf **cp)
{
	struct conf *c = *cp;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_errors; i++)
		free(c->errors[i]);
	free(c->errors);
	pool_destroy(&c->pool);
	free(c);
	*cp = NULL;
}

/* ---- printing ---- */

static void format_double(double x, FILE *fp)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.6g", x);
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL)
		strcat(buf, ".0");
	fputs(buf, fp);
}

void conf_format_value(const struct setting *s, const void *data, FILE *fp)
{
	const char *p = (const char *)data + s->offset;
	size_t i;

	switch (s->type) {
	case SET_BOOL:
		fputs(*(const bool *)p ? "yes" : "no", fp);
		break;
	case SET_INT:
		fprintf(fp, "%ld", *(const long *)p);
		break;
	case SET_TIME: {
		long t = *(const long *)p;

		if (t != 0 && t % 86400 == 0)
			fprintf(fp, "%ldd", t / 86400);
		else if (t != 0 && t % 3600 == 0)
			fprintf(fp, "%ldh", t / 3600);
		else if (t != 0 && t % 60 == 0)
			fprintf(fp, "%ldm", t / 60);
		else
			fprintf(fp, "%ld", t);
		break;
	}
	case SET_SIZE: {
		size_t z = *(const size_t *)p;

		if (z != 0 && z % 1073741824 == 0)
			fprintf(fp, "%zuG", z / 1073741824);
		else if (z != 0 && z % 1048576 == 0)
			fprintf(fp, "%zuM", z / 1048576);
		else if (z != 0 && z % 1024 == 0)
			fprintf(fp, "%zuk", z / 1024);
		else
			fprintf(fp, "%zu", z);
		break;
	}
	case SET_LEVEL:
		if (isinf(*(const double *)p)) {
			fputs("always", fp);
			break;
		}
		/* fall through */
	case SET_DOUBLE:
		format_double(*(const double *)p, fp);
		break;
	case SET_STRING:
	case SET_SOCKET:
		fputs(*(const char *const *)p, fp);
		break;
	case SET_ENUM:
		fputs(s->words[*(const int *)p], fp);
		break;
	case SET_NETS: {
		const struct ip_netlist *l = (const struct ip_netlist *)p;
		char ip[IP_STRLEN];

		for (i = 0; i < l->n; i++) {
			int max = l->nets[i].addr.family == AF_INET ? 32 : 128;

			fprintf(fp, "%s%s", i ? ", " : "", ip_format(&l->nets[i].addr, ip));
			if (l->nets[i].bits != max)
				fprintf(fp, "/%d", l->nets[i].bits);
		}
		break;
	}
	case SET_LIST:
		break;
	}
}

void conf_dump(const struct conf *c, FILE *fp)
{
	size_t m, i, k;
	char where[512];

	for (m = 0; m < c->n_mods; m++) {
		const struct modstate *ms = &c->mods[m];

		fprintf(fp, "## %s\n", ms->mod->title);
		for (i = 0; i < ms->n_settings; i++) {
			const struct setting *s = &ms->mod->table[i];
			const struct conf_origin *o = &ms->origins[i];

			if (s->type == SET_LIST) {
				const struct set_list *l =
				    (const struct set_list *)((char *)ms->data + s->offset);

				if (l->n == 0)
					fprintf(fp, "#%-28s (none)\n", s->name);
				for (k = 0; k < l->n; k++)
					fprintf(fp, "%-29s %s    # %s:%d\n", s->name,
					        l->items[k].value, l->items[k].file,
					        l->items[k].line);
				continue;
			}
			fprintf(fp, "%-29s ", s->name);
			conf_format_value(s, ms->data, fp);
			if (o->file != NULL)
				fprintf(fp, "    # %s\n", origin_text(c, o, where, sizeof(where)));
			else
				fputs("    # default\n", fp);
		}
		fputc('\n', fp);
	}
}

static void sample_default(const struct setting *s, FILE *fp)
{
	if (s->def != NULL)
		fprintf(fp, "#%s %s\n", s->name, s->def);
	else
		fprintf(fp, "#%s\n", s->name);
}

/* Print text as "# " comment lines of at most 78 columns. */
static void comment_wrapped(const char *text, FILE *fp)
{
	const char *p = text;

	while (*p != '\0') {
		size_t len = strlen(p), cut = len;

		if (len > 76) {
			cut = 76;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = strcspn(p, " ");
		}
		fprintf(fp, "# %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void conf_sample(const struct conf_module *const *mods, size_t n, FILE *fp)
{
	size_t m, i;

	fputs("# chainmilter.conf - sample configuration.\n"
	      "#\n"
	      "# Generated from the settings table by `chainmilter sample-config`; every\n"
	      "# setting is listed with its default, commented out. Lines are `Name value`;\n"
	      "# names are case-insensitive; '#' starts a comment line. Durations take\n"
	      "# s/m/h/d/w units, sizes k/M/G. Check a config with `chainmilter -n -c FILE`\n"
	      "# and see the effective values with `chainmilter -d -c FILE`.\n",
	      fp);
	for (m = 0; m < n; m++) {
		fprintf(fp, "\n## %s\n", mods[m]->title);
		for (i = 0; mods[m]->table[i].name != NULL; i++) {
			const struct setting *s = &mods[m]->table[i];

			fputc('\n', fp);
			comment_wrapped(s->doc, fp);
			if (s->def_doc != NULL)
				fprintf(fp, "# Default: %s.\n", s->def_doc);
			sample_default(s, fp);
		}
	}
}

static void md_escape(const char *s, FILE *fp)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else
			fputc(*s, fp);
	}
}

void conf_markdown(const struct conf_module *const *mods, size_t n, FILE *fp)
{
	size_t m, i;

	for (m = 0; m < n; m++) {
		fprintf(fp, "\n#### %s\n\n| Setting | Default | Meaning |\n|---|---|---|\n",
		        mods[m]->title);
		for (i = 0; mods[m]->table[i].name != NULL; i++) {
			const struct setting *s = &mods[m]->table[i];

			fprintf(fp, "| `%s` | ", s->name);
			if (s->def_doc != NULL)
				md_escape(s->def_doc, fp);
			else if (s->def != NULL && s->def[0] != '\0') {
				fputc('`', fp);
				md_escape(s->def, fp);
				fputc('`', fp);
			} else
				fputs("(none)", fp);
			fputs(" | ", fp);
			md_escape(s->doc, fp);
			fputs(" |\n", fp);
		}
	}
}

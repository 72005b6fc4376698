/*
 * tables - parsers for the key list formats and the matching of a From
 * address against the rules they produce. Files are read whole at load
 * time; lines are "#" comments, blank, or one entry, and each bad line is
 * reported with its file and line number and the form that was expected.
 */
#include "tables.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/buf.h"
#include "parse.h"
#include "sign.h"

#define MAX_LINE 4096

void dkimc_report(struct dkimc_report *r, const char *setting, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->n++;
	if (r->fn != NULL)
		r->fn(r->arg, setting, msg);
}

char *dkimc_read_file(const char *path, size_t max, struct pool *p, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text;
	size_t len = 0;

	if (fd < 0) {
		*error_r = pool_printf(p, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*error_r = pool_printf(p, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size > max) {
		*error_r = pool_printf(p, "%s: %lld bytes, more than the %zu expected of it", path,
		                       (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
	text = pool_alloc(p, (size_t)st.st_size + 1);
	while (text != NULL && len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);

		if (n <= 0) {
			*error_r = pool_printf(p, "%s: %s", path,
			                       n < 0 ? strerror(errno) : "shrank while read");
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	if (text == NULL)
		*error_r = "out of memory";
	return text;
}

/* ---- lines ---- */

struct lines {
	const char *text, *path;
	int line;
	char buf[MAX_LINE + 1];
};

/* The next entry line, trimmed, or NULL at the end. Comments and blank
 * lines are skipped; a line too long is reported and skipped. */
static char *next_line(struct lines *l, const char *setting, struct dkimc_report *r)
{
	while (*l->text != '\0') {
		const char *nl = strchr(l->text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - l->text) : strlen(l->text);
		char *s, *e;

		l->line++;
		if (len > MAX_LINE) {
			dkimc_report(r, setting, "%s:%d: line longer than %d bytes", l->path,
			             l->line, MAX_LINE);
			l->text += len + (nl != NULL);
			continue;
		}
		memcpy(l->buf, l->text, len);
		l->buf[len] = '\0';
		l->text += len + (nl != NULL);
		for (s = l->buf; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*s != '\0' && *s != '#')
			return s;
	}
	return NULL;
}

/* ---- building ---- */

static bool grow(struct pool *p, void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	nv = pool_alloc(p, ncap * size);
	if (nv == NULL)
		return false;
	if (n > 0)
		memcpy(nv, *v, n * size);
	*v = nv;
	*cap = ncap;
	return true;
}

static struct dkimc_keyent *add_key(struct dkimc_tables *t, struct pool *p, const char *name,
                                    const char *domain, const char *selector, const char *path,
                                    const char *setting, const char *origin)
{
	struct dkimc_keyent *k = pool_alloc(p, sizeof(*k));

	if (k == NULL || !grow(p, (void **)&t->keys, &t->cap_keys, t->n_keys, sizeof(*t->keys)))
		return NULL;
	k->name = pool_strdup(p, name);
	k->domain = pool_strdup(p, domain);
	k->selector = pool_strdup(p, selector);
	k->path = pool_strdup(p, path);
	k->setting = setting;
	k->origin = pool_strdup(p, origin);
	t->keys[t->n_keys++] = k;
	return k;
}

static struct dkimc_rule *add_rule(struct dkimc_tables *t, struct pool *p, enum dkimc_how how,
                                   const char *pattern, struct dkimc_keyent *key)
{
	struct dkimc_rule *rule;
	char *lower;
	size_t i;

	if (!grow(p, (void **)&t->rules, &t->cap_rules, t->n_rules, sizeof(*t->rules)))
		return NULL;
	lower = pool_strdup(p, pattern);
	if (lower == NULL)
		return NULL;
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	rule = &t->rules[t->n_rules++];
	memset(rule, 0, sizeof(*rule));
	rule->how = how;
	rule->pattern = lower;
	rule->key = key;
	return rule;
}

static bool is_path(const char *s)
{
	return s[0] == '/' || strncmp(s, "./", 2) == 0 || strncmp(s, "../", 3) == 0;
}

static void trim(char **s)
{
	char *e;

	while (isspace((unsigned char)**s))
		(*s)++;
	for (e = *s + strlen(*s); e > *s && isspace((unsigned char)e[-1]); e--)
		;
	*e = '\0';
}

/* ---- KeyList: sender-pattern:signing-domain:keypath ---- */

void dkimc_keylist_parse(struct dkimc_tables *t, struct pool *p, const char *path, const char *text,
                         struct dkimc_report *r)
{
	struct lines l = {.text = text, .path = path};
	char *s;

	while ((s = next_line(&l, "KeyList", r)) != NULL) {
		char *domain = strchr(s, ':'), *keypath, *file, *origin;
		const char *base;
		struct dkimc_keyent *k;
		struct dkimc_rule *rule;

		keypath = domain != NULL ? strchr(domain + 1, ':') : NULL;
		if (keypath == NULL) {
			dkimc_report(
			    r, "KeyList",
			    "%s:%d: \"%s\": expected sender-pattern:signing-domain:keypath, "
			    "such as *@example.org:example.org:/etc/postfix/dkim/example.org",
			    path, l.line, s);
			continue;
		}
		*domain++ = '\0';
		*keypath++ = '\0';
		trim(&s);
		trim(&domain);
		trim(&keypath);
		for (char *c = domain; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		if (*s == '\0') {
			dkimc_report(
			    r, "KeyList",
			    "%s:%d: empty sender pattern; expected one such as *@example.org", path,
			    l.line);
			continue;
		}
		if (!dkimc_domain_valid(domain)) {
			dkimc_report(
			    r, "KeyList",
			    "%s:%d: signing domain \"%s\" is not a domain name; expected one "
			    "such as example.org",
			    path, l.line, domain);
			continue;
		}
		if (keypath[0] != '/') {
			dkimc_report(
			    r, "KeyList",
			    "%s:%d: keypath \"%s\" is not an absolute path; expected one such "
			    "as /etc/postfix/dkim/example.org (.private is appended)",
			    path, l.line, keypath);
			continue;
		}
		/* dkim-filter's rule: the selector is the file's base name and
		 * the key is in keypath.private (the tutorial's caveat). */
		base = strrchr(keypath, '/') + 1;
		if (!dkimc_domain_valid(base)) {
			dkimc_report(
			    r, "KeyList",
			    "%s:%d: the key file's base name \"%s\" is the selector and must be "
			    "made of letters, digits, '-', '_' and dots",
			    path, l.line, base);
			continue;
		}
		file = pool_printf(p, "%s.private", keypath);
		origin = pool_printf(p, "%s:%d", path, l.line);
		k = add_key(t, p, file, domain, base, file, "KeyList", origin);
		rule = k != NULL ? add_rule(t, p, DKIMC_GLOB, s, k) : NULL;
		if (rule == NULL) {
			dkimc_report(r, "KeyList", "out of memory");
			return;
		}
		rule->domain = k->domain;
	}
}

/* ---- KeyTable: keyname domain:selector:keypath ---- */

static struct dkimc_keyent *find_key(const struct dkimc_tables *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_keys; i++)
		if (strcmp(t->keys[i]->setting, "KeyTable") == 0 &&
		    strcasecmp(t->keys[i]->name, name) == 0)
			return t->keys[i];
	return NULL;
}

void dkimc_keytable_parse(struct dkimc_tables *t, struct pool *p, const char *path,
                          const char *text, struct dkimc_report *r)
{
	struct lines l = {.text = text, .path = path};
	char *s;

	while ((s = next_line(&l, "KeyTable", r)) != NULL) {
		char *value = s + strcspn(s, " \t"), *selector, *keypath;

		if (*value != '\0')
			*value++ = '\0';
		trim(&value);
		selector = strchr(value, ':');
		keypath = selector != NULL ? strchr(selector + 1, ':') : NULL;
		if (keypath == NULL) {
			dkimc_report(
			    r, "KeyTable",
			    "%s:%d: expected keyname domain:selector:keypath, such as "
			    "sel._domainkey.example.org example.org:sel:/etc/dkim/sel.private",
			    path, l.line);
			continue;
		}
		*selector++ = '\0';
		*keypath++ = '\0';
		trim(&value);
		trim(&selector);
		trim(&keypath);
		if (strcmp(value, "%") != 0 && !dkimc_domain_valid(value)) {
			dkimc_report(r, "KeyTable",
			             "%s:%d: \"%s\" is not a domain name; expected one such as "
			             "example.org, or %% for the sender's domain",
			             path, l.line, value);
			continue;
		}
		if (!dkimc_domain_valid(selector)) {
			dkimc_report(
			    r, "KeyTable",
			    "%s:%d: selector \"%s\" is not valid; expected letters, digits, "
			    "'-', '_' and dots, such as mail2024",
			    path, l.line, selector);
			continue;
		}
		if (!is_path(keypath)) {
			dkimc_report(
			    r, "KeyTable",
			    "%s:%d: \"%.40s\" is not a key file path; expected one starting "
			    "with / (keys inline in the KeyTable are not supported)",
			    path, l.line, keypath);
			continue;
		}
		if (find_key(t, s) != NULL) {
			dkimc_report(r, "KeyTable",
			             "%s:%d: key name \"%s\" is already defined above", path,
			             l.line, s);
			continue;
		}
		for (char *c = value; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		if (add_key(t, p, s, value, selector, keypath, "KeyTable",
		            pool_printf(p, "%s:%d", path, l.line)) == NULL) {
			dkimc_report(r, "KeyTable", "out of memory");
			return;
		}
	}
}

/* ---- SigningTable: pattern keyname [signer] ---- */

void dkimc_signingtable_parse(struct dkimc_tables *t, struct pool *p, const char *path,
                              const char *text, bool refile, struct dkimc_report *r)
{
	struct lines l = {.text = text, .path = path};
	char *s;

	while ((s = next_line(&l, "SigningTable", r)) != NULL) {
		char *fields[4] = {NULL}, *save = NULL, *f;
		struct dkimc_keyent *k = NULL;
		struct dkimc_rule *rule;
		int n = 0;

		for (f = strtok_r(s, " \t", &save); f != NULL && n < 4;
		     f = strtok_r(NULL, " \t", &save))
			fields[n++] = f;
		if (n < 2 || n > 3) {
			dkimc_report(r, "SigningTable",
			             "%s:%d: expected pattern keyname [signer], such as "
			             "*@example.org sel._domainkey.example.org",
			             path, l.line);
			continue;
		}
		if (strcmp(fields[1], "%") != 0 && (k = find_key(t, fields[1])) == NULL) {
			dkimc_report(
			    r, "SigningTable",
			    "%s:%d: key \"%s\" is not in the KeyTable; expected one of its "
			    "key names",
			    path, l.line, fields[1]);
			continue;
		}
		rule = add_rule(t, p, refile ? DKIMC_GLOB : DKIMC_EXACT, fields[0], k);
		if (rule == NULL ||
		    (n == 3 && (rule->signer = pool_strdup(p, fields[2])) == NULL)) {
			dkimc_report(r, "SigningTable", "out of memory");
			return;
		}
	}
}

/* ---- Domain + Selector + KeyFile ---- */

static void add_domain(struct dkimc_tables *t, struct pool *p, const char *domain,
                       struct dkimc_keyent *k, const char *where, struct dkimc_report *r)
{
	if (!dkimc_domain_valid(domain)) {
		dkimc_report(r, "Domain",
		             "%s\"%s\" is not a domain name; expected a list such as example.org, "
		             "example.net, or the path of a file of them",
		             where, domain);
		return;
	}
	if (add_rule(t, p, DKIMC_DOMAIN, domain, k) == NULL)
		dkimc_report(r, "Domain", "out of memory");
}

void dkimc_domains_add(struct dkimc_tables *t, struct pool *p, const char *domains,
                       const char *selector, const char *keyfile, const char *origin,
                       struct dkimc_report *r)
{
	struct dkimc_keyent *k;
	char *list, *d, *save = NULL;

	if (!dkimc_domain_valid(selector)) {
		dkimc_report(r, "Selector",
		             "\"%s\" is not a selector; expected letters, digits, '-', '_' and "
		             "dots, such as mail2024",
		             selector);
		return;
	}
	k = add_key(t, p, keyfile, "%", selector, keyfile, "KeyFile", origin);
	if (k == NULL) {
		dkimc_report(r, "KeyFile", "out of memory");
		return;
	}
	if (domains[0] == '/') {
		const char *error;
		char *text = dkimc_read_file(domains, 16 << 20, p, &error);
		struct lines l = {.path = domains};
		char *s;

		if (text == NULL) {
			dkimc_report(r, "Domain", "%s", error);
			return;
		}
		l.text = text;
		while ((s = next_line(&l, "Domain", r)) != NULL)
			add_domain(t, p, s, k, pool_printf(p, "%s:%d: ", domains, l.line), r);
		return;
	}
	list = pool_strdup(p, domains);
	for (d = strtok_r(list, ", \t", &save); d != NULL; d = strtok_r(NULL, ", \t", &save))
		add_domain(t, p, d, k, "", r);
}

/* ---- matching ---- */

/* s with every '%' replaced by the From domain. */
static const char *percent(struct pool *p, const char *s, const char *domain)
{
	struct buf b;
	const char *out;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '%')
			buf_puts(&b, domain);
		else
			buf_putc(&b, *s);
	}
	out = b.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	return out;
}

static bool fill(struct dkimc_sigreq *req, const struct dkimc_rule *rule,
                 const struct dkimc_tables *t, const char *domain, const char *matched,
                 struct pool *p)
{
	const struct dkimc_keyent *k = rule->key != NULL ? rule->key : find_key(t, domain);

	if (k == NULL || k->key == NULL)
		return false;
	req->key = k->key;
	req->selector = k->selector;
	if (rule->domain != NULL)
		req->domain = rule->domain;
	else if (matched != NULL)
		req->domain = matched;
	else
		req->domain = strcmp(k->domain, "%") == 0 ? domain : k->domain;
	req->identity = NULL;
	if (rule->signer != NULL) {
		/* i= only when it is within d= (else OpenDKIM leaves it out too). */
		const char *id = percent(p, rule->signer, domain);
		const char *at = id != NULL ? strrchr(id, '@') : NULL;
		size_t dl = strlen(req->domain), il = at != NULL ? strlen(at + 1) : 0;

		if (at != NULL && il >= dl && strcasecmp(at + 1 + il - dl, req->domain) == 0 &&
		    (il == dl || at[il - dl] == '.'))
			req->identity = id;
	}
	return true;
}

/* A Domain rule: the From domain itself, or (SubDomains) one of its parents. */
static const char *domain_match(const struct dkimc_tables *t, const struct dkimc_rule *rule,
                                const char *domain)
{
	size_t dl = strlen(domain), pl = strlen(rule->pattern);

	if (strcmp(domain, rule->pattern) == 0)
		return rule->pattern;
	if (t->subdomains && dl > pl && domain[dl - pl - 1] == '.' &&
	    strcmp(domain + dl - pl, rule->pattern) == 0)
		return rule->pattern;
	return NULL;
}

static bool taken(const struct dkimc_sigreq *out, size_t n, const struct dkimc_sigreq *req)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].key == req->key && strcmp(out[i].domain, req->domain) == 0 &&
		    strcmp(out[i].selector, req->selector) == 0)
			return true;
	return false;
}

/* OpenDKIM's order for plain tables: user@host, host, user@.parent...,
 * .parent..., user@*, *. Returns the number of keys written. */
static size_t exact_keys(const char *addr, const char *domain, struct pool *p, const char **keys,
                         size_t max)
{
	const char *at = strrchr(addr, '@'), *d, *key;
	int local = at != NULL ? (int)(at - addr) : 0;
	size_t n = 0;

	keys[n++] = addr;
	keys[n++] = domain;
	for (d = strchr(domain, '.'); d != NULL && n + 2 < max; d = strchr(d + 1, '.'))
		if ((key = pool_printf(p, "%.*s@%s", local, addr, d)) != NULL)
			keys[n++] = key;
	for (d = strchr(domain, '.'); d != NULL && n + 2 < max; d = strchr(d + 1, '.'))
		keys[n++] = d;
	if ((key = pool_printf(p, "%.*s@*", local, addr)) != NULL)
		keys[n++] = key;
	keys[n++] = "*";
	return n;
}

size_t dkimc_tables_match(const struct dkimc_tables *t, const char *addr, const char *domain,
                          struct pool *p, struct dkimc_sigreq *out, size_t max)
{
	const char *keys[300];
	size_t n_keys = 0, i, k, n = 0;
	char *lower = pool_strdup(p, addr);

	if (lower == NULL)
		return 0;
	for (i = 0; lower[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	for (i = 0; i < t->n_rules && n < max; i++) {
		const struct dkimc_rule *rule = &t->rules[i];
		const char *matched = NULL;
		bool hit = false;

		if (rule->how == DKIMC_GLOB)
			hit = dkimc_glob(rule->pattern, lower);
		else if (rule->how == DKIMC_DOMAIN)
			hit = (matched = domain_match(t, rule, domain)) != NULL;
		if (hit && fill(&out[n], rule, t, domain, matched, p) && !taken(out, n, &out[n]))
			n++;
		if (n > 0 && !t->multiple)
			return n;
	}
	/* Plain SigningTable entries, by key in OpenDKIM's order. */
	for (k = 0; k < t->n_rules && t->rules[k].how != DKIMC_EXACT; k++)
		;
	if (k < t->n_rules)
		n_keys = exact_keys(lower, domain, p, keys, sizeof(keys) / sizeof(keys[0]));
	for (k = 0; k < n_keys && n < max; k++)
		for (i = 0; i < t->n_rules && n < max; i++) {
			const struct dkimc_rule *rule = &t->rules[i];

			if (rule->how != DKIMC_EXACT || strcmp(rule->pattern, keys[k]) != 0)
				continue;
			if (fill(&out[n], rule, t, domain, NULL, p) && !taken(out, n, &out[n]))
				n++;
			if (n > 0 && !t->multiple)
				return n;
		}
	return n;
}

/*
 * psl - the Public Suffix List in an open-addressing hash set. Each rule is
 * stored with its kind as the first byte ('=' normal, '!' exception, '*'
 * wildcard parent), so finding the public suffix of a domain is one lookup
 * per suffix and kind. Punycode (RFC 3492) turns Unicode labels into the
 * A-labels mail carries.
 */
#include "psl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/file.h"

struct dmarcc_psl {
	char **slot;
	size_t cap, n;
};

/* ---- punycode and normal form ---- */

static char dmarcc_digit36(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + d - 26);
}

static uint32_t dmarcc_adapt(uint32_t delta, uint32_t points, bool first)
{
	uint32_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / points;
	while (delta > 455) { /* ((base - tmin) * tmax) / 2 */
		delta /= 35;
		k += 36;
	}
	return k + 36 * delta / (delta + 38);
}

/* RFC 3492 encoding of code points cp[0..n) after "xn--"; false if too long. */
static bool dmarcc_punycode(const uint32_t *cp, size_t n, char *out, size_t size)
{
	uint32_t nc = 128, delta = 0, bias = 72, h, b = 0, m, q, k, t;
	size_t o = 0, i;

	if (size < 5)
		return false;
	memcpy(out, "xn--", 4);
	o = 4;
	for (i = 0; i < n; i++) {
		if (cp[i] < 128) {
			if (o + 1 >= size)
				return false;
			out[o++] = (char)cp[i];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (o + 1 >= size)
			return false;
		out[o++] = '-';
	}
	while (h < n) {
		m = UINT32_MAX;
		for (i = 0; i < n; i++)
			if (cp[i] >= nc && cp[i] < m)
				m = cp[i];
		if ((m - nc) > (UINT32_MAX - delta) / (h + 1))
			return false;
		delta += (m - nc) * (h + 1);
		nc = m;
		for (i = 0; i < n; i++) {
			if (cp[i] < nc && ++delta == 0)
				return false;
			if (cp[i] != nc)
				continue;
			for (q = delta, k = 36;; k += 36) {
				t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
				if (q < t)
					break;
				if (o + 1 >= size)
					return false;
				out[o++] = dmarcc_digit36(t + (q - t) % (36 - t));
				q = (q - t) / (36 - t);
			}
			if (o + 1 >= size)
				return false;
			out[o++] = dmarcc_digit36(q);
			bias = dmarcc_adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		nc++;
	}
	out[o] = '\0';
	return true;
}

/* One label s[0..len) in normal form appended at out[*o]; false if invalid. */
static bool dmarcc_label(const unsigned char *s, size_t len, char *out, size_t *o)
{
	uint32_t cp[64];
	size_t n = 0, i = 0;
	bool ascii = true;
	char puny[64];

	if (len == 0 || len > 255)
		return false;
	while (i < len) {
		unsigned char c = s[i];
		uint32_t v;
		int more;

		if (c < 0x80) {
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return false;
			v = c >= 'A' && c <= 'Z' ? c + 32u : c;
			more = 0;
		} else if ((c & 0xe0) == 0xc0) {
			v = c & 0x1f;
			more = 1;
		} else if ((c & 0xf0) == 0xe0) {
			v = c & 0x0f;
			more = 2;
		} else if ((c & 0xf8) == 0xf0) {
			v = c & 0x07;
			more = 3;
		} else {
			return false;
		}
		if (n == 64)
			return false;
		if (more > 0) {
			static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
			int k = more;

			for (i++; k > 0; k--, i++) {
				if (i >= len || (s[i] & 0xc0) != 0x80)
					return false;
				v = v << 6 | (s[i] & 0x3f);
			}
			/* Overlong forms, surrogates and beyond Unicode are not UTF-8. */
			if (v < least[more] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
				return false;
		} else {
			i++;
		}
		if (v >= 0x80)
			ascii = false;
		cp[n++] = v;
	}
	if (ascii) {
		if (n > 63 || *o + n > DMARCC_DOMAIN_MAX)
			return false;
		for (i = 0; i < n; i++)
			out[(*o)++] = (char)cp[i];
		return true;
	}
	if (!dmarcc_punycode(cp, n, puny, sizeof(puny)) || strlen(puny) > 63 ||
	    *o + strlen(puny) > DMARCC_DOMAIN_MAX)
		return false;
	memcpy(out + *o, puny, strlen(puny));
	*o += strlen(puny);
	return true;
}

bool dmarcc_domain_normal(const char *in, char out[DMARCC_DOMAIN_MAX + 1])
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), o = 0, start = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (start > 0) {
			if (o + 1 > DMARCC_DOMAIN_MAX)
				return false;
			out[o++] = '.';
		}
		if (!dmarcc_label(s + start, i - start, out, &o))
			return false;
		start = i + 1;
	}
	out[o] = '\0';
	return true;
}

/* ---- the rule set ---- */

static uint64_t dmarcc_hash(char kind, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static bool dmarcc_has(const struct dmarcc_psl *psl, char kind, const char *s, size_t len)
{
	size_t i = (size_t)dmarcc_hash(kind, s, len) & (psl->cap - 1);

	for (; psl->slot[i] != NULL; i = (i + 1) & (psl->cap - 1)) {
		const char *r = psl->slot[i];

		if (r[0] == kind && strlen(r + 1) == len && memcmp(r + 1, s, len) == 0)
			return true;
	}
	return false;
}

static int dmarcc_grow(struct dmarcc_psl *psl)
{
	size_t cap = psl->cap ? psl->cap * 2 : 64, i, j;
	char **slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (i = 0; i < psl->cap; i++) {
		const char *r = psl->slot[i];

		if (r == NULL)
			continue;
		for (j = (size_t)dmarcc_hash(r[0], r + 1, strlen(r + 1)) & (cap - 1); slot[j];
		     j = (j + 1) & (cap - 1))
			;
		slot[j] = psl->slot[i];
	}
	free(psl->slot);
	psl->slot = slot;
	psl->cap = cap;
	return 0;
}

static int dmarcc_add(struct dmarcc_psl *psl, char kind, const char *name)
{
	size_t len = strlen(name), i;
	char *r;

	if (dmarcc_has(psl, kind, name, len))
		return 0;
	if ((psl->n + 1) * 2 > psl->cap && dmarcc_grow(psl) < 0)
		return -1;
	if ((r = malloc(len + 2)) == NULL)
		return -1;
	r[0] = kind;
	memcpy(r + 1, name, len + 1);
	for (i = (size_t)dmarcc_hash(kind, name, len) & (psl->cap - 1); psl->slot[i];
	     i = (i + 1) & (psl->cap - 1))
		;
	psl->slot[i] = r;
	psl->n++;
	return 0;
}

/* One line of the list: its first word is the rule. */
static int dmarcc_rule(struct dmarcc_psl *psl, const char *line, size_t len)
{
	char word[DMARCC_DOMAIN_MAX + 3], norm[DMARCC_DOMAIN_MAX + 1];
	size_t n = 0;
	char kind = '=';
	const char *w;

	while (n < len && line[n] != ' ' && line[n] != '\t' && line[n] != '\r')
		n++;
	if (n == 0 || n >= sizeof(word) || (n >= 2 && line[0] == '/' && line[1] == '/'))
		return 0;
	memcpy(word, line, n);
	word[n] = '\0';
	w = word;
	if (w[0] == '!') {
		kind = '!';
		w++;
	} else if (w[0] == '*' && w[1] == '.') {
		kind = '*';
		w += 2;
	}
	if (!dmarcc_domain_normal(w, norm))
		return 0; /* not a rule we can use (a lone "*", odd bytes) */
	return dmarcc_add(psl, kind, norm);
}

struct dmarcc_psl *dmarcc_psl_parse(const char *text, size_t len, const char **error_r)
{
	struct dmarcc_psl *psl = calloc(1, sizeof(*psl));
	size_t i = 0;

	if (psl == NULL || dmarcc_grow(psl) < 0) {
		free(psl);
		*error_r = "out of memory";
		return NULL;
	}
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		while (i < end && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (dmarcc_rule(psl, text + i, end - i) < 0) {
			dmarcc_psl_free(&psl);
			*error_r = "out of memory";
			return NULL;
		}
		i = end + 1;
	}
	if (psl->n == 0) {
		dmarcc_psl_free(&psl);
		*error_r = "no rules in it";
	}
	return psl;
}

struct dmarcc_psl *dmarcc_psl_load(const char *path, struct pool *p, const char **error_r)
{
	struct dmarcc_psl *psl;
	const char *why = NULL;
	size_t len;
	char *text = file_read(path, &len, &why);

	if (text == NULL) {
		*error_r = pool_printf(p, "%s: %s", path, why);
		return NULL;
	}
	psl = dmarcc_psl_parse(text, len, &why);
	free(text);
	if (psl == NULL)
		*error_r = pool_printf(p,
		                       "%s: %s, expected the Public Suffix List (package "
		                       "publicsuffix)",
		                       path, why);
	return psl;
}

void dmarcc_psl_free(struct dmarcc_psl **pp)
{
	struct dmarcc_psl *psl = *pp;
	size_t i;

	if (psl == NULL)
		return;
	for (i = 0; i < psl->cap; i++)
		free(psl->slot[i]);
	free(psl->slot);
	free(psl);
	*pp = NULL;
}

size_t dmarcc_psl_rules(const struct dmarcc_psl *psl)
{
	return psl->n;
}

/*
 * The public suffix: an exception rule's name minus its first label if one
 * matches, else the longest normal or wildcard match, else the last label
 * (the implicit "*" rule). Returns where in domain the suffix starts.
 */
static const char *dmarcc_suffix(const struct dmarcc_psl *psl, const char *domain)
{
	size_t len = strlen(domain);
	const char *s, *dot;

	for (s = domain; s != NULL; s = (dot = strchr(s, '.')) != NULL ? dot + 1 : NULL)
		if (dmarcc_has(psl, '!', s, len - (size_t)(s - domain)))
			return (dot = strchr(s, '.')) != NULL ? dot + 1 : s;
	for (s = domain; s != NULL; s = (dot = strchr(s, '.')) != NULL ? dot + 1 : NULL) {
		const char *parent = strchr(s, '.');

		if (dmarcc_has(psl, '=', s, len - (size_t)(s - domain)) ||
		    (parent != NULL &&
		     dmarcc_has(psl, '*', parent + 1, len - (size_t)(parent + 1 - domain))))
			return s;
	}
	dot = strrchr(domain, '.');
	return dot != NULL ? dot + 1 : domain;
}

bool dmarcc_psl_org_domain(const struct dmarcc_psl *psl, const char *domain,
                           char out[DMARCC_DOMAIN_MAX + 1])
{
	const char *suffix = dmarcc_suffix(psl, domain), *org = domain, *s;

	/* The label before the suffix, with the suffix. */
	for (s = domain; s < suffix; s++)
		if (*s == '.' && s + 1 < suffix)
			org = s + 1;
	snprintf(out, DMARCC_DOMAIN_MAX + 1, "%s", org);
	return suffix != domain;
}

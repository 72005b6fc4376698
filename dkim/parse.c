/*
 * parse - tag=value lists (RFC 6376 §3.2), colon lists, the From address
 * and wildcard patterns. Everything here reads untrusted text from mail or
 * DNS, so each loop advances over its input once and counts are capped.
 */
#include "parse.h"

#include <ctype.h>
#include <string.h>

static bool is_wsp(char c)
{
	/* FWS: folds arrive as CRLF followed by WSP; a bare LF is tolerated. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x3a) || (c >= 0x3c && c <= 0x7e);
}

static int tag_spec(const char *s, size_t end, size_t *pos, struct dkimc_tags *out,
                    const char **error_r)
{
	size_t i = *pos, name, name_len, value, value_end;
	struct dkimc_tag *t;
	size_t k;

	while (i < end && is_wsp(s[i]))
		i++;
	if (i == end || s[i] == ';') {
		*error_r = "empty tag (two ';' in a row)";
		return -1;
	}
	name = i;
	if (!is_alpha(s[i])) {
		*error_r = "a tag name must start with a letter";
		return -1;
	}
	while (i < end && (is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	name_len = i - name;
	while (i < end && is_wsp(s[i]))
		i++;
	if (i == end || s[i] != '=') {
		*error_r = "a tag has no '='";
		return -1;
	}
	i++;
	while (i < end && is_wsp(s[i]))
		i++;
	value = value_end = i;
	for (; i < end && s[i] != ';'; i++) {
		if (is_wsp(s[i]))
			continue;
		if (!is_valchar((unsigned char)s[i])) {
			*error_r =
			    "a tag value holds a byte that is not allowed (control or 8-bit)";
			return -1;
		}
		value_end = i + 1;
	}
	for (k = 0; k < out->n; k++)
		if (out->v[k].name_len == name_len &&
		    memcmp(out->v[k].name, s + name, name_len) == 0) {
			*error_r = "a tag appears twice";
			return -1;
		}
	if (out->n == DKIMC_MAX_TAGS) {
		*error_r = "more than 64 tags";
		return -1;
	}
	t = &out->v[out->n++];
	t->name = s + name;
	t->name_len = name_len;
	t->value = s + value;
	t->value_len = value_end - value;
	*pos = i;
	return 0;
}

int dkimc_tags_parse(const char *s, size_t len, struct dkimc_tags *out, const char **error_r)
{
	size_t i = 0, j;

	out->n = 0;
	for (;;) {
		if (tag_spec(s, len, &i, out, error_r) < 0)
			return -1;
		if (i == len)
			return 0;
		i++; /* the ';' */
		for (j = i; j < len && is_wsp(s[j]); j++)
			;
		if (j == len)
			return 0; /* a trailing ';' is allowed */
	}
}

const struct dkimc_tag *dkimc_tags_get(const struct dkimc_tags *t, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < t->n; i++)
		if (t->v[i].name_len == len && memcmp(t->v[i].name, name, len) == 0)
			return &t->v[i];
	return NULL;
}

bool dkimc_list_next(const char *s, size_t len, char sep, size_t *pos, const char **item_r,
                     size_t *item_len_r)
{
	size_t i = *pos, start, end;

	if (i > len)
		return false;
	while (i < len && is_wsp(s[i]))
		i++;
	if (i == len && *pos == 0)
		return false; /* an empty or blank list has no items */
	start = end = i;
	for (; i < len && s[i] != sep; i++)
		if (!is_wsp(s[i]))
			end = i + 1;
	*item_r = s + start;
	*item_len_r = end - start;
	*pos = i + 1; /* past the separator; > len once the last item is out */
	return true;
}

/* ---- the From address ---- */

/* Skip a comment starting at s[i] == '(' (nested, with quoted pairs). */
static size_t skip_comment(const char *s, size_t i)
{
	int depth = 0;

	for (; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return i;
}

static size_t skip_quoted(const char *s, size_t i)
{
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return i;
}

/* Copy an addr-spec from s[i..end) into addr, dropping comments and
 * white space (quoted local parts are kept as written). */
static bool copy_addr(const char *s, size_t i, size_t end, char *addr, size_t size)
{
	size_t n = 0;

	while (i < end) {
		size_t next;

		if (s[i] == '(') {
			i = skip_comment(s, i);
			continue;
		}
		if (is_wsp(s[i])) {
			i++;
			continue;
		}
		next = s[i] == '"' ? skip_quoted(s, i) : i + 1;
		if (next > end)
			next = end;
		if (n + (next - i) >= size)
			return false;
		memcpy(addr + n, s + i, next - i);
		n += next - i;
		i = next;
	}
	addr[n] = '\0';
	return n > 0;
}

bool dkimc_from_address(const char *value, char *addr, size_t size, const char **domain_r)
{
	size_t i = 0, start = 0, end;
	char *at, *p;

	if (size == 0)
		return false;
	/* Find the first mailbox: "<...>" if one comes before a ',', else the text. */
	for (;;) {
		char c = value[i];

		if (c == '\0' || c == ',' || c == ';')
			break;
		if (c == '(')
			i = skip_comment(value, i);
		else if (c == '"')
			i = skip_quoted(value, i);
		else if (c == ':') { /* a group's display name ends here */
			start = ++i;
		} else if (c == '<') {
			start = ++i;
			while (value[i] != '\0' && value[i] != '>') {
				if (value[i] == '"')
					i = skip_quoted(value, i);
				else if (value[i] == '(')
					i = skip_comment(value, i);
				else
					i++;
			}
			break;
		} else
			i++;
	}
	end = i;
	if (!copy_addr(value, start, end, addr, size))
		return false;
	at = strrchr(addr, '@');
	if (at == NULL || at[1] == '\0' || at == addr)
		return false;
	for (p = at + 1; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (p[-1] == '.')
		p[-1] = '\0'; /* a trailing root dot */
	*domain_r = at + 1;
	return dkimc_domain_valid(at + 1);
}

bool dkimc_glob(const char *pattern, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pattern == '*') {
			star = pattern++;
			resume = s;
		} else if (*pattern != '\0' &&
		           tolower((unsigned char)*pattern) == tolower((unsigned char)*s)) {
			pattern++;
			s++;
		} else if (star != NULL) {
			pattern = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

bool dkimc_domain_valid(const char *s)
{
	size_t label = 0, total = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++, total++) {
		unsigned char c = (unsigned char)*s;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && total <= 253;
}

/*
 * record - the DMARC record parser: tags split at ';', white space around
 * names, '=' and values allowed (RFC 7489 §6.4's ABNF), names compared
 * without case, values of p/sp/adkim/aspf too.
 */
#include "record.h"

#include <string.h>
#include <strings.h>

const char *dmarcc_policy_name(enum dmarcc_policy p)
{
	switch (p) {
	case DMARCC_P_NONE:
		return "none";
	case DMARCC_P_QUARANTINE:
		return "quarantine";
	case DMARCC_P_REJECT:
		return "reject";
	default:
		return "unset";
	}
}

static bool dmarcc_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct dmarcc_span {
	const char *s;
	size_t len;
};

static struct dmarcc_span dmarcc_trim(const char *s, size_t len)
{
	while (len > 0 && dmarcc_wsp(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && dmarcc_wsp(s[len - 1]))
		len--;
	return (struct dmarcc_span){s, len};
}

static bool dmarcc_is(struct dmarcc_span v, const char *word)
{
	return v.len == strlen(word) && strncasecmp(v.s, word, v.len) == 0;
}

/* The first tag: name and value of text up to the first ';'. */
static bool dmarcc_tag(const char *s, size_t len, struct dmarcc_span *name, struct dmarcc_span *val)
{
	const char *eq = memchr(s, '=', len);

	if (eq == NULL)
		return false;
	*name = dmarcc_trim(s, (size_t)(eq - s));
	*val = dmarcc_trim(eq + 1, len - (size_t)(eq + 1 - s));
	return name->len > 0;
}

bool dmarcc_record_is_dmarc(const char *text, size_t len)
{
	const char *semi = memchr(text, ';', len);
	struct dmarcc_span name, val;

	if (!dmarcc_tag(text, semi != NULL ? (size_t)(semi - text) : len, &name, &val))
		return false;
	/* §6.3: "v" must come first and its value match exactly. */
	return dmarcc_is(name, "v") && val.len == 6 && memcmp(val.s, "DMARC1", 6) == 0;
}

static enum dmarcc_policy dmarcc_policy_of(struct dmarcc_span v)
{
	if (dmarcc_is(v, "none"))
		return DMARCC_P_NONE;
	if (dmarcc_is(v, "quarantine"))
		return DMARCC_P_QUARANTINE;
	if (dmarcc_is(v, "reject"))
		return DMARCC_P_REJECT;
	return DMARCC_P_UNSET;
}

/* pct: 1*3DIGIT from 0 to 100; anything else keeps the default. */
static int dmarcc_pct(struct dmarcc_span v)
{
	int n = 0;
	size_t i;

	if (v.len == 0 || v.len > 3)
		return 100;
	for (i = 0; i < v.len; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return 100;
		n = n * 10 + (v.s[i] - '0');
	}
	return n <= 100 ? n : 100;
}

int dmarcc_record_parse(const char *text, size_t len, struct dmarcc_record *rec,
                        const char **error_r)
{
	size_t i = 0;
	bool bad_p = false;

	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
	while (i < len) {
		const char *semi = memchr(text + i, ';', len - i);
		size_t end = semi != NULL ? (size_t)(semi - text) : len;
		struct dmarcc_span name, val;

		if (dmarcc_tag(text + i, end - i, &name, &val)) {
			if (dmarcc_is(name, "p")) {
				rec->p = dmarcc_policy_of(val);
				bad_p = rec->p == DMARCC_P_UNSET;
			} else if (dmarcc_is(name, "sp")) {
				rec->sp = dmarcc_policy_of(val);
			} else if (dmarcc_is(name, "adkim")) {
				rec->adkim_strict = dmarcc_is(val, "s");
			} else if (dmarcc_is(name, "aspf")) {
				rec->aspf_strict = dmarcc_is(val, "s");
			} else if (dmarcc_is(name, "pct")) {
				rec->pct = dmarcc_pct(val);
			} else if (dmarcc_is(name, "rua")) {
				rec->rua = val.len >= 7 && strncasecmp(val.s, "mailto:", 7) == 0;
			}
		}
		i = end + 1;
	}
	if (rec->p != DMARCC_P_UNSET)
		return 0;
	/* §6.6.3: without a valid p, a record with a rua URI counts as p=none. */
	if (rec->rua) {
		rec->p = DMARCC_P_NONE;
		return 0;
	}
	*error_r = bad_p ? "the record's p= is not none, quarantine or reject"
	                 : "the record has no p= policy";
	return -1;
}

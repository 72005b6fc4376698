/*
 * record - the SPF record parser: RFC 7208 §12's ABNF, term by term. Every
 * term is checked before evaluation starts, macro-strings included, so a
 * record with an error anywhere is a permerror whatever the client.
 */
#include "record.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "macro.h"

static const char *const result_names[] = {
    [SPFC_NONE] = "none",           [SPFC_NEUTRAL] = "neutral",   [SPFC_PASS] = "pass",
    [SPFC_FAIL] = "fail",           [SPFC_SOFTFAIL] = "softfail", [SPFC_TEMPERROR] = "temperror",
    [SPFC_PERMERROR] = "permerror",
};

const char *spfc_result_name(enum spfc_result r)
{
	return (unsigned)r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "?";
}

bool spfc_record_is_spf(const char *text, size_t len)
{
	return len >= 6 && strncasecmp(text, "v=spf1", 6) == 0 && (len == 6 || text[6] == ' ');
}

static bool spfc_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool spfc_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool spfc_alnum(char c)
{
	return spfc_alpha(c) || spfc_digit(c);
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool spfc_toplabel(const char *s, size_t len)
{
	bool alpha = false, hyphen = false;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (spfc_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			hyphen = true;
		else if (!spfc_digit(s[i]))
			return false;
	}
	if (hyphen)
		return s[0] != '-' && s[len - 1] != '-';
	return alpha;
}

/*
 * domain-spec = macro-string domain-end, domain-end = ( "." toplabel [ "." ] )
 * / macro-expand. The macro-string itself was checked by the caller.
 */
static bool spfc_domain_end(const char *s, size_t len)
{
	size_t i, last_macro_end = 0, dot;

	for (i = 0; i < len;) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '{') {
			const char *close = memchr(s + i, '}', len - i);

			i = close != NULL ? (size_t)(close - s) + 1 : len;
		} else {
			i += 2;
		}
		last_macro_end = i;
	}
	if (last_macro_end == len && len > 0)
		return true;
	if (len > 0 && s[len - 1] == '.')
		len--;
	for (dot = len; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	return dot > 0 && spfc_toplabel(s + dot, len - dot);
}

static int spfc_domain_spec(const char *s, size_t len, const char **why)
{
	if (len == 0) {
		*why = "an empty domain";
		return -1;
	}
	if (spfc_macro_check(s, len, SPFC_MACRO_DOMAIN, why) < 0)
		return -1;
	if (!spfc_domain_end(s, len)) {
		*why = "not a domain name (it must end in a dot and a top-level label, or a macro)";
		return -1;
	}
	return 0;
}

/* "/N" with N = "0" or [1-9][0-9]* ending s[0..*len): strip it into *bits. */
static bool spfc_strip_cidr(const char *s, size_t *len, int *bits, bool *bad)
{
	size_t end = *len, i = end;
	long v = 0;

	while (i > 0 && spfc_digit(s[i - 1]))
		i--;
	if (i == end || i == 0 || s[i - 1] != '/' || (s[i] == '0' && end - i > 1))
		return false;
	if (end - i > 3) {
		*bad = true;
		return false;
	}
	for (size_t k = i; k < end; k++)
		v = v * 10 + (s[k] - '0');
	*bits = (int)v;
	*len = i - 1;
	return true;
}

/* qnum "." qnum "." qnum "." qnum, no leading zeros, no more. */
static bool spfc_ip4(const char *s, size_t len, struct ip_addr *ip)
{
	size_t i = 0;
	int part;

	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		while (i < len && spfc_digit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		ip->a[part] = (unsigned char)v;
		if (part < 3 && (i >= len || s[i++] != '.'))
			return false;
	}
	return i == len;
}

static bool spfc_ip6(const char *s, size_t len, struct ip_addr *ip)
{
	char tmp[64];

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET6;
	return inet_pton(AF_INET6, tmp, ip->a) == 1;
}

struct spfc_mech_name {
	const char *name;
	enum spfc_mech mech;
};

static const struct spfc_mech_name mech_names[] = {
    {"all", SPFC_ALL}, {"include", SPFC_INCLUDE}, {"a", SPFC_A},     {"mx", SPFC_MX},
    {"ptr", SPFC_PTR}, {"ip4", SPFC_IP4},         {"ip6", SPFC_IP6}, {"exists", SPFC_EXISTS},
};

/* The arguments of an ip4 or ip6 mechanism: ":" network [ "/" bits ]. */
static int spfc_ip_args(struct spfc_term *t, const char *rest, size_t rlen, const char **why)
{
	const char *slash;
	size_t nlen;
	int bits, max = t->mech == SPFC_IP4 ? 32 : 128;
	bool bad = false;

	if (rlen < 2 || rest[0] != ':') {
		*why = "expected ':' and a network";
		return -1;
	}
	rest++;
	rlen--;
	slash = memchr(rest, '/', rlen);
	nlen = slash != NULL ? (size_t)(slash - rest) : rlen;
	if (slash != NULL) {
		size_t l = rlen;

		if (!spfc_strip_cidr(rest, &l, &bits, &bad) || l != nlen || bits > max) {
			*why = t->mech == SPFC_IP4 ? "expected a prefix length from 0 to 32"
			                           : "expected a prefix length from 0 to 128";
			return -1;
		}
		if (t->mech == SPFC_IP4)
			t->cidr4 = bits;
		else
			t->cidr6 = bits;
	}
	if (t->mech == SPFC_IP4 ? !spfc_ip4(rest, nlen, &t->net) : !spfc_ip6(rest, nlen, &t->net)) {
		*why = t->mech == SPFC_IP4 ? "not an IPv4 address" : "not an IPv6 address";
		return -1;
	}
	return 0;
}

/* [ ":" domain-spec ] [ dual-cidr-length ] for a, mx, ptr, include, exists. */
static int spfc_domain_args(struct spfc_term *t, const char *rest, size_t rlen, const char **why)
{
	bool cidr = t->mech == SPFC_A || t->mech == SPFC_MX, bad = false;
	bool need = t->mech == SPFC_INCLUDE || t->mech == SPFC_EXISTS;
	int bits;

	if (cidr) {
		size_t l = rlen;

		/* "//N" at the end is the IPv6 length, then "/N" the IPv4 one. */
		if (spfc_strip_cidr(rest, &l, &bits, &bad) && l > 0 && rest[l - 1] == '/') {
			if (bits > 128) {
				*why = "expected an IPv6 prefix length from 0 to 128";
				return -1;
			}
			t->cidr6 = bits;
			rlen = l - 1;
		}
		l = rlen;
		if (spfc_strip_cidr(rest, &l, &bits, &bad)) {
			if (bits > 32) {
				*why = "expected an IPv4 prefix length from 0 to 32";
				return -1;
			}
			t->cidr4 = bits;
			rlen = l;
		}
	}
	if (rlen == 0) {
		if (need) {
			*why = "expected ':' and a domain";
			return -1;
		}
		return 0;
	}
	if (rest[0] != ':') {
		*why = cidr ? "expected ':' and a domain, or a prefix length"
		            : "expected ':' and a domain";
		return -1;
	}
	t->domain.s = rest + 1;
	t->domain.len = rlen - 1;
	return spfc_domain_spec(t->domain.s, t->domain.len, why);
}

static int spfc_directive(struct spfc_term *t, const char *s, size_t len, const char **why)
{
	size_t i = 0, n;

	t->qualifier = SPFC_PASS;
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (len > 0 && strchr("+-?~", s[0]) != NULL) {
		t->qualifier = s[0] == '+'   ? SPFC_PASS
		               : s[0] == '-' ? SPFC_FAIL
		               : s[0] == '~' ? SPFC_SOFTFAIL
		                             : SPFC_NEUTRAL;
		i = 1;
	}
	for (n = i; n < len && spfc_alnum(s[n]); n++)
		;
	for (size_t k = 0; k < sizeof(mech_names) / sizeof(mech_names[0]); k++) {
		if (strlen(mech_names[k].name) != n - i ||
		    strncasecmp(s + i, mech_names[k].name, n - i) != 0)
			continue;
		t->mech = mech_names[k].mech;
		switch (t->mech) {
		case SPFC_ALL:
			if (n != len) {
				*why = "nothing may follow \"all\"";
				return -1;
			}
			return 0;
		case SPFC_IP4:
		case SPFC_IP6:
			return spfc_ip_args(t, s + n, len - n, why);
		default:
			return spfc_domain_args(t, s + n, len - n, why);
		}
	}
	*why = "unknown mechanism";
	return -1;
}

/* name "=" value, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ); 0 if not one. */
static size_t spfc_modifier_name(const char *s, size_t len)
{
	size_t i = 1;

	if (len == 0 || !spfc_alpha(s[0]))
		return 0;
	while (i < len && (spfc_alnum(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
		i++;
	return i < len && s[i] == '=' ? i : 0;
}

static int spfc_modifier(struct spfc_record *rec, const char *s, size_t len, size_t nlen,
                         const char **why)
{
	const char *v = s + nlen + 1;
	size_t vlen = len - nlen - 1;
	struct spfc_span *slot = NULL;

	if (nlen == 8 && strncasecmp(s, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (nlen == 3 && strncasecmp(s, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL) /* unknown modifiers are ignored, but must be well-formed */
		return spfc_macro_check(v, vlen, SPFC_MACRO_DOMAIN, why);
	if (slot->s != NULL) {
		*why = "this modifier may appear only once";
		return -1;
	}
	slot->s = v;
	slot->len = vlen;
	return spfc_domain_spec(v, vlen, why);
}

int spfc_record_parse(const char *text, size_t len, struct pool *p, struct spfc_record *rec,
                      const char **error_r)
{
	size_t i, max = 1, start;
	const char *why = NULL;

	memset(rec, 0, sizeof(*rec));
	if (!spfc_record_is_spf(text, len)) {
		*error_r = "not an SPF record (it must start with v=spf1)";
		return -1;
	}
	for (i = 6; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c > 0x7e) {
			*error_r =
			    pool_printf(p,
			                "byte 0x%02x at offset %zu: SPF records are printable "
			                "ASCII, terms separated by spaces",
			                c, i);
			return -1;
		}
		if (c == ' ')
			max++;
	}
	rec->terms = pool_alloc(p, max * sizeof(*rec->terms));
	if (rec->terms == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (i = 6; i < len;) {
		size_t tlen, nlen;
		const char *t;
		int rc;

		while (i < len && text[i] == ' ')
			i++;
		for (start = i; i < len && text[i] != ' '; i++)
			;
		if ((tlen = i - start) == 0)
			break;
		t = text + start;
		if ((nlen = spfc_modifier_name(t, tlen)) > 0) {
			rc = spfc_modifier(rec, t, tlen, nlen, &why);
		} else {
			struct spfc_term *term = &rec->terms[rec->n_terms];

			memset(term, 0, sizeof(*term));
			term->text.s = t;
			term->text.len = tlen;
			rc = spfc_directive(term, t, tlen, &why);
			if (rc == 0)
				rec->n_terms++;
		}
		if (rc < 0) {
			*error_r =
			    pool_printf(p, "\"%.*s\": %s", (int)(tlen > 200 ? 200 : tlen), t, why);
			return -1;
		}
	}
	return 0;
}

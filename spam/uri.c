/*
 * uri - finding and normalising web addresses. The host is what matters to
 * rules and tokens, so it is read with care: userinfo before '@' is
 * dropped (and flagged), %-escapes decoded, and an IPv4 address written as
 * one number, in hex or in octal (http://3232235777/, http://0x7f.1/) is
 * written as the dotted quad a browser would connect to.
 */
#include "uri.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"

#define MAX_HOST 255

static bool host_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

/* One IPv4 component in C notation (0x.., 0.., decimal); -1 if not one. */
static int64_t ip_part(const char *s, size_t len, bool *odd)
{
	int64_t v = 0;
	size_t i = 0;
	int base = 10;

	if (len == 0)
		return -1;
	if (len > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2, *odd = true;
	else if (len > 1 && s[0] == '0')
		base = 8, i = 1, *odd = true;
	if (i == len && base == 16)
		return -1;
	for (; i < len; i++) {
		int c = tolower((unsigned char)s[i]), d;

		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > 0xFFFFFFFFLL)
			return -1;
	}
	return v;
}

/*
 * An IPv4 address as inet_aton() reads it: 1 to 4 parts, the last filling
 * the remaining bytes. Returns true and the dotted quad in out.
 */
static bool ipv4_host(const char *h, char *out, size_t size, bool *odd_r)
{
	int64_t parts[4];
	size_t n = 0, start = 0, i, len = strlen(h);
	uint32_t a;
	bool odd = false;

	for (i = 0; i <= len; i++) {
		if (i < len && h[i] != '.')
			continue;
		if (n == 4)
			return false;
		parts[n] = ip_part(h + start, i - start, &odd);
		if (parts[n] < 0)
			return false;
		n++;
		start = i + 1;
	}
	for (i = 0; i + 1 < n; i++)
		if (parts[i] > 255)
			return false;
	if (parts[n - 1] > (0xFFFFFFFFLL >> (8 * (n - 1))))
		return false;
	a = (uint32_t)parts[n - 1];
	for (i = 0; i + 1 < n; i++)
		a |= (uint32_t)parts[i] << (8 * (3 - i));
	snprintf(out, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	*odd_r = odd || n != 4;
	return true;
}

static const char *const sld[] = {"ac",  "co", "com", "edu", "go", "gob", "gov", "gv",  "ltd", "me",
                                  "mil", "ne", "net", "nic", "or", "org", "plc", "sch", NULL};

const char *spam_uri_domain(const char *host)
{
	const char *dots[3] = {NULL, NULL, NULL}; /* last, second last, third last '.' */
	const char *p;
	size_t i, l2;

	for (p = host; *p != '\0'; p++)
		if (*p == '.') {
			dots[2] = dots[1];
			dots[1] = dots[0];
			dots[0] = p;
		}
	if (dots[1] == NULL)
		return host;
	/* example.co.uk: a two-letter TLD under a generic second level. */
	l2 = (size_t)(dots[0] - dots[1] - 1);
	if (strlen(dots[0] + 1) == 2)
		for (i = 0; sld[i] != NULL; i++)
			if (strlen(sld[i]) == l2 && strncmp(dots[1] + 1, sld[i], l2) == 0)
				return dots[2] != NULL ? dots[2] + 1 : host;
	return dots[1] + 1;
}

static int hexval(int c)
{
	c = tolower(c);
	return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Host bytes (s, n): %-escapes decoded, lower case, into h. */
static bool read_host(const char *s, size_t n, char *h, bool *escaped)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
			*escaped = true;
		}
		if (k + 1 >= MAX_HOST)
			return false;
		h[k++] = (char)tolower(c);
	}
	while (k > 0 && h[k - 1] == '.')
		k--;
	h[k] = '\0';
	return k > 0;
}

int spam_uri_parse(const char *s, size_t len, struct pool *p, struct spam_uri *u)
{
	char host[MAX_HOST], ip[20];
	const char *scheme, *auth, *end, *at, *colon;
	size_t slen, alen, i;
	unsigned flags = 0;
	bool escaped = false, odd = false;
	long port = -1;

	memset(u, 0, sizeof(*u));
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	if (len > 7 && strncasecmp(s, "http://", 7) == 0)
		scheme = "http", slen = 7;
	else if (len > 8 && strncasecmp(s, "https://", 8) == 0)
		scheme = "https", slen = 8;
	else if (len > 6 && strncasecmp(s, "ftp://", 6) == 0)
		scheme = "ftp", slen = 6;
	else if (len > 4 && strncasecmp(s, "www.", 4) == 0)
		scheme = "http", slen = 0;
	else
		return -1;
	auth = s + slen;
	/* Browsers take back slashes for slashes. */
	for (end = auth; end < s + len && *end != '/' && *end != '\\' && *end != '?' && *end != '#';
	     end++)
		;
	alen = (size_t)(end - auth);
	at = NULL;
	for (i = alen; i-- > 0;)
		if (auth[i] == '@') {
			at = auth + i;
			break;
		}
	if (at != NULL) {
		flags |= SPAM_URI_USERINFO;
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	colon = memchr(auth, ':', alen);
	if (colon != NULL && auth[0] != '[') {
		port = strtol(colon + 1, NULL, 10);
		alen = (size_t)(colon - auth);
	}
	if (alen == 0 || !read_host(auth, alen, host, &escaped))
		return -1;
	for (i = 0; host[i] != '\0'; i++)
		if (!host_char((unsigned char)host[i]) && host[0] != '[')
			return -1;
	if (escaped)
		flags |= SPAM_URI_OBFUSCATED;
	if (host[0] == '[')
		flags |= SPAM_URI_IP;
	else if (isdigit((unsigned char)host[0]) && ipv4_host(host, ip, sizeof(ip), &odd)) {
		flags |= SPAM_URI_IP | (odd ? SPAM_URI_OBFUSCATED : 0);
		snprintf(host, sizeof(host), "%s", ip);
	}
	if (port >= 0 && !((port == 80 && scheme[0] == 'h' && scheme[4] == '\0') ||
	                   (port == 443 && scheme[4] == 's') || (port == 21 && scheme[0] == 'f')))
		flags |= SPAM_URI_PORT;
	u->host = pool_strdup(p, host);
	u->domain = (flags & SPAM_URI_IP) ? u->host : spam_uri_domain(u->host);
	u->uri =
	    port >= 0 && (flags & SPAM_URI_PORT)
	        ? pool_printf(p, "%s://%s:%ld%.*s", scheme, host, port, (int)(s + len - end), end)
	        : pool_printf(p, "%s://%s%.*s", scheme, host, (int)(s + len - end), end);
	u->flags = flags;
	return u->host != NULL && u->uri != NULL ? 0 : -1;
}

static bool uri_end_char(unsigned char c)
{
	return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '`' || c == '{' ||
	       c == '}' || c == '|' || c == '^' || c == 0x7F;
}

bool spam_uri_next(const char *text, size_t len, size_t *pos, size_t *start_r, size_t *len_r)
{
	size_t i = *pos, s, e;

	for (; i < len; i++) {
		if (text[i] == ':' && i + 2 < len && text[i + 1] == '/' && text[i + 2] == '/') {
			for (s = i; s > 0 && isalpha((unsigned char)text[s - 1]) && i - s < 6; s--)
				;
			if (!((i - s == 4 && strncasecmp(text + s, "http", 4) == 0) ||
			      (i - s == 5 && strncasecmp(text + s, "https", 5) == 0) ||
			      (i - s == 3 && strncasecmp(text + s, "ftp", 3) == 0)))
				continue;
		} else if ((text[i] == 'w' || text[i] == 'W') && i + 4 < len &&
		           strncasecmp(text + i, "www.", 4) == 0 &&
		           (i == 0 || (!isalnum((unsigned char)text[i - 1]) && text[i - 1] != '/' &&
		                       text[i - 1] != '.' && text[i - 1] != '@'))) {
			s = i;
		} else
			continue;
		for (e = s; e < len && !uri_end_char((unsigned char)text[e]); e++)
			;
		while (e > s && strchr(".,;:!?)]*", text[e - 1]) != NULL)
			e--;
		if (e - s < 8) {
			i = e > i ? e : i;
			continue;
		}
		*start_r = s;
		*len_r = e - s;
		*pos = e;
		return true;
	}
	*pos = len;
	return false;
}

const char *spam_uri_text_host(const char *text, struct pool *p)
{
	struct spam_uri u;
	size_t pos = 0, s, n, tl = strlen(text);

	/* Only text that is an address, not text that mentions one. */
	while (tl > 0 && isspace((unsigned char)text[tl - 1]))
		tl--;
	while (tl > 0 && isspace((unsigned char)*text))
		text++, tl--;
	if (!spam_uri_next(text, tl, &pos, &s, &n) || s != 0 || n + 1 < tl)
		return NULL;
	if (spam_uri_parse(text, n, p, &u) < 0)
		return NULL;
	return u.host;
}

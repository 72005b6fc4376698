/*
 * whitelist - postgrey's whitelist files, read as postgrey reads them, so
 * admins keep theirs. Clients: IPv4/IPv6 addresses and networks ("192.168"
 * = /16), host names (and their subdomains), /regex/ on host names. Senders
 * and recipients: user@domain, user@, domain, @domain and /regex/.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/regex.h"
#include "grey.h"

enum wl_type { WL_REGEX, WL_NET, WL_HOST, WL_ADDR, WL_USER, WL_DOMAIN, WL_EXACT_DOMAIN };

struct wl_entry {
	enum wl_type type;
	struct ip_net net;
	struct rx *re; /* case-insensitive, unanchored, as postgrey's qr{...}i */
	char *text;    /* lower case: host, address, user or domain */
	size_t len;
};

struct grey_wl {
	enum grey_wl_kind kind;
	struct wl_entry *v;
	size_t n, cap;
};

struct grey_wl *grey_wl_new(enum grey_wl_kind kind)
{
	struct grey_wl *wl = calloc(1, sizeof(*wl));

	if (wl != NULL)
		wl->kind = kind;
	return wl;
}

void grey_wl_free(struct grey_wl **wlp)
{
	struct grey_wl *wl = *wlp;
	size_t i;

	if (wl == NULL)
		return;
	for (i = 0; i < wl->n; i++) {
		rx_free(&wl->v[i].re);
		free(wl->v[i].text);
	}
	free(wl->v);
	free(wl);
	*wlp = NULL;
}

size_t grey_wl_count(const struct grey_wl *wl)
{
	return wl != NULL ? wl->n : 0;
}

static struct wl_entry *push(struct grey_wl *wl)
{
	if (wl->n == wl->cap) {
		size_t cap = wl->cap ? wl->cap * 2 : 16;
		struct wl_entry *v = realloc(wl->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		wl->v = v;
		wl->cap = cap;
	}
	memset(&wl->v[wl->n], 0, sizeof(wl->v[0]));
	return &wl->v[wl->n++];
}

static char *lower_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	size_t i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[len] = '\0';
	return d;
}

static bool all_digits_dots(const char *s, int *dots_r)
{
	int dots = 0, digits = 0;

	for (; *s != '\0' && *s != '/'; s++) {
		if (*s == '.') {
			if (digits == 0 || digits > 3)
				return false;
			dots++;
			digits = 0;
		} else if (*s >= '0' && *s <= '9') {
			digits++;
		} else {
			return false;
		}
	}
	*dots_r = dots;
	return digits >= 1 && digits <= 3;
}

/* IPv4 (whole, partial, with /bits) and IPv6 entries: 1 parsed, 0 not an
 * address at all, -1 looks like one but is wrong. */
static int parse_ip(const char *s, struct ip_net *net)
{
	char buf[IP_STRLEN + 8];
	int dots;

	if (strlen(s) > IP_STRLEN)
		return strchr(s, ':') != NULL || all_digits_dots(s, &dots) ? -1 : 0;
	if (all_digits_dots(s, &dots) && dots > 0) {
		if (dots == 3 || (dots < 3 && dots >= 1 && strchr(s, '/') == NULL)) {
			if (dots == 1)
				snprintf(buf, sizeof(buf), "%.*s.0.0/16", IP_STRLEN, s);
			else if (dots == 2)
				snprintf(buf, sizeof(buf), "%.*s.0/24", IP_STRLEN, s);
			else
				snprintf(buf, sizeof(buf), "%.*s", IP_STRLEN, s);
			return ip_net_parse(buf, net) == 0 && net->addr.family == AF_INET ? 1 : -1;
		}
		return -1;
	}
	if (strchr(s, ':') != NULL && strchr(strchr(s, ':') + 1, ':') != NULL)
		return ip_net_parse(s, net) == 0 ? 1 : -1;
	return 0;
}

static int add_regex(struct grey_wl *wl, const char *pat, size_t len, char *why, size_t wsize)
{
	struct wl_entry *e = push(wl);

	if (e == NULL) {
		snprintf(why, wsize, "out of memory");
		return -1;
	}
	e->type = WL_REGEX;
	if (rx_compile(pat, len, "i", &e->re, why, wsize) < 0) {
		wl->n--;
		return -1;
	}
	return 0;
}

static int add_text(struct grey_wl *wl, enum wl_type type, const char *s, size_t len)
{
	struct wl_entry *e = push(wl);

	if (e == NULL)
		return -1;
	e->type = type;
	e->text = lower_dup(s, len);
	e->len = len;
	if (e->text == NULL) {
		wl->n--;
		return -1;
	}
	return 0;
}

static int add_client(struct grey_wl *wl, const char *s, char *why, size_t wsize)
{
	struct ip_net net;
	struct wl_entry *e;
	int r = parse_ip(s, &net);

	if (r < 0) {
		snprintf(why, wsize,
		         "\"%.100s\" is not a valid IP address or network (expected 192.0.2.1, "
		         "192.0.2.0/24, 192.0.2, 2001:db8::/32, a host name or /regex/)",
		         s);
		return -1;
	}
	if (r == 0)
		return add_text(wl, WL_HOST, s, strlen(s));
	e = push(wl);
	if (e == NULL)
		return -1;
	e->type = WL_NET;
	e->net = net;
	return 0;
}

static int add_address(struct grey_wl *wl, const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL)
		return add_text(wl, WL_DOMAIN, s, strlen(s));
	if (at == s)
		return add_text(wl, WL_EXACT_DOMAIN, s + 1, strlen(s + 1));
	if (at[1] == '\0')
		return add_text(wl, WL_USER, s, (size_t)(at - s));
	return add_text(wl, WL_ADDR, s, strlen(s));
}

int grey_wl_add_line(struct grey_wl *wl, const char *line, const char *file, int lineno,
                     grey_wl_report_fn *report, void *ctx)
{
	char buf[1024], why[300];
	size_t len;
	char *s;
	int r;

	len = strcspn(line, "#\r\n"); /* postgrey: '#' to the end of the line is a comment */
	if (len >= sizeof(buf)) {
		report(ctx, file, lineno, "line longer than 1023 characters");
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	s = buf;
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (len == 0)
		return 0;
	why[0] = '\0';
	if (len >= 3 && s[0] == '/' && s[len - 1] == '/' && strcspn(s, " \t") == len) {
		r = add_regex(wl, s + 1, len - 2, why, sizeof(why));
		if (r < 0 && why[0] != '\0') {
			char msg[700];

			snprintf(msg, sizeof(msg), "%.300s: bad regular expression: %s", s, why);
			report(ctx, file, lineno, msg);
			return -1;
		}
	} else if (strcspn(s, " \t") != len) {
		snprintf(why, sizeof(why), "\"%.100s\" does not look like %s (one entry per line)",
		         s, wl->kind == GREY_WL_CLIENTS ? "a host name or address" : "an address");
		r = -1;
	} else if (wl->kind == GREY_WL_CLIENTS) {
		r = add_client(wl, s, why, sizeof(why));
	} else {
		r = add_address(wl, s);
	}
	if (r < 0)
		report(ctx, file, lineno, why[0] != '\0' ? why : "out of memory");
	return r;
}

int grey_wl_load(struct grey_wl *wl, const char *path, grey_wl_report_fn *report, void *ctx)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, r = 0;

	if (fp == NULL) {
		char msg[300];

		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
		report(ctx, path, 0, msg);
		return -1;
	}
	while (getline(&line, &cap, fp) >= 0)
		if (grey_wl_add_line(wl, line, path, ++lineno, report, ctx) < 0)
			r = -1;
	if (ferror(fp)) {
		report(ctx, path, lineno, "read error");
		r = -1;
	}
	free(line);
	fclose(fp);
	return r;
}

/* s ends with suffix, at its start or after a '.' (or '@' for addresses). */
static bool ends_with_label(const char *s, size_t len, const char *suffix, size_t slen,
                            const char *seps)
{
	if (slen > len || strcasecmp(s + len - slen, suffix) != 0)
		return false;
	return slen == len || strchr(seps, s[len - slen - 1]) != NULL;
}

static bool regex_hit(const struct wl_entry *e, const char *s, size_t len)
{
	return rx_match(e->re, s, len) == 1;
}

bool grey_wl_client(const struct grey_wl *wl, const struct ip_addr *ip, const char *hostname)
{
	size_t i, hlen = hostname != NULL ? strlen(hostname) : 0;

	for (i = 0; wl != NULL && i < wl->n; i++) {
		const struct wl_entry *e = &wl->v[i];

		if (e->type == WL_NET && ip->family != 0 && ip_net_match(&e->net, ip))
			return true;
		if (hostname == NULL)
			continue;
		if (e->type == WL_HOST && ends_with_label(hostname, hlen, e->text, e->len, "."))
			return true;
		if (e->type == WL_REGEX && regex_hit(e, hostname, hlen))
			return true;
	}
	return false;
}

/* user or user+extension, at the start of addr, followed by '@'. */
static bool user_matches(const char *addr, const char *user, size_t ulen)
{
	if (strncasecmp(addr, user, ulen) != 0)
		return false;
	addr += ulen;
	if (*addr == '+')
		addr += strcspn(addr, "@");
	return *addr == '@';
}

static bool address_entry(const struct wl_entry *e, const char *addr, size_t len)
{
	const char *at = strrchr(addr, '@');
	const char *domain = at != NULL ? at + 1 : NULL;
	const char *eat;

	switch (e->type) {
	case WL_REGEX:
		return regex_hit(e, addr, len);
	case WL_DOMAIN:
		return ends_with_label(addr, len, e->text, e->len, ".@");
	case WL_EXACT_DOMAIN:
		return domain != NULL && strcasecmp(domain, e->text) == 0;
	case WL_USER:
		return user_matches(addr, e->text, e->len);
	case WL_ADDR:
		eat = strrchr(e->text, '@');
		return domain != NULL && strcasecmp(domain, eat + 1) == 0 &&
		       user_matches(addr, e->text, (size_t)(eat - e->text));
	default:
		return false;
	}
}

bool grey_wl_address(const struct grey_wl *wl, const char *addr)
{
	size_t i, len = strlen(addr);

	for (i = 0; wl != NULL && i < wl->n; i++)
		if (address_entry(&wl->v[i], addr, len))
			return true;
	return false;
}

/*
 * store_uri - parses store URIs (lmdb:/path?map_size=..., redis://user:pw@
 * host:port/db?timeout=..., redis+unix:/path?db=...) into a struct
 * store_uri, with the password hidden in the name used for messages.
 */
#include "store_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The URI with every password (redis://user:PASSWORD@, password=) as ***. */
static void uri_display(const char *uri, char *out, size_t cap)
{
	const char *from = NULL, *to = NULL, *p, *q = strchr(uri, '?');
	size_t o = 0;

	if (strncasecmp(uri, "redis://", 8) == 0) {
		const char *auth = uri + 8, *end = auth + strcspn(auth, "/?"), *at = NULL, *colon;

		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon != NULL) {
			from = colon + 1;
			to = at;
		}
	}
	for (p = uri; *p != '\0' && o + 4 < cap; p++) {
		/* p - q >= 10: "?password=" lies within the URI before p. */
		if (p == from ||
		    (q != NULL && p - q >= 10 && *p != '&' && strncmp(p - 9, "password=", 9) == 0 &&
		     (p[-10] == '?' || p[-10] == '&'))) {
			memcpy(out + o, "***", 3);
			o += 3;
			p = (p == from ? to : p + strcspn(p, "&")) - 1;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copy src[0..n) to out, decoding %XX; -1 if malformed or too long. */
static int pct_decode(const char *src, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if (c == 0 || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int parse_long(const char *s, size_t n, long min, long max, long *v_r)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 12)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*v_r = v;
	return 0;
}

/* "65536", "64k", "256M", "8G" (powers of 1024). */
static int parse_size(const char *s, size_t n, size_t *v_r)
{
	unsigned long long v = 0, mul = 1;
	size_t i;

	if (n > 0) {
		switch (s[n - 1]) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			break;
		case 't':
		case 'T':
			mul = 1ULL << 40;
			break;
		}
		if (mul > 1)
			n--;
	}
	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > (unsigned long long)SIZE_MAX / mul)
		return -1;
	*v_r = (size_t)(v * mul);
	return 0;
}

static int param_lmdb(struct store_uri *u, const char *name, size_t nlen, const char *val,
                      size_t vlen, const char **error_r)
{
	if (nlen == 8 && strncmp(name, "map_size", 8) == 0) {
		if (parse_size(val, vlen, &u->map_size) < 0 || u->map_size < STORE_MAP_SIZE_MIN)
			return store_error(
			    error_r,
			    "%s: map_size=%.*s: expected a size of at least 64k, such as 256M",
			    u->name, (int)vlen, val);
		return 0;
	}
	if (nlen == 7 && strncmp(name, "map_max", 7) == 0) {
		if (parse_size(val, vlen, &u->map_max) < 0 || u->map_max < STORE_MAP_SIZE_MIN)
			return store_error(
			    error_r,
			    "%s: map_max=%.*s: expected a size of at least 64k, such as 8G",
			    u->name, (int)vlen, val);
		return 0;
	}
	if (nlen == 4 && strncmp(name, "sync", 4) == 0) {
		if (vlen == 4 && strncmp(val, "full", 4) == 0)
			u->sync = STORE_SYNC_FULL;
		else if (vlen == 4 && strncmp(val, "meta", 4) == 0)
			u->sync = STORE_SYNC_META;
		else if (vlen == 4 && strncmp(val, "none", 4) == 0)
			u->sync = STORE_SYNC_NONE;
		else
			return store_error(error_r, "%s: sync=%.*s: expected full, meta or none",
			                   u->name, (int)vlen, val);
		return 0;
	}
	return store_error(error_r,
	                   "%s: unknown parameter \"%.*s\" (lmdb: takes map_size, map_max, sync)",
	                   u->name, (int)nlen, name);
}

static int param_redis(struct store_uri *u, const char *name, size_t nlen, const char *val,
                       size_t vlen, const char **error_r)
{
	long v;

	if (nlen == 7 && strncmp(name, "timeout", 7) == 0) {
		if (parse_long(val, vlen, 1, 10000, &v) < 0)
			return store_error(
			    error_r, "%s: timeout=%.*s: expected milliseconds from 1 to 10000",
			    u->name, (int)vlen, val);
		u->timeout_ms = (int)v;
		return 0;
	}
	if (nlen == 4 && strncmp(name, "pool", 4) == 0) {
		if (parse_long(val, vlen, 1, 1024, &v) < 0)
			return store_error(
			    error_r,
			    "%s: pool=%.*s: expected a number of connections from 1 to 1024",
			    u->name, (int)vlen, val);
		u->pool = (int)v;
		return 0;
	}
	if (u->path[0] != '\0' && nlen == 2 && strncmp(name, "db", 2) == 0) {
		if (parse_long(val, vlen, 0, 65535, &v) < 0)
			return store_error(
			    error_r, "%s: db=%.*s: expected a database number from 0 to 65535",
			    u->name, (int)vlen, val);
		u->db = (int)v;
		return 0;
	}
	if (u->path[0] != '\0' && nlen == 8 && strncmp(name, "password", 8) == 0) {
		if (pct_decode(val, vlen, u->password, sizeof(u->password)) < 0)
			return store_error(
			    error_r, "%s: password: malformed %%XX escape or too long", u->name);
		return 0;
	}
	if (u->path[0] != '\0' && nlen == 4 && strncmp(name, "user", 4) == 0) {
		if (pct_decode(val, vlen, u->user, sizeof(u->user)) < 0)
			return store_error(error_r, "%s: user: malformed %%XX escape or too long",
			                   u->name);
		return 0;
	}
	return store_error(error_r, "%s: unknown parameter \"%.*s\" (%s takes %s)", u->name,
	                   (int)nlen, name, u->path[0] != '\0' ? "redis+unix:" : "redis://",
	                   u->path[0] != '\0' ? "db, password, user, timeout, pool"
	                                      : "timeout, pool");
}

static int parse_params(struct store_uri *u, const char *q, const char **error_r)
{
	while (*q != '\0') {
		size_t len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		if (len == 0) {
			q++;
			continue;
		}
		if (eq == NULL)
			return store_error(error_r, "%s: parameter \"%.*s\": expected name=value",
			                   u->name, (int)len, q);
		if ((u->kind == STORE_LMDB ? param_lmdb : param_redis)(
		        u, q, (size_t)(eq - q), eq + 1, len - (size_t)(eq - q) - 1, error_r) < 0)
			return -1;
		q += len;
	}
	return 0;
}

static int parse_path(struct store_uri *u, const char *p, size_t n, size_t cap, const char *what,
                      const char **error_r)
{
	if (n == 0 || p[0] != '/')
		return store_error(error_r, "%s: expected an absolute path for the %s", u->name,
		                   what);
	if (n >= cap)
		return store_error(error_r, "%s: the %s path is longer than %zu bytes", u->name,
		                   what, cap - 1);
	if (p[n - 1] == '/')
		return store_error(error_r,
		                   "%s: the %s path names a directory; expected a file name",
		                   u->name, what);
	memcpy(u->path, p, n);
	u->path[n] = '\0';
	return 0;
}

/* host[:port] or [v6]:port, from the authority after any userinfo. */
static int parse_hostport(struct store_uri *u, const char *h, size_t n, const char **error_r)
{
	const char *host = h, *port = NULL, *end = h + n;
	size_t hlen;
	long v;

	if (n > 0 && h[0] == '[') {
		const char *rb = memchr(h, ']', n);

		if (rb == NULL)
			return store_error(error_r, "%s: expected ']' after the IPv6 address",
			                   u->name);
		host = h + 1;
		hlen = (size_t)(rb - host);
		if (rb + 1 < end && rb[1] != ':')
			return store_error(error_r, "%s: expected :PORT after [IPv6 address]",
			                   u->name);
		if (rb + 1 < end)
			port = rb + 2;
	} else {
		const char *colon = memchr(h, ':', n);

		hlen = colon != NULL ? (size_t)(colon - h) : n;
		if (colon != NULL)
			port = colon + 1;
	}
	if (hlen == 0)
		return store_error(error_r, "%s: expected a host name after redis://", u->name);
	if (hlen >= sizeof(u->host))
		return store_error(error_r, "%s: host name too long", u->name);
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	if (port != NULL) {
		if (parse_long(port, (size_t)(end - port), 1, 65535, &v) < 0)
			return store_error(error_r,
			                   "%s: port \"%.*s\": expected a number from 1 to 65535",
			                   u->name, (int)(end - port), port);
		u->port = (int)v;
	}
	return 0;
}

static int parse_redis_tcp(struct store_uri *u, const char *rest, const char **error_r)
{
	size_t alen = strcspn(rest, "/?");
	const char *at = NULL, *p, *tail = rest + alen;
	long db;

	for (p = rest; p < rest + alen; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));

		if (colon == NULL)
			return store_error(
			    error_r, "%s: expected :password@ or user:password@ before the host",
			    u->name);
		if (pct_decode(rest, (size_t)(colon - rest), u->user, sizeof(u->user)) < 0 ||
		    pct_decode(colon + 1, (size_t)(at - colon - 1), u->password,
		               sizeof(u->password)) < 0)
			return store_error(
			    error_r, "%s: user or password: malformed %%XX escape or too long",
			    u->name);
		if (u->password[0] == '\0')
			return store_error(error_r, "%s: empty password after ':'", u->name);
		alen -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	if (parse_hostport(u, rest, alen, error_r) < 0)
		return -1;
	if (*tail == '/') {
		size_t dlen = strcspn(tail + 1, "?");

		if (dlen > 0) {
			if (parse_long(tail + 1, dlen, 0, 65535, &db) < 0)
				return store_error(
				    error_r,
				    "%s: database \"%.*s\": expected a number from 0 to 65535",
				    u->name, (int)dlen, tail + 1);
			u->db = (int)db;
		}
		tail += 1 + dlen;
	}
	return *tail == '?' ? parse_params(u, tail + 1, error_r) : 0;
}

int store_uri_parse(const char *uri, struct store_uri *u, const char **error_r)
{
	const char *rest;
	size_t plen;

	memset(u, 0, sizeof(*u));
	u->map_size = STORE_MAP_SIZE_DEF;
	u->map_max = STORE_MAP_MAX_DEF;
	u->sync = STORE_SYNC_FULL;
	u->port = STORE_REDIS_PORT;
	u->timeout_ms = STORE_TIMEOUT_DEF;
	u->pool = STORE_POOL_DEF;
	uri_display(uri, u->name, sizeof(u->name));

	if (strncasecmp(uri, "lmdb:", 5) == 0) {
		u->kind = STORE_LMDB;
		rest = uri + 5;
		if (strncmp(rest, "//", 2) == 0)
			rest += 2;
		plen = strcspn(rest, "?");
		if (parse_path(u, rest, plen, sizeof(u->path), "LMDB file", error_r) < 0)
			return -1;
		if (rest[plen] == '?' && parse_params(u, rest + plen + 1, error_r) < 0)
			return -1;
		if (u->map_size > u->map_max)
			return store_error(error_r, "%s: map_size is larger than map_max", u->name);
		return 0;
	}
	if (strncasecmp(uri, "redis+unix:", 11) == 0) {
		u->kind = STORE_REDIS;
		rest = uri + 11;
		if (strncmp(rest, "//", 2) == 0)
			rest += 2;
		plen = strcspn(rest, "?");
		if (parse_path(u, rest, plen, 108, "Redis socket", error_r) < 0)
			return -1;
		return rest[plen] == '?' ? parse_params(u, rest + plen + 1, error_r) : 0;
	}
	if (strncasecmp(uri, "redis://", 8) == 0) {
		u->kind = STORE_REDIS;
		return parse_redis_tcp(u, uri + 8, error_r);
	}
	return store_error(error_r,
	                   "store \"%s\": expected lmdb:/path/file.lmdb, redis://host:6379/0 or "
	                   "redis+unix:/path/redis.sock",
	                   u->name);
}

/*
 * dnswire - domain names between presentation and wire form, and the rdata
 * of A, AAAA, MX, PTR and TXT answers into lib/dns.h's records. Names in
 * rdata come uncompressed (libunbound expands them); a compression pointer
 * there is malformed, like any length that runs past its rdata.
 */
#include "dnswire.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* One byte of a label in presentation form at *sp; advances *sp. */
static int text_byte(const char **sp, const char **error_r)
{
	const char *s = *sp;
	int v;

	if (*s != '\\') {
		*sp = s + 1;
		return (unsigned char)*s;
	}
	if (s[1] == '\0') {
		*error_r = "a backslash at the end of the name";
		return -1;
	}
	if (!is_digit(s[1])) {
		*sp = s + 2;
		return (unsigned char)s[1];
	}
	if (!is_digit(s[2]) || !is_digit(s[3])) {
		*error_r = "a \\DDD escape needs three digits";
		return -1;
	}
	v = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (v > 255) {
		*error_r = "a \\DDD escape above \\255";
		return -1;
	}
	*sp = s + 4;
	return v;
}

int dns_name_from_text(const char *name, unsigned char wire[DNS_WIRE_MAX], const char **error_r)
{
	const char *s = name;
	size_t w = 0;

	if (name == NULL || *name == '\0') {
		*error_r = "an empty name";
		return -1;
	}
	if (strcmp(name, ".") == 0) {
		*error_r = "the root name alone";
		return -1;
	}
	while (*s != '\0') {
		size_t lenpos = w, l = 0;

		if (w + 1 >= DNS_WIRE_MAX) {
			*error_r = "a name longer than 253 characters";
			return -1;
		}
		w++;
		while (*s != '\0' && *s != '.') {
			int c = text_byte(&s, error_r);

			if (c < 0)
				return -1;
			if (++l > 63) {
				*error_r = "a label longer than 63 bytes";
				return -1;
			}
			if (w + 1 >= DNS_WIRE_MAX) {
				*error_r = "a name longer than 253 characters";
				return -1;
			}
			wire[w++] = (unsigned char)c;
		}
		if (l == 0) {
			*error_r = "an empty label (two dots, or a leading dot)";
			return -1;
		}
		wire[lenpos] = (unsigned char)l;
		if (*s == '.')
			s++; /* a trailing dot ends the loop here */
	}
	wire[w++] = 0;
	return (int)w;
}

/* Append one label byte in presentation form; false if out is full. */
static int put_byte(unsigned char c, int strict, char *out, size_t size, size_t *o)
{
	int lit;

	if (strict)
		lit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
		      c == '_';
	else
		lit = c >= '!' && c <= '~' && c != '.' && c != '\\';
	if (lit) {
		if (*o + 1 >= size)
			return 0;
		out[(*o)++] = (char)c;
	} else if (!strict && (c == '.' || c == '\\')) {
		if (*o + 2 >= size)
			return 0;
		out[(*o)++] = '\\';
		out[(*o)++] = (char)c;
	} else {
		if (*o + 4 >= size)
			return 0;
		snprintf(out + *o, 5, "\\%03u", c);
		*o += 4;
	}
	return 1;
}

int dns_name_to_text(const unsigned char *in, size_t len, int strict, char *out, size_t size)
{
	size_t pos = 0, o = 0, wire = 0, i;

	if (size < 2)
		return -1;
	for (;;) {
		size_t l;

		if (pos >= len)
			return -1;
		l = in[pos];
		if (l == 0)
			break;
		if (l > 63 || pos + 1 + l > len) /* pointers and extended labels too */
			return -1;
		wire += 1 + l;
		if (wire + 1 > DNS_WIRE_MAX)
			return -1;
		if (o > 0) {
			if (o + 1 >= size)
				return -1;
			out[o++] = '.';
		}
		for (i = 0; i < l; i++)
			if (!put_byte(in[pos + 1 + i], strict, out, size, &o))
				return -1;
		pos += 1 + l;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return (int)pos + 1;
}

/* ---- rdata ---- */

static const char *name_of(const unsigned char *p, size_t len, struct pool *pool, int *bad)
{
	char buf[DNS_NAME_BUF];
	int used = dns_name_to_text(p, len, 0, buf, sizeof(buf));

	if (used < 0 || (size_t)used != len) { /* trailing bytes are malformed too */
		*bad = 1;
		return NULL;
	}
	return pool_strdup(pool, buf);
}

static int parse_txt(const unsigned char *p, size_t len, struct pool *pool, struct dns_txt *t,
                     int *bad)
{
	size_t i, n = 0, total = 0, k;
	struct dns_str *parts;
	char *text, *pbuf;

	if (len == 0) { /* RFC 1035 §3.3.14: one or more strings */
		*bad = 1;
		return 0;
	}
	for (i = 0; i < len; i += 1 + p[i], n++) {
		if (i + 1 + p[i] > len) {
			*bad = 1;
			return 0;
		}
		total += p[i];
	}
	parts = pool_alloc(pool, n * sizeof(*parts));
	text = pool_alloc(pool, total + 1);
	pbuf = pool_alloc(pool, total + n);
	if (parts == NULL || text == NULL || pbuf == NULL)
		return -1;
	t->text = text;
	t->len = total;
	t->parts = parts;
	t->n_parts = n;
	for (i = 0, k = 0; i < len; i += 1 + p[i], k++) {
		memcpy(text, p + i + 1, p[i]);
		text += p[i];
		memcpy(pbuf, p + i + 1, p[i]);
		parts[k].s = pbuf;
		parts[k].len = p[i];
		pbuf += p[i] + 1; /* pool_alloc zeroes: the NUL is there */
	}
	return 0;
}

static size_t elem_size(enum dns_type type)
{
	switch (type) {
	case DNS_A:
	case DNS_AAAA:
		return sizeof(struct ip_addr);
	case DNS_MX:
		return sizeof(struct dns_mx);
	case DNS_PTR:
		return sizeof(const char *);
	case DNS_TXT:
		return sizeof(struct dns_txt);
	}
	return 0;
}

/* Parse one record into slot k of r's array; 0 or -1 out of memory. */
static int parse_one(struct dns_result *r, const struct dns_rdata *d, size_t k, struct pool *pool,
                     int *bad)
{
	switch (r->type) {
	case DNS_A:
	case DNS_AAAA: {
		size_t want = r->type == DNS_A ? 4 : 16;

		if (d->len != want) {
			*bad = 1;
			return 0;
		}
		r->addr[k].family = r->type == DNS_A ? AF_INET : AF_INET6;
		memcpy(r->addr[k].a, d->p, want);
		return 0;
	}
	case DNS_MX:
		if (d->len < 3) {
			*bad = 1;
			return 0;
		}
		r->mx[k].preference = (unsigned)d->p[0] << 8 | d->p[1];
		r->mx[k].exchange = name_of(d->p + 2, d->len - 2, pool, bad);
		return *bad || r->mx[k].exchange != NULL ? 0 : -1;
	case DNS_PTR:
		r->names[k] = name_of(d->p, d->len, pool, bad);
		return *bad || r->names[k] != NULL ? 0 : -1;
	case DNS_TXT:
		return parse_txt(d->p, d->len, pool, &r->txt[k], bad);
	}
	*bad = 1;
	return 0;
}

enum dns_status dns_rdata_parse(struct dns_result *r, const struct dns_rdata *rd, size_t n,
                                struct pool *p)
{
	size_t i, bytes = 0, size = elem_size(r->type);
	void *arr;

	r->n = r->n_bad = 0;
	if (size == 0) {
		r->error = "a record type lib/dns.c does not parse";
		return r->status = DNS_BADDATA;
	}
	for (i = 0; i < n; i++)
		bytes += rd[i].len;
	if (n > DNS_MAX_RECORDS || bytes > DNS_MAX_BYTES) {
		r->error =
		    pool_printf(p,
		                "the answer has %zu records of %zu bytes, over the limit of %d "
		                "records or %d bytes",
		                n, bytes, DNS_MAX_RECORDS, DNS_MAX_BYTES);
		return r->status = DNS_BADDATA;
	}
	arr = pool_alloc(p, (n > 0 ? n : 1) * size);
	if (arr == NULL)
		goto nomem;
	r->addr = r->type == DNS_A || r->type == DNS_AAAA ? arr : NULL;
	r->mx = r->type == DNS_MX ? arr : NULL;
	r->names = r->type == DNS_PTR ? arr : NULL;
	r->txt = r->type == DNS_TXT ? arr : NULL;
	for (i = 0; i < n; i++) {
		int bad = 0;

		if (parse_one(r, &rd[i], r->n, p, &bad) < 0)
			goto nomem;
		if (bad)
			r->n_bad++;
		else
			r->n++;
	}
	if (r->n == 0) {
		r->error = pool_printf(p, "all %zu records of the answer are malformed", r->n_bad);
		return r->status = DNS_BADDATA;
	}
	return r->status = DNS_OK;
nomem:
	r->n = 0;
	r->error = "out of memory";
	return r->status = DNS_TEMPFAIL;
}

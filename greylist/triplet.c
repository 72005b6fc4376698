/*
 * triplet - the greylisting key: (client network, sender, recipient), with
 * the sender reduced to what stays the same from one retry to the next
 * (BATV tags and SRS hashes change), every byte of it escaped to printable
 * ASCII and every part bounded, so no input makes a key too long.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "grey.h"

/* Where a long escaped part is cut before its hash is appended. */
#define PART_KEEP 160

const char *grey_client_net(const struct ip_addr *ip, long mask4, long mask6, char *out)
{
	struct ip_addr net;
	char text[IP_STRLEN];
	int bits = ip->family == AF_INET ? (int)mask4 : (int)mask6;

	ip_mask(ip, bits, &net);
	snprintf(out, IP_STRLEN + 4, "%s/%d", ip_format(&net, text), bits);
	return out;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* A BATV tag: ten letters or digits at the start (postgrey's test). */
static bool batv_tag(const char *s, size_t len)
{
	size_t i;

	if (len < 10)
		return false;
	for (i = 0; i < 10; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

struct part {
	const char *p;
	size_t len;
};

/* The next '='-separated field of *rest; false when there is no '=' left. */
static bool field(struct part *rest, struct part *out)
{
	const char *eq = memchr(rest->p, '=', rest->len);

	if (eq == NULL)
		return false;
	out->p = rest->p;
	out->len = (size_t)(eq - rest->p);
	rest->len -= out->len + 1;
	rest->p = eq + 1;
	return true;
}

/* prvs=TAG=user (RFC draft order) or prvs=user=TAG (seen in the wild). */
static void strip_batv(struct part *local)
{
	struct part rest = *local, a, b;

	if (local->len < 5 || memcmp(local->p, "prvs=", 5) != 0)
		return;
	rest.p += 5;
	rest.len -= 5;
	if (!field(&rest, &a))
		return;
	b = rest;
	if (memchr(b.p, '=', b.len) != NULL || a.len == 0 || b.len == 0)
		return;
	*local = batv_tag(b.p, b.len) && !batv_tag(a.p, a.len) ? a : b;
}

/*
 * SRS0=HHH=TT=domain=user@forwarder and
 * SRS1=HHH=first-forwarder==HHH=TT=domain=user@forwarder (the separator
 * after SRS0/SRS1 may be '=', '+' or '-'): the original user@domain.
 */
static void strip_srs(struct part *local, struct part *domain)
{
	struct part rest = *local, f, hash, tt, dom;

	if (local->len < 5 || memcmp(local->p, "srs", 3) != 0 ||
	    (local->p[3] != '0' && local->p[3] != '1') || strchr("=+-", local->p[4]) == NULL ||
	    local->p[4] == '\0')
		return;
	rest.p += 5;
	rest.len -= 5;
	if (local->p[3] == '1') {
		/* HHH=first-forwarder= then the original SRS0 separator. */
		if (!field(&rest, &f) || !field(&rest, &f) || rest.len == 0 ||
		    strchr("=+-", rest.p[0]) == NULL || rest.p[0] == '\0')
			return;
		rest.p++;
		rest.len--;
	}
	if (!field(&rest, &hash) || !field(&rest, &tt) || !field(&rest, &dom) || hash.len == 0 ||
	    tt.len == 0 || dom.len == 0 || rest.len == 0)
		return;
	*local = rest;
	*domain = dom;
}

/* user+extension: the extension goes (postgrey: VERP on mailing lists). */
static void strip_extension(struct part *local)
{
	const char *plus = memchr(local->p, '+', local->len);

	if (plus != NULL && plus != local->p)
		local->len = (size_t)(plus - local->p);
}

/* Digits standing alone between non-word characters become '#', so
 * bounce-12345@list and bounce-12346@list are one sender (postgrey). */
static void put_verp(struct buf *out, const struct part *local)
{
	size_t i = 0;

	while (i < local->len) {
		size_t j = i;

		while (j < local->len && local->p[j] >= '0' && local->p[j] <= '9')
			j++;
		if (j > i && (i == 0 || !word_char(local->p[i - 1])) &&
		    (j == local->len || !word_char(local->p[j]))) {
			buf_putc(out, '#');
			i = j;
		} else if (j > i) {
			buf_append(out, local->p + i, j - i);
			i = j;
		} else {
			buf_putc(out, local->p[i++]);
		}
	}
}

void grey_sender_normalize(const char *sender, struct buf *out)
{
	struct buf low;
	struct part local, domain = {NULL, 0};
	const char *at;
	size_t i;

	buf_reset(out);
	buf_init(&low);
	for (i = 0; sender[i] != '\0'; i++)
		buf_putc(&low, lower(sender[i]));
	if (low.oom) {
		out->oom = true;
		buf_free(&low);
		return;
	}
	local.p = buf_str(&low);
	local.len = low.len;
	at = memrchr(local.p, '@', local.len);
	if (at != NULL) {
		domain.p = at + 1;
		domain.len = local.len - (size_t)(at - local.p) - 1;
		local.len = (size_t)(at - local.p);
	}
	if (at != NULL) {
		strip_batv(&local);
		strip_srs(&local, &domain);
		strip_extension(&local);
	}
	put_verp(out, &local);
	if (at != NULL) {
		buf_putc(out, '@');
		buf_append(out, domain.p, domain.len);
	}
	buf_free(&low);
}

void grey_rcpt_normalize(const char *rcpt, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; rcpt[i] != '\0'; i++)
		buf_putc(out, lower(rcpt[i]));
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void grey_key_part(struct buf *key, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = key->len, keep = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (key->len - start <= PART_KEEP)
			keep = key->len - start;
		if (*p > 0x20 && *p < 0x7f && *p != '%' && *p != '|') {
			buf_putc(key, (char)*p);
		} else {
			buf_putc(key, '%');
			buf_putc(key, hex[*p >> 4]);
			buf_putc(key, hex[*p & 15]);
		}
	}
	if (key->len - start <= GREY_PART_MAX || key->oom)
		return;
	/* Too long: a prefix (never cut inside a %XX) and a hash of the whole. */
	key->len = start + keep;
	key->data[key->len] = '\0';
	buf_printf(key, "~%016llx", (unsigned long long)fnv1a(s));
}

void grey_triplet_key(const char *net, const char *sender, const char *rcpt, struct buf *key)
{
	buf_reset(key);
	buf_puts(key, "t|");
	buf_puts(key, net);
	buf_putc(key, '|');
	grey_key_part(key, sender);
	buf_putc(key, '|');
	grey_key_part(key, rcpt);
}

void grey_client_key(const char *net, struct buf *key)
{
	buf_reset(key);
	buf_puts(key, "c|");
	buf_puts(key, net);
}

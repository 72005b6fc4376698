/*
 * view - building a message's spam view from lib/mime.c's parts: which
 * parts are text a reader sees (inline text/plain and text/html, in
 * forwarded messages too), HTML reduced by spam/html.c, addresses found in
 * the text and taken from the links, links whose text shows another domain
 * than they lead to.
 */
#include "view.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../lib/buf.h"

static bool shown_text(const struct mime_part *pt)
{
	if (pt->container || pt->text == NULL || pt->attachment)
		return false;
	return strcmp(pt->type, "text/plain") == 0 || strcmp(pt->type, "text/html") == 0 ||
	       strcmp(pt->type, "text/enriched") == 0 || strcmp(pt->type, "text/richtext") == 0;
}

static size_t nonspace_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isspace(c) && (c & 0xC0) != 0x80)
			n++;
	}
	return n;
}

static void add_uri(struct spam_view *v, size_t *cap, const char *s, size_t len, unsigned flags)
{
	struct spam_uri u, *nu;
	size_t i;

	if (v->n_uris >= SPAM_VIEW_MAX_URIS || spam_uri_parse(s, len, v->p, &u) < 0)
		return;
	u.flags |= flags;
	for (i = 0; i < v->n_uris; i++)
		if (strcmp(v->uris[i].uri, u.uri) == 0) {
			v->uris[i].flags |= u.flags;
			return;
		}
	if (v->n_uris == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nu = pool_alloc(v->p, *cap * sizeof(*nu));
		if (nu == NULL)
			return;
		if (v->n_uris > 0)
			memcpy(nu, v->uris, v->n_uris * sizeof(*nu));
		v->uris = nu;
	}
	v->uris[v->n_uris++] = u;
}

static void text_uris(struct spam_view *v, size_t *cap, const char *text, size_t len)
{
	size_t pos = 0, s, n;

	while (v->n_uris < SPAM_VIEW_MAX_URIS && spam_uri_next(text, len, &pos, &s, &n))
		add_uri(v, cap, text + s, n, 0);
}

/* A link whose text is an address on another registered domain. */
static unsigned link_mismatch(struct spam_view *v, const struct spam_link *l)
{
	struct spam_uri u;
	const char *shown;

	if (l->text == NULL || l->text[0] == '\0' ||
	    spam_uri_parse(l->href, strlen(l->href), v->p, &u) < 0)
		return 0;
	shown = spam_uri_text_host(l->text, v->p);
	if (shown == NULL)
		return 0;
	return strcmp(spam_uri_domain(shown), u.domain) != 0 ? SPAM_URI_MISMATCH : 0;
}

static void merge_html(struct spam_view *v, const struct spam_html *h, size_t *cap)
{
	size_t i;

	v->html.visible_chars += h->visible_chars;
	v->html.hidden_chars += h->hidden_chars;
	v->html.n_tags += h->n_tags;
	v->html.n_comments += h->n_comments;
	v->html.n_images += h->n_images;
	v->html.n_tiny_images += h->n_tiny_images;
	v->html.n_forms += h->n_forms;
	v->html.n_scripts += h->n_scripts;
	v->html.n_bad_tags += h->n_bad_tags;
	v->html.tags |= h->tags;
	v->html.n_links += h->n_links;
	for (i = 0; i < h->n_links; i++)
		add_uri(v, cap, h->links[i].href, strlen(h->links[i].href),
		        SPAM_URI_HTML | link_mismatch(v, &h->links[i]));
	for (i = 0; i < h->n_srcs; i++)
		add_uri(v, cap, h->srcs[i], strlen(h->srcs[i]), SPAM_URI_HTML);
}

static int build_text(struct spam_view *v)
{
	struct buf body, raw;
	size_t i, cap = 0;
	int r = 0;

	buf_init(&body);
	buf_init(&raw);
	for (i = 0; i < v->mime->n_parts; i++) {
		const struct mime_part *pt = &v->mime->parts[i];

		if (!shown_text(pt))
			continue;
		if (raw.len > 0)
			buf_putc(&raw, '\n');
		buf_append(&raw, pt->text, pt->text_len);
		if (body.len > 0)
			buf_putc(&body, '\n');
		if (strcmp(pt->type, "text/html") == 0) {
			struct spam_html h;

			v->n_html_parts++;
			if (spam_html_reduce(pt->text, pt->text_len, v->p, &h) < 0) {
				r = -1;
				break;
			}
			buf_append(&body, h.text, h.len);
			merge_html(v, &h, &cap);
		} else {
			v->n_text_parts++;
			v->plain_chars += nonspace_chars(pt->text, pt->text_len);
			buf_append(&body, pt->text, pt->text_len);
			text_uris(v, &cap, pt->text, pt->text_len);
		}
	}
	if (body.oom || raw.oom)
		r = -1;
	if (r == 0) {
		v->body = pool_strndup(v->p, buf_str(&body), body.len);
		v->body_len = body.len;
		v->rawbody = pool_strndup(v->p, buf_str(&raw), raw.len);
		v->rawbody_len = raw.len;
		if (v->body == NULL || v->rawbody == NULL)
			r = -1;
	}
	buf_free(&body);
	buf_free(&raw);
	return r;
}

int spam_view_build(struct spam_view *v, const void *msg, size_t len, size_t max,
                    const struct spam_env *env, struct pool *p)
{
	struct mime_limits lim = mime_default_limits;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->p = p;
	v->msg = msg;
	v->len = len < max ? len : max;
	if (env != NULL)
		v->env = *env;
	lim.max_bytes = max;
	v->mime = mime_parse(msg, len, &lim, p);
	if (v->mime == NULL)
		return -1;
	v->hdr = pool_alloc(p, (v->mime->n_headers + 1) * sizeof(*v->hdr));
	if (v->hdr == NULL)
		return -1;
	for (i = 0; i < v->mime->n_headers; i++) {
		v->hdr[i] = mime_decode_header(v->mime->headers[i].value, p, &v->mime->flags);
		if (v->hdr[i] == NULL)
			return -1;
	}
	return build_text(v);
}

const char *spam_view_header(const struct spam_view *v, const char *name, size_t n)
{
	size_t i, seen = 0;

	for (i = 0; i < v->mime->n_headers; i++)
		if (strcasecmp(v->mime->headers[i].name, name) == 0 && ++seen == n)
			return v->hdr[i];
	return NULL;
}

/* ---- address fields ---- */

static char *trimmed(struct pool *p, const char *s, size_t len)
{
	while (len > 0 && (isspace((unsigned char)*s) || *s == '"'))
		s++, len--;
	while (len > 0 && (isspace((unsigned char)s[len - 1]) || s[len - 1] == '"'))
		len--;
	return pool_strndup(p, s, len);
}

/* One element between top-level commas. */
static bool one_mailbox(const char *s, size_t len, struct pool *p, struct spam_addr *a)
{
	size_t i, lt = len, gt = len, c_start = len, c_end = len;
	int depth = 0;
	bool quoted = false;
	struct buf plain;

	/* A group "name: a, b;" reaches here piece by piece: drop "name:". */
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == ':' && memchr(s, '<', len) == NULL) {
			s += i + 1;
			len -= i + 1;
			break;
		}
	}
	quoted = false;
	buf_init(&plain);
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '"' && depth == 0)
			quoted = !quoted;
		else if (!quoted && c == '(') {
			if (depth++ == 0 && c_start == len)
				c_start = i + 1;
			continue;
		} else if (!quoted && c == ')' && depth > 0) {
			if (--depth == 0 && c_end == len)
				c_end = i;
			continue;
		} else if (!quoted && depth == 0 && c == '<' && lt == len)
			lt = i;
		else if (!quoted && depth == 0 && c == '>' && lt < len && gt == len)
			gt = i;
		if (depth == 0 && c != ';')
			buf_putc(&plain, c);
	}
	if (lt < len) {
		a->addr = trimmed(p, s + lt + 1, (gt > lt ? gt : len) - lt - 1);
		a->name = trimmed(p, s, lt);
	} else {
		a->addr = trimmed(p, buf_str(&plain), plain.len);
		a->name = c_start < len
		              ? trimmed(p, s + c_start, (c_end > c_start ? c_end : len) - c_start)
		              : "";
	}
	buf_free(&plain);
	return a->addr != NULL && a->name != NULL && (a->addr[0] != '\0' || a->name[0] != '\0');
}

size_t spam_addr_parse(const char *value, struct pool *p, struct spam_addr *out, size_t max)
{
	size_t i, start = 0, n = 0, len = strlen(value);
	int depth = 0;
	bool quoted = false, angle = false;

	for (i = 0; i <= len && n < max; i++) {
		char c = i < len ? value[i] : ',';

		if (c == '"' && depth == 0)
			quoted = !quoted;
		else if (!quoted && c == '(')
			depth++;
		else if (!quoted && c == ')' && depth > 0)
			depth--;
		else if (!quoted && depth == 0 && c == '<')
			angle = true;
		else if (!quoted && depth == 0 && c == '>')
			angle = false;
		else if (c == ',' && !quoted && depth == 0 && !angle) {
			if (i > start && one_mailbox(value + start, i - start, p, &out[n]))
				n++;
			start = i + 1;
		}
	}
	return n;
}

/*
 * token - turning a message view into classifier tokens. The body gives
 * words (split at white space, outer punctuation stripped, ASCII lower
 * case, 3 to 20 bytes; longer ones as "skip:" + first byte + length
 * bucket, as SpamBayes found best), pairs of neighbouring words and pairs
 * of words one apart ("a _ c", orthogonal sparse bigrams); the
 * headers give prefixed tokens of what differs between senders - the
 * mailer, the relays, the domains, the shapes of message ids and MIME
 * boundaries; the structure gives part types, charsets, encodings, HTML
 * habits and decoding problems.
 */
#include "token.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "uri.h"

#define MAX_TOKEN    200 /* bytes of a token's text hashed */
#define MAX_RECEIVED 4   /* Received fields read, newest first */
#define WORD_MIN     3
#define WORD_MAX     20
#define SEED         0x63686d696c746572ULL /* "chmilter": fixed, keys are shared */

/* ---- hashing ---- */

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t load_le(const unsigned char *p, size_t n)
{
	uint64_t k = 0;
	size_t i;

	for (i = n; i-- > 0;)
		k = (k << 8) | p[i];
	return k;
}

/* 8 bytes at a time, multiply-rotate, then a final avalanche. Stable
 * across hosts (bytes read little-endian): Redis stores are shared. */
uint64_t spam_tok_hash(const void *data, size_t len)
{
	const uint64_t p1 = 0x9E3779B185EBCA87ULL, p2 = 0xC2B2AE3D27D4EB4FULL;
	const unsigned char *s = data;
	uint64_t h = SEED ^ ((uint64_t)len * p1), k;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		k = rotl(load_le(s + i, 8) * p2, 31) * p1;
		h = rotl(h ^ k, 27) * p1 + p2;
	}
	if (i < len) {
		k = rotl(load_le(s + i, len - i) * p2, 31) * p1;
		h = rotl(h ^ k, 27) * p1 + p2;
	}
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ULL;
	h ^= h >> 33;
	return h != 0 ? h : 1;
}

/* ---- the set ---- */

struct tz {
	struct spam_tokens *t;
	const struct spam_view *v;
	size_t cap; /* of t->h */
	bool oom;
};

static bool grow_set(struct tz *z)
{
	struct spam_tokens *t = z->t;
	size_t cap = t->set_cap ? t->set_cap * 2 : 1024, i;
	uint64_t *set = pool_alloc(t->p, cap * sizeof(*set));

	if (set == NULL)
		return false;
	for (i = 0; i < t->set_cap; i++) {
		size_t j;

		if (t->set[i] == 0)
			continue;
		for (j = t->set[i] & (cap - 1); set[j] != 0; j = (j + 1) & (cap - 1))
			;
		set[j] = t->set[i];
	}
	t->set = set;
	t->set_cap = cap;
	return true;
}

static void add_hash(struct tz *z, uint64_t h)
{
	struct spam_tokens *t = z->t;
	size_t j;

	if (z->oom || t->n >= SPAM_TOK_MAX)
		return;
	if ((t->n + 1) * 2 > t->set_cap && !grow_set(z)) {
		z->oom = true;
		return;
	}
	for (j = h & (t->set_cap - 1); t->set[j] != 0; j = (j + 1) & (t->set_cap - 1))
		if (t->set[j] == h)
			return;
	t->set[j] = h;
	if (t->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 512;
		uint64_t *nh = pool_alloc(t->p, cap * sizeof(*nh));

		if (nh == NULL) {
			z->oom = true;
			return;
		}
		if (t->n > 0)
			memcpy(nh, t->h, t->n * sizeof(*nh));
		t->h = nh;
		z->cap = cap;
	}
	t->h[t->n++] = h;
}

static void emit(struct tz *z, const char *s, size_t len)
{
	if (len > MAX_TOKEN)
		len = MAX_TOKEN;
	if (z->t->trace != NULL)
		z->t->trace(z->t->trace_arg, s, len);
	add_hash(z, spam_tok_hash(s, len));
}

/* prefix + s (lower-cased when lower), as one token. */
static void emitp(struct tz *z, const char *prefix, const char *s, size_t len, bool lower)
{
	char buf[MAX_TOKEN];
	size_t pl = strlen(prefix), i;

	if (pl + len > sizeof(buf))
		len = sizeof(buf) - pl;
	memcpy(buf, prefix, pl);
	for (i = 0; i < len; i++)
		buf[pl + i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	emit(z, buf, pl + len);
}

static void emits(struct tz *z, const char *prefix, const char *s)
{
	emitp(z, prefix, s, strlen(s), true);
}

/* ---- words ---- */

static bool strip_char(unsigned char c)
{
	return strchr("\"'`([{<,.;:!?)]}>*-_|~=+#^", c) != NULL && c != '\0';
}

/* The next white-space separated word of s at *pos, outer punctuation off. */
static bool next_word(const char *s, size_t len, size_t *pos, const char **w_r, size_t *wl_r)
{
	size_t i = *pos, start, end;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i >= len) {
		*pos = len;
		return false;
	}
	start = i;
	while (i < len && !isspace((unsigned char)s[i]))
		i++;
	end = i;
	*pos = i;
	while (start < end && strip_char((unsigned char)s[start]))
		start++;
	while (end > start && strip_char((unsigned char)s[end - 1]))
		end--;
	*w_r = s + start;
	*wl_r = end - start;
	return true;
}

static bool looks_like_uri(const char *w, size_t n)
{
	return (n > 4 && strncasecmp(w, "www.", 4) == 0) || memmem(w, n, "://", 3) != NULL;
}

/* A pair of words as one token: "prefix a b", or "prefix a _ b" one apart
 * (built by hand: snprintf here was a tenth of the whole check's time). */
static void pair(struct tz *z, const char *prefix, const char *a, size_t al, const char *gap,
                 const char *b, size_t bl)
{
	char buf[8 + 2 * WORD_MAX + 8];
	size_t pl = strlen(prefix), gl = strlen(gap), n = 0;

	memcpy(buf, prefix, pl);
	n += pl;
	memcpy(buf + n, a, al);
	n += al;
	buf[n++] = ' ';
	memcpy(buf + n, gap, gl);
	n += gl;
	memcpy(buf + n, b, bl);
	emit(z, buf, n + bl);
}

/*
 * Words, pairs of neighbouring words and pairs of words one apart, with a
 * prefix ("" for the body, "s:" for the Subject). The pairs one apart
 * ("send _ money" from "send me money", "send us money") carry phrases
 * past the word that varies; cross-validation on the training corpus
 * found them to cut false positives by a fifth at about the same recall. A
 * word that is not kept breaks the chain of pairs.
 */
static void words(struct tz *z, const char *prefix, const char *s, size_t len, size_t max_words)
{
	char prev[WORD_MAX + 1], prev2[WORD_MAX + 1], cur[WORD_MAX + 1];
	size_t pos = 0, n = 0, wl, i, prev_len = 0, prev2_len = 0;
	const char *w;

	while (n < max_words && next_word(s, len, &pos, &w, &wl)) {
		n++;
		if (wl < WORD_MIN || looks_like_uri(w, wl)) {
			prev_len = prev2_len = 0;
			continue;
		}
		if (wl > WORD_MAX) {
			char skip[48];

			snprintf(skip, sizeof(skip), "%sskip:%c %zu", prefix,
			         tolower((unsigned char)w[0]), wl / 10 * 10);
			emit(z, skip, strlen(skip));
			prev_len = prev2_len = 0;
			continue;
		}
		if (memchr(w, '@', wl) != NULL) {
			const char *at = memchr(w, '@', wl);

			emitp(z, "@:", at + 1, wl - (size_t)(at + 1 - w), true);
			prev_len = prev2_len = 0;
			continue;
		}
		for (i = 0; i < wl; i++)
			cur[i] = (char)tolower((unsigned char)w[i]);
		cur[wl] = '\0';
		emitp(z, prefix, cur, wl, false);
		if (prev_len > 0)
			pair(z, prefix, prev, prev_len, "", cur, wl);
		if (prev2_len > 0)
			pair(z, prefix, prev2, prev2_len, "_ ", cur, wl);
		memcpy(prev2, prev, prev_len + 1);
		prev2_len = prev_len;
		memcpy(prev, cur, wl + 1);
		prev_len = wl;
	}
}

/* Prefixed words of a header value, no pairs, any length up to 40. */
static void header_words(struct tz *z, const char *prefix, const char *s, size_t max)
{
	size_t pos = 0, n = 0, wl, len = strlen(s);
	const char *w;

	while (n < max && next_word(s, len, &pos, &w, &wl)) {
		if (wl == 0 || wl > 40)
			continue;
		emitp(z, prefix, w, wl, true);
		n++;
	}
}

/* A string's shape: runs of digits "9", of letters "a", the rest kept. */
static void shape(struct tz *z, const char *prefix, const char *s, size_t max)
{
	char buf[64];
	size_t n = 0, i;
	char last = 0;

	for (i = 0; s[i] != '\0' && n + 1 < sizeof(buf) && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		char k = isdigit(c) ? '9' : isalpha(c) ? 'a' : (char)c;

		if ((k == '9' || k == 'a') && k == last)
			continue;
		buf[n++] = k;
		last = k;
	}
	buf[n] = '\0';
	emitp(z, prefix, buf, n, false);
}

/* ---- headers ---- */

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : NULL;
}

static void address_field(struct tz *z, const char *field, const char *pa, const char *pd,
                          const char *pn)
{
	const char *val = spam_view_header(z->v, field, 1), *d;
	struct spam_addr a[4];
	size_t n;

	if (val == NULL)
		return;
	n = spam_addr_parse(val, z->v->p, a, 4);
	if (n == 0) {
		emitp(z, pd, "none", 4, false);
		return;
	}
	if (pa != NULL)
		emits(z, pa, a[0].addr);
	d = domain_of(a[0].addr);
	emits(z, pd, d != NULL ? d : "none");
	if (d != NULL)
		emits(z, pd, spam_uri_domain(d));
	if (pn != NULL) {
		if (a[0].name[0] == '\0')
			emits(z, pn, "none");
		else
			header_words(z, pn, a[0].name, 8);
	}
}

static void count_bucket(struct tz *z, const char *prefix, size_t n)
{
	char b[32];

	snprintf(b, sizeof(b), "%s%s", prefix,
	         n == 0    ? "0"
	         : n == 1  ? "1"
	         : n == 2  ? "2"
	         : n <= 5  ? "3-5"
	         : n <= 10 ? "6-10"
	                   : "11+");
	emit(z, b, strlen(b));
}

/* Hosts, domains and networks of a Received field. */
static void received(struct tz *z, const char *val)
{
	size_t pos = 0, wl, len = strlen(val), i;
	const char *w;
	char tok[80];

	while (next_word(val, len, &pos, &w, &wl)) {
		bool dots = memchr(w, '.', wl) != NULL, alpha = false, digits = true;

		if (wl < 3 || wl > 60)
			continue;
		for (i = 0; i < wl; i++) {
			if (isalpha((unsigned char)w[i]))
				alpha = true;
			if (!isdigit((unsigned char)w[i]) && w[i] != '.')
				digits = false;
		}
		if (digits && dots) { /* an address: its /24 and /16 */
			const char *last = NULL;

			for (i = 0; i < wl; i++)
				if (w[i] == '.')
					last = w + i;
			emitp(z, "r:ip:", w, (size_t)(last - w), false);
			continue;
		}
		if (dots && alpha) {
			snprintf(tok, sizeof(tok), "%.*s", (int)wl, w);
			emits(z, "r:", tok);
			for (i = 0; tok[i] != '\0'; i++)
				tok[i] = (char)tolower((unsigned char)tok[i]);
			/* The same evidence twice would count twice. */
			if (strcmp(spam_uri_domain(tok), tok) != 0)
				emits(z, "r:d:", spam_uri_domain(tok));
		} else if (alpha && !dots && wl <= 20)
			emitp(z, "r:w:", w, wl, true); /* "with ESMTP", "Microsoft", ... */
	}
}

static bool skipped_field(const char *name)
{
	/* Our own markup and what the verdict step removes: never evidence. */
	return strncasecmp(name, "X-Spam-", 7) == 0 || strncasecmp(name, "X-Virus-", 8) == 0;
}

static void headers(struct tz *z)
{
	const struct spam_view *v = z->v;
	const char *val;
	size_t i, rcvd = 0, n;
	struct spam_addr a[64];

	for (i = 0; i < v->mime->n_headers; i++) {
		const char *name = v->mime->headers[i].name;

		if (skipped_field(name))
			continue;
		emits(z, "h:", name);
		if (strcasecmp(name, "Received") == 0 && rcvd++ < MAX_RECEIVED)
			received(z, v->hdr[i]);
	}
	val = spam_view_header(v, "Subject", 1);
	if (val != NULL)
		words(z, "s:", val, strlen(val), 50);
	address_field(z, "From", "f:", "fd:", "fn:");
	address_field(z, "Reply-To", NULL, "rt:", NULL);
	address_field(z, "Return-Path", NULL, "rp:", NULL);
	address_field(z, "Sender", NULL, "sd:", NULL);
	val = spam_view_header(v, "To", 1);
	n = val != NULL ? spam_addr_parse(val, v->p, a, 64) : 0;
	count_bucket(z, "to#", n);
	val = spam_view_header(v, "Cc", 1);
	count_bucket(z, "cc#", val != NULL ? spam_addr_parse(val, v->p, a, 64) : 0);
	if ((val = spam_view_header(v, "Message-ID", 1)) != NULL) {
		const char *d = domain_of(val);

		shape(z, "mid:", val, 60);
		if (d != NULL)
			emitp(z, "mid@", d, strcspn(d, ">"), true);
	}
	if ((val = spam_view_header(v, "X-Mailer", 1)) != NULL)
		header_words(z, "xm:", val, 10);
	if ((val = spam_view_header(v, "User-Agent", 1)) != NULL)
		header_words(z, "ua:", val, 10);
	if ((val = spam_view_header(v, "Date", 1)) != NULL) {
		const char *sp = strrchr(val, ' ');

		emits(z, "tz:", sp != NULL ? sp + 1 : val);
	}
	if ((val = spam_view_header(v, "X-Priority", 1)) != NULL)
		header_words(z, "xp:", val, 1);
	if ((val = spam_view_header(v, "Precedence", 1)) != NULL)
		header_words(z, "prec:", val, 1);
	if ((val = spam_view_header(v, "Organization", 1)) != NULL)
		header_words(z, "org:", val, 5);
}

/* ---- structure, HTML, addresses ---- */

static void structure(struct tz *z)
{
	const struct mime_message *mm = z->v->mime;
	const struct mime_header *ct;
	const char *b, *flags;
	size_t i;

	for (i = 0; i < mm->n_parts; i++) {
		const struct mime_part *pt = &mm->parts[i];

		emits(z, "pt:", pt->type);
		if (pt->charset != NULL)
			emits(z, "cs:", pt->charset);
		if (strcmp(pt->encoding, "7bit") != 0)
			emits(z, "cte:", pt->encoding);
		if (pt->filename != NULL) {
			const char *dot = strrchr(pt->filename, '.');

			emits(z, "att:", dot != NULL ? dot + 1 : "none");
		}
	}
	ct = mime_header_find(mm->headers, mm->n_headers, "Content-Type", 1);
	if (mm->parts[0].container && ct != NULL &&
	    (b = mime_param(ct->value, "boundary", z->v->p)) != NULL)
		shape(z, "bnd:", b, 60);
	flags = mime_flag_names(mm->flags, z->v->p);
	if (flags != NULL && flags[0] != '\0')
		header_words(z, "mime:", flags, 16);
}

static void html(struct tz *z)
{
	static const char *const names[] = {
	    "font",   "table", "img",  "a",   "form",   "script", "iframe",     "style",
	    "center", "body",  "meta", "map", "object", "base",   "blockquote", "pre"};
	const struct spam_html *h = &z->v->html;
	size_t i;

	if (z->v->n_html_parts == 0)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (h->tags & (1u << i))
			emits(z, "html:", names[i]);
	if (h->hidden_chars > 0)
		emits(z, "html:", "hidden");
	count_bucket(z, "html:img#", h->n_images);
	if (h->n_tiny_images > 0)
		emits(z, "html:", "tiny");
	if (h->n_comments > 0)
		emits(z, "html:", "comments");
	if (z->v->n_text_parts == 0)
		emits(z, "html:", "only");
}

static void uri_pieces(struct tz *z, const struct spam_uri *u)
{
	const char *path = strchr(u->uri + strlen("http://"), '/');
	size_t i, start, n = 0;

	emits(z, "u:", u->host);
	if (strcmp(u->host, u->domain) != 0)
		emits(z, "u:", u->domain);
	if (u->flags & SPAM_URI_IP)
		emits(z, "u:", "ip");
	if (path == NULL)
		return;
	for (i = 0, start = 0; n < 8; i++) {
		char c = path[i];

		if (c != '\0' && strchr("/?=&.-_%#+;:", c) == NULL)
			continue;
		if (i - start >= 3 && i - start <= WORD_MAX) {
			emitp(z, "up:", path + start, i - start, true);
			n++;
		}
		start = i + 1;
		if (c == '\0')
			break;
	}
}

int spam_tokenize(const struct spam_view *v, struct spam_tokens *t)
{
	struct tz z = {t, v, 0, false};
	size_t i;

	t->h = NULL;
	t->n = 0;
	t->set = NULL;
	t->set_cap = 0;
	t->p = v->p;
	headers(&z);
	structure(&z);
	html(&z);
	for (i = 0; i < v->n_uris; i++)
		uri_pieces(&z, &v->uris[i]);
	words(&z, "", v->body, v->body_len, SPAM_TOK_MAX_WORDS);
	return z.oom ? -1 : 0;
}

/*
 * mime - the structure of a message: header blocks, Content-Type and its
 * parameters (RFC 2045, 2046, 2231), multipart splitting and
 * message/rfc822 nesting, leaves decoded through lib/mime_decode.c. The
 * reading is lenient (as mail clients read mail) and every oddity flagged;
 * the limits bound the work whatever the input.
 */
#include "mime.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

const struct mime_limits mime_default_limits = {
    .max_bytes = 1024 * 1024,
    .max_parts = 1000,
    .max_depth = 20,
    .max_headers = 1000,
};

struct parser {
	struct pool *p;
	const struct mime_limits *lim;
	struct mime_part *parts;
	size_t n, cap;
	unsigned flags;
	bool oom;
};

/* Grow a pool array to hold one more element (the old copy stays in the
 * pool until it goes: at most twice the final size). */
static void *grow(struct pool *p, void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 16;
	nv = pool_alloc(p, ncap * size);
	if (nv == NULL)
		return NULL;
	if (n > 0)
		memcpy(nv, v, n * size);
	*cap = ncap;
	return nv;
}

static char *lower_dup(struct pool *p, const char *s, size_t len)
{
	char *d = pool_strndup(p, s, len);
	size_t i;

	for (i = 0; d != NULL && d[i] != '\0'; i++)
		d[i] = (char)tolower((unsigned char)d[i]);
	return d;
}

/* ---- header blocks ---- */

static size_t line_end(const unsigned char *s, size_t len, size_t pos, size_t *next_r)
{
	const unsigned char *nl = memchr(s + pos, '\n', len - pos);
	size_t end = nl != NULL ? (size_t)(nl - s) : len;

	*next_r = nl != NULL ? end + 1 : len;
	if (end > pos && s[end - 1] == '\r')
		end--;
	return end;
}

static const char *unfold(struct pool *p, const unsigned char *s, size_t len)
{
	char *d = pool_alloc(p, len + 1);
	size_t i, n = 0, start, end;

	if (d == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			d[n++] = (char)s[i];
	for (start = 0; start < n && (d[start] == ' ' || d[start] == '\t'); start++)
		;
	for (end = n; end > start && (d[end - 1] == ' ' || d[end - 1] == '\t'); end--)
		;
	d[end] = '\0';
	return d + start;
}

static void add_field(struct parser *ps, struct mime_header **h, size_t *n, size_t *cap,
                      const unsigned char *s, size_t name_len, size_t colon, size_t end)
{
	struct mime_header *f;

	if (*n >= ps->lim->max_headers) {
		ps->flags |= MIME_F_TOO_MANY_HEADERS;
		return;
	}
	*h = grow(ps->p, *h, cap, *n, sizeof(**h));
	if (*h == NULL) {
		ps->oom = true;
		return;
	}
	f = &(*h)[(*n)++];
	f->name = pool_strndup(ps->p, (const char *)s, name_len);
	f->raw = pool_strndup(ps->p, (const char *)s + colon + 1, end - colon - 1);
	f->value = unfold(ps->p, s + colon + 1, end - colon - 1);
	if (f->name == NULL || f->raw == NULL || f->value == NULL)
		ps->oom = true;
}

/*
 * The header block at s: fields into *h_r, returns where the body starts.
 * A field runs from its name to the last continuation line; a line with
 * neither a colon nor leading white space ends the block.
 */
static size_t parse_headers(struct parser *ps, const unsigned char *s, size_t len, bool top,
                            struct mime_header **h_r, size_t *n_r, unsigned *flags)
{
	size_t pos = 0, next, end, cap = 0, field = SIZE_MAX, colon = 0, name_len = 0;
	size_t field_end = 0;

	*h_r = NULL;
	*n_r = 0;
	if (top && len >= 5 && memcmp(s, "From ", 5) == 0)
		line_end(s, len, 0, &pos);
	while (pos < len) {
		const unsigned char *c;

		end = line_end(s, len, pos, &next);
		if (end == pos) { /* the empty line */
			pos = next;
			break;
		}
		if (s[pos] == ' ' || s[pos] == '\t') {
			if (field != SIZE_MAX)
				field_end = end;
			else
				*flags |= MIME_F_BAD_HEADER;
			pos = next;
			continue;
		}
		c = memchr(s + pos, ':', end - pos);
		if (c == NULL) {
			*flags |= MIME_F_BAD_HEADER;
			break; /* not a field: the body starts here */
		}
		if (field != SIZE_MAX)
			add_field(ps, h_r, n_r, &cap, s + field, name_len, colon,
			          field_end - field);
		field = pos;
		colon = (size_t)(c - (s + pos));
		for (name_len = colon; name_len > 0 && (s[pos + name_len - 1] == ' ' ||
		                                        s[pos + name_len - 1] == '\t');
		     name_len--)
			;
		field_end = end;
		pos = next;
	}
	if (field != SIZE_MAX)
		add_field(ps, h_r, n_r, &cap, s + field, name_len, colon, field_end - field);
	return pos;
}

const struct mime_header *mime_header_find(const struct mime_header *h, size_t n_h,
                                           const char *name, size_t n)
{
	size_t i, seen = 0;

	for (i = 0; i < n_h; i++)
		if (strcasecmp(h[i].name, name) == 0 && ++seen == n)
			return &h[i];
	return NULL;
}

/* ---- parameters ---- */

#define MAX_SEGMENTS 64

struct pscan {
	const char *s;
	size_t i;
};

static void skip_cfws(struct pscan *sc)
{
	int depth = 0;

	for (; sc->s[sc->i] != '\0'; sc->i++) {
		char c = sc->s[sc->i];

		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
	}
}

/* A token or quoted string into b; stops at ';' (or '=' when is_name). */
static void scan_word(struct pscan *sc, struct buf *b, bool is_name)
{
	const char *s = sc->s;

	skip_cfws(sc);
	if (!is_name && s[sc->i] == '"') {
		for (sc->i++; s[sc->i] != '\0' && s[sc->i] != '"'; sc->i++) {
			if (s[sc->i] == '\\' && s[sc->i + 1] != '\0')
				sc->i++;
			buf_putc(b, s[sc->i]);
		}
		if (s[sc->i] == '"')
			sc->i++;
		return;
	}
	for (; s[sc->i] != '\0' && s[sc->i] != ';' && s[sc->i] != ' ' && s[sc->i] != '\t' &&
	       s[sc->i] != '(' && !(is_name && s[sc->i] == '=');
	     sc->i++)
		buf_putc(b, s[sc->i]);
}

/* RFC 2231 extended value: charset'language'%XX..., the charset read from
 * the first segment only. */
static void ext_decode(const char *v, bool first, struct buf *bytes, char *cs, size_t cs_size)
{
	const char *q1, *q2;
	size_t i;

	if (first && (q1 = strchr(v, '\'')) != NULL && (q2 = strchr(q1 + 1, '\'')) != NULL) {
		size_t n = (size_t)(q1 - v) < cs_size - 1 ? (size_t)(q1 - v) : cs_size - 1;

		memcpy(cs, v, n);
		cs[n] = '\0';
		v = q2 + 1;
	}
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] == '%' && isxdigit((unsigned char)v[i + 1]) &&
		    isxdigit((unsigned char)v[i + 2])) {
			char hex[3] = {v[i + 1], v[i + 2], '\0'};

			buf_putc(bytes, (char)strtol(hex, NULL, 16));
			i += 2;
		} else
			buf_putc(bytes, v[i]);
	}
}

struct segment {
	char *value;
	bool ext;
};

/* Does pname name our parameter, and which RFC 2231 piece of it? */
static bool match_name(const char *pname, const char *name, long *seg_r, bool *ext_r)
{
	size_t n = strlen(name);
	const char *rest;
	char *end;

	if (strncasecmp(pname, name, n) != 0)
		return false;
	rest = pname + n;
	*seg_r = -1;
	*ext_r = false;
	if (*rest == '\0')
		return true;
	if (*rest != '*')
		return false;
	rest++;
	if (*rest == '\0') {
		*ext_r = true;
		return true;
	}
	if (!isdigit((unsigned char)*rest))
		return false;
	*seg_r = strtol(rest, &end, 10);
	if (*end == '*') {
		*ext_r = true;
		end++;
	}
	return *end == '\0' && *seg_r < MAX_SEGMENTS;
}

static const char *join_segments(struct segment *seg, size_t n_seg, struct pool *p)
{
	struct buf bytes;
	char cs[48] = "";
	const char *r;
	size_t i, len;
	bool any_ext = false;

	buf_init(&bytes);
	for (i = 0; i < n_seg && seg[i].value != NULL; i++) {
		if (seg[i].ext) {
			ext_decode(seg[i].value, i == 0, &bytes, cs, sizeof(cs));
			any_ext = true;
		} else
			buf_puts(&bytes, seg[i].value);
	}
	if (any_ext)
		r = mime_to_utf8(cs[0] != '\0' ? cs : NULL, (const unsigned char *)buf_str(&bytes),
		                 bytes.len, p, &len, NULL);
	else
		r = pool_strdup(p, buf_str(&bytes));
	buf_free(&bytes);
	return r;
}

const char *mime_param(const char *value, const char *name, struct pool *p)
{
	struct segment seg[MAX_SEGMENTS] = {{NULL, false}};
	struct pscan sc = {value, 0};
	struct buf pname, pval;
	const char *plain = NULL, *semi = strchr(value, ';');
	size_t n_seg = 0;

	if (semi == NULL)
		return NULL;
	sc.i = (size_t)(semi - value);
	buf_init(&pname);
	buf_init(&pval);
	while (value[sc.i] != '\0') {
		long idx;
		bool ext;

		if (value[sc.i] == ';' || value[sc.i] == ' ' || value[sc.i] == '\t') {
			sc.i++;
			continue;
		}
		buf_reset(&pname);
		buf_reset(&pval);
		scan_word(&sc, &pname, true);
		skip_cfws(&sc);
		if (value[sc.i] != '=') {
			if (pname.len == 0 && value[sc.i] != '\0')
				sc.i++; /* a stray character: step over it */
			continue;
		}
		sc.i++;
		scan_word(&sc, &pval, false);
		if (pname.len == 0 || !match_name(buf_str(&pname), name, &idx, &ext))
			continue;
		if (idx < 0 && !ext) {
			if (plain == NULL)
				plain = pool_strdup(p, buf_str(&pval));
			continue;
		}
		if (idx < 0)
			idx = 0;
		if (seg[idx].value == NULL) {
			seg[idx].value = pool_strdup(p, buf_str(&pval));
			seg[idx].ext = ext;
			if ((size_t)idx + 1 > n_seg)
				n_seg = (size_t)idx + 1;
		}
	}
	buf_free(&pname);
	buf_free(&pval);
	/* RFC 2231 wins over the plain form, which old clients write beside it. */
	if (n_seg > 0 && seg[0].value != NULL)
		return join_segments(seg, n_seg, p);
	return plain;
}

/* ---- parts ---- */

static void parse_entity(struct parser *ps, const unsigned char *s, size_t len, int parent,
                         int depth, bool digest);

static const char *header_value(const struct mime_header *h, size_t n, const char *name)
{
	const struct mime_header *f = mime_header_find(h, n, name, 1);

	return f != NULL ? f->value : NULL;
}

/* "text/plain" from a Content-Type value; NULL if it is not type/subtype. */
static const char *media_type(struct pool *p, const char *v)
{
	size_t i = 0, slash = 0;

	while (v[i] != '\0' && v[i] != ';' && v[i] != ' ' && v[i] != '\t' && v[i] != '(') {
		if (v[i] == '/' && slash == 0)
			slash = i;
		i++;
	}
	if (slash == 0 || slash + 1 == i)
		return NULL;
	return lower_dup(p, v, i);
}

static void describe(struct parser *ps, struct mime_part *pt, bool digest)
{
	const char *ct = header_value(pt->headers, pt->n_headers, "Content-Type");
	const char *cte = header_value(pt->headers, pt->n_headers, "Content-Transfer-Encoding");
	const char *cd = header_value(pt->headers, pt->n_headers, "Content-Disposition");
	const char *name = NULL, *cs;

	pt->type = ct != NULL ? media_type(ps->p, ct) : NULL;
	if (pt->type == NULL)
		pt->type = digest ? "message/rfc822" : "text/plain";
	cs = ct != NULL ? mime_param(ct, "charset", ps->p) : NULL;
	pt->charset = cs != NULL && cs[0] != '\0' ? lower_dup(ps->p, cs, strlen(cs)) : NULL;
	pt->encoding =
	    cte != NULL && cte[0] != '\0' ? lower_dup(ps->p, cte, strcspn(cte, " \t;(")) : "7bit";
	if (cd != NULL) {
		pt->attachment = strncasecmp(cd, "attachment", 10) == 0;
		name = mime_param(cd, "filename", ps->p);
	}
	if (name == NULL && ct != NULL)
		name = mime_param(ct, "name", ps->p);
	if (name != NULL)
		pt->filename = mime_decode_header(name, ps->p, NULL);
}

/* Undo the transfer encoding of a leaf. */
static void transfer_decode(struct parser *ps, struct mime_part *pt)
{
	unsigned char *out;

	if (strcmp(pt->encoding, "base64") == 0 || strcmp(pt->encoding, "quoted-printable") == 0) {
		out = pool_alloc(ps->p, pt->raw_len + 1);
		if (out == NULL) {
			ps->oom = true;
			return;
		}
		pt->len = pt->encoding[0] == 'b'
		              ? mime_base64_decode(pt->raw, pt->raw_len, out, &pt->flags)
		              : mime_qp_decode(pt->raw, pt->raw_len, out, false, &pt->flags);
		pt->data = out;
		return;
	}
	if (strcmp(pt->encoding, "7bit") != 0 && strcmp(pt->encoding, "8bit") != 0 &&
	    strcmp(pt->encoding, "binary") != 0)
		pt->flags |= MIME_F_UNKNOWN_ENCODING;
	pt->data = pt->raw;
	pt->len = pt->raw_len;
}

static void make_text(struct parser *ps, struct mime_part *pt)
{
	if (strncmp(pt->type, "text/", 5) != 0)
		return;
	pt->text = mime_to_utf8(pt->charset, pt->data, pt->len, ps->p, &pt->text_len, &pt->flags);
	if (pt->text == NULL)
		ps->oom = true;
}

/*
 * The next delimiter line "--boundary" at or after pos, at a line start,
 * followed by "--" (close) or white space to the line end. Returns its
 * offset (of the "--"), or len if there is none.
 */
static size_t find_delimiter(const unsigned char *s, size_t len, size_t pos, const char *delim,
                             size_t dlen, bool *close_r, size_t *after_r)
{
	while (pos + dlen <= len) {
		const unsigned char *hit = memmem(s + pos, len - pos, delim, dlen);
		size_t at, j;

		if (hit == NULL)
			break;
		at = (size_t)(hit - s);
		pos = at + 1;
		if (at > 0 && s[at - 1] != '\n')
			continue;
		j = at + dlen;
		*close_r = j + 1 < len && s[j] == '-' && s[j + 1] == '-';
		if (*close_r)
			j += 2;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && s[j] == '\r')
			j++;
		if (j < len && s[j] != '\n')
			continue;
		*after_r = j < len ? j + 1 : len;
		return at;
	}
	return len;
}

/* Content up to a delimiter excludes the line end before it. */
static size_t trim_eol(const unsigned char *s, size_t start, size_t at)
{
	if (at > start && s[at - 1] == '\n')
		at--;
	if (at > start && s[at - 1] == '\r')
		at--;
	return at;
}

static void parse_multipart(struct parser *ps, size_t idx, const char *boundary)
{
	const unsigned char *s = ps->parts[idx].raw;
	size_t len = ps->parts[idx].raw_len, dlen = strlen(boundary) + 2, at, after, start;
	int depth = ps->parts[idx].depth;
	bool digest = strcmp(ps->parts[idx].type, "multipart/digest") == 0, close = false;
	char *delim = pool_alloc(ps->p, dlen + 1);

	if (delim == NULL) {
		ps->oom = true;
		return;
	}
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary, dlen - 2);
	at = find_delimiter(s, len, 0, delim, dlen, &close, &after);
	if (at == len) {
		ps->parts[idx].flags |= MIME_F_BOUNDARY_MISSING;
		return;
	}
	while (!close && !ps->oom) {
		start = after;
		at = find_delimiter(s, len, start, delim, dlen, &close, &after);
		if (at == len) {
			ps->parts[idx].flags |= MIME_F_UNCLOSED;
			parse_entity(ps, s + start, len - start, (int)idx, depth + 1, digest);
			break;
		}
		parse_entity(ps, s + start, trim_eol(s, start, at) - start, (int)idx, depth + 1,
		             digest);
	}
}

static void parse_message_rfc822(struct parser *ps, size_t idx)
{
	struct mime_part *pt = &ps->parts[idx];
	const unsigned char *s = pt->raw;
	size_t len = pt->raw_len;

	if (strcmp(pt->encoding, "base64") == 0 || strcmp(pt->encoding, "quoted-printable") == 0) {
		transfer_decode(ps, pt);
		s = ps->parts[idx].data;
		len = ps->parts[idx].len;
	}
	parse_entity(ps, s, len, (int)idx, ps->parts[idx].depth + 1, false);
}

static void parse_entity(struct parser *ps, const unsigned char *s, size_t len, int parent,
                         int depth, bool digest)
{
	struct mime_header *h;
	struct mime_part *pt;
	size_t n_h, body, idx;
	unsigned flags = 0;
	const char *boundary = NULL;

	if (ps->oom)
		return;
	if (ps->n >= ps->lim->max_parts) {
		ps->flags |= MIME_F_TOO_MANY_PARTS;
		return;
	}
	if (depth > ps->lim->max_depth) {
		ps->flags |= MIME_F_TOO_DEEP;
		return;
	}
	body = parse_headers(ps, s, len, depth == 0, &h, &n_h, &flags);
	ps->parts = grow(ps->p, ps->parts, &ps->cap, ps->n, sizeof(*ps->parts));
	if (ps->parts == NULL) {
		ps->oom = true;
		return;
	}
	idx = ps->n++;
	pt = &ps->parts[idx];
	memset(pt, 0, sizeof(*pt));
	pt->parent = parent;
	pt->depth = depth;
	pt->headers = h;
	pt->n_headers = n_h;
	pt->flags = flags;
	pt->raw = s + body;
	pt->raw_len = len - body;
	describe(ps, pt, digest);
	if (strncmp(pt->type, "multipart/", 10) == 0) {
		const char *ct = header_value(h, n_h, "Content-Type");

		boundary = ct != NULL ? mime_param(ct, "boundary", ps->p) : NULL;
		if (boundary == NULL || boundary[0] == '\0') {
			pt->flags |= MIME_F_NO_BOUNDARY;
			pt->type = "text/plain";
		}
	}
	if (boundary != NULL && boundary[0] != '\0') {
		pt->container = true;
		parse_multipart(ps, idx, boundary);
		pt = &ps->parts[idx]; /* the array may have moved */
		if (pt->flags & MIME_F_BOUNDARY_MISSING) {
			/* Read a multipart whose boundary never comes as text. */
			pt->container = false;
			pt->type = "text/plain";
		}
	} else if (strcmp(pt->type, "message/rfc822") == 0 ||
	           strcmp(pt->type, "message/global") == 0) {
		pt->container = true;
		parse_message_rfc822(ps, idx);
		pt = &ps->parts[idx];
	}
	if (!pt->container) {
		transfer_decode(ps, pt);
		make_text(ps, &ps->parts[idx]);
	}
}

struct mime_message *mime_parse(const void *msg, size_t len, const struct mime_limits *lim,
                                struct pool *p)
{
	struct parser ps = {.p = p, .lim = lim != NULL ? lim : &mime_default_limits};
	struct mime_message *mm = pool_alloc(p, sizeof(*mm));
	size_t i;

	if (mm == NULL)
		return NULL;
	if (len > ps.lim->max_bytes) {
		len = ps.lim->max_bytes;
		ps.flags |= MIME_F_TRUNCATED;
	}
	parse_entity(&ps, msg, len, -1, 0, false);
	if (ps.oom || ps.n == 0)
		return NULL;
	mm->parts = ps.parts;
	mm->n_parts = ps.n;
	mm->headers = ps.parts[0].headers;
	mm->n_headers = ps.parts[0].n_headers;
	mm->body_offset = (size_t)(ps.parts[0].raw - (const unsigned char *)msg);
	mm->flags = ps.flags;
	for (i = 0; i < ps.n; i++)
		mm->flags |= ps.parts[i].flags;
	return mm;
}

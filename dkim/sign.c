/*
 * sign - one DKIM-Signature field. The field is written folded first and
 * hashed exactly as it will travel (a fold is CRLF TAB on the wire), minus
 * the b= value; then the signature is appended. Under "simple" header
 * canonicalization that is the only way the verifier sees the same bytes.
 */
#include "sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FOLD_AT  78 /* columns: RFC 5322's recommended line length */
#define NAME_COL 16 /* "DKIM-Signature: " */

struct fold {
	struct buf b;
	size_t col;
};

/* Add a piece; break the line first if it would not fit. sep: " " or "". */
static void fold_add(struct fold *f, const char *sep, const char *s, size_t len)
{
	size_t seplen = strlen(sep);

	if (f->col > 1 && f->col + seplen + len > FOLD_AT) {
		buf_puts(&f->b, "\n\t");
		f->col = 8;
	} else {
		buf_puts(&f->b, sep);
		f->col += seplen;
	}
	buf_append(&f->b, s, len);
	f->col += len;
}

static void fold_tag(struct fold *f, const char *tag)
{
	fold_add(f, f->b.len > 0 ? " " : "", tag, strlen(tag));
}

/* A long value that may break anywhere (base64), appended to the tag just
 * added: pieces that fill the lines. */
static void fold_b64(struct fold *f, const char *b64)
{
	size_t len = strlen(b64), off = 0;

	while (off < len) {
		size_t room = f->col < FOLD_AT ? FOLD_AT - f->col : 0, n;

		if (room < 8) {
			buf_puts(&f->b, "\n\t");
			f->col = 8;
			room = FOLD_AT - f->col;
		}
		n = len - off < room ? len - off : room;
		buf_append(&f->b, b64 + off, n);
		f->col += n;
		off += n;
	}
}

static bool listed(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return true;
	return false;
}

/* The h= entries: signed fields in message order, oversigned ones once more. */
static size_t choose(const struct dkimc_signopts *o, const struct cm_header *h, size_t n,
                     const char **names)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < DKIMC_MAX_SIGNED; i++)
		if (strcasecmp(h[i].name, "from") == 0 || listed(h[i].name, o->sign, o->n_sign))
			names[k++] = h[i].name;
	for (i = 0; i < o->n_oversign && k < DKIMC_MAX_SIGNED; i++)
		names[k++] = o->oversign[i];
	return k;
}

void dkimc_hash_headers(struct dkimc_hash *hash, enum dkimc_canon c, const char *const *names,
                        size_t n_names, const struct cm_header *h, size_t n, struct buf *scratch)
{
	bool *used = calloc(n + 1, sizeof(*used));
	size_t i, j;

	for (i = 0; i < n_names; i++) {
		for (j = n; j-- > 0;)
			if (!(used != NULL && used[j]) && strcasecmp(h[j].name, names[i]) == 0)
				break;
		if (j == (size_t)-1)
			continue; /* absent (or oversigned): contributes nothing */
		if (used != NULL)
			used[j] = true;
		buf_reset(scratch);
		dkimc_canon_header(c, h[j].name, h[j].value, scratch);
		dkimc_hash_update(hash, scratch->data, scratch->len);
	}
	free(used);
}

/* The field as it travels: "\n" folds become CRLF. */
static void wire_value(const char *value, struct buf *out)
{
	const char *p;

	buf_putc(out, ' ');
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n')
			buf_putc(out, '\r');
		buf_putc(out, *p);
	}
}

static void header_tags(struct fold *f, struct pool *p, const struct dkimc_signopts *o,
                        const struct dkimc_sigreq *r, const char **names, size_t k,
                        const unsigned char *bh, time_t now)
{
	static const char *const cn[] = {"simple", "relaxed"};
	size_t i;

	fold_tag(f, "v=1;");
	fold_tag(f, pool_printf(p, "a=%s;", dkimc_key_alg(r->key)));
	fold_tag(f, pool_printf(p, "c=%s/%s;", cn[o->hdr_canon], cn[o->body_canon]));
	fold_tag(f, pool_printf(p, "d=%s;", r->domain));
	fold_tag(f, pool_printf(p, "s=%s;", r->selector));
	if (r->identity != NULL)
		fold_tag(f, pool_printf(p, "i=%s;", r->identity));
	fold_tag(f, pool_printf(p, "t=%lld;", (long long)now));
	if (o->ttl > 0)
		fold_tag(f, pool_printf(p, "x=%lld;", (long long)now + o->ttl));
	fold_tag(f, pool_printf(p, "bh=%s;", dkimc_base64(bh, DKIMC_SHA256_LEN, p)));
	for (i = 0; i < k; i++) {
		const char *piece =
		    pool_printf(p, "%s%s%s", i == 0 ? "h=" : "", names[i], i + 1 < k ? ":" : ";");

		fold_add(f, i == 0 ? " " : "", piece, strlen(piece));
	}
}

const char *dkimc_sign(struct pool *p, const struct dkimc_signopts *o, const struct dkimc_sigreq *r,
                       const struct cm_header *h, size_t n,
                       const unsigned char bh[DKIMC_SHA256_LEN], time_t now, const char **error_r)
{
	const char *names[DKIMC_MAX_SIGNED];
	unsigned char digest[DKIMC_SHA256_LEN], sig[DKIMC_SIG_MAX];
	struct fold f = {.col = NAME_COL};
	struct buf scratch, wire;
	struct dkimc_hash *hash;
	const char *out = NULL;
	size_t k = choose(o, h, n, names);
	int siglen;

	hash = dkimc_hash_new();
	if (hash == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	buf_init(&f.b);
	buf_init(&scratch);
	buf_init(&wire);
	header_tags(&f, p, o, r, names, k, bh, now);
	fold_tag(&f, "b=");
	dkimc_hash_headers(hash, o->hdr_canon, names, k, h, n, &scratch);
	/* The signature field itself, b= empty, without its CRLF (§3.7). */
	wire_value(buf_str(&f.b), &wire);
	buf_reset(&scratch);
	dkimc_canon_header(o->hdr_canon, "DKIM-Signature", buf_str(&wire), &scratch);
	dkimc_hash_update(hash, scratch.data, scratch.len >= 2 ? scratch.len - 2 : 0);
	if (f.b.oom || scratch.oom || wire.oom || pool_failed(p)) {
		*error_r = "out of memory";
	} else if (dkimc_hash_final(hash, digest) < 0) {
		*error_r = "SHA-256 failed";
	} else if ((siglen = dkimc_key_sign(r->key, digest, sig, error_r)) > 0) {
		const char *b64 = dkimc_base64(sig, (size_t)siglen, p);

		/* "b=" is the last tag: its value follows, folded anywhere. */
		if (b64 != NULL)
			fold_b64(&f, b64);
		out = f.b.oom || b64 == NULL ? NULL : pool_strdup(p, buf_str(&f.b));
		if (out == NULL)
			*error_r = "out of memory";
	}
	dkimc_hash_free(&hash);
	buf_free(&f.b);
	buf_free(&scratch);
	buf_free(&wire);
	return out;
}

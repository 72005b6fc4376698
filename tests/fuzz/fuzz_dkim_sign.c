/*
 * fuzz_dkim_sign - our signer on arbitrary messages: header selection and
 * canonicalization (both algorithms), the body fed in uneven chunks, the
 * folded DKIM-Signature field; and the screening of DKIM-Signature fields
 * before libopendkim sees them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dkim/canon.h"
#include "../../dkim/screen.h"
#include "../../dkim/sign.h"
#include "../../lib/rfc5322.h"

#define MAX_FIELDS 2000

struct fields {
	struct cm_header h[MAX_FIELDS];
	size_t n;
	struct pool *p;
};

static void field(void *arg, const char *name, const char *value)
{
	struct fields *f = arg;

	if (f->n == MAX_FIELDS)
		return;
	f->h[f->n].name = pool_strdup(f->p, name);
	f->h[f->n].value = pool_strdup(f->p, value);
	f->h[f->n].index = 1;
	f->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sign[] = {"From", "To", "Subject", "Date", "Received"};
	static const char *const over[] = {"From"};
	static struct dkimc_key *key;
	static struct pool *keypool;
	static struct fields f;
	char *text = malloc(size + 1), *pem;
	unsigned char bh[DKIMC_SHA256_LEN];
	const char *error;
	struct dkimc_screen sc;
	struct dkimc_body b;
	struct dkimc_hash *h;
	size_t body, off, step;
	int c;

	if (key == NULL) {
		keypool = pool_create();
		key = dkimc_key_generate(DKIMC_KEY_ED25519, 0, keypool, &pem, &error);
	}
	memcpy(text, data, size);
	text[size] = '\0';
	f.p = pool_create();
	f.n = 0;
	body = rfc5322_headers(text, size, field, &f);
	if (dkimc_screen(f.p, f.h, f.n, 5, &sc) < 0)
		abort();
	for (c = 0; c < 2; c++) {
		struct dkimc_signopts o = {c, c, sign, 5, over, 1, c * 100};
		struct dkimc_sigreq r = {"example.org", "sel", c ? "@example.org" : NULL, key};

		h = dkimc_hash_new();
		dkimc_body_init(&b, c, h);
		step = size > 0 ? data[0] % 7 + 1 : 1;
		for (off = body; off < size; off += step)
			dkimc_body_update(&b, (const unsigned char *)text + off,
			                  size - off < step ? size - off : step);
		dkimc_body_final(&b, bh);
		dkimc_hash_free(&h);
		if (dkimc_sign(f.p, &o, &r, f.h, f.n, bh, 1700000000, &error) == NULL)
			abort();
	}
	pool_destroy(&f.p);
	free(text);
	return 0;
}

/*
 * fuzz_spfrecord - spf/record.c: any bytes as a TXT record. A record the
 * parser accepts must hold together: terms and modifiers point inside the
 * input, prefix lengths are in range, and every domain-spec expands (the
 * parser and the expander agree on what is valid).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../spf/macro.h"
#include "../../spf/record.h"

static const char *ptr_name(void *arg)
{
	(void)arg;
	return "mx.example.org";
}

static void inside(const char *text, size_t size, const struct spfc_span *s)
{
	if (s->len > 0 && (s->s < text || s->s + s->len > text + size))
		abort();
}

static void expands(const struct spfc_span *s)
{
	struct spfc_macro_env env = {
	    .sender = "strong-bad@email.example.com",
	    .local = "strong-bad",
	    .sender_domain = "email.example.com",
	    .domain = "email.example.com",
	    .helo = "mx.example.org",
	    .ip_dots = "192.0.2.3",
	    .ip_text = "192.0.2.3",
	    .ptr_name = ptr_name,
	};
	const char *error = NULL;
	struct buf b;

	if (s->len == 0)
		return;
	buf_init(&b);
	if (spfc_macro_expand(s->s, s->len, SPFC_MACRO_DOMAIN, &env, &b, &error) < 0)
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p = pool_create();
	const char *text = (const char *)data, *error = NULL;
	struct spfc_record rec;
	size_t i;

	if (spfc_record_parse(text, size, p, &rec, &error) == 0) {
		if (!spfc_record_is_spf(text, size))
			abort();
		for (i = 0; i < rec.n_terms; i++) {
			const struct spfc_term *t = &rec.terms[i];

			inside(text, size, &t->text);
			inside(text, size, &t->domain);
			if (t->cidr4 < 0 || t->cidr4 > 32 || t->cidr6 < 0 || t->cidr6 > 128)
				abort();
			expands(&t->domain);
		}
		inside(text, size, &rec.redirect);
		inside(text, size, &rec.exp);
		expands(&rec.redirect);
		expands(&rec.exp);
	} else if (error == NULL) {
		abort();
	}
	pool_destroy(&p);
	return 0;
}

/*
 * fuzz_headers - header parsing and formatting: message splitting (the
 * offline check and milterbench), SpamAssassin-style folding, and the
 * authserv-id of Authentication-Results values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/hdr.h"
#include "../../lib/rfc5322.h"

static void field(void *arg, const char *name, const char *value)
{
	struct buf *b = arg;
	char id[256];

	hdr_fold_sa(name, value, b);
	hdr_ar_authserv_id(value, id, sizeof(id));
	hdr_unfold(value, strlen(value), b);
	buf_reset(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct buf b;
	size_t body;

	memcpy(text, data, size);
	text[size] = '\0';
	buf_init(&b);
	body = rfc5322_headers(text, size, field, &b);
	if (body > size)
		abort();
	rfc5322_crlf(text + body, size - body, &b);
	buf_free(&b);
	free(text);
	return 0;
}

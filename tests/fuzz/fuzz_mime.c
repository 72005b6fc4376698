/*
 * fuzz_mime - the MIME decoder (lib/mime.c, lib/mime_decode.c): structure,
 * transfer encodings, charsets, encoded-words and parameters, under the
 * default limits and under tight ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/mime.h"

static void walk(const struct mime_message *mm, struct pool *p)
{
	size_t i, j;

	for (i = 0; i < mm->n_parts; i++) {
		const struct mime_part *pt = &mm->parts[i];

		if (pt->text != NULL && strlen(pt->text) > pt->text_len)
			abort();
		for (j = 0; j < pt->n_headers; j++) {
			mime_decode_header(pt->headers[j].value, p, NULL);
			mime_param(pt->headers[j].value, "name", p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits tight = {
	    .max_bytes = 4096, .max_parts = 8, .max_depth = 3, .max_headers = 16};
	struct pool *p = pool_create();
	struct mime_message *mm;

	mm = mime_parse(data, size, NULL, p);
	if (mm != NULL)
		walk(mm, p);
	mm = mime_parse(data, size, &tight, p);
	if (mm != NULL && mm->n_parts > tight.max_parts)
		abort();
	pool_destroy(&p);
	return 0;
}

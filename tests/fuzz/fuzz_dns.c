/*
 * fuzz_dns - lib/dnswire.c: rdata of every type lib/dns.h parses, names in
 * wire form, and names in presentation form, which must read back to the
 * same wire form after printing (both escape styles).
 *
 * Input: one byte choosing the type, then rdata items each prefixed by a
 * length byte; the whole input is also tried as a wire name and as text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/dnswire.h"

static void roundtrip(const char *text)
{
	unsigned char wire[DNS_WIRE_MAX], again[DNS_WIRE_MAX];
	char out[DNS_NAME_BUF];
	const char *error;
	int len, strict;

	len = dns_name_from_text(text, wire, &error);
	if (len < 0)
		return;
	for (strict = 0; strict <= 1; strict++) {
		if (dns_name_to_text(wire, (size_t)len, strict, out, sizeof(out)) != len)
			abort();
		if (dns_name_from_text(out, again, &error) != len || memcmp(wire, again, len) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = {DNS_A, DNS_AAAA, DNS_MX, DNS_PTR, DNS_TXT};
	struct dns_rdata rd[256];
	struct dns_result r;
	struct pool *p;
	char *text, out[DNS_NAME_BUF];
	size_t i, n = 0;

	if (size == 0)
		return 0;
	p = pool_create();
	memset(&r, 0, sizeof(r));
	r.type = types[data[0] % 5];
	for (i = 1; i < size && n < 256;) {
		size_t len = data[i++];

		if (len > size - i)
			len = size - i;
		rd[n].p = data + i;
		rd[n++].len = len;
		i += len;
	}
	if (dns_rdata_parse(&r, rd, n, p) == DNS_OK && r.n == 0)
		abort();
	dns_name_to_text(data, size, 0, out, sizeof(out));
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	roundtrip(text);
	free(text);
	pool_destroy(&p);
	return 0;
}

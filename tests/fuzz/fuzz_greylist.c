/*
 * fuzz_greylist - greylisting's parsers: whitelist lines in postgrey's
 * formats (then matched against the input itself), the stored records
 * (which must survive a round trip), and sender normalisation with the
 * triplet key built from it (always bounded and printable ASCII).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../greylist/grey.h"

static void ignore(void *ctx, const char *file, int line, const char *text)
{
	(void)ctx, (void)file, (void)line;
	assert(text != NULL && text[0] != '\0');
}

static void fuzz_whitelist(const char *text)
{
	struct grey_wl *c = grey_wl_new(GREY_WL_CLIENTS), *a = grey_wl_new(GREY_WL_ADDRESSES);
	struct ip_addr ip;

	grey_wl_add_line(c, text, "fuzz", 1, ignore, NULL);
	grey_wl_add_line(a, text, "fuzz", 1, ignore, NULL);
	if (ip_parse("192.0.2.1", &ip) == 0)
		grey_wl_client(c, &ip, text);
	grey_wl_client(c, &ip, NULL);
	grey_wl_address(a, text);
	grey_wl_free(&c);
	grey_wl_free(&a);
}

static void fuzz_records(const uint8_t *data, size_t size)
{
	struct grey_triplet t, t2;
	struct grey_client c, c2;
	struct buf b;

	buf_init(&b);
	if (grey_triplet_parse(data, size, &t) == 0) {
		grey_triplet_format(&t, &b);
		assert(grey_triplet_parse(b.data, b.len, &t2) == 0);
		assert(memcmp(&t, &t2, sizeof(t)) == 0);
	}
	if (grey_client_parse(data, size, &c) == 0) {
		grey_client_format(&c, &b);
		assert(grey_client_parse(b.data, b.len, &c2) == 0);
		assert(memcmp(&c, &c2, sizeof(c)) == 0);
	}
	buf_free(&b);
}

static void fuzz_key(const char *text)
{
	struct buf s, r, key;
	size_t i;

	buf_init(&s);
	buf_init(&r);
	buf_init(&key);
	grey_sender_normalize(text, &s);
	grey_rcpt_normalize(text, &r);
	grey_triplet_key("2001:db8:ffff:ffff::/64", buf_str(&s), buf_str(&r), &key);
	assert(key.len <= GREY_KEY_MAX);
	for (i = 0; i < key.len; i++)
		assert(key.data[i] > 0x20 && key.data[i] < 0x7f);
	buf_free(&s);
	buf_free(&r);
	buf_free(&key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_whitelist(text);
	fuzz_records(data, size);
	fuzz_key(text);
	free(text);
	return 0;
}

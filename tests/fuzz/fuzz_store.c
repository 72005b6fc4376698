/*
 * fuzz_store - the store's parsers: store URIs (lmdb:, redis://,
 * redis+unix:, with parameters and %XX escapes), the LMDB record header,
 * counter values. Parsed results must be consistent; records and counters
 * must survive a round trip.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/store_impl.h"

static void fuzz_uri(const char *text)
{
	struct store_uri u;
	const char *err = NULL;

	if (store_uri_parse(text, &u, &err) < 0) {
		assert(err != NULL && strlen(err) < 1024);
		return;
	}
	assert(strlen(u.name) < sizeof(u.name));
	if (u.kind == STORE_LMDB) {
		assert(u.path[0] == '/' && u.map_size <= u.map_max);
		assert(u.map_size >= STORE_MAP_SIZE_MIN);
	} else {
		assert(u.port >= 1 && u.port <= 65535 && u.db >= 0 && u.db <= 65535);
		assert(u.timeout_ms >= 1 && u.pool >= 1);
		assert(u.path[0] == '/' || u.host[0] != '\0');
		/* A password never shows in the name used for messages. */
		if (u.password[0] != '\0')
			assert(strstr(u.name, "***") != NULL);
	}
}

static void fuzz_record(const uint8_t *data, size_t size)
{
	const void *val;
	size_t vlen;
	uint64_t exp;
	uint8_t *again;

	if (store_rec_decode(data, size, &exp, &val, &vlen) < 0)
		return;
	assert(vlen == size - STORE_REC_HDR && (const uint8_t *)val == data + STORE_REC_HDR);
	again = malloc(size);
	store_rec_encode(again, exp, val, vlen);
	assert(memcmp(again, data, size) == 0);
	free(again);
}

static void fuzz_counter(const uint8_t *data, size_t size)
{
	long long n, m;
	char out[24];
	size_t len;

	if (store_counter_parse(data, size, &n) < 0)
		return;
	len = store_counter_format(n, out);
	assert(store_counter_parse(out, len, &m) == 0 && m == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_uri(text);
	fuzz_record(data, size);
	fuzz_counter(data, size);
	store_key_show(data, size);
	free(text);
	return 0;
}

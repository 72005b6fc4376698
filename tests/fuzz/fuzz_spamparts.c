/*
 * fuzz_spamparts - the spam check's small parsers on raw input: DNSBL
 * lines, RFC 5322 dates, zip archive directories, address fields and web
 * addresses (found in text and parsed one by one).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../spam/date.h"
#include "../../spam/dnsbl.h"
#include "../../spam/uri.h"
#include "../../spam/view.h"
#include "../../spam/zip.h"

static bool count(void *arg, const char *name, size_t len)
{
	(void)name;
	(void)len;
	++*(long *)arg;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	struct spam_dnsbl_line l;
	struct spam_addr a[16];
	struct spam_uri u;
	struct pool *p = pool_create();
	size_t pos = 0, s, n;
	time_t t;
	long names = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	if (spam_dnsbl_parse(text, &l, err, sizeof(err)) == 0)
		spam_dnsbl_line_free(&l);
	spam_date_parse(text, &t);
	if (spam_zip_names(data, size, count, &names) > SPAM_ZIP_MAX_NAMES)
		abort();
	spam_addr_parse(text, p, a, 16);
	while (spam_uri_next(text, strlen(text), &pos, &s, &n))
		spam_uri_parse(text + s, n, p, &u);
	spam_uri_text_host(text, p);
	pool_destroy(&p);
	free(text);
	return 0;
}

/*
 * fuzz_dkim_tags - the DKIM module's parsers of untrusted text: tag=value
 * lists (DKIM-Signature fields, key records), h= lists, the From address,
 * wildcard patterns and domain names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dkim/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), addr[512];
	const char *error, *domain, *item;
	struct dkimc_tags t;
	size_t pos = 0, len, i;

	memcpy(text, data, size);
	text[size] = '\0';
	if (dkimc_tags_parse(text, size, &t, &error) == 0) {
		for (i = 0; i < t.n; i++) {
			if (t.v[i].value + t.v[i].value_len > text + size)
				abort();
			pos = 0;
			while (
			    dkimc_list_next(t.v[i].value, t.v[i].value_len, ':', &pos, &item, &len))
				if (item + len > t.v[i].value + t.v[i].value_len)
					abort();
		}
	}
	if (dkimc_from_address(text, addr, sizeof(addr), &domain) &&
	    (strlen(addr) >= sizeof(addr) || !dkimc_domain_valid(domain)))
		abort();
	dkimc_glob(text, "alice@example.org");
	dkimc_glob("*@*.example.*", text);
	dkimc_domain_valid(text);
	free(text);
	return 0;
}

/*
 * fuzz_dkim_tables - the key list parsers on arbitrary files: dkim-filter's
 * KeyList, OpenDKIM's KeyTable and SigningTable (refile: and plain), the
 * Domain list; then matching addresses against whatever rules came out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dkim/sign.h"
#include "../../dkim/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool *p = pool_create();
	struct dkimc_report r = {NULL, NULL, p, 0};
	struct dkimc_tables t = {0};
	struct dkimc_sigreq out[DKIMC_MAX_SIGS];
	char *text = malloc(size + 2);

	memcpy(text, data, size);
	text[size] = '\0';
	dkimc_keylist_parse(&t, p, "/fuzz/keylist", text, &r);
	dkimc_keytable_parse(&t, p, "/fuzz/keytable", text, &r);
	dkimc_signingtable_parse(&t, p, "/fuzz/signingtable", text, true, &r);
	dkimc_signingtable_parse(&t, p, "/fuzz/signingtable", text, false, &r);
	if (text[0] != '/') /* a path would be read as a file of domains */
		dkimc_domains_add(&t, p, text, "sel", "/fuzz/key", NULL, &r);
	t.multiple = size > 0 && (data[0] & 1);
	t.subdomains = true;
	/* No key is loaded, so nothing may match; the walk must not crash. */
	if (dkimc_tables_match(&t, "alice@mail.example.org", "mail.example.org", p, out,
	                       DKIMC_MAX_SIGS) != 0)
		abort();
	free(text);
	pool_destroy(&p);
	return 0;
}

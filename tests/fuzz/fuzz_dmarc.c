/*
 * fuzz_dmarc - dmarc/: the input as a DMARC record, as a From value, as a
 * domain (normal form, punycode, Organizational Domain) and as a Public
 * Suffix List. Normal forms must be stable and Organizational Domains must
 * be suffixes of their domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dmarc/from.h"
#include "../../dmarc/psl.h"
#include "../../dmarc/record.h"

static const char small_psl[] = "com\nuk\nco.uk\n*.kawasaki.jp\n!city.kawasaki.jp\n"
                                "\xe4\xb8\xad\xe5\x9b\xbd\n// comment\n";

static void domain(const struct dmarcc_psl *psl, const char *s)
{
	char norm[DMARCC_DOMAIN_MAX + 1], again[DMARCC_DOMAIN_MAX + 1], org[DMARCC_DOMAIN_MAX + 1];
	size_t nl, ol;

	if (!dmarcc_domain_normal(s, norm))
		return;
	if (!dmarcc_domain_normal(norm, again) || strcmp(norm, again) != 0)
		abort();
	dmarcc_psl_org_domain(psl, norm, org);
	nl = strlen(norm);
	ol = strlen(org);
	if (ol > nl || strcmp(norm + nl - ol, org) != 0 || (ol < nl && norm[nl - ol - 1] != '.'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmarcc_psl *psl;
	struct dmarcc_psl *fuzzed;
	struct dmarcc_authors au;
	struct dmarcc_record rec;
	const char *error = NULL;
	char *text = malloc(size + 1);
	size_t i;

	if (psl == NULL)
		psl = dmarcc_psl_parse(small_psl, sizeof(small_psl) - 1, &error);
	memcpy(text, data, size);
	text[size] = '\0';
	if (dmarcc_record_is_dmarc(text, size) &&
	    dmarcc_record_parse(text, size, &rec, &error) == 0 &&
	    (rec.p == DMARCC_P_UNSET || rec.pct < 0 || rec.pct > 100))
		abort();
	memset(&au, 0, sizeof(au));
	au.n_fields = 1;
	dmarcc_from_parse(text, &au);
	if (au.n > DMARCC_MAX_AUTHORS || au.n_no_domain > au.n_addresses)
		abort();
	for (i = 0; i < au.n; i++)
		domain(psl, au.domain[i]);
	domain(psl, text);
	fuzzed = dmarcc_psl_parse(text, size, &error);
	if (fuzzed != NULL) {
		domain(fuzzed, "a.b.example.co.uk");
		dmarcc_psl_free(&fuzzed);
	}
	free(text);
	return 0;
}

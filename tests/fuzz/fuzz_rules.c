/*
 * fuzz_rules - the spam rule file parser (spam/rules.c), meta compilation
 * and ordering; a set that parses is then run on a small message, so
 * meta evaluation sees what the parser lets through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../spam/rules.h"
#include "../../spam/view.h"

static void ignore(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char msg[] = "From: a@example.org\nTo: b@example.org\nSubject: Hello\n"
	                          "Content-Type: text/html\n\n<p>Hi <a href=\"http://x.example/\">"
	                          "www.y.example</a></p>\n";
	struct spam_ruleset *rs = spam_rules_new(ignore, NULL);
	struct pool *p;
	struct spam_view v;
	long *values;

	if (rs == NULL)
		return 0;
	spam_rules_parse(rs, (const char *)data, size, "fuzz.rules");
	if (spam_rules_finish(rs) == 0) {
		p = pool_create();
		values = calloc(rs->n + 1, sizeof(*values));
		if (spam_view_build(&v, msg, sizeof(msg) - 1, 65536, NULL, p) == 0)
			spam_rules_run(rs, &v, values, NULL);
		free(values);
		pool_destroy(&p);
	}
	spam_rules_free(&rs);
	return 0;
}

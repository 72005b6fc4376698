/*
 * fuzz_view - a message as the spam check reads it: MIME, the HTML reader
 * (spam/html.c), web addresses (spam/uri.c), address fields, zip archive
 * listings, then every built-in rule and measure on the result and the
 * classifier's tokens (spam/token.c: address fields, Received lines,
 * shapes, word pairs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../spam/html.h"
#include "../../spam/rules.h"
#include "../../spam/token.h"
#include "../../spam/view.h"

extern const char cm_default_rules[];

static struct spam_ruleset *rules;

static void ignore(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spam_env env = {"[192.0.2.1]", "a@example.org", "192.0.2.1", "unknown", NULL, 0};
	struct spam_html h;
	struct spam_view v;
	struct spam_tokens t = {0};
	struct pool *p;
	long *values;

	if (rules == NULL) {
		rules = spam_rules_new(ignore, NULL);
		spam_rules_parse(rules, cm_default_rules, strlen(cm_default_rules), "built-in");
		if (spam_rules_finish(rules) != 0)
			abort();
	}
	p = pool_create();
	values = calloc(rules->n + 1, sizeof(*values));
	if (spam_view_build(&v, data, size, 1 << 20, &env, p) == 0) {
		spam_rules_run(rules, &v, values, NULL);
		spam_tokenize(&v, &t);
	}
	/* The input as HTML on its own too (a part with no headers). */
	spam_html_reduce((const char *)data, size, p, &h);
	free(values);
	pool_destroy(&p);
	return 0;
}

/*
 * fuzz_spfmacro - spf/macro.c: a macro-string and the values it expands,
 * all from the input (fields separated by NUL bytes: the string, then the
 * local-part, domain and HELO; the first byte picks domain or explanation
 * mode). The syntax check and the expansion must agree, and expansion must
 * never read past a value or fail on a valid string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../spf/macro.h"

static const char *ptr_name(void *arg)
{
	return arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *field[4] = {"", "local", "example.org", "helo.example"};
	enum spfc_macro_mode mode;
	struct spfc_macro_env env;
	const char *e1 = NULL, *e2 = NULL;
	size_t i, n = 0, start = 1, speclen;
	char sender[512];
	struct buf b;
	int checked, expanded;

	if (size < 1)
		return 0;
	mode = data[0] & 1 ? SPFC_MACRO_EXP : SPFC_MACRO_DOMAIN;
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 1; i <= size && n < 4; i++) {
		if (i == size || copy[i] == '\0') {
			copy[i] = '\0';
			field[n++] = copy + start;
			start = i + 1;
		}
	}
	speclen = strlen(field[0]);
	snprintf(sender, sizeof(sender), "%s@%s", field[1], field[2]);
	memset(&env, 0, sizeof(env));
	env.sender = sender;
	env.local = field[1];
	env.sender_domain = env.domain = field[2];
	env.helo = field[3];
	env.receiver = "mx.example.net";
	env.ip_dots = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.C.B.0.1";
	env.ip_text = "2001:db8::cb01";
	env.ipv6 = true;
	env.ptr_name = ptr_name;
	env.arg = field[3];
	checked = spfc_macro_check(field[0], speclen, mode, &e1);
	buf_init(&b);
	expanded = spfc_macro_expand(field[0], speclen, mode, &env, &b, &e2);
	/* Only a value with too many parts may fail where the check passed. */
	if (checked != expanded && !(checked == 0 && e2 != NULL && strstr(e2, "too") != NULL))
		abort();
	if (expanded == 0 && b.len > 0 && strlen(buf_str(&b)) > b.len)
		abort();
	buf_free(&b);
	free(copy);
	return 0;
}

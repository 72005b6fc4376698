/*
 * builtin - the measures `test NAME [ARG]` rules can read: what regular
 * expressions cannot see (HTML hiding, links whose text lies, executables
 * inside zip archives, forged-looking senders, unparseable dates, decoding
 * problems). Each returns a count or a size; 0 means nothing found.
 */
#ifndef SPAM_BUILTIN_H
#define SPAM_BUILTIN_H

#include <stdbool.h>

#include "view.h"

struct spam_test {
	const char *name;
	const char *doc;
	/* NULL: takes no argument; else checks one, returning an error text or NULL. */
	const char *(*check_arg)(const char *arg);
	long (*fn)(const struct spam_view *v, const char *arg);
};

const struct spam_test *spam_test_find(const char *name);
/* Every test, NULL-terminated by name (for the README and error messages). */
extern const struct spam_test spam_tests[];

#endif

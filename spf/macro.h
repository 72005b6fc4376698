/*
 * macro - SPF macro-strings (RFC 7208 §7): checking their syntax and
 * expanding them for domain-specs and explanations. Expansion never asks
 * DNS itself: the %{p} value comes from the caller, only when used.
 */
#ifndef SPFC_MACRO_H
#define SPFC_MACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/buf.h"

enum spfc_macro_mode {
	SPFC_MACRO_DOMAIN, /* a domain-spec or modifier value: no c, r, t, no spaces */
	SPFC_MACRO_EXP,    /* explanation text (§6.2): every letter, spaces allowed */
};

/* Letters whose values come from the sender or HELO (the result depends on them). */
#define SPFC_USED_SENDER 0x1 /* s, l, h */
#define SPFC_USED_PTR    0x2 /* p */
#define SPFC_USED_TIME   0x4 /* t */

/* What the macro letters expand to (§7.3). */
struct spfc_macro_env {
	const char *sender;        /* s: local-part@domain */
	const char *local;         /* l */
	const char *sender_domain; /* o */
	const char *domain;        /* d: the domain being evaluated */
	const char *helo;          /* h */
	const char *receiver;      /* r */
	const char *ip_dots;       /* i: dotted decimal, or 32 dotted nibbles for IPv6 */
	const char *ip_text;       /* c: the address as usually written */
	bool ipv6;                 /* v: "ip6", else "in-addr" */
	long now;                  /* t */
	/* p: the validated name of the client ("unknown" if none), asked for
	 * only when a string uses it. */
	const char *(*ptr_name)(void *arg);
	void *arg;
	unsigned used; /* out: SPFC_USED_* bits of the letters expanded */
};

/* 0 if s[0..len) is a valid macro-string in that mode, else -1 with *error_r (static). */
int spfc_macro_check(const char *s, size_t len, enum spfc_macro_mode mode, const char **error_r);

/*
 * Append the expansion of s[0..len) to out. Returns 0, or -1 with *error_r
 * (static text) if s is not a valid macro-string (checked as it goes) or a
 * value has too many parts to transform (over SPFC_MACRO_MAX_PARTS).
 */
#define SPFC_MACRO_MAX_PARTS 2048
int spfc_macro_expand(const char *s, size_t len, enum spfc_macro_mode mode,
                      struct spfc_macro_env *env, struct buf *out, const char **error_r);

#endif

/*
 * uri - web addresses in mail: found in plain text, taken from HTML links,
 * normalised so rules and tokens see one form (scheme and host in lower
 * case, %-escapes in the host undone, IPv4 hosts written as decimal, hex
 * or octal numbers turned into dotted quads) and flagged for the tricks
 * spam plays with them.
 */
#ifndef SPAM_URI_H
#define SPAM_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/pool.h"

enum spam_uri_flag {
	SPAM_URI_IP = 1u << 0,         /* the host is an IP address */
	SPAM_URI_OBFUSCATED = 1u << 1, /* written to hide: a numeric IP in decimal, hex or
	                                  octal, or %-escapes in the host */
	SPAM_URI_USERINFO = 1u << 2,   /* "user@" before the host (http://bank.example@evil/) */
	SPAM_URI_PORT = 1u << 3,       /* a port other than the scheme's own */
	SPAM_URI_HTML = 1u << 4,       /* from an HTML attribute, not from text */
	SPAM_URI_MISMATCH = 1u << 5,   /* the link's text names another domain */
};

struct spam_uri {
	const char *uri;    /* normalised: scheme://host[:port]/path?query */
	const char *host;   /* lower case, no trailing dot */
	const char *domain; /* the registered domain (example.co.uk), or the IP */
	unsigned flags;
};

/*
 * Parse and normalise one address (http, https, ftp, or "www." with no
 * scheme). Returns 0, or -1 if s is not such an address.
 */
int spam_uri_parse(const char *s, size_t len, struct pool *p, struct spam_uri *u);

/*
 * The next address in plain text at or after *pos: returns true and its
 * extent, with trailing punctuation left out, and moves *pos past it.
 */
bool spam_uri_next(const char *text, size_t len, size_t *pos, size_t *start_r, size_t *len_r);

/* The registered domain of a host, by the rule of thumb "the last two
 * labels, three under a two-letter country's co/com/net/org/ac/gov/...". */
const char *spam_uri_domain(const char *host);

/* A host name that a link's text shows, if it shows one ("www.bank.example",
 * "https://bank.example/login"), else NULL. */
const char *spam_uri_text_host(const char *text, struct pool *p);

#endif

/*
 * view - one message as the spam rules and the classifier read it, built
 * once per message: the MIME tree (lib/mime.h), header values decoded to
 * UTF-8, the body text (text parts, HTML reduced to what shows), the raw
 * text parts, the web addresses with their flags, HTML measures and the
 * SMTP envelope when there is one.
 */
#ifndef SPAM_VIEW_H
#define SPAM_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/mime.h"
#include "html.h"
#include "uri.h"

#define SPAM_VIEW_MAX_URIS 500

/* The SMTP envelope; every field NULL (n_rcpts 0) when reading files. */
struct spam_env {
	const char *helo, *mail_from, *client_ip, *client_name;
	const char *const *rcpts;
	size_t n_rcpts;
};

struct spam_view {
	struct pool *p;
	const char *msg; /* the message as received, up to the scan limit */
	size_t len;
	struct mime_message *mime;
	const char **hdr; /* mime->headers[i]'s value decoded to UTF-8 */
	const char *body; /* text parts, HTML as shown; parts separated by "\n" */
	size_t body_len;
	const char *rawbody; /* text parts decoded, HTML markup kept */
	size_t rawbody_len;
	struct spam_uri *uris; /* distinct addresses, text and HTML */
	size_t n_uris;
	struct spam_html html; /* all HTML parts together (text: in body) */
	size_t n_text_parts;   /* text/plain (or other text) parts shown inline */
	size_t n_html_parts;
	size_t plain_chars; /* characters other than white space in the plain parts */
	struct spam_env env;
};

/*
 * Build the view of msg (len bytes; only the first max are read). env may
 * be NULL. Everything comes from p. Returns 0, or -1 when out of memory.
 */
int spam_view_build(struct spam_view *v, const void *msg, size_t len, size_t max,
                    const struct spam_env *env, struct pool *p);

/* One mailbox of an address field. */
struct spam_addr {
	const char *addr; /* local@domain as written, "" if none */
	const char *name; /* the display name (or comment), unquoted, "" if none */
};

/*
 * The mailboxes of an address field value ("A <a@x>, b@y (B), grp: c@z;"),
 * at most max; returns how many were stored.
 */
size_t spam_addr_parse(const char *value, struct pool *p, struct spam_addr *out, size_t max);

/* The decoded value of the n-th (1-based) top-level field name, or NULL. */
const char *spam_view_header(const struct spam_view *v, const char *name, size_t n);

#endif

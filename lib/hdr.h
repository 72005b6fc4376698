/*
 * hdr - header text helpers: folding exactly as SpamAssassin folds its
 * X-Spam-* headers (users' Sieve rules and log greps depend on the shape),
 * unfolding, and header name checks.
 */
#ifndef CM_HDR_H
#define CM_HDR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Append to out the value of header `name` folded the way SpamAssassin 4
 * does (lines up to 79 columns counting the name, breaks after white space
 * or commas, continuation lines start with a tab, joined by "\n").
 */
void hdr_fold_sa(const char *name, const char *value, struct buf *out);

/* Append value with folds removed (CR/LF dropped, following WSP kept). */
void hdr_unfold(const char *value, size_t len, struct buf *out);

/* RFC 5322 field name: printable ASCII except ':', 1..len. */
bool hdr_name_valid(const char *name, size_t len);

/*
 * The authserv-id an Authentication-Results value starts with (RFC 8601
 * section 2.2: after optional CFWS, up to white space, ';' or a comment).
 * Writes at most size-1 bytes; returns false if there is none.
 */
bool hdr_ar_authserv_id(const char *value, char *out, size_t size);

#endif

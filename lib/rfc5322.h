/*
 * rfc5322 - split a message file into header fields and body the way an MTA
 * hands them to a milter: each field's name, its value with the leading
 * space kept and folds as "\n", and the body with CRLF line ends. A leading
 * mbox "From " line is skipped; a line without a colon ends the headers.
 */
#ifndef CM_RFC5322_H
#define CM_RFC5322_H

#include <stddef.h>

#include "buf.h"

typedef void rfc5322_field_fn(void *arg, const char *name, const char *value);

/* Calls fn for each header field; returns the offset where the body starts. */
size_t rfc5322_headers(const char *msg, size_t len, rfc5322_field_fn *fn, void *arg);
/* Appends data with every bare LF turned into CRLF. */
void rfc5322_crlf(const char *data, size_t len, struct buf *out);

#endif

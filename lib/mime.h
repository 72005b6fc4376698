/*
 * mime - decode a message once: its header fields, the MIME tree
 * (multiparts, message/rfc822 inside), each part's body with the transfer
 * encoding undone (base64, quoted-printable) and text parts converted to
 * UTF-8 from their declared charset. Spam rules and the classifier read the
 * result; other checks may too. Broken input is flagged, never fatal.
 */
#ifndef CM_MIME_H
#define CM_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

/*
 * What went wrong or looked odd while decoding, per part and (or-ed
 * together) for the message. None of these stops decoding: the parser
 * takes the most likely reading and goes on.
 */
enum mime_flag {
	MIME_F_BAD_HEADER = 1u << 0,        /* a header line without a colon ended the fields */
	MIME_F_TOO_MANY_HEADERS = 1u << 1,  /* more fields than limits.max_headers (rest ignored) */
	MIME_F_NO_BOUNDARY = 1u << 2,       /* multipart without a boundary parameter */
	MIME_F_BOUNDARY_MISSING = 1u << 3,  /* the boundary never occurs in the body */
	MIME_F_UNCLOSED = 1u << 4,          /* no closing boundary: the last part runs to the end */
	MIME_F_BAD_BASE64 = 1u << 5,        /* characters outside the alphabet, bad length */
	MIME_F_BAD_QP = 1u << 6,            /* '=' not followed by two hex digits or a line end */
	MIME_F_UNKNOWN_ENCODING = 1u << 7,  /* Content-Transfer-Encoding not understood */
	MIME_F_UNKNOWN_CHARSET = 1u << 8,   /* declared charset not known here: bytes guessed */
	MIME_F_BAD_CHARSET = 1u << 9,       /* bytes invalid in the declared charset */
	MIME_F_8BIT_UNDECLARED = 1u << 10,  /* 8-bit text with no charset, or declared ASCII */
	MIME_F_TOO_DEEP = 1u << 11,         /* nested deeper than limits.max_depth */
	MIME_F_TOO_MANY_PARTS = 1u << 12,   /* more parts than limits.max_parts */
	MIME_F_TRUNCATED = 1u << 13,        /* input cut at limits.max_bytes */
	MIME_F_BAD_ENCODED_WORD = 1u << 14, /* a malformed RFC 2047 encoded-word in a header */
	MIME_F_8BIT_HEADER = 1u << 15,      /* raw 8-bit bytes in a header field */
};

struct mime_limits {
	size_t max_bytes;   /* of the message decoded; the rest is ignored */
	size_t max_parts;   /* parts in the tree, containers included */
	int max_depth;      /* multipart and message/rfc822 nesting */
	size_t max_headers; /* fields kept per header block */
};

/* 1 MB, 1000 parts, depth 20, 1000 fields per block. */
extern const struct mime_limits mime_default_limits;

struct mime_header {
	const char *name;  /* as written */
	const char *raw;   /* value as written: after the colon, folds kept */
	const char *value; /* unfolded, outer white space trimmed, not decoded */
};

struct mime_part {
	int parent; /* index in mime_message.parts, -1 for the message itself */
	int depth;  /* 0: the message */
	const struct mime_header *headers;
	size_t n_headers;
	const char *type;         /* "text/plain", lower case, default per RFC 2045/2046 */
	const char *charset;      /* lower case, NULL when none is declared */
	const char *encoding;     /* Content-Transfer-Encoding, lower case ("7bit" default) */
	const char *filename;     /* Content-Disposition filename or Content-Type name,
	                             decoded to UTF-8; NULL if neither */
	bool attachment;          /* Content-Disposition: attachment */
	bool container;           /* multipart/x or message/rfc822: its children follow */
	const unsigned char *raw; /* body as written (still encoded) */
	size_t raw_len;
	const unsigned char *data; /* leaves: body with the transfer encoding undone */
	size_t len;
	const char *text; /* text/x leaves: data as UTF-8, LF line ends, NUL-terminated */
	size_t text_len;
	unsigned flags; /* enum mime_flag, this part's own */
};

struct mime_message {
	const struct mime_header *headers; /* of the message (= parts[0].headers) */
	size_t n_headers;
	struct mime_part *parts; /* depth-first, parts[0] is the message itself */
	size_t n_parts;
	size_t body_offset; /* where the message's body starts in the input */
	unsigned flags;     /* every part's flags or-ed, plus the message's own */
};

/*
 * Decode msg (headers, an empty line, the body; CRLF or LF line ends; a
 * leading mbox "From " line is skipped). Everything is allocated from p and
 * lives as long as it; the input must outlive the result too (raw
 * pointers point into it). Returns NULL only when p is out of memory.
 * Work and memory are bounded by the limits (NULL: mime_default_limits).
 */
struct mime_message *mime_parse(const void *msg, size_t len, const struct mime_limits *lim,
                                struct pool *p);

/* The n-th (1-based) field of that name (any case) among h[0..n_h), or NULL. */
const struct mime_header *mime_header_find(const struct mime_header *h, size_t n_h,
                                           const char *name, size_t n);

/*
 * A parameter of a structured field value ("text/plain; charset=utf-8"):
 * quoted strings unquoted, RFC 2231 continuations joined and %-escapes
 * decoded to UTF-8. NULL if absent.
 */
const char *mime_param(const char *value, const char *name, struct pool *p);

/*
 * A header value with RFC 2047 encoded-words decoded and everything
 * converted to UTF-8 (raw 8-bit bytes read as UTF-8 when valid, else as
 * Windows-1252). *flags_r (may be NULL) gets MIME_F_BAD_ENCODED_WORD,
 * MIME_F_UNKNOWN_CHARSET, MIME_F_8BIT_HEADER or-ed in.
 */
char *mime_decode_header(const char *value, struct pool *p, unsigned *flags_r);

/* Transfer decodings; the output is at most as long as the input. */
size_t mime_base64_decode(const unsigned char *in, size_t len, unsigned char *out,
                          unsigned *flags_r);
size_t mime_qp_decode(const unsigned char *in, size_t len, unsigned char *out, bool underscore,
                      unsigned *flags_r);

/*
 * in (len bytes in charset, NULL for none) as UTF-8 with LF line ends,
 * NUL-terminated, from p; *out_len_r its length. Invalid bytes become
 * U+FFFD. Flags as for mime_decode_header plus MIME_F_BAD_CHARSET and
 * MIME_F_8BIT_UNDECLARED.
 */
char *mime_to_utf8(const char *charset, const unsigned char *in, size_t len, struct pool *p,
                   size_t *out_len_r, unsigned *flags_r);

/* Names of the flags set in flags, separated by spaces ("bad-base64 ..."). */
const char *mime_flag_names(unsigned flags, struct pool *p);
/* The flag of that name ("bad-base64"), or 0. */
unsigned mime_flag_by_name(const char *name);

#endif

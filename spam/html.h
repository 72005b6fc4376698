/*
 * html - HTML mail reduced to what a reader sees: the visible text (tags
 * gone, entities decoded, white space collapsed), the links with the text
 * shown for them, and measures of what is hidden or odd (text in the
 * background colour or display:none, tiny images, forms, scripts). Linear
 * in the input, whatever the markup.
 */
#ifndef SPAM_HTML_H
#define SPAM_HTML_H

#include <stddef.h>

#include "../lib/pool.h"

#define SPAM_HTML_MAX_LINKS 1000

struct spam_link {
	const char *href; /* entities decoded, white space trimmed */
	const char *text; /* the visible anchor text, white space collapsed, cut at 200 bytes */
};

/* Tag kinds seen, for the classifier's tokens. */
enum spam_html_tagbit {
	SPAM_TAG_FONT = 1u << 0,
	SPAM_TAG_TABLE = 1u << 1,
	SPAM_TAG_IMG = 1u << 2,
	SPAM_TAG_A = 1u << 3,
	SPAM_TAG_FORM = 1u << 4,
	SPAM_TAG_SCRIPT = 1u << 5,
	SPAM_TAG_IFRAME = 1u << 6,
	SPAM_TAG_STYLE = 1u << 7,
	SPAM_TAG_CENTER = 1u << 8,
	SPAM_TAG_BODY = 1u << 9,
	SPAM_TAG_META = 1u << 10,
	SPAM_TAG_MAP = 1u << 11,
	SPAM_TAG_OBJECT = 1u << 12,
	SPAM_TAG_BASE = 1u << 13,
	SPAM_TAG_BLOCKQUOTE = 1u << 14,
	SPAM_TAG_PRE = 1u << 15,
};

struct spam_html {
	char *text; /* visible text, NUL-terminated */
	size_t len;
	size_t visible_chars;    /* characters other than white space, shown */
	size_t hidden_chars;     /* ... written but not shown (colour, display:none, tiny font) */
	struct spam_link *links; /* <a href>, <area href> */
	size_t n_links;
	const char **srcs; /* img/iframe/embed src, form action: addresses that are not links */
	size_t n_srcs;
	unsigned n_tags, n_comments, n_images, n_tiny_images, n_forms, n_scripts;
	unsigned n_bad_tags; /* '<' + letter with no closing '>' */
	unsigned tags;       /* enum spam_html_tagbit */
};

/* Reduce html (UTF-8, len bytes); 0, or -1 when p is out of memory. */
int spam_html_reduce(const char *html, size_t len, struct pool *p, struct spam_html *out);

/* Decode one entity at s ("&amp;", "&#233;", "&#xE9;"): the code point and
 * the bytes it takes, or 0 if s is no entity. */
size_t spam_html_entity(const char *s, size_t len, unsigned long *cp_r);

#endif

/*
 * from - a tolerant scanner for From values: it skips comments, keeps
 * quoted strings whole, prefers the angle address when there is one, and
 * splits mailboxes at commas and group punctuation outside brackets. The
 * domain is what follows the last '@' outside quotes.
 */
#include "from.h"

#include <stdbool.h>
#include <string.h>

#define DMARCC_ADDR_MAX 1000

struct dmarcc_addr {
	char text[DMARCC_ADDR_MAX];
	size_t len;
	bool overflow;
};

static void dmarcc_put(struct dmarcc_addr *a, char c)
{
	if (a->len + 1 < sizeof(a->text))
		a->text[a->len++] = c;
	else
		a->overflow = true;
}

static void dmarcc_mailbox(struct dmarcc_authors *au, struct dmarcc_addr *addr)
{
	char norm[DMARCC_DOMAIN_MAX + 1];
	const char *dom = NULL;
	bool quoted = false;
	size_t i;

	if (addr->len == 0 && !addr->overflow)
		return; /* an empty list element, or a group with no members */
	addr->text[addr->len] = '\0';
	au->n_addresses++;
	for (i = 0; i < addr->len; i++) {
		if (addr->text[i] == '"')
			quoted = !quoted;
		else if (addr->text[i] == '\\' && quoted && i + 1 < addr->len)
			i++;
		else if (addr->text[i] == '@' && !quoted)
			dom = addr->text + i + 1;
	}
	if (addr->overflow || dom == NULL || dom[0] == '[' || !dmarcc_domain_normal(dom, norm)) {
		au->n_no_domain++;
		return;
	}
	for (i = 0; i < au->n; i++)
		if (strcmp(au->domain[i], norm) == 0)
			return;
	if (au->n < DMARCC_MAX_AUTHORS)
		memcpy(au->domain[au->n++], norm, strlen(norm) + 1);
}

/* Skip a comment starting at s[0] == '('; returns the index after it. */
static size_t dmarcc_comment(const char *s)
{
	size_t i = 1;
	int depth = 1;

	while (s[i] != '\0' && depth > 0) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')')
			depth--;
		i++;
	}
	return i;
}

void dmarcc_from_parse(const char *value, struct dmarcc_authors *au)
{
	struct dmarcc_addr bare = {.len = 0}, angle = {.len = 0};
	bool in_angle = false, have_angle = false;
	size_t i = 0;

	while (value[i] != '\0') {
		char c = value[i];

		if (c == '(') {
			i += dmarcc_comment(value + i);
			continue;
		}
		if (c == '"') {
			struct dmarcc_addr *t = in_angle ? &angle : &bare;

			dmarcc_put(t, value[i++]);
			while (value[i] != '\0' && value[i] != '"') {
				if (value[i] == '\\' && value[i + 1] != '\0')
					dmarcc_put(t, value[i++]);
				dmarcc_put(t, value[i++]);
			}
			if (value[i] == '"')
				dmarcc_put(t, value[i++]);
			continue;
		}
		i++;
		if (c == '<' && !in_angle) {
			in_angle = true;
			angle.len = 0;
			angle.overflow = false;
		} else if (c == '>' && in_angle) {
			in_angle = false;
			have_angle = true;
		} else if (!in_angle && (c == ',' || c == ';' || c == ':')) {
			/* ':' opens a group: what came before was its name. */
			if (c != ':')
				dmarcc_mailbox(au, have_angle ? &angle : &bare);
			bare.len = angle.len = 0;
			bare.overflow = angle.overflow = have_angle = false;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			dmarcc_put(in_angle ? &angle : &bare, c);
		}
	}
	dmarcc_mailbox(au, have_angle || in_angle ? &angle : &bare);
}

/*
 * header - Received-SPF: "pass (receiver: comment) key=value; ...". Values
 * that are not dot-atoms are quoted; text that comes from the sender or DNS
 * is kept to printable ASCII so the field stays one valid header.
 */
#include "header.h"

#include <string.h>

#include "../lib/buf.h"

#define SPFC_FOLD 78

static bool spfc_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool spfc_dot_atom(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!(spfc_atext(s[i]) || (s[i] == '.' && s[i + 1] != '.' && s[i + 1] != '\0')))
			return false;
	return true;
}

/* Text for a comment or quoted-string: printable ASCII, specials replaced. */
static void spfc_put_text(struct buf *b, const char *s, const char *bad)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		buf_putc(b, c < 0x20 || c > 0x7e || strchr(bad, c) != NULL ? '?' : (char)c);
	}
}

/* Append "key=value;" on the current line or a new folded one. */
static void spfc_pair(struct buf *out, size_t *col, const char *key, const char *value)
{
	struct buf v;

	if (value == NULL)
		return;
	buf_init(&v);
	buf_printf(&v, "%s=", key);
	if (spfc_dot_atom(value)) {
		buf_puts(&v, value);
	} else {
		buf_putc(&v, '"');
		for (; *value != '\0'; value++) {
			unsigned char c = (unsigned char)*value;

			if (c == '"' || c == '\\')
				buf_putc(&v, '\\');
			buf_putc(&v, c < 0x20 || c > 0x7e ? '?' : (char)c);
		}
		buf_putc(&v, '"');
	}
	buf_putc(&v, ';');
	if (*col + 1 + v.len > SPFC_FOLD) {
		buf_puts(out, "\n\t");
		*col = 8;
	} else {
		buf_putc(out, ' ');
		(*col)++;
	}
	buf_puts(out, buf_str(&v));
	*col += v.len;
	if (v.oom)
		out->oom = true;
	buf_free(&v);
}

static void spfc_comment(struct buf *b, const struct spfc_outcome *o, const char *ip)
{
	const char *who = o->sender;

	switch (o->result) {
	case SPFC_PASS:
		buf_printf(b, "domain of %s designates %s as permitted sender", who, ip);
		break;
	case SPFC_FAIL:
		buf_printf(b, "domain of %s does not designate %s as permitted sender", who, ip);
		break;
	case SPFC_SOFTFAIL:
		buf_printf(b,
		           "domain of transitioning %s does not designate %s as permitted sender",
		           who, ip);
		break;
	case SPFC_NEUTRAL:
		buf_printf(b, "%s is neither permitted nor denied by domain of %s", ip, who);
		break;
	case SPFC_NONE:
		buf_printf(b, "domain of %s does not designate permitted sender hosts", who);
		break;
	case SPFC_TEMPERROR:
		buf_printf(b, "error in processing during lookup of %s: DNS timeout or failure",
		           who);
		break;
	case SPFC_PERMERROR:
		buf_printf(b, "error in processing during lookup of %s: the SPF record is invalid",
		           who);
		break;
	}
}

/* Append text, breaking lines at its spaces to stay within the fold column. */
static void spfc_fold_words(struct buf *out, size_t *col, const char *text)
{
	while (*text != '\0') {
		size_t w = strcspn(text, " ");

		if (*col > 8 && *col + 1 + w > SPFC_FOLD) {
			buf_puts(out, "\n\t");
			*col = 8;
		} else if (*col > 14) {
			buf_putc(out, ' ');
			(*col)++;
		}
		buf_append(out, text, w);
		*col += w;
		text += w;
		while (*text == ' ')
			text++;
	}
}

const char *spfc_received_spf(struct pool *p, const struct spfc_outcome *o,
                              const struct spfc_header_info *hi)
{
	struct buf b, c, head;
	const char *out;
	size_t col = 14; /* after "Received-SPF: " */

	buf_init(&b);
	buf_init(&c);
	buf_init(&head);
	spfc_comment(&c, o, hi->client_ip);
	buf_printf(&head, "%s (", spfc_result_name(o->result));
	spfc_put_text(&head, hi->receiver, "()\\");
	buf_puts(&head, ": ");
	spfc_put_text(&head, buf_str(&c), "()\\");
	buf_putc(&head, ')');
	spfc_fold_words(&b, &col, buf_str(&head));
	spfc_pair(&b, &col, "client-ip", hi->client_ip);
	spfc_pair(&b, &col, "envelope-from", hi->envelope_from != NULL ? hi->envelope_from : "");
	spfc_pair(&b, &col, "helo", hi->helo);
	spfc_pair(&b, &col, "receiver", hi->receiver);
	spfc_pair(&b, &col, "identity", o->identity);
	if (o->mechanism != NULL && strcmp(o->mechanism, "default") != 0)
		spfc_pair(&b, &col, "mechanism", o->mechanism);
	if (o->result == SPFC_PERMERROR || o->result == SPFC_TEMPERROR)
		spfc_pair(&b, &col, "problem", o->problem);
	out = b.oom || c.oom || head.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	buf_free(&c);
	buf_free(&head);
	return out;
}

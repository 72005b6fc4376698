/*
 * screen - guards in front of libopendkim. Its dkim_canon_selecthdrs()
 * keeps one pointer per header field and, for every h= entry, first clears
 * the slot at the count of fields matched so far: when h= names every field
 * of the message and then one more, that slot is one past the array (a heap
 * overflow any sender can trigger). Such signatures are refused here, by
 * running the same selection first; nobody signs like that. So are
 * signatures RFC 6376's tag syntax does not allow, which libopendkim might
 * read otherwise than this check (a tag given twice: it takes the last).
 */
#include "screen.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/* A field name's length as libopendkim takes it: white space before the
 * colon is not part of it. */
static size_t name_len(const char *name)
{
	size_t len = strlen(name);

	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	return len;
}

static bool is_sig(const struct cm_header *h)
{
	return name_len(h->name) == 14 && strncasecmp(h->name, "DKIM-Signature", 14) == 0;
}

/* libopendkim refuses (and does not count) fields whose names hold a byte
 * outside printable ASCII or a ';'. */
static bool takes(const struct cm_header *h)
{
	const unsigned char *c;

	for (c = (const unsigned char *)h->name; *c != '\0'; c++)
		if (*c < 32 || *c > 126 || *c == ';')
			return false;
	return true;
}

/* An h= entry names the field if they match ignoring case and white space:
 * libopendkim deletes all white space from tag values before it splits h=. */
static bool names(const char *item, size_t len, const char *name)
{
	size_t i, n = name_len(name), k = 0;

	for (i = 0; i < len; i++) {
		if (strchr(" \t\r\n", item[i]) != NULL)
			continue;
		if (k == n || tolower((unsigned char)item[i]) != tolower((unsigned char)name[k]))
			return false;
		k++;
	}
	return k == n;
}

static bool blank(const char *item, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr(" \t\r\n", item[i]) == NULL)
			return false;
	return true;
}

/* Would h= take every field given and still have entries left? Entries
 * are counted as libopendkim splits them (empty ones skipped). */
static bool overruns(const struct cm_header *h, size_t n, const bool *feed, size_t n_fed,
                     const char *list, size_t len, bool *used)
{
	size_t pos = 0, matched = 0, item_len, i;
	const char *item;

	if (n_fed == 0)
		return true;
	memset(used, 0, n * sizeof(*used));
	while (dkimc_list_next(list, len, ':', &pos, &item, &item_len)) {
		if (blank(item, item_len))
			continue;
		if (matched == n_fed)
			return true;
		for (i = n; i-- > 0;) {
			if (!feed[i] || used[i] || !names(item, item_len, h[i].name))
				continue;
			used[i] = true;
			matched++;
			break;
		}
	}
	return false;
}

static int refuse(struct pool *p, struct dkimc_screen *sc, const struct dkimc_tags *t,
                  const char *reason)
{
	struct dkimc_sigresult *v = pool_alloc(p, (sc->n_refused + 1) * sizeof(*v)), *r;
	const struct dkimc_tag *tag;

	if (v == NULL)
		return -1;
	if (sc->n_refused > 0)
		memcpy(v, sc->refused, sc->n_refused * sizeof(*v));
	sc->refused = v;
	r = &v[sc->n_refused++];
	r->result = DKIMC_PERMERROR;
	r->reason = reason;
	if ((tag = dkimc_tags_get(t, "d")) != NULL)
		r->domain = pool_strndup(p, tag->value, tag->value_len);
	if ((tag = dkimc_tags_get(t, "s")) != NULL)
		r->selector = pool_strndup(p, tag->value, tag->value_len);
	if ((tag = dkimc_tags_get(t, "a")) != NULL)
		r->algorithm = pool_strndup(p, tag->value, tag->value_len);
	if ((tag = dkimc_tags_get(t, "b")) != NULL)
		r->b = pool_strndup(p, tag->value, tag->value_len < 8 ? tag->value_len : 8);
	return 0;
}

/* Refuse signature i: no longer given, reported with reason. */
static int drop(struct pool *p, struct dkimc_screen *sc, size_t i, size_t *n_fed,
                const struct dkimc_tags *t, const char *reason)
{
	sc->feed[i] = false;
	(*n_fed)--;
	return reason != NULL ? refuse(p, sc, t, reason) : -1;
}

int dkimc_screen(struct pool *p, const struct cm_header *h, size_t n, size_t max_sigs,
                 struct dkimc_screen *sc)
{
	bool *used = pool_alloc(p, n * sizeof(*used) + 1), again = true;
	size_t i, n_sigs = 0, n_fed = 0;
	struct dkimc_tags t;
	const char *error;

	memset(sc, 0, sizeof(*sc));
	sc->feed = pool_alloc(p, n * sizeof(*sc->feed) + 1);
	sc->fed_sigs = pool_alloc(p, n * sizeof(*sc->fed_sigs) + 1);
	if (sc->feed == NULL || sc->fed_sigs == NULL || used == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		bool sig = is_sig(&h[i]);

		if (!takes(&h[i]))
			continue; /* libopendkim would refuse it anyway */
		sc->feed[i] = !sig || n_sigs++ < max_sigs;
		if (!sc->feed[i])
			sc->n_skipped++;
		n_fed += sc->feed[i];
	}
	/* Only what our strict parser reads the same way goes on: a tag given
	 * twice, say, libopendkim takes the last of. */
	for (i = 0; i < n; i++) {
		if (!sc->feed[i] || !is_sig(&h[i]) ||
		    dkimc_tags_parse(h[i].value, strlen(h[i].value), &t, &error) == 0)
			continue;
		t.n = 0;
		if (drop(p, sc, i, &n_fed, &t,
		         pool_printf(p, "signature syntax error: %s", error)) < 0)
			return -1;
	}
	/* Each signature dropped gives the others fewer fields: again until
	 * none overruns what is left (at most max_sigs rounds). */
	while (again) {
		again = false;
		for (i = 0; i < n; i++) {
			const struct dkimc_tag *list;

			if (!sc->feed[i] || !is_sig(&h[i]) ||
			    dkimc_tags_parse(h[i].value, strlen(h[i].value), &t, &error) < 0 ||
			    (list = dkimc_tags_get(&t, "h")) == NULL ||
			    !overruns(h, n, sc->feed, n_fed, list->value, list->value_len, used))
				continue; /* (a missing h= libopendkim reports itself) */
			if (drop(p, sc, i, &n_fed, &t,
			         "header list names more fields than the message has") < 0)
				return -1;
			again = true;
		}
	}
	for (i = 0; i < n; i++)
		if (sc->feed[i] && is_sig(&h[i]))
			sc->fed_sigs[sc->n_fed_sigs++] = i;
	return 0;
}

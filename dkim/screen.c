/*
 * screen - guards in front of libopendkim. Its dkim_canon_selecthdrs()
 * keeps one pointer per header field and, for every h= entry, first clears
 * the slot at the count of fields matched so far: when h= names every field
 * of the message and then one more, that slot is one past the array (a heap
 * overflow any sender can trigger). Such signatures are refused here, by
 * running the same selection first; nobody signs like that.
 */
#include "screen.h"

#include <string.h>
#include <strings.h>

#include "parse.h"

static bool is_sig(const struct cm_header *h)
{
	return strcasecmp(h->name, "DKIM-Signature") == 0;
}

/* Would h= take every field given and still have entries left? */
static bool overruns(const struct cm_header *h, size_t n, const bool *feed, size_t n_fed,
                     const char *list, size_t len, bool *used)
{
	size_t pos = 0, matched = 0, item_len, i;
	const char *item;

	if (n_fed == 0)
		return true;
	memset(used, 0, n * sizeof(*used));
	while (dkimc_list_next(list, len, ':', &pos, &item, &item_len)) {
		if (matched == n_fed)
			return true;
		for (i = n; i-- > 0;) {
			if (!feed[i] || used[i] || strlen(h[i].name) != item_len ||
			    strncasecmp(h[i].name, item, item_len) != 0)
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

int dkimc_screen(struct pool *p, const struct cm_header *h, size_t n, size_t max_sigs,
                 struct dkimc_screen *sc)
{
	bool *used = pool_alloc(p, n * sizeof(*used) + 1);
	size_t i, n_sigs = 0, n_fed = 0;

	memset(sc, 0, sizeof(*sc));
	sc->feed = pool_alloc(p, n * sizeof(*sc->feed) + 1);
	sc->fed_sigs = pool_alloc(p, n * sizeof(*sc->fed_sigs) + 1);
	if (sc->feed == NULL || sc->fed_sigs == NULL || used == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		bool sig = is_sig(&h[i]);

		sc->feed[i] = !sig || n_sigs++ < max_sigs;
		if (!sc->feed[i])
			sc->n_skipped++;
		n_fed += sc->feed[i];
	}
	for (i = 0; i < n; i++) {
		const char *error;
		const struct dkimc_tag *list;
		struct dkimc_tags t;

		if (!sc->feed[i] || !is_sig(&h[i]))
			continue;
		if (dkimc_tags_parse(h[i].value, strlen(h[i].value), &t, &error) < 0 ||
		    (list = dkimc_tags_get(&t, "h")) == NULL)
			continue; /* libopendkim reports its syntax error itself */
		if (!overruns(h, n, sc->feed, n_fed, list->value, list->value_len, used))
			continue;
		sc->feed[i] = false;
		n_fed--;
		if (refuse(p, sc, &t, "header list names more fields than the message has") < 0)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (sc->feed[i] && is_sig(&h[i]))
			sc->fed_sigs[sc->n_fed_sigs++] = i;
	return 0;
}

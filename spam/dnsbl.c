/*
 * dnsbl - DNS blocklists, a check of their own (before spam in the chain,
 * so that it has no connect hook when no list is configured). Lines naming
 * the same zone share one query (a
 * list such as zen.spamhaus.org answers with different 127.0.0.x codes for
 * its sub-lists, each line its own score). Queries start at connect from
 * the connection's pool, so they run while the SMTP dialogue goes on and
 * are cancelled if the connection ends; the first message's end of
 * message waits for them, later messages on the connection reuse the
 * answers. Private and internal clients are never looked up: no list
 * holds them, and their addresses should not leave the site.
 */
#include "dnsbl.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/check.h"
#include "../lib/dns.h"
#include "../lib/log.h"
#include "../lib/msg.h"

#define MAX_LINES 64

struct zone {
	char *name;
	long timeout_ms; /* the longest of its lines' */
};

struct spam_dnsbl {
	struct dns *dns;
	struct spam_dnsbl_line *lines;
	size_t n_lines;
	struct zone *zones;
	size_t n_zones;
	size_t *zone_of; /* line -> zone */
	struct ip_netlist private_nets;
};

/* Per connection: one query per zone, and the answers once waited for. */
struct lookups {
	struct dns_query **q;
	struct dns_result *r;
	bool *done;
	bool skipped;
};

static const char private_ranges[] = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
                                     "100.64.0.0/10, 169.254.0.0/16, fc00::/7, fe80::/10";

/* ---- configuration ---- */

static bool zone_ok(const char *z)
{
	size_t i, label = 0;

	for (i = 0; z[i] != '\0'; i++) {
		if (z[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)z[i]) || z[i] == '-' || z[i] == '_') {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return i > 0 && i < 200 && label > 0 && strchr(z, '.') != NULL;
}

static char *default_symbol(const char *zone)
{
	char *s = malloc(strlen(zone) + 9);
	size_t i, n;

	if (s == NULL)
		return NULL;
	n = (size_t)sprintf(s, "RCVD_IN_");
	for (i = 0; zone[i] != '\0'; i++)
		s[n++] =
		    isalnum((unsigned char)zone[i]) ? (char)toupper((unsigned char)zone[i]) : '_';
	s[n] = '\0';
	return s;
}

static bool symbol_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return i > 0 && i <= 60;
}

/* "2", "2s", "500ms": milliseconds, or -1. */
static long parse_timeout(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v <= 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		return v >= 1 && v <= 60000 ? (long)v : -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v <= 60 ? (long)(v * 1000) : -1;
	return -1;
}

void spam_dnsbl_line_free(struct spam_dnsbl_line *l)
{
	free(l->zone);
	free(l->symbol);
	ip_netlist_free(&l->match);
	memset(l, 0, sizeof(*l));
}

int spam_dnsbl_parse(const char *text, struct spam_dnsbl_line *l, char *err, size_t err_size)
{
	char buf[1024], *words[16], *save = NULL, *w, *end;
	size_t n = 0, i;

	memset(l, 0, sizeof(*l));
	snprintf(buf, sizeof(buf), "%s", text);
	for (w = strtok_r(buf, " \t", &save); w != NULL && n < 16; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n < 2) {
		snprintf(err, err_size,
		         "\"%s\": expected ZONE SCORE [match ADDRESSES] [timeout TIME] "
		         "[symbol NAME], such as zen.example 3.0 match 127.0.0.2",
		         text);
		return -1;
	}
	if (!zone_ok(words[0])) {
		snprintf(err, err_size, "\"%s\": expected a DNS zone such as zen.example",
		         words[0]);
		return -1;
	}
	errno = 0;
	l->score = strtod(words[1], &end);
	if (*end != '\0' || errno != 0 || l->score < -1000 || l->score > 1000) {
		snprintf(err, err_size, "%s: score \"%s\": expected a number such as 2.5", words[0],
		         words[1]);
		return -1;
	}
	l->zone = strdup(words[0]);
	for (i = 2; i < n; i += 2) {
		char *e = NULL;

		if (i + 1 >= n) {
			snprintf(err, err_size, "%s: \"%s\" needs a value", words[0], words[i]);
			goto fail;
		}
		if (strcmp(words[i], "match") == 0) {
			ip_netlist_free(&l->match);
			if (words[i + 1][0] == '/' ||
			    ip_netlist_parse(words[i + 1], &l->match, &e) < 0) {
				snprintf(
				    err, err_size, "%s: match \"%s\": %s", words[0], words[i + 1],
				    e != NULL ? e
				              : "expected addresses such as 127.0.0.2,127.0.0.4");
				free(e);
				goto fail;
			}
		} else if (strcmp(words[i], "timeout") == 0) {
			l->timeout_ms = parse_timeout(words[i + 1]);
			if (l->timeout_ms < 0) {
				snprintf(err, err_size,
				         "%s: timeout \"%s\": expected 1ms to 60s, such as 2s "
				         "or 500ms",
				         words[0], words[i + 1]);
				goto fail;
			}
		} else if (strcmp(words[i], "symbol") == 0) {
			if (!symbol_ok(words[i + 1])) {
				snprintf(err, err_size,
				         "%s: symbol \"%s\": expected capitals, digits and _",
				         words[0], words[i + 1]);
				goto fail;
			}
			free(l->symbol);
			l->symbol = strdup(words[i + 1]);
		} else {
			snprintf(err, err_size,
			         "%s: unknown option \"%s\", expected match, timeout or "
			         "symbol",
			         words[0], words[i]);
			goto fail;
		}
	}
	if (l->symbol == NULL)
		l->symbol = default_symbol(l->zone);
	if (l->zone == NULL || l->symbol == NULL) {
		snprintf(err, err_size, "out of memory");
		goto fail;
	}
	return 0;
fail:
	spam_dnsbl_line_free(l);
	return -1;
}

void spam_dnsbl_free(struct spam_dnsbl **dp)
{
	struct spam_dnsbl *d = *dp;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_lines; i++)
		spam_dnsbl_line_free(&d->lines[i]);
	for (i = 0; i < d->n_zones; i++)
		free(d->zones[i].name);
	free(d->lines);
	free(d->zones);
	free(d->zone_of);
	ip_netlist_free(&d->private_nets);
	free(d);
	*dp = NULL;
}

static size_t zone_index(struct spam_dnsbl *d, const struct spam_dnsbl_line *l)
{
	size_t i;

	for (i = 0; i < d->n_zones; i++)
		if (strcasecmp(d->zones[i].name, l->zone) == 0)
			break;
	if (i == d->n_zones) {
		d->zones[i].name = strdup(l->zone);
		d->zones[i].timeout_ms = 0;
		d->n_zones++;
	}
	if (l->timeout_ms > d->zones[i].timeout_ms)
		d->zones[i].timeout_ms = l->timeout_ms;
	return i;
}

struct spam_dnsbl *spam_dnsbl_new(struct cm_initctx *ic, const struct set_list *lines,
                                  struct dns *dns, bool *failed_r)
{
	struct spam_dnsbl *d;
	char err[512], *e = NULL;
	size_t i;

	*failed_r = false;
	if (lines->n == 0)
		return NULL;
	if (lines->n > MAX_LINES) {
		cm_init_error(ic, "DNSBL", "%zu lines, at most %d", lines->n, MAX_LINES);
		*failed_r = true;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->lines = calloc(lines->n, sizeof(*d->lines))) == NULL ||
	    (d->zones = calloc(lines->n, sizeof(*d->zones))) == NULL ||
	    (d->zone_of = calloc(lines->n, sizeof(*d->zone_of))) == NULL ||
	    ip_netlist_parse(private_ranges, &d->private_nets, &e) < 0) {
		free(e);
		spam_dnsbl_free(&d);
		*failed_r = true;
		return NULL;
	}
	d->dns = dns;
	for (i = 0; i < lines->n; i++) {
		const struct set_item *it = &lines->items[i];

		if (spam_dnsbl_parse(it->value, &d->lines[d->n_lines], err, sizeof(err)) < 0) {
			cm_init_error_item(ic, "DNSBL", it, "%s", err);
			*failed_r = true;
			continue;
		}
		d->zone_of[d->n_lines] = zone_index(d, &d->lines[d->n_lines]);
		d->n_lines++;
	}
	if (*failed_r)
		spam_dnsbl_free(&d);
	return d;
}

/* ---- lookups ---- */

int spam_dnsbl_start(struct spam_dnsbl *d, struct cm_msg *m)
{
	struct lookups *lk;
	char name[DNS_NAME_BUF];
	size_t i;

	lk = pool_alloc(m->conn_pool, sizeof(*lk));
	if (lk == NULL)
		return -1;
	*cm_conn_data(m) = lk;
	if (m->internal || m->client_ip.family == 0 ||
	    ip_netlist_match(&d->private_nets, &m->client_ip)) {
		lk->skipped = true;
		return 0;
	}
	lk->q = pool_alloc(m->conn_pool, d->n_zones * sizeof(*lk->q));
	lk->r = pool_alloc(m->conn_pool, d->n_zones * sizeof(*lk->r));
	lk->done = pool_alloc(m->conn_pool, d->n_zones * sizeof(*lk->done));
	if (lk->q == NULL || lk->r == NULL || lk->done == NULL)
		return -1;
	for (i = 0; i < d->n_zones; i++) {
		if (dns_reverse_name(&m->client_ip, d->zones[i].name, name, sizeof(name)) == NULL)
			continue;
		lk->q[i] = dns_start(d->dns, name, DNS_A, d->zones[i].timeout_ms, m->conn_pool);
	}
	return 0;
}

/* Listed in a way this line counts? Without a match list: any 127.0.0.0/8
 * answer except 127.255.255.0/24, which lists use for errors. */
static bool line_matches(const struct spam_dnsbl_line *l, const struct ip_addr *a)
{
	if (l->match.n > 0)
		return ip_netlist_match(&l->match, a);
	return a->family == AF_INET && a->a[0] == 127 && !(a->a[1] == 255 && a->a[2] == 255);
}

/* A list answering 127.255.255.x refuses us (a public resolver, a quota):
 * say so, once an hour per process, as it silently scores nothing. */
static void refused(const char *zone, const struct ip_addr *a)
{
	static atomic_long last;
	long now = (long)time(NULL), prev = atomic_load(&last);
	char text[IP_STRLEN];

	if (a->family != AF_INET || a->a[0] != 127 || a->a[1] != 255 || a->a[2] != 255)
		return;
	if (now - prev < 3600 || !atomic_compare_exchange_strong(&last, &prev, now))
		return;
	log_warn("spam: DNSBL %s answers %s: it refuses our queries (a public resolver in "
	         "Nameservers, or over its free quota); it scores nothing",
	         zone, ip_format(a, text));
}

int spam_dnsbl_collect(struct spam_dnsbl *d, struct cm_msg *m)
{
	struct lookups *lk = *cm_conn_data(m);
	char text[IP_STRLEN];
	size_t i, k;

	if (lk == NULL || lk->skipped)
		return 0;
	for (i = 0; i < d->n_zones; i++) {
		if (!lk->done[i]) {
			dns_wait(lk->q[i], &lk->r[i]);
			lk->done[i] = true;
			log_debug("spam", "DNSBL %s: %s for %s", d->zones[i].name,
			          dns_status_name(lk->r[i].status), m->client_addr);
		}
	}
	for (i = 0; i < d->n_lines; i++) {
		const struct dns_result *r = &lk->r[d->zone_of[i]];

		if (r->status != DNS_OK)
			continue;
		for (k = 0; k < r->n; k++) {
			refused(d->lines[i].zone, &r->addr[k]);
			if (!line_matches(&d->lines[i], &r->addr[k]))
				continue;
			if (cm_sym_score(m, d->lines[i].symbol, d->lines[i].score,
			                 ip_format(&r->addr[k], text)) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* ---- the check ---- */

struct dnsbl_conf {
	struct set_list lines;
};

static const struct setting dnsbl_settings[] = {
    {.name = "DNSBL",
     .type = SET_LIST,
     .offset = offsetof(struct dnsbl_conf, lines),
     .doc = "`DNSBL zone score [match 127.0.0.2,127.0.0.4] [timeout 2s] [symbol NAME]`: look "
            "the client up in this blocklist at connect; a listing adds the score (symbol "
            "RCVD_IN_ZONE). Repeat for more lists."},
    {.name = NULL},
};

static int dnsbl_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct dnsbl_conf *c = conf;
	bool failed = false;

	*state_r = spam_dnsbl_new(ic, &c->lines, cm_init_dns(ic), &failed);
	return failed ? -1 : 0;
}

static void dnsbl_free(void *state)
{
	struct spam_dnsbl *d = state;

	spam_dnsbl_free(&d);
}

/* The lookups run while the client talks. */
static int dnsbl_connect(struct cm_msg *m, void *state, const char **error_r)
{
	if (spam_dnsbl_start(state, m) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

/* Outbound mail is never scored against blocklists: its client is ours. */
static int dnsbl_eom(struct cm_msg *m, void *state, const char **error_r)
{
	if (m->outbound)
		return 0;
	if (spam_dnsbl_collect(state, m) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

const struct cm_check spam_dnsbl_check = {
    .name = "dnsbl",
    .title = "DNS blocklists",
    .settings = dnsbl_settings,
    .conf_size = sizeof(struct dnsbl_conf),
    .init = dnsbl_init,
    .free = dnsbl_free,
    .hooks = {[CM_CONNECT] = dnsbl_connect, [CM_EOM] = dnsbl_eom},
};

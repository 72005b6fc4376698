/*
 * dnsbl - DNS blocklists as scores: `DNSBL zone score [match ADDRS]
 * [timeout TIME] [symbol NAME]` lines. The client's address is looked up
 * in every zone at connect, in parallel, through the snapshot's resolver
 * (lib/dns.h); at end of message each listing that matches becomes a
 * symbol. A list that does not answer in time costs nothing but its
 * timeout, once per connection.
 */
#ifndef SPAM_DNSBL_H
#define SPAM_DNSBL_H

#include <stddef.h>

#include "../lib/ip.h"
#include "../lib/setting.h"

struct cm_check;
struct cm_initctx;
struct cm_msg;
struct dns;
struct pool;

struct spam_dnsbl;

/* The check (registered in milter/chain.c before spam). */
extern const struct cm_check spam_dnsbl_check;

/*
 * Parse the DNSBL lines (problems reported with cm_init_error on the
 * setting "DNSBL"); NULL with no lines or on errors (*failed_r set then).
 */
struct spam_dnsbl *spam_dnsbl_new(struct cm_initctx *ic, const struct set_list *lines,
                                  struct dns *dns, bool *failed_r);
void spam_dnsbl_free(struct spam_dnsbl **dp);

/* At connect: start the lookups for the client (kept in the connection's
 * slot of the calling check). */
int spam_dnsbl_start(struct spam_dnsbl *d, struct cm_msg *m);
/* At end of message: wait for the answers and add the symbols. */
int spam_dnsbl_collect(struct spam_dnsbl *d, struct cm_msg *m);

/* One line parsed, for tests: 0, or -1 with a message in err. */
struct spam_dnsbl_line {
	char *zone;
	double score;
	char *symbol;
	long timeout_ms;         /* 0: the resolver's */
	struct ip_netlist match; /* n 0: any 127.0.0.0/8 but 127.255.255.0/24 */
};
int spam_dnsbl_parse(const char *text, struct spam_dnsbl_line *l, char *err, size_t err_size);
void spam_dnsbl_line_free(struct spam_dnsbl_line *l);

#endif

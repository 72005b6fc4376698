/*
 * grey - what the greylisting module's files share: its settings, the
 * triplet keys (triplet.c), the stored records and the state machine
 * (record.c), the whitelists (whitelist.c). Nothing here talks to
 * the MTA or the store; grey.c and admin.c do.
 */
#ifndef GREY_H
#define GREY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../lib/buf.h"
#include "../lib/ip.h"
#include "../lib/setting.h"

/* Keys live under this prefix in the store (LMDB file or Redis database). */
#define GREY_PREFIX "grey:"

struct grey_conf {
	bool enabled;
	const char *store;
	long delay, retry_window, max_age;
	long awl, awl_interval;
	long mask4, mask6;
	struct set_list wl_clients, wl_senders, wl_recipients;
	bool skip_spf_pass;
	bool learn_only;
	int on_store_error; /* enum cm_policy: accept or tempfail */
	const char *text;
	bool header;
};

extern const struct setting grey_settings[];

/* ---- keys (triplet.c) ---- */

/* An escaped key component is at most this long (longer ones are hashed). */
#define GREY_PART_MAX 180
/* "t|NET|SENDER|RCPT": a key never exceeds this. */
#define GREY_KEY_MAX (2 + 48 + 1 + GREY_PART_MAX + 1 + GREY_PART_MAX)

/* "192.0.2.0/24", "2001:db8:1:2::/64": the client's network (out: IP_STRLEN + 4). */
const char *grey_client_net(const struct ip_addr *ip, long mask4, long mask6, char *out);
/*
 * The sender as a triplet sees it: lower case, BATV (prvs=TAG=user) and SRS
 * (SRS0=HHH=TT=domain=user@forwarder) reduced to the original address,
 * +extension dropped and VERP numbers replaced by '#', as postgrey does.
 * "" stays "" (the null sender).
 */
void grey_sender_normalize(const char *sender, struct buf *out);
/* The recipient: lower case. */
void grey_rcpt_normalize(const char *rcpt, struct buf *out);
/* Append one key component: printable ASCII kept, other bytes, '%' and '|'
 * as %XX, and past GREY_PART_MAX a prefix plus a hash of the whole. */
void grey_key_part(struct buf *key, const char *s);
/* The triplet key "t|NET|SENDER|RCPT" and the client key "c|NET". */
void grey_triplet_key(const char *net, const char *sender, const char *rcpt, struct buf *key);
void grey_client_key(const char *net, struct buf *key);

/* ---- records and the state machine (record.c) ---- */

/* A triplet: first seen, last seen, when it passed (0: still waiting). */
struct grey_triplet {
	long long first, last, passed;
};

/* A client network: greylisting passes counted, when the last one was
 * counted, when it was last seen. */
struct grey_client {
	long long count, counted, seen;
};

/* Records as stored: "1 FIRST LAST PASSED" and "1 COUNT COUNTED SEEN". */
void grey_triplet_format(const struct grey_triplet *t, struct buf *out);
int grey_triplet_parse(const void *val, size_t len, struct grey_triplet *t);
void grey_client_format(const struct grey_client *c, struct buf *out);
int grey_client_parse(const void *val, size_t len, struct grey_client *c);

enum grey_outcome {
	GREY_NEW,   /* first attempt (or the last one expired): tempfail */
	GREY_EARLY, /* retried before the delay: tempfail */
	GREY_PASS,  /* retried after the delay: passes now, X-Greylist */
	GREY_KNOWN, /* passed before */
	GREY_WHITE, /* whitelisted (files, auto-whitelist) */
	GREY_SKIP,  /* outbound, SPF pass, no client address */
	GREY_NOUTCOMES
};
extern const char *const grey_outcome_words[];

/* The timing settings the state machine runs on. */
struct grey_params {
	long delay, retry_window, max_age;
	long refresh;  /* rewrite "last seen" at most this often */
	long interval; /* count an auto-whitelist pass at most this often */
};

void grey_params_of(const struct grey_conf *c, struct grey_params *p);

/* What one attempt does to a triplet's record. */
struct grey_step {
	enum grey_outcome outcome;
	bool write; /* store rec with ttl; else leave the record */
	struct grey_triplet rec;
	long ttl;
	long wait;    /* GREY_NEW, GREY_EARLY: seconds until a retry passes */
	long delayed; /* GREY_PASS: seconds since the first attempt */
};

/* old: the stored record, or NULL when there is none (or it is unreadable). */
void grey_triplet_step(const struct grey_triplet *old, long long now, const struct grey_params *p,
                       struct grey_step *st);

/* A pass counted for a client network (after GREY_PASS); returns the ttl. */
long grey_client_count(const struct grey_client *old, long long now, const struct grey_params *p,
                       struct grey_client *out);
/* Refresh "last seen" of an auto-whitelisted client: false if not due. */
bool grey_client_touch(const struct grey_client *old, long long now, const struct grey_params *p,
                       struct grey_client *out, long *ttl_r);

/* ---- whitelists (whitelist.c) ---- */

struct grey_wl;

/* A report callback for problems in a file: "FILE:LINE: text". */
typedef void grey_wl_report_fn(void *ctx, const char *file, int line, const char *text);

enum grey_wl_kind { GREY_WL_CLIENTS, GREY_WL_ADDRESSES };

struct grey_wl *grey_wl_new(enum grey_wl_kind kind);
void grey_wl_free(struct grey_wl **wlp);
/* One line in postgrey's format; 0, or -1 after reporting why. */
int grey_wl_add_line(struct grey_wl *wl, const char *line, const char *file, int lineno,
                     grey_wl_report_fn *report, void *ctx);
/* A whole file; -1 if it cannot be read or a line is wrong (each reported). */
int grey_wl_load(struct grey_wl *wl, const char *path, grey_wl_report_fn *report, void *ctx);
size_t grey_wl_count(const struct grey_wl *wl);

/* Clients: the address against IPs and networks, the verified host name
 * (NULL if none) against names and /regex/. */
bool grey_wl_client(const struct grey_wl *wl, const struct ip_addr *ip, const char *hostname);
/* Senders and recipients: the address against user@domain, user@, domain,
 * /regex/ entries. */
bool grey_wl_address(const struct grey_wl *wl, const char *addr);

#endif

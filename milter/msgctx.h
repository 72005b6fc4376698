/*
 * msgctx - the per-connection context and the life of each message in it:
 * begin (new pool, fresh snapshot), content (headers and body into the
 * spool), end (results cut back to the connection's). One session's
 * callbacks run on different threads but never at the same time.
 */
#ifndef CM_MSGCTX_H
#define CM_MSGCTX_H

#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

#include "../lib/msg.h"

struct cm_snapshot;

struct mctx {
	struct cm_msg m;
	struct cm_snapshot *snap;
	bool in_message;
	bool leadspc;       /* header values arrive with their leading space */
	bool logged;        /* the summary line for this message was written */
	struct timespec t0; /* message start */
	struct cm_verdict conn_verdict;
	struct cm_verdict worst_rcpt; /* strongest per-recipient verdict given */
	size_t n_rcpt_refused;
	const char *spool_error;
	unsigned long mta_flags; /* for milter/mta.c */
};

/* NULL when out of memory or no snapshot is installed. */
struct mctx *mctx_new(void);
void mctx_free(struct mctx **cp);
void mctx_connect(struct mctx *c, const char *hostname, const struct sockaddr *sa);
void mctx_helo(struct mctx *c, const char *helo);
/* Ends a message still open, then starts one. -1 when out of memory. */
int mctx_msg_begin(struct mctx *c);
void mctx_msg_end(struct mctx *c);
int mctx_add_rcpt(struct mctx *c, const char *rcpt);
int mctx_header(struct mctx *c, const char *name, const char *value);
int mctx_eoh(struct mctx *c);
int mctx_body(struct mctx *c, const unsigned char *data, size_t len);
/* Milliseconds since the message began. */
long mctx_elapsed_ms(const struct mctx *c);
/* "<addr>" without the brackets, "" for the null sender. */
const char *mctx_strip_brackets(struct pool *p, const char *addr);

/* Messages begun and not yet ended, across all sessions. */
long mctx_in_flight(void);

#endif

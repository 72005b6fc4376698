/*
 * callbacks - milter events to the chain, in plain C terms: milter/mta.c
 * translates libmilter's calls into these and applies the decisions they
 * return. The same functions drive `chainmilter check` without libmilter.
 */
#ifndef CM_CALLBACKS_H
#define CM_CALLBACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "msgctx.h"
#include "verdict.h"

/* Reads an MTA macro ("i", "{auth_authen}"); NULL if unset. */
struct cb_macros {
	const char *(*get)(void *arg, const char *name);
	void *arg;
};

/* Set from the signal thread: refuse new connections while finishing. */
void cb_set_draining(bool draining);
bool cb_draining(void);

struct mctx *cb_session(void);
void cb_connect(struct mctx *c, const char *hostname, const struct sockaddr *sa,
                struct cm_decision *d);
void cb_helo(struct mctx *c, const char *helo, struct cm_decision *d);
void cb_mail(struct mctx *c, const char *from, const struct cb_macros *mac, struct cm_decision *d);
void cb_rcpt(struct mctx *c, const char *rcpt, const struct cb_macros *mac, struct cm_decision *d);
void cb_header(struct mctx *c, const char *name, const char *value);
void cb_eoh(struct mctx *c, const struct cb_macros *mac);
void cb_body(struct mctx *c, const unsigned char *data, size_t len);
/* Runs the end-of-message checks, decides, logs the summary line. */
void cb_eom(struct mctx *c, const struct cb_macros *mac, const char *version,
            struct cm_decision *d);
/* The MTA could not apply the decision: log it and forget the message. */
void cb_apply_failed(struct mctx *c, const char *what);
/* The message is over (after end of message). */
void cb_done(struct mctx *c);
/* The MTA aborted the message (RSET, client gone, protocol error). */
void cb_abort(struct mctx *c);
void cb_close(struct mctx **cp);

#endif

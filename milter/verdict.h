/*
 * verdict - the one place where a message's results become what happens to
 * it: the action, the SMTP reply, the headers added and removed, and the
 * word the summary log line starts with.
 */
#ifndef CM_VERDICT_H
#define CM_VERDICT_H

#include <stdbool.h>

#include "../lib/msg.h"

struct cm_decision {
	enum cm_action action; /* CM_ACT_NONE: accept */
	const char *rcode, *xcode, *text;
	const char *word; /* "Passed CLEAN", "Blocked INFECTED (Eicar-Signature)", ... */
	bool scored;
	double score, required;
	const char *tests; /* "GTUBE,SPF_FAIL" for X-Spam-Status, "none" if empty */
	/* Header edits in the order to apply them: changes (the Subject tag),
	 * deletes (highest index of a name first), then prepends from the top
	 * down, then appends. */
	struct cm_hdr_edit *edits;
	size_t n_edits;
};

/* The reply for a stage before end of message (connect ... RCPT). */
void verdict_stage(const struct cm_msg *m, enum cm_stage stage, struct cm_decision *d);
/* Everything at end of message; allocations come from the message pool. */
void verdict_final(struct cm_msg *m, const char *version, struct cm_decision *d);
/* The word for a message that ended before its end (refused recipients). */
const char *verdict_word(struct pool *p, const struct cm_verdict *v);

#endif

/*
 * msg - the message context a check reads and writes.
 *
 * The core fills in the connection, envelope and content fields; checks
 * read them and record results through the functions below: symbols with
 * scores, Authentication-Results clauses, a hard verdict with its SMTP reply,
 * header edits and a field for the summary log line. Results written at
 * connect or HELO belong to the connection and are seen by every message on
 * it; later ones die with the message. Checks never talk to the MTA.
 */
#ifndef CM_MSG_H
#define CM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "ip.h"
#include "pool.h"

struct cm_scores;

struct cm_header {
	const char *name;
	const char *value; /* as received: leading space kept, folds as CRLF */
	size_t index;      /* 1-based among headers of the same name */
};

enum cm_action {
	CM_ACT_NONE,       /* no hard verdict */
	CM_ACT_QUARANTINE, /* accept into the MTA's hold queue */
	CM_ACT_TEMPFAIL,
	CM_ACT_DISCARD,
	CM_ACT_REJECT,
};

struct cm_verdict {
	enum cm_action action;
	const char *rcode, *xcode, *text; /* SMTP reply: "550", "5.7.1", text */
	const char *category;             /* log word: SPAM, INFECTED, POLICY, ... */
	const char *reason;               /* log detail: virus name, ... */
	const char *check;                /* which check decided */
};

struct cm_symbol {
	const char *name;
	double score;
	const char *detail; /* optional, for the log and debug output */
};

/* CM_HDR_CHANGE replaces the value of the index-th field of that name. */
enum cm_hdr_op { CM_HDR_PREPEND, CM_HDR_APPEND, CM_HDR_DELETE, CM_HDR_CHANGE };

struct cm_hdr_edit {
	enum cm_hdr_op op;
	const char *name;
	const char *value; /* without the leading space; NULL for deletes */
	size_t index;      /* CM_HDR_DELETE, CM_HDR_CHANGE: which one of that name, 1-based */
};

/* One Authentication-Results clause; the header lists them in chain order. */
struct cm_ar_clause {
	const char *text;
	size_t check; /* the check that wrote it */
};

struct cm_logfield {
	const char *name, *value;
	size_t check; /* the check that set it: the summary lists fields in chain order */
};

/* A growing array that remembers how much of it belongs to the connection. */
#define CM_ARRAY(type)                                                                             \
	struct {                                                                                   \
		type *v;                                                                           \
		size_t n, cap, base;                                                               \
	}

/* One DKIM signature of an inbound message, as verified. */
struct cm_dkim_sig {
	const char *result;    /* RFC 8601: pass, fail, neutral, policy, temperror, permerror */
	const char *domain;    /* d= (NULL if the signature had none) */
	const char *selector;  /* s= */
	const char *algorithm; /* a=: rsa-sha256, ed25519-sha256, ... */
	const char *identity;  /* i=, or "@" d= */
	unsigned key_bits;     /* 0 if unknown */
	bool testing;          /* key t=y: count it as unsigned (RFC 6376 §3.6.1) */
};

/*
 * Authentication results shared between checks: DMARC reads SPF's and
 * DKIM's here, never from headers in the message. Strings come from the
 * message pool.
 */
struct cm_auth {
	/* Set by the SPF check at MAIL FROM for the MAIL FROM identity (the
	 * HELO name's for the null sender, RFC 7489 §4.1): "pass", "fail",
	 * "softfail", "neutral", "none", "temperror", "permerror"; NULL if
	 * SPF was not evaluated (outbound, SPFWhitelist, SPF no). */
	const char *spf_result;
	const char *spf_domain; /* the domain SPF evaluated */
	/* Set by the DKIM check before DMARC's end-of-message hook runs: the
	 * message's result ("pass", "fail", "none", "temperror", "permerror",
	 * ...; NULL if not verified: outbound, or DKIM off), every signature
	 * verified (header order, at most MaximumSignaturesToVerify), and the
	 * distinct d= of those that passed (any case, no trailing dot), test-mode
	 * keys left out, for DMARC's DKIM alignment. */
	const char *dkim_result;
	const struct cm_dkim_sig *dkim_sigs;
	size_t n_dkim_sigs;
	const char **dkim_pass_domains;
	size_t n_dkim_pass;
};

struct cm_msg {
	/* Connection. */
	struct pool *conn_pool;
	struct ip_addr client_ip; /* family 0 if unknown (unix socket, tool) */
	const char *client_addr;  /* text form of client_ip, or "unknown" */
	const char *client_name;  /* as the MTA gave it, "[addr]" if none */
	const char *helo;
	const char *session_id; /* ours, for logs before a queue id exists */
	bool internal;          /* client in InternalHosts */

	/* Message (valid from MAIL FROM on). */
	struct pool *pool;
	const char *queue_id; /* MTA's queue id, or NULL */
	const char *auth_user;
	bool outbound; /* internal or authenticated */
	const char *mail_from;
	const char **rcpts;
	size_t n_rcpts;
	const char *rcpt; /* the recipient being checked in the RCPT hook */

	struct cm_header *headers;
	size_t n_headers, cap_headers;
	const unsigned char *chunk; /* the body chunk in the BODY hook */
	size_t chunk_len;
	size_t size;    /* header and body bytes received */
	bool oversized; /* above MaxMessageSize: not spooled whole */
	bool scored;    /* the spam check ran: X-Spam headers are due */
	/* X-Spam-Status autolearn=: "ham", "spam" or "failed" when the spam
	 * check learned (or tried to) from this message; NULL: "no". */
	const char *autolearn;

	/* Results. */
	enum cm_stage stage;
	CM_ARRAY(struct cm_symbol) symbols;
	CM_ARRAY(struct cm_ar_clause) ar;
	CM_ARRAY(struct cm_hdr_edit) edits;
	CM_ARRAY(struct cm_logfield) logfields;
	struct cm_verdict verdict;      /* for the message (or connection) */
	struct cm_verdict rcpt_verdict; /* for the current recipient only */
	struct cm_auth auth;

	/* Core internals, read-only for checks. */
	const struct cm_core_conf *core;
	const struct cm_scores *scores;
	const char *authserv_id;
	struct spool *spool;
	size_t body_offset; /* of the body in the spool */
	void **check_data;  /* one slot per check, cleared per message */
	void **conn_data;   /* one slot per check, for the whole connection */
	size_t current_check;
	bool failed; /* an allocation failed: the core tempfails */
};

/* The pool results of the current stage go to (connection or message). */
struct pool *cm_pool(struct cm_msg *m);

/* A symbol whose score comes from the score tables (0 if none). */
int cm_sym(struct cm_msg *m, const char *name, const char *detail);
/* A symbol with the check's own default score (overridable by the tables). */
int cm_sym_score(struct cm_msg *m, const char *name, double score, const char *detail);
bool cm_has_sym(const struct cm_msg *m, const char *name);
double cm_score(const struct cm_msg *m);

/* An Authentication-Results clause: "spf=pass smtp.mailfrom=example.org". */
int cm_ar(struct cm_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A hard verdict. At RCPT it applies to the current recipient only. The
 * strongest one wins (reject > discard > tempfail > quarantine); among equals
 * the first.
 */
int cm_verdict(struct cm_msg *m, enum cm_action action, const char *rcode, const char *xcode,
               const char *category, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * A finding that does not stop the message (a virus tagged, not blocked):
 * unless a verdict decides, the log word becomes "Passed CATEGORY (reason)".
 */
int cm_passed(struct cm_msg *m, const char *category, const char *reason);

int cm_header_add(struct cm_msg *m, enum cm_hdr_op op, const char *name, const char *value);
int cm_header_delete(struct cm_msg *m, const char *name, size_t index);

/* A field of the summary log line, "spf=fail"; one per check, last wins. */
int cm_logfield(struct cm_msg *m, const char *name, const char *value);

/* The current check's per-message slot (NULL again for each message). */
void **cm_data(struct cm_msg *m);
/* The current check's per-connection slot (lives until the connection ends;
 * register cleanups on conn_pool). */
void **cm_conn_data(struct cm_msg *m);

/* The n-th (1-based) header of that name, or NULL. */
const struct cm_header *cm_header_get(const struct cm_msg *m, const char *name, size_t n);

/* The whole message as received (headers CRLF body), or NULL if not spooled. */
const unsigned char *cm_message(struct cm_msg *m, size_t *len_r);
/* Offset of the body in cm_message(). */
size_t cm_body_offset(struct cm_msg *m);

#endif

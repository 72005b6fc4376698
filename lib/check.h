/*
 * check - the interface between the core and a check (DKIM, SPF, ...).
 *
 * A check exports one struct cm_check. init() builds read-only state from
 * its parsed settings when a config snapshot is loaded (NULL state: the check
 * is off in that snapshot); hooks run per SMTP stage on one message context
 * and write results into it (lib/msg.h). A hook returns 0, or -1 with
 * *error_r set, and the core then applies the check's failure policy. Which
 * hooks exist decides what the MTA is asked to send.
 */
#ifndef CM_CHECK_H
#define CM_CHECK_H

#include <stdarg.h>

#include "setting.h"

struct cm_msg;
struct cm_initctx;
struct dns;

enum cm_stage {
	CM_CONNECT,
	CM_HELO,
	CM_MAIL,
	CM_RCPT,
	CM_HEADER,
	CM_EOH,
	CM_BODY,
	CM_EOM,
	CM_NSTAGES
};

typedef int cm_hook_fn(struct cm_msg *m, void *state, const char **error_r);

/* cm_check.flags */
#define CM_CHECK_NEEDS_MESSAGE 0x1 /* reads the spooled message at end of message */

struct cm_check {
	const char *name;  /* short: log field, debug switch ("spf") */
	const char *title; /* section title in the sample config */
	const struct setting *settings;
	size_t conf_size;
	/* Name of a SET_ENUM setting (words from cm_policy_words) holding the
	 * failure policy; NULL means tempfail. */
	const char *policy_setting;
	unsigned flags;
	int (*init)(struct cm_initctx *ic, const void *conf, void **state_r);
	void (*free)(void *state);
	cm_hook_fn *hooks[CM_NSTAGES];
};

enum cm_policy { CM_POLICY_ACCEPT, CM_POLICY_TEMPFAIL, CM_POLICY_REJECT };
extern const char *const cm_policy_words[];

/* For init(): report a problem with a setting as FILE:LINE: Name: text. */
void cm_init_error(struct cm_initctx *ic, const char *setting, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for one line of a repeatable setting: FILE:LINE of that line. */
struct set_item;
void cm_init_error_item(struct cm_initctx *ic, const char *setting, const struct set_item *item,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Where a setting was set ("default" if not), for messages about files it names. */
const char *cm_init_origin(struct cm_initctx *ic, const char *setting);
/* The core's settings every check may read. */
const struct cm_core_conf *cm_init_core(struct cm_initctx *ic);
/* The snapshot's DNS resolver (lib/dns.h), built from Nameservers and
 * DNSTimeout; never NULL, valid as long as the check's state. */
struct dns *cm_init_dns(struct cm_initctx *ic);
/* Allocate state that lives as long as the snapshot. */
struct pool *cm_init_pool(struct cm_initctx *ic);

/*
 * For a check's own subcommand (chainmilter learn): load the config file
 * (NULL: the default one) with "NAME=VALUE" overrides as -o gives them,
 * and start check c alone - no other check is started, so a learning run
 * needs no virus signatures. Returns c's state, or NULL after printing
 * every problem (or that c is off) to standard error. The state lives
 * until cm_loaded_free().
 */
struct cm_loaded;
struct cm_core_conf;
void *cm_load_check(const char *path, char *const *overrides, size_t n_overrides,
                    const struct cm_check *c, struct cm_loaded **l_r);
const struct cm_core_conf *cm_loaded_core(const struct cm_loaded *l);
void cm_loaded_free(struct cm_loaded **lp);

#endif

/*
 * snapshot - everything loaded from one config: settings, scores and each
 * check's read-only state. Reference counted; a reload builds a new one and
 * swaps it in, and messages in flight finish on the one they started with.
 */
#ifndef CM_SNAPSHOT_H
#define CM_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "../lib/check.h"
#include "../lib/coreconf.h"
#include "conf.h"

struct cm_scores;
struct dns;

struct cm_snapshot {
	atomic_int refs;
	unsigned long generation;
	struct conf *conf;
	const struct cm_core_conf *core;
	struct cm_scores *scores;
	struct dns *dns; /* the resolver every check shares */
	size_t n_checks;
	void **state;       /* per check; NULL: off */
	int *policy;        /* per check: enum cm_policy */
	unsigned stages;    /* bit (1 << stage) set if an enabled check hooks it */
	bool needs_message; /* some enabled check reads the whole message */
};

/* The modules whose settings a config holds: the core, then each check. */
const struct conf_module *const *snap_modules(size_t *n_r);

/*
 * Load a config and initialise every check on it. Returns NULL only when out
 * of memory; problems are in conf_nerrors(snap->conf), and a snapshot with
 * problems must not be installed.
 */
struct cm_snapshot *snap_load(const char *path, const struct conf_override *ov, size_t n_ov);
void snap_free(struct cm_snapshot **sp);

/* The running snapshot: install takes over the caller's reference. */
void snap_install(struct cm_snapshot *snap);
struct cm_snapshot *snap_acquire(void);
void snap_release(struct cm_snapshot **sp);

#endif

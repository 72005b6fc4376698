/*
 * chain - the checks in the order they run, and running one stage of them on
 * a message, applying each check's failure policy when its hook fails.
 */
#ifndef CM_CHAIN_H
#define CM_CHAIN_H

#include "../lib/check.h"
#include "../lib/msg.h"

struct cm_snapshot;

extern const struct cm_check *const chain_checks[];
extern const size_t chain_n_checks;

void chain_run(struct cm_msg *m, const struct cm_snapshot *snap, enum cm_stage stage);

#endif

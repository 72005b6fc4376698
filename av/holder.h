/*
 * holder - the engine a config snapshot scans with, and its reloads. Scans
 * take a reference to the current engine; a reload (the database directory
 * changed, checked every ClamAVCheckInterval) loads a new engine in a
 * background thread and swaps it in, so scans in flight finish on the old
 * one and a failed load keeps it.
 */
#ifndef AVC_HOLDER_H
#define AVC_HOLDER_H

#include "engine.h"

struct avc_holder;

/* Load the first engine; on error *error_r says why (see avc_engine_load). */
struct avc_holder *avc_holder_new(const char *dir, const struct avc_limits *lim,
                                  long check_interval, const char **error_r);
/* The snapshot is done with it; a reload in progress finishes on its own. */
void avc_holder_release(struct avc_holder **hp);

/* A reference to the current engine (drop it with avc_engine_unref). Starts
 * the periodic check on first use: threads must not exist before the daemon
 * forks into the background. */
struct avc_engine *avc_holder_engine(struct avc_holder *h);
/* How many signatures the current engine has. */
unsigned avc_holder_signatures(struct avc_holder *h);

#endif

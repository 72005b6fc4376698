/*
 * admin - `chainmilter greylist list|show|whitelist|delete|purge|stats`:
 * look at and edit the greylist store (LMDB file or Redis) while the daemon
 * runs. milter/cli.c loads the config and calls grey_admin().
 */
#ifndef GREY_ADMIN_H
#define GREY_ADMIN_H

#include <stdio.h>

#include "../lib/coreconf.h"

#define GREY_ADMIN_USAGE                                                                           \
	"greylist list|stats|purge [-c FILE] [-o NAME=VALUE]...\n"                                 \
	"  chainmilter greylist show|whitelist|delete IP|NET [SENDER RECIPIENT] [-c FILE]\n"       \
	"      look at and edit the greylist store while the daemon runs: every entry, counts,\n"  \
	"      remove expired entries; one client network (and its triplets) or one triplet:\n"    \
	"      show it, whitelist it, delete it"

/* argv[0] is the command word ("list", ...); conf is the greylist module's
 * settings (struct grey_conf). Returns the exit status: 0 done, 1 nothing
 * found or the store failed, 2 usage. */
int grey_admin(const struct cm_core_conf *core, const void *conf, int argc, char **argv);

#endif

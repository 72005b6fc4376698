/*
 * cli - subcommands of the chainmilter binary: check, sample-config,
 * settings-doc, version. Every one accepts -c FILE.
 */
#ifndef CM_CLI_H
#define CM_CLI_H

#include <stdio.h>

int cli_main(int argc, char **argv);
void cli_usage(FILE *fp);

/* `chainmilter check`: the chain without libmilter (milter/offline.c). */
int offline_check(int argc, char **argv);

#endif

/*
 * spam - what the spam check shares with its own subcommand (chainmilter
 * learn, spam/learn.c) and tools: its classifier and scan size, and the
 * BAYES_ symbol for a probability.
 */
#ifndef SPAM_SPAM_H
#define SPAM_SPAM_H

#include <stddef.h>

#include "../lib/check.h"

struct spam_bayes;

extern const struct cm_check spam_check;

/* The classifier of a spam check state (NULL when Bayes is off). */
struct spam_bayes *spam_state_bayes(const void *state);
/* MaxSpamScanSize of a spam check state. */
size_t spam_state_max_scan(const void *state);
/* BayesMinLearned of a spam check state. */
long spam_state_bayes_min(const void *state);
/* BAYES_00 ... BAYES_99 for a spam probability. */
const char *spam_bayes_symbol(double prob);
/* From this probability BAYES_999 comes on top of BAYES_99. */
#define SPAM_BAYES_999 0.999
/* learn --tune learns again what held out scores under 0.9 (spam) or over 0.1 (ham). */
#define SPAM_TUNE_MARGIN 0.1

/* `chainmilter learn`: argv[0] is "learn". */
int spam_learn_main(int argc, char **argv);

#endif

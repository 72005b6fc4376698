/*
 * screen - which header fields of an inbound message libopendkim is given.
 * All of them, except DKIM-Signature fields past MaximumSignaturesToVerify
 * (each costs a pass over the body: bounded work), signatures that would
 * make libopendkim write past an array (see screen.c) and signatures that
 * are not a valid tag list; those are refused here and reported as
 * permerror.
 */
#ifndef DKIMC_SCREEN_H
#define DKIMC_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "../lib/msg.h"
#include "verify.h"

struct dkimc_screen {
	bool *feed;                      /* per field: give it to libopendkim */
	struct dkimc_sigresult *refused; /* signatures refused, as results */
	size_t n_refused;
	size_t n_skipped; /* signatures past the maximum, ignored */
	size_t *fed_sigs; /* which fields are the signatures given, in order */
	size_t n_fed_sigs;
};

/* Fill sc (from p) for the fields h[0..n). Returns -1 when out of memory. */
int dkimc_screen(struct pool *p, const struct cm_header *h, size_t n, size_t max_sigs,
                 struct dkimc_screen *sc);

#endif

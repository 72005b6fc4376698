/*
 * keygen - `chainmilter keygen`: a new DKIM key pair, written as
 * SELECTOR.private (mode 0600) and SELECTOR.txt, the zone file line that
 * publishes it, as dkim-genkey and opendkim-genkey write them.
 */
#ifndef DKIMC_KEYGEN_H
#define DKIMC_KEYGEN_H

#include "../lib/pool.h"

int dkimc_keygen_main(int argc, char **argv);

/*
 * The zone file text for a public key (p= base64; kname "rsa" or
 * "ed25519"): SELECTOR._domainkey IN TXT ( "v=DKIM1; ..." "p=..." ), its
 * strings at most 255 characters each.
 */
char *dkimc_keygen_zone(struct pool *p, const char *selector, const char *domain, const char *kname,
                        const char *pub);

#endif

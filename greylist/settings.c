/*
 * settings - the greylisting check's settings table: names, defaults and
 * bounds as postgrey's options have them where it has one.
 */
#include <stddef.h>

#include "../lib/check.h"
#include "grey.h"

#define CONF(field) offsetof(struct grey_conf, field)

static const char *const store_error_words[] = {"accept", "tempfail", NULL};

const struct setting grey_settings[] = {
    {.name = "Greylist",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Greylist inbound mail at RCPT TO: an unknown (client network, sender, "
            "recipient) triplet is tempfailed until it is retried after GreylistDelay."},
    {.name = "GreylistStore",
     .type = SET_STRING,
     .offset = CONF(store),
     .def = "lmdb:/var/lib/chainmilter/greylist.lmdb",
     .doc = "Where triplets live: lmdb:/path (one file, its directory must exist and be "
            "writable by UserID) or redis://host:6379/0 to share them between MX hosts."},
    {.name = "GreylistDelay",
     .type = SET_TIME,
     .offset = CONF(delay),
     .def = "300",
     .min = 1,
     .max = 86400,
     .doc = "A retry passes once this long has gone by since the first attempt "
            "(postgrey's --delay)."},
    {.name = "GreylistRetryWindow",
     .type = SET_TIME,
     .offset = CONF(retry_window),
     .def = "2d",
     .min = 2,
     .max = 31536000,
     .doc = "A triplet not retried within this time of its first attempt starts again "
            "(postgrey's --retry-window)."},
    {.name = "GreylistMaxAge",
     .type = SET_TIME,
     .offset = CONF(max_age),
     .def = "35d",
     .min = 2,
     .max = 31536000,
     .doc = "Passed triplets and auto-whitelisted clients are forgotten this long after "
            "they were last seen (postgrey's --max-age)."},
    {.name = "GreylistAutoWhitelist",
     .type = SET_INT,
     .offset = CONF(awl),
     .def = "5",
     .min = 0,
     .max = 1000000,
     .doc = "A client network that passed greylisting this many times is not greylisted "
            "any more (postgrey's --auto-whitelist-clients); 0 turns this off."},
    {.name = "GreylistAutoWhitelistInterval",
     .type = SET_TIME,
     .offset = CONF(awl_interval),
     .def = "1h",
     .min = 0,
     .max = 31536000,
     .doc = "Passes of one client network are counted at most once per this interval "
            "(postgrey: one an hour), so one retried burst counts once."},
    {.name = "GreylistNetmask4",
     .type = SET_INT,
     .offset = CONF(mask4),
     .def = "24",
     .min = 8,
     .max = 32,
     .doc = "IPv4 clients are greylisted by network of this prefix length: retries from "
            "another address of a provider's pool count (32: by address)."},
    {.name = "GreylistNetmask6",
     .type = SET_INT,
     .offset = CONF(mask6),
     .def = "64",
     .min = 16,
     .max = 128,
     .doc = "IPv6 clients are greylisted by network of this prefix length (128: by "
            "address)."},
    {.name = "GreylistWhitelistClients",
     .type = SET_LIST,
     .offset = CONF(wl_clients),
     .doc = "A file of clients never greylisted, in postgrey's whitelist_clients format "
            "(host names, /regex/, IPs, networks); repeat for more files."},
    {.name = "GreylistWhitelistSenders",
     .type = SET_LIST,
     .offset = CONF(wl_senders),
     .doc = "A file of envelope senders never greylisted, in the format of postgrey's "
            "whitelist_recipients (user@domain, user@, domain, /regex/)."},
    {.name = "GreylistWhitelistRecipients",
     .type = SET_LIST,
     .offset = CONF(wl_recipients),
     .doc = "A file of recipients never greylisted, in postgrey's whitelist_recipients "
            "format (user@domain, user@, domain, /regex/); repeat for more files."},
    {.name = "GreylistSkipSPFPass",
     .type = SET_BOOL,
     .offset = CONF(skip_spf_pass),
     .def = "no",
     .doc = "Do not greylist mail whose envelope sender passes SPF (as tumgreyspf and "
            "milter-greylist can)."},
    {.name = "GreylistLearnOnly",
     .type = SET_BOOL,
     .offset = CONF(learn_only),
     .def = "no",
     .doc = "Record triplets but delay nobody (log greylist=new as if), to fill the store "
            "before switching greylisting on."},
    {.name = "GreylistOnStoreError",
     .type = SET_ENUM,
     .offset = CONF(on_store_error),
     .def = "accept",
     .words = store_error_words,
     .doc = "If the store fails (Redis down, file unreadable): accept the recipient "
            "ungreylisted and log it, or tempfail it (451 4.3.0)."},
    {.name = "GreylistText",
     .type = SET_STRING,
     .offset = CONF(text),
     .def = "Greylisted, please try again in %s seconds",
     .doc = "The text of the 451 4.7.1 reply; %s: seconds until a retry passes, %r: the "
            "recipient's domain (as postgrey's --greylist-text)."},
    {.name = "GreylistHeader",
     .type = SET_BOOL,
     .offset = CONF(header),
     .def = "yes",
     .doc = "Add X-Greylist: delayed N seconds by chainmilter to mail that passed after "
            "being greylisted."},
    {.name = NULL},
};

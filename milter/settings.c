/*
 * settings - the daemon's own settings: socket, privileges, logging, which
 * clients are internal, message limits and the score levels the verdict step
 * applies. Checks declare theirs beside their code.
 */
#include <stddef.h>

#include "../lib/coreconf.h"

#define CORE(field) offsetof(struct cm_core_conf, field)

static const char *const facilities[] = {"mail",   "daemon", "local0", "local1", "local2", "local3",
                                         "local4", "local5", "local6", "local7", NULL};
static const char *const destinies[] = {"pass", "reject", "discard", "quarantine", NULL};
static const char *const oversize[] = {"accept", "tempfail", "reject", NULL};
static const char *const status_styles[] = {"spamassassin", "amavis", NULL};

const struct setting cm_core_settings[] = {
    {.name = "Socket",
     .type = SET_SOCKET,
     .offset = CORE(socket),
     .def = "inet:54321@localhost",
     .doc = "Where the MTA connects: inet:PORT@HOST, inet6:PORT@HOST or unix:/path "
            "(Postfix: smtpd_milters = inet:localhost:54321)."},
    {.name = "UserID",
     .type = SET_STRING,
     .offset = CORE(user),
     .doc = "Run as this user (user or user:group) after opening the socket; empty "
            "keeps the starting user."},
    {.name = "PidFile",
     .type = SET_STRING,
     .offset = CORE(pidfile),
     .doc = "Write the daemon's process id to this file; empty writes none."},
    {.name = "Syslog",
     .type = SET_BOOL,
     .offset = CORE(syslog),
     .def = "yes",
     .doc = "Log to syslog (in the foreground, with -f, logs go to standard error "
            "instead)."},
    {.name = "SyslogFacility",
     .type = SET_ENUM,
     .offset = CORE(syslog_facility),
     .def = "mail",
     .words = facilities,
     .doc = "Syslog facility for all log lines."},
    {.name = "Debug",
     .type = SET_STRING,
     .offset = CORE(debug),
     .doc = "Modules whose debug lines are logged, comma separated (core, conf, spam, "
            "...), or all."},
    {.name = "InternalHosts",
     .type = SET_NETS,
     .offset = CORE(internal_hosts),
     .def = "127.0.0.1, ::1",
     .doc = "Clients whose mail is outbound (signed, not greylisted or scored): "
            "addresses, networks, or a file of them (/path)."},
    {.name = "AuthservID",
     .type = SET_STRING,
     .offset = CORE(authserv_id),
     .def_doc = "this host's name",
     .doc = "The authserv-id of our Authentication-Results headers; incoming ones "
            "claiming it are removed."},
    {.name = "MaxMessageSize",
     .type = SET_SIZE,
     .offset = CORE(max_message_size),
     .def = "64M",
     .min = 1024,
     .max = 4294967296.0,
     .doc = "Messages larger than this are not content-checked; OnOversize says what "
            "happens to them."},
    {.name = "OnOversize",
     .type = SET_ENUM,
     .offset = CORE(on_oversize),
     .def = "accept",
     .words = oversize,
     .doc = "A message over MaxMessageSize: accept it unchecked (logged as Passed "
            "UNCHECKED), tempfail it, or reject it (552 5.3.4)."},
    {.name = "SpoolMemory",
     .type = SET_SIZE,
     .offset = CORE(spool_memory),
     .def = "1M",
     .min = 0,
     .max = 1073741824.0,
     .doc = "A message is kept in memory up to this size, then in a file in "
            "TemporaryDirectory."},
    {.name = "TemporaryDirectory",
     .type = SET_STRING,
     .offset = CORE(tmpdir),
     .def = "/tmp",
     .doc = "Directory for spooling large messages (files are unlinked at once)."},
    {.name = "ShutdownTimeout",
     .type = SET_TIME,
     .offset = CORE(shutdown_timeout),
     .def = "30",
     .min = 0,
     .max = 3600,
     .doc = "On SIGTERM, wait this long for messages in progress to finish before "
            "closing connections."},
    {.name = "MilterTimeout",
     .type = SET_TIME,
     .offset = CORE(milter_timeout),
     .def = "7210",
     .min = 1,
     .max = 86400,
     .doc = "Close an MTA connection that sends nothing for this long."},
    {.name = "SpamTagLevel",
     .type = SET_LEVEL,
     .offset = CORE(tag_level),
     .def = "always",
     .doc = "Add X-Spam-Status/-Score/-Level headers at or above this score (amavis "
            "sa_tag_level_deflt), or always."},
    {.name = "SpamTag2Level",
     .type = SET_DOUBLE,
     .offset = CORE(tag2_level),
     .def = "5.0",
     .min = -10000,
     .max = 10000,
     .doc = "At or above this score a message is spam: X-Spam-Flag: YES (amavis "
            "sa_tag2_level_deflt, SpamAssassin required_score)."},
    {.name = "SpamKillLevel",
     .type = SET_DOUBLE,
     .offset = CORE(kill_level),
     .def = "10.0",
     .min = -10000,
     .max = 10000,
     .doc = "At or above this score SpamDestiny applies (amavis sa_kill_level_deflt)."},
    {.name = "SpamDestiny",
     .type = SET_ENUM,
     .offset = CORE(spam_destiny),
     .def = "pass",
     .words = destinies,
     .doc = "What happens above SpamKillLevel: pass (deliver tagged), reject (554 "
            "5.7.1), discard, or quarantine (the MTA's hold queue)."},
    {.name = "SpamSubjectTag",
     .type = SET_STRING,
     .offset = CORE(subject_tag),
     .doc = "Put this before the Subject: of spam (at or above SpamTag2Level), such as "
            "***SPAM*** (amavis sa_spam_subject_tag); empty: the subject stays."},
    {.name = "SpamStatusStyle",
     .type = SET_ENUM,
     .offset = CORE(status_style),
     .def = "spamassassin",
     .words = status_styles,
     .doc = "X-Spam-Status as SpamAssassin writes it (tests=A,B) or as amavis does "
            "(tests=[A=1.2, B=3.5] with each score)."},
    {.name = "Nameservers",
     .type = SET_STRING,
     .offset = CORE(nameservers),
     .def_doc = "the system's, from /etc/resolv.conf",
     .doc = "DNS resolvers for every check (SPF, DKIM keys, DMARC, DNSBL), tried in turn: "
            "ADDRESS or ADDRESS@PORT, IPv4 or IPv6, such as 127.0.0.1@5353, ::1."},
    {.name = "DNSTimeout",
     .type = SET_TIME,
     .offset = CORE(dns_timeout),
     .def = "5",
     .min = 1,
     .max = 300,
     .doc = "How long one DNS query may take; after that it is a temporary failure "
            "(SPF temperror, DKIM TEMPFAIL)."},
    {.name = "ScoresFile",
     .type = SET_STRING,
     .offset = CORE(scores_file),
     .doc = "A file of `SYMBOL score` lines overriding the built-in scores (the "
            "shipped etc/scores.conf lists them all)."},
    {.name = "Score",
     .type = SET_LIST,
     .offset = CORE(scores),
     .doc = "`Score SYMBOL value` overrides one symbol's score; repeat for more."},
    {.name = NULL},
};

/*
 * log (daemon side) - where log lines go (stderr or syslog, the only caller
 * of syslog()), and the one summary line per message.
 */
#ifndef CM_MLOG_H
#define CM_MLOG_H

#include <stdbool.h>

#include "../lib/msg.h"

struct cm_decision;

/* facility: index into the SyslogFacility words. */
void mlog_open(bool use_syslog, bool use_stderr, int facility);
void mlog_close(void);
/*
 * "QID: Passed SPAM, ip=192.0.2.1 <a@x> -> <b@y>, dir=in spf=fail
 * score=7.3/5.0 tests=[SPF_FAIL=1.2,...] size=5231 time=3ms"
 */
void mlog_summary(const struct cm_msg *m, const char *word, const struct cm_decision *d,
                  long elapsed_ms);
/* The same line, into buf (for `chainmilter check`). */
void mlog_format_summary(const struct cm_msg *m, const char *word, const struct cm_decision *d,
                         long elapsed_ms, char *buf, size_t size);

#endif

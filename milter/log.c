/*
 * log - installs the sink behind lib/log.c and writes the per-message
 * summary line in a fixed field order, so that log greps and parsers keep
 * working as checks are added.
 */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "../lib/buf.h"
#include "../lib/log.h"
#include "../lib/scores.h"
#include "chain.h"
#include "verdict.h"

static bool to_syslog, to_stderr;

static const int facilities[] = {LOG_MAIL,   LOG_DAEMON, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2,
                                 LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};

static void sink(enum log_level level, const char *line)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	static const char *const names[] = {"error", "warning", "info", "debug"};

	if (to_syslog)
		syslog(prio[level], "%s", line);
	if (to_stderr)
		fprintf(stderr, "chainmilter: %s: %s\n", names[level], line);
}

void mlog_open(bool use_syslog, bool use_stderr, int facility)
{
	if (to_syslog)
		closelog();
	to_syslog = use_syslog;
	to_stderr = use_stderr;
	if (to_syslog)
		openlog("chainmilter", LOG_PID | LOG_NDELAY, facilities[facility]);
	log_set_sink(sink);
}

void mlog_close(void)
{
	if (to_syslog)
		closelog();
	to_syslog = false;
}

static void format_score(struct buf *b, double score)
{
	char num[64];

	scores_format(score, num, sizeof(num));
	buf_puts(b, num);
}

void mlog_format_summary(const struct cm_msg *m, const char *word, const struct cm_decision *d,
                         long elapsed_ms, char *out, size_t size)
{
	struct buf b;
	size_t i, c;

	buf_init(&b);
	buf_printf(&b, "%s: %s, ip=%s <%s> ->", m->queue_id != NULL ? m->queue_id : m->session_id,
	           word, m->client_addr, m->mail_from != NULL ? m->mail_from : "");
	for (i = 0; i < m->n_rcpts; i++)
		buf_printf(&b, "%s<%s>", i ? "," : " ", m->rcpts[i]);
	if (m->n_rcpts == 0)
		buf_puts(&b, " (none)");
	buf_printf(&b, ", dir=%s", m->outbound ? "out" : "in");
	/* In chain order, whatever the stage each check wrote its field at
	 * (SPF at MAIL FROM, DKIM at end of message). */
	for (c = 0; c < chain_n_checks; c++)
		for (i = 0; i < m->logfields.n; i++)
			if (m->logfields.v[i].check == c)
				buf_printf(&b, " %s=%s", m->logfields.v[i].name,
				           m->logfields.v[i].value);
	if (d != NULL && d->scored) {
		buf_printf(&b, " score=%.1f/%.1f tests=[", d->score, d->required);
		for (i = 0; i < m->symbols.n; i++) {
			buf_printf(&b, "%s%s=", i ? "," : "", m->symbols.v[i].name);
			format_score(&b, m->symbols.v[i].score);
		}
		buf_putc(&b, ']');
	}
	buf_printf(&b, " size=%zu time=%ldms", m->size, elapsed_ms);
	snprintf(out, size, "%s", b.oom ? "(out of memory formatting the summary)" : buf_str(&b));
	buf_free(&b);
}

void mlog_summary(const struct cm_msg *m, const char *word, const struct cm_decision *d,
                  long elapsed_ms)
{
	char line[4000];

	mlog_format_summary(m, word, d, elapsed_ms, line, sizeof(line));
	log_info("%s", line);
}

/*
 * greybench - the CPU one RCPT check costs in chainmilter itself, without
 * the MTA round trip: messages from 192.0.2.1 with the recipients given
 * run through milter/callbacks.c (MAIL, each RCPT, abort) in one thread,
 * on the config given. Run it with greylisting on and off; the difference
 * per recipient is the check. Figures, not a test.
 *
 *   greybench CONFIG MESSAGES RCPT...
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

static const char *no_macro(void *arg, const char *name)
{
	(void)arg, (void)name;
	return NULL;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct cb_macros mac = {no_macro, NULL};
	struct sockaddr_in sin;
	struct cm_snapshot *snap;
	struct cm_decision d;
	struct mctx *c;
	long n, i, refused = 0;
	int r;
	double t0, t1;

	if (argc < 4) {
		fprintf(stderr, "usage: greybench CONFIG MESSAGES RCPT...\n");
		return 2;
	}
	n = atol(argv[2]);
	mlog_open(false, false, 0);
	snap = snap_load(argv[1], NULL, 0);
	if (snap == NULL || conf_nerrors(snap->conf) > 0) {
		fprintf(stderr, "greybench: %s\n", snap ? conf_errmsg(snap->conf, 0) : "no memory");
		return 2;
	}
	snap_install(snap);
	c = cb_session();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	cb_connect(c, "mail.example.net", (struct sockaddr *)&sin, &d);
	cb_helo(c, "mail.example.net", &d);
	t0 = cpu_seconds();
	for (i = 0; i < n; i++) {
		cb_mail(c, "<sender@example.net>", &mac, &d);
		for (r = 3; r < argc; r++) {
			cb_rcpt(c, argv[r], &mac, &d);
			refused += d.action != CM_ACT_NONE;
		}
		cb_abort(c);
	}
	t1 = cpu_seconds();
	printf("greybench: %ld messages x %d recipients, %ld refused, %.2f us CPU per RCPT\n", n,
	       argc - 3, refused, (t1 - t0) * 1e6 / ((double)n * (argc - 3)));
	cb_close(&c);
	snap_install(NULL);
	return refused > 0 ? 1 : 0;
}

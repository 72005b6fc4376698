/*
 * mta - the only user of libmilter (smfi_*): registers the callbacks, opens
 * the socket, negotiates per connection what the MTA sends, applies the
 * decisions, and owns the signals (SIGHUP/SIGUSR1 reload, SIGTERM/SIGINT
 * stop after messages in progress finish).
 */
#ifndef CM_MTA_H
#define CM_MTA_H

#include <stdbool.h>

struct mta_opts {
	const char *socket;
	const char *version;
	long timeout;                 /* seconds of MTA silence before closing */
	long shutdown_timeout;        /* seconds to wait for messages in progress */
	int (*after_bind)(void *arg); /* daemonize, pid file, drop privileges */
	void (*on_reload)(void *arg); /* SIGHUP, SIGUSR1 */
	void *arg;
	const char *socket_owner; /* user[:group] to own a unix socket, or "" */
};

/* Runs until stopped by a signal. Returns 0, or -1 with a message logged. */
int mta_run(const struct mta_opts *o);

/* Sessions currently open (for a clean exit). */
long mta_sessions(void);

#endif

/*
 * mta - libmilter glue. Two behaviours of libmilter are changed at link time
 * (the Makefile links libmilter.a with --wrap=accept,--wrap=sigwait):
 *
 *  - accept(): libmilter does not set TCP_NODELAY, so a reply that follows a
 *    header change waits ~40 ms for the MTA's delayed ACK (Nagle). Every
 *    accepted TCP connection gets TCP_NODELAY here.
 *  - sigwait(): libmilter's signal thread stops the filter on SIGHUP. Its
 *    sigwait() is given an empty set instead, and our own signal thread
 *    handles SIGHUP/SIGUSR1 (reload) and SIGTERM/SIGINT (drain, then stop).
 *
 * libmilter's listener looks at smfi_stop()'s flag only when its poll() of
 * the listening socket times out (every 5 s), and holds the lock smfi_stop()
 * waits for while it polls: smfi_stop() runs in a thread of its own while the
 * signal thread interrupts that poll with SIGUSR2, so the daemon stops at once.
 */
#include "mta.h"

#include <errno.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/sock.h"
#include "callbacks.h"
#include "snapshot.h"

#define MAX_DATA_SIZE (1024 * 1024)

static const struct mta_opts *opts;
static atomic_long sessions;

long mta_sessions(void)
{
	return atomic_load(&sessions);
}

/* ---- link-time wraps of libmilter's calls ---- */

int __real_accept(int fd, struct sockaddr *sa, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *sa, socklen_t *len);
int __real_sigwait(const sigset_t *set, int *sig);
int __wrap_sigwait(const sigset_t *set, int *sig);

int __wrap_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int s = __real_accept(fd, sa, len);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	if (s >= 0 && getsockname(s, (struct sockaddr *)&local, &llen) == 0 &&
	    (local.ss_family == AF_INET || local.ss_family == AF_INET6)) {
		int one = 1;

		if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			log_warn("cannot set TCP_NODELAY on a milter connection: %s",
			         strerror(errno));
	}
	return s;
}

int __wrap_sigwait(const sigset_t *set, int *sig)
{
	sigset_t none;

	(void)set;
	/* libmilter's signal thread: wait for nothing, forever. */
	sigemptyset(&none);
	return __real_sigwait(&none, sig);
}

/* ---- helpers ---- */

static struct mctx *priv(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static const char *get_macro(void *arg, const char *name)
{
	return smfi_getsymval(arg, (char *)name);
}

static sfsistat plain(struct mctx *c, unsigned long nr_flag)
{
	return c != NULL && (c->mta_flags & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* smfi_setreply() takes printf-like text: double '%', drop CR/LF. */
static void set_reply(SMFICTX *ctx, const struct cm_decision *d)
{
	char text[512];
	size_t i = 0;
	const char *p;

	if (d->rcode == NULL)
		return;
	for (p = d->text != NULL ? d->text : ""; *p != '\0' && i + 2 < sizeof(text); p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == '%')
			text[i++] = '%';
		text[i++] = *p;
	}
	text[i] = '\0';
	if (smfi_setreply(ctx, (char *)d->rcode, (char *)d->xcode, text) != MI_SUCCESS)
		log_warn("the MTA refused reply text \"%s %s %s\"", d->rcode,
		         d->xcode != NULL ? d->xcode : "", text);
}

static sfsistat reply(SMFICTX *ctx, struct mctx *c, const struct cm_decision *d,
                      unsigned long nr_flag)
{
	switch (d->action) {
	case CM_ACT_REJECT:
		set_reply(ctx, d);
		return SMFIS_REJECT;
	case CM_ACT_TEMPFAIL:
		set_reply(ctx, d);
		return SMFIS_TEMPFAIL;
	case CM_ACT_DISCARD:
		return SMFIS_DISCARD;
	default:
		return plain(c, nr_flag);
	}
}

/* ---- callbacks ---- */

static sfsistat mta_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                              unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                              unsigned long *pf2, unsigned long *pf3)
{
	struct mctx *c = cb_session();
	unsigned long want;
	unsigned stages;

	(void)f2;
	(void)f3;
	if (c == NULL) {
		log_error("out of memory opening a milter session");
		return SMFIS_REJECT;
	}
	atomic_fetch_add(&sessions, 1);
	smfi_setpriv(ctx, c);
	stages = c->snap->stages;
	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST) & f0;
	want = SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY |
	       SMFIP_HDR_LEADSPC;
	if (!(stages & (1u << CM_CONNECT)))
		want |= SMFIP_NR_CONN;
	if (!(stages & (1u << CM_HELO)))
		want |= SMFIP_NR_HELO;
	if (!(stages & (1u << CM_MAIL)))
		want |= SMFIP_NR_MAIL;
	if (!(stages & (1u << CM_RCPT)))
		want |= SMFIP_NR_RCPT;
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	c->mta_flags = *pf1;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name} {client_addr}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen} {auth_type} {mail_addr}");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "i {rcpt_addr}");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat mta_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct mctx *c = priv(ctx);
	struct cm_decision d;

	if (c == NULL) {
		/* An MTA that does not negotiate: make the session here. */
		c = cb_session();
		if (c == NULL)
			return SMFIS_TEMPFAIL;
		atomic_fetch_add(&sessions, 1);
		smfi_setpriv(ctx, c);
		c->leadspc = false;
	}
	cb_connect(c, hostname, sa, &d);
	return reply(ctx, c, &d, SMFIP_NR_CONN);
}

static sfsistat mta_helo(SMFICTX *ctx, char *helo)
{
	struct mctx *c = priv(ctx);
	struct cm_decision d;

	if (c == NULL)
		return SMFIS_CONTINUE;
	cb_helo(c, helo, &d);
	return reply(ctx, c, &d, SMFIP_NR_HELO);
}

static sfsistat mta_envfrom(SMFICTX *ctx, char **argv)
{
	struct mctx *c = priv(ctx);
	struct cb_macros mac = {get_macro, ctx};
	struct cm_decision d;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	cb_mail(c, argv != NULL ? argv[0] : NULL, &mac, &d);
	return reply(ctx, c, &d, SMFIP_NR_MAIL);
}

static sfsistat mta_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mctx *c = priv(ctx);
	struct cb_macros mac = {get_macro, ctx};
	struct cm_decision d;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	cb_rcpt(c, argv != NULL ? argv[0] : NULL, &mac, &d);
	return reply(ctx, c, &d, SMFIP_NR_RCPT);
}

static sfsistat mta_header(SMFICTX *ctx, char *name, char *value)
{
	struct mctx *c = priv(ctx);

	if (c != NULL)
		cb_header(c, name, value != NULL ? value : "");
	return plain(c, SMFIP_NR_HDR);
}

static sfsistat mta_eoh(SMFICTX *ctx)
{
	struct mctx *c = priv(ctx);
	struct cb_macros mac = {get_macro, ctx};

	if (c != NULL)
		cb_eoh(c, &mac);
	return plain(c, SMFIP_NR_EOH);
}

static sfsistat mta_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct mctx *c = priv(ctx);

	if (c != NULL)
		cb_body(c, data, len);
	return plain(c, SMFIP_NR_BODY);
}

static int edit_header(SMFICTX *ctx, struct mctx *c, const struct cm_hdr_edit *e)
{
	char *value = NULL;
	int r;

	if (e->op == CM_HDR_DELETE)
		return smfi_chgheader(ctx, (char *)e->name, (int)e->index, NULL);
	if (c->leadspc)
		value = pool_printf(c->m.pool, " %s", e->value);
	else
		value = pool_strdup(c->m.pool, e->value);
	if (value == NULL)
		return MI_FAILURE;
	if (e->op == CM_HDR_CHANGE)
		r = smfi_chgheader(ctx, (char *)e->name, (int)e->index, value);
	else if (e->op == CM_HDR_PREPEND)
		r = smfi_insheader(ctx, 0, (char *)e->name, value);
	else
		r = smfi_addheader(ctx, (char *)e->name, value);
	return r;
}

static int apply_edits(SMFICTX *ctx, struct mctx *c, const struct cm_decision *d)
{
	size_t i;

	/* Changes first: their indexes count the fields as received. */
	for (i = 0; i < d->n_edits; i++)
		if (d->edits[i].op == CM_HDR_CHANGE &&
		    edit_header(ctx, c, &d->edits[i]) != MI_SUCCESS)
			return -1;
	for (i = 0; i < d->n_edits; i++)
		if (d->edits[i].op == CM_HDR_DELETE &&
		    edit_header(ctx, c, &d->edits[i]) != MI_SUCCESS)
			return -1;
	/* Inserting at the top one by one: the last inserted ends up first. */
	for (i = d->n_edits; i-- > 0;)
		if (d->edits[i].op == CM_HDR_PREPEND &&
		    edit_header(ctx, c, &d->edits[i]) != MI_SUCCESS)
			return -1;
	for (i = 0; i < d->n_edits; i++)
		if (d->edits[i].op == CM_HDR_APPEND &&
		    edit_header(ctx, c, &d->edits[i]) != MI_SUCCESS)
			return -1;
	return 0;
}

static sfsistat mta_eom(SMFICTX *ctx)
{
	struct mctx *c = priv(ctx);
	struct cb_macros mac = {get_macro, ctx};
	struct cm_decision d;
	sfsistat r;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	cb_eom(c, &mac, opts->version, &d);
	if (d.action == CM_ACT_NONE || d.action == CM_ACT_QUARANTINE) {
		if (apply_edits(ctx, c, &d) < 0) {
			cb_apply_failed(c, "header change");
			cb_done(c);
			return SMFIS_TEMPFAIL;
		}
		if (d.action == CM_ACT_QUARANTINE &&
		    smfi_quarantine(ctx, (char *)(d.text != NULL ? d.text : "chainmilter")) !=
		        MI_SUCCESS) {
			cb_apply_failed(c, "quarantine");
			cb_done(c);
			return SMFIS_TEMPFAIL;
		}
		r = SMFIS_CONTINUE;
	} else {
		r = reply(ctx, c, &d, 0);
	}
	cb_done(c);
	return r;
}

static sfsistat mta_abort(SMFICTX *ctx)
{
	struct mctx *c = priv(ctx);

	if (c != NULL)
		cb_abort(c);
	return SMFIS_CONTINUE;
}

static sfsistat mta_close(SMFICTX *ctx)
{
	struct mctx *c = priv(ctx);

	if (c != NULL) {
		cb_close(&c);
		smfi_setpriv(ctx, NULL);
		atomic_fetch_sub(&sessions, 1);
	}
	return SMFIS_CONTINUE;
}

/* ---- signals ---- */

static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static void drain(void)
{
	struct timespec step = {0, 50 * 1000 * 1000};
	long waited_ms = 0, limit_ms = opts->shutdown_timeout * 1000;

	cb_set_draining(true);
	if (mctx_in_flight() > 0)
		log_info("stopping: waiting up to %lds for %ld message(s) in progress",
		         opts->shutdown_timeout, mctx_in_flight());
	while (mctx_in_flight() > 0 && waited_ms < limit_ms) {
		nanosleep(&step, NULL);
		waited_ms += 50;
	}
	if (mctx_in_flight() > 0)
		log_warn("stopping with %ld message(s) unfinished; the MTA applies its "
		         "milter_default_action to them",
		         mctx_in_flight());
}

static pthread_t listener;
static atomic_bool listener_done;

static void wake(int sig)
{
	(void)sig;
}

/* Interrupt the listener's poll() until smfi_main() returns: repeated, as
 * one signal may land before the poll starts. */
static void wake_listener(void)
{
	struct timespec step = {0, 20 * 1000 * 1000};

	while (!atomic_load(&listener_done)) {
		pthread_kill(listener, SIGUSR2);
		nanosleep(&step, NULL);
	}
}

static void *stopper(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	pthread_t tid;

	for (;;) {
		int sig = sigwaitinfo(set, NULL);

		if (sig < 0)
			continue;
		if (sig == SIGHUP || sig == SIGUSR1) {
			opts->on_reload(opts->arg);
			continue;
		}
		log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		drain();
		if (pthread_create(&tid, NULL, stopper, NULL) != 0) {
			smfi_stop(); /* stops within 5 s */
			return NULL;
		}
		pthread_detach(tid);
		wake_listener();
		return NULL;
	}
}

/* ---- start ---- */

static int own_socket(const struct sock_spec *spec, const char *owner)
{
	char name[256], *group;
	struct passwd *pw;
	gid_t gid;

	if (spec->kind != SOCK_UNIX)
		return 0;
	if (chmod(spec->path, 0660) < 0) {
		log_error("Socket %s: cannot set mode 0660: %s", spec->path, strerror(errno));
		return -1;
	}
	if (owner == NULL || owner[0] == '\0')
		return 0;
	snprintf(name, sizeof(name), "%s", owner);
	group = strchr(name, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	if (pw == NULL)
		return 0; /* reported by the config check */
	gid = pw->pw_gid;
	if (group != NULL && getgrnam(group) != NULL)
		gid = getgrnam(group)->gr_gid;
	if (chown(spec->path, pw->pw_uid, gid) < 0) {
		log_error("Socket %s: cannot give it to %s: %s", spec->path, owner,
		          strerror(errno));
		return -1;
	}
	return 0;
}

int mta_run(const struct mta_opts *o)
{
	static struct smfiDesc desc = {
	    .xxfi_name = "chainmilter",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	    .xxfi_connect = mta_connect,
	    .xxfi_helo = mta_helo,
	    .xxfi_envfrom = mta_envfrom,
	    .xxfi_envrcpt = mta_envrcpt,
	    .xxfi_header = mta_header,
	    .xxfi_eoh = mta_eoh,
	    .xxfi_body = mta_body,
	    .xxfi_eom = mta_eom,
	    .xxfi_abort = mta_abort,
	    .xxfi_close = mta_close,
	    .xxfi_negotiate = mta_negotiate,
	};
	static sigset_t set;
	struct sigaction sa = {.sa_handler = wake};
	struct sock_spec spec;
	const char *err;
	pthread_t tid;
	int r;

	opts = o;
	if (sock_parse(o->socket, &spec, &err) < 0) {
		log_error("Socket %s: %s", o->socket, err);
		return -1;
	}
	if (smfi_register(desc) != MI_SUCCESS || smfi_setconn((char *)o->socket) != MI_SUCCESS) {
		log_error("libmilter refused to register the filter on %s", o->socket);
		return -1;
	}
	smfi_settimeout((int)o->timeout);
	smfi_setmaxdatasize(MAX_DATA_SIZE);
	if (smfi_opensocket(true) != MI_SUCCESS) {
		log_error("cannot listen on %s: address in use, or no permission", o->socket);
		return -1;
	}
	if (own_socket(&spec, o->socket_owner) < 0 || o->after_bind(o->arg) < 0)
		return -1;
	block_signals(&set);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	listener = pthread_self();
	if (pthread_create(&tid, NULL, signal_thread, &set) != 0) {
		log_error("cannot start the signal thread");
		return -1;
	}
	pthread_detach(tid);
	log_info("chainmilter %s listening on %s", o->version, o->socket);
	r = smfi_main();
	atomic_store(&listener_done, true);
	if (r != MI_SUCCESS) {
		log_error("libmilter stopped with an error");
		return -1;
	}
	return 0;
}

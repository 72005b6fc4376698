/*
 * main - command line, config check and dump, start-up (socket, daemon,
 * pid file, privilege drop) and reload. Subcommands go to milter/cli.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/log.h"
#include "cli.h"
#include "log.h"
#include "mta.h"
#include "snapshot.h"

#define MAX_OVERRIDES 32

struct daemon_state {
	const char *config;
	struct conf_override ov[MAX_OVERRIDES];
	size_t n_ov;
	bool foreground;
	const struct cm_core_conf *core; /* of the snapshot we started with */
	char socket[512], user[256], pidfile[PATH_MAX];
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: chainmilter [-c FILE] [-f] [-n] [-d] [-p SOCKET] [-o NAME=VALUE]...\n"
	        "       chainmilter COMMAND [-c FILE] [options]\n"
	        "\n"
	        "  -c FILE    config file (default %s)\n"
	        "  -f         stay in the foreground and log to standard error\n"
	        "  -n         check the config, list every problem, exit 0 if none, else 1\n"
	        "  -d         print every setting with its effective value and origin\n"
	        "  -p SOCKET  listen here instead of the config's Socket\n"
	        "  -o NAME=VALUE  set a setting over the config file's value (kept on reload)\n"
	        "  -V         print the version\n"
	        "\n"
	        "commands:\n",
	        CM_CONFIG_PATH);
	cli_usage(fp);
}

static int print_errors(const struct cm_snapshot *snap)
{
	size_t i, n = conf_nerrors(snap->conf);

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s\n", conf_errmsg(snap->conf, i));
	return n > 0 ? 1 : 0;
}

static int write_pidfile(const char *path)
{
	FILE *fp;

	if (path[0] == '\0')
		return 0;
	fp = fopen(path, "w");
	if (fp == NULL) {
		log_error("PidFile %s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
	return 0;
}

static int drop_privileges(const char *spec)
{
	char name[256], *group;
	struct passwd *pw;
	gid_t gid;

	if (spec[0] == '\0')
		return 0;
	snprintf(name, sizeof(name), "%s", spec);
	group = strchr(name, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	if (pw == NULL) {
		log_error("UserID %s: no such user", name);
		return -1;
	}
	gid = pw->pw_gid;
	if (group != NULL) {
		struct group *gr = getgrnam(group);

		if (gr == NULL) {
			log_error("UserID %s: no such group %s", spec, group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (getuid() == pw->pw_uid && getgid() == gid)
		return 0;
	if (initgroups(pw->pw_name, gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("UserID %s: cannot switch to it: %s", spec, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 && pw->pw_uid != 0) {
		log_error("UserID %s: root privileges could be regained; refusing to run", spec);
		return -1;
	}
	return 0;
}

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		log_error("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static int after_bind(void *arg)
{
	struct daemon_state *st = arg;

	if (!st->foreground && daemonize() < 0)
		return -1;
	if (write_pidfile(st->pidfile) < 0)
		return -1;
	return drop_privileges(st->user);
}

static void reload(void *arg)
{
	struct daemon_state *st = arg;
	struct cm_snapshot *snap = snap_load(st->config, st->ov, st->n_ov);
	size_t i, n;

	if (snap == NULL) {
		log_error("reload of %s: out of memory; keeping the running configuration",
		          st->config);
		return;
	}
	n = conf_nerrors(snap->conf);
	if (n > 0) {
		for (i = 0; i < n; i++)
			log_error("reload: %s", conf_errmsg(snap->conf, i));
		log_error("reload of %s failed with %zu problem(s); keeping the running "
		          "configuration",
		          st->config, n);
		snap_free(&snap);
		return;
	}
	if (strcmp(snap->core->socket, st->socket) != 0 || strcmp(snap->core->user, st->user) != 0)
		log_warn("reload: Socket and UserID changes take effect only after a restart");
	log_set_debug(snap->core->debug);
	snap_install(snap);
	log_info("reloaded configuration from %s", st->config);
}

static int run_daemon(struct daemon_state *st, struct cm_snapshot *snap)
{
	const struct cm_core_conf *core = snap->core;
	struct mta_opts o = {
	    .socket = core->socket,
	    .version = CM_VERSION,
	    .timeout = core->milter_timeout,
	    .shutdown_timeout = core->shutdown_timeout,
	    .after_bind = after_bind,
	    .on_reload = reload,
	    .arg = st,
	    .socket_owner = core->user,
	};
	int r;

	snprintf(st->socket, sizeof(st->socket), "%s", core->socket);
	snprintf(st->user, sizeof(st->user), "%s", core->user);
	snprintf(st->pidfile, sizeof(st->pidfile), "%s", core->pidfile);
	if (!st->foreground && !core->syslog)
		fprintf(stderr, "chainmilter: warning: Syslog no and no -f: the daemon's log "
		                "lines go nowhere\n");
	mlog_open(core->syslog && !st->foreground, st->foreground || !core->syslog,
	          core->syslog_facility);
	log_set_debug(core->debug);
	snap_install(snap);
	r = mta_run(&o);
	if (st->pidfile[0] != '\0')
		unlink(st->pidfile);
	log_info("stopped");
	if (mta_sessions() > 0) {
		/* libmilter dropped idle sessions without closing them; just go. */
		mlog_close();
		_exit(r < 0 ? 1 : 0);
	}
	snap_install(NULL);
	mlog_close();
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct daemon_state st;
	bool check_only = false, dump = false;
	struct cm_snapshot *snap;
	char abs[PATH_MAX];
	int opt, r;

	if (argc > 1 && argv[1][0] != '-')
		return cli_main(argc - 1, argv + 1);
	st.config = CM_CONFIG_PATH;
	while ((opt = getopt(argc, argv, "c:fndp:o:Vh")) != -1) {
		switch (opt) {
		case 'c':
			st.config = optarg;
			break;
		case 'f':
			st.foreground = true;
			break;
		case 'n':
			check_only = true;
			break;
		case 'd':
			dump = true;
			break;
		case 'p':
		case 'o':
			if (st.n_ov == MAX_OVERRIDES) {
				fprintf(stderr, "chainmilter: more than %d -p/-o options\n",
				        MAX_OVERRIDES);
				return 2;
			}
			if (opt == 'p')
				st.ov[st.n_ov++] = (struct conf_override){"Socket", optarg, "-p"};
			else if (conf_override_parse(optarg, "-o", &st.ov[st.n_ov++]) < 0) {
				fprintf(stderr,
				        "chainmilter: -o %s: expected NAME=VALUE, such as "
				        "-o ClamAV=no\n",
				        optarg);
				return 2;
			}
			break;
		case 'V':
			printf("chainmilter %s\n", CM_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (realpath(st.config, abs) != NULL)
		st.config = strdup(abs);
	snap = snap_load(st.config, st.ov, st.n_ov);
	if (snap == NULL) {
		fprintf(stderr, "chainmilter: out of memory\n");
		return 1;
	}
	if (check_only || dump) {
		if (dump)
			conf_dump(snap->conf, stdout);
		r = print_errors(snap);
		if (check_only && r == 0)
			printf("%s: OK\n", st.config);
		snap_free(&snap);
		return r;
	}
	if (print_errors(snap) != 0) {
		fprintf(stderr, "chainmilter: %s has problems; not starting (check with -n)\n",
		        st.config);
		snap_free(&snap);
		return 1;
	}
	return run_daemon(&st, snap);
}

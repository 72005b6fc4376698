/*
 * snapshot - builds a snapshot from a config file (settings, scores, check
 * states) and keeps the running one. Acquiring takes the lock only long
 * enough to bump the count; the last release frees.
 */
#include "snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/dns.h"
#include "../lib/file.h"
#include "../lib/log.h"
#include "../lib/pool.h"
#include "../lib/scores.h"
#include "chain.h"

/* etc/scores.conf, compiled in by milter/defaults.S. */
extern const char cm_default_scores[];

struct cm_initctx {
	struct cm_snapshot *snap;
	size_t mod; /* index of the check's module in the config */
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cm_snapshot *current;
static unsigned long generations;

#define MAX_MODULES 32

static struct conf_module modules[MAX_MODULES];
static const struct conf_module *module_ptrs[MAX_MODULES];
static pthread_once_t modules_once = PTHREAD_ONCE_INIT;

static void build_modules(void)
{
	size_t i;

	modules[0] =
	    (struct conf_module){"core", "Core", cm_core_settings, sizeof(struct cm_core_conf)};
	module_ptrs[0] = &modules[0];
	for (i = 0; i < chain_n_checks && i + 1 < MAX_MODULES; i++) {
		const struct cm_check *c = chain_checks[i];

		modules[i + 1] = (struct conf_module){c->name, c->title, c->settings, c->conf_size};
		module_ptrs[i + 1] = &modules[i + 1];
	}
}

const struct conf_module *const *snap_modules(size_t *n_r)
{
	pthread_once(&modules_once, build_modules);
	*n_r = chain_n_checks + 1;
	return module_ptrs;
}

/* ---- what init() may call ---- */

void cm_init_error(struct cm_initctx *ic, const char *setting, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_setting_error(ic->snap->conf, ic->mod, setting, fmt, ap);
	va_end(ap);
}

void cm_init_error_item(struct cm_initctx *ic, const char *setting, const struct set_item *item,
                        const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_error(ic->snap->conf, "%s:%d: %s: %s", item->file != NULL ? item->file : "-o",
	           item->line, setting, msg);
}

const char *cm_init_origin(struct cm_initctx *ic, const char *setting)
{
	return conf_where(ic->snap->conf, ic->mod, setting);
}

const struct cm_core_conf *cm_init_core(struct cm_initctx *ic)
{
	return ic->snap->core;
}

struct dns *cm_init_dns(struct cm_initctx *ic)
{
	return ic->snap->dns;
}

struct pool *cm_init_pool(struct cm_initctx *ic)
{
	return conf_pool(ic->snap->conf);
}

/* ---- building ---- */

static void core_error(struct cm_snapshot *snap, const char *setting, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void core_error(struct cm_snapshot *snap, const char *setting, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_setting_error(snap->conf, 0, setting, fmt, ap);
	va_end(ap);
}

static void finish_core(struct cm_snapshot *snap, struct cm_core_conf *core)
{
	struct pool *pool = conf_pool(snap->conf);
	char host[256];
	struct stat st;

	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	core->hostname = pool_strdup(pool, host);
	if (core->authserv_id[0] == '\0')
		core->authserv_id = core->hostname;
	if (stat(core->tmpdir, &st) < 0 || !S_ISDIR(st.st_mode))
		core_error(snap, "TemporaryDirectory", "%s: %s, expected an existing directory",
		           core->tmpdir,
		           stat(core->tmpdir, &st) < 0 ? strerror(errno) : "not a directory");
	if (core->user[0] != '\0') {
		char name[256], *colon;

		snprintf(name, sizeof(name), "%s", core->user);
		colon = strchr(name, ':');
		if (colon != NULL)
			*colon++ = '\0';
		if (getpwnam(name) == NULL)
			core_error(snap, "UserID",
			           "%s: no such user, expected an existing user "
			           "name",
			           name);
		if (colon != NULL && getgrnam(colon) == NULL)
			core_error(snap, "UserID", "%s: no such group, expected an existing group",
			           colon);
	}
}

struct score_report {
	struct conf *conf;
};

static void report_score(void *arg, const char *msg)
{
	conf_error(((struct score_report *)arg)->conf, "%s", msg);
}

static void build_scores(struct cm_snapshot *snap, const struct cm_core_conf *core)
{
	struct score_report rep = {snap->conf};
	size_t i;

	snap->scores = scores_create();
	if (snap->scores == NULL) {
		conf_error(snap->conf, "out of memory");
		return;
	}
	scores_parse(snap->scores, cm_default_scores, "built-in scores", report_score, &rep);
	if (core->scores_file[0] != '\0') {
		const char *why = NULL;
		char *text = file_read(core->scores_file, NULL, &why);

		if (text == NULL)
			core_error(snap, "ScoresFile", "%s: cannot read: %s", core->scores_file,
			           why);
		else
			scores_parse(snap->scores, text, core->scores_file, report_score, &rep);
		free(text);
	}
	for (i = 0; i < core->scores.n; i++) {
		const struct set_item *it = &core->scores.items[i];

		if (scores_set_line(snap->scores, it->value) < 0)
			conf_error(snap->conf,
			           "%s:%d: Score: \"%s\": expected SYMBOL SCORE, such as "
			           "BAYES_99 3.5",
			           it->file, it->line, it->value);
	}
}

static int policy_of(const struct cm_check *c, const void *conf)
{
	size_t i;

	if (c->policy_setting == NULL)
		return CM_POLICY_TEMPFAIL;
	for (i = 0; c->settings[i].name != NULL; i++)
		if (strcmp(c->settings[i].name, c->policy_setting) == 0)
			return *(const int *)((const char *)conf + c->settings[i].offset);
	return CM_POLICY_TEMPFAIL;
}

/* The resolver. A bad Nameservers value is a config error; checks still get
 * a resolver (the system's) so that init() can run and report its own. */
static void build_dns(struct cm_snapshot *snap, const struct cm_core_conf *core)
{
	struct pool *pool = conf_pool(snap->conf);
	const char *error = NULL;

	snap->dns = dns_create(core->nameservers, core->dns_timeout * 1000, pool, &error);
	if (snap->dns != NULL)
		return;
	core_error(snap, "Nameservers", "%s", error);
	snap->dns = dns_create("", core->dns_timeout * 1000, pool, &error);
	if (snap->dns == NULL)
		conf_error(snap->conf, "cannot create a DNS resolver: %s", error);
}

/* Every check, or only one (NULL: all). */
static void init_checks(struct cm_snapshot *snap, const struct cm_check *only)
{
	size_t i, s;

	for (i = 0; i < chain_n_checks; i++) {
		const struct cm_check *c = chain_checks[i];
		struct cm_initctx ic = {snap, i + 1};
		const void *conf = conf_data(snap->conf, i + 1);
		size_t errors_before = conf_nerrors(snap->conf);

		snap->policy[i] = policy_of(c, conf);
		if (c->init == NULL || (only != NULL && c != only))
			continue;
		if (c->init(&ic, conf, &snap->state[i]) < 0 &&
		    conf_nerrors(snap->conf) == errors_before)
			conf_error(snap->conf, "%s: the %s check failed to start",
			           conf_path(snap->conf), c->name);
		if (snap->state[i] == NULL)
			continue;
		for (s = 0; s < CM_NSTAGES; s++)
			if (c->hooks[s] != NULL)
				snap->stages |= 1u << s;
		if (c->flags & CM_CHECK_NEEDS_MESSAGE)
			snap->needs_message = true;
	}
}

static struct cm_snapshot *load(const char *path, const struct conf_override *ov, size_t n_ov,
                                const struct cm_check *only)
{
	struct cm_snapshot *snap = calloc(1, sizeof(*snap));
	const struct conf_module *const *mods;
	size_t n;

	if (snap == NULL)
		return NULL;
	atomic_init(&snap->refs, 1);
	mods = snap_modules(&n);
	snap->conf = conf_load(mods, n, path, ov, n_ov);
	snap->n_checks = chain_n_checks;
	snap->state = calloc(chain_n_checks + 1, sizeof(*snap->state));
	snap->policy = calloc(chain_n_checks + 1, sizeof(*snap->policy));
	if (snap->conf == NULL || snap->state == NULL || snap->policy == NULL) {
		snap_free(&snap);
		return NULL;
	}
	snap->core = conf_data(snap->conf, 0);
	finish_core(snap, conf_data(snap->conf, 0));
	build_scores(snap, snap->core);
	build_dns(snap, snap->core);
	if (snap->dns == NULL) /* out of memory: checks would get no resolver */
		return snap;
	init_checks(snap, only);
	return snap;
}

struct cm_snapshot *snap_load(const char *path, const struct conf_override *ov, size_t n_ov)
{
	return load(path, ov, n_ov, NULL);
}

/* ---- one check for a subcommand ---- */

struct cm_loaded {
	struct cm_snapshot *snap;
	char **copies;
	size_t n_copies;
};

#define MAX_LOAD_OVERRIDES 64

static void *loaded_state(struct cm_loaded *l, const struct cm_check *c)
{
	size_t i, n;

	if (l->snap == NULL) {
		fprintf(stderr, "chainmilter: out of memory loading the config\n");
		return NULL;
	}
	n = conf_nerrors(l->snap->conf);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s\n", conf_errmsg(l->snap->conf, i));
	if (n > 0)
		return NULL;
	for (i = 0; i < chain_n_checks; i++)
		if (chain_checks[i] == c && l->snap->state[i] != NULL)
			return l->snap->state[i];
	fprintf(stderr, "chainmilter: %s: the %s check is off in this config\n",
	        conf_path(l->snap->conf), c->name);
	return NULL;
}

void *cm_load_check(const char *path, char *const *overrides, size_t n_overrides,
                    const struct cm_check *c, struct cm_loaded **l_r)
{
	struct conf_override ov[MAX_LOAD_OVERRIDES];
	struct cm_loaded *l = calloc(1, sizeof(*l));
	void *state;
	size_t i;

	*l_r = NULL;
	if (l == NULL || n_overrides > MAX_LOAD_OVERRIDES ||
	    (l->copies = calloc(n_overrides + 1, sizeof(*l->copies))) == NULL) {
		fprintf(stderr, "chainmilter: %s\n",
		        l == NULL ? "out of memory" : "too many -o options");
		cm_loaded_free(&l);
		return NULL;
	}
	for (i = 0; i < n_overrides; i++) {
		/* Parsing splits its argument: keep our own copy alive. */
		l->copies[l->n_copies++] = strdup(overrides[i]);
		if (l->copies[i] == NULL || conf_override_parse(l->copies[i], "-o", &ov[i]) < 0) {
			fprintf(stderr, "chainmilter: -o %s: expected NAME=VALUE\n", overrides[i]);
			cm_loaded_free(&l);
			return NULL;
		}
	}
	l->snap = load(path != NULL ? path : CM_CONFIG_PATH, ov, n_overrides, c);
	state = loaded_state(l, c);
	if (state == NULL) {
		cm_loaded_free(&l);
		return NULL;
	}
	*l_r = l;
	return state;
}

const struct cm_core_conf *cm_loaded_core(const struct cm_loaded *l)
{
	return l->snap->core;
}

void cm_loaded_free(struct cm_loaded **lp)
{
	struct cm_loaded *l = *lp;
	size_t i;

	if (l == NULL)
		return;
	snap_free(&l->snap);
	for (i = 0; i < l->n_copies; i++)
		free(l->copies[i]);
	free(l->copies);
	free(l);
	*lp = NULL;
}

void snap_free(struct cm_snapshot **sp)
{
	struct cm_snapshot *snap = *sp;
	size_t i;

	if (snap == NULL)
		return;
	if (snap->state != NULL) {
		for (i = 0; i < snap->n_checks; i++)
			if (snap->state[i] != NULL && chain_checks[i]->free != NULL)
				chain_checks[i]->free(snap->state[i]);
	}
	free(snap->state);
	free(snap->policy);
	/* After the checks: they may hold it. Queries still running keep it. */
	dns_release(&snap->dns);
	scores_free(&snap->scores);
	conf_free(&snap->conf);
	free(snap);
	*sp = NULL;
}

void snap_install(struct cm_snapshot *snap)
{
	struct cm_snapshot *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = snap;
	if (snap != NULL)
		snap->generation = ++generations;
	pthread_mutex_unlock(&current_lock);
	snap_release(&old);
}

struct cm_snapshot *snap_acquire(void)
{
	struct cm_snapshot *snap;

	pthread_mutex_lock(&current_lock);
	snap = current;
	if (snap != NULL)
		atomic_fetch_add(&snap->refs, 1);
	pthread_mutex_unlock(&current_lock);
	return snap;
}

void snap_release(struct cm_snapshot **sp)
{
	struct cm_snapshot *snap = *sp;

	*sp = NULL;
	if (snap != NULL && atomic_fetch_sub(&snap->refs, 1) == 1)
		snap_free(&snap);
}

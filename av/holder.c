/*
 * holder - the current engine of one config snapshot and its periodic
 * reload (clamd's SelfCheck). The watcher thread starts with the first scan,
 * not at load: the first snapshot is loaded before the daemon forks, and
 * threads do not survive a fork. It checks at once, then every interval. The holder is reference
 * counted between the snapshot and the watcher, so releasing a snapshot never waits for a load.
 */
#include "holder.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"

struct avc_holder {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int refs; /* the snapshot, and the watcher while it runs */
	bool started, stop;
	struct avc_engine *engine;
	struct avc_dbwatch *watch; /* the watcher's alone once it runs */
	char *dir, *tmpdir;
	struct avc_limits lim;
	long interval;
};

static void destroy(struct avc_holder *h)
{
	avc_engine_unref(&h->engine);
	avc_dbwatch_free(&h->watch);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h->dir);
	free(h->tmpdir);
	free(h);
}

static void drop(struct avc_holder *h)
{
	bool last;

	pthread_mutex_lock(&h->lock);
	last = --h->refs == 0;
	pthread_mutex_unlock(&h->lock);
	if (last)
		destroy(h);
}

struct avc_holder *avc_holder_new(const char *dir, const struct avc_limits *lim,
                                  long check_interval, const char **error_r)
{
	struct avc_holder *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (h == NULL || (h->dir = strdup(dir)) == NULL ||
	    (lim->tmpdir != NULL && (h->tmpdir = strdup(lim->tmpdir)) == NULL)) {
		if (h != NULL)
			free(h->dir);
		free(h);
		*error_r = "out of memory";
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	h->refs = 1;
	h->lim = *lim;
	h->lim.tmpdir = h->tmpdir;
	h->interval = check_interval;
	/* Watch before loading: a change during the load is seen next time. */
	h->watch = avc_dbwatch_new(dir, error_r);
	if (h->watch == NULL || avc_engine_load(dir, &h->lim, &h->engine, error_r) < 0) {
		destroy(h);
		return NULL;
	}
	return h;
}

static void reload_if_changed(struct avc_holder *h)
{
	struct avc_engine *fresh, *old;
	struct avc_dbwatch *watch;
	const char *error;
	unsigned before;

	if (!avc_dbwatch_changed(h->watch))
		return;
	watch = avc_dbwatch_new(h->dir, &error);
	if (watch == NULL) {
		log_error("av: %s", error);
		return;
	}
	/* Whatever the outcome, wait for the next change before trying again. */
	avc_dbwatch_free(&h->watch);
	h->watch = watch;
	pthread_mutex_lock(&h->lock);
	before = avc_engine_signatures(h->engine);
	pthread_mutex_unlock(&h->lock);
	if (avc_engine_load(h->dir, &h->lim, &fresh, &error) < 0) {
		log_error("av: the virus database in %s changed but cannot be loaded: %s; still "
		          "scanning with the previous one (%u signatures)",
		          h->dir, error, before);
		return;
	}
	pthread_mutex_lock(&h->lock);
	old = h->engine;
	h->engine = fresh;
	pthread_mutex_unlock(&h->lock);
	avc_engine_unref(&old); /* freed when the last scan on it ends */
	log_info("av: the virus database in %s changed: reloaded, %u signatures (was %u)", h->dir,
	         avc_engine_signatures(fresh), before);
}

static void *watcher(void *arg)
{
	struct avc_holder *h = arg;
	struct timespec until;

	/* Check at once: the first scan may come long after the load. */
	reload_if_changed(h);
	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += h->interval;
		while (!h->stop && pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT)
			;
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->lock);
		reload_if_changed(h);
		pthread_mutex_lock(&h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	drop(h);
	return NULL;
}

/* Called with the lock held. */
static void start_watcher(struct avc_holder *h)
{
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	h->started = true;
	if (h->interval <= 0)
		return;
	h->refs++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, watcher, h);
	pthread_attr_destroy(&attr);
	if (err != 0) {
		h->refs--;
		log_error("av: cannot start the thread that checks %s for new signatures: %s; "
		          "reload with SIGHUP instead",
		          h->dir, strerror(err));
	}
}

struct avc_engine *avc_holder_engine(struct avc_holder *h)
{
	struct avc_engine *e;

	pthread_mutex_lock(&h->lock);
	if (!h->started)
		start_watcher(h);
	e = h->engine;
	avc_engine_ref(e);
	pthread_mutex_unlock(&h->lock);
	return e;
}

void avc_holder_release(struct avc_holder **hp)
{
	struct avc_holder *h = *hp;

	if (h == NULL)
		return;
	*hp = NULL;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	drop(h);
}

unsigned avc_holder_signatures(struct avc_holder *h)
{
	unsigned n;

	pthread_mutex_lock(&h->lock);
	n = avc_engine_signatures(h->engine);
	pthread_mutex_unlock(&h->lock);
	return n;
}

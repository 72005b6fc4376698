/*
 * storebench - operations per second and CPU per operation of a store:
 * puts, gets, read-modify-write updates (greylisting's shapes, on
 * 60-byte triplet-like keys) and batched counter increments and reads of
 * 1000 tokens (the classifier's shapes). Figures, not a test.
 *
 *   storebench URI [SECONDS-PER-PHASE [THREADS [SERVER-PID]]]
 *
 * With SERVER-PID (redis-server's), its CPU time is counted too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/store.h"

#define BATCH  1000
#define TOKENS 200000

static struct store *st;
static volatile int stop;
static long keys_written;
static int nthreads = 1;

struct worker {
	pthread_t tid;
	int id;
	long ops;
	unsigned seed;
	char error[256];
};

static void triplet(char *out, long i)
{
	snprintf(out, 64, "192.0.2.0/24|sender%ld@example.net|rcpt%ld@example.org", i, i % 977);
}

static bool failed(struct worker *w, int r, const char *err)
{
	if (r >= 0)
		return false;
	snprintf(w->error, sizeof(w->error), "%s", err);
	return true;
}

static void *do_put(void *arg)
{
	struct worker *w = arg;
	const char *err = "";
	char key[64], val[40];
	long i;

	memset(val, 'x', sizeof(val));
	for (i = w->id; !stop; i += nthreads) {
		triplet(key, i);
		if (failed(w, store_put(st, key, strlen(key), val, sizeof(val), 3600, &err), err))
			break;
		w->ops++;
	}
	return NULL;
}

static void *do_get(void *arg)
{
	struct worker *w = arg;
	const char *err = "";
	char key[64];
	struct buf v;

	buf_init(&v);
	while (!stop) {
		triplet(key, rand_r(&w->seed) % keys_written);
		if (failed(w, store_get(st, key, strlen(key), &v, &err), err))
			break;
		w->ops++;
	}
	buf_free(&v);
	return NULL;
}

/* The greylist's step: read the triplet, count the retry, write it back. */
static int seen_again(void *ctx, const void *old, size_t olen, struct buf *nv, long *ttl_r,
                      const char **error_r)
{
	(void)ctx, (void)error_r;
	if (old != NULL)
		buf_append(nv, old, olen);
	buf_putc(nv, '+');
	if (nv->len > 60)
		buf_reset(nv);
	*ttl_r = 3600;
	return STORE_WRITE;
}

static void *do_update(void *arg)
{
	struct worker *w = arg;
	const char *err = "";
	char key[64];

	while (!stop) {
		triplet(key, rand_r(&w->seed) % keys_written);
		if (failed(w, store_update(st, key, strlen(key), seen_again, NULL, &err), err))
			break;
		w->ops++;
	}
	return NULL;
}

static char (*tokens)[16];

static void *do_incr(void *arg)
{
	struct worker *w = arg;
	struct store_incr items[BATCH];
	const char *err = "";
	int i;

	while (!stop) {
		for (i = 0; i < BATCH; i++) {
			char *t = tokens[rand_r(&w->seed) % TOKENS];

			items[i] = (struct store_incr){t, strlen(t), 1};
		}
		if (failed(w, store_incr_batch(st, items, BATCH, 0, NULL, &err), err))
			break;
		w->ops += BATCH;
	}
	return NULL;
}

static void count_value(void *ctx, size_t i, const void *val, size_t len)
{
	(void)i, (void)val, (void)len;
	(*(long *)ctx)++;
}

static void *do_mget(void *arg)
{
	struct worker *w = arg;
	struct store_key keys[BATCH];
	const char *err = "";
	long found = 0;
	int i;

	while (!stop) {
		for (i = 0; i < BATCH; i++) {
			char *t = tokens[rand_r(&w->seed) % TOKENS];

			keys[i] = (struct store_key){t, strlen(t)};
		}
		if (failed(w, store_get_batch(st, keys, BATCH, count_value, &found, &err), err))
			break;
		w->ops += BATCH;
	}
	return NULL;
}

static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of another process, from /proc/PID/stat. */
static double cpu_of(int pid)
{
	unsigned long ut = 0, st_ = 0;
	char path[64], buf[1024], *p;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st_);
	fclose(f);
	return (double)(ut + st_) / (double)sysconf(_SC_CLK_TCK);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long phase(const char *name, void *(*fn)(void *), double seconds, int server)
{
	struct worker w[64];
	double t0 = now(), c0 = cpu_self(), s0 = cpu_of(server), wall, client, srv;
	long ops = 0;
	int i;

	stop = 0;
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){.id = i, .seed = (unsigned)(i * 7919 + 1)};
		pthread_create(&w[i].tid, NULL, fn, &w[i]);
	}
	usleep((useconds_t)(seconds * 1e6));
	stop = 1;
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
		if (w[i].error[0] != '\0')
			fprintf(stderr, "storebench: %s: %s\n", name, w[i].error);
	}
	wall = now() - t0;
	client = cpu_self() - c0;
	srv = cpu_of(server) - s0;
	if (ops == 0) {
		printf("%-22s no operation completed\n", name);
		return 0;
	}
	printf("%-22s %9.0f /s   CPU %6.2f us/op", name, ops / wall, (client + srv) * 1e6 / ops);
	if (server > 0)
		printf(" (client %.2f + server %.2f)", client * 1e6 / ops, srv * 1e6 / ops);
	printf("\n");
	return ops;
}

int main(int argc, char **argv)
{
	double seconds = argc > 2 ? atof(argv[2]) : 3;
	int server = argc > 4 ? atoi(argv[4]) : 0, i;
	const char *err;

	if (argc < 2) {
		fprintf(stderr,
		        "usage: storebench URI [SECONDS-PER-PHASE [THREADS [SERVER-PID]]]\n");
		return 2;
	}
	nthreads = argc > 3 ? atoi(argv[3]) : 1;
	if (nthreads < 1 || nthreads > 64)
		nthreads = 1;
	if (store_open(argv[1], "bench:", &st, &err) < 0 || store_check(st, &err) < 0) {
		fprintf(stderr, "storebench: %s\n", err);
		return 1;
	}
	tokens = calloc(TOKENS, sizeof(*tokens));
	for (i = 0; i < TOKENS; i++)
		snprintf(tokens[i], sizeof(tokens[i]), "t%08x", (unsigned)i * 2654435761u);
	printf("%s, %d thread(s), %.1f s per phase\n", store_name(st), nthreads, seconds);
	keys_written = phase("put (TTL, 60 B key)", do_put, seconds, server);
	if (keys_written > 0) {
		phase("get", do_get, seconds, server);
		phase("update (read+write)", do_update, seconds, server);
	}
	phase("increment (x1000)", do_incr, seconds, server);
	phase("batched get (x1000)", do_mget, seconds, server);
	store_close(&st);
	free(tokens);
	return 0;
}

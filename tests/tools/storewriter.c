/*
 * storewriter - writes to a store until killed, reporting each commit as
 * "committed N" on standard output only after the store call returned, and
 * checks afterwards that everything reported is there.
 * tests/integration/t_store.sh kills it with SIGKILL mid-stream.
 *
 *   storewriter put URI            k0=v0, k1=v1, ... one put per commit
 *   storewriter incr URI           +1 on counters c0..c999, one batch per commit
 *   storewriter verify-put URI N   k0..k(N-1) all there with their values
 *   storewriter verify-incr URI N  all 1000 counters equal, and N or N+1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/store.h"

#define COUNTERS 1000

static void say(const char *fmt, long n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), fmt, n);

	/* write(2), not stdio: nothing may sit in a buffer when the kill comes. */
	if (write(1, line, (size_t)len) != len)
		exit(3);
}

static int run_put(struct store *s)
{
	char key[32], val[32];
	const char *err;
	long i;

	for (i = 0;; i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		snprintf(val, sizeof(val), "v%ld", i);
		if (store_put(s, key, strlen(key), val, strlen(val), 0, &err) < 0) {
			fprintf(stderr, "storewriter: %s\n", err);
			return 1;
		}
		say("committed %ld\n", i + 1);
	}
}

static int run_incr(struct store *s)
{
	static char names[COUNTERS][24];
	static struct store_incr items[COUNTERS];
	const char *err;
	long i;

	for (i = 0; i < COUNTERS; i++) {
		snprintf(names[i], sizeof(names[i]), "c%ld", i);
		items[i] = (struct store_incr){names[i], strlen(names[i]), 1};
	}
	for (i = 0;; i++) {
		if (store_incr_batch(s, items, COUNTERS, 0, NULL, &err) < 0) {
			fprintf(stderr, "storewriter: %s\n", err);
			return 1;
		}
		say("committed %ld\n", i + 1);
	}
}

static int verify_put(struct store *s, long n)
{
	char key[32], val[32];
	const char *err;
	struct buf v;
	long i;

	buf_init(&v);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		snprintf(val, sizeof(val), "v%ld", i);
		if (store_get(s, key, strlen(key), &v, &err) != 1 ||
		    strcmp(buf_str(&v), val) != 0) {
			printf("%s: missing or wrong (of %ld reported)\n", key, n);
			return 1;
		}
	}
	printf("all %ld reported entries are there\n", n);
	buf_free(&v);
	return 0;
}

struct counters {
	long long first;
	long mismatches;
	size_t found;
};

static void check_counter(void *ctx, size_t i, const void *val, size_t len)
{
	struct counters *c = ctx;
	long long n;

	if (store_counter_parse(val, len, &n) < 0 || (i > 0 && n != c->first))
		c->mismatches++;
	if (i == 0)
		c->first = n;
	c->found++;
}

static int verify_incr(struct store *s, long n)
{
	static char names[COUNTERS][24];
	static struct store_key keys[COUNTERS];
	struct counters c = {0, 0, 0};
	const char *err;
	long i;

	for (i = 0; i < COUNTERS; i++) {
		snprintf(names[i], sizeof(names[i]), "c%ld", i);
		keys[i] = (struct store_key){names[i], strlen(names[i])};
	}
	if (store_get_batch(s, keys, COUNTERS, check_counter, &c, &err) < 0) {
		printf("%s\n", err);
		return 1;
	}
	/* Killed between a commit and its report: N+1 is right too. */
	if (c.found != COUNTERS || c.mismatches > 0 || c.first < n || c.first > n + 1) {
		printf("counters: %zu found, %ld differ from c0=%lld (%ld batches reported)\n",
		       c.found, c.mismatches, c.first, n);
		return 1;
	}
	printf("all %d counters at %lld (%ld batches reported)\n", COUNTERS, c.first, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct store *s;
	const char *err;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: storewriter put|incr|verify-put|verify-incr URI [N]\n");
		return 2;
	}
	if (store_open(argv[2], "dur:", &s, &err) < 0) {
		fprintf(stderr, "storewriter: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "put") == 0)
		r = run_put(s);
	else if (strcmp(argv[1], "incr") == 0)
		r = run_incr(s);
	else if (strcmp(argv[1], "verify-put") == 0 && argc > 3)
		r = verify_put(s, atol(argv[3]));
	else if (strcmp(argv[1], "verify-incr") == 0 && argc > 3)
		r = verify_incr(s, atol(argv[3]));
	else
		r = 2;
	store_close(&s);
	return r;
}

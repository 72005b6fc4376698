/*
 * dnsq - resolve through lib/dns.c and print what a check would see: the
 * status, TTL and parsed records of each query. Used by
 * tests/integration/t_dns_resolver.sh, and with -b to measure lookups/s.
 *
 *   tool_dnsq [-s NAMESERVERS] [-t TIMEOUT_MS] [-p] [-d] TYPE NAME [TYPE NAME]...
 *   tool_dnsq -s NAMESERVERS -b SECONDS [-T THREADS] TYPE NAME [TYPE NAME]...
 *   tool_dnsq -s NAMESERVERS -r NAMESERVERS2 TYPE NAME [TYPE NAME]...
 *   tool_dnsq -s NAMESERVERS -C TYPE NAME [TYPE NAME]...
 *
 * -p starts every query before waiting for any; -d logs lib/dns.c's debug
 * lines to standard error; -b loops over the queries in THREADS threads
 * (warm cache after the first round; with -u each lookup asks a new name,
 * so none is cached) and prints lookups per second.
 * -r plays a reload: start the queries on a resolver for NAMESERVERS,
 * make a second one for NAMESERVERS2 and release the first while its
 * queries run, answer them all on the second ("new: ..."), then wait for
 * the first one's ("old: ..."), which shuts down after the last.
 * -C starts the queries and destroys their pool unfinished (cancelling
 * them), then releases the resolver.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/dns.h"
#include "../../lib/log.h"

struct q {
	enum dns_type type;
	const char *name;
};

static struct dns *dns;
static struct q *qs;
static int nq;
static double bench_seconds;
static int unique;         /* -u: each bench lookup under a new name */
static long bench_timeout; /* -t for bench lookups */

static void sink(enum log_level level, const char *line)
{
	(void)level;
	fprintf(stderr, "%s\n", line);
}

static int parse_type(const char *s, enum dns_type *t)
{
	static const enum dns_type types[] = {DNS_A, DNS_AAAA, DNS_MX, DNS_PTR, DNS_TXT};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, dns_type_name(types[i])) == 0) {
			*t = types[i];
			return 0;
		}
	return -1;
}

/* A byte string in double quotes, odd bytes as \xHH. */
static void put_quoted(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_result(const char *prefix, const struct dns_result *r)
{
	char ip[IP_STRLEN];
	size_t i, k;

	printf("%s%s %s %s ttl=%u", prefix, r->name, dns_type_name(r->type),
	       dns_status_name(r->status), r->ttl);
	if (r->cname != NULL)
		printf(" cname=%s", r->cname);
	if (r->n_bad > 0)
		printf(" bad=%zu", r->n_bad);
	if (r->error != NULL)
		printf(" error=%s", r->error);
	putchar('\n');
	for (i = 0; i < r->n; i++) {
		putchar('\t');
		switch (r->type) {
		case DNS_A:
		case DNS_AAAA:
			printf("%s", ip_format(&r->addr[i], ip));
			break;
		case DNS_MX:
			printf("%u %s", r->mx[i].preference, r->mx[i].exchange);
			break;
		case DNS_PTR:
			printf("%s", r->names[i]);
			break;
		case DNS_TXT:
			put_quoted(r->txt[i].text, r->txt[i].len);
			printf(" [%zu:", r->txt[i].n_parts);
			for (k = 0; k < r->txt[i].n_parts; k++) {
				putchar(' ');
				put_quoted(r->txt[i].parts[k].s, r->txt[i].parts[k].len);
			}
			putchar(']');
			break;
		}
		putchar('\n');
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bench_thread(void *arg)
{
	unsigned long *count = arg;
	double end = now() + bench_seconds;
	struct dns_result r;
	char name[DNS_NAME_BUF];
	int i;

	while (now() < end) {
		struct pool *p = pool_create();

		for (i = 0; i < nq; i++) {
			const char *n = qs[i].name;

			if (unique) {
				snprintf(name, sizeof(name), "u%lu-%p.%s", *count, (void *)count,
				         n);
				n = name;
			}
			dns_wait(dns_start(dns, n, qs[i].type, bench_timeout, p), &r);
			if (r.status == DNS_TEMPFAIL)
				count[1]++;
			count[0]++;
		}
		pool_destroy(&p);
	}
	return NULL;
}

static int bench(int threads)
{
	pthread_t tid[64];
	unsigned long counts[64][2] = {{0}}, total = 0, tempfail = 0;
	struct rusage ru;
	double t0, t1, cpu;
	int i;

	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, bench_thread, counts[i]);
	t0 = now();
	for (i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		total += counts[i][0];
		tempfail += counts[i][1];
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("%lu lookups in %.2f s with %d threads: %.0f lookups/s, %.1f us CPU per lookup, "
	       "%lu TEMPFAIL\n",
	       total, t1 - t0, threads, (double)total / (t1 - t0), cpu * 1e6 / (double)total,
	       tempfail);
	return 0;
}

/* -r: a reload while the old resolver's queries run. */
static int reload(const char *servers2, long timeout, struct pool *p)
{
	struct dns_query **old = calloc((size_t)nq, sizeof(*old));
	const char *error = NULL;
	struct dns *fresh;
	struct dns_result r;
	int i;

	for (i = 0; i < nq; i++)
		old[i] = dns_start(dns, qs[i].name, qs[i].type, 0, p);
	fresh = dns_create(servers2, timeout, p, &error);
	if (fresh == NULL) {
		fprintf(stderr, "tool_dnsq: -r %s\n", error);
		return 1;
	}
	dns_release(&dns); /* the old snapshot's last user is its queries */
	for (i = 0; i < nq; i++) {
		dns_lookup(fresh, qs[i].name, qs[i].type, p, &r);
		print_result("new: ", &r);
	}
	for (i = 0; i < nq; i++) {
		dns_wait(old[i], &r);
		print_result("old: ", &r);
	}
	dns_release(&fresh);
	free(old);
	return 0;
}

/* -C: queries left running when their pool goes. */
static int drop_unfinished(void)
{
	struct pool *qp = pool_create();
	int i;

	for (i = 0; i < nq; i++)
		dns_start(dns, qs[i].name, qs[i].type, 0, qp);
	pool_destroy(&qp);
	printf("dropped %d running queries\n", nq);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: tool_dnsq [-s NAMESERVERS] [-t TIMEOUT_MS] [-p] [-d] "
	        "[-b SECONDS [-T THREADS] [-u]] [-r NAMESERVERS2] [-C] TYPE NAME [TYPE NAME]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *servers = "", *servers2 = NULL, *error = NULL;
	long timeout = 5000;
	int c, i, parallel = 0, threads = 1, drop = 0, rc = 0;
	struct pool *p = pool_create();

	while ((c = getopt(argc, argv, "s:t:pdb:T:r:Cu")) != -1) {
		switch (c) {
		case 's':
			servers = optarg;
			break;
		case 't':
			timeout = atol(optarg);
			break;
		case 'p':
			parallel = 1;
			break;
		case 'r':
			servers2 = optarg;
			break;
		case 'C':
			drop = 1;
			break;
		case 'u':
			unique = 1;
			break;
		case 'd':
			log_set_sink(sink);
			log_set_debug("dns");
			break;
		case 'b':
			bench_seconds = atof(optarg);
			break;
		case 'T':
			threads = atoi(optarg);
			if (threads < 1 || threads > 64)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || (argc - optind) % 2 != 0)
		usage();
	nq = (argc - optind) / 2;
	qs = calloc((size_t)nq, sizeof(*qs));
	for (i = 0; i < nq; i++) {
		if (parse_type(argv[optind + 2 * i], &qs[i].type) < 0) {
			fprintf(stderr, "tool_dnsq: %s: expected A, AAAA, MX, PTR or TXT\n",
			        argv[optind + 2 * i]);
			return 2;
		}
		qs[i].name = argv[optind + 2 * i + 1];
	}
	dns = dns_create(servers, timeout, p, &error);
	if (dns == NULL) {
		fprintf(stderr, "tool_dnsq: Nameservers %s\n", error);
		return 1;
	}
	if (bench_seconds > 0) {
		bench_timeout = timeout;
		bench(threads);
	} else if (servers2 != NULL) {
		rc = reload(servers2, timeout, p);
	} else if (drop) {
		rc = drop_unfinished();
	} else if (parallel) {
		struct dns_query **running = calloc((size_t)nq, sizeof(*running));
		struct dns_result r;

		for (i = 0; i < nq; i++)
			running[i] = dns_start(dns, qs[i].name, qs[i].type, 0, p);
		for (i = 0; i < nq; i++) {
			dns_wait(running[i], &r);
			print_result("", &r);
		}
		free(running);
	} else {
		struct dns_result r;

		for (i = 0; i < nq; i++) {
			dns_lookup(dns, qs[i].name, qs[i].type, p, &r);
			print_result("", &r);
		}
	}
	fflush(stdout);
	dns_release(&dns);
	pool_destroy(&p);
	free(qs);
	return rc;
}

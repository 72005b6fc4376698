/*
 * spfq - evaluate SPF from the command line through spf/eval.c and the
 * shared resolver, as the daemon does: one query from the arguments, a
 * batch from standard input (the conformance and differential tests), or
 * the same query many times to measure CPU per evaluation.
 *
 *   tool_spfq [-n SERVERS] [-t MS] [-T MS] [-e EXP] [-r RECEIVER] IP SENDER HELO
 *   tool_spfq ... -b             lines "IP<TAB>SENDER<TAB>HELO"; "reset" empties caches
 *   tool_spfq ... -B N IP SENDER HELO   N evaluations with warm caches
 *
 * Output per query: result<TAB>explanation<TAB>mechanism<TAB>problem<TAB>
 * voids=N terms=N used=N (void lookups, DNS terms, spf/macro.h's SPFC_USED_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/dns.h"
#include "../../lib/pool.h"
#include "../../spf/eval.h"

struct opts {
	const char *servers;
	long dns_ms;
	struct spfc_request rq;
};

static void field(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static int run_one(struct dns *dns, struct opts *o, const char *ip, const char *sender,
                   const char *helo)
{
	struct pool *p = pool_create();
	struct spfc_outcome out;

	if (ip_parse(ip, &o->rq.ip) < 0) {
		printf("permerror\t\t\tbad client address %s\t\n", ip);
		fflush(stdout);
		pool_destroy(&p);
		return 0;
	}
	o->rq.sender = sender;
	o->rq.helo = helo;
	spfc_check_mailfrom(dns, &o->rq, p, &out);
	fputs(spfc_result_name(out.result), stdout);
	putchar('\t');
	field(out.explanation);
	putchar('\t');
	field(out.mechanism);
	putchar('\t');
	field(out.problem);
	printf("\tvoids=%u terms=%u used=%u\n", out.void_lookups, out.dns_terms, out.used);
	fflush(stdout);
	pool_destroy(&p);
	return 0;
}

static struct dns *resolver(const struct opts *o, struct pool *p)
{
	const char *error = NULL;
	struct dns *d = dns_create(o->servers, o->dns_ms, p, &error);

	if (d == NULL) {
		fprintf(stderr, "tool_spfq: %s\n", error);
		exit(2);
	}
	return d;
}

static int batch(struct opts *o)
{
	struct pool *p = pool_create();
	struct dns *dns = resolver(o, p);
	char line[8192];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *f[3] = {NULL, "", ""}, *s = line;
		size_t n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "reset") == 0) {
			dns_release(&dns);
			dns = resolver(o, p);
			continue;
		}
		while (n < 3) {
			f[n++] = s;
			if ((s = strchr(s, '\t')) == NULL)
				break;
			*s++ = '\0';
		}
		run_one(dns, o, f[0], f[1], f[2]);
	}
	dns_release(&dns);
	pool_destroy(&p);
	return 0;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(struct opts *o, long n, char **argv)
{
	struct pool *p = pool_create();
	struct dns *dns = resolver(o, p);
	struct spfc_outcome out;
	double start;
	long i;

	if (ip_parse(argv[0], &o->rq.ip) < 0)
		return 2;
	o->rq.sender = argv[1];
	o->rq.helo = argv[2];
	for (i = 0; i < 3; i++) { /* fill the DNS cache */
		struct pool *q = pool_create();

		spfc_check_mailfrom(dns, &o->rq, q, &out);
		pool_destroy(&q);
	}
	start = cpu_seconds();
	for (i = 0; i < n; i++) {
		struct pool *q = pool_create();

		spfc_check_mailfrom(dns, &o->rq, q, &out);
		pool_destroy(&q);
	}
	printf("%s: %ld evaluations, %.2f us CPU each (%u DNS queries each, answered from "
	       "cache)\n",
	       spfc_result_name(out.result), n, (cpu_seconds() - start) * 1e6 / (double)n,
	       out.queries);
	dns_release(&dns);
	pool_destroy(&p);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.servers = "", .dns_ms = 5000};
	long n_bench = 0;
	int c, is_batch = 0;

	o.rq.receiver = "receiver.example";
	while ((c = getopt(argc, argv, "n:t:T:e:r:bB:")) != -1) {
		switch (c) {
		case 'n':
			o.servers = optarg;
			break;
		case 't':
			o.dns_ms = atol(optarg);
			break;
		case 'T':
			o.rq.timeout_ms = atol(optarg);
			break;
		case 'e':
			o.rq.default_exp = optarg;
			break;
		case 'r':
			o.rq.receiver = optarg;
			break;
		case 'b':
			is_batch = 1;
			break;
		case 'B':
			n_bench = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: tool_spfq [-n SERVERS] [-t MS] [-T MS] [-e EXP] "
			                "[-r RECEIVER] [-b | [-B N] IP SENDER HELO]\n");
			return 2;
		}
	}
	if (is_batch)
		return batch(&o);
	if (argc - optind != 3) {
		fprintf(stderr, "tool_spfq: expected IP SENDER HELO (or -b)\n");
		return 2;
	}
	if (n_bench > 0)
		return bench(&o, n_bench, argv + optind);
	{
		struct pool *p = pool_create();
		struct dns *dns = resolver(&o, p);

		run_one(dns, &o, argv[optind], argv[optind + 1], argv[optind + 2]);
		dns_release(&dns);
		pool_destroy(&p);
	}
	return 0;
}

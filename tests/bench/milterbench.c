/*
 * milterbench - the MTA side of milter protocol 6, for measuring a milter.
 *
 * N threads each run sessions (connect, negotiate, CONNECT, HELO, then K
 * messages of MAIL/RCPT/headers/EOH/body/EOM) against a milter, with real
 * messages read from files. Like Postfix, packets that need no reply are
 * batched and written together with the next one that does. Reports
 * messages/s, per-message latency (MAIL sent to final EOM reply) p50/p90/
 * p99/max, results and errors, and the CPU time a given process (the milter)
 * used per message.
 *
 * usage: milterbench -s SOCKET [-c N] [-n MSGS | -t SECONDS] [-k PER_CONN]
 *                    [-i IP] [-H HELO] [-f SENDER] [-r RCPT]... [-m NAME=VALUE]...
 *                    [-p PID] [-l LABEL] FILE|DIR...
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/rfc5322.h"
#include "../../lib/sock.h"

/* From libmilter's mfdef.h (the protocol, not the library). */
#define SMFIP_NOCONNECT   0x1
#define SMFIP_NOHELO      0x2
#define SMFIP_NOMAIL      0x4
#define SMFIP_NORCPT      0x8
#define SMFIP_NOBODY      0x10
#define SMFIP_NOHDRS      0x20
#define SMFIP_NOEOH       0x40
#define SMFIP_NR_HDR      0x80
#define SMFIP_NR_CONN     0x1000
#define SMFIP_NR_HELO     0x2000
#define SMFIP_NR_MAIL     0x4000
#define SMFIP_NR_RCPT     0x8000
#define SMFIP_NR_EOH      0x40000
#define SMFIP_NR_BODY     0x80000
#define SMFIP_HDR_LEADSPC 0x100000
#define MTA_ACTIONS       0x1ff
#define MTA_PROTOCOL      0x1fffff
#define MAX_LIST          32
#define BODY_CHUNK        65535

struct header {
	char *name, *value;
};

struct message {
	const char *path;
	struct header *hdrs;
	size_t n_hdrs;
	struct buf body;
};

struct opts {
	struct sock_spec sock;
	int concurrency, per_conn;
	long total;
	double seconds;
	const char *ip, *helo, *sender, *label;
	const char *rcpts[MAX_LIST];
	int n_rcpts;
	const char *macros[MAX_LIST]; /* "name=value" */
	int n_macros;
	long pid;
};

enum result { R_ACCEPT, R_CONTINUE, R_REJECT, R_TEMPFAIL, R_DISCARD, R_REPLY, R_ERROR, R_N };
static const char *const result_names[] = {"accept",  "continue",  "reject", "tempfail",
                                           "discard", "replycode", "error"};

struct worker {
	pthread_t tid;
	int id;
	double *lat;
	size_t n_lat, cap_lat;
	long results[R_N];
	long open_errors; /* sessions that could not be opened */
	long mods;
	char last_error[200];
};

static struct opts o;
static struct message *msgs;
static size_t n_msgs;
static atomic_long next_msg;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- messages ---- */

static void add_field(void *arg, const char *name, const char *value)
{
	struct message *m = arg;

	m->hdrs = realloc(m->hdrs, (m->n_hdrs + 1) * sizeof(*m->hdrs));
	m->hdrs[m->n_hdrs].name = strdup(name);
	m->hdrs[m->n_hdrs].value = strdup(value);
	m->n_hdrs++;
}

static int load_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct buf raw;
	char chunk[65536];
	size_t n, body;
	struct message *m;

	if (fp == NULL) {
		fprintf(stderr, "milterbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	buf_init(&raw);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&raw, chunk, n);
	fclose(fp);
	msgs = realloc(msgs, (n_msgs + 1) * sizeof(*msgs));
	m = &msgs[n_msgs++];
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	body = rfc5322_headers(buf_str(&raw), raw.len, add_field, m);
	buf_init(&m->body);
	rfc5322_crlf(buf_str(&raw) + body, raw.len - body, &m->body);
	buf_free(&raw);
	return 0;
}

static int load(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "milterbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(path);
	d = opendir(path);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			load_file(sub);
	}
	if (d != NULL)
		closedir(d);
	return 0;
}

/* ---- the wire ---- */

struct conn {
	int fd;
	unsigned long proto; /* what the milter asked for */
	struct buf out;
	unsigned char *in;
	size_t in_cap;
};

static void pkt(struct conn *c, char cmd, const void *data, size_t len)
{
	uint32_t n = htonl((uint32_t)(len + 1));

	buf_append(&c->out, &n, 4);
	buf_putc(&c->out, cmd);
	buf_append(&c->out, data, len);
}

/* A packet made of NUL-terminated strings. */
static void pkt_strs(struct conn *c, char cmd, const char *const *s, int n)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_append(&b, s[i], strlen(s[i]) + 1);
	pkt(c, cmd, b.data, b.len);
	buf_free(&b);
}

static int flush(struct conn *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + off, c->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	buf_reset(&c->out);
	return 0;
}

static int read_full(int fd, void *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, (char *)p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Read one reply packet: its command, data in c->in, length in *len. */
static int reply(struct conn *c, char *cmd, size_t *len)
{
	uint32_t n;

	if (flush(c) < 0 || read_full(c->fd, &n, 4) < 0)
		return -1;
	n = ntohl(n);
	if (n == 0 || n > 16 * 1024 * 1024)
		return -1;
	if (n > c->in_cap) {
		c->in = realloc(c->in, n);
		c->in_cap = n;
	}
	if (read_full(c->fd, c->in, n) < 0)
		return -1;
	*cmd = (char)c->in[0];
	*len = n - 1;
	return 0;
}

/* Wait for a final reply, counting modification requests. */
static enum result final_reply(struct conn *c, long *mods)
{
	for (;;) {
		char cmd;
		size_t len;

		if (reply(c, &cmd, &len) < 0)
			return R_ERROR;
		switch (cmd) {
		case 'a':
			return R_ACCEPT;
		case 'c':
			return R_CONTINUE;
		case 'r':
			return R_REJECT;
		case 't':
			return R_TEMPFAIL;
		case 'd':
			return R_DISCARD;
		case 'y':
			return R_REPLY;
		case 'p':
			continue;
		default:
			(*mods)++; /* h i m + - 2 e q b ... */
		}
	}
}

static bool stage_replies(const struct conn *c, unsigned long nr)
{
	return (c->proto & nr) == 0;
}

static int session_open(struct conn *c, struct worker *w)
{
	uint32_t neg[3] = {htonl(6), htonl(MTA_ACTIONS), htonl(MTA_PROTOCOL)};
	struct buf b;
	char cmd;
	size_t len;
	long mods = 0;
	struct in_addr a;
	uint16_t port = htons(25);

	c->fd = sock_connect(&o.sock);
	if (c->fd < 0) {
		snprintf(w->last_error, sizeof(w->last_error), "connect: %s", strerror(errno));
		return -1;
	}
	pkt(c, 'O', neg, sizeof(neg));
	if (reply(c, &cmd, &len) < 0 || cmd != 'O' || len < 12) {
		snprintf(w->last_error, sizeof(w->last_error), "negotiation failed");
		return -1;
	}
	memcpy(neg, c->in + 1, 12);
	c->proto = ntohl(neg[2]);
	if (!(c->proto & SMFIP_NOCONNECT)) {
		buf_init(&b);
		buf_append(&b, "mail.example.net", 17);
		buf_putc(&b, '4');
		buf_append(&b, &port, 2);
		inet_pton(AF_INET, o.ip, &a);
		buf_append(&b, o.ip, strlen(o.ip) + 1);
		pkt(c, 'C', b.data, b.len);
		buf_free(&b);
		if (stage_replies(c, SMFIP_NR_CONN) && final_reply(c, &mods) == R_ERROR)
			return -1;
	}
	if (!(c->proto & SMFIP_NOHELO)) {
		pkt(c, 'H', o.helo, strlen(o.helo) + 1);
		if (stage_replies(c, SMFIP_NR_HELO) && final_reply(c, &mods) == R_ERROR)
			return -1;
	}
	return 0;
}

static void session_close(struct conn *c)
{
	if (c->fd >= 0) {
		pkt(c, 'Q', NULL, 0);
		flush(c);
		close(c->fd);
	}
	c->fd = -1;
}

/* Macros sent with MAIL FROM: the queue id and -m NAME=VALUE ones. */
static void mail_macros(struct conn *c, long seq)
{
	const char *v[2 + 2 * MAX_LIST];
	char qid[32], names[MAX_LIST][64];
	int n = 0, i;

	snprintf(qid, sizeof(qid), "BENCH%08lX", seq);
	v[n++] = "i";
	v[n++] = qid;
	for (i = 0; i < o.n_macros; i++) {
		const char *eq = strchr(o.macros[i], '=');

		snprintf(names[i], sizeof(names[i]), "%.*s", (int)(eq - o.macros[i]), o.macros[i]);
		v[n++] = names[i];
		v[n++] = eq + 1;
	}
	{
		struct buf b;
		int k;

		buf_init(&b);
		buf_putc(&b, 'M');
		for (k = 0; k < n; k++)
			buf_append(&b, v[k], strlen(v[k]) + 1);
		pkt(c, 'D', b.data, b.len);
		buf_free(&b);
	}
}

static enum result one_message(struct conn *c, const struct message *m, long seq, long *mods)
{
	char addr[512];
	size_t i, off;
	int r;

	mail_macros(c, seq);
	snprintf(addr, sizeof(addr), "<%s>", o.sender);
	if (!(c->proto & SMFIP_NOMAIL)) {
		const char *args[1] = {addr};

		pkt_strs(c, 'M', args, 1);
		if (stage_replies(c, SMFIP_NR_MAIL) && (r = final_reply(c, mods)) != R_CONTINUE)
			return (enum result)r;
	}
	for (i = 0; i < (size_t)o.n_rcpts && !(c->proto & SMFIP_NORCPT); i++) {
		const char *args[1] = {addr};

		snprintf(addr, sizeof(addr), "<%s>", o.rcpts[i]);
		pkt_strs(c, 'R', args, 1);
		if (stage_replies(c, SMFIP_NR_RCPT) && (r = final_reply(c, mods)) != R_CONTINUE)
			return (enum result)r;
	}
	for (i = 0; i < m->n_hdrs && !(c->proto & SMFIP_NOHDRS); i++) {
		const char *v = m->hdrs[i].value;
		const char *args[2];

		if (!(c->proto & SMFIP_HDR_LEADSPC) && *v == ' ')
			v++;
		args[0] = m->hdrs[i].name;
		args[1] = v;
		pkt_strs(c, 'L', args, 2);
		if (stage_replies(c, SMFIP_NR_HDR) && (r = final_reply(c, mods)) != R_CONTINUE)
			return (enum result)r;
	}
	if (!(c->proto & SMFIP_NOEOH)) {
		pkt(c, 'N', NULL, 0);
		if (stage_replies(c, SMFIP_NR_EOH) && (r = final_reply(c, mods)) != R_CONTINUE)
			return (enum result)r;
	}
	for (off = 0; off < m->body.len && !(c->proto & SMFIP_NOBODY); off += BODY_CHUNK) {
		size_t n = m->body.len - off < BODY_CHUNK ? m->body.len - off : BODY_CHUNK;

		pkt(c, 'B', m->body.data + off, n);
		if (stage_replies(c, SMFIP_NR_BODY) && (r = final_reply(c, mods)) != R_CONTINUE)
			return (enum result)r;
	}
	pkt(c, 'E', NULL, 0);
	return final_reply(c, mods);
}

static bool more(long *seq)
{
	*seq = atomic_fetch_add(&next_msg, 1);
	if (o.seconds > 0)
		return now() < deadline;
	return *seq < o.total;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct conn c = {.fd = -1};
	int on_conn = 0, failures = 0;
	long seq;

	buf_init(&c.out);
	while (more(&seq)) {
		const struct message *m = &msgs[seq % (long)n_msgs];
		enum result r;
		double t0;

		if (c.fd < 0 || on_conn >= o.per_conn) {
			session_close(&c);
			on_conn = 0;
			if (session_open(&c, w) < 0) {
				w->open_errors++;
				session_close(&c);
				if (++failures >= 5)
					break; /* the milter is not there: give up */
				continue;
			}
			failures = 0;
		}
		t0 = now();
		r = one_message(&c, m, seq, &w->mods);
		if (w->n_lat == w->cap_lat) {
			w->cap_lat = w->cap_lat ? w->cap_lat * 2 : 1024;
			w->lat = realloc(w->lat, w->cap_lat * sizeof(*w->lat));
		}
		w->lat[w->n_lat++] = (now() - t0) * 1000;
		w->results[r]++;
		on_conn++;
		if (r == R_ERROR) {
			snprintf(w->last_error, sizeof(w->last_error), "connection lost during %s",
			         m->path);
			session_close(&c);
		} else {
			pkt(&c, 'A', NULL, 0); /* abort: ready for the next message */
		}
	}
	session_close(&c);
	buf_free(&c.out);
	free(c.in);
	return NULL;
}

/* ---- report ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)ceil(p / 100.0 * n);
	return v[i > 0 ? i - 1 : 0];
}

static long cpu_ticks(long pid)
{
	char path[64], line[1024], *p;
	long utime = 0, stime = 0;
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	if (fgets(line, sizeof(line), fp) == NULL) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	p = strrchr(line, ')'); /* after the command name */
	for (i = 0; p != NULL && i < 12; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %ld %ld", &utime, &stime) != 2)
		return -1;
	return utime + stime;
}

static int usage(void)
{
	fprintf(stderr, "usage: milterbench -s SOCKET [-c N] [-n MSGS | -t SECONDS] [-k PER_CONN]\n"
	                "                   [-i IP] [-H HELO] [-f SENDER] [-r RCPT]... "
	                "[-m NAME=VALUE]...\n"
	                "                   [-p PID] [-l LABEL] FILE|DIR...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct worker *ws;
	double t0, elapsed, *all;
	long ticks0 = -1, ticks1 = -1, results[R_N] = {0}, mods = 0, done = 0, open_errors = 0;
	size_t n_all = 0, i;
	const char *err;
	int opt, k;

	o.concurrency = 8;
	o.per_conn = 1;
	o.total = 1000;
	o.ip = "192.0.2.1";
	o.helo = "mail.example.net";
	o.sender = "sender@example.net";
	o.label = "milter";
	while ((opt = getopt(argc, argv, "s:c:n:t:k:i:H:f:r:m:p:l:")) != -1) {
		switch (opt) {
		case 's':
			if (sock_parse(optarg, &o.sock, &err) < 0) {
				fprintf(stderr, "milterbench: -s %s: %s\n", optarg, err);
				return 2;
			}
			break;
		case 'c':
			o.concurrency = atoi(optarg);
			break;
		case 'n':
			o.total = atol(optarg);
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		case 'k':
			o.per_conn = atoi(optarg);
			break;
		case 'i':
			o.ip = optarg;
			break;
		case 'H':
			o.helo = optarg;
			break;
		case 'f':
			o.sender = optarg;
			break;
		case 'r':
			if (o.n_rcpts < MAX_LIST)
				o.rcpts[o.n_rcpts++] = optarg;
			break;
		case 'm':
			if (strchr(optarg, '=') == NULL || o.n_macros == MAX_LIST)
				return usage();
			o.macros[o.n_macros++] = optarg;
			break;
		case 'p':
			o.pid = atol(optarg);
			break;
		case 'l':
			o.label = optarg;
			break;
		default:
			return usage();
		}
	}
	if (o.sock.port == 0 && o.sock.path[0] == '\0')
		return usage();
	if (o.concurrency < 1 || o.per_conn < 1 || (o.total < 1 && o.seconds <= 0))
		return usage();
	if (o.n_rcpts == 0)
		o.rcpts[o.n_rcpts++] = "rcpt@example.org";
	for (k = optind; k < argc; k++)
		if (load(argv[k]) < 0)
			return 1;
	if (n_msgs == 0) {
		fprintf(stderr, "milterbench: no messages given\n");
		return usage();
	}
	ws = calloc((size_t)o.concurrency, sizeof(*ws));
	if (o.pid > 0)
		ticks0 = cpu_ticks(o.pid);
	t0 = now();
	deadline = t0 + o.seconds;
	for (k = 0; k < o.concurrency; k++) {
		ws[k].id = k;
		pthread_create(&ws[k].tid, NULL, worker_main, &ws[k]);
	}
	for (k = 0; k < o.concurrency; k++)
		pthread_join(ws[k].tid, NULL);
	elapsed = now() - t0;
	if (o.pid > 0)
		ticks1 = cpu_ticks(o.pid);

	for (k = 0; k < o.concurrency; k++)
		n_all += ws[k].n_lat;
	all = calloc(n_all + 1, sizeof(*all));
	n_all = 0;
	for (k = 0; k < o.concurrency; k++) {
		memcpy(all + n_all, ws[k].lat, ws[k].n_lat * sizeof(*all));
		n_all += ws[k].n_lat;
		for (i = 0; i < R_N; i++)
			results[i] += ws[k].results[i];
		mods += ws[k].mods;
		open_errors += ws[k].open_errors;
		if (ws[k].last_error[0] != '\0')
			fprintf(stderr, "milterbench: %s\n", ws[k].last_error);
	}
	qsort(all, n_all, sizeof(*all), cmp_double);
	done = (long)n_all - results[R_ERROR];
	printf("%s: %ld messages (%zu files) in %.2fs over %d connections at a time, %d per "
	       "connection\n",
	       o.label, done, n_msgs, elapsed, o.concurrency, o.per_conn);
	printf("%s: %.0f msgs/s; latency ms p50 %.3f p90 %.3f p99 %.3f max %.3f\n", o.label,
	       done / elapsed, pct(all, n_all, 50), pct(all, n_all, 90), pct(all, n_all, 99),
	       n_all ? all[n_all - 1] : 0);
	printf("%s: results", o.label);
	for (i = 0; i < R_N; i++)
		if (results[i] > 0)
			printf(" %s=%ld", result_names[i], results[i]);
	printf(", header/body changes %ld", mods);
	if (open_errors > 0)
		printf(", sessions that failed to open %ld", open_errors);
	printf("\n");
	if (ticks0 >= 0 && ticks1 >= 0 && done > 0) {
		double cpu_ms = (ticks1 - ticks0) * 1000.0 / sysconf(_SC_CLK_TCK);

		printf("%s: milter CPU %.0f ms total, %.3f ms/msg\n", o.label, cpu_ms,
		       cpu_ms / done);
	}
	printf("RESULT label=%s msgs=%ld rate=%.0f p50=%.3f p90=%.3f p99=%.3f max=%.3f errors=%ld",
	       o.label, done, done / elapsed, pct(all, n_all, 50), pct(all, n_all, 90),
	       pct(all, n_all, 99), n_all ? all[n_all - 1] : 0, results[R_ERROR] + open_errors);
	if (ticks0 >= 0 && ticks1 >= 0 && done > 0)
		printf(" cpu_ms_per_msg=%.3f",
		       (ticks1 - ticks0) * 1000.0 / sysconf(_SC_CLK_TCK) / done);
	printf("\n");
	return results[R_ERROR] + open_errors > 0 ? 1 : 0;
}

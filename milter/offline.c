/*
 * offline - `chainmilter check`: feed a message file through the same
 * callbacks the milter uses, as an MTA would (headers one by one, body with
 * CRLF line ends), and print the decision. Like `spamassassin -t`, for
 * trying a config or a rule on a real message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/buf.h"
#include "../lib/ip.h"
#include "../lib/rfc5322.h"
#include "callbacks.h"
#include "cli.h"
#include "log.h"
#include "snapshot.h"

#define MAX_RCPTS     100
#define CHUNK         65536
#define MAX_OVERRIDES 32

struct offline_macros {
	const char *auth;
	const char *qid;
};

static const char *offline_macro(void *arg, const char *name)
{
	const struct offline_macros *om = arg;

	if (strcmp(name, "{auth_authen}") == 0)
		return om->auth;
	if (strcmp(name, "i") == 0)
		return om->qid;
	return NULL;
}

static int read_all(FILE *fp, struct buf *b)
{
	char chunk[CHUNK];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(b, chunk, n);
	return ferror(fp) || b->oom ? -1 : 0;
}

static void feed_field(void *arg, const char *name, const char *value)
{
	cb_header(arg, name, value);
}

static void feed_body(struct mctx *c, const char *body, size_t len)
{
	struct buf crlf;
	size_t off;

	buf_init(&crlf);
	rfc5322_crlf(body, len, &crlf);
	for (off = 0; off < crlf.len; off += CHUNK) {
		size_t n = crlf.len - off < CHUNK ? crlf.len - off : CHUNK;

		cb_body(c, (const unsigned char *)crlf.data + off, n);
	}
	buf_free(&crlf);
}

static const char *action_name(enum cm_action a)
{
	static const char *const names[] = {"accept", "quarantine", "tempfail", "discard",
	                                    "reject"};

	return names[a];
}

static void print_decision(const struct cm_decision *d)
{
	size_t i;

	printf("verdict: %s\n", d->word);
	printf("action: %s\n", action_name(d->action));
	if (d->rcode != NULL)
		printf("reply: %s %s %s\n", d->rcode, d->xcode != NULL ? d->xcode : "",
		       d->text != NULL ? d->text : "");
	for (i = 0; i < d->n_edits; i++) {
		const struct cm_hdr_edit *e = &d->edits[i];

		if (e->op == CM_HDR_DELETE)
			printf("remove header: %s #%zu\n", e->name, e->index);
		else if (e->op == CM_HDR_CHANGE)
			printf("change header: %s #%zu: %s\n", e->name, e->index, e->value);
		else
			printf("%s header: %s: %s\n",
			       e->op == CM_HDR_PREPEND ? "prepend" : "append", e->name, e->value);
	}
}

static int check_usage(void)
{
	fprintf(stderr, "usage: chainmilter check [-c FILE] [-i IP] [-H HELO] [-f SENDER] "
	                "[-r RCPT]... [-a AUTHUSER] [-q QUEUEID] [-o NAME=VALUE]... [FILE]\n");
	return 2;
}

static int parse_client(const char *ip, struct sockaddr_storage *ss)
{
	struct ip_addr a;

	memset(ss, 0, sizeof(*ss));
	if (ip == NULL)
		return 0;
	if (ip_parse(ip, &a) < 0)
		return -1;
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a.a, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a.a, 16);
	}
	return 0;
}

static int run(struct mctx *c, const char *msg, size_t len, const char *helo, const char *from,
               const char **rcpts, size_t n_rcpts, struct offline_macros *om,
               const struct sockaddr *sa)
{
	struct cb_macros mac = {offline_macro, om};
	struct cm_decision d;
	size_t i, body;

	cb_connect(c, NULL, sa, &d);
	if (d.action == CM_ACT_NONE)
		cb_helo(c, helo, &d);
	if (d.action == CM_ACT_NONE)
		cb_mail(c, from, &mac, &d);
	if (d.action != CM_ACT_NONE) {
		printf("verdict: refused before the message\naction: %s\nreply: %s %s %s\n",
		       action_name(d.action), d.rcode ? d.rcode : "", d.xcode ? d.xcode : "",
		       d.text ? d.text : "");
		return 1;
	}
	for (i = 0; i < n_rcpts; i++) {
		cb_rcpt(c, rcpts[i], &mac, &d);
		if (d.action != CM_ACT_NONE)
			printf("recipient <%s> refused: %s %s %s\n", rcpts[i],
			       d.rcode ? d.rcode : "", d.xcode ? d.xcode : "",
			       d.text ? d.text : "");
	}
	if (c->m.n_rcpts == 0) {
		printf("verdict: every recipient refused\naction: reject\n");
		cb_abort(c); /* as an MTA ends the transaction: no DATA follows */
		return 1;
	}
	body = rfc5322_headers(msg, len, feed_field, c);
	cb_eoh(c, &mac);
	feed_body(c, msg + body, len - body);
	cb_eom(c, &mac, CM_VERSION, &d);
	print_decision(&d);
	cb_done(c);
	return d.action == CM_ACT_NONE || d.action == CM_ACT_QUARANTINE ? 0 : 1;
}

int offline_check(int argc, char **argv)
{
	const char *config = CM_CONFIG_PATH, *ip = NULL, *helo = "localhost", *from = "";
	const char *rcpts[MAX_RCPTS];
	size_t n_rcpts = 0, i, n;
	struct offline_macros om = {NULL, NULL};
	struct conf_override ov[MAX_OVERRIDES];
	size_t n_ov = 0;
	struct sockaddr_storage ss;
	struct cm_snapshot *snap;
	struct mctx *c;
	struct buf msg;
	FILE *fp = stdin;
	int opt, r;

	optind = 1;
	while ((opt = getopt(argc, argv, "c:i:H:f:r:a:q:o:")) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			ip = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			if (n_rcpts == MAX_RCPTS)
				return check_usage();
			rcpts[n_rcpts++] = optarg;
			break;
		case 'a':
			om.auth = optarg;
			break;
		case 'q':
			om.qid = optarg;
			break;
		case 'o':
			if (n_ov == MAX_OVERRIDES ||
			    conf_override_parse(optarg, "-o", &ov[n_ov]) < 0)
				return check_usage();
			n_ov++;
			break;
		default:
			return check_usage();
		}
	}
	if (optind + 1 < argc)
		return check_usage();
	if (n_rcpts == 0)
		rcpts[n_rcpts++] = "postmaster@localhost";
	if (parse_client(ip, &ss) < 0) {
		fprintf(stderr, "chainmilter check: -i %s: expected an IP address\n", ip);
		return 2;
	}
	if (optind < argc && (fp = fopen(argv[optind], "rb")) == NULL) {
		fprintf(stderr, "chainmilter check: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	buf_init(&msg);
	r = read_all(fp, &msg);
	if (fp != stdin)
		fclose(fp);
	if (r < 0) {
		fprintf(stderr, "chainmilter check: cannot read the message\n");
		buf_free(&msg);
		return 2;
	}
	snap = snap_load(config, ov, n_ov);
	if (snap == NULL || (n = conf_nerrors(snap->conf)) > 0) {
		for (i = 0; snap != NULL && i < n; i++)
			fprintf(stderr, "%s\n", conf_errmsg(snap->conf, i));
		snap_free(&snap);
		buf_free(&msg);
		return 2;
	}
	mlog_open(false, true, 0);
	snap_install(snap);
	c = cb_session();
	if (c != NULL)
		c->leadspc = true; /* rfc5322_headers() keeps the space after the colon */
	r = c != NULL ? run(c, buf_str(&msg), msg.len, helo, from, rcpts, n_rcpts, &om,
	                    ip != NULL ? (struct sockaddr *)&ss : NULL)
	              : 2;
	cb_close(&c);
	snap_install(NULL);
	buf_free(&msg);
	return r;
}

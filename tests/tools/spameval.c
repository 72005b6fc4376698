/*
 * spameval - run many message files through the whole check chain in one
 * process, as mail from an outside client (192.0.2.1) would, and print one
 * line per message: "score label path symbols" (label from -l). Ends with
 * the CPU time per message (the chain only, files read beforehand). For
 * make bench-spam: tool_spameval -c CONF [-o NAME=VALUE]... [-l LABEL] FILE|@LIST...
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/rfc5322.h"
#include "../../milter/callbacks.h"
#include "../../milter/log.h"
#include "../../milter/snapshot.h"

#define MAX_OV 32

struct msgfile {
	char *path;
	struct buf data;
};

static struct msgfile *files;
static size_t n_files, cap_files;

static int add_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	struct msgfile *f;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	if (n_files == cap_files) {
		cap_files = cap_files ? cap_files * 2 : 1024;
		files = realloc(files, cap_files * sizeof(*files));
		if (files == NULL)
			abort();
	}
	f = &files[n_files++];
	f->path = strdup(path);
	buf_init(&f->data);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&f->data, chunk, n);
	fclose(fp);
	return 0;
}

/* @LIST: one path per line, relative to the list's directory. */
static int add_list(const char *list)
{
	FILE *fp = fopen(list, "r");
	char line[4096], path[8192], dir[4096];
	const char *slash = strrchr(list, '/');

	if (fp == NULL) {
		perror(list);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash != NULL ? (int)(slash - list) : 1,
	         slash != NULL ? list : ".");
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", line[0] == '/' ? "" : dir, line);
		if (add_file(line[0] == '/' ? line : path) < 0) {
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

static const char *no_macro(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "i") == 0 ? "EVAL" : NULL;
}

static void feed_field(void *arg, const char *name, const char *value)
{
	cb_header(arg, name, value);
}

static void one(struct mctx *c, const struct msgfile *f, const char *label)
{
	struct cb_macros mac = {no_macro, NULL};
	struct cm_decision d;
	struct buf crlf;
	size_t body, i;
	const char *text = buf_str(&f->data);

	cb_mail(c, "<sender@example.net>", &mac, &d);
	cb_rcpt(c, "<rcpt@example.org>", &mac, &d);
	body = rfc5322_headers(text, f->data.len, feed_field, c);
	cb_eoh(c, &mac);
	buf_init(&crlf);
	rfc5322_crlf(text + body, f->data.len - body, &crlf);
	for (i = 0; i < crlf.len; i += 65536)
		cb_body(c, (const unsigned char *)crlf.data + i,
		        crlf.len - i < 65536 ? crlf.len - i : 65536);
	buf_free(&crlf);
	cb_eom(c, &mac, "eval", &d);
	printf("%.3f %s %s ", d.score, label, f->path);
	for (i = 0; i < c->m.symbols.n; i++)
		printf("%s%s=%g", i ? "," : "", c->m.symbols.v[i].name, c->m.symbols.v[i].score);
	printf("\n");
	cb_done(c);
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct conf_override ov[MAX_OV];
	const char *config = NULL, *label = "-";
	struct sockaddr_in sin;
	struct cm_snapshot *snap;
	struct cm_decision d;
	struct mctx *c;
	size_t n_ov = 0, i;
	double t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "c:o:l:")) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'o' && n_ov < MAX_OV &&
		         conf_override_parse(optarg, "-o", &ov[n_ov]) == 0)
			n_ov++;
		else if (opt == 'l')
			label = optarg;
		else {
			fprintf(stderr,
			        "usage: tool_spameval -c CONF [-o NAME=VALUE]... [-l LABEL] "
			        "FILE|@LIST...\n");
			return 2;
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if ((argv[i][0] == '@' ? add_list(argv[i] + 1) : add_file(argv[i])) < 0)
			return 2;
	snap = snap_load(config, ov, n_ov);
	if (snap == NULL || conf_nerrors(snap->conf) > 0) {
		for (i = 0; snap != NULL && i < conf_nerrors(snap->conf); i++)
			fprintf(stderr, "%s\n", conf_errmsg(snap->conf, i));
		return 2;
	}
	mlog_open(false, false, 0);
	snap_install(snap);
	c = cb_session();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	cb_connect(c, "mail.example.net", (struct sockaddr *)&sin, &d);
	cb_helo(c, "mail.example.net", &d);
	c->leadspc = true;
	t0 = cpu_ms();
	for (i = 0; i < n_files; i++)
		one(c, &files[i], label);
	t1 = cpu_ms();
	cb_close(&c);
	snap_install(NULL);
	fprintf(stderr, "%zu messages, %.3f ms CPU per message\n", n_files,
	        n_files ? (t1 - t0) / (double)n_files : 0.0);
	for (i = 0; i < n_files; i++) {
		free(files[i].path);
		buf_free(&files[i].data);
	}
	free(files);
	return 0;
}

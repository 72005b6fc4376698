/*
 * admin - the greylist subcommands. They open the store the config names,
 * as the daemon does, and work beside a running daemon: LMDB takes several
 * processes on one file, Redis any number of clients. Lines are "triplet
 * NET SENDER RECIPIENT key=value..." and "client NET key=value...", keys as
 * stored (bytes outside printable ASCII as %XX), for people and for awk.
 */
#include "admin.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/store.h"
#include "grey.h"

struct admin {
	const struct cm_core_conf *core;
	const struct grey_conf *conf;
	struct grey_params params;
	struct store *store;
	long long now;
};

static const char *stamp(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, size, "-");
	else
		strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* ---- printing entries ---- */

static void print_triplet(const struct admin *a, const char *key, size_t klen, const void *val,
                          size_t vlen, long ttl)
{
	struct grey_triplet t;
	const char *net = key + 2, *sender, *rcpt, *end = key + klen;
	char t1[32], t2[32], t3[32];

	sender = memchr(net, '|', (size_t)(end - net));
	rcpt = sender != NULL ? memchr(sender + 1, '|', (size_t)(end - sender - 1)) : NULL;
	if (rcpt == NULL) {
		printf("unknown %.*s ttl=%ld\n", (int)klen, key, ttl);
		return;
	}
	printf("triplet %.*s %.*s %.*s", (int)(sender - net), net,
	       sender + 1 == rcpt ? 2 : (int)(rcpt - sender - 1),
	       sender + 1 == rcpt ? "<>" : sender + 1, (int)(end - rcpt - 1), rcpt + 1);
	if (grey_triplet_parse(val, vlen, &t) < 0) {
		printf(" state=unreadable value=\"%.*s\" ttl=%ld\n", vlen > 60 ? 60 : (int)vlen,
		       (const char *)val, ttl);
		return;
	}
	if (t.passed != 0)
		printf(" state=passed first=%s passed=%s delayed=%llds last=%s",
		       stamp(t.first, t1, 32), stamp(t.passed, t2, 32), t.passed - t.first,
		       stamp(t.last, t3, 32));
	else
		printf(" state=waiting first=%s retry_after=%s", stamp(t.first, t1, 32),
		       stamp(t.first + a->params.delay, t2, 32));
	printf(" ttl=%ld\n", ttl);
}

static void print_client(const struct admin *a, const char *key, size_t klen, const void *val,
                         size_t vlen, long ttl)
{
	struct grey_client c;
	char t1[32];

	printf("client %.*s", (int)klen - 2, key + 2);
	if (grey_client_parse(val, vlen, &c) < 0) {
		printf(" state=unreadable ttl=%ld\n", ttl);
		return;
	}
	printf(" passes=%lld whitelisted=%s last=%s ttl=%ld\n", c.count,
	       a->conf->awl > 0 && c.count >= a->conf->awl ? "yes" : "no", stamp(c.seen, t1, 32),
	       ttl);
}

static int print_entry(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                       long ttl)
{
	const struct admin *a = ctx;
	const char *k = key;

	if (klen >= 2 && k[0] == 't' && k[1] == '|')
		print_triplet(a, k, klen, val, vlen, ttl);
	else if (klen >= 2 && k[0] == 'c' && k[1] == '|')
		print_client(a, k, klen, val, vlen, ttl);
	else
		printf("unknown %.*s ttl=%ld\n", (int)klen, k, ttl);
	return 0;
}

/* ---- arguments ---- */

/* IP or NET as the daemon keys it ("192.0.2.0/24" for 192.0.2.77). */
static int parse_net(const struct admin *a, const char *arg, char *net)
{
	struct ip_net n;

	if (ip_net_parse(arg, &n) < 0) {
		fprintf(stderr, "chainmilter greylist: %s: expected an IP address or network\n",
		        arg);
		return -1;
	}
	grey_client_net(&n.addr, a->conf->mask4, a->conf->mask6, net);
	return 0;
}

static const char *unbracket(const char *s, char *out, size_t size)
{
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		snprintf(out, size, "%.*s", (int)(len - 2), s + 1);
	else
		snprintf(out, size, "%s", s);
	return out;
}

/* The triplet key for NET SENDER RECIPIENT, normalised as the daemon does. */
static void triplet_key(const char *net, const char *sender, const char *rcpt, struct buf *key)
{
	char s[1024], r[1024];
	struct buf ns, nr;

	buf_init(&ns);
	buf_init(&nr);
	grey_sender_normalize(unbracket(sender, s, sizeof(s)), &ns);
	grey_rcpt_normalize(unbracket(rcpt, r, sizeof(r)), &nr);
	grey_triplet_key(net, buf_str(&ns), buf_str(&nr), key);
	buf_free(&ns);
	buf_free(&nr);
}

/* ---- commands ---- */

static int fail(const char *what, const char *error)
{
	fprintf(stderr, "chainmilter greylist %s: %s\n", what, error);
	return 1;
}

static int cmd_list(struct admin *a)
{
	const char *error;

	if (store_scan(a->store, "", 0, print_entry, a, &error) < 0)
		return fail("list", error);
	return 0;
}

struct tally {
	const struct admin *a;
	long waiting, passed, clients, white, other;
};

static int tally_entry(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                       long ttl)
{
	struct tally *t = ctx;
	const char *k = key;
	struct grey_triplet tr;
	struct grey_client c;

	(void)ttl;
	if (klen >= 2 && k[0] == 't' && grey_triplet_parse(val, vlen, &tr) == 0)
		*(tr.passed != 0 ? &t->passed : &t->waiting) += 1;
	else if (klen >= 2 && k[0] == 'c' && grey_client_parse(val, vlen, &c) == 0)
		*(t->a->conf->awl > 0 && c.count >= t->a->conf->awl ? &t->white : &t->clients) += 1;
	else
		t->other++;
	return 0;
}

static int cmd_stats(struct admin *a)
{
	struct tally t = {a, 0, 0, 0, 0, 0};
	const char *error;

	if (store_scan(a->store, "", 0, tally_entry, &t, &error) < 0)
		return fail("stats", error);
	printf("store: %s\n", store_name(a->store));
	printf("triplets waiting: %ld\n", t.waiting);
	printf("triplets passed: %ld\n", t.passed);
	printf("client networks auto-whitelisted: %ld (GreylistAutoWhitelist %ld)\n", t.white,
	       a->conf->awl);
	printf("client networks counting passes: %ld\n", t.clients);
	if (t.other > 0)
		printf("unreadable entries: %ld\n", t.other);
	return 0;
}

static int cmd_purge(struct admin *a)
{
	const char *error;
	long n = 0;

	if (strcmp(store_backend(a->store), "redis") == 0) {
		printf("%s: Redis expires entries itself; nothing to purge\n",
		       store_name(a->store));
		return 0;
	}
	if (store_purge(a->store, &n, &error) < 0)
		return fail("purge", error);
	printf("%s: removed %ld expired entries\n", store_name(a->store), n);
	return 0;
}

struct exact {
	const struct admin *a;
	const struct buf *key; /* print only this key; NULL: every key scanned */
	int found;
};

static int print_exact(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                       long ttl)
{
	struct exact *e = ctx;

	if (e->key == NULL || (klen == e->key->len && memcmp(key, e->key->data, klen) == 0)) {
		print_entry((void *)e->a, key, klen, val, vlen, ttl);
		e->found++;
	}
	return 0;
}

static int cmd_show(struct admin *a, const char *net, const char *sender, const char *rcpt)
{
	struct buf key;
	struct exact e = {a, &key, 0};
	const char *error;
	int r;

	buf_init(&key);
	if (sender != NULL)
		triplet_key(net, sender, rcpt, &key);
	else
		grey_client_key(net, &key);
	/* A scan, not a get: it tells the time the entry has left. */
	r = store_scan(a->store, key.data, key.len, print_exact, &e, &error);
	if (r >= 0 && sender == NULL) {
		buf_reset(&key);
		buf_printf(&key, "t|%s|", net);
		e.key = NULL;
		r = store_scan(a->store, key.data, key.len, print_exact, &e, &error);
	}
	buf_free(&key);
	if (r < 0)
		return fail("show", error);
	if (e.found == 0)
		printf("no entry for %s%s%s%s%s\n", net, sender ? " " : "", sender ? sender : "",
		       sender ? " " : "", sender ? rcpt : "");
	return e.found > 0 ? 0 : 1;
}

struct keys {
	struct buf all; /* keys, NUL separated */
	size_t n;
};

static int collect_key(void *ctx, const void *key, size_t klen, const void *val, size_t vlen,
                       long ttl)
{
	struct keys *k = ctx;

	(void)val, (void)vlen, (void)ttl;
	buf_append(&k->all, key, klen);
	buf_putc(&k->all, '\0');
	k->n++;
	return 0;
}

static int cmd_delete(struct admin *a, const char *net, const char *sender, const char *rcpt)
{
	struct keys k;
	struct buf key;
	const char *error, *p;
	long deleted = 0;
	int r;

	buf_init(&key);
	memset(&k, 0, sizeof(k));
	if (sender != NULL) {
		triplet_key(net, sender, rcpt, &key);
		collect_key(&k, key.data, key.len, NULL, 0, 0);
	} else {
		grey_client_key(net, &key);
		collect_key(&k, key.data, key.len, NULL, 0, 0);
		buf_reset(&key);
		buf_printf(&key, "t|%s|", net);
		if (store_scan(a->store, key.data, key.len, collect_key, &k, &error) < 0) {
			buf_free(&key);
			buf_free(&k.all);
			return fail("delete", error);
		}
	}
	r = 0;
	for (p = buf_str(&k.all); r >= 0 && p < k.all.data + k.all.len; p += strlen(p) + 1) {
		r = store_del(a->store, p, strlen(p), &error);
		deleted += r > 0;
	}
	buf_free(&key);
	buf_free(&k.all);
	if (r < 0)
		return fail("delete", error);
	printf("deleted %ld entr%s\n", deleted, deleted == 1 ? "y" : "ies");
	return deleted > 0 ? 0 : 1;
}

struct white_ctx {
	const struct admin *a;
	bool client;
	long long count;
};

static int whitelist_update(void *ctx, const void *old, size_t old_len, struct buf *new_val,
                            long *ttl_r, const char **error_r)
{
	struct white_ctx *w = ctx;
	long long now = w->a->now;

	(void)error_r;
	*ttl_r = w->a->conf->max_age;
	if (w->client) {
		struct grey_client c = {0, now, now};

		if (old != NULL)
			grey_client_parse(old, old_len, &c);
		if (c.count < w->a->conf->awl)
			c.count = w->a->conf->awl;
		c.seen = now;
		w->count = c.count;
		grey_client_format(&c, new_val);
	} else {
		struct grey_triplet t = {now, now, 0};

		if (old != NULL && grey_triplet_parse(old, old_len, &t) < 0)
			t = (struct grey_triplet){now, now, 0};
		t.last = now;
		if (t.passed == 0)
			t.passed = now;
		grey_triplet_format(&t, new_val);
	}
	return STORE_WRITE;
}

static int cmd_whitelist(struct admin *a, const char *net, const char *sender, const char *rcpt)
{
	struct white_ctx w = {a, sender == NULL, 0};
	struct buf key;
	const char *error;
	int r;

	if (sender == NULL && a->conf->awl == 0) {
		fprintf(stderr,
		        "chainmilter greylist whitelist: GreylistAutoWhitelist is 0, so "
		        "client networks are never whitelisted by the store; whitelist a "
		        "triplet, or add %s to a GreylistWhitelistClients file\n",
		        net);
		return 2;
	}
	buf_init(&key);
	if (sender != NULL)
		triplet_key(net, sender, rcpt, &key);
	else
		grey_client_key(net, &key);
	r = store_update(a->store, key.data, key.len, whitelist_update, &w, &error);
	if (r >= 0 && sender != NULL)
		printf("triplet %s passed, kept %lds after it is last seen\n", key.data + 2,
		       a->conf->max_age);
	else if (r >= 0)
		printf("client %s whitelisted (passes=%lld), kept %lds after it is last seen\n",
		       net, w.count, a->conf->max_age);
	buf_free(&key);
	return r < 0 ? fail("whitelist", error) : 0;
}

/* ---- the store file ---- */

/* The LMDB file a URI names, or "" for Redis. */
static void lmdb_path(const char *uri, char *out, size_t size)
{
	const char *p = uri;

	out[0] = '\0';
	if (strncasecmp(p, "lmdb:", 5) != 0)
		return;
	p += 5;
	if (strncmp(p, "//", 2) == 0)
		p += 2;
	snprintf(out, size, "%.*s", (int)strcspn(p, "?"), p);
}

/* A file we created as root belongs to the daemon's user, or it could not
 * open it after dropping privileges. */
static void give_to_daemon_user(const char *user, const char *path)
{
	char name[256], lock[4200], *group;
	struct passwd *pw;
	gid_t gid;

	if (getuid() != 0 || user[0] == '\0')
		return;
	snprintf(name, sizeof(name), "%s", user);
	group = strchr(name, ':');
	if (group != NULL)
		*group++ = '\0';
	pw = getpwnam(name);
	if (pw == NULL)
		return;
	gid = pw->pw_gid;
	if (group != NULL && getgrnam(group) != NULL)
		gid = getgrnam(group)->gr_gid;
	snprintf(lock, sizeof(lock), "%s-lock", path);
	/* lchown: never follow a link someone put there to another file. */
	if (lchown(path, pw->pw_uid, gid) < 0 || lchown(lock, pw->pw_uid, gid) < 0)
		fprintf(stderr, "chainmilter greylist: %s: cannot give it to %s: %s\n", path, user,
		        strerror(errno));
}

static int run(struct admin *a, int argc, char **argv)
{
	const char *cmd = argv[0];
	char net[IP_STRLEN + 4];

	if (strcmp(cmd, "list") == 0 && argc == 1)
		return cmd_list(a);
	if (strcmp(cmd, "stats") == 0 && argc == 1)
		return cmd_stats(a);
	if (strcmp(cmd, "purge") == 0 && argc == 1)
		return cmd_purge(a);
	if (argc != 2 && argc != 4)
		return 2;
	if (parse_net(a, argv[1], net) < 0)
		return 2;
	if (strcmp(cmd, "show") == 0)
		return cmd_show(a, net, argc == 4 ? argv[2] : NULL, argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "delete") == 0)
		return cmd_delete(a, net, argc == 4 ? argv[2] : NULL, argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "whitelist") == 0)
		return cmd_whitelist(a, net, argc == 4 ? argv[2] : NULL,
		                     argc == 4 ? argv[3] : NULL);
	return 2;
}

int grey_admin(const struct cm_core_conf *core, const void *conf, int argc, char **argv)
{
	struct admin a = {core, conf, {0}, NULL, 0};
	char path[4096];
	const char *error;
	struct stat st;
	bool created;
	int r;

	if (argc < 1)
		return 2;
	grey_params_of(a.conf, &a.params);
	a.now = store_now();
	lmdb_path(a.conf->store, path, sizeof(path));
	created = path[0] != '\0' && stat(path, &st) < 0 && errno == ENOENT;
	if (created && strcmp(argv[0], "whitelist") != 0) {
		/* Nothing to read; do not create a file as the wrong user. */
		printf("%s does not exist yet: no entries (the daemon creates it)\n",
		       a.conf->store);
		return strcmp(argv[0], "show") == 0 || strcmp(argv[0], "delete") == 0 ? 1 : 0;
	}
	if (store_open(a.conf->store, GREY_PREFIX, &a.store, &error) < 0 ||
	    store_check(a.store, &error) < 0) {
		fprintf(stderr, "chainmilter greylist: GreylistStore: %s\n", error);
		store_close(&a.store);
		return 1;
	}
	if (created)
		give_to_daemon_user(core->user, path);
	r = run(&a, argc, argv);
	store_close(&a.store);
	if (r == 2)
		fprintf(stderr, "usage: chainmilter %s\n", GREY_ADMIN_USAGE);
	return r;
}

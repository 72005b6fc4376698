/*
 * keygen - makes a key pair for DKIM signing: RSA (2048 bits unless -b
 * says otherwise) or Ed25519 (RFC 8463). The private key is created mode
 * 0600 and never overwritten; the .txt file holds the record to publish,
 * split into strings DNS servers accept (at most 255 characters each).
 */
#include "keygen.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/buf.h"
#include "crypto.h"
#include "keys.h"
#include "parse.h"

#define CHUNK 250 /* characters of p= per string, as opendkim-genkey */

static const char usage[] =
    "usage: chainmilter keygen -d DOMAIN [-s SELECTOR] [-t rsa|ed25519] [-b BITS] [-D DIR]\n"
    "  -d DOMAIN    the domain the key signs for (d=)\n"
    "  -s SELECTOR  the selector (s=), default \"default\"; files SELECTOR.private, .txt\n"
    "  -t TYPE      rsa (default) or ed25519\n"
    "  -b BITS      RSA key size, 1024 to 8192, default 2048\n"
    "  -D DIR       where to write the files, default the current directory\n";

char *dkimc_keygen_zone(struct pool *p, const char *selector, const char *domain, const char *kname,
                        const char *pub)
{
	struct buf b;
	size_t len = strlen(pub), off;
	char *out;

	buf_init(&b);
	buf_printf(&b, "%s._domainkey\tIN\tTXT\t( \"v=DKIM1; %sk=%s; \"\n", selector,
	           strcmp(kname, "rsa") == 0 ? "h=sha256; " : "", kname);
	for (off = 0; off == 0 || off < len; off += CHUNK - (off == 0 ? 2 : 0)) {
		size_t n = off == 0 ? CHUNK - 2 : CHUNK;

		if (n > len - off)
			n = len - off;
		buf_printf(&b, "\t  \"%s%.*s\"", off == 0 ? "p=" : "", (int)n, pub + off);
		if (off + n < len)
			buf_putc(&b, '\n');
		if (n == 0)
			break;
	}
	buf_printf(&b, " )  ; ----- DKIM key %s for %s\n", selector, domain);
	out = b.oom ? NULL : pool_strdup(p, buf_str(&b));
	buf_free(&b);
	return out;
}

static int write_file(const char *path, const char *text, mode_t mode, bool exclusive)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), mode);
	size_t len = strlen(text), off = 0;

	if (fd < 0) {
		fprintf(stderr, "chainmilter keygen: %s: %s%s\n", path, strerror(errno),
		        errno == EEXIST ? " (a key is there already: move it away first)" : "");
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0) {
			fprintf(stderr, "chainmilter keygen: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0) {
		fprintf(stderr, "chainmilter keygen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct keygen_args {
	const char *domain, *selector, *dir;
	enum dkimc_keytype type;
	unsigned bits;
};

static int parse_args(int argc, char **argv, struct keygen_args *a)
{
	int opt;
	char *end;
	long bits;

	*a = (struct keygen_args){NULL, "default", ".", DKIMC_KEY_RSA, 2048};
	optind = 1;
	while ((opt = getopt(argc, argv, "d:s:t:b:D:h")) != -1) {
		switch (opt) {
		case 'd':
			a->domain = optarg;
			break;
		case 's':
			a->selector = optarg;
			break;
		case 't':
			if (strcmp(optarg, "rsa") == 0)
				a->type = DKIMC_KEY_RSA;
			else if (strcmp(optarg, "ed25519") == 0)
				a->type = DKIMC_KEY_ED25519;
			else {
				fprintf(stderr,
				        "chainmilter keygen: -t %s: expected rsa or ed25519\n",
				        optarg);
				return -1;
			}
			break;
		case 'b':
			bits = strtol(optarg, &end, 10);
			if (*end != '\0' || bits < DKIMC_MIN_SIGN_BITS || bits > 8192) {
				fprintf(stderr,
				        "chainmilter keygen: -b %s: expected a number of bits from "
				        "%d to "
				        "8192 (2048 is the default)\n",
				        optarg, DKIMC_MIN_SIGN_BITS);
				return -1;
			}
			a->bits = (unsigned)bits;
			break;
		case 'D':
			a->dir = optarg;
			break;
		default:
			fputs(usage, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 1 : -1;
		}
	}
	if (optind < argc || a->domain == NULL) {
		fputs(a->domain == NULL ? "chainmilter keygen: -d DOMAIN is required\n"
		                        : "chainmilter keygen: unexpected arguments\n",
		      stderr);
		fputs(usage, stderr);
		return -1;
	}
	if (!dkimc_domain_valid(a->domain) || !dkimc_domain_valid(a->selector)) {
		fprintf(stderr,
		        "chainmilter keygen: %s \"%s\" is not valid: expected labels of "
		        "letters, digits, '-' and '_' separated by dots\n",
		        dkimc_domain_valid(a->domain) ? "selector" : "domain",
		        dkimc_domain_valid(a->domain) ? a->selector : a->domain);
		return -1;
	}
	return 0;
}

int dkimc_keygen_main(int argc, char **argv)
{
	struct keygen_args a;
	struct pool *p;
	struct dkimc_key *key;
	const char *error, *priv_path, *txt_path, *pub, *zone;
	char *pem = NULL;
	int r = parse_args(argc, argv, &a);

	if (r != 0)
		return r > 0 ? 0 : 2;
	p = pool_create();
	if (p == NULL)
		return 1;
	key = dkimc_key_generate(a.type, a.bits, p, &pem, &error);
	pub = key != NULL ? dkimc_key_public_b64(key, p) : NULL;
	zone = pub != NULL ? dkimc_keygen_zone(p, a.selector, a.domain, dkimc_key_kname(key), pub)
	                   : NULL;
	if (zone == NULL) {
		fprintf(stderr, "chainmilter keygen: %s\n", key == NULL ? error : "out of memory");
		pool_destroy(&p);
		return 1;
	}
	priv_path = pool_printf(p, "%s/%s.private", a.dir, a.selector);
	txt_path = pool_printf(p, "%s/%s.txt", a.dir, a.selector);
	r = write_file(priv_path, pem, 0600, true) < 0 ||
	    write_file(txt_path, zone, 0644, false) < 0;
	explicit_bzero(pem, strlen(pem));
	if (r == 0)
		printf("%s: %s key (%u bits) for %s, selector %s\n%s: publish it as "
		       "%s._domainkey.%s TXT\n",
		       priv_path, a.type == DKIMC_KEY_RSA ? "RSA" : "Ed25519", dkimc_key_bits(key),
		       a.domain, a.selector, txt_path, a.selector, a.domain);
	pool_destroy(&p);
	return r;
}

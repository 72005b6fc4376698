/*
 * fuzz_dkim_verify - verification of arbitrary messages as the check does
 * it: screening, libopendkim fed field by field, body, end of message, the
 * results read back. Key lookups go to a loopback port where nothing
 * answers, with a 1 ms deadline. Also the DNS reply libopendkim is handed,
 * built from TXT strings taken from the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dkim/screen.h"
#include "../../dkim/verify.h"
#include "../../lib/dns.h"
#include "../../lib/log.h"
#include "../../lib/rfc5322.h"

#define MAX_FIELDS 2000

struct fields {
	struct cm_header h[MAX_FIELDS];
	size_t n;
	struct pool *p;
};

static void field(void *arg, const char *name, const char *value)
{
	struct fields *f = arg;
	struct buf b;
	const char *v;

	if (f->n == MAX_FIELDS)
		return;
	/* As the milter stores them: folds as CRLF. */
	buf_init(&b);
	for (v = value; *v != '\0'; v++) {
		if (*v == '\n' && (v == value || v[-1] != '\r'))
			buf_putc(&b, '\r');
		buf_putc(&b, *v);
	}
	f->h[f->n].name = pool_strdup(f->p, name);
	f->h[f->n].value = pool_strdup(f->p, buf_str(&b));
	f->h[f->n].index = 1;
	f->n++;
	buf_free(&b);
}

static void quiet(enum log_level level, const char *line)
{
	(void)level;
	(void)line;
}

static void wire(const uint8_t *data, size_t size, struct pool *p)
{
	struct dns_result r = {.status = DNS_OK, .ttl = 300};
	struct dns_txt txt[4];
	struct dns_str parts[4][4];
	unsigned char buf[8192];
	size_t i, j, off = 0;

	r.n = size > 0 ? data[0] % 4 + 1 : 1;
	r.txt = txt;
	for (i = 0; i < r.n; i++) {
		txt[i].n_parts = 4;
		txt[i].parts = parts[i];
		for (j = 0; j < 4; j++) {
			size_t len = off < size ? data[off] : 0;

			if (off + len > size)
				len = size - off;
			parts[i][j].s = pool_strndup(p, (const char *)data + off, len);
			parts[i][j].len = len;
			off += len;
		}
	}
	dkimc_wire_reply("sel._domainkey.example.org", &r, buf, sizeof(buf));
	dkimc_wire_reply((const char *)parts[0][0].s, &r, buf, 300);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool *keep;
	static struct dns *dns;
	static struct dkimc_verifier *v;
	struct fields f;
	struct dkimc_screen sc;
	struct dkimc_vmsg *vm;
	struct dkimc_sigresult *res;
	const char *error;
	char *text;
	size_t body, i, n;

	log_set_sink(quiet);
	if (v == NULL) {
		keep = pool_create();
		dns = dns_create("127.0.0.1@9", 1, keep, &error);
		v = dkimc_verifier_new(dns, 1024, &error);
		if (v == NULL)
			abort();
	}
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	f.p = pool_create();
	f.n = 0;
	body = rfc5322_headers(text, size, field, &f);
	if (dkimc_screen(f.p, f.h, f.n, 5, &sc) < 0)
		abort();
	vm = dkimc_vmsg_new(v, f.p, "fuzz", &error);
	for (i = 0; vm != NULL && i < f.n; i++)
		if (sc.feed[i])
			dkimc_vmsg_header(vm, f.h[i].name, f.h[i].value, &error);
	if (vm != NULL && dkimc_vmsg_eoh(vm, &error) > 0) {
		dkimc_vmsg_body(vm, (const unsigned char *)text + body, size - body, &error);
		if (dkimc_vmsg_eom(vm, &res, &n, &error) == 0)
			for (i = 0; i < n; i++)
				if (dkimc_result_name(res[i].result) == NULL)
					abort();
	}
	wire(data, size, f.p);
	pool_destroy(&f.p);
	free(text);
	return 0;
}

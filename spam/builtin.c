/*
 * builtin - the built-in measures behind `test NAME` rules. Each reads the
 * message view only and does work linear in what it reads. The table at
 * the end is the list the README documents.
 */
#include "builtin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "date.h"
#include "zip.h"

/* ---- HTML and text ---- */

static long t_html_only(const struct spam_view *v, const char *arg)
{
	(void)arg;
	/* An empty text/plain alternative counts as none. */
	return v->n_html_parts > 0 && v->plain_chars < 10 ? 1 : 0;
}

static long t_html_hidden(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return (long)v->html.hidden_chars;
}

static long t_html_visible(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return (long)v->html.visible_chars;
}

static long t_html_images(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return v->html.n_images;
}

static long t_html_tiny_images(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return v->html.n_tiny_images;
}

static long t_html_forms(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return v->html.n_forms;
}

static long t_html_scripts(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return v->html.n_scripts;
}

static long t_html_comments(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return v->html.n_comments;
}

static long t_body_chars(const struct spam_view *v, const char *arg)
{
	size_t i;
	long n = 0;

	(void)arg;
	for (i = 0; i < v->body_len; i++) {
		unsigned char c = (unsigned char)v->body[i];

		if (!isspace(c) && (c & 0xC0) != 0x80)
			n++;
	}
	return n;
}

/* Percent of the body's ASCII letters in capitals, over 200 letters or more. */
static long t_body_caps_percent(const struct spam_view *v, const char *arg)
{
	size_t i, upper = 0, letters = 0;

	(void)arg;
	for (i = 0; i < v->body_len; i++) {
		unsigned char c = (unsigned char)v->body[i];

		if (isupper(c))
			upper++, letters++;
		else if (islower(c))
			letters++;
	}
	return letters >= 200 ? (long)(upper * 100 / letters) : 0;
}

/* ---- addresses ---- */

static long count_flag(const struct spam_view *v, unsigned flag)
{
	size_t i;
	long n = 0;

	for (i = 0; i < v->n_uris; i++)
		if (v->uris[i].flags & flag)
			n++;
	return n;
}

static long t_link_mismatch(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return count_flag(v, SPAM_URI_MISMATCH);
}

static long t_uri_obfuscated(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return count_flag(v, SPAM_URI_OBFUSCATED);
}

static long t_uri_userinfo(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return count_flag(v, SPAM_URI_USERINFO);
}

static long t_uri_ip(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return count_flag(v, SPAM_URI_IP);
}

static long t_uri_port(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return count_flag(v, SPAM_URI_PORT);
}

static long t_uri_count(const struct spam_view *v, const char *arg)
{
	(void)arg;
	return (long)v->n_uris;
}

static long t_uri_domains(const struct spam_view *v, const char *arg)
{
	size_t i, j;
	long n = 0;

	(void)arg;
	for (i = 0; i < v->n_uris; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(v->uris[i].domain, v->uris[j].domain) == 0)
				break;
		if (j == i)
			n++;
	}
	return n;
}

/* ---- attachments ---- */

static const char *const exe_ext[] = {"bat", "cmd", "com", "cpl", "exe", "hta", "jar", "js",
                                      "jse", "lnk", "msi", "msp", "pif", "ps1", "reg", "scf",
                                      "scr", "vbe", "vbs", "wsf", "wsh", NULL};

static bool executable_name(const char *name, size_t len)
{
	const char *dot = NULL;
	size_t i, el;

	for (i = 0; i < len; i++)
		if (name[i] == '.')
			dot = name + i;
	if (dot == NULL)
		return false;
	el = (size_t)(name + len - dot - 1);
	for (i = 0; exe_ext[i] != NULL; i++)
		if (strlen(exe_ext[i]) == el && strncasecmp(dot + 1, exe_ext[i], el) == 0)
			return true;
	return false;
}

static bool count_exe(void *arg, const char *name, size_t len)
{
	if (executable_name(name, len))
		(*(long *)arg)++;
	return true;
}

static bool zip_part(const struct mime_part *pt)
{
	size_t n = pt->filename != NULL ? strlen(pt->filename) : 0;

	return spam_zip_is(pt->data, pt->len) ||
	       (n > 4 && strcasecmp(pt->filename + n - 4, ".zip") == 0);
}

static long t_archive_executable(const struct spam_view *v, const char *arg)
{
	size_t i;
	long n = 0;

	(void)arg;
	for (i = 0; i < v->mime->n_parts; i++) {
		const struct mime_part *pt = &v->mime->parts[i];

		if (!pt->container && pt->data != NULL && zip_part(pt))
			spam_zip_names(pt->data, pt->len, count_exe, &n);
	}
	return n;
}

/* Windows programs by their content ("MZ"), whatever they are called. */
static long t_attachment_program(const struct spam_view *v, const char *arg)
{
	size_t i;
	long n = 0;

	(void)arg;
	for (i = 0; i < v->mime->n_parts; i++) {
		const struct mime_part *pt = &v->mime->parts[i];

		if (!pt->container && pt->len >= 64 && pt->data[0] == 'M' && pt->data[1] == 'Z')
			n++;
	}
	return n;
}

/* ---- decoding problems ---- */

static const char *check_flag(const char *arg)
{
	return mime_flag_by_name(arg) != 0
	           ? NULL
	           : "expected a decoding flag: bad-header, too-many-headers, no-boundary, "
	             "boundary-missing, unclosed, bad-base64, bad-qp, unknown-encoding, "
	             "unknown-charset, bad-charset, 8bit-undeclared, too-deep, too-many-parts, "
	             "truncated, bad-encoded-word, 8bit-header";
}

static long t_mime_flag(const struct spam_view *v, const char *arg)
{
	unsigned bit = mime_flag_by_name(arg);
	size_t i;
	long n = 0;

	for (i = 0; i < v->mime->n_parts; i++)
		if (v->mime->parts[i].flags & bit)
			n++;
	return n == 0 && (v->mime->flags & bit) ? 1 : n;
}

/* ---- headers ---- */

static const char *addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

static void lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/*
 * The From display name holds an address on another registered domain
 * than the sender's: "service@bank.example" <x@elsewhere.example>.
 */
static long t_from_name_address(const struct spam_view *v, const char *arg)
{
	const char *from = spam_view_header(v, "From", 1), *nd, *ad, *at;
	struct spam_addr a;
	char nbuf[256], abuf[256];
	size_t n;

	(void)arg;
	if (from == NULL || spam_addr_parse(from, v->p, &a, 1) != 1)
		return 0;
	at = strchr(a.name, '@');
	ad = addr_domain(a.addr);
	if (at == NULL || ad == NULL)
		return 0;
	n = strcspn(at + 1, " \t>)\"',;");
	if (n == 0 || n >= sizeof(nbuf) || memchr(at + 1, '.', n) == NULL)
		return 0;
	snprintf(nbuf, sizeof(nbuf), "%.*s", (int)n, at + 1);
	snprintf(abuf, sizeof(abuf), "%s", ad);
	lower(nbuf);
	lower(abuf);
	nd = spam_uri_domain(nbuf);
	return strcmp(nd, spam_uri_domain(abuf)) != 0 ? 1 : 0;
}

/* The sender's own address among the recipients in To: (bulk mailers hide
 * their lists behind it). */
static long t_to_is_from(const struct spam_view *v, const char *arg)
{
	const char *from = spam_view_header(v, "From", 1), *to = spam_view_header(v, "To", 1);
	struct spam_addr f, t[64];
	size_t i, n;

	(void)arg;
	if (from == NULL || to == NULL || spam_addr_parse(from, v->p, &f, 1) != 1 ||
	    strchr(f.addr, '@') == NULL)
		return 0;
	n = spam_addr_parse(to, v->p, t, 64);
	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].addr, f.addr) == 0)
			return 1;
	return 0;
}

static long t_recipients(const struct spam_view *v, const char *arg)
{
	static const char *const fields[] = {"To", "Cc"};
	struct spam_addr a[512];
	const char *val;
	size_t f, k;
	long n = 0;

	(void)arg;
	for (f = 0; f < 2; f++)
		for (k = 1; (val = spam_view_header(v, fields[f], k)) != NULL && k < 100; k++)
			n += (long)spam_addr_parse(val, v->p, a, sizeof(a) / sizeof(a[0]));
	return n;
}

static long t_received_count(const struct spam_view *v, const char *arg)
{
	size_t i;
	long n = 0;

	(void)arg;
	for (i = 0; i < v->mime->n_headers; i++)
		if (strcasecmp(v->mime->headers[i].name, "Received") == 0)
			n++;
	return n;
}

static long t_date_invalid(const struct spam_view *v, const char *arg)
{
	const char *d = spam_view_header(v, "Date", 1);
	time_t t;

	(void)arg;
	return d != NULL && !spam_date_parse(d, &t) ? 1 : 0;
}

/* Seconds from the newest Received timestamp to Date (+: Date is later). */
static bool date_skew(const struct spam_view *v, double *hours_r)
{
	const char *d = spam_view_header(v, "Date", 1), *r = spam_view_header(v, "Received", 1);
	time_t td, tr;

	if (d == NULL || r == NULL || (r = strrchr(r, ';')) == NULL)
		return false;
	if (!spam_date_parse(d, &td) || !spam_date_parse(r + 1, &tr))
		return false;
	*hours_r = difftime(td, tr) / 3600.0;
	return true;
}

static long t_date_future(const struct spam_view *v, const char *arg)
{
	double h;

	(void)arg;
	return date_skew(v, &h) && h > 0 ? (long)h : 0;
}

static long t_date_past(const struct spam_view *v, const char *arg)
{
	double h;

	(void)arg;
	return date_skew(v, &h) && h < 0 ? (long)-h : 0;
}

/* Sorted by name for spam_test_find(). */
const struct spam_test spam_tests[] = {
    {"archive_executable", "program files (.exe, .scr, .js, ...) inside zip attachments", NULL,
     t_archive_executable},
    {"attachment_program", "parts whose content is a Windows program (MZ), whatever the name", NULL,
     t_attachment_program},
    {"body_caps_percent", "percent of the body's letters in capitals (0 under 200 letters)", NULL,
     t_body_caps_percent},
    {"body_chars", "characters other than white space in the body text", NULL, t_body_chars},
    {"date_future_hours",
     "hours the Date field is later than the newest Received field's time (0 if earlier)", NULL,
     t_date_future},
    {"date_invalid", "1 if the Date field is there but no valid RFC 5322 date", NULL,
     t_date_invalid},
    {"date_past_hours",
     "hours the Date field is earlier than the newest Received field's time (0 if later)", NULL,
     t_date_past},
    {"from_name_address",
     "1 if the From display name holds an address on another domain than the sender's", NULL,
     t_from_name_address},
    {"html_comments", "HTML comments", NULL, t_html_comments},
    {"html_forms", "HTML forms", NULL, t_html_forms},
    {"html_hidden_chars", "HTML text not shown: background colour, display:none, tiny font", NULL,
     t_html_hidden},
    {"html_images", "HTML images", NULL, t_html_images},
    {"html_only", "1 if there is HTML and no plain text to go with it", NULL, t_html_only},
    {"html_scripts", "HTML scripts", NULL, t_html_scripts},
    {"html_tiny_images", "HTML images of at most 2 pixels (web bugs)", NULL, t_html_tiny_images},
    {"html_visible_chars", "HTML text shown (characters other than white space)", NULL,
     t_html_visible},
    {"link_text_mismatch", "links whose text is an address on another domain than the target", NULL,
     t_link_mismatch},
    {"mime_flag", "parts with a decoding problem (ARG: bad-base64, unclosed, ...)", check_flag,
     t_mime_flag},
    {"received_count", "Received fields", NULL, t_received_count},
    {"recipients", "addresses in To and Cc", NULL, t_recipients},
    {"to_is_from", "1 if the sender's address is one of the To: addresses", NULL, t_to_is_from},
    {"uri_count", "distinct web addresses", NULL, t_uri_count},
    {"uri_domains", "distinct registered domains among the web addresses", NULL, t_uri_domains},
    {"uri_ip", "web addresses with a numeric host", NULL, t_uri_ip},
    {"uri_obfuscated", "web addresses whose host hides behind a number or %-escapes", NULL,
     t_uri_obfuscated},
    {"uri_port", "web addresses with a port other than the scheme's", NULL, t_uri_port},
    {"uri_userinfo", "web addresses with user@ before the host", NULL, t_uri_userinfo},
    {NULL, NULL, NULL, NULL},
};

const struct spam_test *spam_test_find(const char *name)
{
	size_t i;

	for (i = 0; spam_tests[i].name != NULL; i++)
		if (strcmp(spam_tests[i].name, name) == 0)
			return &spam_tests[i];
	return NULL;
}

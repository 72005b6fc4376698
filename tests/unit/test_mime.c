/*
 * Unit tests of lib/mime.c: real messages (quoted-printable Latin-1,
 * base64 UTF-8 with an RFC 2231 file name, nested multiparts with a
 * forwarded message, broken boundaries and encodings), encoded-words,
 * charsets, and the limits that bound the work on hostile input.
 */
#include "cmtest.h"

#include "../../lib/buf.h"
#include "../../lib/mime.h"

static struct pool *pool;

static int setup(void **state)
{
	pool = pool_create();
	return pool == NULL;
}

static int teardown(void **state)
{
	pool_destroy(&pool);
	return 0;
}

static struct mime_message *parse_file(const char *name, struct buf *b)
{
	char path[256], chunk[4096];
	FILE *fp;
	size_t n;
	struct mime_message *mm;

	snprintf(path, sizeof(path), "tests/fixtures/mime/%s", name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	buf_init(b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(b, chunk, n);
	fclose(fp);
	mm = mime_parse(b->data, b->len, NULL, pool);
	assert_non_null(mm);
	return mm;
}

static void test_qp_latin1(void **state)
{
	struct buf b;
	struct mime_message *mm = parse_file("qp-latin1.eml", &b);
	const struct mime_header *subj;

	assert_int_equal(mm->n_parts, 1);
	assert_int_equal(mm->flags, 0);
	assert_string_equal(mm->parts[0].type, "text/plain");
	assert_string_equal(mm->parts[0].charset, "iso-8859-1");
	assert_string_equal(mm->parts[0].encoding, "quoted-printable");
	/* Soft line breaks joined, =XX decoded, Latin-1 to UTF-8, CRLF to LF. */
	assert_string_equal(mm->parts[0].text,
	                    "Bonjour Paul,\n\nLa réunion de l'équipe est déplacée à jeudi, "
	                    "salle « Verte ».\nUne ligne très longue qui continue après un saut "
	                    "de ligne souple ici.\n\nAnne\n");
	subj = mime_header_find(mm->headers, mm->n_headers, "subject", 1);
	assert_non_null(subj);
	assert_string_equal(mime_decode_header(subj->value, pool, NULL), "Réunion de l'équipe");
	/* A folded Received: raw keeps the folds, value is unfolded. */
	subj = mime_header_find(mm->headers, mm->n_headers, "Received", 1);
	assert_non_null(strstr(subj->raw, "\r\n\tby mx.example.org"));
	assert_non_null(strstr(subj->value, "[198.51.100.7])\tby mx.example.org"));
	buf_free(&b);
}

static void test_base64_utf8_rfc2231(void **state)
{
	struct buf b;
	struct mime_message *mm = parse_file("base64-utf8.eml", &b);
	const struct mime_header *h;

	assert_int_equal(mm->n_parts, 3);
	assert_int_equal(mm->flags, 0);
	assert_true(mm->parts[0].container);
	assert_string_equal(mm->parts[0].type, "multipart/mixed");
	assert_int_equal(mm->parts[1].parent, 0);
	assert_string_equal(mm->parts[1].text,
	                    "Hello,\n\nthe quarterly numbers are attached — “draft” only, 5 € "
	                    "per unit.\n\nKind regards,\nJürgen\n");
	assert_string_equal(mm->parts[2].type, "application/pdf");
	assert_true(mm->parts[2].attachment);
	assert_string_equal(mm->parts[2].filename, "Quartalszahlen Entwurf – Q2.pdf");
	assert_null(mm->parts[2].text);
	assert_int_equal(mm->parts[2].len, 3 * 51);
	assert_memory_equal(mm->parts[2].data, "%PDF-1.4\n", 9);
	/* Two adjacent encoded-words: the space between them is not text. */
	h = mime_header_find(mm->headers, mm->n_headers, "Subject", 1);
	assert_string_equal(mime_decode_header(h->value, pool, NULL), "Quartalszahlen – Entwurf");
	h = mime_header_find(mm->headers, mm->n_headers, "From", 1);
	assert_string_equal(mime_decode_header(h->value, pool, NULL),
	                    "Jürgen Müller <juergen@example.de>");
	buf_free(&b);
}

static void test_nested(void **state)
{
	struct buf b;
	struct mime_message *mm = parse_file("nested.eml", &b);
	static const char *const types[] = {
	    "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
	    "message/rfc822",  "multipart/alternative", "text/plain", "text/html",
	    "image/png"};
	static const int parents[] = {-1, 0, 1, 1, 0, 4, 5, 5, 0};
	static const int depths[] = {0, 1, 2, 2, 1, 2, 3, 3, 1};
	size_t i;

	assert_int_equal(mm->n_parts, 9);
	assert_int_equal(mm->flags, 0);
	for (i = 0; i < 9; i++) {
		assert_string_equal(mm->parts[i].type, types[i]);
		assert_int_equal(mm->parts[i].parent, parents[i]);
		assert_int_equal(mm->parts[i].depth, depths[i]);
	}
	/* Windows-1252's curly quotes and euro sign, in 8bit and QP. */
	assert_string_equal(mm->parts[2].text, "See below “quoted” € invoice.");
	assert_string_equal(mm->parts[3].text,
	                    "<html><body><p>See below “quoted” € invoice.</p></body></html>");
	/* The forwarded message's own headers belong to its part. */
	assert_string_equal(
	    mime_header_find(mm->parts[5].headers, mm->parts[5].n_headers, "Subject", 1)->value,
	    "Your invoice");
	assert_string_equal(mm->parts[6].text, "Invoice 1234 is due.");
	assert_string_equal(mm->parts[8].filename, "logo.png");
	assert_int_equal(mm->parts[8].len, 70);
	assert_memory_equal(mm->parts[8].data, "\x89PNG", 4);
	buf_free(&b);
}

static void test_broken(void **state)
{
	struct buf b;
	struct mime_message *mm = parse_file("broken.eml", &b);

	assert_int_equal(mm->n_parts, 4);
	assert_true(mm->parts[0].flags & MIME_F_UNCLOSED);
	/* KOI8-R through iconv. */
	assert_string_equal(mm->parts[1].text, "Дешевые часы");
	/* Junk after base64 is skipped and flagged; the charset is unknown, so
	 * the bytes are read as UTF-8 (or Windows-1252) and flagged too. */
	assert_string_equal(mm->parts[2].text, "<html><body>CHEAP WATCHES</body></html>");
	assert_true(mm->parts[2].flags & MIME_F_BAD_BASE64);
	assert_true(mm->parts[2].flags & MIME_F_UNKNOWN_CHARSET);
	/* "=ZZ" stays as it is; 8-bit in us-ascii is read as Windows-1252. */
	assert_string_equal(mm->parts[3].text, "Café =ZZ broken = ok\n");
	assert_true(mm->parts[3].flags & MIME_F_BAD_QP);
	assert_true(mm->parts[3].flags & MIME_F_8BIT_UNDECLARED);
	assert_string_equal(mime_flag_names(mm->flags, pool),
	                    "unclosed bad-base64 bad-qp unknown-charset 8bit-undeclared");
	buf_free(&b);
}

static void test_boundaries(void **state)
{
	/* The boundary never occurs: read as one text part, flagged. */
	static const char missing[] =
	    "Content-Type: multipart/alternative; boundary=\"=Multipart Boundary 0925\"\n\n"
	    "--= Multipart Boundary 0925\nContent-Type: text/plain\n\nBuy now\n";
	/* No boundary parameter at all. */
	static const char none[] = "Content-Type: multipart/mixed\n\nhello\n";
	/* A line that starts with the boundary but goes on is not a delimiter;
	 * trailing white space after one is allowed. */
	static const char prefix[] = "Content-Type: multipart/mixed; boundary=abc\n\n"
	                             "--abc  \n\none\n--abcdef\n--abc\n\ntwo\n--abc--\n";
	struct mime_message *mm;

	mm = mime_parse(missing, strlen(missing), NULL, pool);
	assert_int_equal(mm->n_parts, 1);
	assert_true(mm->flags & MIME_F_BOUNDARY_MISSING);
	assert_string_equal(mm->parts[0].type, "text/plain");
	assert_non_null(strstr(mm->parts[0].text, "Buy now"));

	mm = mime_parse(none, strlen(none), NULL, pool);
	assert_int_equal(mm->n_parts, 1);
	assert_true(mm->flags & MIME_F_NO_BOUNDARY);
	assert_string_equal(mm->parts[0].text, "hello\n");

	mm = mime_parse(prefix, strlen(prefix), NULL, pool);
	assert_int_equal(mm->n_parts, 3);
	assert_int_equal(mm->flags, 0);
	assert_string_equal(mm->parts[1].text, "one\n--abcdef");
	assert_string_equal(mm->parts[2].text, "two");
}

static void test_encoded_words(void **state)
{
	unsigned flags = 0;

	/* A UTF-8 character split over two words is joined before decoding. */
	assert_string_equal(mime_decode_header("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", pool, &flags),
	                    "éé");
	assert_string_equal(mime_decode_header("=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", pool, &flags),
	                    "€");
	assert_string_equal(
	    mime_decode_header("=?iso-8859-1?q?caf=E9_cr=E8me?= et plus", pool, &flags),
	    "café crème et plus");
	assert_int_equal(flags, 0);
	/* Malformed words stay as written and are flagged. */
	assert_string_equal(mime_decode_header("=?utf-8?X?abc?= x", pool, &flags),
	                    "=?utf-8?X?abc?= x");
	assert_true(flags & MIME_F_BAD_ENCODED_WORD);
	flags = 0;
	/* Raw 8-bit in a header: UTF-8 if valid, else Windows-1252. */
	assert_string_equal(mime_decode_header("Gr\xfc\xdf"
	                                       "e",
	                                       pool, &flags),
	                    "Grüße");
	assert_true(flags & MIME_F_8BIT_HEADER);
	flags = 0;
	assert_string_equal(mime_decode_header("=?x-nonsense?Q?abc?=", pool, &flags), "abc");
	assert_true(flags & MIME_F_UNKNOWN_CHARSET);
}

static void test_params(void **state)
{
	assert_string_equal(
	    mime_param("text/plain; charset=\"UTF-8\"; format=flowed", "charset", pool), "UTF-8");
	assert_string_equal(
	    mime_param("text/plain; format=flowed; CHARSET=us-ascii (comment)", "charset", pool),
	    "us-ascii");
	assert_null(mime_param("text/plain", "charset", pool));
	assert_string_equal(
	    mime_param("attachment; filename=\"a \\\"q\\\" b.txt\"", "filename", pool),
	    "a \"q\" b.txt");
	assert_string_equal(
	    mime_param("attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf", "filename", pool),
	    "résumé.pdf");
	/* Continuations in order even when written out of order. */
	assert_string_equal(mime_param("x/y; name*1=\"def\"; name*0=\"abc\"", "name", pool),
	                    "abcdef");
	assert_null(mime_param("x/y; ; =; ==; \"", "name", pool));
}

static void test_many_headers(void **state)
{
	struct buf b;
	struct mime_message *mm;
	size_t i;

	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "X-Header-%zu: value %zu\r\n", i, i);
	buf_puts(&b, "Subject: last\r\n\r\nbody\r\n");
	mm = mime_parse(b.data, b.len, NULL, pool);
	assert_non_null(mm);
	assert_int_equal(mm->n_headers, mime_default_limits.max_headers);
	assert_true(mm->flags & MIME_F_TOO_MANY_HEADERS);
	assert_string_equal(mm->parts[0].text, "body\n"); /* the body is still found */
	buf_free(&b);
}

static void test_limits(void **state)
{
	struct mime_limits lim = mime_default_limits;
	struct mime_message *mm;
	struct buf b;
	int i;

	/* 40 nested multiparts: parts below max_depth are not read. */
	buf_init(&b);
	for (i = 0; i < 40; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_puts(&b, "Content-Type: text/plain\n\ndeep\n");
	mm = mime_parse(b.data, b.len, NULL, pool);
	assert_true(mm->flags & MIME_F_TOO_DEEP);
	assert_int_equal(mm->n_parts, (size_t)mime_default_limits.max_depth + 1);

	/* Many parts. */
	buf_reset(&b);
	buf_puts(&b, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (i = 0; i < 5000; i++)
		buf_puts(&b, "--x\n\np\n");
	buf_puts(&b, "--x--\n");
	mm = mime_parse(b.data, b.len, NULL, pool);
	assert_int_equal(mm->n_parts, mime_default_limits.max_parts);
	assert_true(mm->flags & MIME_F_TOO_MANY_PARTS);

	/* Truncation: only max_bytes are read. */
	lim.max_bytes = 40;
	buf_reset(&b);
	buf_puts(&b, "Subject: x\n\n0123456789012345678901234567890123456789\n");
	mm = mime_parse(b.data, b.len, &lim, pool);
	assert_true(mm->flags & MIME_F_TRUNCATED);
	assert_int_equal(strlen(mm->parts[0].text), 40 - strlen("Subject: x\n\n"));
	buf_free(&b);
}

static void test_codecs(void **state)
{
	unsigned char out[64];
	unsigned flags = 0;
	size_t n;
	char *u;

	n = mime_base64_decode((const unsigned char *)"SGVs\r\nbG8=", 10, out, &flags);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "Hello", 5);
	assert_int_equal(flags, 0);
	n = mime_base64_decode((const unsigned char *)"SGVsbG8=V29ybGQ=", 16, out, &flags);
	assert_int_equal(n, 10); /* two padded blocks back to back */
	assert_memory_equal(out, "HelloWorld", 10);
	n = mime_base64_decode((const unsigned char *)"S", 1, out, &flags);
	assert_int_equal(n, 0);
	assert_true(flags & MIME_F_BAD_BASE64);
	flags = 0;
	n = mime_qp_decode((const unsigned char *)"a=3Db=\r\nc= \nd=", 14, out, false, &flags);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a=bcd", 5);
	assert_int_equal(flags, 0);
	/* Shift_JIS through iconv; bad UTF-8 becomes U+FFFD. */
	u = mime_to_utf8("shift_jis", (const unsigned char *)"\x93\xfa\x96\x7b", 4, pool, &n,
	                 &flags);
	assert_string_equal(u, "日本");
	u = mime_to_utf8("utf-8",
	                 (const unsigned char *)"a\xc3\x28"
	                                        "b\xed\xa0\x80",
	                 7, pool, &n, &flags);
	assert_string_equal(u, "a\xef\xbf\xbd(b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_true(flags & MIME_F_BAD_CHARSET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qp_latin1),  cmocka_unit_test(test_base64_utf8_rfc2231),
	    cmocka_unit_test(test_nested),     cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_boundaries), cmocka_unit_test(test_encoded_words),
	    cmocka_unit_test(test_params),     cmocka_unit_test(test_many_headers),
	    cmocka_unit_test(test_limits),     cmocka_unit_test(test_codecs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

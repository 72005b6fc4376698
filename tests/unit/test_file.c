/* Unit tests of lib/file.c (whole files into memory) and lib/scores.c's
 * number format (the log line's and amavis's). */
#include "cmtest.h"

#include "../../lib/file.h"
#include "../../lib/scores.h"

static void test_read(void **state)
{
	static const char *const contents[] = {"GTUBE 1000\n# comment\n", ""};
	const char *why = NULL;
	const char *path;
	size_t len = 0, i;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
		path = cmt_tempfile(contents[i]);
		text = file_read(path, &len, &why);
		assert_non_null(text);
		assert_int_equal(len, strlen(contents[i]));
		assert_string_equal(text, contents[i]);
		free(text);
		unlink(path);
	}

	text = file_read("/nonexistent/scores.conf", NULL, &why);
	assert_null(text);
	assert_string_equal(why, "No such file or directory");
	text = file_read("/", NULL, &why);
	assert_null(text);
	assert_string_equal(why, "Is a directory");
}

/* Larger than the read chunks, with NULs inside: all of it, length exact. */
static void test_read_large_binary(void **state)
{
	char path[] = "/tmp/cmunit.XXXXXX";
	size_t n = 300000, len = 0, i;
	unsigned char *data = malloc(n);
	const char *why = NULL;
	char *text;
	int fd;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	text = file_read(path, &len, &why);
	assert_non_null(text);
	assert_int_equal(len, n);
	assert_memory_equal(text, data, n);
	assert_int_equal(text[n], '\0');
	free(text);
	free(data);
	unlink(path);
}

static void test_score_format(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
	    {1000, "1000"}, {1.2, "1.2"},   {-0.05, "-0.05"}, {0.001, "0.001"},
	    {0, "0"},       {-0.0001, "0"}, {4.5, "4.5"},     {-1.9, "-1.9"},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scores_format(cases[i].v, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_read_large_binary),
	    cmocka_unit_test(test_score_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

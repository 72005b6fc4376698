/* Unit tests of milter/conf.c: parsing by type, defaults, and every error message. */
#include "cmtest.h"

#include <math.h>

#include "../../milter/conf.h"

struct tconf {
	bool flag;
	long count, delay;
	size_t size;
	double level, tag;
	const char *name;
	int mode;
	const char *sock;
	struct ip_netlist nets;
	struct set_list items;
};

static const char *const modes[] = {"accept", "tempfail", "reject", NULL};

#define O(f) offsetof(struct tconf, f)
static const struct setting table[] = {
    {.name = "Flag", .type = SET_BOOL, .offset = O(flag), .def = "yes", .doc = "a flag"},
    {.name = "Count",
     .type = SET_INT,
     .offset = O(count),
     .def = "5",
     .min = 1,
     .max = 10,
     .doc = "c"},
    {.name = "Delay",
     .type = SET_TIME,
     .offset = O(delay),
     .def = "5m",
     .min = 0,
     .max = 86400 * 40,
     .doc = "d"},
    {.name = "Size", .type = SET_SIZE, .offset = O(size), .def = "64k", .doc = "s"},
    {.name = "Level",
     .type = SET_DOUBLE,
     .offset = O(level),
     .def = "5.0",
     .min = -10,
     .max = 10,
     .doc = "l"},
    {.name = "Tag", .type = SET_LEVEL, .offset = O(tag), .def = "always", .doc = "t"},
    {.name = "Name", .type = SET_STRING, .offset = O(name), .doc = "n"},
    {.name = "Mode",
     .type = SET_ENUM,
     .offset = O(mode),
     .def = "tempfail",
     .words = modes,
     .doc = "m"},
    {.name = "Socket",
     .type = SET_SOCKET,
     .offset = O(sock),
     .def = "inet:54321@localhost",
     .doc = "s"},
    {.name = "Hosts", .type = SET_NETS, .offset = O(nets), .def = "127.0.0.1, ::1", .doc = "h"},
    {.name = "Item", .type = SET_LIST, .offset = O(items), .doc = "i"},
    {.name = NULL},
};
static const struct conf_module mod = {"test", "Test", table, sizeof(struct tconf)};
static const struct conf_module *const mods[] = {&mod};

static struct conf *load(const char *text)
{
	struct conf *c = conf_load(mods, 1, text != NULL ? cmt_tempfile(text) : NULL, NULL, 0);

	assert_non_null(c);
	return c;
}

/* The single error message, with the temp file name replaced by "F". */
static const char *only_error(struct conf *c)
{
	static char buf[1024];
	const char *msg, *p = conf_path(c);
	size_t plen = strlen(p);

	assert_int_equal(conf_nerrors(c), 1);
	msg = conf_errmsg(c, 0);
	if (strncmp(msg, p, plen) == 0)
		snprintf(buf, sizeof(buf), "F%s", msg + plen);
	else
		snprintf(buf, sizeof(buf), "%s", msg);
	return buf;
}

static void test_defaults(void **state)
{
	struct conf *c = load(NULL);
	struct tconf *t = conf_data(c, 0);

	assert_int_equal(conf_nerrors(c), 0);
	assert_true(t->flag);
	assert_int_equal(t->count, 5);
	assert_int_equal(t->delay, 300);
	assert_int_equal(t->size, 65536);
	assert_true(t->level == 5.0);
	assert_true(isinf(t->tag) && t->tag < 0);
	assert_string_equal(t->name, "");
	assert_int_equal(t->mode, 1);
	assert_string_equal(t->sock, "inet:54321@localhost");
	assert_int_equal(t->nets.n, 2);
	assert_int_equal(t->items.n, 0);
	assert_string_equal(conf_where(c, 0, "Count"), "default");
	conf_free(&c);
}

static void test_values(void **state)
{
	struct conf *c = load("# comment\n"
	                      "\n"
	                      "flag no\n"
	                      "  Count   7  \n"
	                      "Delay 2d\n"
	                      "Size 10M\n"
	                      "Level -2.5\n"
	                      "Tag 3\n"
	                      "Name mx.example.org\n"
	                      "MODE Reject\n"
	                      "Socket unix:/run/cm.sock\n"
	                      "Hosts 10.0.0.0/8 2001:db8::/32\n"
	                      "Item first value\n"
	                      "Item second\n");
	struct tconf *t = conf_data(c, 0);
	char where[64];

	assert_int_equal(conf_nerrors(c), 0);
	assert_false(t->flag);
	assert_int_equal(t->count, 7);
	assert_int_equal(t->delay, 2 * 86400);
	assert_int_equal(t->size, 10 * 1048576);
	assert_true(t->level == -2.5);
	assert_true(t->tag == 3.0);
	assert_string_equal(t->name, "mx.example.org");
	assert_int_equal(t->mode, 2);
	assert_string_equal(t->sock, "unix:/run/cm.sock");
	assert_int_equal(t->nets.n, 2);
	assert_int_equal(t->items.n, 2);
	assert_string_equal(t->items.items[0].value, "first value");
	assert_int_equal(t->items.items[1].line, 14);
	snprintf(where, sizeof(where), "%s:4", conf_path(c));
	assert_string_equal(conf_where(c, 0, "Count"), where);
	conf_free(&c);
}

static void test_error_messages(void **state)
{
	static const struct {
		const char *line, *message;
	} cases[] = {
	    {"Flag maybe", "F:1: Flag: \"maybe\": expected yes or no"},
	    {"Count 11", "F:1: Count: \"11\": expected a whole number from 1 to 10"},
	    {"Count five", "F:1: Count: \"five\": expected a whole number from 1 to 10"},
	    {"Delay 5x", "F:1: Delay: \"5x\": expected a duration from 0 to 40d, such as 300, 5m, "
	                 "2h, 35d or 1w"},
	    {"Size lots", "F:1: Size: \"lots\": expected a size, such as 65536, 64k, 10M or 1G"},
	    {"Level 11", "F:1: Level: \"11\": expected a number from -10 to 10"},
	    {"Tag sometimes", "F:1: Tag: \"sometimes\": expected a score such as 5.0, or always"},
	    {"Mode bounce", "F:1: Mode: \"bounce\": expected one of accept, tempfail, reject"},
	    {"Socket inet:99999@localhost",
	     "F:1: Socket: \"inet:99999@localhost\": expected a port number from 1 to 65535 in "
	     "inet:PORT@HOST"},
	    {"Socket inet:127.0.0.1:54321",
	     "F:1: Socket: \"inet:127.0.0.1:54321\": expected inet:PORT@HOST (libmilter's order, "
	     "such as inet:54321@localhost), not HOST:PORT"},
	    {"Socket tcp:54321", "F:1: Socket: \"tcp:54321\": expected inet:PORT@HOST (such as "
	                         "inet:54321@localhost), inet6:PORT@HOST or unix:/path"},
	    {"Socket unix:relative", "F:1: Socket: \"unix:relative\": expected an absolute path in "
	                             "unix:/path"},
	    {"Hosts 10.0.0.0/33", "F:1: Hosts: \"10.0.0.0/33\": \"10.0.0.0/33\": expected an IP "
	                          "address or network such as 192.0.2.0/24 or 2001:db8::/32, or a "
	                          "file path"},
	    {"Hosts /nonexistent/hosts", "F:1: Hosts: \"/nonexistent/hosts\": /nonexistent/hosts: "
	                                 "cannot open: No such file or directory"},
	    {"Count", "F:1: Count: missing value, expected a whole number"},
	    {"Colour blue", "F:1: Colour: unknown setting (see chainmilter -d for all)"},
	    {"Flagg yes", "F:1: Flagg: unknown setting, did you mean Flag?"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct conf *c;

		snprintf(text, sizeof(text), "%s\n", cases[i].line);
		c = load(text);
		assert_string_equal(only_error(c), cases[i].message);
		conf_free(&c);
	}
}

static void test_every_problem_listed(void **state)
{
	struct conf *c = load("Flag maybe\nCount 0\nCount 3\nBogus 1\n");

	/* Count 0 is bad; the second Count is then the first valid one. */
	assert_int_equal(conf_nerrors(c), 3);
	conf_free(&c);
	c = load("Count 2\nCount 3\n");
	assert_int_equal(conf_nerrors(c), 1);
	assert_string_equal(only_error(c),
	                    "F:2: Count: set again (first at line 1), expected it once");
	conf_free(&c);
}

static void test_missing_file(void **state)
{
	struct conf *c = conf_load(mods, 1, "/nonexistent/chainmilter.conf", NULL, 0);

	assert_int_equal(conf_nerrors(c), 1);
	assert_string_equal(conf_errmsg(c, 0), "/nonexistent/chainmilter.conf: cannot open config "
	                                       "file: No such file or directory");
	conf_free(&c);
}

static void test_override(void **state)
{
	struct conf_override ov = {"Socket", "inet:2000@127.0.0.1", "-p"};
	struct conf *c = conf_load(mods, 1, cmt_tempfile("Socket inet:1000@127.0.0.1\n"), &ov, 1);
	struct tconf *t = conf_data(c, 0);

	assert_int_equal(conf_nerrors(c), 0);
	assert_string_equal(t->sock, "inet:2000@127.0.0.1");
	assert_string_equal(conf_where(c, 0, "Socket"), "-p");
	conf_free(&c);
}

static void test_long_line(void **state)
{
	size_t n = 70000;
	char *text = malloc(n + 16);
	struct conf *c;

	memset(text, 'x', n);
	memcpy(text, "Name ", 5);
	strcpy(text + n, "\nCount 3\n");
	c = load(text);
	assert_string_equal(only_error(c),
	                    "F:1: line longer than 65534 bytes, expected a shorter line");
	assert_int_equal(((struct tconf *)conf_data(c, 0))->count, 3);
	conf_free(&c);
	free(text);
}

static void test_sample_and_dump(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct conf *c;

	conf_sample(mods, 1, fp);
	fclose(fp);
	assert_non_null(strstr(out, "\n# a flag\n#Flag yes\n"));
	assert_non_null(strstr(out, "\n#Name\n"));
	/* The sample, as it stands, is a valid config. */
	c = load(out);
	assert_int_equal(conf_nerrors(c), 0);
	free(out);
	out = NULL;
	fp = open_memstream(&out, &len);
	conf_dump(c, fp);
	fclose(fp);
	assert_non_null(strstr(out, "Delay                         5m    # default\n"));
	assert_non_null(strstr(out, "Hosts                         127.0.0.1, ::1    # default\n"));
	free(out);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),       cmocka_unit_test(test_values),
	    cmocka_unit_test(test_error_messages), cmocka_unit_test(test_every_problem_listed),
	    cmocka_unit_test(test_missing_file),   cmocka_unit_test(test_override),
	    cmocka_unit_test(test_long_line),      cmocka_unit_test(test_sample_and_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

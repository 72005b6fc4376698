/*
 * cli - the subcommand table. Commands that later modules add (keygen,
 * learn, greylist) get a line here and live in their module; module_conf()
 * gives them the config's settings without starting any check.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "../dkim/keygen.h"
#include "../greylist/admin.h"
#include "../spam/spam.h"
#include "conf.h"
#include "snapshot.h"

#define MAX_OVERRIDES 32

static int cmd_sample(int argc, char **argv)
{
	size_t n;
	const struct conf_module *const *mods = snap_modules(&n);

	(void)argc;
	(void)argv;
	conf_sample(mods, n, stdout);
	return 0;
}

static int cmd_settings_doc(int argc, char **argv)
{
	size_t n;
	const struct conf_module *const *mods = snap_modules(&n);

	(void)argc;
	(void)argv;
	conf_markdown(mods, n, stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("chainmilter %s\n", CM_VERSION);
	return 0;
}

/*
 * Take -c FILE and -o NAME=VALUE out of argv (wherever they are, after the
 * command word), load the config's settings and report its problems.
 * Returns the config, or NULL after printing why; *argc shrinks to what is
 * left, argv[0] still the command word.
 */
static struct conf *module_conf(const char *cmd, int *argc, char **argv)
{
	const char *config = CM_CONFIG_PATH;
	struct conf_override ov[MAX_OVERRIDES];
	size_t n_ov = 0, n, i;
	const struct conf_module *const *mods = snap_modules(&n);
	struct conf *conf;
	int in, out = 1;

	for (in = 1; in < *argc; in++) {
		const char *a = argv[in];

		if ((strcmp(a, "-c") == 0 || strcmp(a, "-o") == 0) && in + 1 == *argc) {
			fprintf(stderr, "chainmilter %s: %s needs a value\n", cmd, a);
			return NULL;
		}
		if (strcmp(a, "-c") == 0) {
			config = argv[++in];
		} else if (strcmp(a, "-o") == 0) {
			if (n_ov == MAX_OVERRIDES ||
			    conf_override_parse(argv[++in], "-o", &ov[n_ov]) < 0) {
				fprintf(stderr, "chainmilter %s: -o %s: expected NAME=VALUE\n", cmd,
				        argv[in]);
				return NULL;
			}
			n_ov++;
		} else {
			argv[out++] = argv[in];
		}
	}
	*argc = out;
	argv[out] = NULL;
	conf = conf_load(mods, n, config, ov, n_ov);
	if (conf == NULL) {
		fprintf(stderr, "chainmilter %s: out of memory\n", cmd);
		return NULL;
	}
	if (conf_nerrors(conf) > 0) {
		for (i = 0; i < conf_nerrors(conf); i++)
			fprintf(stderr, "%s\n", conf_errmsg(conf, i));
		conf_free(&conf);
	}
	return conf;
}

/* The index of a module's settings in a loaded config. */
static size_t module_index(const char *name)
{
	size_t n, i;
	const struct conf_module *const *mods = snap_modules(&n);

	for (i = 0; i < n; i++)
		if (strcmp(mods[i]->name, name) == 0)
			return i;
	return 0;
}

static int cmd_greylist(int argc, char **argv)
{
	struct conf *conf;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: chainmilter %s\n", GREY_ADMIN_USAGE);
		return 2;
	}
	argc--;
	conf = module_conf("greylist", &argc, argv + 1);
	if (conf == NULL)
		return 2;
	r = grey_admin(conf_data(conf, 0), conf_data(conf, module_index("greylist")), argc,
	               argv + 1);
	conf_free(&conf);
	return r;
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
    {"check", offline_check,
     "check [-c FILE] [-i IP] [-H HELO] [-f SENDER] [-r RCPT]... [-a AUTHUSER]\n"
     "      [-o NAME=VALUE]... [FILE]\n"
     "      run the checks on a message (FILE or standard input) as if it arrived,\n"
     "      print the verdict, the header changes and the log line"},
    {"greylist", cmd_greylist, GREY_ADMIN_USAGE},
    {"keygen", dkimc_keygen_main,
     "keygen -d DOMAIN [-s SELECTOR] [-t rsa|ed25519] [-b BITS] [-D DIR]\n"
     "      make a DKIM key pair: SELECTOR.private (mode 0600) and SELECTOR.txt,\n"
     "      the TXT record to publish in DOMAIN's zone"},
    {"learn", spam_learn_main,
     "learn [-c FILE] [-o NAME=VALUE]... --spam|--ham [--forget] [--quiet] PATH...\n"
     "      teach the spam classifier (BayesStore) from message files, directories\n"
     "      and mbox files; --forget takes messages back out"},
    {"sample-config", cmd_sample,
     "sample-config\n      print the sample config (every setting, its default and doc)"},
    {"settings-doc", cmd_settings_doc,
     "settings-doc\n      print the settings as Markdown tables (the README's section)"},
    {"version", cmd_version, "version\n      print the version"},
};

void cli_usage(FILE *fp)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %s\n", commands[i].usage);
}

int cli_main(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(argc, argv);
	fprintf(stderr, "chainmilter: unknown command \"%s\"; commands are:\n", argv[0]);
	cli_usage(stderr);
	return 2;
}

/*
 * cli - the subcommand table. Commands that later modules add (keygen,
 * learn, greylist) get a line here and live in their module.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "../spam/spam.h"
#include "conf.h"
#include "snapshot.h"

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

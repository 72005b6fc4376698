/*
 * conf - load `Name value` config files into the config structs that the
 * setting tables describe (one table per module: the core and each check),
 * and print them back: effective values (-d), the sample config and the
 * README's settings section. Every problem is collected, not just the first.
 */
#ifndef CM_CONF_H
#define CM_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "../lib/pool.h"
#include "../lib/setting.h"

struct conf_module {
	const char *name, *title;
	const struct setting *table;
	size_t size;
};

struct conf_origin {
	const char *file; /* NULL: default */
	int line;
};

struct conf;

/* An override given on the command line (-p SOCKET), applied after the file. */
struct conf_override {
	const char *name, *value, *origin;
};

/* "-o Name=value" from a command line: split arg in place into *ov; -1 if
 * it has no '=' or no name. */
int conf_override_parse(char *arg, const char *origin, struct conf_override *ov);

/*
 * Load path (NULL: defaults only). Always returns a conf (NULL only when out
 * of memory); check conf_nerrors().
 */
struct conf *conf_load(const struct conf_module *const *mods, size_t n, const char *path,
                       const struct conf_override *ov, size_t n_ov);
void conf_free(struct conf **cp);

void *conf_data(const struct conf *c, size_t mod);
struct pool *conf_pool(const struct conf *c);
const char *conf_path(const struct conf *c);
/* "FILE:LINE" where a setting was set, or "default". */
const char *conf_where(const struct conf *c, size_t mod, const char *setting);

void conf_error(struct conf *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error about one setting, prefixed with where it was set. */
void conf_setting_error(struct conf *c, size_t mod, const char *setting, const char *fmt,
                        va_list ap);
size_t conf_nerrors(const struct conf *c);
const char *conf_errmsg(const struct conf *c, size_t i);

/* Effective values, one "Name value" per line, with where each came from. */
void conf_dump(const struct conf *c, FILE *fp);
/* The sample config and the README section, from the tables alone. */
void conf_sample(const struct conf_module *const *mods, size_t n, FILE *fp);
void conf_markdown(const struct conf_module *const *mods, size_t n, FILE *fp);

/* Shared value formatting (for dumps). */
void conf_format_value(const struct setting *s, const void *data, FILE *fp);

#endif

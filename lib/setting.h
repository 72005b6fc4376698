/*
 * setting - the declaration of a configuration setting. Every module (the
 * core and each check) declares its settings once, in a table of these,
 * pointing into its own config struct; the config loader, `chainmilter -d`,
 * the sample config and the README's settings section all read the tables.
 */
#ifndef CM_SETTING_H
#define CM_SETTING_H

#include <stdbool.h>
#include <stddef.h>

#include "ip.h"

enum set_type {
	SET_BOOL,   /* bool: yes/no, true/false, on/off, 1/0 */
	SET_INT,    /* long, within [min, max] */
	SET_TIME,   /* long seconds: 300, 5m, 2h, 35d, 1w */
	SET_SIZE,   /* size_t bytes: 65536, 64k, 10M, 1G */
	SET_DOUBLE, /* double, within [min, max] */
	SET_LEVEL,  /* double, or "always" (stored as -INFINITY) */
	SET_STRING, /* const char *, "" when unset */
	SET_ENUM,   /* int, index into words[] */
	SET_SOCKET, /* const char *, a validated milter socket */
	SET_NETS,   /* struct ip_netlist */
	SET_LIST,   /* struct set_list: each line of a repeatable setting */
};

struct set_item {
	const char *value;
	const char *file;
	int line;
};

struct set_list {
	size_t n;
	struct set_item *items;
};

struct setting {
	const char *name;
	enum set_type type;
	size_t offset;            /* of the value in the module's config struct */
	const char *def;          /* default, written as in the file; NULL = unset */
	double min, max;          /* bounds for numbers (both 0: unbounded) */
	const char *const *words; /* SET_ENUM: NULL-terminated */
	const char *doc;          /* one line for the sample config and README */
	const char *def_doc;      /* shown instead of def when computed at load */
};

#endif

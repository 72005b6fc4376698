/*
 * log - leveled messages for every module. Modules call log_*(); the daemon
 * decides where lines go (stderr, syslog) by installing a sink. Per-module
 * debug output is switched on by name ("Debug dkim,spf" or "all").
 */
#ifndef CM_LOG_H
#define CM_LOG_H

#include <stdbool.h>

enum log_level { LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG };

typedef void log_sink_fn(enum log_level level, const char *line);

void log_set_sink(log_sink_fn *sink);
/* Comma/space separated module names, "all", or "" for none. */
void log_set_debug(const char *modules);
bool log_debug_on(const char *module);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *module, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

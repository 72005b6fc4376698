/*
 * log - formats a message and hands it to the installed sink (default:
 * stderr). The debug switch is a short list of module names, replaced on
 * reload while other threads read it, hence the lock.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LOG_LINE_MAX 4096
#define DEBUG_MAX    512

static void stderr_sink(enum log_level level, const char *line)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};

	fprintf(stderr, "chainmilter: %s: %s\n", names[level], line);
}

static log_sink_fn *sink = stderr_sink;
static char debug_modules[DEBUG_MAX];
static pthread_rwlock_t debug_lock = PTHREAD_RWLOCK_INITIALIZER;

void log_set_sink(log_sink_fn *fn)
{
	sink = fn != NULL ? fn : stderr_sink;
}

void log_set_debug(const char *modules)
{
	pthread_rwlock_wrlock(&debug_lock);
	snprintf(debug_modules, sizeof(debug_modules), "%s", modules != NULL ? modules : "");
	pthread_rwlock_unlock(&debug_lock);
}

bool log_debug_on(const char *module)
{
	const char *p = debug_modules;
	size_t len = strlen(module);
	bool on = false;

	pthread_rwlock_rdlock(&debug_lock);
	while (*p != '\0' && !on) {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		on = (n == 3 && strncasecmp(p, "all", 3) == 0) ||
		     (n == len && n > 0 && strncasecmp(p, module, n) == 0);
		p += n;
	}
	pthread_rwlock_unlock(&debug_lock);
	return on;
}

static void emit(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	sink(level, line);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOGL_ERROR, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOGL_WARN, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOGL_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *module, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 64];
	va_list ap;

	if (!log_debug_on(module))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", module, msg);
	sink(LOGL_DEBUG, line);
}

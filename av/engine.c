/*
 * engine - the only file that includes clamav.h. Loads signature databases
 * into a libclamav engine shared by all threads (reference counted, so a
 * reload can swap engines while scans finish on the old one), scans messages
 * from memory with MIME decoding and archive unpacking, and watches the
 * database directory. libclamav's own messages go to our log, not stderr.
 */
#include "engine.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <clamav.h>

#include "../lib/log.h"

struct avc_engine {
	atomic_int refs;
	struct cl_engine *cl;
	unsigned sigs;
};

struct avc_dbwatch {
	struct cl_stat st;
	bool ok; /* st was initialised (the directory existed) */
};

/* The last libclamav error seen on this thread while loading: libclamav's
 * return codes say "malformed database", its message says which file. */
static __thread char last_msg[256];
static __thread bool capturing;
static __thread char errbuf[768];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static cl_error_t init_status;

/* A mail starts with one of these, libclamav types it as mail by itself;
 * anything else is presented as an mbox ("From " line) so that MIME parts,
 * base64 and uuencoded attachments are decoded rather than read as text. */
static const char mbox_line[] = "From chainmilter\r\n";

/* What a scan passes libclamav as its context: errors libclamav reports
 * while it still returns "clean" (it does when it cannot create its temp
 * directory, so a full tmpfs would let every virus through). */
struct scan_ctx {
	char error[256];
};

/* The scan running on this thread: libclamav reports some errors (the temp
 * directory) before it has the context a scan passes it. */
static __thread struct scan_ctx *current_scan;

static void msg_cb(enum cl_msg severity, const char *fullmsg, const char *msg, void *context)
{
	struct scan_ctx *sc = context != NULL ? context : current_scan;
	size_t n;

	(void)fullmsg;
	if (sc != NULL && severity == CL_MSG_ERROR && sc->error[0] == '\0') {
		snprintf(sc->error, sizeof(sc->error), "%s", msg);
		n = strlen(sc->error);
		while (n > 0 && (sc->error[n - 1] == '\n' || sc->error[n - 1] == '\r'))
			sc->error[--n] = '\0';
	}
	if (capturing && severity == CL_MSG_ERROR) {
		snprintf(last_msg, sizeof(last_msg), "%s", msg);
		n = strlen(last_msg);
		while (n > 0 && (last_msg[n - 1] == '\n' || last_msg[n - 1] == '\r'))
			last_msg[--n] = '\0';
	}
	/* Scan-time messages come from untrusted input: debug only, no flood. */
	n = strcspn(msg, "\r\n");
	log_debug("av", "libclamav: %.*s", (int)n, msg);
}

static void global_init(void)
{
	cl_set_clcb_msg(msg_cb);
	init_status = cl_init(CL_INIT_DEFAULT);
}

static const char *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return errbuf;
}

const char *avc_engine_libversion(void)
{
	return cl_retver();
}

static int set_limits(struct cl_engine *cl, const struct avc_limits *lim, const char **error_r)
{
	cl_error_t r = CL_SUCCESS;

	if (r == CL_SUCCESS)
		r = cl_engine_set_num(cl, CL_ENGINE_MAX_SCANSIZE, (long long)lim->max_scan_size);
	if (r == CL_SUCCESS)
		r = cl_engine_set_num(cl, CL_ENGINE_MAX_FILESIZE, (long long)lim->max_file_size);
	if (r == CL_SUCCESS)
		r = cl_engine_set_num(cl, CL_ENGINE_MAX_RECURSION, lim->max_recursion);
	if (r == CL_SUCCESS)
		r = cl_engine_set_num(cl, CL_ENGINE_MAX_FILES, lim->max_files);
	if (r == CL_SUCCESS)
		r = cl_engine_set_num(cl, CL_ENGINE_MAX_SCANTIME, lim->max_scan_ms);
	if (r == CL_SUCCESS && lim->tmpdir != NULL)
		r = cl_engine_set_str(cl, CL_ENGINE_TMPDIR, lim->tmpdir);
	if (r != CL_SUCCESS) {
		*error_r = fail("cannot set the scan limits: %s", cl_strerror(r));
		return -1;
	}
	return 0;
}

int avc_engine_load(const char *dir, const struct avc_limits *lim, struct avc_engine **engine_r,
                    const char **error_r)
{
	struct avc_engine *e;
	cl_error_t r;

	*engine_r = NULL;
	pthread_once(&init_once, global_init);
	if (init_status != CL_SUCCESS) {
		*error_r = fail("libclamav failed to initialise: %s", cl_strerror(init_status));
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->cl = cl_engine_new()) == NULL) {
		free(e);
		*error_r = fail("out of memory creating a scan engine");
		return -1;
	}
	atomic_init(&e->refs, 1);
	if (set_limits(e->cl, lim, error_r) < 0)
		goto failed;
	last_msg[0] = '\0';
	capturing = true;
	r = cl_load(dir, e->cl, &e->sigs, CL_DB_STDOPT);
	capturing = false;
	if ((r == CL_SUCCESS && e->sigs == 0) ||
	    (r == CL_EOPEN && strstr(last_msg, "No supported database files") != NULL)) {
		*error_r = fail("%s holds no virus signatures", dir);
		goto failed;
	}
	if (r != CL_SUCCESS) {
		*error_r = fail("%s: cannot load the virus signatures: %s", dir,
		                last_msg[0] != '\0' ? last_msg : cl_strerror(r));
		goto failed;
	}
	r = cl_engine_compile(e->cl);
	if (r != CL_SUCCESS) {
		*error_r = fail("%s: cannot compile the virus signatures: %s", dir, cl_strerror(r));
		goto failed;
	}
	*engine_r = e;
	return 0;
failed:
	cl_engine_free(e->cl);
	free(e);
	return -1;
}

void avc_engine_ref(struct avc_engine *e)
{
	atomic_fetch_add(&e->refs, 1);
}

void avc_engine_unref(struct avc_engine **ep)
{
	struct avc_engine *e = *ep;

	*ep = NULL;
	if (e != NULL && atomic_fetch_sub(&e->refs, 1) == 1) {
		cl_engine_free(e->cl);
		free(e);
	}
}

unsigned avc_engine_signatures(const struct avc_engine *e)
{
	return e->sigs;
}

static bool starts_as_mail(const unsigned char *msg, size_t len)
{
	return (len >= 10 && strncasecmp((const char *)msg, "Received: ", 10) == 0) ||
	       (len >= 5 && memcmp(msg, "From ", 5) == 0);
}

enum avc_result avc_engine_scan(struct avc_engine *e, const unsigned char *msg, size_t len,
                                const char **virus_r, const char **error_r)
{
	struct cl_scan_options opts = {
	    .general = CL_SCAN_GENERAL_HEURISTICS, /* clamd's HeuristicAlerts yes */
	    .parse = ~0u,                          /* every format: mail, archives, ... */
	};
	struct scan_ctx sc = {{0}};
	unsigned char *copy = NULL;
	unsigned long scanned = 0;
	const char *virus = NULL;
	cl_fmap_t *map;
	cl_error_t r;

	*virus_r = NULL;
	if (!starts_as_mail(msg, len)) {
		copy = malloc(sizeof(mbox_line) - 1 + len);
		if (copy == NULL) {
			*error_r = fail("out of memory copying a message of %zu bytes", len);
			return AVC_ERROR;
		}
		memcpy(copy, mbox_line, sizeof(mbox_line) - 1);
		if (len > 0)
			memcpy(copy + sizeof(mbox_line) - 1, msg, len);
		msg = copy;
		len += sizeof(mbox_line) - 1;
	}
	map = cl_fmap_open_memory(msg, len);
	if (map == NULL) {
		free(copy);
		*error_r = fail("out of memory mapping the message for libclamav");
		return AVC_ERROR;
	}
	current_scan = &sc;
	r = cl_scanmap_callback(map, NULL, &virus, &scanned, e->cl, &opts, &sc);
	current_scan = NULL;
	cl_fmap_close(map);
	free(copy);
	if (r == CL_VIRUS) {
		*virus_r = virus != NULL ? virus : "unnamed";
		return AVC_VIRUS;
	}
	if (r == CL_CLEAN && sc.error[0] != '\0') {
		*error_r =
		    fail("libclamav: %s (is ClamAVTemporaryDirectory full or gone?)", sc.error);
		return AVC_ERROR;
	}
	if (r == CL_CLEAN)
		return AVC_CLEAN;
	*error_r = fail("libclamav: %s%s", cl_strerror(r),
	                r == CL_ETIMEOUT ? " (MaxScanTime reached)"
	                : r == CL_ETMPDIR || r == CL_ETMPFILE || r == CL_EWRITE || r == CL_ECREAT
	                    ? " (is ClamAVTemporaryDirectory full or not writable?)"
	                    : "");
	return AVC_ERROR;
}

struct avc_dbwatch *avc_dbwatch_new(const char *dir, const char **error_r)
{
	struct avc_dbwatch *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		*error_r = fail("out of memory watching %s", dir);
		return NULL;
	}
	pthread_once(&init_once, global_init); /* libclamav's messages to our log */
	capturing = true;
	/* On failure cl_statinidir frees what it allocated itself. */
	w->ok = cl_statinidir(dir, &w->st) == CL_SUCCESS;
	capturing = false;
	return w;
}

bool avc_dbwatch_changed(struct avc_dbwatch *w)
{
	return !w->ok || cl_statchkdir(&w->st) != 0;
}

void avc_dbwatch_free(struct avc_dbwatch **wp)
{
	struct avc_dbwatch *w = *wp;

	if (w == NULL)
		return;
	if (w->ok)
		cl_statfree(&w->st);
	free(w);
	*wp = NULL;
}

/*
 * av - the antivirus check: libclamav in process, one engine per config
 * snapshot shared by all threads. At end of message the whole spooled
 * message is scanned (libclamav decodes MIME and unpacks archives itself);
 * a virus gets the VirusDestiny, a scan error the OnScanFailure policy.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../lib/check.h"
#include "../lib/coreconf.h"
#include "../lib/log.h"
#include "../lib/msg.h"
#include "engine.h"
#include "holder.h"
#include "policy.h"

#define TMPFS_MAGIC_NUMBER 0x01021994 /* linux/magic.h TMPFS_MAGIC */

struct avc_conf {
	bool enabled;
	const char *dbdir;
	const char *tmpdir;
	long check_interval;
	int destiny;
	bool headers;
	bool outbound;
	size_t max_scan_size;
	size_t max_file_size;
	long max_recursion;
	long max_files;
	long max_scan_time;
	int on_failure;
};

struct avc_state {
	const struct avc_conf *conf;
	struct avc_holder *holder;
	const char *scanned_by; /* X-Virus-Scanned value */
};

#define CONF(field) offsetof(struct avc_conf, field)

static const struct setting avc_settings[] = {
    {.name = "ClamAV",
     .type = SET_BOOL,
     .offset = CONF(enabled),
     .def = "yes",
     .doc = "Scan mail for viruses with libclamav, in process (needs signatures: "
            "freshclam, package clamav-freshclam)."},
    {.name = "ClamAVDatabaseDirectory",
     .type = SET_STRING,
     .offset = CONF(dbdir),
     .def = "/var/lib/clamav",
     .doc = "Directory of the virus signature databases (.cvd, .cld, .ndb, .hdb, ...), "
            "where freshclam writes them (clamd's DatabaseDirectory)."},
    {.name = "ClamAVTemporaryDirectory",
     .type = SET_STRING,
     .offset = CONF(tmpdir),
     .def = "/dev/shm",
     .doc = "Where libclamav unpacks message parts while scanning; on tmpfs a scan is "
            "~40 times faster than on disk."},
    {.name = "ClamAVCheckInterval",
     .type = SET_TIME,
     .offset = CONF(check_interval),
     .def = "10m",
     .min = 0,
     .max = 86400,
     .doc = "While mail flows, check the database directory this often and reload when it "
            "changed (clamd's SelfCheck); 0: only SIGHUP reloads."},
    {.name = "VirusDestiny",
     .type = SET_ENUM,
     .offset = CONF(destiny),
     .def = "reject",
     .words = avc_destiny_words,
     .doc = "An infected message: reject (550 5.7.1 Virus found), discard, quarantine (the "
            "MTA's hold queue) or tag (deliver with X-Virus-Status: Infected)."},
    {.name = "VirusHeaders",
     .type = SET_BOOL,
     .offset = CONF(headers),
     .def = "yes",
     .doc = "Add X-Virus-Scanned and X-Virus-Status to scanned mail (removing such headers "
            "that arrive with it)."},
    {.name = "ScanOutbound",
     .type = SET_BOOL,
     .offset = CONF(outbound),
     .def = "yes",
     .doc = "Scan outbound mail (internal or authenticated clients) too, to spot infected "
            "local machines."},
    {.name = "MaxScanSize",
     .type = SET_SIZE,
     .offset = CONF(max_scan_size),
     .def = "100M",
     .min = 1024,
     .max = 4294967295.0,
     .doc = "Bytes libclamav reads per message, unpacked parts included; a larger message "
            "is passed unscanned (AV_SKIPPED_SIZE)."},
    {.name = "MaxFileSize",
     .type = SET_SIZE,
     .offset = CONF(max_file_size),
     .def = "25M",
     .min = 1024,
     .max = 4294967295.0,
     .doc = "Largest message, attachment or archive member scanned; a larger message is "
            "passed unscanned (AV_SKIPPED_SIZE)."},
    {.name = "MaxRecursion",
     .type = SET_INT,
     .offset = CONF(max_recursion),
     .def = "17",
     .min = 1,
     .max = 1000,
     .doc = "How deep nested archives and MIME parts are unpacked."},
    {.name = "MaxFiles",
     .type = SET_INT,
     .offset = CONF(max_files),
     .def = "10000",
     .min = 1,
     .max = 1000000,
     .doc = "How many files inside one message are scanned."},
    {.name = "MaxScanTime",
     .type = SET_TIME,
     .offset = CONF(max_scan_time),
     .def = "2m",
     .min = 1,
     .max = 3600,
     .doc = "A scan running longer is stopped and counts as a scan failure (keep it below "
            "the MTA's milter content timeout)."},
    {.name = "OnScanFailure",
     .type = SET_ENUM,
     .offset = CONF(on_failure),
     .def = "tempfail",
     .words = cm_policy_words,
     .doc = "If a scan fails: tempfail the message (451 4.3.0), accept it unscanned, or "
            "reject it."},
    {.name = NULL},
};

/* Refuse a temporary directory we cannot use; warn about one on disk. */
static int check_tmpdir(struct cm_initctx *ic, const char *dir)
{
	struct statfs sf;
	struct stat st;

	if (stat(dir, &st) < 0) {
		cm_init_error(ic, "ClamAVTemporaryDirectory",
		              "%s: %s, expected an existing directory", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cm_init_error(ic, "ClamAVTemporaryDirectory",
		              "%s: not a directory, expected an existing directory", dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		cm_init_error(ic, "ClamAVTemporaryDirectory",
		              "%s: not writable (%s), expected a directory the daemon can write to",
		              dir, strerror(errno));
		return -1;
	}
	if (statfs(dir, &sf) == 0 && (unsigned long)sf.f_type != TMPFS_MAGIC_NUMBER)
		log_warn("av: ClamAVTemporaryDirectory %s is not on tmpfs: every scan writes its "
		         "parts there, ~40 times slower than /dev/shm",
		         dir);
	return 0;
}

static int avc_init(struct cm_initctx *ic, const void *conf, void **state_r)
{
	const struct avc_conf *c = conf;
	struct pool *pool = cm_init_pool(ic);
	struct avc_state *st;
	struct avc_limits lim = {
	    .max_scan_size = c->max_scan_size,
	    .max_file_size = c->max_file_size,
	    .max_recursion = (uint32_t)c->max_recursion,
	    .max_files = (uint32_t)c->max_files,
	    .max_scan_ms = (uint32_t)(c->max_scan_time * 1000),
	    .tmpdir = c->tmpdir,
	};
	const char *error = NULL;

	*state_r = NULL;
	if (!c->enabled)
		return 0;
	if (check_tmpdir(ic, c->tmpdir) < 0)
		return -1;
	st = pool_alloc(pool, sizeof(*st));
	if (st == NULL)
		return -1;
	st->conf = c;
	st->scanned_by =
	    pool_printf(pool, "chainmilter %s on %s", CM_VERSION, cm_init_core(ic)->hostname);
	st->holder = avc_holder_new(c->dbdir, &lim, c->check_interval, &error);
	if (st->holder == NULL) {
		if (strstr(error, "no virus signatures") != NULL)
			cm_init_error(ic, "ClamAVDatabaseDirectory",
			              "%s: libclamav would call every message clean; run freshclam "
			              "(package clamav-freshclam) to download signatures, or set "
			              "ClamAV no",
			              error);
		else
			cm_init_error(ic, "ClamAVDatabaseDirectory", "%s", error);
		return -1;
	}
	log_info("av: %u virus signatures loaded from %s (libclamav %s)",
	         avc_holder_signatures(st->holder), c->dbdir, avc_engine_libversion());
	*state_r = st;
	return 0;
}

static void avc_free(void *state)
{
	struct avc_state *st = state;

	avc_holder_release(&st->holder);
}

/*
 * Our X-Virus-Status, and X-Virus-Scanned when VirusHeaders is on. Such
 * headers that arrived with the message would be trusted downstream, so
 * they go first.
 */
static int replace_headers(struct cm_msg *m, const struct avc_state *st, const char *virus)
{
	bool scanned_line = st->conf->headers;
	size_t i;

	for (i = m->n_headers; i-- > 0;) {
		const struct cm_header *h = &m->headers[i];

		if ((strcasecmp(h->name, "X-Virus-Status") == 0 ||
		     (scanned_line && strcasecmp(h->name, "X-Virus-Scanned") == 0)) &&
		    cm_header_delete(m, h->name, h->index) < 0)
			return -1;
	}
	if (scanned_line && cm_header_add(m, CM_HDR_PREPEND, "X-Virus-Scanned", st->scanned_by) < 0)
		return -1;
	return cm_header_add(m, CM_HDR_PREPEND, "X-Virus-Status", avc_status_value(m->pool, virus));
}

static int infected(struct cm_msg *m, const struct avc_state *st, const char *virus)
{
	enum cm_action a = avc_destiny_action(st->conf->destiny);
	int r = 0;

	if (cm_sym(m, "VIRUS_FOUND", virus) < 0 || cm_logfield(m, "av", "infected") < 0)
		return -1;
	if (a == CM_ACT_NONE)
		r = cm_passed(m, "INFECTED", virus);
	else
		r = cm_verdict(m, a, "550", "5.7.1", "INFECTED", virus, "Virus found: %s", virus);
	/* Delivered or held: whoever reads it later sees why. */
	if (r == 0 && (a == CM_ACT_NONE || a == CM_ACT_QUARANTINE))
		r = replace_headers(m, st, virus);
	return r;
}

static int avc_eom(struct cm_msg *m, void *state, const char **error_r)
{
	const struct avc_state *st = state;
	const struct avc_conf *c = st->conf;
	struct avc_engine *e;
	const unsigned char *msg;
	const char *virus = NULL, *error = NULL;
	enum avc_result r;
	size_t len;

	if (m->outbound && !c->outbound)
		return 0;
	msg = cm_message(m, &len);
	if (msg == NULL) {
		*error_r = "the message could not be read back from the spool";
		return -1;
	}
	if (avc_too_big(len + AVC_SCAN_OVERHEAD, c->max_file_size, c->max_scan_size)) {
		if (cm_sym(m, "AV_SKIPPED_SIZE", NULL) < 0 || cm_logfield(m, "av", "skipped") < 0)
			return -1;
		return 0;
	}
	e = avc_holder_engine(st->holder);
	r = avc_engine_scan(e, msg, len, &virus, &error);
	if (r == AVC_VIRUS)
		virus = pool_strdup(m->pool, virus); /* the name lives in the engine */
	avc_engine_unref(&e);
	if (r == AVC_ERROR) {
		cm_sym(m, "AV_FAIL", error);
		*error_r = pool_strdup(m->pool, error);
		if (*error_r == NULL)
			*error_r = "scan failed";
		return -1;
	}
	if (r == AVC_VIRUS)
		return virus != NULL ? infected(m, st, virus) : -1;
	if (cm_logfield(m, "av", "clean") < 0)
		return -1;
	return c->headers ? replace_headers(m, st, NULL) : 0;
}

const struct cm_check av_check = {
    .name = "av",
    .title = "Antivirus (libclamav)",
    .settings = avc_settings,
    .conf_size = sizeof(struct avc_conf),
    .policy_setting = "OnScanFailure",
    .flags = CM_CHECK_NEEDS_MESSAGE,
    .init = avc_init,
    .free = avc_free,
    .hooks = {[CM_EOM] = avc_eom},
};

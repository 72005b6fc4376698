/*
 * engine - libclamav behind our conventions: a reference-counted scan engine
 * loaded from a signature directory, a scan of one message held in memory,
 * and a watch on the directory for changes. av/engine.c is the only file that
 * includes clamav.h; errors come back as text naming the directory or value.
 */
#ifndef AVC_ENGINE_H
#define AVC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct avc_engine;
struct avc_dbwatch;

struct avc_limits {
	uint64_t max_scan_size; /* bytes read in total, archives unpacked included */
	uint64_t max_file_size; /* bytes of one file (the message, a part, a member) */
	uint32_t max_recursion; /* archive and MIME nesting depth */
	uint32_t max_files;     /* files inside one message */
	uint32_t max_scan_ms;   /* time for one scan */
	const char *tmpdir;     /* where libclamav unpacks parts (tmpfs is fast) */
};

enum avc_result { AVC_CLEAN, AVC_VIRUS, AVC_ERROR };

/* Bytes a scan may put in front of a message (see avc_engine_scan). */
#define AVC_SCAN_OVERHEAD 32

/* The libclamav version ("1.4.6"). */
const char *avc_engine_libversion(void);

/*
 * Load every signature database in dir and compile an engine with those
 * limits. A directory without signatures is an error: libclamav would call
 * everything clean. The returned engine holds one reference. On error,
 * *error_r is valid until the next call on this thread.
 */
int avc_engine_load(const char *dir, const struct avc_limits *lim, struct avc_engine **engine_r,
                    const char **error_r);
void avc_engine_ref(struct avc_engine *e);
/* Drop a reference; the last one frees the engine. Sets *ep to NULL. */
void avc_engine_unref(struct avc_engine **ep);
unsigned avc_engine_signatures(const struct avc_engine *e);

/*
 * Scan a whole message (headers CRLF, empty line, body), decoding MIME and
 * unpacking archives. AVC_VIRUS sets *virus_r, valid while the caller holds
 * its reference on e; AVC_ERROR sets *error_r as avc_engine_load does.
 */
enum avc_result avc_engine_scan(struct avc_engine *e, const unsigned char *msg, size_t len,
                                const char **virus_r, const char **error_r);

/* Remember the database files in dir; avc_dbwatch_changed() says whether
 * any was added, removed or modified since (or the directory vanished). */
struct avc_dbwatch *avc_dbwatch_new(const char *dir, const char **error_r);
bool avc_dbwatch_changed(struct avc_dbwatch *w);
void avc_dbwatch_free(struct avc_dbwatch **wp);

#endif

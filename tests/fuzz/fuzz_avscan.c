/*
 * fuzz_avscan - any bytes as a message through the antivirus scan: our
 * wrapper (mbox framing, error capture) and libclamav's mail, MIME and
 * archive parsers behind it must return clean, virus or an error, never
 * crash or hang. The engine holds a test signature written at start-up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../av/engine.h"

static struct avc_engine *engine;

static void done(void)
{
	avc_engine_unref(&engine);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char dir[] = "/tmp/fuzz-avscan.XXXXXX";
	struct avc_limits lim = {
	    .max_scan_size = 10 << 20,
	    .max_file_size = 5 << 20,
	    .max_recursion = 8,
	    .max_files = 100,
	    .max_scan_ms = 5000,
	    .tmpdir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
	};
	const char *error;
	char path[64];
	FILE *fp;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/test.ndb", dir);
	fp = fopen(path, "w");
	if (fp == NULL)
		abort();
	fputs("Fuzz-Test-Signature:0:*:46555a5a2d544553542d5349474e4154555245\n", fp);
	fclose(fp);
	if (avc_engine_load(dir, &lim, &engine, &error) < 0) {
		fprintf(stderr, "fuzz_avscan: %s\n", error);
		abort();
	}
	unlink(path);
	rmdir(dir);
	atexit(done);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *virus, *error;

	avc_engine_scan(engine, data, size, &virus, &error);
	return 0;
}

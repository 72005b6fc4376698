/* fuzz_conf - the config loader on arbitrary files, with every real settings table. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../milter/conf.h"
#include "../../milter/snapshot.h"

static void quiet(enum log_level level, const char *line)
{
	(void)level;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	size_t n;
	const struct conf_module *const *mods = snap_modules(&n);
	struct conf *c;

	log_set_sink(quiet);
	if (fd < 0)
		fd = memfd_create("conf", 0);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = conf_load(mods, n, path, NULL, 0);
	if (c != NULL) {
		FILE *null = fopen("/dev/null", "w");

		conf_dump(c, null);
		fclose(null);
	}
	conf_free(&c);
	return 0;
}

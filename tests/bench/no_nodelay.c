/*
 * no_nodelay.so - LD_PRELOAD shim for `make bench`: makes setsockopt(...,
 * TCP_NODELAY, ...) a no-op, so chainmilter behaves like a milter that does
 * not turn Nagle off, and the bench can show the stall that costs.
 */
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);

	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		return 0;
	if (real == NULL)
		real =
		    (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
	return real(fd, level, name, val, len);
}

/* sock - parse and connect to milter socket specifications. */
#include "sock.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char expected[] =
    "expected inet:PORT@HOST (such as inet:54321@localhost), inet6:PORT@HOST or unix:/path";

static int parse_port(const char *s, size_t n)
{
	long port = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

static int parse_inet(const char *rest, struct sock_spec *spec, const char **error_r)
{
	const char *at = strchr(rest, '@');
	size_t plen = at != NULL ? (size_t)(at - rest) : strlen(rest);

	spec->port = parse_port(rest, plen);
	if (spec->port < 0) {
		*error_r = strchr(rest, ':') != NULL
		               ? "expected inet:PORT@HOST (libmilter's order, such as "
		                 "inet:54321@localhost), not HOST:PORT"
		               : "expected a port number from 1 to 65535 in inet:PORT@HOST";
		return -1;
	}
	if (at != NULL) {
		if (at[1] == '\0' || strlen(at + 1) >= sizeof(spec->host)) {
			*error_r = "expected a host name or address after '@' in inet:PORT@HOST";
			return -1;
		}
		snprintf(spec->host, sizeof(spec->host), "%s", at + 1);
	}
	return 0;
}

int sock_parse(const char *s, struct sock_spec *spec, const char **error_r)
{
	memset(spec, 0, sizeof(*spec));
	*error_r = expected;
	if (strncasecmp(s, "inet:", 5) == 0) {
		spec->kind = SOCK_INET;
		return parse_inet(s + 5, spec, error_r);
	}
	if (strncasecmp(s, "inet6:", 6) == 0) {
		spec->kind = SOCK_INET6;
		return parse_inet(s + 6, spec, error_r);
	}
	if (strncasecmp(s, "unix:", 5) == 0 || strncasecmp(s, "local:", 6) == 0 || s[0] == '/') {
		const char *path = s[0] == '/' ? s : strchr(s, ':') + 1;

		spec->kind = SOCK_UNIX;
		if (path[0] != '/') {
			*error_r = "expected an absolute path in unix:/path";
			return -1;
		}
		if (strlen(path) >= sizeof(spec->path)) {
			*error_r = "expected a unix socket path shorter than 108 bytes";
			return -1;
		}
		snprintf(spec->path, sizeof(spec->path), "%s", path);
		return 0;
	}
	return -1;
}

int sock_connect(const struct sock_spec *spec)
{
	int fd;

	if (spec->kind == SOCK_UNIX) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", spec->path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	}

	struct addrinfo hints, *res, *ai;
	char port[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec->kind == SOCK_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", spec->port);
	if (getaddrinfo(spec->host[0] != '\0' ? spec->host : NULL, port, &hints, &res) != 0)
		return -1;
	fd = -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

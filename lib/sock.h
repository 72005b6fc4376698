/*
 * sock - milter socket specifications as libmilter and the MTA write them:
 * "inet:PORT@HOST", "inet:PORT" (all addresses), "inet6:PORT@HOST",
 * "unix:/path" (also "local:/path"). Parsing validates the port, which
 * libmilter does not (inet:99999 silently binds some other port).
 */
#ifndef CM_SOCK_H
#define CM_SOCK_H

enum sock_kind { SOCK_INET, SOCK_INET6, SOCK_UNIX };

struct sock_spec {
	enum sock_kind kind;
	int port;
	char host[256]; /* "" = any address */
	char path[108];
};

/* On error *error_r is a static description of what was expected. */
int sock_parse(const char *s, struct sock_spec *spec, const char **error_r);
/* Connect as a client (used by tools and tests); returns an fd or -1. */
int sock_connect(const struct sock_spec *spec);

#endif

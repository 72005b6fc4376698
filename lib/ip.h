/*
 * ip - IPv4/IPv6 addresses and networks: parse, format, match. IPv4-mapped
 * IPv6 addresses (::ffff:192.0.2.1) are treated as the IPv4 address.
 */
#ifndef CM_IP_H
#define CM_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define IP_STRLEN 48

struct ip_addr {
	int family; /* AF_INET, AF_INET6, or 0 when unknown */
	unsigned char a[16];
};

struct ip_net {
	struct ip_addr addr; /* host bits cleared */
	int bits;
};

struct ip_netlist {
	size_t n;
	struct ip_net *nets;
};

int ip_parse(const char *s, struct ip_addr *ip);
int ip_from_sockaddr(const struct sockaddr *sa, struct ip_addr *ip);
/* Writes the canonical text form into buf (at least IP_STRLEN bytes). */
const char *ip_format(const struct ip_addr *ip, char *buf);
bool ip_equal(const struct ip_addr *a, const struct ip_addr *b);
/* The address with all but the first bits cleared. */
void ip_mask(const struct ip_addr *ip, int bits, struct ip_addr *out);

/* "192.0.2.0/24", "2001:db8::/32", "[::1]", "192.0.2.1". */
int ip_net_parse(const char *s, struct ip_net *net);
bool ip_net_match(const struct ip_net *net, const struct ip_addr *ip);

/*
 * A list of networks separated by commas or white space; an element that
 * starts with '/' names a file holding more, one or more per line, with '#'
 * comments. On error, *error_r says which element and why (malloc'ed).
 */
int ip_netlist_parse(const char *s, struct ip_netlist *list, char **error_r);
bool ip_netlist_match(const struct ip_netlist *list, const struct ip_addr *ip);
void ip_netlist_free(struct ip_netlist *list);

#endif

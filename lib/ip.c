/* ip - address and network parsing and matching on top of inet_pton. */
#include "ip.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void set_v6(struct ip_addr *ip, const unsigned char *a)
{
	memset(ip, 0, sizeof(*ip));
	if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
		ip->family = AF_INET;
		memcpy(ip->a, a + 12, 4);
	} else {
		ip->family = AF_INET6;
		memcpy(ip->a, a, 16);
	}
}

int ip_parse(const char *s, struct ip_addr *ip)
{
	unsigned char a[16];
	char tmp[IP_STRLEN];
	size_t len = strlen(s);

	/* "[::1]" and "IPv6:2001:db8::1" as they appear in SMTP. */
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		if (len - 2 >= sizeof(tmp))
			return -1;
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		s = tmp;
	}
	if (strncasecmp(s, "IPv6:", 5) == 0)
		s += 5;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, a) == 1) {
		ip->family = AF_INET;
		memcpy(ip->a, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		set_v6(ip, a);
		return 0;
	}
	return -1;
}

int ip_from_sockaddr(const struct sockaddr *sa, struct ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ip->family = AF_INET;
		memcpy(ip->a, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		set_v6(ip, sin6->sin6_addr.s6_addr);
		return 0;
	}
	return -1;
}

const char *ip_format(const struct ip_addr *ip, char *buf)
{
	if (ip->family == 0 || inet_ntop(ip->family, ip->a, buf, IP_STRLEN) == NULL)
		snprintf(buf, IP_STRLEN, "unknown");
	return buf;
}

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->a, b->a, n) == 0;
}

void ip_mask(const struct ip_addr *ip, int bits, struct ip_addr *out)
{
	int max = ip->family == AF_INET ? 32 : 128;
	int i;

	*out = *ip;
	if (bits < 0)
		bits = 0;
	for (i = bits; i < max; i++)
		out->a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

int ip_net_parse(const char *s, struct ip_net *net)
{
	char host[IP_STRLEN + 2];
	const char *slash = strrchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int max;

	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (ip_parse(host, &net->addr) < 0)
		return -1;
	max = net->addr.family == AF_INET ? 32 : 128;
	/* A v4-mapped network such as ::ffff:192.0.2.0/120 counts v4 bits. */
	if (net->addr.family == AF_INET && strchr(host, ':') != NULL && slash != NULL)
		max = 128;
	net->bits = max;
	if (slash != NULL) {
		char *end;
		long bits;

		if (!isdigit((unsigned char)slash[1]))
			return -1;
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || bits < 0 || bits > max)
			return -1;
		if (max == 128 && net->addr.family == AF_INET)
			bits = bits >= 96 ? bits - 96 : 0;
		net->bits = (int)bits;
	}
	ip_mask(&net->addr, net->bits, &net->addr);
	return 0;
}

bool ip_net_match(const struct ip_net *net, const struct ip_addr *ip)
{
	struct ip_addr masked;

	if (ip->family != net->addr.family)
		return false;
	ip_mask(ip, net->bits, &masked);
	return ip_equal(&masked, &net->addr);
}

static int add_net(struct ip_netlist *list, const struct ip_net *net)
{
	struct ip_net *n = realloc(list->nets, (list->n + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	list->nets = n;
	list->nets[list->n++] = *net;
	return 0;
}

static int parse_words(const char *s, struct ip_netlist *list, const char *file, int line,
                       char **error_r);

static int parse_file(const char *path, struct ip_netlist *list, char **error_r)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	int lineno = 0;

	if (fp == NULL) {
		if (asprintf(error_r, "%s: cannot open: %s", path, strerror(errno)) < 0)
			*error_r = NULL;
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *hash = strchr(line, '#');

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		if (parse_words(line, list, path, lineno, error_r) < 0) {
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

static int parse_words(const char *s, struct ip_netlist *list, const char *file, int line,
                       char **error_r)
{
	static const char seps[] = ", \t\r\n";

	while (*s != '\0') {
		char word[256];
		size_t n;
		struct ip_net net;

		s += strspn(s, seps);
		n = strcspn(s, seps);
		if (n == 0)
			break;
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, s, n);
		word[n] = '\0';
		s += strcspn(s, seps);
		if (word[0] == '/' && file == NULL) {
			if (parse_file(word, list, error_r) < 0)
				return -1;
			continue;
		}
		if (ip_net_parse(word, &net) < 0) {
			int r = file != NULL
			            ? asprintf(error_r,
			                       "%s:%d: \"%s\": expected an IP address or network "
			                       "such as 192.0.2.0/24 or 2001:db8::/32",
			                       file, line, word)
			            : asprintf(error_r,
			                       "\"%s\": expected an IP address or network such as "
			                       "192.0.2.0/24 or 2001:db8::/32, or a file path",
			                       word);
			if (r < 0)
				*error_r = NULL;
			return -1;
		}
		if (add_net(list, &net) < 0) {
			*error_r = strdup("out of memory");
			return -1;
		}
	}
	return 0;
}

int ip_netlist_parse(const char *s, struct ip_netlist *list, char **error_r)
{
	*error_r = NULL;
	list->n = 0;
	list->nets = NULL;
	if (parse_words(s, list, NULL, 0, error_r) < 0) {
		ip_netlist_free(list);
		return -1;
	}
	return 0;
}

bool ip_netlist_match(const struct ip_netlist *list, const struct ip_addr *ip)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (ip_net_match(&list->nets[i], ip))
			return true;
	return false;
}

void ip_netlist_free(struct ip_netlist *list)
{
	free(list->nets);
	list->nets = NULL;
	list->n = 0;
}

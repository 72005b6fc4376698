/* fuzz_net - IP address/network lists and milter socket specifications. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/ip.h"
#include "../../lib/sock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ip_netlist l;
	struct ip_addr a;
	struct sock_spec sp;
	char *err = NULL;
	const char *serr;
	char buf[IP_STRLEN];

	memcpy(text, data, size);
	text[size] = '\0';
	/* No file names: the fuzzer must not open files. */
	if (strchr(text, '/') == NULL ||
	    (text[0] != '/' && strstr(text, " /") == NULL && strstr(text, ",/") == NULL)) {
		if (ip_netlist_parse(text, &l, &err) == 0) {
			if (ip_parse(text, &a) == 0)
				ip_netlist_match(&l, &a);
			ip_netlist_free(&l);
		}
		free(err);
	}
	if (ip_parse(text, &a) == 0)
		ip_format(&a, buf);
	sock_parse(text, &sp, &serr);
	free(text);
	return 0;
}

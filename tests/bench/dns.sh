#!/bin/sh
# DNS lookups per second through lib/dns.c (tool_dnsq -b) against nsd on
# loopback serving tests/zones/: warm (answers from the resolver's cache)
# and uncached (a new name each time: libunbound asks nsd). Figures only.
. "$(dirname "$0")/../lib/tb.sh"
Q=$TB_ROOT/build/tests/tool_dnsq
if ! command -v nsd >/dev/null || [ ! -x "$Q" ]; then
	echo "== DNS: nsd or build/tests/tool_dnsq missing; skipped"
	exit 0
fi
tb_dns_start >/dev/null || exit 0
for t in 1 4; do
	printf '== DNS, warm cache, %s thread(s): ' "$t"
	"$Q" -s "127.0.0.1@$DNS_PORT" -b 3 -T "$t" TXT example.org A mail.example.net \
		MX example.org TXT _dmarc.example.org
done
for t in 1 4; do
	printf '== DNS, uncached (new name each lookup, via libunbound and nsd), %s thread(s): ' "$t"
	"$Q" -s "127.0.0.1@$DNS_PORT" -b 3 -T "$t" -u TXT example.org A test.example
done

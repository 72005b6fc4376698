#!/bin/sh
# The test bed's authoritative DNS server: nsd on a loopback port serving
# tests/zones/, with the records the SPF, DKIM, DMARC and DNSBL tests use,
# and instant NXDOMAIN for everything else (no test waits on a timeout).
. "$(dirname "$0")/../lib/tb.sh"

answers() { tb_dig "$1" "$2" | grep -q "$3"; }

tb_dns_start || exit 1
check "SPF record of example.org" answers example.org TXT 'v=spf1 ip4:127.0.0.0/8'
check "DMARC record of example.net" answers _dmarc.example.net TXT 'v=DMARC1; p=reject'
check "PTR of 192.0.2.1" answers 1.2.0.192.in-addr.arpa PTR 'mail.example.net.'
check "DNSBL test entry 127.0.0.2" answers 2.0.0.127.dnsbl.test A '^127.0.0.2$'
start=$(date +%s)
status=$(dig +time=2 +tries=1 -p "$DNS_PORT" @127.0.0.1 www.nowhere.invalid A |
	sed -n 's/.*status: \([A-Z]*\).*/\1/p')
check "names outside the zones are NXDOMAIN" test "$status" = NXDOMAIN
check "and answered at once" test $(($(date +%s) - start)) -le 1
tb_done

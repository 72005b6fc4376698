#!/bin/sh
# lib/dns.c against a real DNS server (nsd serving tests/zones/) through
# tool_dnsq, built with ASan/UBSan: records of every type as checks will see
# them, NXDOMAIN and NODATA, CNAMEs, TXT split into strings, an answer too
# large for UDP, parallel queries, a reload, names refused before asking,
# and servers that never answer or refuse: a result, never a hang.
. "$(dirname "$0")/../lib/tb.sh"

Q=$TB_ROOT/build-asan/tests/tool_dnsq
[ -x "$Q" ] || Q=$TB_ROOT/build/tests/tool_dnsq
OUT=$TB_DIR/out

tb_dns_start || exit 1
NS=127.0.0.1@$DNS_PORT

# q ARGS...: tool_dnsq on the test server, bounded in time, output in $OUT.
q() { timeout 60 "$Q" -s "$NS" "$@" >"$OUT" 2>"$OUT.err"; }
has() { grep -qxF -- "$1" "$OUT"; }

# A UDP "server" on a loopback port that counts queries and answers never
# (mode silent) or with REFUSED (mode refuse); sets FAKE_PORT.
fake_dns() {
	$PY - "$1" "$2" "$TB_DIR/fake-$1-$2" >/dev/null 2>&1 <<'EOF' &
import socket, sys, time
mode, host, log = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, 0))
open(log + ".port", "w").write("%d\n" % s.getsockname()[1])
s.settimeout(0.5)
end = time.time() + 90
while time.time() < end:
    try:
        data, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    with open(log, "a") as f:
        f.write("query\n")
    if mode == "refuse" and len(data) >= 12:
        # Same id and question, QR set, RCODE 5 (REFUSED), no records.
        flags = bytes([0x80 | (data[2] & 0x79), 0x05])
        s.sendto(data[:2] + flags + data[4:6] + b"\0\0\0\0\0\0" + data[12:], peer)
EOF
	TB_PIDS="$TB_PIDS $!"
	n=0
	until [ -s "$TB_DIR/fake-$1-$2.port" ] || [ "$n" -gt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	FAKE_PORT=$(cat "$TB_DIR/fake-$1-$2.port")
}

# 1. What SPF reads: the TXT record of example.org.
q TXT example.org
check "TXT example.org: OK with its SPF record, TTL from the zone" \
	sh -c "grep -qx 'example.org TXT OK ttl=300' '$OUT' &&
	       grep -qF '\"v=spf1 ip4:127.0.0.0/8 ip4:192.0.2.0/24 -all\" [1:' '$OUT'"

# 2. A TXT split into several strings, one empty: one text, joined as is.
q TXT split.test.example
check "TXT of 4 strings (one empty) is one text, joined with nothing between" \
	has '	"v=spf1 ip4:192.0.2.0/24 -all" [4: "v=spf1 " "ip4:192.0.2.0/24" "" " -all"]'
check "the name's other TXT record comes too" has '	"second record" [1: "second record"]'

# 3. Addresses, MX, PTR, with and without the trailing dot.
q A onlya.test.example. AAAA v6.test.example MX mx2.test.example PTR 1.2.0.192.in-addr.arpa
check "A: both addresses, name shown without the trailing dot" \
	sh -c "grep -qx 'onlya.test.example A OK ttl=300' '$OUT' &&
	       grep -qx '	192.0.2.10' '$OUT' && grep -qx '	192.0.2.11' '$OUT'"
check "AAAA: the IPv6 address" has '	2001:db8::25'
check "MX: preference and exchange of both" \
	sh -c "grep -qx '	10 mx.test.example' '$OUT' && grep -qx '	20 backup.test.example' '$OUT'"
check "PTR: both names of 192.0.2.1 (TEST-NET reverse zone not answered locally)" \
	sh -c "grep -qx '	mail.example.net' '$OUT' && grep -qx '	mail.example.org' '$OUT'"

# 4. NXDOMAIN and NODATA are different answers.
q TXT nonexistent.test.example TXT onlya.test.example
check "a name that does not exist: NXDOMAIN" \
	grep -q '^nonexistent.test.example TXT NXDOMAIN ttl=' "$OUT"
check "a name with only A records asked for TXT: NODATA" \
	grep -q '^onlya.test.example TXT NODATA ttl=' "$OUT"

# 5. CNAMEs are followed.
q A alias.test.example
check "A through two CNAMEs: the target's addresses and its name" \
	sh -c "grep -qx 'alias.test.example A OK ttl=300 cname=onlya.test.example' '$OUT' &&
	       grep -qx '	192.0.2.10' '$OUT'"

# 6. Odd bytes in a TXT string arrive as they are (a tab, a quote, a NUL).
q TXT odd.test.example
check "TXT with a tab, a quote and a NUL byte kept byte for byte" \
	has '	"tab\x09quote\"nul\x00end" [1: "tab\x09quote\"nul\x00end"]'

# 7. 40 TXT records of 190 bytes: too large for UDP, so the answer comes by TCP.
check "the big TXT set does not fit a UDP answer (the server sets TC)" \
	sh -c "dig +ignore +notcp +bufsize=1232 -p $DNS_PORT @127.0.0.1 big.test.example TXT |
	       grep -q 'flags:.* tc'"
q TXT big.test.example
check "all 40 TXT records of the big set arrive (over TCP)" \
	sh -c "grep -qx 'big.test.example TXT OK ttl=300' '$OUT' &&
	       [ \$(grep -c '^	\"record [0-9][0-9] x*\" \[1:' '$OUT') = 40 ]"

# 8. A DNSBL lookup in a test. zone (libunbound would answer test. itself).
q A 2.0.0.127.dnsbl.test TXT 2.0.0.127.dnsbl.test A 3.0.0.127.dnsbl.test
check "DNSBL entry 127.0.0.2 listed, with its TXT" \
	sh -c "grep -qx '	127.0.0.2' '$OUT' && grep -qF '\"test entry\"' '$OUT'"
check "DNSBL: an unlisted address is NXDOMAIN" grep -q '^3.0.0.127.dnsbl.test A NXDOMAIN' "$OUT"

# 9. Parallel queries: started together, each answered.
q -p TXT example.org A mail.example.net MX example.org TXT _dmarc.example.net \
	AAAA v6.test.example A nonexistent.example.com
check "6 parallel queries: all answered, in order" \
	sh -c "[ \$(grep -c '^[^	]' '$OUT') = 6 ] &&
	       grep -qx '	192.0.2.1' '$OUT' && grep -qx '	10 mx.test.example' '$OUT' &&
	       grep -qF '\"v=DMARC1; p=reject\"' '$OUT' &&
	       grep -q '^nonexistent.example.com A NXDOMAIN' '$OUT'"

# 10. Names refused before any query.
long=$(printf '%064d' 0)
q TXT 'a..example.org' TXT "$long.example.org" MX ''
check "an empty label is refused: BADNAME, saying why" \
	grep -q '^a..example.org TXT BADNAME ttl=0 error=.*empty label' "$OUT"
check "a 64-byte label is refused: BADNAME" grep -q "label longer than 63 bytes" "$OUT"
check "an empty name is refused: BADNAME" grep -q '^ MX BADNAME' "$OUT"

# 11. The debug log: one line per query with its answer and time; the
# second lookup of a name comes from the cache.
q -d TXT example.org TXT example.org
check "debug line for the query: name, type, status, TTL, records, time" \
	grep -q '^dns: example.org TXT: OK ttl=300 n=1 "v=spf1 ip4:127.0.0.0/8 ip4:192.0.2.0/24 -all" [0-9]*ms$' "$OUT.err"
check "the second lookup is answered from the cache" \
	grep -q '^dns: example.org TXT: OK ttl=[0-9]* n=1 .* [0-9]*ms (cached)$' "$OUT.err"

# 12. A server that never answers: TEMPFAIL at the deadline, never a hang.
fake_dns silent 127.0.0.1
port=$FAKE_PORT
timeout 30 "$Q" -s "127.0.0.1@$port" -t 1000 TXT example.org A mail.example.net >"$OUT" 2>&1
check "a silent server: TEMPFAIL when the deadline passes" \
	sh -c "grep -q '^example.org TXT TEMPFAIL ttl=0 error=no answer within 1000 ms' '$OUT' &&
	       grep -q '^mail.example.net A TEMPFAIL' '$OUT'"
check "the silent server was asked (so the deadline, not an error, ended it)" \
	test -s "$TB_DIR/fake-silent-127.0.0.1"
timeout 30 "$Q" -p -s "127.0.0.1@$port" -t 1000 TXT a.example TXT b.example TXT c.example \
	>"$OUT" 2>&1
check "a silent server, 3 parallel queries: each TEMPFAIL" \
	sh -c "[ \$(grep -c ' TEMPFAIL ttl=0 error=no answer within' '$OUT') = 3 ]"

# 13. IPv6 nameserver addresses, and the next server when one is silent.
fake_dns silent ::1
port6=$FAKE_PORT
timeout 30 "$Q" -s "::1@$port6" -t 1000 TXT example.org >"$OUT" 2>&1
check "Nameservers ::1@PORT: the IPv6 server is asked" \
	sh -c "test -s '$TB_DIR/fake-silent-::1' && grep -q '^example.org TXT TEMPFAIL' '$OUT'"
timeout 30 "$Q" -s "[::1]@$port6, $NS" -t 4000 TXT example.org >"$OUT" 2>&1
check "a silent first server and a good second: the answer comes" \
	grep -qx 'example.org TXT OK ttl=300' "$OUT"

# 14. REFUSED (like FORMERR, NOTIMP, SERVFAIL) is a temporary failure.
fake_dns refuse 127.0.0.1
port=$FAKE_PORT
timeout 30 "$Q" -s "127.0.0.1@$port" -t 3000 TXT example.org >"$OUT" 2>&1
check "a server answering REFUSED: TEMPFAIL" grep -q '^example.org TXT TEMPFAIL' "$OUT"

# 15. A reload: the old resolver (silent server) is released while its
# queries run; the new one answers; the old one's queries end at their
# deadline and it shuts down after the last (ASan: no leak, no error).
port=$(cat "$TB_DIR/fake-silent-127.0.0.1.port")
timeout 30 "$Q" -s "127.0.0.1@$port" -t 1500 -r "$NS" TXT example.org A mail.example.net \
	>"$OUT" 2>"$OUT.err"
check "reload: the new resolver answers while the old one's queries run" \
	sh -c "grep -qx 'new: example.org TXT OK ttl=300' '$OUT' &&
	       grep -q '^new: mail.example.net A OK' '$OUT'"
check "reload: the old resolver's queries end in TEMPFAIL after its release" \
	sh -c "[ \$(grep -c '^old: .* TEMPFAIL ttl=0 error=no answer within 1500 ms' '$OUT') = 2 ]"
check "reload: the old resolver shut down cleanly (exit 0, no sanitizer report)" \
	sh -c "! grep -q 'Sanitizer' '$OUT.err'"
timeout 30 "$Q" -s "127.0.0.1@$port" -t 60000 -C TXT example.org A mail.example.net \
	>"$OUT" 2>"$OUT.err"
check "queries dropped unfinished with their pool: cancelled at once, clean exit" \
	sh -c "grep -qx 'dropped 2 running queries' '$OUT' && ! grep -q 'Sanitizer' '$OUT.err'"

# 16. The daemon: a bad Nameservers value is a config error naming it.
printf 'Nameservers 192.0.2.53, ns1.example.net\n' >"$TB_DIR/bad.conf"
"$CM_BIN" -n -c "$TB_DIR/bad.conf" >"$OUT" 2>&1
check "chainmilter -n: Nameservers error names the file, line and value" \
	grep -q "bad.conf:1: Nameservers: \"ns1.example.net\": expected an IP address" "$OUT"
printf 'ClamAV no\nGreylist no\nNameservers 192.0.2.53, 127.0.0.1@%s\nDNSTimeout 3\n' "$DNS_PORT" >"$TB_DIR/good.conf"
check "chainmilter -n accepts a list of nameservers and a DNSTimeout" \
	"$CM_BIN" -n -c "$TB_DIR/good.conf"

tb_done

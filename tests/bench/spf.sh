#!/bin/sh
# SPF and DMARC costs, against nsd on loopback serving tests/zones/, with the
# DNS cache warm: CPU per SPF evaluation through spf/eval.c (tool_spfq -B,
# the result cache not used), and milterbench through the daemon with SPF
# and DMARC on and off (the difference is their cost per message). Figures.
. "$(dirname "$0")/../lib/tb.sh"
Q=$TB_ROOT/build/tests/tool_spfq
MB=$TB_ROOT/build/milterbench
CM=$TB_ROOT/build/chainmilter
MSG=$TB_ROOT/tests/fixtures/bench-7k.eml
N=${BENCH_MESSAGES:-20000}
C=${BENCH_CONCURRENCY:-8}
if ! command -v nsd >/dev/null || [ ! -x "$Q" ] || [ ! -x "$MB" ]; then
	echo "== SPF: nsd, build/tests/tool_spfq or build/milterbench missing; skipped"
	exit 0
fi
tb_dns_start >/dev/null || exit 0
NS=127.0.0.1@$DNS_PORT
echo "== SPF evaluations, warm DNS cache, no result cache (tool_spfq -B):"
"$Q" -n "$NS" -B 200000 192.0.2.1 sender@example.org mail.example.org |
	sed 's/^/   example.org, ip4 match: /'
"$Q" -n "$NS" -B 200000 192.0.2.1 sender@example.net mail.example.net |
	sed 's/^/   example.net, -all: /'
"$Q" -n "$NS" -B 100000 198.51.100.12 a@big.example.com mail.example.com |
	sed 's/^/   big.example.com, a + mx (2 hosts) match: /'
"$Q" -n "$NS" -B 100000 192.0.2.1 a@big.example.com mail.example.com |
	sed 's/^/   big.example.com, a + mx + include, ~all: /'

for on in no yes; do
	p=$(tb_port)
	printf 'Socket inet:%s@127.0.0.1\nSyslog no\nClamAV no\nSPF %s\nDMARC %s\nNameservers %s\n' \
		"$p" "$on" "$on" "$NS" >"$TB_DIR/spfbench-$on.conf"
	"$CM" -f -c "$TB_DIR/spfbench-$on.conf" 2>"$TB_DIR/spfbench-$on.log" &
	pid=$!
	TB_PIDS="$TB_PIDS $pid"
	tb_wait_port "$p" || continue
	echo "== chainmilter, SPF and DMARC $on (pass for alice@example.org from 192.0.2.1; antivirus off)"
	"$MB" -c "$C" -n "$N" -k 1 -l "chainmilter-spf-dmarc-$on" -s "inet:$p@127.0.0.1" -i 192.0.2.1 \
		-H mail.example.org -f alice@example.org -p "$pid" "$MSG"
	kill "$pid"
done

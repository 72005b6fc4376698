#!/bin/sh
# `make bench`: milterbench against chainmilter over inet (the default
# socket kind) and, side by side on the same messages, against OpenDKIM in
# signing mode (Debian's opendkim, installed by `make deps-bench`). Also
# shows what libmilter's missing TCP_NODELAY would cost chainmilter.
# Figures, not pass/fail: run it on an idle machine.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
dir=$(mktemp -d /tmp/cmbench.XXXXXX)
chmod 755 "$dir"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 1; rm -rf "$dir"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { i=0; until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.1; done; }
MSG=$root/tests/fixtures/bench-7k.eml
N=${BENCH_MESSAGES:-20000}
C=${BENCH_CONCURRENCY:-8}
bench() { "$root/build/milterbench" -c "$C" -n "$N" "$@" "$MSG"; }

echo "== machine: $(nproc) cores, $(uname -r); message: $(wc -c <"$MSG") bytes; $C sessions at a time"

# chainmilter, default config: inbound mail gets the X-Spam headers added.
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\n' "$p" >"$dir/cm.conf"
"$root/build/chainmilter" -f -c "$dir/cm.conf" 2>"$dir/cm.log" &
pid=$!
pids="$pids $pid"
wait_port "$p"
echo "== chainmilter $(build/chainmilter version | cut -d' ' -f2): inbound, adds 4 headers (one message per connection, as Postfix sends them)"
bench -l chainmilter -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
echo "== chainmilter: 10 messages per connection"
bench -l chainmilter-k10 -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 10
kill "$pid"

# The same binary with TCP_NODELAY suppressed: the stall every libmilter
# filter has unless it sets the option.
cc -shared -fPIC -O2 -D_GNU_SOURCE -o "$dir/no_nodelay.so" tests/bench/no_nodelay.c -ldl
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\n' "$p" >"$dir/cm2.conf"
LD_PRELOAD=$dir/no_nodelay.so "$root/build/chainmilter" -f -c "$dir/cm2.conf" 2>/dev/null &
pid=$!
pids="$pids $pid"
wait_port "$p"
echo "== chainmilter with TCP_NODELAY suppressed (what libmilter does by default)"
"$root/build/milterbench" -c "$C" -n 400 -l chainmilter-nagle -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" "$MSG"
kill "$pid"

# OpenDKIM, signing every message (the peer admins run today).
if command -v opendkim >/dev/null && command -v opendkim-genkey >/dev/null; then
	mkdir -p "$dir/keys"
	opendkim-genkey -b 2048 -d example.org -s bench -D "$dir/keys" >/dev/null 2>&1
	p=$(port)
	cat >"$dir/opendkim.conf" <<EOC
Socket inet:$p@127.0.0.1
Domain example.org
Selector bench
KeyFile $dir/keys/bench.private
Mode sv
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.0/8,192.0.2.0/24
Syslog no
RequireSafeKeys no
PidFile $dir/opendkim.pid
EOC
	opendkim -f -x "$dir/opendkim.conf" 2>"$dir/opendkim.log" &
	pid=$!
	pids="$pids $pid"
	wait_port "$p"
	echo "== OpenDKIM $(opendkim -V | head -1 | awk '{print $NF}'): signing RSA-2048 relaxed/relaxed"
	bench -l opendkim -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
else
	echo "== OpenDKIM not installed (make deps-bench installs it); skipped"
fi

# The key-value store behind greylisting and Bayes.
sh tests/bench/store.sh

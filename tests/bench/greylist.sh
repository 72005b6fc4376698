#!/bin/sh
# Greylisting's cost per RCPT check in the steady state of a greylisting MX:
# every triplet already passed. milterbench sends one message per
# connection (as Postfix does) with R recipients, each stored beforehand as
# passed (chainmilter greylist whitelist), to chainmilter with greylisting
# off, on LMDB and on Redis (a redis-server started here on loopback, its
# CPU counted too). The CPU per message over "off", divided by R, is what
# one check costs with the MTA round trip; tests/tools/greybench.c gives
# the check alone, in process. Figures, not pass/fail.
set -u
cd "$(dirname "$0")/../.."
make -s build/tests/tool_greybench || exit 1
root=$PWD
N=${BENCH_GREY_MESSAGES:-10000}
C=${BENCH_CONCURRENCY:-8}
R=5
dir=$(mktemp -d /tmp/cmgreybench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 0.5; rm -rf "$dir"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { i=0; until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.1; done; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rcpts=""
i=1
while [ $i -le $R ]; do
	rcpts="$rcpts -r r$i@example.org"
	i=$((i + 1))
done

# run LABEL GREYLIST STORE [EXTRA]: start, fill the store, measure into
# $dir/LABEL.out.
run() {
	p=$(port)
	printf 'Socket inet:%s@127.0.0.1\nSyslog no\nNameservers 127.0.0.1@9\nClamAV no\nSpamScoring no\nGreylist %s\nGreylistStore %s\n%s\n' \
		"$p" "$2" "$3" "${4:-}" >"$dir/$1.conf"
	i=1
	while [ "$2" = yes ] && [ $i -le $R ]; do
		"$root/build/chainmilter" greylist whitelist 192.0.2.1 sender@example.net \
			"r$i@example.org" -c "$dir/$1.conf" >/dev/null || echo "bench: whitelist failed" >&2
		i=$((i + 1))
	done
	"$root/build/chainmilter" -f -c "$dir/$1.conf" 2>"$dir/$1.log" &
	pid=$!
	pids="$pids $pid"
	wait_port "$p"
	# shellcheck disable=SC2086
	"$root/build/milterbench" -c "$C" -n "$N" -k 1 -l "$1" -s "inet:$p@127.0.0.1" -i 192.0.2.1 \
		-f sender@example.net $rcpts -p "$pid" "$root/tests/fixtures/clean.eml" >"$dir/$1.out"
	kill "$pid"
}
show() { grep -v '^RESULT' "$dir/$1.out"; }
cpu() { sed -n 's/.*cpu_ms_per_msg=\([0-9.]*\).*/\1/p' "$dir/$1.out"; }

echo "== greylisting, every triplet passed: $R recipients per message, one message per connection, $C at a time, $(nproc) cores"
run grey-off no "lmdb:$dir/unused.lmdb"
show grey-off
off=$(cpu grey-off)
# Every recipient whitelisted: the RCPT round trip and the check without
# the store (with greylisting off the MTA does not even send RCPT).
printf 'example.org\n' >"$dir/recipients"
run grey-white yes "lmdb:$dir/unused.lmdb" "GreylistWhitelistRecipients $dir/recipients"
show grey-white
white=$(cpu grey-white)
run grey-lmdb yes "lmdb:$dir/grey.lmdb"
show grey-lmdb
lmdb=$(cpu grey-lmdb)
per() { awk -v a="$1" -v b="$2" -v r="$R" 'BEGIN { printf "%.1f", (a - b) * 1000 / r }'; }
echo "greylist-white: $(per "$white" "$off") us CPU per RCPT, all whitelisted: the RCPT round trip without the store"
# inproc LABEL CONF: the check alone (MAIL, RCPTs, abort through the callbacks).
inproc() {
	# shellcheck disable=SC2086
	"$root/build/tests/tool_greybench" "$2" 100000 $(echo "$rcpts" | sed 's/-r //g') |
		sed "s/^greybench:/$1 in process:/"
}
inproc greylist-off "$dir/grey-off.conf"
inproc greylist-lmdb "$dir/grey-lmdb.conf"
echo "greylist-lmdb: $(per "$lmdb" "$off") us CPU per RCPT check, $(per "$lmdb" "$white") us of it the store (chainmilter $lmdb ms/msg, off $off ms/msg)"

if command -v redis-server >/dev/null; then
	rp=$(port)
	redis-server --port "$rp" --bind 127.0.0.1 --save '' --appendonly no --logfile "$dir/redis.log" &
	rpid=$!
	pids="$pids $rpid"
	wait_port "$rp"
	t0=$(ticks "$rpid")
	run grey-redis yes "redis://127.0.0.1:$rp/0"
	t1=$(ticks "$rpid")
	show grey-redis
	redis=$(cpu grey-redis)
	rcpu=$(awk -v t=$((t1 - t0)) -v n="$N" -v r="$R" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", t * 1000000 / hz / n / r }')
	echo "greylist-redis: $(per "$redis" "$off") us CPU per RCPT check in chainmilter, $(per "$redis" "$white") us of it the store, plus $rcpu us in redis-server (chainmilter $redis ms/msg)"
	t0=$(ticks "$rpid")
	inproc greylist-redis "$dir/grey-redis.conf"
	t1=$(ticks "$rpid")
	echo "greylist-redis in process: plus $(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$R" 'BEGIN { printf "%.2f", t * 1e6 / hz / 100000 / r }') us CPU per RCPT in redis-server"
else
	echo "== redis-server not installed; Redis skipped"
fi

#!/bin/sh
# The key-value store behind greylisting and Bayes (lib/store*.c): puts,
# gets, updates and batched increments/reads per second and CPU per
# operation, on LMDB (durable commits, sync=meta, sync=none) and on a
# redis-server started here on a free loopback port (its CPU counted too).
# Figures, not pass/fail. STORE_BENCH_SECONDS per phase (default 2).
set -u
cd "$(dirname "$0")/../.."
make -s build/tests/tool_storebench || exit 1
sec=${STORE_BENCH_SECONDS:-2}
dir=$(mktemp -d /tmp/cmstorebench.XXXXXX)
rpid=""
trap '[ -n "$rpid" ] && kill $rpid 2>/dev/null; sleep 0.2; rm -rf "$dir"' EXIT
b=build/tests/tool_storebench

echo "== store: LMDB in $dir ($(df -T "$dir" | awk 'NR==2 {print $2}')), $(nproc) cores"
$b "lmdb:$dir/full.lmdb" "$sec" 1
$b "lmdb:$dir/meta.lmdb?sync=meta" "$sec" 1
$b "lmdb:$dir/none.lmdb?sync=none" "$sec" 1
$b "lmdb:$dir/full2.lmdb" "$sec" 2

if command -v redis-server >/dev/null; then
	p=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --logfile "$dir/redis.log" &
	rpid=$!
	i=0
	until redis-cli -p "$p" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.05
	done
	echo "== store: redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on loopback"
	$b "redis://127.0.0.1:$p/0" "$sec" 1 "$rpid"
	$b "redis://127.0.0.1:$p/0" "$sec" 4 "$rpid"
else
	echo "== store: redis-server not installed; Redis skipped"
fi

#!/bin/sh
# The LMDB store survives kill -9: a writer (tests/tools/storewriter.c)
# reports each commit after the store call returned; killed with SIGKILL
# mid-stream, then reopened by a new process (whose lock the dead one may
# still have held), every reported entry is there, and each batch of 1000
# counter increments was applied whole or not at all.
. "$(dirname "$0")/../lib/tb.sh"

W=$TB_ROOT/build/tests/tool_storewriter
if [ ! -x "$W" ]; then
	fail "storewriter is built (make build/tests/tool_storewriter)"
	exit 1
fi

# last_commit FILE: N of the last complete "committed N" line.
last_commit() {
	grep -a '^committed [0-9]*$' "$1" | tail -1 | sed 's/committed //'
}

for mode in put incr; do
	db=$TB_DIR/$mode.lmdb
	out=$TB_DIR/$mode.out
	"$W" "$mode" "lmdb:$db" >"$out" 2>"$TB_DIR/$mode.err" &
	pid=$!
	want=$([ "$mode" = put ] && echo 3000 || echo 200)
	i=0
	while [ $i -lt 600 ] && kill -0 "$pid" 2>/dev/null; do
		n=$(last_commit "$out")
		[ -n "$n" ] && [ "$n" -ge "$want" ] && break
		i=$((i + 1))
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	n=$(last_commit "$out")
	if [ -z "$n" ] || [ "$n" -lt 1 ]; then
		fail "storewriter $mode committed something before the kill"
		sed 's/^/# /' "$TB_DIR/$mode.err"
		continue
	fi
	if "$W" "verify-$mode" "lmdb:$db" "$n" >"$TB_DIR/$mode.verify" 2>&1; then
		ok "kill -9 of an LMDB writer ($mode): $(cat "$TB_DIR/$mode.verify")"
	else
		fail "kill -9 of an LMDB writer ($mode) after $n reported commits: all there"
		sed 's/^/# /' "$TB_DIR/$mode.verify"
	fi
	# The killed writer's lock is no obstacle to the next writer.
	check "after kill -9 the $mode file takes new writes" \
		sh -c "timeout 5 '$W' $mode 'lmdb:$db' | head -1 | grep -q committed"
done

tb_done

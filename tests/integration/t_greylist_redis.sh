#!/bin/sh
# Two MX hosts sharing one Redis: two chainmilter processes, each behind its
# own Postfix, with GreylistStore on one real redis-server (started here on
# a free loopback port without persistence, stopped by its PID). A triplet
# greylisted at one passes at the other after the delay. Redis stopped:
# mail is accepted (GreylistOnStoreError accept) and the failure logged;
# Redis back: greylisting resumes without restarting anything.
. "$(dirname "$0")/../lib/tb.sh"

REDIS_PORT=$(tb_port)
redis_start() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$TB_DIR" >>"$TB_DIR/redis.log" 2>&1 &
	REDIS_PID=$!
	TB_PIDS="$TB_PIDS $REDIS_PID"
	tb_wait_port "$REDIS_PORT" 10
}
check "redis-server started on port $REDIS_PORT" redis_start || exit 1

STORE=redis://127.0.0.1:$REDIS_PORT/0
for mx in a b; do
	tb_milter_start "$mx" <<EOF || exit 1
ClamAV no
Greylist yes
GreylistStore $STORE
GreylistDelay 2
EOF
done
tb_sink_start || exit 1
eval "tb_postfix_start \$MILTER_PORT_a a" </dev/null || exit 1
eval "tb_postfix_start \$MILTER_PORT_b b" </dev/null || exit 1
smtp_a() { SMTP_PORT=$SMTP_PORT_a tb_smtp "$@"; }
smtp_b() { SMTP_PORT=$SMTP_PORT_b tb_smtp "$@"; }
out=$TB_DIR/out

# 1. Greylisted at MX a; retried at MX b after the delay: passes there.
smtp_a --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "MX a: first attempt 451 4.7.1" grep -q '^RCPT <rcpt@example.org> 451 4.7.1 ' "$out"
smtp_b --xclient 192.0.2.2 --from sender@example.net --to rcpt@example.org >"$out"
check "MX b: an early retry there is 451 too (it sees MX a's entry)" \
	grep -q '^RCPT <rcpt@example.org> 451 4.7.1 ' "$out"
check "MX b logged it as early, not new" \
	grep -q 'Greylisted, ip=192.0.2.2 <sender@example.net> -> <rcpt@example.org>, dir=in .*greylist=early' \
	"$TB_DIR/milter-b.log"
sleep 2.3
smtp_b --xclient 192.0.2.3 --from sender@example.net --to rcpt@example.org >"$out"
check "MX b: the retry after the delay passes" grep -q '^RCPT <rcpt@example.org> 250 ' "$out"
tb_sink_wait 1 || fail "the message reached the sink"
check "and arrives with X-Greylist" grep -q '^X-Greylist: delayed [2-9] seconds by chainmilter' "$(tb_sink_last)"
smtp_a --xclient 192.0.2.4 --from sender@example.net --to rcpt@example.org >"$out"
check "MX a: now known there too, passes at once" grep -q '^RCPT <rcpt@example.org> 250 ' "$out"
"$CM_BIN" greylist show 192.0.2.1 sender@example.net rcpt@example.org -c "$MILTER_CONF_a" >"$out" 2>&1
check "chainmilter greylist show on Redis: passed, with the time it has left" \
	grep -q '^triplet 192.0.2.0/24 sender@example.net rcpt@example.org state=passed .* ttl=30[0-9]*$' "$out"
check "the entry is a Redis key with a TTL (Redis expires it)" \
	sh -c "[ \$(redis-cli -p $REDIS_PORT ttl 'grey:t|192.0.2.0/24|sender@example.net|rcpt@example.org') -gt 3000000 ]"

# 2. Redis stopped: mail is accepted, and each failure is logged.
kill -TERM "$REDIS_PID"
tb_wait_exit "$REDIS_PID" 10 || fail "redis-server stopped"
smtp_a --xclient 198.51.100.1 --from new@example.net --to down@example.org >"$out"
check "Redis down: a new triplet is accepted at RCPT (GreylistOnStoreError accept)" \
	grep -q '^RCPT <down@example.org> 250 ' "$out"
check "and the message is delivered" grep -q '^DATA 250 ' "$out"
check "MX a logged the store failure, naming Redis" \
	grep -q "greylist check failed, accepting as configured: redis://127.0.0.1:$REDIS_PORT/0: " \
	"$TB_DIR/milter-a.log"
check "and greylist=error in the summary line" \
	grep -q '<new@example.net> -> <down@example.org>, dir=in .*greylist=error' "$TB_DIR/milter-a.log"

# 3. Redis back (empty: no persistence): greylisting resumes by itself.
redis_start || fail "redis-server restarted"
sleep 2.1 # longer than the store's longest backoff (2 s)
smtp_a --xclient 198.51.100.1 --from new@example.net --to up@example.org >"$out"
check "Redis back: a new triplet is greylisted again, no restart" \
	grep -q '^RCPT <up@example.org> 451 4.7.1 ' "$out"
check "MX a logged that the store works again" \
	grep -q "greylist: redis://127.0.0.1:$REDIS_PORT/0 works again; greylisting resumes" \
	"$TB_DIR/milter-a.log"

check "chainmilter a exits 0 on SIGTERM" tb_milter_stop a
check "chainmilter b exits 0 on SIGTERM" tb_milter_stop b

tb_done

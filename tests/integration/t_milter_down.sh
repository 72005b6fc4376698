#!/bin/sh
# With chainmilter stopped, Postfix applies milter_default_action = tempfail:
# SMTP clients are told to retry, locally submitted mail waits in the queue,
# and once chainmilter is back everything is delivered. Nothing is lost.
. "$(dirname "$0")/../lib/tb.sh"

F=$TB_ROOT/tests/fixtures

tb_sink_start || exit 1
tb_milter_start main </dev/null || exit 1
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1
check "chainmilter stopped with SIGTERM" tb_milter_stop main

tb_smtp --xclient 192.0.2.1 --file "$F/clean.eml" >"$TB_DIR/out"
check "milter down: the SMTP client gets 451 4.7.1 (milter_default_action = tempfail)" \
	grep -q '^MAIL 451 4.7.1' "$TB_DIR/out"

tb_sendmail -f local@test.example rcpt@example.org <"$F/clean.eml"
sleep 3
check "milter down: locally submitted mail is not delivered" test "$(tb_sink_count)" -eq 0
check "milter down: Postfix keeps it and says why" \
	grep -q 'milter.*inet:127.0.0.1:'"$MILTER_PORT_main"'.*Connection refused\|connect to Milter service' "$TB_POSTFIX/maillog"

# Back up on the same port: the waiting message goes through, and so does
# the SMTP client's retry.
port=$MILTER_PORT_main
conf=$MILTER_CONF_main
"$CM_BIN" -f -c "$conf" -o "ClamAVDatabaseDirectory=$TB_DIR/clamav" -o Greylist=no \
	-o "Nameservers=$(tb_ns)" >>"$TB_DIR/milter-again.log" 2>&1 &
pid=$!
TB_PIDS="$TB_PIDS $pid"
tb_wait_port "$port" 15 || fail "chainmilter restarted on port $port"
check "after restart the queued local submission is delivered" tb_sink_wait 1 60
check "and chainmilter logged it" grep -q '<local@test.example> -> <rcpt@example.org>' "$TB_DIR/milter-again.log"
tb_smtp --xclient 192.0.2.1 --file "$F/clean.eml" >"$TB_DIR/out"
check "after restart the SMTP client's retry is accepted" grep -q '^DATA 250 ' "$TB_DIR/out"
check "and delivered" tb_sink_wait 2 20

tb_done

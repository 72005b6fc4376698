#!/bin/sh
# kill -9 of chainmilter during a burst, on the embedded store (LMDB). A
# sending Postfix (no milter, retrying every second or two) relays a burst
# to a receiving Postfix whose chainmilter greylists every triplet. The
# daemon is killed while it works through the burst and started again on
# the same file: every triplet it had greylisted (logged only after the
# store committed it) is still stored, and in the end the sending Postfix
# has delivered every message, each with X-Greylist.
. "$(dirname "$0")/../lib/tb.sh"

N=${N:-150}
DB=$TB_DIR/grey.lmdb
LOG=$TB_DIR/milter-m.log

tb_sink_start || exit 1
# The sending Postfix connects from 127.0.0.1: not internal here.
tb_milter_start m <<EOF || exit 1
ClamAV no
InternalHosts 192.0.2.250
Greylist yes
GreylistStore lmdb:$DB
GreylistDelay 2
GreylistAutoWhitelist 0
EOF
tb_postfix_start "$MILTER_PORT_m" in </dev/null || exit 1
tb_postfix_start 0 out <<EOF || exit 1
myhostname = out.test.example
smtpd_milters =
non_smtpd_milters =
relayhost = [127.0.0.1]:$SMTP_PORT_in
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
EOF

# The burst: submitted in the background while the sending Postfix already
# relays what it has.
(
	i=1
	while [ $i -le $N ]; do
		printf 'From: <burst@test.example>\nTo: <r%s@example.org>\nSubject: burst %s\n\nMessage %s.\n' \
			$i $i $i | tb_sendmail -f burst@test.example "r$i@example.org"
		i=$((i + 1))
	done
) &
submitter=$!

# Kill it mid-burst: once it has greylisted a tenth of the triplets.
n=0
while [ "$(grep -c 'Greylisted, ip=127.0.0.1 <burst@test.example>' "$LOG")" -lt $((N / 10)) ] &&
	[ $n -lt 1500 ]; do
	n=$((n + 1))
	sleep 0.02
done
kill -KILL "$MILTER_PID_m"
tb_wait_exit "$MILTER_PID_m" 10
seen=$(grep -c 'Greylisted, ip=127.0.0.1 <burst@test.example>' "$LOG")
check "kill -9 came in the middle of the burst ($seen of $N triplets greylisted before it)" \
	sh -c "[ $seen -ge $((N / 10)) ] && [ $seen -lt $N ]"
wait "$submitter"
grep 'Greylisted, ip=127.0.0.1 <burst@test.example>' "$LOG" |
	sed 's/.* -> <\([^>]*\)>.*/\1/' | sort -u >"$TB_DIR/greylisted"

tb_milter_restart m || exit 1
"$CM_BIN" greylist list -c "$MILTER_CONF_m" >"$TB_DIR/list" 2>&1
missing=0
while read -r rcpt; do
	grep -q "^triplet 127.0.0.0/24 burst@test.example $rcpt state=" "$TB_DIR/list" ||
		missing=$((missing + 1))
done <"$TB_DIR/greylisted"
check "after restart every triplet greylisted before the kill is still stored ($(wc -l <"$TB_DIR/greylisted") checked)" \
	test "$missing" -eq 0

check "the sending Postfix delivered all $N messages in the end" tb_sink_wait $N 120
withx=$(grep -l '^X-Greylist: delayed [0-9]* seconds by chainmilter' "$TB_DIR"/sink/msg.* 2>/dev/null | wc -l)
check "each of them passed greylisting (X-Greylist: $withx of $N)" test "$withx" -eq $N
check "its queue is empty" sh -c "postqueue -c '$TB_POSTFIX/etc' -p | grep -q 'Mail queue is empty'"
check "the restarted chainmilter exits 0 on SIGTERM" tb_milter_stop m

tb_done

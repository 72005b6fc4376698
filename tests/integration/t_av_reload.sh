#!/bin/sh
# Reloading the virus database under load: milterbench sends mixed clean
# and EICAR mail while the database is replaced and SIGHUP sent over and
# over, then while only the periodic check (ClamAVCheckInterval) notices the
# new files. Every EICAR message must be refused, every clean one accepted,
# no session fail, and both signature sets must have been in use.
. "$(dirname "$0")/../lib/tb.sh"

LOG=$TB_DIR/milter-main.log
BENCH=$TB_ROOT/build/milterbench
DB=$TB_DIR/clamav
MSGS=$TB_DIR/msgs
N=4000
mkdir -p "$MSGS"

# The mix: two clean messages, two infected (one attachment, one archive).
tb_eicar >"$TB_DIR/eicar.com"
{
	tb_eicar
	head -c 4000 /dev/zero | tr '\0' '\n'
} >"$TB_DIR/eicar.txt"
(cd "$TB_DIR" && zip -q eicar.zip eicar.txt)
cp "$TB_ROOT/tests/fixtures/bench-7k.eml" "$MSGS/1-clean.eml"
cp "$TB_ROOT/tests/fixtures/clean.eml" "$MSGS/2-clean.eml"
for f in eicar.com eicar.zip; do
	{
		printf 'From: <a@example.net>\r\nTo: <b@example.org>\r\nSubject: %s\r\n' "$f"
		printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
		printf -- '--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n'
		printf -- '--b\r\nContent-Type: application/octet-stream; name="%s"\r\n' "$f"
		printf 'Content-Transfer-Encoding: base64\r\n\r\n'
		base64 "$TB_DIR/$f" | sed 's/$/\r/'
		printf -- '--b--\r\n'
	} >"$MSGS/3-infected-$f.eml"
done

# db_version A|B: replace the database files, each by an atomic rename. Both
# versions catch EICAR, under different names, so the log shows which
# engine scanned.
db_version() {
	hex=$(tb_eicar | od -An -tx1 | tr -d ' \n')
	printf 'Eicar-Test-Signature-%s.NDB:0:*:%s\n' "$1" "$hex" >"$TB_DIR/new.ndb"
	printf '%s:68:Eicar-Test-Signature-%s.HDB\n' "$(tb_eicar | md5sum | cut -d' ' -f1)" "$1" \
		>"$TB_DIR/new.hdb"
	mv "$TB_DIR/new.ndb" "$DB/eicar.ndb"
	mv "$TB_DIR/new.hdb" "$DB/eicar.hdb"
}
tb_clamav_db "$DB"
db_version A

tb_milter_start main <<EOF || exit 1
SpamScoring no
ClamAVCheckInterval 0
EOF

# bench LABEL: N messages, 8 sessions at a time, one message per session as
# Postfix sends them (each session takes the snapshot current at connect).
bench() {
	"$BENCH" -s "inet:$MILTER_PORT_main@127.0.0.1" -c 8 -n "$N" -k 1 -i 192.0.2.1 \
		-l "$1" -p "$MILTER_PID_main" "$MSGS" >"$TB_DIR/bench-$1.out" 2>&1
}

# results LABEL: milterbench's result counts, "name=count ...".
results() { sed -n "s/^$1: results //p" "$TB_DIR/bench-$1.out"; }
count() { results "$1" | tr ' ,' '\n\n' | sed -n "s/^$2=//p"; }

# outcome LABEL FROM: the log lines written since line FROM.
verify() {
	label=$1 from=$2
	tail -n +"$from" "$LOG" >"$TB_DIR/log-$label"
	diag "$label: $(results "$label")"
	check "$label: milterbench finished without errors" \
		grep -q "^RESULT label=$label msgs=$N .* errors=0" "$TB_DIR/bench-$label.out"
	check "$label: every EICAR message refused ($((N / 2)) reply codes)" \
		test "$(count "$label" replycode)" = $((N / 2))
	check "$label: every clean message accepted ($((N / 2)))" \
		test $(($(count "$label" accept) + $(count "$label" continue))) -eq $((N / 2))
	check "$label: the log has $((N / 2)) Blocked INFECTED lines" \
		test "$(grep -c 'Blocked INFECTED (Eicar-Test-Signature-[AB]' "$TB_DIR/log-$label")" \
		-eq $((N / 2))
	check "$label: and $((N / 2)) Passed CLEAN, av=clean" \
		test "$(grep -c 'Passed CLEAN, .*av=clean' "$TB_DIR/log-$label")" -eq $((N / 2))
	check "$label: no message tempfailed" sh -c "! grep -q 'Tempfailed' '$TB_DIR/log-$label'"
	check "$label: both signature sets scanned mail (engines swapped under load)" \
		sh -c "grep -q 'INFECTED (Eicar-Test-Signature-A' '$TB_DIR/log-$label' &&
		       grep -q 'INFECTED (Eicar-Test-Signature-B' '$TB_DIR/log-$label'"
}

# 1. SIGHUP every 0.1 s while the database flips between versions.
from=$(($(wc -l <"$LOG") + 1))
bench sighup &
bpid=$!
v=A
while kill -0 "$bpid" 2>/dev/null; do
	if [ $v = A ]; then v=B; else v=A; fi
	db_version $v
	kill -HUP "$MILTER_PID_main"
	sleep 0.1
done
wait "$bpid"
verify sighup "$from"
reloads=$(grep -c 'reloaded configuration' "$TB_DIR/log-sighup")
diag "sighup: $reloads reloads during the run"
check "sighup: the configuration was reloaded many times under load ($reloads)" \
	test "$reloads" -ge 5
check "sighup: no reload failed" sh -c "! grep -q 'reload of .* failed' '$TB_DIR/log-sighup'"

# 2. No SIGHUP: the periodic check notices the new files by itself.
conf=$MILTER_CONF_main
printf 'Socket inet:%s@127.0.0.1\nTemporaryDirectory %s\nSpamScoring no\nClamAVCheckInterval 1\n' \
	"$MILTER_PORT_main" "$TB_DIR" >"$conf"
n=$(grep -c 'reloaded configuration' "$LOG")
kill -HUP "$MILTER_PID_main"
i=0
while [ "$(grep -c 'reloaded configuration' "$LOG")" -le "$n" ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
from=$(($(wc -l <"$LOG") + 1))
N=4000
bench interval &
bpid=$!
while kill -0 "$bpid" 2>/dev/null; do
	sleep 1.1 # the check compares modification times, to the second
	if [ $v = A ]; then v=B; else v=A; fi
	db_version $v
done
wait "$bpid"
verify interval "$from"
swaps=$(grep -c "av: the virus database in $DB changed: reloaded, 3 signatures" \
	"$TB_DIR/log-interval")
diag "interval: $swaps reloads by the periodic check"
check "interval: the periodic check reloaded the changed database ($swaps times)" \
	test "$swaps" -ge 1
check "interval: no SIGHUP reload happened meanwhile" \
	sh -c "! grep -q 'reloaded configuration' '$TB_DIR/log-interval'"
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

tb_done

#!/bin/sh
# The binary as an admin uses it: -n and -d, config errors with file:line,
# refusing to start on a bad config or a busy port, `chainmilter check`,
# privilege drop (UserID) and the pid file.
. "$(dirname "$0")/../lib/tb.sh"

F=$TB_ROOT/tests/fixtures
SAMPLE=$TB_ROOT/etc/chainmilter.conf

# The sample config scans with /var/lib/clamav, where freshclam puts the
# signatures. Without them (no internet here) it must refuse, not scan with
# none; elsewhere the test bed's signatures stand in (-o).
tb_clamav_db "$TB_DIR/clamav"
AVDB="ClamAVDatabaseDirectory=$TB_DIR/clamav"
# Its greylist store's directory, /var/lib/chainmilter, is made by the admin
# (README); here a file in the test's directory stands in.
GS="GreylistStore=lmdb:$TB_DIR/greylist.lmdb"
"$CM_BIN" -n -c "$SAMPLE" >"$TB_DIR/out" 2>&1
rc=$?
if ls /var/lib/clamav/*.cvd /var/lib/clamav/*.cld >/dev/null 2>&1; then
	check "-n on the sample config (freshclam's signatures present) exits 0 and says OK" \
		sh -c "[ $rc -eq 0 ] && grep -q ': OK$' '$TB_DIR/out'"
else
	check "-n on the sample config without signatures exits 1, says to run freshclam" \
		sh -c "[ $rc -eq 1 ] && grep -q 'ClamAVDatabaseDirectory: /var/lib/clamav holds no virus signatures: libclamav would call every message clean; run freshclam (package clamav-freshclam) to download signatures, or set ClamAV no' '$TB_DIR/out'"
	"$CM_BIN" -f -c "$SAMPLE" -p "inet:$(tb_port)@127.0.0.1" >"$TB_DIR/out" 2>&1
	check "and the daemon refuses to start on it (exit 1)" \
		sh -c "[ $? -eq 1 ] && grep -q 'holds no virus signatures' '$TB_DIR/out'"
fi
"$CM_BIN" -n -c "$SAMPLE" -o "$AVDB" -o "$GS" >"$TB_DIR/out" 2>&1
check "-n on the sample config with -o $AVDB -o $GS exits 0 and says OK" grep -q ": OK$" "$TB_DIR/out"
check "it says how many signatures it loaded" \
	grep -q "av: 3 virus signatures loaded from $TB_DIR/clamav (libclamav [0-9.]*)" "$TB_DIR/out"
"$CM_BIN" -n -c "$SAMPLE" -o ClamAV >"$TB_DIR/out" 2>&1
check "-o without NAME=VALUE exits 2 and says what it expects" \
	sh -c "[ $? -eq 2 ] && grep -q -- '-o ClamAV: expected NAME=VALUE' '$TB_DIR/out'"
"$CM_BIN" -n -c "$SAMPLE" -o MaxFiles=lots -o "$AVDB" >"$TB_DIR/out" 2>&1
check "-o values are checked like the file's and attributed to -o" \
	grep -q '^-o: MaxFiles: "lots": expected a whole number' "$TB_DIR/out"

# The sample config starts a working daemon as it stands (only the port and
# the signatures moved).
p=$(tb_port)
"$CM_BIN" -f -c "$SAMPLE" -p "inet:$p@127.0.0.1" -o "$AVDB" -o "$GS" >"$TB_DIR/sample.log" 2>&1 &
spid=$!
TB_PIDS="$TB_PIDS $spid"
check "the sample config starts the daemon and it listens" tb_wait_port "$p" 15
check "it says so on standard error" grep -q "listening on inet:$p@127.0.0.1" "$TB_DIR/sample.log"
kill -TERM "$spid"
check "and it stops on SIGTERM" tb_wait_exit "$spid" 20

# make run (scripts/run.sh) on the sample config: without freshclam's
# signatures it writes the EICAR test signature into ./run/clamav, points
# the daemon at it and says so, and EICAR is refused. Without
# /var/lib/chainmilter it keeps the greylist and Bayes stores in ./run and
# says so.
if ! ls /var/lib/clamav/*.cvd /var/lib/clamav/*.cld >/dev/null 2>&1; then
	p=$(tb_port)
	{
		cat "$SAMPLE"
		echo "Socket inet:$p@127.0.0.1"
		echo "Nameservers $(tb_ns)"
	} >"$TB_DIR/run.conf"
	mkdir -p "$TB_DIR/mr"
	(cd "$TB_DIR/mr" && exec sh "$TB_ROOT/scripts/run.sh" "$CM_BIN" "$TB_DIR/run.conf") \
		>"$TB_DIR/run.log" 2>&1 &
	rpid=$!
	TB_PIDS="$TB_PIDS $rpid"
	check "make run: starts on the sample config without signatures" tb_wait_port "$p" 15
	check "make run: says it scans with the EICAR test signature in ./run/clamav" \
		grep -q "scanning with the EICAR test signature in $TB_DIR/mr/run/clamav instead" \
		"$TB_DIR/run.log"
	if [ ! -d /var/lib/chainmilter ]; then
		check "make run: says it keeps the greylist store in ./run" \
			grep -q "GreylistStore is lmdb:$TB_DIR/mr/run/greylist.lmdb for this run" \
			"$TB_DIR/run.log"
		check "make run: and the Bayes store" \
			grep -q "BayesStore is lmdb:$TB_DIR/mr/run/bayes.lmdb for this run" "$TB_DIR/run.log"
	fi
	{
		printf 'From: <a@example.net>\r\nSubject: eicar\r\n\r\n'
		tb_eicar
		printf '\r\n'
	} >"$TB_DIR/eicar.eml"
	# From an internal client: an outside one would be greylisted first.
	"$TB_ROOT/build/milterbench" -s "inet:$p@127.0.0.1" -n 1 -i 127.0.0.1 "$TB_DIR/eicar.eml" \
		>"$TB_DIR/out" 2>&1
	check "make run: EICAR is refused out of the box" grep -q 'results replycode=1,' "$TB_DIR/out"
	"$TB_ROOT/build/milterbench" -s "inet:$p@127.0.0.1" -n 1 -i 192.0.2.1 "$TB_DIR/eicar.eml" \
		>"$TB_DIR/out" 2>&1
	check "make run: an outside client is greylisted out of the box (451 at RCPT)" \
		sh -c "grep -q 'results replycode=1,' '$TB_DIR/out' &&
		       grep -q 'Greylisted, ip=192.0.2.1 ' '$TB_DIR/run.log'"
	check "make run: logged as Blocked INFECTED (Eicar-Test-Signature...)" \
		grep -q 'Blocked INFECTED (Eicar-Test-Signature' "$TB_DIR/run.log"
	kill -TERM "$rpid"
	check "make run: stops on SIGTERM" tb_wait_exit "$rpid" 20
fi

bad=$TB_DIR/bad.conf
cat >"$bad" <<EOF
# a config with three problems
Socket inet:99999@localhost
SpamTag2Level lots
SpamScorng yes
SpamKillLevel 12
ClamAV no
Greylist no
EOF
"$CM_BIN" -n -c "$bad" >"$TB_DIR/out" 2>&1
rc=$?
check "-n on a broken config exits 1" test "$rc" -eq 1
check "-n names the bad port with file:line and what is expected" \
	grep -qx "$bad:2: Socket: \"inet:99999@localhost\": expected a port number from 1 to 65535 in inet:PORT@HOST" "$TB_DIR/out"
check "-n names the bad number" \
	grep -qx "$bad:3: SpamTag2Level: \"lots\": expected a number from -10000 to 10000" "$TB_DIR/out"
check "-n names the unknown setting and suggests one" \
	grep -qx "$bad:4: SpamScorng: unknown setting, did you mean SpamScoring?" "$TB_DIR/out"
check "-n lists exactly the three problems" test "$(wc -l <"$TB_DIR/out")" -eq 3

"$CM_BIN" -f -c "$bad" >"$TB_DIR/out" 2>&1
check "the daemon refuses to start on a broken config (exit 1, says so)" \
	sh -c "[ $? -eq 1 ] && grep -q 'has problems; not starting' '$TB_DIR/out'"

"$CM_BIN" -n -c /nonexistent/chainmilter.conf >"$TB_DIR/out" 2>&1
check "a missing config file is named" \
	grep -q '/nonexistent/chainmilter.conf: cannot open config file: No such file or directory' "$TB_DIR/out"

"$CM_BIN" -d -c "$SAMPLE" -o "$AVDB" -o "$GS" >"$TB_DIR/out" 2>&1
check "-d prints every setting with its effective value" \
	sh -c "grep -q '^Socket  *inet:54321@localhost    # default$' '$TB_DIR/out' &&
	       grep -q '^SpamTag2Level  *5.0    # default$' '$TB_DIR/out'"
nsettings=$(grep -c '^#[A-Z][A-Za-z0-9-]*\( \|$\)' "$SAMPLE")
nlisted=$(grep -c '^#\{0,1\}[A-Z][A-Za-z0-9-]* ' "$TB_DIR/out")
check "-d lists as many settings as the sample config documents ($nsettings)" \
	test "$nsettings" -eq "$nlisted"
printf 'SpamKillLevel 20\n' >"$TB_DIR/kill.conf"
"$CM_BIN" -d -c "$TB_DIR/kill.conf" >"$TB_DIR/out" 2>&1
check "-d says where a value was set" grep -q "^SpamKillLevel  *20.0    # $TB_DIR/kill.conf:1$" "$TB_DIR/out"

"$CM_BIN" -n -c "$SAMPLE" -p inet:0@localhost -o "$GS" >"$TB_DIR/out" 2>&1
check "-p with a bad socket is refused and attributed to -p" \
	grep -q '^-p: Socket: "inet:0@localhost": expected a port number' "$TB_DIR/out"

printf 'UserID no-such-user-here\nScoresFile /nonexistent/scores.conf\nScore GTUBE lots\n' >"$TB_DIR/u.conf"
"$CM_BIN" -n -c "$TB_DIR/u.conf" >"$TB_DIR/out" 2>&1
check "an unknown UserID is a config error" \
	grep -q "$TB_DIR/u.conf:1: UserID: no-such-user-here: no such user" "$TB_DIR/out"
check "an unreadable ScoresFile is a config error" \
	grep -q "$TB_DIR/u.conf:2: ScoresFile: /nonexistent/scores.conf: cannot read" "$TB_DIR/out"
check "a malformed Score line is a config error" \
	grep -q "$TB_DIR/u.conf:3: Score: \"GTUBE lots\": expected SYMBOL SCORE" "$TB_DIR/out"

# chainmilter check: the offline verdict (greylisting has its own tests).
NOGREY=Greylist=no
# DNS only to the test bed (nothing listens there unless nsd runs).
NS="Nameservers=$(tb_ns)"
"$CM_BIN" check -c "$SAMPLE" -o "$AVDB" -o "$NOGREY" -o "$NS" -i 192.0.2.1 -f sender@example.net -r rcpt@example.org \
	"$F/gtube.eml" >"$TB_DIR/out" 2>"$TB_DIR/err"
rc=$?
check "check: GTUBE is Passed SPAM with exit 0 (delivered)" \
	sh -c "[ $rc -eq 0 ] && grep -qx 'verdict: Passed SPAM' '$TB_DIR/out'"
check "check: prints the X-Spam-Status header that would be added" \
	grep -q '^prepend header: X-Spam-Status: Yes, score=1000.0 required=5.0 tests=GTUBE' "$TB_DIR/out"
check "check: prints the log line" \
	grep -q 'Passed SPAM, ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>' "$TB_DIR/err"
printf 'SpamDestiny reject\n' >"$TB_DIR/reject.conf"
"$CM_BIN" check -c "$TB_DIR/reject.conf" -o "$AVDB" -o "$NOGREY" -o "$NS" -i 192.0.2.1 <"$F/gtube.eml" >"$TB_DIR/out" 2>&1
rc=$?
check "check: with SpamDestiny reject it prints the 554 reply and exits 1" \
	sh -c "[ $rc -eq 1 ] && grep -qx 'reply: 554 5.7.1 Message rejected as spam' '$TB_DIR/out'"
"$CM_BIN" check -c "$SAMPLE" -o "$AVDB" -o "$NOGREY" -o "$NS" -i 192.0.2.1 <"$F/clean.eml" >"$TB_DIR/out" 2>&1
check "check: a clean message is Passed CLEAN" grep -qx 'verdict: Passed CLEAN' "$TB_DIR/out"
"$CM_BIN" no-such-command >"$TB_DIR/out" 2>&1
check "an unknown subcommand exits 2 and lists the commands" \
	sh -c "[ $? -eq 2 ] && grep -q '^  check ' '$TB_DIR/out'"

# Privilege drop and pid file.
tb_milter_start user <<EOF || exit 1
UserID nobody
PidFile $TB_DIR/chainmilter.pid
EOF
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$MILTER_PID_user/status")
check "UserID nobody: the daemon runs as nobody after binding" test "$uid" = "$(id -u nobody)"
check "PidFile holds the daemon's pid" test "$(cat "$TB_DIR/chainmilter.pid")" = "$MILTER_PID_user"

# A busy port: a second daemon on it refuses to start, clearly.
"$CM_BIN" -f -c "$MILTER_CONF_user" -o "$AVDB" -o "$NOGREY" >"$TB_DIR/out" 2>&1
rc=$?
check "a second daemon on a busy port exits 1 naming the socket" \
	sh -c "[ $rc -eq 1 ] && grep -q 'cannot listen on inet:$MILTER_PORT_user@127.0.0.1' '$TB_DIR/out'"
check "chainmilter (as nobody) exits 0 on SIGTERM" tb_milter_stop user

tb_done

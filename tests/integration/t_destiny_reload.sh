#!/bin/sh
# Spam destinies through real Postfix (reject: the client sees 554; discard:
# accepted, never delivered; quarantine: in Postfix's hold queue), switched
# by rewriting the config and sending SIGHUP; a broken config is refused on
# reload and the running one stays.
. "$(dirname "$0")/../lib/tb.sh"

F=$TB_ROOT/tests/fixtures
LOG=$TB_DIR/milter-main.log

tb_sink_start || exit 1
tb_milter_start main <<EOF || exit 1
SpamDestiny reject
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1
conf=$MILTER_CONF_main

# reconfigure LINES...: rewrite the config and SIGHUP; wait for the log line.
reconfigure() {
	tb_milter_reconfigure main "$@"
}

# reject
tb_smtp --xclient 192.0.2.1 --file "$F/gtube.eml" >"$TB_DIR/out"
check "SpamDestiny reject: the SMTP client sees 554 5.7.1 at end of DATA" \
	grep -q '^DATA 554 5.7.1 Message rejected as spam' "$TB_DIR/out"
check "rejected GTUBE was not delivered" test "$(tb_sink_count)" -eq 0
check "log says Blocked SPAM" grep -q 'Blocked SPAM, ip=192.0.2.1' "$LOG"
tb_smtp --xclient 192.0.2.1 --file "$F/clean.eml" >"$TB_DIR/out"
check "SpamDestiny reject: clean mail still accepted" grep -q '^DATA 250 ' "$TB_DIR/out"
tb_sink_wait 1 || fail "clean message delivered"

# reload to discard
check "SIGHUP reloads the config" reconfigure "SpamDestiny discard"
check "reload is logged" grep -q 'reloaded configuration from' "$LOG"
tb_smtp --xclient 192.0.2.1 --file "$F/gtube.eml" >"$TB_DIR/out"
check "SpamDestiny discard: the client sees 250" grep -q '^DATA 250 ' "$TB_DIR/out"
sleep 1
check "discarded GTUBE was not delivered" test "$(tb_sink_count)" -eq 1
check "Postfix logged the discard" grep -q 'milter-discard: END-OF-MESSAGE' "$TB_POSTFIX/maillog"

# reload to quarantine
reconfigure "SpamDestiny quarantine"
tb_smtp --xclient 192.0.2.1 --file "$F/gtube.eml" >"$TB_DIR/out"
check "SpamDestiny quarantine: the client sees 250" grep -q '^DATA 250 ' "$TB_DIR/out"
sleep 1
tb_postqueue >"$TB_DIR/queue"
check "quarantined GTUBE sits in Postfix's hold queue" grep -q '^[0-9A-F]*!' "$TB_DIR/queue"
check "Postfix logged the hold (it does not log a milter's reason text)" \
	grep -q 'milter-hold: END-OF-MESSAGE from mail.example.net' "$TB_POSTFIX/maillog"
check "log says Quarantined SPAM" grep -q 'Quarantined SPAM' "$LOG"

# a broken config is refused on reload; the running one stays in force
reconfigure "SpamDestiny bounce" "NoSuchSetting yes"
check "bad reload is refused with each problem named (file:line)" \
	grep -q "reload: $conf:3: SpamDestiny: \"bounce\": expected one of pass, reject, discard, quarantine" "$LOG"
check "bad reload names the unknown setting too" \
	grep -q "reload: $conf:4: NoSuchSetting: unknown setting" "$LOG"
check "bad reload says the running configuration stays" \
	grep -q 'failed with 2 problem(s); keeping the running configuration' "$LOG"
tb_smtp --xclient 192.0.2.1 --file "$F/gtube.eml" >/dev/null
sleep 1
check "after the refused reload, quarantine is still in force" \
	test "$(tb_postqueue | grep -c '^[0-9A-F]*!')" -eq 2
check "the daemon still runs" kill -0 "$MILTER_PID_main"
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

tb_done

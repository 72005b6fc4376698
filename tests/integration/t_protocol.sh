#!/bin/sh
# The milter protocol itself, with miltertest (the MTA side from the
# OpenDKIM project) and a raw client: negotiation, macros, GTUBE, SMTP AUTH,
# oversized messages, and malformed packets that must not hurt the daemon.
. "$(dirname "$0")/../lib/tb.sh"

M=$TB_ROOT/tests/integration/milter
LOG=$TB_DIR/milter-main.log
# gtube.lua asserts GTUBE's exact score: no SPF or DMARC scores here.
tb_milter_start main <<EOF || exit 1
MaxMessageSize 1M
OnOversize reject
SPF no
DMARC no
EOF
export MILTER_SOCKET="inet:$MILTER_PORT_main@127.0.0.1"

$PY "$TB_ROOT/tests/lib/rawmilter.py" "$MILTER_PORT_main" negotiate >"$TB_DIR/neg"
# SMFIF_ADDHDRS 0x1 | CHGHDRS 0x10 | QUARANTINE 0x20 | SETSYMLIST 0x100
check "negotiation: version 6, asks to add/change headers, quarantine, set macro lists" \
	grep -q '^version=6 actions=0x131 ' "$TB_DIR/neg"
proto=$(sed -n 's/.*protocol=\(0x[0-9a-f]*\).*/\1/p' "$TB_DIR/neg")
has() { [ $((proto & $1)) -eq $(($1)) ]; }
check "negotiation: header values with their leading space (SMFIP_HDR_LEADSPC)" has 0x100000
check "negotiation: no replies for headers and body chunks (SMFIP_NR_HDR, NR_BODY)" has 0x80080
check "negotiation: no reply for connect when no check hooks it (SMFIP_NR_CONN)" has 0x1000
check "negotiation: no DATA or unknown commands sent (SMFIP_NODATA, NOUNKNOWN)" has 0x300
check "negotiation: asks for {auth_authen} and the queue id at MAIL FROM" \
	grep -q '^macros stage=2 i {auth_authen}' "$TB_DIR/neg"

check "miltertest: GTUBE gets X-Spam-Flag and X-Spam-Status inserted" miltertest -s "$M/gtube.lua"
check "miltertest: SMTP AUTH client is outbound and not scored" miltertest -s "$M/auth.lua"
check "miltertest: a 2 MB message over MaxMessageSize is rejected (OnOversize reject)" \
	miltertest -s "$M/oversize.lua"
check "oversized message logged as Blocked OVERSIZED" grep -q '4QMT003: Blocked OVERSIZED' "$LOG"
check "and its size is named" grep -q '4QMT003: message of [0-9]* bytes is over MaxMessageSize' "$LOG"

for kind in huge truncated unknown bad-connect mid-message; do
	$PY "$TB_ROOT/tests/lib/rawmilter.py" "$MILTER_PORT_main" garbage "$kind" >"$TB_DIR/raw" 2>&1
	check "malformed packet ($kind): the session is closed, not hung" grep -q '^closed' "$TB_DIR/raw"
	check "after the malformed packet ($kind) the daemon still serves" miltertest -s "$M/gtube.lua"
done
# Out-of-order and empty packets: libmilter's state machine drops them before
# any callback; what matters is that other sessions go on.
for kind in early-body zero; do
	$PY "$TB_ROOT/tests/lib/rawmilter.py" "$MILTER_PORT_main" garbage "$kind" >/dev/null 2>&1
	check "after an out-of-order/empty packet ($kind) the daemon still serves" \
		miltertest -s "$M/gtube.lua"
done
check "a message cut off by a broken session is logged once, with its queue id" \
	test "$(grep -c '4QRAW01: message aborted by the MTA after [0-9]* bytes' "$LOG")" -eq 1
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

tb_done

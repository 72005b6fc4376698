#!/bin/sh
# Through real Postfix: chainmilter as smtpd_milters and non_smtpd_milters,
# what reaches the sink, what the SMTP client sees, and the log line.
. "$(dirname "$0")/../lib/tb.sh"

F=$TB_ROOT/tests/fixtures
LOG=$TB_DIR/milter-main.log

tb_sink_start || exit 1
# SPF and DMARC would add their scores to the exact X-Spam headers asserted
# here; t_spf.sh and t_dmarc.sh test them through Postfix.
tb_milter_start main <<EOF2 || exit 1
AuthservID mx.test.example
SPF no
DMARC no
EOF2
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1

# 1. GTUBE from an outside client: delivered, tagged as SpamAssassin tags it.
tb_smtp --xclient 192.0.2.1 --file "$F/gtube.eml" >"$TB_DIR/out"
check "GTUBE from 192.0.2.1 accepted with 250 (SpamDestiny pass)" grep -q '^DATA 250 ' "$TB_DIR/out"
tb_sink_wait 1 || fail "GTUBE message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
hu=$(tb_unfolded "$(tb_sink_last)")
check "GTUBE arrives with X-Spam-Flag: YES" grep -qx 'X-Spam-Flag: YES' "$h"
check "GTUBE arrives with X-Spam-Score: 1000.0" grep -qx 'X-Spam-Score: 1000.0' "$h"
check "GTUBE X-Spam-Status in SpamAssassin's format, folded where SpamAssassin folds" \
	grep -qx 'X-Spam-Status: Yes, score=1000.0 required=5.0 tests=GTUBE autolearn=no	version=chainmilter-[0-9.]*' "$hu"
check "GTUBE X-Spam-Level has 50 stars" grep -qx 'X-Spam-Level: \*\{50\}' "$h"
qid=$(tb_maillog | sed -n 's/.*postfix\/smtpd\[[0-9]*\]: \([0-9A-F]*\): client=mail.example.net.*/\1/p' | head -1)
check "Postfix logged a queue id for it" test -n "$qid"
check "summary log line: queue id, Passed SPAM, client, envelope, score, tests, size, time" \
	grep -q "$qid: Passed SPAM, ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in dkim=none av=clean score=1000.0/5.0 tests=\[DKIM_NONE=0,GTUBE=1000\] size=[0-9]* time=[0-9]*ms" "$LOG"

# 2. A clean message: X-Spam-Status: No.
tb_smtp --xclient 192.0.2.1 --file "$F/clean.eml" >/dev/null
tb_sink_wait 2 || fail "clean message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "clean message arrives with X-Spam-Status: No, score=0.0 ... tests=none" \
	grep -q '^X-Spam-Status: No, score=0.0 required=5.0 tests=none autolearn=no' "$h"
check "clean message has no X-Spam-Flag" sh -c "! grep -q '^X-Spam-Flag' '$h'"
check "clean message has an empty X-Spam-Level" grep -qx 'X-Spam-Level: ' "$h"
check "log says Passed CLEAN" grep -q 'Passed CLEAN, ip=192.0.2.1' "$LOG"

# 3. Forged headers: X-Spam-* from outside and A-R claiming our authserv-id go.
tb_smtp --xclient 192.0.2.1 --file "$F/forged.eml" >/dev/null
tb_sink_wait 3 || fail "forged message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "forged X-Spam-Flag: NO removed" sh -c "! grep -q '^X-Spam-Flag' '$h'"
check "forged X-Spam-Status removed, ours added" \
	sh -c "[ \$(grep -c '^X-Spam-Status:' '$h') = 1 ] && grep -q '^X-Spam-Status: No, score=0.0' '$h'"
check "Authentication-Results claiming our authserv-id removed" \
	sh -c "! grep -q '^Authentication-Results: mx.test.example' '$h'"
check "Authentication-Results of another authserv-id kept" \
	grep -q '^Authentication-Results: elsewhere.example' "$h"

# 4. Outbound (client in InternalHosts): not scored.
tb_smtp --file "$F/gtube.eml" >/dev/null
tb_sink_wait 4 || fail "outbound message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "outbound mail from 127.0.0.1 is not scored (no X-Spam headers)" sh -c "! grep -q '^X-Spam-' '$h'"
check "log says dir=out for it" grep -q 'ip=127.0.0.1 .*dir=out' "$LOG"

# 5. Local submission through the sendmail command passes non_smtpd_milters.
tb_sendmail -f local@test.example rcpt@example.org <"$F/clean.eml"
tb_sink_wait 5 30 || fail "sendmail-submitted message reached the sink"
check "sendmail submission went through chainmilter (non_smtpd_milters) as outbound" \
	grep -q '<local@test.example> -> <rcpt@example.org>, dir=out' "$LOG"

# 6. SIGTERM: exit status 0.
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

tb_done

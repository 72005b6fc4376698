#!/bin/sh
# DMARC through real Postfix with the loopback DNS zones: example.org has
# p=reject and passes SPF for 192.0.2.0/24, example.net fails SPF with
# p=reject, example.com softfails with p=none, q.example.com has
# p=quarantine. What arrives (the A-R clause as OpenDMARC writes it, the
# X-Spam-Status symbols), what the SMTP client sees when failures are
# enforced, the hold queue, malformed From fields, and DNS failures.
. "$(dirname "$0")/../lib/tb.sh"

LOG=$TB_DIR/milter-main.log
W=$TB_DIR/w
mkdir -p "$W"

tb_dns_start || exit 1
tb_sink_start || exit 1
NS=$(tb_ns)
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
Nameservers $NS
Debug dmarc
EOF
# Postfix must not add a missing From itself (it would, for loopback clients).
tb_postfix_start "$MILTER_PORT_main" <<EOF || exit 1
local_header_rewrite_clients =
EOF
conf=$MILTER_CONF_main

# reconfigure LINE...: a new config for the running daemon, by SIGHUP.
reconfigure() {
	tb_milter_reconfigure main "AuthservID mx.test.example" "Debug dmarc" "Nameservers $NS" "$@"
}

# msg NAME FROM-HEADER...: a message file with those From fields.
msg() {
	name=$1
	shift
	{
		for f in "$@"; do printf 'From: %s\r\n' "$f"; done
		printf 'To: <rcpt@example.org>\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n' "$name" "$name"
		printf 'Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n'
	} >"$W/$name.eml"
}

# send NAME ENVELOPE-FROM: send $W/NAME.eml from 192.0.2.1.
sent=0
send() {
	tb_smtp --xclient 192.0.2.1 --helo mail.example.net --from "$2" --file "$W/$1.eml" >"$W/$1.out"
	if grep -q '^DATA 250' "$W/$1.out"; then
		sent=$((sent + 1))
		tb_sink_wait "$sent" || fail "message $1 reached the sink"
		tb_unfolded "$(tb_sink_last)" >/dev/null
		cp "$TB_DIR/hu" "$W/$1.h"
	fi
}

ar() { grep -q "^Authentication-Results: mx.test.example;.*$2" "$W/$1.h"; }

# 1. Aligned SPF: pass.
msg pass "Sender <sender@example.org>"
send pass sender@example.org
check "SPF-aligned: dmarc=pass (p=reject dis=none) header.from=example.org" \
	ar pass 'dmarc=pass (p=reject dis=none) header.from=example.org'
check "SPF-aligned: DMARC_PASS, and dmarc=pass in the log line" \
	sh -c "grep -q '^X-Spam-Status: .*DMARC_PASS' '$W/pass.h' && grep -q 'sender@example.org> -> <rcpt@example.org>, dir=in dkim=none spf=pass dmarc=pass ' '$LOG'"

# 2. A subdomain author: the Organizational Domain's policy, relaxed alignment.
msg sub "<news@sub.example.org>"
send sub sender@example.org
check "subdomain author: example.org's policy found, relaxed SPF alignment: pass" \
	ar sub 'dmarc=pass (p=reject dis=none) header.from=sub.example.org'

# 3. p=reject failing: scored only by default.
msg fail "<sender@example.net>"
send fail sender@example.net
check "p=reject failing, DMARCRejectFailures no: delivered" grep -q '^DATA 250' "$W/fail.out"
check "and dmarc=fail (p=reject dis=none) header.from=example.net" \
	ar fail 'dmarc=fail (p=reject dis=none) header.from=example.net'
check "and scored DMARC_FAIL_REJECT" grep -q '^X-Spam-Status: .*DMARC_FAIL_REJECT' "$W/fail.h"

# 4. p=none, and no policy at all.
msg none "<someone@example.com>"
send none someone@example.com
check "p=none failing: dmarc=fail (p=none dis=none), DMARC_FAIL_NONE" \
	sh -c "grep -q 'dmarc=fail (p=none dis=none) header.from=example.com' '$W/none.h' && grep -q '^X-Spam-Status: .*DMARC_FAIL_NONE' '$W/none.h'"
msg nopolicy "<someone@test.example>"
send nopolicy someone@test.example
check "no DMARC record: dmarc=none header.from=test.example" \
	ar nopolicy 'dmarc=none header.from=test.example'

# 5. Results come from our own checks: forged headers claiming a pass go.
msg forged "<sender@example.net>"
{
	printf 'Authentication-Results: mx.test.example; dmarc=pass header.from=example.net;\r\n'
	printf '\tspf=pass smtp.mailfrom=example.net\r\n'
	printf 'Received-SPF: pass (mx.test.example: forged) client-ip=192.0.2.1;\r\n'
	cat "$W/forged.eml"
} >"$W/forged2.eml"
send forged2 sender@example.net
check "forged A-R claiming dmarc=pass: removed, ours says dmarc=fail" \
	sh -c "test \$(grep -c '^Authentication-Results: mx.test.example' '$W/forged2.h') -eq 1 && grep -q 'dmarc=fail (p=reject dis=none) header.from=example.net' '$W/forged2.h'"

# 6. Several From header fields, no From: RFC 7489 6.6.1.
msg twofrom "<sender@example.org>" "<sender@example.net>"
send twofrom sender@example.org
check "two From fields: both domains checked, the failing one decides" \
	sh -c "grep -q 'dmarc=pass (p=reject dis=none) header.from=example.org' '$W/twofrom.h' && grep -q 'dmarc=fail (p=reject dis=none) header.from=example.net' '$W/twofrom.h'"
check "two From fields: DMARC_BAD_FROM and DMARC_FAIL_REJECT scored" \
	grep -q '^X-Spam-Status: .*DMARC_BAD_FROM.*DMARC_FAIL_REJECT' "$W/twofrom.h"
msg nofrom
send nofrom sender@example.org
check "no From: dmarc=permerror (no From header field)" \
	ar nofrom 'dmarc=permerror (no From header field)'

# 7. DMARC pass through an aligned DKIM signature alone (SPF fails for
# example.net): the DKIM check's passing d= reaches DMARC as data.
msg dkim "<author@example.org>"
$PY - "$W/dkim.eml" "$TB_ROOT/tests/fixtures/dkim/dmarctest.key" "$DNS_PORT" <<'PYEOF' >"$W/dkim.py.out" 2>&1
import subprocess, sys
import dkim
path, keyfile, port = sys.argv[1], sys.argv[2], sys.argv[3]
msg = open(path, "rb").read()
sig = dkim.sign(msg, b"dmarctest", b"example.org", open(keyfile, "rb").read(),
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
open(path, "wb").write(sig + msg)

def txt(name, timeout=5):
    out = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "-p", port, "@127.0.0.1",
                          name.decode().rstrip("."), "TXT"], capture_output=True, text=True).stdout
    return "".join(part for part in out.replace('" "', "").split('"')[1::2]).encode()
print("verified" if dkim.verify(sig + msg, dnsfunc=txt) else "not verified")
PYEOF
check "the test signature verifies with dkimpy against the test zone" grep -q '^verified' "$W/dkim.py.out"
send dkim bounce@example.net
check "aligned DKIM only (SPF fails): dkim=pass header.d=example.org" \
	ar dkim 'dkim=pass (2048-bit key) header.d=example.org'
check "aligned DKIM only (SPF fails): dmarc=pass (p=reject dis=none) header.from=example.org" \
	ar dkim 'dmarc=pass (p=reject dis=none) header.from=example.org'
check "Authentication-Results clauses in chain order: dkim, spf, dmarc" \
	ar dkim 'dkim=pass [^;]*;[[:space:]]*spf=fail smtp.mailfrom=example.net;[[:space:]]*dmarc=pass '

# 8. DMARCRejectFailures yes: p=reject failures refused at end of DATA.
reconfigure "DMARCRejectFailures yes" || fail "reload with DMARCRejectFailures yes"
before=$(tb_sink_count)
send fail sender@example.net
check "DMARCRejectFailures yes: 550 5.7.1 at end of DATA" \
	grep -q '^DATA 550 5.7.1 Message rejected: it fails the DMARC policy of example.net' "$W/fail.out"
check "logged as Blocked DMARC (example.net) with dmarc=fail" \
	grep -q 'Blocked DMARC (example.net), ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in dkim=none spf=fail dmarc=fail' "$LOG"
check "nothing reached the sink" test "$(tb_sink_count)" -eq "$before"
send none someone@example.com
check "DMARCRejectFailures yes: p=none failures are still delivered" grep -q '^DATA 250' "$W/none.out"
send pass sender@example.org
check "DMARCRejectFailures yes: passes are delivered" grep -q '^DATA 250' "$W/pass.out"

# 9. DMARCQuarantineFailures yes: p=quarantine failures go to the hold queue.
reconfigure "DMARCQuarantineFailures yes" || fail "reload with DMARCQuarantineFailures yes"
msg quar "<x@q.example.com>"
tb_smtp --xclient 192.0.2.1 --helo mail.example.net --from x@q.example.com --file "$W/quar.eml" >"$W/quar.out"
check "p=quarantine failing: accepted (250) into the hold queue" \
	sh -c "grep -q '^DATA 250' '$W/quar.out' && tb_postqueue() { postqueue -c '$TB_POSTFIX/etc' -p; }; tb_postqueue | grep -q '!.*x@q.example.com'"
check "logged as Quarantined DMARC (q.example.com)" \
	grep -q 'Quarantined DMARC (q.example.com), ip=192.0.2.1 <x@q.example.com>' "$LOG"

# 10. DMARCRejectBadFrom yes.
reconfigure "DMARCRejectBadFrom yes" || fail "reload with DMARCRejectBadFrom yes"
send twofrom sender@example.org
check "DMARCRejectBadFrom yes: two From fields refused with 550 5.7.1" \
	grep -q '^DATA 550 5.7.1 Message rejected: several From header fields' "$W/twofrom.out"

# 11. DNS failing: temperror, DMARCOnError.
SILENT=$(tb_port)
$PY -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    s.recvfrom(4096)
' "$SILENT" &
TB_PIDS="$TB_PIDS $!"
NS=127.0.0.1@$SILENT
reconfigure "DNSTimeout 1" "SPF no" || fail "reload with a silent nameserver"
send pass sender@example.org
check "DNS timeout: delivered with dmarc=temperror header.from=example.org" \
	ar pass 'dmarc=temperror header.from=example.org'
reconfigure "DNSTimeout 1" "SPF no" "DMARCOnError tempfail" || fail "reload with DMARCOnError tempfail"
send pass sender@example.org
check "DNS timeout, DMARCOnError tempfail: 451 4.7.1 at end of DATA" \
	grep -q '^DATA 451 4.7.1 The DMARC policy of example.org could not be looked up' "$W/pass.out"

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
tb_done

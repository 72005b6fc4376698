#!/bin/sh
# SPF through real Postfix with the loopback DNS zones (tests/zones):
# example.org allows 192.0.2.0/24, example.net is -all, example.com ~all.
# What the receiving side sees (Received-SPF, Authentication-Results,
# X-Spam-Status), what the SMTP client sees (550 5.7.23 at MAIL FROM when
# configured, 451 on a DNS failure when configured), and the log line.
. "$(dirname "$0")/../lib/tb.sh"

LOG=$TB_DIR/milter-main.log
W=$TB_DIR/w
mkdir -p "$W"

tb_dns_start || exit 1
tb_sink_start || exit 1
# Nameservers in the file (not tb.sh's -o), so that a reload can change it.
NS=$(tb_ns)
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
Nameservers $NS
Debug spf
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1
conf=$MILTER_CONF_main

# reconfigure LINE...: a new config for the running daemon (resolving with
# $NS), by SIGHUP.
reconfigure() {
	tb_milter_reconfigure main "AuthservID mx.test.example" "Debug spf" "Nameservers $NS" "$@"
}

# send OUT HELO FROM [smtpclient options]: one message from 192.0.2.1.
sent=0
send() {
	out=$1 helo=$2 from=$3
	shift 3
	tb_smtp --xclient 192.0.2.1 --helo "$helo" --from "$from" "$@" >"$W/$out"
	if grep -q '^DATA 250' "$W/$out"; then
		sent=$((sent + 1))
		tb_sink_wait "$sent" || fail "message $out reached the sink"
		tb_unfolded "$(tb_sink_last)" >/dev/null
		cp "$TB_DIR/hu" "$W/$out.h"
	fi
}

# 1. A sender whose SPF allows the client: pass.
send pass mail.example.org sender@example.org
check "pass: delivered" grep -q '^DATA 250' "$W/pass"
check "pass: Authentication-Results says spf=pass smtp.mailfrom=example.org" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=pass smtp.mailfrom=example.org' "$W/pass.h"
check "pass: Received-SPF names the result, sender, client and mechanism (RFC 7208 9.1)" \
	grep -q '^Received-SPF: pass ([^:]*: domain of sender@example.org designates 192.0.2.1 as	permitted sender) client-ip=192.0.2.1;.*envelope-from="sender@example.org"; helo=mail.example.org;.*identity=mailfrom; mechanism="ip4:192.0.2.0/24";' "$W/pass.h"
check "pass: SPF_PASS scored, and the HELO name's own record too (SPF_HELO_PASS)" \
	grep -q '^X-Spam-Status: .*tests=.*SPF_HELO_PASS,.*SPF_PASS' "$W/pass.h"
check "pass: the log line says spf=pass" \
	grep -q 'Passed CLEAN, ip=192.0.2.1 <sender@example.org> -> <rcpt@example.org>, dir=in dkim=none spf=pass ' "$LOG"

# 2. -all: fail, scored only by default (forwarding breaks SPF).
send fail mail.example.net sender@example.net
check "fail: delivered (SPFFailAction score)" grep -q '^DATA 250' "$W/fail"
check "fail: Authentication-Results says spf=fail smtp.mailfrom=example.net" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=fail smtp.mailfrom=example.net' "$W/fail.h"
check "fail: Received-SPF: fail ... does not designate 192.0.2.1" \
	grep -q '^Received-SPF: fail (.*domain of sender@example.net does not designate	*192.0.2.1' "$W/fail.h"
check "fail: SPF_FAIL scored" grep -q '^X-Spam-Status: .*SPF_FAIL' "$W/fail.h"

# 3. ~all: softfail.
send softfail mail.example.com someone@example.com
check "softfail: spf=softfail smtp.mailfrom=example.com" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=softfail smtp.mailfrom=example.com' "$W/softfail.h"

# 4. The null sender: the HELO identity, postmaster@HELO.
send null mail.example.org ""
check "null sender: spf=pass smtp.helo=mail.example.org" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=pass smtp.helo=mail.example.org' "$W/null.h"
check "null sender: Received-SPF for postmaster@mail.example.org, identity=helo" \
	grep -q '^Received-SPF: pass (.*postmaster@mail.example.org.*identity=helo;' "$W/null.h"

# 5. A HELO name whose record fails the client decides, whatever MAIL FROM says.
send badhelo badhelo.example.net sender@example.org
check "HELO fail decides: spf=fail smtp.helo=badhelo.example.net" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=fail smtp.helo=badhelo.example.net' "$W/badhelo.h"
check "HELO fail: both identities scored (SPF_HELO_FAIL, SPF_PASS)" \
	grep -q '^X-Spam-Status: .*SPF_HELO_FAIL.*SPF_PASS' "$W/badhelo.h"
check "HELO fail: DMARC still uses the MAIL FROM identity (dmarc=pass for example.org)" \
	grep -q 'dmarc=pass (p=reject dis=none) header.from=example.org' "$W/badhelo.h"

# 6. Bad records: permerror, scored, the problem named.
send loop mail.example.net x@loop.example.net
check "include loop: permerror at the 10-term limit, problem in Received-SPF" \
	grep -q '^Received-SPF: permerror .*problem="more than 10 DNS-querying terms' "$W/loop.h"
send garbage mail.example.net x@garbage.example.net
check "garbage in a record: permerror naming the term" \
	grep -q '^Received-SPF: permerror .*problem="garbage.example.net: \\"?fo@o\\": unknown mechanism";' "$W/garbage.h"
check "permerror scored (SPF_PERMERROR)" grep -q '^X-Spam-Status: .*SPF_PERMERROR' "$W/garbage.h"

# 7. A forged Authentication-Results claiming our authserv-id goes; ours stays.
send forged mail.example.net sender@example.net --file "$TB_ROOT/tests/fixtures/forged.eml"
check "forged A-R: only one Authentication-Results of mx.test.example arrives" \
	test "$(grep -c '^Authentication-Results: mx.test.example' "$W/forged.h")" -eq 1
check "forged A-R: it is ours (spf=fail), not the forged spf=pass/dkim=pass" \
	sh -c "grep '^Authentication-Results: mx.test.example' '$W/forged.h' | grep -q 'spf=fail smtp.mailfrom=example.net' && ! grep -q 'dkim=pass header.d=example.org' '$W/forged.h'"

# 8. Results are cached by client and sender domain.
send again mail.example.org other@example.org
check "a second sender of example.org from 192.0.2.1: pass from the cache" \
	grep -q 'spf: .*mailfrom pass for other@example.org from 192.0.2.1: ip4:192.0.2.0/24 () (cached)' "$LOG"

# 9. Outbound mail (InternalHosts) is not checked.
tb_smtp --helo mail.example.net --from sender@example.net >"$W/out"
sent=$((sent + 1))
tb_sink_wait "$sent" || fail "outbound message reached the sink"
check "outbound: no Received-SPF" sh -c "! grep -q '^Received-SPF' '$(tb_headers_of "$(tb_sink_last)")'"
check "outbound: no spf= in the log line" grep -q 'ip=127.0.0.1 <sender@example.net> -> <rcpt@example.org>, dir=out av=' "$LOG"

# 10. SPFWhitelist: trusted forwarders are not checked.
reconfigure "SPFWhitelist 192.0.2.0/24, 2001:db8::/32" || fail "reload with SPFWhitelist"
send white mail.example.net sender@example.net
check "whitelisted client: delivered without Received-SPF" \
	sh -c "grep -q '^DATA 250' '$W/white' && ! grep -q '^Received-SPF' '$W/white.h'"
check "whitelisted client: logged spf=skipped" \
	grep -q 'Passed [A-Z]*, ip=192.0.2.1 <sender@example.net> .*dir=in dkim=none spf=skipped' "$LOG"

# 11. SPFFailAction reject: 550 5.7.23 at MAIL FROM, with the explanation.
reconfigure "SPFFailAction reject" || fail "reload with SPFFailAction reject"
before=$(tb_sink_count)
send rej mail.example.net sender@example.net
check "reject: the client sees 550 5.7.23 at MAIL FROM with the default explanation" \
	grep -q '^MAIL 550 5.7.23 example.net does not allow 192.0.2.1 to send its mail (SPF)' "$W/rej"
send rejexp mail.example.net sender@explained.example.net
check "reject: the domain's exp= explanation, macros expanded" \
	grep -q '^MAIL 550 5.7.23 192.0.2.1 may not send mail for explained.example.net: see https://example.net/spf' "$W/rejexp"
check "reject: logged as Blocked SPF with the domain" \
	grep -q 'Blocked SPF (explained.example.net), ip=192.0.2.1 <sender@explained.example.net> -> (none), dir=in spf=fail' "$LOG"
check "reject: nothing reached the sink" test "$(tb_sink_count)" -eq "$before"
send rejpass mail.example.org sender@example.org
check "reject: a pass still goes through" grep -q '^DATA 250' "$W/rejpass"

# 12. DNS failing: a server that never answers. temperror, within the deadline.
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
reconfigure "DNSTimeout 1" "SPFOnError tempfail" ||
	fail "reload with a silent nameserver"
start=$(date +%s)
send temp mail.example.net sender@example.net
took=$(($(date +%s) - start))
check "DNS timeout, SPFOnError tempfail: 451 4.7.24 at MAIL FROM" \
	grep -q '^MAIL 451 4.7.24 SPF check of example.net failed temporarily' "$W/temp"
check "DNS timeout: the answer came within the deadlines (${took}s)" test "$took" -le 10
check "DNS timeout: logged spf=temperror" grep -q 'Tempfailed SPF (example.net), .*spf=temperror' "$LOG"
reconfigure "DNSTimeout 1" "DMARC no" ||
	fail "reload with SPFOnError accept"
send tempok mail.example.net sender@example.net
check "DNS timeout, SPFOnError accept: delivered with spf=temperror recorded" \
	grep -q '^Authentication-Results: mx.test.example;.*spf=temperror smtp.mailfrom=example.net' "$W/tempok.h"

# 13. GreylistSkipSPFPass: mail whose envelope sender passes SPF is not
# greylisted; other inbound mail is (a daemon of its own, greylisting on).
tb_milter_start grey <<EOF || exit 1
AuthservID mx.test.example
Nameservers $(tb_ns)
Greylist yes
GreylistSkipSPFPass yes
GreylistStore lmdb:$TB_DIR/grey.lmdb
EOF
postconf -c "$TB_POSTFIX/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT_grey"
postfix -c "$TB_POSTFIX/etc" reload >/dev/null 2>&1
tb_smtp --xclient 192.0.2.1 --helo mail.example.org --from sender@example.org \
	--to rcpt@example.org >"$W/gpass"
check "GreylistSkipSPFPass yes: an SPF pass is not greylisted (RCPT 250)" \
	grep -q '^RCPT <rcpt@example.org> 250' "$W/gpass"
check "and is logged spf=pass greylist=skip" \
	grep -q '<sender@example.org> -> <rcpt@example.org>, dir=in .*spf=pass .*greylist=skip' \
	"$TB_DIR/milter-grey.log"
tb_smtp --xclient 192.0.2.1 --helo mail.example.org --from sender@example.com \
	--to rcpt@example.org >"$W/gsoft"
check "GreylistSkipSPFPass yes: an SPF softfail is greylisted (RCPT 451 4.7.1)" \
	grep -q '^RCPT <rcpt@example.org> 451 4.7.1 ' "$W/gsoft"
check "chainmilter grey exits 0 on SIGTERM" tb_milter_stop grey

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
tb_done

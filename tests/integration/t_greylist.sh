#!/bin/sh
# Greylisting through real Postfix on the embedded store (LMDB), with
# GreylistDelay 2s: what the SMTP client sees at RCPT TO, what reaches the
# sink, the log lines, the stored entries (chainmilter greylist ...), skips,
# whitelist files, the auto-whitelist, and bad input.
. "$(dirname "$0")/../lib/tb.sh"

LOG=$TB_DIR/milter-main.log
DB=$TB_DIR/grey.lmdb
printf '# postgrey format\n/^mx\\.friendly\\.example$/\n198.18.0.0/15\n' >"$TB_DIR/clients"
printf 'postmaster@\n' >"$TB_DIR/recipients"

tb_sink_start || exit 1
# SPF and DMARC off: the test senders forge example.net, whose DMARC
# policy would make spam of them; t_spf.sh checks GreylistSkipSPFPass.
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
ClamAV no
SPF no
DMARC no
Greylist yes
GreylistStore lmdb:$DB
GreylistDelay 2
GreylistAutoWhitelist 2
GreylistAutoWhitelistInterval 0
GreylistWhitelistClients $TB_DIR/clients
GreylistWhitelistRecipients $TB_DIR/recipients
EOF
# IPv6 too, so that XCLIENT can claim an IPv6 client.
tb_postfix_start "$MILTER_PORT_main" <<EOF || exit 1
inet_protocols = all
EOF
CONF=$MILTER_CONF_main
grey() { "$CM_BIN" greylist "$@" -c "$CONF" 2>&1; }
out=$TB_DIR/out

# 1. First attempt: 451 4.7.1 at RCPT, saying when to retry; logged once.
tb_smtp --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "first attempt: 451 4.7.1 at RCPT with the time to wait" \
	grep -qx 'RCPT <rcpt@example.org> 451 4.7.1 Greylisted, please try again in 2 seconds' "$out"
check "first attempt: no DATA" sh -c "! grep -q '^DATA' '$out'"
check "first attempt: logged as Greylisted with greylist=new" \
	grep -q 'Greylisted, ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in .*greylist=new ' "$LOG"
check "chainmilter greylist show: the triplet waits" \
	sh -c "'$CM_BIN' greylist show 192.0.2.1 sender@example.net rcpt@example.org -c '$CONF' |
	       grep -q '^triplet 192.0.2.0/24 sender@example.net rcpt@example.org state=waiting '"

# The auto-whitelist candidates start now too (two triplets of one /24).
tb_smtp --xclient 203.0.113.1 --from a@example.net --to r1@example.org --to r2@example.org >/dev/null

# 2. An early retry: 451 again, logged as early.
tb_smtp --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "early retry: 451 4.7.1 again" grep -q '^RCPT <rcpt@example.org> 451 4.7.1 Greylisted' "$out"
check "early retry: logged with greylist=early" \
	grep -q 'Greylisted, ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in .*greylist=early ' "$LOG"

# 3. After the delay, from another address of the same /24: delivered, with
# X-Greylist; a second recipient in the same transaction is greylisted on
# its own.
sleep 2.3
tb_smtp --xclient 192.0.2.77 --from sender@example.net --to rcpt@example.org \
	--to second@example.org >"$out"
check "retry after the delay from 192.0.2.77 (same /24): RCPT 250" \
	grep -q '^RCPT <rcpt@example.org> 250 ' "$out"
check "the new second recipient is greylisted independently" \
	grep -q '^RCPT <second@example.org> 451 4.7.1 ' "$out"
check "the message is accepted (DATA 250)" grep -q '^DATA 250 ' "$out"
tb_sink_wait 1 || fail "the passed message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "it arrives with X-Greylist: delayed N seconds by chainmilter-VERSION at HOST; DATE" \
	grep -q '^X-Greylist: delayed [2-9] seconds by chainmilter-[0-9.]* at [^;]*; ' "$h"
check "for the one recipient that passed" grep -q '^To: <rcpt@example.org>' "$h"
check "summary line: Passed CLEAN with greylist=passed" \
	grep -q 'Passed CLEAN, ip=192.0.2.77 <sender@example.net> -> <rcpt@example.org>, dir=in .*greylist=passed ' "$LOG"
check "chainmilter greylist list: the triplet passed after the delay" \
	sh -c "'$CM_BIN' greylist list -c '$CONF' | grep -q '^triplet 192.0.2.0/24 sender@example.net rcpt@example.org state=passed .* delayed=[2-9]s '"

# 4. A known triplet passes at once, without a second X-Greylist.
tb_smtp --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "known triplet: RCPT 250 at once" grep -q '^RCPT <rcpt@example.org> 250 ' "$out"
tb_sink_wait 2 || fail "known triplet reached the sink"
check "known triplet: no X-Greylist" sh -c "! grep -q '^X-Greylist' '$(tb_sink_last)'"

# 5. Auto-whitelist (GreylistAutoWhitelist 2): both triplets of 203.0.113.0/24
# pass, then a new triplet from that /24 is not greylisted.
tb_smtp --xclient 203.0.113.1 --from a@example.net --to r1@example.org --to r2@example.org >"$out"
check "two triplets of 203.0.113.0/24 pass after the delay" \
	sh -c "grep -q '^RCPT <r1@example.org> 250' '$out' && grep -q '^RCPT <r2@example.org> 250' '$out'"
check "the client network is logged as auto-whitelisted" \
	grep -q 'greylist: client network 203.0.113.0/24 auto-whitelisted after 2 passes' "$LOG"
tb_smtp --xclient 203.0.113.99 --from someone@else.example --to r3@example.org >"$out"
check "auto-whitelisted /24: a new triplet passes at once" grep -q '^RCPT <r3@example.org> 250 ' "$out"
check "logged with greylist=white" \
	grep -q 'ip=203.0.113.99 <someone@else.example> -> <r3@example.org>, dir=in .*greylist=white ' "$LOG"
check "chainmilter greylist show 203.0.113.5: passes=2 whitelisted=yes" \
	sh -c "'$CM_BIN' greylist show 203.0.113.5 -c '$CONF' | grep -q '^client 203.0.113.0/24 passes=2 whitelisted=yes '"

# 6. Internal and authenticated clients are outbound: not greylisted.
tb_smtp --from staff@test.example --to new1@example.org >"$out"
check "internal client (127.0.0.1): RCPT 250 at once" grep -q '^RCPT <new1@example.org> 250 ' "$out"
check "logged dir=out greylist=skip" \
	grep -q 'ip=127.0.0.1 <staff@test.example> -> <new1@example.org>, dir=out greylist=skip ' "$LOG"
tb_smtp --xclient 198.51.100.5 --xclient-login alice --from alice@test.example \
	--to new2@example.org >"$out"
check "SMTP AUTH client (XCLIENT LOGIN=alice) from outside: RCPT 250 at once" \
	grep -q '^RCPT <new2@example.org> 250 ' "$out"
check "logged dir=out greylist=skip" \
	grep -q 'ip=198.51.100.5 <alice@test.example> -> <new2@example.org>, dir=out greylist=skip ' "$LOG"

# 7. Whitelist files in postgrey's format: a client by /regex/ on its name,
# by network, and a recipient (postmaster@).
tb_smtp --xclient 198.51.100.6 --xclient-name mx.friendly.example --to new3@example.org >"$out"
check "client whitelisted by /regex/ on its verified name: RCPT 250" \
	grep -q '^RCPT <new3@example.org> 250 ' "$out"
tb_smtp --xclient 198.19.7.7 --to new4@example.org >"$out"
check "client whitelisted by network (198.18.0.0/15): RCPT 250" \
	grep -q '^RCPT <new4@example.org> 250 ' "$out"
tb_smtp --xclient 198.51.100.6 --to postmaster@example.org --to new5@example.org >"$out"
check "recipient postmaster@ whitelisted, another one greylisted in the same transaction" \
	sh -c "grep -q '^RCPT <postmaster@example.org> 250' '$out' && grep -q '^RCPT <new5@example.org> 451' '$out'"
check "logged with greylist=white" \
	grep -q 'ip=198.51.100.6 <sender@example.net> -> <postmaster@example.org>, dir=in .*greylist=white ' "$LOG"

# 8. Editing the store while the daemon runs.
grey delete 192.0.2.1 sender@example.net rcpt@example.org >"$out"
check "chainmilter greylist delete: deleted 1 entry" grep -qx 'deleted 1 entry' "$out"
tb_smtp --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "after delete the triplet is greylisted again" grep -q '^RCPT <rcpt@example.org> 451 ' "$out"
grey whitelist 192.0.2.1 sender@example.net rcpt@example.org >"$out"
check "chainmilter greylist whitelist TRIPLET says so" \
	grep -q '^triplet 192.0.2.0/24|sender@example.net|rcpt@example.org passed' "$out"
tb_smtp --xclient 192.0.2.1 --from sender@example.net --to rcpt@example.org >"$out"
check "a whitelisted triplet passes at once" grep -q '^RCPT <rcpt@example.org> 250 ' "$out"
grey stats >"$out"
check "chainmilter greylist stats: counts by state" \
	sh -c "grep -qx 'store: lmdb:$DB' '$out' && grep -q '^triplets passed: [1-9]' '$out' &&
	       grep -qx 'client networks auto-whitelisted: 1 (GreylistAutoWhitelist 2)' '$out'"
grey purge >"$out"
check "chainmilter greylist purge: removed 0 expired entries" \
	grep -qx "lmdb:$DB: removed 0 expired entries" "$out"
grey show 192.0.2.1 nobody@example.net rcpt@example.org >"$out"
check "chainmilter greylist show of an unknown triplet exits 1 and says so" \
	sh -c "[ $? -eq 1 ] && grep -q '^no entry for 192.0.2.0/24 nobody@example.net rcpt@example.org' '$out'"
grey show not-an-ip >"$out"
check "chainmilter greylist show with a bad address exits 2 naming it" \
	sh -c "[ $? -eq 2 ] && grep -q 'not-an-ip: expected an IP address or network' '$out'"

# 9. Bad input: the null sender, odd characters, an IPv6 client. Each is a
# triplet like any other, stored escaped.
tb_smtp --xclient 192.0.2.1 --from '' --to bounce@example.org >"$out"
check "null sender <>: greylisted like any sender" grep -q '^RCPT <bounce@example.org> 451 ' "$out"
tb_smtp --xclient 192.0.2.1 --from 'we|rd%ch@rs@example.net' --to odd@example.org >"$out"
check "odd characters in the sender: greylisted, no crash" grep -q '^RCPT <odd@example.org> 451 ' "$out"
tb_smtp --xclient IPV6:2001:db8:1:2::99 --to v6@example.org >"$out"
check "IPv6 client: greylisted" grep -q '^RCPT <v6@example.org> 451 ' "$out"
grey list >"$out"
check "list: the null sender shows as <>" \
	grep -q '^triplet 192.0.2.0/24 <> bounce@example.org state=waiting' "$out"
check "list: '|' and '%' in an address are escaped in its key" \
	grep -q '^triplet 192.0.2.0/24 we%7crd%25ch@rs@example.net odd@example.org ' "$out"
check "list: the IPv6 client is keyed by its /64" \
	grep -q '^triplet 2001:db8:1:2::/64 sender@example.net v6@example.org ' "$out"

# An 8-bit local part and an address literal (through chainmilter check,
# on the same store beside the daemon).
"$CM_BIN" check -c "$CONF" -o "Nameservers=$(tb_ns)" -i 192.0.2.1 -f "$(printf 'j\303\266rg@example.net')" \
	-r 'user@[IPv6:2001:db8::1]' "$TB_ROOT/tests/fixtures/clean.eml" >"$out" 2>&1
check "8-bit sender, address-literal recipient: 451 4.7.1, no crash" \
	grep -q 'recipient <user@\[IPv6:2001:db8::1\]> refused: 451 4.7.1 ' "$out"
grey list >"$out"
check "list: the 8-bit bytes are escaped in the key" \
	grep -q '^triplet 192.0.2.0/24 j%c3%b6rg@example.net user@\[ipv6:2001:db8::1\] state=waiting' "$out"

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

# 10. A corrupt store file: a clear log line, and GreylistOnStoreError
# (accept by default) decides; nothing crashes.
head -c 65536 /dev/urandom >"$TB_DIR/corrupt.lmdb"
tb_milter_start corrupt <<EOF || exit 1
ClamAV no
Greylist yes
GreylistStore lmdb:$TB_DIR/corrupt.lmdb
EOF
"$TB_ROOT/build/milterbench" -s "inet:$MILTER_PORT_corrupt@127.0.0.1" -n 1 -i 192.0.2.1 \
	"$TB_ROOT/tests/fixtures/clean.eml" >"$out" 2>&1
check "corrupt store file: the message is accepted (GreylistOnStoreError accept)" \
	grep -q "results continue=1," "$out"
check "and the log says which file and what is wrong" \
	grep -q "greylist check failed, accepting as configured: lmdb:$TB_DIR/corrupt.lmdb: cannot open: " \
	"$TB_DIR/milter-corrupt.log"
check "chainmilter (corrupt store) exits 0 on SIGTERM" tb_milter_stop corrupt

# 11. A store file the daemon's user cannot open (made by root, UserID
# nobody): the same, with the reason.
mkdir -m 0777 "$TB_DIR/rootonly"
printf 'Greylist yes\nGreylistStore lmdb:%s/rootonly/g.lmdb\n' "$TB_DIR" >"$TB_DIR/root.conf"
"$CM_BIN" greylist whitelist 192.0.2.1 -c "$TB_DIR/root.conf" >/dev/null 2>&1
tb_milter_start nobody <<EOF || exit 1
ClamAV no
UserID nobody
Greylist yes
GreylistStore lmdb:$TB_DIR/rootonly/g.lmdb
EOF
"$TB_ROOT/build/milterbench" -s "inet:$MILTER_PORT_nobody@127.0.0.1" -n 1 -i 192.0.2.1 \
	"$TB_ROOT/tests/fixtures/clean.eml" >"$out" 2>&1
check "store file not readable by UserID: the message is accepted" grep -q "results continue=1," "$out"
check "and the log says permission denied, and what to do" \
	grep -q "lmdb:$TB_DIR/rootonly/g.lmdb: cannot open: permission denied (the file and its -lock file must be writable by the daemon's user)" \
	"$TB_DIR/milter-nobody.log"
check "chainmilter (as nobody) exits 0 on SIGTERM" tb_milter_stop nobody

# With UserID in the config, a store file chainmilter greylist creates as
# root belongs to that user, so the daemon can open it after dropping root.
mkdir -m 0777 "$TB_DIR/shared"
printf 'UserID nobody\nGreylistStore lmdb:%s/shared/g.lmdb\n' "$TB_DIR" >"$TB_DIR/user.conf"
"$CM_BIN" greylist whitelist 192.0.2.1 -c "$TB_DIR/user.conf" >/dev/null 2>&1
check "chainmilter greylist run as root creates the file and its lock for UserID nobody" \
	sh -c "[ \"\$(stat -c %U '$TB_DIR/shared/g.lmdb' '$TB_DIR/shared/g.lmdb-lock' | sort -u)\" = nobody ]"

tb_done

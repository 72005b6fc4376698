#!/bin/sh
# DKIM verification through real Postfix. Inbound mail signed by dkimpy and
# Mail::DKIM arrives with dkim=pass in Authentication-Results as OpenDKIM
# writes it; changed bodies and fields fail; every broken key record, absurd
# or malformed signature gives a result (permerror, policy, neutral), never
# a crash or a hang; the On-* policies answer in the SMTP dialogue; and a
# DNS server that does not answer gives temperror and 451 4.7.5.
# SPF and DMARC are off: the A-R headers compared here are DKIM's alone
# (t_dmarc.sh runs the three together).
. "$(dirname "$0")/../lib/tb.sh"
. "$(dirname "$0")/../lib/dkim.sh"

LOG=$TB_DIR/milter-main.log
dkim_keys
tb_dns_start || exit 1
tb_sink_start || exit 1
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
SPF no
DMARC no
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1

M=$TB_DIR/msg.eml
printf 'From: Alice <alice@example.org>\r\nTo: rcpt@example.org\r\nSubject: DKIM test\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <dkim-1@example.org>\r\n\r\nHello.\r\n' >"$M"

n=0
# inbound FILE: send it from outside (192.0.2.1); $reply is the DATA reply,
# $ar our Authentication-Results unfolded (empty if the mail was refused).
inbound() {
	tb_smtp --xclient 192.0.2.1 --from alice@example.org --file "$1" >"$TB_DIR/out"
	reply=$(sed -n 's/^DATA //p' "$TB_DIR/out")
	ar=""
	case $reply in 250*) ;; *) return 0 ;; esac
	n=$((n + 1))
	tb_sink_wait "$n" || { fail "$1 reached the sink"; return 1; }
	ar=$(dkim_ar "$(tb_sink_last)")
}
# is WHAT EXPECTED: our A-R header is exactly EXPECTED.
is() {
	if [ "$ar" = "$2" ]; then ok "$1"; else
		fail "$1"
		diag "got:      $ar"
		diag "expected: $2"
	fi
}
not() { ! "$@"; }
# matches STRING REGEX: expr's anchored match, quietly.
matches() { expr "$1" : "$2" >/dev/null; }
AR="Authentication-Results: mx.test.example;"
SIG="header.d=example.org header.i=@example.org header.a=rsa-sha256"

# 1. Signed by the reference signers: pass, written as OpenDKIM writes it.
dkim_py_sign "$M" "$KEYS/rsa2048.private" rsa2048 example.org >"$TB_DIR/py.eml"
inbound "$TB_DIR/py.eml"
is "dkimpy RSA relaxed: dkim=pass (2048-bit key) with header.d/i/a/s/b" \
	"$AR dkim=pass (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/py.eml")"
check "logged as dkim=pass with DKIM_VALID=-0.2" \
	grep -q 'ip=192.0.2.1 <alice@example.org> -> <rcpt@example.org>, dir=in dkim=pass av=clean score=-0.2/5.0 tests=\[DKIM_VALID=-0.2\]' "$LOG"
dkim_py_sign "$M" "$KEYS/rsa2048.private" rsa2048 example.org simple/simple >"$TB_DIR/pys.eml"
inbound "$TB_DIR/pys.eml"
is "dkimpy RSA simple/simple: pass" \
	"$AR dkim=pass (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/pys.eml")"
dkim_py_sign "$M" "$KEYS/ed25519.private" ed25519 example.org relaxed/relaxed ed25519-sha256 \
	>"$TB_DIR/ed.eml"
inbound "$TB_DIR/ed.eml"
is "dkimpy Ed25519: pass" \
	"$AR dkim=pass header.d=example.org header.i=@example.org header.a=ed25519-sha256 header.s=ed25519 header.b=$(b8 "$TB_DIR/ed.eml")"
for c in relaxed simple; do
	dkim_pl_sign "$M" "$KEYS/rsa2048.private" rsa2048 example.org $c >"$TB_DIR/pl-$c.eml"
	inbound "$TB_DIR/pl-$c.eml"
	is "Mail::DKIM RSA $c: pass" \
		"$AR dkim=pass (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/pl-$c.eml")"
done
# Two signatures, one per clause, in header order; header.b tells them apart.
dkim_py_sign "$TB_DIR/ed.eml" "$KEYS/rsa2048.private" rsa2048 example.org >"$TB_DIR/two.eml"
inbound "$TB_DIR/two.eml"
is "two signatures: two clauses, in header order" \
	"$AR dkim=pass (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/two.eml" 1); dkim=pass header.d=example.org header.i=@example.org header.a=ed25519-sha256 header.s=ed25519 header.b=$(b8 "$TB_DIR/two.eml" 2)"

# 2. Changed in transit.
sed 's/^Hello\./Hullo./' "$TB_DIR/py.eml" >"$TB_DIR/body.eml"
inbound "$TB_DIR/body.eml"
is "a changed body: dkim=fail, body hash did not verify" \
	"$AR dkim=fail reason=\"body hash did not verify\" (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/py.eml")"
check "logged as dkim=fail with DKIM_INVALID" grep -q 'dir=in dkim=fail .*tests=\[DKIM_INVALID=0.8\]' "$LOG"
sed 's/^Subject: DKIM/Subject: DKIN/' "$TB_DIR/pl-simple.eml" >"$TB_DIR/subj.eml"
inbound "$TB_DIR/subj.eml"
is "a changed signed field: dkim=fail, signature verification failed" \
	"$AR dkim=fail reason=\"signature verification failed\" (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/pl-simple.eml")"
# l=: the signed part verifies, what was appended is not covered.
$PY "$TB_ROOT/tests/lib/dkimtool.py" sign --key "$KEYS/rsa2048.private" --selector rsa2048 \
	--domain example.org --length "$M" >"$TB_DIR/l.eml"
printf 'Appended by a mailing list.\r\n' >>"$TB_DIR/l.eml"
inbound "$TB_DIR/l.eml"
is "l= covers the body as signed: text appended after it does not break it" \
	"$AR dkim=pass (2048-bit key) $SIG header.s=rsa2048 header.b=$(b8 "$TB_DIR/l.eml")"

# 3. Keys missing, broken or absurd (records in tests/zones/example.org.zone).
while read -r sel key result; do
	dkim_py_sign "$M" "$KEYS/$key.private" "$sel" example.org >"$TB_DIR/$sel.eml"
	inbound "$TB_DIR/$sel.eml"
	bits=""
	[ "$sel" = small768 ] && bits=" (768-bit key)"
	[ "$sel" = testing ] && bits=" (2048-bit key; test mode)"
	is "key $sel: dkim=$result" \
		"$AR dkim=$result$bits $SIG header.s=$sel header.b=$(b8 "$TB_DIR/$sel.eml")"
done <<'EOF'
nokey rsa2048 permerror reason="key not found in DNS"
revoked rsa2048 permerror reason="key revoked"
badb64 rsa2048 permerror reason="key DNS reply corrupt"
notakey rsa2048 permerror reason="key DNS reply corrupt"
twice rsa2048 permerror reason="multiple keys found"
huge rsa2048 permerror reason="key DNS reply corrupt: key record too large"
random rsa2048 permerror reason="unable to apply public key"
small768 small768 policy reason="signing key too small"
testing rsa2048 pass
EOF
check "a missing key is logged as permerror (DKIM_PERMFAIL)" \
	grep -q 'dir=in dkim=permerror .*tests=\[DKIM_PERMFAIL=0.3\]' "$LOG"
check "a key in test mode counts as unsigned: logged dkim=testing, DKIM_NONE" \
	grep -q 'dir=in dkim=testing .*tests=\[DKIM_NONE=0\]' "$LOG"

# 4. Unsigned: no clause, unless AlwaysAddARHeader.
inbound "$M"
check "unsigned mail gets no Authentication-Results (OpenDKIM's default)" test -z "$ar"
check "and is logged dkim=none, DKIM_NONE" grep -q 'dir=in dkim=none .*tests=\[DKIM_NONE=0\]' "$LOG"

# 5. Malformed signatures and bounded work.
{
	printf 'DKIM-Signature: v=2; a=rsa-sha256; d=example.org; s=rsa2048; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n'
	printf 'DKIM-Signature: v=1; a=rsa-sha256; s=rsa2048; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAB\r\n'
	printf 'DKIM-Signature: garbage; ;; = \001\r\n'
	cat "$M"
} >"$TB_DIR/malformed.eml"
inbound "$TB_DIR/malformed.eml"
check "malformed signatures: accepted (250)" matches "$reply" '250 '
# (the third is not a tag list: refused before libopendkim, reported last)
is "malformed signatures: one clause each, permerror" \
	"$AR dkim=permerror reason=\"unsupported signature version\" header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=rsa2048 header.b=AAAA; dkim=permerror reason=\"domain tag missing\" header.a=rsa-sha256 header.s=rsa2048 header.b=AAAB; dkim=permerror reason=\"signature syntax error: a tag has no '='\""
# h= naming every field of the message and more: refused before libopendkim
# (it would write past an array).
{
	printf 'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa2048; h=dkim-signature:from:to:subject:date:message-id:x:y; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=OverrunX\r\n'
	printf 'From: alice@example.org\r\nTo: rcpt@example.org\r\nSubject: overrun\r\n'
	printf 'Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <overrun@example.org>\r\n\r\nHi.\r\n'
} >"$TB_DIR/overrun.eml"
inbound "$TB_DIR/overrun.eml"
check "the refused signature is logged with its reason" \
	grep -q 'dkim: signature d=example.org s=rsa2048 not verified: header list names more fields than the message has' "$LOG"
is "h= naming every field and more: permerror, not given to libopendkim" \
	"$AR dkim=permerror reason=\"header list names more fields than the message has\" header.d=example.org header.a=rsa-sha256 header.s=rsa2048 header.b=OverrunX"
# A huge h= list: a result, in bounded time.
$PY - "$M" >"$TB_DIR/hugeh.eml" <<'EOP'
import sys
msg = open(sys.argv[1], "rb").read()
h = ":".join(["from"] * 10000)
sys.stdout.buffer.write(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=rsa2048; h="
    + h.encode() + b"; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=HugeList\r\n" + msg)
EOP
start=$(date +%s)
inbound "$TB_DIR/hugeh.eml"
check "a 50 KB h= list: a verification result (fail), the mail accepted" \
	matches "$ar" '.*dkim=fail .*header.b=HugeList'
check "and it took less than 10 s" test $(($(date +%s) - start)) -lt 10
# More signatures than MaximumSignaturesToVerify (5): the first 5 verified.
cp "$M" "$TB_DIR/many.eml"
for i in 1 2 3 4 5 6 7; do
	dkim_py_sign "$TB_DIR/many.eml" "$KEYS/rsa2048.private" rsa2048 example.org >"$TB_DIR/m2.eml"
	mv "$TB_DIR/m2.eml" "$TB_DIR/many.eml"
done
inbound "$TB_DIR/many.eml"
check "7 signatures: 5 clauses (MaximumSignaturesToVerify)" \
	test "$(echo "$ar" | grep -o 'dkim=pass' | wc -l)" = 5
check "and the 2 not verified are logged" \
	grep -q 'dkim: 2 signatures beyond MaximumSignaturesToVerify (5) not verified' "$LOG"

# 6. A forged Authentication-Results claiming our authserv-id goes.
{
	printf 'Authentication-Results: mx.test.example; dkim=pass header.d=example.org\r\n'
	cat "$TB_DIR/body.eml"
} >"$TB_DIR/forged.eml"
inbound "$TB_DIR/forged.eml"
check "a forged A-R with our authserv-id is removed, ours says fail" \
	test "$(grep -c '^Authentication-Results: mx.test.example' "$(tb_sink_last)")" = 1 -a \
	"$(expr "$ar" : "$AR dkim=fail")" -gt 0

# 7. Policies, OpenDKIM's names, in the SMTP dialogue.
tb_milter_reconfigure main "AuthservID mx.test.example" "SPF no" "DMARC no" "On-BadSignature reject" \
	"On-NoSignature reject" "On-KeyNotFound tempfail" "AlwaysAddARHeader yes" ||
	fail "reload with policies"
inbound "$TB_DIR/body.eml"
check "On-BadSignature reject: 550 5.7.20 at end of DATA" \
	test "$reply" = "550 5.7.20 No passing DKIM signature found"
check "logged as Blocked DKIM (fail)" grep -q 'Blocked DKIM (fail), ip=192.0.2.1' "$LOG"
inbound "$M"
check "On-NoSignature reject: unsigned mail refused" \
	test "$reply" = "550 5.7.20 No DKIM signature found"
inbound "$TB_DIR/nokey.eml"
check "On-KeyNotFound tempfail: 451 4.7.20" \
	test "$reply" = "451 4.7.20 DKIM key not found, please try again later"
inbound "$TB_DIR/testing.eml"
check "a key in test mode passes under On-NoSignature reject? no: counted as unsigned" \
	test "$reply" = "550 5.7.20 No DKIM signature found"
tb_milter_reconfigure main "AuthservID mx.test.example" "SPF no" "DMARC no" "AlwaysAddARHeader yes" \
	"On-BadSignature quarantine"
inbound "$M"
is "AlwaysAddARHeader yes: dkim=none for unsigned mail" "$AR dkim=none"
inbound "$TB_DIR/body.eml"
check "On-BadSignature quarantine: accepted, held in Postfix's hold queue" \
	sh -c "sleep 1; postqueue -c '$TB_POSTFIX/etc' -p | grep -q '^[0-9A-F]*!'"
n=$((n - 1)) # the held message never reaches the sink

# 8. DNS that does not answer: temperror, and On-DNSError decides.
dkim_blackhole_start || exit 1
tb_milter_start dead <<EOF || exit 1
AuthservID mx.test.example
SPF no
DMARC no
Nameservers 127.0.0.1@$BLACKHOLE_PORT
DNSTimeout 1
EOF
postconf -c "$TB_POSTFIX/etc" -e "smtpd_milters = inet:127.0.0.1:$MILTER_PORT_dead"
postfix -c "$TB_POSTFIX/etc" reload >/dev/null 2>&1
sleep 1
start=$(date +%s)
inbound "$TB_DIR/py.eml"
check "DNS timeout: 451 4.7.5 (On-DNSError tempfail), OpenDKIM issue #176" \
	test "$reply" = "451 4.7.5 DKIM key retrieval failed, please try again later"
check "after the 1 s DNSTimeout, not later than 5 s" test $(($(date +%s) - start)) -lt 5
check "logged as Tempfailed DKIM (temperror)" \
	grep -q 'Tempfailed DKIM (temperror), ip=192.0.2.1 .* dkim=temperror .*tests=\[DKIM_TEMPFAIL=0\]' \
	"$TB_DIR/milter-dead.log"
tb_milter_reconfigure dead "AuthservID mx.test.example" "SPF no" "DMARC no" "Nameservers 127.0.0.1@$BLACKHOLE_PORT" \
	"DNSTimeout 1" "On-DNSError accept"
inbound "$TB_DIR/py.eml"
check "On-DNSError accept: delivered with dkim=temperror and the reason" \
	matches "$ar" "$AR dkim=temperror reason=\"key DNS query failed: .*\" $SIG header.s=rsa2048"

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
check "the second chainmilter exits 0 on SIGTERM" tb_milter_stop dead
tb_done

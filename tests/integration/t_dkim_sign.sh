#!/bin/sh
# DKIM signing through real Postfix. Outbound mail (from InternalHosts, after
# SMTP AUTH, submitted with sendmail) arrives at the sink signed as the
# KeyTable and SigningTable say (RSA and Ed25519 for example.org), and three
# other implementations verify what arrived against the keys nsd serves:
# dkimpy, Mail::DKIM (RSA only) and libopendkim. Then every canonicalization
# alone, Domain/Selector/KeyFile, and a reload with a broken key.
. "$(dirname "$0")/../lib/tb.sh"
. "$(dirname "$0")/../lib/dkim.sh"

LOG=$TB_DIR/milter-main.log
dkim_keys
tb_dns_start || exit 1
tb_sink_start || exit 1
cat >"$TB_DIR/keytable" <<EOF
rsa2048._domainkey.example.org example.org:rsa2048:$KEYS/rsa2048.private
ed25519._domainkey.example.org example.org:ed25519:$KEYS/ed25519.private
EOF
cat >"$TB_DIR/signingtable" <<EOF
# RSA for receivers that know no better, Ed25519 beside it (RFC 8463 §4)
*@example.org rsa2048._domainkey.example.org
*@example.org ed25519._domainkey.example.org
EOF
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
KeyTable $TB_DIR/keytable
SigningTable refile:$TB_DIR/signingtable
MultipleSignatures yes
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1

# py_says FILE LINE, pl_says FILE LINE: dkimpy's, Mail::DKIM's verdict
# on FILE has the line LINE (exactly).
py_says() { dkim_py_verify "$1" | grep -qx "$2"; }
pl_says() { dkim_pl_verify "$1" | grep -qx "$2"; }
not() { ! "$@"; }

n=0
# sent WHAT ARGS...: send through Postfix, wait for it at the sink, $m is it.
sent() {
	what=$1
	shift
	tb_smtp "$@" >"$TB_DIR/out"
	n=$((n + 1))
	if ! tb_sink_wait "$n"; then
		fail "$what reached the sink"
		cat "$TB_DIR/out" | sed 's/^/# /'
		return 1
	fi
	m=$(tb_sink_last)
}

# 1. From an internal host: both signatures, each verified by the others.
sent "outbound mail from 127.0.0.1" --from alice@example.org --file "$F/bench-7k.eml"
check "outbound mail arrives with two DKIM-Signature fields" \
	test "$(grep -c '^DKIM-Signature:' "$m")" = 2
dkim_py_verify "$m" >"$TB_DIR/py"
check "dkimpy verifies the RSA signature (relaxed/relaxed)" \
	grep -qx 'pass d=example.org s=rsa2048 a=rsa-sha256 c=relaxed/relaxed' "$TB_DIR/py"
check "dkimpy verifies the Ed25519 signature (RFC 8463)" \
	grep -qx 'pass d=example.org s=ed25519 a=ed25519-sha256 c=relaxed/relaxed' "$TB_DIR/py"
dkim_pl_verify "$m" >"$TB_DIR/pl"
check "Mail::DKIM verifies the RSA signature" \
	grep -qx 'pass d=example.org s=rsa2048 a=rsa-sha256' "$TB_DIR/pl"
dkim_libopendkim_verify "$m" >"$TB_DIR/lo"
check "libopendkim (opendkim-testmsg) verifies the message" grep -qx "0 $m" "$TB_DIR/lo"
check "the log line says dir=out dkim=signed" \
	grep -q 'Passed CLEAN, ip=127.0.0.1 <alice@example.org> -> <rcpt@example.org>, dir=out dkim=signed' "$LOG"
tr -d '\r\n\t ' <"$m" >"$TB_DIR/squeezed"
check "the signature covers the fields present, From once more (oversigned)" \
	grep -q 'h=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:Content-Transfer-Encoding:From;' "$TB_DIR/squeezed"

# 2. After SMTP AUTH (Postfix passes {auth_authen}; XCLIENT LOGIN sets it),
# from an outside address: outbound, signed.
sent "authenticated mail from 192.0.2.7" --xclient 192.0.2.7 --xclient-login alice \
	--from alice@example.org --file "$F/bench-7k.eml"
check "mail after SMTP AUTH from outside is signed (dkimpy verifies)" \
	py_says "$m" 'pass d=example.org s=rsa2048 a=rsa-sha256 c=relaxed/relaxed'
check "and logged as dir=out dkim=signed" \
	grep -q 'ip=192.0.2.7 <alice@example.org> -> <rcpt@example.org>, dir=out dkim=signed' "$LOG"

# 3. Submitted locally with sendmail (non_smtpd_milters).
tb_sendmail -f alice@example.org rcpt@example.org <"$F/bench-7k.eml"
n=$((n + 1))
tb_sink_wait "$n" 30 || fail "sendmail-submitted mail reached the sink"
m=$(tb_sink_last)
dkim_py_verify "$m" >"$TB_DIR/py"
check "mail submitted with sendmail is signed, and verifies (dkimpy, both signatures)" \
	test "$(grep -c '^pass d=example.org' "$TB_DIR/py")" = 2

# 4. A From domain with no key: not signed. Inbound mail: never signed.
printf 'From: bob@example.net\r\nTo: rcpt@example.org\r\nSubject: no key\r\n\r\nHi.\r\n' >"$TB_DIR/net.eml"
sent "outbound mail from another domain" --from bob@example.net --file "$TB_DIR/net.eml"
check "outbound mail from a domain without a key is not signed" \
	not grep -q '^DKIM-Signature:' "$m"
sent "inbound mail claiming example.org" --xclient 192.0.2.1 --from alice@example.org \
	--file "$F/bench-7k.eml"
check "inbound mail is never signed, even From a domain we sign for" \
	not grep -q '^DKIM-Signature:' "$m"

# 5. Each canonicalization alone, one key per reload (Domain/Selector/KeyFile).
for c in relaxed/relaxed relaxed/simple simple/relaxed simple/simple; do
	for k in rsa2048 ed25519; do
		tb_milter_reconfigure main "AuthservID mx.test.example" "Domain example.org" \
			"Selector $k" "KeyFile $KEYS/$k.private" "Canonicalization $c" ||
			fail "reload with Canonicalization $c"
		sent "$k $c" --from alice@example.org --file "$F/bench-7k.eml" || continue
		cp "$m" "$TB_DIR/$k-$(echo "$c" | tr / -).eml"
		a=$([ $k = rsa2048 ] && echo rsa-sha256 || echo ed25519-sha256)
		check "$k $c: dkimpy verifies" py_says "$m" "pass d=example.org s=$k a=$a c=$c"
		[ $k = rsa2048 ] &&
			check "$k $c: Mail::DKIM verifies" pl_says "$m" "pass d=example.org s=$k a=$a"
	done
done
# libopendkim, all at once (one namespace); it cannot verify Ed25519 with
# simple header canonicalization correctly (its own signatures there are bad
# too), so those two are left to dkimpy.
dkim_libopendkim_verify "$TB_DIR"/rsa2048-*.eml "$TB_DIR"/ed25519-relaxed-*.eml >"$TB_DIR/lo"
check "libopendkim verifies RSA in all four canonicalizations and Ed25519 relaxed" \
	test "$(grep -c '^0 ' "$TB_DIR/lo")" = 6

# 6. A changed body or signed field: the reference verifiers say fail.
sed 's/^Hi Bob,/Hi Rob,/' "$TB_DIR/rsa2048-relaxed-relaxed.eml" >"$TB_DIR/body.eml"
sed 's/^Subject: Notes/Subject: Votes/' "$TB_DIR/rsa2048-relaxed-relaxed.eml" >"$TB_DIR/subj.eml"
check "a changed body fails for dkimpy" \
	py_says "$TB_DIR/body.eml" 'fail d=example.org s=rsa2048 a=rsa-sha256 c=relaxed/relaxed'
check "a changed Subject fails for Mail::DKIM" pl_says "$TB_DIR/subj.eml" \
	'fail (message has been altered) d=example.org s=rsa2048 a=rsa-sha256'

# 7. Reload with a key others may read: refused, the running keys sign on.
chmod 644 "$KEYS/ed25519.private"
tb_milter_reconfigure main "AuthservID mx.test.example" "Domain example.org" "Selector ed25519" \
	"KeyFile $KEYS/ed25519.private"
check "reload with an unsafe key is refused, naming the file, its mode and what is wanted" \
	grep -q "reload: .*KeyFile: $KEYS/ed25519.private: mode 0644 lets others read it (want 0600, or 0640 with group root); or set RequireSafeKeys no" "$LOG"
sent "mail after the refused reload" --from alice@example.org --file "$F/bench-7k.eml"
tr -d '\r\n\t ' <"$m" >"$TB_DIR/squeezed"
check "mail after the refused reload is signed with the previous key (simple/simple Ed25519)" \
	grep -q 'c=simple/simple;d=example.org;s=ed25519;' "$TB_DIR/squeezed"
chmod 600 "$KEYS/ed25519.private"

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
tb_done

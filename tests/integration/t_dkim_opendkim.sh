#!/bin/sh
# Authentication-Results as OpenDKIM writes them: the same signed messages go
# through OpenDKIM 2.11 (Debian's opendkim, verifying) and through
# chainmilter, by miltertest, and the dkim= clauses must be identical —
# except where chainmilter follows the RFCs instead, each of which is
# asserted here with OpenDKIM's words beside ours. OpenDKIM reads the keys
# from a TestDNSData file made from the test zone, in a network namespace of
# its own (no DNS at all), on a unix socket.
. "$(dirname "$0")/../lib/tb.sh"
. "$(dirname "$0")/../lib/dkim.sh"

dkim_keys
tb_dns_start || exit 1
sels="rsa2048 ed25519 small768 revoked badb64 notakey random testing"
for s in $sels; do
	printf '%s._domainkey.example.org %s\n' "$s" \
		"$(tb_dig "$s._domainkey.example.org" TXT | tr -d '"\n')"
done >"$TB_DIR/testdns"
cat >"$TB_DIR/opendkim.conf" <<EOF
Socket local:$TB_DIR/opendkim.sock
Mode v
AuthservID mx.test.example
TestDNSData file:$TB_DIR/testdns
Syslog no
PidFile $TB_DIR/opendkim.pid
EOF
unshare -n opendkim -f -x "$TB_DIR/opendkim.conf" >"$TB_DIR/opendkim.log" 2>&1 &
TB_PIDS="$TB_PIDS $!"
i=0
until [ -S "$TB_DIR/opendkim.sock" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { fail "OpenDKIM started"; exit 1; }
	sleep 0.1
done
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
SPF no
DMARC no
EOF

M=$TB_DIR/msg.eml
printf 'From: Alice <alice@example.org>\r\nTo: rcpt@example.org\r\nSubject: DKIM test\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <dkim-1@example.org>\r\n\r\nHello.\r\n' >"$M"
dkim_py_sign "$M" "$KEYS/rsa2048.private" rsa2048 example.org >"$TB_DIR/rsa.eml"
dkim_py_sign "$M" "$KEYS/ed25519.private" ed25519 example.org relaxed/relaxed ed25519-sha256 \
	>"$TB_DIR/ed.eml"
dkim_py_sign "$TB_DIR/ed.eml" "$KEYS/rsa2048.private" rsa2048 example.org >"$TB_DIR/two.eml"
sed 's/^Hello\./Hullo./' "$TB_DIR/rsa.eml" >"$TB_DIR/body.eml"
sed 's/^Subject: DKIM/Subject: DKIN/' "$TB_DIR/rsa.eml" >"$TB_DIR/subject.eml"
for s in small768 revoked badb64 notakey random testing; do
	k=rsa2048
	[ $s = small768 ] && k=small768
	dkim_py_sign "$M" "$KEYS/$k.private" "$s" example.org >"$TB_DIR/$s.eml"
done

# ar SOCKET FILE: the A-R value a milter adds, white space squeezed,
# OpenDKIM's dkim-atps clause (an experimental RFC 6541 extra) left out.
ar() {
	MSG=$2 MILTER_SOCKET=$1 miltertest -s "$TB_ROOT/tests/integration/milter/ar.lua" 2>&1 |
		tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//; s/; dkim-atps=[a-z]*$//'
}
theirs() { ar "unix:$TB_DIR/opendkim.sock" "$TB_DIR/$1.eml"; }
ours() { ar "inet:$MILTER_PORT_main@127.0.0.1" "$TB_DIR/$1.eml"; }
# same WHAT NAME: both write the same clauses.
same() {
	t=$(theirs "$2")
	o=$(ours "$2")
	if [ "$t" = "$o" ] && [ -n "$o" ] && [ "$o" != "(none)" ]; then ok "$1"; else
		fail "$1"
		diag "OpenDKIM:    $t"
		diag "chainmilter: $o"
	fi
}
# differs WHAT NAME OPENDKIM_CLAUSE OUR_CLAUSE: each writes its own, as said.
differs() {
	t=$(theirs "$2")
	o=$(ours "$2")
	if expr "$t" : ".*; $3 header.d=" >/dev/null && expr "$o" : ".*; $4 header.d=" >/dev/null; then
		ok "$1"
	else
		fail "$1"
		diag "OpenDKIM:    $t"
		diag "chainmilter: $o"
	fi
}
A="header.d=example.org header.i=@example.org header.a=rsa-sha256"

same "RSA pass: the same clause as OpenDKIM" rsa
check "and it is OpenDKIM's format: result, key size, d, i, a, s, b" \
	test "$(ours rsa)" = "mx.test.example; dkim=pass (2048-bit key) $A header.s=rsa2048 header.b=$(b8 "$TB_DIR/rsa.eml")"
same "Ed25519 pass: the same clause" ed
same "two signatures: the same two clauses, in the same order, header.b told apart" two
same "a changed signed field: the same fail clause" subject
same "a key under MinimumKeyBits: the same policy clause" small768

# Where chainmilter says what RFC 6376 and RFC 8601 say instead.
differs "changed body: OpenDKIM says signature verification failed, we say body hash did not verify (RFC 6376 §6.1.3)" \
	body 'dkim=fail reason="signature verification failed" (2048-bit key)' \
	'dkim=fail reason="body hash did not verify" (2048-bit key)'
differs "revoked key: OpenDKIM says fail, we say permerror (RFC 6376 §6.1.2: PERMFAIL key revoked)" \
	revoked 'dkim=fail reason="key revoked"' 'dkim=permerror reason="key revoked"'
differs "key record not base64: OpenDKIM says temperror, we say permerror (it will not get better)" \
	badb64 'dkim=temperror' 'dkim=permerror reason="key DNS reply corrupt"'
differs "no key record syntax at all: OpenDKIM says temperror, we say permerror" \
	notakey 'dkim=temperror' 'dkim=permerror reason="key DNS reply corrupt"'
differs "a key that decodes to nothing: both permerror, we add the reason" \
	random 'dkim=permerror' 'dkim=permerror reason="unable to apply public key"'
differs "a key in test mode: we say so in the comment" \
	testing 'dkim=pass (2048-bit key)' 'dkim=pass (2048-bit key; test mode)'

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
tb_done

#!/bin/sh
# DKIM keys as admins set them up. The tutorial's steps, as the tutorial
# writes them: a key made for selector example.org in /etc/postfix/dkim (here
# with chainmilter keygen instead of dkim-genkey), its .txt record added to
# the zone, and the KeyList line copied verbatim; mail then leaves signed and
# verifies against the zone. /etc/postfix/dkim is a directory of the test's
# own, mounted there in a private mount namespace for chainmilter only. Then
# keygen's files, and key problems reported at start by file and line.
. "$(dirname "$0")/../lib/tb.sh"
. "$(dirname "$0")/../lib/dkim.sh"

# not_zero CMD...: the command fails (quietly).
not_zero() { ! "$@" >/dev/null 2>&1; }

ETC=$TB_DIR/etc-postfix
mkdir -p "$ETC/dkim"

# 1. "dkim-genkey -b 1024 -d example.org -s example.org" in /etc/postfix/dkim.
"$CM_BIN" keygen -b 1024 -d example.org -s example.org -D "$ETC/dkim" >"$TB_DIR/keygen.out" 2>&1
check "keygen writes example.org.private, mode 0600" \
	test "$(stat -c %a "$ETC/dkim/example.org.private")" = 600
check "keygen writes example.org.txt, the record to publish" \
	grep -q '^example.org._domainkey	IN	TXT	( "v=DKIM1; h=sha256; k=rsa; "$' "$ETC/dkim/example.org.txt"
check "keygen says where the record goes" \
	grep -q "publish it as example.org._domainkey.example.org TXT" "$TB_DIR/keygen.out"
"$CM_BIN" keygen -d example.org -s ed -t ed25519 -D "$ETC/dkim" >/dev/null 2>&1
check "keygen -t ed25519 writes a k=ed25519 record" \
	grep -q '"v=DKIM1; k=ed25519; "' "$ETC/dkim/ed.txt"
check "keygen never overwrites a key" \
	not_zero "$CM_BIN" keygen -b 1024 -d example.org -s example.org -D "$ETC/dkim"

# The zone with the new records appended, as the tutorial says to.
mkdir -p "$TB_DIR/zones"
cp "$TB_ROOT"/tests/zones/*.zone "$TB_DIR/zones/"
cat "$ETC/dkim/example.org.txt" "$ETC/dkim/ed.txt" >>"$TB_DIR/zones/example.org.zone"
TB_ZONES=$TB_DIR/zones
tb_dns_start || exit 1
pub=$(grep -o '"[^"]*"' "$ETC/dkim/example.org.txt" | tr -d '"\n')
check "dig example.org._domainkey.example.org TXT returns the record keygen wrote" \
	test "$(tb_dig example.org._domainkey.example.org TXT | tr -d '" \n')" = "$(echo "$pub" | tr -d ' ')"

# 2. The KeyList line, verbatim, and chainmilter seeing /etc/postfix/dkim.
cat >"$TB_DIR/dkim-keys.conf" <<'EOF'
*@example.org:example.org:/etc/postfix/dkim/example.org
EOF
REAL_BIN=$CM_BIN
cat >"$TB_DIR/in-ns.sh" <<EOF
#!/bin/sh
# chainmilter with the test's directory as /etc/postfix (same pid: exec all the way).
exec unshare -m sh -c 'mount --bind "$ETC" /etc/postfix && exec "\$0" "\$@"' "$REAL_BIN" "\$@"
EOF
chmod +x "$TB_DIR/in-ns.sh"
CM_BIN=$TB_DIR/in-ns.sh
tb_sink_start || exit 1
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
KeyList $TB_DIR/dkim-keys.conf
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1
tb_smtp --from alice@example.org --file "$F/bench-7k.eml" >/dev/null
tb_sink_wait 1 || fail "mail reached the sink"
m=$(tb_sink_last)
dkim_py_verify "$m" >"$TB_DIR/py"
check "the tutorial's KeyList signs: d=example.org s=example.org, and dkimpy verifies it" \
	grep -qx 'pass d=example.org s=example.org a=rsa-sha256 c=relaxed/relaxed' "$TB_DIR/py"
dkim_pl_verify "$m" >"$TB_DIR/pl"
check "Mail::DKIM verifies it too" grep -qx 'pass d=example.org s=example.org a=rsa-sha256' "$TB_DIR/pl"

# 3. The tutorial's caveat: writing the .private suffix in the KeyList.
printf '*@example.org:example.org:/etc/postfix/dkim/example.org.private\n' >"$TB_DIR/wrong.conf"
printf 'ClamAV no\nKeyList %s\n' "$TB_DIR/wrong.conf" >"$TB_DIR/caveat.conf"
"$TB_DIR/in-ns.sh" -n -c "$TB_DIR/caveat.conf" >"$TB_DIR/n.out" 2>&1
check "chainmilter -n explains dkim-filter's .private caveat, with file and line" \
	grep -qF "$TB_DIR/caveat.conf:2: KeyList: $TB_DIR/wrong.conf:1: /etc/postfix/dkim/example.org.private.private: No such file or directory (expected a private key file, as chainmilter keygen writes); KeyList appends .private to the keypath, as dkim-filter did: write the keypath without it (/etc/postfix/dkim/example.org)" \
	"$TB_DIR/n.out"

# 4. Problems found at start: chainmilter refuses to run, naming them all.
printf 'k1 example.org:sel:%s/missing.private\nbroken line\n' "$TB_DIR" >"$TB_DIR/kt"
printf '*@example.org k1\n*@example.net k2\n' >"$TB_DIR/st"
chmod 644 "$ETC/dkim/ed.private"
cat >"$TB_DIR/bad.conf" <<EOF
Socket inet:$(tb_port)@127.0.0.1
ClamAV no
KeyTable $TB_DIR/kt
SigningTable refile:$TB_DIR/st
EOF
"$REAL_BIN" -f -c "$TB_DIR/bad.conf" >"$TB_DIR/bad.out" 2>&1
rc=$?
check "a config with bad keys: chainmilter does not start (exit status not 0)" test "$rc" != 0
check "it names the KeyTable's bad line" \
	grep -qF "$TB_DIR/bad.conf:3: KeyTable: $TB_DIR/kt:2: expected keyname domain:selector:keypath" "$TB_DIR/bad.out"
check "it names the SigningTable's unknown key" \
	grep -qF "$TB_DIR/bad.conf:4: SigningTable: $TB_DIR/st:2: key \"k2\" is not in the KeyTable" "$TB_DIR/bad.out"
check "it names the missing key file, with the KeyTable line naming it" \
	grep -qF "KeyTable: $TB_DIR/kt:1: $TB_DIR/missing.private: No such file or directory" "$TB_DIR/bad.out"
printf 'ClamAV no\nDomain example.org\nSelector ed\nKeyFile %s\nGreylist no\n' "$ETC/dkim/ed.private" >"$TB_DIR/open.conf"
"$REAL_BIN" -n -c "$TB_DIR/open.conf" >"$TB_DIR/open.out" 2>&1
check "a key others can read: refused, file, mode and what is wanted" \
	grep -qF "$TB_DIR/open.conf:4: KeyFile: $ETC/dkim/ed.private: mode 0644 lets others read it (want 0600, or 0640 with group root); or set RequireSafeKeys no" \
	"$TB_DIR/open.out"

# 5. chainmilter check shows the signature a message would get.
chmod 600 "$ETC/dkim/ed.private"
"$REAL_BIN" check -c "$TB_DIR/open.conf" -o "Nameservers=$(tb_ns)" -i 127.0.0.1 \
	"$F/bench-7k.eml" >"$TB_DIR/check.out" 2>&1
check "chainmilter check prints the DKIM-Signature it would prepend" \
	grep -q '^prepend header: DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=ed;' "$TB_DIR/check.out"

check "chainmilter exits 0 on SIGTERM" tb_milter_stop main
tb_done

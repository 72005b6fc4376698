#!/bin/sh
# The antivirus check through real Postfix: EICAR in every wrapping mail
# uses (plain body, base64 attachment, zip, zip in zip, uuencode, tar.gz)
# is refused with 550 5.7.1 naming the virus and never delivered; Debian's
# 44 ClamAV test files are caught; clean mail gets X-Virus-Status: Clean;
# the destinies discard, quarantine and tag; bad input (truncated MIME, a
# zip bomb, deep nesting, an empty or oversized message, a vanished
# database) ends in the configured action and a log line, never a crash.
. "$(dirname "$0")/../lib/tb.sh"

LOG=$TB_DIR/milter-main.log
W=$TB_DIR/work
mkdir -p "$W"

tb_sink_start || exit 1
# SPF and DMARC would add their scores to the exact ones asserted here;
# t_spf.sh and t_dmarc.sh test them through Postfix.
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
SPF no
DMARC no
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1
conf=$MILTER_CONF_main

# reconfigure LINES...: rewrite the config, SIGHUP, wait for the outcome.
reconfigure() {
	tb_milter_reconfigure main "AuthservID mx.test.example" "SPF no" "DMARC no" "$@"
}

# headers SUBJECT [multipart]: the header block of a test message.
headers() {
	printf 'From: <sender@example.net>\r\nTo: <rcpt@example.org>\r\nSubject: %s\r\n' "$1"
	printf 'Date: Mon, 4 Nov 2024 10:00:00 +0000\r\nMessage-ID: <%s@example.net>\r\n' \
		"$(echo "$1" | tr -c 'a-zA-Z0-9\n' '-')"
	if [ -n "${2:-}" ]; then
		printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_b1"\r\n'
	fi
	printf '\r\n'
}

# attach SUBJECT FILE NAME TYPE: a multipart message with FILE in base64.
attach() {
	headers "$1" multipart
	printf -- '--=_b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
	printf 'The file is attached.\r\n'
	printf -- '--=_b1\r\nContent-Type: %s; name="%s"\r\n' "$4" "$3"
	printf 'Content-Transfer-Encoding: base64\r\n'
	printf 'Content-Disposition: attachment; filename="%s"\r\n\r\n' "$3"
	base64 -w 76 "$2" | sed 's/$/\r/'
	printf -- '--=_b1--\r\n'
}

# send FILE [smtpclient args]: send inbound; the DATA line goes to $W/out.
send() {
	tb_smtp --xclient 192.0.2.1 --file "$@" >"$W/out"
}

tb_eicar >"$W/eicar.com"
# Inside archives, EICAR padded so that it is compressed: a 68-byte member
# would be stored as is and match without any unpacking.
{
	tb_eicar
	head -c 4000 /dev/zero | tr '\0' '\n'
} >"$W/eicar.txt"
cd "$W" || exit 1

# ---- EICAR in the forms mail carries it ----
{
	headers "plain body"
	printf 'Please run this:\r\n%s\r\n' "$(tb_eicar)"
} >"$W/plain.eml"
attach "base64 attachment" eicar.com eicar.com application/octet-stream >"$W/b64.eml"
zip -q eicar.zip eicar.txt
attach "zip" eicar.zip eicar.zip application/zip >"$W/zip.eml"
zip -q zipzip.zip eicar.zip
attach "zip in zip" zipzip.zip docs.zip application/zip >"$W/zipzip.eml"
{
	headers "uuencoded inline"
	printf 'See below.\r\n\r\n'
	uuencode eicar.com eicar.com | sed 's/$/\r/'
} >"$W/uu.eml"
tar czf eicar.tar.gz eicar.txt
attach "tar.gz" eicar.tar.gz eicar.tar.gz application/gzip >"$W/targz.eml"

for form in plain b64 zip zipzip uu targz; do
	before=$(tb_sink_count)
	send "$W/$form.eml"
	check "EICAR ($form) refused with 550 5.7.1 naming the virus" \
		grep -q '^DATA 550 5.7.1 Virus found: Eicar-Test-Signature' "$W/out"
	check "EICAR ($form) not delivered" test "$(tb_sink_count)" -eq "$before"
done
check "the log says Blocked INFECTED (name) and av=infected" \
	grep -q 'Blocked INFECTED (Eicar-Test-Signature[A-Z.]*), ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in dkim=none av=infected' "$LOG"
check "each of the six was logged as blocked" \
	test "$(grep -c 'Blocked INFECTED (Eicar' "$LOG")" -eq 6

# ---- outbound: scanned too (ScanOutbound yes) ----
tb_smtp --file "$W/b64.eml" >"$W/out"
check "EICAR from an internal client (outbound) refused too" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"
check "logged with dir=out" grep -q 'Blocked INFECTED (Eicar[^)]*), ip=127.0.0.1 .*dir=out av=infected' "$LOG"

# ---- Debian's ClamAV test files: clam.exe packed, archived, mailed ----
# testfile FILE: mail it as an attachment; 0 if refused naming clam.exe.
testfile() {
	attach "testfile $(basename "$1")" "$1" "$(basename "$1")" application/octet-stream \
		>"$W/tf.eml"
	send "$W/tf.eml"
	grep -q '^DATA 550 5.7.1 Virus found: Clamav.Test.File-6' "$W/out"
}
n=0 caught=0
emax=/usr/share/clamav-testfiles/clam_cache_emax.tgz
for tf in /usr/share/clamav-testfiles/*; do
	[ "$tf" = "$emax" ] && continue
	n=$((n + 1))
	if testfile "$tf"; then
		caught=$((caught + 1))
	else
		diag "not caught: $tf: $(grep '^DATA' "$W/out")"
	fi
done
check "clamav-testfiles: all $n caught by clam.exe's hash signature ($caught)" \
	test "$caught" -eq "$n" -a "$n" -ge 43
check "none of them delivered" test "$(tb_sink_count)" -eq 0
# clam_cache_emax.tgz nests clam.exe in 9 tar.gz (18 levels, 20 in a mail):
# beyond clamd's MaxRecursion 17, so found only with the limit raised.
testfile "$emax"
check "clam_cache_emax.tgz at the default MaxRecursion 17 is not reached (as with clamd)" \
	grep -q '^DATA 250 ' "$W/out"
tb_sink_wait 1 || fail "it was delivered"
reconfigure "MaxRecursion 20"
check "clam_cache_emax.tgz is caught with MaxRecursion 20" testfile "$emax"
reconfigure

# ---- clean mail ----
printf 'Minutes of the meeting.\n' >minutes.txt
zip -q minutes.zip minutes.txt
{
	headers "clean with attachments" multipart
	printf -- '--=_b1\r\nContent-Type: text/plain\r\n\r\nTwo files attached.\r\n'
	printf -- '--=_b1\r\nContent-Type: text/plain; name="minutes.txt"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 minutes.txt | sed 's/$/\r/'
	printf -- '--=_b1\r\nContent-Type: application/zip; name="minutes.zip"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 minutes.zip | sed 's/$/\r/'
	printf -- '--=_b1--\r\n'
} >"$W/clean.eml"
send "$W/clean.eml"
check "a clean multipart message with attachments is accepted" grep -q '^DATA 250 ' "$W/out"
tb_sink_wait 2 || fail "the clean message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "it arrives with X-Virus-Status: Clean" grep -qx 'X-Virus-Status: Clean' "$h"
check "and X-Virus-Scanned: chainmilter VERSION on HOST" \
	grep -qx "X-Virus-Scanned: chainmilter [0-9.]* on $(hostname)" "$h"
check "logged as Passed CLEAN with av=clean" \
	grep -q 'Passed CLEAN, ip=192.0.2.1 .*dir=in dkim=none av=clean score=' "$LOG"

# A forged clean status from outside is replaced, not trusted.
{
	printf 'X-Virus-Status: Clean\r\nX-Virus-Scanned: by a friend\r\n'
	cat "$W/plain.eml"
} >"$W/forged.eml"
reconfigure "VirusDestiny tag"
send "$W/forged.eml"
check "VirusDestiny tag: infected mail is accepted" grep -q '^DATA 250 ' "$W/out"
tb_sink_wait 3 || fail "the tagged message reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "tagged with X-Virus-Status: Infected (name)" \
	grep -qx 'X-Virus-Status: Infected (Eicar-Test-Signature[A-Z.]*)' "$h"
check "the forged X-Virus-Status and X-Virus-Scanned are gone" \
	sh -c "[ \$(grep -c '^X-Virus-Status:' '$h') = 1 ] && ! grep -q 'by a friend' '$h'"
check "logged as Passed INFECTED (name)" grep -q 'Passed INFECTED (Eicar-Test-Signature' "$LOG"

reconfigure "VirusDestiny discard"
send "$W/b64.eml"
check "VirusDestiny discard: the client sees 250" grep -q '^DATA 250 ' "$W/out"
sleep 1
check "discarded mail is not delivered" test "$(tb_sink_count)" -eq 3
check "Postfix logged the discard" grep -q 'milter-discard: END-OF-MESSAGE' "$TB_POSTFIX/maillog"

reconfigure "VirusDestiny quarantine"
send "$W/zip.eml"
check "VirusDestiny quarantine: the client sees 250" grep -q '^DATA 250 ' "$W/out"
sleep 1
tb_postqueue >"$W/queue"
check "the infected message sits in Postfix's hold queue" grep -q '^[0-9A-F]*!' "$W/queue"
check "logged as Quarantined INFECTED (name)" \
	grep -q 'Quarantined INFECTED (Eicar-Test-Signature' "$LOG"

# ---- bad input ----
reconfigure "MaxRecursion 4"
{
	headers "truncated MIME" multipart
	printf -- '--=_b1\r\nContent-Type: application/octet-stream; name="a.com"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 eicar.com | sed 's/$/\r/'
	printf -- '--=_b1\r\nContent-Type: application/octet-stream; name="b.zip"\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 -w 76 /usr/share/clamav-testfiles/clam.zip | head -c 300
} >"$W/truncated.eml"
send "$W/truncated.eml"
check "truncated MIME (no closing boundary, cut base64): the complete part is still caught" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"

head -c 100000000 /dev/zero >zeros.bin
zip -q bomb.zip zeros.bin eicar.txt
rm -f zeros.bin
attach "zip bomb" bomb.zip bomb.zip application/zip >"$W/bomb.eml"
diag "zip bomb: $(wc -c <bomb.zip) bytes, 100 MB inside, EICAR after it"
send "$W/bomb.eml"
check "zip bomb: the 100 MB member is skipped (MaxFileSize), the EICAR after it caught" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"

gzip -c eicar.txt >gz1
for i in 2 3 4 5 6; do gzip -c "gz$((i - 1))" >"gz$i"; done
attach "gzip six deep" gz6 nested.gz application/gzip >"$W/deep.eml"
send "$W/deep.eml"
check "gzip nested deeper than MaxRecursion 4 is not unpacked (accepted, as clamd does)" \
	grep -q '^DATA 250 ' "$W/out"
attach "gzip two deep" gz2 nested.gz application/gzip >"$W/shallow.eml"
send "$W/shallow.eml"
check "nesting within MaxRecursion is unpacked and caught" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"

: >"$W/empty.eml"
send "$W/empty.eml"
check "an empty message is accepted" grep -q '^DATA 250 ' "$W/out"
check "and logged as scanned clean" grep -q 'Passed CLEAN, ip=192.0.2.1 <sender@example.net> -> <rcpt@example.org>, dir=in dkim=none av=clean score=0.0/5.0 tests=\[DKIM_NONE=0\] size=' "$LOG"

reconfigure "MaxFileSize 64k"
{
	headers "too big to scan"
	i=0
	while [ $i -lt 2000 ]; do
		printf 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eius\r\n'
		i=$((i + 1))
	done
	printf '%s\r\n' "$(tb_eicar)"
} >"$W/big.eml"
before=$(tb_sink_count)
send "$W/big.eml"
check "a message over MaxFileSize is accepted unscanned (not rejected)" \
	grep -q '^DATA 250 ' "$W/out"
tb_sink_wait $((before + 1)) || fail "the oversized message reached the sink"
check "logged with av=skipped and AV_SKIPPED_SIZE" \
	grep -q 'Passed CLEAN, .* av=skipped score=0.0/5.0 tests=\[DKIM_NONE=0,AV_SKIPPED_SIZE=0\]' "$LOG"
h=$(tb_headers_of "$(tb_sink_last)")
check "it claims no X-Virus-Status" sh -c "! grep -q '^X-Virus-Status' '$h'"

# The database directory vanishes: reloads fail, the loaded engine goes on.
reconfigure "ClamAVCheckInterval 1"
mv "$TB_DIR/clamav" "$TB_DIR/clamav.gone"
send "$W/b64.eml"
check "with the database directory gone, the loaded signatures still catch EICAR" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"
i=0
until grep -q "av: the virus database in $TB_DIR/clamav changed but cannot be loaded" "$LOG"; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
check "a vanished database directory is logged (changed, cannot be loaded)" \
	grep -q "av: the virus database in $TB_DIR/clamav changed but cannot be loaded: .*; still scanning with the previous one (3 signatures)" "$LOG"
send "$W/zip.eml"
check "and scanning goes on after the failed reload" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"
reconfigure "ClamAVCheckInterval 1"
check "SIGHUP with the directory gone: reload refused, naming it" \
	grep -q "reload: .*ClamAVDatabaseDirectory: $TB_DIR/clamav: cannot load the virus signatures" "$LOG"
send "$W/plain.eml"
check "the running configuration still rejects EICAR" \
	grep -q '^DATA 550 5.7.1 Virus found: Eicar' "$W/out"
check "the daemon still runs" kill -0 "$MILTER_PID_main"
mv "$TB_DIR/clamav.gone" "$TB_DIR/clamav"
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

tb_done

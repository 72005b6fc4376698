#!/bin/sh
# Spam scoring end to end: `chainmilter learn` teaches the classifier a
# generated corpus (files, a directory, an mbox; --forget), then through
# real Postfix and nsd: a spam above SpamKillLevel is refused with 554
# 5.7.1 (SpamDestiny reject), a spam below it arrives tagged (X-Spam-Flag,
# the subject tag), a ham arrives with X-Spam-Status: No; DNSBL listings
# from the test zone score; autolearning says so in X-Spam-Status; bad
# input (a broken token store, 10,000 header fields, a 50 MB body) is
# scored within bounds and logged, never a crash.
. "$(dirname "$0")/../lib/tb.sh"

PY=/usr/bin/python3
LOG=$TB_DIR/milter-main.log
D=$TB_DIR/data
mkdir -p "$D"

# ---- a generated corpus: two vocabularies and shared words ----
$PY - "$D" <<'EOF'
import os, random, sys
d = sys.argv[1]
random.seed(7)
ham = ("meeting schedule patch kernel review release build compiler thanks agenda minutes "
       "project branch merge tests deadline report draft budget lunch team server config logs").split()
spam = ("viagra mortgage free offer winner casino cheap pills discount guarantee credit "
        "refinance bonus lottery prize investment opportunity replica watches weight loss "
        "cash click").split()
common = "the and you for with this that have from your will about today time".split()

def message(is_spam, n):
    own, other = (spam, ham) if is_spam else (ham, spam)
    words = []
    for i in range(80):
        r = random.random()
        words.append(random.choice(own if r < 0.6 else common if r < 0.9 else other))
    frm = ("offers%d@deals.example.biz" % n) if is_spam else ("colleague%d@example.org" % (n % 100))
    return ("From: %s\nTo: rcpt@example.org\nSubject: %s %s\n"
            "Date: Tue, 4 Jun 2024 09:12:40 +0200\nMessage-ID: <%s%d@gen.example>\n\n%s\n"
            % (frm, random.choice(own), random.choice(common), "s" if is_spam else "h", n,
               " ".join(words)))

for kind in ("spam", "ham"):
    os.makedirs(f"{d}/{kind}", exist_ok=True)
    for n in range(60):
        with open(f"{d}/{kind}/{n}.eml", "w") as f:
            f.write(message(kind == "spam", n))
# An mbox of three more ham, and test messages the classifier never saw.
with open(f"{d}/ham.mbox", "w") as f:
    for n in range(100, 103):
        f.write("From colleague@example.org Tue Jun  4 09:12:40 2024\n" + message(False, n) + "\n")
with open(f"{d}/spam-test.eml", "w") as f:
    f.write(message(True, 500))
with open(f"{d}/ham-test.eml", "w") as f:
    f.write(message(False, 500))
# A spam that the rules see too: capitals, a numeric-IP link, a broken date.
with open(f"{d}/spam-loud.eml", "w") as f:
    m = message(True, 501).replace("Subject: ", "Subject: FREE CASH PRIZE WINNER ", 1)
    m = m.replace("Date: Tue, 4 Jun 2024 09:12:40 +0200", "Date: Tue, 24 Sep 2002 06:09:40 -1900")
    f.write(m + "Claim at http://203.0.113.77/claim.html now\n")
EOF

cat >"$TB_DIR/learn.conf" <<EOF
ClamAV no
BayesStore lmdb:$TB_DIR/bayes.lmdb
EOF
L="$CM_BIN learn -c $TB_DIR/learn.conf"

# ---- chainmilter learn ----
$L --spam "$D/spam" >"$TB_DIR/out" 2>&1
check "learn --spam DIR: 60 messages learned" grep -q '^learned 60 messages as spam' "$TB_DIR/out"
$L --ham "$D/ham" "$D/ham.mbox" >"$TB_DIR/out" 2>&1
check "learn --ham DIR MBOX: 63 messages (the mbox's three too)" \
	grep -q '^learned 63 messages as ham' "$TB_DIR/out"
check "learn reports the store's totals" grep -q 'now knows 60 spam and 63 ham' "$TB_DIR/out"
$L --ham "$D/ham/1.eml" >"$TB_DIR/out" 2>&1
check "learning a message again changes nothing" grep -q '0 messages as ham.*1 learned before' "$TB_DIR/out"
$L --spam "$D/ham/1.eml" >"$TB_DIR/out" 2>&1
check "learning a ham as spam moves it" grep -q 'learned 1 messages as spam (1 moved from ham' "$TB_DIR/out"
$L --spam --forget "$D/ham/1.eml" >"$TB_DIR/out" 2>&1
check "learn --forget takes it out" grep -q 'now knows 60 spam and 62 ham' "$TB_DIR/out"
$L --ham "$D/ham/1.eml" >/dev/null 2>&1
# On a terminal: a progress bar (script(1) gives the command a pty).
script -qec "$L --ham $D/ham" /dev/null >"$TB_DIR/out" 2>&1
check "learn draws a progress bar on a terminal" grep -q 'learning ham \[#*\] 100%' "$TB_DIR/out"
$L --ham "$TB_DIR/no-such-dir" >"$TB_DIR/out" 2>&1
check "learn names a path it cannot read and exits 1" \
	sh -c "[ $? -eq 1 ] && grep -q 'no-such-dir: No such file or directory' '$TB_DIR/out'"
$CM_BIN learn -c "$TB_DIR/learn.conf" "$D/ham" >"$TB_DIR/out" 2>&1
check "learn without --spam or --ham shows its usage (exit 2)" \
	sh -c "[ $? -eq 2 ] && grep -q 'usage: chainmilter learn' '$TB_DIR/out'"

# learn --tune, on a copy of the store (what follows wants the plain one).
cp "$TB_DIR/bayes.lmdb" "$TB_DIR/tune.lmdb"
cat >"$TB_DIR/tune.conf" <<EOF
ClamAV no
BayesStore lmdb:$TB_DIR/tune.lmdb
BayesMinLearned 50
EOF
T="$CM_BIN learn -c $TB_DIR/tune.conf --tune"
$T --spam "$D/spam" >"$TB_DIR/out" 2>&1
check "learn --tune judges every learned spam held out; the generated ones are all right" \
	grep -q '^tuned 60 messages as spam: 0 misjudged held out and learned a second time, 60 judged right, 0 not judged' "$TB_DIR/out"
# A spam-looking message said to be ham (as a shop's newsletter would be):
# moved, misjudged when held out, so learned twice.
$T --ham "$D/spam/7.eml" >"$TB_DIR/out" 2>&1
check "learn --tune learns a misjudged message a second time" \
	grep -q '^tuned 1 messages as ham: 1 misjudged held out and learned a second time, 0 judged right, 0 not judged.*1 were not learned as ham before (1 moved from spam)' "$TB_DIR/out"
check "... and counts it twice" grep -q 'now knows 59 spam and 65 ham' "$TB_DIR/out"
$T --ham "$D/spam/7.eml" >"$TB_DIR/out" 2>&1
check "learn --tune leaves a message learned twice alone" \
	grep -q '^tuned 1 messages as ham: 0 misjudged .* 0 judged right, 1 not judged' "$TB_DIR/out"
$CM_BIN learn -c "$TB_DIR/tune.conf" --ham --forget "$D/spam/7.eml" >"$TB_DIR/out" 2>&1
check "learn --forget takes both out" grep -q 'now knows 59 spam and 63 ham' "$TB_DIR/out"
$T --ham --forget "$D/spam/7.eml" >"$TB_DIR/out" 2>&1
check "learn --tune --forget is refused with the usage (exit 2)" \
	sh -c "[ $? -eq 2 ] && grep -q 'usage: chainmilter learn' '$TB_DIR/out'"

# ---- through Postfix ----
tb_dns_start || exit 1
tb_sink_start || exit 1
# SPF and DMARC off: the test zone's example.net forbids the XCLIENT
# addresses, and this test is about the spam score alone.
tb_milter_start main <<EOF || exit 1
AuthservID mx.test.example
SPF no
DMARC no
BayesStore lmdb:$TB_DIR/bayes.lmdb
BayesMinLearned 50
SpamSubjectTag ***SPAM***
SpamDestiny reject
SpamKillLevel 10
DNSBL dnsbl.test 3.0 match 127.0.0.2 symbol TEST_DNSBL
DNSBL dnsbl.test 1.0 match 127.0.0.4 timeout 2s symbol TEST_DNSBL_POLICY
EOF
tb_postfix_start "$MILTER_PORT_main" </dev/null || exit 1

tb_smtp --xclient 192.0.2.1 --file "$D/spam-loud.eml" >"$TB_DIR/out"
check "a spam above SpamKillLevel is refused: 554 5.7.1 (SpamDestiny reject)" \
	grep -q '^DATA 554 5.7.1' "$TB_DIR/out"
grep 'Blocked SPAM, ip=192.0.2.1 .*bayes=1.0000 score=[0-9.]*/5.0 tests=\[' "$LOG" >"$TB_DIR/blocked"
check "log: Blocked SPAM with the classifier's and the rules' symbols" \
	sh -c "grep -q 'BAYES_99=4.5' '$TB_DIR/blocked' && grep -q 'URI_NUMERIC_IP=2.5' '$TB_DIR/blocked'"

tb_smtp --xclient 192.0.2.1 --file "$D/spam-test.eml" >"$TB_DIR/out"
check "a spam below SpamKillLevel is delivered (250)" grep -q '^DATA 250 ' "$TB_DIR/out"
tb_sink_wait 1 || fail "the tagged spam reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "it arrives with X-Spam-Flag: YES" grep -qx 'X-Spam-Flag: YES' "$h"
check "and the subject tag" grep -q '^Subject: \*\*\*SPAM\*\*\* ' "$h"
check "X-Spam-Status names BAYES_99" grep -q '^X-Spam-Status: Yes, score=.*BAYES_99' "$(tb_unfolded "$(tb_sink_last)")"

tb_smtp --xclient 192.0.2.1 --file "$D/ham-test.eml" >/dev/null
tb_sink_wait 2 || fail "the ham reached the sink"
h=$(tb_headers_of "$(tb_sink_last)")
check "a ham arrives with X-Spam-Status: No and BAYES_00" \
	grep -q '^X-Spam-Status: No, score=-\?[0-9.]* required=5.0 tests=BAYES_00' "$h"
check "its subject is untouched" sh -c "! grep -q '^Subject: \*\*\*SPAM' '$h'"

# DNSBL: the test zone lists 192.0.2.99 (127.0.0.2) and 192.0.2.98 (127.0.0.4).
tb_smtp --xclient 192.0.2.99 --file "$D/ham-test.eml" >/dev/null
tb_sink_wait 3 || fail "the message from a listed client reached the sink"
check "a client listed with 127.0.0.2 gets TEST_DNSBL=3" \
	grep -q 'ip=192.0.2.99 .*tests=\[.*TEST_DNSBL=3[],]' "$LOG"
tb_smtp --xclient 192.0.2.98 --file "$D/ham-test.eml" >/dev/null
tb_sink_wait 4 || fail "the message from the other listed client reached the sink"
check "127.0.0.4 matches the other line only (TEST_DNSBL_POLICY=1)" \
	sh -c "grep 'ip=192.0.2.98 ' '$LOG' | grep -q 'TEST_DNSBL_POLICY=1' &&
	       ! grep 'ip=192.0.2.98 ' '$LOG' | grep -q 'TEST_DNSBL='"
tb_smtp --xclient 192.0.2.1 --file "$D/ham-test.eml" >/dev/null
tb_sink_wait 5 || fail "the message from an unlisted client reached the sink"
check "an unlisted client gets no DNSBL symbol" \
	sh -c "! grep 'ip=192.0.2.1 ' '$LOG' | tail -1 | grep -q DNSBL"
check "chainmilter exits 0 on SIGTERM" tb_milter_stop main

# ---- chainmilter check: IPv6, refusals, autolearn, bad input ----
: >"$TB_DIR/empty.conf"
# Only the spam check (no greylist store here, no SPF/DMARC verdicts).
only="-o ClamAV=no -o Greylist=no -o SPF=no -o DMARC=no"
C="$CM_BIN check -c $TB_DIR/empty.conf $only -o Nameservers=$(tb_ns) -o BayesStore=lmdb:$TB_DIR/bayes.lmdb -o BayesMinLearned=50"
$C -o "DNSBL=dnsbl.test 3.0 symbol TEST_DNSBL" -i 2001:db8::99 "$D/ham-test.eml" >"$TB_DIR/out" 2>&1
check "an IPv6 client is looked up by its nibbles (TEST_DNSBL)" grep -q 'TEST_DNSBL=3' "$TB_DIR/out"
$C -o "DNSBL=dnsbl.test 3.0 symbol TEST_DNSBL" -i 192.0.2.97 "$D/ham-test.eml" >"$TB_DIR/out" 2>&1
check "a list's 127.255.255.x answer (queries refused) scores nothing" \
	sh -c "! grep -q 'TEST_DNSBL' '$TB_DIR/out'"
check "and is logged as a refusal" grep -q 'DNSBL dnsbl.test answers 127.255.255.254: it refuses' "$TB_DIR/out"
$C -o "DNSBL=dnsbl.test 3.0 symbol TEST_DNSBL" -i 10.1.2.3 "$D/ham-test.eml" >"$TB_DIR/out" 2>&1
check "a private client address is not looked up" sh -c "! grep -q 'TEST_DNSBL' '$TB_DIR/out'"
$CM_BIN -n -c /dev/null -o ClamAV=no -o "DNSBL=dnsbl.test lots" >"$TB_DIR/out" 2>&1
check "a malformed DNSBL line is a config error naming it" \
	grep -q '^-o:.*DNSBL: dnsbl.test: score "lots": expected a number' "$TB_DIR/out"

$C -o BayesAutolearn=yes -o BayesAutolearnSpam=4 -i 192.0.2.1 "$D/spam-loud.eml" >"$TB_DIR/out" 2>&1
check "autolearn: a high-scoring spam is learned and X-Spam-Status says autolearn=spam" \
	grep -q 'autolearn=spam' "$TB_DIR/out"

printf 'not an lmdb file, just bytes %.0s' $(seq 1 300) >"$TB_DIR/broken.lmdb"
$CM_BIN check -c "$TB_DIR/empty.conf" $only -o "Nameservers=$(tb_ns)" -o "BayesStore=lmdb:$TB_DIR/broken.lmdb" \
	-i 192.0.2.1 "$D/spam-test.eml" >"$TB_DIR/out" 2>&1
rc=$?
check "a corrupt token store: the message is still scored and delivered (exit 0)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'BAYES_FAIL' '$TB_DIR/out'"
check "and the store is named in a warning" grep -q "warning: spam: Bayes lookup on lmdb:$TB_DIR/broken.lmdb failed" "$TB_DIR/out"

$PY - "$TB_DIR" <<'EOF'
import sys
d = sys.argv[1]
with open(f"{d}/many-headers.eml", "w") as f:
    f.write("From: a@example.net\nTo: b@example.org\nSubject: headers\n")
    for i in range(10000):
        f.write(f"X-Filler-{i}: value {i}\n")
    f.write("\nbody\n")
with open(f"{d}/big.eml", "w") as f:
    f.write("From: a@example.net\nTo: b@example.org\nSubject: big\n"
            "Date: Tue, 4 Jun 2024 09:12:40 +0200\nMessage-ID: <big@example.net>\n\n")
    line = "all work and no play makes jack a dull boy " * 2 + "\n"
    f.write(line * (50 * 1024 * 1024 // len(line)))
EOF
timeout 300 $C -i 192.0.2.1 "$TB_DIR/many-headers.eml" >"$TB_DIR/out" 2>&1
check "10,000 header fields: scored, verdict given" grep -q '^verdict: Passed' "$TB_DIR/out"
timeout 300 $C -i 192.0.2.1 "$TB_DIR/big.eml" >"$TB_DIR/out" 2>&1
check "a 50 MB body: the first MaxSpamScanSize scanned (SPAM_PARTIAL), verdict given" \
	sh -c "grep -q '^verdict: Passed' '$TB_DIR/out' && grep -q 'SPAM_PARTIAL' '$TB_DIR/out'"

tb_done

#!/bin/sh
# `make bench`: milterbench against chainmilter over inet (the default
# socket kind) and, side by side on the same messages, against OpenDKIM in
# signing mode (chainmilter signing with the same key beside it) and
# clamav-milter + clamd (Debian's packages, installed by
# `make deps-bench`). Also shows what libmilter's missing TCP_NODELAY would
# cost chainmilter, DNS lookups/s through lib/dns.c (tests/bench/dns.sh), and
# greylisting per RCPT on LMDB and Redis (tests/bench/greylist.sh), SPF and
# DMARC with warm caches (tests/bench/spf.sh).
# Figures, not pass/fail: run it on an idle machine.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
dir=$(mktemp -d /tmp/cmbench.XXXXXX)
chmod 755 "$dir"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 1; rm -rf "$dir"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { i=0; until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.1; done; }
MSG=$root/tests/fixtures/bench-7k.eml
N=${BENCH_MESSAGES:-20000}
C=${BENCH_CONCURRENCY:-8}
bench() { "$root/build/milterbench" -c "$C" -n "$N" "$@" "$MSG"; }
# start_cm NAME PORT: chainmilter on $dir/NAME.conf, logging to $dir/NAME.log;
# its pid in $pid once it listens on PORT.
start_cm() {
	"$root/build/chainmilter" -f -c "$dir/$1.conf" 2>"$dir/$1.log" &
	pid=$!
	pids="$pids $pid"
	wait_port "$2"
}

echo "== machine: $(nproc) cores, $(uname -r); message: $(wc -c <"$MSG") bytes; $C sessions at a time"

# chainmilter, antivirus off: inbound mail gets the X-Spam headers added.
# SPF and DMARC ask DNS: tests/bench/spf.sh measures them against the test
# nsd; here they are off, so nothing asks this machine's resolver.
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\nClamAV no\nGreylist no\nSPF no\nDMARC no\n' "$p" >"$dir/cm.conf"
start_cm cm "$p"
echo "== chainmilter $(build/chainmilter version | cut -d' ' -f2), antivirus off: inbound, adds 4 headers (one message per connection, as Postfix sends them)"
bench -l chainmilter -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
echo "== chainmilter: 10 messages per connection"
bench -l chainmilter-k10 -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 10
kill "$pid"

# The same binary with TCP_NODELAY suppressed: the stall every libmilter
# filter has unless it sets the option.
cc -shared -fPIC -O2 -D_GNU_SOURCE -o "$dir/no_nodelay.so" tests/bench/no_nodelay.c -ldl
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\nClamAV no\nGreylist no\nSPF no\nDMARC no\n' "$p" >"$dir/cm2.conf"
LD_PRELOAD=$dir/no_nodelay.so "$root/build/chainmilter" -f -c "$dir/cm2.conf" 2>/dev/null &
pid=$!
pids="$pids $pid"
wait_port "$p"
echo "== chainmilter with TCP_NODELAY suppressed (what libmilter does by default)"
"$root/build/milterbench" -c "$C" -n 400 -l chainmilter-nagle -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" "$MSG"
kill "$pid"

# DKIM signing: the same RSA-2048 key, the same 7 KB message From
# example.org, every message signed (relaxed/relaxed), first by chainmilter
# (its own signer on keys parsed once), then by OpenDKIM, the peer admins
# run today (libopendkim parses the key again for every signature).
mkdir -p "$dir/keys"
if command -v opendkim-genkey >/dev/null; then
	opendkim-genkey -b 2048 -d example.org -s bench -D "$dir/keys" >/dev/null 2>&1
else
	build/chainmilter keygen -b 2048 -d example.org -s bench -D "$dir/keys" >/dev/null
fi
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\nClamAV no\nGreylist no\nNameservers 127.0.0.1@9\nInternalHosts 127.0.0.1, 192.0.2.0/24\nDomain example.org\nSelector bench\nKeyFile %s\nCanonicalization relaxed/relaxed\n' \
	"$p" "$dir/keys/bench.private" >"$dir/cmsign.conf"
start_cm cmsign "$p"
echo "== chainmilter: signing RSA-2048 relaxed/relaxed (outbound: client in InternalHosts)"
bench -l chainmilter-sign -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
kill "$pid"
# The same outbound mail with DKIM off: the difference in CPU per message
# is what signing costs in the daemon.
p=$(port)
sed -e "s/^Socket .*/Socket inet:$p@127.0.0.1/" "$dir/cmsign.conf" >"$dir/cmnosign.conf"
echo "DKIM no" >>"$dir/cmnosign.conf"
start_cm cmnosign "$p"
echo "== chainmilter: the same outbound mail, DKIM off (signing's baseline)"
bench -l chainmilter-nosign -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
kill "$pid"

if command -v opendkim >/dev/null; then
	p=$(port)
	cat >"$dir/opendkim.conf" <<EOC
Socket inet:$p@127.0.0.1
Domain example.org
Selector bench
KeyFile $dir/keys/bench.private
Mode sv
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.0/8,192.0.2.0/24
Syslog no
RequireSafeKeys no
PidFile $dir/opendkim.pid
EOC
	opendkim -f -x "$dir/opendkim.conf" 2>"$dir/opendkim.log" &
	pid=$!
	pids="$pids $pid"
	wait_port "$p"
	echo "== OpenDKIM $(opendkim -V | head -1 | awk '{print $NF}'): signing RSA-2048 relaxed/relaxed"
	bench -l opendkim -s "inet:$p@127.0.0.1" -i 192.0.2.1 -p "$pid" -k 1
else
	echo "== OpenDKIM not installed (make deps-bench installs it); skipped"
fi

# ---- antivirus: chainmilter's libclamav in process vs clamav-milter + clamd ----
# Both scan with the same signature database (EICAR and clam.exe, as in the
# tests: no freshclam here) and the temp directory on tmpfs, so the figures
# compare the plumbing around one libclamav; a full freshclam database adds
# the same matching cost to both.
AVN=${BENCH_AV_MESSAGES:-5000}
db=$dir/clamav
mkdir -p "$db"
eicar() { printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'; }
printf 'Eicar-Test-Signature:0:*:%s\n' "$(eicar | od -An -tx1 | tr -d ' \n')" >"$db/eicar.ndb"
printf '%s:68:Eicar-Test-Signature\n' "$(eicar | md5sum | cut -d' ' -f1)" >"$db/eicar.hdb"
printf '%s:544:Clamav.Test.File-6\n' "$(md5sum </usr/share/clamav-testfiles/clam.exe | cut -d' ' -f1)" \
	>>"$db/eicar.hdb" 2>/dev/null || true
# A 100 KB message: text and a 72 KB binary attachment (fixed pseudo-random bytes).
/usr/bin/python3 - "$MSG" "$dir/bench-100k.eml" <<'EOP'
import base64, random, sys
src = open(sys.argv[1], "rb").read()
head = src.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in src else src.split(b"\n\n", 1)[0]
head = b"\r\n".join(l for l in head.replace(b"\r\n", b"\n").split(b"\n")
                    if not l.lower().startswith((b"content-", b"mime-version")))
random.seed(100)
blob = bytes(random.getrandbits(8) for _ in range(72 * 1024))
b64 = base64.encodebytes(blob).replace(b"\n", b"\r\n")
body = (b"--b100k\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        + b"The report is attached.\r\n" * 40
        + b"--b100k\r\nContent-Type: application/octet-stream; name=\"report.bin\"\r\n"
        + b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--b100k--\r\n")
open(sys.argv[2], "wb").write(head + b"\r\nMIME-Version: 1.0\r\n"
    + b"Content-Type: multipart/mixed; boundary=\"b100k\"\r\n\r\n" + body)
EOP
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
avbench() { # LABEL SOCKET PID FILE N
	"$root/build/milterbench" -c "$C" -n "$5" -k 1 -l "$1" -s "$2" -i 192.0.2.1 -p "$3" "$4"
}

# Like for like: clamav-milter only scans, so here chainmilter only scans too.
p=$(port)
printf 'Socket inet:%s@127.0.0.1\nSyslog no\nGreylist no\nSPF no\nDMARC no\nDKIM no\nSpamScoring no\nClamAVDatabaseDirectory %s\n' \
	"$p" "$db" >"$dir/cmav.conf"
start_cm cmav "$p"
for m in "$MSG" "$dir/bench-100k.eml"; do
	size=$(($(wc -c <"$m") / 1000))
	echo "== chainmilter, antivirus on (libclamav $(dpkg-query -W -f='${Version}' libclamav12 2>/dev/null | cut -d+ -f1), tmpfs): clean ${size} KB, scanned and tagged"
	avbench "chainmilter-av-${size}k" "inet:$p@127.0.0.1" "$pid" "$m" "$AVN"
done
kill "$pid"

if command -v clamd >/dev/null && command -v clamav-milter >/dev/null; then
	cat >"$dir/clamd.conf" <<EOC
LocalSocket $dir/clamd.sock
DatabaseDirectory $db
TemporaryDirectory /dev/shm
Foreground yes
LogFile $dir/clamd.log
PidFile $dir/clamd.pid
EOC
	clamd -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	i=0
	until [ -S "$dir/clamd.sock" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
	p=$(port)
	cat >"$dir/clamav-milter.conf" <<EOC
MilterSocket inet:$p@127.0.0.1
ClamdSocket unix:$dir/clamd.sock
Foreground yes
PidFile $dir/clamav-milter.pid
LogFile $dir/clamav-milter.log
OnInfected Reject
AddHeader Replace
EOC
	clamav-milter -c "$dir/clamav-milter.conf" >"$dir/clamav-milter.out" 2>&1 &
	mpid=$!
	pids="$pids $mpid"
	wait_port "$p"
	for m in "$MSG" "$dir/bench-100k.eml"; do
		size=$(($(wc -c <"$m") / 1000))
		echo "== clamav-milter + clamd $(clamd -V | cut -d/ -f1 | awk '{print $2}'): clean ${size} KB, scanned and tagged (CPU: milter, then clamd)"
		t0=$(ticks "$cpid")
		avbench "clamav-milter-${size}k" "inet:$p@127.0.0.1" "$mpid" "$m" "$AVN"
		t1=$(ticks "$cpid")
		echo "clamav-milter-${size}k: clamd CPU $(((t1 - t0) * 1000 / $(getconf CLK_TCK))) ms total, $(awk -v t=$((t1 - t0)) -v n="$AVN" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t * 1000 / hz / n }') ms/msg"
	done
	kill "$mpid" "$cpid"
else
	echo "== clamav-milter or clamd not installed (make deps-bench installs them); skipped"
fi

# The DNS resolver every check shares.
sh tests/bench/dns.sh
# The key-value store behind greylisting and Bayes.
sh tests/bench/store.sh
# Greylisting's cost per RCPT check with every triplet passed, LMDB and Redis.
sh tests/bench/greylist.sh
# SPF and DMARC with the DNS cache warm.
sh tests/bench/spf.sh

# dkim.sh - what the DKIM tests share (sourced after tb.sh): the test keys,
# the three reference implementations as verifiers and signers, and config
# reloads.
#
# The keys in tests/fixtures/dkim/ are published in tests/zones/example.org.zone
# (selectors rsa2048, ed25519, small768 and some broken records).

F=$TB_ROOT/tests/fixtures
KEYS=$TB_DIR/keys

# dkim_keys: the test keys, mode 0600 (git does not keep modes), in $KEYS.
dkim_keys() {
	mkdir -p "$KEYS"
	cp "$F"/dkim/*.private "$KEYS"/
	chmod 600 "$KEYS"/*.private
}

# dkim_py_verify FILE: dkimpy checks every signature against the test DNS.
dkim_py_verify() { $PY "$TB_ROOT/tests/lib/dkimtool.py" verify --port "$DNS_PORT" "$1"; }

# dkim_py_sign FILE KEY SELECTOR DOMAIN [CANON] [ALG]: the message signed by dkimpy.
dkim_py_sign() {
	$PY "$TB_ROOT/tests/lib/dkimtool.py" sign --key "$2" --selector "$3" --domain "$4" \
		--canon "${5:-relaxed/relaxed}" --alg "${6:-rsa-sha256}" "$1"
}

# dkim_pl_verify FILE: Mail::DKIM checks every signature against the test DNS.
dkim_pl_verify() { perl "$TB_ROOT/tests/lib/dkimtool.pl" verify "$DNS_PORT" "$1"; }

# dkim_pl_sign FILE KEY SELECTOR DOMAIN [relaxed|simple]: signed by Mail::DKIM.
dkim_pl_sign() { perl "$TB_ROOT/tests/lib/dkimtool.pl" sign "$2" "$3" "$4" "${5:-relaxed}" "$1"; }

# dkim_libopendkim_verify FILE...: opendkim-testmsg (libopendkim with its own
# resolver) verifies each file; prints "RC FILE" per file, RC 0 for a good
# signature. libopendkim reads /etc/resolv.conf and asks port 53, so it runs
# in its own network and mount namespace, with nsd on that namespace's
# 127.0.0.1:53 serving the same zones; nothing leaves the namespace.
dkim_libopendkim_verify() {
	d=$TB_DIR/nsd53
	mkdir -p "$d"
	sed -e "s|ip-address: .*|ip-address: 127.0.0.1@53|" -e "s|$TB_DIR/nsd/|$d/|g" \
		"$TB_DIR/nsd/nsd.conf" >"$d/nsd.conf"
	echo "nameserver 127.0.0.1" >"$d/resolv.conf"
	unshare -n -m sh -c '
		d=$1
		shift
		ip link set lo up || exit 1
		nsd -c "$d/nsd.conf" || exit 1
		n=0
		until dig +time=1 +tries=1 -p 53 @127.0.0.1 test.example SOA +short 2>/dev/null |
			grep -q "^ns\."; do
			n=$((n + 1)); [ "$n" -gt 50 ] && exit 1; sleep 0.1
		done
		mount --bind "$d/resolv.conf" /etc/resolv.conf || exit 1
		for f in "$@"; do
			opendkim-testmsg <"$f" >/dev/null 2>&1
			echo "$? $f"
		done
		kill "$(cat "$d/nsd.pid")"
	' sh "$d" "$@"
}

# dkim_blackhole_start: a DNS server that never answers (UDP and TCP) on
# BLACKHOLE_PORT: every query there runs into its deadline.
dkim_blackhole_start() {
	BLACKHOLE_PORT=$(tb_port)
	$PY - "$BLACKHOLE_PORT" <<'EOP' &
import socket, sys, time
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(16)
t.setblocking(False)
held = []
while True:
    u.settimeout(0.1)
    try:
        u.recv(4096)  # read and drop
    except socket.timeout:
        pass
    try:
        held.append(t.accept()[0])  # accept and never answer
    except BlockingIOError:
        pass
EOP
	TB_PIDS="$TB_PIDS $!"
	tb_wait_port "$BLACKHOLE_PORT" 10
}

# b8 FILE [N]: the first 8 characters of the N-th (1) signature's b= value,
# what header.b shows when no other signature starts the same.
b8() {
	tb_unfolded "$1" >/dev/null
	grep -i '^DKIM-Signature:' "$TB_DIR/hu" | sed -n "${2:-1}p" | tr -d ' \t' |
		sed 's/.*;b=\(........\).*/\1/'
}

# dkim_ar FILE: the Authentication-Results header of FILE, unfolded (folds
# become one space), one line.
dkim_ar() {
	tb_unfolded "$1" >/dev/null
	grep '^Authentication-Results:' "$TB_DIR/hu" | sed 's/\t/ /g; s/  */ /g'
}

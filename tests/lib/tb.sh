# tb.sh - the integration test bed, sourced by tests/integration/t_*.sh.
#
# Starts real components on loopback ports picked free at run time and stops
# them by PID when the test exits: chainmilter (CM_BIN, the sanitizer build
# by default), a private Postfix instance relaying to smtp-sink, and nsd
# serving the zones in tests/zones/. Results are TAP-like lines that
# tests/run.sh counts: "ok - what" or "not ok - what".

set -u

TB_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CM_BIN=${CM_BIN:-$TB_ROOT/build-asan/chainmilter}
PY=/usr/bin/python3
TB_FAILS=0
TB_PIDS=""
TB_POSTFIX=""
TB_POSTFIXES=""

TB_DIR=$(mktemp -d /tmp/cmtest.XXXXXX)
chmod 755 "$TB_DIR" # Postfix's unprivileged daemons walk into it
export ASAN_OPTIONS="log_path=$TB_DIR/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$TB_DIR/ubsan:print_stacktrace=1"

ok() { echo "ok - $*"; }
fail() {
	echo "not ok - $*"
	TB_FAILS=$((TB_FAILS + 1))
}
# check "description" command...: ok if the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
diag() { echo "# $*"; }

tb_cleanup() {
	for pf in $TB_POSTFIXES; do postfix -c "$pf/etc" stop >/dev/null 2>&1; done
	for p in $TB_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $TB_PIDS; do tb_wait_exit "$p" 10 || kill -KILL "$p" 2>/dev/null; done
	if ls "$TB_DIR"/asan.* "$TB_DIR"/ubsan.* >/dev/null 2>&1; then
		fail "no sanitizer reports ($(basename "$0"))"
		cat "$TB_DIR"/asan.* "$TB_DIR"/ubsan.* 2>/dev/null | head -60 | sed 's/^/# /'
	fi
	if [ "$TB_FAILS" -gt 0 ] && [ -z "${TB_KEEP:-}" ]; then
		for f in "$TB_DIR"/milter*.log "$TB_DIR"/postfix*/maillog; do
			[ -f "$f" ] && { diag "--- $f"; tail -30 "$f" | sed 's/^/# /'; }
		done
	fi
	[ -z "${TB_KEEP:-}" ] && rm -rf "$TB_DIR"
}
trap tb_cleanup EXIT

# A TCP port nobody listens on now.
tb_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# tb_wait_port PORT [SECONDS]: until something accepts connections there.
tb_wait_port() {
	$PY - "$1" "${2:-10}" <<'EOF'
import socket, sys, time
port, limit = int(sys.argv[1]), time.time() + float(sys.argv[2])
while time.time() < limit:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# tb_wait_exit PID SECONDS: 0 once the process is gone.
tb_wait_exit() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -gt $(($2 * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# ---- virus signatures ----

# tb_eicar: the EICAR anti-virus test file (68 bytes), put together here
# from two halves so that no file in the repository is flagged by scanners.
tb_eicar() { printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'; }

# tb_clamav_db DIR: a signature database for the tests: EICAR as a body
# signature (.ndb) and as a hash (.hdb), and the hash of clam.exe from
# Debian's clamav-testfiles, which its other test files contain.
tb_clamav_db() {
	mkdir -p "$1"
	printf 'Eicar-Test-Signature.NDB:0:*:%s\n' "$(tb_eicar | od -An -tx1 | tr -d ' \n')" \
		>"$1/eicar.ndb"
	printf '%s:68:Eicar-Test-Signature.HDB\n' "$(tb_eicar | md5sum | cut -d' ' -f1)" \
		>"$1/eicar.hdb"
	if [ -f /usr/share/clamav-testfiles/clam.exe ]; then
		printf '%s:%s:Clamav.Test.File-6\n' \
			"$(md5sum </usr/share/clamav-testfiles/clam.exe | cut -d' ' -f1)" \
			"$(wc -c </usr/share/clamav-testfiles/clam.exe)" >"$1/testfiles.hdb"
	fi
}

# ---- chainmilter ----

# tb_milter_start NAME [config lines on stdin]: start chainmilter with a
# config made of the lines given; sets MILTER_PORT_<NAME>, MILTER_PID_<NAME>.
# Greylisting is off unless the lines set Greylist (it would tempfail
# every first message), and its store is a file in $TB_DIR unless they name
# one.
tb_milter_start() {
	name=$1
	port=$(tb_port)
	conf=$TB_DIR/milter-$name.conf
	{
		echo "Socket inet:$port@127.0.0.1"
		echo "TemporaryDirectory $TB_DIR"
		cat
	} >"$conf"
	# No freshclam here: unless the test names its own, the antivirus check
	# scans with the test bed's signatures (kept over reloads by -o).
	set --
	if ! grep -q '^ClamAVDatabaseDirectory' "$conf"; then
		[ -d "$TB_DIR/clamav" ] || tb_clamav_db "$TB_DIR/clamav"
		set -- -o "ClamAVDatabaseDirectory=$TB_DIR/clamav"
	fi
	# DNS goes to the test bed's nsd, never to this machine's resolver; it
	# is started here if the test did not, so that no lookup waits for a
	# deadline (a port where nothing listens costs DNSTimeout per query).
	if ! grep -q '^Nameservers' "$conf"; then
		[ -n "${DNS_PORT:-}" ] || tb_dns_start || return 1
		set -- "$@" -o "Nameservers=$(tb_ns)"
	fi
	grep -q '^Greylist[[:space:]]' "$conf" || set -- "$@" -o "Greylist=no"
	grep -q '^GreylistStore' "$conf" ||
		set -- "$@" -o "GreylistStore=lmdb:$TB_DIR/greylist-$name.lmdb"
	eval "MILTER_PORT_$name=$port MILTER_CONF_$name=$conf MILTER_ARGS_$name=\"\$*\""
	tb_milter_run "$name"
}

# tb_milter_restart NAME: start it again (after it died or was killed) on
# the same port, config and options.
tb_milter_restart() { tb_milter_run "$1"; }

tb_milter_run() {
	eval "port=\$MILTER_PORT_$1 conf=\$MILTER_CONF_$1 args=\$MILTER_ARGS_$1"
	# shellcheck disable=SC2086 # the options hold no spaces ($TB_DIR has none)
	"$CM_BIN" -f -c "$conf" $args >>"$TB_DIR/milter-$1.log" 2>&1 &
	pid=$!
	TB_PIDS="$TB_PIDS $pid"
	eval "MILTER_PID_$1=$pid"
	if ! tb_wait_port "$port" 15; then
		fail "chainmilter $1 started on port $port"
		cat "$TB_DIR/milter-$1.log" | sed 's/^/# /'
		return 1
	fi
}

# tb_milter_reconfigure NAME LINE...: replace milter NAME's config with these
# lines (its Socket and TemporaryDirectory kept), SIGHUP it and wait for the
# outcome: 0 if it reloaded, 1 if it refused the new config or never said.
tb_milter_reconfigure() {
	_rc_name=$1
	shift
	eval "_rc_port=\$MILTER_PORT_$_rc_name _rc_pid=\$MILTER_PID_$_rc_name _rc_conf=\$MILTER_CONF_$_rc_name"
	_rc_log=$TB_DIR/milter-$_rc_name.log
	_rc_re='reloaded configuration\|reload of .* failed'
	_rc_n=$(grep -c "$_rc_re" "$_rc_log")
	{
		echo "Socket inet:$_rc_port@127.0.0.1"
		echo "TemporaryDirectory $TB_DIR"
		printf '%s\n' "$@"
	} >"$_rc_conf"
	kill -HUP "$_rc_pid"
	_rc_i=0
	while [ "$(grep -c "$_rc_re" "$_rc_log")" -le "$_rc_n" ]; do
		_rc_i=$((_rc_i + 1))
		[ $_rc_i -gt 200 ] && return 1
		sleep 0.05
	done
	grep "$_rc_re" "$_rc_log" | tail -1 | grep -q 'reloaded configuration'
}

# tb_milter_stop NAME: SIGTERM, and the exit status must be 0.
tb_milter_stop() {
	eval "pid=\$MILTER_PID_$1"
	kill -TERM "$pid" 2>/dev/null
	tb_wait_exit "$pid" 20 || return 1
	wait "$pid" 2>/dev/null
}

tb_milter_log() { cat "$TB_DIR/milter-$1.log"; }

# ---- Postfix and smtp-sink ----

# tb_sink_start: smtp-sink on a free port, one file per message in $TB_DIR/sink.
tb_sink_start() {
	SINK_PORT=$(tb_port)
	mkdir -p "$TB_DIR/sink"
	chmod 777 "$TB_DIR/sink"
	smtp-sink -u postfix -d "$TB_DIR/sink/msg." "127.0.0.1:$SINK_PORT" 100 \
		>"$TB_DIR/sink.log" 2>&1 &
	TB_PIDS="$TB_PIDS $!"
	tb_wait_port "$SINK_PORT" 10
}

# tb_sink_count: messages received so far.
tb_sink_count() { ls "$TB_DIR/sink" 2>/dev/null | wc -l; }

# tb_sink_wait N [SECONDS]: until N messages arrived.
tb_sink_wait() {
	n=0
	while [ "$(tb_sink_count)" -lt "$1" ]; do
		n=$((n + 1))
		[ "$n" -gt $((${2:-20} * 10)) ] && return 1
		sleep 0.1
	done
}

# tb_sink_last: path of the newest message.
tb_sink_last() { ls -t "$TB_DIR"/sink/msg.* 2>/dev/null | head -1; }

# tb_postfix_start MILTER_PORT [NAME] [extra main.cf lines on stdin]: a
# private Postfix with smtpd on SMTP_PORT relaying everything to smtp-sink
# (extra lines override those defaults).
# A NAME starts one more instance (in $TB_DIR/postfix-NAME, its port also in
# SMTP_PORT_<NAME>); tb_smtp, tb_sendmail and friends use the last started.
tb_postfix_start() {
	milter=$1
	pf=$TB_DIR/postfix${2:+-$2}
	TB_POSTFIX=$pf
	TB_POSTFIXES="$TB_POSTFIXES $pf"
	SMTP_PORT=$(tb_port)
	[ -n "${2:-}" ] && eval "SMTP_PORT_$2=$SMTP_PORT"
	mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
	chown postfix "$pf/data"
	cat >"$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydomain = test.example
mydestination =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, check_client_access static:OK, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_milters = inet:127.0.0.1:$milter
non_smtpd_milters = inet:127.0.0.1:$milter
milter_default_action = tempfail
milter_connect_timeout = 5s
maillog_file = $pf/maillog
maillog_file_prefixes = $TB_DIR
EOF
	# Extra lines replace the defaults above of the same name (no warnings).
	cat >"$pf/etc/main.cf.extra"
	awk -F' *= *' 'FILENAME == ARGV[1] { if (NF > 1) set[$1] = 1; next } !($1 in set)' \
		"$pf/etc/main.cf.extra" "$pf/etc/main.cf" >"$pf/etc/main.cf.base"
	cat "$pf/etc/main.cf.base" "$pf/etc/main.cf.extra" >"$pf/etc/main.cf"
	rm -f "$pf/etc/main.cf.base" "$pf/etc/main.cf.extra"
	cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       1       1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	postfix -c "$pf/etc" check >/dev/null 2>&1
	if ! postfix -c "$pf/etc" start >/dev/null 2>&1 || ! tb_wait_port "$SMTP_PORT" 15; then
		fail "Postfix started"
		tail -20 "$pf/maillog" 2>/dev/null | sed 's/^/# /'
		return 1
	fi
}

# tb_smtp ARGS...: one SMTP transaction through Postfix (see smtpclient.py).
tb_smtp() { $PY "$TB_ROOT/tests/lib/smtpclient.py" --port "$SMTP_PORT" "$@"; }

# tb_sendmail ARGS...: submit through Postfix's sendmail (non_smtpd_milters).
tb_sendmail() { /usr/sbin/sendmail -C "$TB_POSTFIX/etc" "$@"; }

# tb_postqueue: the instance's queue listing.
tb_postqueue() { postqueue -c "$TB_POSTFIX/etc" -p; }

# tb_maillog: Postfix's log.
tb_maillog() { cat "$TB_POSTFIX/maillog" 2>/dev/null; }

# ---- DNS ----

# tb_ns: the Nameservers value for chainmilter: the test nsd when one runs,
# else a loopback port where nothing listens (every lookup then waits for
# its deadline: DNSTimeout).
tb_ns() {
	if [ -n "${DNS_PORT:-}" ]; then echo "127.0.0.1@$DNS_PORT"; else echo "127.0.0.1@9"; fi
}

# tb_dns_start: nsd answering for every zone in tests/zones/ (or in TB_ZONES,
# when a test made its own copy) on DNS_PORT.
tb_dns_start() {
	zones=${TB_ZONES:-$TB_ROOT/tests/zones}
	DNS_PORT=$(tb_port)
	d=$TB_DIR/nsd
	mkdir -p "$d"
	{
		cat <<EOF
server:
	ip-address: 127.0.0.1@$DNS_PORT
	server-count: 1
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$zones"
	pidfile: "$d/nsd.pid"
	zonelistfile: "$d/zone.list"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	logfile: "$d/nsd.log"
	verbosity: 1
	# No response rate limiting: tests and benchmarks ask far more than
	# 200 queries/s from one address, and RRL would drop or truncate them.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
EOF
		for z in "$zones"/*.zone; do
			n=$(basename "$z" .zone)
			[ "$n" = root ] && n=.
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$n" "$z"
		done
	} >"$d/nsd.conf"
	nsd -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1 &
	TB_PIDS="$TB_PIDS $!"
	n=0
	until dig +time=1 +tries=1 -p "$DNS_PORT" @127.0.0.1 test.example SOA +short 2>/dev/null |
		grep -q '^ns\.'; do
		n=$((n + 1))
		if [ "$n" -gt 50 ]; then
			fail "nsd started"
			cat "$d/nsd.out" "$d/nsd.log" 2>/dev/null | sed 's/^/# /'
			return 1
		fi
		sleep 0.1
	done
}

# tb_dig NAME TYPE: the answer's data from the test DNS server.
tb_dig() { dig +time=2 +tries=1 -p "$DNS_PORT" @127.0.0.1 "$1" "$2" +short; }

tb_done() {
	[ "$TB_FAILS" -eq 0 ]
}

# tb_headers_of FILE: write FILE's header block, CRs dropped, to $TB_DIR/h
# and print that path (grep it with check).
tb_headers_of() {
	sed -n '1,/^\r\{0,1\}$/p' "$1" | tr -d '\r' >"$TB_DIR/h"
	echo "$TB_DIR/h"
}

# tb_unfolded FILE: header block with folded lines joined (fold kept as one TAB).
tb_unfolded() {
	sed -n '1,/^\r\{0,1\}$/p' "$1" | tr -d '\r' |
		awk '/^[ \t]/ { line = line "\t" substr($0, 2); next } { if (NR > 1) print line; line = $0 } END { print line }' \
		>"$TB_DIR/hu"
	echo "$TB_DIR/hu"
}

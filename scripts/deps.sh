#!/bin/sh
# deps.sh build|test|bench - install the Debian packages chainmilter needs for
# that purpose, only those missing. Runs apt-get as root (or through sudo).
set -eu

build_pkgs="gcc make libc6-dev pkg-config libmilter-dev"
test_pkgs="$build_pkgs libcmocka-dev postfix nsd bind9-dnsutils miltertest python3 \
spamassassin clang libclang-rt-14-dev"
bench_pkgs="$build_pkgs opendkim opendkim-tools"

case "${1:-}" in
build) want=$build_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
*) echo "usage: deps.sh build|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo -n"
else
	echo "chainmilter needs these Debian packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi

echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask questions nor configure itself: tests run private instances.
echo 'postfix postfix/main_mailer_type select No configuration' | $sudo debconf-set-selections
install() {
	$sudo apt-get install -y -q --no-install-recommends $missing </dev/null
}
if ! install; then
	$sudo apt-get update -q </dev/null
	install
fi

#!/bin/sh
# deps.sh PACKAGE... - install the Debian packages given (the Makefile
# collects them from each module's module.mk), only those missing. Runs
# apt-get as root, or through sudo.
set -eu
missing=""
for p in "$@"; do
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

#!/bin/sh
# The sample config and the README's settings section are generated from the
# settings tables; they must match what the binary generates now.
cd "$(dirname "$0")/../.."
if build/chainmilter sample-config | cmp -s - etc/chainmilter.conf; then
	echo "ok - etc/chainmilter.conf matches the settings table (make sample-config)"
else
	echo "not ok - etc/chainmilter.conf matches the settings table (make sample-config)"
	build/chainmilter sample-config | diff etc/chainmilter.conf - | head -20 | sed 's/^/# /'
fi
if sh scripts/readme-settings.sh build/chainmilter README.md --check; then
	echo "ok - README settings section matches the settings table (make readme-settings)"
else
	echo "not ok - README settings section matches the settings table (make readme-settings)"
fi
# No freshclam here: a one-signature database stands in for /var/lib/clamav
# (without any, the daemon rightly refuses; t_cli.sh tests that), and a
# greylist file in a temporary directory for /var/lib/chainmilter (made by
# the admin).
db=$(mktemp -d /tmp/cmhouse.XXXXXX)
printf 'House-Test-Signature:0:*:686f7573652d74657374\n' >"$db/house.ndb"
if build/chainmilter -n -c etc/chainmilter.conf -o "ClamAVDatabaseDirectory=$db" \
	-o "GreylistStore=lmdb:$db/greylist.lmdb" >/dev/null 2>&1; then
	echo "ok - the sample config passes chainmilter -n as it stands (signatures, store given by -o)"
else
	echo "not ok - the sample config passes chainmilter -n as it stands (signatures, store given by -o)"
	build/chainmilter -n -c etc/chainmilter.conf -o "ClamAVDatabaseDirectory=$db" \
		-o "GreylistStore=lmdb:$db/greylist.lmdb" 2>&1 |
		sed 's/^/# /'
fi
rm -rf "$db"

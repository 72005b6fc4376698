#!/bin/sh
# run.sh BINARY CONFIG - `make run`: the daemon in the foreground, logging to
# standard error, on the sample config as it stands.
#
# The antivirus check refuses to start without virus signatures (libclamav
# would call everything clean). On a machine where freshclam has not filled
# the database directory (no internet, a fresh install), this writes the
# EICAR test signature into ./run/clamav, points the daemon at it with -o,
# and says so: the EICAR test works, nothing else is detected. Likewise the
# greylist and Bayes stores: without /var/lib/chainmilter (the admin makes
# it) they live in ./run/.
set -eu
bin=$1 conf=$2
set --

setting() { "$bin" -d -c "$conf" 2>/dev/null | awk -v n="$1" '$1 == n { print $2; exit }'; }

has_signatures() {
	for f in "$1"/*; do
		case $f in
		*.cvd | *.cld | *.cud | *.ndb | *.ndu | *.hdb | *.hdu | *.hsb | *.hsu | *.mdb | \
			*.mdu | *.msb | *.msu | *.ldb | *.ldu | *.cdb | *.yar | *.yara)
			[ -s "$f" ] && return 0
			;;
		esac
	done
	return 1
}

av=$(setting ClamAV)
db=$(setting ClamAVDatabaseDirectory)
if [ "$av" = yes ] && ! has_signatures "$db"; then
	run=$(pwd)/run/clamav
	mkdir -p "$run"
	# EICAR, the anti-virus test file, from two halves so no file of ours is flagged.
	eicar() { printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR' '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'; }
	printf 'Eicar-Test-Signature:0:*:%s\n' "$(eicar | od -An -tx1 | tr -d ' \n')" \
		>"$run/eicar.ndb"
	printf '%s:68:Eicar-Test-Signature\n' "$(eicar | md5sum | cut -d' ' -f1)" >"$run/eicar.hdb"
	echo "chainmilter: $db holds no virus signatures (freshclam has not run here)."
	echo "chainmilter: scanning with the EICAR test signature in $run instead"
	echo "chainmilter:   (-o ClamAVDatabaseDirectory=$run): it detects the EICAR test file"
	echo "chainmilter:   and nothing else. For real signatures install clamav-freshclam"
	echo "chainmilter:   (it fills $db), then make run again."
	set -- -o "ClamAVDatabaseDirectory=$run"
fi
# local_store SWITCH SETTING FILE: an LMDB store whose directory does not
# exist yet goes to ./run/FILE for this run.
local_store() {
	on=$(setting "$1")
	store=$(setting "$2")
	case $store in
	lmdb:*)
		file=${store#lmdb:}
		file=${file%%\?*}
		if [ "$on" = yes ] && [ ! -d "$(dirname "$file")" ]; then
			mkdir -p run
			store="lmdb:$(pwd)/run/$3"
			echo "chainmilter: $(dirname "$file") does not exist (make it, owned by UserID: README);"
			echo "chainmilter: $2 is $store for this run"
			set_args="$set_args -o $2=$store"
		fi
		;;
	esac
}
set_args=
local_store Greylist GreylistStore greylist.lmdb
local_store Bayes BayesStore bayes.lmdb
# shellcheck disable=SC2086 # the paths hold no spaces (checked here)
case $(pwd) in
*[[:space:]]*) echo "chainmilter: $(pwd) holds spaces: create /var/lib/chainmilter instead" ;;
*) set -- "$@" $set_args ;;
esac
echo "chainmilter: starting $bin -f -c $conf $* (Ctrl-C stops it)"
echo "chainmilter: point Postfix at it with: smtpd_milters = inet:localhost:54321"
exec "$bin" -f -c "$conf" "$@"

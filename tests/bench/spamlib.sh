# spamlib.sh - what make bench-spam (spam.sh) and make bench-spam-cv
# (spamcv.sh) share, sourced by both from the repository's root: the
# corpus, a work directory, the chain's settings, running a tool.
# SPAM_CORPUS_DIR: where the corpus is unpacked (default build/corpus).
root=$PWD
dir=${SPAM_CORPUS_DIR:-$root/build/corpus}
lists=$root/tests/bench/corpus
if [ ! -d "$dir/sa/spam_2" ]; then
	echo "# fetching the corpus into $dir"
	sh "$lists/fetch.sh" "$dir" >/dev/null
fi

# spam_lists LIST...: the split lists into the corpus directory (they name
# files relative to it).
spam_lists() {
	for l in "$@"; do
		cp "$lists/$l" "$dir/"
	done
}

# spam_work NAME KEEP: a fresh $work, removed at exit unless KEEP is set.
spam_work() {
	work=$(mktemp -d "/tmp/cmbench-$1.XXXXXX")
	if [ -n "$2" ]; then
		echo "# per-message scores kept in $work (score label path symbols)"
	else
		trap 'rm -rf "$work"' EXIT
	fi
}

# spam_conf FILE LINE...: the settings the chain scores the corpus with,
# then LINEs. Antivirus and greylisting off; SPF and DMARC off too: the
# senders of 2002 cannot be looked up here (they would only give
# TEMPERROR, scored 0, after DNS timeouts whose CPU is no part of spam
# scoring), and no DNS leaves the machine.
spam_conf() {
	f=$1
	shift
	printf '%s\n' "ClamAV no" "Greylist no" "Nameservers 127.0.0.1@9" "SPF no" "DMARC no" "$@" >"$f"
}

# spam_run OUT ERR CMD...: CMD's output to OUT and errors to ERR; on
# failure the errors are shown and the bench stops.
spam_run() {
	out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" || {
		cat "$err" >&2
		exit 1
	}
}

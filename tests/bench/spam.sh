#!/bin/sh
# make bench-spam: the spam check's accuracy and speed on the SpamAssassin
# public corpus (2002; fetched from the npm registry by corpus/fetch.sh).
# The classifier learns the training lists with `chainmilter learn`, then
# the whole chain (antivirus off) scores the test lists in one process
# (build/tests/tool_spameval). Prints spam recall and ham false positives
# at SpamTag2Level and across thresholds, and CPU time per message.
# SPF and DMARC are off: the corpus's senders of 2002 cannot be looked up
# here (they would only give TEMPERROR, scored 0, after DNS timeouts whose
# CPU is no part of spam scoring).
# SPAM_CORPUS_DIR: where the corpus is unpacked (default build/corpus);
# SPAM_BENCH_KEEP=1 keeps the per-message scores.
set -eu
cd "$(dirname "$0")/../.."
root=$PWD
dir=${SPAM_CORPUS_DIR:-$root/build/corpus}
lists=$root/tests/bench/corpus
if [ ! -d "$dir/sa/spam_2" ]; then
	echo "# fetching the corpus into $dir"
	sh "$lists/fetch.sh" "$dir" >/dev/null
fi
# The lists name files relative to the corpus directory.
cp "$lists"/sa.train.ham "$lists"/sa.train.spam "$lists"/sa.test.ham "$lists"/sa.test.spam "$dir"/
work=$(mktemp -d /tmp/cmbench-spam.XXXXXX)
[ -n "${SPAM_BENCH_KEEP:-}" ] && echo "# per-message scores kept in $work" || trap 'rm -rf "$work"' EXIT
cat >"$work/bench.conf" <<CONF
ClamAV no
Greylist no
Nameservers 127.0.0.1@9
SPF no
DMARC no
BayesStore lmdb:$work/bayes.lmdb?sync=meta
CONF
paths() { sed "s|^|$dir/|" "$lists/$1"; }

echo "# learning $(wc -l <"$lists/sa.train.spam") spam and $(wc -l <"$lists/sa.train.ham") ham (the training lists)"
paths sa.train.spam | xargs build/chainmilter learn -q -c "$work/bench.conf" --spam
paths sa.train.ham | xargs build/chainmilter learn -c "$work/bench.conf" --ham

# tool_spameval's last line on stderr is its CPU time; on failure show it all.
eval_to() {
	out=$1 err=$2
	shift 2
	(cd "$dir" && "$root/build/tests/tool_spameval" "$@") >"$out" 2>"$err" || {
		cat "$err" >&2
		exit 1
	}
}
echo "# scoring the test lists"
eval_to "$work/ham" "$work/ham.cpu" -c "$work/bench.conf" -l ham "@$dir/sa.test.ham"
eval_to "$work/spam" "$work/spam.cpu" -c "$work/bench.conf" -l spam "@$dir/sa.test.spam"
eval_to /dev/null "$work/none.cpu" -c "$work/bench.conf" -o SpamScoring=no -l ham \
	"@$dir/sa.test.ham" "@$dir/sa.test.spam"

echo
/usr/bin/python3 tests/bench/spamtable.py "$work/ham" "$work/spam"
/usr/bin/python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
def cpu(f):
    line = open(f"{w}/{f}").read().strip().splitlines()[-1]
    return int(line.split()[0]), float(line.split()[2])
(nh, ch), (ns, cs), (nn, cn) = cpu("ham.cpu"), cpu("spam.cpu"), cpu("none.cpu")
total = (nh * ch + ns * cs) / (nh + ns)
print()
print(f"CPU per message, whole chain with spam scoring: {total:.3f} ms "
      f"(ham {ch:.3f}, spam {cs:.3f}); without spam scoring: {cn:.3f} ms; "
      f"the spam check itself: {total - cn:.3f} ms")
PY

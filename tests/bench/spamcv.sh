#!/bin/sh
# make bench-spam-cv: cross-validation of the whole spam score on the
# training lists only - what the classifier's settings, the BAYES_ scores
# and the rule scores are chosen by; the test lists are never read.
# tool_spameval scores every training message through the whole chain with
# Bayes off (the rules' and the other checks' symbols); tool_bayescv then
# learns 4/5 of the training messages (and tunes on them, as
# `chainmilter learn --tune` does) and classifies the fifth it did not
# learn, for each fifth, and adds that BAYES_ symbol's score. That is
# repeated for SEEDS different splits into fifths and the table is over
# all of them (every message counted once per split).
# SPAM_CORPUS_DIR: where the corpus is (default build/corpus);
# SPAM_CV_SEEDS (default "1 2 3 4 5"); SPAM_CV_SCORES: a scores file (as
# etc/scores.conf) tried over the built-in scores, to compare BAYES_ or rule
# scores without a rebuild; SPAM_CV_KEEP=1 keeps the per-message scores;
# SPAM_CV_GROUP=1 puts each sender's messages (From: domain) in one fifth,
# which tells how the score does on mail from senders never learned;
# SPAM_CV_TUNE=0 leaves out the tuning (learn --tune) of the 4/5 learned.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/spamlib.sh
seeds=${SPAM_CV_SEEDS:-1 2 3 4 5}
tune=-t
[ "${SPAM_CV_TUNE:-1}" != 0 ] || tune=
spam_lists sa.train.ham sa.train.spam
spam_work spamcv "${SPAM_CV_KEEP:-}"
spam_conf "$work/cv.conf" "Bayes no"

echo "# scoring $(wc -l <"$dir/sa.train.spam") spam and $(wc -l <"$dir/sa.train.ham") ham (the training lists) without Bayes"
for c in ham spam; do
	spam_run "$work/rules.$c" "$work/err" \
		"$root/build/tests/tool_spameval" -c "$work/cv.conf" -l $c "@$dir/sa.train.$c"
done
cat "$work/rules.ham" "$work/rules.spam" >"$work/rules"

echo "# 5-fold cross-validation of the classifier, splits $seeds"
: >"$work/ham"
: >"$work/spam"
for s in $seeds; do
	spam_run "$work/cv" "$work/err" "$root/build/tests/tool_bayescv" -k 5 -S "$s" \
		${SPAM_CV_GROUP:+-g} $tune -r "$work/rules" ${SPAM_CV_SCORES:+-w "$SPAM_CV_SCORES"} \
		"$dir/sa.train.ham" "$dir/sa.train.spam"
	awk '$2 == "ham"' "$work/cv" >"$work/ham.$s"
	awk '$2 == "spam"' "$work/cv" >"$work/spam.$s"
	cat "$work/ham.$s" >>"$work/ham"
	cat "$work/spam.$s" >>"$work/spam"
	/usr/bin/python3 tests/bench/spamtable.py --split "$s" "$work/ham.$s" "$work/spam.$s"
done
echo
/usr/bin/python3 tests/bench/spamtable.py "$work/ham" "$work/spam"

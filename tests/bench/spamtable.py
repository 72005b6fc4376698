"""spamtable.py HAM SPAM: the spam bench's table from tool_spameval-style
lines ("score label path symbols"): spam recall and ham false positives at
a range of thresholds, SpamTag2Level (5.0) marked. Used by make bench-spam
(the test lists) and make bench-spam-cv (cross-validation, training lists).
spamtable.py --split NAME HAM SPAM: one line, the figures at 5.0."""
import sys


def scores(path):
    return [float(line.split()[0]) for line in open(path) if line.strip()]


def at(ham, spam, t):
    """Spam caught and ham flagged at threshold t."""
    return sum(1 for s in spam if s >= t), sum(1 for s in ham if s >= t)


def table(ham, spam):
    print("| threshold | spam recall | ham false positives |")
    print("|---|---|---|")
    for t in (2, 3, 4, 5, 6, 7, 8, 10):
        tp, fp = at(ham, spam, t)
        mark = " (SpamTag2Level)" if t == 5 else ""
        print(f"| {t:.1f}{mark} | {100 * tp / len(spam):.1f}% ({tp} of {len(spam)}) "
              f"| {100 * fp / len(ham):.2f}% ({fp} of {len(ham)}) |")


if __name__ == "__main__":
    if sys.argv[1] == "--split":
        ham, spam = scores(sys.argv[3]), scores(sys.argv[4])
        tp, fp = at(ham, spam, 5)
        print(f"split {sys.argv[2]}: at 5.0 recall {100 * tp / len(spam):.1f}% "
              f"({tp} of {len(spam)}), false positives {100 * fp / len(ham):.2f}% "
              f"({fp} of {len(ham)})")
    else:
        table(scores(sys.argv[1]), scores(sys.argv[2]))

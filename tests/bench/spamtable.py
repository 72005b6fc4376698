"""spamtable.py HAM SPAM: the spam bench's table from tool_spameval-style
lines ("score label path symbols"): spam recall and ham false positives at
a range of thresholds, SpamTag2Level (5.0) marked. Used by make bench-spam
(the test lists) and make bench-spam-cv (cross-validation, training lists)."""
import sys


def scores(path):
    return [float(line.split()[0]) for line in open(path) if line.strip()]


def table(ham, spam):
    print("| threshold | spam recall | ham false positives |")
    print("|---|---|---|")
    for t in (2, 3, 4, 5, 6, 7, 8, 10):
        tp = sum(1 for s in spam if s >= t)
        fp = sum(1 for s in ham if s >= t)
        mark = " (SpamTag2Level)" if t == 5 else ""
        print(f"| {t:.1f}{mark} | {100 * tp / len(spam):.1f}% ({tp} of {len(spam)}) "
              f"| {100 * fp / len(ham):.2f}% ({fp} of {len(ham)}) |")


if __name__ == "__main__":
    table(scores(sys.argv[1]), scores(sys.argv[2]))

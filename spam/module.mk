# spam/ - the spam-scoring check.
MODULES += spam
DEB_TEST += spamassassin

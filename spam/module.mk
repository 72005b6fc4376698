# spam/ - the spam-scoring check: rules (regular expressions through
# lib/regex.c), the statistical classifier on lib/store, DNSBLs on lib/dns.
MODULES += spam
DEB_TEST += spamassassin

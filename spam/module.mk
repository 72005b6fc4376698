# spam/ - the spam-scoring check: rules (PCRE2, only spam/regex.c includes
# it), the statistical classifier on lib/store, DNSBLs on lib/dns.
MODULES += spam
LIBS += -lpcre2-8
DEB_BUILD += libpcre2-dev
DEB_TEST += spamassassin

# greylist/ - greylisting at RCPT time; its state lives in lib/store (LMDB
# file or Redis). PCRE2 for the /regex/ entries of postgrey's whitelist
# files (greylist/regex.c); the tests start their own redis-server.
MODULES += greylist
LIBS += -lpcre2-8
DEB_BUILD += libpcre2-dev
DEB_TEST += redis-server lmdb-utils

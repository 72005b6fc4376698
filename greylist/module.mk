# greylist/ - greylisting at RCPT time; its state lives in lib/store (LMDB
# file or Redis); /regex/ entries of postgrey's whitelist files through
# lib/regex.c; the tests start their own redis-server.
MODULES += greylist
DEB_TEST += redis-server lmdb-utils

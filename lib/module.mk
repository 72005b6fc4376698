# lib/ - shared services for every check. lib/dns.c resolves with libunbound;
# lib/store_lmdb.c (the embedded store) and lib/store_redis.c (shared state
# for several MX hosts); lib/regex.c on PCRE2 for every admin-written
# pattern; the tests start their own redis-server.
MODULES += lib
LIBS += -lunbound -llmdb -lhiredis -lpcre2-8
DEB_BUILD += libunbound-dev liblmdb-dev libhiredis-dev libpcre2-dev
DEB_TEST += redis-server

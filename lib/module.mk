# lib/ - shared services for every check. lib/dns.c resolves with libunbound;
# lib/store_lmdb.c (the embedded store) and lib/store_redis.c (shared state
# for several MX hosts); the tests start their own redis-server.
MODULES += lib
LIBS += -lunbound -llmdb -lhiredis
DEB_BUILD += libunbound-dev liblmdb-dev libhiredis-dev
DEB_TEST += redis-server

# lib/ - shared services for every check.
MODULES += lib
# lib/store_lmdb.c (the embedded store) and lib/store_redis.c (shared state
# for several MX hosts); the tests start their own redis-server.
LIBS += -llmdb -lhiredis
DEB_BUILD += liblmdb-dev libhiredis-dev
DEB_TEST += redis-server

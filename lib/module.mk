# lib/ - shared services for every check. lib/dns.c resolves with libunbound.
MODULES += lib
LIBS += -lunbound
DEB_BUILD += libunbound-dev

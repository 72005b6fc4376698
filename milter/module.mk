# milter/ - the daemon core. libmilter is linked statically (see Makefile).
MODULES += milter
DEB_BUILD += libmilter-dev

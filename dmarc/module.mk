# dmarc/ - the DMARC check: our own RFC 7489 code; the Public Suffix List
# comes from Debian's publicsuffix package.
MODULES += dmarc
DEB_BUILD += publicsuffix

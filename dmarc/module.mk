# dmarc/ - the DMARC check: our own RFC 7489 code; the Public Suffix List
# comes from Debian's publicsuffix package (needed to run, so a build dep).
MODULES += dmarc
DEB_BUILD += publicsuffix
# t_dmarc.sh signs a message with dkimpy for the aligned-DKIM case.
DEB_TEST += python3-dkim

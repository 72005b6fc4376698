# spf/ - the SPF check: our own RFC 7208 evaluator on lib/dns.c (no libspf2).
MODULES += spf
# The conformance and differential tests compare with pyspf (python3-spf,
# which also ships the official test suites), read the suites' YAML and
# serve their zone data with dnspython.
DEB_TEST += python3-spf python3-yaml python3-dnspython

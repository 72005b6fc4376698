# dkim/ - DKIM signing (our signer on OpenSSL's libcrypto) and verification
# (libopendkim). The tests check our signatures with dkimpy, Mail::DKIM and
# libopendkim's opendkim-testmsg, and verify what dkimpy and Mail::DKIM sign.
MODULES += dkim
LIBS += -lopendkim -lcrypto
DEB_BUILD += libopendkim-dev libssl-dev
DEB_TEST += python3-dkim libmail-dkim-perl opendkim-tools

# dkim/ - DKIM signing (our signer on OpenSSL's libcrypto) and verification
# (libopendkim). The tests check our signatures with dkimpy, Mail::DKIM and
# libopendkim's opendkim-testmsg (run in its own network namespace: iproute2)
# and verify what dkimpy and Mail::DKIM sign.
MODULES += dkim
LIBS += -lopendkim -lcrypto
DEB_BUILD += libopendkim-dev libssl-dev
DEB_TEST += python3-dkim python3-dnspython python3-nacl libmail-dkim-perl libnet-dns-perl opendkim \
            opendkim-tools iproute2 util-linux

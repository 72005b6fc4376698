# av/ - the antivirus check (libclamav in process).
MODULES += av
LIBS += -lclamav
DEB_BUILD += libclamav-dev
# The tests write their own signatures; clamav-testfiles gives them real
# samples, zip/sharutils wrap EICAR in archives and uuencode.
DEB_TEST += clamav-testfiles zip sharutils
# make bench compares with clamav-milter + clamd.
DEB_BENCH += clamav-daemon clamav-milter

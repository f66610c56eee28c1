# xkvm: a plain Makefile.  `make` builds build/xkvm; `make check` runs every
# test; `make asan` builds the AddressSanitizer/UBSan variant in build/asan;
# `make install` (PREFIX, DESTDIR) installs; `make deb` builds the Debian
# package into build/deb.
#
# Walls: netlink/ is compiled with libnl's include paths only, ovsdb/ with
# libopenvswitch's only (OVS's include/linux/netlink.h shadows the system
# header), src/ with neither.  src/'s folders (base, plan, net, qemu, cmd)
# include each other's headers as "folder/name.h" under the rules of
# docs/design.md, checked by tests/integration/include-rules.sh.

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
# The ACL is $(SYSCONFDIR)/xkvm/acl.conf, fixed at build time (never taken
# from the environment or the command line).
SYSCONFDIR ?= /etc
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/xkvm
# The bash completion and the systemd unit go where bash-completion and
# systemd look (their pkg-config variables) when PREFIX is theirs; under
# another PREFIX (/usr/local) to the same places below it, which both also
# search.
PC_BC_PREFIX := $(shell pkg-config --variable=prefix bash-completion 2>/dev/null)
PC_SD_PREFIX := $(shell pkg-config --variable=prefix systemd 2>/dev/null)
COMPLETIONSDIR ?= $(if $(and $(PC_BC_PREFIX),$(filter $(PREFIX),$(PC_BC_PREFIX))),$\
	$(shell pkg-config --variable=completionsdir bash-completion),$\
	$(PREFIX)/share/bash-completion/completions)
SYSTEMDUNITDIR ?= $(if $(and $(PC_SD_PREFIX),$(filter $(PREFIX),$(PC_SD_PREFIX))),$\
	$(shell pkg-config --variable=systemdsystemunitdir systemd),$\
	$(PREFIX)/lib/systemd/system)
DOCS     := README.md docs/compat.md docs/design.md $(wildcard docs/security.md)
SANITIZE ?=
OVS_SRC  ?= /usr/src/openvswitch/openvswitch.tar.gz
# The static libopenvswitch is built once and shared by every build variant.
OVS_BUILD ?= build/ovs

# The version: VERSION, plus +gHASH when this directory is a git checkout's
# top (not merely inside one: an unpacked tarball under some other
# repository is no checkout of xkvm).  Written to a generated header that
# changes only when the version does.
VERSION_FILE := $(shell cat VERSION 2>/dev/null)
GIT_TOP  := $(shell git rev-parse --show-toplevel 2>/dev/null)
GIT_HASH := $(if $(filter $(CURDIR),$(GIT_TOP)),$(shell git rev-parse --short=12 HEAD 2>/dev/null))
# (`make deb` builds a copy without .git: it passes the tree's version on.)
ifeq ($(origin XKVM_VERSION),undefined)
XKVM_VERSION := $(VERSION_FILE)$(if $(GIT_HASH),+g$(GIT_HASH))
endif

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Werror
CFLAGS   ?= -O2 -g
# libopenvswitch's configure gets the caller's flags (a package build's
# hardening), not ours: with -Werror its feature probes fail.
OVS_ENV  := CFLAGS='$(CFLAGS)' CPPFLAGS='$(CPPFLAGS)' LDFLAGS='$(LDFLAGS)'
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

NL_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs libnl-route-3.0 2>/dev/null)
# libpcap: `xkvm ctl NAME capture` (src/net/capture.c)
PCAP_LIBS := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)

# libopenvswitch: a system one from pkg-config when it ships the IDL headers,
# else the static library built from openvswitch-source under $(OVS_BUILD).
OVS_PC_INC := $(shell pkg-config --variable=includedir libopenvswitch 2>/dev/null)
ifneq ($(and $(OVS_PC_INC),$(wildcard $(OVS_PC_INC)/openvswitch/vswitch-idl.h)),)
OVS_CFLAGS := $(shell pkg-config --cflags libopenvswitch) -I$(OVS_PC_INC)/openvswitch
OVS_LIBS   := $(shell pkg-config --libs libopenvswitch) -lssl -lcrypto -latomic -lm -lpthread
OVS_DEP    :=
else
OVS_CFLAGS := -I$(OVS_BUILD) -I$(OVS_BUILD)/include -I$(OVS_BUILD)/lib
OVS_LIBS   := $(OVS_BUILD)/lib/.libs/libopenvswitch.a -lssl -lcrypto -latomic -lm -lpthread
OVS_DEP    := $(OVS_BUILD)/.done
endif
# OVS headers are not -Wshadow/-Wextra clean: keep our warnings, silence theirs.
OVS_CFLAGS := $(patsubst -I%,-isystem %,$(OVS_CFLAGS))

SRC_DIRS := base plan net qemu ctl cmd
SRC_C    := $(sort $(foreach d,$(SRC_DIRS),$(wildcard src/$(d)/*.c)))
NL_C     := $(sort $(wildcard netlink/*.c))
OVSDB_C  := $(sort $(wildcard ovsdb/*.c))
UNIT_C   := $(sort $(wildcard tests/unit/test-*.c))
HELPER_C := $(sort $(wildcard tests/helpers/*.c))
FUZZ_C   := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_TIME ?= 20

SRC_O    := $(SRC_C:%.c=$(BUILD)/%.o)
NL_O     := $(NL_C:%.c=$(BUILD)/%.o)
OVSDB_O  := $(OVSDB_C:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libxkvm.a
LIBS     := $(NL_LIBS) $(PCAP_LIBS) $(OVS_LIBS)
UNIT_BIN := $(UNIT_C:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(HELPER_C:tests/helpers/%.c=$(BUILD)/tests/%)
FUZZ_BIN := $(FUZZ_C:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.SECONDARY:
.PHONY: FORCE deb all asan check unit integration bench demo demo-ovn demo-dpdk install uninstall clean distclean ovs \
	fuzz fuzz-run
all: $(BUILD)/xkvm $(UNIT_BIN) $(HELPER_BIN)

ovs: $(OVS_DEP)
$(OVS_BUILD)/.done:
	$(OVS_ENV) tools/build-libopenvswitch.sh $(OVS_SRC) $(OVS_BUILD)

$(BUILD)/gen/xkvm-version.h: FORCE
	@mkdir -p $(@D)
	@test -n '$(VERSION_FILE)' || { echo 'Makefile: no VERSION file' >&2; exit 1; }
	@printf '#define XKVM_VERSION "%s"\n' '$(XKVM_VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
# Generated headers are included as "gen/NAME.h", from $(BUILD).
$(BUILD)/src/base/version.o: $(BUILD)/gen/xkvm-version.h
$(BUILD)/src/base/version.o: CFLAGS += -I$(BUILD)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -I. -c -o $@ $<
# sysconfdir.h changes (and tapctl-priv.o is rebuilt) only when SYSCONFDIR does.
$(BUILD)/gen/sysconfdir.h: FORCE
	@mkdir -p $(@D)
	@printf '#define XKVM_SYSCONFDIR "%s"\n' '$(SYSCONFDIR)' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/src/cmd/tapctl-priv.o: $(BUILD)/gen/sysconfdir.h
$(BUILD)/src/cmd/tapctl-priv.o: CFLAGS += -I$(BUILD)
FORCE:
$(BUILD)/netlink/%.o: netlink/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(NL_CFLAGS) -c -o $@ $<
$(BUILD)/ovsdb/%.o: ovsdb/%.c $(OVS_DEP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OVS_CFLAGS) -c -o $@ $<
$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -I. -Itests/unit -c -o $@ $<
$(BUILD)/tests/helpers/%.o: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Isrc -I. -c -o $@ $<

$(LIB): $(SRC_O) $(NL_O) $(OVSDB_O)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/xkvm: $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/%: $(BUILD)/tests/helpers/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined all

# Everything: unit tests under the plain and the sanitizer build and under
# valgrind, then the
# integration tests (namespaces, private OVS, real qemu) with the sanitizer build.
check:
	tools/install-deps.sh check
	$(MAKE) all asan
	tests/run.sh --build $(BUILD) --asan build/asan --valgrind

# libFuzzer harnesses of the parsers (tests/fuzz/fuzz-*.c), built with clang
# in build/fuzz and run FUZZ_TIME seconds each.  Not part of check.
fuzz:
	tools/install-deps.sh fuzz
	$(MAKE) BUILD=build/fuzz CC=clang SANITIZE=fuzzer-no-link,address,undefined fuzz-run

# Linked against the whole library: the archive lends each harness only the
# objects it needs, so no list of them is kept here.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -Isrc -I. -o $@ $< $(LIB) $(LIBS)

fuzz-run: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		c=$(BUILD)/fuzz/corpus/$${f##*/}; mkdir -p $$c; \
		echo "fuzz: $${f##*/} for $(FUZZ_TIME) s (corpus $$c)"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=1024 -artifact_prefix=$(BUILD)/fuzz/ $$c \
			2>$(BUILD)/fuzz/$${f##*/}.log || { tail -40 $(BUILD)/fuzz/$${f##*/}.log; exit 1; }; \
		tail -1 $(BUILD)/fuzz/$${f##*/}.log; \
	done

unit: all
	tests/run.sh --build $(BUILD) --unit-only

bench:
	tools/install-deps.sh bench
	$(MAKE) all
	tests/bench/run.sh --build $(BUILD)

demo:
	tools/install-deps.sh demo
	$(MAKE) all
	tests/demo/run.sh --build $(BUILD)

# Two guests on one OVN logical switch, on two chassis (namespaces).
demo-ovn:
	tools/install-deps.sh demo
	$(MAKE) all
	tests/demo/ovn.sh --build $(BUILD)

# A guest on an OVS-DPDK bridge through a vhost-user port (DPDK without
# hugepages, in a namespace).
demo-dpdk:
	tools/install-deps.sh demo
	$(MAKE) all
	tests/demo/dpdk.sh --build $(BUILD)

# The unit and the sudoers example name the installed binary: written here,
# with BINDIR, not at build time.
install: $(BUILD)/xkvm
	install -D -m 0755 $(BUILD)/xkvm $(DESTDIR)$(BINDIR)/xkvm
	install -D -m 0644 docs/xkvm.1 $(DESTDIR)$(MANDIR)/man1/xkvm.1
	install -D -m 0644 tools/completion/xkvm.bash $(DESTDIR)$(COMPLETIONSDIR)/xkvm
	@mkdir -p $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)/examples
	sed 's|@BINDIR@|$(BINDIR)|g' tools/systemd/xkvm-gc.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/xkvm-gc.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/xkvm-gc.service
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' tools/sudoers/xkvm.in >$(DESTDIR)$(DOCDIR)/examples/sudoers
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/sudoers
	install -m 0644 docs/examples/acl.conf $(DESTDIR)$(DOCDIR)/examples/acl.conf
	@# The ACL the binary reads (SYSCONFDIR): the shipped one grants nothing,
	@# and an admin's own is never overwritten.
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/xkvm/acl.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/xkvm/acl.conf"; \
	else \
		install -D -m 0644 tools/acl.conf $(DESTDIR)$(SYSCONFDIR)/xkvm/acl.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xkvm $(DESTDIR)$(MANDIR)/man1/xkvm.1 \
		$(DESTDIR)$(COMPLETIONSDIR)/xkvm $(DESTDIR)$(SYSTEMDUNITDIR)/xkvm-gc.service \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)) examples/sudoers examples/acl.conf)
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	@# the ACL goes only as shipped: an admin's rules stay
	-cmp -s tools/acl.conf $(DESTDIR)$(SYSCONFDIR)/xkvm/acl.conf && \
		rm -f $(DESTDIR)$(SYSCONFDIR)/xkvm/acl.conf && \
		rmdir $(DESTDIR)$(SYSCONFDIR)/xkvm 2>/dev/null; true

# The Debian package (debian/), built with dpkg-buildpackage in a copy of
# the tree under DEBDIR (its outputs land next to it: not in the parent of
# this tree).  A finished build/ovs is reused (the package's build would
# compile libopenvswitch again); XKVM_OVS_BUILD= builds it afresh.
DEBDIR   ?= build/deb
XKVM_OVS_BUILD ?= $(if $(wildcard $(OVS_BUILD)/.done),$(abspath $(OVS_BUILD)))
deb:
	tools/install-deps.sh deb
	@rm -rf $(DEBDIR)/xkvm-$(VERSION_FILE)
	@mkdir -p $(DEBDIR)/xkvm-$(VERSION_FILE)
	tar -c --exclude=./build --exclude=./.git --exclude='./debian/xkvm' \
		--exclude='./debian/build' --exclude='./debian/.debhelper' . | \
		tar -x -C $(DEBDIR)/xkvm-$(VERSION_FILE)
	cd $(DEBDIR)/xkvm-$(VERSION_FILE) && XKVM_VERSION='$(XKVM_VERSION)' \
		XKVM_OVS_BUILD='$(XKVM_OVS_BUILD)' dpkg-buildpackage -b -us -uc
	rm -rf $(DEBDIR)/xkvm-$(VERSION_FILE)
	@ls $(DEBDIR)/xkvm_$(VERSION_FILE)_*.deb

clean:
	rm -rf $(filter-out $(OVS_BUILD),$(wildcard build/*))

distclean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

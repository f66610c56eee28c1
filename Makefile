# xkvm: a plain Makefile.  `make` builds build/xkvm; `make check` runs every
# test; `make asan` builds the AddressSanitizer/UBSan variant in build/asan.
#
# Walls: netlink/ is compiled with libnl's include paths only, ovsdb/ with
# libopenvswitch's only (OVS's include/linux/netlink.h shadows the system
# header), src/ with neither.  src/'s folders (base, plan, net, qemu, cmd)
# include each other's headers as "folder/name.h" under the rules of
# docs/design.md, checked by tests/integration/include-rules.sh.

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=
OVS_SRC  ?= /usr/src/openvswitch/openvswitch.tar.gz
# The static libopenvswitch is built once and shared by every build variant.
OVS_BUILD ?= build/ovs

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Werror
CFLAGS   ?= -O2 -g
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
.PHONY: all asan check unit integration bench demo demo-ovn install uninstall clean distclean ovs \
	fuzz fuzz-run
all: $(BUILD)/xkvm $(UNIT_BIN) $(HELPER_BIN)

ovs: $(OVS_DEP)
$(OVS_BUILD)/.done:
	tools/build-libopenvswitch.sh $(OVS_SRC) $(OVS_BUILD)

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc -I. -c -o $@ $<
$(BUILD)/netlink/%.o: netlink/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(NL_CFLAGS) -c -o $@ $<
$(BUILD)/ovsdb/%.o: ovsdb/%.c $(OVS_DEP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(OVS_CFLAGS) -c -o $@ $<
$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc -I. -Itests/unit -c -o $@ $<
$(BUILD)/tests/helpers/%.o: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc -I. -c -o $@ $<

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
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Isrc -I. -o $@ $< $(LIB) $(LIBS)

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

install: $(BUILD)/xkvm
	install -D -m 0755 $(BUILD)/xkvm $(DESTDIR)$(PREFIX)/bin/xkvm
	install -D -m 0644 docs/xkvm.1 $(DESTDIR)$(PREFIX)/share/man/man1/xkvm.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/xkvm $(DESTDIR)$(PREFIX)/share/man/man1/xkvm.1

clean:
	rm -rf $(filter-out $(OVS_BUILD),$(wildcard build/*))

distclean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

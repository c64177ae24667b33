# vmcore-tool — build, test, install.
#   make                 build ./vmcore-tool
#   make check           unit tests, fixture and CLI tests (and, with CI=true,
#                        the real-guest suite)
#   make check-cli UPDATE=1  rewrite the CLI goldens (tests/cli/README.md)
#   make check-cli T=NAME    run tests/cli/t-NAME.sh only
#   make check-real      real Linux guests in QEMU (tests/realguest/)
#   make check-sanitize  the suite again under ASan + UBSan (build-san/)
#   make fuzz-build      the libFuzzer harnesses and their seeds (build-fuzz/;
#                        clang, tests/fuzz/README.md)
#   make check-fuzz      each harness for CHECK_FUZZ_SECONDS (30), and every
#                        saved regression input once; fails on any finding
#   make fuzz            longer runs: FUZZ_SECONDS=600 FUZZ_JOBS=2 FUZZERS=walk,...
#   make bench-build     build the benchmarks (bench/; `make check` does too)
#   make deps            install the Debian packages needed to build and test
#                        (make fuzz-deps: also clang for the fuzz targets)
#   make install         PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
BUILD    ?= build
PYTHON   ?= /usr/bin/python3
# Link only what the code uses: the product reads a vmlinux's symbols with
# libdw (libdwfl) and libelf (src/symbols/); the unit tests cross-check our
# ELF reader against libelf; the walker benchmark runs libkdumpfile side by
# side.
PKGS     := libdw libelf
# The compressed input layers (src/input/gzip.c, lz4.c).
PKGS     += zlib liblz4
UNIT_PKGS := libelf
BENCH_PKGS := libkdumpfile libaddrxlat
# The kdump reader's page codecs (KDUMP-AND-SYMBOLS.md §C.6); its
# write_ram decodes on two threads.
KDUMP_PKGS := zlib lzo2 snappy libzstd
PKGS     += $(KDUMP_PKGS)
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

CC       ?= cc
# Recursive (=), so `make deps check` asks pkg-config after deps installed
# the libraries, not when the Makefile is read.
PKG_CFLAGS = $(if $(PKGS),$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS   = $(if $(PKGS),$(shell pkg-config --libs $(PKGS)))
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) $(PKG_CFLAGS) \
             -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DVMC_VERSION='"$(VERSION)"' \
             -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
ALL_CFLAGS  += -pthread
ALL_LDFLAGS += -pthread
LIBS      = $(PKG_LIBS)

ifdef SANITIZE
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
endif
# The library for libFuzzer: coverage-instrumented, ASan + UBSan; the
# harnesses add -fsanitize=fuzzer when they link (tests/fuzz/README.md).
ifdef FUZZ_LIB
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
             -fno-omit-frame-pointer -fno-sanitize-recover=all
# The walk loop compares against counts and ranges that comparison
# feedback cannot steer; tracing them made the walk harnesses 2.6x slower
# (tests/fuzz/README.md). The entry decoders keep it.
$(BUILD)/src/pagewalk/walk.o: SAN_FLAGS += -fno-sanitize-coverage=trace-cmp
endif

# Every module's sources: a new module in src/ needs no line here.
LIB_SRC  := $(wildcard src/*/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/vmcore-tool.o
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
FIXTURE_TXT  := $(wildcard tests/fixtures/*.core.txt)
FIXTURES     := $(FIXTURE_TXT:tests/fixtures/%.core.txt=$(BUILD)/fixtures/%.core)

BIN      := $(BUILD)/vmcore-tool

# Keep generated cores that intermediate rules produce.
.SECONDARY:

.PHONY: all check check-unit check-cli check-mkcore check-real check-sanitize \
        fixtures deps install uninstall clean sample bench-build \
        fuzz-build fuzz-harnesses fuzz-seeds fuzz-deps check-fuzz fuzz

all: vmcore-tool

# Copy, then rename: replacing a binary that is running must work.
vmcore-tool: $(BIN)
	cp $< $@.tmp && mv -f $@.tmp $@

$(BIN): $(MAIN_OBJ) $(BUILD)/libvmcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libvmcore.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(UNIT_PKGS)) -c -o $@ $<

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libvmcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(shell pkg-config --libs $(UNIT_PKGS))

# The walker against libkdumpfile (bench/README.md). Built, not timed, by
# `make check`, so that the figures it reports can always be reproduced.
$(BUILD)/walk-bench: bench/walk-bench.c $(BUILD)/libvmcore.a
	$(CC) $(ALL_CFLAGS) -Isrc $(shell pkg-config --cflags $(BENCH_PKGS)) \
	  -o $@ $< $(BUILD)/libvmcore.a $(ALL_LDFLAGS) $(LIBS) \
	  $(shell pkg-config --libs $(BENCH_PKGS))

bench-build: $(BUILD)/walk-bench $(BUILD)/input-bench

# The compressed input layers against the plain file (bench/input-bench.sh).
$(BUILD)/input-bench: bench/input-bench.c $(BUILD)/libvmcore.a
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(BUILD)/libvmcore.a $(ALL_LDFLAGS) $(LIBS)

# The real-guest suite's check of the read path against the traced walk.
$(BUILD)/xlat-check: tests/realguest/xlat-check.c $(BUILD)/libvmcore.a
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(BUILD)/libvmcore.a $(ALL_LDFLAGS) $(LIBS)

# The kdump test generator (tests/mkkdump.c): a host tool, built with plain
# flags in every build, linked with the real codecs.
MKKDUMP := $(BUILD)/mkkdump
$(MKKDUMP): tests/mkkdump.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g $(shell pkg-config --cflags $(KDUMP_PKGS)) \
	  -o $@ $< $(shell pkg-config --libs $(KDUMP_PKGS))

$(BUILD)/fixtures/%.core: tests/fixtures/%.core.txt tests/mkcore.py
	@mkdir -p $(dir $@)
	$(PYTHON) tests/mkcore.py $< $@

# The sample's page data lives beside its description.
$(BUILD)/fixtures/sample-x86_64.core: $(wildcard tests/fixtures/sample-x86_64.*.gz)

fixtures: $(FIXTURES)

check-unit: $(BUILD)/unit-tests fixtures
	$(BUILD)/unit-tests $(BUILD)/fixtures

# The CLI tests' fault injection (tests/shim/faults.c), loaded with
# LD_PRELOAD: plain flags, without the sanitizers and without
# _FILE_OFFSET_BITS (it defines both pwrite and pwrite64).
FAULTS   := $(BUILD)/libvmc-faults.so
$(FAULTS): tests/shim/faults.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

# UPDATE=1 rewrites the goldens in tests/cli/expected/ instead of comparing.
check-cli: $(BIN) fixtures $(FAULTS) $(MKKDUMP)
	VMCORE_TOOL=$(BIN) FIXTURES=$(BUILD)/fixtures PYTHON=$(PYTHON) \
	  MKKDUMP=$(abspath $(MKKDUMP)) \
	  VMC_FAULTS=$(abspath $(FAULTS)) UPDATE=$(UPDATE) T='$(T)' bash tests/cli/run.sh

check-mkcore:
	PYTHON=$(PYTHON) bash tests/mkcore-selftest.sh

# The real-guest suite runs in `make check` when CI=true (it must not skip
# there); locally `make check-real` runs it on demand.
check: vmcore-tool check-mkcore check-unit check-cli bench-build
ifeq ($(CI),true)
	$(MAKE) check-real
endif

check-real: $(BIN) $(BUILD)/xlat-check
	VMCORE_TOOL=$(abspath $(BIN)) bash tests/realguest/run.sh

check-sanitize:
	$(MAKE) BUILD=build-san SANITIZE=1 check-unit check-cli
ifeq ($(CI),true)
	$(MAKE) BUILD=build-san SANITIZE=1 check-real
endif

deps:
	bash tests/install-deps.sh

# ---- fuzzing (tests/fuzz/README.md) -------------------------------------------
# One libFuzzer harness per parser or pipeline stage, built with clang into
# build-fuzz/ (its own library build and fixtures), seeds generated from the
# fixtures. check-fuzz runs each for a short fixed time (two at a time) and
# every input in tests/fuzz/regressions/ once; .ci/run calls it.
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_NAMES   := elfcore vmcoreinfo notes walk plan translate x86-tables \
                remap-oracle symbols kdump
FUZZ_NAMES   += input
# kernel/: the printk ring decoders, the search for VMCOREINFO in RAM.
FUZZ_NAMES   += printk vmcoreinfo-ram
FUZZ_BINS     = $(FUZZ_NAMES:%=$(BUILD)/fuzz-%)
FUZZ_SEEDS_TXT := $(wildcard tests/fuzz/seeds/*.core.txt)
FUZZ_SEED_CORES = $(FUZZ_SEEDS_TXT:tests/fuzz/seeds/%.core.txt=$(BUILD)/seed-cores/%.core)
CHECK_FUZZ_SECONDS ?= 30
FUZZ_SECONDS ?= 600
FUZZ_JOBS    ?= 2

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz-build: no $(FUZZ_CC):" \
	  "make fuzz-deps installs clang and libclang-rt-dev" >&2; exit 2; }
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) FUZZ_LIB=1 fuzz-harnesses fuzz-seeds

fuzz-deps:
	bash tests/install-deps.sh --fuzz

fuzz-harnesses: $(FUZZ_BINS)

$(BUILD)/fuzz-%: $(BUILD)/tests/fuzz/fuzz-%.o $(BUILD)/tests/fuzz/common.o \
                 $(BUILD)/libvmcore.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(BUILD)/seed-cores/%.core: tests/fuzz/seeds/%.core.txt tests/mkcore.py
	@mkdir -p $(dir $@)
	$(PYTHON) tests/mkcore.py $< $@

# Seeds: regenerated whenever a fixture or the generator changes.
fuzz-seeds: $(BUILD)/seeds/.stamp $(BUILD)/seeds/kdump/.stamp
$(BUILD)/seeds/.stamp: $(FIXTURES) $(FUZZ_SEED_CORES) tests/fuzz/mkseeds.py \
                       tests/mkcore.py
	rm -rf $(BUILD)/seeds
	$(PYTHON) tests/fuzz/mkseeds.py $(BUILD)/fixtures:$(BUILD)/seed-cores \
	  tests/fixtures:tests/fuzz/seeds $(BUILD)/seeds
	touch $@

# The kdump harness's seeds: mkkdump's variants of small fixtures (each
# codec, both writers, old versions, 64K blocks, excluded and lost pages,
# flattened, damaged pages), made after mkseeds.py (which empties seeds/).
KDUMP_SEEDS := x86-4level.core:zlib:--codec=zlib \
  x86-4level.core:lzo:--codec=lzo x86-4level.core:snappy:--codec=snappy \
  x86-4level.core:zstd:--codec=zstd x86-4level.core:raw:--codec=raw \
  x86-4level.core:l32:--layout=32,--codec=mixed \
  x86-4level.core:v3:--version=3 x86-4level.core:v1:--version=1 \
  x86-4level.core:excl:--exclude=0x10000-0x12000,--exclude-zero \
  x86-4level.core:inc:--incomplete=3 \
  x86-4level.core:flat:--flat,--flat-shuffle,--flat-gaps,--flat-chunk=3000 \
  x86-4level.core:corrupt:--codec=zstd,--damage=corrupt \
  x86-4level.core:short:--codec=snappy,--damage=page-size \
  aarch64-basic.core:a64k:--block-size=65536,--codec=mixed \
  x86-32bit-nopse.core:i386:--layout=32,--codec=lzo \
  x86_64-basic.core:high:--codec=mixed
$(BUILD)/seeds/kdump/.stamp: $(BUILD)/seeds/.stamp $(MKKDUMP) $(FIXTURES) Makefile
	rm -rf $(BUILD)/seeds/kdump && mkdir -p $(BUILD)/seeds/kdump
	for s in $(KDUMP_SEEDS); do \
	  in=$${s%%:*}; rest=$${s#*:}; name=$${rest%%:*}; opts=$${rest#*:}; \
	  $(MKKDUMP) $$(echo $$opts | tr , ' ') $(BUILD)/fixtures/$$in \
	    $(BUILD)/seeds/kdump/$$name.kdump || exit 1; \
	done
	touch $@

check-fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) SECONDS_EACH=$(CHECK_FUZZ_SECONDS) \
	  JOBS=$(FUZZ_JOBS) bash tests/fuzz/run.sh $(subst $(comma), ,$(FUZZERS))

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) SECONDS_EACH=$(FUZZ_SECONDS) JOBS=$(FUZZ_JOBS) \
	  REGRESSIONS=0 bash tests/fuzz/run.sh $(subst $(comma), ,$(FUZZERS))
comma := ,

# The README's main job: remap the bundled sample core (derived from a real
# Debian guest, tests/fixtures/README.md), then show that gdb reads kernel
# memory from the result by virtual address; names come from the small
# kallsyms table in the sample (no vmlinux needed).
SAMPLE     := $(BUILD)/fixtures/sample-x86_64.core
SAMPLE_OUT := $(BUILD)/sample-gdb.elf
BANNER_VA  := 0xffffffff97d61900
sample: vmcore-tool $(SAMPLE)
	@echo '== the input: a QEMU paging=false dump, physical addresses only'
	$(BIN) ptload --list $(SAMPLE)
	@echo
	@echo '== remap: walk its page tables, write a core gdb reads by virtual address'
	@echo '   (it prints the gdb command for the output, KASLR offset included)'
	$(BIN) remap --force $(SAMPLE) -o $(SAMPLE_OUT)
	$(BIN) ptload --list $(SAMPLE_OUT) | tail -n 1
	@echo
	@echo '== linux_banner by name (kallsyms in the dump), through the page tables'
	$(BIN) vtop $(SAMPLE) linux_banner
	$(BIN) read $(SAMPLE) linux_banner 200
	@echo
	@echo '== gdb reads it from the output by virtual address'
	gdb -batch -nx -ex 'core-file $(SAMPLE_OUT)' -ex 'x/s $(BANNER_VA)'
	@echo
	@echo '== or in one step: vmcore-tool gdb remaps (cached) and runs gdb;'
	@echo '   with the kernel'"'"'s vmlinux (--vmlinux, or installed) it adds symbol-file -o OFFSET'
	XDG_CACHE_HOME=$(abspath $(BUILD))/cache $(BIN) gdb $(SAMPLE) -- -batch -nx -ex 'x/s $(BANNER_VA)'

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/vmcore-tool
	install -m 644 man/vmcore-tool.1 $(DESTDIR)$(MANDIR)/man1/vmcore-tool.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmcore-tool $(DESTDIR)$(MANDIR)/man1/vmcore-tool.1

clean:
	rm -rf build build-san build-fuzz vmcore-tool

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
         $(wildcard $(BUILD)/tests/fuzz/*.d)

# smloss - selective matching losses for linear and MLP scorers.
#   make            build ./smloss
#   make demo       build and train/evaluate on the bundled housing data
#   make check      build and run every test, a short smoke run of each fuzz
#                   target (CHECK_FUZZ=0: skip it), then every test again
#                   under ASan+UBSan (CHECK_SANITIZE=0: skip that pass;
#                   SANITIZE=1: only that pass); compiles on JOBS cores
#                   (all) and runs TEST_JOBS suites at once (one per core)
#   make fuzz       build the libFuzzer targets (tests/fuzz) and run each for
#                   FUZZ_SECONDS (60); FUZZ="link model" picks targets
#   make check-valgrind  the demo and the CLI suites under valgrind
#   make check-tsan the suite under ThreadSanitizer (threads: parsing,
#                   training passes, cache hash)
#   make bench      speed, memory and time to the optimum against installed
#                   peers (scripts/bench.sh;
#                   BENCH=--quick for a small run)
#   make install    PREFIX=/usr/local DESTDIR=
#   make MPI=1      build ./smloss with mpicc and MPI support (build/mpi);
#                   make deps-mpi installs Open MPI; make check-mpi tests it
#                   (run by make check when mpirun is present)
# CFLAGS, CPPFLAGS, LDFLAGS and CC may be overridden on the command line.

CC      ?= cc
MPICC   ?= mpicc
MPIRUN  ?= mpirun
# make check compiles with every core unless make was given -j itself
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)
PAR      = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS))
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man/man1
MAN7DIR = $(PREFIX)/share/man/man7
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions

SM_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wstrict-prototypes
LDLIBS  = -lz -lm -pthread

SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS = reader reader_gzip link groups model checkpoint cache targets emphasize

ifeq ($(MPI),1)
# Data-parallel training over MPI (src/lib/dist.c); objects of their own.
BUILD   = build/mpi
CC      = $(MPICC)
SAN     = -DSM_MPI
else ifeq ($(SANITIZE),1)
BUILD   = build/sanitize
SAN     = $(SAN_FLAGS)
else ifeq ($(TSAN),1)
# ThreadSanitizer cannot run the ifunc resolvers of the target clones (mlp.c)
BUILD   = build/tsan
SAN     = -fsanitize=thread -DSM_NO_TARGET_CLONES
else
BUILD   = build/release
SAN     =
endif

# src/cli: the command line (main, the commands, options, messages, output
# files); src/lib: the engine (libsmloss.a), which never includes a CLI header.
CLI_SRC    = $(wildcard src/cli/*.c)
ENGINE_SRC = $(wildcard src/lib/*.c)
ENGINE_OBJ = $(ENGINE_SRC:src/lib/%.c=$(BUILD)/lib/%.o)
CLI_OBJ    = $(CLI_SRC:src/cli/%.c=$(BUILD)/cli/%.o)
LIB        = $(BUILD)/libsmloss.a
TEST_SRC   = $(wildcard tests/test_*.c)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# The scripts' tools that include engine headers: compiled by make check so
# that they cannot rot (bench.sh and the generators build their own copies).
SCRIPT_TOOLS = $(patsubst scripts/%.c,$(BUILD)/scripts/%,$(shell grep -l '^\#include "' scripts/*.c))
# Each fuzz target also runs without libFuzzer, replaying its regression inputs
# (tests/fuzz/regress/TARGET) and the malformed-input corpus (tests/bad/DIR).
REPLAY_BIN = $(FUZZ_TARGETS:%=$(BUILD)/tests/test_fuzz_%)

ALL_CFLAGS = $(SM_CFLAGS) $(SAN) $(CFLAGS)

.PHONY: fuzz-regress-cache smloss check-mpi deps-mpi all demo check check-suite check-tsan check-valgrind fuzz fuzz-build fuzz-smoke check-peers bench reproduce install uninstall clean deps zlib-check

all: smloss

zlib-check:
	@printf '#include <zlib.h>\nint main(void){return 0;}\n' | \
	  $(CC) -x c - -o /dev/null -lz 2>/dev/null || { \
	  echo "smloss needs zlib's headers and library: run 'make deps' (apt-get install zlib1g-dev) or install zlib for your system." >&2; exit 1; }

deps:
	@if printf '#include <zlib.h>\nint main(void){return 0;}\n' | $(CC) -x c - -o /dev/null -lz 2>/dev/null; then \
	  echo "zlib: present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "installing zlib1g-dev with apt-get"; apt-get update -qq && apt-get install -y -qq zlib1g-dev; \
	else echo "install zlib's development package with your system's package manager" >&2; exit 1; fi

$(BUILD)/.zlib-ok:
	@mkdir -p $(BUILD)
	@$(MAKE) -s zlib-check
	@touch $@

$(BUILD)/lib/%.o: src/lib/%.c $(wildcard src/lib/*.h) | $(BUILD)/.zlib-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/cli/%.o: src/cli/%.c $(wildcard src/lib/*.h src/cli/*.h) | $(BUILD)/.zlib-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib -c $< -o $@

$(LIB): $(ENGINE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/smloss: $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

# Copied whenever it differs: ./smloss is the flavour built last (MPI=1 or not).
smloss: $(BUILD)/smloss
	@cmp -s $< $@ || cp $< $@

$(BUILD)/tests/%: tests/%.c tests/test.c $(wildcard tests/*.h) $(LIB)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib $< tests/test.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The command line's own words (the progress line) are tested with its object.
$(BUILD)/tests/test_cli_msg: tests/test_cli_msg.c tests/test.c tests/test.h $(LIB) $(BUILD)/cli/cli_msg.o
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib -Isrc/cli $< tests/test.c $(BUILD)/cli/cli_msg.o $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/scripts/%: scripts/%.c $(LIB)
	@mkdir -p $(BUILD)/scripts
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The fuzz_cache regression inputs: their table (tests/fuzz/cache_regress.c)
# is checked by test_cache_regress and written by gen_cache_regress.
CACHE_REGRESS = tests/fuzz/cache_regress.c tests/fuzz/cache_regress.h
$(BUILD)/tests/test_cache_regress: tests/test_cache_regress.c tests/test.c tests/test.h $(CACHE_REGRESS) $(LIB)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib $< tests/test.c tests/fuzz/cache_regress.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/tests/gen_cache_regress: tests/fuzz/gen_cache_regress.c $(CACHE_REGRESS) $(LIB)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib $< tests/fuzz/cache_regress.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# Rewrite them after a change to the cache format (then commit them).
fuzz-regress-cache: $(BUILD)/tests/gen_cache_regress
	$(BUILD)/tests/gen_cache_regress tests/fuzz/regress/cache

replay_dir = $(if $(filter reader_gzip,$(1)),reader,$(1))
$(BUILD)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc/lib -DREPLAY_NAME='"fuzz_$*"' \
	  -DREPLAY_DIRS='"tests/fuzz/regress/$*:tests/bad/$(call replay_dir,$*)"' \
	  $< tests/fuzz/replay.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# One pass of the suite with the current flavour (SANITIZE=1 or not).
check-suite: $(BUILD)/smloss $(TEST_BIN) $(REPLAY_BIN) $(SCRIPT_TOOLS)
	@rm -f $(filter-out $(TEST_BIN) $(REPLAY_BIN),$(wildcard $(BUILD)/tests/test_*)) # removed suites
	@SMLOSS=$(CURDIR)/$(BUILD)/smloss TEST_BIN_DIR=$(BUILD)/tests sh tests/run.sh

SAN_PROBE = mkdir -p build && printf 'int main(void) { return 0; }\n' | \
            $(CC) $(SAN_FLAGS) -x c - -o build/.san-probe >/dev/null 2>&1 && ./build/.san-probe

# The suite, a smoke run of the fuzz targets, then the suite again under
# ASan+UBSan (its "N passed, N failed" line ends the output); a pass the
# machine cannot do is skipped with a message.
check:
	@$(MAKE) --no-print-directory $(PAR) smloss
	@echo "== test suite ($(notdir $(BUILD)) build) =="
	@$(MAKE) --no-print-directory $(PAR) check-suite
	@$(MAKE) --no-print-directory fuzz-smoke
	@if [ "$(CHECK_MPI)" = 0 ]; then echo "== MPI suite skipped (CHECK_MPI=0) =="; \
	elif command -v $(MPIRUN) >/dev/null 2>&1 && command -v $(MPICC) >/dev/null 2>&1; then \
	  echo "== MPI suite (make check-mpi; CHECK_MPI=0 skips) =="; $(MAKE) --no-print-directory check-mpi; \
	else echo "== MPI suite SKIPPED: mpirun/mpicc not found (make deps-mpi installs Open MPI) =="; fi
ifneq ($(SANITIZE),1)
	@if [ "$(CHECK_SANITIZE)" = 0 ]; then echo "== ASan+UBSan pass skipped (CHECK_SANITIZE=0) =="; \
	elif $(SAN_PROBE); then echo "== test suite under ASan+UBSan (CHECK_SANITIZE=0 skips) =="; \
	  $(MAKE) --no-print-directory $(PAR) SANITIZE=1 check-suite; \
	else echo "== ASan+UBSan pass SKIPPED: $(CC) cannot build and run with $(SAN_FLAGS) =="; fi
endif

# The MPI suite (tests/mpi/run.sh) on the MPI build, which lives in
# build/mpi and leaves ./smloss alone.
check-mpi:
	@command -v $(MPIRUN) >/dev/null && command -v $(MPICC) >/dev/null || { \
	  echo "make check-mpi: needs mpicc and mpirun (make deps-mpi)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(PAR) MPI=1 SANITIZE= TSAN= build/mpi/smloss
	@$(MAKE) --no-print-directory $(PAR) MPI= SANITIZE= TSAN= build/release/smloss
	@SMLOSS_MPI=$(CURDIR)/build/mpi/smloss SMLOSS=$(CURDIR)/build/release/smloss MPIRUN=$(MPIRUN) \
	  sh tests/mpi/run.sh

deps-mpi: deps
	@if command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then \
	  echo "Open MPI: present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "installing libopenmpi-dev and openmpi-bin with apt-get"; \
	  apt-get update -qq && apt-get install -y -qq libopenmpi-dev openmpi-bin; \
	else echo "install Open MPI (mpicc, mpirun) with your system's package manager" >&2; exit 1; fi

demo: smloss
	@sh scripts/demo.sh

# The demo and the command-line suites with every smloss run under valgrind
# (tests/valgrind.sh); the unit-test binaries are left to the ASan pass.
check-valgrind: smloss
	@command -v valgrind >/dev/null || { echo "make check-valgrind: valgrind is not installed" >&2; exit 1; }
	@echo "== make demo under valgrind =="
	@SMLOSS_REAL=$(CURDIR)/smloss SMLOSS=$(CURDIR)/tests/valgrind.sh DEMO_DIR=build/demo-valgrind \
	  sh scripts/demo.sh > build/demo-valgrind.log 2>&1 || { cat build/demo-valgrind.log; exit 1; }
	@echo "demo: clean (output in build/demo-valgrind.log)"
	@echo "== command-line suites under valgrind =="
	@SMLOSS_REAL=$(CURDIR)/smloss SMLOSS=$(CURDIR)/tests/valgrind.sh TEST_BIN_DIR=build/no-unit-tests \
	  sh tests/run.sh

# The suite under ThreadSanitizer: the parsing pipeline, the training passes
# on --threads threads and the cache's parallel hash, free of data races.
check-tsan:
	@echo "== test suite under ThreadSanitizer =="
	@$(MAKE) --no-print-directory TSAN=1 check-suite

check-peers: smloss
	@sh scripts/check-peers.sh

bench: smloss
	@sh scripts/bench.sh $(BENCH)

reproduce: smloss
	@sh scripts/reproduce.sh

install: smloss
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(MAN7DIR)
	install -m 755 smloss $(DESTDIR)$(BINDIR)/smloss
	install -m 644 man/smloss.1 $(DESTDIR)$(MANDIR)/smloss.1
	install -m 644 man/smloss-losses.7 $(DESTDIR)$(MAN7DIR)/smloss-losses.7
	@# the completion script comes from the binary's own option tables
	install -d $(DESTDIR)$(BASHCOMPDIR)
	./smloss completion bash > $(DESTDIR)$(BASHCOMPDIR)/smloss.tmp
	mv $(DESTDIR)$(BASHCOMPDIR)/smloss.tmp $(DESTDIR)$(BASHCOMPDIR)/smloss
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/smloss

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smloss $(DESTDIR)$(MANDIR)/smloss.1 $(DESTDIR)$(MAN7DIR)/smloss-losses.7
	rm -f $(DESTDIR)$(BASHCOMPDIR)/smloss

clean:
	rm -rf build smloss

# ---- fuzzing (clang's libFuzzer; tests/fuzz) ----
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 2
FUZZ_SMOKE_SEED ?= 1
FUZZ_BUILD   = build/fuzz
FUZZ_CFLAGS  = $(SM_CFLAGS) -g -O1 $(SAN_FLAGS)
FUZZ_BIN     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_PROBE   = printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return (int)(d == 0) + (int)n * 0; }\n' | \
               $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o /dev/null >/dev/null 2>&1

$(FUZZ_BUILD)/%.o: src/lib/%.c $(wildcard src/lib/*.h) | $(BUILD)/.zlib-ok
	@mkdir -p $(FUZZ_BUILD)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libsmloss.a: $(ENGINE_SRC:src/lib/%.c=$(FUZZ_BUILD)/%.o)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libsmloss.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc/lib $< $(FUZZ_BUILD)/libsmloss.a $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BIN)

fuzz: smloss
	@if ! $(FUZZ_PROBE); then echo "make fuzz: needs $(FUZZ_CC) with libFuzzer (Debian: clang, libclang-rt-dev)" >&2; exit 1; fi
	@$(MAKE) -s fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ)

# A few seconds per fuzz target (part of make check).
fuzz-smoke: smloss
	@if [ "$(CHECK_FUZZ)" = 0 ]; then echo "== fuzz smoke run skipped (CHECK_FUZZ=0) =="; \
	elif ! $(FUZZ_PROBE); then echo "== fuzz smoke run SKIPPED: $(FUZZ_CC) with libFuzzer not found (Debian: clang, libclang-rt-dev) =="; \
	else echo "== fuzz smoke run, $(FUZZ_SMOKE_SECONDS) s per target (CHECK_FUZZ=0 skips) =="; \
	  $(MAKE) --no-print-directory -s $(PAR) fuzz-build && FUZZ_FRESH=1 FUZZ_SEED=$(FUZZ_SMOKE_SEED) sh tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS); fi

# smloss - selective matching losses for linear and MLP scorers.
#   make            build ./smloss
#   make demo       build and train/evaluate on the bundled housing data
#   make check      build and run every test (SANITIZE=1: under ASan+UBSan)
#   make bench      speed and memory against installed peers (scripts/bench.sh;
#                   BENCH=--quick for a small run)
#   make install    PREFIX=/usr/local DESTDIR=
# CFLAGS, CPPFLAGS, LDFLAGS and CC may be overridden on the command line.

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man/man1

SM_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wstrict-prototypes
LDLIBS  = -lz -lm -pthread

ifeq ($(SANITIZE),1)
BUILD   = build/sanitize
SAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD   = build/release
SAN     =
endif

CLI_SRC    = $(wildcard src/main.c src/cli_*.c src/cmd_*.c)
ENGINE_SRC = $(filter-out $(CLI_SRC),$(wildcard src/*.c))
ENGINE_OBJ = $(ENGINE_SRC:src/%.c=$(BUILD)/%.o)
CLI_OBJ    = $(CLI_SRC:src/%.c=$(BUILD)/%.o)
LIB        = $(BUILD)/libsmloss.a
TEST_SRC   = $(wildcard tests/test_*.c)
TEST_BIN   = $(TEST_SRC:tests/%.c=tests/bin/%)

ALL_CFLAGS = $(SM_CFLAGS) $(SAN) $(CFLAGS)

.PHONY: all demo check check-peers bench reproduce install uninstall clean deps zlib-check

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

$(BUILD)/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/.zlib-ok
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(ENGINE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/smloss: $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

smloss: $(BUILD)/smloss
	cp $< $@

tests/bin/%: tests/%.c tests/test.c tests/test.h $(LIB)
	@mkdir -p tests/bin
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Isrc $< tests/test.c $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# Rebuild the test binaries whenever the build flavour (SANITIZE) changes.
tests/bin/.flavour-$(notdir $(BUILD)):
	@rm -rf tests/bin; mkdir -p tests/bin; touch $@

check: tests/bin/.flavour-$(notdir $(BUILD)) smloss $(TEST_BIN)
	@sh tests/run.sh

demo: smloss
	@sh scripts/demo.sh

check-peers: smloss
	@sh scripts/check-peers.sh

bench: smloss
	@sh scripts/bench.sh $(BENCH)

reproduce: smloss
	@sh scripts/reproduce.sh

install: smloss
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 smloss $(DESTDIR)$(BINDIR)/smloss
	install -m 644 man/smloss.1 $(DESTDIR)$(MANDIR)/smloss.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/smloss $(DESTDIR)$(MANDIR)/smloss.1

clean:
	rm -rf build tests/bin smloss

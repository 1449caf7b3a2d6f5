# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail: a plain Makefile. `make check` and `make demo` install what they miss.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/leakjail
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DESTDIR ?=

O ?= build
CC ?= cc
PKGS := libcgroup libsystemd inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wconversion -Wno-sign-conversion -Wno-format-nonliteral
ifeq ($(CI),true)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) -D_GNU_SOURCE -MMD -MP
LDLIBS := $(PKG_LIBS) -lm

LIB_SRC := $(filter-out src/leakjail.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(O)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
PROG_SRC := $(wildcard tests/progs/*.c)
PROG_BIN := $(PROG_SRC:tests/progs/%.c=$(O)/progs/%)

.PHONY: all deps bench check check-vm check-unit asan demo install analyze clean fuzz

all: $(O)/leakjail

$(O)/%.o: src/%.c | $(O)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libleakjail.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(O)/leakjail: $(O)/leakjail.o $(O)/libleakjail.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: tests/unit/%.c tests/unit/tap.h $(O)/libleakjail.a | $(O)/tests
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(O)/libleakjail.a $(LDFLAGS) $(LDLIBS)

# test programs are plain, unsanitized: they stand in for ordinary processes
$(O)/progs/%: tests/progs/%.c | $(O)/progs
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -o $@ $<

$(O) $(O)/tests $(O)/progs:
	mkdir -p $@

deps:
	@tests/deps.sh build

# every suite: the plain build, the same suites under ASan+UBSan, then cgroup v2 in a VM
check: deps
	$(MAKE) --no-print-directory all tests
	tests/run.sh $(O)
	$(MAKE) --no-print-directory O=build-asan SAN=1 all tests
	tests/run.sh build-asan
	$(MAKE) --no-print-directory check-vm

# the integration suite on cgroup v2, in a VM (qemu, TCG); then the systemd suite, in a VM
# that boots systemd as PID 1
check-vm:
	@tests/deps.sh vm
	$(MAKE) --no-print-directory all tests
	tests/vm/suite.sh $(O)
	tests/vm/sd-suite.sh $(O)

tests: $(UNIT_BIN) $(PROG_BIN)

check-unit: all tests
	tests/run.sh --unit $(O)

asan:
	@tests/deps.sh build
	$(MAKE) --no-print-directory O=build-asan SAN=1 all tests
	tests/run.sh build-asan

# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan+UBSan, built with clang into build-fuzz/,
# each run FUZZ_SECONDS (60; CI: make fuzz FUZZ_SECONDS=10). A crash fails; keep its input in
# tests/fuzz/crashes/TARGET/, which test_replay (make check) replays. Only the objects the
# parsers need are built: fuzz-build-only warnings elsewhere must not stop it under -Werror.
fuzz: FUZZ_SECONDS ?= 60
fuzz: FUZZ_CC ?= clang
fuzz: FUZZ_SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz: FUZZ_OBJ := $(patsubst %,build-fuzz/%.o,proc units config jail cgroup kmem log util)
fuzz:
	$(MAKE) --no-print-directory O=build-fuzz CC=$(FUZZ_CC) \
		CFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' $(FUZZ_OBJ)
	for t in tests/fuzz/fuzz_*.c; do \
		$(FUZZ_CC) -std=gnu11 $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer $(PKG_CFLAGS) -D_GNU_SOURCE \
			-Isrc -o build-fuzz/$$(basename $$t .c) $$t $(FUZZ_OBJ) $(LDLIBS) || exit 1; \
	done
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

demo:
	@tests/deps.sh build
	$(MAKE) --no-print-directory all tests
	tests/demo.sh $(O)

# cppcheck does not know __attribute__((cleanup)): its memleak reports on cleanup_free are false
analyze: all
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --suppress=memleak \
		--inline-suppr -D_GNU_SOURCE -Isrc src

# the configuration is installed only where there is none: an edited file is kept
install: all
	install -D -m 0755 $(O)/leakjail $(DESTDIR)$(SBINDIR)/leakjail
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin|$(SBINDIR)|g' systemd/leakjail.service >$(DESTDIR)$(UNITDIR)/leakjail.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/leakjail.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d $(DESTDIR)$(SYSCONFDIR)/leakjail/examples
	[ -e $(DESTDIR)$(SYSCONFDIR)/leakjail/leakjail.conf ] || \
		install -m 0644 policies/leakjail.conf $(DESTDIR)$(SYSCONFDIR)/leakjail/leakjail.conf
	for f in policies/policies.d/*.conf; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d/$${f##*/} ] || \
			install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d/; \
	done
	install -m 0644 policies/examples/*.conf $(DESTDIR)$(SYSCONFDIR)/leakjail/examples/
	install -d -m 0755 $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	@if command -v pandoc >/dev/null; then \
		install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 && \
		pandoc -s -t man docs/leakjail.conf.5.md -o $(DESTDIR)$(MANDIR)/man5/leakjail.conf.5 && \
		pandoc -s -t man docs/leakjail.8.md -o $(DESTDIR)$(MANDIR)/man8/leakjail.8; \
	else \
		echo "pandoc not found: man pages installed as Markdown in $(DOCDIR)"; \
	fi

# benchmarks (root): writes docs/benchmarks.md; not a test
BENCH_BIN := $(O)/bench/scanbench $(O)/bench/idle $(O)/bench/births
$(O)/bench/scanbench: tests/bench/scanbench.c tests/bench/floor.h $(O)/libleakjail.a | $(O)/bench
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/bench -o $@ $< $(O)/libleakjail.a $(LDFLAGS) $(LDLIBS)
$(O)/bench/%: tests/bench/%.c | $(O)/bench
	$(CC) -std=gnu11 -O2 -Wall -Wextra -o $@ $<
$(O)/bench:
	mkdir -p $@

bench: all tests $(BENCH_BIN)
	tests/bench/bench.sh $(O)

clean:
	rm -rf build build-*

-include $(wildcard $(O)/*.d $(O)/tests/*.d)

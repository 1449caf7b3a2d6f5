# SPDX-License-Identifier: GPL-2.0-or-later
# leakjail: a plain Makefile. `make check` and `make demo` install what they miss.

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/leakjail
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
EXAMPLEDIR ?= $(SYSCONFDIR)/leakjail/examples
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

O ?= build
CC ?= cc
PKGS := libcgroup libsystemd inih libbpf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcgroup and libbpf are not linked: cgroup.c loads libcgroup with dlopen() for the moment
# it is used, sample-bpf.c loads libbpf when it is chosen (libbpf-dl.h)
PKG_LIBS := $(shell pkg-config --libs $(filter-out libcgroup libbpf,$(PKGS)) 2>/dev/null)

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
# src/ by layer, each folder including only from its own and those below it (README.md,
# "Source layout"; tests/integration/layers.sh checks it): headers are named without
# their folder, so a file's includes say what it uses, and its folder where it stands
SRC_DIRS := base sample kernel judge jail cmd
INCLUDES := $(SRC_DIRS:%=-Isrc/%)
ALL_CFLAGS := -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(INCLUDES) -D_GNU_SOURCE -MMD -MP
LDLIBS := $(PKG_LIBS) -lm

LIB_SRC := $(filter-out src/cmd/leakjail.c,$(wildcard $(SRC_DIRS:%=src/%/*.c)))
LIB_OBJ := $(LIB_SRC:src/%.c=$(O)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
PROG_SRC := $(wildcard tests/progs/*.c)
PROG_BIN := $(PROG_SRC:tests/progs/%.c=$(O)/progs/%)

.PHONY: all deps bench check check-vm check-unit asan demo install uninstall analyze clean fuzz eval man deb examples

all: $(O)/leakjail

# the manuals, from docs/*.md: built by `make` wherever pandoc is (tests/deps.sh build installs it)
MAN := $(O)/leakjail.8 $(O)/leakjail.conf.5
ifneq ($(shell command -v pandoc 2>/dev/null),)
all: $(MAN)
else
$(info pandoc not found: the manuals are not built (make deps installs it))
endif
man: $(MAN)
$(O)/%.8: docs/%.8.md | $(O)
	pandoc -s -t man -o $@ $<
$(O)/%.5: docs/%.5.md | $(O)
	pandoc -s -t man -o $@ $<

# the Debian package (debian/), built in a copy of the tree so that dpkg-buildpackage's
# output (it writes to the parent directory) lands in $(O)/deb/
deb:
	@tests/deps.sh build
	rm -rf $(O)/deb && mkdir -p $(O)/deb/leakjail
	tar -c --exclude=./.git --exclude='./build*' --exclude=./$(O) . | tar -x -C $(O)/deb/leakjail
	cd $(O)/deb/leakjail && dpkg-buildpackage -us -uc -b
	rm -rf $(O)/deb/leakjail
	@ls $(O)/deb/*.deb

$(O)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libleakjail.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(O)/leakjail: $(O)/cmd/leakjail.o $(O)/libleakjail.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The task iterator (src/sample/bpf/): clang's BPF target with CO-RE against the BTF
# of the kernel that builds it (vmlinux.h, generated here, never shipped); the
# object is embedded in a skeleton header that sample-bpf.c includes.
BPFTOOL ?= bpftool
BPF_CLANG ?= clang
$(O)/bpf/vmlinux.h: | $(O)/bpf
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c >$@.tmp && mv $@.tmp $@
$(O)/bpf/%.bpf.o: src/sample/bpf/%.bpf.c src/sample/bpf/taskrec.bpf.h src/sample/bpf/taskiter.h $(O)/bpf/vmlinux.h
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -I$(O)/bpf -Isrc/sample/bpf -c -o $@ $<
# `gen object` links the object alone, which keeps BTF and drops DWARF: 45 KiB
# embedded instead of 660, pages that libbpf reads through at every load
$(O)/bpf/%.linked.o: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen object $@ $<
$(O)/bpf/%.skel.h: $(O)/bpf/%.linked.o
	$(BPFTOOL) gen skeleton $< name $* >$@.tmp && mv $@.tmp $@
# generated: its warnings are not ours (-isystem)
$(O)/sample/sample-bpf.o: ALL_CFLAGS += -isystem $(O)/bpf
$(O)/sample/sample-bpf.o: $(O)/bpf/taskiter.skel.h $(O)/bpf/taskwalk.skel.h
$(O)/bpf:
	mkdir -p $@

$(O)/tests/%: tests/unit/%.c tests/unit/tap.h $(O)/libleakjail.a | $(O)/tests
	$(CC) $(ALL_CFLAGS) -o $@ $< $(O)/libleakjail.a $(LDFLAGS) $(LDLIBS)

# test programs are plain, unsanitized: they stand in for ordinary processes
$(O)/progs/%: tests/progs/%.c tests/progs/chunks.h | $(O)/progs
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -pthread -o $@ $<

$(O) $(O)/tests $(O)/progs:
	mkdir -p $@

deps:
	@tests/deps.sh build

# every suite: the plain build, the same suites under ASan+UBSan, then cgroup v2 in a VM
check: deps
	$(MAKE) --no-print-directory all tests
	tests/run.sh $(O)
	$(MAKE) --no-print-directory O=build-asan SAN=1 all tests
	LJ_NOT_HERE="package doc_examples" LJ_NOT_HERE_WHY="once, with the plain build: builds its own package; plays the docs' examples" \
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
# tests/fuzz/crashes/TARGET/, which test_replay (make check) replays. Each target links the
# whole library, from which the linker takes what its parser needs.
fuzz: FUZZ_SECONDS ?= 60
fuzz: FUZZ_CC ?= clang
fuzz: FUZZ_SAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz:
	$(MAKE) --no-print-directory O=build-fuzz CC=$(FUZZ_CC) \
		CFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' build-fuzz/libleakjail.a
	for t in tests/fuzz/fuzz_*.c; do \
		$(FUZZ_CC) -std=gnu11 $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer $(PKG_CFLAGS) -D_GNU_SOURCE \
			$(INCLUDES) -o build-fuzz/$$(basename $$t .c) $$t build-fuzz/libleakjail.a $(LDLIBS) || exit 1; \
	done
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

demo:
	@tests/deps.sh build
	$(MAKE) --no-print-directory all tests
	tests/demo.sh $(O)

# the examples in README.md and docs/*.md, printed anew by a real run (root);
# tests/integration/doc_examples.sh fails while one reads unlike the output
examples: all tests
	tests/examples.sh $(O) --write

# cppcheck does not know __attribute__((cleanup)): its memleak reports on cleanup_free are false;
# nor BPF programs (src/sample/bpf/), which clang's BPF target and the kernel's verifier check
analyze: all
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --suppress=memleak \
		--inline-suppr -D_GNU_SOURCE $(INCLUDES) -isrc/sample/bpf src

# the configuration is installed only where there is none: an edited file is kept
install: all
	install -D -m 0755 $(O)/leakjail $(DESTDIR)$(SBINDIR)/leakjail
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin|$(SBINDIR)|g' systemd/leakjail.service >$(DESTDIR)$(UNITDIR)/leakjail.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/leakjail.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/leakjail/leakjail.conf ] || \
		install -m 0644 policies/leakjail.conf $(DESTDIR)$(SYSCONFDIR)/leakjail/leakjail.conf
	for f in policies/policies.d/*.conf; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d/$${f##*/} ] || \
			install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d/; \
	done
	install -d -m 0755 $(DESTDIR)$(EXAMPLEDIR)
	install -m 0644 policies/examples/*.conf docs/leakjail.rules.yml $(DESTDIR)$(EXAMPLEDIR)/
	install -d -m 0755 $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md docs/*.md docs/*.schema.json $(DESTDIR)$(DOCDIR)/
	install -D -m 0644 src/cmd/completion/leakjail.bash $(DESTDIR)$(BASHCOMPDIR)/leakjail
	@if [ -f $(O)/leakjail.8 ] && [ -f $(O)/leakjail.conf.5 ]; then \
		install -D -m 0644 $(O)/leakjail.8 $(DESTDIR)$(MANDIR)/man8/leakjail.8 && \
		install -D -m 0644 $(O)/leakjail.conf.5 $(DESTDIR)$(MANDIR)/man5/leakjail.conf.5; \
	else \
		echo "pandoc not found: man pages installed as Markdown in $(DOCDIR)"; \
	fi

# Removes what `make install` installed, with the same PREFIX, DESTDIR and
# directories. The files under /etc are the administrator's once installed:
# each is removed only while it is the shipped copy (as dpkg keeps edited
# conffiles); an edited one is kept and named. Stop the service first.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/leakjail $(DESTDIR)$(UNITDIR)/leakjail.service
	rm -f $(DESTDIR)$(BASHCOMPDIR)/leakjail
	rm -f $(DESTDIR)$(MANDIR)/man8/leakjail.8 $(DESTDIR)$(MANDIR)/man5/leakjail.conf.5
	for f in policies/examples/*.conf docs/leakjail.rules.yml; do rm -f $(DESTDIR)$(EXAMPLEDIR)/$${f##*/}; done
	rmdir $(DESTDIR)$(EXAMPLEDIR) 2>/dev/null || true
	for f in README.md docs/*.md docs/*.schema.json; do rm -f $(DESTDIR)$(DOCDIR)/$${f##*/}; done
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@for f in policies/leakjail.conf policies/policies.d/*.conf; do \
		t=$(DESTDIR)$(SYSCONFDIR)/leakjail/$${f#policies/}; \
		if [ -e $$t ] && cmp -s $$f $$t; then rm -f $$t; \
		elif [ -e $$t ]; then echo "kept $$t: it differs from the shipped file"; fi; \
	done
	rmdir $(DESTDIR)$(SYSCONFDIR)/leakjail/policies.d $(DESTDIR)$(SYSCONFDIR)/leakjail 2>/dev/null || true

# benchmarks (root): writes docs/benchmarks.md; not a test
BENCH_BIN := $(O)/bench/scanbench $(O)/bench/idle $(O)/bench/births $(O)/bench/histbench
$(O)/bench/scanbench: tests/bench/scanbench.c tests/bench/floor.h $(O)/libleakjail.a | $(O)/bench
	$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ $< $(O)/libleakjail.a $(LDFLAGS) $(LDLIBS)
$(O)/bench/histbench: tests/bench/histbench.c tests/bench/history-old.h $(O)/libleakjail.a | $(O)/bench
	$(CC) $(ALL_CFLAGS) -Itests/bench -o $@ $< $(O)/libleakjail.a $(LDFLAGS) $(LDLIBS)
$(O)/bench/%: tests/bench/%.c | $(O)/bench
	$(CC) -std=gnu11 -O2 -Wall -Wextra -o $@ $<
$(O)/bench:
	mkdir -p $@

bench: all tests $(BENCH_BIN)
	tests/bench/bench.sh $(O)
	-$(MAKE) --no-print-directory eval

# the labelled leak shapes under one dry-run daemon (root): a confusion matrix and
# how soon each leak is reported, also written to docs/benchmarks.md; fails on a
# missed, late or false report
eval: deps
	$(MAKE) --no-print-directory all tests
	LEAKJAIL=$(CURDIR)/$(O)/leakjail MEMHOG=$(CURDIR)/$(O)/progs/memhog LJ_BUILD=$(CURDIR)/$(O) \
		EVAL_LONG=1 EVAL_DOC=docs/benchmarks.md tests/eval/eval.sh

clean:
	rm -rf build build-*

-include $(wildcard $(SRC_DIRS:%=$(O)/%/*.d) $(O)/tests/*.d)

# leaktop: see README.md. `make` builds ./leaktop; `make demo`, `make test` and `make bench`
# install what they need first (tools/deps.sh, idempotent). `make fuzz` runs every fuzzer for
# FUZZ_MINUTES minutes (docs/FUZZING.md).

OUTPUT	:= .output
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= gcc
ARCH	:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

VMLINUX_BTF	:= /sys/kernel/btf/vmlinux
VMLINUX_H	:= vmlinux/vmlinux.h
VMLINUX_FALLBACK := vmlinux/$(ARCH)/vmlinux.h

PKGS	:= libbpf libelf libdw zlib capstone libmicrohttpd libdebuginfod liblzma
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	:= -Wall -Wextra -Werror
# Warnings another compiler's build turns off after WARN (make asan's clang).
NOWARN	?=
CFLAGS	?= -O2 -g
# user/ is one folder per pipeline stage (docs/ARCHITECTURE.md); headers are named without it.
USER_DIRS := $(sort $(dir $(wildcard user/*/*.c)))
USER_INC  := -Iuser $(addprefix -I,$(USER_DIRS))
override CFLAGS += $(WARN) $(NOWARN) -std=gnu11 -D_GNU_SOURCE -I$(OUTPUT) -Ibpf $(USER_INC) $(PKG_CFLAGS)
# libiberty's cplus_demangle handles C++, Rust and D symbols; Debian ships it as a PIC archive.
LDLIBS	+= $(PKG_LIBS) -liberty -lm

# System include dirs clang would use for the host, so BPF code finds asm/ headers (as in
# libbpf-bootstrap).
CLANG_BPF_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) -Wno-unused-parameter \
	-Ivmlinux -Ibpf $(CLANG_BPF_SYS_INCLUDES)

USER_SRCS := $(wildcard user/*/*.c)
USER_HDRS := $(wildcard user/*.h user/*/*.h)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
BPF_HDRS  := bpf/leaktop.h $(wildcard bpf/*.bpf.h)

# make install: the binary, the man pages and bash completion, under DESTDIR/PREFIX.
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL	?= install
MAN8	:= docs/leaktop.8 docs/leaktop-diff.8

.PHONY: all clean deps demo test unit ubsan asan asan-build e2e fuzz bench soak fmt install uninstall
.DELETE_ON_ERROR:

all: leaktop

$(OUTPUT):
	@mkdir -p $@

# vmlinux.h comes from this kernel's BTF when it has one, else from the committed copy.
$(VMLINUX_H):
	@if [ -r $(VMLINUX_BTF) ] && command -v $(BPFTOOL) >/dev/null; then \
		$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@; \
	else \
		echo "note: no readable $(VMLINUX_BTF); using $(VMLINUX_FALLBACK)"; \
		cp $(VMLINUX_FALLBACK) $@; \
	fi

$(OUTPUT)/leaktop.bpf.o: bpf/leaktop.bpf.c $(BPF_HDRS) $(VMLINUX_H) | $(OUTPUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(BPFTOOL) gen object $@ $@.tmp
	@rm -f $@.tmp

$(OUTPUT)/leaktop.skel.h: $(OUTPUT)/leaktop.bpf.o
	$(BPFTOOL) gen skeleton $< name leaktop_bpf > $@

# Every user object may include the skeleton through a module header.
$(OUTPUT)/%.o: user/%.c $(USER_HDRS) bpf/leaktop.h $(OUTPUT)/leaktop.skel.h | $(OUTPUT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libleaktop.a: $(USER_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The binary: ./leaktop, or another build's (make asan sets it).
LEAKTOP_BIN ?= leaktop
$(LEAKTOP_BIN): $(OUTPUT)/main.o $(OUTPUT)/libleaktop.a
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

install: leaktop
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0755 leaktop $(DESTDIR)$(SBINDIR)/leaktop
	$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 tools/leaktop.bash-completion $(DESTDIR)$(BASHCOMPDIR)/leaktop

# What install wrote, and nothing else: the directories stay (others' files live there).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/leaktop $(DESTDIR)$(BASHCOMPDIR)/leaktop \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8)))

deps:
	@tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

# Every test: unit, fuzz, e2e, and the e2e subset again against the sanitized build (asan).
test: deps
	@$(MAKE) --no-print-directory all asan-build
	@$(MAKE) --no-print-directory -C tests
	@tests/run.sh

unit: all
	@$(MAKE) --no-print-directory -C tests
	@tests/run.sh unit

# The unit tests again, library included, under the undefined-behaviour sanitizer: any report
# fails the test (a NULL pointer with a zero length is undefined for qsort and memcpy too).
UBSAN	:= -fsanitize=undefined -fno-sanitize-recover=undefined
ubsan: all
	@$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/ubsan CFLAGS="-O1 -g $(UBSAN)" \
		$(OUTPUT)/ubsan/libleaktop.a
	@$(MAKE) --no-print-directory -C tests OUT=$(abspath $(OUTPUT))/ubsan/tests \
		LIB=$(abspath $(OUTPUT))/ubsan/libleaktop.a SAN="$(UBSAN)" unit
	@tests/run.sh ubsan

# leaktop built again with the address (leaks included) and undefined-behaviour sanitizers, as
# .output/asan/leaktop; tests/run.sh asan runs end-to-end tests that cover every module
# against it (tests/e2e/lib.sh takes the binary from LEAKTOP_BIN), and any sanitizer report
# fails the test. Built by clang: its one runtime writes both sanitizers' reports to the files
# ASAN_OPTIONS and UBSAN_OPTIONS name (gcc's separate libubsan writes to stderr only). clang
# also warns on positional initializers that leave trailing fields zero, as stats.c's table
# does on purpose: that warning is gcc's build's business.
ASAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_BIN := $(OUTPUT)/asan/leaktop
asan-build:
	@$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/asan LEAKTOP_BIN=$(ASAN_BIN) CC=$(CLANG) \
		CFLAGS="-O1 -g $(ASAN)" NOWARN=-Wno-missing-field-initializers $(ASAN_BIN)

asan: all asan-build
	@$(MAKE) --no-print-directory -C tests
	@tests/run.sh asan

e2e: all
	@$(MAKE) --no-print-directory -C tests
	@tests/run.sh e2e

# Each fuzzer in turn for FUZZ_MINUTES minutes, under tests/fuzz/run.sh's limits (-timeout,
# -rss_limit_mb); then one summary line per fuzzer, for docs/FUZZING.md. CI keeps short runs
# (tests/run.sh fuzz: 15 s each).
FUZZ_MINUTES ?= 30
fuzz: all
	@$(MAKE) --no-print-directory -C tests
	@LEAKTOP_FUZZ_SECONDS=$$(( $(FUZZ_MINUTES) * 60 )) tests/run.sh fuzz; rc=$$?; \
		echo "fuzzers, $(FUZZ_MINUTES) min each, at $$(git describe --always --dirty 2>/dev/null):"; \
		grep -h '^fuzz ' .output/tests/logs/fuzz_*.log; exit $$rc

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench.sh

# One hour (SOAK_MINUTES) of a target at 100k allocations a second with 1M live blocks:
# leaktop's RSS must stay flat. Appends the run to docs/SOAK.md.
soak: deps
	@$(MAKE) --no-print-directory all
	@tools/soak.sh

fmt:
	clang-format -i user/*.c user/*/*.c user/*/*.h bpf/*.c bpf/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf $(OUTPUT) leaktop $(VMLINUX_H) tests/.run
	@$(MAKE) --no-print-directory -C tests clean

# spotter — build, test and benchmark.
#
#   make            build build/spotter, build/libspotter.a and the tools
#   make run        install what is missing, build, replay the bundled sample
#   make check      install what is missing, build, run every test
#   make bench      benchmark suite (figures only, no assertions)
#   make help       every target
#
# Variables: V=1 verbose, SANITIZE=address,undefined (builds into build/san),
# CORPUS=path to the shared third-party corpus (tests using it skip cleanly
# when it is absent).

CORPUS   ?= ../shared/corpus
CC       ?= gcc
CLANG    ?= clang
PYTHON   ?= python3
DESTDIR  ?=
PREFIX   ?= /usr/local

ifeq ($(SANITIZE),)
BUILD    ?= build
SANFLAGS :=
else
BUILD    ?= build/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 -Isensor -Irules -Ibpf -I$(BUILD)/gen \
            -DSPOTTER_VERSION='"$(VERSION)"' -DSPOTTER_GITREV='"$(GITREV)"'
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -pthread -MMD -MP $(SANFLAGS)
LDFLAGS  += -pthread $(SANFLAGS)
LDLIBS   := -lhs -lpcre2-8 -lrdkafka -lxdp -lbpf -lelf -lz -lpcap -lcap-ng -lyaml -lm
# jemalloc: librdkafka allocates every message on the output thread and
# frees it on its broker thread; glibc's malloc spends half the output
# thread's time on that pattern, jemalloc (Redis's allocator) a fraction.
# Sanitizer builds keep the sanitizer's allocator.
ifeq ($(SANITIZE),)
LDLIBS   += -ljemalloc
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- sources ---------------------------------------------------------------
# Everything but sensor/main.c goes into libspotter.a; tools and tests link it.
LIB_SRC   := $(filter-out sensor/main.c,$(wildcard sensor/*.c)) $(wildcard rules/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libspotter.a

# eBPF: bpf/<name>.bpf.c -> $(BUILD)/gen/<name>.bpf.o and the libbpf
# skeleton $(BUILD)/gen/<name>.skel.h, against vmlinux.h from this
# kernel's BTF. Sources that include a skeleton depend on it (below).
BPF_SRC   := $(wildcard bpf/*.bpf.c)
BPF_OBJ   := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/gen/%.bpf.o)
BPF_SKEL  := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)
BPF_ARCH  := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
BPFFLAGS  := -O2 -g -target bpf -Wall -Werror -D__TARGET_ARCH_$(BPF_ARCH) \
             -I$(BUILD)/gen -Ibpf -Ibpf/include

# C tools: tools/<name>/*.c -> $(BUILD)/<name>
TOOL_DIRS := $(patsubst tools/%/,%,$(dir $(wildcard tools/*/main.c)))
TOOLS     := $(TOOL_DIRS:%=$(BUILD)/%)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_HELP := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HOBJ := $(UNIT_HELP:%.c=$(BUILD)/obj/%.o)

# XDP tests: need root and BPF, so not unit tests (tests/xdp/run.sh skips)
XDP_TESTS := $(BUILD)/tests/xdp/test_xdp_prog $(BUILD)/tests/xdp/xdp_attach

.PHONY: all run check bench help deps unit replay verify etopen sanitize \
        fmt lint install clean tools kafka kafka-up kafka-down xdp-test netns netns-sensor

all: $(BUILD)/spotter $(TOOLS)

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'
	@echo "targets: all run check bench unit replay verify etopen kafka xdp-test netns sanitize kafka-up kafka-down fmt lint install clean"

deps:
	$(Q)./deploy/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/vmlinux.h:
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.bpf.o: bpf/%.bpf.c $(BUILD)/gen/vmlinux.h $(wildcard bpf/*.h bpf/include/*.h)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(CLANG) $(BPFFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/gen/%.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

# every object may include a skeleton: generate them first
$(LIB_OBJ) $(BUILD)/obj/sensor/main.o: | $(BPF_SKEL)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/spotter: $(BUILD)/obj/sensor/main.o $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDARY:
.SECONDEXPANSION:
$(TOOLS): $(BUILD)/%: $$(addsuffix .o,$$(basename $$(addprefix $(BUILD)/obj/,$$(wildcard tools/$$*/*.c)))) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/test_%: $(BUILD)/obj/tests/unit/test_%.o $(UNIT_HOBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LDLIBS)

$(BUILD)/tests/xdp/test_xdp_prog: $(BUILD)/obj/tests/xdp/test_xdp_prog.o $(UNIT_HOBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcunit $(LDLIBS)

$(BUILD)/tests/xdp/xdp_attach: $(BUILD)/obj/tests/xdp/xdp_attach.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/tests/xdp/%.o: | $(BPF_SKEL)
$(BUILD)/obj/tests/xdp/test_xdp_prog.o: CPPFLAGS += -Itests/unit

tools: $(TOOLS)

# the netns tests' capture driver (tests/netns/capture_dump.c)
$(BUILD)/tests/netns/capture_dump: $(BUILD)/obj/tests/netns/capture_dump.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests -----------------------------------------------------------------
unit: $(UNIT_BIN)
	$(Q)CORPUS=$(CORPUS) tests/unit/run.sh $(UNIT_BIN)

replay: all
	$(Q)BUILD=$(BUILD) CORPUS=$(CORPUS) tests/replay/run.sh

verify: all
	$(Q)BUILD=$(BUILD) CORPUS=$(CORPUS) $(PYTHON) tests/verify/run.py

etopen: all
	$(Q)BUILD=$(BUILD) CORPUS=$(CORPUS) tests/rulesets/run.sh

kafka: all
	$(Q)BUILD=$(BUILD) tests/kafka/run.sh

xdp-test: $(XDP_TESTS)
	$(Q)BUILD=$(BUILD) tests/xdp/run.sh

# live capture on veth pairs in network namespaces (root)
netns: all $(BUILD)/tests/netns/capture_dump
	$(Q)BUILD=$(BUILD) CORPUS=$(CORPUS) tests/netns/run.sh

# the unit and replay suites, and the live sensor in AF_PACKET mode (reload,
# bypass, --user), built with AddressSanitizer and UBSan
sanitize:
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined unit replay netns-sensor

netns-sensor: all
	$(Q)BUILD=$(BUILD) tests/netns/sensor.sh afpacket; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory replay
	$(Q)$(MAKE) --no-print-directory verify
	$(Q)$(MAKE) --no-print-directory etopen
	$(Q)$(MAKE) --no-print-directory kafka
	$(Q)$(MAKE) --no-print-directory xdp-test
	$(Q)$(MAKE) --no-print-directory netns
	$(Q)$(MAKE) --no-print-directory sanitize
	@echo "check: all suites passed"

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) deploy/run-sample.sh

# a local single-node Kafka on 127.0.0.1:9092 (KAFKA_PORT), data under $(BUILD)/kafka
kafka-up:
	$(Q)BUILD=$(BUILD) deploy/kafka/kafka.sh up

kafka-down:
	$(Q)BUILD=$(BUILD) deploy/kafka/kafka.sh down

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/xdp/test_xdp_prog
	$(Q)BUILD=$(BUILD) CORPUS=$(CORPUS) tests/bench/run.sh

# ---- housekeeping ----------------------------------------------------------
FMT_SRC := $(wildcard sensor/*.[ch] rules/*.[ch] tools/*/*.[ch] bpf/*.[ch] tests/unit/*.[ch])

fmt:
	clang-format -i $(FMT_SRC)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --inline-suppr -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 -Isensor -Irules sensor rules tools
	clang-tidy --quiet $(filter-out %.bpf.c,$(filter %.c,$(FMT_SRC))) -- $(CPPFLAGS) -std=c11

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/spotter/rules
	install -m 755 $(BUILD)/spotter $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 rules/sets/*.rules $(DESTDIR)$(PREFIX)/share/spotter/rules/
	install -d $(DESTDIR)/etc/systemd/system $(DESTDIR)/etc/spotter
	install -m 644 deploy/systemd/spotter.service $(DESTDIR)/etc/systemd/system/
	test -e $(DESTDIR)/etc/spotter/spotter.yaml || \
	  install -m 644 deploy/spotter.yaml $(DESTDIR)/etc/spotter/spotter.yaml

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

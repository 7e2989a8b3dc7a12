# SPDX-License-Identifier: MIT
#
# rtdd top-level build. GNU Make only.
#
#   make            build everything whose dependencies are present
#   make deps       install the Debian packages rtdd needs (root), or print the line
#   make test       deps + build + every test that can run here
#   make demo       deps + build + the main demo on rtdd-simhv
#   make check      clang-format check + every public header compiles on its own
#   make bench      every benchmark (figures, never pass/fail)
#   make test-xen   real Xen booted in QEMU (slow; tests/xen)
#
# V=1 shows commands; O=DIR puts the build elsewhere; WERROR=1 (default under
# CI=true) turns warnings into errors; SAN=address,undefined builds with
# sanitizers.

O ?= build
V ?= 0
CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

ifeq ($(CI),true)
WERROR ?= 1
endif

comma := ,
PKG_CONFIG ?= pkg-config
pc_have = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo y)
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

HAVE_XEN := $(call pc_have,xenstore xenevtchn xengnttab xencontrol)
HAVE_XENSTORE := $(call pc_have,xenstore)
HAVE_PCI := $(call pc_have,libpci)
HAVE_URING := $(call pc_have,liburing)
HAVE_DPDK := $(call pc_have,libdpdk)
HAVE_CMOCKA := $(call pc_have,cmocka)
HAVE_YAML := $(call pc_have,yaml-0.1)

XEN_CFLAGS := $(call pc_cflags,xenstore xenevtchn xengnttab xencontrol)
XEN_LIBS := $(call pc_libs,xenstore xenevtchn xengnttab xencontrol)
XENSTORE_CFLAGS := $(call pc_cflags,xenstore)
XENSTORE_LIBS := $(call pc_libs,xenstore)
PCI_CFLAGS := $(call pc_cflags,libpci)
PCI_LIBS := $(call pc_libs,libpci)
URING_CFLAGS := $(call pc_cflags,liburing)
URING_LIBS := $(call pc_libs,liburing)
DPDK_CFLAGS := $(call pc_cflags,libdpdk)
DPDK_LIBS := $(call pc_libs,libdpdk)
CMOCKA_CFLAGS := $(call pc_cflags,cmocka)
CMOCKA_LIBS := $(call pc_libs,cmocka)
YAML_CFLAGS := $(call pc_cflags,yaml-0.1)
YAML_LIBS := $(call pc_libs,yaml-0.1)

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wvla -Wformat=2 -Wno-format-nonliteral -Wpointer-arith -Wundef
OPT ?= -O2 -g
INCLUDES := $(patsubst %,-I%,$(wildcard */include))
CFLAGS_ALL = -std=gnu11 $(OPT) $(WARN) -MMD -MP -D_GNU_SOURCE -pthread \
	$(INCLUDES) $(if $(filter 1,$(WERROR)),-Werror) $(CFLAGS)
LDFLAGS_ALL = -pthread $(LDFLAGS)
ifneq ($(SAN),)
CFLAGS_ALL += -fsanitize=$(SAN) -fno-omit-frame-pointer
LDFLAGS_ALL += -fsanitize=$(SAN)
# A UBSan finding fails the test instead of scrolling past.
ifneq ($(filter undefined,$(subst $(comma), ,$(SAN))),)
CFLAGS_ALL += -fno-sanitize-recover=undefined
endif
# gcc 12 warns that TSan does not model standalone fences; the fences are
# there for the other process on the shared ring, which TSan cannot see.
ifneq ($(filter thread,$(subst $(comma), ,$(SAN))),)
CFLAGS_ALL += -Wno-tsan
endif
endif

# Components register into these lists from their module.mk:
#   LIBS += name        name-srcs := ...   (static library $(O)/lib/name.a)
#   BINS += name        name-srcs, name-libs (our libraries), name-ldlibs
#   TESTS += name       same keys; built into $(O)/tests, run by make test
#   TEST_PROGS += name  same keys; built into $(O)/tests, run by scripts only
#   BENCHES += name     same keys; built into $(O)/bench, run by make bench
#   SCRIPT_TESTS += path/to/test.sh   (exit 0 pass, 77 skip, else fail)
#   SKIPPED += "part: reason"        printed once by make
LIBS :=
BINS :=
TESTS :=
TEST_PROGS :=
BENCHES :=
SCRIPT_TESTS :=
SKIPPED :=
HEADERS_CHECK :=

MODULES := $(sort $(wildcard */module.mk */*/module.mk */*/*/module.mk))
include $(MODULES)

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))
libfiles = $(foreach l,$(1),$(O)/lib/$(l).a)

define LIB_rule
$(O)/lib/$(1).a: $$(call obj,$$($(1)-srcs))
	@mkdir -p $$(@D)
	$$(call say,AR,$$@)
	$(Q)rm -f $$@; $$(AR) rcs $$@ $$^
ALL_OBJS += $$(call obj,$$($(1)-srcs))
endef

define EXE_rule
$(O)/$(2)/$(1): $$(call obj,$$($(1)-srcs)) $$(call libfiles,$$($(1)-libs))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(call obj,$$($(1)-srcs)) \
		-Wl,--start-group $$(call libfiles,$$($(1)-libs)) -Wl,--end-group \
		$$($(1)-ldlibs) $$(LDLIBS)
ALL_OBJS += $$(call obj,$$($(1)-srcs))
endef

$(foreach l,$(LIBS),$(eval $(call LIB_rule,$(l))))
$(foreach b,$(BINS),$(eval $(call EXE_rule,$(b),bin)))
$(foreach t,$(TESTS) $(TEST_PROGS),$(eval $(call EXE_rule,$(t),tests)))
$(foreach t,$(BENCHES),$(eval $(call EXE_rule,$(t),bench)))

ALL_LIBS := $(call libfiles,$(LIBS))
ALL_BINS := $(addprefix $(O)/bin/,$(BINS))
ALL_TESTS := $(addprefix $(O)/tests/,$(TESTS))
ALL_TEST_PROGS := $(addprefix $(O)/tests/,$(TEST_PROGS))
ALL_BENCHES := $(addprefix $(O)/bench/,$(BENCHES))

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_ALL) $(EXTRA_CFLAGS) -c -o $@ $<

.PHONY: all build deps test run-tests demo check format bench clean skipped \
	test-xen
.DEFAULT_GOAL := all

all: build skipped
build: $(ALL_LIBS) $(ALL_BINS) $(ALL_TESTS) $(ALL_TEST_PROGS) $(ALL_BENCHES)

# SKIPPED entries are quoted strings: the shell splits them, not make.
skipped:
	@for s in $(SKIPPED); do printf '  SKIP    %s\n' "$$s"; done

# Bootstrap: installs what is missing when run as root, prints the line otherwise.
deps:
	@scripts/deps.sh

# test, demo and test-xen run their steps in a new make: on a fresh machine
# deps has just installed the libraries, and only a make started after that
# sees them (this make's HAVE_* and test lists were read before).
test: deps
	@$(MAKE) --no-print-directory build skipped
	@$(MAKE) --no-print-directory run-tests

run-tests:
	@O=$(O) SAN=$(SAN) tests/run.sh $(ALL_TESTS) $(SCRIPT_TESTS)

demo: deps
	@$(MAKE) --no-print-directory build skipped
	@O=$(O) scripts/demo.sh

bench: build
	@O=$(O) scripts/bench.sh $(ALL_BENCHES)

test-xen: deps
	@$(MAKE) --no-print-directory build
	@O=$(O) tests/xen/run.sh

# Every public header, registered or not, must compile on its own.
PUBLIC_HEADERS := $(sort $(HEADERS_CHECK) $(wildcard */include/rtdd/*.h))
check: build
	@scripts/check.sh "$(CC)" "$(INCLUDES) $(XEN_CFLAGS) $(URING_CFLAGS) \
		$(DPDK_CFLAGS) $(YAML_CFLAGS)" $(PUBLIC_HEADERS)

format:
	@git ls-files '*.c' '*.h' | grep -v '^third_party/' | xargs clang-format -i

clean:
	rm -rf $(O)

-include $(ALL_OBJS:.o=.d)

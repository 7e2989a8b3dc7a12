# SPDX-License-Identifier: MIT
# tests/fuzz: one libFuzzer target per parser of untrusted input
# (docs/reliability.md).
#
# Each target is one tests/fuzz/fuzz_<name>.c calling a parser through its
# public (or, for simhv's xenstored, component-private) API. It is linked
#   - into $(O)/tests/test_fuzz_<name> with tests/fuzz/replay.c: replays
#     tests/fuzz/corpus/fuzz_<name>/ (seeds + regression inputs) in every
#     `make test`, whatever the compiler or SAN= setting;
#   - into $(O)/fuzzers/fuzz_<name> with libFuzzer, by scripts/fuzz.sh,
#     which builds a separate tree (O=$(O)/fuzz, CC=clang, ASan + UBSan +
#     coverage) and runs each target for FUZZ_SECONDS.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="fuzz_blkif ..."]
#   tests/fuzz/burst.sh           (SCRIPT_TESTS: a short burst of each)
#   make valgrind-sim             (tests/sim binaries under valgrind)
#
# To add a target: FUZZERS += fuzz_x, fuzz_x-srcs/-libs/-ldlibs, a seed
# directory tests/fuzz/corpus/fuzz_x/ (and a dictionary
# tests/fuzz/dict/fuzz_x.dict if the input is text).

FUZZERS :=

ifeq ($(HAVE_YAML),y)
FUZZERS += fuzz_manifest fuzz_rtds
fuzz_manifest-srcs := tests/fuzz/fuzz_manifest.c
fuzz_manifest-libs := librtdd_dd librtdd_rtds librtdd_util
fuzz_manifest-ldlibs := $(YAML_LIBS) -lm
fuzz_rtds-srcs := tests/fuzz/fuzz_rtds.c
fuzz_rtds-libs := librtdd_rtds librtdd_util
fuzz_rtds-ldlibs := $(YAML_LIBS) -lm
else
SKIPPED += "fuzz_manifest, fuzz_rtds: libyaml (yaml-0.1) missing"
endif

FUZZERS += fuzz_xenstore
fuzz_xenstore-srcs := tests/fuzz/fuzz_xenstore.c
fuzz_xenstore-libs := librtdd_xsd librtdd_util

ifeq ($(HAVE_URING),y)
FUZZERS += fuzz_blkif
fuzz_blkif-srcs := tests/fuzz/fuzz_blkif.c
fuzz_blkif-libs := librtdd_blkback
else
SKIPPED += "fuzz_blkif: librtdd_blkback needs liburing-dev"
endif

FUZZERS += fuzz_netif_tx fuzz_net_csum fuzz_netif_keys
fuzz_netif_keys-srcs := tests/fuzz/fuzz_netif_keys.c
fuzz_netif_keys-libs := librtdd_netif librtdd_util
fuzz_netif_tx-srcs := tests/fuzz/fuzz_netif_tx.c
fuzz_netif_tx-libs := librtdd_netif librtdd_util
fuzz_net_csum-srcs := tests/fuzz/fuzz_net_csum.c
fuzz_net_csum-libs := librtdd_netif librtdd_util

# librtdd-netfront's ring side (frontends/net/netfront_ring.h, internal).
FUZZERS += fuzz_netfront_rsp
fuzz_netfront_rsp-srcs := tests/fuzz/fuzz_netfront_rsp.c
fuzz_netfront_rsp-libs := librtdd_netfront librtdd_fe $(HV_LIBS)
fuzz_netfront_rsp-ldlibs := $(HV_LDLIBS)

# librtdd-blkfront's response checks (frontends/blk/blkfront_ring.h).
FUZZERS += fuzz_blkfront_rsp
fuzz_blkfront_rsp-srcs := tests/fuzz/fuzz_blkfront_rsp.c
fuzz_blkfront_rsp-libs := librtdd_blkfront librtdd_fe $(HV_LIBS) librtdd_util
fuzz_blkfront_rsp-ldlibs := $(HV_LDLIBS)

ifeq ($(HAVE_PCI),y)
FUZZERS += fuzz_pci_bdf fuzz_pci_config
fuzz_pci_bdf-srcs := tests/fuzz/fuzz_pci_bdf.c
fuzz_pci_bdf-libs := librtdd_pci
fuzz_pci_bdf-ldlibs := $(PCI_LIBS)
fuzz_pci_config-srcs := tests/fuzz/fuzz_pci_config.c
fuzz_pci_config-libs := librtdd_pci
fuzz_pci_config-ldlibs := $(PCI_LIBS)
else
SKIPPED += "fuzz_pci_*: libpci-dev missing"
endif

$(O)/obj/tests/fuzz/%.o: EXTRA_CFLAGS += -DSRCDIR=\"$(CURDIR)\" \
	-Ihv/sim/xenstored -Ifrontends/net -Ifrontends/blk $(CMOCKA_CFLAGS) \
	$(XENSTORE_CFLAGS)

# The corpus replays, in every build.
ifeq ($(HAVE_CMOCKA),y)
define FUZZ_replay
TESTS += test_$(1)
test_$(1)-srcs := $$($(1)-srcs) tests/fuzz/replay.c
test_$(1)-libs := $$($(1)-libs)
test_$(1)-ldlibs := $$($(1)-ldlibs) $$(CMOCKA_LIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_replay,$(f))))
endif

# The libFuzzer binaries (only meaningful in scripts/fuzz.sh's tree, whose
# objects carry -fsanitize=fuzzer-no-link).
define FUZZ_rule
$(O)/fuzzers/$(1): $(patsubst %.c,$(O)/obj/%.o,$($(1)-srcs)) \
		$(foreach l,$($(1)-libs),$(O)/lib/$(l).a)
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC) $$(LDFLAGS_ALL) -fsanitize=fuzzer -o $$@ \
		$$(filter %.o,$$^) -Wl,--start-group $$(filter %.a,$$^) \
		-Wl,--end-group $$($(1)-ldlibs) $$(LDLIBS)
ALL_OBJS += $(patsubst %.c,$(O)/obj/%.o,$($(1)-srcs))
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_rule,$(f))))

FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-build fuzz-list valgrind-sim
fuzz-build: $(addprefix $(O)/fuzzers/,$(FUZZERS))
fuzz-list:
	@echo $(FUZZERS)
fuzz:
	@O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
		scripts/fuzz.sh
valgrind-sim: build
	@O=$(O) scripts/valgrind-sim.sh

SCRIPT_TESTS += tests/fuzz/burst.sh

# The cmocka binaries built from tests/sim (scripts/valgrind-sim.sh).
SIM_TESTS = $(foreach t,$(TESTS),$(if $(filter tests/sim/%,$($(t)-srcs)),$(t)))
.PHONY: sim-test-list
sim-test-list:
	@echo $(SIM_TESTS)

# frontends/net: librtdd_netfront and the net_rtdd DPDK PMD (docs/net.md).
#
# net_rtdd is built out of tree against Debian's libdpdk-dev plus the driver
# SDK headers of the same version, fetched from Debian's dpdk source package
# by frontends/net/pmd/fetch-sdk.sh into $(O)/dpdk-sdk the first time the
# PMD is built (cached afterwards). The .so lands in $(O)/lib/dpdk-pmds,
# a directory that is not world-writable, as EAL -d demands.
LIBS += librtdd_netfront
librtdd_netfront-srcs := frontends/net/netfront.c
HEADERS_CHECK += frontends/include/rtdd/netfront.h
NETFRONT_LIBS = librtdd_netfront librtdd_fe $(HV_LIBS)

# Under SAN= the PMD is not built: a sanitized plugin cannot load into
# Debian's uninstrumented testpmd (the runtime must come first), and its
# tests say SKIP.
ifneq ($(SAN),)
SKIPPED += "net_rtdd PMD: not built under SAN= (DPDK applications are not instrumented)"
else ifeq ($(HAVE_DPDK),y)
PMD_SO := $(O)/lib/dpdk-pmds/librte_net_rtdd.so
PMD_SRCS := frontends/net/pmd/rte_eth_rtdd.c
PMD_CFLAGS := -std=gnu11 $(OPT) -fPIC -Wall -Wextra -Wshadow \
	-Wmissing-prototypes -Wvla $(if $(filter 1,$(WERROR)),-Werror) \
	-D_GNU_SOURCE -DALLOW_INTERNAL_API $(DPDK_CFLAGS) \
	-I$(O)/dpdk-sdk/include $(INCLUDES)

build: $(PMD_SO)

# The netfront stack goes into the .so from our static archives: their
# objects are PIE (Debian's default), which -Bsymbolic makes linkable into
# a shared object; --exclude-libs keeps their symbols out of the DPDK
# application's namespace.
PMD_ARCHIVES := $(O)/lib/librtdd_netfront.a $(O)/lib/librtdd_fe.a \
	$(O)/lib/librtdd_hv.a $(O)/lib/librtdd_util.a

# Without the SDK headers (no network to the Debian mirror, say) the PMD
# is skipped with a message, not the build: its tests then say SKIP.
$(PMD_SO): $(PMD_SRCS) frontends/net/pmd/fetch-sdk.sh $(PMD_ARCHIVES)
	@mkdir -p $(@D)
	@chmod go-w $(@D)
	$(call say,SDK,$(O)/dpdk-sdk)
	$(Q)if ! frontends/net/pmd/fetch-sdk.sh $(O)/dpdk-sdk >/dev/null; then \
		echo "  SKIP    net_rtdd: DPDK driver SDK headers unavailable" \
			"(logs in $(O)/dpdk-sdk/apt)"; exit 0; fi; \
	$(if $(Q),printf '  %-7s %s\n' PMD $@;) \
	$(CC) $(PMD_CFLAGS) -shared -Wl,-soname,librte_net_rtdd.so \
		-Wl,--no-undefined -Wl,-Bsymbolic -Wl,--exclude-libs,ALL \
		-o $@ $(PMD_SRCS) -Wl,--start-group $(PMD_ARCHIVES) \
		-Wl,--end-group $(DPDK_LIBS) -lrte_bus_vdev $(XEN_LIBS) -lm \
		-pthread

SCRIPT_TESTS += tests/sim/net/test_pmd_testpmd.sh
else
SKIPPED += "net_rtdd PMD: libdpdk not found"
endif

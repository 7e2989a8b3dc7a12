# rtdd-pktlat: packet latency on any DPDK port (docs/net.md).
ifeq ($(HAVE_DPDK),y)
BINS += rtdd-pktlat
rtdd-pktlat-srcs := tests/bench/pktlat/pktlat.c
rtdd-pktlat-libs := librtdd_util
rtdd-pktlat-ldlibs := $(DPDK_LIBS) -lm
$(O)/obj/tests/bench/pktlat/%.o: EXTRA_CFLAGS += $(DPDK_CFLAGS)
SCRIPT_TESTS += tests/bench/pktlat/test_pktlat.sh
else
SKIPPED += "rtdd-pktlat: libdpdk not found"
endif

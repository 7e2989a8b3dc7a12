# backends/net: the RT switch, the netif checks and rtdd-netback
# (docs/net.md).
LIBS += librtdd_netsw librtdd_netif librtdd_netback
librtdd_netsw-srcs := backends/net/netsw.c backends/net/netsw_conf.c
librtdd_netif-srcs := backends/net/netif_req.c
librtdd_netback-srcs := backends/net/ring.c backends/net/xenbus.c \
	backends/net/netback.c
HEADERS_CHECK += backends/include/rtdd/netsw.h \
	backends/include/rtdd/netif_req.h backends/include/rtdd/netback.h
NETBACK_LIBS = librtdd_netback librtdd_netif librtdd_netsw librtdd_be \
	$(HV_LIBS)

TESTS += test_netsw test_netif_req
test_netsw-srcs := tests/unit/net/test_netsw.c
test_netsw-libs := librtdd_netsw
test_netsw-ldlibs := $(CMOCKA_LIBS)
test_netif_req-srcs := tests/unit/net/test_netif_req.c
test_netif_req-libs := librtdd_netif librtdd_util
test_netif_req-ldlibs := $(CMOCKA_LIBS)

ifeq ($(HAVE_DPDK),y)
LIBS += librtdd_netsw_dpdk
librtdd_netsw_dpdk-srcs := backends/net/uplink_dpdk.c
HEADERS_CHECK += backends/include/rtdd/netsw_dpdk.h
BINS += rtdd-netback
rtdd-netback-srcs := backends/net/main.c
rtdd-netback-libs = librtdd_netsw_dpdk $(NETBACK_LIBS)
rtdd-netback-ldlibs = $(HV_LDLIBS) $(DPDK_LIBS)
$(O)/obj/backends/net/uplink_dpdk.o $(O)/obj/backends/net/main.o: \
	EXTRA_CFLAGS += $(DPDK_CFLAGS)
SCRIPT_TESTS += tests/sim/net/test_netback_cli.sh
else
SKIPPED += "rtdd-netback (DPDK uplinks): libdpdk not found"
endif

# SPDX-License-Identifier: MIT
# tests/sim/net: netback + switch + netfront end to end on rtdd-simhv.
ifeq ($(HAVE_CMOCKA),y)
NET_SIM_LIBS = librtdd_netfront librtdd_fe $(NETBACK_LIBS)
NET_SIM_LDLIBS = $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/sim/net/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
TESTS += test_net_sim
test_net_sim-srcs := tests/sim/net/test_net_sim.c tests/sim/net/net_env.c \
	tests/sim/simhv_fixture.c
test_net_sim-libs = $(NET_SIM_LIBS)
test_net_sim-ldlibs = $(NET_SIM_LDLIBS)
TESTS += test_net_hostile
test_net_hostile-srcs := tests/sim/net/test_net_hostile.c \
	tests/sim/net/net_env.c tests/sim/simhv_fixture.c
test_net_hostile-libs = $(NET_SIM_LIBS)
test_net_hostile-ldlibs = $(NET_SIM_LDLIBS)
TESTS += test_net_event
test_net_event-srcs := tests/sim/net/test_net_event.c \
	tests/sim/net/net_env.c tests/sim/simhv_fixture.c
test_net_event-libs = $(NET_SIM_LIBS)
test_net_event-ldlibs = $(NET_SIM_LDLIBS)
$(O)/tests/test_net_sim $(O)/tests/test_net_hostile \
	$(O)/tests/test_net_event: $(O)/bin/rtdd-simhv
else
SKIPPED += "tests/sim/net: needs cmocka"
endif

ifeq ($(HAVE_CMOCKA)$(HAVE_DPDK),yy)
TESTS += test_net_uplink
test_net_uplink-srcs := tests/sim/net/test_net_uplink.c \
	tests/sim/net/net_env.c tests/sim/simhv_fixture.c
test_net_uplink-libs = librtdd_netsw_dpdk $(NET_SIM_LIBS)
test_net_uplink-ldlibs = $(NET_SIM_LDLIBS) $(DPDK_LIBS)
$(O)/obj/tests/sim/net/test_net_uplink.o: EXTRA_CFLAGS += $(DPDK_CFLAGS)
$(O)/tests/test_net_uplink: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-pktlat
TESTS += test_net_pmd
test_net_pmd-srcs := tests/sim/net/test_net_pmd.c tests/sim/net/net_env.c \
	tests/sim/simhv_fixture.c
test_net_pmd-libs = $(NET_SIM_LIBS)
test_net_pmd-ldlibs = $(NET_SIM_LDLIBS)
$(O)/tests/test_net_pmd: $(O)/bin/rtdd-simhv $(PMD_SO)
endif

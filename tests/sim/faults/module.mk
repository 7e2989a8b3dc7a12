# SPDX-License-Identifier: MIT
# tests/sim/faults: fault injection on rtdd-simhv (kill -9 of a backend,
# of a whole driver domain, of a guest mid-I/O; xenstore quota exhaustion).
ifeq ($(HAVE_CMOCKA)$(HAVE_URING),yy)
TESTS += test_faults
test_faults-srcs := tests/sim/faults/test_faults.c tests/sim/simhv_fixture.c
test_faults-libs = librtdd_blkfront librtdd_fe librtdd_be $(HV_LIBS)
test_faults-ldlibs = $(HV_LDLIBS) $(CMOCKA_LIBS) -lpthread
$(O)/obj/tests/sim/faults/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
$(O)/tests/test_faults: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-devd \
	$(O)/bin/rtdd-blkback
else
SKIPPED += "tests/sim/faults: needs cmocka and liburing (rtdd-blkback)"
endif
# kill -9 of rtdd-netback (built only with libdpdk) under RT traffic.
ifeq ($(HAVE_CMOCKA)$(HAVE_DPDK),yy)
TESTS += test_faults_net
test_faults_net-srcs := tests/sim/faults/test_faults_net.c \
	tests/sim/net/net_env.c tests/sim/simhv_fixture.c
test_faults_net-libs = librtdd_netfront librtdd_fe $(NETBACK_LIBS)
test_faults_net-ldlibs = $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/tests/test_faults_net: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-devd \
	$(O)/bin/rtdd-netback
else
SKIPPED += "tests/sim/faults test_faults_net: needs cmocka and libdpdk (rtdd-netback)"
endif

# hv/sim: the sim implementation of rtdd/hv.h and rtdd-simhv (docs/hv.md).
librtdd_hv-srcs += hv/sim/msg.c hv/sim/client.c hv/sim/client_evtchn.c \
	hv/sim/ctl.c
HEADERS_CHECK += hv/include/rtdd/simhv.h

BINS += rtdd-simhv
rtdd-simhv-srcs := hv/sim/simhv/main.c hv/sim/simhv/dom.c \
	hv/sim/simhv/gnt.c hv/sim/simhv/evt.c hv/sim/simhv/sched.c
rtdd-simhv-libs := librtdd_xsd $(HV_LIBS)
rtdd-simhv-ldlibs := $(HV_LDLIBS)

# tests/sim: simhv and the sim hv ops (tests/sim/xenstored is its own).
ifeq ($(HAVE_CMOCKA),y)
SIM_TEST_LIBS := $(HV_LIBS)
SIM_TEST_LDLIBS := $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/sim/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
TESTS += test_sim_hv test_sim_twoproc test_sim_crash
test_sim_hv-srcs := tests/sim/test_sim_hv.c tests/sim/simhv_fixture.c
test_sim_hv-libs := $(SIM_TEST_LIBS)
test_sim_hv-ldlibs := $(SIM_TEST_LDLIBS)
test_sim_twoproc-srcs := tests/sim/test_sim_twoproc.c tests/sim/simhv_fixture.c
test_sim_twoproc-libs := $(SIM_TEST_LIBS)
test_sim_twoproc-ldlibs := $(SIM_TEST_LDLIBS)
test_sim_crash-srcs := tests/sim/test_sim_crash.c tests/sim/simhv_fixture.c
test_sim_crash-libs := $(SIM_TEST_LIBS)
test_sim_crash-ldlibs := $(SIM_TEST_LDLIBS)
# the tests find rtdd-simhv next to them: build it first
$(O)/tests/test_sim_hv $(O)/tests/test_sim_twoproc $(O)/tests/test_sim_crash: $(O)/bin/rtdd-simhv
else
SKIPPED += "tests/sim (simhv): needs cmocka (libcmocka-dev)"
endif
# tests/unit/hv_conformance on simhv, as dom0 and as a domU
SCRIPT_TESTS += tests/sim/conformance.sh

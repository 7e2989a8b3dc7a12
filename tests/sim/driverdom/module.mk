# SPDX-License-Identifier: MIT
# tests/sim/driverdom: rtdd-devd and rtdd up/down/status on rtdd-simhv.
ifeq ($(HAVE_CMOCKA)$(HAVE_URING),yy)
TESTS += test_devd
test_devd-srcs := tests/sim/driverdom/test_devd.c tests/sim/simhv_fixture.c
test_devd-libs = librtdd_blkfront librtdd_fe librtdd_be $(HV_LIBS)
test_devd-ldlibs = $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/sim/driverdom/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
$(O)/tests/test_devd: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-devd \
	$(O)/bin/rtdd-blkback
else
SKIPPED += "tests/sim/driverdom: needs cmocka and liburing (rtdd-blkback)"
endif
# rtdd up/status/down of examples/adas-ecu.yaml on sim, and --hv xen
# through a fake xl (skip themselves when a binary is missing).
SCRIPT_TESTS += tests/sim/driverdom/test_up.sh tests/sim/driverdom/test_up_xen.sh

# driverdom: the rtdd command, the manifest, admission and xl generation.
LIBS += librtdd_dd
librtdd_dd-srcs += driverdom/manifest.c driverdom/plan.c
$(O)/obj/driverdom/%.o: EXTRA_CFLAGS += $(YAML_CFLAGS)
HEADERS_CHECK += driverdom/include/rtdd/bench.h driverdom/include/rtdd/manifest.h \
	driverdom/include/rtdd/plan.h

BINS += rtdd
rtdd-srcs += driverdom/rtdd.c driverdom/cmd_hv.c driverdom/cmd_bench.c \
	driverdom/bench.c driverdom/bench_hv.c driverdom/cmd_plan.c
rtdd-libs += librtdd_dd librtdd_rtds $(HV_LIBS)
rtdd-ldlibs += $(HV_LDLIBS) $(YAML_LIBS)
# rtdd bench blk (the suite lives with the block tests)
rtdd-srcs += tests/sim/blk/bench_blk.c
rtdd-libs += librtdd_blkfront librtdd_fe librtdd_blkback librtdd_be
rtdd-ldlibs += $(URING_LIBS)

TESTS += test_manifest
test_manifest-srcs := tests/unit/driverdom/test_manifest.c
test_manifest-libs := librtdd_dd librtdd_util
test_manifest-ldlibs := $(YAML_LIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/driverdom/%.o: EXTRA_CFLAGS += -DSRCDIR=\"$(CURDIR)\"

TESTS += test_plan
test_plan-srcs := tests/unit/driverdom/test_plan.c
test_plan-libs := librtdd_dd librtdd_rtds librtdd_util
test_plan-ldlibs := $(YAML_LIBS) $(CMOCKA_LIBS) -lm

# Regenerates the xl templates checked in beside each example manifest
# (test_plan fails when they drift from what `rtdd plan` writes).
.PHONY: examples
examples: $(O)/bin/rtdd
	@for m in examples/*.yaml; do n=$${m%.yaml}; rm -rf "$$n"; \
		$(O)/bin/rtdd plan "$$m" -o "$$n" >/dev/null || exit 1; \
		echo "  GEN     $$n/"; done

# rtdd-devd, the supervisor inside each driver domain (devd helper).
BINS += rtdd-devd
rtdd-devd-srcs := driverdom/devd.c
rtdd-devd-libs = $(HV_LIBS)
rtdd-devd-ldlibs = $(HV_LDLIBS) $(YAML_LIBS)

# rtdd-guest, the guest agent `rtdd up --hv sim` runs in each guest domain.
BINS += rtdd-guest
rtdd-guest-srcs := driverdom/guest.c
rtdd-guest-libs = librtdd_blkfront librtdd_fe $(HV_LIBS)
rtdd-guest-ldlibs = $(HV_LDLIBS)

# rtdd up | down | status (devd helper): the toolstack half of librtdd_be.
rtdd-srcs += driverdom/up.c driverdom/status.c
rtdd-libs += librtdd_be

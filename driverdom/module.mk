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

# SPDX-License-Identifier: MIT
# hv/rtds: compositional analysis and the RTDS schedule simulator
# (librtdd_rtds), the `rtdd analyze` / `rtdd simulate` subcommands, the
# experiment generator of docs/rtds.md, tests and the analysis benchmark.
ifeq ($(HAVE_YAML),y)
LIBS += librtdd_rtds
librtdd_rtds-srcs += hv/rtds/analysis.c hv/rtds/sim.c hv/rtds/system.c \
	hv/rtds/config.c
$(O)/obj/hv/rtds/%.o: EXTRA_CFLAGS += $(YAML_CFLAGS)
# What a binary linking librtdd_rtds needs.
RTDS_LIBS := librtdd_rtds
RTDS_LDLIBS := $(YAML_LIBS) -lm
HEADERS_CHECK += hv/include/rtdd/rtds.h

rtdd-srcs += hv/rtds/cli.c
$(O)/obj/hv/rtds/cli.o: EXTRA_CFLAGS += -Idriverdom
rtdd-libs += $(RTDS_LIBS)
rtdd-ldlibs += $(RTDS_LDLIBS)

BINS += rtdd-rtds-exp
rtdd-rtds-exp-srcs += hv/rtds/exp.c
rtdd-rtds-exp-libs += $(RTDS_LIBS) librtdd_util
rtdd-rtds-exp-ldlibs += $(RTDS_LDLIBS)

BENCHES += bench_rtds
bench_rtds-srcs += hv/rtds/bench_rtds.c
bench_rtds-libs += $(RTDS_LIBS) librtdd_util
bench_rtds-ldlibs += $(RTDS_LDLIBS)

ifeq ($(HAVE_CMOCKA),y)
TESTS += test_rtds test_rtds_prop
test_rtds-srcs += tests/unit/rtds/test_rtds.c
test_rtds-libs += $(RTDS_LIBS) librtdd_util
test_rtds-ldlibs += $(RTDS_LDLIBS) $(CMOCKA_LIBS)
test_rtds_prop-srcs += tests/unit/rtds/test_rtds_prop.c
test_rtds_prop-libs += $(RTDS_LIBS) librtdd_util
test_rtds_prop-ldlibs += $(RTDS_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/rtds/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
SCRIPT_TESTS += tests/unit/rtds/cli.sh
endif
else
SKIPPED += "hv/rtds (rtdd analyze/simulate): libyaml (yaml-0.1) missing"
endif

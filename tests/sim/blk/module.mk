# SPDX-License-Identifier: MIT
# tests/sim/blk: blkback + blkfront end to end on rtdd-simhv.
ifeq ($(HAVE_CMOCKA)$(HAVE_URING),yy)
BLK_SIM_LIBS := librtdd_blkfront librtdd_fe librtdd_blkback librtdd_be \
	$(HV_LIBS)
BLK_SIM_LDLIBS := $(HV_LDLIBS) $(URING_LIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/sim/blk/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS) $(URING_CFLAGS)
TESTS += test_blk_sim
test_blk_sim-srcs := tests/sim/blk/test_blk_sim.c tests/sim/blk/blk_env.c \
	tests/sim/simhv_fixture.c
test_blk_sim-libs := $(BLK_SIM_LIBS)
test_blk_sim-ldlibs := $(BLK_SIM_LDLIBS)
$(O)/tests/test_blk_sim: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-blkback
else
SKIPPED += "tests/sim/blk: needs cmocka and liburing"
endif
ifeq ($(HAVE_CMOCKA)$(HAVE_URING),yy)
TESTS += test_blk_hostile
test_blk_hostile-srcs := tests/sim/blk/test_blk_hostile.c \
	tests/sim/blk/blk_env.c tests/sim/simhv_fixture.c
test_blk_hostile-libs := $(BLK_SIM_LIBS)
test_blk_hostile-ldlibs := $(BLK_SIM_LDLIBS)
$(O)/tests/test_blk_hostile: $(O)/bin/rtdd-simhv
endif
ifeq ($(HAVE_CMOCKA)$(HAVE_URING),yy)
TESTS += test_blk_restart
test_blk_restart-srcs := tests/sim/blk/test_blk_restart.c \
	tests/sim/blk/blk_env.c tests/sim/simhv_fixture.c
test_blk_restart-libs := $(BLK_SIM_LIBS)
test_blk_restart-ldlibs := $(BLK_SIM_LDLIBS)
$(O)/tests/test_blk_restart: $(O)/bin/rtdd-simhv $(O)/bin/rtdd-blkback
endif
ifeq ($(HAVE_URING),y)
BENCHES += bench_blk
bench_blk-srcs := tests/sim/blk/bench_blk.c tests/sim/blk/bench_blk_main.c \
	driverdom/bench.c
bench_blk-libs := librtdd_blkfront librtdd_fe librtdd_blkback librtdd_be \
	$(HV_LIBS)
bench_blk-ldlibs := $(HV_LDLIBS) $(URING_LIBS) -lm
$(O)/bench/bench_blk: $(O)/bin/rtdd-simhv
endif
ifeq ($(HAVE_URING),y)
# make bench-blk: the block benchmark alone (figures, never pass/fail).
.PHONY: bench-blk
bench-blk: $(O)/bench/bench_blk
	@mkdir -p $(O)/bench-results
	@RTDD_BENCH_OUT=$(O)/bench-results $(O)/bench/bench_blk
endif

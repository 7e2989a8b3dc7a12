# SPDX-License-Identifier: MIT
# tests/unit/blk: blkif request checks and service-round decisions.
ifeq ($(HAVE_CMOCKA),y)
TESTS += test_blk_unit
test_blk_unit-srcs := tests/unit/blk/test_blk_unit.c backends/blk/req.c
test_blk_unit-libs := librtdd_be librtdd_util
test_blk_unit-ldlibs := $(CMOCKA_LIBS)
$(O)/obj/tests/unit/blk/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
endif

# librtdd-blkfront's response checks (frontends/blk/blkfront_ring.h).
ifeq ($(HAVE_CMOCKA),y)
TESTS += test_blkfront_rsp
test_blkfront_rsp-srcs := tests/unit/blk/test_blkfront_rsp.c
test_blkfront_rsp-libs := librtdd_blkfront librtdd_fe $(HV_LIBS) librtdd_util
test_blkfront_rsp-ldlibs := $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/blk/test_blkfront_rsp.o: EXTRA_CFLAGS += -Ifrontends/blk
endif

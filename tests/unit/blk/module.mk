# SPDX-License-Identifier: MIT
# tests/unit/blk: blkif request checks and service-round decisions.
ifeq ($(HAVE_CMOCKA),y)
TESTS += test_blk_unit
test_blk_unit-srcs := tests/unit/blk/test_blk_unit.c backends/blk/req.c
test_blk_unit-libs := librtdd_be librtdd_util
test_blk_unit-ldlibs := $(CMOCKA_LIBS)
$(O)/obj/tests/unit/blk/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)
endif

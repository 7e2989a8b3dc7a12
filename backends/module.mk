# SPDX-License-Identifier: MIT
# backends: the shared backend framework and the block backend.
LIBS += librtdd_be
librtdd_be-srcs += backends/common/xenbus.c backends/common/toolstack.c \
	backends/common/ring.c backends/common/svc.c
HEADERS_CHECK += backends/include/rtdd/be_xenbus.h \
	backends/include/rtdd/be_svc.h backends/include/rtdd/be_ring.h \
	backends/include/rtdd/blkif_req.h

ifeq ($(HAVE_URING),y)
LIBS += librtdd_blkback
librtdd_blkback-srcs += backends/blk/req.c backends/blk/ring.c \
	backends/blk/xenbus.c backends/blk/blkback.c
HEADERS_CHECK += backends/include/rtdd/blkback.h
BINS += rtdd-blkback
rtdd-blkback-srcs += backends/blk/main.c
rtdd-blkback-libs += librtdd_blkback librtdd_be $(HV_LIBS)
rtdd-blkback-ldlibs += $(HV_LDLIBS) $(URING_LIBS)
$(O)/obj/backends/blk/%.o: EXTRA_CFLAGS += $(URING_CFLAGS)
else
SKIPPED += "rtdd-blkback: liburing missing (liburing-dev)"
endif

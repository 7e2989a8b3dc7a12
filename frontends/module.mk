# SPDX-License-Identifier: MIT
# frontends: the shared frontend framework and librtdd-blkfront.
LIBS += librtdd_fe librtdd_blkfront
librtdd_fe-srcs += frontends/common/xenbus.c
librtdd_blkfront-srcs += frontends/blk/blkfront.c
HEADERS_CHECK += frontends/include/rtdd/fe_xenbus.h \
	frontends/include/rtdd/blkfront.h

# util: logging, histograms and clocks, JSON, SVG plots, RT thread setup.
LIBS += librtdd_util
librtdd_util-srcs += util/log.c util/hist.c util/json.c util/svgplot.c util/rt.c \
	util/numlist.c
HEADERS_CHECK += util/include/rtdd/log.h util/include/rtdd/hist.h \
	util/include/rtdd/json.h util/include/rtdd/svgplot.h util/include/rtdd/rt.h \
	util/include/rtdd/numlist.h
TESTS += test_util
test_util-srcs := tests/unit/util/test_util.c
test_util-libs := librtdd_util
test_util-ldlibs := $(CMOCKA_LIBS) -lm

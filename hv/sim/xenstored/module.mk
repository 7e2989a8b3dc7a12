# hv/sim/xenstored: the xenstore server embedded in rtdd-simhv (docs/xenstore.md).
LIBS += librtdd_xsd
librtdd_xsd-srcs += hv/sim/xenstored/store.c hv/sim/xenstored/ops.c \
	hv/sim/xenstored/wire.c hv/sim/xenstored/server.c

# A standalone daemon around the library, for the tests and the benchmark:
# domains 0..N-1 on sockets in a directory, commands on stdin.
BINS += xsd_testd
xsd_testd-srcs += tests/sim/xenstored/xsd_testd.c
xsd_testd-libs += librtdd_xsd
$(O)/obj/tests/sim/xenstored/%.o: EXTRA_CFLAGS += -Ihv/sim/xenstored $(XENSTORE_CFLAGS) $(CMOCKA_CFLAGS)

ifeq ($(HAVE_XENSTORE)$(HAVE_CMOCKA),yy)
TESTS += test_xenstored
test_xenstored-srcs += tests/sim/xenstored/test_xenstored.c
# xsd_testd is what it talks to: build it first.
$(O)/tests/test_xenstored: $(O)/bin/xsd_testd
test_xenstored-ldlibs += $(XENSTORE_LIBS) $(CMOCKA_LIBS)
else
SKIPPED += "test_xenstored: needs libxenstore (libxen-dev) and cmocka"
endif

ifeq ($(HAVE_XENSTORE),y)
BENCHES += bench_xenstore
bench_xenstore-srcs += tests/sim/xenstored/bench_xenstore.c
bench_xenstore-libs += librtdd_xsd librtdd_util
bench_xenstore-ldlibs += $(XENSTORE_LIBS) -lm
else
SKIPPED += "bench_xenstore: needs libxenstore (libxen-dev)"
endif

SCRIPT_TESTS += tests/sim/xenstored/tools.sh

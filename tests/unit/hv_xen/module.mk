# tests/unit/hv_xen: hv/xen on a machine without Xen (open fails the right
# way) and its error tables. Needs the Xen client libraries to build.
ifeq ($(HAVE_XEN),y)
TESTS += test_hv_xen
test_hv_xen-srcs := tests/unit/hv_xen/test_hv_xen.c
test_hv_xen-libs := $(HV_LIBS)
test_hv_xen-ldlibs := $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/hv_xen/%.o: EXTRA_CFLAGS += -Ihv/xen $(XEN_CFLAGS) \
	$(CMOCKA_CFLAGS)
endif

# hv/xen's logic on fake Xen libraries (fake_xen.h): fake_xen.o defines the
# libxen* functions hv/xen calls, so the link takes them from it; the real
# libraries follow only so that the link stays whole.
ifeq ($(HAVE_XEN),y)
TESTS += test_hv_xen_fake
test_hv_xen_fake-srcs := tests/unit/hv_xen/test_hv_xen_fake.c \
	tests/unit/hv_xen/fake_xen.c
test_hv_xen_fake-libs := $(HV_LIBS)
test_hv_xen_fake-ldlibs := $(HV_LDLIBS) $(CMOCKA_LIBS)
endif

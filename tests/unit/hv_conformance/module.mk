# tests/unit/hv_conformance: every hv.h op a single domain can do, on any
# hypervisor (RTDD_TEST_HV=xen|sim|sim:N, unset: auto). Skips, saying why,
# where no hypervisor is reachable. Run in dom0 and a domU by the Xen lab
# (tests/xen/lab-tests.txt) and on simhv by the sim fixture.
# Not run bare by make test (it would only skip): tests/sim/conformance.sh
# runs it on simhv, tests/xen on Xen.
TEST_PROGS += test_hv_conformance
test_hv_conformance-srcs := tests/unit/hv_conformance/test_hv_conformance.c
test_hv_conformance-libs := $(HV_LIBS)
test_hv_conformance-ldlibs := $(HV_LDLIBS) $(CMOCKA_LIBS)
$(O)/obj/tests/unit/hv_conformance/%.o: EXTRA_CFLAGS += $(CMOCKA_CFLAGS)

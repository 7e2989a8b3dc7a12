# hv: the hypervisor seam. hv/xen and hv/sim add their sources to librtdd_hv.
LIBS += librtdd_hv
librtdd_hv-srcs += hv/common/open.c hv/common/xs.c hv/common/xs_util.c
# What a binary linking librtdd_hv needs.
HV_LIBS := librtdd_hv librtdd_util
HV_LDLIBS := $(XEN_LIBS) -lm
$(O)/obj/hv/%.o: EXTRA_CFLAGS += $(XEN_CFLAGS)
HEADERS_CHECK += hv/include/rtdd/hv.h

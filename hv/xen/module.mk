# hv/xen: the hv API over the real Xen libraries (see hv/xen/README.md).
# HV_LDLIBS (hv/common/module.mk) already links xenstore, xenevtchn,
# xengnttab (with xengntshr) and xenctrl.
ifeq ($(HAVE_XEN),y)
librtdd_hv-srcs += hv/xen/xen.c hv/xen/evtchn.c hv/xen/gnt.c hv/xen/dom.c \
	hv/xen/errmap.c hv/xen/devmsg.c
else
librtdd_hv-srcs += hv/xen/absent.c hv/xen/devmsg.c
SKIPPED += "hv/xen: Xen client libraries not found (Debian package libxen-dev), rtdd_hv_open of xen fails with -ENOENT"
endif

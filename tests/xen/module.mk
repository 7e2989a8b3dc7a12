# SPDX-License-Identifier: MIT
# tests/xen: the Xen lab (run.sh, `make test-xen`). The lab's own guest
# program: librtdd-netfront against Linux netback (docs/xen-lab.md); it is
# copied into the lab's images with the other rtdd binaries.
BINS += rtdd-netfront-ping
rtdd-netfront-ping-srcs := tests/xen/netfront_ping.c
rtdd-netfront-ping-libs = $(NETFRONT_LIBS)
rtdd-netfront-ping-ldlibs = $(HV_LDLIBS)

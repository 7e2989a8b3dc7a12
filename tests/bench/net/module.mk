# SPDX-License-Identifier: MIT
# tests/bench/net: `rtdd bench net` (rtdd-bench-net) and its make-bench twin.
ifeq ($(HAVE_DPDK),y)
NET_BENCH_SRCS := tests/bench/net/bench_net.c driverdom/bench.c
BINS += rtdd-bench-net
rtdd-bench-net-srcs := $(NET_BENCH_SRCS)
rtdd-bench-net-libs = librtdd_netfront librtdd_fe $(NETBACK_LIBS)
rtdd-bench-net-ldlibs = $(HV_LDLIBS) -lm
BENCHES += bench_net
bench_net-srcs := tests/bench/net/bench_wrap.c
$(O)/bin/rtdd-bench-net: $(O)/bin/rtdd-pktlat $(O)/bin/rtdd-simhv
$(O)/bench/bench_net: $(O)/bin/rtdd-bench-net
else
SKIPPED += "rtdd bench net: needs libdpdk (the memif baseline)"
endif
# `rtdd bench net` runs rtdd-bench-net beside it (or says it was not built).
rtdd-srcs += tests/bench/net/cmd.c

/* SPDX-License-Identifier: MIT */
/*
 * rtdd/netback.h - rtdd-netback as a library (backends/net, docs/net.md):
 * the netif protocol of xen/io/netif.h served into the RT switch
 * (rtdd/netsw.h).
 *
 * Each vif backend/vif/<fe>/<devid> that appears under our home is bound to
 * the switch port named "vif<fe>.<devid>" of the configuration; a vif with
 * no such port is refused (fatal, reported through xenstore). One service
 * thread (backends/common svc) runs the switch: every round it
 * takes guest TX packets (grant copy, batched) and delivers frames into
 * the guests' RX buffers (grant copy into the frontend's pages, batched).
 *
 * Offered: feature-rx-copy, feature-sg, feature-split-event-channels,
 * multi-queue (multi-queue-max-queues), feature-ipv6-csum-offload; blank
 * checksums from a guest are completed in the backend, so every frame in
 * the switch carries a valid checksum. GSO is not offered: a GSO packet is
 * answered NETIF_RSP_ERROR. request-rx-copy and feature-rx-notify are
 * required of the frontend, as Linux netback requires them.
 *
 * Hostile frontends: rtdd/netif_req.h. A breach disables only that vif
 * (Closing, with the reason in its xenstore "error" node); the switch and
 * the other vifs go on.
 *
 * Threads: create/run/destroy from one control thread; the service thread
 * is internal.
 */
#ifndef RTDD_NETBACK_H
#define RTDD_NETBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtdd/be_svc.h"
#include "rtdd/hv.h"
#include "rtdd/netsw.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_netback rtdd_netback;

struct rtdd_netback_cfg {
	struct rtdd_rt_req rt;	 /* for the switch thread (util rtdd/rt.h) */
	unsigned max_queues;	 /* multi-queue-max-queues, 1..16 */
	const char *const *only; /* device paths to serve; NULL: all */
	bool no_thread;		 /* tests: the caller runs rtdd_netback_poll */
	/* The switch thread: RTDD_SVC_POLL (default) spins; EVENT sleeps on
	 * the vifs' event channels when a round finds nothing to do; HYBRID
	 * spins spin_ns after the last work, then sleeps. A vif's event
	 * wakes it; a DPDK uplink cannot, so with uplink ports in the
	 * switch it sleeps at most uplink_poll_ns and polls them: frames
	 * from outside wait up to that long (use POLL for RT traffic on an
	 * uplink). */
	enum rtdd_svc_mode mode;
	uint64_t spin_ns;	 /* HYBRID; default 50 us */
	uint64_t uplink_poll_ns; /* EVENT/HYBRID with uplinks; default 100 us */
};

void rtdd_netback_cfg_default(struct rtdd_netback_cfg *cfg);

/*
 * Serve vifs into sw (which must stay alive until destroy; uplink ports
 * are the caller's to attach before). Vif ports of sw get netback's
 * driver. Returns 0, -EINVAL, -ENOMEM, or an hv error.
 */
int rtdd_netback_create(rtdd_hv *hv, rtdd_sw *sw,
			const struct rtdd_netback_cfg *cfg,
			rtdd_netback **nb_out);
/* Control loop: file descriptors to wait on (xenstore watches, faults). */
unsigned rtdd_netback_fds(rtdd_netback *nb, int *fds, unsigned max);
/* Handle what is pending, never blocks. 0 or -errno (-EIO: xenstore
 * connection lost). */
int rtdd_netback_run_once(rtdd_netback *nb);
/* Wait up to timeout_ms on the fds, then run_once. */
int rtdd_netback_run(rtdd_netback *nb, int timeout_ms);
/* One switch round by hand (cfg.no_thread); returns frames moved. */
unsigned rtdd_netback_poll(rtdd_netback *nb);
unsigned rtdd_netback_nvifs(const rtdd_netback *nb);
/* Counters of the switch thread's service item (rounds, arms, sleeps);
 * -ENOENT without a thread (cfg.no_thread). */
int rtdd_netback_svc_stats(rtdd_netback *nb, struct rtdd_svc_item_stats *out);
/* "thread: cpu 1 pinned, SCHED_FIFO 50 refused (...)" */
void rtdd_netback_describe_rt(const rtdd_netback *nb, char *buf, size_t len);

struct rtdd_netback_stats {
	uint64_t tx_pkts, tx_bytes; /* guest -> switch */
	uint64_t rx_pkts, rx_bytes; /* switch -> guest */
	uint64_t tx_dropped;	    /* answered NETIF_RSP_ERROR */
	uint64_t tx_grant_errors;   /* copies that failed (bad refs) */
	uint64_t rx_grant_errors;
	uint64_t rx_no_buffer; /* frame dropped: no RX request, or
					too big without feature-sg */
	uint64_t breaches;     /* fatal protocol errors */
	uint64_t connects;
	/* feature-rtdd-persistent buffer pages mapped at connect (from the
	 * frontend's rtdd-tx/rx-buf-refs), and mapped later by the switch
	 * thread on first use (a hypercall on the RT path; 0 for
	 * librtdd-netfront once connected). */
	uint64_t pages_premapped, pages_mapped_late;
	/* best-effort frame copies stopped part way for an RT frame (the
	 * frame was moved again afterwards: nothing lost) */
	uint64_t copy_yields;
};
/* Counters of the vif on switch port port_name (live and past sessions);
 * -ENOENT when no such vif port. */
int rtdd_netback_vif_stats(const rtdd_netback *nb, const char *port_name,
			   struct rtdd_netback_stats *out);

void rtdd_netback_destroy(rtdd_netback *nb, bool remove);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NETBACK_H */

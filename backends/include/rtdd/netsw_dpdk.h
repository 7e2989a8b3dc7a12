/* SPDX-License-Identifier: MIT */
/*
 * rtdd/netsw_dpdk.h - uplink ports of the RT switch on DPDK ethdev ports
 * (backends/net, built when libdpdk is present). Any PMD works: a NIC or
 * VF passed through to the driver domain, net_af_packet on a veth,
 * net_memif to another process, net_tap, net_ring.
 *
 * The caller initialises EAL. An uplink copies frames between mbufs and
 * the switch's buffers (one copy each way; the switch never holds mbufs),
 * takes at most one burst per call, and never blocks. Its port functions
 * run on the switch's thread, which need not be an EAL lcore.
 */
#ifndef RTDD_NETSW_DPDK_H
#define RTDD_NETSW_DPDK_H

#include <stdbool.h>
#include <stdint.h>

#include "rtdd/netsw.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_uplink rtdd_uplink;

struct rtdd_uplink_stats {
	uint64_t rx_pkts, tx_pkts;
	uint64_t rx_nobuf;    /* switch buffers exhausted: frame dropped */
	uint64_t rx_toobig;   /* frame longer than a switch buffer */
	uint64_t tx_nombuf;   /* mbuf pool exhausted */
	uint64_t rx_peeks;    /* polls by pending (PMDs without descriptor
			     * status) */
	uint64_t copy_yields; /* best-effort frame copies stopped part way
				 for an RT frame (rtdd_sw_copy; the frame
				 went later, nothing lost) */
};

/* "3" or a device name ("net_memif0", "0000:01:00.0") to a port id:
 * 0 or -ENODEV. */
int rtdd_uplink_port_lookup(const char *s, uint16_t *port_out);
/* Configure ethdev port_id with one RX and one TX queue and an mbuf pool
 * of its own, start it, enable promiscuous mode (where the PMD knows it).
 * Returns 0, -ENODEV, -ENOMEM, or the ethdev error. */
int rtdd_uplink_open(uint16_t port_id, rtdd_uplink **up_out);
/* Drive switch port sw_port with this uplink (before the switch runs). */
int rtdd_uplink_attach(rtdd_uplink *up, rtdd_sw *sw, int sw_port);
void rtdd_uplink_stats(const rtdd_uplink *up, struct rtdd_uplink_stats *out);
/* The switch's pending op (the switch thread calls it between best-effort
 * chunks when the uplink is an RT port): does input wait? Answered from
 * the next RX descriptor where the PMD can tell, else by polling the port
 * (at most once a microsecond) into a stash that rx hands out first, in
 * order. Exposed for tests; call it only from the switch's thread. */
bool rtdd_uplink_pending(rtdd_uplink *up);
/* Stop and close the ethdev port. NULL ignored. */
void rtdd_uplink_close(rtdd_uplink *up);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NETSW_DPDK_H */

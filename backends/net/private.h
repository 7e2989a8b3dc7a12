/* SPDX-License-Identifier: MIT */
/*
 * backends/net/private.h - shared by netback's control plane (xenbus.c),
 * data plane (ring.c) and glue (netback.c). Not installed.
 */
#ifndef RTDD_NETBACK_PRIVATE_H
#define RTDD_NETBACK_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "rtdd/be_ring.h"
#include "rtdd/be_svc.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/netback.h"
#include "rtdd/netif_req.h"
#include "rtdd/netsw.h"

/* ring.h's barriers, which Xen leaves to the user of the header: what they
 * order is said where the RING_ macros are used. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

/* Single writer (the service thread), readers on the control thread. */
#define STAT_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
#define STAT_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

#define NB_BURST 32u
/* Grant-copy segments per burst: every fragment may be split once at a
 * page boundary of our buffer. */
#define NB_TX_SEGS (NB_BURST * (RTDD_NETIF_SLOTS_MAX + 1) * 2)
#define NB_RX_SEGS (NB_BURST * 18u * 2)

struct nb_vif;

/* A guest buffer page mapped once and kept (feature-rtdd-persistent). */
struct nb_pgrant {
	void *addr; /* NULL: empty slot */
	rtdd_gref ref;
	bool ro;
	bool batched; /* part of a premap batch (unmapped with it) */
};

/* A premap batch: the pages of one buffer-ref list, mapped in one call. */
struct nb_pbatch {
	void *addr;
	unsigned count;
};

#define NB_PG_CAP 1024u /* slots, power of two; half may be used */

struct nb_queue {
	struct nb_vif *vif;
	unsigned idx;
	rtdd_hv *hv;
	rtdd_domid domid;

	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	struct rtdd_be_ring_map txmap, rxmap;
	rtdd_evtchn *ev;
	rtdd_port tx_port, rx_port; /* equal without split channels */
	bool bound_tx, bound_rx;

	/* Persistent mappings of the guest's buffers, or NULL (copy). */
	struct nb_pgrant *pg;
	unsigned pg_used;
	struct nb_pbatch pbatch[2]; /* TX and RX lists */
	unsigned n_pbatch;

	/* TX burst scratch: packets waiting for the batched copy. */
	struct rtdd_netif_txpkt *tp; /* NB_BURST */
	struct rtdd_pkt *tpk[NB_BURST];
	uint16_t tseg_first[NB_BURST], tseg_n[NB_BURST];
	struct rtdd_gnt_copy_seg *tseg; /* NB_TX_SEGS */
};

struct nb_port; /* a vif port of the switch */

struct nb_vif {
	struct rtdd_netback *nb;
	rtdd_xb_be *xb;
	char *path;
	char name[64]; /* "vif/3/0" */
	char port_name[RTDD_SW_NAME_MAX];
	struct nb_port *port; /* NULL: not attached */
	unsigned nqueues;
	struct nb_queue *queues;
	bool sg;
	bool persistent; /* the frontend asked for feature-rtdd-persistent */
	unsigned rr;	 /* next TX queue */
	struct rtdd_gnt_copy_seg *rseg; /* RX burst scratch, NB_RX_SEGS */

	int broken; /* atomic: 0 or -errno, set by the service thread */
	bool reported;
	char broken_msg[160];

	struct rtdd_netback_stats st;	/* live session (service thread) */
	struct rtdd_netback_stats past; /* closed sessions */
	struct nb_vif *next;
};

struct nb_port {
	struct rtdd_netback *nb;
	int idx;
	struct nb_vif *vif; /* atomic: the connected vif or NULL */
	/* counters of sessions that ended (vif gone) */
	struct rtdd_netback_stats past;
};

struct rtdd_netback {
	rtdd_hv *hv;
	rtdd_sw *sw;
	struct rtdd_netback_cfg cfg;
	rtdd_xb_be_mgr *mgr;
	rtdd_svc *svc;
	struct rtdd_svc_item item;
	uint64_t epoch; /* atomic: rounds of the service thread */
	int fault_fd;
	/* Event and hybrid modes: the switch thread sleeps on ep_fd, an
	 * epoll set of every attached queue's event channel fd and kick_fd
	 * (the control thread wakes it: a vif attached or detached). */
	int ep_fd, kick_fd;
	struct nb_port ports[RTDD_SW_MAX_PORTS];
	struct nb_vif *vifs;
	unsigned nvifs;
	struct rtdd_netif_tx_limits lim;
};

extern const struct rtdd_xb_be_ops rtdd__net_xb_ops;
extern const struct rtdd_sw_port_ops rtdd__net_port_ops;

int rtdd__net_queue_setup(struct nb_queue *q);
void rtdd__net_queue_teardown(struct nb_queue *q);
/* Maps refs[0..n) into q's persistent pages now (control thread, before
 * the vif is attached); returns how many are mapped (already or now). */
unsigned rtdd__net_queue_premap(struct nb_queue *q, const rtdd_gref *refs,
				unsigned n, bool ro);
void rtdd__net_stats_add(struct rtdd_netback_stats *to,
			 const struct rtdd_netback_stats *from);
/* Detach a vif from its port and wait until the service thread has
 * finished any round that may still use it. */
void rtdd__net_vif_detach(struct nb_vif *v);
/* After the vif is attached: let its event channels wake the switch
 * thread (event/hybrid modes), and wake it once. */
void rtdd__net_vif_watch(struct nb_vif *v);

#endif

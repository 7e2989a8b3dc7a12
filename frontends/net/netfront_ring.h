/* SPDX-License-Identifier: MIT */
/*
 * frontends/net/netfront_ring.h - librtdd-netfront's ring side, internal.
 *
 * One queue's TX and RX front rings and buffer pages, and the three steps
 * of its data path that read what the backend wrote: reclaiming TX ids
 * from TX responses, taking received frames from RX responses, and
 * queueing TX requests. No locks, no xenstore, no hypervisor calls: the
 * caller (netfront.c, under the queue lock) pushes req_prod and notifies.
 * tests/fuzz/fuzz_netfront_rsp.c drives exactly these functions with a
 * hostile backend's responses.
 *
 * The backend is not trusted. What a response may say, and what happens
 * when it says something else:
 *   - per frame (RX status < 0, offset/size past the page, id not the
 *     one posted in that slot, extra-info slots we never negotiated, a
 *     frame longer than the caller's buffer): the frame is dropped and
 *     counted (rx_errors, rx_toobig); its slots' pages are posted again;
 *   - per ring (rsp_prod more than the requests outstanding ahead of
 *     rsp_cons, a TX response whose id is not in flight, an RX frame of
 *     more than RTDD__NF_RX_FRAME_SLOTS slots): the ring is out of step
 *     with the backend, nothing further can be believed; the call returns
 *     -EPROTO with the reason in q->breach, and netfront fails the device
 *     (every call -EIO), as Linux netfront marks a queue broken.
 * Either way the work done per call is bounded by the ring size.
 */
#ifndef RTDD_NETFRONT_RING_H
#define RTDD_NETFRONT_RING_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/netif.h>

#include "rtdd/fe_xenbus.h"
#include "rtdd/netfront.h"

#define RTDD__NF_PAGE 4096u
#define RTDD__NF_NSLOTS 256u /* slots of a one-page netif TX or RX ring */
/* TX slots per frame we send (netif.h XEN_NETIF_NR_SLOTS_MIN). */
#define RTDD__NF_TX_FRAME_SLOTS 18u
/* RX slots per frame we accept: 19 data slots (what Linux netback may use
 * for a 64 KiB frame) and one of each extra-info type. */
#define RTDD__NF_RX_FRAME_SLOTS (19u + XEN_NETIF_EXTRA_TYPE_MAX)

struct rtdd__nf_queue {
	pthread_mutex_t lock;
	struct rtdd_fe_ring txr, rxr; /* pages + event channels */
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	uint8_t *txpages, *rxpages; /* NSLOTS pages each */
	rtdd_gref txrefs[RTDD__NF_NSLOTS], rxrefs[RTDD__NF_NSLOTS];
	uint16_t txfree[RTDD__NF_NSLOTS]; /* stack of free TX ids */
	unsigned ntxfree;
	bool txbusy[RTDD__NF_NSLOTS]; /* TX id in flight */
	/* RX: the page posted in ring slot i is page i (as Linux netfront):
	 * every response re-posts its slot's page at req_prod, which is
	 * always rsp_cons + NSLOTS, so the slot and the page stay paired. */
	struct rtdd_netfront_stats st;
	char breach[160]; /* why the last call returned -EPROTO */
};

/* Fresh rings on q->txr.addr / q->rxr.addr: TX ids all free, every RX
 * page posted (req_prod_pvt; not pushed). */
void rtdd__nf_rings_reset(struct rtdd__nf_queue *q);

/* Reclaim the TX ids the backend answered, counting error statuses in
 * st.tx_errors. 0, or -EPROTO (q->breach says why). */
int rtdd__nf_tx_complete(struct rtdd__nf_queue *q);

/* Queue up to n frames (copied into the TX pages; max_frame bytes each).
 * Returns how many were queued (0: ring or ids full), or -EINVAL when the
 * first frame is 0 or longer than max_frame bytes or needs more than
 * RTDD__NF_TX_FRAME_SLOTS slots. Requests stay in req_prod_pvt. */
int rtdd__nf_tx_put(struct rtdd__nf_queue *q,
		    const struct rtdd_nf_frame *frames, unsigned n,
		    unsigned max_frame);

/* Queue up to n one-page frames that fill writes in place into free TX
 * pages (rtdd_netfront_send_fill). Returns how many (0: ring or ids full,
 * or fill returned 0 first), or -EINVAL when fill's first length is over
 * a page. Requests stay in req_prod_pvt. */
int rtdd__nf_tx_fill(struct rtdd__nf_queue *q, unsigned n,
		     unsigned (*fill)(void *arg, unsigned i, uint8_t *page),
		     void *arg);

/* Take up to n complete frames from the RX responses into frames[i].data
 * (cap bytes each; len filled in), re-posting their pages (req_prod_pvt;
 * not pushed). Returns how many, or -EPROTO (q->breach says why; frames
 * taken in this call before the breach are lost with the device). */
int rtdd__nf_rx_take(struct rtdd__nf_queue *q, struct rtdd_nf_frame *frames,
		     unsigned n);

#endif /* RTDD_NETFRONT_RING_H */

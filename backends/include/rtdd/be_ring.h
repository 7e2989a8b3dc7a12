/* SPDX-License-Identifier: MIT */
/*
 * rtdd/be_ring.h - mapping a frontend's shared rings (backends/common).
 *
 * Transport keys as xen/io/blkif.h documents them (netif uses the same
 * layout for its queues):
 *   <fe>/multi-queue-num-queues     absent = 1; 1..max (backend's
 *                                   multi-queue-max-queues)
 *   <fe>/ring-page-order            absent = 0; <= max-ring-page-order
 *   <fe>[/queue-N]/ring-ref         one page (order 0)
 *   <fe>[/queue-N]/ring-refI        I = 0 .. 2^order - 1 (order > 0)
 *   <fe>[/queue-N]/event-channel
 * queue-N/ is used only when the frontend asked for two or more queues.
 *
 * Every value comes from the peer: each is range-checked and a bad one is
 * -EINVAL (the caller reports it as fatal). All calls: control thread only.
 */
#ifndef RTDD_BE_RING_H
#define RTDD_BE_RING_H

#include <stdbool.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_RING_MAX_ORDER 4 /* 16 pages: what Linux blkback allows */
#define RTDD_RING_MAX_QUEUES 16

/* Number of queues the frontend asked for: 0 and *n_out in 1..max, or
 * -EINVAL (0, over max, or not a number). */
int rtdd_be_read_num_queues(rtdd_hv *hv, const char *fe_path, unsigned max,
			    unsigned *n_out);
/* Ring page order: 0 and *order_out <= max_order, or -EINVAL. */
int rtdd_be_read_ring_order(rtdd_hv *hv, const char *fe_path,
			    unsigned max_order, unsigned *order_out);
/* Directory of queue q: fe_path itself when nqueues == 1, else
 * fe_path/queue-q. Writes into buf (len bytes). */
void rtdd_be_queue_dir(const char *fe_path, unsigned nqueues, unsigned q,
		       char *buf, size_t len);
/* Read the 2^order grant refs (key "ring-ref" for order 0 else
 * "ring-ref0".."ring-refN") and the event channel of one queue dir.
 * key is the ring-ref key name ("ring-ref", "tx-ring-ref"). */
int rtdd_be_read_ring_refs(rtdd_hv *hv, const char *dir, const char *key,
			   unsigned order, rtdd_gref *refs,
			   rtdd_port *port_out);

/* A mapped ring: pages of the peer, mapped read-write. */
struct rtdd_be_ring_map {
	void *addr;
	unsigned npages;
};
/* Map npages refs of domid contiguously. -EPERM/-ENOENT/-EINVAL from the
 * grant layer (bad or foreign refs) are the peer's fault. */
int rtdd_be_ring_map(rtdd_hv *hv, rtdd_domid domid, const rtdd_gref *refs,
		     unsigned npages, struct rtdd_be_ring_map *map);
/* Idempotent. */
void rtdd_be_ring_unmap(rtdd_hv *hv, struct rtdd_be_ring_map *map);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BE_RING_H */

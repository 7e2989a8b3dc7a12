/* SPDX-License-Identifier: MIT */
/*
 * frontends/blk/blkfront_ring.h - librtdd-blkfront's ring side, internal:
 * the queue and slot structures and the two functions that touch the
 * shared ring under the queue lock. rtdd__bf_put puts a built request on
 * the ring; rtdd__bf_take checks and consumes what the backend answered.
 * Separate from blkfront.c's handshake so the fuzz target
 * (tests/fuzz/fuzz_blkfront_rsp.c) drives exactly the code the library
 * runs against a hostile backend. Not installed.
 */
#ifndef RTDD_BLKFRONT_RING_H
#define RTDD_BLKFRONT_RING_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>

#include "rtdd/blkfront.h"
#include "rtdd/fe_xenbus.h"

struct fe_slot {
	bool busy;
	uint8_t op;  /* BLKIF_OP_READ/WRITE/FLUSH_DISKCACHE/DISCARD */
	int8_t zbuf; /* registered buffer the segments point into, or -1 */
	uint32_t off0, len;
	void *ubuf;
	uint64_t cookie;
	uint64_t sector;
	uint16_t next_free;
	blkif_request_t req; /* as put on the ring: kept for reconnect */
};

struct fe_queue {
	pthread_mutex_t lock;
	struct rtdd_fe_ring ring;
	blkif_front_ring_t fr;
	RING_IDX req_pushed; /* last req_prod we published */
	uint64_t zero_copy;  /* requests that used a registered buffer */
	struct fe_slot *slots;
	unsigned nslots, nfree, inflight;
	uint16_t free_head;
	size_t slot_bytes; /* data bytes per slot: max_segs pages */
	uint8_t *data;	   /* nslots * slot_bytes, persistent grants */
	rtdd_gref *data_refs;
	uint8_t *ind; /* nslots * ind_pages pages */
	rtdd_gref *ind_refs;
} __attribute__((aligned(64))); /* own cache lines per queue */

/*
 * Put the request built in the slot at the free-list head on the ring:
 * the bytes of it the backend reads, at the private producer (the caller
 * publishes req_prod). The caller checked that a slot is free and the
 * ring is not full. Returns the slot's id.
 */
uint16_t rtdd__bf_put(struct fe_queue *q);

/*
 * Consume up to max responses into cpls. Before anything is used:
 * rsp_prod may not claim more responses than requests in flight (nor move
 * backwards), every id must name a slot in flight (no unknown ids, no
 * second completion) and the operation must be the request's. A read's
 * data is copied to the caller's buffer only on BLKIF_RSP_OKAY and only
 * for slots that use the library's own pages. Statuses other than OKAY
 * and EOPNOTSUPP complete with -EIO.
 * Returns the count (0..max), or -EPROTO with *why set: the backend broke
 * the protocol, the caller fails the device. Responses taken before the
 * breach are consumed (their slots freed) but not reported.
 */
int rtdd__bf_take(struct fe_queue *q, struct rtdd_blk_cpl *cpls, unsigned max,
		  const char **why);

#endif

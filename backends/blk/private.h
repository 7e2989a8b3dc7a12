/* SPDX-License-Identifier: MIT */
/*
 * backends/blk/private.h - shared by blkback's control plane (xenbus.c),
 * data plane (ring.c) and glue (blkback.c). Not installed.
 */
#ifndef RTDD_BLKBACK_PRIVATE_H
#define RTDD_BLKBACK_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <liburing.h>

#include "rtdd/be_ring.h"
#include "rtdd/be_svc.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/blkback.h"
#include "rtdd/blkif_req.h"

/* Counter bump by the single writer (the service thread); readers on the
 * control thread see a recent value. No read-modify-write needed. */
#define STAT_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
#define STAT_GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* A persistently mapped grant (feature-persistent). */
struct blk_pgrant {
	void *addr; /* NULL: empty slot */
	grant_ref_t ref;
	bool batched; /* part of the queue's premap batch: unmapped with it */
};

/* One request in flight; preallocated per ring slot. */
struct blk_slot {
	struct rtdd_blk_vreq req;
	uint8_t *bounce; /* max_segs pages, for segments not mapped */
	uint16_t nio;	 /* io_uring operations outstanding */
	int16_t status;
	uint16_t next_free;
	bool isb[RTDD_BLK_MAX_INDIRECT_SEGS]; /* segment i uses bounce */
	struct iovec iov[RTDD_BLK_MAX_INDIRECT_SEGS];
};

#define RTDD_BLK_CACHELINE 64

struct blk_queue {
	struct rtdd_svc_item item;
	struct blk_vbd *vbd;
	unsigned idx;
	char name[80];
	rtdd_hv *hv;
	rtdd_domid domid;

	blkif_back_ring_t ring;
	RING_IDX rsp_pushed; /* last rsp_prod we published */
	struct rtdd_be_ring_map map;
	rtdd_evtchn *ev;
	rtdd_port lport;
	bool bound;

	struct io_uring uring;
	bool uring_ok;
	int cq_efd;

	struct blk_slot *slots;
	unsigned nslots, nfree, qd, inflight;
	uint16_t free_head;
	unsigned max_segs; /* per request: 11 or the indirect maximum */

	bool persistent;
	struct blk_pgrant *pg; /* open addressing, pg_cap power of two */
	unsigned pg_cap, pg_used, pg_max;
	void *pbatch;	   /* the premap batch (rtdd__blk_queue_premap) */
	unsigned pbatch_n; /* its pages */

	struct rtdd_gnt_copy_seg *cseg; /* scratch: max_segs entries */
	uint8_t *ind_buf;		/* scratch: indirect pages */
	bool have_copy;

	/* protocol breach: set by the service thread, reported by control */
	int broken; /* atomic: 0, or -errno */
	bool reported;
	char broken_msg[160];

	struct rtdd_blkback_stats st;
} __attribute__((aligned(RTDD_BLK_CACHELINE)));

struct blk_vbd {
	struct rtdd_blkback *bb;
	rtdd_xb_be *xb;
	char *path;
	char name[64];
	int fd;
	bool direct, readonly, is_bdev;
	bool sync_io; /* memory-backed store: I/O inline, not io_uring */
	unsigned phys_sector;
	struct rtdd_blk_limits lim; /* published to the frontend */
	bool offer_discard;

	unsigned nqueues;
	struct blk_queue *queues;
	struct rtdd_svc *svc;
	struct rtdd_blkback_stats past; /* of disconnected rings */
	struct blk_vbd *next;
};

struct rtdd_blkback {
	rtdd_hv *hv;
	struct rtdd_blkback_cfg cfg;
	rtdd_xb_be_mgr *mgr;
	struct rtdd_svc **svc;
	unsigned nsvc, next_svc;
	int fault_fd;
	struct blk_vbd *vbds;
	unsigned nvbds;
	struct rtdd_blkback_stats past_removed; /* of removed vbds */
};

/* xenbus.c */
extern const struct rtdd_xb_be_ops rtdd__blk_xb_ops;
void rtdd__blk_vbd_free(struct blk_vbd *v);

/* ring.c: per-queue data path */
extern const struct rtdd_svc_item_ops rtdd__blk_item_ops;
int rtdd__blk_queue_setup(struct blk_queue *q);	    /* slots, uring, tables */
void rtdd__blk_queue_teardown(struct blk_queue *q); /* idempotent */
/* Control thread, after setup: map a persistent frontend's pages now, in
 * one map call (page by page when a ref in the list does not map); refs
 * already mapped and repeats once; at most pg_max pages. Returns how many
 * of the list's refs are mapped afterwards. */
unsigned rtdd__blk_queue_premap(struct blk_queue *q, const rtdd_gref *refs,
				unsigned n);
void rtdd__blk_stats_add(struct rtdd_blkback_stats *to,
			 const struct rtdd_blkback_stats *from);

#endif

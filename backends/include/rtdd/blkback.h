/* SPDX-License-Identifier: MIT */
/*
 * rtdd/blkback.h - the rtdd block backend as a library (backends/blk);
 * rtdd-blkback is a thin main() around it.
 *
 * A blkback serves every vbd under backend/vbd of its domain (or the ones
 * named) on one or more service threads. Storage is a raw image or block
 * device ("params"), opened O_DIRECT and driven through io_uring with a
 * bounded queue depth per ring. The whole blkif protocol is served: READ,
 * WRITE, FLUSH_DISKCACHE, DISCARD, INDIRECT, persistent grants, multi-page
 * rings, multi-queue; WRITE_BARRIER is refused with BLKIF_RSP_EOPNOTSUPP.
 * Keys: docs/blk.md.
 *
 * Backend keys the toolstack may add (private to the backend, read at
 * connect): rtdd-mode (event|poll|hybrid), rtdd-class (rt|be),
 * rtdd-budget (requests per round), rtdd-queue-depth.
 *
 * Threads: create/destroy/run_once/stats from one control thread.
 */
#ifndef RTDD_BLKBACK_H
#define RTDD_BLKBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "rtdd/be_svc.h"
#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_blkback rtdd_blkback;

struct rtdd_blkback_cfg {
	enum rtdd_svc_mode mode;    /* default per ring */
	enum rtdd_svc_class cls;    /* default per ring */
	unsigned budget;	    /* default 32 */
	unsigned queue_depth;	    /* per ring, default 32 (<= ring size) */
	unsigned max_queues;	    /* multi-queue-max-queues, default 4 */
	unsigned max_ring_order;    /* max-ring-page-order, default 2 */
	unsigned max_indirect_segs; /* default 128, 0 disables indirect */
	bool no_persistent;	    /* do not offer feature-persistent */
	bool buffered;		    /* no O_DIRECT (tests on odd filesystems) */
	unsigned nthreads;	    /* service threads, default 1 */
	struct rtdd_rt_req rt;	    /* for every service thread */
	int first_cpu;		    /* thread i pinned to first_cpu + i; -1 */
	uint64_t spin_ns;	    /* hybrid spin, default 50 us */
	const char *const *only;    /* serve only these device paths */
};

void rtdd_blkback_cfg_default(struct rtdd_blkback_cfg *cfg);

/* Start: watch backend/vbd, service threads up. -errno on failure. */
int rtdd_blkback_create(rtdd_hv *hv, const struct rtdd_blkback_cfg *cfg,
			rtdd_blkback **bb_out);
/* File descriptors the control loop should poll (xenstore watch fd and
 * the data threads' fault eventfd). Returns the count (<= max). */
unsigned rtdd_blkback_fds(rtdd_blkback *bb, int *fds, unsigned max);
/* Handle whatever is pending; never blocks. -EIO: xenstore lost. */
int rtdd_blkback_run_once(rtdd_blkback *bb);
/* Poll the fds up to timeout_ms and run_once. */
int rtdd_blkback_run(rtdd_blkback *bb, int timeout_ms);
unsigned rtdd_blkback_nvbds(const rtdd_blkback *bb);
/* What the service threads were granted, as text. */
void rtdd_blkback_describe_rt(const rtdd_blkback *bb, char *buf, size_t len);

struct rtdd_blkback_stats {
	uint64_t reqs, reads, writes, flushes, discards, indirect;
	uint64_t errors, eopnotsupp, breaches;
	/* persistent grants mapped on first use on the ring's thread (a
	 * hypercall on the RT path), used again, and mapped at connect from
	 * the frontend's rtdd-persistent-refs list (librtdd-blkfront writes
	 * it: then pgrant_maps stays 0) */
	uint64_t pgrant_maps, pgrant_hits, grant_copies;
	uint64_t pgrant_premapped;
};
/* Sum over all vbds and rings. */
void rtdd_blkback_stats(const rtdd_blkback *bb, struct rtdd_blkback_stats *out);
/* Disconnect everything; vbds go Closed when remove is true (otherwise
 * their state is left for a restarted backend to take over). */
void rtdd_blkback_destroy(rtdd_blkback *bb, bool remove);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BLKBACK_H */

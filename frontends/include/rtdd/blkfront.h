/* SPDX-License-Identifier: MIT */
/*
 * rtdd/blkfront.h - librtdd-blkfront: a userspace, polled blkif frontend
 * for real-time applications (frontends/blk).
 *
 * It speaks the standard blkif protocol (xen/io/blkif.h), so it works with
 * rtdd-blkback and with Linux blkback. It negotiates persistent grants,
 * indirect segments, multi-page rings and multi-queue when the backend
 * offers them. Data is copied between the caller's buffer and the
 * frontend's persistently granted pages, so buffers need no alignment;
 * buffers from rtdd_blkfront_buf_alloc() skip that copy (zero copy).
 *
 * Fast path (submit/poll): no allocation, no xenstore, no system call in
 * poll mode except the event-channel notify when the backend asks for one.
 *
 * A backend that restarts (its state leaves Connected) is reconnected from
 * submit/poll/wait: requests in flight are put on the new ring again, so
 * the caller sees them complete, not fail. A driver domain recreated with
 * a new domain id is followed too: "backend" and "backend-id" are read
 * again from the frontend dir, the rings and pages are shared with the
 * new domain, and the requests in flight are rebuilt on the new grants.
 * A backend that reports a fatal error fails the device: calls return
 * -EIO.
 *
 * Threads: each queue may be driven by its own thread; calls on one queue
 * are serialised by the caller (an internal per-queue lock makes misuse
 * safe, not fast). open/close/info from any one thread.
 */
#ifndef RTDD_BLKFRONT_H
#define RTDD_BLKFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_blkfront rtdd_blkfront;

enum rtdd_blkfront_mode {
	RTDD_BLKFRONT_POLL = 0,	  /* no notifications from the backend */
	RTDD_BLKFRONT_EVENT = 1,  /* wait() sleeps on the event channel */
	RTDD_BLKFRONT_HYBRID = 2, /* wait() spins spin_ns, then sleeps */
};

struct rtdd_blkfront_opts {
	enum rtdd_blkfront_mode mode;
	unsigned queues;     /* wanted (capped by the backend), default 1 */
	unsigned ring_order; /* wanted (capped by the backend), default 0 */
	unsigned max_segs;   /* segments per request (11 direct; more with
			      * indirect), default 32 */
	bool no_persistent;  /* do not advertise feature-persistent */
	bool no_indirect;    /* never use BLKIF_OP_INDIRECT */
	int timeout_ms;	     /* handshake steps, default 5000 */
	uint64_t spin_ns;    /* hybrid, default 50000 */
	/* A backend whose node vanished (its driver domain destroyed) may
	 * take this long to come back, possibly from another domain, before
	 * the device fails; requests stay in flight meanwhile. Default
	 * 30000. */
	int reconnect_ms;
	/* Optional: receives state transitions and reconnect notes. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

void rtdd_blkfront_opts_default(struct rtdd_blkfront_opts *o);

/*
 * Connect to the vbd whose frontend dir is path ("device/vbd/768" or
 * absolute). Blocks for the handshake (bounded by opts->timeout_ms per
 * step). Returns 0, -ENOENT (no such device), -ETIMEDOUT (backend did not
 * answer), -EIO (the backend failed the device: its error is in the log
 * callback), -ENOMEM, or a hypervisor error.
 */
int rtdd_blkfront_open(rtdd_hv *hv, const char *path,
		       const struct rtdd_blkfront_opts *opts,
		       rtdd_blkfront **bf_out);
/* Close: Closing/Closed handshake, release rings. NULL ignored. */
void rtdd_blkfront_close(rtdd_blkfront *bf);

struct rtdd_blkfront_info {
	uint64_t sectors;     /* 512-byte sectors */
	unsigned sector_size; /* always 512 (no large-sector frontend) */
	unsigned physical_sector_size;
	unsigned discard_granularity, discard_alignment;
	bool readonly, flush, discard, persistent, indirect;
	unsigned queues, ring_order, ring_size;
	unsigned max_segs;    /* segments per request in use */
	size_t max_req_bytes; /* largest read/write submit accepts */
	uint64_t reconnects;
	uint64_t zero_copy; /* reads/writes that used a registered buffer */
};
void rtdd_blkfront_info(const rtdd_blkfront *bf,
			struct rtdd_blkfront_info *out);

enum rtdd_blk_op {
	RTDD_BLK_READ = 0,
	RTDD_BLK_WRITE = 1,
	RTDD_BLK_FLUSH = 2,
	RTDD_BLK_DISCARD = 3,
};

struct rtdd_blk_req {
	enum rtdd_blk_op op;
	uint64_t sector;     /* 512-byte units */
	void *buf;	     /* read/write: len bytes, any alignment */
	uint32_t len;	     /* multiple of 512, <= max_req_bytes */
	uint64_t nr_sectors; /* discard */
	uint64_t cookie;     /* returned in the completion */
};

struct rtdd_blk_cpl {
	uint64_t cookie;
	int status; /* 0, -EIO (BLKIF_RSP_ERROR), -EOPNOTSUPP */
};

/* Put up to n requests on queue q. Returns how many were queued (0 when
 * the ring is full), or -EINVAL (reqs[0] malformed), -EROFS (write to a
 * read-only vbd), -EIO (device failed). */
int rtdd_blkfront_submit(rtdd_blkfront *bf, unsigned q,
			 const struct rtdd_blk_req *reqs, unsigned n);
/* Collect up to max completions of queue q; never blocks. Count or -EIO. */
int rtdd_blkfront_poll(rtdd_blkfront *bf, unsigned q, struct rtdd_blk_cpl *cpls,
		       unsigned max);
/* Wait for a completion on q (mode decides: spin, spin-then-sleep, sleep)
 * up to timeout_ms. 0 when something is ready, -ETIMEDOUT, -EIO. */
int rtdd_blkfront_wait(rtdd_blkfront *bf, unsigned q, int timeout_ms);
/* Requests of queue q not yet completed. */
unsigned rtdd_blkfront_inflight(rtdd_blkfront *bf, unsigned q);

/*
 * Zero-copy buffers, like io_uring's registered buffers: memory granted to
 * the backend once (a persistent backend maps it once). A read or write
 * whose buf lies inside such a buffer, starts on a 512-byte boundary and
 * spans at most max_segs pages is not copied: the backend reads into (or
 * writes from) the caller's pages directly. Any other buffer goes through
 * the library's own granted pages with a copy, as before.
 *
 * The backend may write these pages for as long as they are registered:
 * keep only I/O data in them. Free a buffer only when no request using it
 * is in flight (-EBUSY otherwise); the caller must not touch it after.
 * The grant and the memory are released once the backend no longer maps
 * them (looked at on every alloc/free, and at close; a persistent backend
 * maps them until its ring disconnects), never reused before. Up to 64
 * buffers of at most RTDD_BLKFRONT_BUF_MAX bytes each; the memory is
 * page-aligned and zeroed. Any thread (takes every queue lock).
 * Returns 0, -EINVAL, -ENOSPC (64 in use), -ENOMEM or a grant error.
 */
#define RTDD_BLKFRONT_BUF_MAX (64u << 20)
int rtdd_blkfront_buf_alloc(rtdd_blkfront *bf, size_t len, void **buf_out);
int rtdd_blkfront_buf_free(rtdd_blkfront *bf, void *buf);

/* Synchronous helpers on queue 0 (large transfers are split). 0 or
 * -errno as the completions report, -EINVAL on bad arguments. */
int rtdd_blkfront_read(rtdd_blkfront *bf, uint64_t sector, void *buf,
		       size_t len);
int rtdd_blkfront_write(rtdd_blkfront *bf, uint64_t sector, const void *buf,
			size_t len);
int rtdd_blkfront_flush(rtdd_blkfront *bf);
int rtdd_blkfront_discard(rtdd_blkfront *bf, uint64_t sector,
			  uint64_t nr_sectors);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BLKFRONT_H */

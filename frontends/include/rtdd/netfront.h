/* SPDX-License-Identifier: MIT */
/*
 * rtdd/netfront.h - librtdd-netfront, a userspace polled netif frontend
 * for RT applications (frontends/net, docs/net.md). It talks to rtdd-netback
 * or Linux netback alike (xen/io/netif.h).
 *
 *     rtdd_netfront *nf;
 *     rtdd_netfront_open(hv, "device/vif/0", NULL, &nf);
 *     rtdd_netfront_send(nf, 0, frames, n);   // copies, returns how many
 *     rtdd_netfront_send_fill(nf, 0, n, fill, arg); // written in place
 *     rtdd_netfront_recv(nf, 0, bufs, n);     // copies out, returns how many
 *
 * Buffers: each queue shares 256 TX pages (read-only to the backend) and
 * 256 RX pages (writable) once, at open: one page per ring slot, so
 * nothing is granted or allocated on the fast path. A frame is copied into
 * the TX pages on send and out of the RX pages on receive.
 *
 * Requested of the backend: feature-rx-copy (request-rx-copy = 1), split
 * event channels when offered, multi-queue when offered, feature-sg unless
 * opts.no_sg (frames longer than a page need it). We announce
 * feature-rx-notify = 1 and feature-no-csum-offload = 1: every frame we
 * send carries its checksums, and we want the same.
 *
 * A backend that leaves Connected (restarted, or a new session) is
 * followed: send/recv notice it (the state is read from xenstore after
 * 10 ms without progress, never while frames move) and redo the handshake; frames in flight at that moment are lost,
 * as on a link flap. A backend that reports an error and closes makes the
 * device fail: every call returns -EIO. So does a backend that breaks the
 * ring protocol (more responses than requests, a TX id not in flight, an
 * RX frame over 24 slots; the reason goes to the log callback); bad
 * single responses only drop their frame (rx_errors).
 *
 * Threads: calls on different queues may run concurrently; calls on one
 * queue are serialised by the caller (or by the internal per-queue lock,
 * at a cost of an uncontended mutex).
 */
#ifndef RTDD_NETFRONT_H
#define RTDD_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_netfront rtdd_netfront;

struct rtdd_netfront_opts {
	unsigned queues; /* wanted; the backend's maximum caps it; 0: 1 */
	bool no_sg;	 /* do not announce feature-sg */
	bool no_split;	 /* one event channel per queue */
	int timeout_ms;	 /* handshake waits; 0: 5000 */
	/* A backend whose node vanished (its driver domain destroyed) may
	 * take this long to come back, possibly from another domain (the
	 * session follows it there), before the device fails; 0: 30000. */
	int reconnect_ms;
	/* state transitions, "vif/0 frontend Initialising -> ..." */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* One frame: data and len on send; on recv data/cap are the caller's
 * buffer and len is filled in. */
struct rtdd_nf_frame {
	void *data;
	uint16_t len;
	uint16_t cap;
};

struct rtdd_netfront_stats {
	uint64_t tx_pkts, tx_bytes;
	uint64_t tx_errors; /* answered NETIF_RSP_ERROR by the backend */
	uint64_t rx_pkts, rx_bytes;
	uint64_t rx_errors; /* responses with an error status */
	uint64_t rx_toobig; /* frames longer than the caller's cap */
	uint64_t reconnects;
};

/*
 * Open the vif at path (absolute, or relative to our domain's home) and
 * connect. Returns 0, -ENOENT (no such device), -ETIMEDOUT (the backend
 * did not answer), -EIO (the backend refused; its reason was logged),
 * -EPROTO (the backend lacks rx-copy), -ENOMEM, or an hv error.
 */
int rtdd_netfront_open(rtdd_hv *hv, const char *path,
		       const struct rtdd_netfront_opts *opts,
		       rtdd_netfront **nf_out);
/* Closes the device (Closing, Closed) and frees everything. NULL ok. */
void rtdd_netfront_close(rtdd_netfront *nf);

unsigned rtdd_netfront_queues(const rtdd_netfront *nf);
/* The MAC the toolstack gave the vif ("mac" in our device dir), or a
 * locally administered one derived from domid and devid. */
void rtdd_netfront_mac(const rtdd_netfront *nf, uint8_t mac[6]);
/* Longest frame send takes: a page, or 65535 with feature-sg. */
unsigned rtdd_netfront_max_frame(const rtdd_netfront *nf);

/* Queue up to n frames on queue q (copied: the caller's buffers are free
 * on return). Returns how many were queued (0 when the ring or the TX
 * pages are full: call again), -EINVAL (bad queue, or a frame of 0 or
 * more than max_frame bytes: nothing of that frame was queued), -EIO. */
int rtdd_netfront_send(rtdd_netfront *nf, unsigned q,
		       const struct rtdd_nf_frame *frames, unsigned n);
/*
 * Zero-copy send of frames up to a page: fill(arg, i, page) writes frame i
 * straight into one of queue q's TX pages (4096 bytes, granted read-only
 * to the backend; what it held before is undefined) and returns its
 * length, or 0 to stop there. No copy is made; the page is the backend's
 * to read until the frame is answered. Up to n frames; returns how many
 * were queued (0 when the ring or the TX pages are full: call again),
 * -EINVAL (fill returned more than a page: that frame was not queued),
 * -EIO. fill runs under the queue's lock: it must not call netfront.
 */
int rtdd_netfront_send_fill(rtdd_netfront *nf, unsigned q, unsigned n,
			    unsigned (*fill)(void *arg, unsigned i,
					     uint8_t *page),
			    void *arg);
/* Up to n received frames of queue q copied into frames[i].data (cap
 * bytes; longer frames are dropped and counted). Returns how many, or
 * -EINVAL / -EIO. Never blocks. */
int rtdd_netfront_recv(rtdd_netfront *nf, unsigned q,
		       struct rtdd_nf_frame *frames, unsigned n);
/* Block until queue q has received frames or timeout_ms passes (event
 * channel; for callers that do not spin). 1 ready, 0 timeout, -errno. */
int rtdd_netfront_wait(rtdd_netfront *nf, unsigned q, int timeout_ms);

void rtdd_netfront_stats(const rtdd_netfront *nf,
			 struct rtdd_netfront_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NETFRONT_H */

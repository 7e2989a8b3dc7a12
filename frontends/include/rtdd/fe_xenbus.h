/* SPDX-License-Identifier: MIT */
/*
 * rtdd/fe_xenbus.h - the xenbus side of a frontend (frontends/common):
 * follow the backend through the handshake of xen/io/xenbus.h, share ring
 * pages and allocate event channels.
 *
 * Frontend states, driven by the backend state (be):
 *
 *   Initialising --(be InitWait: read features, share rings, publish)-->
 *   Initialised  --(be Connected: read properties)--> Connected
 *   Connected    --(be leaves Connected: backend restarted or failed)-->
 *   reset: Closing -> Closed (when be was Connected/Closing/Closed),
 *          Initialising, wait be InitWait, publish again.
 *
 * The waits poll the backend's state node (1 ms steps, bounded by a
 * timeout): this is the slow path only, and it keeps several frontends of
 * one process independent of each other's watch events.
 * Library code: nothing is printed; an optional log callback receives each
 * state transition as "vbd/768 frontend Initialising -> Initialised".
 * Threads: one control thread per rtdd_xb_fe.
 */
#ifndef RTDD_FE_XENBUS_H
#define RTDD_FE_XENBUS_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/io/xenbus.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_xb_fe rtdd_xb_fe;

typedef void (*rtdd_xb_fe_log_fn)(void *arg, const char *line);

/* path: the frontend device dir, absolute or relative to our home
 * ("device/vbd/768"). Reads "backend" and "backend-id".
 * Returns 0, -ENOENT (no such device or keys), -EINVAL, -ENOMEM. */
int rtdd_xb_fe_open(rtdd_hv *hv, const char *path, const char *kind,
		    rtdd_xb_fe_log_fn log, void *log_arg, rtdd_xb_fe **fe_out);
void rtdd_xb_fe_close(rtdd_xb_fe *fe);

/*
 * Read "backend" and "backend-id" again: a driver domain recreated by the
 * toolstack serves the device from a new path and domain id. *moved tells
 * whether they changed; the caller then shares its rings and grants with
 * the new domain (grants name the domain they are for). 0, -ENOENT (keys
 * absent: the toolstack has not written them yet), -EINVAL (malformed),
 * or a xenstore error; the old values stay on error.
 */
int rtdd_xb_fe_refresh(rtdd_xb_fe *fe, bool *moved);
/*
 * The backend is gone (a reconnect found no node): the first call notes
 * the time in *gone_ns and logs the wait; later calls return true once
 * reconnect_ms have passed since, when the caller fails the device. The
 * caller clears *gone_ns when a reconnect succeeds.
 */
bool rtdd_xb_fe_gone_expired(rtdd_xb_fe *fe, uint64_t *gone_ns, uint64_t now,
			     int reconnect_ms);

rtdd_hv *rtdd_xb_fe_hv(const rtdd_xb_fe *fe);
const char *rtdd_xb_fe_path(const rtdd_xb_fe *fe);    /* absolute */
const char *rtdd_xb_fe_be_path(const rtdd_xb_fe *fe); /* absolute */
rtdd_domid rtdd_xb_fe_be_domid(const rtdd_xb_fe *fe);
enum xenbus_state rtdd_xb_fe_state(const rtdd_xb_fe *fe);

/* Write our state (no-op if unchanged). */
int rtdd_xb_fe_switch_state(rtdd_xb_fe *fe, enum xenbus_state s);
/* The backend's state now (Unknown when absent or malformed). */
enum xenbus_state rtdd_xb_fe_be_state(rtdd_xb_fe *fe);
/* Wait until the backend state is one in mask (bit 1 << state); 0 and
 * *state_out, or -ETIMEDOUT. */
int rtdd_xb_fe_wait_be(rtdd_xb_fe *fe, unsigned mask, int timeout_ms,
		       enum xenbus_state *state_out);
/* Bring both ends to (fe Initialising, be InitWait) from wherever they
 * are, through Closing/Closed when the backend holds an old session.
 * 0, -ETIMEDOUT, or a xenstore error. */
int rtdd_xb_fe_reset(rtdd_xb_fe *fe, int timeout_ms);

/* Backend keys: unsigned value or def when absent; -EINVAL if malformed. */
int rtdd_xb_fe_be_u64(rtdd_xb_fe *fe, const char *key, uint64_t def,
		      uint64_t *out);
/* Read the backend's "error" node into buf (empty when none). */
void rtdd_xb_fe_be_error(rtdd_xb_fe *fe, char *buf, size_t len);
/* Write a key under our dir (printf). */
int rtdd_xb_fe_printf(rtdd_xb_fe *fe, rtdd_xs_txn t, const char *key,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A shared ring: 2^order pages granted to the backend + an event channel
 * (one handle per ring so the ring can be waited on by itself). */
struct rtdd_fe_ring {
	void *addr;
	unsigned order;
	rtdd_gref refs[16];
	rtdd_evtchn *ev;
	rtdd_port port; /* our end, unbound until the backend binds */
	bool bound;
	/* The pages before the last move, kept (granted to a dead domain)
	 * until the next move or free: a lock-free poller that loaded the
	 * old address before the move reads memory that is still ours. */
	void *old_addr;
};
/* Share the pages (zeroed) and allocate the event channel. */
int rtdd_fe_ring_alloc(rtdd_hv *hv, rtdd_domid be, unsigned order,
		       struct rtdd_fe_ring *r);
/* A fresh event channel for a new session (old one unbound). */
int rtdd_fe_ring_new_port(rtdd_domid be, struct rtdd_fe_ring *r);
/* The backend moved to domain be (its driver domain was recreated):
 * fresh zeroed pages granted to be, replacing addr and refs, and a fresh
 * event channel to be on the same handle (its fd stays valid for
 * pollers). On error addr and refs are unchanged. */
int rtdd_fe_ring_move(rtdd_hv *hv, rtdd_domid be, struct rtdd_fe_ring *r);
/*
 * A hint for the backend: dir/key = the grant refs a[0..na) then b[0..nb)
 * as a number list (rtdd/numlist.h), for it to map those pages at connect
 * (rtdd-tx-buf-refs, rtdd-persistent-refs). Written outside any
 * transaction, before the state change that makes the backend read it,
 * and only when it fits in RTDD_FE_HINT_MAX bytes: xenstored refuses
 * longer values from a guest (its entry-size quota, 2048 bytes by
 * default), and a hint must never fail a connect, so a write error is
 * ignored too (the backend then maps on first use). true: written.
 */
#define RTDD_FE_HINT_MAX 1900
bool rtdd_fe_write_refs_hint(rtdd_hv *hv, const char *dir, const char *key,
			     const rtdd_gref *a, unsigned na,
			     const rtdd_gref *b, unsigned nb);
/* Write ring-ref (order 0) or ring-ref0..N, and event-channel, under dir
 * (absolute). key: "ring-ref". */
int rtdd_fe_ring_publish(rtdd_hv *hv, rtdd_xs_txn t, const char *dir,
			 const char *key, const struct rtdd_fe_ring *r);
/* Unbind, unshare (-EBUSY while the backend still maps: pages are then
 * leaked rather than reused), idempotent. */
int rtdd_fe_ring_free(rtdd_hv *hv, struct rtdd_fe_ring *r);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_FE_XENBUS_H */

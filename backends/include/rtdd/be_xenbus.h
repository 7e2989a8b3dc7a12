/* SPDX-License-Identifier: MIT */
/*
 * rtdd/be_xenbus.h - the xenbus side of a backend driver (backends/common).
 *
 * One rtdd_xb_be is one backend device instance, /local/domain/<us>/backend/
 * <kind>/<frontend domid>/<devid>. The framework runs the xenbus state machine
 * of xen/io/xenbus.h and xen/io/blkif.h; the device class (blk, net) supplies
 * three callbacks:
 *
 *   probe       Initialising: open the device, publish features and
 *               transport parameters. Then the framework enters InitWait.
 *   connect     the frontend published its transport parameters: map rings,
 *               bind event channels, publish device properties. 0 -> the
 *               framework enters Connected; -errno -> fatal (Closing).
 *   disconnect  stop and release everything connect set up. MUST be
 *               idempotent: the framework calls it before every connect and
 *               on every way out.
 *
 * Backend state as a function of the frontend state (merged watch events
 * and skipped states are tolerated: each event re-reads the frontend state
 * and does the work of every transition it implies):
 *
 *                 probe ok
 *   Initialising ----------> InitWait <-------------------------------+
 *        |                      |                                      |
 *        | probe fails          | fe Initialised or Connected          | fe Initialising
 *        v                      | (not a stale session) -> disconnect, | (after Closed:
 *     Closing <-- connect fails-+ connect                              |  "reconnect")
 *        ^  ^                   v                                      |
 *        |  |  fatal error   Connected                                 |
 *        |  +-------------------+                                      |
 *        |   fe Closing         | fe Closing: disconnect               |
 *        +----------------------+                                      |
 *        | fe Closed / gone: disconnect                                |
 *        v                                                             |
 *      Closed ---------------------------------------------------------+
 *
 * A fatal error (rtdd_xb_be_fatal) writes "<errno> <message>" to the
 * device's "error" node and to error/<path>/error (as xenbus_dev_fatal
 * does), disconnects and enters Closing; the device does not go on to
 * Connected until the frontend has been through Closed and Initialising.
 *
 * Stale sessions: a backend that (re)starts and finds its frontend already
 * Connected (the previous backend process died) does not map that ring: it
 * waits in InitWait until the frontend resets (rtdd frontends do, on seeing
 * the backend leave Connected). Every transition is logged in one format:
 *
 *     vbd/3/768 backend InitWait -> Connected
 *
 * Threads: a device and its manager are driven from one control thread.
 */
#ifndef RTDD_BE_XENBUS_H
#define RTDD_BE_XENBUS_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/io/xenbus.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtdd_xb_be rtdd_xb_be;
typedef struct rtdd_xb_be_mgr rtdd_xb_be_mgr;

struct rtdd_xb_be_ops {
	int (*probe)(rtdd_xb_be *xb);
	int (*connect)(rtdd_xb_be *xb);
	void (*disconnect)(rtdd_xb_be *xb);
};

/* "Initialising", "InitWait", ...; "Unknown" for values out of range. */
const char *rtdd_xenbus_state_name(int state);

/*
 * Create the device for backend path (absolute). kind ("vbd", "vif") is only
 * used in log names. Reads "frontend" and "frontend-id".
 * Returns 0, -ENOENT (no such backend node / frontend keys), -EINVAL
 * (frontend-id malformed), -ENOMEM, or a xenstore error.
 */
int rtdd_xb_be_create(rtdd_hv *hv, const char *path, const char *kind,
		      const struct rtdd_xb_be_ops *ops, void *priv,
		      rtdd_xb_be **xb_out);
/* Register the frontend-state watch (token rtdd_xb_be_token()), probe and
 * enter InitWait. A probe failure is reported as fatal and returned. */
int rtdd_xb_be_start(rtdd_xb_be *xb);
/* A watch with this device's token fired: re-read the frontend state and
 * drive the state machine. Returns 1 when the device should be destroyed
 * (frontend gone, or Closed with online == 0), else 0. */
int rtdd_xb_be_on_watch(rtdd_xb_be *xb);
/* Disconnect, leave the state Closed (when remove is true) and free. */
void rtdd_xb_be_destroy(rtdd_xb_be *xb, bool remove);

/* Write our state and log the transition; no-op if unchanged. */
int rtdd_xb_be_switch_state(rtdd_xb_be *xb, enum xenbus_state state);
/* Report a fatal error to the peer through xenstore, disconnect, Closing.
 * err is a positive or negative errno (the sign is ignored). */
void rtdd_xb_be_fatal(rtdd_xb_be *xb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

rtdd_hv *rtdd_xb_be_hv(const rtdd_xb_be *xb);
const char *rtdd_xb_be_path(const rtdd_xb_be *xb);    /* backend dir */
const char *rtdd_xb_be_fe_path(const rtdd_xb_be *xb); /* frontend dir */
rtdd_domid rtdd_xb_be_fe_domid(const rtdd_xb_be *xb);
const char *rtdd_xb_be_name(const rtdd_xb_be *xb); /* "vbd/3/768" */
const char *rtdd_xb_be_token(const rtdd_xb_be *xb);
void *rtdd_xb_be_priv(const rtdd_xb_be *xb);
enum xenbus_state rtdd_xb_be_state(const rtdd_xb_be *xb);
enum xenbus_state rtdd_xb_be_fe_state(const rtdd_xb_be *xb);

/*
 * The manager watches backend/<kind> under our home and creates a device
 * for each backend/<kind>/<fe>/<devid> that appears (add callback decides
 * and supplies ops/priv), destroys devices whose node disappears or whose
 * frontend is gone. only_paths (NULL-terminated, may be NULL) restricts it
 * to those device paths (absolute or home-relative).
 */
struct rtdd_xb_be_mgr_ops {
	/* Make the device-class state for xb's path: 0 and *priv_out, or
	 * -errno to skip this device (logged by the caller's add). */
	int (*add)(void *arg, const char *path, void **priv_out);
	/* Called after the device was destroyed. */
	void (*del)(void *arg, void *priv);
	const struct rtdd_xb_be_ops *dev_ops;
};

int rtdd_xb_be_mgr_create(rtdd_hv *hv, const char *kind,
			  const struct rtdd_xb_be_mgr_ops *ops, void *arg,
			  const char *const *only_paths,
			  rtdd_xb_be_mgr **mgr_out);
/* Readable when xenstore events are queued (the context's watch fd). */
int rtdd_xb_be_mgr_fd(rtdd_xb_be_mgr *mgr);
/* Drain queued watch events and act on them; never blocks. Returns the
 * number of events handled or -errno (-EIO: xenstore connection lost). */
int rtdd_xb_be_mgr_handle(rtdd_xb_be_mgr *mgr);
/* Number of live devices. */
unsigned rtdd_xb_be_mgr_count(const rtdd_xb_be_mgr *mgr);
/* Destroy every device (state Closed when remove) and the manager. */
void rtdd_xb_be_mgr_destroy(rtdd_xb_be_mgr *mgr, bool remove);

/*
 * Toolstack half (what libxl does for a disk or vif): create the backend
 * node backend/<kind>/<fe>/<devid> under be's domain path and the frontend
 * node device/<kind>/<devid> under fe's, cross-linked, state Initialising,
 * owner and read permission as libxl sets them; extra_be / extra_fe are
 * NULL-terminated key, value, key, value... lists written beside them.
 * Runs in one transaction (retried on -EAGAIN). Needs a context allowed to
 * write both trees (dom0 on Xen and sim).
 */
int rtdd_xb_toolstack_add(rtdd_hv *hv, const char *kind, rtdd_domid be,
			  rtdd_domid fe, unsigned devid,
			  const char *const *extra_be,
			  const char *const *extra_fe);
/* Remove both nodes (e.g. after the backend reached Closed). */
int rtdd_xb_toolstack_remove(rtdd_hv *hv, const char *kind, rtdd_domid be,
			     rtdd_domid fe, unsigned devid);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BE_XENBUS_H */

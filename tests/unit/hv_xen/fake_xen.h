/* SPDX-License-Identifier: MIT */
/*
 * fake_xen.h - an in-process stand-in for the Xen client libraries, linked
 * into test_hv_xen_fake ahead of the real ones, so that hv/xen's own logic
 * (feature probing, ops tables, port and region bookkeeping, copy batching,
 * error diagnosis, the RTDS checks) runs on a machine without Xen.
 *
 * It models what hv/xen relies on, as Xen and the Linux drivers do it:
 *   evtchn   ports of this one domain; a delivered event masks the port
 *            until it is written back; events meanwhile coalesce; binding
 *            an interdomain port marks it pending; ENOTCONN for a port of
 *            another handle; the fd is a pipe (O_NONBLOCK: EAGAIN).
 *   gntshr   zeroed pages granted to a domid (read-only or not); ending
 *            access while mapped is deferred, as gntalloc does.
 *   gnttab   maps check the entry as Xen's _set_status() does and fail
 *            with EINVAL whatever the status, as gntdev does; grant copy
 *            sets GNTST_* per segment, fails the batch on local->local or
 *            page-crossing segments as gntdev does.
 *   xc       a fixed set of domains and cpupools; getinfolist answers the
 *            next domain at or after the one asked; RTDS on the wrong
 *            scheduler is EINVAL, as Xen's sched_adjust.
 *   xs       "domid" and /local/domain/N/name only; other ops ENOSYS.
 * It is not Xen: tests/unit/hv_conformance on real Xen is the proof.
 */
#ifndef FAKE_XEN_H
#define FAKE_XEN_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_SELF 3u	  /* our domid */
#define FAKE_PEER 5u	  /* another domain (paused, RTDS pool) */
#define FAKE_RTDS_POOL 1u /* cpupool 1 runs RTDS, cpupool 0 credit2 */

struct fake_xen_cfg {
	bool no_evtchn; /* /dev/xen/evtchn missing (ENOENT) */
	bool evtchn_eacces;
	bool no_gntdev;
	bool no_gntalloc;
	bool no_grant_copy; /* kernel without IOCTL_GNTDEV_GRANT_COPY */
	bool no_privcmd;
	bool unprivileged; /* privcmd opens, domctls fail with EPERM */
	bool no_xenstore;
	bool self_in_credit_pool; /* our domain in pool 0 (credit2) */
};

/* Resets every table and applies cfg (NULL: everything present). */
void fake_xen_reset(const struct fake_xen_cfg *cfg);

/* Live counts, for leak checks. */
unsigned fake_xen_live_grants(void); /* entries still granted */
unsigned fake_xen_live_maps(void);   /* pages mapped through gnttab */
unsigned fake_xen_live_ports(void);
unsigned fake_xen_open_handles(void);

#endif

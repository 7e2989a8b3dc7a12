/* SPDX-License-Identifier: MIT */
/*
 * hv/xen/xen_private.h - the Xen context, shared by the files of hv/xen only.
 *
 * One context holds one handle per Xen library; each rtdd_evtchn is its own
 * xenevtchn handle. The ops tables are copied into the context at open so
 * that an op whose feature is missing is an entry that returns -EOPNOTSUPP
 * (or -EPERM, see dom_err), not a check on the fast path.
 */
#ifndef RTDD_HV_XEN_PRIVATE_H
#define RTDD_HV_XEN_PRIVATE_H

#include <pthread.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "../private.h"
#include "errmap.h"

/* A range of pages mapped with gntdev or shared with gntalloc. */
struct xen_region {
	void *addr;
	unsigned count;
	struct xen_region *next;
};

struct xen_evtchn;

struct xen_hv {
	struct rtdd__hv_common common; /* first: rtdd_hv * casts to it */
	struct rtdd_gnt_ops gnt_ops;
	struct rtdd_dom_ops dom_ops;

	xengnttab_handle *xgt; /* NULL: no /dev/xen/gntdev */
	xengntshr_handle *xgs; /* NULL: no /dev/xen/gntalloc */
	bool can_copy;	       /* gntdev has IOCTL_GNTDEV_GRANT_COPY */

	pthread_mutex_t xc_lock; /* serialises libxenctrl calls */
	xc_interface *xch;	 /* NULL: dom ops unavailable */
	int dom_err;		 /* what dom ops return without xch */

	pthread_mutex_t lock; /* the three lists below */
	struct xen_region *maps;
	struct xen_region *shares;
	struct xen_evtchn *evtchns;
};

static inline struct xen_hv *xen_hv(rtdd_hv *hv)
{
	return (struct xen_hv *)hv;
}

/* A silent xentoollog logger: libraries report through return values. */
extern struct xentoollog_logger rtdd__xen_null_logger;

/* errno of the last failed libxen* call as a negative value. */
int rtdd__xen_errno(void);

/* evtchn.c */
extern const struct rtdd_evtchn_ops rtdd__xen_evtchn_ops;
int rtdd__xen_evtchn_probe(char **err_out);
void rtdd__xen_evtchn_close_all(struct xen_hv *x);

/* gnt.c: fills x->gnt_ops from what was opened. */
void rtdd__xen_gnt_setup(struct xen_hv *x);
void rtdd__xen_gnt_release_all(struct xen_hv *x);

/* dom.c: fills x->dom_ops; sets RTDD_HV_F_SCHED_RTDS when a pool runs RTDS. */
void rtdd__xen_dom_setup(struct xen_hv *x);

#endif

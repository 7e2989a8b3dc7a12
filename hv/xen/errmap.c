// SPDX-License-Identifier: MIT
/* hv/xen/errmap.c - Xen statuses and flags in hv.h's terms (see errmap.h). */
#define __XEN_TOOLS__ 1 /* xen/domctl.h is for toolstacks */
#include <errno.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/grant_table.h>
#include <xen/sched.h>

#include "errmap.h"

int rtdd__xen_gntst_errno(int status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_general_error:
		/*
		 * Xen's _set_status() fails with general_error when the entry
		 * is not GTF_permit_access for the caller (wrong domid, access
		 * ended, never granted) or when a writable pin meets
		 * GTF_readonly: hv.h calls both -EPERM.
		 */
		return -EPERM;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
	case GNTST_bad_page:
	case GNTST_bad_copy_arg:
		return -EINVAL;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
	case GNTST_address_too_big:
		return -EFAULT;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOSPC;
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_eagain:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

enum rtdd_dom_state rtdd__xen_dom_state(uint32_t f)
{
	unsigned reason;

	if (f & XEN_DOMINF_dying)
		return RTDD_DOM_DYING;
	if (f & XEN_DOMINF_shutdown) {
		reason = (f >> XEN_DOMINF_shutdownshift) &
			 XEN_DOMINF_shutdownmask;
		return reason == SHUTDOWN_crash ? RTDD_DOM_CRASHED
						: RTDD_DOM_SHUTDOWN;
	}
	if (f & XEN_DOMINF_paused)
		return RTDD_DOM_PAUSED;
	return RTDD_DOM_RUNNING;
}

/* xen/common/sched/rt.c: RTDS_MIN_PERIOD and RTDS_MIN_BUDGET are 10 us,
 * budget <= period; the maximum period (STIME_DELTA_MAX) is beyond what
 * 32 bits of microseconds can say. */
#define RTDS_MIN_US 10u

int rtdd__xen_rtds_check(const struct rtdd_rtds_params *p)
{
	if (!p || p->period_us < RTDS_MIN_US || p->budget_us < RTDS_MIN_US ||
	    p->budget_us > p->period_us)
		return -EINVAL;
	return 0;
}

int rtdd__xen_evtchn_errno(int err)
{
	if (err == ENOTCONN)
		return -ENOENT;
	return err > 0 ? -err : -EIO;
}

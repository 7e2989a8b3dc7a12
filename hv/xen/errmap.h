/* SPDX-License-Identifier: MIT */
/*
 * hv/xen/errmap.h - how hv/xen turns Xen's answers into hv.h's answers.
 *
 * Pure functions, kept apart so that tests/unit/hv_xen can check the tables
 * on a machine without Xen. Used by the files of hv/xen only.
 */
#ifndef RTDD_HV_XEN_ERRMAP_H
#define RTDD_HV_XEN_ERRMAP_H

#include <stdint.h>

#include "rtdd/hv.h"

/*
 * GNTST_* status of one grant map or copy -> 0 or -errno:
 *
 *   GNTST_okay               0
 *   GNTST_general_error      -EPERM   Xen's answer for "entry not granted
 *                                     to you" (wrong domid, access ended,
 *                                     never granted) and "write to a
 *                                     read-only grant": hv.h's -EPERM
 *   GNTST_bad_domain         -ESRCH
 *   GNTST_bad_gntref         -EINVAL  ref beyond the granter's table
 *   GNTST_bad_handle         -EINVAL
 *   GNTST_bad_virt_addr      -EFAULT
 *   GNTST_bad_dev_addr       -EFAULT
 *   GNTST_no_device_space    -ENOSPC  IOMMU space
 *   GNTST_permission_denied  -EPERM
 *   GNTST_bad_page           -EINVAL
 *   GNTST_bad_copy_arg       -EINVAL  crosses a page
 *   GNTST_address_too_big    -EFAULT
 *   GNTST_eagain             -EAGAIN  page paged out; retry
 *   GNTST_no_space           -ENOSPC  maptrack handles
 *   anything else            -EIO
 */
int rtdd__xen_gntst_errno(int status);

/* XEN_DOMINF_* flags of a domain -> its state. */
enum rtdd_dom_state rtdd__xen_dom_state(uint32_t dominf_flags);

/* The RTDS limits Xen's sched/rt.c applies to a VCPU: 0 or -EINVAL. */
int rtdd__xen_rtds_check(const struct rtdd_rtds_params *p);

/* errno of a failed /dev/xen/evtchn ioctl in hv.h's terms: the driver says
 * ENOTCONN for "port not bound through this handle", hv.h says -ENOENT. */
int rtdd__xen_evtchn_errno(int err);

/*
 * The message rtdd_hv_open("xen") gives when the Xen device dev is missing
 * (module: the Linux module that provides it). It says whether this machine
 * runs on Xen at all (/sys/hypervisor/type), which module to load, and that
 * rtdd-simhv is the way on plain Linux. No Xen library needed.
 */
void rtdd__xen_missing_dev_err(char **err_out, const char *dev,
			       const char *module);

#endif

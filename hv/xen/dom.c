// SPDX-License-Identifier: MIT
/*
 * hv/xen/dom.c - domain information and RTDS parameters over libxenctrl.
 *
 * Xen lets only privileged domains (dom0, or one XSM allows) ask about
 * domains: a domU's hypercalls fail with EPERM, or it has no privcmd at
 * all; the ops then return -EPERM (hv.h). Xen answers a scheduler op on a
 * domain whose cpupool runs another scheduler with EINVAL; the pool is
 * checked first so that hv.h's -EOPNOTSUPP comes back instead, and the
 * VCPU index too, so -EINVAL means what hv.h says.
 *
 * libxenctrl handles are used under xc_lock: its hypercall-buffer cache is
 * shared per handle, and dom ops are control path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_private.h"

/* An xc call and its errno, under xc_lock. */
#define XC_CALL(x, r, call)                          \
	do {                                         \
		pthread_mutex_lock(&(x)->xc_lock);   \
		errno = 0;                           \
		(r) = (call);                        \
		(r##_errno) = errno;                 \
		pthread_mutex_unlock(&(x)->xc_lock); \
	} while (0)

static int neg(int e)
{
	return e > 0 ? -e : -EIO;
}

static int resolve(const struct xen_hv *x, rtdd_domid *domid)
{
	if (*domid == RTDD_DOMID_SELF)
		*domid = x->common.pub.domid;
	return *domid < RTDD_DOMID_SELF ? 0 : -ESRCH;
}

static int getinfo(struct xen_hv *x, rtdd_domid domid, xc_domaininfo_t *di)
{
	int r, r_errno;

	/* The sysctl lists domains from first_domain on: a gap answers the
	 * next domain, which is how "no such domain" looks. */
	XC_CALL(x, r, xc_domain_getinfolist(x->xch, domid, 1, di));
	if (r < 0)
		return neg(r_errno);
	if (r == 0 || di->domain != domid)
		return -ESRCH;
	return 0;
}

/* 1 when cpupool pool runs RTDS, 0 when another scheduler, or -errno. */
static int pool_runs_rtds(struct xen_hv *x, uint32_t pool)
{
	xc_cpupoolinfo_t *pi;
	int rc, pi_errno;

	XC_CALL(x, pi, xc_cpupool_getinfo(x->xch, pool));
	if (!pi)
		return neg(pi_errno);
	rc = pi->cpupool_id == pool && pi->sched_id == XEN_SCHEDULER_RTDS;
	xc_cpupool_infofree(x->xch, pi);
	return rc;
}

static bool any_pool_runs_rtds(struct xen_hv *x)
{
	xc_cpupoolinfo_t *pi;
	uint32_t id = 0;
	bool found = false;
	int pi_errno;

	/* getinfo(id) answers the first pool with an id >= id. */
	while (!found && id != XC_CPUPOOL_POOLID_ANY) {
		XC_CALL(x, pi, xc_cpupool_getinfo(x->xch, id));
		(void)pi_errno;
		if (!pi)
			break;
		found = pi->sched_id == XEN_SCHEDULER_RTDS;
		id = pi->cpupool_id + 1;
		xc_cpupool_infofree(x->xch, pi);
	}
	return found;
}

static void read_name(struct xen_hv *x, rtdd_domid domid, char *name,
		      size_t size)
{
	char path[40], *val = NULL;
	size_t len = 0;

	name[0] = '\0';
	if (!(x->common.pub.features & RTDD_HV_F_XENSTORE))
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	if (rtdd_xs_read(&x->common.pub, RTDD_XS_TXN_NONE, path, &val, &len))
		return;
	if (len >= size)
		len = size - 1;
	memcpy(name, val, len);
	name[len] = '\0';
	free(val);
}

static int dom_info(rtdd_hv *hv, rtdd_domid domid, struct rtdd_dom_info *out)
{
	struct xen_hv *x = xen_hv(hv);
	xc_domaininfo_t di;
	int rc;

	if (!out)
		return -EINVAL;
	rc = resolve(x, &domid);
	if (!rc)
		rc = getinfo(x, domid, &di);
	if (rc)
		return rc;
	out->domid = domid;
	out->state = rtdd__xen_dom_state(di.flags);
	/* VCPUs that exist (online or not): RTDS takes parameters for each. */
	out->vcpus = di.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID
			     ? 0
			     : di.max_vcpu_id + 1;
	out->mem_kib = di.tot_pages * (XC_PAGE_SIZE / 1024);
	out->cpupool = di.cpupool;
	read_name(x, domid, out->name, sizeof(out->name));
	return 0;
}

static int rtds_prepare(struct xen_hv *x, rtdd_domid *domid, unsigned vcpu)
{
	xc_domaininfo_t di;
	int rc;

	rc = resolve(x, domid);
	if (!rc)
		rc = getinfo(x, *domid, &di);
	if (rc)
		return rc;
	if (di.max_vcpu_id == XEN_INVALID_MAX_VCPU_ID || vcpu > di.max_vcpu_id)
		return -EINVAL;
	rc = pool_runs_rtds(x, di.cpupool);
	if (rc < 0)
		return rc;
	return rc ? 0 : -EOPNOTSUPP;
}

static int dom_rtds_get(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			struct rtdd_rtds_params *out)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_domctl_schedparam_vcpu v;
	int rc, r, r_errno;

	if (!out)
		return -EINVAL;
	rc = rtds_prepare(x, &domid, vcpu);
	if (rc)
		return rc;
	memset(&v, 0, sizeof(v));
	v.vcpuid = vcpu;
	XC_CALL(x, r, xc_sched_rtds_vcpu_get(x->xch, domid, &v, 1));
	if (r)
		return neg(r_errno);
	out->period_us = v.u.rtds.period;
	out->budget_us = v.u.rtds.budget;
	out->extratime = !!(v.u.rtds.flags & XEN_DOMCTL_SCHEDRT_extra);
	return 0;
}

static int dom_rtds_set(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			const struct rtdd_rtds_params *p)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_domctl_schedparam_vcpu v;
	int rc, r, r_errno;

	rc = rtdd__xen_rtds_check(p);
	if (rc)
		return rc;
	rc = rtds_prepare(x, &domid, vcpu);
	if (rc)
		return rc;
	memset(&v, 0, sizeof(v));
	v.vcpuid = vcpu;
	v.u.rtds.period = p->period_us;
	v.u.rtds.budget = p->budget_us;
	v.u.rtds.flags = p->extratime ? XEN_DOMCTL_SCHEDRT_extra : 0;
	XC_CALL(x, r, xc_sched_rtds_vcpu_set(x->xch, domid, &v, 1));
	if (r)
		return neg(r_errno);
	return 0;
}

/* Without libxenctrl: -EPERM in a domU, -EOPNOTSUPP otherwise. */
static int nodom_info(rtdd_hv *hv, rtdd_domid domid, struct rtdd_dom_info *out)
{
	(void)domid, (void)out;
	return xen_hv(hv)->dom_err;
}

static int nodom_rtds_get(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			  struct rtdd_rtds_params *out)
{
	(void)domid, (void)vcpu, (void)out;
	return xen_hv(hv)->dom_err;
}

static int nodom_rtds_set(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			  const struct rtdd_rtds_params *p)
{
	(void)domid, (void)vcpu, (void)p;
	return xen_hv(hv)->dom_err;
}

void rtdd__xen_dom_setup(struct xen_hv *x)
{
	struct rtdd_dom_ops *o = &x->dom_ops;
	xc_domaininfo_t di;
	int r, r_errno;

	o->info = nodom_info;
	o->rtds_get = nodom_rtds_get;
	o->rtds_set = nodom_rtds_set;
	x->common.pub.dom = o;
	if (!x->xch)
		return;
	/* privcmd opens in a domU too; the hypercall says whether Xen lets
	 * this domain ask (XSM_PRIV for XEN_SYSCTL_getdomaininfolist). */
	XC_CALL(x, r, xc_domain_getinfolist(x->xch, 0, 1, &di));
	if (r < 0) {
		x->dom_err = r_errno == EPERM || r_errno == EACCES
				     ? -EPERM
				     : -EOPNOTSUPP;
		xc_interface_close(x->xch);
		x->xch = NULL;
		return;
	}
	o->info = dom_info;
	o->rtds_get = dom_rtds_get;
	o->rtds_set = dom_rtds_set;
	x->common.pub.features |= RTDD_HV_F_DOMINFO;
	if (any_pool_runs_rtds(x))
		x->common.pub.features |= RTDD_HV_F_SCHED_RTDS;
}

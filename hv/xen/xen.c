// SPDX-License-Identifier: MIT
/*
 * hv/xen/xen.c - rtdd_hv_open("xen"): probe what this domain may use and
 * build the context. What is probed, and the bit it sets:
 *
 *   /dev/xen/evtchn    required; event channels          RTDD_HV_F_EVTCHN
 *   xenstore           xenstored, or /dev/xen/xenbus     RTDD_HV_F_XENSTORE
 *   /dev/xen/gntdev    map foreign grants                RTDD_HV_F_GNT_MAP
 *                      and IOCTL_GNTDEV_GRANT_COPY       RTDD_HV_F_GNT_COPY
 *   /dev/xen/gntalloc  share own pages (xengntshr)       RTDD_HV_F_GNT_SHARE
 *   /dev/xen/privcmd   libxenctrl that Xen lets through  RTDD_HV_F_DOMINFO
 *                      (dom0 or another privileged domain)
 *                      and a cpupool running RTDS        RTDD_HV_F_SCHED_RTDS
 *
 * An op whose bit is clear is an ops-table entry that returns -EOPNOTSUPP
 * (the dom ops return -EPERM when the reason is missing privilege).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen_private.h"

static void null_vmessage(struct xentoollog_logger *logger,
			  xentoollog_level level, int errnoval,
			  const char *context, const char *format, va_list al)
{
	(void)logger;
	(void)level;
	(void)errnoval;
	(void)context;
	(void)format;
	(void)al;
}

static void null_progress(struct xentoollog_logger *logger, const char *context,
			  const char *doing_what, int percent,
			  unsigned long done, unsigned long total)
{
	(void)logger;
	(void)context;
	(void)doing_what;
	(void)percent;
	(void)done;
	(void)total;
}

static void null_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

/* Stateless, so one instance serves every handle of every context. */
struct xentoollog_logger rtdd__xen_null_logger = {
	.vmessage = null_vmessage,
	.progress = null_progress,
	.destroy = null_destroy,
};

int rtdd__xen_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Xenstore unreachable (no xenstored yet in dom0, no xenbus device in a
 * domU): every xenstore op says so. */
static int nxs_read(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		    char **val_out, size_t *len_out)
{
	(void)hv, (void)t, (void)path, (void)val_out, (void)len_out;
	return -EOPNOTSUPP;
}

static int nxs_write(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     const void *val, size_t len)
{
	(void)hv, (void)t, (void)path, (void)val, (void)len;
	return -EOPNOTSUPP;
}

static int nxs_path(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	(void)hv, (void)t, (void)path;
	return -EOPNOTSUPP;
}

static int nxs_directory(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 char ***names_out, unsigned *n_out)
{
	(void)hv, (void)t, (void)path, (void)names_out, (void)n_out;
	return -EOPNOTSUPP;
}

static int nxs_get_perms(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 struct rtdd_xs_perm **perms_out, unsigned *n_out)
{
	(void)hv, (void)t, (void)path, (void)perms_out, (void)n_out;
	return -EOPNOTSUPP;
}

static int nxs_set_perms(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 const struct rtdd_xs_perm *perms, unsigned n)
{
	(void)hv, (void)t, (void)path, (void)perms, (void)n;
	return -EOPNOTSUPP;
}

static int nxs_watch(rtdd_hv *hv, const char *path, const char *token)
{
	(void)hv, (void)path, (void)token;
	return -EOPNOTSUPP;
}

static int nxs_watch_fd(rtdd_hv *hv)
{
	(void)hv;
	return -EOPNOTSUPP;
}

static int nxs_read_watch(rtdd_hv *hv, char **path_out, char **token_out)
{
	(void)hv, (void)path_out, (void)token_out;
	return -EOPNOTSUPP;
}

static int nxs_txn_start(rtdd_hv *hv, rtdd_xs_txn *t_out)
{
	(void)hv, (void)t_out;
	return -EOPNOTSUPP;
}

static int nxs_txn_end(rtdd_hv *hv, rtdd_xs_txn t, bool abort)
{
	(void)hv, (void)t, (void)abort;
	return -EOPNOTSUPP;
}

static int nxs_domain_path(rtdd_hv *hv, rtdd_domid domid, char **path_out)
{
	(void)hv, (void)domid, (void)path_out;
	return -EOPNOTSUPP;
}

static const struct rtdd_xs_ops nosup_xs_ops = {
	.read = nxs_read,
	.write = nxs_write,
	.mkdir = nxs_path,
	.rm = nxs_path,
	.directory = nxs_directory,
	.get_perms = nxs_get_perms,
	.set_perms = nxs_set_perms,
	.watch = nxs_watch,
	.unwatch = nxs_watch,
	.watch_fd = nxs_watch_fd,
	.read_watch = nxs_read_watch,
	.txn_start = nxs_txn_start,
	.txn_end = nxs_txn_end,
	.domain_path = nxs_domain_path,
};

/* "control_d" in /proc/xen/capabilities (xenfs) marks the control domain. */
static bool is_control_domain(void)
{
	char caps[64] = "";
	FILE *f = fopen("/proc/xen/capabilities", "re");

	if (!f)
		return false;
	if (!fgets(caps, sizeof(caps), f))
		caps[0] = '\0';
	fclose(f);
	return strstr(caps, "control_d") != NULL;
}

/*
 * Own domid: the toolstack writes "domid" into every domain's home
 * (/local/domain/<id>/domid; xen-init-dom0 writes dom0's), and a relative
 * path resolves against the caller's home. Without xenstore only the
 * control domain knows who it is.
 */
static rtdd_domid own_domid(struct xen_hv *x)
{
	uint64_t v;

	if ((x->common.pub.features & RTDD_HV_F_XENSTORE) &&
	    !rtdd_xs_read_u64(&x->common.pub, RTDD_XS_TXN_NONE, "domid", &v) &&
	    v < RTDD_DOMID_SELF)
		return (rtdd_domid)v;
	if (is_control_domain())
		return 0;
	return RTDD_DOMID_INVALID;
}

static void xen_close(rtdd_hv *hv)
{
	struct xen_hv *x = xen_hv(hv);

	rtdd__xen_evtchn_close_all(x);
	rtdd__xen_gnt_release_all(x);
	if (x->xgt)
		xengnttab_close(x->xgt);
	if (x->xgs)
		xengntshr_close(x->xgs);
	if (x->xch)
		xc_interface_close(x->xch);
	rtdd__xs_disconnect(&x->common);
	pthread_mutex_destroy(&x->lock);
	pthread_mutex_destroy(&x->xc_lock);
	free(x);
}

int rtdd__xen_open(rtdd_hv **hv_out, char **err_out)
{
	struct xen_hv *x;
	rtdd_hv *pub;
	int rc;

	/* Opening /dev/xen/evtchn is the test: ENOENT there means no Xen,
	 * or no xen-evtchn module, and the message says which. */
	rc = rtdd__xen_evtchn_probe(err_out);
	if (rc)
		return rc;

	x = calloc(1, sizeof(*x));
	if (!x) {
		rtdd__set_err(err_out, "out of memory opening Xen");
		return -ENOMEM;
	}
	pthread_mutex_init(&x->lock, NULL);
	pthread_mutex_init(&x->xc_lock, NULL);
	pub = &x->common.pub;
	pub->kind = RTDD_HV_XEN;
	pub->features = RTDD_HV_F_EVTCHN;
	pub->evtchn = &rtdd__xen_evtchn_ops;
	pub->close = xen_close;

	if (!rtdd__xs_connect(&x->common, NULL)) {
		pub->xs = &rtdd__xs_ops;
		pub->features |= RTDD_HV_F_XENSTORE;
	} else {
		x->common.xsh = NULL;
		pub->xs = &nosup_xs_ops;
	}
	pub->domid = own_domid(x);

	/* Each may be missing: its module is not loaded, or (gntalloc in
	 * some dom0 setups) not built. The ops tables say what is there. */
	x->xgt = xengnttab_open(&rtdd__xen_null_logger, 0);
	x->xgs = xengntshr_open(&rtdd__xen_null_logger, 0);
	rtdd__xen_gnt_setup(x);

	x->xch = xc_interface_open(&rtdd__xen_null_logger,
				   &rtdd__xen_null_logger, 0);
	if (!x->xch)
		x->dom_err = is_control_domain() ? -EOPNOTSUPP : -EPERM;
	rtdd__xen_dom_setup(x);

	*hv_out = pub;
	return 0;
}

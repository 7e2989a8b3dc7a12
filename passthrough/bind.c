// SPDX-License-Identifier: MIT
/*
 * Moving devices between drivers, and SR-IOV VF creation, through sysfs.
 *
 * A plan is a list of sysfs writes made before anything is touched, so a
 * dry run shows exactly what --apply will do. Apply runs the writes through
 * the context's writer, checks the outcome by reading sysfs back, and on
 * any failure rolls back to the driver (and driver_override, VF count) the
 * device had before:
 *
 *   assign:   driver_override=TO -> DRV/unbind -> TO/bind -> check driver==TO
 *   release:  DRV/unbind -> driver_override="" -> drivers_probe -> check
 *   rollback: CUR/unbind -> driver_override=OLD -> OLD/bind -> check
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

static void step(struct rtdd_pci_plan *p, const char *value, const char *what,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void step(struct rtdd_pci_plan *p, const char *value, const char *what,
		 const char *fmt, ...)
{
	struct rtdd_pci_step *s;
	va_list ap;

	if (p->n_steps >= RTDD_PCI_MAX_STEPS)
		return;
	s = &p->steps[p->n_steps++];
	va_start(ap, fmt);
	vsnprintf(s->path, sizeof(s->path), fmt, ap);
	va_end(ap);
	snprintf(s->value, sizeof(s->value), "%s", value);
	snprintf(s->what, sizeof(s->what), "%s", what);
}

static struct rtdd_pci_dev *lookup(rtdd_pci *pci,
				   const struct rtdd_pci_addr *addr)
{
	char bdf[RTDD_PCI_ADDR_STRLEN];
	struct rtdd_pci_dev *dev =
		(struct rtdd_pci_dev *)rtdd_pci_find(pci, addr);

	if (!dev)
		rtdd__pci_err(pci, -ENODEV, "no PCI device %s under %s",
			      rtdd_pci_addr_format(addr, bdf), pci->root);
	return dev;
}

static const char *module_of(const char *drv)
{
	return !strcmp(drv, "pciback") ? "xen-pciback" : drv;
}

int rtdd_pci_plan_assign(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
			 const char *to, struct rtdd_pci_plan *out)
{
	struct rtdd_pci_dev *dev;
	char what[96];

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	if (!to || (strcmp(to, "pciback") && strcmp(to, "vfio-pci")))
		return rtdd__pci_err(pci, -EINVAL,
				     "--to must be pciback or vfio-pci, not "
				     "'%s'",
				     to ? to : "");
	dev = lookup(pci, addr);
	if (!dev)
		return -ENODEV;
	rtdd__pci_refresh_driver(pci, dev);
	if (dev->is_bridge)
		return rtdd__pci_err(pci, -EINVAL,
				     "%s is a bridge (%s); bridges cannot be "
				     "passed through",
				     dev->bdf, dev->class_name);
	snprintf(out->from_driver, sizeof(out->from_driver), "%s", dev->driver);
	snprintf(out->from_override, sizeof(out->from_override), "%s",
		 dev->driver_override);
	snprintf(out->to_driver, sizeof(out->to_driver), "%s", to);
	if (!strcmp(dev->driver, to))
		return 0; /* already there: nothing to do */

	if (strcmp(dev->driver_override, to)) {
		snprintf(what, sizeof(what), "only %s may bind it", to);
		step(out, to, what, "bus/pci/devices/%s/driver_override",
		     dev->bdf);
	}
	if (dev->driver[0]) {
		snprintf(what, sizeof(what), "unbind from %s", dev->driver);
		step(out, dev->bdf, what, "bus/pci/drivers/%s/unbind",
		     dev->driver);
	}
	snprintf(what, sizeof(what), "bind to %s", to);
	step(out, dev->bdf, what, "bus/pci/drivers/%s/bind", to);

	if (dev->in_use_mounted) {
		out->blocked = 1;
		snprintf(out->warning, sizeof(out->warning),
			 "dom0 has a mounted filesystem, swap or dm/md "
			 "device on %s (%s); release it first",
			 dev->bdf, dev->in_use);
	} else if (!rtdd__pci_exists(pci, "bus/pci/drivers/%s", to)) {
		out->blocked = 1;
		snprintf(out->warning, sizeof(out->warning),
			 "driver %s is not loaded: run `modprobe %s` first", to,
			 module_of(to));
	} else if (!strcmp(to, "vfio-pci") && !pci->kernel_iommu) {
		snprintf(out->warning, sizeof(out->warning),
			 "no IOMMU groups in this kernel: vfio-pci will "
			 "refuse the device (boot with intel_iommu=on or "
			 "amd_iommu=on)");
	} else if (dev->in_use[0]) {
		snprintf(out->warning, sizeof(out->warning), "dom0 loses %s",
			 dev->in_use);
	}
	return 0;
}

int rtdd_pci_plan_release(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
			  struct rtdd_pci_plan *out)
{
	struct rtdd_pci_dev *dev;
	char what[96];

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	out->release = 1;
	dev = lookup(pci, addr);
	if (!dev)
		return -ENODEV;
	rtdd__pci_refresh_driver(pci, dev);
	snprintf(out->from_driver, sizeof(out->from_driver), "%s", dev->driver);
	snprintf(out->from_override, sizeof(out->from_override), "%s",
		 dev->driver_override);
	if (dev->driver[0] && !rtdd__pci_is_passthrough_driver(dev->driver)) {
		snprintf(out->warning, sizeof(out->warning),
			 "%s is not assigned: dom0's %s holds it", dev->bdf,
			 dev->driver);
		return 0;
	}
	if (dev->driver[0]) {
		snprintf(what, sizeof(what), "unbind from %s", dev->driver);
		step(out, dev->bdf, what, "bus/pci/drivers/%s/unbind",
		     dev->driver);
	}
	if (dev->driver_override[0])
		step(out, "\n", "clear driver_override",
		     "bus/pci/devices/%s/driver_override", dev->bdf);
	step(out, dev->bdf, "let the kernel probe its native driver",
	     "bus/pci/drivers_probe");
	return 0;
}

int rtdd_pci_plan_vfs(rtdd_pci *pci, const struct rtdd_pci_addr *pf, int n,
		      struct rtdd_pci_plan *out)
{
	struct rtdd_pci_dev *dev;
	char val[16], what[96], buf[32];

	memset(out, 0, sizeof(*out));
	out->addr = *pf;
	out->vfs_plan = 1;
	dev = lookup(pci, pf);
	if (!dev)
		return -ENODEV;
	if (!dev->has_sriov || dev->is_vf)
		return rtdd__pci_err(pci, -EINVAL,
				     "%s has no SR-IOV capability", dev->bdf);
	if (n < 0 || n > dev->sriov_total_vfs)
		return rtdd__pci_err(pci, -EINVAL,
				     "%s supports 0..%d VFs, not %d", dev->bdf,
				     dev->sriov_total_vfs, n);
	if (rtdd__pci_read_attr(pci, buf, sizeof(buf),
				"bus/pci/devices/%s/sriov_numvfs", dev->bdf)) {
		out->blocked = 1;
		snprintf(out->warning, sizeof(out->warning),
			 "%s has no sriov_numvfs attribute: bind its PF "
			 "driver in dom0 first",
			 dev->bdf);
		out->vfs_from = dev->sriov_num_vfs;
	} else {
		out->vfs_from = atoi(buf);
	}
	out->vfs_to = n;
	snprintf(out->from_driver, sizeof(out->from_driver), "%s", dev->driver);
	if (out->vfs_from == n)
		return 0;
	if (out->vfs_from != 0 && n != 0)
		step(out, "0",
		     "remove the current VFs (the kernel changes "
		     "the count only through 0)",
		     "bus/pci/devices/%s/sriov_numvfs", dev->bdf);
	snprintf(val, sizeof(val), "%d", n);
	snprintf(what, sizeof(what), "create %d VF%s", n, n == 1 ? "" : "s");
	step(out, val, what, "bus/pci/devices/%s/sriov_numvfs", dev->bdf);
	if (!out->blocked && !dev->driver[0])
		snprintf(out->warning, sizeof(out->warning),
			 "%s has no driver: the kernel creates VFs only "
			 "through a PF driver that supports SR-IOV",
			 dev->bdf);
	return 0;
}

static int cur_numvfs(rtdd_pci *pci, const char *bdf)
{
	char buf[32];

	if (rtdd__pci_read_attr(pci, buf, sizeof(buf),
				"bus/pci/devices/%s/sriov_numvfs", bdf))
		return -1;
	return atoi(buf);
}

static void cur_driver(rtdd_pci *pci, const char *bdf, char *drv, size_t len)
{
	drv[0] = '\0';
	if (rtdd__pci_read_link_base(pci, drv, len, "bus/pci/devices/%s/driver",
				     bdf))
		drv[0] = '\0';
}

/* Back to the driver and override of the plan's start. 0 or -errno. */
static int rollback_bind(rtdd_pci *pci, const struct rtdd_pci_plan *plan,
			 const char *bdf)
{
	char drv[RTDD_PCI_DRV_LEN], path[160];
	int rc;

	cur_driver(pci, bdf, drv, sizeof(drv));
	if (!strcmp(drv, plan->from_driver)) {
		/* Already back (or never left): restore override only. */
		snprintf(path, sizeof(path),
			 "bus/pci/devices/%s/driver_override", bdf);
		return rtdd__pci_write(
			pci, path,
			plan->from_override[0] ? plan->from_override : "\n");
	}
	if (drv[0]) {
		snprintf(path, sizeof(path), "bus/pci/drivers/%s/unbind", drv);
		rc = rtdd__pci_write(pci, path, bdf);
		if (rc)
			return rc;
	}
	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver_override", bdf);
	rc = rtdd__pci_write(
		pci, path, plan->from_override[0] ? plan->from_override : "\n");
	if (rc)
		return rc;
	if (plan->from_driver[0]) {
		snprintf(path, sizeof(path), "bus/pci/drivers/%s/bind",
			 plan->from_driver);
		rc = rtdd__pci_write(pci, path, bdf);
		if (rc)
			return rc;
	}
	cur_driver(pci, bdf, drv, sizeof(drv));
	return strcmp(drv, plan->from_driver) ? -EIO : 0;
}

static int rollback_vfs(rtdd_pci *pci, const struct rtdd_pci_plan *plan,
			const char *bdf)
{
	char path[160], val[16];
	int rc, cur = cur_numvfs(pci, bdf);

	if (cur == plan->vfs_from)
		return 0;
	snprintf(path, sizeof(path), "bus/pci/devices/%s/sriov_numvfs", bdf);
	if (cur != 0) {
		rc = rtdd__pci_write(pci, path, "0");
		if (rc)
			return rc;
	}
	if (plan->vfs_from) {
		snprintf(val, sizeof(val), "%d", plan->vfs_from);
		rc = rtdd__pci_write(pci, path, val);
		if (rc)
			return rc;
	}
	return cur_numvfs(pci, bdf) == plan->vfs_from ? 0 : -EIO;
}

int rtdd_pci_apply(rtdd_pci *pci, const struct rtdd_pci_plan *plan,
		   struct rtdd_pci_result *res)
{
	char bdf[RTDD_PCI_ADDR_STRLEN], drv[RTDD_PCI_DRV_LEN];
	const char *was;
	int rc = 0, rb;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->failed_step = -1;
	rtdd_pci_addr_format(&plan->addr, bdf);
	if (plan->blocked) {
		res->rc = -EPERM;
		snprintf(res->msg, sizeof(res->msg), "refusing: %s",
			 plan->warning);
		return -EPERM;
	}
	for (i = 0; i < plan->n_steps; i++) {
		rc = rtdd__pci_write(pci, plan->steps[i].path,
				     plan->steps[i].value);
		if (rc) {
			res->failed_step = (int)i;
			snprintf(res->msg, sizeof(res->msg),
				 "step %zu (%s: write %s) failed: %s", i + 1,
				 plan->steps[i].what, plan->steps[i].path,
				 strerror(-rc));
			break;
		}
	}

	/* Read back what the kernel did, never trust the writes alone. */
	if (!rc && plan->vfs_plan) {
		int now = cur_numvfs(pci, bdf);

		if (now != plan->vfs_to) {
			rc = -EIO;
			snprintf(res->msg, sizeof(res->msg),
				 "sriov_numvfs reads %d after writing %d", now,
				 plan->vfs_to);
		}
	} else if (!rc) {
		cur_driver(pci, bdf, drv, sizeof(drv));
		if (!plan->release && strcmp(drv, plan->to_driver)) {
			rc = -EIO;
			snprintf(res->msg, sizeof(res->msg),
				 "bind to %s reported success but %s is %s%s",
				 plan->to_driver, bdf,
				 drv[0] ? "bound to " : "unbound", drv);
		} else if (plan->release &&
			   rtdd__pci_is_passthrough_driver(drv)) {
			rc = -EIO;
			snprintf(res->msg, sizeof(res->msg),
				 "%s is still bound to %s after release", bdf,
				 drv);
		}
	}

	if (rc && plan->n_steps) {
		size_t used = strlen(res->msg);

		rb = plan->vfs_plan ? rollback_vfs(pci, plan, bdf)
				    : rollback_bind(pci, plan, bdf);
		res->rolled_back = rb ? -1 : 1;
		was = plan->from_driver[0] ? plan->from_driver : "no driver";
		if (plan->vfs_plan && !rb)
			snprintf(res->msg + used, sizeof(res->msg) - used,
				 "; rolled back to %d VFs", plan->vfs_from);
		else if (plan->vfs_plan)
			snprintf(res->msg + used, sizeof(res->msg) - used,
				 "; ROLLBACK FAILED (%s): write %d to "
				 "sriov_numvfs by hand",
				 strerror(-rb), plan->vfs_from);
		else if (!rb)
			snprintf(res->msg + used, sizeof(res->msg) - used,
				 "; rolled back to %s", was);
		else
			snprintf(res->msg + used, sizeof(res->msg) - used,
				 "; ROLLBACK FAILED (%s): fix by hand with "
				 "echo %s > /sys/bus/pci/drivers/%s/bind",
				 strerror(-rb), bdf,
				 plan->from_driver[0] ? plan->from_driver
						      : "<driver>");
	}
	cur_driver(pci, bdf, res->final_driver, sizeof(res->final_driver));
	res->rc = rc;
	if (!rc) {
		if (plan->vfs_plan)
			snprintf(res->msg, sizeof(res->msg),
				 "%s now has %d VFs", bdf, plan->vfs_to);
		else
			snprintf(res->msg, sizeof(res->msg),
				 plan->n_steps ? "%s is now %s%s"
					       : "%s is already %s%s",
				 bdf,
				 res->final_driver[0] ? "bound to " : "unbound",
				 res->final_driver);
	}
	rb = rtdd__pci_scan(pci);
	if (!rc && rb)
		rc = rb;
	return rc;
}

int rtdd_pci_list_vfs(rtdd_pci *pci, const struct rtdd_pci_addr *pf,
		      struct rtdd_pci_addr *vfs, size_t max)
{
	char path[PATH_MAX], bdf[RTDD_PCI_ADDR_STRLEN], target[64];
	struct dirent *e;
	int count = 0, rc;
	DIR *d;

	memset(vfs, 0, max * sizeof(*vfs)); /* gaps in virtfnN stay zero */
	rtdd_pci_addr_format(pf, bdf);
	rc = rtdd__pci_path(pci, path, sizeof(path), "bus/pci/devices/%s", bdf);
	if (rc)
		return rc;
	d = opendir(path);
	if (!d)
		return rtdd__pci_err(pci, -ENODEV, "no PCI device %s under %s",
				     bdf, pci->root);
	/* virtfnN: N is the VF index; store in index order. */
	while ((e = readdir(d))) {
		struct rtdd_pci_addr a;
		char *end;
		long idx;

		if (strncmp(e->d_name, "virtfn", 6))
			continue;
		idx = strtol(e->d_name + 6, &end, 10);
		if (*end || end == e->d_name + 6 || idx < 0 || idx > 65535)
			continue;
		if (rtdd__pci_read_link_base(pci, target, sizeof(target),
					     "bus/pci/devices/%s/%s", bdf,
					     e->d_name) ||
		    rtdd_pci_addr_parse(target, &a))
			continue;
		if ((size_t)idx < max)
			vfs[idx] = a;
		if (idx + 1 > count)
			count = (int)idx + 1;
	}
	closedir(d);
	return count;
}

int rtdd_pci_can_write(rtdd_pci *pci, const struct rtdd_pci_addr *addr)
{
	const struct rtdd_pci_dev *dev = rtdd_pci_find(pci, addr);
	char path[PATH_MAX];

	if (!dev)
		return -ENODEV;
	if (rtdd__pci_path(pci, path, sizeof(path),
			   "bus/pci/devices/%s/driver_override", dev->bdf))
		return 0;
	return access(path, W_OK) == 0;
}

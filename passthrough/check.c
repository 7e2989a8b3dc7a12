// SPDX-License-Identifier: MIT
/*
 * Assignability: whether a device can go to a driver domain, and whether it
 * is good for a real-time one. Every reason carries the fix where one exists.
 *
 *   blocker  -> NOT_ASSIGNABLE   (bridge, group shared with dom0, no reset,
 *                                 INTx-only on a shared line)
 *   caveat   -> CAVEATS          (no MSI-X, reset only by PM or bus reset,
 *                                 sub-page BARs, dom0 uses it, no IOMMU...)
 *   neither  -> RT_GOOD          (MSI-X, FLR or AF FLR, own group)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

static void add(struct rtdd_pci_check *c, enum rtdd_pci_severity sev,
		const char *code, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add(struct rtdd_pci_check *c, enum rtdd_pci_severity sev,
		const char *code, const char *fix, const char *fmt, ...)
{
	struct rtdd_pci_reason *r;
	va_list ap;

	if (c->n_reasons >= RTDD_PCI_MAX_REASONS)
		return;
	r = &c->reasons[c->n_reasons++];
	r->sev = sev;
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

static int in_list(const struct rtdd_pci_addr *a,
		   const struct rtdd_pci_addr *with, size_t n_with)
{
	for (size_t i = 0; i < n_with; i++)
		if (rtdd_pci_addr_eq(a, &with[i]))
			return 1;
	return 0;
}

/* A group member that does not keep the group in dom0's hands. */
static int member_harmless(const struct rtdd_pci_dev *m)
{
	if (rtdd__pci_is_passthrough_driver(m->driver))
		return 1;
	/* vfio and pciback accept bridges in a group if no driver but
	 * pcieport holds them: they carry no DMA of their own. */
	if (m->is_bridge &&
	    (m->driver[0] == '\0' || !strcmp(m->driver, "pcieport") ||
	     !strcmp(m->driver, "shpchp")))
		return 1;
	return 0;
}

static void check_group(rtdd_pci *pci, const struct rtdd_pci_dev *dev,
			const struct rtdd_pci_addr *with, size_t n_with,
			struct rtdd_pci_check *out, int *own_group)
{
	char list[200] = "", with_cmd[160] = "", fix[256];
	size_t used = 0, wused = 0, n_dom0 = 0;
	const char *src = dev->group_source == RTDD_PCI_GROUP_KERNEL
				  ? "IOMMU group"
				  : "DMA alias group (topology)";

	*own_group = 1;
	for (size_t i = 0; i < dev->n_group; i++) {
		const struct rtdd_pci_dev *m =
			rtdd_pci_find(pci, &dev->group[i]);
		char bdf[RTDD_PCI_ADDR_STRLEN];

		rtdd_pci_addr_format(&dev->group[i], bdf);
		if (m && m->is_bridge && member_harmless(m))
			continue;
		*own_group = 0;
		if (in_list(&dev->group[i], with, n_with) ||
		    (m && member_harmless(m)))
			continue;
		n_dom0++;
		if (used < sizeof(list))
			used += (size_t)snprintf(
				list + used, sizeof(list) - used, "%s%s (%s)",
				used ? ", " : "", bdf,
				m && m->driver[0] ? m->driver : "no driver");
		if (wused < sizeof(with_cmd))
			wused += (size_t)snprintf(with_cmd + wused,
						  sizeof(with_cmd) - wused,
						  " %s", bdf);
	}
	if (n_dom0) {
		snprintf(fix, sizeof(fix),
			 "pass the whole group to the same driver domain "
			 "(rtdd pci check %s%s), or move the card to a slot "
			 "whose root port has ACS so it gets its own group",
			 dev->bdf, with_cmd);
		add(out, RTDD_PCI_SEV_BLOCKER, "group-shared", fix,
		    "shares its %s with %s, which stay%s in dom0", src, list,
		    n_dom0 == 1 ? "s" : "");
	} else if (!*own_group) {
		add(out, RTDD_PCI_SEV_CAVEAT, "group-assigned", NULL,
		    "its %s has other members, all passed through with "
		    "it: they must go to the same driver domain",
		    src);
	}
	if (dev->group_truncated)
		add(out, RTDD_PCI_SEV_CAVEAT, "group-large", NULL,
		    "group has more than %d members; only the first are shown",
		    RTDD_PCI_MAX_GROUP);
}

static void check_reset(rtdd_pci *pci, const struct rtdd_pci_dev *dev,
			struct rtdd_pci_check *out)
{
	char r[64];

	rtdd_pci_reset_str(dev->reset, r, sizeof(r));
	if (dev->reset & (RTDD_PCI_RESET_FLR | RTDD_PCI_RESET_AF_FLR)) {
		add(out, RTDD_PCI_SEV_INFO, "reset", NULL,
		    "function level reset available (%s)", r);
		return;
	}
	if (dev->reset & (RTDD_PCI_RESET_PM | RTDD_PCI_RESET_OTHER)) {
		add(out, RTDD_PCI_SEV_CAVEAT, "reset-weak",
		    "prefer a device with FLR (PCIe DevCap FLR) for RT "
		    "driver domains",
		    "no FLR; reset through %s only: slower and not every "
		    "device state is guaranteed to clear",
		    r);
		return;
	}
	if (dev->reset & RTDD_PCI_RESET_BUS) {
		add(out, RTDD_PCI_SEV_CAVEAT, "reset-bus",
		    "prefer a device with FLR; keep it alone behind its "
		    "bridge so the bus reset stays possible",
		    "no FLR or PM reset; only a secondary bus reset at "
		    "%04x:%02x:%02x.%x (resets the whole link, ~1 s)",
		    dev->upstream.domain, dev->upstream.bus, dev->upstream.dev,
		    dev->upstream.func);
		return;
	}
	{
		char why[160];

		if (!dev->has_upstream)
			snprintf(why, sizeof(why),
				 "on a root bus, so no bus reset");
		else if (dev->n_bus_siblings)
			snprintf(why, sizeof(why),
				 "%zu other function(s) on its bus, so a bus "
				 "reset would reset them too",
				 dev->n_bus_siblings);
		else
			snprintf(why, sizeof(why), "no bus reset");
		add(out, RTDD_PCI_SEV_BLOCKER, "no-reset",
		    "use a device with FLR, or put it alone in a slot behind "
		    "its own bridge so a secondary bus reset applies",
		    "no reset method: no FLR in DevCap, no AF FLR, %s, %s; "
		    "state would leak from one domain lifetime to the next",
		    !dev->has_pm ? "no PM capability" : "PM No_Soft_Reset set",
		    why);
	}
	(void)pci;
}

static void check_irq(rtdd_pci *pci, const struct rtdd_pci_dev *dev,
		      const struct rtdd_pci_addr *with, size_t n_with,
		      struct rtdd_pci_check *out, int *irq_good)
{
	*irq_good = 0;
	if (dev->has_msix) {
		*irq_good = 1;
		add(out, RTDD_PCI_SEV_INFO, "msix", NULL,
		    "MSI-X with %d vectors: per-queue interrupts can be "
		    "steered to the driver domain's vCPUs",
		    dev->msix_table_size);
		return;
	}
	if (dev->has_msi) {
		add(out, RTDD_PCI_SEV_CAVEAT, "msi-only",
		    "prefer MSI-X devices for RT I/O, or run the backend in "
		    "poll mode",
		    "MSI only (%d vector%s), no MSI-X: one interrupt for all "
		    "queues",
		    dev->msi_vectors, dev->msi_vectors == 1 ? "" : "s");
		return;
	}
	if (!dev->int_pin) {
		add(out, RTDD_PCI_SEV_CAVEAT, "no-irq",
		    "run the backend in poll mode",
		    "no interrupt at all (no INTx pin, MSI or MSI-X)");
		return;
	}
	/* INTx only: a shared line means another device's interrupts. */
	{
		char list[160] = "";
		size_t used = 0, n = 0;

		for (size_t i = 0; dev->irq && i < rtdd_pci_count(pci); i++) {
			const struct rtdd_pci_dev *o = rtdd_pci_get(pci, i);

			if (o == dev || !o->int_pin || o->irq != dev->irq ||
			    o->has_msi || o->has_msix ||
			    in_list(&o->addr, with, n_with))
				continue;
			n++;
			if (used < sizeof(list))
				used += (size_t)snprintf(
					list + used, sizeof(list) - used,
					"%s%s", used ? ", " : "", o->bdf);
		}
		if (n) {
			add(out, RTDD_PCI_SEV_BLOCKER, "intx-shared",
			    "move the card to a slot with its own interrupt "
			    "line, or pass the sharing devices to the same "
			    "domain",
			    "legacy INT%c only, IRQ %d shared with %s",
			    'A' + dev->int_pin - 1, dev->irq, list);
		} else {
			add(out, RTDD_PCI_SEV_CAVEAT, "intx-only",
			    "prefer MSI-X devices, or run the backend in poll "
			    "mode",
			    "legacy INT%c only (IRQ %d): level interrupts "
			    "go through Xen's line emulation, higher latency",
			    'A' + dev->int_pin - 1, dev->irq);
		}
	}
}

int rtdd_pci_check_dev(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
		       const struct rtdd_pci_addr *with, size_t n_with,
		       struct rtdd_pci_check *out)
{
	const struct rtdd_pci_dev *dev = rtdd_pci_find(pci, addr);
	int own_group = 1, irq_good = 0, blockers = 0, caveats = 0;

	memset(out, 0, sizeof(*out));
	out->addr = *addr;
	if (!dev) {
		char bdf[RTDD_PCI_ADDR_STRLEN];

		return rtdd__pci_err(pci, -ENODEV, "no PCI device %s under %s",
				     rtdd_pci_addr_format(addr, bdf),
				     pci->root);
	}

	if (dev->is_bridge) {
		add(out, RTDD_PCI_SEV_BLOCKER, "bridge",
		    "pass through the endpoint devices behind it instead",
		    "is a bridge (%s): bridges stay with dom0 and Xen",
		    dev->class_name);
	}
	/* Without the capabilities, reset and interrupts are unknown, and
	 * unknown is not good enough to bet a product on. */
	if (dev->config_len < 256)
		add(out, RTDD_PCI_SEV_BLOCKER, "config-short",
		    "run as root so the full config space can be read",
		    "cannot judge: only %d bytes of config space readable, "
		    "so reset methods and MSI/MSI-X are unknown",
		    dev->config_len);

	if (!dev->is_bridge)
		check_group(pci, dev, with, n_with, out, &own_group);
	if (dev->group_source != RTDD_PCI_GROUP_KERNEL) {
		if (pci->on_xen)
			add(out, RTDD_PCI_SEV_INFO, "iommu-xen",
			    "check that `xl dmesg | grep -i 'I/O virt'` says "
			    "enabled",
			    "dom0 under Xen: Xen's IOMMU isolates the device; "
			    "group derived from topology");
		else
			add(out, RTDD_PCI_SEV_CAVEAT, "no-iommu",
			    "boot with intel_iommu=on (or amd_iommu=on) for "
			    "vfio-pci; under Xen enable iommu=1 on Xen's "
			    "command line",
			    "no IOMMU groups in this kernel: vfio-pci will "
			    "refuse the device and DMA is not isolated");
	}
	if (!dev->is_bridge && dev->config_len >= 256) {
		check_reset(pci, dev, out);
		check_irq(pci, dev, with, n_with, out, &irq_good);
	}

	for (size_t i = 0; i < dev->n_bars; i++) {
		const struct rtdd_pci_bar *b = &dev->bars[i];

		if (b->kind != RTDD_PCI_BAR_IO && b->size < 4096) {
			char fix[160];

			snprintf(fix, sizeof(fix),
				 "boot dom0 with pci=resource_alignment=%s "
				 "so the BAR gets a page of its own",
				 dev->bdf);
			add(out, RTDD_PCI_SEV_CAVEAT, "bar-subpage", fix,
			    "BAR%d is %llu bytes, smaller than a 4 KiB page: "
			    "the page may hold another device's registers",
			    b->index, (unsigned long long)b->size);
			break;
		}
	}
	if (dev->in_use[0]) {
		if (rtdd__pci_is_passthrough_driver(dev->driver))
			;
		else if (dev->in_use_mounted)
			add(out, RTDD_PCI_SEV_CAVEAT, "dom0-mounted",
			    "unmount its filesystems, swapoff, remove dm/md "
			    "devices on it, and move dom0 off it first",
			    "dom0 has a mounted filesystem, swap or dm/md "
			    "device on it (%s)",
			    dev->in_use);
		else
			add(out, RTDD_PCI_SEV_INFO, "dom0-uses", NULL,
			    "dom0 uses it now (%s); assigning takes it away",
			    dev->in_use);
	}
	if (dev->has_sriov && !dev->is_vf) {
		char fix[128];

		snprintf(
			fix, sizeof(fix),
			"give each driver domain its own VF: rtdd pci vfs %s N",
			dev->bdf);
		add(out, RTDD_PCI_SEV_INFO, "sriov", fix,
		    "SR-IOV physical function: %d of %d VFs enabled",
		    dev->sriov_num_vfs, dev->sriov_total_vfs);
	}
	if (dev->is_vf) {
		char pf[RTDD_PCI_ADDR_STRLEN];

		add(out, RTDD_PCI_SEV_INFO, "vf", NULL,
		    "SR-IOV virtual function of %s: the PF's driver in dom0 "
		    "must stay loaded",
		    rtdd_pci_addr_format(&dev->physfn, pf));
	}
	if (dev->driver[0] && !rtdd__pci_is_passthrough_driver(dev->driver) &&
	    !dev->is_bridge)
		add(out, RTDD_PCI_SEV_INFO, "bound", NULL,
		    "bound to %s in dom0; `rtdd pci assign %s --to pciback` "
		    "moves it",
		    dev->driver, dev->bdf);

	/* Blockers first, then caveats, then the rest; stable. */
	for (size_t i = 1; i < out->n_reasons; i++) {
		struct rtdd_pci_reason r = out->reasons[i];
		size_t j = i;

		for (; j > 0 && out->reasons[j - 1].sev < r.sev; j--)
			out->reasons[j] = out->reasons[j - 1];
		out->reasons[j] = r;
	}
	for (size_t i = 0; i < out->n_reasons; i++) {
		if (out->reasons[i].sev == RTDD_PCI_SEV_BLOCKER)
			blockers++;
		else if (out->reasons[i].sev == RTDD_PCI_SEV_CAVEAT)
			caveats++;
	}
	if (blockers)
		out->verdict = RTDD_PCI_NOT_ASSIGNABLE;
	else if (caveats || !irq_good || !own_group ||
		 !(dev->reset & (RTDD_PCI_RESET_FLR | RTDD_PCI_RESET_AF_FLR)))
		out->verdict = RTDD_PCI_CAVEATS;
	else
		out->verdict = RTDD_PCI_RT_GOOD;
	return 0;
}

const char *rtdd_pci_verdict_str(enum rtdd_pci_verdict v)
{
	switch (v) {
	case RTDD_PCI_NOT_ASSIGNABLE:
		return "not-assignable";
	case RTDD_PCI_CAVEATS:
		return "assignable-with-caveats";
	case RTDD_PCI_RT_GOOD:
		return "rt-good";
	}
	return "?";
}

const char *rtdd_pci_severity_str(enum rtdd_pci_severity s)
{
	switch (s) {
	case RTDD_PCI_SEV_INFO:
		return "info";
	case RTDD_PCI_SEV_CAVEAT:
		return "caveat";
	case RTDD_PCI_SEV_BLOCKER:
		return "blocker";
	}
	return "?";
}

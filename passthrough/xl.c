// SPDX-License-Identifier: MIT
/*
 * xl.cfg `pci = [ ... ]` entries (xl-pci-configuration(5)):
 *   BDF[,permissive=0|1][,msitranslate=0|1][,seize=0|1][,power_mgmt=0|1]
 *      [,rdm_policy=strict|relaxed]
 * msitranslate, power_mgmt and rdm_policy only mean something to HVM guests;
 * for a PV or PVH driver domain they are left out rather than written with
 * no effect.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

int rtdd_pci_xl_entry(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
		      const struct rtdd_pci_xl_opts *opts, char *buf,
		      size_t len)
{
	static const struct rtdd_pci_xl_opts defaults;
	const struct rtdd_pci_dev *dev = rtdd_pci_find(pci, addr);
	int n;

	if (!opts)
		opts = &defaults;
	if (!dev) {
		char bdf[RTDD_PCI_ADDR_STRLEN];

		return rtdd__pci_err(pci, -ENODEV, "no PCI device %s under %s",
				     rtdd_pci_addr_format(addr, bdf),
				     pci->root);
	}
	/* permissive=1 lets the guest write config registers pciback does
	 * not know: needed by a few devices, a hole for everyone else. */
	n = snprintf(buf, len, "'%s,permissive=%d", dev->bdf,
		     opts->permissive ? 1 : 0);
	if (n > 0 && (size_t)n < len && opts->seize)
		n += snprintf(buf + n, len - (size_t)n, ",seize=1");
	if (n > 0 && (size_t)n < len && opts->guest == RTDD_PCI_GUEST_HVM) {
		/* Native MSI/MSI-X: translating to INTx adds the emulated
		 * line's latency and breaks drivers that check MSI state.
		 * No D-state changes: a device waking from D3 is a latency
		 * spike an RT domain did not budget for. */
		n += snprintf(buf + n, len - (size_t)n,
			      "%s,power_mgmt=0,rdm_policy=%s",
			      dev->has_msi || dev->has_msix ? ",msitranslate=0"
							    : "",
			      opts->rdm_relaxed ? "relaxed" : "strict");
	}
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "'");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the PCI address parser (rtdd_pci_addr_parse), which
 * takes BDFs from manifests, the command line and sysfs names.
 *
 * Oracles: 0 or -EINVAL; an accepted address has dev <= 0x1f and
 * func <= 7, formats into RTDD_PCI_ADDR_STRLEN bytes and parses back to
 * the same address (format and parse are inverse).
 */
#include <errno.h>

#include "fuzz.h"
#include "rtdd/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtdd_pci_addr a, b;
	char buf[RTDD_PCI_ADDR_STRLEN + 8];
	char *s = fuzz_strdup(data, size);
	int rc;

	if (!s)
		return 0;
	rc = rtdd_pci_addr_parse(s, &a);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (!rc) {
		FUZZ_CHECK(a.dev <= 0x1f && a.func <= 7);
		memset(buf, 'x', sizeof(buf));
		FUZZ_CHECK(rtdd_pci_addr_format(&a, buf) == buf);
		FUZZ_CHECK(memchr(buf, 0, RTDD_PCI_ADDR_STRLEN));
		FUZZ_CHECK(rtdd_pci_addr_parse(buf, &b) == 0);
		FUZZ_CHECK(rtdd_pci_addr_eq(&a, &b));
	}
	free(s);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * librtdd_pci on checked-in fixture sysfs trees (tests/fixtures/pci, made by
 * mkfixture.py) and on this machine's real PCI bus, cross-checked against
 * `lspci -vvv` on both.
 *
 * Binding and VF creation run on a private copy of the fixture tree with a
 * fake kernel installed as the library's sysfs writer: bind creates the
 * driver link, unbind removes it, sriov_numvfs creates VF directories, and
 * selected binds fail so rollback can be watched.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "rtdd/pci.h"

#ifndef PCI_FIXTURE_DIR
#error "PCI_FIXTURE_DIR must point at tests/fixtures/pci"
#endif

#define FIX_SYS PCI_FIXTURE_DIR "/sys"
#define FIX_XEN PCI_FIXTURE_DIR "/sys-xen"
#define FIX_VF PCI_FIXTURE_DIR "/vf-template"

/* snprintf into an array that must not truncate. */
#define SNP(buf, ...) \
	assert_true(snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

static struct rtdd_pci_addr A(const char *s) {
	struct rtdd_pci_addr a;

	assert_int_equal(rtdd_pci_addr_parse(s, &a), 0);
	return a;
}

static const struct rtdd_pci_dev *
dev_at(rtdd_pci *pci, const char *s)
{
	struct rtdd_pci_addr a = A(s);
	const struct rtdd_pci_dev *d = rtdd_pci_find(pci, &a);

	assert_non_null(d);
	return d;
}

static const struct rtdd_pci_reason *reason(const struct rtdd_pci_check *c,
					    const char *code)
{
	for (size_t i = 0; i < c->n_reasons; i++)
		if (!strcmp(c->reasons[i].code, code))
			return &c->reasons[i];
	return NULL;
}

static size_t n_blockers(const struct rtdd_pci_check *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_reasons; i++)
		n += c->reasons[i].sev == RTDD_PCI_SEV_BLOCKER;
	return n;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[PATH_MAX * 3];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---- addresses ------------------------------------------------------------ */

static void test_addr_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"0",
		"00:00",
		"0000:00:00",
		"00:20.0",
		"00:1f.8",
		"0000:00:00.0x",
		"g000:00:00.0",
		"00:0.0",
		"000:00:00.0",
		"0000:000:00.0",
		"0000:00:00.0.0",
		"0000:00:00:0.0",
		" 00:00.0",
		"00:00.0 ",
		"00.00:0",
		"-1:00.0",
		"0000:00:1f.-1",
		"123456789:00:00.0",
		"+000:00:00.0",
	};
	struct rtdd_pci_addr a;
	char buf[RTDD_PCI_ADDR_STRLEN];

	(void)state;
	assert_int_equal(rtdd_pci_addr_parse("0000:03:00.0", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 3);
	assert_int_equal(a.dev, 0);
	assert_int_equal(a.func, 0);
	assert_int_equal(rtdd_pci_addr_parse("ffff:FF:1f.7", &a), 0);
	assert_int_equal(a.domain, 0xffff);
	assert_int_equal(a.bus, 0xff);
	assert_int_equal(a.dev, 31);
	assert_int_equal(a.func, 7);
	assert_string_equal(rtdd_pci_addr_format(&a, buf), "ffff:ff:1f.7");
	assert_int_equal(rtdd_pci_addr_parse("1c:02.3", &a), 0);
	assert_string_equal(rtdd_pci_addr_format(&a, buf), "0000:1c:02.3");
	/* Intel VMD puts devices in domains above 0xffff. */
	assert_int_equal(rtdd_pci_addr_parse("10000:e1:00.0", &a), 0);
	assert_int_equal(a.domain, 0x10000);
	assert_string_equal(rtdd_pci_addr_format(&a, buf), "10000:e1:00.0");
	assert_int_equal(rtdd_pci_addr_parse("ffffffff:00:00.0", &a), 0);
	assert_string_equal(rtdd_pci_addr_format(&a, buf), "ffffffff:00:00.0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rtdd_pci_addr_parse(bad[i], &a) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
	}
	assert_int_equal(rtdd_pci_addr_parse(NULL, &a), -EINVAL);
}

/* ---- inventory on the fixture ----------------------------------------------- */

static void test_fixture_inventory(void **state)
{
	const struct rtdd_pci_dev *d;
	rtdd_pci *pci;
	char buf[64];

	(void)state;
	assert_int_equal(rtdd_pci_open(&pci, FIX_SYS), 0);
	assert_int_equal(rtdd_pci_count(pci), 11);
	assert_true(rtdd_pci_kernel_iommu(pci));
	assert_false(rtdd_pci_on_xen(pci));

	/* The NIC with SR-IOV and FLR. */
	d = dev_at(pci, "0000:01:00.0");
	assert_int_equal(d->vendor_id, 0x8086);
	assert_int_equal(d->device_id, 0x10fb);
	assert_string_equal(d->vendor_name, "Intel Corporation");
	assert_non_null(strstr(d->device_name, "82599ES"));
	assert_string_equal(d->class_name, "Ethernet controller");
	assert_int_equal(d->class_code, 0x020000);
	assert_string_equal(d->driver, "ixgbe");
	assert_string_equal(d->driver_override, "");
	assert_int_equal(d->group_source, RTDD_PCI_GROUP_KERNEL);
	assert_int_equal(d->iommu_group, 2);
	assert_int_equal(d->n_group, 0);
	assert_true(d->is_pcie);
	assert_int_equal(d->config_len, 4096);
	assert_true(d->has_upstream);
	assert_string_equal(rtdd_pci_addr_format(&d->upstream, buf),
			    "0000:00:01.0");
	assert_int_equal(d->n_bars, 3);
	assert_int_equal(d->bars[0].index, 0);
	assert_int_equal(d->bars[0].kind, RTDD_PCI_BAR_MEM64);
	assert_int_equal(d->bars[0].addr, 0xf7c00000);
	assert_int_equal(d->bars[0].size, 512 * 1024);
	assert_int_equal(d->bars[1].index, 2);
	assert_int_equal(d->bars[1].kind, RTDD_PCI_BAR_IO);
	assert_int_equal(d->bars[1].addr, 0xe020);
	assert_int_equal(d->bars[1].size, 32);
	assert_int_equal(d->bars[2].index, 4);
	assert_int_equal(d->int_pin, 1);
	assert_int_equal(d->irq, 16);
	assert_true(d->has_msi);
	assert_int_equal(d->msi_vectors, 1);
	assert_true(d->has_msix);
	assert_int_equal(d->msix_table_size, 64);
	assert_int_equal(d->reset, RTDD_PCI_RESET_FLR | RTDD_PCI_RESET_BUS);
	assert_string_equal(d->kernel_reset_method, "flr bus");
	assert_true(d->has_pm);
	assert_true(d->pm_no_soft_reset);
	assert_true(d->has_sriov);
	assert_int_equal(d->sriov_total_vfs, 63);
	assert_int_equal(d->sriov_num_vfs, 0);
	assert_int_equal(d->sriov_vf_offset, 128);
	assert_int_equal(d->sriov_vf_stride, 2);
	assert_int_equal(d->sriov_vf_device, 0x10ed);
	assert_string_equal(d->in_use, "net:eth1");
	assert_false(d->in_use_mounted);
	assert_string_equal(rtdd_pci_reset_str(d->reset, buf, sizeof(buf)),
			    "flr,bus");

	/* No reset at all: root bus, No_Soft_Reset, no FLR. */
	d = dev_at(pci, "00:02.0");
	assert_int_equal(d->reset, 0);
	assert_false(d->has_upstream);
	assert_true(d->pm_no_soft_reset);
	assert_string_equal(d->kernel_reset_method, "");
	assert_string_equal(rtdd_pci_reset_str(d->reset, buf, sizeof(buf)),
			    "none");

	/* PM reset only, MSI only, a USB disk whose partition dm holds. */
	d = dev_at(pci, "00:14.0");
	assert_string_equal(d->in_use, "block:sda(in use)");
	assert_true(d->in_use_mounted);
	assert_int_equal(d->reset, RTDD_PCI_RESET_PM);
	assert_int_equal(d->msi_vectors, 8);
	assert_false(d->has_msix);

	/* Behind the PCIe-to-PCI bridge: shared group, siblings. */
	d = dev_at(pci, "03:00.0");
	assert_false(d->is_pcie);
	assert_int_equal(d->config_len, 256);
	assert_int_equal(d->iommu_group, 3);
	assert_int_equal(d->n_group, 3);
	assert_string_equal(rtdd_pci_addr_format(&d->group[0], buf),
			    "0000:00:1c.0");
	assert_string_equal(rtdd_pci_addr_format(&d->group[1], buf),
			    "0000:02:00.0");
	assert_string_equal(rtdd_pci_addr_format(&d->group[2], buf),
			    "0000:03:01.0");
	assert_int_equal(d->n_bus_siblings, 1);
	assert_int_equal(d->reset, 0); /* sibling: no bus reset */
	assert_false(d->has_msi);
	assert_false(d->has_msix);
	assert_int_equal(d->irq, 17);
	assert_int_equal(d->bars[1].size, 256);

	/* Bridges. */
	d = dev_at(pci, "02:00.0");
	assert_true(d->is_bridge);
	assert_int_equal(d->header_type, 1);
	assert_int_equal(d->pcie_type, 7);
	d = dev_at(pci, "00:01.0");
	assert_true(d->has_acs);
	assert_string_equal(d->driver, "pcieport");

	/* Devices come sorted by address. */
	for (size_t i = 1; i < rtdd_pci_count(pci); i++)
		assert_true(strcmp(rtdd_pci_get(pci, i - 1)->bdf,
				   rtdd_pci_get(pci, i)->bdf) < 0);
	assert_null(rtdd_pci_get(pci, rtdd_pci_count(pci)));
	rtdd_pci_close(pci);
}

static void test_fixture_check(void **state)
{
	struct rtdd_pci_check c;
	struct rtdd_pci_addr pair[2];
	const struct rtdd_pci_reason *r;
	rtdd_pci *pci;

	(void)state;
	assert_int_equal(rtdd_pci_open(&pci, FIX_SYS), 0);

	/* NIC with MSI-X, FLR, own group: good for RT. */
	pair[0] = A("01:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_RT_GOOD);
	assert_int_equal(n_blockers(&c), 0);
	assert_non_null(reason(&c, "sriov"));
	assert_non_null(
		strstr(reason(&c, "sriov")->fix, "rtdd pci vfs 0000:01:00.0"));

	/* Without reset: one blocker, naming the fix. */
	pair[0] = A("00:02.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_NOT_ASSIGNABLE);
	assert_int_equal(n_blockers(&c), 1);
	r = reason(&c, "no-reset");
	assert_non_null(r);
	assert_int_equal(r->sev, RTDD_PCI_SEV_BLOCKER);
	assert_non_null(strstr(r->text, "No_Soft_Reset"));
	assert_non_null(strstr(r->text, "root bus"));
	assert_non_null(strstr(r->fix, "FLR"));
	assert_int_equal(c.reasons[0].sev, RTDD_PCI_SEV_BLOCKER);

	/* Shared group with a device staying in dom0, shared INTx. */
	pair[0] = A("03:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_NOT_ASSIGNABLE);
	r = reason(&c, "group-shared");
	assert_non_null(r);
	assert_non_null(strstr(r->text, "0000:03:01.0 (firewire_ohci)"));
	/* bridges in the group do not count */
	assert_null(strstr(r->text, "0000:02:00.0"));
	assert_non_null(strstr(r->fix, "rtdd pci check 0000:03:00.0 "
				       "0000:03:01.0"));
	assert_non_null(reason(&c, "intx-shared"));
	assert_non_null(reason(&c, "no-reset"));
	assert_non_null(reason(&c, "bar-subpage"));
	assert_non_null(strstr(reason(&c, "bar-subpage")->fix,
			       "pci=resource_alignment=0000:03:00.0"));

	/* Together with its group mate the group and the INTx line are
	 * fine; the reset problem stays. */
	pair[0] = A("03:00.0");
	pair[1] = A("03:01.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], pair, 2, &c), 0);
	assert_null(reason(&c, "group-shared"));
	assert_null(reason(&c, "intx-shared"));
	assert_non_null(reason(&c, "group-assigned"));
	assert_int_equal(n_blockers(&c), 1);
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[1], pair, 2, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_CAVEATS);
	assert_non_null(reason(&c, "reset-weak"));

	/* A bridge. */
	pair[0] = A("02:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_NOT_ASSIGNABLE);
	assert_non_null(reason(&c, "bridge"));

	/* Caveats only. */
	pair[0] = A("00:14.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_CAVEATS);
	assert_non_null(reason(&c, "msi-only"));
	assert_non_null(reason(&c, "reset-weak"));
	assert_non_null(reason(&c, "dom0-mounted"));

	/* No such device. */
	pair[0] = A("0000:42:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &pair[0], NULL, 0, &c),
			 -ENODEV);
	assert_non_null(strstr(rtdd_pci_strerror(pci), "0000:42:00.0"));
	rtdd_pci_close(pci);
}

static void test_xen_topology(void **state)
{
	const struct rtdd_pci_dev *d;
	struct rtdd_pci_check c;
	struct rtdd_pci_addr a;
	rtdd_pci *pci;
	char buf[RTDD_PCI_ADDR_STRLEN];

	(void)state;
	assert_int_equal(rtdd_pci_open(&pci, FIX_XEN), 0);
	assert_false(rtdd_pci_kernel_iommu(pci));
	assert_true(rtdd_pci_on_xen(pci));
	d = dev_at(pci, "03:00.0");
	assert_int_equal(d->group_source, RTDD_PCI_GROUP_TOPOLOGY);
	assert_int_equal(d->iommu_group, -1);
	assert_int_equal(d->n_group, 2);
	assert_string_equal(rtdd_pci_addr_format(&d->group[0], buf),
			    "0000:02:00.0");
	assert_string_equal(rtdd_pci_addr_format(&d->group[1], buf),
			    "0000:03:01.0");
	d = dev_at(pci, "01:00.0");
	assert_int_equal(d->group_source, RTDD_PCI_GROUP_NONE);
	assert_int_equal(d->n_group, 0);

	a = A("01:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &a, NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_RT_GOOD);
	assert_non_null(reason(&c, "iommu-xen"));
	a = A("03:00.0");
	assert_int_equal(rtdd_pci_check_dev(pci, &a, NULL, 0, &c), 0);
	assert_non_null(reason(&c, "group-shared"));
	assert_non_null(strstr(reason(&c, "group-shared")->text, "topology"));
	rtdd_pci_close(pci);
}

/* ---- lspci cross-check ---------------------------------------------------- */

struct ls_dev {
	char bdf[16];
	char names[512]; /* "class: vendor device" of the header line */
	int pin;	 /* 0 or 1..4 */
	int irq;
	int group; /* -1 none */
	int nbars;
	struct {
		int index;
		char kind[8];
		unsigned long long addr;
		int prefetch;
	} bars[6];
	int msi; /* vectors, 0 none */
	int msi64;
	int msix; /* table size, 0 none */
	int flr;  /* DevCap FLReset+ */
	int af_flr;
	int pm; /* PM capability */
	int nosoftrst;
	int sriov_total; /* -1 none */
	int vf_offset, vf_stride;
	char driver[64];
};

static unsigned long long size_of_lspci(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K':
		return v << 10;
	case 'M':
		return v << 20;
	case 'G':
		return v << 30;
	case 'T':
		return v << 40;
	default:
		return v;
	}
}

/* Parses `lspci -D -vvv` into devs; returns the count or -1. */
static int lspci_parse(const char *root, struct ls_dev *devs, int max,
		       unsigned long long sizes[][6])
{
	char cmd[PATH_MAX + 128], line[1024];
	struct ls_dev *cur = NULL;
	int n = 0, in_devcap = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "lspci -D -vvv -A linux-sysfs -O hwdb.disable=1 "
		 "-O sysfs.path=%s/bus/pci 2>/dev/null",
		 root);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *s;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] && line[0] != '\t') {
			if (n >= max)
				break;
			cur = &devs[n];
			memset(cur, 0, sizeof(*cur));
			cur->group = -1;
			cur->sriov_total = -1;
			snprintf(cur->bdf, sizeof(cur->bdf), "%.12s", line);
			snprintf(cur->names, sizeof(cur->names), "%.500s",
				 line + 13);
			/* drop " (rev xx)" and " (prog-if ...)" */
			if ((s = strstr(cur->names, " (rev ")))
				*s = '\0';
			if ((s = strstr(cur->names, " (prog-if ")))
				*s = '\0';
			n++;
			in_devcap = 0;
			continue;
		}
		if (!cur)
			continue;
		s = line + strspn(line, "\t ");
		if (sscanf(s, "Interrupt: pin %c routed to IRQ %d",
			   (char *)&cur->pin, &cur->irq) == 2) {
			cur->pin = (cur->pin & 0xff) - 'A' + 1;
		} else if (!strncmp(s, "Interrupt: pin ", 15)) {
			cur->pin = s[15] - 'A' + 1;
		} else if (sscanf(s, "IOMMU group: %d", &cur->group) == 1) {
			;
		} else if (!strncmp(s, "Region ", 7) && cur->nbars < 6) {
			int idx = atoi(s + 7);
			char *at = strstr(s, " at "), *sz = strstr(s, "[size=");

			if (!at || !sz)
				continue;
			cur->bars[cur->nbars].index = idx;
			cur->bars[cur->nbars].addr = strtoull(at + 4, NULL, 16);
			snprintf(cur->bars[cur->nbars].kind, 8, "%s",
				 strstr(s, "I/O ports") ? "io"
				 : strstr(s, "64-bit")	? "mem64"
							: "mem32");
			cur->bars[cur->nbars].prefetch =
				strstr(s, " prefetchable") != NULL;
			sizes[n - 1][cur->nbars] = size_of_lspci(sz + 6);
			cur->nbars++;
		} else if (strstr(s, "] MSI: ")) {
			char *c = strstr(s, "Count=");

			if (c)
				cur->msi = atoi(strchr(c, '/') + 1);
			cur->msi64 = strstr(s, "64bit+") != NULL;
		} else if (strstr(s, "] MSI-X: ")) {
			char *c = strstr(s, "Count=");

			if (c)
				cur->msix = atoi(c + 6);
		} else if (strstr(s, "] Power Management")) {
			cur->pm = 1;
		} else if (!strncmp(s, "Status: D", 9) &&
			   strstr(s, "NoSoftRst")) {
			cur->nosoftrst = strstr(s, "NoSoftRst+") != NULL;
		} else if (!strncmp(s, "DevCap:", 7)) {
			in_devcap = 1;
			if (strstr(s, "FLReset+"))
				cur->flr = 1;
		} else if (in_devcap && strstr(s, "FLReset")) {
			cur->flr = strstr(s, "FLReset+") != NULL;
			in_devcap = 0;
		} else if (!strncmp(s, "AFCap:", 6)) {
			cur->af_flr = strstr(s, "TP+") && strstr(s, "FLR+");
		} else if (sscanf(s, "Initial VFs: %*d, Total VFs: %d",
				  &cur->sriov_total) == 1) {
			;
		} else if (sscanf(s, "VF offset: %d, stride: %d",
				  &cur->vf_offset, &cur->vf_stride) == 2) {
			;
		} else if (!strncmp(s, "Kernel driver in use: ", 22)) {
			snprintf(cur->driver, sizeof(cur->driver), "%s",
				 s + 22);
		} else if (!strncmp(s, "DevCtl:", 7)) {
			in_devcap = 0;
		}
	}
	if (pclose(p) != 0 && n == 0)
		return -1;
	return n;
}

static void lspci_agree(const char *root, int want_devices)
{
	static struct ls_dev ls[256];
	static unsigned long long sizes[256][6];
	rtdd_pci *pci;
	int n;

	memset(sizes, 0, sizeof(sizes));
	n = lspci_parse(root, ls, 256, sizes);
	if (n < 0) {
		print_message("SKIP: lspci (pciutils) did not run\n");
		skip();
	}
	assert_int_equal(rtdd_pci_open(&pci, root), 0);
	assert_int_equal((int)rtdd_pci_count(pci), n);
	if (want_devices)
		assert_int_equal(n, want_devices);
	print_message("lspci -vvv and librtdd_pci agree on %d devices of %s\n",
		      n, root);
	for (int i = 0; i < n; i++) {
		const struct ls_dev *l = &ls[i];
		const struct rtdd_pci_dev *d = dev_at(pci, l->bdf);
		char names[512];
		int pm_reset;

		snprintf(names, sizeof(names), "%s: %s %s", d->class_name,
			 d->vendor_name, d->device_name);
		if (strcmp(names, l->names))
			fail_msg("%s: names '%s' vs lspci '%s'", l->bdf, names,
				 l->names);
		assert_int_equal(d->int_pin, l->pin);
		if (l->pin)
			assert_int_equal(d->irq, l->irq);
		assert_int_equal(d->iommu_group, l->group);
		assert_int_equal((int)d->n_bars, l->nbars);
		for (int b = 0; b < l->nbars; b++) {
			const char *k = d->bars[b].kind == RTDD_PCI_BAR_IO
						? "io"
					: d->bars[b].kind == RTDD_PCI_BAR_MEM64
						? "mem64"
						: "mem32";

			assert_int_equal(d->bars[b].index, l->bars[b].index);
			assert_string_equal(k, l->bars[b].kind);
			assert_int_equal(d->bars[b].addr, l->bars[b].addr);
			assert_int_equal(d->bars[b].size, sizes[i][b]);
			assert_int_equal(d->bars[b].prefetchable,
					 l->bars[b].prefetch);
		}
		assert_int_equal(d->has_msi ? d->msi_vectors : 0, l->msi);
		if (l->msi)
			assert_int_equal(d->msi_64bit, l->msi64);
		assert_int_equal(d->has_msix ? d->msix_table_size : 0, l->msix);
		assert_int_equal(d->has_pm, l->pm);
		assert_int_equal(d->pm_no_soft_reset, l->nosoftrst);
		assert_int_equal(!!(d->reset & RTDD_PCI_RESET_FLR), l->flr);
		assert_int_equal(!!(d->reset & RTDD_PCI_RESET_AF_FLR),
				 l->af_flr);
		pm_reset = l->pm && !l->nosoftrst;
		assert_int_equal(!!(d->reset & RTDD_PCI_RESET_PM), pm_reset);
		if (l->sriov_total >= 0) {
			assert_true(d->has_sriov);
			assert_int_equal(d->sriov_total_vfs, l->sriov_total);
			assert_int_equal(d->sriov_vf_offset, l->vf_offset);
			assert_int_equal(d->sriov_vf_stride, l->vf_stride);
		}
		assert_string_equal(d->driver, l->driver);
	}
	rtdd_pci_close(pci);
}

static void test_lspci_fixture(void **state)
{
	(void)state;
	lspci_agree(FIX_SYS, 11);
}

static void test_lspci_real(void **state)
{
	struct stat st;

	(void)state;
	if (stat("/sys/bus/pci/devices", &st)) {
		print_message("SKIP: this machine has no /sys/bus/pci\n");
		skip();
	}
	if (geteuid() != 0) {
		/* lspci and we would both see 64 bytes: still compare. */
		print_message("note: not root, config space past 64 bytes "
			      "is hidden from both\n");
	}
	lspci_agree("/sys", 0);
}

static void test_real_check(void **state)
{
	struct rtdd_pci_check c;
	rtdd_pci *pci;
	int rc;

	(void)state;
	rc = rtdd_pci_open(&pci, "/sys");
	if (rc == -ENOENT) {
		rtdd_pci_close(pci);
		print_message("SKIP: this machine has no /sys/bus/pci\n");
		skip();
	}
	assert_int_equal(rc, 0);
	for (size_t i = 0; i < rtdd_pci_count(pci); i++) {
		const struct rtdd_pci_dev *d = rtdd_pci_get(pci, i);
		int blockers;

		assert_int_equal(rtdd_pci_check_dev(pci, &d->addr, NULL, 0, &c),
				 0);
		assert_true(c.n_reasons > 0);
		blockers = (int)n_blockers(&c);
		/* The verdict follows the reasons, and the reasons follow
		 * what lspci showed (checked above). */
		assert_int_equal(c.verdict == RTDD_PCI_NOT_ASSIGNABLE,
				 blockers > 0);
		if (d->is_bridge)
			assert_non_null(reason(&c, "bridge"));
		else if (d->config_len < 256)
			assert_non_null(reason(&c, "config-short"));
		else if (!d->reset)
			assert_non_null(reason(&c, "no-reset"));
		if (d->in_use_mounted)
			assert_non_null(reason(&c, "dom0-mounted"));
		print_message("%s %-24s %s\n", d->bdf,
			      rtdd_pci_verdict_str(c.verdict), d->device_name);
	}
	rtdd_pci_close(pci);
}

/* ---- fake kernel for binding and VFs ---------------------------------------- */

struct fake {
	char root[PATH_MAX];
	const char *fail_bind_bdf; /* binds of this device fail ... */
	const char *fail_bind_drv; /* ... to this driver (NULL: any) */
	int fail_numvfs;	   /* writing this VF count fails (0: never) */
	int writes;
};

static int fpath(const struct fake *f, char *buf, size_t len, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

static int fpath(const struct fake *f, char *buf, size_t len, const char *fmt,
		 ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return snprintf(buf, len, "%s/%s", f->root, rel) >= (int)len ? -1 : 0;
}

static int fread_str(const struct fake *f, char *buf, size_t len,
		     const char *rel)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	fpath(f, p, sizeof(p), "%s", rel);
	fp = fopen(p, "r");
	buf[0] = '\0';
	if (!fp)
		return -1;
	if (!fgets(buf, (int)len, fp))
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int fwrite_str(const struct fake *f, const char *rel, const char *val)
{
	char p[PATH_MAX * 2];
	FILE *fp;

	fpath(f, p, sizeof(p), "%s", rel);
	fp = fopen(p, "w");
	if (!fp)
		return -errno;
	fputs(val, fp);
	fclose(fp);
	return 0;
}

static void bound_driver(const struct fake *f, const char *bdf, char *drv,
			 size_t len)
{
	char p[PATH_MAX * 2], t[PATH_MAX];
	ssize_t r;

	fpath(f, p, sizeof(p), "bus/pci/devices/%s/driver", bdf);
	r = readlink(p, t, sizeof(t) - 1);
	drv[0] = '\0';
	if (r > 0) {
		t[r] = '\0';
		snprintf(drv, len, "%s", strrchr(t, '/') + 1);
	}
}

static const char *native_driver(const char *bdf)
{
	if (!strcmp(bdf, "0000:01:00.0"))
		return "ixgbe";
	if (!strcmp(bdf, "0000:05:00.0"))
		return "igb";
	if (!strncmp(bdf, "0000:01:1", 9))
		return "ixgbevf";
	return NULL;
}

static int fake_bind(struct fake *f, const char *drv, const char *bdf)
{
	char cur[64], ovr[64], p[PATH_MAX * 2], t[PATH_MAX * 2];

	fpath(f, p, sizeof(p), "bus/pci/devices/%s", bdf);
	if (access(p, F_OK))
		return -ENODEV;
	bound_driver(f, bdf, cur, sizeof(cur));
	if (cur[0])
		return -EBUSY;
	snprintf(t, sizeof(t), "bus/pci/devices/%s/driver_override", bdf);
	fread_str(f, ovr, sizeof(ovr), t);
	if (strcmp(ovr, "(null)") && ovr[0] && strcmp(ovr, drv))
		return -ENODEV; /* override excludes this driver */
	if (f->fail_bind_bdf && !strcmp(bdf, f->fail_bind_bdf) &&
	    (!f->fail_bind_drv || !strcmp(drv, f->fail_bind_drv)))
		return -EINVAL; /* the driver's probe failed */
	fpath(f, p, sizeof(p), "bus/pci/devices/%s/driver", bdf);
	fpath(f, t, sizeof(t), "bus/pci/drivers/%s", drv);
	if (access(t, F_OK))
		return -ENOENT;
	return symlink(t, p) ? -errno : 0;
}

static void fake_vfs(struct fake *f, const char *pf, int n)
{
	char p[PATH_MAX * 2], t[PATH_MAX * 2], vf[16];
	int old;

	fread_str(f, vf, sizeof(vf),
		  "bus/pci/devices/0000:01:00.0/sriov_numvfs");
	old = atoi(vf);
	for (int k = 0; k < old; k++) {
		unsigned int rid = 0x100 + 128 + 2 * (unsigned int)k;

		SNP(vf, "0000:%02x:%02x.%x", rid >> 8, (rid >> 3) & 0x1f,
		    rid & 7);
		run("rm -rf '%s/devices/pci0000:00/0000:00:01.0/%s' "
		    "'%s/bus/pci/devices/%s' '%s/kernel/iommu_groups/%d' "
		    "'%s/devices/pci0000:00/0000:00:01.0/%s/virtfn%d'",
		    f->root, vf, f->root, vf, f->root, 100 + k, f->root, pf, k);
	}
	for (int k = 0; k < n; k++) {
		unsigned int rid = 0x100 + 128 + 2 * (unsigned int)k;
		char dir[PATH_MAX * 2];

		SNP(vf, "0000:%02x:%02x.%x", rid >> 8, (rid >> 3) & 0x1f,
		    rid & 7);
		fpath(f, dir, sizeof(dir), "devices/pci0000:00/0000:00:01.0/%s",
		      vf);
		assert_int_equal(run("cp -r '%s' '%s'", FIX_VF, dir), 0);
		fpath(f, p, sizeof(p), "bus/pci/devices/%s", vf);
		assert_int_equal(symlink(dir, p), 0);
		SNP(p, "%s/physfn", dir);
		fpath(f, t, sizeof(t), "devices/pci0000:00/0000:00:01.0/%s",
		      pf);
		assert_int_equal(symlink(t, p), 0);
		SNP(p, "%s/virtfn%d", t, k);
		assert_int_equal(symlink(dir, p), 0);
		fpath(f, t, sizeof(t), "kernel/iommu_groups/%d/devices",
		      100 + k);
		assert_int_equal(run("mkdir -p '%s'", t), 0);
		SNP(p, "%s/%s", t, vf);
		assert_int_equal(symlink(dir, p), 0);
		SNP(p, "%s/iommu_group", dir);
		fpath(f, t, sizeof(t), "kernel/iommu_groups/%d", 100 + k);
		assert_int_equal(symlink(t, p), 0);
	}
}

static int fake_write(void *arg, const char *root, const char *rel,
		      const char *value)
{
	struct fake *f = arg;
	char bdf[32], drv[64], rest[64], val[64];
	int n;

	assert_string_equal(root, f->root);
	f->writes++;
	snprintf(val, sizeof(val), "%s", value);
	val[strcspn(val, "\n")] = '\0';

	if (sscanf(rel, "bus/pci/devices/%31[^/]/%63s", bdf, rest) == 2) {
		char p[PATH_MAX];

		if (!strcmp(rest, "driver_override")) {
			snprintf(p, sizeof(p), "%s", rel);
			return fwrite_str(f, p, val[0] ? val : "(null)");
		}
		if (!strcmp(rest, "sriov_numvfs")) {
			char cur[16];

			n = atoi(val);
			fread_str(f, cur, sizeof(cur), rel);
			if (atoi(cur) && n)
				return -EBUSY; /* the kernel wants 0 first */
			if (f->fail_numvfs && n == f->fail_numvfs)
				return -ENOMEM;
			fake_vfs(f, bdf, n);
			snprintf(p, sizeof(p), "%s", rel);
			return fwrite_str(f, p, val);
		}
		return rtdd_pci_write_default(NULL, root, rel, value);
	}
	if (sscanf(rel, "bus/pci/drivers/%63[^/]/%63s", drv, rest) == 2) {
		char cur[64], p[PATH_MAX * 2];

		if (!strcmp(rest, "unbind")) {
			bound_driver(f, val, cur, sizeof(cur));
			if (strcmp(cur, drv))
				return -ENODEV;
			fpath(f, p, sizeof(p), "bus/pci/devices/%s/driver",
			      val);
			return unlink(p) ? -errno : 0;
		}
		if (!strcmp(rest, "bind"))
			return fake_bind(f, drv, val);
	}
	if (!strcmp(rel, "bus/pci/drivers_probe")) {
		char ovr[64], p[PATH_MAX];
		const char *to;

		bound_driver(f, val, drv, sizeof(drv));
		if (drv[0])
			return 0;
		snprintf(p, sizeof(p), "bus/pci/devices/%s/driver_override",
			 val);
		fread_str(f, ovr, sizeof(ovr), p);
		to = strcmp(ovr, "(null)") && ovr[0] ? ovr : native_driver(val);
		return to ? fake_bind(f, to, val) : 0;
	}
	fail_msg("unexpected sysfs write %s <- %s", rel, value);
	return -EINVAL;
}

struct tree {
	char dir[PATH_MAX];
	struct fake fake;
	rtdd_pci *pci;
};

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/rtdd-pci-test.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	assert_int_equal(run("cp -a '%s' '%s/sys'", FIX_SYS, t->dir), 0);
	SNP(t->fake.root, "%s/sys", t->dir);
	assert_int_equal(rtdd_pci_open(&t->pci, t->fake.root), 0);
	rtdd_pci_set_writer(t->pci, fake_write, &t->fake);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	rtdd_pci_close(t->pci);
	run("rm -rf '%s'", t->dir);
	free(t);
	return 0;
}

static void test_assign_dry_then_apply(void **state)
{
	struct tree *t = *state;
	struct rtdd_pci_addr a = A("01:00.0");
	struct rtdd_pci_result res;
	struct rtdd_pci_plan p;
	char drv[64], ovr[64];

	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p), 0);
	assert_string_equal(p.from_driver, "ixgbe");
	assert_string_equal(p.to_driver, "pciback");
	assert_int_equal(p.n_steps, 3);
	assert_string_equal(p.steps[0].path,
			    "bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(p.steps[0].value, "pciback");
	assert_string_equal(p.steps[1].path, "bus/pci/drivers/ixgbe/unbind");
	assert_string_equal(p.steps[1].value, "0000:01:00.0");
	assert_string_equal(p.steps[2].path, "bus/pci/drivers/pciback/bind");
	assert_false(p.blocked);
	/* Planning writes nothing. */
	assert_int_equal(t->fake.writes, 0);
	bound_driver(&t->fake, "0000:01:00.0", drv, sizeof(drv));
	assert_string_equal(drv, "ixgbe");

	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), 0);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.failed_step, -1);
	assert_int_equal(res.rolled_back, 0);
	assert_string_equal(res.final_driver, "pciback");
	assert_int_equal(t->fake.writes, 3);
	assert_string_equal(dev_at(t->pci, "01:00.0")->driver, "pciback");
	assert_string_equal(dev_at(t->pci, "01:00.0")->driver_override,
			    "pciback");

	/* Again: nothing to do. */
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p), 0);
	assert_int_equal(p.n_steps, 0);

	/* Release: back to dom0's native driver through drivers_probe. */
	assert_int_equal(rtdd_pci_plan_release(t->pci, &a, &p), 0);
	assert_int_equal(p.n_steps, 3);
	assert_string_equal(p.steps[0].path, "bus/pci/drivers/pciback/unbind");
	assert_string_equal(p.steps[1].path,
			    "bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(p.steps[2].path, "bus/pci/drivers_probe");
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), 0);
	assert_string_equal(res.final_driver, "ixgbe");
	fread_str(&t->fake, ovr, sizeof(ovr),
		  "bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(ovr, "(null)");
	assert_string_equal(dev_at(t->pci, "01:00.0")->driver_override, "");

	/* Releasing a device dom0 owns is a no-op with a warning. */
	assert_int_equal(rtdd_pci_plan_release(t->pci, &a, &p), 0);
	assert_int_equal(p.n_steps, 0);
	assert_non_null(strstr(p.warning, "not assigned"));
}

static void test_assign_bind_fails_rolls_back(void **state)
{
	struct tree *t = *state;
	struct rtdd_pci_addr a = A("05:00.0");
	struct rtdd_pci_result res;
	struct rtdd_pci_plan p;
	char drv[64], ovr[64];

	t->fake.fail_bind_bdf = "0000:05:00.0";
	t->fake.fail_bind_drv = "vfio-pci";
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "vfio-pci", &p), 0);
	assert_int_equal(p.n_steps, 3);
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), -EINVAL);
	assert_int_equal(res.failed_step, 2);
	assert_int_equal(res.rolled_back, 1);
	assert_string_equal(res.final_driver, "igb");
	assert_non_null(strstr(res.msg, "bind to vfio-pci"));
	assert_non_null(strstr(res.msg, "rolled back to igb"));
	bound_driver(&t->fake, "0000:05:00.0", drv, sizeof(drv));
	assert_string_equal(drv, "igb");
	fread_str(&t->fake, ovr, sizeof(ovr),
		  "bus/pci/devices/0000:05:00.0/driver_override");
	assert_string_equal(ovr, "(null)");
	assert_string_equal(dev_at(t->pci, "05:00.0")->driver, "igb");

	/* Every bind fails: the rollback cannot rebind and says so. */
	t->fake.fail_bind_drv = NULL;
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "vfio-pci", &p), 0);
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), -EINVAL);
	assert_int_equal(res.rolled_back, -1);
	assert_non_null(strstr(res.msg, "ROLLBACK FAILED"));
	assert_non_null(strstr(res.msg, "/sys/bus/pci/drivers/igb/bind"));
	assert_string_equal(res.final_driver, "");
}

static void test_assign_refusals(void **state)
{
	struct tree *t = *state;
	struct rtdd_pci_addr a = A("02:00.0");
	struct rtdd_pci_result res;
	struct rtdd_pci_plan p;

	/* A bridge. */
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p),
			 -EINVAL);
	/* A disk dom0 has in use. */
	a = A("00:14.0");
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p), 0);
	assert_true(p.blocked);
	assert_non_null(strstr(p.warning, "block:sda(in use)"));
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), -EPERM);
	assert_non_null(strstr(res.msg, "refusing"));
	a = A("02:00.0");
	assert_non_null(strstr(rtdd_pci_strerror(t->pci), "bridge"));
	/* No such device, bad target. */
	a = A("0000:09:00.0");
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p),
			 -ENODEV);
	assert_int_equal(rtdd_pci_plan_release(t->pci, &a, &p), -ENODEV);
	a = A("01:00.0");
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "ixgbe", &p),
			 -EINVAL);
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, NULL, &p), -EINVAL);

	/* Target driver not loaded: the plan says how, apply refuses. */
	assert_int_equal(
		run("rm -rf '%s/bus/pci/drivers/vfio-pci'", t->fake.root), 0);
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "vfio-pci", &p), 0);
	assert_true(p.blocked);
	assert_non_null(strstr(p.warning, "modprobe vfio-pci"));
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), -EPERM);
	assert_int_equal(t->fake.writes, 0);
	assert_string_equal(dev_at(t->pci, "01:00.0")->driver, "ixgbe");
	assert_int_equal(
		run("rm -rf '%s/bus/pci/drivers/pciback'", t->fake.root), 0);
	assert_int_equal(rtdd_pci_plan_assign(t->pci, &a, "pciback", &p), 0);
	assert_non_null(strstr(p.warning, "modprobe xen-pciback"));
	/* The fixture copy is ours to write. */
	assert_int_equal(rtdd_pci_can_write(t->pci, &a), 1);
}

static void test_vfs(void **state)
{
	struct tree *t = *state;
	struct rtdd_pci_addr pf = A("01:00.0"), vfs[8], want, a, vfa;
	struct rtdd_pci_result res;
	struct rtdd_pci_plan p;
	struct rtdd_pci_check c;
	const struct rtdd_pci_dev *vf;
	char buf[RTDD_PCI_ADDR_STRLEN];

	assert_int_equal(rtdd_pci_list_vfs(t->pci, &pf, vfs, 8), 0);
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, 4, &p), 0);
	assert_int_equal(p.vfs_from, 0);
	assert_int_equal(p.n_steps, 1);
	assert_string_equal(p.steps[0].path,
			    "bus/pci/devices/0000:01:00.0/sriov_numvfs");
	assert_string_equal(p.steps[0].value, "4");
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), 0);
	assert_int_equal(rtdd_pci_list_vfs(t->pci, &pf, vfs, 8), 4);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(
			rtdd_pci_vf_addr(dev_at(t->pci, "01:00.0"), k, &want),
			0);
		assert_true(rtdd_pci_addr_eq(&vfs[k], &want));
	}
	assert_string_equal(rtdd_pci_addr_format(&vfs[1], buf), "0000:01:10.2");
	assert_int_equal(dev_at(t->pci, "01:00.0")->sriov_num_vfs, 4);
	assert_int_equal(rtdd_pci_count(t->pci), 15);

	/* The VFs are devices of their own, each good for one domain. */
	vf = dev_at(t->pci, "01:10.2"); /* valid until the next rescan */
	assert_true(vf->is_vf);
	assert_string_equal(rtdd_pci_addr_format(&vf->physfn, buf),
			    "0000:01:00.0");
	assert_int_equal(vf->device_id, 0x10ed);
	assert_non_null(strstr(vf->device_name, "Virtual Function"));
	assert_true(vf->reset & RTDD_PCI_RESET_FLR);
	assert_false(vf->reset & RTDD_PCI_RESET_BUS);
	assert_int_equal(vf->msix_table_size, 3);
	assert_int_equal(vf->iommu_group, 101);
	vfa = vf->addr;
	assert_int_equal(rtdd_pci_check_dev(t->pci, &vfa, NULL, 0, &c), 0);
	assert_int_equal(c.verdict, RTDD_PCI_RT_GOOD);
	assert_non_null(reason(&c, "vf"));

	/* 4 -> 2 goes through 0. */
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, 2, &p), 0);
	assert_int_equal(p.n_steps, 2);
	assert_string_equal(p.steps[0].value, "0");
	assert_string_equal(p.steps[1].value, "2");
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), 0);
	assert_int_equal(rtdd_pci_list_vfs(t->pci, &pf, vfs, 8), 2);

	/* 2 -> 8 fails in the kernel: back to 2. */
	t->fake.fail_numvfs = 8;
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, 8, &p), 0);
	assert_int_equal(rtdd_pci_apply(t->pci, &p, &res), -ENOMEM);
	assert_int_equal(res.failed_step, 1);
	assert_int_equal(res.rolled_back, 1);
	assert_non_null(strstr(res.msg, "rolled back to 2 VFs"));
	assert_int_equal(rtdd_pci_list_vfs(t->pci, &pf, vfs, 8), 2);
	assert_int_equal(dev_at(t->pci, "01:00.0")->sriov_num_vfs, 2);

	/* Same count: nothing to do. Out of range, no SR-IOV: errors. */
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, 2, &p), 0);
	assert_int_equal(p.n_steps, 0);
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, 64, &p), -EINVAL);
	assert_non_null(strstr(rtdd_pci_strerror(t->pci), "0..63"));
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &pf, -1, &p), -EINVAL);
	a = A("05:00.0");
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &a, 1, &p), -EINVAL);
	assert_int_equal(rtdd_pci_plan_vfs(t->pci, &vfa, 1, &p), -EINVAL);
	assert_int_equal(rtdd_pci_vf_addr(dev_at(t->pci, "01:00.0"), 63, &a),
			 -EINVAL);
}

/* ---- xl ------------------------------------------------------------------- */

static void test_xl(void **state)
{
	struct rtdd_pci_xl_opts o = {0};
	struct rtdd_pci_addr a = A("01:00.0");
	rtdd_pci *pci;
	char buf[256];

	(void)state;
	assert_int_equal(rtdd_pci_open(&pci, FIX_SYS), 0);
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "'0000:01:00.0,permissive=0'");
	o.guest = RTDD_PCI_GUEST_HVM;
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "'0000:01:00.0,permissive=0,msitranslate=0,"
				 "power_mgmt=0,rdm_policy=strict'");
	o.permissive = 1;
	o.seize = 1;
	o.rdm_relaxed = 1;
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "'0000:01:00.0,permissive=1,seize=1,"
				 "msitranslate=0,power_mgmt=0,"
				 "rdm_policy=relaxed'");
	/* INTx-only device: no msitranslate. */
	a = A("03:00.0");
	o = (struct rtdd_pci_xl_opts){.guest = RTDD_PCI_GUEST_HVM};
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "'0000:03:00.0,permissive=0,power_mgmt=0,"
				 "rdm_policy=strict'");
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, &o, buf, 10), -ENOSPC);
	a = A("07:00.0");
	assert_int_equal(rtdd_pci_xl_entry(pci, &a, &o, buf, sizeof(buf)),
			 -ENODEV);
	rtdd_pci_close(pci);
}

/* ---- hostile and broken trees ---------------------------------------------- */

static void poke(const char *path, long off, const void *bytes, size_t n)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, off, SEEK_SET), 0);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	fclose(f);
}

static void test_hostile_tree(void **state)
{
	char dir[PATH_MAX], root[PATH_MAX + 8], cfg[PATH_MAX * 2];
	const struct rtdd_pci_dev *d;
	rtdd_pci *pci;
	int rc;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rtdd-pci-hostile.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(run("cp -a '%s' '%s/sys'", FIX_SYS, dir), 0);
	snprintf(root, sizeof(root), "%s/sys", dir);

	/* A capability list that points at itself, an extended list that
	 * loops, an MSI-X cap pointing past the end. */
	snprintf(cfg, sizeof(cfg), "%s/bus/pci/devices/0000:01:00.0/config",
		 root);
	poke(cfg, 0x41, "\x40", 1);
	poke(cfg, 0x102, "\x01\x10", 2); /* ext next -> 0x100 */
	snprintf(cfg, sizeof(cfg), "%s/bus/pci/devices/0000:05:00.0/config",
		 root);
	poke(cfg, 0x34, "\xfc", 1);
	poke(cfg, 0xfc, "\x11\xfc\xff\xff", 4);
	/* A driver link that is not a link, an IOMMU group that is junk. */
	assert_int_equal(
		run("rm -f '%s/bus/pci/devices/0000:00:14.0/iommu_group'"
		    " && ln -s ../../../kernel/iommu_groups/abc "
		    "'%s/bus/pci/devices/0000:00:14.0/iommu_group'",
		    root, root),
		0);
	/* What a non-root reader sees: 64 bytes of config space. */
	assert_int_equal(
		run("truncate -s 64 '%s/bus/pci/devices/0000:00:02.0/config'",
		    root),
		0);
	assert_int_equal(rtdd_pci_open(&pci, root), 0);
	d = dev_at(pci, "00:02.0");
	assert_int_equal(d->config_len, 64);
	assert_false(d->has_msix);
	{
		struct rtdd_pci_check c;

		assert_int_equal(rtdd_pci_check_dev(pci, &d->addr, NULL, 0, &c),
				 0);
		assert_int_equal(c.verdict, RTDD_PCI_NOT_ASSIGNABLE);
		assert_non_null(reason(&c, "config-short"));
		assert_null(reason(&c, "no-reset")); /* unknown, not absent */
	}
	d = dev_at(pci, "01:00.0");
	assert_true(d->has_pm);
	assert_false(d->has_msix); /* the list ended at the loop */
	d = dev_at(pci, "05:00.0");
	assert_false(d->has_msix);
	d = dev_at(pci, "00:14.0");
	assert_int_equal(d->iommu_group, -1);
	rtdd_pci_close(pci);

	/* libpci's own errors (no resource file) come back as -EIO with
	 * the reason instead of ending the process. */
	assert_int_equal(
		run("rm '%s/bus/pci/devices/0000:00:14.0/resource'", root), 0);
	rc = rtdd_pci_open(&pci, root);
	assert_int_equal(rc, -EIO);
	assert_non_null(strstr(rtdd_pci_strerror(pci), "resource"));
	rtdd_pci_close(pci);

	/* No bus at all. */
	rc = rtdd_pci_open(&pci, "/nonexistent-rtdd-root");
	assert_int_equal(rc, -ENOENT);
	rtdd_pci_close(pci);
	run("rm -rf '%s'", dir);
}

static void test_not_root(void **state)
{
	struct rtdd_pci_addr a = A("01:00.0");
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0) {
		rtdd_pci *pci;

		assert_int_equal(rtdd_pci_open(&pci, FIX_SYS), 0);
		assert_int_equal(rtdd_pci_can_write(pci, &a),
				 access(FIX_SYS, W_OK) == 0);
		rtdd_pci_close(pci);
		return;
	}
	/* As root, drop to nobody in a child and look at root's files. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char dir[PATH_MAX] = "/tmp/rtdd-pci-nobody.XXXXXX";
		char root[PATH_MAX + 8];
		rtdd_pci *pci;
		int rc;

		if (!mkdtemp(dir))
			_exit(10);
		snprintf(root, sizeof(root), "%s/sys", dir);
		if (run("cp -a '%s' '%s' && chmod 755 '%s'", FIX_SYS, root,
			dir))
			_exit(11);
		pid = fork();
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(12);
			if (rtdd_pci_open(&pci, root))
				_exit(13);
			rc = rtdd_pci_can_write(pci, &a);
			rtdd_pci_close(pci);
			_exit(rc == 0 ? 0 : 14);
		}
		waitpid(pid, &st, 0);
		run("rm -rf '%s'", dir);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 15);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_fixture_inventory),
		cmocka_unit_test(test_fixture_check),
		cmocka_unit_test(test_xen_topology),
		cmocka_unit_test(test_lspci_fixture),
		cmocka_unit_test(test_lspci_real),
		cmocka_unit_test(test_real_check),
		cmocka_unit_test_setup_teardown(test_assign_dry_then_apply,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(
			test_assign_bind_fails_rolls_back, tree_setup,
			tree_teardown),
		cmocka_unit_test_setup_teardown(test_assign_refusals,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_vfs, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_xl),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_not_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

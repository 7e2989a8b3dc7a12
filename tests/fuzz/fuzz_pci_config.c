// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: what librtdd_pci reads from a device's config space
 * (the capability walkers of passthrough/scan.c, BAR decoding, reset and
 * interrupt judgement), through the real API: rtdd_pci_open over a
 * private sysfs tree whose device config file is the input.
 *
 * A device handed to a driver domain is not trusted: its config space is
 * whatever its firmware (or a malicious VF) says, capability lists may
 * loop or point anywhere, and the config file may be 0..4096 bytes long.
 *
 * Input: u8 flags (bit 0: the device sits behind a PCIe root port on bus
 * 1, else on the root bus), u8 legacy IRQ, 6 bytes of BAR shapes for the
 * sysfs resource file, then the config file itself (its length too).
 *
 * Oracles: open succeeds (or -EIO from libpci, with a message); the
 * decoded fields stay in their documented ranges; check, xl entry, VF
 * address and assign planning return documented codes with terminated
 * strings.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "rtdd/pci.h"

static char root[64];
static char devdir[2][160];
static char link_path[2][160];

static void put(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len))
		abort();
	close(fd);
}

static void puts_(const char *dir, const char *name, const char *s)
{
	put(dir, name, s, strlen(s));
}

static void mkdirs(const char *path)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(tmp, 0755);
		*p = '/';
	}
	mkdir(tmp, 0755);
}

static void rmtree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return;
}

/* A PCIe root port with ACS, as tests/fixtures/pci has it (00:01.0). */
static void root_port(const char *dir)
{
	uint8_t c[4096] = {0};

	c[0] = 0x86, c[1] = 0x80, c[2] = 0x01, c[3] = 0x19; /* 8086:1901 */
	c[0x06] = 0x10;					    /* caps */
	c[0x0a] = 0x04, c[0x0b] = 0x06;			    /* PCI bridge */
	c[0x0e] = 0x01;					    /* type 1 */
	c[0x19] = 0x01, c[0x1a] = 0x01;			    /* bus 1 */
	c[0x34] = 0x40;
	c[0x40] = 0x10, c[0x41] = 0x00, c[0x42] = 0x42; /* PCIe root port */
	c[0x100] = 0x0d, c[0x102] = 0x01;		/* ACS, end */
	put(dir, "config", c, sizeof(c));
	puts_(dir, "vendor", "0x8086\n");
	puts_(dir, "device", "0x1901\n");
	puts_(dir, "class", "0x060400\n");
	puts_(dir, "irq", "0\n");
	puts_(dir, "revision", "0x01\n");
	puts_(dir, "subsystem_vendor", "0x0000\n");
	puts_(dir, "subsystem_device", "0x0000\n");
	puts_(dir, "driver_override", "(null)\n");
	{
		char res[7 * 60] = "", *w = res;

		for (int i = 0; i < 7; i++)
			w += sprintf(w, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
		puts_(dir, "resource", res);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[256];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/rtdd-fuzz-pci.XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(rmtree);
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/bus/pci/drivers/pciback", root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/devices/pci0000:00/0000:00:01.0",
		 root);
	mkdirs(path);
	root_port(path);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:01.0", root);
	if (symlink("../../../devices/pci0000:00/0000:00:01.0", path))
		abort();
	/* The fuzzed device: on the root bus, or behind the root port. */
	snprintf(devdir[0], sizeof(devdir[0]),
		 "%s/devices/pci0000:00/0000:00:02.0", root);
	snprintf(devdir[1], sizeof(devdir[1]),
		 "%s/devices/pci0000:00/0000:00:01.0/0000:01:00.0", root);
	snprintf(link_path[0], sizeof(link_path[0]),
		 "%s/bus/pci/devices/0000:00:02.0", root);
	snprintf(link_path[1], sizeof(link_path[1]),
		 "%s/bus/pci/devices/0000:01:00.0", root);
	mkdirs(devdir[0]);
	mkdirs(devdir[1]);
	/* No names from the system's pci.ids: an empty list is fast. */
	snprintf(path, sizeof(path), "%s/pci.ids", root);
	puts_(root, "pci.ids", "");
	setenv("RTDD_PCI_IDS", path, 1);
	return 0;
}

static void check_dev(rtdd_pci *pci, const struct rtdd_pci_dev *d)
{
	static const enum rtdd_pci_guest guests[] = {
		RTDD_PCI_GUEST_PV, RTDD_PCI_GUEST_PVH, RTDD_PCI_GUEST_HVM};
	struct rtdd_pci_check chk;
	struct rtdd_pci_plan plan;
	char buf[512], rbuf[64];
	int rc;

	FUZZ_CHECK(d->config_len == 0 || d->config_len == 64 ||
		   d->config_len == 256 || d->config_len == 4096);
	FUZZ_CHECK(d->n_bars <= 6);
	for (size_t i = 0; i < d->n_bars; i++)
		FUZZ_CHECK(d->bars[i].index >= 0 && d->bars[i].index < 6);
	FUZZ_CHECK(d->int_pin <= 4);
	FUZZ_CHECK(!d->has_msi ||
		   (d->msi_vectors >= 1 && d->msi_vectors <= 32));
	FUZZ_CHECK(!d->has_msix ||
		   (d->msix_table_size >= 1 && d->msix_table_size <= 2048));
	FUZZ_CHECK(d->n_group <= RTDD_PCI_MAX_GROUP);
	FUZZ_CHECK(memchr(d->vendor_name, 0, sizeof(d->vendor_name)));
	FUZZ_CHECK(memchr(d->in_use, 0, sizeof(d->in_use)));
	FUZZ_CHECK(rtdd_pci_reset_str(d->reset, rbuf, sizeof(rbuf)));

	rc = rtdd_pci_check_dev(pci, &d->addr, NULL, 0, &chk);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(chk.n_reasons <= RTDD_PCI_MAX_REASONS);
	FUZZ_CHECK(chk.verdict == RTDD_PCI_NOT_ASSIGNABLE ||
		   chk.verdict == RTDD_PCI_CAVEATS ||
		   chk.verdict == RTDD_PCI_RT_GOOD);
	for (size_t i = 0; i < chk.n_reasons; i++) {
		FUZZ_CHECK(memchr(chk.reasons[i].text, 0,
				  sizeof(chk.reasons[i].text)));
		FUZZ_CHECK(memchr(chk.reasons[i].code, 0,
				  sizeof(chk.reasons[i].code)));
	}
	for (size_t g = 0; g < 3; g++) {
		struct rtdd_pci_xl_opts o = {.guest = guests[g]};

		rc = rtdd_pci_xl_entry(pci, &d->addr, &o, buf, sizeof(buf));
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(memchr(buf, 0, sizeof(buf)));
	}
	for (int vf = 0; vf < 3; vf++) {
		struct rtdd_pci_addr a;

		rc = rtdd_pci_vf_addr(d, vf, &a);
		FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
		if (!rc)
			FUZZ_CHECK(a.dev <= 31 && a.func <= 7);
	}
	rc = rtdd_pci_plan_assign(pci, &d->addr, "pciback", &plan);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (!rc)
		FUZZ_CHECK(plan.n_steps <= RTDD_PCI_MAX_STEPS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t flags = fuzz_u8(&in), irq = fuzz_u8(&in), cfg[64] = {0};
	char res[7 * 60] = "", *w = res, s[32];
	int where = flags & 1;
	const char *dir = devdir[where];
	rtdd_pci *pci = NULL;
	int rc;

	for (int i = 0; i < 7; i++) {
		uint8_t b = i < 6 ? fuzz_u8(&in) : 0;
		unsigned long long start = 0xf0000000ull +
					   (unsigned)i * 0x100000,
				   len = 1ull << (4 + (b & 0x0f)), fl;

		fl = (b & 0x30) == 0x10	  ? 0x40101  /* io */
		     : (b & 0x30) == 0x20 ? 0x140204 /* mem64 */
					  : 0x40200; /* mem32 */
		if (b & 0x80)
			w += sprintf(w, "0x%016llx 0x%016llx 0x%016llx\n",
				     start, start + len - 1, fl);
		else
			w += sprintf(w, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
	}
	if (in.n > 4096)
		in.n = 4096;
	memcpy(cfg, in.p, in.n < sizeof(cfg) ? in.n : sizeof(cfg));
	put(dir, "config", in.p, in.n);
	snprintf(s, sizeof(s), "0x%02x%02x\n", cfg[1], cfg[0]);
	puts_(dir, "vendor", s);
	snprintf(s, sizeof(s), "0x%02x%02x\n", cfg[3], cfg[2]);
	puts_(dir, "device", s);
	snprintf(s, sizeof(s), "0x%02x%02x%02x\n", cfg[0xb], cfg[0xa], cfg[9]);
	puts_(dir, "class", s);
	snprintf(s, sizeof(s), "%u\n", irq);
	puts_(dir, "irq", s);
	puts_(dir, "resource", res);
	unlink(link_path[!where]);
	if (symlink(where ? "../../../devices/pci0000:00/0000:00:01.0/"
			    "0000:01:00.0"
			  : "../../../devices/pci0000:00/0000:00:02.0",
		    link_path[where]) &&
	    errno != EEXIST)
		abort();

	rc = rtdd_pci_open(&pci, root);
	FUZZ_CHECK(rc == 0 || rc == -EIO);
	FUZZ_CHECK(pci);
	FUZZ_CHECK(memchr(rtdd_pci_strerror(pci), 0, 512));
	if (!rc) {
		struct rtdd_pci_addr a = {0, (uint8_t)where, where ? 0 : 2, 0};
		const struct rtdd_pci_dev *d = rtdd_pci_find(pci, &a);

		FUZZ_CHECK(rtdd_pci_count(pci) == 2);
		FUZZ_CHECK(d);
		check_dev(pci, d);
	}
	rtdd_pci_close(pci);
	return 0;
}

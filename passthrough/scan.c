// SPDX-License-Identifier: MIT
/*
 * PCI inventory: libpci (linux-sysfs method below the context's root) for
 * the device list, names, BARs and config space; sysfs attributes for what
 * only the kernel knows (driver, IOMMU group, reset_method, SR-IOV counts).
 *
 * Config space is parsed here with bounds on every capability walk: a
 * fixture, a broken device or a hostile VF can present a looping list.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

/* ---- addresses ---------------------------------------------------------- */

static int hexval(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 16 +
		    (unsigned long)(isdigit((unsigned char)s[i])
					    ? s[i] - '0'
					    : (tolower((unsigned char)s[i]) -
					       'a' + 10));
	}
	*out = v;
	return 0;
}

int rtdd_pci_addr_parse(const char *s, struct rtdd_pci_addr *out)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *c1, *c2, *dot, *p;
	size_t len;

	if (!s || !out)
		return -EINVAL;
	len = strlen(s);
	if (len < 7 || len > 16)
		return -EINVAL;
	dot = strchr(s, '.');
	c1 = strchr(s, ':');
	if (!dot || !c1 || strchr(dot + 1, '.'))
		return -EINVAL;
	c2 = strchr(c1 + 1, ':');
	if (c2) {
		/* DDDD:BB:DD.F, 4 to 8 domain digits as sysfs writes them */
		if (strchr(c2 + 1, ':') || c1 - s < 4 || c1 - s > 8 ||
		    hexval(s, (size_t)(c1 - s), &dom) || c2 - c1 != 3)
			return -EINVAL;
		p = c1 + 1;
	} else {
		p = s;
		if (c1 - s != 2)
			return -EINVAL;
	}
	/* p -> "BB:DD.F" */
	if (strlen(p) != 7 || p[2] != ':' || p[5] != '.')
		return -EINVAL;
	if (hexval(p, 2, &bus) || hexval(p + 3, 2, &dev) ||
	    hexval(p + 6, 1, &fn))
		return -EINVAL;
	if (dev > 31 || fn > 7)
		return -EINVAL;
	out->domain = (uint32_t)dom;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->func = (uint8_t)fn;
	return 0;
}

char *rtdd_pci_addr_format(const struct rtdd_pci_addr *a, char *buf)
{
	snprintf(buf, RTDD_PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x",
		 (unsigned int)a->domain, a->bus, a->dev & 0x1f, a->func & 7);
	return buf;
}

int rtdd_pci_addr_eq(const struct rtdd_pci_addr *a,
		     const struct rtdd_pci_addr *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev &&
	       a->func == b->func;
}

static int addr_cmp(const struct rtdd_pci_addr *a,
		    const struct rtdd_pci_addr *b)
{
	uint64_t ka = ((uint64_t)a->domain << 16) | (a->bus << 8) |
		      (a->dev << 3) | a->func;
	uint64_t kb = ((uint64_t)b->domain << 16) | (b->bus << 8) |
		      (b->dev << 3) | b->func;

	return ka < kb ? -1 : ka > kb;
}

static int dev_cmp(const void *a, const void *b)
{
	return addr_cmp(&((const struct rtdd_pci_dev *)a)->addr,
			&((const struct rtdd_pci_dev *)b)->addr);
}

/* ---- libpci error handling ---------------------------------------------- */

/*
 * libpci's error callback must not return (its default exits the process).
 * A library cannot exit, so the callback jumps back into rtdd__pci_scan,
 * which then cleans up libpci and reports -EIO. Thread-local because libpci
 * gives the callback no context pointer.
 */
static __thread sigjmp_buf *lp_jmp;
static __thread char *lp_msg;
static __thread size_t lp_msg_len;

static void lp_error(char *msg, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void lp_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	if (lp_msg)
		vsnprintf(lp_msg, lp_msg_len, msg, ap);
	va_end(ap);
	siglongjmp(*lp_jmp, 1);
}

static void lp_warning(char *msg, ...)
{
	/* Warnings (an unreadable config file) show up as missing data. */
	(void)msg;
}

static void lp_debug(char *msg, ...)
{
	(void)msg;
}

/* ---- config space ------------------------------------------------------- */

static uint16_t cfg16(const uint8_t *c, int pos)
{
	return (uint16_t)(c[pos] | (c[pos + 1] << 8));
}

static uint32_t cfg32(const uint8_t *c, int pos)
{
	return (uint32_t)c[pos] | ((uint32_t)c[pos + 1] << 8) |
	       ((uint32_t)c[pos + 2] << 16) | ((uint32_t)c[pos + 3] << 24);
}

static int read_config(struct pci_dev *d, uint8_t *cfg)
{
	memset(cfg, 0, 4096);
	if (!pci_read_block(d, 0, cfg, 64))
		return 0;
	if (!pci_read_block(d, 64, cfg + 64, 256 - 64))
		return 64;
	if (!pci_read_block(d, 256, cfg + 256, 4096 - 256))
		return 256;
	return 4096;
}

static void parse_caps(struct rtdd_pci_dev *dev, const uint8_t *cfg)
{
	int pos, steps;

	if (dev->config_len < 256 || !(cfg16(cfg, 0x06) & 0x10))
		return;
	pos = dev->header_type == 2 ? cfg[0x14] : cfg[0x34];
	/* At most 48 standard capabilities fit in 192 bytes. */
	for (steps = 0; steps < 48 && pos >= 0x40 && pos <= 0xfc; steps++) {
		int p = pos & ~3;
		uint8_t id = cfg[p];

		if (p + 12 > 256)
			break;
		switch (id) {
		case 0x01: /* Power Management */
			dev->has_pm = 1;
			/* PMCSR bit 3: No_Soft_Reset; D3hot->D0 keeps state. */
			dev->pm_no_soft_reset = !!(cfg16(cfg, p + 4) & 0x0008);
			break;
		case 0x05: { /* MSI */
			uint16_t ctl = cfg16(cfg, p + 2);

			dev->has_msi = 1;
			dev->msi_enabled = ctl & 1;
			dev->msi_vectors = 1 << ((ctl >> 1) & 7);
			if (dev->msi_vectors > 32)
				dev->msi_vectors = 32;
			dev->msi_64bit = !!(ctl & 0x80);
			break;
		}
		case 0x10: /* PCI Express */
			dev->is_pcie = 1;
			dev->pcie_type = (cfg16(cfg, p + 2) >> 4) & 0xf;
			if (cfg32(cfg, p + 4) & (1u << 28)) /* DevCap FLR */
				dev->reset |= RTDD_PCI_RESET_FLR;
			break;
		case 0x11: { /* MSI-X */
			uint16_t ctl = cfg16(cfg, p + 2);

			dev->has_msix = 1;
			dev->msix_table_size = (ctl & 0x7ff) + 1;
			dev->msix_enabled = !!(ctl & 0x8000);
			break;
		}
		case 0x13: /* Advanced Features: Linux needs TP and FLR */
			if ((cfg[p + 3] & 0x03) == 0x03)
				dev->reset |= RTDD_PCI_RESET_AF_FLR;
			break;
		default:
			break;
		}
		pos = cfg[p + 1];
	}

	if (dev->config_len < 4096 || !dev->is_pcie)
		return;
	pos = 0x100;
	for (steps = 0; steps < 960 && pos >= 0x100 && pos <= 0xffc; steps++) {
		uint32_t h = cfg32(cfg, pos);
		uint16_t id = h & 0xffff;

		if (h == 0 || h == 0xffffffff)
			break;
		if (id == 0x000d) {
			dev->has_acs = 1;
		} else if (id == 0x0010 && pos + 0x1c <= 4096) { /* SR-IOV */
			dev->has_sriov = 1;
			dev->sriov_total_vfs = cfg16(cfg, pos + 0x0e);
			dev->sriov_num_vfs = cfg16(cfg, pos + 0x10);
			dev->sriov_vf_offset = cfg16(cfg, pos + 0x14);
			dev->sriov_vf_stride = cfg16(cfg, pos + 0x16);
			dev->sriov_vf_device = cfg16(cfg, pos + 0x1a);
		}
		pos = (int)((h >> 20) & 0xffc);
	}
}

static void fill_bars(struct rtdd_pci_dev *dev, struct pci_dev *d,
		      const uint8_t *cfg)
{
	int nbars = dev->header_type == 0 ? 6 : dev->header_type == 1 ? 2 : 0;

	for (int i = 0; i < nbars; i++) {
		uint32_t reg = cfg32(cfg, 0x10 + 4 * i);
		struct rtdd_pci_bar *b;

		if (!d->size[i])
			continue;
		b = &dev->bars[dev->n_bars++];
		b->index = i;
		if (reg & 1) {
			b->kind = RTDD_PCI_BAR_IO;
			b->addr = d->base_addr[i] & PCI_ADDR_IO_MASK;
		} else {
			b->kind = ((reg >> 1) & 3) == 2 ? RTDD_PCI_BAR_MEM64
							: RTDD_PCI_BAR_MEM32;
			b->prefetchable = !!(reg & 8);
			b->addr = d->base_addr[i] & PCI_ADDR_MEM_MASK;
		}
		b->size = d->size[i];
		if (b->kind == RTDD_PCI_BAR_MEM64)
			i++; /* the upper half of this BAR */
	}
}

/* ---- sysfs attributes ----------------------------------------------------- */

static void fill_sysfs(rtdd_pci *pci, struct rtdd_pci_dev *dev)
{
	char buf[256], path[PATH_MAX], real[PATH_MAX], *slash;
	struct rtdd_pci_addr up;

	rtdd__pci_refresh_driver(pci, dev);

	if (!rtdd__pci_read_link_base(pci, buf, sizeof(buf),
				      "bus/pci/devices/%s/iommu_group",
				      dev->bdf)) {
		char *end;
		long g = strtol(buf, &end, 10);

		if (*end == '\0' && g >= 0 && g < 1000000) {
			dev->iommu_group = (int)g;
			dev->group_source = RTDD_PCI_GROUP_KERNEL;
		}
	}

	if (!rtdd__pci_read_attr(pci, buf, sizeof(buf),
				 "bus/pci/devices/%s/reset_method", dev->bdf)) {
		rtdd__pci_strcpy(dev->kernel_reset_method,
				 sizeof(dev->kernel_reset_method), buf);
		/* The kernel's list is what a reset will actually try. */
		for (char *tok = strtok(buf, " "); tok;
		     tok = strtok(NULL, " ")) {
			if (!strcmp(tok, "flr"))
				dev->reset |= RTDD_PCI_RESET_FLR;
			else if (!strcmp(tok, "af_flr"))
				dev->reset |= RTDD_PCI_RESET_AF_FLR;
			else if (!strcmp(tok, "pm"))
				dev->reset |= RTDD_PCI_RESET_PM;
			else if (!strcmp(tok, "bus"))
				dev->reset |= RTDD_PCI_RESET_BUS;
			else
				dev->reset |= RTDD_PCI_RESET_OTHER;
		}
	}

	if (!rtdd__pci_read_attr(pci, buf, sizeof(buf),
				 "bus/pci/devices/%s/sriov_totalvfs",
				 dev->bdf)) {
		dev->has_sriov = 1;
		dev->sriov_total_vfs = atoi(buf);
	}
	if (!rtdd__pci_read_attr(pci, buf, sizeof(buf),
				 "bus/pci/devices/%s/sriov_numvfs", dev->bdf))
		dev->sriov_num_vfs = atoi(buf);

	if (!rtdd__pci_read_link_base(pci, buf, sizeof(buf),
				      "bus/pci/devices/%s/physfn", dev->bdf) &&
	    !rtdd_pci_addr_parse(buf, &dev->physfn))
		dev->is_vf = 1;

	/* The directory above a device in /sys/devices is its bridge. */
	if (rtdd__pci_path(pci, path, sizeof(path), "bus/pci/devices/%s",
			   dev->bdf) ||
	    !realpath(path, real))
		return;
	slash = strrchr(real, '/');
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(real, '/');
	if (slash && !rtdd_pci_addr_parse(slash + 1, &up)) {
		dev->has_upstream = 1;
		dev->upstream = up;
	}
}

int rtdd__pci_refresh_driver(rtdd_pci *pci, struct rtdd_pci_dev *dev)
{
	char buf[RTDD_PCI_DRV_LEN];

	dev->driver[0] = '\0';
	dev->driver_override[0] = '\0';
	if (!rtdd__pci_read_link_base(pci, buf, sizeof(buf),
				      "bus/pci/devices/%s/driver", dev->bdf))
		rtdd__pci_strcpy(dev->driver, sizeof(dev->driver), buf);
	if (!rtdd__pci_read_attr(pci, buf, sizeof(buf),
				 "bus/pci/devices/%s/driver_override",
				 dev->bdf) &&
	    strcmp(buf, "(null)"))
		rtdd__pci_strcpy(dev->driver_override,
				 sizeof(dev->driver_override), buf);
	return 0;
}

/* ---- what dom0 has on a device ------------------------------------------ */

/* Appends one token to a " a b c " set; grows it. 0 or -ENOMEM. */
static int set_add(char **set, size_t *len, size_t *cap, const char *tok)
{
	size_t tl = strlen(tok) + 1; /* token and its trailing space */

	if (!*set || *len + tl + 2 > *cap) {
		size_t nc = (*cap ? *cap * 2 : 1024) + tl;
		char *n = realloc(*set, nc);

		if (!n)
			return -ENOMEM;
		if (!*set) {
			n[0] = ' ';
			n[1] = '\0';
			*len = 1;
		}
		*set = n;
		*cap = nc;
	}
	memcpy(*set + *len, tok, tl - 1);
	(*set)[*len + tl - 1] = ' ';
	(*set)[*len + tl] = '\0';
	*len += tl;
	return 0;
}

static int set_has(const char *set, const char *tok)
{
	size_t tl = strlen(tok);

	for (const char *p = set; p && (p = strstr(p, tok)); p++)
		if (p > set && p[-1] == ' ' && p[tl] == ' ')
			return 1;
	return 0;
}

/*
 * Everything dom0 uses as a disk: " maj:min " of every mount, " /dev/X "
 * of every mount source and swap area. Only for the real /sys: a fixture's
 * devices are not this machine's.
 */
static char *read_busy_set(void)
{
	size_t len = 0, cap = 0;
	char line[4096], *set = NULL;
	FILE *f;

	if (set_add(&set, &len, &cap, "-"))
		return NULL;
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned int a, b, maj, min;
		char tok[64], *sep, src[256];

		if (sscanf(line, "%u %u %u:%u", &a, &b, &maj, &min) != 4)
			continue;
		snprintf(tok, sizeof(tok), "%u:%u", maj, min);
		set_add(&set, &len, &cap, tok);
		/* "... - fstype source options" */
		sep = strstr(line, " - ");
		if (sep && sscanf(sep + 3, "%*s %255s", src) == 1 &&
		    !strncmp(src, "/dev/", 5))
			set_add(&set, &len, &cap, src);
	}
	if (f)
		fclose(f);
	f = fopen("/proc/swaps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char src[256];

		if (sscanf(line, "%255s", src) == 1 &&
		    !strncmp(src, "/dev/", 5))
			set_add(&set, &len, &cap, src);
	}
	if (f)
		fclose(f);
	return set;
}

/* The device whose /sys/devices directory holds path (longest prefix). */
static struct rtdd_pci_dev *owner_of(rtdd_pci *pci, char *const *real,
				     const char *path)
{
	struct rtdd_pci_dev *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < pci->n_devs; i++) {
		size_t l = real[i] ? strlen(real[i]) : 0;

		if (l > best_len && !strncmp(path, real[i], l) &&
		    path[l] == '/') {
			best = &pci->devs[i];
			best_len = l;
		}
	}
	return best;
}

static void append_use(struct rtdd_pci_dev *dev, const char *kind,
		       const char *name, int busy)
{
	size_t used = strlen(dev->in_use);
	int n;

	if (busy)
		dev->in_use_mounted = 1;
	if (used + 1 >= sizeof(dev->in_use))
		return;
	n = snprintf(dev->in_use + used, sizeof(dev->in_use) - used,
		     "%s%s:%s%s", used ? "," : "", kind, name,
		     busy ? "(in use)" : "");
	if (n < 0 || (size_t)n >= sizeof(dev->in_use) - used)
		dev->in_use[used] = '\0'; /* no half names */
}

/* A disk or partition that is mounted, swap, or under dm/md. */
static int blk_busy(rtdd_pci *pci, const char *name, const char *busy)
{
	char buf[32], tok[300];
	struct dirent *e;
	int held = 0;
	char path[PATH_MAX];
	DIR *d;

	if (busy) {
		if (!rtdd__pci_read_attr(pci, buf, sizeof(buf),
					 "class/block/%s/dev", name) &&
		    set_has(busy, buf))
			return 1;
		snprintf(tok, sizeof(tok), "/dev/%s", name);
		if (set_has(busy, tok))
			return 1;
	}
	if (rtdd__pci_path(pci, path, sizeof(path), "class/block/%s/holders",
			   name))
		return 0;
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			held = 1;
	if (d)
		closedir(d);
	return held;
}

/*
 * Fills in_use from <root>/class/net and <root>/class/block: each entry
 * resolves into /sys/devices below the PCI device that carries it, at any
 * depth (virtio, NVMe namespaces, SCSI targets behind an HBA).
 */
static void scan_in_use(rtdd_pci *pci)
{
	char **real = calloc(pci->n_devs + 1, sizeof(*real));
	char *busy = NULL, *busy_disks = NULL;
	size_t bl = 0, bc = 0;
	char path[PATH_MAX], r[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!real)
		return;
	for (size_t i = 0; i < pci->n_devs; i++)
		if (!rtdd__pci_path(pci, path, sizeof(path),
				    "bus/pci/devices/%s", pci->devs[i].bdf))
			real[i] = realpath(path, NULL);
	if (!strcmp(pci->root, "/sys"))
		busy = read_busy_set();

	if (!rtdd__pci_path(pci, path, sizeof(path), "class/net") &&
	    (d = opendir(path))) {
		while ((e = readdir(d))) {
			struct rtdd_pci_dev *dev;

			if (e->d_name[0] == '.' ||
			    rtdd__pci_path(pci, path, sizeof(path),
					   "class/net/%s", e->d_name) ||
			    !realpath(path, r))
				continue;
			dev = owner_of(pci, real, r);
			if (dev)
				append_use(dev, "net", e->d_name, 0);
		}
		closedir(d);
	}

	/* Pass 1: disks busy through themselves or a partition. */
	if (!rtdd__pci_path(pci, path, sizeof(path), "class/block") &&
	    (d = opendir(path))) {
		while ((e = readdir(d))) {
			char *slash;

			if (e->d_name[0] == '.' ||
			    rtdd__pci_path(pci, path, sizeof(path),
					   "class/block/%s", e->d_name) ||
			    !realpath(path, r) ||
			    !blk_busy(pci, e->d_name, busy))
				continue;
			if (rtdd__pci_exists(pci, "class/block/%s/partition",
					     e->d_name) &&
			    (slash = strrchr(r, '/'))) {
				*slash = '\0'; /* the disk of a partition */
				slash = strrchr(r, '/');
				set_add(&busy_disks, &bl, &bc,
					slash ? slash + 1 : r);
			} else {
				set_add(&busy_disks, &bl, &bc, e->d_name);
			}
		}
		/* Pass 2: list the disks. */
		rewinddir(d);
		while ((e = readdir(d))) {
			struct rtdd_pci_dev *dev;

			if (e->d_name[0] == '.' ||
			    rtdd__pci_exists(pci, "class/block/%s/partition",
					     e->d_name) ||
			    rtdd__pci_path(pci, path, sizeof(path),
					   "class/block/%s", e->d_name) ||
			    !realpath(path, r))
				continue;
			dev = owner_of(pci, real, r);
			if (dev)
				append_use(dev, "block", e->d_name,
					   set_has(busy_disks, e->d_name));
		}
		closedir(d);
	}
	for (size_t i = 0; i < pci->n_devs; i++)
		free(real[i]);
	free(real);
	free(busy);
	free(busy_disks);
}

/* ---- IOMMU groups --------------------------------------------------------- */

static void group_add(struct rtdd_pci_dev *dev, const struct rtdd_pci_addr *a)
{
	if (rtdd_pci_addr_eq(&dev->addr, a))
		return;
	for (size_t i = 0; i < dev->n_group; i++)
		if (rtdd_pci_addr_eq(&dev->group[i], a))
			return;
	if (dev->n_group < RTDD_PCI_MAX_GROUP)
		dev->group[dev->n_group++] = *a;
	else
		dev->group_truncated = 1;
}

static void kernel_group(rtdd_pci *pci, struct rtdd_pci_dev *dev)
{
	char path[PATH_MAX];
	struct rtdd_pci_addr a;
	struct dirent *e;
	DIR *d;

	if (rtdd__pci_path(pci, path, sizeof(path),
			   "kernel/iommu_groups/%d/devices", dev->iommu_group))
		return;
	d = opendir(path);
	if (!d) {
		/* No listing: fall back to the devices that name the group. */
		for (size_t i = 0; i < pci->n_devs; i++)
			if (pci->devs[i].iommu_group == dev->iommu_group)
				group_add(dev, &pci->devs[i].addr);
		return;
	}
	while ((e = readdir(d)))
		if (!rtdd_pci_addr_parse(e->d_name, &a))
			group_add(dev, &a);
	closedir(d);
}

static struct rtdd_pci_dev *find_mut(rtdd_pci *pci,
				     const struct rtdd_pci_addr *a)
{
	struct rtdd_pci_dev key = {.addr = *a};

	return bsearch(&key, pci->devs, pci->n_devs, sizeof(key), dev_cmp);
}

/*
 * The DMA alias root of a device when the kernel shows no groups (Xen dom0,
 * IOMMU off): the topmost PCIe-to-PCI bridge above it, because every device
 * behind such a bridge reaches the IOMMU with the bridge's requester ID and
 * Xen assigns them only together.
 */
static const struct rtdd_pci_dev *alias_root(rtdd_pci *pci,
					     const struct rtdd_pci_dev *dev)
{
	const struct rtdd_pci_dev *cur = dev, *root = NULL;

	for (int depth = 0; depth < 32 && cur && cur->has_upstream; depth++) {
		const struct rtdd_pci_dev *up = find_mut(pci, &cur->upstream);

		if (!up)
			break;
		if ((up->is_pcie && up->pcie_type == 0x7) ||
		    (!up->is_pcie && up->is_bridge))
			root = up;
		cur = up;
	}
	return root;
}

static void topology_groups(rtdd_pci *pci)
{
	for (size_t i = 0; i < pci->n_devs; i++) {
		struct rtdd_pci_dev *dev = &pci->devs[i];
		const struct rtdd_pci_dev *ar;

		if (dev->group_source == RTDD_PCI_GROUP_KERNEL)
			continue;
		ar = alias_root(pci, dev);
		for (size_t j = 0; j < pci->n_devs; j++) {
			struct rtdd_pci_dev *o = &pci->devs[j];

			if (o == dev ||
			    o->group_source == RTDD_PCI_GROUP_KERNEL)
				continue;
			/* Functions of one slot without ACS can talk
			 * peer-to-peer: the kernel groups them, so do we. */
			if (!dev->is_vf && !o->is_vf &&
			    o->addr.domain == dev->addr.domain &&
			    o->addr.bus == dev->addr.bus &&
			    o->addr.dev == dev->addr.dev &&
			    (!dev->has_acs || !o->has_acs) && !dev->is_bridge &&
			    !o->is_bridge)
				group_add(dev, &o->addr);
			if (ar && (o == ar || alias_root(pci, o) == ar))
				group_add(dev, &o->addr);
		}
		if (ar && ar != dev)
			group_add(dev, &ar->addr);
		if (dev->n_group)
			dev->group_source = RTDD_PCI_GROUP_TOPOLOGY;
	}
}

/* ---- the scan ------------------------------------------------------------- */

static void lookup_names(struct pci_access *acc, struct rtdd_pci_dev *dev)
{
	char buf[512];
	const int nf = PCI_LOOKUP_NO_HWDB | PCI_LOOKUP_NO_NUMBERS;

	if (pci_lookup_name(acc, buf, sizeof(buf), PCI_LOOKUP_VENDOR | nf,
			    dev->vendor_id))
		rtdd__pci_strcpy(dev->vendor_name, sizeof(dev->vendor_name),
				 buf);
	else
		snprintf(dev->vendor_name, sizeof(dev->vendor_name),
			 "Vendor %04x", dev->vendor_id);
	if (pci_lookup_name(acc, buf, sizeof(buf), PCI_LOOKUP_DEVICE | nf,
			    dev->vendor_id, dev->device_id))
		rtdd__pci_strcpy(dev->device_name, sizeof(dev->device_name),
				 buf);
	else
		snprintf(dev->device_name, sizeof(dev->device_name),
			 "Device %04x", dev->device_id);
	if (pci_lookup_name(acc, buf, sizeof(buf), PCI_LOOKUP_CLASS | nf,
			    dev->class_code >> 8))
		rtdd__pci_strcpy(dev->class_name, sizeof(dev->class_name), buf);
	else
		snprintf(dev->class_name, sizeof(dev->class_name), "Class %04x",
			 dev->class_code >> 8);
}

static size_t count_devices(struct pci_access *acc)
{
	size_t n = 0;

	for (struct pci_dev *d = acc->devices; d; d = d->next)
		n++;
	return n;
}

int rtdd__pci_scan(rtdd_pci *pci)
{
	struct pci_access *volatile acc = NULL;
	struct rtdd_pci_dev *volatile devs = NULL;
	uint8_t *volatile cfg = NULL;
	char path[PATH_MAX], buf[64];
	volatile size_t n = 0;
	sigjmp_buf jb;
	volatile int rc = 0;

	pci->err[0] = '\0';
	if (rtdd__pci_path(pci, path, sizeof(path), "bus/pci/devices"))
		return rtdd__pci_err(pci, -ENAMETOOLONG, "sysfs root too long");
	if (access(path, R_OK | X_OK))
		return rtdd__pci_err(pci, -ENOENT, "cannot read %s: %s", path,
				     strerror(errno));
	cfg = malloc(4096);
	if (!cfg)
		return -ENOMEM;

	lp_jmp = &jb;
	lp_msg = pci->err;
	lp_msg_len = sizeof(pci->err);
	if (sigsetjmp(jb, 0)) {
		rc = -EIO;
		goto out;
	}

	acc = pci_alloc();
	acc->error = lp_error;
	acc->warning = lp_warning;
	acc->debug = lp_debug;
	acc->method = PCI_ACCESS_SYS_BUS_PCI;
	if (rtdd__pci_path(pci, path, sizeof(path), "bus/pci")) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	pci_set_param(acc, "sysfs.path", path);
	if (getenv("RTDD_PCI_IDS"))
		pci_set_name_list_path(acc, getenv("RTDD_PCI_IDS"), 0);
	pci_init(acc);
	pci_scan_bus(acc);

	devs = calloc(count_devices(acc) + 1, sizeof(*devs));
	if (!devs) {
		rc = -ENOMEM;
		goto out;
	}
	for (struct pci_dev *d = acc->devices; d; d = d->next) {
		struct rtdd_pci_dev *dev = &devs[n];

		if (d->domain < 0)
			continue;
		n = n + 1;
		dev->addr.domain = (uint32_t)d->domain;
		dev->addr.bus = d->bus;
		dev->addr.dev = d->dev;
		dev->addr.func = d->func;
		rtdd_pci_addr_format(&dev->addr, dev->bdf);
		dev->iommu_group = -1;

		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS |
					 PCI_FILL_IRQ | PCI_FILL_BASES |
					 PCI_FILL_SIZES | PCI_FILL_CLASS_EXT |
					 PCI_FILL_SUBSYS);
		dev->vendor_id = d->vendor_id;
		dev->device_id = d->device_id;
		dev->subsys_vendor_id = d->subsys_vendor_id;
		dev->subsys_id = d->subsys_id;
		dev->revision = d->rev_id;
		dev->class_code = ((uint32_t)d->device_class << 8) | d->prog_if;
		dev->irq = d->irq > 0 && d->irq < 0x10000 ? d->irq : 0;
		dev->is_bridge = (d->device_class >> 8) == 0x06;

		dev->config_len = read_config(d, cfg);
		if (dev->config_len >= 64) {
			dev->header_type = cfg[0x0e] & 0x7f;
			dev->multifunction = !!(cfg[0x0e] & 0x80);
			if (dev->header_type <= 1)
				dev->int_pin = cfg[0x3d] <= 4 ? cfg[0x3d] : 0;
			fill_bars(dev, d, cfg);
			parse_caps(dev, cfg);
		}
		if (dev->has_pm && !dev->pm_no_soft_reset)
			dev->reset |= RTDD_PCI_RESET_PM;
		lookup_names(acc, dev);
	}
	qsort(devs, n, sizeof(*devs), dev_cmp);

	free(pci->devs);
	pci->devs = devs;
	pci->n_devs = n;
	devs = NULL;

	pci->kernel_iommu = 0;
	if (!rtdd__pci_path(pci, path, sizeof(path), "kernel/iommu_groups")) {
		DIR *d = opendir(path);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				pci->kernel_iommu = 1;
		if (d)
			closedir(d);
	}
	pci->on_xen = !rtdd__pci_read_attr(pci, buf, sizeof(buf),
					   "hypervisor/type") &&
		      !strcmp(buf, "xen");

	for (size_t i = 0; i < pci->n_devs; i++)
		fill_sysfs(pci, &pci->devs[i]);
	scan_in_use(pci);
	for (size_t i = 0; i < pci->n_devs; i++) {
		struct rtdd_pci_dev *dev = &pci->devs[i];

		for (size_t j = 0; j < pci->n_devs; j++) {
			const struct rtdd_pci_dev *o = &pci->devs[j];

			if (j != i && o->addr.domain == dev->addr.domain &&
			    o->addr.bus == dev->addr.bus)
				dev->n_bus_siblings++;
		}
		/* Linux pci_parent_bus_reset(): not on a root bus, not a
		 * bridge itself, and nothing else on the bus. */
		if (dev->has_upstream && dev->header_type == 0 &&
		    dev->n_bus_siblings == 0 && !dev->is_vf)
			dev->reset |= RTDD_PCI_RESET_BUS;
		if (dev->group_source == RTDD_PCI_GROUP_KERNEL)
			kernel_group(pci, dev);
	}
	topology_groups(pci);
	for (size_t i = 0; i < pci->n_devs; i++)
		qsort(pci->devs[i].group, pci->devs[i].n_group,
		      sizeof(pci->devs[i].group[0]),
		      (int (*)(const void *, const void *))addr_cmp);

out:
	lp_jmp = NULL;
	lp_msg = NULL;
	if (acc)
		pci_cleanup(acc);
	free(devs);
	free(cfg);
	return rc;
}

/* ---- context ------------------------------------------------------------- */

int rtdd_pci_open(rtdd_pci **out, const char *sysfs_root)
{
	rtdd_pci *pci;
	int rc;

	*out = NULL;
	if (!sysfs_root)
		sysfs_root = getenv("RTDD_SYSFS_ROOT");
	if (!sysfs_root || !*sysfs_root)
		sysfs_root = "/sys";
	pci = calloc(1, sizeof(*pci));
	if (!pci)
		return -ENOMEM;
	if (strlen(sysfs_root) >= sizeof(pci->root) - 64) {
		free(pci);
		return -ENAMETOOLONG;
	}
	strcpy(pci->root, sysfs_root);
	/* "/sys/" and "/sys" are the same root */
	for (size_t l = strlen(pci->root); l > 1 && pci->root[l - 1] == '/';)
		pci->root[--l] = '\0';
	rc = rtdd__pci_scan(pci);
	*out = pci;
	return rc;
}

void rtdd_pci_close(rtdd_pci *pci)
{
	if (!pci)
		return;
	free(pci->devs);
	free(pci);
}

int rtdd_pci_rescan(rtdd_pci *pci)
{
	return rtdd__pci_scan(pci);
}

const char *rtdd_pci_root(const rtdd_pci *pci)
{
	return pci->root;
}

const char *rtdd_pci_strerror(const rtdd_pci *pci)
{
	return pci->err;
}

int rtdd_pci_kernel_iommu(const rtdd_pci *pci)
{
	return pci->kernel_iommu;
}

int rtdd_pci_on_xen(const rtdd_pci *pci)
{
	return pci->on_xen;
}

size_t rtdd_pci_count(const rtdd_pci *pci)
{
	return pci->n_devs;
}

const struct rtdd_pci_dev *rtdd_pci_get(const rtdd_pci *pci, size_t i)
{
	return i < pci->n_devs ? &pci->devs[i] : NULL;
}

const struct rtdd_pci_dev *rtdd_pci_find(const rtdd_pci *pci,
					 const struct rtdd_pci_addr *addr)
{
	return find_mut((rtdd_pci *)pci, addr);
}

const char *rtdd_pci_reset_str(unsigned int reset, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{RTDD_PCI_RESET_FLR, "flr"},
		{RTDD_PCI_RESET_AF_FLR, "af_flr"},
		{RTDD_PCI_RESET_PM, "pm"},
		{RTDD_PCI_RESET_BUS, "bus"},
		{RTDD_PCI_RESET_OTHER, "other"},
	};
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(reset & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used,
					 len > used ? len - used : 0, "%s%s",
					 used ? "," : "", names[i].name);
		if (used >= len)
			break;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

int rtdd_pci_vf_addr(const struct rtdd_pci_dev *pf, int vf,
		     struct rtdd_pci_addr *out)
{
	uint32_t rid;

	if (!pf->has_sriov || vf < 0 || vf >= pf->sriov_total_vfs ||
	    (pf->sriov_vf_offset == 0 && pf->sriov_vf_stride == 0))
		return -EINVAL;
	rid = ((uint32_t)pf->addr.bus << 8) | ((uint32_t)pf->addr.dev << 3) |
	      pf->addr.func;
	rid += pf->sriov_vf_offset + (uint32_t)vf * pf->sriov_vf_stride;
	if (rid > 0xffff)
		return -ERANGE;
	out->domain = pf->addr.domain;
	out->bus = (uint8_t)(rid >> 8);
	out->dev = (uint8_t)((rid >> 3) & 0x1f);
	out->func = (uint8_t)(rid & 7);
	return 0;
}

int rtdd__pci_is_passthrough_driver(const char *drv)
{
	return !strcmp(drv, "pciback") || !strcmp(drv, "vfio-pci") ||
	       !strcmp(drv, "pci-stub");
}

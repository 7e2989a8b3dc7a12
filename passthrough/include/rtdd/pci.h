/* SPDX-License-Identifier: MIT */
/*
 * rtdd/pci.h - PCI inventory, assignability and binding for passthrough.
 *
 * A driver domain owns its hardware through PCI passthrough. This library
 * answers, before an image is built, whether a device can be handed to a
 * driver domain safely and deterministically, moves it between drivers
 * (pciback / vfio-pci) and writes the xl.cfg lines.
 *
 * Everything the library knows comes from two sources, both read below one
 * configurable sysfs root: libpci (linux-sysfs method, "sysfs.path" set to
 * <root>/bus/pci, so config space comes from <root>/bus/pci/devices/X/config)
 * and plain sysfs attributes (driver, iommu_group, reset_method, sriov_*).
 * Tests point the root at a fixture tree; production uses "/sys".
 *
 * Every function returns 0 or a negative errno. The library never prints;
 * rtdd_pci_strerror() gives the last detailed message of a context.
 * A context is not thread-safe; use one per thread.
 */
#ifndef RTDD_PCI_H
#define RTDD_PCI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- addresses -------------------------------------------------------- */

struct rtdd_pci_addr {
	uint32_t domain; /* segment; above 0xffff on Intel VMD */
	uint8_t bus;
	uint8_t dev;  /* 0..31 */
	uint8_t func; /* 0..7 */
};

/* "0000:03:00.0" plus NUL; room for an 8-digit domain. */
#define RTDD_PCI_ADDR_STRLEN 17

/*
 * Parses "DDDD:BB:DD.F" (4 to 8 domain digits) or "BB:DD.F" (domain 0).
 * Hex digits, either case. Returns 0, or -EINVAL for anything else
 * (trailing text, device > 1f, function > 7).
 */
int rtdd_pci_addr_parse(const char *s, struct rtdd_pci_addr *out);
/* Writes "dddd:bb:dd.f" into buf (RTDD_PCI_ADDR_STRLEN bytes), as sysfs
 * names devices. Returns buf. */
char *rtdd_pci_addr_format(const struct rtdd_pci_addr *a, char *buf);
int rtdd_pci_addr_eq(const struct rtdd_pci_addr *a,
		     const struct rtdd_pci_addr *b);

/* ---- context ------------------------------------------------------------ */

typedef struct rtdd_pci rtdd_pci;

/*
 * Opens a context over sysfs_root (NULL: $RTDD_SYSFS_ROOT, else "/sys") and
 * scans the bus. The names come from pci.ids ($RTDD_PCI_IDS overrides the
 * libpci default path); udev's hwdb and DNS are never consulted.
 * Returns 0, -ENOENT when <root>/bus/pci/devices does not exist, -ENOMEM,
 * -ENAMETOOLONG, -EIO when libpci fails. On -ENOENT and -EIO *out is still
 * a context (empty bus) so rtdd_pci_strerror() can say why; close it.
 */
int rtdd_pci_open(rtdd_pci **out, const char *sysfs_root);
/* Frees everything; NULL is fine. */
void rtdd_pci_close(rtdd_pci *pci);
/* Re-reads the bus (after binds, VF creation). Same errors as open. */
int rtdd_pci_rescan(rtdd_pci *pci);
const char *rtdd_pci_root(const rtdd_pci *pci);
/* Last detailed error of this context ("" when none). */
const char *rtdd_pci_strerror(const rtdd_pci *pci);
/* 1 when the kernel has IOMMU groups (IOMMU on in this kernel), else 0. */
int rtdd_pci_kernel_iommu(const rtdd_pci *pci);
/* 1 when <root>/hypervisor/type says "xen" (this is a Xen domain). */
int rtdd_pci_on_xen(const rtdd_pci *pci);

/* ---- inventory ---------------------------------------------------------- */

enum rtdd_pci_bar_kind {
	RTDD_PCI_BAR_IO = 0,
	RTDD_PCI_BAR_MEM32,
	RTDD_PCI_BAR_MEM64,
};

struct rtdd_pci_bar {
	int index; /* 0..5 */
	enum rtdd_pci_bar_kind kind;
	int prefetchable;
	uint64_t addr;
	uint64_t size;
};

/* Reset methods, as bits. */
enum rtdd_pci_reset {
	RTDD_PCI_RESET_FLR = 1 << 0,	/* PCIe DevCap Function Level Reset */
	RTDD_PCI_RESET_AF_FLR = 1 << 1, /* Advanced Features cap, TP+FLR */
	RTDD_PCI_RESET_PM = 1 << 2,	/* D3hot->D0 with No_Soft_Reset clear */
	RTDD_PCI_RESET_BUS = 1 << 3,	/* secondary bus reset, device alone */
	RTDD_PCI_RESET_OTHER = 1 << 4,	/* kernel quirk or ACPI _RST */
};

enum rtdd_pci_group_source {
	RTDD_PCI_GROUP_NONE = 0, /* no kernel groups and alone by topology */
	RTDD_PCI_GROUP_KERNEL,	 /* /sys/kernel/iommu_groups */
	RTDD_PCI_GROUP_TOPOLOGY, /* derived: no kernel IOMMU (Xen dom0) */
};

#define RTDD_PCI_NAME_LEN 128
#define RTDD_PCI_DRV_LEN 64
#define RTDD_PCI_MAX_GROUP 32

struct rtdd_pci_dev {
	struct rtdd_pci_addr addr;
	char bdf[RTDD_PCI_ADDR_STRLEN];
	uint16_t vendor_id, device_id;
	uint16_t subsys_vendor_id, subsys_id;
	uint8_t revision;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	char vendor_name[RTDD_PCI_NAME_LEN];
	char device_name[RTDD_PCI_NAME_LEN];
	char class_name[RTDD_PCI_NAME_LEN];
	char driver[RTDD_PCI_DRV_LEN];		/* "" when unbound */
	char driver_override[RTDD_PCI_DRV_LEN]; /* "" when none */

	int config_len;	     /* config bytes readable: 64, 256 or 4096 */
	uint8_t header_type; /* low 7 bits */
	int multifunction;
	int is_bridge; /* base class 0x06 (host, ISA, PCI ... bridges) */
	int is_pcie;
	uint8_t pcie_type; /* PCIe cap device/port type */
	int has_acs;
	int has_upstream;	       /* on a non-root bus */
	struct rtdd_pci_addr upstream; /* bridge above it */

	/* IOMMU group; members exclude the device itself. */
	enum rtdd_pci_group_source group_source;
	int iommu_group; /* kernel group number, -1 otherwise */
	size_t n_group;
	struct rtdd_pci_addr group[RTDD_PCI_MAX_GROUP];
	int group_truncated;

	size_t n_bars;
	struct rtdd_pci_bar bars[6];

	/* Interrupts. */
	uint8_t int_pin; /* 0 none, 1=INTA .. 4=INTD */
	int irq;	 /* legacy IRQ line from sysfs, 0 if none */
	int has_msi;
	int msi_vectors; /* 1 << Multiple Message Capable */
	int msi_64bit;
	int msi_enabled;
	int has_msix;
	int msix_table_size;
	int msix_enabled;

	/* Reset. */
	unsigned int reset; /* RTDD_PCI_RESET_* computed from config/topology */
	int has_pm;
	int pm_no_soft_reset;
	char kernel_reset_method[RTDD_PCI_NAME_LEN]; /* sysfs reset_method */
	size_t n_bus_siblings; /* other functions on the same bus */

	/* SR-IOV. */
	int has_sriov;
	int sriov_total_vfs;
	int sriov_num_vfs;
	uint16_t sriov_vf_offset, sriov_vf_stride, sriov_vf_device;
	int is_vf;
	struct rtdd_pci_addr physfn;

	/* What dom0 has on it: "net:eth0,block:sda(in use)" from /sys/class. */
	char in_use[RTDD_PCI_NAME_LEN];
	/* A disk of it (or a partition) is mounted, swap, or held by dm/md.
	 * Mounts and swap are only known when the root is the real /sys. */
	int in_use_mounted;
};

size_t rtdd_pci_count(const rtdd_pci *pci);
/* i-th device in BDF order, NULL when out of range. */
const struct rtdd_pci_dev *rtdd_pci_get(const rtdd_pci *pci, size_t i);
/* The device at addr, NULL when there is none. */
const struct rtdd_pci_dev *rtdd_pci_find(const rtdd_pci *pci,
					 const struct rtdd_pci_addr *addr);
/* Short text of a reset mask ("flr,pm,bus"), "none" for 0. */
const char *rtdd_pci_reset_str(unsigned int reset, char *buf, size_t len);
/*
 * The address of VF number vf (0-based) of PF pf from its SR-IOV cap
 * (routing ID + First VF Offset + vf * VF Stride). -EINVAL when pf has no
 * SR-IOV or vf is out of range, -ERANGE when the ID leaves the bus range.
 */
int rtdd_pci_vf_addr(const struct rtdd_pci_dev *pf, int vf,
		     struct rtdd_pci_addr *out);

/* ---- assignability ------------------------------------------------------ */

enum rtdd_pci_verdict {
	RTDD_PCI_NOT_ASSIGNABLE = 0,
	RTDD_PCI_CAVEATS,
	RTDD_PCI_RT_GOOD,
};

enum rtdd_pci_severity {
	RTDD_PCI_SEV_INFO = 0,
	RTDD_PCI_SEV_CAVEAT,
	RTDD_PCI_SEV_BLOCKER,
};

struct rtdd_pci_reason {
	enum rtdd_pci_severity sev;
	char code[24]; /* stable key, e.g. "group-shared", "no-reset" */
	char text[256];
	char fix[256]; /* "" when there is none */
};

#define RTDD_PCI_MAX_REASONS 16

struct rtdd_pci_check {
	struct rtdd_pci_addr addr;
	enum rtdd_pci_verdict verdict;
	size_t n_reasons;
	struct rtdd_pci_reason reasons[RTDD_PCI_MAX_REASONS];
};

/*
 * Judges one device. with[] lists the devices that go to the same driver
 * domain (the others of one `rtdd pci check A B` call): a group member in
 * with[] does not count as staying in dom0. Members bound to pciback,
 * vfio-pci or pci-stub, and bridges driven by pcieport or nothing, do not
 * count either.
 * Rules: a bridge, a group shared with a device that stays in dom0, no reset
 * method, INTx-only with the line shared, or config space past 64 bytes
 * unreadable (not root: nothing can be judged) are blockers; MSI-X + FLR (or AF
 * FLR) + own group is RT_GOOD; everything else is CAVEATS.
 * Returns 0, -ENODEV when there is no such device.
 */
int rtdd_pci_check_dev(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
		       const struct rtdd_pci_addr *with, size_t n_with,
		       struct rtdd_pci_check *out);
const char *rtdd_pci_verdict_str(enum rtdd_pci_verdict v);
const char *rtdd_pci_severity_str(enum rtdd_pci_severity s);

/* ---- binding ------------------------------------------------------------ */

/*
 * One sysfs write of a plan: value written to <root>/<path>. Paths are
 * relative to the sysfs root ("bus/pci/devices/0000:01:00.0/driver_override").
 */
struct rtdd_pci_step {
	char path[160];
	char value[64];
	char what[96];
};

#define RTDD_PCI_MAX_STEPS 8

struct rtdd_pci_plan {
	struct rtdd_pci_addr addr;
	char from_driver[RTDD_PCI_DRV_LEN]; /* "" when unbound */
	char from_override[RTDD_PCI_DRV_LEN];
	char to_driver[RTDD_PCI_DRV_LEN]; /* "" for release: native driver */
	int release;
	int vfs_plan;	      /* a plan of rtdd_pci_plan_vfs(): */
	int vfs_from, vfs_to; /* sriov_numvfs before and wanted */
	size_t n_steps;
	struct rtdd_pci_step steps[RTDD_PCI_MAX_STEPS];
	char warning[256]; /* "" or why --apply will refuse or may fail */
	int blocked;	   /* apply refuses (warning says why) */
};

/*
 * Plans moving addr to driver to ("pciback" or "vfio-pci"): set
 * driver_override, unbind from the current driver, bind to the target.
 * Already bound to the target: a plan with no steps. Returns 0, -ENODEV (no
 * device), -EINVAL (target not pciback/vfio-pci, or a bridge).
 */
int rtdd_pci_plan_assign(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
			 const char *to, struct rtdd_pci_plan *out);
/*
 * Plans handing addr back to dom0: unbind, clear driver_override, and ask
 * the kernel to probe (bus/pci/drivers_probe) so the native driver binds.
 */
int rtdd_pci_plan_release(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
			  struct rtdd_pci_plan *out);

struct rtdd_pci_result {
	int rc;		 /* 0 or -errno of the failing step */
	int failed_step; /* index into plan->steps, -1 when none failed */
	int rolled_back; /* 1 rolled back ok, -1 rollback failed, 0 n/a */
	char final_driver[RTDD_PCI_DRV_LEN]; /* bound driver afterwards */
	char msg[320];
};

/*
 * Runs plan's steps through the writer, then checks that the device ended
 * on the planned driver (release: on any driver but pciback/vfio-pci, or
 * unbound when dom0 has none). On any failure it rolls back: unbind from
 * whatever holds the device, restore driver_override and bind the previous
 * driver, and says in res->msg what happened. Rescans the context after.
 * Returns 0, -EPERM when a plan is blocked, or the failing step's -errno
 * (-EACCES/-EPERM when not root); res is filled either way.
 */
int rtdd_pci_apply(rtdd_pci *pci, const struct rtdd_pci_plan *plan,
		   struct rtdd_pci_result *res);

/*
 * Plans VF creation: writes sriov_numvfs (through 0 first when another
 * non-zero count is set, as the kernel requires). -EINVAL when the device
 * has no SR-IOV or n > total VFs.
 */
int rtdd_pci_plan_vfs(rtdd_pci *pci, const struct rtdd_pci_addr *pf, int n,
		      struct rtdd_pci_plan *out);
/*
 * The VFs of pf as the kernel reports them (virtfnN links), in VF order.
 * Returns the count (may exceed max; only max are stored; an index the
 * kernel skipped stays all-zero) or -errno (-ENODEV: no such device).
 */
int rtdd_pci_list_vfs(rtdd_pci *pci, const struct rtdd_pci_addr *pf,
		      struct rtdd_pci_addr *vfs, size_t max);

/*
 * True (1) when the sysfs attributes a plan writes are writable by this
 * process, 0 when not (not root), -ENODEV when there is no such device.
 */
int rtdd_pci_can_write(rtdd_pci *pci, const struct rtdd_pci_addr *addr);

/*
 * Every sysfs write goes through one writer. The default opens
 * <root>/<relpath> O_WRONLY and writes value in one write(2). A test installs
 * its own to play the kernel's part (bind creates the driver link, ...);
 * NULL restores the default. The writer returns 0 or -errno.
 */
typedef int (*rtdd_pci_writer_fn)(void *arg, const char *root,
				  const char *relpath, const char *value);
void rtdd_pci_set_writer(rtdd_pci *pci, rtdd_pci_writer_fn fn, void *arg);
int rtdd_pci_write_default(void *arg, const char *root, const char *relpath,
			   const char *value);

/* ---- xl ----------------------------------------------------------------- */

enum rtdd_pci_guest {
	RTDD_PCI_GUEST_PV = 0,
	RTDD_PCI_GUEST_PVH,
	RTDD_PCI_GUEST_HVM,
};

struct rtdd_pci_xl_opts {
	enum rtdd_pci_guest guest;
	int permissive;	 /* allow writes to unknown config registers */
	int seize;	 /* let xl take the device from its dom0 driver */
	int rdm_relaxed; /* HVM: rdm_policy=relaxed instead of strict */
};

/*
 * One xl.cfg pci entry for addr with the options that apply to it and the
 * guest type: "'0000:01:00.0,permissive=0,msitranslate=0,...'". msitranslate
 * is only for HVM and set to 0 for MSI/MSI-X devices; power_mgmt=0 and
 * rdm_policy are HVM-only. Returns 0, -ENODEV, -ENOSPC when len is short.
 */
int rtdd_pci_xl_entry(rtdd_pci *pci, const struct rtdd_pci_addr *addr,
		      const struct rtdd_pci_xl_opts *opts, char *buf,
		      size_t len);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_PCI_H */

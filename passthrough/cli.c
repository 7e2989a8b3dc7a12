// SPDX-License-Identifier: MIT
/*
 * rtdd pci - PCI inventory, assignability, binding and xl lines.
 *
 *   rtdd pci list   [--json]
 *   rtdd pci check  [--json] BDF...
 *   rtdd pci assign BDF --to pciback|vfio-pci [--apply]
 *   rtdd pci release BDF [--apply]
 *   rtdd pci vfs    BDF N [--apply]
 *   rtdd pci xl     [--type pv|pvh|hvm] [--permissive] [--seize]
 *                   [--rdm-relaxed] BDF...
 *
 * --root DIR reads DIR instead of /sys (also $RTDD_SYSFS_ROOT). Everything
 * that changes the host is a dry run unless --apply is given.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "rtdd/json.h"
#include "rtdd/log.h"
#include "rtdd/pci.h"

#define MAX_ARGS 64

struct opts {
	const char *root;
	const char *to;
	int json;
	int apply;
	struct rtdd_pci_xl_opts xl;
	int nargs;
	const char *args[MAX_ARGS];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd pci <command> [options]\n\n"
		"  list [--json]                      every PCI device: names, "
		"driver, IOMMU group,\n"
		"                                     BARs, interrupts, reset "
		"methods, SR-IOV\n"
		"  check [--json] BDF...              can these go to one "
		"driver domain? (exit 1 if not)\n"
		"  assign BDF --to pciback|vfio-pci   move to a passthrough "
		"driver\n"
		"  release BDF                        give back to dom0's "
		"native driver\n"
		"  vfs BDF N                          set the number of "
		"SR-IOV VFs and list them\n"
		"  xl [--type pv|pvh|hvm] [--permissive] [--seize] "
		"[--rdm-relaxed] BDF...\n"
		"                                     xl.cfg pci = [...] and "
		"xl pci-assignable-add lines\n\n"
		"Options: --apply  act (assign, release, vfs are dry runs "
		"without it; needs root)\n"
		"         --root DIR  sysfs root (default $RTDD_SYSFS_ROOT or "
		"/sys)\n"
		"BDF is DDDD:BB:DD.F or BB:DD.F in hex.\n");
}

/* ---- JSON output ---------------------------------------------------------- */

/* A string or null when empty. */
static void jstr_or_null(struct rtdd_json *j, const char *k, const char *v)
{
	if (v && *v)
		rtdd_json_str(j, k, v);
	else
		rtdd_json_null(j, k);
}

static const char *bar_kind(const struct rtdd_pci_bar *b)
{
	return b->kind == RTDD_PCI_BAR_IO      ? "io"
	       : b->kind == RTDD_PCI_BAR_MEM64 ? "mem64"
					       : "mem32";
}

static const char *group_src(enum rtdd_pci_group_source s)
{
	return s == RTDD_PCI_GROUP_KERNEL     ? "kernel"
	       : s == RTDD_PCI_GROUP_TOPOLOGY ? "topology"
					      : "none";
}

static void json_dev(struct rtdd_json *j, const struct rtdd_pci_dev *d)
{
	static const char *const reset_names[] = {"flr", "af_flr", "pm", "bus",
						  "other"};
	char buf[64];

	rtdd_json_obj_begin(j, NULL);
	rtdd_json_str(j, "bdf", d->bdf);
	snprintf(buf, sizeof(buf), "%04x", d->vendor_id);
	rtdd_json_str(j, "vendor_id", buf);
	snprintf(buf, sizeof(buf), "%04x", d->device_id);
	rtdd_json_str(j, "device_id", buf);
	rtdd_json_str(j, "vendor", d->vendor_name);
	rtdd_json_str(j, "device", d->device_name);
	snprintf(buf, sizeof(buf), "%06x", d->class_code);
	rtdd_json_str(j, "class", buf);
	rtdd_json_str(j, "class_name", d->class_name);
	snprintf(buf, sizeof(buf), "%04x:%04x", d->subsys_vendor_id,
		 d->subsys_id);
	rtdd_json_str(j, "subsystem", buf);
	rtdd_json_u64(j, "revision", d->revision);
	jstr_or_null(j, "driver", d->driver);
	jstr_or_null(j, "driver_override", d->driver_override);
	rtdd_json_bool(j, "bridge", d->is_bridge);
	rtdd_json_bool(j, "pcie", d->is_pcie);
	rtdd_json_i64(j, "pcie_type", d->is_pcie ? d->pcie_type : -1);
	rtdd_json_bool(j, "acs", d->has_acs);
	rtdd_json_i64(j, "config_len", d->config_len);
	jstr_or_null(j, "upstream",
		     d->has_upstream ? rtdd_pci_addr_format(&d->upstream, buf)
				     : NULL);

	rtdd_json_obj_begin(j, "iommu_group");
	rtdd_json_str(j, "source", group_src(d->group_source));
	if (d->iommu_group >= 0)
		rtdd_json_i64(j, "id", d->iommu_group);
	else
		rtdd_json_null(j, "id");
	rtdd_json_arr_begin(j, "members");
	for (size_t i = 0; i < d->n_group; i++)
		rtdd_json_str(j, NULL, rtdd_pci_addr_format(&d->group[i], buf));
	rtdd_json_arr_end(j);
	rtdd_json_obj_end(j);

	rtdd_json_arr_begin(j, "bars");
	for (size_t i = 0; i < d->n_bars; i++) {
		const struct rtdd_pci_bar *b = &d->bars[i];

		rtdd_json_obj_begin(j, NULL);
		rtdd_json_i64(j, "index", b->index);
		rtdd_json_str(j, "type", bar_kind(b));
		rtdd_json_bool(j, "prefetchable", b->prefetchable);
		snprintf(buf, sizeof(buf), "0x%llx",
			 (unsigned long long)b->addr);
		rtdd_json_str(j, "addr", buf);
		rtdd_json_u64(j, "size", b->size);
		rtdd_json_obj_end(j);
	}
	rtdd_json_arr_end(j);

	rtdd_json_obj_begin(j, "interrupts");
	if (d->int_pin) {
		buf[0] = (char)('A' + d->int_pin - 1);
		buf[1] = '\0';
		rtdd_json_str(j, "intx_pin", buf);
	} else {
		rtdd_json_null(j, "intx_pin");
	}
	rtdd_json_i64(j, "irq", d->irq);
	if (d->has_msi) {
		rtdd_json_obj_begin(j, "msi");
		rtdd_json_i64(j, "vectors", d->msi_vectors);
		rtdd_json_bool(j, "64bit", d->msi_64bit);
		rtdd_json_bool(j, "enabled", d->msi_enabled);
		rtdd_json_obj_end(j);
	} else {
		rtdd_json_null(j, "msi");
	}
	if (d->has_msix) {
		rtdd_json_obj_begin(j, "msix");
		rtdd_json_i64(j, "table_size", d->msix_table_size);
		rtdd_json_bool(j, "enabled", d->msix_enabled);
		rtdd_json_obj_end(j);
	} else {
		rtdd_json_null(j, "msix");
	}
	rtdd_json_obj_end(j);

	rtdd_json_obj_begin(j, "reset");
	rtdd_json_arr_begin(j, "methods");
	for (int i = 0; i < 5; i++)
		if (d->reset & (1u << i))
			rtdd_json_str(j, NULL, reset_names[i]);
	rtdd_json_arr_end(j);
	jstr_or_null(j, "kernel_reset_method", d->kernel_reset_method);
	rtdd_json_bool(j, "pm_cap", d->has_pm);
	rtdd_json_bool(j, "pm_no_soft_reset", d->pm_no_soft_reset);
	rtdd_json_u64(j, "bus_siblings", d->n_bus_siblings);
	rtdd_json_obj_end(j);

	if (d->has_sriov && !d->is_vf) {
		rtdd_json_obj_begin(j, "sriov");
		rtdd_json_i64(j, "total_vfs", d->sriov_total_vfs);
		rtdd_json_i64(j, "num_vfs", d->sriov_num_vfs);
		rtdd_json_i64(j, "vf_offset", d->sriov_vf_offset);
		rtdd_json_i64(j, "vf_stride", d->sriov_vf_stride);
		snprintf(buf, sizeof(buf), "%04x", d->sriov_vf_device);
		rtdd_json_str(j, "vf_device_id", buf);
		rtdd_json_obj_end(j);
	} else {
		rtdd_json_null(j, "sriov");
	}
	jstr_or_null(j, "physfn",
		     d->is_vf ? rtdd_pci_addr_format(&d->physfn, buf) : NULL);
	jstr_or_null(j, "in_use", d->in_use);
	rtdd_json_bool(j, "in_use_mounted", d->in_use_mounted);
	rtdd_json_obj_end(j);
}

/* ---- text output ---------------------------------------------------------- */

static const char *human_size(uint64_t sz, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	int u = -1;

	while (sz >= 1024 && !(sz % 1024) && u < 4) {
		sz /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)sz);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)sz, units[u]);
	return buf;
}

static void text_dev(const struct rtdd_pci_dev *d)
{
	char grp[16], irq[48], rst[64], sriov[24], b[RTDD_PCI_ADDR_STRLEN];
	size_t n = 0;

	if (d->group_source == RTDD_PCI_GROUP_KERNEL)
		snprintf(grp, sizeof(grp), "%d", d->iommu_group);
	else if (d->group_source == RTDD_PCI_GROUP_TOPOLOGY)
		snprintf(grp, sizeof(grp), "topo");
	else
		snprintf(grp, sizeof(grp), "-");
	irq[0] = '\0';
	if (d->int_pin)
		n += (size_t)snprintf(irq + n, sizeof(irq) - n, "INT%c",
				      'A' + d->int_pin - 1);
	if (d->has_msi && n < sizeof(irq))
		n += (size_t)snprintf(irq + n, sizeof(irq) - n, "%smsi:%d",
				      n ? " " : "", d->msi_vectors);
	if (d->has_msix && n < sizeof(irq))
		n += (size_t)snprintf(irq + n, sizeof(irq) - n, "%smsix:%d",
				      n ? " " : "", d->msix_table_size);
	if (!irq[0])
		snprintf(irq, sizeof(irq), "-");
	rtdd_pci_reset_str(d->reset, rst, sizeof(rst));
	if (d->is_vf)
		snprintf(sriov, sizeof(sriov), "vf");
	else if (d->has_sriov)
		snprintf(sriov, sizeof(sriov), "%d/%d", d->sriov_num_vfs,
			 d->sriov_total_vfs);
	else
		snprintf(sriov, sizeof(sriov), "-");

	printf("%-12s  %04x  %04x:%04x  %-14s %-5s %-18s %-14s %s\n", d->bdf,
	       d->class_code >> 8, d->vendor_id, d->device_id,
	       d->driver[0] ? d->driver : "-", grp, irq, rst, sriov);
	printf("    %s %s [%s]\n", d->vendor_name, d->device_name,
	       d->class_name);
	for (size_t i = 0; i < d->n_bars; i++) {
		const struct rtdd_pci_bar *bar = &d->bars[i];
		char sz[24];

		printf("    BAR%d %-5s%s 0x%llx size %s\n", bar->index,
		       bar_kind(bar), bar->prefetchable ? " prefetch" : "",
		       (unsigned long long)bar->addr,
		       human_size(bar->size, sz, sizeof(sz)));
	}
	if (d->n_group) {
		printf("    %s group:", d->group_source == RTDD_PCI_GROUP_KERNEL
						? "IOMMU"
						: "DMA alias");
		for (size_t i = 0; i < d->n_group; i++)
			printf(" %s", rtdd_pci_addr_format(&d->group[i], b));
		printf("%s\n", d->group_truncated ? " ..." : "");
	}
	if (d->is_vf)
		printf("    VF of %s\n", rtdd_pci_addr_format(&d->physfn, b));
	if (d->kernel_reset_method[0])
		printf("    kernel reset_method: %s\n", d->kernel_reset_method);
	if (d->in_use[0])
		printf("    dom0 uses: %s\n", d->in_use);
}

/* ---- commands ------------------------------------------------------------- */

static int open_ctx(const struct opts *o, rtdd_pci **pci)
{
	int rc = rtdd_pci_open(pci, o->root);

	if (rc) {
		RTDD_LOG(ERR, "pci: cannot read the PCI bus: %s (%s)",
			 *pci && rtdd_pci_strerror(*pci)[0]
				 ? rtdd_pci_strerror(*pci)
				 : "",
			 strerror(-rc));
		rtdd_pci_close(*pci);
		*pci = NULL;
	}
	return rc;
}

/* Parses a BDF argument and finds it; prints the error. 0, 2 or 1. */
static int get_dev(rtdd_pci *pci, const char *arg, struct rtdd_pci_addr *a)
{
	if (rtdd_pci_addr_parse(arg, a)) {
		RTDD_LOG(ERR,
			 "pci: '%s' is not a PCI address (expected "
			 "DDDD:BB:DD.F or BB:DD.F, hex)",
			 arg);
		return 2;
	}
	if (!rtdd_pci_find(pci, a)) {
		char b[RTDD_PCI_ADDR_STRLEN];

		RTDD_LOG(ERR,
			 "pci: no PCI device %s under %s (see `rtdd pci "
			 "list`)",
			 rtdd_pci_addr_format(a, b), rtdd_pci_root(pci));
		return 1;
	}
	return 0;
}

static int cmd_list(rtdd_pci *pci, const struct opts *o)
{
	size_t n = rtdd_pci_count(pci);

	if (o->nargs) {
		RTDD_LOG(ERR, "pci list: unexpected argument '%s'", o->args[0]);
		return 2;
	}
	if (o->json) {
		struct rtdd_json j;

		rtdd_json_init(&j, stdout, true);
		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_str(&j, "root", rtdd_pci_root(pci));
		rtdd_json_bool(&j, "kernel_iommu", rtdd_pci_kernel_iommu(pci));
		rtdd_json_bool(&j, "xen", rtdd_pci_on_xen(pci));
		rtdd_json_arr_begin(&j, "devices");
		for (size_t i = 0; i < n; i++)
			json_dev(&j, rtdd_pci_get(pci, i));
		rtdd_json_arr_end(&j);
		rtdd_json_obj_end(&j);
		putchar('\n');
		return 0;
	}
	printf("%-12s  %-4s  %-9s  %-14s %-5s %-18s %-14s %s\n", "BDF", "CLS",
	       "ID", "DRIVER", "GROUP", "IRQ", "RESET", "SR-IOV");
	for (size_t i = 0; i < n; i++)
		text_dev(rtdd_pci_get(pci, i));
	if (!rtdd_pci_kernel_iommu(pci))
		printf("\nNo IOMMU groups in this kernel%s; groups marked "
		       "'topo' are derived from the topology.\n",
		       rtdd_pci_on_xen(pci) ? " (Xen dom0: Xen owns the IOMMU)"
					    : "");
	return 0;
}

static int parse_all(rtdd_pci *pci, const struct opts *o,
		     struct rtdd_pci_addr *addrs)
{
	for (int i = 0; i < o->nargs; i++) {
		int rc = get_dev(pci, o->args[i], &addrs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

static int cmd_check(rtdd_pci *pci, const struct opts *o)
{
	struct rtdd_pci_addr addrs[MAX_ARGS];
	struct rtdd_pci_check *c;
	struct rtdd_json j;
	int rc, worst = RTDD_PCI_RT_GOOD;

	if (!o->nargs) {
		RTDD_LOG(ERR, "pci check: which device? rtdd pci check BDF...");
		return 2;
	}
	rc = parse_all(pci, o, addrs);
	if (rc)
		return rc;
	c = malloc(sizeof(*c));
	if (!c)
		return 1;
	if (o->json) {
		rtdd_json_init(&j, stdout, true);
		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_arr_begin(&j, "devices");
	}
	for (int i = 0; i < o->nargs; i++) {
		const struct rtdd_pci_dev *d = rtdd_pci_find(pci, &addrs[i]);

		rc = rtdd_pci_check_dev(pci, &addrs[i], addrs, (size_t)o->nargs,
					c);
		if (rc) {
			RTDD_LOG(ERR, "pci check: %s", rtdd_pci_strerror(pci));
			free(c);
			return 1;
		}
		if ((int)c->verdict < worst)
			worst = (int)c->verdict;
		if (o->json) {
			rtdd_json_obj_begin(&j, NULL);
			rtdd_json_str(&j, "bdf", d->bdf);
			rtdd_json_str(&j, "verdict",
				      rtdd_pci_verdict_str(c->verdict));
			rtdd_json_arr_begin(&j, "reasons");
			for (size_t k = 0; k < c->n_reasons; k++) {
				const struct rtdd_pci_reason *r =
					&c->reasons[k];

				rtdd_json_obj_begin(&j, NULL);
				rtdd_json_str(&j, "severity",
					      rtdd_pci_severity_str(r->sev));
				rtdd_json_str(&j, "code", r->code);
				rtdd_json_str(&j, "text", r->text);
				jstr_or_null(&j, "fix", r->fix);
				rtdd_json_obj_end(&j);
			}
			rtdd_json_arr_end(&j);
			rtdd_json_obj_end(&j);
			continue;
		}
		printf("%s  %s  (%s %s)\n", d->bdf,
		       rtdd_pci_verdict_str(c->verdict), d->vendor_name,
		       d->device_name);
		for (size_t k = 0; k < c->n_reasons; k++) {
			const struct rtdd_pci_reason *r = &c->reasons[k];

			printf("  %-7s %s: %s\n", rtdd_pci_severity_str(r->sev),
			       r->code, r->text);
			if (r->fix[0])
				printf("          fix: %s\n", r->fix);
		}
	}
	if (o->json) {
		rtdd_json_arr_end(&j);
		rtdd_json_obj_end(&j);
		putchar('\n');
	}
	free(c);
	return worst == RTDD_PCI_NOT_ASSIGNABLE ? 1 : 0;
}

static void print_plan(rtdd_pci *pci, const struct rtdd_pci_plan *p)
{
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct rtdd_pci_step *s = &p->steps[i];

		if (!strcmp(s->value, "\n"))
			printf("  %zu. echo > %s/%s   # %s\n", i + 1,
			       rtdd_pci_root(pci), s->path, s->what);
		else
			printf("  %zu. echo %s > %s/%s   # %s\n", i + 1,
			       s->value, rtdd_pci_root(pci), s->path, s->what);
	}
	if (p->warning[0])
		printf("  %s: %s\n", p->blocked ? "refused" : "warning",
		       p->warning);
}

static int need_write(rtdd_pci *pci, const struct rtdd_pci_addr *a,
		      const char *what)
{
	if (rtdd_pci_can_write(pci, a) == 1)
		return 0;
	RTDD_LOG(ERR,
		 "pci %s --apply: permission denied on %s/bus/pci: not root "
		 "(uid %u). Rerun as root, or drop --apply for a dry run.",
		 what, rtdd_pci_root(pci), (unsigned int)geteuid());
	return 1;
}

static int run_plan(rtdd_pci *pci, const struct opts *o,
		    const struct rtdd_pci_plan *p, const char *verb,
		    const char *desc)
{
	struct rtdd_pci_result res;
	char b[RTDD_PCI_ADDR_STRLEN];
	int rc;

	rtdd_pci_addr_format(&p->addr, b);
	if (!o->apply) {
		printf("dry run: %s %s: %s%s\n", verb, b, desc,
		       p->n_steps ? " (add --apply to do it)"
				  : ": nothing to do");
		print_plan(pci, p);
		return p->blocked ? 1 : 0;
	}
	if (p->blocked) {
		RTDD_LOG(ERR, "pci %s %s: refusing: %s", verb, b, p->warning);
		return 1;
	}
	if (need_write(pci, &p->addr, verb))
		return 1;
	printf("%s %s: %s\n", verb, b, desc);
	print_plan(pci, p);
	rc = rtdd_pci_apply(pci, p, &res);
	if (rc) {
		RTDD_LOG(ERR, "pci %s %s: %s", verb, b, res.msg);
		return 1;
	}
	printf("%s\n", res.msg);
	return 0;
}

static int cmd_assign(rtdd_pci *pci, const struct opts *o, int release)
{
	struct rtdd_pci_addr a;
	struct rtdd_pci_plan p;
	char desc[160];
	int rc;

	if (o->nargs != 1) {
		RTDD_LOG(ERR, "pci %s: expected one BDF",
			 release ? "release" : "assign");
		return 2;
	}
	if (!release && !o->to) {
		RTDD_LOG(ERR, "pci assign: --to pciback|vfio-pci is required");
		return 2;
	}
	rc = get_dev(pci, o->args[0], &a);
	if (rc)
		return rc;
	rc = release ? rtdd_pci_plan_release(pci, &a, &p)
		     : rtdd_pci_plan_assign(pci, &a, o->to, &p);
	if (rc) {
		RTDD_LOG(ERR, "pci %s: %s", release ? "release" : "assign",
			 rtdd_pci_strerror(pci));
		return rc == -EINVAL && !release && strcmp(o->to, "pciback") &&
				       strcmp(o->to, "vfio-pci")
			       ? 2
			       : 1;
	}
	if (release)
		snprintf(desc, sizeof(desc), "%s -> dom0's native driver",
			 p.from_driver[0] ? p.from_driver : "no driver");
	else
		snprintf(desc, sizeof(desc), "%s -> %s",
			 p.from_driver[0] ? p.from_driver : "no driver",
			 p.to_driver);
	return run_plan(pci, o, &p, release ? "release" : "assign", desc);
}

static int cmd_vfs(rtdd_pci *pci, const struct opts *o)
{
	struct rtdd_pci_addr a, vfs[256];
	struct rtdd_pci_plan p;
	char desc[96], *end;
	long n;
	int rc, count;

	if (o->nargs != 2) {
		RTDD_LOG(ERR, "pci vfs: expected BDF N");
		return 2;
	}
	rc = get_dev(pci, o->args[0], &a);
	if (rc)
		return rc;
	n = strtol(o->args[1], &end, 10);
	if (*end || end == o->args[1] || n < 0 || n > 65535) {
		RTDD_LOG(ERR, "pci vfs: '%s' is not a VF count", o->args[1]);
		return 2;
	}
	rc = rtdd_pci_plan_vfs(pci, &a, (int)n, &p);
	if (rc) {
		RTDD_LOG(ERR, "pci vfs: %s", rtdd_pci_strerror(pci));
		return 1;
	}
	snprintf(desc, sizeof(desc), "%d -> %ld VFs", p.vfs_from, n);
	rc = run_plan(pci, o, &p, "vfs", desc);
	if (rc)
		return rc;
	count = rtdd_pci_list_vfs(pci, &a, vfs, 256);
	if (count < 0) {
		RTDD_LOG(ERR, "pci vfs: %s", rtdd_pci_strerror(pci));
		return 1;
	}
	printf("%s VFs now: %d\n", o->args[0], count);
	for (int i = 0; i < count && i < 256; i++) {
		const struct rtdd_pci_dev *d = rtdd_pci_find(pci, &vfs[i]);
		char b[RTDD_PCI_ADDR_STRLEN];

		printf("  VF %-3d %s  %s  driver %s\n", i,
		       rtdd_pci_addr_format(&vfs[i], b),
		       d ? d->device_name : "?",
		       d && d->driver[0] ? d->driver : "-");
	}
	return 0;
}

static int cmd_xl(rtdd_pci *pci, const struct opts *o)
{
	struct rtdd_pci_addr addrs[MAX_ARGS];
	struct rtdd_pci_check *c;
	char entry[256], b[RTDD_PCI_ADDR_STRLEN];
	int rc;

	if (!o->nargs) {
		RTDD_LOG(ERR, "pci xl: which device? rtdd pci xl BDF...");
		return 2;
	}
	rc = parse_all(pci, o, addrs);
	if (rc)
		return rc;
	c = malloc(sizeof(*c));
	if (!c)
		return 1;
	printf("# driver domain xl.cfg (guest type %s)\n",
	       o->xl.guest == RTDD_PCI_GUEST_HVM   ? "hvm"
	       : o->xl.guest == RTDD_PCI_GUEST_PVH ? "pvh"
						   : "pv");
	if (o->xl.guest == RTDD_PCI_GUEST_PVH)
		printf("# warning: libxl in Xen 4.17 (Debian 12) does not pass "
		       "PCI devices to PVH guests; use type = \"pv\" or "
		       "\"hvm\"\n");
	for (int i = 0; i < o->nargs; i++) {
		const struct rtdd_pci_dev *d = rtdd_pci_find(pci, &addrs[i]);

		if (rtdd_pci_check_dev(pci, &addrs[i], addrs, (size_t)o->nargs,
				       c))
			continue;
		if (c->verdict == RTDD_PCI_NOT_ASSIGNABLE)
			printf("# warning: %s is not assignable; see `rtdd pci "
			       "check %s`\n",
			       d->bdf, d->bdf);
	}
	printf("pci = [ ");
	for (int i = 0; i < o->nargs; i++) {
		rc = rtdd_pci_xl_entry(pci, &addrs[i], &o->xl, entry,
				       sizeof(entry));
		if (rc) {
			RTDD_LOG(ERR, "pci xl: %s", rtdd_pci_strerror(pci));
			free(c);
			return 1;
		}
		printf("%s%s", i ? ", " : "", entry);
	}
	printf(" ]\n\n# in dom0, before `xl create`:\n");
	if (o->xl.seize)
		printf("# (seize=1: xl takes the devices from their dom0 "
		       "drivers itself)\n");
	for (int i = 0; i < o->nargs; i++)
		printf("xl pci-assignable-add %s\n",
		       rtdd_pci_addr_format(&addrs[i], b));
	printf("xl pci-assignable-list\n");
	free(c);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--apply")) {
			o->apply = 1;
		} else if (!strcmp(a, "--permissive")) {
			o->xl.permissive = 1;
		} else if (!strcmp(a, "--seize")) {
			o->xl.seize = 1;
		} else if (!strcmp(a, "--rdm-relaxed")) {
			o->xl.rdm_relaxed = 1;
		} else if (!strcmp(a, "--to") || !strcmp(a, "--root") ||
			   !strcmp(a, "--type")) {
			const char *v = i + 1 < argc ? argv[++i] : NULL;

			if (!v) {
				RTDD_LOG(ERR, "pci: %s needs a value", a);
				return 2;
			}
			if (!strcmp(a, "--to")) {
				o->to = v;
			} else if (!strcmp(a, "--root")) {
				o->root = v;
			} else if (!strcmp(v, "pv")) {
				o->xl.guest = RTDD_PCI_GUEST_PV;
			} else if (!strcmp(v, "pvh")) {
				o->xl.guest = RTDD_PCI_GUEST_PVH;
			} else if (!strcmp(v, "hvm")) {
				o->xl.guest = RTDD_PCI_GUEST_HVM;
			} else {
				RTDD_LOG(ERR,
					 "pci: --type must be pv, pvh or hvm");
				return 2;
			}
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return -1;
		} else if (a[0] == '-' && a[1] == '-') {
			RTDD_LOG(ERR, "pci: unknown option '%s'", a);
			return 2;
		} else if (o->nargs >= MAX_ARGS) {
			RTDD_LOG(ERR, "pci: more than %d arguments", MAX_ARGS);
			return 2;
		} else {
			o->args[o->nargs++] = a;
		}
	}
	return 0;
}

int rtdd_cmd_pci(int argc, char **argv)
{
	static const char *const verbs[] = {"list",    "check", "assign",
					    "release", "vfs",	"xl"};
	rtdd_pci *pci = NULL;
	const char *verb;
	struct opts o;
	int rc, known = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		known |= !strcmp(verb, verbs[i]);
	if (!known) {
		RTDD_LOG(ERR, "pci: unknown command '%s'", verb);
		usage(stderr);
		return 2;
	}
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.apply && (!strcmp(verb, "list") || !strcmp(verb, "check") ||
			!strcmp(verb, "xl"))) {
		RTDD_LOG(ERR,
			 "pci %s: --apply only goes with assign, release "
			 "and vfs",
			 verb);
		return 2;
	}
	if (open_ctx(&o, &pci))
		return 1;

	if (!strcmp(verb, "list"))
		rc = cmd_list(pci, &o);
	else if (!strcmp(verb, "check"))
		rc = cmd_check(pci, &o);
	else if (!strcmp(verb, "assign"))
		rc = cmd_assign(pci, &o, 0);
	else if (!strcmp(verb, "release"))
		rc = cmd_assign(pci, &o, 1);
	else if (!strcmp(verb, "vfs"))
		rc = cmd_vfs(pci, &o);
	else
		rc = cmd_xl(pci, &o);
	rtdd_pci_close(pci);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * hv/xen/gnt.c - grants over libxengnttab: xengntshr (gntalloc) shares own
 * pages, xengnttab (gntdev) maps foreign refs and runs batched grant copies.
 *
 * Every shared or mapped range is recorded, so that unshare/unmap of a range
 * we did not hand out is -EINVAL rather than a munmap of arbitrary memory,
 * and so that closing the context releases what the caller left behind
 * (closing a gntdev/gntalloc fd does not unmap its VMAs).
 *
 * Errors. gntdev squashes every failed map status into EINVAL, so a failed
 * map is diagnosed afterwards: a one-byte grant copy from each ref (which
 * reads, never writes, the granter's page) returns Xen's GNTST status for
 * that ref; when every ref is readable and a writable map was asked for, a
 * read-only map of the same refs tells whether the grants are read-only.
 * Copy statuses come straight from GNTTABOP_copy. errmap.h has the table.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen_private.h"
#include <xen/grant_table.h> /* after xenctrl.h: needs its types */

/* Segments per ioctl: on the stack, so the copy path never allocates. */
#define COPY_BATCH 32u
/* gntdev refuses more than this many grants per map call (its limit). */
#define MAP_MAX 65536u

static void region_push(struct xen_hv *x, struct xen_region **list,
			struct xen_region *r)
{
	pthread_mutex_lock(&x->lock);
	r->next = *list;
	*list = r;
	pthread_mutex_unlock(&x->lock);
}

/* Unlinks the range that starts at addr and spans exactly count pages. */
static struct xen_region *region_take(struct xen_hv *x,
				      struct xen_region **list, void *addr,
				      unsigned count)
{
	struct xen_region **pp, *r = NULL;

	pthread_mutex_lock(&x->lock);
	for (pp = list; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr && (*pp)->count == count) {
			r = *pp;
			*pp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&x->lock);
	return r;
}

static int gnt_share_pages(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			   bool readonly, void **addr_out, rtdd_gref *refs_out)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_region *r;
	void *addr;

	if (!count || count > INT_MAX / RTDD_PAGE_SIZE || !addr_out ||
	    !refs_out || domid >= RTDD_DOMID_SELF)
		return -EINVAL;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* gntalloc zeroes the pages; refs_out is written only on success. */
	addr = xengntshr_share_pages(x->xgs, domid, (int)count, refs_out,
				     !readonly);
	if (!addr) {
		free(r);
		return rtdd__xen_errno();
	}
	r->addr = addr;
	r->count = count;
	region_push(x, &x->shares, r);
	*addr_out = addr;
	return 0;
}

/*
 * gntalloc ends foreign access when the last local mapping goes; while the
 * peer still maps a page, the kernel keeps it and ends access later
 * (gnttab_end_foreign_access's deferred list), so this returns 0.
 */
static int gnt_unshare_pages(rtdd_hv *hv, void *addr, unsigned count)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_region *r;

	if (!addr || !count)
		return -EINVAL;
	r = region_take(x, &x->shares, addr, count);
	if (!r)
		return -EINVAL;
	if (xengntshr_unshare(x->xgs, addr, count) < 0) {
		int rc = rtdd__xen_errno();

		region_push(x, &x->shares, r);
		return rc;
	}
	free(r);
	return 0;
}

/* One-byte reads of each ref: 0 when all are readable, else its -errno. */
static int probe_refs(struct xen_hv *x, rtdd_domid domid, unsigned count,
		      const rtdd_gref *refs, int fallback)
{
	xengnttab_grant_copy_segment_t seg[COPY_BATCH];
	unsigned char scratch[COPY_BATCH];
	unsigned i, j, n;

	for (i = 0; i < count; i += n) {
		n = count - i < COPY_BATCH ? count - i : COPY_BATCH;
		memset(seg, 0, sizeof(seg));
		for (j = 0; j < n; j++) {
			seg[j].source.foreign.ref = refs[i + j];
			seg[j].source.foreign.offset = 0;
			seg[j].source.foreign.domid = domid;
			seg[j].dest.virt = &scratch[j];
			seg[j].len = 1;
			seg[j].flags = GNTCOPY_source_gref;
		}
		if (xengnttab_grant_copy(x->xgt, n, seg) < 0)
			return fallback;
		for (j = 0; j < n; j++)
			if (seg[j].status != GNTST_okay)
				return rtdd__xen_gntst_errno(seg[j].status);
	}
	return 0;
}

static int diagnose_map(struct xen_hv *x, rtdd_domid domid, unsigned count,
			const rtdd_gref *refs, bool readonly, int rc)
{
	void *addr;
	int r;

	/* Only EINVAL stands for "the hypervisor refused a ref". */
	if (rc != -EINVAL || !x->can_copy)
		return rc;
	r = probe_refs(x, domid, count, refs, rc);
	if (r)
		return r;
	if (readonly)
		return rc;
	addr = xengnttab_map_domain_grant_refs(x->xgt, count, domid,
					       (uint32_t *)refs, PROT_READ);
	if (!addr)
		return rc;
	xengnttab_unmap(x->xgt, addr, count);
	return -EPERM; /* readable, not writable: a read-only grant */
}

static int gnt_map_refs(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			const rtdd_gref *refs, bool readonly, void **addr_out)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_region *r;
	void *addr;
	int prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;

	if (!count || count > MAP_MAX || !refs || !addr_out ||
	    domid >= RTDD_DOMID_SELF)
		return -EINVAL;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* libxengnttab only reads refs; its prototype lacks the const. On
	 * failure it undoes any partial work, so nothing stays mapped. */
	addr = xengnttab_map_domain_grant_refs(x->xgt, count, domid,
					       (uint32_t *)refs, prot);
	if (!addr) {
		int rc = rtdd__xen_errno();

		free(r);
		return diagnose_map(x, domid, count, refs, readonly, rc);
	}
	r->addr = addr;
	r->count = count;
	region_push(x, &x->maps, r);
	*addr_out = addr;
	return 0;
}

static int gnt_unmap(rtdd_hv *hv, void *addr, unsigned count)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_region *r;

	if (!addr || !count)
		return -EINVAL;
	r = region_take(x, &x->maps, addr, count);
	if (!r)
		return -EINVAL;
	if (xengnttab_unmap(x->xgt, addr, count) < 0) {
		int rc = rtdd__xen_errno();

		region_push(x, &x->maps, r);
		return rc;
	}
	free(r);
	return 0;
}

/* 0 and *out filled, or the segment's -errno without asking Xen. */
static int to_xen_seg(const struct rtdd_gnt_copy_seg *s,
		      xengnttab_grant_copy_segment_t *out)
{
	memset(out, 0, sizeof(*out));
	/* gntdev does not copy local to local; Xen checks offset + len
	 * (GNTST_bad_copy_arg) but gntdev fails the whole batch, so the
	 * bad segment is refused here on its own. */
	if (!s->src.is_gref && !s->dst.is_gref)
		return -EINVAL;
	if (s->src.is_gref) {
		if ((unsigned)s->src.offset + s->len > RTDD_PAGE_SIZE)
			return -EINVAL;
		out->source.foreign.ref = s->src.ref;
		out->source.foreign.offset = s->src.offset;
		out->source.foreign.domid = s->src.domid;
		out->flags |= GNTCOPY_source_gref;
	} else {
		if (!s->src.virt)
			return -EINVAL;
		out->source.virt = s->src.virt;
	}
	if (s->dst.is_gref) {
		if ((unsigned)s->dst.offset + s->len > RTDD_PAGE_SIZE)
			return -EINVAL;
		out->dest.foreign.ref = s->dst.ref;
		out->dest.foreign.offset = s->dst.offset;
		out->dest.foreign.domid = s->dst.domid;
		out->flags |= GNTCOPY_dest_gref;
	} else {
		if (!s->dst.virt)
			return -EINVAL;
		out->dest.virt = s->dst.virt;
	}
	out->len = s->len;
	return 0;
}

/* Submits n converted segments; idx[] says whose status each one is. */
static int flush(struct xen_hv *x, xengnttab_grant_copy_segment_t *batch,
		 const unsigned *idx, unsigned n,
		 struct rtdd_gnt_copy_seg *segs)
{
	int rc;

	if (xengnttab_grant_copy(x->xgt, n, batch) < 0) {
		rc = rtdd__xen_errno();
		for (unsigned j = 0; j < n; j++)
			segs[idx[j]].status = (int16_t)rc;
		return rc;
	}
	for (unsigned j = 0; j < n; j++)
		segs[idx[j]].status =
			(int16_t)rtdd__xen_gntst_errno(batch[j].status);
	return 0;
}

/*
 * Fast path. Segments are converted into a stack batch and submitted
 * COPY_BATCH at a time. If an ioctl fails as a whole (EFAULT: a local
 * buffer is not mapped, or not writable as a destination), that batch and
 * every later segment get the error as status and the call returns it.
 */
static int gnt_copy(rtdd_hv *hv, unsigned count, struct rtdd_gnt_copy_seg *segs)
{
	struct xen_hv *x = xen_hv(hv);
	xengnttab_grant_copy_segment_t batch[COPY_BATCH];
	unsigned idx[COPY_BATCH];
	unsigned i, n = 0;
	int rc;

	if (count && !segs)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		struct rtdd_gnt_copy_seg *s = &segs[i];

		if (!s->len) {
			s->status = 0;
			continue;
		}
		rc = to_xen_seg(s, &batch[n]);
		if (rc) {
			s->status = (int16_t)rc;
			continue;
		}
		idx[n++] = i;
		if (n < COPY_BATCH)
			continue;
		rc = flush(x, batch, idx, n, segs);
		n = 0;
		if (rc)
			goto fail_rest;
	}
	if (n) {
		rc = flush(x, batch, idx, n, segs);
		if (rc)
			return rc;
	}
	return 0;
fail_rest:
	for (i++; i < count; i++)
		segs[i].status = (int16_t)rc;
	return rc;
}

static int nogs_share_pages(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			    bool readonly, void **addr_out, rtdd_gref *refs_out)
{
	(void)hv, (void)domid, (void)count, (void)readonly, (void)addr_out;
	(void)refs_out;
	return -EOPNOTSUPP;
}

static int nogs_region(rtdd_hv *hv, void *addr, unsigned count)
{
	(void)hv, (void)addr, (void)count;
	return -EOPNOTSUPP;
}

static int nogt_map_refs(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			 const rtdd_gref *refs, bool readonly, void **addr_out)
{
	(void)hv, (void)domid, (void)count, (void)refs, (void)readonly;
	(void)addr_out;
	return -EOPNOTSUPP;
}

static int nogt_copy(rtdd_hv *hv, unsigned count,
		     struct rtdd_gnt_copy_seg *segs)
{
	(void)hv, (void)count, (void)segs;
	return -EOPNOTSUPP;
}

void rtdd__xen_gnt_setup(struct xen_hv *x)
{
	struct rtdd_gnt_ops *o = &x->gnt_ops;
	uint32_t *f = &x->common.pub.features;

	o->share_pages = nogs_share_pages;
	o->unshare_pages = nogs_region;
	o->map_refs = nogt_map_refs;
	o->unmap = nogs_region;
	o->copy = nogt_copy;
	if (x->xgs) {
		o->share_pages = gnt_share_pages;
		o->unshare_pages = gnt_unshare_pages;
		*f |= RTDD_HV_F_GNT_SHARE;
	}
	if (x->xgt) {
		o->map_refs = gnt_map_refs;
		o->unmap = gnt_unmap;
		*f |= RTDD_HV_F_GNT_MAP;
		/* An empty batch reaches the ioctl and nothing else: ENOTTY
		 * on kernels without grant copy (before Linux 4.8). */
		if (xengnttab_grant_copy(x->xgt, 0, NULL) == 0) {
			x->can_copy = true;
			o->copy = gnt_copy;
			*f |= RTDD_HV_F_GNT_COPY;
		}
	}
	x->common.pub.gnt = o;
}

void rtdd__xen_gnt_release_all(struct xen_hv *x)
{
	struct xen_region *r, *next;

	for (r = x->maps; r; r = next) {
		next = r->next;
		xengnttab_unmap(x->xgt, r->addr, r->count);
		free(r);
	}
	for (r = x->shares; r; r = next) {
		next = r->next;
		xengntshr_unshare(x->xgs, r->addr, r->count);
		free(r);
	}
	x->maps = x->shares = NULL;
}

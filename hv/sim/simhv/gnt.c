// SPDX-License-Identifier: MIT
/*
 * Grant tables in rtdd-simhv, after Xen's common/grant_table.c (v1 only):
 * the granting domain writes grant_entry_v1 into its own table; simhv
 * checks an entry when another domain maps or copies it, and sets
 * GTF_reading / GTF_writing while it is in use, with the same cmpxchg on
 * {flags, domid} as Xen so a guest's concurrent end-of-access is seen.
 *
 * Errors, as rtdd/hv.h documents them for map_refs and copy:
 *   -EINVAL  ref out of range, frame outside the granter's RAM
 *   -ENOENT  entry not GTF_permit_access (never granted, or revoked)
 *   -EPERM   granted to another domain, or write access to GTF_readonly
 *   -ESRCH   no such granting domain
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h> /* before the Xen header, which needs it */
#include <xen/grant_table.h>

#include "rtdd/log.h"
#include "simhv.h"

#define PAGE RTDD_PAGE_SIZE

static bool frame_test(struct dom *d, uint64_t f)
{
	return d->frame_used[f / 8] & (1u << (f % 8));
}

static void frame_set(struct dom *d, uint64_t f, bool v)
{
	if (v)
		d->frame_used[f / 8] |= (uint8_t)(1u << (f % 8));
	else
		d->frame_used[f / 8] &= (uint8_t) ~(1u << (f % 8));
}

static void frame_free(struct dom *d, uint32_t f)
{
	/* Zero and give the memory back: the next share gets zeroed pages
	 * and nothing of the old content leaks to its next grantee. */
	fallocate(d->ram_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)f * PAGE, PAGE);
	frame_set(d, f, false);
}

/* count frames, contiguous when possible (one mmap for the client). */
static int frames_alloc(struct dom *d, unsigned count, uint32_t *out)
{
	uint64_t start = d->next_frame, got = 0;

	/* first try a contiguous run from the rover, then anything */
	for (uint64_t i = 0, run = 0; i < d->frames && run < count; i++) {
		uint64_t f = (start + i) % d->frames;

		if (f == 0)
			run = 0;
		if (frame_test(d, f)) {
			run = 0;
			continue;
		}
		out[run++] = (uint32_t)f;
		if (run == count)
			got = count;
	}
	if (got < count) {
		got = 0;
		for (uint64_t f = 0; f < d->frames && got < count; f++)
			if (!frame_test(d, f))
				out[got++] = (uint32_t)f;
		if (got < count)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < count; i++)
		frame_set(d, out[i], true);
	d->next_frame = (out[count - 1] + 1) % d->frames;
	return 0;
}

int gnt_alloc(struct conn *c, unsigned count, struct sim_rep *rep)
{
	struct dom *d = c->dom;
	uint32_t *refs = rep->u.gnt_alloc.pairs;
	uint32_t *frames = refs + count;
	unsigned got = 0;
	int rc;

	if (!count || count > SIM_MAP_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < SIM_GNT_ENTRIES && got < count; i++) {
		uint32_t r = d->next_ref + i;

		if (r >= SIM_GNT_ENTRIES)
			r = SIM_GNT_RESERVED + (r - SIM_GNT_ENTRIES);
		if (r < SIM_GNT_RESERVED || d->refs[r].allocated ||
		    d->refs[r].pins)
			continue;
		/* a ref the guest granted by hand is not ours to hand out */
		if (__atomic_load_n(&d->gnt[r].flags, __ATOMIC_ACQUIRE) &
		    GTF_type_mask)
			continue;
		refs[got++] = r;
	}
	if (got < count)
		return -ENOSPC;
	rc = frames_alloc(d, count, frames);
	if (rc)
		return rc;
	for (unsigned i = 0; i < count; i++) {
		struct refinfo *ri = &d->refs[refs[i]];

		ri->allocated = true;
		ri->owner = c->id;
		ri->frame = frames[i];
	}
	d->next_ref = refs[count - 1] + 1;
	if (d->next_ref >= SIM_GNT_ENTRIES)
		d->next_ref = SIM_GNT_RESERVED;
	rep->u.gnt_alloc.count = count;
	return 0;
}

/* End access to an allocated ref and free its frame (not pinned). */
static void ref_release(struct dom *d, uint32_t r)
{
	struct grant_entry_v1 *e = &d->gnt[r];
	struct refinfo *ri = &d->refs[r];

	__atomic_store_n(&e->flags, 0, __ATOMIC_RELEASE);
	e->domid = 0;
	e->frame = 0;
	frame_free(d, ri->frame);
	memset(ri, 0, sizeof(*ri));
}

int gnt_free(struct conn *c, unsigned count, const uint32_t *refs)
{
	struct dom *d = c->dom;

	if (!count || count > SIM_MAP_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		if (refs[i] >= SIM_GNT_ENTRIES || !d->refs[refs[i]].allocated)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (refs[j] == refs[i])
				return -EINVAL;
	}
	/* gnttab_end_foreign_access: refused while mapped; all or nothing */
	for (unsigned i = 0; i < count; i++)
		if (d->refs[refs[i]].pins)
			return -EBUSY;
	for (unsigned i = 0; i < count; i++)
		ref_release(d, refs[i]);
	return 0;
}

/* Check entry ref of granter g for use by domain mapper and set the in-use
 * flags (Xen's _set_status_v1). *frame_out: the frame now pinned. */
static int pin(struct dom *g, uint32_t ref, rtdd_domid mapper, bool ro,
	       uint32_t *frame_out)
{
	struct grant_entry_v1 *e;
	struct refinfo *ri;
	uint32_t *word, old, nw;
	uint16_t flags, domid, want;

	if (ref >= SIM_GNT_ENTRIES)
		return -EINVAL;
	e = &g->gnt[ref];
	ri = &g->refs[ref];
	if (ri->pins == UINT16_MAX)
		return -EBUSY;
	/* flags and domid are adjacent 16-bit fields: one 32-bit word */
	word = (uint32_t *)(void *)e;
	old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	for (;;) {
		flags = (uint16_t)old;
		domid = (uint16_t)(old >> 16);
		if ((flags & GTF_type_mask) != GTF_permit_access)
			return -ENOENT;
		if (domid != mapper)
			return -EPERM;
		if (!ro && (flags & GTF_readonly))
			return -EPERM;
		want = (uint16_t)(flags | GTF_reading | (ro ? 0 : GTF_writing));
		nw = (old & 0xffff0000u) | want;
		if (nw == old || __atomic_compare_exchange_n(
					 word, &old, nw, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	if (!ri->pins) {
		/* frame read after the flags (acquire above) */
		uint32_t f = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);

		if (f >= g->frames) {
			if (!ri->pins)
				__atomic_and_fetch(
					&e->flags,
					(uint16_t) ~(GTF_reading | GTF_writing),
					__ATOMIC_RELEASE);
			return -EINVAL;
		}
		ri->frame = f;
	}
	ri->pins++;
	if (!ro)
		ri->wpins++;
	simhv->n_pins++;
	*frame_out = ri->frame;
	return 0;
}

static void unpin(struct dom *g, uint32_t ref, bool ro)
{
	struct grant_entry_v1 *e = &g->gnt[ref];
	struct refinfo *ri = &g->refs[ref];
	uint16_t clear = 0;

	if (!ri->pins)
		return;
	ri->pins--;
	simhv->n_pins--;
	if (!ro && ri->wpins && !--ri->wpins)
		clear |= GTF_writing;
	if (!ri->pins)
		clear |= GTF_reading | GTF_writing;
	if (clear)
		__atomic_and_fetch(&e->flags, (uint16_t)~clear,
				   __ATOMIC_RELEASE);
	/* shared through a context that has since closed: free it now */
	if (!ri->pins && ri->allocated && ri->owner == REF_ORPHAN)
		ref_release(g, ref);
}

int gnt_map(struct conn *c, rtdd_domid domid, bool ro, unsigned count,
	    const uint32_t *refs, struct sim_rep *rep, int *fd_out)
{
	struct gmap *m;
	struct dom *g;
	unsigned i;
	int rc = 0;

	if (!count || count > SIM_MAP_MAX)
		return -EINVAL;
	if (domid == RTDD_DOMID_SELF)
		domid = c->dom->domid;
	g = dom_find(domid);
	if (!g)
		return -ESRCH;
	m = malloc(sizeof(*m) + count * sizeof(uint32_t));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		rc = pin(g, refs[i], c->dom->domid, ro,
			 &rep->u.gnt_map.frames[i]);
		if (rc)
			break;
	}
	if (rc) {
		/* nothing stays mapped */
		while (i--)
			unpin(g, refs[i], ro);
		free(m);
		return rc;
	}
	m->handle = ++simhv->next_handle;
	m->granter = domid;
	m->granter_uid = g->uid;
	m->readonly = ro;
	m->count = count;
	memcpy(m->refs, refs, count * sizeof(uint32_t));
	m->next = c->maps;
	c->maps = m;
	simhv->n_maps++;
	rep->u.gnt_map.handle = m->handle;
	rep->u.gnt_map.count = count;
	*fd_out = g->ram_fd;
	return 0;
}

static void gmap_release(struct gmap *m)
{
	struct dom *g = dom_find(m->granter);

	/* The granter died meanwhile: its pins died with it. */
	if (g && g->uid == m->granter_uid)
		for (unsigned i = 0; i < m->count; i++)
			unpin(g, m->refs[i], m->readonly);
	simhv->n_maps--;
	free(m);
}

int gnt_unmap(struct conn *c, uint64_t handle)
{
	for (struct gmap **pp = &c->maps; *pp; pp = &(*pp)->next) {
		struct gmap *m = *pp;

		if (m->handle == handle) {
			*pp = m->next;
			gmap_release(m);
			return 0;
		}
	}
	return -EINVAL;
}

int gnt_bounce(struct conn *c, int *fd_out)
{
	size_t size = (size_t)SIM_COPY_MAX * PAGE;
	void *p;
	int fd;

	if (c->bounce) {
		*fd_out = c->bounce_fd;
		return 0;
	}
	fd = memfd_create("rtdd-bounce", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -ENOMEM;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -ENOMEM;
	}
	c->bounce = p;
	c->bounce_fd = fd;
	simhv->n_mmaps++;
	*fd_out = fd;
	return 0;
}

/* One side of a copy: its address, pinned when it is a grant. */
static int copy_ptr(struct conn *c, unsigned slot,
		    const struct sim_copy_ptr_wire *p, bool ro, char **addr,
		    struct dom **g_out)
{
	uint32_t frame;
	struct dom *g;
	int rc;

	*g_out = NULL;
	if (!p->is_gref) {
		*addr = c->bounce + (size_t)slot * PAGE;
		return 0;
	}
	g = dom_find(p->domid == RTDD_DOMID_SELF ? c->dom->domid : p->domid);
	if (!g)
		return -ESRCH;
	rc = pin(g, p->ref, c->dom->domid, ro, &frame);
	if (rc)
		return rc;
	*g_out = g;
	*addr = g->ram + (size_t)frame * PAGE + p->offset;
	return 0;
}

int gnt_copy(struct conn *c, unsigned count,
	     const struct sim_copy_seg_wire *segs, struct sim_rep *rep)
{
	if (!count || count > SIM_COPY_MAX || !c->bounce)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		const struct sim_copy_seg_wire *s = &segs[i];
		struct dom *gs = NULL, *gd = NULL;
		char *src, *dst;
		int rc;

		if (s->len > PAGE || s->src.offset + s->len > PAGE ||
		    s->dst.offset + s->len > PAGE) {
			rep->u.gnt_copy.status[i] = -EINVAL;
			continue;
		}
		/* transient pins, as Xen's acquire_grant_for_copy */
		rc = copy_ptr(c, i, &s->src, true, &src, &gs);
		if (!rc)
			rc = copy_ptr(c, i, &s->dst, false, &dst, &gd);
		if (!rc)
			memmove(dst, src, s->len);
		if (gs)
			unpin(gs, s->src.ref, true);
		if (gd)
			unpin(gd, s->dst.ref, false);
		rep->u.gnt_copy.status[i] = (int16_t)rc;
	}
	rep->u.gnt_copy.count = count;
	return 0;
}

void gnt_conn_gone(struct conn *c)
{
	struct dom *d = c->dom;

	while (c->maps) {
		struct gmap *m = c->maps;

		c->maps = m->next;
		gmap_release(m);
	}
	if (c->bounce) {
		munmap(c->bounce, (size_t)SIM_COPY_MAX * PAGE);
		close(c->bounce_fd);
		c->bounce = NULL;
		simhv->n_mmaps--;
	}
	if (!d || d->state == RTDD_DOM_DYING)
		return;
	/* Pages shared through this connection end with it; those still
	 * mapped stay until the mapper lets go (gntalloc does the same). */
	for (uint32_t r = SIM_GNT_RESERVED; r < SIM_GNT_ENTRIES; r++) {
		struct refinfo *ri = &d->refs[r];

		if (!ri->allocated || ri->owner != c->id)
			continue;
		if (ri->pins)
			ri->owner = REF_ORPHAN;
		else
			ref_release(d, r);
	}
}

void gnt_dom_gone(struct dom *d)
{
	/* Pins on d's entries die with d: mappers that still hold the pages
	 * keep the memfd alive; their unmap finds a different uid. */
	for (uint32_t r = 0; r < SIM_GNT_ENTRIES; r++)
		simhv->n_pins -= d->refs[r].pins;
}

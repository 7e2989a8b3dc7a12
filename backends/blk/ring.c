// SPDX-License-Identifier: MIT
/*
 * blkback data plane: one blkif ring served by a service thread. Requests
 * are copied off the ring, checked (req.c), turned into io_uring operations
 * on preallocated slots; completions become responses. Nothing here maps
 * (except the first use of a persistent grant), unmaps or allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "private.h"
#include "rtdd/log.h"

#define PAGE 4096u
#define COPY_BATCH 64u
#define UD_FSYNC 1ull /* low bit of user_data: the fsync half of a flush */

/* Ask for a cache line in the exclusive state (PREFETCHW; a no-op hint on
 * x86 CPUs without it): a store to it later does not wait for a transfer. */
static inline void prefetch_w(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void rtdd__blk_stats_add(struct rtdd_blkback_stats *to,
			 const struct rtdd_blkback_stats *f)
{
	to->reqs += STAT_GET(f->reqs);
	to->reads += STAT_GET(f->reads);
	to->writes += STAT_GET(f->writes);
	to->flushes += STAT_GET(f->flushes);
	to->discards += STAT_GET(f->discards);
	to->indirect += STAT_GET(f->indirect);
	to->errors += STAT_GET(f->errors);
	to->eopnotsupp += STAT_GET(f->eopnotsupp);
	to->breaches += STAT_GET(f->breaches);
	to->pgrant_maps += STAT_GET(f->pgrant_maps);
	to->pgrant_hits += STAT_GET(f->pgrant_hits);
	to->grant_copies += STAT_GET(f->grant_copies);
	to->pgrant_premapped += STAT_GET(f->pgrant_premapped);
}

/* ------------------------------------------------------------------------ */
/* Breach: stop serving this ring, let the control thread fail the vbd.      */
/* ------------------------------------------------------------------------ */

static void breach(struct blk_queue *q, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void breach(struct blk_queue *q, int err, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	if (q->broken)
		return;
	va_start(ap, fmt);
	vsnprintf(q->broken_msg, sizeof(q->broken_msg), fmt, ap);
	va_end(ap);
	STAT_ADD(q->st.breaches, 1);
	/* The message is written before broken: the control thread reads it
	 * after its acquire load of broken. */
	__atomic_store_n(&q->broken, err, __ATOMIC_RELEASE);
	if (write(q->vbd->bb->fault_fd, &one, sizeof(one)) < 0) {
		/* eventfd write cannot fail short of EBADF */
	}
}

/* ------------------------------------------------------------------------ */
/* Persistent grants                                                        */
/* ------------------------------------------------------------------------ */

/* The table slot holding ref, or the empty slot where it goes (pg_cap when
 * the table is full). */
static unsigned pg_slot(const struct blk_queue *q, grant_ref_t ref)
{
	unsigned mask = q->pg_cap - 1;
	unsigned h = (ref * 2654435761u) & mask;

	for (unsigned i = 0; i < q->pg_cap; i++, h = (h + 1) & mask) {
		const struct blk_pgrant *e = &q->pg[h];

		if (!e->addr || e->ref == ref)
			return h;
	}
	return q->pg_cap;
}

/* Map ref on its own into slot h (empty); NULL if it does not map or the
 * table has its pg_max pages. */
static void *pg_map_one(struct blk_queue *q, unsigned h, grant_ref_t ref)
{
	void *addr = NULL;

	if (h == q->pg_cap || q->pg_used >= q->pg_max)
		return NULL;
	/* read-write: persistent grants are granted writable (blkif.h
	 * note 8) */
	if (rtdd_gnt_map_refs(q->hv, q->domid, 1, &ref, false, &addr))
		return NULL;
	q->pg[h].addr = addr;
	q->pg[h].ref = ref;
	q->pg[h].batched = false;
	q->pg_used++;
	return addr;
}

static void *pgrant_get(struct blk_queue *q, grant_ref_t ref)
{
	unsigned h = pg_slot(q, ref);
	void *addr;

	if (h < q->pg_cap && q->pg[h].addr) {
		STAT_ADD(q->st.pgrant_hits, 1);
		return q->pg[h].addr;
	}
	/* First use of this grant: map it once (full table: this segment
	 * goes through copy). */
	addr = pg_map_one(q, h, ref);
	if (addr)
		STAT_ADD(q->st.pgrant_maps, 1);
	return addr;
}

static int cmp_ref(const void *a, const void *b)
{
	grant_ref_t x = *(const grant_ref_t *)a, y = *(const grant_ref_t *)b;

	return x < y ? -1 : x > y;
}

unsigned rtdd__blk_queue_premap(struct blk_queue *q, const rtdd_gref *refs,
				unsigned n)
{
	grant_ref_t *fresh;
	unsigned m = 0, ok = 0, i;
	void *base = NULL;

	if (!q->pg || !n)
		return 0;
	fresh = malloc((size_t)n * sizeof(*fresh));
	if (!fresh)
		return 0;
	/* Sorted, each once, not mapped yet, within pg_max. */
	memcpy(fresh, refs, (size_t)n * sizeof(*fresh));
	qsort(fresh, n, sizeof(*fresh), cmp_ref);
	for (i = 0; i < n; i++) {
		unsigned h = pg_slot(q, fresh[i]);

		if ((m && fresh[i] == fresh[m - 1]) ||
		    (h < q->pg_cap && q->pg[h].addr))
			continue;
		if (q->pg_used + m >= q->pg_max)
			break;
		fresh[m++] = fresh[i];
	}
	if (m && !q->pbatch &&
	    !rtdd_gnt_map_refs(q->hv, q->domid, m, fresh, false, &base)) {
		q->pbatch = base;
		q->pbatch_n = m;
		for (i = 0; i < m; i++) {
			unsigned h = pg_slot(q, fresh[i]);

			q->pg[h].addr = (uint8_t *)base + (size_t)i * PAGE;
			q->pg[h].ref = fresh[i];
			q->pg[h].batched = true;
			q->pg_used++;
		}
		STAT_ADD(q->st.pgrant_premapped, m);
	} else {
		/* A ref in the list that does not map fails the batch:
		 * each page on its own, so the good ones still are. */
		for (i = 0; i < m; i++)
			if (pg_map_one(q, pg_slot(q, fresh[i]), fresh[i]))
				STAT_ADD(q->st.pgrant_premapped, 1);
	}
	free(fresh);
	for (i = 0; i < n; i++) {
		unsigned h = pg_slot(q, refs[i]);

		ok += h < q->pg_cap && q->pg[h].addr;
	}
	return ok;
}

static void pgrant_flush(struct blk_queue *q)
{
	for (unsigned i = 0; q->pg && i < q->pg_cap; i++) {
		if (q->pg[i].addr && !q->pg[i].batched)
			(void)rtdd_gnt_unmap(q->hv, q->pg[i].addr, 1);
		q->pg[i].addr = NULL;
	}
	if (q->pbatch)
		(void)rtdd_gnt_unmap(q->hv, q->pbatch, q->pbatch_n);
	q->pbatch = NULL;
	q->pbatch_n = 0;
	q->pg_used = 0;
}

/* ------------------------------------------------------------------------ */
/* Grant copies for segments that are not persistently mapped               */
/* ------------------------------------------------------------------------ */

/* Copy between local buffers and foreign grants; to_foreign selects the
 * direction. Returns 0 or -errno of the first failed segment. */
static int copy_segs(struct blk_queue *q, struct rtdd_gnt_copy_seg *segs,
		     unsigned n)
{
	int rc;

	if (!n)
		return 0;
	STAT_ADD(q->st.grant_copies, n);
	if (q->have_copy) {
		for (unsigned off = 0; off < n; off += COPY_BATCH) {
			unsigned k =
				n - off < COPY_BATCH ? n - off : COPY_BATCH;

			rc = rtdd_gnt_copy(q->hv, k, segs + off);
			if (rc)
				return rc;
			for (unsigned i = 0; i < k; i++)
				if (segs[off + i].status)
					return segs[off + i].status;
		}
		return 0;
	}
	/* No grant copy on this hypervisor: map, copy, unmap (slow). */
	for (unsigned i = 0; i < n; i++) {
		struct rtdd_gnt_copy_seg *s = &segs[i];
		bool to_foreign = s->dst.is_gref;
		struct rtdd_gnt_copy_ptr *f = to_foreign ? &s->dst : &s->src;
		void *addr = NULL;

		rc = rtdd_gnt_map_refs(q->hv, f->domid, 1, &f->ref, !to_foreign,
				       &addr);
		if (rc)
			return rc;
		if (to_foreign)
			memcpy((uint8_t *)addr + f->offset, s->src.virt,
			       s->len);
		else
			memcpy(s->dst.virt, (uint8_t *)addr + f->offset,
			       s->len);
		(void)rtdd_gnt_unmap(q->hv, addr, 1);
	}
	return 0;
}

/* Bounce segments of a slot: foreign -> bounce (write) or back (read). */
static int copy_bounce(struct blk_queue *q, struct blk_slot *s, bool to_foreign)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->req.nseg; i++) {
		struct rtdd_gnt_copy_seg *c;
		const struct blkif_request_segment *g = &s->req.seg[i];
		struct rtdd_gnt_copy_ptr loc = {0}, far = {0};

		if (!s->isb[i])
			continue;
		c = &q->cseg[n++];
		far.is_gref = true;
		far.domid = q->domid;
		far.ref = g->gref;
		far.offset = (uint16_t)(g->first_sect * 512u);
		loc.is_gref = false;
		loc.virt = s->iov[i].iov_base;
		c->src = to_foreign ? loc : far;
		c->dst = to_foreign ? far : loc;
		c->len = (uint16_t)s->iov[i].iov_len;
		c->status = 0;
	}
	return copy_segs(q, q->cseg, n);
}

/* Indirect: copy the segment array off the frontend's pages. */
static int fetch_indirect(struct blk_queue *q, struct blk_slot *s)
{
	struct rtdd_blk_vreq *vr = &s->req;
	size_t bytes = (size_t)vr->nseg * sizeof(vr->seg[0]);
	unsigned n = 0;

	for (unsigned p = 0; p < vr->nr_indirect_pages; p++) {
		size_t chunk = bytes - (size_t)p * PAGE;
		void *src = NULL;

		if (chunk > PAGE)
			chunk = PAGE;
		if (q->persistent)
			src = pgrant_get(q, vr->indirect_grefs[p]);
		if (src) {
			/* Copied off before use: the frontend may rewrite
			 * its page while we look. */
			memcpy(q->ind_buf + (size_t)p * PAGE, src, chunk);
			continue;
		}
		struct rtdd_gnt_copy_seg *c = &q->cseg[n++];

		memset(c, 0, sizeof(*c));
		c->src.is_gref = true;
		c->src.domid = q->domid;
		c->src.ref = vr->indirect_grefs[p];
		c->dst.virt = q->ind_buf + (size_t)p * PAGE;
		c->len = (uint16_t)chunk;
	}
	if (copy_segs(q, q->cseg, n))
		return -EFAULT;
	memcpy(vr->seg, q->ind_buf, bytes);
	__asm__ __volatile__("" ::: "memory");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Responses                                                                */
/* ------------------------------------------------------------------------ */

static void respond(struct blk_queue *q, uint64_t id, uint8_t op, int st)
{
	blkif_response_t *r = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);

	r->id = id;
	r->operation = op;
	r->status = (int16_t)st;
	q->ring.rsp_prod_pvt++;
	if (st == BLKIF_RSP_ERROR)
		STAT_ADD(q->st.errors, 1);
	else if (st == BLKIF_RSP_EOPNOTSUPP)
		STAT_ADD(q->st.eopnotsupp, 1);
}

static void push_responses(struct blk_queue *q)
{
	blkif_sring_t *sr = q->ring.sring;
	RING_IDX old = q->rsp_pushed, new = q->ring.rsp_prod_pvt, ev;

	if (old == new)
		return;
	/* Release: the frontend sees the response slots before rsp_prod;
	 * pairs with its acquire load of rsp_prod. */
	__atomic_store_n(&sr->rsp_prod, new, __ATOMIC_RELEASE);
	q->rsp_pushed = new;
	/* Full barrier: rsp_prod is visible before we read rsp_event; pairs
	 * with the frontend's barrier between writing rsp_event and
	 * re-reading rsp_prod (its final check before it sleeps). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev = __atomic_load_n(&sr->rsp_event, __ATOMIC_RELAXED);
	if ((RING_IDX)(new - ev) < (RING_IDX)(new - old))
		(void)rtdd_evtchn_notify(q->ev, q->lport);
}

/* ------------------------------------------------------------------------ */
/* Slots                                                                    */
/* ------------------------------------------------------------------------ */

static struct blk_slot *slot_get(struct blk_queue *q)
{
	struct blk_slot *s;

	if (!q->nfree)
		return NULL;
	s = &q->slots[q->free_head];
	q->free_head = s->next_free;
	q->nfree--;
	return s;
}

static void slot_put(struct blk_queue *q, struct blk_slot *s)
{
	s->next_free = q->free_head;
	q->free_head = (uint16_t)(s - q->slots);
	q->nfree++;
}

static void complete_slot(struct blk_queue *q, struct blk_slot *s)
{
	int st = s->status;

	if (st == BLKIF_RSP_OKAY && s->req.op == BLKIF_OP_READ &&
	    copy_bounce(q, s, true))
		st = BLKIF_RSP_ERROR;
	respond(q, s->req.id, s->req.ring_op, st);
	q->inflight--;
	slot_put(q, s);
}

/* Resolve each segment to an iovec: the persistent mapping when there is
 * one, else the slot's bounce page at the same in-page offset. */
static int build_iov(struct blk_queue *q, struct blk_slot *s)
{
	for (unsigned i = 0; i < s->req.nseg; i++) {
		const struct blkif_request_segment *g = &s->req.seg[i];
		size_t off = (size_t)g->first_sect * 512u;
		size_t len = ((size_t)g->last_sect - g->first_sect + 1) * 512u;
		uint8_t *page = NULL;

		if (q->persistent)
			page = pgrant_get(q, g->gref);
		s->isb[i] = !page;
		if (!page)
			page = s->bounce + (size_t)i * PAGE;
		s->iov[i].iov_base = page + off;
		s->iov[i].iov_len = len;
	}
	return 0;
}

/* Memory-backed stores (tmpfs): io_uring would hand every O_DIRECT read
 * to an io-wq worker (a thread wake-up, ~10 us) for a copy that takes
 * ~2 us, so the service thread does it inline. Never used for disks. */
static int submit_sync(struct blk_queue *q, struct blk_slot *s)
{
	struct rtdd_blk_vreq *vr = &s->req;
	int fd = q->vbd->fd;
	off_t off = (off_t)(vr->sector * 512u);
	ssize_t want = (ssize_t)(vr->nr_sectors * 512u), r;

	switch (vr->op) {
	case BLKIF_OP_DISCARD:
		STAT_ADD(q->st.discards, 1);
		if (vr->nr_sectors &&
		    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, want))
			s->status = BLKIF_RSP_ERROR;
		return 1;
	case BLKIF_OP_FLUSH_DISKCACHE:
		STAT_ADD(q->st.flushes, 1);
		if (fdatasync(fd)) {
			s->status = BLKIF_RSP_ERROR;
			return 1;
		}
		if (!vr->nseg)
			return 1;
		break;
	case BLKIF_OP_READ:
		STAT_ADD(q->st.reads, 1);
		break;
	case BLKIF_OP_WRITE:
		STAT_ADD(q->st.writes, 1);
		break;
	default:
		return -EINVAL;
	}
	build_iov(q, s);
	if (vr->op != BLKIF_OP_READ && copy_bounce(q, s, false))
		return -EFAULT;
	/* One segment (a 4 KiB read): the plain call, no iovec to import. */
	if (vr->nseg == 1 && vr->op == BLKIF_OP_READ)
		r = pread(fd, s->iov[0].iov_base, s->iov[0].iov_len, off);
	else if (vr->nseg == 1)
		r = pwrite(fd, s->iov[0].iov_base, s->iov[0].iov_len, off);
	else if (vr->op == BLKIF_OP_READ)
		r = preadv(fd, s->iov, vr->nseg, off);
	else
		r = pwritev(fd, s->iov, vr->nseg, off);
	if (r != want)
		s->status = BLKIF_RSP_ERROR;
	return 1;
}

static int submit(struct blk_queue *q, struct blk_slot *s)
{
	struct rtdd_blk_vreq *vr = &s->req;
	struct io_uring_sqe *sqe;
	int fd = q->vbd->fd;
	uint64_t off = vr->sector * 512u;
	bool data = vr->nseg > 0;

	s->status = BLKIF_RSP_OKAY;
	s->nio = 0;
	if (q->vbd->sync_io)
		return submit_sync(q, s);
	/* Never more than two SQEs per request and at most qd requests per
	 * batch on a 2*qd ring: the check only guards the invariant. */
	if (io_uring_sq_space_left(&q->uring) < 2)
		return -EBUSY;
	switch (vr->op) {
	case BLKIF_OP_DISCARD:
		STAT_ADD(q->st.discards, 1);
		if (!vr->nr_sectors)
			return 1; /* nothing to do: answer at once */
		sqe = io_uring_get_sqe(&q->uring);
		/* Punch a hole: reads of the range return zeroes after. */
		io_uring_prep_fallocate(
			sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)off, (off_t)(vr->nr_sectors * 512u));
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)s);
		s->nio = 1;
		return 0;
	case BLKIF_OP_FLUSH_DISKCACHE:
		STAT_ADD(q->st.flushes, 1);
		break;
	case BLKIF_OP_READ:
		STAT_ADD(q->st.reads, 1);
		break;
	case BLKIF_OP_WRITE:
		STAT_ADD(q->st.writes, 1);
		break;
	default:
		return -EINVAL;
	}
	/* Everything that can fail comes before the first SQE is taken. */
	if (data) {
		build_iov(q, s);
		if (vr->op != BLKIF_OP_READ && copy_bounce(q, s, false))
			return -EFAULT;
	}
	if (vr->op == BLKIF_OP_FLUSH_DISKCACHE) {
		sqe = io_uring_get_sqe(&q->uring);
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)s | UD_FSYNC);
		s->nio = 1;
		if (!data)
			return 0;
		/* Flush with data: the cache flush first, then the write
		 * (REQ_PREFLUSH), linked so the write waits for it. */
		sqe->flags |= IOSQE_IO_LINK;
	}
	sqe = io_uring_get_sqe(&q->uring);
	if (vr->op == BLKIF_OP_READ)
		io_uring_prep_readv(sqe, fd, s->iov, vr->nseg, off);
	else
		io_uring_prep_writev(sqe, fd, s->iov, vr->nseg, off);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)s);
	s->nio++;
	return 0;
}

/*
 * Copy a request off the ring: the fixed head, then only the bytes its
 * operation uses (a one-segment read is 32 of the slot's 112 bytes), so
 * fewer of the frontend's cache lines travel to this core. The length is
 * decided from our copy of the head; everything after this looks only at
 * the private copy, whatever the frontend writes meanwhile.
 */
static void copy_request(blkif_request_t *copy, const blkif_request_t *slot)
{
	enum { HEAD = 32 };
	size_t need = sizeof(*copy);

	_Static_assert(offsetof(blkif_request_t, seg) == 24, "blkif layout");
	_Static_assert(sizeof(blkif_request_discard_t) <= HEAD, "blkif layout");
	memset(copy, 0, sizeof(*copy));
	memcpy(copy, slot, HEAD);
	__asm__ __volatile__("" ::: "memory");
	switch (copy->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (copy->nr_segments <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
			need = offsetof(blkif_request_t, seg) +
			       copy->nr_segments * sizeof(copy->seg[0]);
		break;
	case BLKIF_OP_DISCARD:
		need = HEAD;
		break;
	case BLKIF_OP_INDIRECT:
		need = offsetof(blkif_request_indirect_t, indirect_grefs) +
		       sizeof(((blkif_request_indirect_t *)0)->indirect_grefs);
		break;
	}
	if (need > HEAD)
		memcpy((uint8_t *)copy + HEAD, (const uint8_t *)slot + HEAD,
		       need - HEAD);
	__asm__ __volatile__("" ::: "memory");
}

/* One request, copied off the ring at index rc. */
static void handle_request(struct blk_queue *q, const blkif_request_t *copy,
			   bool *queued)
{
	const struct rtdd_blk_limits *lim = &q->vbd->lim;
	enum rtdd_blk_reason why;
	struct blk_slot *s = slot_get(q);
	int st, rc;

	/* Callers only consume when a slot is free. */
	STAT_ADD(q->st.reqs, 1);
	st = rtdd_blk_req_decode(copy, lim, &s->req, &why);
	if (st == BLKIF_RSP_OKAY && s->req.indirect) {
		STAT_ADD(q->st.indirect, 1);
		if (fetch_indirect(q, s)) {
			st = BLKIF_RSP_ERROR;
			why = RTDD_BLK_R_GRANT;
		} else {
			st = rtdd_blk_req_check_segs(&s->req, lim, &why);
		}
	}
	if (st == BLKIF_RSP_OKAY && s->req.nseg > q->max_segs) {
		st = BLKIF_RSP_ERROR;
		why = RTDD_BLK_R_NSEG;
	}
	if (st == BLKIF_RSP_OKAY) {
		/* Take the response slot's line for writing now, while the
		 * I/O runs, not when the response is written: the frontend
		 * does not look at it before rsp_prod moves. */
		prefetch_w(RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt +
							       q->inflight));
		rc = submit(q, s);
		if (rc == 0) {
			q->inflight++;
			*queued = true;
			return;
		}
		if (rc == 1) {
			/* Done already (inline I/O, empty discard). */
			q->inflight++;
			complete_slot(q, s);
			return;
		}
		st = BLKIF_RSP_ERROR;
		why = rc == -EFAULT ? RTDD_BLK_R_GRANT : RTDD_BLK_R_IO;
	}
	RTDD_LOG_RL(DEBUG, "%s: request %llu refused: %s", q->name,
		    (unsigned long long)s->req.id, rtdd_blk_reason_name(why));
	respond(q, s->req.id, s->req.ring_op, st);
	slot_put(q, s);
}

static unsigned reap(struct blk_queue *q)
{
	struct io_uring_cqe *cqe;
	unsigned n = 0;

	while (q->inflight && io_uring_peek_cqe(&q->uring, &cqe) == 0) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		struct blk_slot *s =
			(struct blk_slot *)(uintptr_t)(ud & ~UD_FSYNC);
		int res = cqe->res;

		io_uring_cqe_seen(&q->uring, cqe);
		if (res < 0) {
			s->status = BLKIF_RSP_ERROR;
		} else if (!(ud & UD_FSYNC) &&
			   (s->req.op != BLKIF_OP_DISCARD) &&
			   (uint64_t)res != s->req.nr_sectors * 512u) {
			s->status = BLKIF_RSP_ERROR; /* short transfer */
		}
		if (--s->nio == 0) {
			complete_slot(q, s);
			n++;
		}
	}
	return n;
}

static unsigned serve(struct rtdd_svc_item *it, unsigned budget)
{
	struct blk_queue *q = it->priv;
	blkif_sring_t *sr = q->ring.sring;
	unsigned done = 0, n = 0;
	bool queued = false;
	RING_IDX rc, rp;

	if (unlikely(__atomic_load_n(&q->broken, __ATOMIC_RELAXED)))
		return 0;
	if (q->inflight)
		done = reap(q);

	/* Acquire: the request slots up to rp are visible after this load;
	 * pairs with the frontend's release (wmb) before writing req_prod. */
	rp = __atomic_load_n(&sr->req_prod, __ATOMIC_ACQUIRE);
	rc = q->ring.req_cons;
	if (unlikely((RING_IDX)(rp - q->ring.rsp_prod_pvt) >
		     RING_SIZE(&q->ring))) {
		breach(q, -EPROTO,
		       "ring index overflow: req_prod %u, rsp_prod %u, size %u",
		       rp, q->ring.rsp_prod_pvt, RING_SIZE(&q->ring));
		push_responses(q);
		return done;
	}
	while (rc != rp && n < budget && q->nfree && q->inflight < q->qd) {
		blkif_request_t copy;

		if (RING_REQUEST_CONS_OVERFLOW(&q->ring, rc))
			break;
		copy_request(&copy, RING_GET_REQUEST(&q->ring, rc));
		q->ring.req_cons = ++rc;
		handle_request(q, &copy, &queued);
		n++;
	}
	if (queued) {
		int r = io_uring_submit(&q->uring);

		if (r < 0)
			RTDD_LOG_RL(ERR, "%s: io_uring_submit: %s", q->name,
				    strerror(-r));
	}
	push_responses(q);
	return done + n;
}

static bool can_take(struct blk_queue *q)
{
	return q->nfree && q->inflight < q->qd;
}

static bool unconsumed(struct blk_queue *q)
{
	RING_IDX rp =
		__atomic_load_n(&q->ring.sring->req_prod, __ATOMIC_ACQUIRE);

	return rp != q->ring.req_cons;
}

static bool arm(struct rtdd_svc_item *it)
{
	struct blk_queue *q = it->priv;

	if (__atomic_load_n(&q->broken, __ATOMIC_RELAXED))
		return false;
	if (q->uring_ok && io_uring_cq_ready(&q->uring))
		return true;
	if (!can_take(q))
		return false; /* a completion (cq eventfd) wakes us */
	if (unconsumed(q))
		return true;
	__atomic_store_n(&q->ring.sring->req_event, q->ring.req_cons + 1,
			 __ATOMIC_RELAXED);
	/* Full barrier: req_event is visible before we re-read req_prod;
	 * pairs with the frontend's barrier between writing req_prod and
	 * reading req_event (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return unconsumed(q) || (q->uring_ok && io_uring_cq_ready(&q->uring));
}

static unsigned fds(struct rtdd_svc_item *it, int *out, unsigned max)
{
	struct blk_queue *q = it->priv;
	unsigned n = 0;

	if (n < max && q->ev)
		out[n++] = rtdd_evtchn_fd(q->ev);
	if (n < max && q->cq_efd >= 0)
		out[n++] = q->cq_efd;
	return n;
}

static void woken(struct rtdd_svc_item *it)
{
	struct blk_queue *q = it->priv;
	rtdd_port p;
	uint64_t v;

	while (rtdd_evtchn_pending(q->ev, &p) == 0)
		(void)rtdd_evtchn_unmask(q->ev, p);
	if (q->cq_efd >= 0 && read(q->cq_efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: no completion posted */
	}
}

const struct rtdd_svc_item_ops rtdd__blk_item_ops = {
	.serve = serve,
	.arm = arm,
	.fds = fds,
	.woken = woken,
};

/* ------------------------------------------------------------------------ */
/* Setup / teardown (control thread, ring not on a service thread)          */
/* ------------------------------------------------------------------------ */

int rtdd__blk_queue_setup(struct blk_queue *q)
{
	unsigned ring_size = RING_SIZE(&q->ring);
	struct io_uring_params p;
	size_t bounce = (size_t)q->max_segs * PAGE;
	int r;

	q->cq_efd = -1;
	q->nslots = ring_size;
	if (q->qd == 0 || q->qd > ring_size)
		q->qd = ring_size;
	q->slots = calloc(q->nslots, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	for (unsigned i = 0; i < q->nslots; i++) {
		if (posix_memalign((void **)&q->slots[i].bounce, PAGE, bounce))
			return -ENOMEM;
		/* once, at setup: no stale heap bytes can ever reach a disk
		 * or a guest through a bounce page */
		memset(q->slots[i].bounce, 0, bounce);
		q->slots[i].next_free = (uint16_t)(i + 1);
	}
	q->free_head = 0;
	q->nfree = q->nslots;
	q->cseg = calloc(q->max_segs > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
				 ? q->max_segs
				 : BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
			 sizeof(*q->cseg));
	if (!q->cseg)
		return -ENOMEM;
	if (posix_memalign((void **)&q->ind_buf, PAGE,
			   (size_t)BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * PAGE))
		return -ENOMEM;
	if (q->persistent) {
		q->pg_max = q->nslots * (q->max_segs +
					 BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
		q->pg_cap = 1;
		while (q->pg_cap < 2 * q->pg_max)
			q->pg_cap <<= 1;
		q->pg = calloc(q->pg_cap, sizeof(*q->pg));
		if (!q->pg)
			return -ENOMEM;
	}
	if (q->vbd->sync_io)
		return 0; /* inline I/O: no io_uring needed */
	memset(&p, 0, sizeof(p));
	r = io_uring_queue_init_params(q->qd * 2, &q->uring, &p);
	if (r < 0)
		return r;
	q->uring_ok = true;
	q->cq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->cq_efd < 0)
		return -errno;
	r = io_uring_register_eventfd(&q->uring, q->cq_efd);
	if (r < 0)
		return r;
	return 0;
}

void rtdd__blk_queue_teardown(struct blk_queue *q)
{
	/* Wait for I/O in flight: it may target persistently mapped pages
	 * which are unmapped below. Responses are still written (the ring is
	 * mapped) but nobody is notified. */
	while (q->uring_ok && q->inflight) {
		struct io_uring_cqe *cqe;

		if (io_uring_wait_cqe(&q->uring, &cqe) < 0)
			break;
		(void)reap(q);
	}
	if (q->uring_ok)
		io_uring_queue_exit(&q->uring);
	q->uring_ok = false;
	if (q->cq_efd >= 0)
		close(q->cq_efd);
	q->cq_efd = -1;
	pgrant_flush(q);
	free(q->pg);
	q->pg = NULL;
	if (q->slots)
		for (unsigned i = 0; i < q->nslots; i++)
			free(q->slots[i].bounce);
	free(q->slots);
	q->slots = NULL;
	free(q->cseg);
	q->cseg = NULL;
	free(q->ind_buf);
	q->ind_buf = NULL;
	if (q->bound)
		(void)rtdd_evtchn_unbind(q->ev, q->lport);
	q->bound = false;
	rtdd_evtchn_close(q->ev);
	q->ev = NULL;
	rtdd_be_ring_unmap(q->hv, &q->map);
}

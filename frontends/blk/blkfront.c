// SPDX-License-Identifier: MIT
/*
 * librtdd-blkfront: control path (handshake, reconnect) and data path
 * (submit/poll) of a userspace blkif frontend. See rtdd/blkfront.h.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#include "rtdd/hist.h"
#include "rtdd/blkfront.h"
#include "rtdd/fe_xenbus.h"

#include "blkfront_ring.h"

#define PAGE 4096u
#define SEGS_PER_IND (PAGE / sizeof(struct blkif_request_segment))
#define CHECK_NS 10000000ull /* backend state check while idle: 10 ms */
#define BIT(s) (1u << (s))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* A zero-copy buffer: caller memory granted to the backend once. */
#define MAX_BUFS 64
struct fe_buf {
	uint8_t *addr; /* NULL: free entry */
	size_t len;    /* pages * PAGE */
	unsigned pages;
	rtdd_gref *refs;
	bool dead;  /* freed by the caller, backend still maps it */
	bool stale; /* granted to a backend domain that is gone */
};

struct rtdd_blkfront {
	rtdd_hv *hv;
	rtdd_xb_fe *xb;
	struct rtdd_blkfront_opts o;
	struct rtdd_blkfront_info info;
	uint16_t handle;
	unsigned nq, order, max_segs, ind_pages;
	struct fe_queue *q;
	pthread_mutex_t ctl;
	/* zero-copy buffers: changed with ctl and every queue lock held,
	 * read by build() with its queue lock held */
	struct fe_buf bufs[MAX_BUFS];
	unsigned nbufs;		/* entries in use (live or dead) */
	int failed;		/* atomic: 0 or -EIO */
	uint64_t gone_ns;	/* backend vanished at (ctl lock), or 0 */
	uint64_t last_check_ns; /* atomic */
};

/* Poll loops look at the clock every turn: rtdd_fast_ns (TSC) costs
 * ~10 ns where clock_gettime costs ~200 ns on a VM. */
static inline uint64_t now_ns(void)
{
	return rtdd_fast_ns();
}

static void logf_(struct rtdd_blkfront *bf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(struct rtdd_blkfront *bf, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!bf->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bf->o.log(bf->o.log_arg, line);
}

void rtdd_blkfront_opts_default(struct rtdd_blkfront_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = RTDD_BLKFRONT_POLL;
	o->queues = 1;
	o->ring_order = 0;
	o->max_segs = 32;
	o->timeout_ms = 5000;
	o->spin_ns = 50000;
	o->reconnect_ms = 30000;
}

void rtdd_blkfront_info(const rtdd_blkfront *bf, struct rtdd_blkfront_info *out)
{
	*out = bf->info;
	out->reconnects =
		__atomic_load_n(&bf->info.reconnects, __ATOMIC_RELAXED);
	out->zero_copy = 0;
	for (unsigned i = 0; bf->q && i < bf->nq; i++)
		out->zero_copy +=
			__atomic_load_n(&bf->q[i].zero_copy, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Rings and slots                                                          */
/* ------------------------------------------------------------------------ */

static void ring_reset(struct fe_queue *q, unsigned order)
{
	blkif_sring_t *sr = q->ring.addr;

	memset(sr, 0, (size_t)PAGE << order);
	SHARED_RING_INIT(sr);
	FRONT_RING_INIT(&q->fr, sr, (size_t)PAGE << order);
	q->req_pushed = 0;
}

static void queue_free(struct rtdd_blkfront *bf, struct fe_queue *q)
{
	if (q->data)
		(void)rtdd_gnt_unshare_pages(bf->hv, q->data,
					     q->nslots * bf->max_segs);
	if (q->ind)
		(void)rtdd_gnt_unshare_pages(bf->hv, q->ind,
					     q->nslots * bf->ind_pages);
	(void)rtdd_fe_ring_free(bf->hv, &q->ring);
	free(q->slots);
	free(q->data_refs);
	free(q->ind_refs);
	pthread_mutex_destroy(&q->lock);
}

static int queue_alloc(struct rtdd_blkfront *bf, struct fe_queue *q)
{
	rtdd_domid be = rtdd_xb_fe_be_domid(bf->xb);
	void *a = NULL;
	int rc;

	pthread_mutex_init(&q->lock, NULL);
	rc = rtdd_fe_ring_alloc(bf->hv, be, bf->order, &q->ring);
	if (rc)
		return rc;
	ring_reset(q, bf->order);
	q->nslots = RING_SIZE(&q->fr);
	q->slot_bytes = (size_t)bf->max_segs * PAGE;
	q->slots = calloc(q->nslots, sizeof(*q->slots));
	q->data_refs =
		calloc((size_t)q->nslots * bf->max_segs, sizeof(rtdd_gref));
	if (!q->slots || !q->data_refs)
		return -ENOMEM;
	/* The persistent pool: every request of slot i always uses the same
	 * pages and grants, granted writable (blkif.h note 8). */
	rc = rtdd_gnt_share_pages(bf->hv, be, q->nslots * bf->max_segs, false,
				  &a, q->data_refs);
	if (rc)
		return rc;
	q->data = a;
	if (bf->ind_pages) {
		q->ind_refs = calloc((size_t)q->nslots * bf->ind_pages,
				     sizeof(rtdd_gref));
		if (!q->ind_refs)
			return -ENOMEM;
		rc = rtdd_gnt_share_pages(bf->hv, be, q->nslots * bf->ind_pages,
					  false, &a, q->ind_refs);
		if (rc)
			return rc;
		q->ind = a;
	}
	for (unsigned i = 0; i < q->nslots; i++)
		q->slots[i].next_free = (uint16_t)(i + 1);
	q->free_head = 0;
	q->nfree = q->nslots;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Handshake                                                                */
/* ------------------------------------------------------------------------ */

static int publish(struct rtdd_blkfront *bf)
{
	const char *dir = rtdd_xb_fe_path(bf->xb);
	int rc, tries = 0;

	/* Each queue's persistent pages (slot pool, then indirect pages),
	 * for the backend to map at connect instead of on first use on its
	 * ring's thread: a hint (rtdd_fe_write_refs_hint). */
	for (unsigned i = 0; i < bf->nq && !bf->o.no_persistent; i++) {
		const struct fe_queue *q = &bf->q[i];
		char qd[512];

		if (bf->nq == 1)
			snprintf(qd, sizeof(qd), "%s", dir);
		else
			snprintf(qd, sizeof(qd), "%s/queue-%u", dir, i);
		(void)rtdd_fe_write_refs_hint(
			bf->hv, qd, "rtdd-persistent-refs", q->data_refs,
			q->nslots * bf->max_segs, q->ind_refs,
			bf->ind_pages ? q->nslots * bf->ind_pages : 0);
	}
	do {
		rtdd_xs_txn t;
		char qd[512];

		rc = rtdd_xs_txn_start(bf->hv, &t);
		if (rc)
			return rc;
		for (unsigned i = 0; i < bf->nq && !rc; i++) {
			if (bf->nq == 1)
				snprintf(qd, sizeof(qd), "%s", dir);
			else
				snprintf(qd, sizeof(qd), "%s/queue-%u", dir, i);
			rc = rtdd_fe_ring_publish(bf->hv, t, qd, "ring-ref",
						  &bf->q[i].ring);
		}
		if (!rc && bf->nq > 1)
			rc = rtdd_xb_fe_printf(bf->xb, t,
					       "multi-queue-num-queues", "%u",
					       bf->nq);
		if (!rc && bf->order)
			rc = rtdd_xb_fe_printf(bf->xb, t, "ring-page-order",
					       "%u", bf->order);
		if (!rc && bf->order)
			rc = rtdd_xb_fe_printf(bf->xb, t, "num-ring-pages",
					       "%u", 1u << bf->order);
		if (!rc)
			rc = rtdd_xb_fe_printf(bf->xb, t, "protocol", "%s",
					       XEN_IO_PROTO_ABI_NATIVE);
		if (!rc)
			rc = rtdd_xb_fe_printf(bf->xb, t, "feature-persistent",
					       "%u",
					       bf->o.no_persistent ? 0 : 1);
		if (rc) {
			(void)rtdd_xs_txn_end(bf->hv, t, true);
			return rc;
		}
		rc = rtdd_xs_txn_end(bf->hv, t, false);
	} while (rc == -EAGAIN && ++tries < 16);
	return rc;
}

static int read_props(struct rtdd_blkfront *bf)
{
	struct rtdd_blkfront_info *in = &bf->info;
	uint64_t v;
	int rc;

	rc = rtdd_xb_fe_be_u64(bf->xb, "sectors", 0, &v);
	if (rc)
		return rc;
	in->sectors = v;
	rc = rtdd_xb_fe_be_u64(bf->xb, "sector-size", 512, &v);
	if (rc)
		return rc;
	/* We do not advertise feature-large-sector-size. */
	if (v != 512)
		return -EINVAL;
	in->sector_size = 512;
	if (!rtdd_xb_fe_be_u64(bf->xb, "physical-sector-size", 512, &v))
		in->physical_sector_size = (unsigned)v;
	if (!rtdd_xb_fe_be_u64(bf->xb, "info", 0, &v))
		in->readonly = v & VDISK_READONLY;
	if (!rtdd_xb_fe_be_u64(bf->xb, "feature-flush-cache", 0, &v))
		in->flush = v == 1;
	if (!rtdd_xb_fe_be_u64(bf->xb, "feature-discard", 0, &v))
		in->discard = v == 1;
	if (!rtdd_xb_fe_be_u64(bf->xb, "discard-granularity", 512, &v))
		in->discard_granularity = (unsigned)v;
	if (!rtdd_xb_fe_be_u64(bf->xb, "discard-alignment", 0, &v))
		in->discard_alignment = (unsigned)v;
	return 0;
}

/* Initialised -> wait Connected -> read properties -> Connected. */
static int finish_handshake(struct rtdd_blkfront *bf)
{
	enum xenbus_state be;
	char err[256];
	int rc;

	rc = publish(bf);
	if (rc)
		return rc;
	rc = rtdd_xb_fe_switch_state(bf->xb, XenbusStateInitialised);
	if (rc)
		return rc;
	rc = rtdd_xb_fe_wait_be(bf->xb,
				BIT(XenbusStateConnected) |
					BIT(XenbusStateClosing) |
					BIT(XenbusStateClosed),
				bf->o.timeout_ms, &be);
	if (rc)
		return rc;
	if (be != XenbusStateConnected) {
		rtdd_xb_fe_be_error(bf->xb, err, sizeof(err));
		if (!err[0]) {
			/* No error: the backend acted on a late event of an
			 * earlier session (merged watch events); the caller
			 * resets and tries again. */
			logf_(bf,
			      "backend went %s during the handshake; "
			      "retrying",
			      be == XenbusStateClosing ? "Closing" : "Closed");
			return -EAGAIN;
		}
		logf_(bf, "backend refused the connection: %s", err);
		return -EIO;
	}
	rc = read_props(bf);
	if (rc)
		return rc;
	return rtdd_xb_fe_switch_state(bf->xb, XenbusStateConnected);
}

int rtdd_blkfront_open(rtdd_hv *hv, const char *path,
		       const struct rtdd_blkfront_opts *opts,
		       rtdd_blkfront **bf_out)
{
	struct rtdd_blkfront *bf;
	uint64_t be_order, be_queues, be_ind, v;
	int rc;

	if (!hv || !path || !bf_out)
		return -EINVAL;
	rtdd_fastclock_init();
	bf = aligned_alloc(64, (sizeof(*bf) + 63) / 64 * 64);
	if (bf)
		memset(bf, 0, sizeof(*bf));
	if (!bf)
		return -ENOMEM;
	bf->hv = hv;
	if (opts)
		bf->o = *opts;
	else
		rtdd_blkfront_opts_default(&bf->o);
	if (bf->o.timeout_ms <= 0)
		bf->o.timeout_ms = 5000;
	if (bf->o.reconnect_ms <= 0)
		bf->o.reconnect_ms = 30000;
	if (!bf->o.queues)
		bf->o.queues = 1;
	if (!bf->o.max_segs)
		bf->o.max_segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	pthread_mutex_init(&bf->ctl, NULL);
	rc = rtdd_xb_fe_open(hv, path, "vbd", bf->o.log, bf->o.log_arg,
			     &bf->xb);
	if (rc)
		goto out;
	{
		char p[512];
		int vd;

		snprintf(p, sizeof(p), "%s/virtual-device",
			 rtdd_xb_fe_path(bf->xb));
		if (!rtdd_xs_read_int(hv, 0, p, &vd))
			bf->handle = (uint16_t)vd;
	}
	rc = rtdd_xb_fe_reset(bf->xb, bf->o.timeout_ms);
	if (rc)
		goto out;
	/* Transport parameters, readable at InitWait. */
	rc = rtdd_xb_fe_be_u64(bf->xb, "max-ring-page-order", 0, &be_order);
	if (!rc)
		rc = rtdd_xb_fe_be_u64(bf->xb, "multi-queue-max-queues", 1,
				       &be_queues);
	if (!rc)
		rc = rtdd_xb_fe_be_u64(bf->xb, "feature-max-indirect-segments",
				       0, &be_ind);
	if (rc)
		goto out;
	bf->order = bf->o.ring_order < be_order ? bf->o.ring_order
						: (unsigned)be_order;
	if (bf->order > 4)
		bf->order = 4;
	bf->nq = bf->o.queues < be_queues ? bf->o.queues : (unsigned)be_queues;
	if (!bf->nq)
		bf->nq = 1;
	bf->max_segs = bf->o.max_segs;
	if (bf->o.no_indirect || be_ind <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		if (bf->max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			bf->max_segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	} else {
		if (bf->max_segs > be_ind)
			bf->max_segs = (unsigned)be_ind;
		if (bf->max_segs >
		    SEGS_PER_IND * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
			bf->max_segs = SEGS_PER_IND *
				       BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST;
	}
	if (bf->max_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		bf->ind_pages =
			(bf->max_segs + SEGS_PER_IND - 1) / SEGS_PER_IND;
	/* Each queue on cache lines of its own (the struct is aligned): no
	 * false sharing between queues driven by different threads, nor
	 * with anything else in the process. */
	bf->q = aligned_alloc(64, bf->nq * sizeof(*bf->q));
	if (bf->q)
		memset(bf->q, 0, bf->nq * sizeof(*bf->q));
	if (!bf->q) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < bf->nq; i++) {
		rc = queue_alloc(bf, &bf->q[i]);
		if (rc)
			goto out;
	}
	rc = finish_handshake(bf);
	for (int tries = 0; rc == -EAGAIN && tries < 3; tries++) {
		rc = rtdd_xb_fe_reset(bf->xb, bf->o.timeout_ms);
		if (!rc)
			rc = finish_handshake(bf);
	}
	if (rc)
		goto out;
	bf->info.queues = bf->nq;
	bf->info.ring_order = bf->order;
	bf->info.ring_size = bf->q[0].nslots;
	bf->info.max_segs = bf->max_segs;
	bf->info.indirect = bf->ind_pages > 0;
	bf->info.max_req_bytes = (size_t)bf->max_segs * PAGE;
	bf->info.persistent =
		!bf->o.no_persistent &&
		!rtdd_xb_fe_be_u64(bf->xb, "feature-persistent", 0, &v) &&
		v == 1;
	bf->last_check_ns = now_ns();
	*bf_out = bf;
	return 0;
out:
	rtdd_blkfront_close(bf);
	return rc;
}

void rtdd_blkfront_close(rtdd_blkfront *bf)
{
	if (!bf)
		return;
	if (bf->xb && rtdd_xb_fe_state(bf->xb) != XenbusStateUnknown &&
	    rtdd_xb_fe_state(bf->xb) != XenbusStateClosed) {
		int t = bf->o.timeout_ms < 1000 ? bf->o.timeout_ms : 1000;

		(void)rtdd_xb_fe_switch_state(bf->xb, XenbusStateClosing);
		(void)rtdd_xb_fe_wait_be(bf->xb,
					 BIT(XenbusStateClosing) |
						 BIT(XenbusStateClosed) |
						 BIT(XenbusStateUnknown),
					 t, NULL);
		(void)rtdd_xb_fe_switch_state(bf->xb, XenbusStateClosed);
		(void)rtdd_xb_fe_wait_be(bf->xb,
					 BIT(XenbusStateClosed) |
						 BIT(XenbusStateInitWait) |
						 BIT(XenbusStateUnknown),
					 t, NULL);
	}
	for (unsigned i = 0; bf->q && i < bf->nq; i++)
		queue_free(bf, &bf->q[i]);
	free(bf->q);
	for (unsigned i = 0; i < bf->nbufs; i++) {
		if (!bf->bufs[i].addr)
			continue;
		(void)rtdd_gnt_unshare_pages(bf->hv, bf->bufs[i].addr,
					     bf->bufs[i].pages);
		free(bf->bufs[i].refs);
	}
	rtdd_xb_fe_close(bf->xb);
	pthread_mutex_destroy(&bf->ctl);
	free(bf);
}

/* ------------------------------------------------------------------------ */
/* Data path                                                                */
/* ------------------------------------------------------------------------ */

static void push_requests(struct fe_queue *q)
{
	blkif_sring_t *sr = q->fr.sring;
	RING_IDX old = q->req_pushed, new = q->fr.req_prod_pvt, ev;

	if (old == new)
		return;
	/* Release: the backend sees the request slots before req_prod;
	 * pairs with its acquire load of req_prod. Our own copy of the old
	 * value: no read of the shared line the backend polls. */
	__atomic_store_n(&sr->req_prod, new, __ATOMIC_RELEASE);
	q->req_pushed = new;
	/* Full barrier: req_prod is visible before we read req_event; pairs
	 * with the backend's barrier between writing req_event and
	 * re-reading req_prod (its final check before sleeping). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev = __atomic_load_n(&sr->req_event, __ATOMIC_RELAXED);
	if ((RING_IDX)(new - ev) < (RING_IDX)(new - old))
		(void)rtdd_evtchn_notify(q->ring.ev, q->ring.port);
}

/*
 * The registered buffer holding [buf, buf + len) when the request can use
 * it directly: starts on a sector boundary and spans at most max_segs
 * pages. -1: go through the slot's own pages (a copy).
 */
static int find_buf(const struct rtdd_blkfront *bf, const void *buf, size_t len)
{
	uintptr_t a = (uintptr_t)buf;

	if (!bf->nbufs || (a & 511))
		return -1;
	for (unsigned i = 0; i < bf->nbufs; i++) {
		const struct fe_buf *b = &bf->bufs[i];
		uintptr_t lo = (uintptr_t)b->addr;

		if (!b->addr || b->dead || b->stale || a < lo ||
		    a - lo >= b->len || len > b->len - (a - lo))
			continue;
		if ((a % PAGE + len + PAGE - 1) / PAGE > bf->max_segs)
			return -1;
		return (int)i;
	}
	return -1;
}

/*
 * Bytes of a request the backend reads: the head and the segments in use
 * (32 of 112 for a one-page read). Writing only those touches fewer of
 * the ring's cache lines, each of which the backend must fetch back.
 */
static size_t req_bytes(const blkif_request_t *rq)
{
	switch (rq->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_FLUSH_DISKCACHE:
		return offsetof(blkif_request_t, seg) +
		       rq->nr_segments * sizeof(rq->seg[0]);
	case BLKIF_OP_DISCARD:
		return sizeof(blkif_request_discard_t);
	default:
		return sizeof(*rq);
	}
}

uint16_t rtdd__bf_put(struct fe_queue *q)
{
	uint16_t id = q->free_head;
	struct fe_slot *s = &q->slots[id];

	q->free_head = s->next_free;
	q->nfree--;
	s->busy = true;
	q->inflight++;
	memcpy(RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt), &s->req,
	       req_bytes(&s->req));
	q->fr.req_prod_pvt++;
	return id;
}

/* Ask for a cache line in the exclusive state (PREFETCHW; a no-op hint on
 * x86 CPUs without it), so a later store does not wait for a transfer. */
static inline void prefetch_w(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/* A read or write through the slot's own pages: start at the sector's
 * offset in a page when it fits (as a page cache would; exercises
 * first_sect > 0 on the backend). */
static void slot_pool_layout(const struct fe_queue *q, struct fe_slot *s)
{
	s->off0 = (uint32_t)(s->sector & 7) * 512u;
	if ((size_t)s->off0 + s->len > q->slot_bytes)
		s->off0 = 0;
}

/* The ring form of the read or write in slot s (index id): its segments
 * over the registered buffer's pages or the slot's own. */
static void put_segs(struct rtdd_blkfront *bf, struct fe_queue *q,
		     struct fe_slot *s, uint16_t id)
{
	blkif_request_t *rq = &s->req;
	unsigned nseg = (s->off0 + s->len + PAGE - 1) / PAGE;
	uint32_t end = s->off0 + s->len;
	struct blkif_request_segment *seg;
	const rtdd_gref *refs;

	if (s->zbuf >= 0) {
		const struct fe_buf *zb = &bf->bufs[s->zbuf];

		refs = zb->refs + ((uint8_t *)s->ubuf - zb->addr) / PAGE;
	} else {
		refs = q->data_refs + (size_t)id * bf->max_segs;
	}
	memset(rq, 0, sizeof(*rq));
	if (nseg <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		rq->operation = s->op;
		rq->nr_segments = (uint8_t)nseg;
		rq->handle = bf->handle;
		rq->id = id;
		rq->sector_number = s->sector;
		seg = rq->seg;
	} else {
		blkif_request_indirect_t *in = (blkif_request_indirect_t *)rq;
		unsigned pages = (nseg + SEGS_PER_IND - 1) / SEGS_PER_IND;

		in->operation = BLKIF_OP_INDIRECT;
		in->indirect_op = s->op;
		in->nr_segments = (uint16_t)nseg;
		in->id = id;
		in->sector_number = s->sector;
		in->handle = bf->handle;
		for (unsigned p = 0; p < pages; p++)
			in->indirect_grefs[p] =
				q->ind_refs[(size_t)id * bf->ind_pages + p];
		seg = (struct blkif_request_segment *)(q->ind +
						       (size_t)id *
							       bf->ind_pages *
							       PAGE);
	}
	for (unsigned k = 0; k < nseg; k++) {
		uint32_t ps = k * PAGE, b, e;

		b = s->off0 > ps ? s->off0 - ps : 0;
		e = end < ps + PAGE ? end - ps : PAGE;
		seg[k].gref = refs[k];
		seg[k].first_sect = (uint8_t)(b / 512u);
		seg[k].last_sect = (uint8_t)(e / 512u - 1);
	}
}

/* Build the ring form of r in slot s (index id). */
static int build(struct rtdd_blkfront *bf, struct fe_queue *q,
		 struct fe_slot *s, uint16_t id, const struct rtdd_blk_req *r)
{
	blkif_request_t *rq = &s->req;
	uint64_t nsec;

	memset(rq, 0, sizeof(*rq));
	s->zbuf = -1;
	s->cookie = r->cookie;
	s->sector = r->sector;
	s->ubuf = r->buf;
	s->len = r->len;
	s->off0 = 0;
	switch (r->op) {
	case RTDD_BLK_FLUSH:
		if (!bf->info.flush)
			return -EOPNOTSUPP;
		s->op = BLKIF_OP_FLUSH_DISKCACHE;
		rq->operation = BLKIF_OP_FLUSH_DISKCACHE;
		rq->nr_segments = 0;
		rq->handle = bf->handle;
		rq->id = id;
		rq->sector_number = 0;
		return 0;
	case RTDD_BLK_DISCARD: {
		blkif_request_discard_t *d = (blkif_request_discard_t *)rq;

		if (!bf->info.discard)
			return -EOPNOTSUPP;
		if (bf->info.readonly)
			return -EROFS;
		if (r->sector > bf->info.sectors ||
		    r->nr_sectors > bf->info.sectors - r->sector)
			return -EINVAL;
		s->op = BLKIF_OP_DISCARD;
		d->operation = BLKIF_OP_DISCARD;
		d->flag = 0;
		d->handle = bf->handle;
		d->id = id;
		d->sector_number = r->sector;
		d->nr_sectors = r->nr_sectors;
		return 0;
	}
	case RTDD_BLK_READ:
	case RTDD_BLK_WRITE:
		break;
	default:
		return -EINVAL;
	}
	if (!r->len || (r->len & 511) || r->len > bf->info.max_req_bytes ||
	    !r->buf)
		return -EINVAL;
	nsec = r->len / 512u;
	if (r->sector > bf->info.sectors || nsec > bf->info.sectors - r->sector)
		return -EINVAL;
	if (r->op == RTDD_BLK_WRITE && bf->info.readonly)
		return -EROFS;
	s->op = r->op == RTDD_BLK_READ ? BLKIF_OP_READ : BLKIF_OP_WRITE;
	s->zbuf = (int8_t)find_buf(bf, r->buf, r->len);
	if (s->zbuf >= 0) {
		/* Zero copy: the segments are the caller's pages. */
		__atomic_store_n(&q->zero_copy, q->zero_copy + 1,
				 __ATOMIC_RELAXED);
		s->off0 = (uint32_t)((uintptr_t)r->buf % PAGE);
	} else {
		slot_pool_layout(q, s);
		if (s->op == BLKIF_OP_WRITE)
			memcpy(q->data + (size_t)id * q->slot_bytes + s->off0,
			       r->buf, r->len);
	}
	put_segs(bf, q, s, id);
	return 0;
}

static int failed(struct rtdd_blkfront *bf)
{
	return __atomic_load_n(&bf->failed, __ATOMIC_ACQUIRE);
}

static void fail(struct rtdd_blkfront *bf, const char *why)
{
	if (!failed(bf))
		logf_(bf, "%s: device failed: %s", rtdd_xb_fe_path(bf->xb),
		      why);
	__atomic_store_n(&bf->failed, -EIO, __ATOMIC_RELEASE);
}

/*
 * All locks held: the backend now lives in another domain. Grants name the
 * domain they are for, so the rings, the slots' pages and the indirect
 * pages are shared again with the new one, and the requests in flight are
 * rebuilt on the new grants (a write's data moves with its slot).
 * Registered buffers cannot be granted again at the caller's address:
 * they go stale (plain memory from now on, copied like any other), and the
 * requests in flight on them move to the slots' pages.
 */
static int move_queues(struct rtdd_blkfront *bf)
{
	rtdd_domid be = rtdd_xb_fe_be_domid(bf->xb);
	int rc = 0;

	for (unsigned i = 0; i < bf->nbufs; i++)
		bf->bufs[i].stale = true;
	for (unsigned i = 0; i < bf->nq; i++) {
		struct fe_queue *q = &bf->q[i];
		unsigned np = q->nslots * bf->max_segs;
		unsigned ni = q->nslots * bf->ind_pages;
		rtdd_gref *refs = NULL, *irefs = NULL;
		void *data = NULL, *ind = NULL;

		refs = calloc(np, sizeof(*refs));
		irefs = ni ? calloc(ni, sizeof(*irefs)) : NULL;
		rc = !refs || (ni && !irefs) ? -ENOMEM : 0;
		if (!rc)
			rc = rtdd_gnt_share_pages(bf->hv, be, np, false, &data,
						  refs);
		if (!rc && ni)
			rc = rtdd_gnt_share_pages(bf->hv, be, ni, false, &ind,
						  irefs);
		/* The ring moves last (nothing to undo after it); its old
		 * page stays ours for a poller that read the pointer
		 * without the lock before the move. */
		if (!rc)
			rc = rtdd_fe_ring_move(bf->hv, be, &q->ring);
		if (rc) {
			if (data)
				(void)rtdd_gnt_unshare_pages(bf->hv, data, np);
			if (ind)
				(void)rtdd_gnt_unshare_pages(bf->hv, ind, ni);
			free(refs);
			free(irefs);
			return rc;
		}
		for (unsigned k = 0; k < q->nslots; k++) {
			struct fe_slot *s = &q->slots[k];
			uint8_t *to =
				(uint8_t *)data + (size_t)k * q->slot_bytes;

			if (!s->busy ||
			    (s->op != BLKIF_OP_READ && s->op != BLKIF_OP_WRITE))
				continue;
			if (s->zbuf >= 0) {
				s->zbuf = -1;
				slot_pool_layout(q, s);
				if (s->op == BLKIF_OP_WRITE)
					memcpy(to + s->off0, s->ubuf, s->len);
			} else if (s->op == BLKIF_OP_WRITE) {
				memcpy(to + s->off0,
				       q->data + (size_t)k * q->slot_bytes +
					       s->off0,
				       s->len);
			}
		}
		/* The old domain is gone; a page it still maps is leaked by
		 * the unshare rather than reused. */
		(void)rtdd_gnt_unshare_pages(bf->hv, q->data, np);
		if (q->ind)
			(void)rtdd_gnt_unshare_pages(bf->hv, q->ind, ni);
		free(q->data_refs);
		free(q->ind_refs);
		q->data = data;
		q->data_refs = refs;
		q->ind = ind;
		q->ind_refs = irefs;
		ring_reset(q, bf->order);
		for (unsigned k = 0; k < q->nslots; k++) {
			struct fe_slot *s = &q->slots[k];

			if (s->busy &&
			    (s->op == BLKIF_OP_READ || s->op == BLKIF_OP_WRITE))
				put_segs(bf, q, s, (uint16_t)k);
		}
	}
	return 0;
}

/* All queue locks held: bring a restarted backend back. */
static int reconnect(struct rtdd_blkfront *bf)
{
	uint64_t be_order, be_queues, be_ind;
	bool moved = false;
	int rc;

	/* A recreated driver domain serves us under a new path and id,
	 * which the toolstack writes into our frontend dir. */
	rc = rtdd_xb_fe_refresh(bf->xb, &moved);
	if (rc)
		return rc == -ENOENT ? -EHOSTDOWN : rc;
	if (!moved && rtdd_xb_fe_be_state(bf->xb) == XenbusStateUnknown)
		return -EHOSTDOWN; /* its node is gone: not replaced yet */
	logf_(bf, "%s: backend left Connected; reconnecting",
	      rtdd_xb_fe_path(bf->xb));
	if (moved) {
		rc = move_queues(bf);
		if (rc)
			return rc;
	}
	rc = rtdd_xb_fe_reset(bf->xb, bf->o.timeout_ms);
	if (rc == -ETIMEDOUT) {
		enum xenbus_state be = rtdd_xb_fe_be_state(bf->xb);

		/* The toolstack wrote the device before the new driver
		 * domain's backend came up: try again later. */
		if (be == XenbusStateUnknown || be == XenbusStateInitialising)
			return -EHOSTDOWN;
	}
	if (rc)
		return rc;
	rc = rtdd_xb_fe_be_u64(bf->xb, "max-ring-page-order", 0, &be_order);
	if (!rc)
		rc = rtdd_xb_fe_be_u64(bf->xb, "multi-queue-max-queues", 1,
				       &be_queues);
	if (!rc)
		rc = rtdd_xb_fe_be_u64(bf->xb, "feature-max-indirect-segments",
				       0, &be_ind);
	if (rc)
		return rc;
	/* The new backend must offer what this session was built on. */
	if (be_order < bf->order || be_queues < bf->nq ||
	    (bf->ind_pages && be_ind < bf->max_segs))
		return -EPROTO;
	for (unsigned i = 0; i < bf->nq && !moved; i++) {
		struct fe_queue *q = &bf->q[i];

		rc = rtdd_fe_ring_new_port(rtdd_xb_fe_be_domid(bf->xb),
					   &q->ring);
		if (rc)
			return rc;
		ring_reset(q, bf->order);
	}
	rc = finish_handshake(bf);
	for (int tries = 0; rc == -EAGAIN && tries < 3; tries++) {
		rc = rtdd_xb_fe_reset(bf->xb, bf->o.timeout_ms);
		for (unsigned i = 0; !rc && i < bf->nq; i++)
			ring_reset(&bf->q[i], bf->order);
		if (!rc)
			rc = finish_handshake(bf);
	}
	if (rc)
		return rc;
	/* Requests the old backend never answered go on the new ring. */
	for (unsigned i = 0; i < bf->nq; i++) {
		struct fe_queue *q = &bf->q[i];

		for (unsigned k = 0; k < q->nslots; k++) {
			if (!q->slots[k].busy)
				continue;
			memcpy(RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt),
			       &q->slots[k].req, sizeof(q->slots[k].req));
			q->fr.req_prod_pvt++;
		}
		push_requests(q);
	}
	__atomic_store_n(&bf->info.reconnects, bf->info.reconnects + 1,
			 __ATOMIC_RELAXED);
	return 0;
}

/* Called with q's lock held; may drop and retake it. */
static void check_backend(struct rtdd_blkfront *bf, struct fe_queue *held,
			  bool force)
{
	uint64_t now = now_ns();
	enum xenbus_state be;
	char err[256];
	int rc;

	if (!force &&
	    now - __atomic_load_n(&bf->last_check_ns, __ATOMIC_RELAXED) <
		    CHECK_NS)
		return;
	__atomic_store_n(&bf->last_check_ns, now, __ATOMIC_RELAXED);
	be = rtdd_xb_fe_be_state(bf->xb);
	if (likely(be == XenbusStateConnected) || failed(bf))
		return;
	rtdd_xb_fe_be_error(bf->xb, err, sizeof(err));
	if (err[0] && (be == XenbusStateClosing || be == XenbusStateClosed)) {
		fail(bf, err);
		return;
	}
	pthread_mutex_unlock(&held->lock);
	pthread_mutex_lock(&bf->ctl);
	for (unsigned i = 0; i < bf->nq; i++)
		pthread_mutex_lock(&bf->q[i].lock);
	if (rtdd_xb_fe_be_state(bf->xb) != XenbusStateConnected ||
	    rtdd_xb_fe_state(bf->xb) != XenbusStateConnected) {
		rc = reconnect(bf);
		if (rc == -EHOSTDOWN) {
			/* Its driver domain is being replaced: requests stay
			 * in flight, for at most reconnect_ms. */
			if (rtdd_xb_fe_gone_expired(bf->xb, &bf->gone_ns, now,
						    bf->o.reconnect_ms))
				fail(bf, "backend gone and not replaced");
		} else if (rc) {
			snprintf(err, sizeof(err), "reconnect failed: %s",
				 strerror(-rc));
			fail(bf, err);
		} else {
			bf->gone_ns = 0;
		}
	}
	for (unsigned i = bf->nq; i-- > 0;)
		if (&bf->q[i] != held)
			pthread_mutex_unlock(&bf->q[i].lock);
	pthread_mutex_unlock(&bf->ctl);
}

int rtdd_blkfront_submit(rtdd_blkfront *bf, unsigned qi,
			 const struct rtdd_blk_req *reqs, unsigned n)
{
	struct fe_queue *q;
	unsigned done = 0;
	int rc = 0;

	if (unlikely(qi >= bf->nq || (!reqs && n)))
		return -EINVAL;
	if (unlikely(failed(bf)))
		return -EIO;
	q = &bf->q[qi];
	pthread_mutex_lock(&q->lock);
	while (done < n) {
		struct fe_slot *s;
		uint16_t id;

		if (!q->nfree || RING_FULL(&q->fr))
			break;
		id = q->free_head;
		s = &q->slots[id];
		rc = build(bf, q, s, id, &reqs[done]);
		if (rc)
			break;
		(void)rtdd__bf_put(q);
		done++;
	}
	push_requests(q);
	if (!done && !rc)
		check_backend(bf, q, false);
	pthread_mutex_unlock(&q->lock);
	if (done)
		return (int)done;
	return rc;
}

static unsigned responses_ready(struct fe_queue *q)
{
	/* Acquire: the response slots up to rsp_prod are visible after this
	 * load; pairs with the backend's release store of rsp_prod. */
	RING_IDX rp = __atomic_load_n(&q->fr.sring->rsp_prod, __ATOMIC_ACQUIRE);

	return rp - q->fr.rsp_cons;
}

int rtdd__bf_take(struct fe_queue *q, struct rtdd_blk_cpl *cpls, unsigned max,
		  const char **why)
{
	unsigned n = 0;
	RING_IDX rc, rp;

	/* Acquire: the response slots up to rsp_prod are visible after this
	 * load; pairs with the backend's release store of rsp_prod. */
	rp = __atomic_load_n(&q->fr.sring->rsp_prod, __ATOMIC_ACQUIRE);
	rc = q->fr.rsp_cons;
	if (unlikely((RING_IDX)(rp - rc) > q->inflight)) {
		/* More responses than requests (or rsp_prod went back). */
		*why = "backend produced more responses than requests";
		return -EPROTO;
	}
	while (rc != rp && n < max) {
		blkif_response_t r;
		struct fe_slot *s;

		/* Copied off before use: the backend may rewrite the slot. */
		memcpy(&r, RING_GET_RESPONSE(&q->fr, rc), sizeof(r));
		__asm__ __volatile__("" ::: "memory");
		rc++;
		q->fr.rsp_cons = rc;
		if (unlikely(r.id >= q->nslots || !q->slots[r.id].busy)) {
			*why = "response for an unknown request id";
			return -EPROTO;
		}
		s = &q->slots[r.id];
		if (unlikely(r.operation != s->op &&
			     !(r.operation == BLKIF_OP_INDIRECT &&
			       s->req.operation == BLKIF_OP_INDIRECT))) {
			*why = "response operation differs from the request's";
			return -EPROTO;
		}
		if (r.status == BLKIF_RSP_OKAY && s->op == BLKIF_OP_READ &&
		    s->zbuf < 0)
			memcpy(s->ubuf,
			       q->data + (size_t)r.id * q->slot_bytes + s->off0,
			       s->len);
		cpls[n].cookie = s->cookie;
		cpls[n].status = r.status == BLKIF_RSP_OKAY ? 0
				 : r.status == BLKIF_RSP_EOPNOTSUPP
					 ? -EOPNOTSUPP
					 : -EIO;
		n++;
		s->busy = false;
		s->next_free = q->free_head;
		q->free_head = (uint16_t)r.id;
		q->nfree++;
		q->inflight--;
	}
	return (int)n;
}

int rtdd_blkfront_poll(rtdd_blkfront *bf, unsigned qi,
		       struct rtdd_blk_cpl *cpls, unsigned max)
{
	struct fe_queue *q;
	const char *why = NULL;
	unsigned n;
	int rc;

	if (unlikely(qi >= bf->nq || (!cpls && max)))
		return -EINVAL;
	if (unlikely(failed(bf)))
		return -EIO;
	q = &bf->q[qi];
	pthread_mutex_lock(&q->lock);
	rc = rtdd__bf_take(q, cpls, max, &why);
	if (unlikely(rc < 0)) {
		fail(bf, why);
		pthread_mutex_unlock(&q->lock);
		return -EIO;
	}
	n = (unsigned)rc;
	/* Idle ring: fetch the next request slot's head for writing now,
	 * not on the next submit's critical path. The backend does not read
	 * it before req_prod moves. */
	if (n && !q->inflight)
		prefetch_w(RING_GET_REQUEST(&q->fr, q->fr.req_prod_pvt));
	if (!n && q->inflight)
		check_backend(bf, q, false);
	pthread_mutex_unlock(&q->lock);
	return (int)n;
}

unsigned rtdd_blkfront_inflight(rtdd_blkfront *bf, unsigned qi)
{
	return qi < bf->nq
		       ? __atomic_load_n(&bf->q[qi].inflight, __ATOMIC_RELAXED)
		       : 0;
}

int rtdd_blkfront_wait(rtdd_blkfront *bf, unsigned qi, int timeout_ms)
{
	uint64_t start = now_ns(), end;
	struct fe_queue *q;
	rtdd_port p;

	if (qi >= bf->nq)
		return -EINVAL;
	q = &bf->q[qi];
	end = start + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000u;
	for (;;) {
		uint64_t now;

		if (failed(bf))
			return -EIO;
		if (responses_ready(q))
			return 0;
		now = now_ns();
		if (now >= end)
			return -ETIMEDOUT;
		if (bf->o.mode == RTDD_BLKFRONT_POLL ||
		    (bf->o.mode == RTDD_BLKFRONT_HYBRID &&
		     now - start < bf->o.spin_ns)) {
			if (now - start > CHECK_NS) {
				pthread_mutex_lock(&q->lock);
				check_backend(bf, q, false);
				pthread_mutex_unlock(&q->lock);
			}
			continue;
		}
		/* Arm: ask for an event at the next response, then look
		 * again (RING_FINAL_CHECK_FOR_RESPONSES). */
		__atomic_store_n(&q->fr.sring->rsp_event, q->fr.rsp_cons + 1,
				 __ATOMIC_RELAXED);
		/* Full barrier: rsp_event is visible before we re-read
		 * rsp_prod; pairs with the backend's barrier between writing
		 * rsp_prod and reading rsp_event. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (responses_ready(q))
			return 0;
		{
			struct pollfd pfd = {.fd = rtdd_evtchn_fd(q->ring.ev),
					     .events = POLLIN};
			uint64_t left = (end - now) / 1000000u + 1;

			(void)poll(&pfd, 1, left > 10 ? 10 : (int)left);
		}
		while (rtdd_evtchn_pending(q->ring.ev, &p) == 0)
			(void)rtdd_evtchn_unmask(q->ring.ev, p);
		if (!responses_ready(q)) {
			pthread_mutex_lock(&q->lock);
			check_backend(bf, q, false);
			pthread_mutex_unlock(&q->lock);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Zero-copy buffers                                                        */
/* ------------------------------------------------------------------------ */

static void lock_all(struct rtdd_blkfront *bf)
{
	pthread_mutex_lock(&bf->ctl);
	for (unsigned i = 0; i < bf->nq; i++)
		pthread_mutex_lock(&bf->q[i].lock);
}

static void unlock_all(struct rtdd_blkfront *bf)
{
	for (unsigned i = bf->nq; i-- > 0;)
		pthread_mutex_unlock(&bf->q[i].lock);
	pthread_mutex_unlock(&bf->ctl);
}

/* Entries freed by the caller whose pages the backend no longer maps. */
static void bufs_reap(struct rtdd_blkfront *bf)
{
	for (unsigned i = 0; i < bf->nbufs; i++) {
		struct fe_buf *b = &bf->bufs[i];

		if (!b->addr || !b->dead ||
		    rtdd_gnt_unshare_pages(bf->hv, b->addr, b->pages))
			continue;
		free(b->refs);
		memset(b, 0, sizeof(*b));
	}
	while (bf->nbufs && !bf->bufs[bf->nbufs - 1].addr)
		bf->nbufs--;
}

int rtdd_blkfront_buf_alloc(rtdd_blkfront *bf, size_t len, void **buf_out)
{
	struct fe_buf *b = NULL;
	size_t pages;
	void *a = NULL;
	int rc;

	if (!bf || !buf_out || !len || len > RTDD_BLKFRONT_BUF_MAX)
		return -EINVAL;
	pages = (len + PAGE - 1) / PAGE;
	lock_all(bf);
	bufs_reap(bf);
	for (unsigned i = 0; i < MAX_BUFS && !b; i++)
		if (!bf->bufs[i].addr)
			b = &bf->bufs[i];
	if (!b) {
		rc = -ENOSPC;
		goto out;
	}
	b->refs = calloc(pages, sizeof(*b->refs));
	if (!b->refs) {
		rc = -ENOMEM;
		goto out;
	}
	rc = rtdd_gnt_share_pages(bf->hv, rtdd_xb_fe_be_domid(bf->xb),
				  (unsigned)pages, false, &a, b->refs);
	if (rc) {
		free(b->refs);
		b->refs = NULL;
		goto out;
	}
	b->addr = a;
	b->pages = (unsigned)pages;
	b->len = pages * PAGE;
	b->dead = false;
	b->stale = false;
	if ((unsigned)(b - bf->bufs) >= bf->nbufs)
		bf->nbufs = (unsigned)(b - bf->bufs) + 1;
	*buf_out = a;
out:
	unlock_all(bf);
	return rc;
}

int rtdd_blkfront_buf_free(rtdd_blkfront *bf, void *buf)
{
	int rc = -EINVAL;

	if (!bf || !buf)
		return -EINVAL;
	lock_all(bf);
	for (unsigned i = 0; i < bf->nbufs; i++) {
		struct fe_buf *b = &bf->bufs[i];

		if (b->addr != buf || b->dead)
			continue;
		rc = 0;
		for (unsigned k = 0; k < bf->nq && !rc; k++)
			for (unsigned j = 0; j < bf->q[k].nslots; j++)
				if (bf->q[k].slots[j].busy &&
				    bf->q[k].slots[j].zbuf == (int)i)
					rc = -EBUSY;
		if (rc)
			break;
		/* A persistent backend keeps its mapping until the ring
		 * disconnects: the pages are released then (never reused
		 * while the backend can still write them). */
		b->dead = true;
		bufs_reap(bf);
		break;
	}
	unlock_all(bf);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Synchronous helpers                                                      */
/* ------------------------------------------------------------------------ */

static int sync_one(struct rtdd_blkfront *bf, const struct rtdd_blk_req *r)
{
	struct rtdd_blk_cpl c;
	int rc;

	for (;;) {
		rc = rtdd_blkfront_submit(bf, 0, r, 1);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
		rc = rtdd_blkfront_wait(bf, 0, 100);
		if (rc == -EIO)
			return rc;
		(void)rtdd_blkfront_poll(bf, 0, &c, 0);
	}
	/* Other completions on queue 0 (async users mixing in) would be
	 * consumed here: the sync helpers own queue 0 while they run. */
	for (;;) {
		rc = rtdd_blkfront_poll(bf, 0, &c, 1);
		if (rc < 0)
			return rc;
		if (rc == 1 && c.cookie == r->cookie)
			return c.status;
		if (rc == 0) {
			rc = rtdd_blkfront_wait(bf, 0, 1000);
			if (rc == -EIO)
				return rc;
		}
	}
}

static int sync_rw(struct rtdd_blkfront *bf, enum rtdd_blk_op op,
		   uint64_t sector, void *buf, size_t len)
{
	size_t chunk = bf->info.max_req_bytes;

	if ((len & 511) || (!buf && len))
		return -EINVAL;
	while (len) {
		struct rtdd_blk_req r = {0};
		size_t n = len < chunk ? len : chunk;
		int rc;

		r.op = op;
		r.sector = sector;
		r.buf = buf;
		r.len = (uint32_t)n;
		r.cookie = 0x5359ull << 48 | sector;
		rc = sync_one(bf, &r);
		if (rc)
			return rc;
		sector += n / 512u;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

int rtdd_blkfront_read(rtdd_blkfront *bf, uint64_t sector, void *buf,
		       size_t len)
{
	return sync_rw(bf, RTDD_BLK_READ, sector, buf, len);
}

int rtdd_blkfront_write(rtdd_blkfront *bf, uint64_t sector, const void *buf,
			size_t len)
{
	return sync_rw(bf, RTDD_BLK_WRITE, sector, (void *)buf, len);
}

int rtdd_blkfront_flush(rtdd_blkfront *bf)
{
	struct rtdd_blk_req r = {.op = RTDD_BLK_FLUSH,
				 .cookie = 0x464cull << 48};

	return sync_one(bf, &r);
}

int rtdd_blkfront_discard(rtdd_blkfront *bf, uint64_t sector,
			  uint64_t nr_sectors)
{
	struct rtdd_blk_req r = {.op = RTDD_BLK_DISCARD,
				 .sector = sector,
				 .nr_sectors = nr_sectors,
				 .cookie = 0x4443ull << 48 | sector};

	return sync_one(bf, &r);
}

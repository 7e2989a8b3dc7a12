// SPDX-License-Identifier: MIT
/*
 * netback data plane: the vif ports of the switch.
 *
 *   port rx (guest TX -> switch): take packets off the TX rings, checked
 *       (netif_req.c), copy them out of the guest's pages into switch
 *       buffers with one batched grant copy, answer every slot;
 *   port tx (switch -> guest RX): consume the guest's RX requests, copy
 *       the frames into its pages with one batched grant copy, answer in
 *       the same ring slots (netif.h: frontends rely on it).
 *
 * Runs on the switch's service thread only. Nothing here maps, unmaps or
 * allocates. A protocol breach marks the vif broken; the control thread
 * reports it and disconnects that vif only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"
#include "rtdd/log.h"

#define PAGE RTDD_NETIF_PAGE
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void rtdd__net_stats_add(struct rtdd_netback_stats *to,
			 const struct rtdd_netback_stats *f)
{
	to->tx_pkts += STAT_GET(f->tx_pkts);
	to->tx_bytes += STAT_GET(f->tx_bytes);
	to->rx_pkts += STAT_GET(f->rx_pkts);
	to->rx_bytes += STAT_GET(f->rx_bytes);
	to->tx_dropped += STAT_GET(f->tx_dropped);
	to->tx_grant_errors += STAT_GET(f->tx_grant_errors);
	to->rx_grant_errors += STAT_GET(f->rx_grant_errors);
	to->rx_no_buffer += STAT_GET(f->rx_no_buffer);
	to->breaches += STAT_GET(f->breaches);
	to->connects += STAT_GET(f->connects);
	to->pages_premapped += STAT_GET(f->pages_premapped);
	to->pages_mapped_late += STAT_GET(f->pages_mapped_late);
	to->copy_yields += STAT_GET(f->copy_yields);
}

static void breach(struct nb_vif *v, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void breach(struct nb_vif *v, int err, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	if (__atomic_load_n(&v->broken, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(v->broken_msg, sizeof(v->broken_msg), fmt, ap);
	va_end(ap);
	STAT_ADD(v->st.breaches, 1);
	/* The message is written before broken: the control thread reads it
	 * after its acquire load of broken. */
	__atomic_store_n(&v->broken, err, __ATOMIC_RELEASE);
	if (write(v->nb->fault_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on EBADF */
	}
}

/* ------------------------------------------------------------------------ */
/* Setup (control thread, before the vif is attached to its port)           */
/* ------------------------------------------------------------------------ */

int rtdd__net_queue_setup(struct nb_queue *q)
{
	q->tp = calloc(NB_BURST, sizeof(*q->tp));
	q->tseg = calloc(NB_TX_SEGS, sizeof(*q->tseg));
	if (!q->tp || !q->tseg)
		return -ENOMEM;
	if (q->vif->persistent) {
		q->pg = calloc(NB_PG_CAP, sizeof(*q->pg));
		if (!q->pg)
			return -ENOMEM;
	}
	return 0;
}

/*
 * feature-rtdd-persistent: a frontend that keeps one set of buffer pages
 * for the life of the connection (librtdd-netfront does) lets us map each
 * page once and copy with memcpy instead of a grant copy per burst. At
 * most NB_PG_CAP / 2 pages per queue are kept; past that, and for any ref
 * that does not map, the grant copy path is used (and reports errors).
 *
 * pg_find: the slot holding (ref, ro), or else the empty slot where it
 * goes (NB_PG_CAP when the table is full).
 */
static unsigned pg_find(const struct nb_queue *q, rtdd_gref ref, bool ro)
{
	unsigned mask = NB_PG_CAP - 1, h = (ref * 2654435761u) & mask, i;

	for (i = 0; i < NB_PG_CAP; i++, h = (h + 1) & mask) {
		const struct nb_pgrant *g = &q->pg[h];

		if (!g->addr || (g->ref == ref && g->ro == ro))
			return h;
	}
	return NB_PG_CAP;
}

static void pg_put(struct nb_queue *q, unsigned slot, rtdd_gref ref, bool ro,
		   void *addr, bool batched)
{
	q->pg[slot].addr = addr;
	q->pg[slot].ref = ref;
	q->pg[slot].ro = ro;
	q->pg[slot].batched = batched;
	q->pg_used++;
}

static void *pg_get(struct nb_queue *q, rtdd_gref ref, bool ro, bool late)
{
	unsigned h = pg_find(q, ref, ro);
	void *addr = NULL;

	if (h < NB_PG_CAP && q->pg[h].addr)
		return q->pg[h].addr;
	if (h == NB_PG_CAP || q->pg_used >= NB_PG_CAP / 2)
		return NULL;
	if (rtdd_gnt_map_refs(q->hv, q->domid, 1, &ref, ro, &addr))
		return NULL;
	pg_put(q, h, ref, ro, addr, false);
	if (late)
		STAT_ADD(q->vif->st.pages_mapped_late, 1);
	else
		STAT_ADD(q->vif->st.pages_premapped, 1);
	return addr;
}

/*
 * At connect, a list's pages in one map call (one hypervisor round trip
 * instead of one per page: 256 per list). Refs already mapped and repeats
 * are left out; when the batch does not map (a bad ref in the list), each
 * page is tried on its own, so the good ones still are. Returns how many
 * of the list's refs are mapped afterwards.
 */
unsigned rtdd__net_queue_premap(struct nb_queue *q, const rtdd_gref *refs,
				unsigned n, bool ro)
{
	rtdd_gref fresh[NB_PG_CAP / 2];
	unsigned m = 0, ok = 0, i, j;
	void *base = NULL;

	if (!q->pg)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned h = pg_find(q, refs[i], ro);

		if (h < NB_PG_CAP && q->pg[h].addr)
			continue;
		for (j = 0; j < m && fresh[j] != refs[i]; j++)
			;
		if (j == m && q->pg_used + m < NB_PG_CAP / 2)
			fresh[m++] = refs[i];
	}
	if (m && q->n_pbatch < 2 &&
	    !rtdd_gnt_map_refs(q->hv, q->domid, m, fresh, ro, &base)) {
		q->pbatch[q->n_pbatch].addr = base;
		q->pbatch[q->n_pbatch++].count = m;
		for (i = 0; i < m; i++)
			pg_put(q, pg_find(q, fresh[i], ro), fresh[i], ro,
			       (uint8_t *)base + (size_t)i * PAGE, true);
		STAT_ADD(q->vif->st.pages_premapped, m);
	} else {
		for (i = 0; i < m; i++)
			(void)pg_get(q, fresh[i], ro, false);
	}
	for (i = 0; i < n; i++) {
		unsigned h = pg_find(q, refs[i], ro);

		ok += h < NB_PG_CAP && q->pg[h].addr;
	}
	return ok;
}

void rtdd__net_queue_teardown(struct nb_queue *q)
{
	if (q->ev) {
		rtdd_evtchn_close(q->ev); /* unbinds */
		q->ev = NULL;
	}
	q->bound_tx = q->bound_rx = false;
	if (q->pg) {
		for (unsigned i = 0; i < NB_PG_CAP; i++)
			if (q->pg[i].addr && !q->pg[i].batched)
				(void)rtdd_gnt_unmap(q->hv, q->pg[i].addr, 1);
		for (unsigned i = 0; i < q->n_pbatch; i++)
			(void)rtdd_gnt_unmap(q->hv, q->pbatch[i].addr,
					     q->pbatch[i].count);
		q->n_pbatch = 0;
		free(q->pg);
		q->pg = NULL;
		q->pg_used = 0;
	}
	rtdd_be_ring_unmap(q->hv, &q->txmap);
	rtdd_be_ring_unmap(q->hv, &q->rxmap);
	free(q->tp);
	free(q->tseg);
	q->tp = NULL;
	q->tseg = NULL;
}

/* ------------------------------------------------------------------------ */
/* Guest TX -> switch                                                       */
/* ------------------------------------------------------------------------ */

static inline void tx_response(struct nb_queue *q, uint16_t id, int16_t st)
{
	struct netif_tx_response *r =
		RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

	r->id = id;
	r->status = st;
	q->tx.rsp_prod_pvt++;
}

/* Answer every slot of a packet: data slots status, extras NULL. */
static void tx_answer(struct nb_queue *q, const struct rtdd_netif_txpkt *p,
		      int16_t status)
{
	unsigned i;

	for (i = 0; i < p->nslots; i++)
		tx_response(q, p->id[i],
			    p->is_extra[i] ? NETIF_RSP_NULL : status);
}

static void tx_push(struct nb_queue *q)
{
	int notify;

	if (q->tx.rsp_prod_pvt == q->tx.sring->rsp_prod)
		return; /* nothing new: spare the full barrier */
	/* RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: its xen_wmb orders the
	 * response slots before rsp_prod, xen_mb orders rsp_prod before the
	 * read of rsp_event (pairs with the frontend's final check). */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		(void)rtdd_evtchn_notify(q->ev, q->tx_port);
}

/* Add copy segments for len bytes between a foreign (gref, off) and local
 * memory, split where the local buffer crosses a page. */
static unsigned add_segs(struct rtdd_gnt_copy_seg *s, unsigned n,
			 rtdd_domid dom, rtdd_gref ref, unsigned off,
			 uint8_t *local, unsigned len, bool to_local)
{
	while (len) {
		unsigned lroom =
			PAGE - (unsigned)((uintptr_t)local & (PAGE - 1));
		unsigned chunk = len < lroom ? len : lroom;
		struct rtdd_gnt_copy_ptr f = {.is_gref = true,
					      .domid = dom,
					      .ref = ref,
					      .offset = (uint16_t)off};
		struct rtdd_gnt_copy_ptr l = {
			.is_gref = false,
			.offset = (uint16_t)((uintptr_t)local & (PAGE - 1)),
			.virt = local};

		s[n].src = to_local ? f : l;
		s[n].dst = to_local ? l : f;
		s[n].len = (uint16_t)chunk;
		s[n].status = 0;
		n++;
		local += chunk;
		off += chunk;
		len -= chunk;
	}
	return n;
}

/*
 * Copy a frame's bytes into or out of a mapped guest page, in pieces with
 * a look at the RT ports between them while best-effort frames move
 * (rtdd_sw_copy): false, and the caller leaves the frame uncommitted, to be
 * taken again after the RT service. The bytes already written go to a
 * buffer nobody reads before the frame is committed (a pool buffer, or a
 * guest RX page whose request gets no response yet).
 */
static bool copy_or_yield(rtdd_sw *sw, struct nb_vif *v, uint8_t *dst,
			  const uint8_t *src, unsigned len)
{
	if (likely(rtdd_sw_copy(sw, dst, src, len)))
		return true;
	STAT_ADD(v->st.copy_yields, 1);
	return false;
}

/* Copy the pending packets, answer them, hand the good ones over. */
static unsigned tx_flush(struct nb_queue *q, unsigned npend, unsigned nseg,
			 rtdd_sw *sw, struct rtdd_pkt **out)
{
	struct nb_vif *v = q->vif;
	unsigned i, k, got = 0;
	int rc = 0;

	if (!npend)
		return 0;
	if (nseg)
		rc = rtdd_gnt_copy(q->hv, nseg, q->tseg);
	for (i = 0; i < npend; i++) {
		struct rtdd_netif_txpkt *tp = &q->tp[i];
		struct rtdd_pkt *p = q->tpk[i];
		bool ok = rc == 0;

		for (k = 0; ok && k < q->tseg_n[i]; k++)
			if (q->tseg[q->tseg_first[i] + k].status)
				ok = false;
		if (!ok) {
			STAT_ADD(v->st.tx_grant_errors, 1);
			STAT_ADD(v->st.tx_dropped, 1);
			RTDD_LOG_RL(WARN, "%s: tx copy failed (bad grant?)",
				    v->name);
			tx_answer(q, tp, NETIF_RSP_ERROR);
			rtdd_sw_pkt_put(sw, p);
			continue;
		}
		p->len = tp->len;
		p->flags = 0;
		if (tp->txflags & NETTXF_csum_blank) {
			if (rtdd_net_csum_complete(p->data, p->len)) {
				STAT_ADD(v->st.tx_dropped, 1);
				tx_answer(q, tp, NETIF_RSP_ERROR);
				rtdd_sw_pkt_put(sw, p);
				continue;
			}
			p->flags |= RTDD_PKT_DATA_VALID;
		} else if (tp->txflags & NETTXF_data_validated) {
			p->flags |= RTDD_PKT_DATA_VALID;
		}
		tx_answer(q, tp, NETIF_RSP_OKAY);
		STAT_ADD(v->st.tx_pkts, 1);
		STAT_ADD(v->st.tx_bytes, p->len);
		out[got++] = p;
	}
	return got;
}

/* Up to want packets of queue q into the switch; *yielded: stopped in the
 * middle of a packet's copy for an RT frame (the packet stays on the
 * ring). */
static unsigned tx_queue(struct nb_queue *q, rtdd_sw *sw, struct rtdd_pkt **out,
			 unsigned want, bool *yielded)
{
	struct nb_vif *v = q->vif;
	const struct rtdd_netif_tx_limits *lim = &v->nb->lim;
	unsigned npend = 0, nseg = 0, got = 0, i;
	enum rtdd_netif_verdict vd;
	enum rtdd_netif_reason why;
	RING_IDX prod, cons;

	/* Acquire: the request slots up to req_prod are visible after this
	 * load; pairs with the frontend's release of req_prod (xen_wmb). */
	prod = __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_ACQUIRE);
	cons = q->tx.req_cons;
	while (cons != prod && npend < want) {
		struct rtdd_netif_txpkt *tp = &q->tp[npend];
		struct rtdd_pkt *p;
		unsigned off;

		vd = rtdd_netif_tx_take(q->tx.sring, cons, prod, lim, tp, &why);
		if (unlikely(vd == RTDD_NETIF_FATAL)) {
			breach(v, EPROTO,
			       "queue %u: tx: %s (req_prod %u, "
			       "req_cons %u)",
			       q->idx, rtdd_netif_reason_name(why), prod, cons);
			break;
		}
		if (unlikely(vd != RTDD_NETIF_PKT)) {
			/* Answers must keep ring order: first the packets
			 * before this one. */
			got += tx_flush(q, npend, nseg, sw, out + got);
			npend = nseg = 0;
			if (vd == RTDD_NETIF_DROP) {
				STAT_ADD(v->st.tx_dropped, 1);
				RTDD_LOG_RL(WARN, "%s: tx packet dropped: %s",
					    v->name,
					    rtdd_netif_reason_name(why));
			}
			tx_answer(q, tp,
				  vd == RTDD_NETIF_DROP ? NETIF_RSP_ERROR
							: NETIF_RSP_OKAY);
			cons += tp->nslots;
			continue;
		}
		p = rtdd_sw_pkt_get(sw);
		if (unlikely(!p))
			break; /* no buffer: the packet waits on the ring */
		q->tpk[npend] = p;
		q->tseg_first[npend] = (uint16_t)nseg;
		for (i = 0, off = 0; i < tp->nfrags; i++) {
			uint8_t *a =
				q->pg ? pg_get(q, tp->frag[i].gref, true, true)
				      : NULL;

			/* offset + size <= page: checked by tx_take. */
			if (a) {
				if (!copy_or_yield(sw, v, p->data + off,
						   a + tp->frag[i].offset,
						   tp->frag[i].size))
					break;
			} else {
				nseg = add_segs(
					q->tseg, nseg, q->domid,
					tp->frag[i].gref, tp->frag[i].offset,
					p->data + off, tp->frag[i].size, true);
			}
			off += tp->frag[i].size;
		}
		if (unlikely(i < tp->nfrags)) {
			/* An RT frame waits: this packet stays on the ring
			 * (req_cons not past it), its segments are dropped. */
			nseg = q->tseg_first[npend];
			rtdd_sw_pkt_put(sw, p);
			*yielded = true;
			break;
		}
		q->tseg_n[npend] = (uint16_t)(nseg - q->tseg_first[npend]);
		npend++;
		cons += tp->nslots;
		if (nseg + (RTDD_NETIF_SLOTS_MAX + 1) * 2 > NB_TX_SEGS)
			break;
	}
	q->tx.req_cons = cons;
	got += tx_flush(q, npend, nseg, sw, out + got);
	tx_push(q);
	return got;
}

/* Switch port rx: packets the guest sent. */
static unsigned port_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
			unsigned n)
{
	struct nb_port *pt = priv;
	struct nb_vif *v = __atomic_load_n(&pt->vif, __ATOMIC_ACQUIRE);
	unsigned got = 0, tries;
	bool yielded = false;

	if (!v || __atomic_load_n(&v->broken, __ATOMIC_RELAXED))
		return 0;
	for (tries = 0; tries < v->nqueues && got < n; tries++) {
		struct nb_queue *q = &v->queues[v->rr];

		v->rr = v->rr + 1 < v->nqueues ? v->rr + 1 : 0;
		got += tx_queue(q, sw, pkts + got, n - got, &yielded);
		if (yielded || __atomic_load_n(&v->broken, __ATOMIC_RELAXED))
			break;
	}
	return got;
}

/* ------------------------------------------------------------------------ */
/* Switch -> guest RX                                                       */
/* ------------------------------------------------------------------------ */

/* Queue for a frame: a hash of its flow (MACs; IPv4 addresses and ports),
 * so one flow keeps its order. */
static unsigned pick_queue(const struct nb_vif *v, const struct rtdd_pkt *p)
{
	uint32_t h = 2166136261u;
	unsigned i;

	if (v->nqueues == 1)
		return 0;
	for (i = 0; i < 12 && i < p->len; i++)
		h = (h ^ p->data[i]) * 16777619u;
	if (p->len >= 38 && p->data[12] == 0x08 && p->data[13] == 0x00)
		for (i = 26; i < 38; i++)
			h = (h ^ p->data[i]) * 16777619u;
	return h % v->nqueues;
}

struct rx_plan {
	struct nb_queue *q;
	RING_IDX first; /* ring index of its first RX request/response */
	uint16_t nslots;
	uint16_t seg_first, nseg;
};

static unsigned port_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
			unsigned n)
{
	struct nb_port *pt = priv;
	struct nb_vif *v = __atomic_load_n(&pt->vif, __ATOMIC_ACQUIRE);
	struct rx_plan plan[NB_BURST];
	unsigned i, k, nseg = 0, taken = 0;
	int rc = 0;

	if (!v || __atomic_load_n(&v->broken, __ATOMIC_RELAXED)) {
		/* Nobody to deliver to: drop, the switch counts it. */
		for (i = 0; i < n; i++)
			rtdd_sw_pkt_put(sw, pkts[i]);
		return n;
	}
	if (n > NB_BURST)
		n = NB_BURST;
	for (i = 0; i < n; i++) {
		struct rtdd_pkt *p = pkts[i];
		struct nb_queue *q = &v->queues[pick_queue(v, p)];
		unsigned need = (p->len + PAGE - 1) / PAGE, off;
		RING_IDX prod;

		if (need > 1 && !v->sg) {
			/* Too big for one page and no sg: netback drops. */
			STAT_ADD(v->st.rx_no_buffer, 1);
			plan[i].q = NULL;
			taken++;
			continue;
		}
		/* Acquire: RX request slots before req_prod (see TX). */
		prod = __atomic_load_n(&q->rx.sring->req_prod,
				       __ATOMIC_ACQUIRE);
		if (unlikely(prod - q->rx.req_cons > RTDD_NETIF_RX_RING_SIZE)) {
			breach(v, EPROTO,
			       "queue %u: rx: impossible number of requests "
			       "(req_prod %u, req_cons %u)",
			       q->idx, prod, q->rx.req_cons);
			break;
		}
		if (prod - q->rx.req_cons < need)
			break; /* the guest has no buffers: keep the rest */
		plan[i].q = q;
		plan[i].first = q->rx.req_cons;
		plan[i].nslots = (uint16_t)need;
		plan[i].seg_first = (uint16_t)nseg;
		for (k = 0, off = 0; k < need; k++) {
			const volatile struct netif_rx_request *rq =
				RING_GET_REQUEST(&q->rx, q->rx.req_cons + k);
			unsigned chunk =
				p->len - off < PAGE ? p->len - off : PAGE;
			rtdd_gref ref = rq->gref;
			uint8_t *a = q->pg ? pg_get(q, ref, false, true) : NULL;

			if (a) {
				if (!copy_or_yield(sw, v, a, p->data + off,
						   chunk))
					break;
			} else {
				nseg = add_segs(v->rseg, nseg, q->domid, ref, 0,
						p->data + off, chunk, false);
			}
			off += chunk;
		}
		if (unlikely(k < need)) {
			/* An RT frame waits: this frame and the rest stay
			 * with the switch, offered again after it; its
			 * requests keep no response and no segment. */
			nseg = plan[i].seg_first;
			break;
		}
		plan[i].nseg = (uint16_t)(nseg - plan[i].seg_first);
		q->rx.req_cons += need;
		taken++;
		if (nseg + 18 * 2 > NB_RX_SEGS)
			break;
	}
	if (nseg) {
		rc = rtdd_gnt_copy(v->queues[0].hv, nseg, v->rseg);
		if (rc)
			for (k = 0; k < nseg; k++)
				v->rseg[k].status = (int16_t)rc;
	}
	for (i = 0; i < taken; i++) {
		struct rtdd_pkt *p = pkts[i];
		struct nb_queue *q = plan[i].q;
		unsigned off = 0;
		bool ok = true;

		if (!q) {
			rtdd_sw_pkt_put(sw, p);
			continue;
		}
		for (k = 0; k < plan[i].nseg; k++)
			if (v->rseg[plan[i].seg_first + k].status)
				ok = false;
		for (k = 0; k < plan[i].nslots; k++) {
			RING_IDX idx = plan[i].first + k;
			const volatile struct netif_rx_request *rq =
				RING_GET_REQUEST(&q->rx, idx);
			uint16_t id = rq->id;
			struct netif_rx_response *rs;
			unsigned chunk =
				p->len - off < PAGE ? p->len - off : PAGE;

			/* Same slot as the request: frontends rely on it. */
			rs = RING_GET_RESPONSE(&q->rx, idx);
			rs->id = id;
			rs->offset = 0;
			rs->flags = 0;
			if (k + 1 < plan[i].nslots)
				rs->flags |= NETRXF_more_data;
			if (k == 0 && (p->flags & RTDD_PKT_DATA_VALID))
				rs->flags |= NETRXF_data_validated;
			rs->status = ok ? (int16_t)chunk : NETIF_RSP_ERROR;
			off += chunk;
		}
		q->rx.rsp_prod_pvt = plan[i].first + plan[i].nslots;
		if (ok) {
			STAT_ADD(v->st.rx_pkts, 1);
			STAT_ADD(v->st.rx_bytes, p->len);
		} else {
			STAT_ADD(v->st.rx_grant_errors, 1);
			RTDD_LOG_RL(WARN, "%s: rx copy failed (bad grant?)",
				    v->name);
		}
		rtdd_sw_pkt_put(sw, p);
	}
	for (unsigned qi = 0; qi < v->nqueues; qi++) {
		struct nb_queue *q = &v->queues[qi];
		int notify;

		if (q->rx.rsp_prod_pvt == q->rx.sring->rsp_prod)
			continue;
		/* As on TX: slots before rsp_prod, rsp_prod before
		 * rsp_event. */
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
		if (notify)
			(void)rtdd_evtchn_notify(q->ev, q->rx_port);
	}
	return taken;
}

/* Switch port pending: TX requests wait on some queue. One load of each
 * queue's shared req_prod: the line stays in this core's cache until the
 * guest writes it. */
static bool port_pending(void *priv)
{
	struct nb_port *pt = priv;
	struct nb_vif *v = __atomic_load_n(&pt->vif, __ATOMIC_ACQUIRE);

	if (!v || __atomic_load_n(&v->broken, __ATOMIC_RELAXED))
		return false;
	for (unsigned k = 0; k < v->nqueues; k++)
		if (__atomic_load_n(&v->queues[k].tx.sring->req_prod,
				    __ATOMIC_RELAXED) !=
		    v->queues[k].tx.req_cons)
			return true;
	return false;
}

const struct rtdd_sw_port_ops rtdd__net_port_ops = {
	.rx = port_rx,
	.tx = port_tx,
	.pending = port_pending,
};

// SPDX-License-Identifier: MIT
/*
 * The RT switch: static L2 forwarding, strict priority classes, token
 * buckets, optional VLANs (rtdd/netsw.h). One thread drives a switch.
 *
 * A round (rtdd_sw_poll):
 *
 *   RT service  RT ports: rx up to budget (bucket permitting) -> classify
 *               -> source check -> MAC table -> egress queue; then every
 *               port's RT queue to tx; again while frames moved (at most
 *               RT_PASSES times), so a reply produced within the round
 *               leaves in it
 *   BE ingress  BE ports the same way, be_chunk frames at a time
 *   BE egress   per port whose RT queue is empty, be_chunk frames at a time
 *   flush       per port
 *
 * Between two best-effort chunks the switch asks the RT ports whether
 * input waits (ops->pending, one shared-index load for a vif, one
 * descriptor read or a rate-limited poll for a DPDK uplink) and runs
 * the RT service first if so: an RT frame waits for one chunk of
 * best-effort work at most, not for a round of it. A port driver whose
 * best-effort frame takes long to move (a 1514-byte copy) asks the same
 * between pieces of it (rtdd_sw_rt_waiting) and may put the frame back
 * untaken, so the RT frame waits for one piece instead.
 *
 * Frame buffers come from two pools, one per class, so best-effort frames
 * queued at a slow port can never starve an RT port of buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/netsw.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETH_P_8021Q 0x8100
#define TX_CHUNK 32
/* Counters: written by the switch thread alone, read by any thread
 * (rtdd_sw_port_stats): relaxed atomic stores, no read-modify-write. */
#define ST_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
_Static_assert(sizeof(struct rtdd_sw_port_stats) % sizeof(uint64_t) == 0,
	       "rtdd_sw_port_stats is read as an array of uint64_t");
/* RT ingress/egress passes per service (see rt_service). */
#define RT_PASSES 4

struct pktq {
	struct rtdd_pkt **ring;
	uint32_t head, tail; /* free-running; mask on access */
};

struct port {
	struct rtdd_sw_port_cfg cfg;
	const struct rtdd_sw_port_ops *ops;
	void *priv;
	bool check_src;
	uint8_t pcp;
	unsigned budget;
	struct rtdd_tb tb;
	uint64_t throttle_round; /* round whose throttling was counted */
	uint64_t budget_round;	 /* round the taken count is for */
	unsigned taken;		 /* frames taken in that round */
	/* rtdd_sw_limit_rate mailbox: lim_seq is odd while a writer fills
	 * lim_bps/lim_burst; the switch thread applies a new even value. */
	uint32_t lim_seq, lim_seen;
	uint64_t lim_bps;
	uint32_t lim_burst;
	struct pktq q[RTDD_SW_NCLASS];
	struct rtdd_sw_port_stats st;
};

struct mac_ent {
	uint8_t mac[6];
	uint16_t vlan;
	int16_t port; /* -1: empty slot */
};

struct pool {
	uint32_t *stack;
	unsigned n, cap;
};

struct rtdd_sw {
	struct rtdd_sw_cfg cfg;
	struct rtdd_pkt *pkts;
	uint8_t *bufs;
	struct pool pool[RTDD_SW_NCLASS];
	enum rtdd_sw_class cur_cls; /* class of the port being polled */
	struct port ports[RTDD_SW_MAX_PORTS];
	unsigned nports;
	uint16_t by_cls[RTDD_SW_NCLASS][RTDD_SW_MAX_PORTS];
	unsigned n_by_cls[RTDD_SW_NCLASS];
	struct mac_ent *tab;
	unsigned tab_mask, n_macs;
	struct rtdd_pkt *scratch[TX_CHUNK];
	uint64_t round;	      /* rtdd_sw_poll calls */
	uint64_t preemptions; /* RT services between best-effort chunks */
	uint64_t yields;      /* rtdd_sw_rt_waiting answers of true */
	bool be_work;	      /* inside a port op moving best-effort frames */
	/* rtdd_sw_rt_waiting may answer true: not since its last true with
	 * no RT frame moved in between. An RT port that has input but
	 * cannot be served (its pool empty) must not stop best effort. */
	bool yield_ok;
	bool unsplit; /* atomic: rtdd_sw_set_be_split(false) */
};

/* ------------------------------------------------------------------ */
/* Token bucket                                                        */
/* ------------------------------------------------------------------ */

void rtdd_tb_init(struct rtdd_tb *tb, uint64_t rate_bps, uint32_t burst_bytes,
		  uint64_t now_ns)
{
	memset(tb, 0, sizeof(*tb));
	tb->rate_Bps = rate_bps / 8;
	if (rate_bps && !tb->rate_Bps)
		tb->rate_Bps = 1;
	tb->burst = burst_bytes ? burst_bytes : 2 * 1518;
	tb->tokens = tb->burst;
	tb->last_ns = now_ns;
}

void rtdd_tb_refill(struct rtdd_tb *tb, uint64_t now_ns)
{
	unsigned __int128 num;
	uint64_t add;

	if (!tb->rate_Bps || now_ns <= tb->last_ns)
		return;
	num = (unsigned __int128)(now_ns - tb->last_ns) * tb->rate_Bps +
	      tb->rem;
	tb->last_ns = now_ns;
	if (num / 1000000000u >= (unsigned __int128)(tb->burst - tb->tokens)) {
		tb->tokens = tb->burst;
		tb->rem = 0;
		return;
	}
	add = (uint64_t)(num / 1000000000u);
	tb->rem = (uint64_t)(num % 1000000000u);
	tb->tokens += (int64_t)add;
}

/* ------------------------------------------------------------------ */
/* Pools and queues                                                    */
/* ------------------------------------------------------------------ */

struct rtdd_pkt *rtdd_sw_pkt_get(rtdd_sw *sw)
{
	struct pool *pl = &sw->pool[sw->cur_cls];
	struct rtdd_pkt *p;

	if (!pl->n) {
		if (sw->cur_cls != RTDD_SW_RT)
			return NULL;
		/* RT may borrow from best effort, never the reverse. */
		pl = &sw->pool[RTDD_SW_BE];
		if (!pl->n)
			return NULL;
	}
	p = &sw->pkts[pl->stack[--pl->n]];
	p->data = p->buf + RTDD_SW_HEADROOM;
	p->len = 0;
	p->flags = 0;
	return p;
}

void rtdd_sw_pkt_put(rtdd_sw *sw, struct rtdd_pkt *p)
{
	struct pool *pl = &sw->pool[p->pad_];

	if (p->idx >= sw->cfg.pool_pkts || &sw->pkts[p->idx] != p ||
	    pl->n >= pl->cap)
		abort(); /* a port returned a foreign or doubly freed frame */
	pl->stack[pl->n++] = p->idx;
}

unsigned rtdd_sw_pkt_free_count(const rtdd_sw *sw)
{
	return sw->pool[0].n + sw->pool[1].n;
}

unsigned rtdd_sw_buf_room(const rtdd_sw *sw)
{
	return sw->cfg.buf_size - RTDD_SW_HEADROOM;
}

static inline unsigned q_len(const struct pktq *q)
{
	return q->tail - q->head;
}

/* ------------------------------------------------------------------ */
/* Create, ports, MAC table                                            */
/* ------------------------------------------------------------------ */

int rtdd_sw_create(const struct rtdd_sw_cfg *cfg_in, rtdd_sw **sw_out)
{
	struct rtdd_sw_cfg cfg = {0};
	rtdd_sw *sw = NULL;
	unsigned i, tab = 1, rt_n;
	int rc = -ENOMEM;

	if (cfg_in)
		cfg = *cfg_in;
	else
		cfg.unknown_port = -1;
	if (!cfg.pool_pkts)
		cfg.pool_pkts = 4096;
	if (!cfg.buf_size)
		cfg.buf_size = 2048;
	if (!cfg.queue_len)
		cfg.queue_len = 256;
	if (!cfg.max_macs)
		cfg.max_macs = 1024;
	if (!cfg.rt_pcp_min)
		cfg.rt_pcp_min = 8;
	if (!cfg.be_chunk)
		cfg.be_chunk = 1;
	if (cfg.queue_len & (cfg.queue_len - 1) || cfg.queue_len > 65536 ||
	    cfg.buf_size < 128 + RTDD_SW_HEADROOM || cfg.buf_size > 65535 ||
	    cfg.pool_pkts < 4 || cfg.pool_pkts > (1u << 22) ||
	    cfg.max_macs > (1u << 20) || cfg.rt_pcp_min > 8 ||
	    cfg.be_chunk > TX_CHUNK || cfg.unknown_port < -1)
		return -EINVAL;
	while (tab < 2 * cfg.max_macs)
		tab <<= 1;

	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	sw->cfg = cfg;
	sw->pkts = calloc(cfg.pool_pkts, sizeof(*sw->pkts));
	sw->bufs = malloc((size_t)cfg.pool_pkts * cfg.buf_size);
	sw->tab = malloc((size_t)tab * sizeof(*sw->tab));
	/* A quarter of the buffers is kept for RT ports. */
	rt_n = cfg.pool_pkts / 4;
	sw->pool[RTDD_SW_RT].cap = rt_n;
	sw->pool[RTDD_SW_BE].cap = cfg.pool_pkts - rt_n;
	sw->pool[RTDD_SW_RT].stack = malloc(rt_n * sizeof(uint32_t));
	sw->pool[RTDD_SW_BE].stack =
		malloc((cfg.pool_pkts - rt_n) * sizeof(uint32_t));
	if (!sw->pkts || !sw->bufs || !sw->tab || !sw->pool[0].stack ||
	    !sw->pool[1].stack)
		goto out;
	for (i = 0; i < cfg.pool_pkts; i++) {
		struct rtdd_pkt *p = &sw->pkts[i];
		enum rtdd_sw_class c = i < rt_n ? RTDD_SW_RT : RTDD_SW_BE;

		p->idx = i;
		p->buf = sw->bufs + (size_t)i * cfg.buf_size;
		p->pad_ = (uint8_t)c;
		sw->pool[c].stack[sw->pool[c].n++] = i;
	}
	for (i = 0; i < tab; i++)
		sw->tab[i].port = -1;
	sw->tab_mask = tab - 1;
	sw->cur_cls = RTDD_SW_BE;
	sw->yield_ok = true;
	sw->unsplit = cfg.be_unsplit;
	*sw_out = sw;
	sw = NULL;
	rc = 0;
out:
	rtdd_sw_destroy(sw);
	return rc;
}

void rtdd_sw_destroy(rtdd_sw *sw)
{
	unsigned i, c;

	if (!sw)
		return;
	for (i = 0; i < sw->nports; i++)
		for (c = 0; c < RTDD_SW_NCLASS; c++)
			free(sw->ports[i].q[c].ring);
	free(sw->pool[0].stack);
	free(sw->pool[1].stack);
	free(sw->tab);
	free(sw->bufs);
	free(sw->pkts);
	free(sw);
}

int rtdd_sw_port_find(const rtdd_sw *sw, const char *name)
{
	unsigned i;

	for (i = 0; i < sw->nports; i++)
		if (!strcmp(sw->ports[i].cfg.name, name))
			return (int)i;
	return -ENOENT;
}

int rtdd_sw_add_port(rtdd_sw *sw, const struct rtdd_sw_port_cfg *cfg,
		     const struct rtdd_sw_port_ops *ops, void *priv)
{
	struct port *pt;
	unsigned c, idx;

	if (!cfg || !cfg->name[0] ||
	    strnlen(cfg->name, RTDD_SW_NAME_MAX) == RTDD_SW_NAME_MAX ||
	    (cfg->trunk && !cfg->uplink) || cfg->vlan > 4094 || cfg->pcp > 7 ||
	    cfg->pcp < -1 || cfg->cls >= RTDD_SW_NCLASS || cfg->budget > 4096 ||
	    cfg->check_src < -1 || cfg->check_src > 1)
		return -EINVAL;
	if (rtdd_sw_port_find(sw, cfg->name) >= 0)
		return -EINVAL;
	if (sw->nports == RTDD_SW_MAX_PORTS)
		return -ENOSPC;
	idx = sw->nports;
	pt = &sw->ports[idx];
	memset(pt, 0, sizeof(*pt));
	for (c = 0; c < RTDD_SW_NCLASS; c++) {
		pt->q[c].ring = calloc(sw->cfg.queue_len, sizeof(void *));
		if (!pt->q[c].ring) {
			free(pt->q[0].ring);
			pt->q[0].ring = NULL;
			return -ENOMEM;
		}
	}
	pt->cfg = *cfg;
	pt->ops = ops;
	pt->priv = priv;
	pt->check_src = cfg->check_src < 0 ? !cfg->uplink : cfg->check_src;
	pt->pcp = (uint8_t)(cfg->pcp >= 0	     ? cfg->pcp
			    : cfg->cls == RTDD_SW_RT ? 5
						     : 0);
	pt->budget = cfg->budget ? cfg->budget : 32;
	if (pt->budget > TX_CHUNK * 8)
		pt->budget = TX_CHUNK * 8;
	rtdd_tb_init(&pt->tb, cfg->rate_bps, cfg->burst_bytes, 0);
	sw->by_cls[cfg->cls][sw->n_by_cls[cfg->cls]++] = (uint16_t)idx;
	sw->nports++;
	return (int)idx;
}

int rtdd_sw_attach(rtdd_sw *sw, int port, const struct rtdd_sw_port_ops *ops,
		   void *priv)
{
	if (port < 0 || (unsigned)port >= sw->nports)
		return -ENOENT;
	sw->ports[port].ops = ops;
	sw->ports[port].priv = ops ? priv : NULL;
	return 0;
}

unsigned rtdd_sw_nports(const rtdd_sw *sw)
{
	return sw->nports;
}

const struct rtdd_sw_port_cfg *rtdd_sw_port_cfg(const rtdd_sw *sw, int port)
{
	if (port < 0 || (unsigned)port >= sw->nports)
		return NULL;
	return &sw->ports[port].cfg;
}

static inline unsigned mac_hash(const uint8_t mac[6], uint16_t vlan)
{
	uint64_t k = 0;

	memcpy(&k, mac, 6);
	k ^= (uint64_t)vlan << 48;
	k *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(k >> 32);
}

static int mac_find(const rtdd_sw *sw, const uint8_t mac[6], uint16_t vlan)
{
	unsigned i = mac_hash(mac, vlan) & sw->tab_mask, n;

	/* The table is never more than half full: probes end at an empty
	 * slot within a bounded run. */
	for (n = 0; n <= sw->tab_mask; n++, i = (i + 1) & sw->tab_mask) {
		const struct mac_ent *e = &sw->tab[i];

		if (e->port < 0)
			return -ENOENT;
		if (e->vlan == vlan && !memcmp(e->mac, mac, 6))
			return e->port;
	}
	return -ENOENT;
}

int rtdd_sw_lookup(const rtdd_sw *sw, const uint8_t mac[6], uint16_t vlan)
{
	return mac_find(sw, mac, vlan);
}

int rtdd_sw_add_mac(rtdd_sw *sw, const uint8_t mac[6], uint16_t vlan, int port)
{
	unsigned i;

	if (!mac || (mac[0] & 1) || vlan > 4094 || port < 0 ||
	    (unsigned)port >= sw->nports)
		return -EINVAL;
	if (mac_find(sw, mac, vlan) >= 0)
		return -EEXIST;
	if (sw->n_macs >= sw->cfg.max_macs)
		return -ENOSPC;
	i = mac_hash(mac, vlan) & sw->tab_mask;
	while (sw->tab[i].port >= 0)
		i = (i + 1) & sw->tab_mask;
	memcpy(sw->tab[i].mac, mac, 6);
	sw->tab[i].vlan = vlan;
	sw->tab[i].port = (int16_t)port;
	sw->n_macs++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Forwarding                                                          */
/* ------------------------------------------------------------------ */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline bool is_tagged(const struct rtdd_pkt *p)
{
	return p->len >= ETH_HLEN + VLAN_HLEN &&
	       rd16(p->data + 12) == ETH_P_8021Q;
}

/* Make the frame's tag right for egress port out: tagged with vid (and
 * pcp, unless it already carries one) on a trunk whose native VLAN is not
 * vid, untagged otherwise. Returns false when it cannot (no room, or an
 * access port of another VLAN). */
static bool egress_fix(rtdd_sw *sw, struct port *out, struct rtdd_pkt *p,
		       uint16_t vid, uint8_t pcp)
{
	bool tagged = is_tagged(p), want;

	if (out->cfg.trunk)
		want = vid != out->cfg.vlan;
	else if (vid != out->cfg.vlan)
		return false;
	else
		want = false;

	if (want && tagged) {
		uint16_t tci = rd16(p->data + 14);

		wr16(p->data + 14, (uint16_t)((tci & 0xf000) | vid));
	} else if (want) {
		if ((size_t)(p->data - p->buf) < VLAN_HLEN) {
			size_t room =
				sw->cfg.buf_size - (size_t)(p->data - p->buf);

			if ((size_t)p->len + VLAN_HLEN > room)
				return false;
			memmove(p->data + VLAN_HLEN, p->data, p->len);
			p->data += VLAN_HLEN;
		}
		p->data -= VLAN_HLEN;
		memmove(p->data, p->data + VLAN_HLEN, 12);
		wr16(p->data + 12, ETH_P_8021Q);
		wr16(p->data + 14, (uint16_t)(pcp << 13 | vid));
		p->len += VLAN_HLEN;
	} else if (tagged) {
		memmove(p->data + VLAN_HLEN, p->data, 12);
		p->data += VLAN_HLEN;
		p->len -= VLAN_HLEN;
	}
	return true;
}

static unsigned enqueue(rtdd_sw *sw, unsigned o, struct rtdd_pkt *p,
			uint16_t vid, uint8_t pcp)
{
	struct port *out = &sw->ports[o];
	struct pktq *q = &out->q[p->cls];

	if (!egress_fix(sw, out, p, vid, pcp)) {
		ST_ADD(sw->ports[p->port_in].st.drop_vlan, 1);
		rtdd_sw_pkt_put(sw, p);
		return 0;
	}
	if (q_len(q) >= sw->cfg.queue_len) {
		ST_ADD(out->st.drop_qfull, 1);
		rtdd_sw_pkt_put(sw, p);
		return 0;
	}
	q->ring[q->tail++ & (sw->cfg.queue_len - 1)] = p;
	return 1;
}

static inline bool vlan_member(const struct port *pt, uint16_t vid)
{
	return pt->cfg.trunk || pt->cfg.vlan == vid;
}

unsigned rtdd_sw_input(rtdd_sw *sw, int in_idx, struct rtdd_pkt *p)
{
	struct port *in = &sw->ports[in_idx];
	const uint8_t *dst, *src;
	uint16_t vid = in->cfg.vlan;
	uint8_t pcp = in->pcp;
	unsigned i, sent = 0, last = RTDD_SW_MAX_PORTS;
	int o;

	p->port_in = (uint16_t)in_idx;
	p->cls = (uint8_t)in->cfg.cls;
	if (p->len < ETH_HLEN) {
		ST_ADD(in->st.drop_runt, 1);
		goto drop;
	}
	dst = p->data;
	src = p->data + 6;
	if (rd16(p->data + 12) == ETH_P_8021Q) {
		uint16_t tci;

		if (p->len < ETH_HLEN + VLAN_HLEN) {
			ST_ADD(in->st.drop_runt, 1);
			goto drop;
		}
		tci = rd16(p->data + 14);
		if (!in->cfg.trunk || (tci & 0xfff) == 0xfff) {
			ST_ADD(in->st.drop_vlan, 1);
			goto drop;
		}
		if (tci & 0xfff)
			vid = tci & 0xfff;
		pcp = (uint8_t)(tci >> 13);
		if (sw->cfg.rt_pcp_min <= 7)
			p->cls = pcp >= sw->cfg.rt_pcp_min ? RTDD_SW_RT
							   : RTDD_SW_BE;
	}
	if (src[0] & 1) {
		ST_ADD(in->st.drop_spoof, 1);
		goto drop;
	}
	if (in->check_src && mac_find(sw, src, vid) != in_idx) {
		ST_ADD(in->st.drop_spoof, 1);
		goto drop;
	}

	if (!(dst[0] & 1)) {
		o = mac_find(sw, dst, vid);
		if (o < 0)
			o = sw->cfg.unknown_port;
		if (o < 0 || (unsigned)o >= sw->nports) {
			ST_ADD(in->st.drop_unknown, 1);
			goto drop;
		}
		if (o == in_idx) {
			ST_ADD(in->st.drop_hairpin, 1);
			goto drop;
		}
		return enqueue(sw, (unsigned)o, p, vid, pcp);
	}

	/* Flood: a copy for every member but the last, which gets p. */
	for (i = 0; i < sw->nports; i++) {
		struct rtdd_pkt *c;
		enum rtdd_sw_class saved;

		if ((int)i == in_idx || !vlan_member(&sw->ports[i], vid))
			continue;
		if (last == RTDD_SW_MAX_PORTS) {
			last = i;
			continue;
		}
		saved = sw->cur_cls;
		sw->cur_cls = (enum rtdd_sw_class)p->cls;
		c = rtdd_sw_pkt_get(sw);
		sw->cur_cls = saved;
		if (!c) {
			ST_ADD(in->st.drop_nobuf, 1);
			continue;
		}
		/* Same offset as the original, so the tag can go in front. */
		c->data = c->buf + (p->data - p->buf);
		memcpy(c->data, p->data, p->len);
		c->len = p->len;
		c->flags = p->flags;
		c->port_in = p->port_in;
		c->cls = p->cls;
		sent += enqueue(sw, last, c, vid, pcp);
		last = i;
	}
	if (last == RTDD_SW_MAX_PORTS)
		goto drop; /* nobody else on the VLAN: not an error */
	return sent + enqueue(sw, last, p, vid, pcp);
drop:
	rtdd_sw_pkt_put(sw, p);
	return 0;
}

/*
 * A new rtdd_sw_limit_rate for pt: the bucket restarts full at the
 * stricter of the configured rate and the limit. A value being written
 * is left for the next round.
 */
static void apply_limit(struct port *pt, uint32_t seq, uint64_t now)
{
	uint64_t bps = __atomic_load_n(&pt->lim_bps, __ATOMIC_RELAXED);
	uint32_t burst = __atomic_load_n(&pt->lim_burst, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&pt->lim_seq, __ATOMIC_RELAXED) != seq)
		return;
	if (!bps || (pt->cfg.rate_bps && pt->cfg.rate_bps <= bps)) {
		bps = pt->cfg.rate_bps;
		burst = pt->cfg.burst_bytes;
	}
	rtdd_tb_init(&pt->tb, bps, burst, now);
	pt->lim_seen = seq;
}

int rtdd_sw_limit_rate(rtdd_sw *sw, int port, uint64_t rate_bps,
		       uint32_t burst_bytes)
{
	struct port *pt;
	uint32_t seq;

	if (port < 0 || (unsigned)port >= sw->nports)
		return -ENOENT;
	pt = &sw->ports[port];
	do
		seq = __atomic_load_n(&pt->lim_seq, __ATOMIC_RELAXED);
	while ((seq & 1) || !__atomic_compare_exchange_n(
				    &pt->lim_seq, &seq, seq + 1, false,
				    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	__atomic_store_n(&pt->lim_bps, rate_bps, __ATOMIC_RELAXED);
	__atomic_store_n(&pt->lim_burst, burst_bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&pt->lim_seq, seq + 2, __ATOMIC_RELEASE);
	return 0;
}

/* What port pt may still take this round. */
static unsigned budget_left(const rtdd_sw *sw, const struct port *pt)
{
	return pt->budget_round == sw->round ? pt->budget - pt->taken
					     : pt->budget;
}

/*
 * Take up to want frames from port idx (within what its budget leaves of
 * the round) and forward them. A port whose bucket is empty is skipped
 * (counted once per round).
 */
static unsigned ingress(rtdd_sw *sw, unsigned idx, uint64_t now, unsigned want)
{
	struct port *pt = &sw->ports[idx];
	struct rtdd_pkt *pkts[TX_CHUNK];
	unsigned got = 0, n, i, left = budget_left(sw, pt);

	uint32_t seq = __atomic_load_n(&pt->lim_seq, __ATOMIC_ACQUIRE);

	if (seq != pt->lim_seen && !(seq & 1))
		apply_limit(pt, seq, now);
	if (!pt->ops || !pt->ops->rx || !left)
		return 0;
	if (want > left)
		want = left;
	if (pt->tb.rate_Bps) {
		rtdd_tb_refill(&pt->tb, now);
		if (!rtdd_tb_ready(&pt->tb)) {
			if (pt->throttle_round != sw->round) {
				pt->throttle_round = sw->round;
				ST_ADD(pt->st.throttled, 1);
			}
			return 0;
		}
	}
	sw->cur_cls = pt->cfg.cls;
	while (want) {
		n = pt->ops->rx(pt->priv, sw, pkts,
				want < TX_CHUNK ? want : TX_CHUNK);
		if (n > TX_CHUNK)
			abort(); /* port driver bug, not guest input */
		for (i = 0; i < n; i++) {
			ST_ADD(pt->st.rx_pkts, 1);
			ST_ADD(pt->st.rx_bytes, pkts[i]->len);
			rtdd_tb_consume(&pt->tb, pkts[i]->len);
			rtdd_sw_input(sw, (int)idx, pkts[i]);
		}
		got += n;
		want -= n;
		if (n < TX_CHUNK || !rtdd_tb_ready(&pt->tb))
			break;
	}
	sw->cur_cls = RTDD_SW_BE;
	pt->budget_round = sw->round;
	pt->taken = pt->budget - left + got;
	return got;
}

enum eg_state {
	EG_EMPTY, /* the queue is empty */
	EG_MORE,  /* max frames went out, more are queued */
	EG_FULL,  /* the driver took fewer than offered: backpressure */
};

/* Hand up to max frames of port idx's class-c queue to its driver. */
static enum eg_state egress(rtdd_sw *sw, unsigned idx, unsigned c, unsigned max,
			    unsigned *moved)
{
	struct port *pt = &sw->ports[idx];
	struct pktq *q = &pt->q[c];
	unsigned sent = 0, mask = sw->cfg.queue_len - 1;

	while (q_len(q) && sent < max) {
		unsigned n = q_len(q), i, took;

		if (n > TX_CHUNK)
			n = TX_CHUNK;
		if (n > max - sent)
			n = max - sent;
		for (i = 0; i < n; i++)
			sw->scratch[i] = q->ring[(q->head + i) & mask];
		if (!pt->ops || !pt->ops->tx) {
			for (i = 0; i < n; i++)
				rtdd_sw_pkt_put(sw, sw->scratch[i]);
			q->head += n;
			ST_ADD(pt->st.drop_down, n);
			continue;
		}
		took = pt->ops->tx(pt->priv, sw, sw->scratch, n);
		if (took > n)
			abort(); /* port driver bug */
		for (i = 0; i < took; i++)
			ST_ADD(pt->st.tx_bytes, sw->scratch[i]->len);
		ST_ADD(pt->st.tx_pkts, took);
		q->head += took;
		sent += took;
		if (took < n) {
			*moved += sent;
			return EG_FULL;
		}
	}
	*moved += sent;
	return q_len(q) ? EG_MORE : EG_EMPTY;
}

/*
 * The RT service: ingress from every RT port, then every port's RT queue
 * out, again while that moved frames (an RT port that answers within the
 * round, a loopback or reflector, gets its answer out in the same round),
 * at most RT_PASSES times.
 */
static unsigned rt_service(rtdd_sw *sw, uint64_t now)
{
	unsigned pass, i, moved = 0, m;

	for (pass = 0; pass < RT_PASSES; pass++) {
		m = 0;
		for (i = 0; i < sw->n_by_cls[RTDD_SW_RT]; i++) {
			unsigned idx = sw->by_cls[RTDD_SW_RT][i];

			m += ingress(sw, idx, now, UINT32_MAX);
		}
		for (i = 0; i < sw->nports; i++)
			(void)egress(sw, i, RTDD_SW_RT, UINT32_MAX, &m);
		moved += m;
		if (!m)
			break;
	}
	if (moved)
		sw->yield_ok = true;
	return moved;
}

/*
 * Between two best-effort chunks: has an RT port input waiting? Asks the
 * ports that can tell cheaply (ops->pending: a vif loads its req_prod, a
 * DPDK uplink reads its next RX descriptor or polls the port into a
 * stash); a port without the op is served at the start of each round and
 * whenever another RT port preempts.
 */
static bool rt_pending(rtdd_sw *sw)
{
	unsigned i;

	for (i = 0; i < sw->n_by_cls[RTDD_SW_RT]; i++) {
		struct port *pt = &sw->ports[sw->by_cls[RTDD_SW_RT][i]];

		if (pt->ops && pt->ops->pending && rtdd_tb_ready(&pt->tb) &&
		    budget_left(sw, pt) && pt->ops->pending(pt->priv))
			return true;
	}
	return false;
}

bool rtdd_sw_rt_waiting(rtdd_sw *sw)
{
	if (!sw->be_work || !sw->yield_ok || !sw->n_by_cls[RTDD_SW_RT] ||
	    __atomic_load_n(&sw->unsplit, __ATOMIC_RELAXED) || !rt_pending(sw))
		return false;
	sw->yield_ok = false;
	__atomic_store_n(&sw->yields, sw->yields + 1, __ATOMIC_RELAXED);
	return true;
}

bool rtdd_sw_copy(rtdd_sw *sw, void *dst, const void *src, unsigned len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	unsigned off = 0, n;

	if (!sw->be_work || len <= RTDD_SW_YIELD_PIECE) {
		memcpy(dst, src, len); /* RT work, or one piece: whole */
		return true;
	}
	for (;;) {
		n = len - off < RTDD_SW_YIELD_PIECE ? len - off
						    : RTDD_SW_YIELD_PIECE;
		memcpy(d + off, s + off, n);
		off += n;
		if (off == len)
			return true;
		if (rtdd_sw_rt_waiting(sw))
			return false;
	}
}

void rtdd_sw_set_be_split(rtdd_sw *sw, bool on)
{
	__atomic_store_n(&sw->unsplit, !on, __ATOMIC_RELAXED);
}

static unsigned preempt(rtdd_sw *sw, uint64_t now)
{
	if (!sw->n_by_cls[RTDD_SW_RT] || !rt_pending(sw))
		return 0;
	__atomic_store_n(&sw->preemptions, sw->preemptions + 1,
			 __ATOMIC_RELAXED);
	return rt_service(sw, now);
}

unsigned rtdd_sw_poll(rtdd_sw *sw, uint64_t now_ns)
{
	unsigned i, moved;

	__atomic_store_n(&sw->round, sw->round + 1, __ATOMIC_RELAXED);
	moved = rt_service(sw, now_ns);
	/* Best effort, in chunks of be_chunk frames, the RT service
	 * preempting between chunks: an RT frame waits for at most one
	 * chunk of best-effort work, not a round of it. */
	for (i = 0; i < sw->n_by_cls[RTDD_SW_BE]; i++) {
		unsigned idx = sw->by_cls[RTDD_SW_BE][i], n;

		bool yielded;

		do {
			uint64_t y = sw->yields;

			sw->be_work = true;
			n = ingress(sw, idx, now_ns, sw->cfg.be_chunk);
			sw->be_work = false;
			yielded = sw->yields != y;
			moved += n + preempt(sw, now_ns);
			/* A port that put a frame back for an RT frame has
			 * more: take it again (bounded: a yield needs an RT
			 * frame moved since the last one, and RT ports
			 * have round budgets). */
		} while (n == sw->cfg.be_chunk || yielded);
	}
	for (i = 0; i < sw->nports; i++) {
		/* RT frames a best-effort port brought in (a trunk's PCP)
		 * first; nothing of a lower class may pass what the RT
		 * class could not send. */
		if (egress(sw, i, RTDD_SW_RT, UINT32_MAX, &moved) != EG_EMPTY)
			continue;
		while (!q_len(&sw->ports[i].q[RTDD_SW_RT])) {
			enum eg_state st;

			uint64_t y = sw->yields;

			sw->be_work = true;
			st = egress(sw, i, RTDD_SW_BE, sw->cfg.be_chunk,
				    &moved);
			sw->be_work = false;
			if (st == EG_FULL && sw->yields != y)
				st = EG_MORE; /* put back for an RT frame */
			moved += preempt(sw, now_ns);
			if (st != EG_MORE)
				break;
		}
	}
	for (i = 0; i < sw->nports; i++) {
		struct port *pt = &sw->ports[i];

		if (pt->ops && pt->ops->flush)
			pt->ops->flush(pt->priv, sw);
	}
	return moved;
}

void rtdd_sw_port_stats(const rtdd_sw *sw, int port,
			struct rtdd_sw_port_stats *out)
{
	const uint64_t *in;
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	if (port < 0 || (unsigned)port >= sw->nports)
		return;
	/* Field by field: each counter is consistent, the set is not a
	 * snapshot (the switch keeps counting). */
	in = (const uint64_t *)&sw->ports[port].st;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

void rtdd_sw_counters(const rtdd_sw *sw, uint64_t *rounds,
		      uint64_t *preemptions, uint64_t *yields)
{
	if (yields)
		*yields = __atomic_load_n(&sw->yields, __ATOMIC_RELAXED);
	if (rounds)
		*rounds = __atomic_load_n(&sw->round, __ATOMIC_RELAXED);
	if (preemptions)
		*preemptions =
			__atomic_load_n(&sw->preemptions, __ATOMIC_RELAXED);
}

unsigned rtdd_sw_queued(const rtdd_sw *sw, int port, enum rtdd_sw_class cls)
{
	if (port < 0 || (unsigned)port >= sw->nports || cls >= RTDD_SW_NCLASS)
		return 0;
	return q_len(&sw->ports[port].q[cls]);
}

// SPDX-License-Identifier: MIT
/* Uplink ports of the RT switch on DPDK ethdev ports (rtdd/netsw_dpdk.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rtdd/netsw_dpdk.h"

#define UP_BURST 32
#define UP_DESC 1024
#define UP_MBUFS 4095
/* Without descriptor status, pending polls the port at most this often
 * (a tap's rx_burst is a syscall). */
#define UP_PEEK_NS 1000
/* Counters: written by the switch thread alone, read by any thread
 * (rtdd_uplink_stats): relaxed atomic stores and loads, no
 * read-modify-write, as the switch's own. */
#define UP_ADD(x, n) __atomic_store_n(&(x), (x) + (n), __ATOMIC_RELAXED)
_Static_assert(sizeof(struct rtdd_uplink_stats) % sizeof(uint64_t) == 0,
	       "rtdd_uplink_stats is read as an array of uint64_t");

struct rtdd_uplink {
	uint16_t port;
	struct rte_mempool *mp;
	bool started;
	bool desc_status; /* the PMD answers rte_eth_rx_descriptor_status */
	uint64_t next_peek, peek_gap; /* TSC */
	/* Frames pending took off the port, handed out first by rx. */
	struct rte_mbuf *stash[UP_BURST];
	unsigned nstash, stash_at;
	struct rtdd_uplink_stats st;
};

int rtdd_uplink_port_lookup(const char *s, uint16_t *port_out)
{
	char *end;
	unsigned long v;
	uint16_t p;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s && !*end && !errno && v < RTE_MAX_ETHPORTS &&
	    rte_eth_dev_is_valid_port((uint16_t)v)) {
		*port_out = (uint16_t)v;
		return 0;
	}
	if (rte_eth_dev_get_port_by_name(s, &p) == 0) {
		*port_out = p;
		return 0;
	}
	return -ENODEV;
}

int rtdd_uplink_open(uint16_t port_id, rtdd_uplink **up_out)
{
	struct rte_eth_conf conf;
	uint16_t nrx = UP_DESC, ntx = UP_DESC;
	struct rtdd_uplink *up;
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	up = calloc(1, sizeof(*up));
	if (!up)
		return -ENOMEM;
	up->port = port_id;
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = 0;
	snprintf(name, sizeof(name), "rtdd_up%u", port_id);
	up->mp = rte_pktmbuf_pool_create(name, UP_MBUFS, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (!up->mp) {
		rc = -rte_errno;
		goto out;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (!rc)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx);
	if (!rc)
		rc = rte_eth_rx_queue_setup(port_id, 0, nrx, (unsigned)socket,
					    NULL, up->mp);
	if (!rc)
		rc = rte_eth_tx_queue_setup(port_id, 0, ntx, (unsigned)socket,
					    NULL);
	if (!rc)
		rc = rte_eth_dev_start(port_id);
	if (rc)
		goto out;
	up->started = true;
	(void)rte_eth_promiscuous_enable(port_id);
	/* Offset 0 is the next descriptor rx_burst would take: -ENOTSUP
	 * where the PMD cannot tell (memif, af_packet, tap, ring). */
	up->desc_status = rte_eth_rx_descriptor_status(port_id, 0, 0) >= 0;
	up->peek_gap = rte_get_tsc_hz() / (1000000000ull / UP_PEEK_NS);
	*up_out = up;
	return 0;
out:
	rtdd_uplink_close(up);
	return rc < 0 ? rc : -EIO;
}

/*
 * mbufs -> switch buffers (each mbuf taken is freed). A best-effort frame's
 * copy may stop part way for an RT frame (rtdd_sw_copy): then that mbuf
 * and the ones after it are left, *used says how many were taken.
 */
static unsigned up_take(struct rtdd_uplink *up, rtdd_sw *sw,
			struct rte_mbuf **m, unsigned got,
			struct rtdd_pkt **pkts, unsigned *used)
{
	unsigned i, k = 0, room = rtdd_sw_buf_room(sw);

	for (i = 0; i < got; i++) {
		struct rtdd_pkt *p;
		uint32_t len = rte_pktmbuf_pkt_len(m[i]);

		/* Headroom stays in front for a VLAN tag: frames must fit
		 * what is left. */
		if (len > room - 4 || len > 65535) {
			UP_ADD(up->st.rx_toobig, 1);
			rte_pktmbuf_free(m[i]);
			continue;
		}
		p = rtdd_sw_pkt_get(sw);
		if (!p) {
			UP_ADD(up->st.rx_nobuf, 1);
			rte_pktmbuf_free(m[i]);
			continue;
		}
		if (rte_pktmbuf_is_contiguous(m[i])) {
			if (!rtdd_sw_copy(sw, p->data,
					  rte_pktmbuf_mtod(m[i], const void *),
					  len)) {
				/* An RT frame waits: this mbuf and the rest
				 * are taken again after it. */
				rtdd_sw_pkt_put(sw, p);
				UP_ADD(up->st.copy_yields, 1);
				break;
			}
		} else if (!rte_pktmbuf_read(m[i], 0, len, p->data)) {
			/* segments gathered into p->data, or too short */
			rtdd_sw_pkt_put(sw, p);
			rte_pktmbuf_free(m[i]);
			continue;
		}
		p->len = (uint16_t)len;
		p->flags = 0;
		pkts[k++] = p;
		rte_pktmbuf_free(m[i]);
	}
	UP_ADD(up->st.rx_pkts, k);
	*used = i;
	return k;
}

static unsigned up_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		      unsigned n)
{
	struct rtdd_uplink *up = priv;
	struct rte_mbuf *m[UP_BURST];
	unsigned k = 0, got, used;

	if (n > UP_BURST)
		n = UP_BURST;
	if (up->stash_at < up->nstash) {
		got = up->nstash - up->stash_at;
		if (got > n)
			got = n;
		k = up_take(up, sw, up->stash + up->stash_at, got, pkts, &used);
		up->stash_at += used;
		if (used < got)
			return k; /* yielded: the rest stays stashed */
		n -= got;
		if (!n)
			return k;
	}
	got = rte_eth_rx_burst(up->port, 0, m, (uint16_t)n);
	k += up_take(up, sw, m, got, pkts + k, &used);
	if (used < got) {
		/* Yielded: the stash is empty here (handed out above);
		 * what was not taken goes there, first out next time. */
		up->stash_at = 0;
		up->nstash = got - used;
		memcpy(up->stash, m + used, (got - used) * sizeof(m[0]));
	}
	return k;
}

/*
 * Between best-effort chunks the switch asks its RT ports whether input
 * waits. A PMD with descriptor status answers from the next descriptor
 * (a NIC or VF: one read of ring memory); for the others the port is
 * polled, at most once per UP_PEEK_NS, into the stash rx hands out first.
 */
static bool up_pending(void *priv)
{
	struct rtdd_uplink *up = priv;
	uint64_t now;

	if (up->stash_at < up->nstash)
		return true;
	if (up->desc_status)
		return rte_eth_rx_descriptor_status(up->port, 0, 0) ==
		       RTE_ETH_RX_DESC_DONE;
	now = rte_rdtsc();
	if (now < up->next_peek)
		return false;
	up->next_peek = now + up->peek_gap;
	up->stash_at = 0;
	up->nstash = rte_eth_rx_burst(up->port, 0, up->stash, UP_BURST);
	UP_ADD(up->st.rx_peeks, 1);
	return up->nstash > 0;
}

static unsigned up_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		      unsigned n)
{
	struct rtdd_uplink *up = priv;
	struct rte_mbuf *m[UP_BURST];
	unsigned i, k, sent;

	if (n > UP_BURST)
		n = UP_BURST;
	for (k = 0; k < n; k++) {
		char *d;

		m[k] = rte_pktmbuf_alloc(up->mp);
		if (!m[k]) {
			UP_ADD(up->st.tx_nombuf, 1);
			break;
		}
		d = rte_pktmbuf_append(m[k], pkts[k]->len);
		if (!d) {
			rte_pktmbuf_free(m[k]);
			break;
		}
		if (!rtdd_sw_copy(sw, d, pkts[k]->data, pkts[k]->len)) {
			/* An RT frame waits: this frame and the rest stay
			 * queued in the switch. */
			rte_pktmbuf_free(m[k]);
			UP_ADD(up->st.copy_yields, 1);
			break;
		}
	}
	sent = rte_eth_tx_burst(up->port, 0, m, (uint16_t)k);
	for (i = sent; i < k; i++)
		rte_pktmbuf_free(m[i]);
	for (i = 0; i < sent; i++)
		rtdd_sw_pkt_put(sw, pkts[i]);
	UP_ADD(up->st.tx_pkts, sent);
	return sent; /* the rest stays queued in the switch */
}

static const struct rtdd_sw_port_ops up_ops = {
	.rx = up_rx,
	.tx = up_tx,
	.pending = up_pending,
};

bool rtdd_uplink_pending(rtdd_uplink *up)
{
	return up_pending(up);
}

int rtdd_uplink_attach(rtdd_uplink *up, rtdd_sw *sw, int sw_port)
{
	const struct rtdd_sw_port_cfg *pc = rtdd_sw_port_cfg(sw, sw_port);

	if (!pc || !pc->uplink)
		return -EINVAL;
	return rtdd_sw_attach(sw, sw_port, &up_ops, up);
}

void rtdd_uplink_stats(const rtdd_uplink *up, struct rtdd_uplink_stats *out)
{
	const uint64_t *in = (const uint64_t *)&up->st;
	uint64_t *o = (uint64_t *)out;

	/* Field by field: each counter is consistent, the set is not a
	 * snapshot (the switch keeps counting). */
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

void rtdd_uplink_close(rtdd_uplink *up)
{
	if (!up)
		return;
	if (up->started) {
		(void)rte_eth_dev_stop(up->port);
		(void)rte_eth_dev_close(up->port);
	}
	while (up->stash_at < up->nstash)
		rte_pktmbuf_free(up->stash[up->stash_at++]);
	rte_mempool_free(up->mp);
	free(up);
}

// SPDX-License-Identifier: MIT
/*
 * net_rtdd: a DPDK poll-mode driver for rtdd, loaded into any DPDK 22.11
 * application with EAL -d (frontends/net/pmd, docs/net.md).
 *
 *   -d librte_net_rtdd.so --vdev=net_rtdd0,vif=device/vif/0[,hv=sim:3]
 *                                     [,queues=N][,mac=..]
 *   -d librte_net_rtdd.so --vdev=net_rtdd0,loopback=1[,queues=N]
 *
 * A port is a set of queue pairs served by a data-path backend chosen at
 * probe time: librtdd-netfront on the vif at "vif" (a polled netif
 * frontend talking to rtdd-netback or Linux netback in the driver
 * domain), or loopback, where every frame sent on queue i comes back on
 * queue i (proof that the driver loads and runs, and a reference).
 * "hv" picks the hypervisor as rtdd_hv_open() does (auto: Xen, else
 * $RTDD_SIM_DIR); queues is capped by what the backend offers.
 *
 * Built out of tree against Debian's libdpdk-dev plus the driver SDK
 * headers of the same version (fetch-sdk.sh), with -DALLOW_INTERNAL_API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rtdd/hv.h"
#include "rtdd/netfront.h"

#define RTDD_PMD_MAX_QUEUES 16
#define RTDD_PMD_RING_SIZE 1024

static const char *const valid_args[] = {"loopback", "queues", "mac",
					 "vif",	     "hv",     NULL};

RTE_LOG_REGISTER_DEFAULT(rtdd_pmd_logtype, NOTICE);
#define PMD_LOG(level, fmt, ...)                                          \
	rte_log(RTE_LOG_##level, rtdd_pmd_logtype, "net_rtdd: " fmt "\n", \
		##__VA_ARGS__)

struct rtdd_pmd_queue {
	struct rte_ring *ring; /* loopback: tx enqueues, rx dequeues */
	struct rte_mempool *mp;
	rtdd_netfront *nf; /* netfront: the vif */
	uint8_t *bounce;   /* netfront tx: multi-segment mbufs, 64 KiB */
	uint16_t port_id;
	uint16_t qid;
	uint64_t pkts, bytes, errors;
};

struct rtdd_pmd {
	struct rte_ether_addr mac;
	unsigned nb_queues;
	bool loopback;
	rtdd_hv *hv;
	rtdd_netfront *nf;
	struct rtdd_pmd_queue rxq[RTDD_PMD_MAX_QUEUES];
	struct rtdd_pmd_queue txq[RTDD_PMD_MAX_QUEUES];
	struct rte_ring *rings[RTDD_PMD_MAX_QUEUES];
};

static uint16_t loop_rx(void *q, struct rte_mbuf **bufs, uint16_t n)
{
	struct rtdd_pmd_queue *rq = q;
	unsigned i, got;

	got = rte_ring_dequeue_burst(rq->ring, (void **)bufs, n, NULL);
	for (i = 0; i < got; i++) {
		bufs[i]->port = rq->port_id;
		rq->bytes += rte_pktmbuf_pkt_len(bufs[i]);
	}
	rq->pkts += got;
	return (uint16_t)got;
}

static uint16_t loop_tx(void *q, struct rte_mbuf **bufs, uint16_t n)
{
	struct rtdd_pmd_queue *tq = q;
	unsigned i, sent;
	uint64_t bytes = 0;

	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(bufs[i]);
	sent = rte_ring_enqueue_burst(tq->ring, (void **)bufs, n, NULL);
	/* The frames not taken stay the caller's (ethdev semantics). */
	for (i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(bufs[i]);
	tq->pkts += sent;
	tq->bytes += bytes;
	return (uint16_t)sent;
}

static uint16_t nf_rx(void *q, struct rte_mbuf **bufs, uint16_t n)
{
	struct rtdd_pmd_queue *rq = q;
	struct rtdd_nf_frame fr[32];
	unsigned i;
	int got;

	if (n > 32)
		n = 32;
	if (rte_pktmbuf_alloc_bulk(rq->mp, bufs, n)) {
		rq->errors++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		fr[i].data = rte_pktmbuf_mtod(bufs[i], void *);
		fr[i].cap = (uint16_t)rte_pktmbuf_tailroom(bufs[i]);
	}
	got = rtdd_netfront_recv(rq->nf, rq->qid, fr, n);
	if (got < 0) {
		rq->errors++;
		got = 0;
	}
	for (i = 0; i < (unsigned)got; i++) {
		bufs[i]->data_len = fr[i].len;
		bufs[i]->pkt_len = fr[i].len;
		bufs[i]->port = rq->port_id;
		rq->bytes += fr[i].len;
	}
	if ((unsigned)got < n)
		rte_pktmbuf_free_bulk(bufs + got, n - (unsigned)got);
	rq->pkts += (unsigned)got;
	return (uint16_t)got;
}

static uint16_t nf_tx(void *q, struct rte_mbuf **bufs, uint16_t n)
{
	struct rtdd_pmd_queue *tq = q;
	struct rtdd_nf_frame fr[32];
	unsigned i, k = 0;
	int sent;

	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = bufs[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);

		if (m->nb_segs == 1) {
			fr[i].data = rte_pktmbuf_mtod(m, void *);
		} else {
			/* One bounce buffer: a multi-segment frame ends
			 * the burst. */
			if (k || len > 65535)
				break;
			fr[i].data =
				(void *)rte_pktmbuf_read(m, 0, len, tq->bounce);
			k++;
		}
		fr[i].len = (uint16_t)len;
	}
	n = (uint16_t)i;
	sent = rtdd_netfront_send(tq->nf, tq->qid, fr, n);
	if (sent < 0) {
		/* A frame the vif cannot take (too long without
		 * feature-sg): drop it so the queue does not stall. */
		tq->errors++;
		rte_pktmbuf_free(bufs[0]);
		return 1;
	}
	for (i = 0; i < (unsigned)sent; i++) {
		tq->bytes += rte_pktmbuf_pkt_len(bufs[i]);
		rte_pktmbuf_free(bufs[i]);
	}
	tq->pkts += (unsigned)sent;
	return (uint16_t)sent;
}

static int dev_configure(struct rte_eth_dev *dev)
{
	struct rtdd_pmd *p = dev->data->dev_private;

	if (dev->data->nb_rx_queues > p->nb_queues ||
	    dev->data->nb_tx_queues > p->nb_queues) {
		PMD_LOG(ERR, "%s: %u rx / %u tx queues asked, %u offered",
			dev->data->name, dev->data->nb_rx_queues,
			dev->data->nb_tx_queues, p->nb_queues);
		return -EINVAL;
	}
	return 0;
}

static int dev_start(struct rte_eth_dev *dev)
{
	uint16_t i;

	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int dev_stop(struct rte_eth_dev *dev)
{
	uint16_t i;

	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	dev->data->dev_started = 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static void free_rings(struct rtdd_pmd *p)
{
	unsigned i;
	void *m;

	for (i = 0; i < RTDD_PMD_MAX_QUEUES; i++) {
		if (!p->rings[i])
			continue;
		while (rte_ring_dequeue(p->rings[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(p->rings[i]);
		p->rings[i] = NULL;
	}
}

static int dev_close(struct rte_eth_dev *dev)
{
	struct rtdd_pmd *p = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	dev_stop(dev);
	if (p) {
		unsigned i;

		free_rings(p);
		for (i = 0; i < RTDD_PMD_MAX_QUEUES; i++) {
			rte_free(p->txq[i].bounce);
			p->txq[i].bounce = NULL;
		}
		rtdd_netfront_close(p->nf);
		p->nf = NULL;
		rtdd_hv_close(p->hv);
		p->hv = NULL;
	}
	/* mac_addrs points into dev_private: ethdev must not free it. */
	dev->data->mac_addrs = NULL;
	return 0;
}

static int dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct rtdd_pmd *p = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = 9018;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = 9000;
	info->max_rx_queues = (uint16_t)p->nb_queues;
	info->max_tx_queues = (uint16_t)p->nb_queues;
	info->min_rx_bufsize = 0;
	info->rx_desc_lim.nb_max = RTDD_PMD_RING_SIZE;
	info->tx_desc_lim.nb_max = RTDD_PMD_RING_SIZE;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	return 0;
}

static int rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_rxconf *conf,
			  struct rte_mempool *mp)
{
	struct rtdd_pmd *p = dev->data->dev_private;
	struct rtdd_pmd_queue *q = &p->rxq[qid];

	(void)nb_desc;
	(void)socket;
	(void)conf;
	q->ring = p->rings[qid];
	q->nf = p->nf;
	q->mp = mp;
	q->port_id = dev->data->port_id;
	q->qid = qid;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_txconf *conf)
{
	struct rtdd_pmd *p = dev->data->dev_private;
	struct rtdd_pmd_queue *q = &p->txq[qid];

	(void)nb_desc;
	(void)socket;
	(void)conf;
	q->ring = p->rings[qid];
	q->nf = p->nf;
	if (p->nf && !q->bounce) {
		q->bounce = rte_malloc("rtdd_bounce", 65536, 0);
		if (!q->bounce)
			return -ENOMEM;
	}
	q->port_id = dev->data->port_id;
	q->qid = qid;
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	(void)dev;
	(void)qid;
}

static int link_update(struct rte_eth_dev *dev, int wait)
{
	(void)dev;
	(void)wait;
	return 0;
}

static int stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct rtdd_pmd *p = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		st->ipackets += p->rxq[i].pkts;
		st->ibytes += p->rxq[i].bytes;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = p->rxq[i].pkts;
			st->q_ibytes[i] = p->rxq[i].bytes;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		st->opackets += p->txq[i].pkts;
		st->obytes += p->txq[i].bytes;
		st->oerrors += p->txq[i].errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[i] = p->txq[i].pkts;
			st->q_obytes[i] = p->txq[i].bytes;
		}
	}
	return 0;
}

static int stats_reset(struct rte_eth_dev *dev)
{
	struct rtdd_pmd *p = dev->data->dev_private;
	unsigned i;

	for (i = 0; i < RTDD_PMD_MAX_QUEUES; i++) {
		p->rxq[i].pkts = p->rxq[i].bytes = p->rxq[i].errors = 0;
		p->txq[i].pkts = p->txq[i].bytes = p->txq[i].errors = 0;
	}
	return 0;
}

static int promisc_noop(struct rte_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static const struct eth_dev_ops rtdd_ops = {
	.dev_configure = dev_configure,
	.dev_start = dev_start,
	.dev_stop = dev_stop,
	.dev_close = dev_close,
	.dev_infos_get = dev_infos_get,
	.rx_queue_setup = rx_queue_setup,
	.tx_queue_setup = tx_queue_setup,
	.rx_queue_release = queue_release,
	.tx_queue_release = queue_release,
	.link_update = link_update,
	.stats_get = stats_get,
	.stats_reset = stats_reset,
	.promiscuous_enable = promisc_noop,
	.promiscuous_disable = promisc_noop,
	.allmulticast_enable = promisc_noop,
	.allmulticast_disable = promisc_noop,
};

struct args {
	int loopback;
	unsigned queues;
	bool have_mac;
	struct rte_ether_addr mac;
	char vif[256];
	char hv[64];
};

static int arg_str(const char *key, const char *val, void *out)
{
	size_t cap = strcmp(key, "vif") ? 64 : 256;

	if (!*val || strlen(val) >= cap)
		return -EINVAL;
	strcpy(out, val);
	return 0;
}

static int arg_uint(const char *key, const char *val, void *out)
{
	char *end;
	unsigned long v;

	(void)key;
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || v > 1u << 16)
		return -EINVAL;
	*(unsigned *)out = (unsigned)v;
	return 0;
}

static int arg_mac(const char *key, const char *val, void *out)
{
	struct args *a = out;

	(void)key;
	if (rte_ether_unformat_addr(val, &a->mac) ||
	    !rte_is_unicast_ether_addr(&a->mac))
		return -EINVAL;
	a->have_mac = true;
	return 0;
}

static int parse_args(struct rte_vdev_device *vdev, struct args *a)
{
	const char *params = rte_vdev_device_args(vdev);
	struct rte_kvargs *kv;
	unsigned lb = 0;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	a->queues = 1;
	if (!params || !*params)
		goto check;
	kv = rte_kvargs_parse(params, valid_args);
	if (!kv)
		return -EINVAL;
	if (rte_kvargs_process(kv, "loopback", arg_uint, &lb) < 0 ||
	    rte_kvargs_process(kv, "queues", arg_uint, &a->queues) < 0 ||
	    rte_kvargs_process(kv, "mac", arg_mac, a) < 0 ||
	    rte_kvargs_process(kv, "vif", arg_str, a->vif) < 0 ||
	    rte_kvargs_process(kv, "hv", arg_str, a->hv) < 0)
		rc = -EINVAL;
	rte_kvargs_free(kv);
	if (rc)
		return rc;
	if (lb > 1)
		return -EINVAL;
	a->loopback = (int)lb;
check:
	if (a->queues < 1 || a->queues > RTDD_PMD_MAX_QUEUES)
		return -EINVAL;
	if (a->loopback == !!a->vif[0]) {
		PMD_LOG(ERR,
			"%s: no data path: give vif=PATH or loopback=1 "
			"(one of them)",
			rte_vdev_device_name(vdev));
		return -EINVAL;
	}
	return 0;
}

static int rtdd_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct rtdd_pmd *p;
	rtdd_netfront *nf = NULL;
	rtdd_hv *nf_hv = NULL;
	struct args a;
	unsigned i;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PMD_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	rc = parse_args(vdev, &a);
	if (rc) {
		PMD_LOG(ERR, "%s: bad arguments '%s' (%s)", name,
			rte_vdev_device_args(vdev), strerror(-rc));
		return rc;
	}
	if (a.vif[0]) {
		struct rtdd_netfront_opts o = {.queues = a.queues};
		char *err = NULL;

		rc = rtdd_hv_open(a.hv[0] ? a.hv : NULL, &nf_hv, &err);
		if (rc) {
			PMD_LOG(ERR, "%s: %s", name, err ? err : strerror(-rc));
			free(err);
			return rc;
		}
		rc = rtdd_netfront_open(nf_hv, a.vif, &o, &nf);
		if (rc) {
			PMD_LOG(ERR, "%s: vif %s: %s", name, a.vif,
				strerror(-rc));
			rtdd_hv_close(nf_hv);
			return rc;
		}
		a.queues = rtdd_netfront_queues(nf);
		if (!a.have_mac) {
			rtdd_netfront_mac(nf, a.mac.addr_bytes);
			a.have_mac = true;
		}
	}
	dev = rte_eth_vdev_allocate(vdev, sizeof(*p));
	if (!dev) {
		rtdd_netfront_close(nf);
		rtdd_hv_close(nf_hv);
		return -ENOMEM;
	}
	p = dev->data->dev_private;
	p->nb_queues = a.queues;
	p->loopback = a.loopback;
	p->nf = nf;
	p->hv = nf_hv;
	for (i = 0; i < a.queues && p->loopback; i++) {
		char rn[RTE_RING_NAMESIZE];

		snprintf(rn, sizeof(rn), "rtdd_%u_%u", dev->data->port_id, i);
		p->rings[i] =
			rte_ring_create(rn, RTDD_PMD_RING_SIZE, rte_socket_id(),
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!p->rings[i]) {
			free_rings(p);
			rte_eth_dev_release_port(dev);
			return -ENOMEM;
		}
	}
	if (a.have_mac)
		p->mac = a.mac;
	else
		rte_eth_random_addr(p->mac.addr_bytes);
	dev->data->mac_addrs = &p->mac;
	dev->data->dev_link = (struct rte_eth_link){
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_status = RTE_ETH_LINK_DOWN,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->dev_ops = &rtdd_ops;
	dev->rx_pkt_burst = nf ? nf_rx : loop_rx;
	dev->tx_pkt_burst = nf ? nf_tx : loop_tx;
	rte_eth_dev_probing_finish(dev);
	PMD_LOG(INFO, "%s: port %u, %u queue pair(s), %s%s", name,
		dev->data->port_id, a.queues, nf ? "vif " : "loopback",
		nf ? a.vif : "");
	return 0;
}

static int rtdd_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (!dev)
		return 0;
	dev_close(dev);
	rte_eth_dev_release_port(dev);
	return 0;
}

static struct rte_vdev_driver rtdd_vdev_drv = {
	.probe = rtdd_probe,
	.remove = rtdd_remove,
};

RTE_PMD_REGISTER_VDEV(net_rtdd, rtdd_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_rtdd,
			      "vif=<xenstore path> hv=<auto|xen|sim|sim:N> "
			      "loopback=<0|1> queues=<1-16> mac=<xx:..:xx>");

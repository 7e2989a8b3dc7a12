// SPDX-License-Identifier: MIT
/*
 * netback control plane: publish the netif features (probe), read the
 * frontend's rings, event channels and requests, map, bind and attach the
 * vif to its switch port (connect), and undo all of it (disconnect,
 * idempotent). The data plane is ring.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "rtdd/numlist.h"
#include "rtdd/log.h"

static int be_write(struct nb_vif *v, const char *key, unsigned val)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", v->path, key);
	return rtdd_xs_printf(v->nb->hv, RTDD_XS_TXN_NONE, p, "%u", val);
}

/* A frontend key as 0/1; def when absent; -EINVAL when malformed. */
static int fe_flag(struct nb_vif *v, const char *key, int def)
{
	char p[512];
	uint64_t n;
	int rc;

	snprintf(p, sizeof(p), "%s/%s", rtdd_xb_be_fe_path(v->xb), key);
	rc = rtdd_xs_read_u64(v->nb->hv, 0, p, &n);
	if (rc == -ENOENT)
		return def;
	if (rc)
		return rc;
	return n != 0;
}

static int fe_u32(struct nb_vif *v, const char *dir, const char *key,
		  uint32_t *out)
{
	char p[512];
	uint64_t n;
	int rc;

	snprintf(p, sizeof(p), "%s/%s", dir, key);
	rc = rtdd_xs_read_u64(v->nb->hv, 0, p, &n);
	if (rc)
		return rc;
	if (n > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/*
 * The toolstack's per-vif rate (xl.cfg vif "rate=", written by libxl as
 * backend key "rate"): a limit on the switch port on top of its own
 * configuration. Absent: no extra limit. Malformed: the vif fails (the
 * key comes from the toolstack, not the guest; Linux would go
 * unlimited).
 */
static int vif_rate(struct nb_vif *v)
{
	char p[512], *val = NULL;
	size_t len = 0;
	uint64_t bps = 0;
	uint32_t burst = 0;
	int rc;

	snprintf(p, sizeof(p), "%s/rate", v->path);
	rc = rtdd_xs_read(v->nb->hv, RTDD_XS_TXN_NONE, p, &val, &len);
	if (rc == -ENOENT)
		rc = 0;
	else if (!rc && rtdd_netif_parse_rate(val, len, &bps, &burst))
		rc = -EINVAL;
	if (rc) {
		rtdd_xb_be_fatal(v->xb, -rc, "bad rate key '%.40s'",
				 val ? val : "");
		free(val);
		return rc;
	}
	free(val);
	(void)rtdd_sw_limit_rate(v->nb->sw, v->port->idx, bps, burst);
	if (bps)
		RTDD_LOG(INFO,
			 "%s: rate %llu bit/s, burst %u bytes (toolstack)",
			 v->name, (unsigned long long)bps, burst);
	return 0;
}

static int vif_probe(rtdd_xb_be *xb)
{
	struct nb_vif *v = rtdd_xb_be_priv(xb);
	int rc;

	v->xb = xb;
	if (!v->port) {
		rtdd_xb_be_fatal(xb, ENODEV,
				 "no switch port '%s' in the configuration",
				 v->port_name);
		return -ENODEV;
	}
	rc = be_write(v, "feature-sg", 1);
	if (!rc)
		rc = be_write(v, "feature-rx-copy", 1);
	if (!rc)
		rc = be_write(v, "feature-rx-flip", 0);
	if (!rc)
		rc = be_write(v, "feature-gso-tcpv4", 0);
	if (!rc)
		rc = be_write(v, "feature-gso-tcpv6", 0);
	if (!rc)
		rc = be_write(v, "feature-ipv6-csum-offload", 1);
	if (!rc)
		rc = be_write(v, "feature-multicast-control", 0);
	if (!rc)
		rc = be_write(v, "feature-split-event-channels", 1);
	if (!rc)
		rc = be_write(v, "feature-rtdd-persistent", 1);
	if (!rc)
		rc = be_write(v, "multi-queue-max-queues",
			      v->nb->cfg.max_queues);
	if (rc)
		rtdd_xb_be_fatal(xb, rc, "writing features");
	return rc;
}

static void vif_disconnect(rtdd_xb_be *xb)
{
	struct nb_vif *v = rtdd_xb_be_priv(xb);

	rtdd__net_vif_detach(v);
	if (!v->queues)
		return;
	for (unsigned i = 0; i < v->nqueues; i++)
		rtdd__net_queue_teardown(&v->queues[i]);
	rtdd__net_stats_add(&v->past, &v->st);
	memset(&v->st, 0, sizeof(v->st));
	free(v->queues);
	free(v->rseg);
	v->queues = NULL;
	v->rseg = NULL;
	v->nqueues = 0;
}

static int map_ring(struct nb_vif *v, struct nb_queue *q, const char *dir,
		    const char *key, struct rtdd_be_ring_map *map)
{
	uint32_t ref;
	int rc;

	rc = fe_u32(v, dir, key, &ref);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc, "reading %s/%s", dir, key);
		return rc;
	}
	rc = rtdd_be_ring_map(v->nb->hv, q->domid, &ref, 1, map);
	if (rc)
		rtdd_xb_be_fatal(v->xb, rc, "mapping %s %u of queue %u", key,
				 ref, q->idx);
	return rc;
}

/*
 * feature-rtdd-persistent: map the frontend's buffer pages now, on the
 * control thread, so that the switch thread makes no mapping hypercall on
 * its RT path (each first use would be one: tens of us on simhv). The
 * lists are a hint: absent (a frontend that does not write them), the
 * pages are mapped on first use as before; malformed, a warning and the
 * same; a ref that does not map is left to the grant-copy path, which
 * answers errors at use.
 */
static void premap(struct nb_vif *v, struct nb_queue *q, const char *dir)
{
	static const struct {
		const char *key;
		bool ro; /* TX pages are only read */
	} lists[] = {{"rtdd-tx-buf-refs", true}, {"rtdd-rx-buf-refs", false}};
	rtdd_gref refs[NB_PG_CAP / 4];

	if (!q->pg)
		return;
	for (unsigned l = 0; l < 2; l++) {
		char p[600], *val = NULL;
		size_t len = 0;
		unsigned n = 0, ok;
		int rc;

		snprintf(p, sizeof(p), "%s/%s", dir, lists[l].key);
		rc = rtdd_xs_read(v->nb->hv, RTDD_XS_TXN_NONE, p, &val, &len);
		if (rc == -ENOENT)
			continue;
		if (!rc &&
		    rtdd_numlist_parse(val, len, refs, NB_PG_CAP / 4, &n))
			rc = -EINVAL;
		if (rc) {
			RTDD_LOG(WARN,
				 "%s: queue %u: bad %s '%.40s'%s: its pages "
				 "are mapped on first use",
				 v->name, q->idx, lists[l].key, val ? val : "",
				 len > 40 ? "..." : "");
			free(val);
			continue;
		}
		free(val);
		ok = rtdd__net_queue_premap(q, refs, n, lists[l].ro);
		if (ok != n)
			RTDD_LOG(WARN,
				 "%s: queue %u: %u of the %u pages in %s did "
				 "not map (grant copies for those)",
				 v->name, q->idx, n - ok, n, lists[l].key);
	}
}

static int connect_queue(struct nb_vif *v, struct nb_queue *q, const char *dir)
{
	uint32_t ptx, prx;
	int rc;

	rc = rtdd__net_queue_setup(q);
	if (rc)
		return rc;
	rc = map_ring(v, q, dir, "tx-ring-ref", &q->txmap);
	if (!rc)
		rc = map_ring(v, q, dir, "rx-ring-ref", &q->rxmap);
	if (rc)
		return rc;
	BACK_RING_INIT(&q->tx, (netif_tx_sring_t *)q->txmap.addr,
		       RTDD_NETIF_PAGE);
	BACK_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rxmap.addr,
		       RTDD_NETIF_PAGE);

	/* Split channels when both keys are there, else the one. */
	if (fe_u32(v, dir, "event-channel-tx", &ptx) == 0 &&
	    fe_u32(v, dir, "event-channel-rx", &prx) == 0) {
		if (ptx == prx) {
			rtdd_xb_be_fatal(v->xb, EINVAL,
					 "queue %u: event-channel-tx == -rx",
					 q->idx);
			return -EINVAL;
		}
	} else {
		rc = fe_u32(v, dir, "event-channel", &ptx);
		if (rc) {
			rtdd_xb_be_fatal(v->xb, rc,
					 "queue %u: no event channel", q->idx);
			return rc;
		}
		prx = ptx;
	}
	rc = rtdd_evtchn_open(v->nb->hv, &q->ev);
	if (!rc)
		rc = rtdd_evtchn_bind_interdomain(q->ev, q->domid, ptx,
						  &q->tx_port);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc, "binding event channel %u", ptx);
		return rc;
	}
	q->bound_tx = true;
	if (prx != ptx) {
		rc = rtdd_evtchn_bind_interdomain(q->ev, q->domid, prx,
						  &q->rx_port);
		if (rc) {
			rtdd_xb_be_fatal(v->xb, rc, "binding event channel %u",
					 prx);
			return rc;
		}
		q->bound_rx = true;
	} else {
		q->rx_port = q->tx_port;
	}
	premap(v, q, dir);
	return 0;
}

static int vif_connect(rtdd_xb_be *xb)
{
	struct nb_vif *v = rtdd_xb_be_priv(xb);
	const char *fe = rtdd_xb_be_fe_path(xb);
	unsigned nq;
	int rc, f;

	if (!v->port) {
		rtdd_xb_be_fatal(xb, ENODEV, "no switch port '%s'",
				 v->port_name);
		return -ENODEV;
	}
	/* Linux netback: rx-copy is the only receive mode, and a frontend
	 * that does not notify on new RX requests cannot be served. */
	f = fe_flag(v, "request-rx-copy", 0);
	if (f != 1) {
		rtdd_xb_be_fatal(xb, EOPNOTSUPP,
				 "frontend does not request rx-copy");
		return -EOPNOTSUPP;
	}
	f = fe_flag(v, "feature-rx-notify", 0);
	if (f != 1) {
		rtdd_xb_be_fatal(xb, EOPNOTSUPP,
				 "feature-rx-notify is mandatory");
		return -EOPNOTSUPP;
	}
	f = fe_flag(v, "feature-sg", 0);
	if (f < 0) {
		rtdd_xb_be_fatal(xb, EINVAL, "bad feature-sg");
		return -EINVAL;
	}
	v->sg = f == 1;
	f = fe_flag(v, "feature-rtdd-persistent", 0);
	v->persistent = f == 1;
	rc = vif_rate(v);
	if (rc)
		return rc;
	rc = rtdd_be_read_num_queues(v->nb->hv, fe, v->nb->cfg.max_queues, &nq);
	if (rc) {
		rtdd_xb_be_fatal(xb, rc, "bad multi-queue-num-queues");
		return rc;
	}
	v->queues = calloc(nq, sizeof(*v->queues));
	v->rseg = calloc(NB_RX_SEGS, sizeof(*v->rseg));
	if (!v->queues || !v->rseg)
		return -ENOMEM;
	v->nqueues = nq;
	v->rr = 0;
	for (unsigned i = 0; i < nq; i++) {
		struct nb_queue *q = &v->queues[i];
		char dir[512];

		q->vif = v;
		q->idx = i;
		q->hv = v->nb->hv;
		q->domid = rtdd_xb_be_fe_domid(xb);
		rtdd_be_queue_dir(fe, nq, i, dir, sizeof(dir));
		rc = connect_queue(v, q, dir);
		if (rc)
			return rc; /* the framework disconnects */
	}
	__atomic_store_n(&v->broken, 0, __ATOMIC_RELAXED);
	v->reported = false;
	STAT_ADD(v->st.connects, 1);
	/* Release: the rings and scratch above are set up before the
	 * service thread can see the vif (its acquire load of port->vif). */
	__atomic_store_n(&v->port->vif, v, __ATOMIC_RELEASE);
	rtdd__net_vif_watch(v);
	RTDD_LOG(INFO, "%s: connected to switch port %s: %u queue(s)%s%s",
		 v->name, v->port_name, nq, v->sg ? ", sg" : "",
		 v->persistent ? ", persistent buffers" : "");
	return 0;
}

const struct rtdd_xb_be_ops rtdd__net_xb_ops = {
	.probe = vif_probe,
	.connect = vif_connect,
	.disconnect = vif_disconnect,
};

// SPDX-License-Identifier: MIT
/*
 * librtdd-netfront: control path (handshake, reconnect) and data path
 * (send/recv) of a userspace netif frontend. See rtdd/netfront.h.
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
#include <xen/io/netif.h>

#include "rtdd/fe_xenbus.h"
#include "rtdd/netfront.h"
#include "netfront_ring.h"

/* ring.h's barriers, which Xen leaves to the user of the header: what they
 * order is said where the RING_ macros are used. */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#define PAGE RTDD__NF_PAGE
#define NSLOTS RTDD__NF_NSLOTS
#define CHECK_NS 10000000ull /* idle state check: 10 ms */
#define BIT(s) (1u << (s))
#define MAX_TX_SLOTS RTDD__NF_TX_FRAME_SLOTS

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(__CONST_RING_SIZE(netif_rx, PAGE) == NSLOTS &&
		       __CONST_RING_SIZE(netif_tx, PAGE) == NSLOTS,
	       "netif ring size");

struct rtdd_netfront {
	rtdd_hv *hv;
	rtdd_xb_fe *xb;
	struct rtdd_netfront_opts o;
	unsigned nq;
	bool sg, split, persistent;
	uint8_t mac[6];
	struct rtdd__nf_queue *q;
	pthread_mutex_t ctl;
	int failed;		   /* atomic: 0 or -EIO */
	uint64_t last_check_ns;	   /* atomic */
	uint64_t last_progress_ns; /* atomic: last send/recv that moved */
	uint64_t reconnects;	   /* atomic */
	uint64_t gone_ns;	   /* backend gone since (ctl held), 0: not */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void logf_(struct rtdd_netfront *nf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(struct rtdd_netfront *nf, const char *fmt, ...)
{
	char line[320];
	va_list ap;

	if (!nf->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	nf->o.log(nf->o.log_arg, line);
}

/* ------------------------------------------------------------------------ */
/* Rings                                                                    */
/* ------------------------------------------------------------------------ */

static void post_rx(struct rtdd__nf_queue *q, uint16_t id)
{
	netif_rx_request_t *r = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);

	r->id = id;
	r->gref = q->rxrefs[id];
	q->rx.req_prod_pvt++;
}

static void push(struct rtdd_fe_ring *fr, RING_IDX *sprod, RING_IDX pvt,
		 RING_IDX *sevent)
{
	RING_IDX old = *sprod, ev;

	if (old == pvt)
		return;
	/* Release: the backend sees the request slots before req_prod;
	 * pairs with its acquire load of req_prod. */
	__atomic_store_n(sprod, pvt, __ATOMIC_RELEASE);
	/* Full barrier: req_prod is visible before we read req_event;
	 * pairs with the backend's barrier in its final check. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev = __atomic_load_n(sevent, __ATOMIC_RELAXED);
	if ((RING_IDX)(pvt - ev) < (RING_IDX)(pvt - old))
		(void)rtdd_evtchn_notify(fr->ev, fr->port);
}

static void push_tx(struct rtdd__nf_queue *q)
{
	push(&q->txr, &q->tx.sring->req_prod, q->tx.req_prod_pvt,
	     &q->tx.sring->req_event);
}

static void push_rx(struct rtdd__nf_queue *q)
{
	push(&q->rxr, &q->rx.sring->req_prod, q->rx.req_prod_pvt,
	     &q->rx.sring->req_event);
}

void rtdd__nf_rings_reset(struct rtdd__nf_queue *q)
{
	netif_tx_sring_t *ts = q->txr.addr;
	netif_rx_sring_t *rs = q->rxr.addr;
	unsigned i;

	memset(ts, 0, PAGE);
	memset(rs, 0, PAGE);
	SHARED_RING_INIT(ts);
	SHARED_RING_INIT(rs);
	FRONT_RING_INIT(&q->tx, ts, PAGE);
	FRONT_RING_INIT(&q->rx, rs, PAGE);
	for (i = 0; i < NSLOTS; i++) {
		q->txfree[i] = (uint16_t)(NSLOTS - 1 - i);
		q->txbusy[i] = false;
	}
	q->ntxfree = NSLOTS;
	for (i = 0; i < NSLOTS; i++)
		post_rx(q, (uint16_t)i);
}

static void queue_free(struct rtdd_netfront *nf, struct rtdd__nf_queue *q)
{
	if (q->txpages)
		(void)rtdd_gnt_unshare_pages(nf->hv, q->txpages, NSLOTS);
	if (q->rxpages)
		(void)rtdd_gnt_unshare_pages(nf->hv, q->rxpages, NSLOTS);
	(void)rtdd_fe_ring_free(nf->hv, &q->txr);
	(void)rtdd_fe_ring_free(nf->hv, &q->rxr);
	pthread_mutex_destroy(&q->lock);
}

static int queue_alloc(struct rtdd_netfront *nf, struct rtdd__nf_queue *q)
{
	rtdd_domid be = rtdd_xb_fe_be_domid(nf->xb);
	void *a = NULL;
	int rc;

	pthread_mutex_init(&q->lock, NULL);
	rc = rtdd_fe_ring_alloc(nf->hv, be, 0, &q->txr);
	if (!rc)
		rc = rtdd_fe_ring_alloc(nf->hv, be, 0, &q->rxr);
	if (rc)
		return rc;
	rc = rtdd_gnt_share_pages(nf->hv, be, NSLOTS, true, &a, q->txrefs);
	if (rc)
		return rc;
	q->txpages = a;
	rc = rtdd_gnt_share_pages(nf->hv, be, NSLOTS, false, &a, q->rxrefs);
	if (rc)
		return rc;
	q->rxpages = a;
	rtdd__nf_rings_reset(q);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Handshake                                                                */
/* ------------------------------------------------------------------------ */

static int publish(struct rtdd_netfront *nf)
{
	const char *dir = rtdd_xb_fe_path(nf->xb);
	int rc, tries = 0;

	/* Every buffer page's ref, so the backend maps them at connect, not
	 * on its RT path: a hint (rtdd_fe_write_refs_hint). */
	for (unsigned i = 0; i < nf->nq && nf->persistent; i++) {
		char qd[512];

		if (nf->nq == 1)
			snprintf(qd, sizeof(qd), "%s", dir);
		else
			snprintf(qd, sizeof(qd), "%s/queue-%u", dir, i);
		(void)rtdd_fe_write_refs_hint(nf->hv, qd, "rtdd-tx-buf-refs",
					      nf->q[i].txrefs, NSLOTS, NULL, 0);
		(void)rtdd_fe_write_refs_hint(nf->hv, qd, "rtdd-rx-buf-refs",
					      nf->q[i].rxrefs, NSLOTS, NULL, 0);
	}
	do {
		rtdd_xs_txn t;
		char qd[512];

		rc = rtdd_xs_txn_start(nf->hv, &t);
		if (rc)
			return rc;
		for (unsigned i = 0; i < nf->nq && !rc; i++) {
			struct rtdd__nf_queue *q = &nf->q[i];
			char k[600];

			if (nf->nq == 1)
				snprintf(qd, sizeof(qd), "%s", dir);
			else
				snprintf(qd, sizeof(qd), "%s/queue-%u", dir, i);
#define W(key, fmt, val)                                             \
	do {                                                         \
		snprintf(k, sizeof(k), "%s/%s", qd, key);            \
		if (!rc)                                             \
			rc = rtdd_xs_printf(nf->hv, t, k, fmt, val); \
	} while (0)
			W("tx-ring-ref", "%u", q->txr.refs[0]);
			W("rx-ring-ref", "%u", q->rxr.refs[0]);
			if (nf->split) {
				W("event-channel-tx", "%u", q->txr.port);
				W("event-channel-rx", "%u", q->rxr.port);
			} else {
				W("event-channel", "%u", q->txr.port);
			}
#undef W
		}
		if (!rc && nf->nq > 1)
			rc = rtdd_xb_fe_printf(nf->xb, t,
					       "multi-queue-num-queues", "%u",
					       nf->nq);
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t, "request-rx-copy",
					       "1");
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t, "feature-rx-notify",
					       "1");
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t, "feature-sg", "%u",
					       nf->sg ? 1 : 0);
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t,
					       "feature-no-csum-offload", "1");
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t, "feature-gso-tcpv4",
					       "0");
		if (!rc)
			rc = rtdd_xb_fe_printf(nf->xb, t,
					       "feature-rtdd-persistent", "%u",
					       nf->persistent ? 1 : 0);
		if (rc) {
			(void)rtdd_xs_txn_end(nf->hv, t, true);
			return rc;
		}
		rc = rtdd_xs_txn_end(nf->hv, t, false);
	} while (rc == -EAGAIN && ++tries < 16);
	return rc;
}

static int finish_handshake(struct rtdd_netfront *nf)
{
	enum xenbus_state be;
	char err[256];
	int rc;

	rc = publish(nf);
	if (rc)
		return rc;
	/* Linux netback ignores Initialised and connects only once the
	 * frontend says Connected, which Linux netfront does right after
	 * publishing (seen in the Xen lab). rtdd-netback (it offers
	 * feature-rtdd-persistent) connects on Initialised, and a restarted
	 * one takes a frontend already Connected for a stale session. */
	rc = rtdd_xb_fe_switch_state(nf->xb, nf->persistent
						     ? XenbusStateInitialised
						     : XenbusStateConnected);
	if (rc)
		return rc;
	rc = rtdd_xb_fe_wait_be(nf->xb,
				BIT(XenbusStateConnected) |
					BIT(XenbusStateClosing) |
					BIT(XenbusStateClosed),
				nf->o.timeout_ms, &be);
	if (rc)
		return rc;
	if (be != XenbusStateConnected) {
		rtdd_xb_fe_be_error(nf->xb, err, sizeof(err));
		logf_(nf, "%s: backend refused the connection: %s",
		      rtdd_xb_fe_path(nf->xb), err[0] ? err : "(no error)");
		return -EIO;
	}
	return nf->persistent
		       ? rtdd_xb_fe_switch_state(nf->xb, XenbusStateConnected)
		       : 0;
}

/* Features the backend offers at InitWait. */
static int read_features(struct rtdd_netfront *nf, unsigned *maxq)
{
	uint64_t v;
	int rc;

	rc = rtdd_xb_fe_be_u64(nf->xb, "feature-rx-copy", 0, &v);
	if (rc)
		return rc;
	if (v != 1)
		return -EPROTO;
	rc = rtdd_xb_fe_be_u64(nf->xb, "multi-queue-max-queues", 1, &v);
	if (rc)
		return rc;
	*maxq = v ? (unsigned)(v < 16 ? v : 16) : 1;
	rc = rtdd_xb_fe_be_u64(nf->xb, "feature-split-event-channels", 0, &v);
	if (rc)
		return rc;
	nf->split = v == 1 && !nf->o.no_split;
	rc = rtdd_xb_fe_be_u64(nf->xb, "feature-sg", 0, &v);
	if (rc)
		return rc;
	nf->sg = v == 1 && !nf->o.no_sg;
	/* Our buffer pages stay granted for the whole connection. */
	rc = rtdd_xb_fe_be_u64(nf->xb, "feature-rtdd-persistent", 0, &v);
	if (rc)
		return rc;
	nf->persistent = v == 1;
	return 0;
}

static void read_mac(struct rtdd_netfront *nf)
{
	char p[512], *val = NULL;
	size_t len;
	unsigned m[6];
	int dev = 0;

	snprintf(p, sizeof(p), "%s/mac", rtdd_xb_fe_path(nf->xb));
	if (rtdd_xs_read(nf->hv, 0, p, &val, &len) == 0 &&
	    sscanf(val, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) == 6 &&
	    !(m[0] & 1)) {
		for (unsigned i = 0; i < 6; i++)
			nf->mac[i] = (uint8_t)m[i];
		free(val);
		return;
	}
	free(val);
	snprintf(p, sizeof(p), "%s/handle", rtdd_xb_fe_path(nf->xb));
	(void)rtdd_xs_read_int(nf->hv, 0, p, &dev);
	/* Locally administered 02:72:74:<domid>:<dev>. */
	nf->mac[0] = 0x02;
	nf->mac[1] = 0x72;
	nf->mac[2] = 0x74;
	nf->mac[3] = (uint8_t)(rtdd_hv_domid(nf->hv) >> 8);
	nf->mac[4] = (uint8_t)rtdd_hv_domid(nf->hv);
	nf->mac[5] = (uint8_t)dev;
}

int rtdd_netfront_open(rtdd_hv *hv, const char *path,
		       const struct rtdd_netfront_opts *opts,
		       rtdd_netfront **nf_out)
{
	struct rtdd_netfront *nf;
	unsigned maxq;
	int rc;

	if (!hv || !path || !nf_out)
		return -EINVAL;
	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	nf->hv = hv;
	if (opts)
		nf->o = *opts;
	if (nf->o.timeout_ms <= 0)
		nf->o.timeout_ms = 5000;
	if (nf->o.reconnect_ms <= 0)
		nf->o.reconnect_ms = 30000;
	if (!nf->o.queues)
		nf->o.queues = 1;
	pthread_mutex_init(&nf->ctl, NULL);
	rc = rtdd_xb_fe_open(hv, path, "vif", nf->o.log, nf->o.log_arg,
			     &nf->xb);
	if (rc)
		goto out;
	read_mac(nf);
	rc = rtdd_xb_fe_reset(nf->xb, nf->o.timeout_ms);
	if (rc)
		goto out;
	rc = read_features(nf, &maxq);
	if (rc)
		goto out;
	nf->nq = nf->o.queues < maxq ? nf->o.queues : maxq;
	nf->q = calloc(nf->nq, sizeof(*nf->q));
	if (!nf->q) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < nf->nq; i++) {
		rc = queue_alloc(nf, &nf->q[i]);
		if (rc)
			goto out;
	}
	rc = finish_handshake(nf);
	if (rc)
		goto out;
	for (unsigned i = 0; i < nf->nq; i++)
		push_rx(&nf->q[i]);
	nf->last_check_ns = now_ns();
	*nf_out = nf;
	return 0;
out:
	rtdd_netfront_close(nf);
	return rc;
}

void rtdd_netfront_close(rtdd_netfront *nf)
{
	if (!nf)
		return;
	if (nf->xb && rtdd_xb_fe_state(nf->xb) != XenbusStateUnknown &&
	    rtdd_xb_fe_state(nf->xb) != XenbusStateClosed) {
		int t = nf->o.timeout_ms < 1000 ? nf->o.timeout_ms : 1000;

		(void)rtdd_xb_fe_switch_state(nf->xb, XenbusStateClosing);
		(void)rtdd_xb_fe_wait_be(nf->xb,
					 BIT(XenbusStateClosing) |
						 BIT(XenbusStateClosed) |
						 BIT(XenbusStateUnknown),
					 t, NULL);
		(void)rtdd_xb_fe_switch_state(nf->xb, XenbusStateClosed);
		(void)rtdd_xb_fe_wait_be(nf->xb,
					 BIT(XenbusStateClosed) |
						 BIT(XenbusStateInitWait) |
						 BIT(XenbusStateUnknown),
					 t, NULL);
	}
	for (unsigned i = 0; nf->q && i < nf->nq; i++)
		queue_free(nf, &nf->q[i]);
	free(nf->q);
	rtdd_xb_fe_close(nf->xb);
	pthread_mutex_destroy(&nf->ctl);
	free(nf);
}

unsigned rtdd_netfront_queues(const rtdd_netfront *nf)
{
	return nf->nq;
}

void rtdd_netfront_mac(const rtdd_netfront *nf, uint8_t mac[6])
{
	memcpy(mac, nf->mac, 6);
}

unsigned rtdd_netfront_max_frame(const rtdd_netfront *nf)
{
	return nf->sg ? 65535u : PAGE;
}

void rtdd_netfront_stats(const rtdd_netfront *nf,
			 struct rtdd_netfront_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < nf->nq; i++) {
		const struct rtdd_netfront_stats *s = &nf->q[i].st;

		out->tx_pkts += __atomic_load_n(&s->tx_pkts, __ATOMIC_RELAXED);
		out->tx_bytes +=
			__atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
		out->tx_errors +=
			__atomic_load_n(&s->tx_errors, __ATOMIC_RELAXED);
		out->rx_pkts += __atomic_load_n(&s->rx_pkts, __ATOMIC_RELAXED);
		out->rx_bytes +=
			__atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
		out->rx_errors +=
			__atomic_load_n(&s->rx_errors, __ATOMIC_RELAXED);
		out->rx_toobig +=
			__atomic_load_n(&s->rx_toobig, __ATOMIC_RELAXED);
	}
	out->reconnects = __atomic_load_n(&nf->reconnects, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------ */
/* Backend restarts                                                         */
/* ------------------------------------------------------------------------ */

static int failed(struct rtdd_netfront *nf)
{
	return __atomic_load_n(&nf->failed, __ATOMIC_ACQUIRE);
}

static void fail(struct rtdd_netfront *nf, const char *why)
{
	if (!failed(nf))
		logf_(nf, "%s: device failed: %s", rtdd_xb_fe_path(nf->xb),
		      why);
	__atomic_store_n(&nf->failed, -EIO, __ATOMIC_RELEASE);
}

/*
 * All queue locks held: the backend now lives in another domain. Grants
 * name the domain they are for, so the rings and the frame pages are
 * granted again to the new one (the old pages are revoked; frames in
 * flight are lost, as on any reconnect). The event channel handles stay,
 * so a caller polling their fds keeps a valid fd.
 */
static int move_queues(struct rtdd_netfront *nf)
{
	rtdd_domid be = rtdd_xb_fe_be_domid(nf->xb);

	for (unsigned i = 0; i < nf->nq; i++) {
		struct rtdd__nf_queue *q = &nf->q[i];
		rtdd_gref txrefs[NSLOTS], rxrefs[NSLOTS];
		void *tx = NULL, *rx = NULL;
		int rc;

		rc = rtdd_gnt_share_pages(nf->hv, be, NSLOTS, true, &tx,
					  txrefs);
		if (!rc)
			rc = rtdd_gnt_share_pages(nf->hv, be, NSLOTS, false,
						  &rx, rxrefs);
		if (!rc)
			rc = rtdd_fe_ring_move(nf->hv, be, &q->txr);
		if (!rc)
			rc = rtdd_fe_ring_move(nf->hv, be, &q->rxr);
		if (rc) {
			if (tx)
				(void)rtdd_gnt_unshare_pages(nf->hv, tx,
							     NSLOTS);
			if (rx)
				(void)rtdd_gnt_unshare_pages(nf->hv, rx,
							     NSLOTS);
			return rc;
		}
		(void)rtdd_gnt_unshare_pages(nf->hv, q->txpages, NSLOTS);
		(void)rtdd_gnt_unshare_pages(nf->hv, q->rxpages, NSLOTS);
		q->txpages = tx;
		q->rxpages = rx;
		memcpy(q->txrefs, txrefs, sizeof(txrefs));
		memcpy(q->rxrefs, rxrefs, sizeof(rxrefs));
	}
	return 0;
}

/* All queue locks held. -EHOSTDOWN: the backend is gone and not (yet)
 * replaced; try again later. */
static int reconnect(struct rtdd_netfront *nf)
{
	unsigned maxq;
	bool sg = nf->sg, moved = false;
	int rc;

	/* A recreated driver domain serves us under a new path and id,
	 * which the toolstack writes into our frontend dir. */
	rc = rtdd_xb_fe_refresh(nf->xb, &moved);
	if (rc)
		return rc == -ENOENT ? -EHOSTDOWN : rc;
	if (!moved && rtdd_xb_fe_be_state(nf->xb) == XenbusStateUnknown)
		return -EHOSTDOWN; /* its node is gone: not replaced yet */
	logf_(nf, "%s: backend left Connected; reconnecting",
	      rtdd_xb_fe_path(nf->xb));
	if (moved) {
		rc = move_queues(nf);
		if (rc)
			return rc;
	}
	rc = rtdd_xb_fe_reset(nf->xb, nf->o.timeout_ms);
	if (rc == -ETIMEDOUT) {
		enum xenbus_state be = rtdd_xb_fe_be_state(nf->xb);

		/* The toolstack wrote the device before the new driver
		 * domain's backend came up: try again later. */
		if (be == XenbusStateUnknown || be == XenbusStateInitialising)
			return -EHOSTDOWN;
	}
	if (rc)
		return rc;
	rc = read_features(nf, &maxq);
	if (rc)
		return rc;
	/* The new backend must offer what this session was built on. */
	if (maxq < nf->nq || (sg && !nf->sg))
		return -EPROTO;
	for (unsigned i = 0; i < nf->nq; i++) {
		struct rtdd__nf_queue *q = &nf->q[i];

		if (!moved) {
			rc = rtdd_fe_ring_new_port(rtdd_xb_fe_be_domid(nf->xb),
						   &q->txr);
			if (!rc)
				rc = rtdd_fe_ring_new_port(
					rtdd_xb_fe_be_domid(nf->xb), &q->rxr);
			if (rc)
				return rc;
		}
		rtdd__nf_rings_reset(q); /* frames in flight are lost */
	}
	rc = finish_handshake(nf);
	if (rc)
		return rc;
	for (unsigned i = 0; i < nf->nq; i++)
		push_rx(&nf->q[i]);
	__atomic_add_fetch(&nf->reconnects, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Called with q's lock held; may drop and retake it. */
static void check_backend(struct rtdd_netfront *nf, struct rtdd__nf_queue *held)
{
	uint64_t now = now_ns();
	enum xenbus_state be;
	char err[256];
	int rc;

	/* A xenstore read is a round trip to another domain: never on a
	 * link that moves frames, only after CHECK_NS without progress. */
	if (now - __atomic_load_n(&nf->last_progress_ns, __ATOMIC_RELAXED) <
		    CHECK_NS ||
	    now - __atomic_load_n(&nf->last_check_ns, __ATOMIC_RELAXED) <
		    CHECK_NS)
		return;
	__atomic_store_n(&nf->last_check_ns, now, __ATOMIC_RELAXED);
	be = rtdd_xb_fe_be_state(nf->xb);
	if (likely(be == XenbusStateConnected) || failed(nf))
		return;
	rtdd_xb_fe_be_error(nf->xb, err, sizeof(err));
	if (err[0] && (be == XenbusStateClosing || be == XenbusStateClosed)) {
		fail(nf, err);
		return;
	}
	pthread_mutex_unlock(&held->lock);
	pthread_mutex_lock(&nf->ctl);
	for (unsigned i = 0; i < nf->nq; i++)
		pthread_mutex_lock(&nf->q[i].lock);
	if (rtdd_xb_fe_be_state(nf->xb) != XenbusStateConnected ||
	    rtdd_xb_fe_state(nf->xb) != XenbusStateConnected) {
		rc = reconnect(nf);
		if (rc == -EHOSTDOWN) {
			/* Its driver domain is being replaced: the session
			 * waits, for at most reconnect_ms. */
			if (rtdd_xb_fe_gone_expired(nf->xb, &nf->gone_ns, now,
						    nf->o.reconnect_ms))
				fail(nf, "backend gone and not replaced");
		} else if (rc) {
			snprintf(err, sizeof(err), "reconnect failed: %s",
				 strerror(-rc));
			fail(nf, err);
		} else {
			nf->gone_ns = 0;
		}
	}
	for (unsigned i = nf->nq; i-- > 0;)
		if (&nf->q[i] != held)
			pthread_mutex_unlock(&nf->q[i].lock);
	pthread_mutex_unlock(&nf->ctl);
}

/* ------------------------------------------------------------------------ */
/* Data path                                                                */
/* ------------------------------------------------------------------------ */

int rtdd__nf_tx_complete(struct rtdd__nf_queue *q)
{
	/* Acquire: response slots up to rsp_prod are visible after this
	 * load; pairs with the backend's release of rsp_prod. */
	RING_IDX rp = __atomic_load_n(&q->tx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	RING_IDX c = q->tx.rsp_cons;
	int rc = 0;

	/* Our own count of requests (req_prod_pvt is not on the shared
	 * page): more responses than that is a backend out of step. */
	if (unlikely(rp - c > q->tx.req_prod_pvt - c)) {
		snprintf(q->breach, sizeof(q->breach),
			 "tx: rsp_prod %u is %u ahead of rsp_cons %u with %u "
			 "requests outstanding",
			 rp, rp - c, c, q->tx.req_prod_pvt - c);
		return -EPROTO;
	}
	for (; c != rp; c++) {
		netif_tx_response_t r = *RING_GET_RESPONSE(&q->tx, c);

		/* One response per request, with its id: answering an id
		 * twice would hand one page to two frames in flight, and a
		 * NULL status answers an extra-info slot, which we never
		 * send. */
		if (unlikely(r.id >= NSLOTS || !q->txbusy[r.id] ||
			     r.status == NETIF_RSP_NULL)) {
			snprintf(q->breach, sizeof(q->breach),
				 "tx: response %u (id %u, status %d) answers "
				 "no request in flight",
				 c, r.id, r.status);
			rc = -EPROTO;
			break;
		}
		if (unlikely(r.status != NETIF_RSP_OKAY))
			__atomic_store_n(&q->st.tx_errors, q->st.tx_errors + 1,
					 __ATOMIC_RELAXED);
		q->txbusy[r.id] = false;
		q->txfree[q->ntxfree++] = r.id;
	}
	q->tx.rsp_cons = c;
	return rc;
}

int rtdd__nf_tx_put(struct rtdd__nf_queue *q,
		    const struct rtdd_nf_frame *frames, unsigned n,
		    unsigned max_frame)
{
	unsigned done = 0;

	while (done < n) {
		const struct rtdd_nf_frame *f = &frames[done];
		unsigned need = (f->len + PAGE - 1) / PAGE, off = 0, k;

		if (unlikely(!f->len || f->len > max_frame ||
			     need > MAX_TX_SLOTS || !f->data))
			return done ? (int)done : -EINVAL;
		if (q->ntxfree < need || RING_FREE_REQUESTS(&q->tx) < need)
			break;
		for (k = 0; k < need; k++) {
			uint16_t id = q->txfree[--q->ntxfree];
			netif_tx_request_t *r =
				RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
			unsigned chunk =
				f->len - off < PAGE ? f->len - off : PAGE;

			memcpy(q->txpages + (size_t)id * PAGE,
			       (const uint8_t *)f->data + off, chunk);
			r->gref = q->txrefs[id];
			r->offset = 0;
			r->id = id;
			r->flags = k + 1 < need ? NETTXF_more_data : 0;
			r->size = (uint16_t)(k == 0 ? f->len : chunk);
			q->txbusy[id] = true;
			q->tx.req_prod_pvt++;
			off += chunk;
		}
		q->st.tx_pkts++;
		q->st.tx_bytes += f->len;
		done++;
	}
	return (int)done;
}

int rtdd__nf_tx_fill(struct rtdd__nf_queue *q, unsigned n,
		     unsigned (*fill)(void *arg, unsigned i, uint8_t *page),
		     void *arg)
{
	unsigned done = 0;

	while (done < n && q->ntxfree && RING_FREE_REQUESTS(&q->tx)) {
		uint16_t id = q->txfree[q->ntxfree - 1];
		netif_tx_request_t *r;
		unsigned len = fill(arg, done, q->txpages + (size_t)id * PAGE);

		if (!len)
			break;
		if (unlikely(len > PAGE))
			return done ? (int)done : -EINVAL;
		q->ntxfree--;
		r = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
		r->gref = q->txrefs[id];
		r->offset = 0;
		r->id = id;
		r->flags = 0;
		r->size = (uint16_t)len;
		q->txbusy[id] = true;
		q->tx.req_prod_pvt++;
		q->st.tx_pkts++;
		q->st.tx_bytes += len;
		done++;
	}
	return (int)done;
}

/* Reclaim, queue (put() under the queue lock), push: send and send_fill. */
static int send_locked(rtdd_netfront *nf, unsigned qi,
		       int (*put)(struct rtdd__nf_queue *q, void *ctx),
		       void *ctx)
{
	struct rtdd__nf_queue *q;
	int rc;

	if (unlikely(failed(nf)))
		return -EIO;
	q = &nf->q[qi];
	pthread_mutex_lock(&q->lock);
	rc = rtdd__nf_tx_complete(q);
	if (unlikely(rc)) {
		fail(nf, q->breach);
		pthread_mutex_unlock(&q->lock);
		return -EIO;
	}
	rc = put(q, ctx);
	push_tx(q);
	if (rc > 0)
		__atomic_store_n(&nf->last_progress_ns, now_ns(),
				 __ATOMIC_RELAXED);
	else if (!rc)
		check_backend(nf, q);
	pthread_mutex_unlock(&q->lock);
	if (rc > 0)
		return rc;
	if (failed(nf))
		return -EIO;
	return rc;
}

struct put_ctx {
	const struct rtdd_nf_frame *frames;
	unsigned n, max_frame;
	unsigned (*fill)(void *arg, unsigned i, uint8_t *page);
	void *arg;
};

static int put_copy(struct rtdd__nf_queue *q, void *ctx)
{
	struct put_ctx *c = ctx;

	return rtdd__nf_tx_put(q, c->frames, c->n, c->max_frame);
}

static int put_fill(struct rtdd__nf_queue *q, void *ctx)
{
	struct put_ctx *c = ctx;

	return rtdd__nf_tx_fill(q, c->n, c->fill, c->arg);
}

int rtdd_netfront_send_fill(rtdd_netfront *nf, unsigned qi, unsigned n,
			    unsigned (*fill)(void *arg, unsigned i,
					     uint8_t *page),
			    void *arg)
{
	struct put_ctx c = {.n = n, .fill = fill, .arg = arg};

	if (unlikely(qi >= nf->nq || (!fill && n)))
		return -EINVAL;
	return send_locked(nf, qi, put_fill, &c);
}

int rtdd_netfront_send(rtdd_netfront *nf, unsigned qi,
		       const struct rtdd_nf_frame *frames, unsigned n)
{
	struct put_ctx c = {.frames = frames, .n = n};

	if (unlikely(qi >= nf->nq || (!frames && n)))
		return -EINVAL;
	c.max_frame = rtdd_netfront_max_frame(nf);
	return send_locked(nf, qi, put_copy, &c);
}

int rtdd__nf_rx_take(struct rtdd__nf_queue *q, struct rtdd_nf_frame *frames,
		     unsigned n)
{
	/* One copy of each response of a frame: the backend may rewrite
	 * the slots while we look. */
	netif_rx_response_t rs[RTDD__NF_RX_FRAME_SLOTS];
	bool isx[RTDD__NF_RX_FRAME_SLOTS]; /* rs[k] is an extra-info slot */
	unsigned got = 0;
	RING_IDX rp, c;
	int rc = 0;

	/* Acquire: see rtdd__nf_tx_complete. */
	rp = __atomic_load_n(&q->rx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	c = q->rx.rsp_cons;
	if (unlikely(rp - c > q->rx.req_prod_pvt - c)) {
		snprintf(q->breach, sizeof(q->breach),
			 "rx: rsp_prod %u is %u ahead of rsp_cons %u with %u "
			 "requests outstanding",
			 rp, rp - c, c, q->rx.req_prod_pvt - c);
		return -EPROTO;
	}
	while (c != rp && got < n) {
		struct rtdd_nf_frame *f = &frames[got];
		unsigned len = 0, k, nsl = 0;
		bool bad = false, more, extras;

		/* The whole frame must be there: copy it to its last slot.
		 * The first slot may announce extra-info slots (chained by
		 * XEN_NETIF_EXTRA_FLAG_MORE), then data slots follow while
		 * NETRXF_more_data is set. */
		rs[0] = *RING_GET_RESPONSE(&q->rx, c);
		isx[nsl++] = false;
		more = rs[0].flags & NETRXF_more_data;
		extras = rs[0].flags & NETRXF_extra_info;
		while ((extras || more) && nsl < RTDD__NF_RX_FRAME_SLOTS &&
		       c + nsl != rp) {
			rs[nsl] = *RING_GET_RESPONSE(&q->rx, c + nsl);
			isx[nsl] = extras;
			if (extras) {
				const struct netif_extra_info *x =
					(const void *)&rs[nsl];

				extras = x->flags & XEN_NETIF_EXTRA_FLAG_MORE;
				bad = true; /* we negotiated no extras */
			} else {
				more = rs[nsl].flags & NETRXF_more_data;
			}
			nsl++;
		}
		if (extras || more) {
			if (c + nsl == rp)
				break; /* rest of the frame not yet answered */
			snprintf(q->breach, sizeof(q->breach),
				 "rx: frame at %u runs over %u slots", c,
				 RTDD__NF_RX_FRAME_SLOTS);
			rc = -EPROTO;
			break;
		}
		for (k = 0; k < nsl; k++) {
			const netif_rx_response_t *r = &rs[k];
			uint16_t id = (uint16_t)((c + k) & (NSLOTS - 1));

			if (isx[k]) {
				/* no data in its page */
			} else if (r->id != id || r->status < 0 ||
				   r->offset >= PAGE ||
				   (unsigned)r->offset + (unsigned)r->status >
					   PAGE) {
				/* The backend answers in the request's slot,
				 * with its id: anything else is not our page. */
				bad = true;
			} else if (!bad) {
				if (len + (unsigned)r->status > f->cap) {
					bad = true;
					q->st.rx_toobig++;
				} else {
					memcpy((uint8_t *)f->data + len,
					       q->rxpages + (size_t)id * PAGE +
						       r->offset,
					       (size_t)r->status);
					len += (unsigned)r->status;
				}
			}
			/* req_prod_pvt == rsp_cons + NSLOTS: the page goes
			 * back into the slot it came from. */
			post_rx(q, id);
		}
		c += nsl;
		if (bad || !len) {
			q->st.rx_errors++;
			continue;
		}
		f->len = (uint16_t)len;
		q->st.rx_pkts++;
		q->st.rx_bytes += len;
		got++;
	}
	q->rx.rsp_cons = c;
	return rc ? rc : (int)got;
}

int rtdd_netfront_recv(rtdd_netfront *nf, unsigned qi,
		       struct rtdd_nf_frame *frames, unsigned n)
{
	struct rtdd__nf_queue *q;
	int got;

	if (unlikely(qi >= nf->nq || (!frames && n)))
		return -EINVAL;
	if (unlikely(failed(nf)))
		return -EIO;
	q = &nf->q[qi];
	pthread_mutex_lock(&q->lock);
	got = rtdd__nf_rx_take(q, frames, n);
	if (unlikely(got < 0)) {
		fail(nf, q->breach);
		pthread_mutex_unlock(&q->lock);
		return -EIO;
	}
	push_rx(q);
	if (got)
		__atomic_store_n(&nf->last_progress_ns, now_ns(),
				 __ATOMIC_RELAXED);
	else
		check_backend(nf, q);
	pthread_mutex_unlock(&q->lock);
	if (!got && failed(nf))
		return -EIO;
	return got;
}

int rtdd_netfront_wait(rtdd_netfront *nf, unsigned qi, int timeout_ms)
{
	struct rtdd__nf_queue *q;
	struct pollfd pfd;
	rtdd_evtchn *ev;
	rtdd_port port;
	int more, r;

	if (qi >= nf->nq)
		return -EINVAL;
	if (failed(nf))
		return -EIO;
	q = &nf->q[qi];
	pthread_mutex_lock(&q->lock);
	/* Sets rsp_event = rsp_cons + 1 and re-checks (barrier inside):
	 * pairs with the backend's check of rsp_event after it pushes. */
	RING_FINAL_CHECK_FOR_RESPONSES(&q->rx, more);
	/* Without split channels the backend signals on the one channel.
	 * The handle outlives reconnects and moves (only its port
	 * changes); the ring pages do not, so they are read under the
	 * lock. */
	ev = nf->split ? q->rxr.ev : q->txr.ev;
	pthread_mutex_unlock(&q->lock);
	if (more)
		return 1;
	pfd.fd = rtdd_evtchn_fd(ev);
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	while (rtdd_evtchn_pending(ev, &port) == 0)
		(void)rtdd_evtchn_unmask(ev, port);
	pthread_mutex_lock(&q->lock);
	more = RING_HAS_UNCONSUMED_RESPONSES(&q->rx);
	pthread_mutex_unlock(&q->lock);
	return more ? 1 : 0;
}

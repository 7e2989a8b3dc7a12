// SPDX-License-Identifier: MIT
/*
 * Hostile frontends against netback on rtdd-simhv. Guest 0 is a raw
 * frontend written here that breaks the protocol in one way per case;
 * guests 1 and 2 are well-behaved netfronts exchanging checked frames
 * before and after each case. Every case must end with the raw vif either
 * answered with errors or disabled (Closing, reason in its error node),
 * and the other two guests still talking through the same backend:
 * checked after each case (bystanders_ok), and during each case a probe
 * thread sends checked frames between them, one at a time, each timed
 * against a budget (tests/sim/hostile_probe.h).
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xen/xen.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#include "../hostile_probe.h"
#include "net_env.h"
#include "rtdd/fe_xenbus.h"

#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#define BIT(s) (1u << (s))

/* The raw frontend asks for feature-rtdd-persistent (netback maps its
 * pages once) when set; the copy path otherwise. */
static bool raw_persistent;
/* With raw_persistent, the buffer lists it writes (rtdd-tx-buf-refs,
 * rtdd-rx-buf-refs): none, hostile ones, or its own 16 pages followed by
 * 240 refs it never granted. */
static enum { LISTS_NONE, LISTS_BAD, LISTS_MIXED, LISTS_DUP } raw_lists;

struct world {
	struct net_env e;
	rtdd_netfront *g1, *g2;
};

/* The probe's operation: one checked frame from guest 1 to guest 2 or
 * back (alternating), sent and waited for. Frames of other senders (a
 * case's raw guest) are skipped; a probe frame that is lost (10 s), bad,
 * out of order or at the wrong guest is an error. */
#define PROBE_SEQ 0x80000000u
static struct net_probe {
	struct world *w;
	uint32_t n;
	unsigned dir;
	uint8_t tx[256], rx[65536];
} nprobe;
static struct hostile_probe probe;

static int net_probe_op(void *arg)
{
	struct net_probe *p = arg;
	rtdd_netfront *nf[2] = {p->w->g1, p->w->g2};
	const uint8_t *mac[2] = {p->w->e.mac[1], p->w->e.mac[2]};
	unsigned a = p->dir, b = !p->dir;
	uint32_t want = PROBE_SEQ | p->n++;
	uint64_t deadline = hostile_probe_now() + 10000000000ull;
	struct rtdd_nf_frame f = {.data = p->tx};
	int r;

	p->dir ^= 1;
	f.len = (uint16_t)net_frame(p->tx, 128, mac[b], mac[a], want);
	while ((r = rtdd_netfront_send(nf[a], 0, &f, 1)) == 0) {
		if (hostile_probe_now() > deadline)
			return -ETIMEDOUT;
		usleep(50);
	}
	if (r < 0)
		return r;
	for (;;) {
		for (unsigned k = 0; k < 2; k++) {
			struct rtdd_nf_frame in = {.data = p->rx, .cap = 65535};
			uint32_t seq;

			r = rtdd_netfront_recv(nf[k], 0, &in, 1);
			if (r < 0)
				return r;
			if (!r || in.len < 12 ||
			    (memcmp(p->rx + 6, mac[0], 6) &&
			     memcmp(p->rx + 6, mac[1], 6)))
				continue; /* a case's frame */
			if (net_frame_check(p->rx, in.len, &seq) ||
			    seq != want || k != b)
				return -EBADMSG;
			return 0;
		}
		if (hostile_probe_now() > deadline)
			return -ETIMEDOUT;
		(void)rtdd_netfront_wait(nf[b], 0, 1);
	}
}

/* Per-test setup/teardown: each case is a phase of the probe. */
static const struct CMUnitTest *probe_cases;
static unsigned probe_case;

static int probe_setup(void **state)
{
	(void)state;
	hostile_probe_begin(&probe);
	return 0;
}

static int probe_teardown(void **state)
{
	(void)state;
	return hostile_probe_end(&probe, probe_cases[probe_case++].name);
}

/* What the raw frontend does wrong at connect time. */
enum raw_flaw {
	RAW_OK = 0,
	RAW_NO_RX_COPY,
	RAW_NO_RX_NOTIFY,
	RAW_BAD_TX_REF,
	RAW_BAD_RX_REF,
	RAW_SAME_EVTCHN,
	RAW_NO_EVTCHN,
	RAW_TOO_MANY_QUEUES,
	RAW_ZERO_QUEUES,
	RAW_BAD_SG,
};

struct raw {
	rtdd_xb_fe *xb;
	struct rtdd_fe_ring txr, rxr;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	uint8_t *pages; /* 16 data pages granted to the backend */
	rtdd_gref refs[16];
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct rtdd_netback_cfg cfg;
	rtdd_sw *sw = NULL;
	int rc;

	assert_non_null(w);
	rc = net_env_start(&w->e, 3);
	if (rc) {
		free(w);
		print_message("SKIP: rtdd-simhv could not start (%s)\n",
			      strerror(-rc));
		*state = NULL;
		return 0;
	}
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(net_env_add_vif(&w->e, i), 0);
	assert_int_equal(net_env_switch(&w->e, NULL, NULL, NULL, &sw), 0);
	rtdd_netback_cfg_default(&cfg);
	cfg.max_queues = 2;
	assert_int_equal(net_env_backend_start(&w->e, sw, &cfg), 0);
	{
		struct rtdd_netfront_opts o = {.log = net_env_log};

		assert_int_equal(rtdd_netfront_open(w->e.fe_hv[1],
						    "device/vif/0", &o, &w->g1),
				 0);
		assert_int_equal(rtdd_netfront_open(w->e.fe_hv[2],
						    "device/vif/0", &o, &w->g2),
				 0);
	}
	nprobe.w = w;
	probe.op = net_probe_op;
	probe.arg = &nprobe;
	probe.what = "guests 1 <-> 2, one checked 128-byte frame";
	assert_int_equal(hostile_probe_start(&probe), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	if (!w)
		return 0;
	hostile_probe_stop(&probe);
	rtdd_netfront_close(w->g1);
	rtdd_netfront_close(w->g2);
	net_env_stop(&w->e);
	free(w);
	return 0;
}

/* The bystanders: 50 checked frames each way between guests 1 and 2. */
static void bystanders_ok(struct world *w)
{
	static uint8_t tx[1514], rx[65536];
	rtdd_netfront *nf[2] = {w->g1, w->g2};
	unsigned dir, i;

	/* The probe uses the same guests: hold it meanwhile. */
	hostile_probe_pause(&probe);
	/* Frames a case sent to a bystander on purpose are not counted. */
	usleep(20000);
	for (dir = 0; dir < 2; dir++) {
		struct rtdd_nf_frame in = {.data = rx, .cap = 65535};

		while (rtdd_netfront_recv(nf[dir], 0, &in, 1) == 1)
			;
	}

	for (dir = 0; dir < 2; dir++) {
		rtdd_netfront *a = nf[dir], *b = nf[!dir];
		unsigned ai = 1 + dir, bi = 2 - dir, got = 0;

		for (i = 0; i < 50; i++) {
			struct rtdd_nf_frame f = {.data = tx};

			f.len = (uint16_t)net_frame(
				tx, 64 + i * 20, w->e.mac[bi], w->e.mac[ai], i);
			while (rtdd_netfront_send(a, 0, &f, 1) == 0)
				usleep(100);
		}
		for (i = 0; i < 5000 && got < 50; i++) {
			struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
			uint32_t seq;
			int r = rtdd_netfront_recv(b, 0, &in, 1);

			assert_true(r >= 0);
			if (!r) {
				usleep(1000);
				continue;
			}
			assert_int_equal(net_frame_check(rx, in.len, &seq), 0);
			assert_int_equal(seq, got);
			got++;
		}
		assert_int_equal(got, 50);
	}
	hostile_probe_resume(&probe);
}

static void raw_close(struct world *w, struct raw *r)
{
	if (r->xb) {
		(void)rtdd_xb_fe_switch_state(r->xb, XenbusStateClosing);
		(void)rtdd_xb_fe_wait_be(
			r->xb, BIT(XenbusStateClosing) | BIT(XenbusStateClosed),
			1000, NULL);
		(void)rtdd_xb_fe_switch_state(r->xb, XenbusStateClosed);
		(void)rtdd_xb_fe_wait_be(r->xb,
					 BIT(XenbusStateClosed) |
						 BIT(XenbusStateInitWait),
					 1000, NULL);
	}
	if (r->pages)
		(void)rtdd_gnt_unshare_pages(w->e.fe_hv[0], r->pages, 16);
	(void)rtdd_fe_ring_free(w->e.fe_hv[0], &r->txr);
	(void)rtdd_fe_ring_free(w->e.fe_hv[0], &r->rxr);
	rtdd_xb_fe_close(r->xb);
	memset(r, 0, sizeof(*r));
}

/* Handshake with one flaw; returns the backend state it ended in. */
static enum xenbus_state raw_open(struct world *w, struct raw *r,
				  enum raw_flaw flaw)
{
	rtdd_hv *hv = w->e.fe_hv[0];
	rtdd_domid be = w->e.be_dom;
	enum xenbus_state st = XenbusStateUnknown;
	void *a = NULL;
	const char *dir;
	char k[512];

	memset(r, 0, sizeof(*r));
	assert_int_equal(
		rtdd_xb_fe_open(hv, "device/vif/0", "vif", NULL, NULL, &r->xb),
		0);
	assert_int_equal(rtdd_xb_fe_reset(r->xb, 5000), 0);
	assert_int_equal(rtdd_fe_ring_alloc(hv, be, 0, &r->txr), 0);
	assert_int_equal(rtdd_fe_ring_alloc(hv, be, 0, &r->rxr), 0);
	assert_int_equal(rtdd_gnt_share_pages(hv, be, 16, false, &a, r->refs),
			 0);
	r->pages = a;
	SHARED_RING_INIT((netif_tx_sring_t *)r->txr.addr);
	SHARED_RING_INIT((netif_rx_sring_t *)r->rxr.addr);
	FRONT_RING_INIT(&r->tx, (netif_tx_sring_t *)r->txr.addr, 4096);
	FRONT_RING_INIT(&r->rx, (netif_rx_sring_t *)r->rxr.addr, 4096);
	dir = rtdd_xb_fe_path(r->xb);
	/* Keys of an earlier session go first, as a rebooted guest's would. */
	{
		static const char *const old[] = {"tx-ring-ref",
						  "rx-ring-ref",
						  "event-channel",
						  "event-channel-tx",
						  "event-channel-rx",
						  "request-rx-copy",
						  "feature-rx-notify",
						  "multi-queue-num-queues",
						  "feature-sg",
						  "feature-rtdd-persistent",
						  "rtdd-tx-buf-refs",
						  "rtdd-rx-buf-refs",
						  NULL};

		for (unsigned i = 0; old[i]; i++) {
			snprintf(k, sizeof(k), "%s/%s", dir, old[i]);
			(void)rtdd_xs_rm(hv, 0, k);
		}
	}
#define W(key, ...)                                                         \
	do {                                                                \
		snprintf(k, sizeof(k), "%s/%s", dir, key);                  \
		assert_int_equal(rtdd_xs_printf(hv, 0, k, __VA_ARGS__), 0); \
	} while (0)
	W("tx-ring-ref", "%u",
	  flaw == RAW_BAD_TX_REF ? 999999u : r->txr.refs[0]);
	W("rx-ring-ref", "%u",
	  flaw == RAW_BAD_RX_REF ? r->refs[0] + 5000u : r->rxr.refs[0]);
	if (flaw == RAW_SAME_EVTCHN) {
		W("event-channel-tx", "%u", r->txr.port);
		W("event-channel-rx", "%u", r->txr.port);
	} else if (flaw != RAW_NO_EVTCHN) {
		W("event-channel", "%u", r->txr.port);
	}
	if (flaw != RAW_NO_RX_COPY)
		W("request-rx-copy", "1");
	if (flaw != RAW_NO_RX_NOTIFY)
		W("feature-rx-notify", "1");
	if (flaw == RAW_TOO_MANY_QUEUES)
		W("multi-queue-num-queues", "99");
	if (flaw == RAW_ZERO_QUEUES)
		W("multi-queue-num-queues", "0");
	W("feature-sg", "%s", flaw == RAW_BAD_SG ? "yes" : "1");
	W("feature-rtdd-persistent", "%u", raw_persistent ? 1u : 0u);
	if (raw_lists == LISTS_BAD) {
		W("rtdd-tx-buf-refs", "%s", "9-8,x");
		W("rtdd-rx-buf-refs", "%s", "1-100000");
	} else if (raw_lists == LISTS_MIXED) {
		char l[400];
		size_t n = 0;

		for (unsigned i = 0; i < 16; i++)
			n += (size_t)snprintf(l + n, sizeof(l) - n, "%u,",
					      r->refs[i]);
		snprintf(l + n, sizeof(l) - n, "900000-900239");
		W("rtdd-tx-buf-refs", "%s", l);
		W("rtdd-rx-buf-refs", "%s", l);
	} else if (raw_lists == LISTS_DUP) {
		char l[200];

		/* repeats: 3 distinct pages, listed 7 times */
		snprintf(l, sizeof(l), "%u,%u,%u,%u,%u,%u,%u", r->refs[0],
			 r->refs[0], r->refs[1], r->refs[2], r->refs[1],
			 r->refs[0], r->refs[2]);
		W("rtdd-tx-buf-refs", "%s", l);
		W("rtdd-rx-buf-refs", "%s", l);
	}
#undef W
	assert_int_equal(rtdd_xb_fe_switch_state(r->xb, XenbusStateInitialised),
			 0);
	assert_int_equal(rtdd_xb_fe_wait_be(r->xb,
					    BIT(XenbusStateConnected) |
						    BIT(XenbusStateClosing) |
						    BIT(XenbusStateClosed),
					    5000, &st),
			 0);
	if (st == XenbusStateConnected)
		assert_int_equal(
			rtdd_xb_fe_switch_state(r->xb, XenbusStateConnected),
			0);
	return st;
}

static void expect_refused(struct world *w, enum raw_flaw flaw, const char *why)
{
	struct raw r;
	char err[256];

	assert_int_not_equal(raw_open(w, &r, flaw), XenbusStateConnected);
	rtdd_xb_fe_be_error(r.xb, err, sizeof(err));
	if (!strstr(err, why)) {
		print_error("error node '%s' lacks '%s'\n", err, why);
		fail();
	}
	raw_close(w, &r);
	bystanders_ok(w);
}

/* Connect-time flaws. */
static void test_c01_no_rx_copy(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_NO_RX_COPY, "rx-copy");
}
static void test_c02_no_rx_notify(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_NO_RX_NOTIFY, "rx-notify");
}
static void test_c03_bad_tx_ref(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_BAD_TX_REF, "tx-ring-ref");
}
static void test_c04_foreign_rx_ref(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_BAD_RX_REF, "rx-ring-ref");
}
static void test_c05_same_evtchn(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_SAME_EVTCHN, "event-channel-tx == -rx");
}
static void test_c06_no_evtchn(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_NO_EVTCHN, "no event channel");
}
static void test_c07_too_many_queues(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_TOO_MANY_QUEUES, "multi-queue-num-queues");
}
static void test_c08_zero_queues(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_ZERO_QUEUES, "multi-queue-num-queues");
}
static void test_c09_bad_sg(void **s)
{
	if (!*s)
		skip();
	expect_refused(*s, RAW_BAD_SG, "feature-sg");
}

/* Data-path cases: put requests on a connected raw vif. */
static void put_tx(struct raw *r, uint32_t gref, uint16_t off, uint16_t flags,
		   uint16_t id, uint16_t size)
{
	netif_tx_request_t *q = RING_GET_REQUEST(&r->tx, r->tx.req_prod_pvt);

	q->gref = gref;
	q->offset = off;
	q->flags = flags;
	q->id = id;
	q->size = size;
	r->tx.req_prod_pvt++;
}

static void push_tx(struct raw *r)
{
	__atomic_store_n(&r->tx.sring->req_prod, r->tx.req_prod_pvt,
			 __ATOMIC_RELEASE);
}

/* Wait for n TX responses; returns the statuses in st[]. */
static unsigned tx_responses(struct raw *r, int16_t *st, unsigned n)
{
	unsigned got = 0;

	for (int i = 0; i < 3000 && got < n; i++) {
		RING_IDX rp = __atomic_load_n(&r->tx.sring->rsp_prod,
					      __ATOMIC_ACQUIRE);

		while (r->tx.rsp_cons != rp && got < n)
			st[got++] = RING_GET_RESPONSE(&r->tx, r->tx.rsp_cons++)
					    ->status;
		if (got < n)
			usleep(1000);
	}
	return got;
}

static void frame_in_page(struct world *w, struct raw *r, unsigned page,
			  unsigned off, unsigned len)
{
	net_frame(r->pages + page * 4096 + off, len, w->e.mac[1], w->e.mac[0],
		  5);
}

/* A breach: the vif is disabled with the reason; others go on. */
static void expect_disabled(struct world *w, struct raw *r, const char *why)
{
	char err[256];

	assert_int_equal(
		net_env_wait_be_state(&w->e, 0, XenbusStateClosing, 5000), 0);
	rtdd_xb_fe_be_error(r->xb, err, sizeof(err));
	if (!strstr(err, why)) {
		print_error("error node '%s' lacks '%s'\n", err, why);
		fail();
	}
	raw_close(w, r);
	bystanders_ok(w);
}

static struct raw *connected(struct world *w)
{
	static struct raw r;

	assert_int_equal(raw_open(w, &r, RAW_OK), XenbusStateConnected);
	return &r;
}

static void test_d01_good_frame(void **s)
{
	struct world *w = *s;
	struct raw *r;
	int16_t st[1];
	static uint8_t rx[65536];
	struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
	uint32_t seq;
	int got = 0;

	if (!w)
		skip();
	/* Guest 1 receives the raw frame here, not the probe. */
	hostile_probe_pause(&probe);
	r = connected(w);
	/* The raw frontend works when it follows the rules: the baseline
	 * for every case below. */
	frame_in_page(w, r, 0, 100, 200);
	put_tx(r, r->refs[0], 100, 0, 7, 200);
	push_tx(r);
	assert_int_equal(tx_responses(r, st, 1), 1);
	assert_int_equal(st[0], NETIF_RSP_OKAY);
	for (int i = 0; i < 2000 && !got; i++) {
		got = rtdd_netfront_recv(w->g1, 0, &in, 1);
		if (!got)
			usleep(1000);
	}
	assert_int_equal(got, 1);
	assert_int_equal(net_frame_check(rx, in.len, &seq), 0);
	hostile_probe_resume(&probe);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d02_revoked_gref(void **s)
{
	struct world *w = *s;
	struct raw *r;
	int16_t st[2];

	if (!w)
		skip();
	r = connected(w);
	/* A ref we never granted, and then a good frame: the bad one is
	 * answered with an error, the vif stays up. */
	put_tx(r, 77777, 0, 0, 1, 100);
	frame_in_page(w, r, 1, 0, 100);
	put_tx(r, r->refs[1], 0, 0, 2, 100);
	push_tx(r);
	assert_int_equal(tx_responses(r, st, 2), 2);
	assert_int_equal(st[0], NETIF_RSP_ERROR);
	assert_int_equal(st[1], NETIF_RSP_OKAY);
	assert_int_equal(net_env_be_state(&w->e, 0), XenbusStateConnected);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d03_runt(void **s)
{
	struct world *w = *s;
	struct raw *r;
	int16_t st[1];

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, 0, 1, 8);
	push_tx(r);
	assert_int_equal(tx_responses(r, st, 1), 1);
	assert_int_equal(st[0], NETIF_RSP_ERROR);
	assert_int_equal(net_env_be_state(&w->e, 0), XenbusStateConnected);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d04_sizes_disagree(void **s)
{
	struct world *w = *s;
	struct raw *r;
	int16_t st[2];

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, NETTXF_more_data, 1, 100);
	put_tx(r, r->refs[1], 0, 0, 2, 500);
	push_tx(r);
	assert_int_equal(tx_responses(r, st, 2), 2);
	assert_int_equal(st[0], NETIF_RSP_ERROR);
	assert_int_equal(st[1], NETIF_RSP_ERROR);
	assert_int_equal(net_env_be_state(&w->e, 0), XenbusStateConnected);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d05_gso_refused(void **s)
{
	struct world *w = *s;
	struct raw *r;
	int16_t st[2];
	struct netif_extra_info *x;

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, NETTXF_extra_info, 1, 1000);
	x = (struct netif_extra_info *)RING_GET_REQUEST(&r->tx,
							r->tx.req_prod_pvt);
	memset(x, 0, sizeof(*x));
	x->type = XEN_NETIF_EXTRA_TYPE_GSO;
	x->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	x->u.gso.size = 1448;
	r->tx.req_prod_pvt++;
	push_tx(r);
	assert_int_equal(tx_responses(r, st, 2), 2);
	assert_int_equal(st[0], NETIF_RSP_ERROR);
	assert_int_equal(st[1], NETIF_RSP_NULL);
	assert_int_equal(net_env_be_state(&w->e, 0), XenbusStateConnected);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d06_ring_overflow(void **s)
{
	struct world *w = *s;
	struct raw *r;

	if (!w)
		skip();
	r = connected(w);
	__atomic_store_n(&r->tx.sring->req_prod, 1000, __ATOMIC_RELEASE);
	expect_disabled(w, r, "impossible number of requests");
}

static void test_d07_cross_page(void **s)
{
	struct world *w = *s;
	struct raw *r;

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 4000, 0, 1, 200);
	push_tx(r);
	expect_disabled(w, r, "crosses a page");
}

static void test_d08_too_many_slots(void **s)
{
	struct world *w = *s;
	struct raw *r;

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, NETTXF_more_data, 0, 30 * 60);
	for (unsigned i = 1; i < 30; i++)
		put_tx(r, r->refs[i % 16], 0, i < 29 ? NETTXF_more_data : 0,
		       (uint16_t)i, 60);
	push_tx(r);
	expect_disabled(w, r, "too many slots (fatal)");
}

static void test_d09_bad_extra(void **s)
{
	struct world *w = *s;
	struct raw *r;
	struct netif_extra_info *x;

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, NETTXF_extra_info, 1, 100);
	x = (struct netif_extra_info *)RING_GET_REQUEST(&r->tx,
							r->tx.req_prod_pvt);
	memset(x, 0, sizeof(*x));
	x->type = 200;
	r->tx.req_prod_pvt++;
	push_tx(r);
	expect_disabled(w, r, "invalid extra-info type");
}

static void test_d10_truncated_chain(void **s)
{
	struct world *w = *s;
	struct raw *r;

	if (!w)
		skip();
	r = connected(w);
	put_tx(r, r->refs[0], 0, NETTXF_more_data, 1, 1000);
	push_tx(r);
	expect_disabled(w, r, "chain runs past req_prod");
}

static void test_d11_rx_ring_overflow(void **s)
{
	struct world *w = *s;
	struct raw *r;
	static uint8_t tx[200];
	struct rtdd_nf_frame f = {.data = tx};

	if (!w)
		skip();
	r = connected(w);
	__atomic_store_n(&r->rx.sring->req_prod, 5000, __ATOMIC_RELEASE);
	/* A frame for the raw guest makes netback look at its RX ring. */
	f.len = (uint16_t)net_frame(tx, 200, w->e.mac[0], w->e.mac[1], 1);
	assert_int_equal(rtdd_netfront_send(w->g1, 0, &f, 1), 1);
	expect_disabled(w, r, "rx: impossible number of requests");
}

static void test_d12_rx_bad_gref(void **s)
{
	struct world *w = *s;
	struct raw *r;
	static uint8_t tx[200];
	struct rtdd_nf_frame f = {.data = tx};
	netif_rx_request_t *q;
	int16_t status = 0;

	if (!w)
		skip();
	r = connected(w);
	/* One RX buffer with a ref we never granted: the frame for it is
	 * answered with an error status, the vif stays up. */
	q = RING_GET_REQUEST(&r->rx, r->rx.req_prod_pvt);
	q->id = 3;
	q->gref = 88888;
	r->rx.req_prod_pvt++;
	__atomic_store_n(&r->rx.sring->req_prod, r->rx.req_prod_pvt,
			 __ATOMIC_RELEASE);
	f.len = (uint16_t)net_frame(tx, 200, w->e.mac[0], w->e.mac[1], 1);
	assert_int_equal(rtdd_netfront_send(w->g1, 0, &f, 1), 1);
	for (int i = 0; i < 3000; i++) {
		RING_IDX rp = __atomic_load_n(&r->rx.sring->rsp_prod,
					      __ATOMIC_ACQUIRE);

		if (rp != r->rx.rsp_cons) {
			status = RING_GET_RESPONSE(&r->rx, r->rx.rsp_cons)
					 ->status;
			break;
		}
		usleep(1000);
	}
	assert_int_equal(status, NETIF_RSP_ERROR);
	assert_int_equal(net_env_be_state(&w->e, 0), XenbusStateConnected);
	raw_close(w, r);
	bystanders_ok(w);
}

static void test_d13_reconnect_after_breach(void **s)
{
	struct world *w = *s;
	struct raw *r;

	if (!w)
		skip();
	/* After a breach the vif can come back through Closed and
	 * Initialising, as a rebooted guest would. */
	r = connected(w);
	__atomic_store_n(&r->tx.sring->req_prod, 999, __ATOMIC_RELEASE);
	assert_int_equal(
		net_env_wait_be_state(&w->e, 0, XenbusStateClosing, 5000), 0);
	raw_close(w, r);
	test_d01_good_frame(s);
}

/* The same bad references with the mapped (persistent) path. */
static void test_d14_persistent_bad_grefs(void **s)
{
	if (!*s)
		skip();
	raw_persistent = true;
	test_d02_revoked_gref(s);
	test_d12_rx_bad_gref(s);
	test_d01_good_frame(s);
	raw_persistent = false;
}

/* feature-rtdd-persistent's buffer lists from a hostile frontend: a
 * malformed and an oversized list are ignored (its pages are then mapped
 * on first use), a list with refs it never granted maps its own pages at
 * connect and nothing else (the one-call batch fails, each page is tried
 * alone), and a list naming pages many times maps each once; the vif
 * works either way. */
static void test_d15_buf_ref_lists(void **s)
{
	struct world *w = *s;
	struct rtdd_netback_stats a, b;
	char pn[32];

	if (!w)
		skip();
	snprintf(pn, sizeof(pn), "vif%u.0", w->e.fe_dom[0]);
	raw_persistent = true;
	raw_lists = LISTS_BAD;
	assert_int_equal(rtdd_netback_vif_stats(w->e.nb, pn, &a), 0);
	test_d01_good_frame(s);
	assert_int_equal(rtdd_netback_vif_stats(w->e.nb, pn, &b), 0);
	assert_int_equal(b.pages_premapped, a.pages_premapped);
	assert_int_equal(b.pages_mapped_late - a.pages_mapped_late, 1);
	raw_lists = LISTS_MIXED;
	test_d01_good_frame(s);
	assert_int_equal(rtdd_netback_vif_stats(w->e.nb, pn, &a), 0);
	/* 16 pages read-only (TX) and 16 writable (RX) */
	assert_int_equal(a.pages_premapped - b.pages_premapped, 32);
	assert_int_equal(a.pages_mapped_late, b.pages_mapped_late);
	raw_lists = LISTS_DUP;
	test_d01_good_frame(s);
	assert_int_equal(rtdd_netback_vif_stats(w->e.nb, pn, &b), 0);
	/* each page mapped once per access mode, however often listed */
	assert_int_equal(b.pages_premapped - a.pages_premapped, 6);
	assert_int_equal(b.pages_mapped_late, a.pages_mapped_late);
	raw_lists = LISTS_NONE;
	raw_persistent = false;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, probe_setup, probe_teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_d01_good_frame),
		T(test_c01_no_rx_copy),
		T(test_c02_no_rx_notify),
		T(test_c03_bad_tx_ref),
		T(test_c04_foreign_rx_ref),
		T(test_c05_same_evtchn),
		T(test_c06_no_evtchn),
		T(test_c07_too_many_queues),
		T(test_c08_zero_queues),
		T(test_c09_bad_sg),
		T(test_d02_revoked_gref),
		T(test_d03_runt),
		T(test_d04_sizes_disagree),
		T(test_d05_gso_refused),
		T(test_d06_ring_overflow),
		T(test_d07_cross_page),
		T(test_d08_too_many_slots),
		T(test_d09_bad_extra),
		T(test_d10_truncated_chain),
		T(test_d11_rx_ring_overflow),
		T(test_d12_rx_bad_gref),
		T(test_d13_reconnect_after_breach),
		T(test_d14_persistent_bad_grefs),
		T(test_d15_buf_ref_lists),
	};

	/* One world for all cases: the same backend must survive them. */
	probe_cases = tests;
	return cmocka_run_group_tests(tests, setup, teardown);
}

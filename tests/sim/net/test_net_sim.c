// SPDX-License-Identifier: MIT
/*
 * The network path end to end on rtdd-simhv: a driver domain running
 * netback and the RT switch, guests running librtdd-netfront. Frames carry
 * IPv4/UDP checksums and a payload pattern; every one is checked.
 */
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
#include <xen/io/xenbus.h>

#include "net_env.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int setup2(void **state)
{
	struct net_env *e = calloc(1, sizeof(*e));
	int rc;

	assert_non_null(e);
	rc = net_env_start(e, 2);
	if (rc) {
		free(e);
		print_message("SKIP: rtdd-simhv could not start (%s)\n",
			      strerror(-rc));
		*state = NULL;
		return 0;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct net_env *e = *state;

	if (e) {
		net_env_stop(e);
		free(e);
	}
	return 0;
}

#define NEED_ENV(e)                                        \
	do {                                               \
		if (!(e)) {                                \
			print_message("SKIP: no simhv\n"); \
			skip();                            \
		}                                          \
	} while (0)

static struct rtdd_netfront *open_vif(struct net_env *e, unsigned fe,
				      const struct rtdd_netfront_opts *o)
{
	struct rtdd_netfront_opts def = {.log = net_env_log};
	rtdd_netfront *nf = NULL;
	int rc;

	rc = rtdd_netfront_open(e->fe_hv[fe], "device/vif/0", o ? o : &def,
				&nf);
	if (rc)
		print_error("netfront open guest%u: %s\n", fe, strerror(-rc));
	assert_int_equal(rc, 0);
	return nf;
}

static void start_backend(struct net_env *e, const char *swline,
			  const char *const *opts, unsigned maxq)
{
	struct rtdd_netback_cfg cfg;
	rtdd_sw *sw = NULL;

	assert_int_equal(net_env_switch(e, swline, opts, NULL, &sw), 0);
	rtdd_netback_cfg_default(&cfg);
	if (maxq)
		cfg.max_queues = maxq;
	assert_int_equal(net_env_backend_start(e, sw, &cfg), 0);
}

/* Send count frames of the given sizes from a to b, receive and check
 * every one (in order: one flow, one queue). */
static void exchange(struct net_env *e, rtdd_netfront *a, unsigned ai,
		     rtdd_netfront *b, unsigned bi, unsigned count,
		     const unsigned *sizes, unsigned nsizes, unsigned q)
{
	static uint8_t tx[65536], rx[32][65536];
	struct rtdd_nf_frame in[32];
	unsigned sent = 0, got = 0, i;
	uint64_t deadline = now_ns() + 20000000000ull;

	for (i = 0; i < 32; i++) {
		in[i].data = rx[i];
		in[i].cap = 65535;
	}
	while (got < count) {
		if (sent < count && sent - got < 64) {
			struct rtdd_nf_frame f;
			int r;

			f.len = (uint16_t)net_frame(tx, sizes[sent % nsizes],
						    e->mac[bi], e->mac[ai],
						    sent);
			f.data = tx;
			r = rtdd_netfront_send(a, q, &f, 1);
			assert_true(r >= 0);
			sent += (unsigned)r;
		}
		for (unsigned rq = 0; rq < rtdd_netfront_queues(b); rq++) {
			int r = rtdd_netfront_recv(b, rq, in, 32);

			assert_true(r >= 0);
			for (i = 0; i < (unsigned)r; i++) {
				uint32_t seq;

				assert_int_equal(
					net_frame_check(rx[i], in[i].len, &seq),
					0);
				assert_int_equal(seq, got);
				assert_int_equal(in[i].len,
						 sizes[got % nsizes] < 60
							 ? 60
							 : sizes[got % nsizes]);
				got++;
			}
		}
		if (now_ns() > deadline) {
			print_error("timeout: %u sent, %u received\n", sent,
				    got);
			fail();
		}
	}
}

static void test_two_guests(void **state)
{
	struct net_env *e = *state;
	static const unsigned sizes[] = {60, 64, 100, 511, 1000, 1514};
	struct rtdd_netback_stats st;
	struct rtdd_netfront_stats fs;
	struct rtdd_simhv_stats h0, h1;
	rtdd_netfront *a, *b;
	char pn[32];

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, NULL, (const char *const[]){"rt", "be"}, 0);
	assert_int_equal(rtdd_simhv_stats(e->f.dom0, &h0), 0);
	a = open_vif(e, 0, NULL);
	b = open_vif(e, 1, NULL);
	assert_int_equal(rtdd_simhv_stats(e->f.dom0, &h1), 0);
	/* Per vif (one queue): its two rings and its two buffer lists, each
	 * list in one map call: 4 mappings holding 2 + 512 pages. */
	assert_int_equal(h1.grant_maps - h0.grant_maps, 2 * 4);
	assert_int_equal(h1.grant_pins - h0.grant_pins, 2 * (2 + 512));
	assert_int_equal(net_env_be_state(e, 0), XenbusStateConnected);
	exchange(e, a, 0, b, 1, 20000, sizes, 6, 0);
	exchange(e, b, 1, a, 0, 20000, sizes, 6, 0);
	snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[0]);
	assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &st), 0);
	assert_int_equal(st.tx_pkts, 20000);
	assert_int_equal(st.rx_pkts, 20000);
	assert_int_equal(st.tx_dropped, 0);
	/* feature-rtdd-persistent: all 256 TX and 256 RX buffer pages were
	 * mapped at connect; the switch thread mapped none on its path. */
	assert_int_equal(st.pages_premapped, 512);
	assert_int_equal(st.pages_mapped_late, 0);
	rtdd_netfront_stats(a, &fs);
	assert_int_equal(fs.tx_errors, 0);
	assert_int_equal(fs.rx_errors, 0);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

static void test_sg_jumbo(void **state)
{
	struct net_env *e = *state;
	static const unsigned sizes[] = {60, 4095, 4096, 4097, 8192, 9014};
	struct rtdd_netfront_opts nosg = {.log = net_env_log, .no_sg = true};
	struct rtdd_netback_stats st;
	uint8_t tx[9014];
	struct rtdd_nf_frame f = {.data = tx};
	rtdd_netfront *a, *b;
	char pn[32];
	int r;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, "switch bufsize 9280", NULL, 0);
	a = open_vif(e, 0, NULL);
	b = open_vif(e, 1, NULL);
	assert_int_equal(rtdd_netfront_max_frame(a), 65535);
	exchange(e, a, 0, b, 1, 3000, sizes, 6, 0);
	exchange(e, b, 1, a, 0, 3000, sizes, 6, 0);
	/* Frames longer than the switch buffers are refused by netback
	 * (NETIF_RSP_ERROR), not truncated. */
	f.len = 9300;
	memset(tx, 0, sizeof(tx));
	{
		static uint8_t big[9300];

		memcpy(big, e->mac[1], 6);
		memcpy(big + 6, e->mac[0], 6);
		f.data = big;
		assert_int_equal(rtdd_netfront_send(a, 0, &f, 1), 1);
	}
	snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[0]);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &st), 0);
		if (st.tx_dropped)
			break;
		usleep(1000);
	}
	assert_int_equal(st.tx_dropped, 1);
	rtdd_netfront_close(b);

	/* A frontend without feature-sg gets no frame longer than a page:
	 * netback drops those and counts them. */
	b = open_vif(e, 1, &nosg);
	assert_int_equal(rtdd_netfront_max_frame(b), 4096);
	f.data = tx;
	f.len = (uint16_t)net_frame(tx, 5000, e->mac[1], e->mac[0], 1);
	assert_int_equal(rtdd_netfront_send(a, 0, &f, 1), 1);
	f.len = (uint16_t)net_frame(tx, 1000, e->mac[1], e->mac[0], 2);
	assert_int_equal(rtdd_netfront_send(a, 0, &f, 1), 1);
	{
		static uint8_t rx[65536];
		struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
		uint32_t seq = 0;

		for (int i = 0; i < 5000; i++) {
			r = rtdd_netfront_recv(b, 0, &in, 1);
			assert_true(r >= 0);
			if (r)
				break;
			usleep(1000);
		}
		assert_int_equal(r, 1);
		assert_int_equal(net_frame_check(rx, in.len, &seq), 0);
		assert_int_equal(seq, 2);
	}
	snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[1]);
	assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &st), 0);
	assert_int_equal(st.rx_no_buffer, 1);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

static void test_multiqueue(void **state)
{
	struct net_env *e = *state;
	static const unsigned sizes[] = {64, 700, 1514};
	struct rtdd_netfront_opts o = {.log = net_env_log, .queues = 4};
	struct rtdd_netfront_opts o1 = {
		.log = net_env_log, .queues = 2, .no_split = true};
	rtdd_netfront *a, *b;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, NULL, NULL, 3);
	a = open_vif(e, 0, &o);
	b = open_vif(e, 1, &o1);
	/* The backend's maximum caps what we ask for. */
	assert_int_equal(rtdd_netfront_queues(a), 3);
	assert_int_equal(rtdd_netfront_queues(b), 2);
	for (unsigned q = 0; q < 3; q++)
		exchange(e, a, 0, b, 1, 2000, sizes, 3, q);
	for (unsigned q = 0; q < 2; q++)
		exchange(e, b, 1, a, 0, 2000, sizes, 3, q);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

static int setup3(void **state)
{
	struct net_env *e = calloc(1, sizeof(*e));
	int rc;

	assert_non_null(e);
	rc = net_env_start(e, 3);
	if (rc) {
		free(e);
		print_message("SKIP: rtdd-simhv could not start (%s)\n",
			      strerror(-rc));
		*state = NULL;
		return 0;
	}
	*state = e;
	return 0;
}

/* Wait for one frame on any queue of nf; its length, or 0 after ms. */
static unsigned recv_one(rtdd_netfront *nf, uint8_t *buf, int ms)
{
	struct rtdd_nf_frame in = {.data = buf, .cap = 65535};

	for (int i = 0; i < ms; i++) {
		for (unsigned q = 0; q < rtdd_netfront_queues(nf); q++) {
			int r = rtdd_netfront_recv(nf, q, &in, 1);

			assert_true(r >= 0);
			if (r)
				return in.len;
		}
		usleep(1000);
	}
	return 0;
}

static void test_broadcast_and_spoof(void **state)
{
	struct net_env *e = *state;
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static uint8_t tx[2048], rx[65536];
	struct rtdd_nf_frame f = {.data = tx};
	rtdd_netfront *nf[3];
	uint32_t seq;
	unsigned i;

	NEED_ENV(e);
	for (i = 0; i < 3; i++)
		assert_int_equal(net_env_add_vif(e, i), 0);
	start_backend(e, NULL, NULL, 0);
	for (i = 0; i < 3; i++)
		nf[i] = open_vif(e, i, NULL);
	f.len = (uint16_t)net_frame(tx, 300, bc, e->mac[0], 77);
	assert_int_equal(rtdd_netfront_send(nf[0], 0, &f, 1), 1);
	for (i = 1; i < 3; i++) {
		unsigned len = recv_one(nf[i], rx, 5000);

		assert_int_equal(len, 300);
		assert_int_equal(net_frame_check(rx, len, &seq), 0);
		assert_int_equal(seq, 77);
	}
	assert_int_equal(recv_one(nf[0], rx, 50), 0); /* not back to sender */
	/* Guest 2 pretends to be guest 0: dropped at the switch. */
	f.len = (uint16_t)net_frame(tx, 100, e->mac[1], e->mac[0], 78);
	assert_int_equal(rtdd_netfront_send(nf[2], 0, &f, 1), 1);
	assert_int_equal(recv_one(nf[1], rx, 200), 0);
	{
		struct rtdd_sw_port_stats st;
		char pn[32];

		snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[2]);
		for (i = 0; i < 1000; i++) {
			rtdd_sw_port_stats(e->sw, rtdd_sw_port_find(e->sw, pn),
					   &st);
			if (st.drop_spoof)
				break;
			usleep(1000);
		}
		assert_int_equal(st.drop_spoof, 1);
	}
	for (i = 0; i < 3; i++)
		rtdd_netfront_close(nf[i]);
}

/* The toolstack's rate for guest fe's vif 0 (libxl's backend key). */
static void write_rate(struct net_env *e, unsigned fe, const char *val)
{
	char p[160];

	snprintf(p, sizeof(p), "/local/domain/%u/backend/vif/%u/0/rate",
		 e->be_dom, e->fe_dom[fe]);
	assert_int_equal(
		rtdd_xs_write(e->f.dom0, RTDD_XS_TXN_NONE, p, val, strlen(val)),
		0);
}

/* A best-effort vif limited to 20 Mbit/s cannot push more than its rate
 * plus one bucket into the switch, however hard it sends; the RT vif
 * meanwhile gets every frame through. (An upper bound: a slow machine
 * only makes the count smaller.) The limit comes from the switch
 * configuration, or from the toolstack's "rate" key (xl.cfg vif rate=,
 * 2500 bytes per 1000 us) on a port configured without one. */
static void rate_limit(struct net_env *e, bool from_xenstore)
{
	static uint8_t tx[1514], rx[65536];
	struct rtdd_nf_frame f = {.data = tx};
	struct rtdd_sw_port_stats st;
	rtdd_netfront *nf[3];
	uint64_t t0, t1, bound;
	unsigned i, rt_sent = 0, rt_got = 0;
	int port;

	for (i = 0; i < 3; i++)
		assert_int_equal(net_env_add_vif(e, i), 0);
	if (from_xenstore)
		write_rate(e, 1, "2500,1000");
	start_backend(e, NULL,
		      (const char *const[]){
			      "rt",
			      from_xenstore ? "be" : "be rate 20M burst 16k",
			      "be"},
		      0);
	for (i = 0; i < 3; i++)
		nf[i] = open_vif(e, i, NULL);
	port = rtdd_sw_port_find(e->sw, rtdd_sw_port_cfg(e->sw, 1)->name);
	t0 = now_ns();
	while (now_ns() - t0 < 500000000ull) {
		f.len = (uint16_t)net_frame(tx, 1514, e->mac[2], e->mac[1], 0);
		(void)rtdd_netfront_send(nf[1], 0, &f, 1);
		if (rt_sent < 1000) {
			f.len = (uint16_t)net_frame(tx, 200, e->mac[2],
						    e->mac[0], rt_sent);
			rt_sent +=
				(unsigned)rtdd_netfront_send(nf[0], 0, &f, 1);
		}
		{
			struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
			uint32_t seq;

			while (rtdd_netfront_recv(nf[2], 0, &in, 1) == 1)
				if (in.len == 200 &&
				    !net_frame_check(rx, in.len, &seq))
					rt_got++;
		}
	}
	t1 = now_ns();
	rtdd_sw_port_stats(e->sw, port, &st);
	bound = (t1 - t0 + 2000000ull) * 20000000ull / 8 / 1000000000ull +
		(from_xenstore ? 2500 : 16384) + 32 * 1514;
	print_message("rate limit: %llu bytes in %.0f ms (bound %llu), "
		      "%llu throttled rounds\n",
		      (unsigned long long)st.rx_bytes, (t1 - t0) / 1e6,
		      (unsigned long long)bound,
		      (unsigned long long)st.throttled);
	assert_true(st.rx_bytes <= bound);
	assert_true(st.rx_bytes > 0);
	assert_true(st.throttled > 0);
	/* Drain the RT frames still on their way. */
	for (i = 0; i < 2000 && rt_got < rt_sent; i++) {
		struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
		uint32_t seq;

		if (rtdd_netfront_recv(nf[2], 0, &in, 1) == 1) {
			if (in.len == 200 && !net_frame_check(rx, in.len, &seq))
				rt_got++;
		} else {
			usleep(1000);
		}
	}
	assert_int_equal(rt_got, rt_sent);
	for (i = 0; i < 3; i++)
		rtdd_netfront_close(nf[i]);
}

static void test_rate_limit(void **state)
{
	struct net_env *e = *state;

	NEED_ENV(e);
	rate_limit(e, false);
}

static void test_rate_limit_xenstore(void **state)
{
	struct net_env *e = *state;

	NEED_ENV(e);
	rate_limit(e, true);
}

/* A rate key the backend cannot read fails that vif alone, with the
 * reason in its error node; the other vif connects and carries frames. */
static void test_rate_key_bad(void **state)
{
	struct net_env *e = *state;
	static const unsigned sizes[] = {64, 1514};
	rtdd_netfront *a, *b;
	char p[160], *val = NULL;
	size_t len;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	assert_int_equal(net_env_add_vif(e, 2), 0);
	write_rate(e, 1, "2500;1000"); /* every form: test_netif_req */
	start_backend(e, NULL, NULL, 0);
	a = open_vif(e, 0, NULL);
	b = open_vif(e, 2, NULL);
	{
		struct rtdd_netfront_opts o = {0};
		rtdd_netfront *c = NULL;
		char path[64];

		snprintf(path, sizeof(path), "device/vif/0");
		/* Opening may fail or succeed and fail later: either way
		 * the backend reports why and the vif never carries. */
		(void)rtdd_netfront_open(e->fe_hv[1], path, &o, &c);
		rtdd_netfront_close(c);
	}
	snprintf(p, sizeof(p), "/local/domain/%u/error/backend/vif/%u/0/error",
		 e->be_dom, e->fe_dom[1]);
	for (int i = 0; i < 5000; i++) {
		if (rtdd_xs_read(e->f.dom0, RTDD_XS_TXN_NONE, p, &val, &len) ==
		    0)
			break;
		usleep(1000);
	}
	assert_non_null(val);
	print_message("bad rate key: %s\n", val);
	assert_non_null(strstr(val, "rate"));
	free(val);
	exchange(e, a, 0, b, 2, 200, sizes, 2, 0);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

struct fill_arg {
	struct net_env *e;
	unsigned seq, stop_at, bad_at;
};

static unsigned fill_frame(void *arg, unsigned i, uint8_t *page)
{
	struct fill_arg *a = arg;

	(void)i;
	if (a->seq == a->stop_at)
		return 0;
	if (a->seq == a->bad_at)
		return 4097;
	unsigned len = net_frame(page, 60 + (a->seq * 97) % 1455, a->e->mac[1],
				 a->e->mac[0], a->seq);

	a->seq++;
	return len;
}

/* rtdd_netfront_send_fill: frames written in place into the TX pages
 * arrive whole and in order, between copied ones; fill's 0 stops the
 * call, a length over a page is refused with nothing of it queued. */
static void test_send_fill(void **state)
{
	struct net_env *e = *state;
	static uint8_t tx[1514], rx[32][65536];
	struct rtdd_nf_frame in[32], f = {.data = tx};
	struct fill_arg fa = {.e = e, .stop_at = ~0u, .bad_at = ~0u};
	rtdd_netfront *a, *b;
	unsigned got = 0, i;
	uint64_t deadline = now_ns() + 20000000000ull;
	int r;

	NEED_ENV(e);
	for (i = 0; i < 32; i++) {
		in[i].data = rx[i];
		in[i].cap = 65535;
	}
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, NULL, NULL, 0);
	a = open_vif(e, 0, NULL);
	b = open_vif(e, 1, NULL);
	assert_int_equal(rtdd_netfront_send_fill(a, 1, 1, fill_frame, &fa),
			 -EINVAL);
	assert_int_equal(rtdd_netfront_send_fill(a, 0, 0, fill_frame, &fa), 0);
	fa.stop_at = 3;
	assert_int_equal(rtdd_netfront_send_fill(a, 0, 8, fill_frame, &fa), 3);
	fa.stop_at = ~0u;
	fa.bad_at = 5;
	assert_int_equal(rtdd_netfront_send_fill(a, 0, 8, fill_frame, &fa), 2);
	assert_int_equal(rtdd_netfront_send_fill(a, 0, 8, fill_frame, &fa),
			 -EINVAL);
	fa.bad_at = ~0u;
	while (got < 20000) {
		if (fa.seq < 20000 && fa.seq - got < 128) {
			if (fa.seq % 7 == 0) {
				f.len = (uint16_t)net_frame(
					tx, 60 + (fa.seq * 97) % 1455,
					e->mac[1], e->mac[0], fa.seq);
				r = rtdd_netfront_send(a, 0, &f, 1);
				assert_true(r >= 0);
				fa.seq += (unsigned)r;
			} else {
				r = rtdd_netfront_send_fill(a, 0, 6, fill_frame,
							    &fa);
				assert_true(r >= 0);
			}
		}
		r = rtdd_netfront_recv(b, 0, in, 32);
		assert_true(r >= 0);
		for (i = 0; i < (unsigned)r; i++) {
			uint32_t seq;

			assert_int_equal(
				net_frame_check(rx[i], in[i].len, &seq), 0);
			assert_int_equal(seq, got);
			got++;
		}
		assert_true(now_ns() < deadline);
	}
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

/*
 * The RT vif's frames stop best-effort copies part way (netback copies a
 * best-effort frame in pieces and puts it back when an RT frame waits):
 * guest 1 floods guest 2 with 1514-byte frames while guest 0 (RT) sends
 * to guest 2 too. Both sides must yield (guest 1's TX copies into the
 * switch, the switch's RX copies into guest 2), and every frame of both
 * streams must arrive once, in order, with its checksum: a frame put back
 * is taken again whole.
 */
static void test_be_copy_yields(void **state)
{
	struct net_env *e = *state;
	static uint8_t tx[1514], rx[32][65536];
	struct rtdd_nf_frame f = {.data = tx}, in[32];
	struct rtdd_netback_stats s1, s2;
	rtdd_netfront *nf[3];
	unsigned i, be_sent = 0, be_got = 0, rt_sent = 0, rt_got = 0;
	uint64_t t0, deadline;
	char pn[32];

	NEED_ENV(e);
	for (i = 0; i < 32; i++) {
		in[i].data = rx[i];
		in[i].cap = 65535;
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(net_env_add_vif(e, i), 0);
	start_backend(e, NULL, (const char *const[]){"rt", "be", "be"}, 0);
	for (i = 0; i < 3; i++)
		nf[i] = open_vif(e, i, NULL);
	t0 = now_ns();
	deadline = t0 + 30000000000ull;
	for (;;) {
		bool more = now_ns() < deadline;
		int r;

		if (more && now_ns() - t0 > 1000000000ull) {
			/* at least 1 s of traffic, then until both yielded */
			snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[1]);
			assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &s1),
					 0);
			snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[2]);
			assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &s2),
					 0);
			more = !s1.copy_yields || !s2.copy_yields;
		}
		if (!more && be_got == be_sent && rt_got == rt_sent)
			break;
		if (more && be_sent - be_got < 128) {
			f.len = (uint16_t)net_frame(tx, 1514, e->mac[2],
						    e->mac[1], be_sent);
			r = rtdd_netfront_send(nf[1], 0, &f, 1);
			assert_true(r >= 0);
			be_sent += (unsigned)r;
		}
		if (more && rt_sent - rt_got < 16) {
			f.len = (uint16_t)net_frame(tx, 200, e->mac[2],
						    e->mac[0], rt_sent);
			r = rtdd_netfront_send(nf[0], 0, &f, 1);
			assert_true(r >= 0);
			rt_sent += (unsigned)r;
		}
		r = rtdd_netfront_recv(nf[2], 0, in, 32);
		assert_true(r >= 0);
		for (i = 0; i < (unsigned)r; i++) {
			uint32_t seq;

			assert_int_equal(
				net_frame_check(rx[i], in[i].len, &seq), 0);
			if (in[i].len == 1514) {
				assert_int_equal(seq, be_got);
				be_got++;
			} else {
				assert_int_equal(in[i].len, 200);
				assert_int_equal(seq, rt_got);
				rt_got++;
			}
		}
		if (now_ns() > deadline + 5000000000ull) {
			print_error("frames missing: be %u of %u, rt %u of "
				    "%u\n",
				    be_got, be_sent, rt_got, rt_sent);
			fail();
		}
	}
	print_message("copy yields: %llu on guest 1's TX, %llu on guest 2's "
		      "RX; %u best-effort and %u RT frames, all in order\n",
		      (unsigned long long)s1.copy_yields,
		      (unsigned long long)s2.copy_yields, be_got, rt_got);
	assert_true(s1.copy_yields > 0);
	assert_true(s2.copy_yields > 0);
	assert_int_equal(s1.tx_dropped, 0);
	assert_int_equal(s2.rx_no_buffer, 0);
	assert_int_equal(s2.rx_pkts, be_got + rt_got);
	for (i = 0; i < 3; i++)
		rtdd_netfront_close(nf[i]);
}

static void test_backend_restart(void **state)
{
	struct net_env *e = *state;
	static const unsigned sizes[] = {64, 1514};
	struct rtdd_netfront_stats fs;
	rtdd_netfront *a, *b;
	rtdd_sw *sw = NULL;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, NULL, NULL, 0);
	a = open_vif(e, 0, NULL);
	b = open_vif(e, 1, NULL);
	exchange(e, a, 0, b, 1, 1000, sizes, 2, 0);
	/* The backend goes away (as a crash would leave it: no Closed)
	 * and a new one starts with a fresh switch. */
	net_env_backend_stop(e, false);
	assert_int_equal(net_env_switch(e, NULL, NULL, NULL, &sw), 0);
	assert_int_equal(net_env_backend_start(e, sw, NULL), 0);
	/* The frontends notice on their own and reconnect. */
	for (int i = 0; i < 10000; i++) {
		struct rtdd_nf_frame in;
		uint8_t buf[64];

		in.data = buf;
		in.cap = sizeof(buf);
		(void)rtdd_netfront_recv(a, 0, &in, 1);
		(void)rtdd_netfront_recv(b, 0, &in, 1);
		rtdd_netfront_stats(a, &fs);
		if (fs.reconnects &&
		    net_env_be_state(e, 0) == XenbusStateConnected &&
		    net_env_be_state(e, 1) == XenbusStateConnected) {
			rtdd_netfront_stats(b, &fs);
			if (fs.reconnects)
				break;
		}
		usleep(1000);
	}
	rtdd_netfront_stats(a, &fs);
	assert_int_equal(fs.reconnects, 1);
	rtdd_netfront_stats(b, &fs);
	assert_int_equal(fs.reconnects, 1);
	exchange(e, a, 0, b, 1, 1000, sizes, 2, 0);
	exchange(e, b, 1, a, 0, 1000, sizes, 2, 0);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_guests, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_sg_jumbo, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_multiqueue, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_and_spoof,
						setup3, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup3,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_xenstore,
						setup3, teardown),
		cmocka_unit_test_setup_teardown(test_rate_key_bad, setup3,
						teardown),
		cmocka_unit_test_setup_teardown(test_send_fill, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_be_copy_yields, setup3,
						teardown),
		cmocka_unit_test_setup_teardown(test_backend_restart, setup2,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * netback's switch thread in event and hybrid modes on rtdd-simhv: traffic
 * with checked payloads where the receiving guest sleeps on its event
 * channel (rtdd_netfront_wait) instead of spinning, frames held in the
 * switch for a guest without RX buffers delivered when it posts some, and
 * an idle event-mode thread that sleeps (its service item counts sleeps,
 * its rounds stay few) while a poll-mode one never does.
 *
 * A lost wake-up shows as a stall: the thread sleeps at most 1 s (the
 * service thread's cap), so a guest wait of 900 ms that ends with frames
 * still missing means an event was not asked for or not taken.
 */
#include <errno.h>
#include <sched.h>
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

#define WAIT_MS 900

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

static rtdd_netfront *open_vif(struct net_env *e, unsigned fe, bool no_split)
{
	struct rtdd_netfront_opts o = {.log = net_env_log,
				       .no_split = no_split};
	rtdd_netfront *nf = NULL;
	int rc;

	rc = rtdd_netfront_open(e->fe_hv[fe], "device/vif/0", &o, &nf);
	if (rc)
		print_error("netfront open guest%u: %s\n", fe, strerror(-rc));
	assert_int_equal(rc, 0);
	return nf;
}

static void start_backend(struct net_env *e, enum rtdd_svc_mode mode,
			  uint64_t spin_ns)
{
	struct rtdd_netback_cfg cfg;
	rtdd_sw *sw = NULL;

	assert_int_equal(net_env_switch(e, NULL,
					(const char *const[]){"rt", "be"}, NULL,
					&sw),
			 0);
	rtdd_netback_cfg_default(&cfg);
	cfg.mode = mode;
	cfg.spin_ns = spin_ns;
	assert_int_equal(net_env_backend_start(e, sw, &cfg), 0);
}

/* Send count frames a -> b with a TX ring that may be full for a moment. */
static void send_frames(struct net_env *e, rtdd_netfront *a, unsigned ai,
			unsigned bi, uint32_t seq0, unsigned count,
			const unsigned *sizes, unsigned nsizes)
{
	static uint8_t tx[2048];
	uint64_t deadline = now_ns() + 20000000000ull;
	unsigned sent = 0;

	while (sent < count) {
		struct rtdd_nf_frame f;
		uint32_t seq = seq0 + sent;
		int r;

		f.len = (uint16_t)net_frame(tx, sizes[seq % nsizes], e->mac[bi],
					    e->mac[ai], seq);
		f.data = tx;
		r = rtdd_netfront_send(a, 0, &f, 1);
		assert_true(r >= 0);
		sent += (unsigned)r;
		if (!r) {
			/* the backend has not taken the ring yet */
			assert_true(now_ns() < deadline);
			sched_yield();
		}
	}
}

/* Receive count frames on b, sleeping on its event channel between
 * bursts; every frame checked, in order from seq0. Returns the stalls. */
static unsigned recv_frames(rtdd_netfront *b, uint32_t seq0, unsigned count,
			    const unsigned *sizes, unsigned nsizes,
			    unsigned *waits)
{
	static uint8_t rx[32][2048];
	struct rtdd_nf_frame in[32];
	unsigned got = 0, stalls = 0, i;
	uint64_t deadline = now_ns() + 20000000000ull, t0;

	for (i = 0; i < 32; i++) {
		in[i].data = rx[i];
		in[i].cap = sizeof(rx[i]);
	}
	while (got < count) {
		int r = rtdd_netfront_recv(b, 0, in, 32);

		assert_true(r >= 0);
		for (i = 0; i < (unsigned)r; i++) {
			uint32_t seq, want = seq0 + got;

			assert_int_equal(
				net_frame_check(rx[i], in[i].len, &seq), 0);
			assert_int_equal(seq, want);
			assert_int_equal(in[i].len,
					 sizes[want % nsizes] < 60
						 ? 60
						 : sizes[want % nsizes]);
			got++;
		}
		if (r || got == count)
			continue;
		/* Nothing there: sleep, do not spin. A wait may end early
		 * with nothing (one channel: a TX completion event); only
		 * one that ran out is a stall. */
		t0 = now_ns();
		r = rtdd_netfront_wait(b, 0, WAIT_MS);
		assert_true(r >= 0);
		(*waits)++;
		if (r == 0 && now_ns() - t0 >= WAIT_MS * 1000000ull) {
			print_error("stall: %u of %u frames after a %d ms "
				    "wait\n",
				    got, count, WAIT_MS);
			stalls++;
		}
		if (now_ns() > deadline) {
			print_error("timeout: %u of %u received\n", got, count);
			fail();
		}
	}
	return stalls;
}

/* Bursts of 1..32 frames a -> b, b sleeping until they arrive. */
static void bursts(struct net_env *e, rtdd_netfront *a, unsigned ai,
		   rtdd_netfront *b, unsigned bi, unsigned nbursts)
{
	static const unsigned sizes[] = {60, 64, 100, 511, 1000, 1514, 77};
	unsigned stalls = 0, waits = 0, total = 0;

	for (unsigned k = 0; k < nbursts; k++) {
		unsigned n = 1 + (k * 7) % 32;

		send_frames(e, a, ai, bi, total, n, sizes, 7);
		stalls += recv_frames(b, total, n, sizes, 7, &waits);
		total += n;
	}
	print_message("%u frames in %u bursts, %u waits, %u stalls\n", total,
		      nbursts, waits, stalls);
	assert_true(waits > 0); /* the receiver did sleep */
	assert_int_equal(stalls, 0);
}

static void check_vif(struct net_env *e, unsigned fe, uint64_t tx, uint64_t rx)
{
	struct rtdd_netback_stats st;
	char pn[32];

	snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[fe]);
	assert_int_equal(rtdd_netback_vif_stats(e->nb, pn, &st), 0);
	assert_int_equal(st.tx_pkts, tx);
	assert_int_equal(st.rx_pkts, rx);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.breaches, 0);
}

static void run_traffic(void **state, enum rtdd_svc_mode mode, uint64_t spin_ns,
			bool no_split)
{
	struct net_env *e = *state;
	struct rtdd_svc_item_stats s;
	rtdd_netfront *a, *b;
	unsigned n = 0;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, mode, spin_ns);
	a = open_vif(e, 0, no_split);
	b = open_vif(e, 1, no_split);
	assert_int_equal(net_env_be_state(e, 0), XenbusStateConnected);
	assert_int_equal(net_env_be_state(e, 1), XenbusStateConnected);
	bursts(e, a, 0, b, 1, 300);
	bursts(e, b, 1, a, 0, 300);
	for (unsigned k = 0; k < 300; k++)
		n += 1 + (k * 7) % 32;
	check_vif(e, 0, n, n);
	check_vif(e, 1, n, n);
	assert_int_equal(rtdd_netback_svc_stats(e->nb, &s), 0);
	print_message("switch thread: %llu rounds, %llu arms, %llu sleeps\n",
		      (unsigned long long)s.rounds, (unsigned long long)s.arms,
		      (unsigned long long)s.sleeps);
	assert_true(s.arms > 0);
	assert_true(s.sleeps > 0);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

static void test_event(void **state)
{
	run_traffic(state, RTDD_SVC_EVENT, 0, false);
}

static void test_event_one_channel(void **state)
{
	run_traffic(state, RTDD_SVC_EVENT, 0, true);
}

static void test_hybrid(void **state)
{
	run_traffic(state, RTDD_SVC_HYBRID, 20000, false);
}

/*
 * More frames than the receiver has RX buffers: the rest wait in the
 * switch, and the thread must ask for an event on the receiver's next RX
 * request to deliver them when the guest posts buffers again.
 */
static void test_event_rx_backlog(void **state)
{
	static const unsigned sizes[] = {60, 1514, 300};
	struct net_env *e = *state;
	struct rtdd_sw_port_stats ps;
	rtdd_netfront *a, *b;
	unsigned waits = 0;
	int port;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, RTDD_SVC_EVENT, 0);
	a = open_vif(e, 0, false);
	b = open_vif(e, 1, false);
	/* 256 RX buffers in b's ring, 100 more frames queued in the switch
	 * (its queue holds 256 per class). */
	for (unsigned k = 0; k < 356; k += 4)
		send_frames(e, a, 0, 1, k, 4, sizes, 3);
	/* Let the switch take everything and go to sleep. */
	usleep(100000);
	assert_int_equal(recv_frames(b, 0, 356, sizes, 3, &waits), 0);
	{
		char pn[32];

		snprintf(pn, sizeof(pn), "vif%u.0", e->fe_dom[1]);
		port = rtdd_sw_port_find(e->sw, pn);
		assert_true(port >= 0);
		rtdd_sw_port_stats(e->sw, port, &ps);
		assert_int_equal(ps.drop_qfull, 0);
	}
	check_vif(e, 1, 0, 356);
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

/* An uplink the test feeds by hand: one frame at a time, no fd to wake
 * the switch thread (as a DPDK port). */
struct inj {
	uint8_t frame[2048];
	unsigned len;
	int ready; /* atomic: 1 while frame waits */
};

static unsigned inj_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		       unsigned n)
{
	struct inj *in = priv;
	struct rtdd_pkt *p;

	if (!n || !__atomic_load_n(&in->ready, __ATOMIC_ACQUIRE))
		return 0;
	p = rtdd_sw_pkt_get(sw);
	if (!p)
		return 0;
	memcpy(p->data, in->frame, in->len);
	p->len = (uint16_t)in->len;
	__atomic_store_n(&in->ready, 0, __ATOMIC_RELEASE);
	pkts[0] = p;
	return 1;
}

static unsigned inj_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		       unsigned n)
{
	(void)priv;
	for (unsigned i = 0; i < n; i++)
		rtdd_sw_pkt_put(sw, pkts[i]);
	return n;
}

static const struct rtdd_sw_port_ops inj_ops = {.rx = inj_rx, .tx = inj_tx};

/* Event mode with an uplink: frames from outside reach a sleeping guest
 * although nothing wakes the switch thread for them (it sleeps at most
 * uplink_poll_ns). Each frame arrives while the guest waits on its event
 * channel; a wait that runs out (900 ms, the switch's 1 s cap without the
 * bound) is a stall. */
static void test_event_uplink(void **state)
{
	static const uint8_t outside[6] = {0x02, 0, 0, 0, 0, 0x77};
	static const unsigned sizes[] = {60, 1514, 333};
	struct net_env *e = *state;
	static struct inj inj;
	struct rtdd_netback_cfg cfg;
	struct rtdd_svc_item_stats s0, s1;
	rtdd_netfront *a;
	rtdd_sw *sw = NULL;
	unsigned waits = 0, stalls = 0;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_switch(e, NULL,
					(const char *const[]){"be", "be"},
					"port up0 uplink\n"
					"mac 02:00:00:00:00:77 up0\n",
					&sw),
			 0);
	assert_int_equal(rtdd_sw_attach(sw, rtdd_sw_port_find(sw, "up0"),
					&inj_ops, &inj),
			 0);
	rtdd_netback_cfg_default(&cfg);
	cfg.mode = RTDD_SVC_EVENT;
	assert_int_equal(net_env_backend_start(e, sw, &cfg), 0);
	a = open_vif(e, 0, false);
	for (uint32_t seq = 0; seq < 6; seq++) {
		usleep(20000); /* the switch thread goes back to sleep */
		/* The switch took the last frame (it was received): this
		 * acquire pairs with inj_rx's release after its copy. */
		while (__atomic_load_n(&inj.ready, __ATOMIC_ACQUIRE))
			usleep(1000);
		inj.len = net_frame(inj.frame, sizes[seq % 3], e->mac[0],
				    outside, seq);
		__atomic_store_n(&inj.ready, 1, __ATOMIC_RELEASE);
		stalls += recv_frames(a, seq, 1,
				      (const unsigned[]){sizes[seq % 3]}, 1,
				      &waits);
	}
	assert_int_equal(stalls, 0);
	/* Idle with an uplink: bounded sleeps, not a spin. */
	assert_int_equal(rtdd_netback_svc_stats(e->nb, &s0), 0);
	usleep(300000);
	assert_int_equal(rtdd_netback_svc_stats(e->nb, &s1), 0);
	print_message("event mode with an uplink: %u waits, idle 300 ms: "
		      "%llu sleeps, %llu rounds\n",
		      waits, (unsigned long long)(s1.sleeps - s0.sleeps),
		      (unsigned long long)(s1.rounds - s0.rounds));
	assert_true(s1.sleeps - s0.sleeps >= 10);
	rtdd_netfront_close(a);
}

/* Idle: an event-mode thread sleeps; a poll-mode one spins (unchanged). */
static void idle_check(void **state, enum rtdd_svc_mode mode)
{
	static const unsigned sizes[] = {100};
	struct net_env *e = *state;
	struct rtdd_svc_item_stats s0, s1;
	rtdd_netfront *a, *b;
	struct timespec c0, c1;
	unsigned waits = 0;
	uint64_t cpu_ns;

	NEED_ENV(e);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_add_vif(e, 1), 0);
	start_backend(e, mode, 0);
	a = open_vif(e, 0, false);
	b = open_vif(e, 1, false);
	send_frames(e, a, 0, 1, 0, 10, sizes, 1);
	assert_int_equal(recv_frames(b, 0, 10, sizes, 1, &waits), 0);
	usleep(50000);
	assert_int_equal(rtdd_netback_svc_stats(e->nb, &s0), 0);
	/* The backend runs in this process: its CPU time is ours, less
	 * what this thread used (sleeping). */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	sleep(1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	assert_int_equal(rtdd_netback_svc_stats(e->nb, &s1), 0);
	cpu_ns = (uint64_t)(c1.tv_sec - c0.tv_sec) * 1000000000ull +
		 (uint64_t)c1.tv_nsec - (uint64_t)c0.tv_nsec;
	print_message("%s, idle 1 s: %llu rounds, %llu sleeps, process CPU "
		      "%.1f ms\n",
		      rtdd_svc_mode_name(mode),
		      (unsigned long long)(s1.rounds - s0.rounds),
		      (unsigned long long)(s1.sleeps - s0.sleeps),
		      (double)cpu_ns / 1e6);
	if (mode == RTDD_SVC_EVENT) {
		/* Asleep: woken by the 1 s cap and the control thread at
		 * most, so a handful of rounds, not millions. */
		assert_true(s1.sleeps > s0.sleeps);
		assert_true(s1.rounds - s0.rounds < 1000);
		assert_true(cpu_ns < 200000000ull);
	} else {
		assert_int_equal(s1.sleeps, 0);
		assert_true(s1.rounds - s0.rounds > 1000);
	}
	rtdd_netfront_close(a);
	rtdd_netfront_close(b);
}

static void test_idle_event(void **state)
{
	idle_check(state, RTDD_SVC_EVENT);
}

static void test_idle_poll(void **state)
{
	idle_check(state, RTDD_SVC_POLL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_event_one_channel, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_hybrid, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_event_rx_backlog, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_event_uplink, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_event, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_poll, setup2,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * rtdd-bench-net (`rtdd bench net`, `make bench`): the network path against
 * its baselines, in one run, interleaved (docs/net.md, BENCH.md).
 *
 *   RTT       a guest's polled netfront -> netback -> RT switch -> a
 *             reflector port of the switch -> back, 64-byte frames,
 *             against DPDK net_memif ping-pong between two rtdd-pktlat
 *             processes; rounds alternate A B A B ...
 *   isolation the RT vif's RTT while a best-effort vif floods (its TX ring
 *             topped up with 1514-byte frames to another uplink before
 *             each ping; BE budget 4 frames per round) against the same
 *             RT vif quiet, quiet after the flooder's copies without
 *             sending them, and flooded with best-effort copies moved
 *             whole (be-split off), in alternating blocks of ISO_BLOCK
 *             pings, next to the same flood with both vifs in
 *             one class and default budgets (an unprioritised shared
 *             backend, still polled), and next to the event-driven shared
 *             backend: netback's own switch thread in event mode (it
 *             sleeps on the vifs' event channels when idle), one class,
 *             default budgets, quiet and under the same flood;
 *   Mpps      64-byte frames per second through the switch thread (one
 *             backend core): guest TX -> sink port, and guest -> guest.
 *
 * Threads: the switch runs on CPU 0 (polling), the guest side on CPU 1; the
 * memif baseline uses the same two CPUs. Figures only: nothing here passes
 * or fails on time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "rtdd/be_xenbus.h"
#include "rtdd/bench.h"
#include "rtdd/hist.h"
#include "rtdd/json.h"
#include "rtdd/rt.h"
#include "rtdd/log.h"
#include "rtdd/netback.h"
#include "rtdd/netfront.h"
#include "rtdd/netsw.h"
#include "rtdd/svgplot.h"

#define NG 2 /* guests: 0 = RT pinger, 1 = best-effort flooder */
/* Isolation: quiet and flooded RT pings alternate in blocks of this many. */
#define ISO_BLOCK 250
/* A host stall: the switch thread's iteration, or the pinger's poll loop,
 * did not come round for this long (normal iterations take well under
 * 2 us, flood included; the switch's own iteration times are printed). */
#define STALL_NS 5000

static const uint8_t guest_mac[NG][6] = {{0x00, 0x16, 0x3e, 0, 0, 0x01},
					 {0x00, 0x16, 0x3e, 0, 0, 0x02}};
static const uint8_t sink_mac[6] = {0x02, 0, 0, 0, 0, 0x5e};
static const uint8_t far_mac[6] = {0x02, 0, 0, 0, 0, 0x99};

struct opts {
	unsigned samples, rounds, fifo;
	const char *out;
	bool no_memif;
	unsigned be_chunk;    /* switch be-chunk; 0: the switch's default */
	unsigned flood_bytes; /* best-effort frame size, 60..1514 */
};

/* ------------------------------------------------------------------ */
/* Switch ports of the bench: a reflector and a sink                   */
/* ------------------------------------------------------------------ */

struct refl {
	struct rtdd_pkt *q[1024];
	unsigned head, tail;
};

static unsigned refl_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **p,
			unsigned n)
{
	struct refl *r = priv;
	unsigned i;

	(void)sw;
	for (i = 0; i < n && r->tail - r->head < 1024; i++) {
		uint8_t t[6];

		memcpy(t, p[i]->data, 6);
		memcpy(p[i]->data, p[i]->data + 6, 6);
		memcpy(p[i]->data + 6, t, 6);
		r->q[r->tail++ & 1023] = p[i];
	}
	return i;
}

static unsigned refl_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **p,
			unsigned n)
{
	struct refl *r = priv;
	unsigned i;

	(void)sw;
	for (i = 0; i < n && r->head != r->tail; i++)
		p[i] = r->q[r->head++ & 1023];
	return i;
}

static uint64_t sink_count;
struct bench;
static int rtt_loop(struct bench *b, unsigned n, bool flood,
		    struct rtdd_hist *h);

static unsigned sink_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **p,
			unsigned n)
{
	(void)priv;
	for (unsigned i = 0; i < n; i++)
		rtdd_sw_pkt_put(sw, p[i]);
	__atomic_store_n(&sink_count, sink_count + n, __ATOMIC_RELAXED);
	return n;
}

static unsigned sink_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **p,
			unsigned n)
{
	(void)priv;
	(void)sw;
	(void)p;
	(void)n;
	return 0;
}

static bool refl_pending(void *priv)
{
	const struct refl *r = priv;

	return r->head != r->tail;
}

static const struct rtdd_sw_port_ops refl_ops = {
	.rx = refl_rx, .tx = refl_tx, .pending = refl_pending};
static const struct rtdd_sw_port_ops sink_ops = {.rx = sink_rx, .tx = sink_tx};

/* ------------------------------------------------------------------ */
/* The backend and its poll thread                                      */
/* ------------------------------------------------------------------ */

struct bench {
	struct opts o;
	struct rtdd_bench_sim sim; /* dom[0] driver domain, dom[1..] guests */
	rtdd_sw *sw;
	rtdd_netback *nb;
	struct refl refl;
	pthread_t poller;
	int run;  /* atomic: 1 poll, 0 pause, -1 exit */
	int busy; /* atomic: poller is inside a round */
	uint64_t rounds_done;
	bool threaded; /* netback runs its own switch thread (event mode) */
	/* Isolation blocks: mode 1 quiet, 2 flood, 3 quiet with the guest
	 * thread doing the flooder's writes without sending, 4 flood with
	 * best-effort copies not split for RT frames (be-split off), 0
	 * elsewhere (atomic). */
	int mode;
	bool stir; /* rtt_loop: stir before each quiet ping */
	uint64_t flood_sent, flood_steps; /* BE frames per flood_step */
	/* flood_steps that found the flooder's ring empty: the switch had
	 * run out of best-effort work before that ping */
	uint64_t flood_dry;
	uint64_t sw_stalls; /* atomic: switch iterations longer than STALL_NS */
	struct rtdd_hist sw_iter[4]; /* switch iteration times, per mode */
	struct rtdd_hist clean[4];   /* RT samples no stall overlapped */
	uint64_t stalled[4];	     /* RT samples a stall overlapped */
	char ev_note[200];
	rtdd_netfront *nf[NG];
	char cpu_note[160];
};

static void pin(int cpu, int prio, char *note, size_t len)
{
	cpu_set_t set;
	struct sched_param sp = {.sched_priority = prio};
	int a, f = -1;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	a = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (prio)
		f = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (note)
		snprintf(note, len, "cpu %d %s, SCHED_FIFO %d %s", cpu,
			 a ? "refused" : "pinned", prio,
			 !prio ? "not asked"
			 : f   ? "refused"
			       : "granted");
}

static void *poller_main(void *arg)
{
	struct bench *b = arg;

	uint64_t prev = 0;

	pin(0, (int)b->o.fifo, b->cpu_note, sizeof(b->cpu_note));
	for (;;) {
		int r = __atomic_load_n(&b->run, __ATOMIC_ACQUIRE);
		uint64_t now;
		int m;

		if (r < 0)
			break;
		if (!r || b->threaded) {
			usleep(1000);
			prev = 0;
			continue;
		}
		/* One iteration is one switch round; one that took longer
		 * than STALL_NS was (almost always) the CPU taken away. */
		now = rtdd_now_ns();
		m = __atomic_load_n(&b->mode, __ATOMIC_ACQUIRE);
		if (prev && m)
			rtdd_hist_add(&b->sw_iter[m - 1], now - prev);
		if (prev && now - prev > STALL_NS)
			__atomic_store_n(&b->sw_stalls, b->sw_stalls + 1,
					 __ATOMIC_RELEASE);
		prev = now;
		rtdd_netback_poll(b->nb);
		b->rounds_done++;
	}
	return NULL;
}

static void set_run(struct bench *b, int r)
{
	__atomic_store_n(&b->run, r, __ATOMIC_RELEASE);
	usleep(3000); /* a paused poller is asleep within 1 ms */
}

static int make_switch(struct bench *b, bool prio, rtdd_sw **sw_out)
{
	char text[1024], err[200];
	FILE *f;
	int rc, port;
	rtdd_sw *sw = NULL;

	snprintf(text, sizeof(text),
		 "switch unknown refl be-chunk %u\n"
		 "port vif%u.0 %s\n"
		 "port vif%u.0 be%s\n"
		 "port refl uplink%s\n"
		 "port sink uplink\n"
		 "mac 00:16:3e:00:00:01 vif%u.0\n"
		 "mac 00:16:3e:00:00:02 vif%u.0\n"
		 "mac 02:00:00:00:00:5e sink\n",
		 b->o.be_chunk ? b->o.be_chunk : 1, b->sim.domid[1],
		 prio ? "rt" : "be", b->sim.domid[2], prio ? " budget 4" : "",
		 prio ? " rt" : "", b->sim.domid[1], b->sim.domid[2]);
	f = fmemopen(text, strlen(text), "r");
	if (!f)
		return -errno;
	rc = rtdd_sw_parse(f, &sw, err, sizeof(err));
	fclose(f);
	if (rc) {
		fprintf(stderr, "rtdd-bench-net: switch: %s\n", err);
		return rc;
	}
	memset(&b->refl, 0, sizeof(b->refl));
	port = rtdd_sw_port_find(sw, "refl");
	rtdd_sw_attach(sw, port, &refl_ops, &b->refl);
	port = rtdd_sw_port_find(sw, "sink");
	rtdd_sw_attach(sw, port, &sink_ops, NULL);
	*sw_out = sw;
	return 0;
}

/* Start (or restart) netback with a switch of the given kind; the guests'
 * netfronts follow on their own (reconnect). */
static int backend_up(struct bench *b, bool prio, bool event)
{
	struct rtdd_netback_cfg cfg;
	int rc;

	rc = make_switch(b, prio, &b->sw);
	if (rc)
		return rc;
	rtdd_netback_cfg_default(&cfg);
	if (event) {
		/* netback's own thread, where our poller would run. */
		cfg.mode = RTDD_SVC_EVENT;
		cfg.rt.cpu = 0;
		cfg.rt.fifo_prio = (int)b->o.fifo;
	} else {
		cfg.no_thread = true;
	}
	b->threaded = event;
	rc = rtdd_netback_create(b->sim.dom[0], b->sw, &cfg, &b->nb);
	if (rc)
		return rc;
	if (event)
		rtdd_netback_describe_rt(b->nb, b->ev_note, sizeof(b->ev_note));
	return 0;
}

static void backend_down(struct bench *b)
{
	set_run(b, 0);
	rtdd_netback_destroy(b->nb, false);
	rtdd_sw_destroy(b->sw);
	b->nb = NULL;
	b->sw = NULL;
}

static uint64_t now_ns(void)
{
	return rtdd_now_ns();
}

/* Drive netback's control path until every guest is connected. */
static void *ctl_main(void *arg)
{
	struct bench *b = arg;

	while (__atomic_load_n(&b->run, __ATOMIC_ACQUIRE) >= 0 &&
	       __atomic_load_n(&b->busy, __ATOMIC_ACQUIRE) == 0)
		(void)rtdd_netback_run(b->nb, 5);
	return NULL;
}

static int guests_connect(struct bench *b, bool first)
{
	pthread_t ctl;
	int rc = 0;

	__atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
	if (pthread_create(&ctl, NULL, ctl_main, b))
		return -EAGAIN;
	set_run(b, 1);
	for (unsigned g = 0; g < NG && !rc; g++) {
		if (first) {
			struct rtdd_netfront_opts o = {0};

			rc = rtdd_netfront_open(b->sim.dom[1 + g],
						"device/vif/0", &o, &b->nf[g]);
		} else {
			/* A recv notices the new backend and reconnects. */
			struct rtdd_netfront_stats s0, s;
			uint8_t buf[64];
			struct rtdd_nf_frame in = {.data = buf, .cap = 64};

			rtdd_netfront_stats(b->nf[g], &s0);
			for (int i = 0; i < 20000; i++) {
				(void)rtdd_netfront_recv(b->nf[g], 0, &in, 1);
				rtdd_netfront_stats(b->nf[g], &s);
				if (s.reconnects > s0.reconnects)
					break;
				usleep(500);
			}
		}
	}
	__atomic_store_n(&b->busy, 1, __ATOMIC_RELEASE);
	pthread_join(ctl, NULL);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Measurements on the guest side (CPU 1)                               */
/* ------------------------------------------------------------------ */

static unsigned frame64(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			uint64_t stamp, unsigned len)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	memcpy(f + 16, &stamp, 8);
	return len;
}

/* The flood's frame, built once per flood_step. */
static uint8_t flood_frame[1520] __attribute__((aligned(16)));

/*
 * Write one flood frame into a TX page with non-temporal stores: the
 * frame goes to memory, not into this CPU's caches (see flood_step), and
 * the switch still reads a freshly written frame. The fence orders the
 * stores before netfront publishes the request.
 */
static void flood_write(uint8_t *page, unsigned len)
{
#if defined(__x86_64__)
	const __m128i *s = (const __m128i *)flood_frame;
	__m128i *d = (__m128i *)page; /* pages are 4096-aligned */
	unsigned k, whole = (len + 15) / 16;

	for (k = 0; k < whole; k++)
		_mm_stream_si128(d + k, _mm_load_si128(s + k));
	_mm_sfence();
#else
	memcpy(page, flood_frame, len);
#endif
}

static unsigned flood_fill(void *arg, unsigned i, uint8_t *page)
{
	struct bench *b = arg;

	(void)i;
	flood_write(page, b->o.flood_bytes);
	return b->o.flood_bytes;
}

/*
 * Top the flooder's TX ring up (as many frames as it has room for) and
 * drain its RX ring, once per RT ping: the switch finds the ring full and
 * between two pings consumes only what it forwarded during one round
 * trip, so it always has best-effort work (the bench counts pings that
 * found the ring run dry). A flooder on a CPU of its own writes its frames
 * in its own caches; here it runs on the RT pinger's thread (2 vCPUs), so
 * it writes them in place into the TX pages (rtdd_netfront_send_fill)
 * with non-temporal stores, which leave the pinger's caches alone. (The
 * first versions copied through the caches and sent until the ring stayed
 * full: thousands of 1514-byte copies before each ping, which measured the
 * pinger's own cache more than the switch; docs/net.md.)
 */
static unsigned flood_step(struct bench *b)
{
	static uint8_t sink[65536];
	struct rtdd_nf_frame in = {.data = sink, .cap = 65535};
	int n;

	/* The flood goes out another uplink than the RT traffic: what it
	 * shares with the RT vif is the switch thread. */
	frame64(flood_frame, sink_mac, guest_mac[1], 0, b->o.flood_bytes);
	n = rtdd_netfront_send_fill(b->nf[1], 0, 256, flood_fill, b);
	while (rtdd_netfront_recv(b->nf[1], 0, &in, 1) > 0)
		;
	return n > 0 ? (unsigned)n : 0;
}

/*
 * The control for the flooded blocks: the pinger's thread also generates
 * the flood (flood_step before each ping). stir() does the guest side of a
 * flood_step without sending: as many frames written the same way into
 * 256 pages as one flood_step sent on average. Quiet pings after it show
 * what the flooder's work costs the pinger, so the switch's share of the
 * flood's cost is what is left.
 */
static void stir(struct bench *b)
{
	static uint8_t pages[256][4096] __attribute__((aligned(4096)));
	static unsigned next;
	uint64_t n = b->flood_steps ? b->flood_sent / b->flood_steps : 256;

	frame64(flood_frame, sink_mac, guest_mac[1], 0, b->o.flood_bytes);
	for (uint64_t i = 0; i < n; i++)
		flood_write(pages[next++ & 255], b->o.flood_bytes);
	__asm__ __volatile__("" : : "r"(pages) : "memory");
}

/* The first use of each guest buffer page maps it (feature-rtdd-persistent:
 * a round trip to the hypervisor, once per page and connection). Warm the
 * flooder's pages before measuring, as an RT system warms up at start. */
static void flood_warm(struct bench *b, unsigned ms)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < (uint64_t)ms * 1000000ull)
		flood_step(b);
}

/* After a flooded block: the switch empties the flooder's TX ring (256
 * frames, well under 1 ms) before the next quiet block starts. */
static void flood_drain(struct bench *b)
{
	static uint8_t sink[65536];
	struct rtdd_nf_frame in = {.data = sink, .cap = 65535};
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < 1000000ull)
		(void)rtdd_netfront_recv(b->nf[1], 0, &in, 1);
}

/* The best-effort vif alone (no RT traffic, so no copy is stopped) sending
 * flood frames to the sink for ms milliseconds with be-split on or off:
 * what the looks between pieces cost. Adds frames and ns. */
static void be_split_run(struct bench *b, bool split, unsigned ms,
			 uint64_t *frames, uint64_t *ns)
{
	uint64_t s0, t0, t1;

	rtdd_sw_set_be_split(b->sw, split);
	flood_warm(b, 10);
	s0 = __atomic_load_n(&sink_count, __ATOMIC_RELAXED);
	t0 = now_ns();
	while ((t1 = now_ns()) - t0 < (uint64_t)ms * 1000000ull)
		(void)flood_step(b);
	*frames += __atomic_load_n(&sink_count, __ATOMIC_RELAXED) - s0;
	*ns += t1 - t0;
	rtdd_sw_set_be_split(b->sw, true);
	flood_drain(b);
}

/* Best-effort frames the sink got during flooded runs, and over what
 * time: the flood's own throughput under preemption. */
static uint64_t flood_frames, flood_ns;

/* Ping-pong from the RT guest through the switch's reflector. */
static int rtt_run(struct bench *b, unsigned n, bool flood, struct rtdd_hist *h)
{
	uint64_t s0 = __atomic_load_n(&sink_count, __ATOMIC_RELAXED);
	uint64_t start = now_ns();
	int lost = rtt_loop(b, n, flood, h);

	if (flood) {
		flood_frames +=
			__atomic_load_n(&sink_count, __ATOMIC_RELAXED) - s0;
		flood_ns += now_ns() - start;
	}
	return lost;
}

/* In isolation blocks (b->mode set), a sample goes to b->clean[] unless a
 * host stall overlapped it: a gap of more than STALL_NS in this thread's
 * poll loop, or a switch iteration that long. The switch counts a stall
 * when it comes round again, which is before it can answer, so a stall
 * that delayed the answer has moved b->sw_stalls by the time the answer
 * is in. */
static void stall_acct(struct bench *b, uint64_t v, bool stalled)
{
	int m = __atomic_load_n(&b->mode, __ATOMIC_RELAXED);

	if (!m)
		return;
	if (stalled)
		b->stalled[m - 1]++;
	else
		rtdd_hist_add(&b->clean[m - 1], v);
}

static int rtt_loop(struct bench *b, unsigned n, bool flood,
		    struct rtdd_hist *h)
{
	static uint8_t tx[64], rx[65536];
	struct rtdd_nf_frame f = {.data = tx, .len = 64};
	struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
	unsigned i, warm = n / 10, lost = 0;

	for (i = 0; i < n + warm; i++) {
		uint64_t t0, t1 = 0, deadline, prev, c0;
		bool gstall = false;
		int r = 0;

		if (flood) {
			unsigned sent = flood_step(b);

			if (__atomic_load_n(&b->mode, __ATOMIC_RELAXED) == 2) {
				b->flood_sent += sent;
				b->flood_steps++;
				b->flood_dry += sent == 256;
			}
		} else if (b->stir) {
			stir(b);
		}
		c0 = __atomic_load_n(&b->sw_stalls, __ATOMIC_ACQUIRE);
		t0 = now_ns();
		frame64(tx, far_mac, guest_mac[0], t0, 64);
		if (rtdd_netfront_send(b->nf[0], 0, &f, 1) != 1) {
			lost++;
			continue;
		}
		deadline = t0 + 100000000ull;
		prev = t0;
		for (;;) {
			r = rtdd_netfront_recv(b->nf[0], 0, &in, 1);
			t1 = now_ns();
			if (t1 - prev > STALL_NS)
				gstall = true;
			prev = t1;
			if (r < 0)
				return r;
			if (r == 1) {
				uint64_t st;

				memcpy(&st, rx + 16, 8);
				if (st == t0)
					break;
				continue; /* a late one */
			}
			if (t1 > deadline)
				break;
		}
		if (r != 1) {
			lost++;
			continue;
		}
		if (i >= warm) {
			uint64_t c1;

			/* A stall inside the round that answered is counted
			 * when that round ends, just after the answer: give a
			 * slow sample's switch time to come round. */
			if (t1 - t0 > STALL_NS)
				for (uint64_t e = now_ns() + 2 * STALL_NS;
				     now_ns() < e;)
					;
			c1 = __atomic_load_n(&b->sw_stalls, __ATOMIC_ACQUIRE);
			rtdd_hist_add(h, t1 - t0);
			stall_acct(b, t1 - t0, gstall || c1 != c0);
		}
	}
	return (int)lost;
}

/* 64-byte frames from guest 0 to dst as fast as the ring takes them for
 * ms milliseconds; the sink or guest 1 counts. Returns frames/s. */
static double mpps_run(struct bench *b, const uint8_t *dst, bool to_guest,
		       unsigned ms, uint64_t *rounds)
{
	static uint8_t fr[64], rx[32][2048];
	struct rtdd_nf_frame f[32], in[32];
	uint64_t t0, t1, got = 0, s0, r0;
	unsigned i;

	frame64(fr, dst, guest_mac[0], 0, 64);
	for (i = 0; i < 32; i++) {
		f[i].data = fr;
		f[i].len = 64;
		in[i].data = rx[i];
		in[i].cap = 2048;
	}
	s0 = __atomic_load_n(&sink_count, __ATOMIC_RELAXED);
	r0 = b->rounds_done;
	t0 = now_ns();
	while ((t1 = now_ns()) - t0 < (uint64_t)ms * 1000000ull) {
		(void)rtdd_netfront_send(b->nf[0], 0, f, 32);
		if (to_guest) {
			int r = rtdd_netfront_recv(b->nf[1], 0, in, 32);

			if (r > 0)
				got += (unsigned)r;
		}
	}
	if (!to_guest)
		got = __atomic_load_n(&sink_count, __ATOMIC_RELAXED) - s0;
	*rounds = b->rounds_done - r0;
	return (double)got * 1e9 / (double)(t1 - t0);
}

/* ------------------------------------------------------------------ */
/* memif baseline: two rtdd-pktlat processes                            */
/* ------------------------------------------------------------------ */

static char pktlat_bin[PATH_MAX + 32];

static unsigned memif_fifo;

/* exec pktlat, under chrt -f when the bench runs SCHED_FIFO. The fork
 * inherits the calling thread's SCHED_FIFO and its one-CPU affinity
 * (pin()): both are reset first, or the memif processes compete at FIFO
 * priority with the switch poller and their EAL control threads starve
 * (seen: "start port 0: Operation not permitted"). */
static void exec_pktlat(char **args)
{
	char prio[16], *argv[40];
	struct sched_param sp = {0};
	cpu_set_t all;
	unsigned n = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	CPU_ZERO(&all);
	for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
		CPU_SET((int)c, &all);
	(void)sched_setaffinity(0, sizeof(all), &all);
	(void)sched_setscheduler(0, SCHED_OTHER, &sp);

	if (memif_fifo) {
		snprintf(prio, sizeof(prio), "%u", memif_fifo);
		argv[n++] = (char *)"chrt";
		argv[n++] = (char *)"-f";
		argv[n++] = prio;
	}
	while (*args && n < 38)
		argv[n++] = *args++;
	argv[n] = NULL;
	execvp(argv[0], argv);
	_exit(127);
}

static int memif_round(unsigned n, struct rtdd_hist *h, const char *tmp)
{
	char sock[96], histf[PATH_MAX], cnt[32], warm[32], dev_s[160],
		dev_c[160], pre_s[48], pre_c[48];
	pid_t refl, ping;
	int st = 0;
	FILE *f;

	snprintf(sock, sizeof(sock), "/run/rtdd-bench-%d.sock", (int)getpid());
	snprintf(dev_s, sizeof(dev_s),
		 "--vdev=net_memif0,role=server,socket=%s", sock);
	snprintf(dev_c, sizeof(dev_c),
		 "--vdev=net_memif0,role=client,socket=%s", sock);
	snprintf(pre_s, sizeof(pre_s), "--file-prefix=rtdd-bnr%d",
		 (int)getpid());
	snprintf(pre_c, sizeof(pre_c), "--file-prefix=rtdd-bnp%d",
		 (int)getpid());
	snprintf(histf, sizeof(histf), "%s/memif.hist", tmp);
	snprintf(cnt, sizeof(cnt), "%u", n);
	snprintf(warm, sizeof(warm), "%u", n / 10);
	fflush(NULL);
	refl = fork();
	if (refl == 0) {
		if (!freopen("/dev/null", "w", stdout)) {
			/* output lost is fine */
		}
		char *a[] = {pktlat_bin, "-l",
			     "0",	 "--no-huge",
			     "-m",	 "128",
			     "--no-pci", "--log-level=error",
			     pre_s,	 dev_s,
			     "--",	 "-m",
			     "reflect",	 "--idle-exit",
			     "3",	 "--duration",
			     "120",	 "-q",
			     NULL};

		exec_pktlat(a);
	}
	/* The memif client connects once at start: wait until the server
	 * listens (its socket shows in /proc/net/unix, abstract or not).
	 * EAL start-up took over 5 s on a loaded 2-CPU machine: wait up to
	 * 60 s, unless the server died. */
	for (int i = 0; i < 6000; i++) {
		char line[512];
		bool up = false;

		if (waitpid(refl, &st, WNOHANG) == refl) {
			fprintf(stderr, "rtdd-bench-net: memif server exited "
					"before listening\n");
			return -EIO;
		}
		f = fopen("/proc/net/unix", "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, sock))
				up = true;
		if (f)
			fclose(f);
		if (up)
			break;
		usleep(10000);
	}
	ping = fork();
	if (ping == 0) {
		if (!freopen("/dev/null", "w", stdout)) {
			/* output lost is fine */
		}
		char *a[] = {pktlat_bin, "-l",	"1",	    "--no-huge",
			     "-m",	 "128", "--no-pci", "--log-level=error",
			     pre_c,	 dev_c, "--",	    "-m",
			     "ping",	 "-n",	cnt,	    "-w",
			     warm,	 "-q",	"--hist",   histf,
			     NULL};

		exec_pktlat(a);
	}
	waitpid(ping, &st, 0);
	kill(refl, SIGTERM);
	waitpid(refl, NULL, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	f = fopen(histf, "r");
	if (!f)
		return -errno;
	{
		uint64_t c, mn, mx, sum, v;
		unsigned idx;
		struct rtdd_hist one;

		rtdd_hist_init(&one);
		if (fscanf(f,
			   "rtdd-hist v1 %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64,
			   &c, &mn, &mx, &sum) != 4) {
			fclose(f);
			return -EINVAL;
		}
		while (fscanf(f, "%u %" SCNu64, &idx, &v) == 2)
			if (idx < RTDD_HIST_BUCKETS)
				one.buckets[idx] += v;
		one.count = c;
		one.min = mn;
		one.max = mx;
		one.sum = sum;
		rtdd_hist_merge(h, &one);
	}
	fclose(f);
	unlink(histf);
	return 0;
}

/* ------------------------------------------------------------------ */

static void row(const char *name, const struct rtdd_hist *h)
{
	printf("  %-34s p50 %9s  p90 %9s  p99 %9s  p99.9 %9s  max %9s  (%" PRIu64
	       ")\n",
	       name, rtdd_bench_fmt_ns(rtdd_hist_pct(h, 50)),
	       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 90)),
	       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 99)),
	       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 99.9)),
	       rtdd_bench_fmt_ns(h->max), h->count);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtdd bench net [--samples N] [--rounds N] "
		"[--out DIR] [--no-memif]\n"
		"  --samples N   round trips per round and path (default "
		"3000; a run takes 10-20 s)\n"
		"  --rounds N    interleaved rounds (default 3)\n"
		"  --out DIR     write net.json and net.svg there (default "
		"$RTDD_BENCH_OUT)\n"
		"  --no-memif    skip the DPDK memif baseline\n"
		"  --be-chunk N  the switch's be-chunk (best-effort frames\n"
		"                between two looks at the RT vifs; default 1)\n"
		"  --flood-bytes N  size of the best-effort flood's frames,\n"
		"                60..1514 (default 1514)\n"
		"  --fifo PRIO   run the switch and guest threads SCHED_FIFO at\n"
		"                PRIO (root); the memif processes stay\n"
		"                SCHED_OTHER (a SCHED_FIFO DPDK process starves\n"
		"                its own EAL control thread here)\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"samples", required_argument, NULL, 's'},
		{"rounds", required_argument, NULL, 'r'},
		{"out", required_argument, NULL, 'o'},
		{"no-memif", no_argument, NULL, 'M'},
		{"fifo", required_argument, NULL, 'F'},
		{"be-chunk", required_argument, NULL, 'C'},
		{"flood-bytes", required_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct bench b;
	static struct rtdd_hist memif, rtdd, rt_flood, shared_flood, rtdd_r[16],
		flood_r[16], memif_r[16], ev_quiet, ev_flood, rt_stir,
		rt_unsplit;
	struct rtdd_bench_env env;
	double mpps_sink = 0, mpps_vif = 0, ratio50, ratio_iso, ratio_shared,
	       ratio_iso_clean, ratio_iso_stir, ratio_split, stalled_pct[4];
	long thr_rt = 0, thr_per = 0;
	double ratio_ev, ratio_ev_quiet50, ratio_ev_quiet99, ratio_rt_ev;
	double be_rate_prio, be_rate_sh;
	struct rtdd_svc_item_stats ev_st0 = {0}, ev_st1 = {0};
	uint64_t rounds_sink = 0, rounds_vif = 0, prio_flood_frames = 0;
	/* switch counters over the prioritised flooded blocks */
	uint64_t fl_preempt = 0, fl_yields = 0, pre0, pre1, yld0, yld1;
	uint64_t unsplit_frames = 0, unsplit_ns = 0, ff0, fn0;
	/* best-effort flood alone, be-split on [0] and off [1] */
	uint64_t bs_frames[2] = {0, 0}, bs_ns[2] = {0, 0};
	double bs_fps[2];
	uint64_t prio_flood_ns = 0, sh_flood_frames, sh_flood_ns;
	char tmp[] = "/tmp/rtdd-bench-net.XXXXXX", exe[PATH_MAX], pinfo[160];
	int c, rc = 1, lost_rt = 0, lost_fl = 0, lost_sh = 0, lost_evq = 0,
	       lost_evf = 0;
	bool have_memif;
	ssize_t len;

	rtdd_log_init("rtdd-bench-net", RTDD_LOG_WARN);
	b.o.samples = 3000;
	b.o.rounds = 3;
	b.o.flood_bytes = 1514;
	b.o.out = getenv("RTDD_BENCH_OUT");
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (rtdd_bench_parse_uint(optarg, 100, 10000000,
						  &b.o.samples))
				goto bad;
			break;
		case 'r':
			if (rtdd_bench_parse_uint(optarg, 1, 16, &b.o.rounds))
				goto bad;
			break;
		case 'o':
			b.o.out = optarg;
			break;
		case 'M':
			b.o.no_memif = true;
			break;
		case 'F':
			if (rtdd_bench_parse_uint(optarg, 1, 99, &b.o.fifo))
				goto bad;
			break;
		case 'C':
			if (rtdd_bench_parse_uint(optarg, 1, 32, &b.o.be_chunk))
				goto bad;
			break;
		case 'B':
			if (rtdd_bench_parse_uint(optarg, 60, 1514,
						  &b.o.flood_bytes))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
		bad:
			usage(stderr);
			return 2;
		}
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return 1;
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	/* rtdd-pktlat is beside us (bin/) or in ../bin (bench/). */
	snprintf(pktlat_bin, sizeof(pktlat_bin), "%s/rtdd-pktlat", exe);
	if (access(pktlat_bin, X_OK))
		snprintf(pktlat_bin, sizeof(pktlat_bin),
			 "%s/../bin/rtdd-pktlat", exe);
	have_memif = !b.o.no_memif && access(pktlat_bin, X_OK) == 0 &&
		     system("ls /usr/lib/*/dpdk/pmds-*/librte_net_memif.so "
			    ">/dev/null 2>&1") == 0;
	if (!mkdtemp(tmp))
		return 1;
	/* The memif processes run SCHED_OTHER (exec_pktlat resets what
	 * they inherit): a SCHED_FIFO DPDK process starves its own EAL
	 * control thread here. */
	memif_fifo = 0;
	rtdd_hist_init(&memif);
	rtdd_hist_init(&rtdd);
	rtdd_hist_init(&rt_flood);
	rtdd_hist_init(&shared_flood);
	rtdd_hist_init(&ev_quiet);
	rtdd_hist_init(&ev_flood);
	rtdd_hist_init(&rt_stir);
	rtdd_hist_init(&rt_unsplit);
	for (int m = 0; m < 4; m++) {
		rtdd_hist_init(&b.sw_iter[m]);
		rtdd_hist_init(&b.clean[m]);
	}

	rtdd_bench_env_begin(&env);
	if (rtdd_bench_sim_start(&b.sim, 1 + NG)) {
		fprintf(stderr, "rtdd-bench-net: cannot start rtdd-simhv\n");
		goto out;
	}
	for (unsigned g = 0; g < NG; g++) {
		char mac[24];
		const char *bkv[] = {"mac", mac, NULL};
		const char *fkv[] = {"mac", mac, "handle", "0", NULL};

		snprintf(mac, sizeof(mac), "00:16:3e:00:00:%02x", g + 1);
		if (rtdd_xb_toolstack_add(b.sim.dom0, "vif", b.sim.domid[0],
					  b.sim.domid[1 + g], 0, bkv, fkv)) {
			fprintf(stderr, "rtdd-bench-net: toolstack failed\n");
			goto out;
		}
	}
	if (backend_up(&b, true, false) ||
	    pthread_create(&b.poller, NULL, poller_main, &b))
		goto out;
	if (guests_connect(&b, true)) {
		fprintf(stderr, "rtdd-bench-net: guests did not connect\n");
		goto out;
	}
	pin(1, (int)b.o.fifo, pinfo, sizeof(pinfo));
	/* The poller writes its own note once it runs. */
	for (int i = 0;
	     i < 1000 && !__atomic_load_n(&b.cpu_note[0], __ATOMIC_ACQUIRE);
	     i++)
		usleep(1000);
	if (!b.cpu_note[0])
		snprintf(b.cpu_note, sizeof(b.cpu_note),
			 "cpu 0 (the poller did not report in 1 s)");

	{
		/* Warm the RT vif as the flooder is warmed below: its first
		 * use of each of its 256 TX and 256 RX buffer pages maps the
		 * page (a hypervisor round trip, tens of us on simhv), which
		 * otherwise lands in the first round's quiet samples. */
		struct rtdd_hist tmp_h;

		rtdd_hist_init(&tmp_h);
		set_run(&b, 1);
		(void)rtt_run(&b, 1000, false, &tmp_h);
	}
	printf("rtdd bench net: %u round trips x %u rounds per path, 64-byte "
	       "frames\n",
	       b.o.samples, b.o.rounds);
	printf("  switch thread: %s, polling; guest side: %s\n", b.cpu_note,
	       pinfo);
	if (rtdd_rt_throttle(&thr_rt, &thr_per))
		printf("  kernel RT throttling: not readable\n");
	else if (thr_rt >= 0 && thr_rt < thr_per && b.o.fifo)
		printf("  kernel RT throttling on (sched_rt_runtime_us %ld of "
		       "%ld): each polling SCHED_FIFO thread is stopped for "
		       "%ld ms per period, seen below as maxima of about that "
		       "(counted as host stalls)\n",
		       thr_rt, thr_per, (thr_per - thr_rt) / 1000);
	else
		printf("  kernel RT throttling: %s\n",
		       thr_rt < 0 ? "off" : "not in play (no SCHED_FIFO)");
	/* RTT, interleaved. */
	for (unsigned r = 0; r < b.o.rounds; r++) {
		rtdd_hist_init(&memif_r[r]);
		rtdd_hist_init(&rtdd_r[r]);
		if (have_memif) {
			set_run(&b, 0);
			if (memif_round(b.o.samples, &memif_r[r], tmp)) {
				fprintf(stderr, "rtdd-bench-net: memif round "
						"failed; baseline dropped\n");
				have_memif = false;
			}
			rtdd_hist_merge(&memif, &memif_r[r]);
		}
		set_run(&b, 1);
		rtdd_hist_init(&flood_r[r]);
		if (!r) {
			/* map the flooder's pages once, then start quiet */
			flood_warm(&b, 500);
			flood_drain(&b);
		}
		/* Isolation: quiet and flooded blocks alternate (A B A B),
		 * so both see the same host: this VM's round trip moves
		 * between about 0.6 and 1.7 us from one second to the
		 * next, with no change on our side. */
		for (unsigned done = 0; done < b.o.samples;) {
			unsigned blk = b.o.samples - done < ISO_BLOCK
					       ? b.o.samples - done
					       : ISO_BLOCK;

			__atomic_store_n(&b.mode, 1, __ATOMIC_RELEASE);
			lost_rt += rtt_run(&b, blk, false, &rtdd_r[r]);
			__atomic_store_n(&b.mode, 0, __ATOMIC_RELEASE);
			flood_warm(&b, 1);
			rtdd_sw_counters(b.sw, NULL, &pre0, &yld0);
			__atomic_store_n(&b.mode, 2, __ATOMIC_RELEASE);
			lost_fl += rtt_run(&b, blk, true, &flood_r[r]);
			__atomic_store_n(&b.mode, 0, __ATOMIC_RELEASE);
			rtdd_sw_counters(b.sw, NULL, &pre1, &yld1);
			fl_preempt += pre1 - pre0;
			fl_yields += yld1 - yld0;
			flood_drain(&b);
			b.stir = true;
			__atomic_store_n(&b.mode, 3, __ATOMIC_RELEASE);
			lost_rt += rtt_run(&b, blk, false, &rt_stir);
			__atomic_store_n(&b.mode, 0, __ATOMIC_RELEASE);
			b.stir = false;
			/* The same flood with best-effort copies moved whole
			 * once started: what splitting them saves. */
			rtdd_sw_set_be_split(b.sw, false);
			flood_warm(&b, 1);
			ff0 = flood_frames;
			fn0 = flood_ns;
			__atomic_store_n(&b.mode, 4, __ATOMIC_RELEASE);
			lost_fl += rtt_run(&b, blk, true, &rt_unsplit);
			__atomic_store_n(&b.mode, 0, __ATOMIC_RELEASE);
			unsplit_frames += flood_frames - ff0;
			unsplit_ns += flood_ns - fn0;
			flood_frames = ff0;
			flood_ns = fn0;
			flood_drain(&b);
			rtdd_sw_set_be_split(b.sw, true);
			done += blk;
		}
		rtdd_hist_merge(&rtdd, &rtdd_r[r]);
		rtdd_hist_merge(&rt_flood, &flood_r[r]);
	}
	prio_flood_frames = flood_frames;
	prio_flood_ns = flood_ns;
	flood_frames = flood_ns = 0;
	/* Throughput on one backend core. */
	for (int k = 0; k < 4; k++)
		be_split_run(&b, !(k & 1), 250, &bs_frames[k & 1],
			     &bs_ns[k & 1]);
	(void)mpps_run(&b, sink_mac, false, 100, &rounds_sink); /* warm */
	mpps_sink = mpps_run(&b, sink_mac, false, 1000, &rounds_sink);
	(void)mpps_run(&b, guest_mac[1], true, 100, &rounds_vif);
	mpps_vif = mpps_run(&b, guest_mac[1], true, 1000, &rounds_vif);
	/* The shared, unprioritised backend: both vifs best effort. */
	backend_down(&b);
	if (backend_up(&b, false, false) || guests_connect(&b, false))
		goto out;
	set_run(&b, 1);
	{
		/* Warm the new connection's pages: quiet pings, then flood. */
		struct rtdd_hist tmp_h;

		rtdd_hist_init(&tmp_h);
		(void)rtt_run(&b, 1000, false, &tmp_h);
		flood_warm(&b, 500);
	}
	lost_sh = rtt_run(&b, b.o.samples, true, &shared_flood);
	sh_flood_frames = flood_frames;
	sh_flood_ns = flood_ns;
	/* The event-driven shared backend: one class, netback's own thread
	 * sleeping on event channels when idle. */
	backend_down(&b);
	if (backend_up(&b, false, true) || guests_connect(&b, false))
		goto out;
	{
		struct rtdd_hist tmp_h;

		rtdd_hist_init(&tmp_h);
		(void)rtt_run(&b, 1000, false, &tmp_h);
	}
	(void)rtdd_netback_svc_stats(b.nb, &ev_st0);
	lost_evq = rtt_run(&b, b.o.samples, false, &ev_quiet);
	flood_warm(&b, 500);
	lost_evf = rtt_run(&b, b.o.samples, true, &ev_flood);
	(void)rtdd_netback_svc_stats(b.nb, &ev_st1);
	set_run(&b, 0);
	rtdd_bench_env_end(&env);

	printf("\nround trip, 64 B:\n");
	if (have_memif)
		row("DPDK memif, 2 processes", &memif);
	row("rtdd: netfront-netback-switch", &rtdd);
	printf("\nisolation (RT vif while a BE vif floods %u B):\n",
	       b.o.flood_bytes);
	row("rtdd RT vif, quiet", &rtdd);
	row("rtdd RT vif, BE flooding", &rt_flood);
	row("unprioritised (one class), flood", &shared_flood);
	row("event-driven shared, quiet", &ev_quiet);
	row("event-driven shared, flood", &ev_flood);
	be_rate_prio = prio_flood_ns ? (double)prio_flood_frames * 1e9 /
					       (double)prio_flood_ns
				     : 0;
	be_rate_sh = sh_flood_ns ? (double)sh_flood_frames * 1e9 /
					   (double)sh_flood_ns
				 : 0;
	printf("best-effort flood delivered while the RT vif pinged: "
	       "%.0f k frames/s (%.2f Gbit/s) with RT preemption "
	       "(be-chunk %u), %.0f k frames/s (%.2f Gbit/s) one class\n",
	       be_rate_prio / 1e3, be_rate_prio * b.o.flood_bytes * 8 / 1e9,
	       b.o.be_chunk ? b.o.be_chunk : 1, be_rate_sh / 1e3,
	       be_rate_sh * b.o.flood_bytes * 8 / 1e9);
	printf("  the flooder's TX ring had run dry before %llu of %llu "
	       "flooded pings (the rest found best-effort frames waiting)\n"
	       "  the switch ran the RT service between two best-effort "
	       "frames %llu times, %llu of them stopping a best-effort "
	       "copy part way\n",
	       (unsigned long long)b.flood_dry,
	       (unsigned long long)b.flood_steps,
	       (unsigned long long)fl_preempt, (unsigned long long)fl_yields);
	ratio50 = have_memif ? rtdd_bench_ratio(&rtdd, &memif, 50) : NAN;
	ratio_iso = rtdd_bench_ratio(&rt_flood, &rtdd, 99);
	ratio_shared = rtdd_bench_ratio(&shared_flood, &rtdd, 99);
	ratio_ev = rtdd_bench_ratio(&ev_flood, &ev_quiet, 99);
	ratio_ev_quiet50 = rtdd_bench_ratio(&ev_quiet, &rtdd, 50);
	ratio_ev_quiet99 = rtdd_bench_ratio(&ev_quiet, &rtdd, 99);
	ratio_rt_ev = rtdd_bench_ratio(&rt_flood, &ev_flood, 99);
	ratio_iso_clean = rtdd_bench_ratio(&b.clean[1], &b.clean[0], 99);
	ratio_iso_stir = rtdd_bench_ratio(&b.clean[1], &b.clean[2], 99);
	ratio_split = rtdd_bench_ratio(&b.clean[1], &b.clean[3], 99);
	for (int m = 0; m < 4; m++) {
		uint64_t all = b.clean[m].count + b.stalled[m];

		stalled_pct[m] =
			all ? 100.0 * (double)b.stalled[m] / (double)all : 0;
	}
	printf("\nratios: rtdd/memif p50 %.2f (target <= 1.2); RT p99 "
	       "flood/quiet %.2f (target <= 1.1); unprioritised p99 "
	       "flood/quiet %.2f\n",
	       ratio50, ratio_iso, ratio_shared);
	printf("event-driven shared backend: p99 flood/quiet %.2f; quiet "
	       "vs rtdd p50 %.2f, p99 %.2f; rtdd RT flood p99 / event "
	       "flood p99 %.2f\n",
	       ratio_ev, ratio_ev_quiet50, ratio_ev_quiet99, ratio_rt_ev);
	printf("  its thread: %s; %" PRIu64 " rounds, %" PRIu64
	       " sleeps while measured\n",
	       b.ev_note, ev_st1.rounds - ev_st0.rounds,
	       ev_st1.sleeps - ev_st0.sleeps);
	printf("\nhost stalls: RT samples during which the switch thread or "
	       "the pinger did not come round for %u us:\n"
	       "  quiet %.2f %%, flood %.2f %%, after writes %.2f %%, flood with "
	       "unsplit copies %.2f %% of samples; without them:\n",
	       STALL_NS / 1000, stalled_pct[0], stalled_pct[1], stalled_pct[2],
	       stalled_pct[3]);
	row("rtdd RT vif, quiet, no stall", &b.clean[0]);
	row("rtdd RT vif, BE flooding, no stall", &b.clean[1]);
	row("quiet, flooder's writes, no stall", &b.clean[2]);
	row("BE flooding, be-split off, no st.", &b.clean[3]);
	printf("  RT p99 flood/quiet without stalled samples %.2f (p50 %.2f, "
	       "p90 %.2f)\n",
	       ratio_iso_clean, rtdd_bench_ratio(&b.clean[1], &b.clean[0], 50),
	       rtdd_bench_ratio(&b.clean[1], &b.clean[0], 90));
	printf("  against quiet after the flooder's writes without sending "
	       "(%" PRIu64 " frames before each ping): p99 %.2f "
	       "(p50 %.2f, p90 %.2f)\n",
	       b.flood_steps ? b.flood_sent / b.flood_steps : 0, ratio_iso_stir,
	       rtdd_bench_ratio(&b.clean[1], &b.clean[2], 50),
	       rtdd_bench_ratio(&b.clean[1], &b.clean[2], 90));
	printf("  splitting best-effort copies for RT frames (be-split on "
	       "against off, alternating blocks): RT flood p99 %.2f (p50 "
	       "%.2f, p90 %.2f) of unsplit; the flood with unsplit copies: "
	       "%.0f k frames/s\n",
	       ratio_split, rtdd_bench_ratio(&b.clean[1], &b.clean[3], 50),
	       rtdd_bench_ratio(&b.clean[1], &b.clean[3], 90),
	       unsplit_ns ? (double)unsplit_frames * 1e6 / (double)unsplit_ns
			  : 0);
	printf("switch iterations (one round each, cpu 0) during those "
	       "samples:\n");
	row("switch round, quiet", &b.sw_iter[0]);
	row("switch round, BE flooding", &b.sw_iter[1]);
	row("switch round, quiet, after writes", &b.sw_iter[2]);
	{
		uint64_t p50r[16], p50m[16];
		double iso_r[16];

		for (unsigned r = 0; r < b.o.rounds; r++) {
			p50r[r] = rtdd_hist_pct(&rtdd_r[r], 50);
			p50m[r] = rtdd_hist_pct(&memif_r[r], 50);
			iso_r[r] =
				rtdd_bench_ratio(&flood_r[r], &rtdd_r[r], 99);
		}
		printf("RT p99 flood/quiet per round:");
		for (unsigned r = 0; r < b.o.rounds; r++)
			printf(" %.2f", iso_r[r]);
		printf("\n");
		printf("spread of p50 over %u rounds: rtdd %.2f, memif %.2f\n",
		       b.o.rounds, rtdd_bench_spread(p50r, b.o.rounds),
		       have_memif ? rtdd_bench_spread(p50m, b.o.rounds) : NAN);
	}
	printf("throughput, 64 B, one switch core: guest -> sink %.2f Mpps, "
	       "guest -> guest %.2f Mpps (target >= 2.5)\n",
	       mpps_sink / 1e6, mpps_vif / 1e6);
	for (int k = 0; k < 2; k++)
		bs_fps[k] =
			bs_ns[k] ? (double)bs_frames[k] * 1e9 / (double)bs_ns[k]
				 : 0;
	printf("best-effort %u-byte frames alone (no RT traffic), guest -> "
	       "sink: %.0f k frames/s with be-split on, %.0f k off (%.2f)\n",
	       b.o.flood_bytes, bs_fps[0] / 1e3, bs_fps[1] / 1e3,
	       bs_fps[1] > 0 ? bs_fps[0] / bs_fps[1] : NAN);
	printf("lost: quiet %d, flood %d, unprioritised %d, event quiet %d, "
	       "event flood %d\n",
	       lost_rt, lost_fl, lost_sh, lost_evq, lost_evf);
	rtdd_bench_env_print(&env);

	if (b.o.out) {
		char p[PATH_MAX];
		struct rtdd_json j;
		FILE *f;
		struct rtdd_plot_series s[6];
		unsigned ns = 0;

		mkdir(b.o.out, 0755);
		snprintf(p, sizeof(p), "%s/net.json", b.o.out);
		f = fopen(p, "w");
		if (f) {
			rtdd_json_init(&j, f, true);
			rtdd_json_obj_begin(&j, NULL);
			rtdd_json_str(&j, "bench", "net");
			rtdd_bench_env_json(&j, &env);
			rtdd_json_u64(&j, "samples_per_round", b.o.samples);
			rtdd_json_u64(&j, "rounds", b.o.rounds);
			rtdd_json_str(&j, "guest_thread", pinfo);
			rtdd_json_str(&j, "switch_thread", b.cpu_note);
			rtdd_json_i64(&j, "sched_rt_runtime_us", thr_rt);
			rtdd_json_i64(&j, "sched_rt_period_us", thr_per);
			if (have_memif)
				rtdd_json_hist(&j, "rtt_memif", &memif);
			rtdd_json_hist(&j, "rtt_rtdd", &rtdd);
			rtdd_json_hist(&j, "rtt_rt_flood", &rt_flood);
			rtdd_json_hist(&j, "rtt_unprioritised_flood",
				       &shared_flood);
			rtdd_json_hist(&j, "rtt_event_shared_quiet", &ev_quiet);
			rtdd_json_hist(&j, "rtt_event_shared_flood", &ev_flood);
			rtdd_json_str(&j, "event_thread", b.ev_note);
			rtdd_json_u64(&j, "event_rounds",
				      ev_st1.rounds - ev_st0.rounds);
			rtdd_json_u64(&j, "event_sleeps",
				      ev_st1.sleeps - ev_st0.sleeps);
			rtdd_json_dbl(&j, "ratio_p50_rtdd_memif", ratio50);
			rtdd_json_dbl(&j, "ratio_p99_rt_flood_quiet",
				      ratio_iso);
			rtdd_json_u64(&j, "stall_threshold_ns", STALL_NS);
			rtdd_json_hist(&j, "rtt_rt_quiet_no_stall",
				       &b.clean[0]);
			rtdd_json_hist(&j, "rtt_rt_flood_no_stall",
				       &b.clean[1]);
			rtdd_json_dbl(&j, "stalled_pct_quiet", stalled_pct[0]);
			rtdd_json_dbl(&j, "stalled_pct_flood", stalled_pct[1]);
			rtdd_json_dbl(&j, "ratio_p99_rt_flood_quiet_no_stall",
				      ratio_iso_clean);
			rtdd_json_hist(&j, "rtt_rt_quiet_stirred", &rt_stir);
			rtdd_json_hist(&j, "rtt_rt_quiet_stirred_no_stall",
				       &b.clean[2]);
			rtdd_json_dbl(&j, "stalled_pct_quiet_stirred",
				      stalled_pct[2]);
			rtdd_json_u64(&j, "stir_frame_copies",
				      b.flood_steps
					      ? b.flood_sent / b.flood_steps
					      : 0);
			rtdd_json_u64(&j, "flood_steps", b.flood_steps);
			rtdd_json_u64(&j, "flood_ring_dry", b.flood_dry);
			rtdd_json_u64(&j, "flood_preemptions", fl_preempt);
			rtdd_json_u64(&j, "flood_copy_yields", fl_yields);
			rtdd_json_hist(&j, "rtt_rt_flood_unsplit", &rt_unsplit);
			rtdd_json_hist(&j, "rtt_rt_flood_unsplit_no_stall",
				       &b.clean[3]);
			rtdd_json_dbl(&j, "stalled_pct_flood_unsplit",
				      stalled_pct[3]);
			rtdd_json_dbl(
				&j, "ratio_p99_rt_flood_split_unsplit_no_stall",
				ratio_split);
			rtdd_json_dbl(&j, "be_flood_fps_unsplit",
				      unsplit_ns
					      ? (double)unsplit_frames * 1e9 /
							(double)unsplit_ns
					      : 0);
			rtdd_json_dbl(
				&j, "ratio_p99_rt_flood_quiet_stirred_no_stall",
				ratio_iso_stir);
			rtdd_json_hist(&j, "switch_round_quiet", &b.sw_iter[0]);
			rtdd_json_hist(&j, "switch_round_flood", &b.sw_iter[1]);
			rtdd_json_dbl(&j, "ratio_p99_unprioritised_flood_quiet",
				      ratio_shared);
			rtdd_json_dbl(&j, "be_flood_fps_prioritised",
				      be_rate_prio);
			rtdd_json_dbl(&j, "be_flood_fps_one_class", be_rate_sh);
			rtdd_json_u64(&j, "flood_bytes", b.o.flood_bytes);
			rtdd_json_u64(&j, "be_chunk",
				      b.o.be_chunk ? b.o.be_chunk : 1);
			rtdd_json_dbl(&j, "ratio_p99_event_flood_quiet",
				      ratio_ev);
			rtdd_json_dbl(&j, "ratio_p50_event_quiet_rtdd",
				      ratio_ev_quiet50);
			rtdd_json_dbl(&j, "ratio_p99_event_quiet_rtdd",
				      ratio_ev_quiet99);
			rtdd_json_dbl(&j, "ratio_p99_rt_flood_event_flood",
				      ratio_rt_ev);
			rtdd_json_dbl(&j, "mpps_guest_to_sink",
				      mpps_sink / 1e6);
			rtdd_json_dbl(&j, "mpps_guest_to_guest",
				      mpps_vif / 1e6);
			rtdd_json_dbl(&j, "be_alone_fps_split", bs_fps[0]);
			rtdd_json_dbl(&j, "be_alone_fps_unsplit", bs_fps[1]);
			rtdd_json_u64(&j, "switch_rounds_sink", rounds_sink);
			rtdd_json_u64(&j, "switch_rounds_guest", rounds_vif);
			rtdd_json_obj_end(&j);
			fputc('\n', f);
			fclose(f);
		}
		if (have_memif)
			s[ns++] =
				(struct rtdd_plot_series){"DPDK memif", &memif};
		s[ns++] = (struct rtdd_plot_series){"rtdd", &rtdd};
		s[ns++] = (struct rtdd_plot_series){"rtdd RT, BE flood",
						    &rt_flood};
		s[ns++] = (struct rtdd_plot_series){"one class, flood",
						    &shared_flood};
		s[ns++] = (struct rtdd_plot_series){"event-driven, quiet",
						    &ev_quiet};
		s[ns++] = (struct rtdd_plot_series){"event-driven, flood",
						    &ev_flood};
		snprintf(p, sizeof(p), "%s/net.svg", b.o.out);
		(void)rtdd_svg_percentiles(
			p, "rtdd bench net: round trip, 64 B", s, ns);
		printf("results: %s/net.json, %s/net.svg\n", b.o.out, b.o.out);
	}
	rc = 0;
out:
	if (b.poller) {
		__atomic_store_n(&b.run, -1, __ATOMIC_RELEASE);
		pthread_join(b.poller, NULL);
	}
	for (unsigned g = 0; g < NG; g++)
		rtdd_netfront_close(b.nf[g]);
	rtdd_netback_destroy(b.nb, true);
	rtdd_sw_destroy(b.sw);
	rtdd_bench_sim_stop(&b.sim);
	rmdir(tmp);
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * tests/sim/faults/test_faults_net.c - kill -9 of rtdd-netback, and of
 * the whole driver domain, under RT traffic, on rtdd-simhv.
 *
 * rtdd-devd runs rtdd-netback (switch: two RT ports) in a driver domain;
 * this process is both guests. Guest A sends a checked UDP frame to guest
 * B every 500 us; B receives and checks each one. rtdd-netback is killed
 * with SIGKILL several times; devd restarts it, both netfronts reconnect
 * and the traffic resumes. Per kill the gap (last frame B received before
 * the kill to first frame after it) is printed; the test asserts that
 * traffic resumed after every kill, that every received frame is intact
 * and in order, and that frames keep flowing in both directions after the
 * last restart.
 *
 * test_driverdom_kill: the same traffic, then every process of the driver
 * domain (rtdd-devd and rtdd-netback) gets SIGKILL at once; simhv ends the
 * domain. The test plays the toolstack (on_crash="restart", as `rtdd up`
 * configures it): a new driver domain of the same name (new domid), devd
 * in it, the vif entries replaced. The RT guests' sessions wait for the
 * replacement and follow their backends to the new domid (rings and frame
 * pages granted again; docs/faults.md) without the application doing
 * anything. Printed: the outage (last frame before the kill to first
 * after) and its parts; asserted: no session fails, each reconnects once,
 * traffic resumes, frames intact and in order, simhv holds no
 * grant mapping or pin of the dead domain, and grants, pins and ports are
 * back to their values before the kill (and before the driver domain at
 * the end).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../net/net_env.h"
#include "../simhv_fixture.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/netfront.h"

#define KILLS 3
#define PERIOD_US 500
/* Liveness bound for the traffic to resume (0.1 to 3 s here; valgrind's
 * start of rtdd-netback with DPDK alone can take several seconds). */
#define RESUME_MS 30000
/* test_driverdom_kill: the sessions' handshake timeout; an open that
 * times out (a slow machine, valgrind) is tried again with twice the
 * timeout, up to 16 s. */
#define DD_FE_TIMEOUT_MS 2000
#define DD_FE_TIMEOUT_MAX_MS 16000

extern char **environ;

static struct {
	struct simhv_fixture f;
	rtdd_domid dd, fe[2];
	rtdd_hv *fe_hv[2];
	uint8_t mac[2][6];
	char log[PATH_MAX], conf[PATH_MAX];
	pid_t devd;
} E;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void bin_path(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(buf, len, "%s/../bin/%s", dirname(exe), name);
}

static int setup(void **state)
{
	char bin[PATH_MAX];
	FILE *f;

	(void)state;
	memset(&E, 0, sizeof(E));
	bin_path("rtdd-netback", bin, sizeof(bin));
	if (access(bin, X_OK)) {
		fprintf(stderr, "SKIP: %s not built (libdpdk missing?)\n", bin);
		return 0;
	}
	if (simhv_fixture_start(&E.f)) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start\n");
		memset(&E, 0, sizeof(E));
		return 0;
	}
	if (simhv_fixture_domain(&E.f, "netdd", 1, &E.dd))
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "rt%u", i);
		if (simhv_fixture_domain(&E.f, name, 1, &E.fe[i]) ||
		    simhv_fixture_open(&E.f, E.fe[i], &E.fe_hv[i]))
			return -1;
		memcpy(E.mac[i], (uint8_t[]){0x00, 0x16, 0x3e, 0, 0, i + 1}, 6);
	}
	snprintf(E.log, sizeof(E.log), "%s/devd.log", E.f.dir);
	snprintf(E.conf, sizeof(E.conf), "%s/sw.conf", E.f.dir);
	f = fopen(E.conf, "w");
	if (!f)
		return -1;
	for (unsigned i = 0; i < 2; i++)
		fprintf(f, "port vif%u.0 rt budget 16\n", E.fe[i]);
	for (unsigned i = 0; i < 2; i++)
		fprintf(f, "mac 00:16:3e:00:00:%02x vif%u.0\n", i + 1, E.fe[i]);
	return fclose(f) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!E.f.dom0)
		return 0;
	if (getenv("RTDD_TEST_VERBOSE")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "cat %s >&2", E.log);
		if (system(cmd)) {
			/* best effort */
		}
	}
	for (unsigned i = 0; i < 2; i++)
		rtdd_hv_close(E.fe_hv[i]);
	simhv_fixture_stop(&E.f);
	memset(&E, 0, sizeof(E));
	return 0;
}

static void spawn_devd(rtdd_domid dd)
{
	char bin[PATH_MAX], nb[PATH_MAX], *envp[256];
	const char *argv[] = {
		bin,	    "--netback",	nb,	"--vif-arg",
		"--config", "--vif-arg",	E.conf, "--backoff-min-ms",
		"20",	    "--backoff-max-ms", "200",	NULL};
	unsigned ne = 0;
	int fd, fds[3];

	bin_path("rtdd-devd", bin, sizeof(bin));
	bin_path("rtdd-netback", nb, sizeof(nb));
	for (char **e = environ; *e && ne < 250; e++)
		if (strncmp(*e, "RTDD_LOG_LEVEL=", 15))
			envp[ne++] = *e;
	envp[ne++] = "RTDD_LOG_LEVEL=info";
	envp[ne] = NULL;
	fd = open(E.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	fds[0] = fd;
	fds[1] = fd;
	fds[2] = fd;
	assert_int_equal(rtdd_simhv_domain_spawn(E.f.dom0, dd,
						 (char *const *)argv, envp, fds,
						 &E.devd),
			 0);
	close(fd);
}

static int add_vif(rtdd_domid dd, unsigned i)
{
	char mac[24];
	const uint8_t *m = E.mac[i];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	{
		const char *bkv[] = {"mac", mac, "type", "vif", NULL};
		const char *fkv[] = {"mac", mac, "handle", "0", NULL};

		return rtdd_xb_toolstack_add(E.f.dom0, "vif", dd, E.fe[i], 0,
					     bkv, fkv);
	}
}

static long devd_num(rtdd_domid dd, const char *key)
{
	char p[256], *v = NULL;
	size_t len;
	long n = -1;

	snprintf(p, sizeof(p), "/local/domain/%u/data/rtdd-devd/vif/%s", dd,
		 key);
	if (!rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, &v, &len))
		n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static void nf_log(void *arg, const char *line)
{
	(void)arg;
	if (getenv("RTDD_TEST_VERBOSE"))
		fprintf(stderr, "netfront: %s\n", line);
}

static rtdd_netfront *open_vif(unsigned i, int timeout_ms)
{
	struct rtdd_netfront_opts o = {.log = nf_log, .timeout_ms = timeout_ms};
	rtdd_netfront *nf = NULL;

	assert_int_equal(
		rtdd_netfront_open(E.fe_hv[i], "device/vif/0", &o, &nf), 0);
	return nf;
}

struct flow {
	rtdd_netfront *tx, *rx;
	const uint8_t *dst, *src;
	uint32_t seq;	  /* next to send */
	uint32_t last_rx; /* last received (+1), 0: none yet */
	uint64_t sent, received, refused;
	uint64_t last_rx_us;
	bool tx_failed, rx_failed;
};

/* One period: send one frame on f (when the ring takes it), receive what
 * is there. Returns how many frames arrived; f->tx_failed / rx_failed
 * say a session answered -EIO (the device failed). */
static unsigned flow_step(struct flow *f)
{
	uint8_t buf[256], rx[2048];
	struct rtdd_nf_frame fr = {.data = buf};
	struct rtdd_nf_frame in;
	unsigned got = 0;
	int n;

	fr.len = (uint16_t)net_frame(buf, 128, f->dst, f->src, f->seq);
	n = rtdd_netfront_send(f->tx, 0, &fr, 1);
	if (n == 1) {
		f->seq++;
		f->sent++;
	} else {
		f->refused++; /* ring full or reconnecting: a lost slot */
		if (n == -EIO)
			f->tx_failed = true;
	}
	for (;;) {
		uint32_t seq;

		in.data = rx;
		in.cap = sizeof(rx);
		n = rtdd_netfront_recv(f->rx, 0, &in, 1);
		if (n == -EIO)
			f->rx_failed = true;
		if (n <= 0)
			break;
		assert_int_equal(net_frame_check(rx, in.len, &seq), 0);
		/* in order; frames lost at a kill are allowed (link flap) */
		if (f->last_rx)
			assert_true(seq >= f->last_rx);
		f->last_rx = seq + 1;
		f->received++;
		f->last_rx_us = now_us();
		got++;
	}
	return got;
}

static void pace(uint64_t *next)
{
	uint64_t t = now_us();

	*next += PERIOD_US;
	if (*next > t) {
		struct timespec ts = {0, (long)(*next - t) * 1000L};

		nanosleep(&ts, NULL);
	} else {
		*next = t;
	}
}

static void test_netback_kill(void **s)
{
	struct rtdd_netfront_stats sa, sb;
	struct flow ab = {0}, ba = {0};
	double gap_ms[KILLS], gap_max = 0, gap_sum = 0;
	uint64_t next, t_end;
	long pid, last_pid;
	unsigned kills = 0;

	(void)s;
	if (!E.f.dom0) {
		print_message("SKIP: no simhv or rtdd-netback\n");
		skip();
	}
	spawn_devd(E.dd);
	assert_int_equal(add_vif(E.dd, 0), 0);
	assert_int_equal(add_vif(E.dd, 1), 0);
	ab.tx = open_vif(0, RESUME_MS);
	ab.rx = open_vif(1, RESUME_MS);
	ab.dst = E.mac[1];
	ab.src = E.mac[0];
	ba.tx = ab.rx;
	ba.rx = ab.tx;
	ba.dst = E.mac[0];
	ba.src = E.mac[1];

	/* warm up: traffic flows */
	next = now_us();
	t_end = next + RESUME_MS * 1000ull;
	while (ab.received < 200 && now_us() < t_end) {
		flow_step(&ab);
		pace(&next);
	}
	assert_true(ab.received >= 200);
	last_pid = 0;

	for (kills = 0; kills < KILLS; kills++) {
		struct rtdd_netfront_stats st;
		uint64_t last_before, t_kill, rc_tx, rc_rx;
		uint32_t seq_at_kill;
		bool resumed = false;

		/* kill -9 of the running netback, traffic flowing */
		pid = devd_num(E.dd, "pid");
		assert_true(pid > 0 && pid != last_pid);
		rtdd_netfront_stats(ab.tx, &st);
		rc_tx = st.reconnects;
		rtdd_netfront_stats(ab.rx, &st);
		rc_rx = st.reconnects;
		last_before = ab.last_rx_us;
		seq_at_kill = ab.seq;
		t_kill = now_us();
		assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
		last_pid = pid;
		t_end = t_kill + RESUME_MS * 1000ull;
		/* until a frame sent after the kill arrives, through both
		 * netfronts' new sessions with a new backend */
		while (!resumed && now_us() < t_end) {
			flow_step(&ab);
			if (ab.last_rx > seq_at_kill) {
				uint64_t a, b;

				rtdd_netfront_stats(ab.tx, &st);
				a = st.reconnects;
				rtdd_netfront_stats(ab.rx, &st);
				b = st.reconnects;
				assert_true(a > rc_tx && b > rc_rx);
				resumed = true;
				break;
			}
			pace(&next);
		}
		if (!resumed)
			fail_msg("traffic did not resume within %u ms of kill "
				 "%u",
				 RESUME_MS, kills + 1);
		pid = devd_num(E.dd, "pid");
		assert_true(pid > 0 && pid != last_pid);
		gap_ms[kills] = (double)(ab.last_rx_us - last_before) / 1000.0;
		gap_sum += gap_ms[kills];
		if (gap_ms[kills] > gap_max)
			gap_max = gap_ms[kills];
		printf("# kill %u: rtdd-netback pid %ld killed, now pid %ld; "
		       "RT traffic gap %.1f ms\n",
		       kills + 1, last_pid, pid, gap_ms[kills]);
		/* steady again before the next kill */
		for (unsigned k = 0; k < 100; k++) {
			flow_step(&ab);
			pace(&next);
		}
	}
	/* both directions after the last restart */
	{
		uint64_t a0 = ab.received, b0 = ba.received;

		t_end = now_us() + RESUME_MS * 1000ull;
		while ((ab.received < a0 + 200 || ba.received < b0 + 200) &&
		       now_us() < t_end) {
			flow_step(&ab);
			flow_step(&ba);
			pace(&next);
		}
		assert_true(ab.received >= a0 + 200);
		assert_true(ba.received >= b0 + 200);
	}
	rtdd_netfront_stats(ab.tx, &sa);
	rtdd_netfront_stats(ab.rx, &sb);
	assert_true(sa.reconnects >= KILLS);
	assert_true(sb.reconnects >= KILLS);
	assert_true(devd_num(E.dd, "restarts") >= KILLS);
	printf("faults: netback_kill: %u SIGKILLs of rtdd-netback under RT "
	       "traffic (1 frame / %u us), traffic resumed after every one; "
	       "gap mean %.1f ms, max %.1f ms; %llu frames sent, %llu "
	       "received intact and in order (%llu never arrived: on the rings "
	       "of a killed backend or sent into the gap), %llu "
	       "sends refused while reconnecting; reconnects %llu/%llu\n",
	       kills, PERIOD_US, gap_sum / kills, gap_max,
	       (unsigned long long)(ab.sent + ba.sent),
	       (unsigned long long)(ab.received + ba.received),
	       (unsigned long long)(ab.sent + ba.sent - ab.received -
				    ba.received),
	       (unsigned long long)(ab.refused + ba.refused),
	       (unsigned long long)sa.reconnects,
	       (unsigned long long)sb.reconnects);
	rtdd_netfront_close(ab.tx);
	rtdd_netfront_close(ab.rx);
}

static struct rtdd_simhv_stats stats(void)
{
	struct rtdd_simhv_stats st;

	assert_int_equal(rtdd_simhv_stats(E.f.dom0, &st), 0);
	return st;
}

static int dd_fe_timeout_ms = DD_FE_TIMEOUT_MS;
static int dd_fe_reconnect_ms; /* 0: the library's default */

/* Open vif i as an application would, for up to a minute: an open that
 * times out (a slow machine, valgrind) is tried again with twice the
 * handshake timeout; one the backend refused (-EIO: the new backend
 * closed the device while the old session's last state changes reached
 * it, and offers it again) is tried again after 20 ms. Returns the number
 * of attempts. */
static unsigned open_retry(rtdd_netfront **nf, unsigned i)
{
	uint64_t end = now_us() + 2 * RESUME_MS * 1000ull;
	unsigned tries = 0;
	int rc;

	for (;;) {
		struct rtdd_netfront_opts o = {
			.log = nf_log,
			.timeout_ms = dd_fe_timeout_ms,
			.reconnect_ms = dd_fe_reconnect_ms,
		};

		rc = rtdd_netfront_open(E.fe_hv[i], "device/vif/0", &o, nf);
		tries++;
		if ((rc != -ETIMEDOUT && rc != -EIO) || now_us() > end)
			break;
		if (rc == -ETIMEDOUT && dd_fe_timeout_ms < DD_FE_TIMEOUT_MAX_MS)
			dd_fe_timeout_ms *= 2;
		if (rc == -EIO)
			usleep(20000);
	}
	assert_int_equal(rc, 0);
	return tries;
}

static void test_driverdom_kill(void **s)
{
	struct rtdd_simhv_dom_cfg cfg = {.name = "netdd"};
	struct rtdd_simhv_stats s0, s1, s2, s3, s4;
	struct flow ab = {0}, ba = {0};
	struct rtdd_netfront_stats sa, sb;
	uint64_t next, t_end, t_kill, t_gone, t_up, last_before;
	uint32_t seq_at_kill;
	bool resumed = false;
	rtdd_domid dd2;

	(void)s;
	if (!E.f.dom0) {
		print_message("SKIP: no simhv or rtdd-netback\n");
		skip();
	}
	s0 = stats();
	spawn_devd(E.dd);
	assert_int_equal(add_vif(E.dd, 0), 0);
	assert_int_equal(add_vif(E.dd, 1), 0);
	dd_fe_timeout_ms = DD_FE_TIMEOUT_MS;
	(void)open_retry(&ab.tx, 0);
	(void)open_retry(&ab.rx, 1);
	ab.dst = E.mac[1];
	ab.src = E.mac[0];

	next = now_us();
	t_end = next + RESUME_MS * 1000ull;
	while (ab.received < 200 && now_us() < t_end) {
		flow_step(&ab);
		pace(&next);
	}
	assert_true(ab.received >= 200);
	s1 = stats();

	/* kill -9 of every process of the driver domain at once: devd
	 * leads the domain's process group, rtdd-netback is in it */
	last_before = ab.last_rx_us;
	seq_at_kill = ab.seq;
	t_kill = now_us();
	assert_int_equal(kill(-E.devd, SIGKILL), 0);
	assert_int_equal(simhv_fixture_wait_gone(&E.f, E.dd, 5000), 0);
	t_gone = now_us();
	/* nothing of the dead domain is left mapped or pinned */
	s2 = stats();
	assert_int_equal(s2.grant_maps, s0.grant_maps);
	assert_int_equal(s2.grant_pins, s0.grant_pins);
	assert_int_equal(s2.domains, s1.domains - 1);

	/* the toolstack, on_crash="restart": the same name, a new domid,
	 * devd in it, each vif entry replaced (remove + add) */
	assert_int_equal(rtdd_simhv_domain_create(E.f.dom0, &cfg, &dd2), 0);
	assert_int_not_equal(dd2, E.dd);
	spawn_devd(dd2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(rtdd_xb_toolstack_remove(E.f.dom0, "vif", E.dd,
							  E.fe[i], 0),
				 0);
		assert_int_equal(add_vif(dd2, i), 0);
	}
	t_up = now_us();

	/* the RT application keeps its period and does nothing else: its
	 * sessions follow the backends to the new domain */
	t_end = t_kill + 2 * RESUME_MS * 1000ull;
	while (!resumed && now_us() < t_end && !ab.tx_failed && !ab.rx_failed) {
		flow_step(&ab);
		if (ab.last_rx > seq_at_kill)
			resumed = true;
		else
			pace(&next);
	}
	assert_false(ab.tx_failed || ab.rx_failed);
	if (!resumed)
		fail_msg("traffic did not resume within %u ms of the kill",
			 2 * RESUME_MS);
	rtdd_netfront_stats(ab.tx, &sa);
	rtdd_netfront_stats(ab.rx, &sb);
	assert_int_equal(sa.reconnects, 1);
	assert_int_equal(sb.reconnects, 1);

	/* both directions on the new driver domain */
	ba.tx = ab.rx;
	ba.rx = ab.tx;
	ba.dst = E.mac[0];
	ba.src = E.mac[1];
	{
		uint64_t a0 = ab.received;

		t_end = now_us() + RESUME_MS * 1000ull;
		while ((ab.received < a0 + 200 || ba.received < 200) &&
		       now_us() < t_end) {
			flow_step(&ab);
			flow_step(&ba);
			pace(&next);
		}
		assert_true(ab.received >= a0 + 200);
		assert_true(ba.received >= 200);
		assert_false(ab.tx_failed || ab.rx_failed || ba.tx_failed ||
			     ba.rx_failed);
	}
	/* the same set-up again: the same ports and domains (grant maps
	 * follow the pages traffic touched: netback maps them once) */
	s3 = stats();
	assert_int_equal(s3.ports, s1.ports);
	assert_int_equal(s3.domains, s1.domains);
	/* sessions closed: the new backend lets go of every grant */
	rtdd_netfront_close(ab.tx);
	rtdd_netfront_close(ab.rx);
	for (int i = 0; i < 500; i++) {
		s4 = stats();
		if (s4.grant_maps == s0.grant_maps &&
		    s4.grant_pins == s0.grant_pins)
			break;
		usleep(10000);
	}
	assert_int_equal(s4.grant_maps, s0.grant_maps);
	assert_int_equal(s4.grant_pins, s0.grant_pins);
	/* and the driver domain gone: every port too */
	assert_int_equal(rtdd_simhv_domain_destroy(E.f.dom0, dd2), 0);
	assert_int_equal(simhv_fixture_wait_gone(&E.f, dd2, 5000), 0);
	s4 = stats();
	assert_int_equal(s4.grant_maps, s0.grant_maps);
	assert_int_equal(s4.grant_pins, s0.grant_pins);
	assert_int_equal(s4.ports, s0.ports);
	printf("faults: driverdom_kill: 1 driver domain (rtdd-devd + "
	       "rtdd-netback) SIGKILLed under RT traffic (1 frame / %u us), "
	       "recreated as domain %u; both sessions followed it (1 "
	       "reconnect each, none failed); traffic resumed: outage %.1f "
	       "ms (last frame before the kill to first after); domain gone "
	       "after %.1f ms, new devd + vifs after %.1f ms; "
	       "simhv after "
	       "the death: %u grant maps, %u pins (baseline %u/%u); after "
	       "recovery %u/%u/%u maps/pins/ports (before the kill %u/%u/%u), "
	       "back to %u/%u/%u after close and destroy; "
	       "%llu frames sent, %llu received intact and in order\n",
	       PERIOD_US, dd2, (double)(ab.last_rx_us - last_before) / 1000.0,
	       (double)(t_gone - t_kill) / 1000.0,
	       (double)(t_up - t_kill) / 1000.0, s2.grant_maps, s2.grant_pins,
	       s0.grant_maps, s0.grant_pins, s3.grant_maps, s3.grant_pins,
	       s3.ports, s1.grant_maps, s1.grant_pins, s1.ports, s4.grant_maps,
	       s4.grant_pins, s4.ports, (unsigned long long)(ab.sent + ba.sent),
	       (unsigned long long)(ab.received + ba.received));
}

/* The driver domain dies and nobody recreates it: the sessions wait for a
 * replacement, without blocking the RT application's calls, for
 * reconnect_ms, then fail with -EIO; simhv is left with nothing of the
 * dead domain. */
static void test_driverdom_gone(void **s)
{
	struct rtdd_simhv_stats s0, s2;
	struct flow ab = {0};
	uint64_t next, t_end, t_kill, t_fail = 0, call_max = 0;

	(void)s;
	if (!E.f.dom0) {
		print_message("SKIP: no simhv or rtdd-netback\n");
		skip();
	}
	s0 = stats();
	spawn_devd(E.dd);
	assert_int_equal(add_vif(E.dd, 0), 0);
	assert_int_equal(add_vif(E.dd, 1), 0);
	dd_fe_timeout_ms = DD_FE_TIMEOUT_MS;
	dd_fe_reconnect_ms = 500;
	(void)open_retry(&ab.tx, 0);
	(void)open_retry(&ab.rx, 1);
	dd_fe_reconnect_ms = 0;
	ab.dst = E.mac[1];
	ab.src = E.mac[0];
	next = now_us();
	t_end = next + RESUME_MS * 1000ull;
	while (ab.received < 100 && now_us() < t_end) {
		flow_step(&ab);
		pace(&next);
	}
	assert_true(ab.received >= 100);

	t_kill = now_us();
	assert_int_equal(kill(-E.devd, SIGKILL), 0);
	assert_int_equal(simhv_fixture_wait_gone(&E.f, E.dd, 5000), 0);
	s2 = stats();
	assert_int_equal(s2.grant_maps, s0.grant_maps);
	assert_int_equal(s2.grant_pins, s0.grant_pins);
	/* both sessions fail, neither hangs: a liveness bound only */
	t_end = t_kill + 2 * RESUME_MS * 1000ull;
	while (!(ab.tx_failed && ab.rx_failed) && now_us() < t_end) {
		uint64_t t0 = now_us(), d;

		flow_step(&ab);
		d = now_us() - t0;
		if (d > call_max)
			call_max = d;
		pace(&next);
	}
	assert_true(ab.tx_failed && ab.rx_failed);
	t_fail = now_us();
	/* a failed session stays failed */
	assert_int_equal(flow_step(&ab), 0);
	rtdd_netfront_close(ab.tx);
	rtdd_netfront_close(ab.rx);
	printf("faults: driverdom_gone: driver domain SIGKILLed and not "
	       "recreated; sessions (reconnect_ms 500) failed with -EIO "
	       "%.1f ms after the kill; longest send+recv call meanwhile "
	       "%.2f ms\n",
	       (double)(t_fail - t_kill) / 1000.0, (double)call_max / 1000.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_netback_kill, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_driverdom_gone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_driverdom_kill, setup,
						teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

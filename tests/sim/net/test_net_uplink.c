// SPDX-License-Identifier: MIT
/*
 * A guest on rtdd-simhv reaches the outside world through the RT switch's
 * DPDK uplink: netfront -> netback -> switch -> uplink -> rtdd-pktlat
 * reflector in another process -> back the same way. Two kinds of uplink:
 *   net_memif to the reflector process (always, when the PMD exists);
 *   net_af_packet on a veth pair whose other end sits in a network
 *   namespace this test creates, reflector inside it (root only).
 * Every reflected frame is checked byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "net_env.h"
#include "rtdd/netsw_dpdk.h"

static char pktlat[512];
static char memif_sock[64];
static char netns[32];
static bool have_memif, have_afp, made_ns;

/* What a case holds, so teardown can release it even after a failed
 * assertion. */
static struct {
	struct net_env *e;
	rtdd_uplink *up;
	rtdd_netfront *nf;
	pid_t refl;
} cur;

static int case_teardown(void **state)
{
	(void)state;
	rtdd_netfront_close(cur.nf);
	if (cur.e)
		net_env_backend_stop(cur.e, true); /* the switch stops */
	rtdd_uplink_close(cur.up);
	if (cur.refl > 0) {
		kill(cur.refl, SIGTERM);
		waitpid(cur.refl, NULL, 0);
	}
	if (cur.e) {
		net_env_stop(cur.e);
		free(cur.e);
	}
	memset(&cur, 0, sizeof(cur));
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool pmd_present(const char *name)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "ls /usr/lib/*/dpdk/pmds-*/librte_net_%s.so >/dev/null 2>&1",
		 name);
	return system(cmd) == 0;
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0 && !getenv("RTDD_TEST_VERBOSE")) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* A pktlat frame (rtdd-pktlat's wire format, which its reflector
 * answers): ethertype 0x88b5, magic, version 1, then our pattern. */
static unsigned pl_frame(uint8_t *b, unsigned len, const uint8_t src[6],
			 uint32_t seq)
{
	unsigned i;

	memset(b, 0, len);
	memcpy(b, "\x02\x00\x00\x00\x00\x99", 6); /* somebody outside */
	memcpy(b + 6, src, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	b[14] = 0x52; /* "RTPL" little-endian */
	b[15] = 0x54;
	b[16] = 0x50;
	b[17] = 0x4c;
	b[18] = 1; /* version */
	b[20] = (uint8_t)len;
	b[21] = (uint8_t)(len >> 8);
	b[26] = (uint8_t)seq;
	b[27] = (uint8_t)(seq >> 8);
	b[28] = (uint8_t)(seq >> 16);
	b[29] = (uint8_t)(seq >> 24);
	for (i = 54; i < len; i++)
		b[i] = (uint8_t)(seq * 13u + i);
	return len;
}

static void run_case(const char *vdev_name, const char *const *refl_argv)
{
	struct net_env *e = calloc(1, sizeof(*e));
	static uint8_t tx[1514], rx[65536];
	rtdd_sw *sw = NULL;
	struct rtdd_netfront_opts o = {.log = net_env_log};
	uint16_t port;
	unsigned sent = 0, got = 0, other = 0;
	uint64_t deadline, last;
	int rc;

	assert_non_null(e);
	rc = net_env_start(e, 1);
	if (rc) {
		free(e);
		print_message("SKIP: rtdd-simhv could not start\n");
		skip();
	}
	cur.e = e;
	cur.refl = spawn((char *const *)refl_argv);
	assert_true(cur.refl > 0);
	assert_int_equal(net_env_add_vif(e, 0), 0);
	assert_int_equal(net_env_switch(e, "switch unknown up0",
					(const char *const[]){"rt"},
					"port up0 uplink", &sw),
			 0);
	assert_int_equal(rtdd_uplink_port_lookup(vdev_name, &port), 0);
	assert_int_equal(rtdd_uplink_open(port, &cur.up), 0);
	assert_int_equal(
		rtdd_uplink_attach(cur.up, sw, rtdd_sw_port_find(sw, "up0")),
		0);
	assert_int_equal(net_env_backend_start(e, sw, NULL), 0);
	assert_int_equal(
		rtdd_netfront_open(e->fe_hv[0], "device/vif/0", &o, &cur.nf),
		0);
	/* The reflector needs a moment to come up (memif connects); what is
	 * lost meanwhile is sent again after 100 ms of silence. */
	deadline = now_ns() + 120000000000ull; /* liveness: TSan is slow */
	last = now_ns();
	while (got < 2000 && now_ns() < deadline) {
		struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
		int r;

		if (sent < 2000 && sent - got < 8) {
			struct rtdd_nf_frame f = {.data = tx};

			f.len = (uint16_t)pl_frame(tx, 60 + (sent % 20) * 70,
						   e->mac[0], sent);
			sent += (unsigned)rtdd_netfront_send(cur.nf, 0, &f, 1);
		}
		r = rtdd_netfront_recv(cur.nf, 0, &in, 1);
		assert_true(r >= 0);
		if (!r) {
			if (now_ns() - last > 100000000ull) {
				sent = got;
				last = now_ns();
			}
			continue;
		}
		/* Whatever else the outside sends (IPv6 multicast on a
		 * veth, say) is flooded to us too: not ours to check. */
		if (in.len < 54 || rx[12] != 0x88 || rx[13] != 0xb5) {
			other++;
			continue;
		}
		{
			uint32_t seq =
				(uint32_t)rx[26] | (uint32_t)rx[27] << 8 |
				(uint32_t)rx[28] << 16 | (uint32_t)rx[29] << 24;
			unsigned k;

			if (seq != got)
				continue; /* a duplicate of a resend */
			assert_memory_equal(rx, e->mac[0], 6);
			assert_int_equal(in.len, 60 + (seq % 20) * 70);
			assert_int_equal(rx[19] & 1, 1); /* reflected flag */
			for (k = 54; k < in.len; k++)
				assert_int_equal(rx[k],
						 (uint8_t)(seq * 13u + k));
			got++;
			last = now_ns();
		}
	}
	print_message("%s: %u frames reflected through the uplink (%u other "
		      "frames from outside)\n",
		      vdev_name, got, other);
	assert_int_equal(got, 2000);
}

/* rtdd-pktlat reflecting on a memif client to sock (argv: 16 entries;
 * dev: its --vdev argument; prefix: "--file-prefix=..."). */
static void memif_reflector(const char **argv, char *dev, size_t len,
			    const char *sock, const char *prefix)
{
	unsigned n;

	snprintf(dev, len, "--vdev=net_memif0,role=client,socket=%s", sock);
	{
		const char *a[] = {pktlat,     "-l",
				   "0",	       "--no-huge",
				   "-m",       "128",
				   "--no-pci", "--log-level=error",
				   prefix,     dev,
				   "--",       "-m",
				   "reflect",  "--duration",
				   "300",      NULL};

		for (n = 0; a[n]; n++)
			argv[n] = a[n];
	}
	argv[n] = NULL;
}

static void test_memif_uplink(void **state)
{
	(void)state;
	if (!have_memif) {
		print_message("SKIP: net_memif PMD not installed\n");
		skip();
	}
	{
		char dev[160];
		const char *argv[16];

		memif_reflector(argv, dev, sizeof(dev), memif_sock,
				"--file-prefix=rtdd-upr");
		run_case("net_memif0", argv);
	}
}

static void test_af_packet_uplink(void **state)
{
	(void)state;
	if (!have_afp) {
		print_message("SKIP: no veth/netns here (needs root, ip and "
			      "the net_af_packet PMD)\n");
		skip();
	}
	{
		const char *argv[] = {"ip",
				      "netns",
				      "exec",
				      netns,
				      pktlat,
				      "-l",
				      "0",
				      "--no-huge",
				      "-m",
				      "128",
				      "--no-pci",
				      "--log-level=error",
				      "--file-prefix=rtdd-upa",
				      "--vdev=net_af_packet0,iface=rtddupb",
				      "--",
				      "-m",
				      "reflect",
				      "--duration",
				      "300",
				      NULL};

		run_case("net_af_packet1", argv);
	}
}

/* Switch port capturing what it is given (the "out" port below). */
struct cap {
	uint32_t seq[64];
	unsigned n;
};

static unsigned cap_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		       unsigned n)
{
	struct cap *c = priv;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = pkts[i]->data;

		if (c->n < 64 && pkts[i]->len >= 30)
			c->seq[c->n++] =
				(uint32_t)d[26] | (uint32_t)d[27] << 8 |
				(uint32_t)d[28] << 16 | (uint32_t)d[29] << 24;
		rtdd_sw_pkt_put(sw, pkts[i]);
	}
	return n;
}

/* Send frame seq on the uplink's port from this thread (the switch is not
 * running: the TX queue is ours). */
static void raw_send(struct rte_mempool *mp, uint16_t port, uint32_t seq)
{
	static const uint8_t me[6] = {0x02, 0, 0, 0, 0, 0x42};
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t b[60];
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, sizeof(b));
	assert_non_null(d);
	(void)pl_frame(b, sizeof(b), me, seq);
	memcpy(d, b, sizeof(b));
	if (rte_eth_tx_burst(port, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
}

/* Probe dev (a vdev string), build a switch from conf, open dev's port
 * as cur.up on the switch's port up0, attach out_ops to its port "out",
 * and make a pool of mbufs for the test's own frames. Returns the switch. */
static rtdd_sw *uplink_switch(const char *dev, const char *name,
			      const char *conf, uint16_t *port,
			      const struct rtdd_sw_port_ops *out_ops,
			      void *out_priv, struct rte_mempool **mp)
{
	rtdd_sw *sw = NULL;
	char err[200];
	FILE *f;

	assert_int_equal(rte_dev_probe(dev), 0);
	f = fmemopen((void *)conf, strlen(conf), "r");
	assert_non_null(f);
	assert_int_equal(rtdd_sw_parse(f, &sw, err, sizeof(err)), 0);
	fclose(f);
	assert_int_equal(rtdd_uplink_port_lookup(name, port), 0);
	assert_int_equal(rtdd_uplink_open(*port, &cur.up), 0);
	assert_int_equal(
		rtdd_uplink_attach(cur.up, sw, rtdd_sw_port_find(sw, "up0")),
		0);
	assert_int_equal(rtdd_sw_attach(sw, rtdd_sw_port_find(sw, "out"),
					out_ops, out_priv),
			 0);
	*mp = rte_pktmbuf_pool_create(name, 255, 0, 0,
				      RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(*mp);
	return sw;
}

/*
 * The uplink's pending op on a PMD without descriptor status (memif): an
 * RT uplink's input is seen between best-effort chunks, not only at round
 * starts. pending polls the port into a stash; the switch's next rx takes
 * the stash first: every reflected frame reaches the switch once, in
 * order.
 */
static void test_memif_pending(void **state)
{
	static const char conf[] = "switch unknown out\n"
				   "port up0 uplink rt\n"
				   "port out uplink\n";
	static struct cap cap;
	static const struct rtdd_sw_port_ops cap_ops = {.tx = cap_tx};
	struct rtdd_uplink_stats st;
	struct rte_mempool *mp;
	rtdd_sw *sw = NULL;
	char dev[160], sdev[160], sock[64];
	uint16_t port;
	uint64_t deadline;
	bool seen = false;
	uint32_t seq = 0;
	const char *argv[16];

	(void)state;
	if (!have_memif) {
		print_message("SKIP: net_memif PMD not installed\n");
		skip();
	}
	/* A memif port of its own (the other cases' ports are closed by
	 * their teardown): probed now, its reflector on another socket. */
	snprintf(sock, sizeof(sock), "/run/rtdd-upp-%d.sock", (int)getpid());
	snprintf(sdev, sizeof(sdev), "net_memif9,role=server,socket=%s", sock);
	memif_reflector(argv, dev, sizeof(dev), sock, "--file-prefix=rtdd-upp");
	sw = uplink_switch(sdev, "net_memif9", conf, &port, &cap_ops, &cap,
			   &mp);
	cur.refl = spawn((char *const *)argv);
	assert_true(cur.refl > 0);
	memset(&cap, 0, sizeof(cap));

	/* Until the reflector is up, frames are lost: send one every 10 ms
	 * and ask pending (liveness bound: TSan, a loaded machine). */
	deadline = now_ns() + 60000000000ull;
	while (!seen && now_ns() < deadline) {
		uint64_t t = now_ns();

		raw_send(mp, port, seq++);
		while (!seen && now_ns() - t < 10000000ull)
			seen = rtdd_uplink_pending(cur.up);
	}
	assert_true(seen);
	/* Eight more, then pending takes some of them off the port. */
	for (unsigned i = 0; i < 8; i++)
		raw_send(mp, port, seq++);
	deadline = now_ns() + 100000000ull;
	while (now_ns() < deadline)
		(void)rtdd_uplink_pending(cur.up);
	/* The switch drains the stash, then the port. */
	deadline = now_ns() + 10000000000ull;
	while (now_ns() < deadline &&
	       (cap.n < 9 || now_ns() + 9900000000ull < deadline))
		(void)rtdd_sw_poll(sw, now_ns());
	rtdd_uplink_stats(cur.up, &st);
	print_message("net_memif9: pending polled the port %llu times; %u "
		      "frames through the switch\n",
		      (unsigned long long)st.rx_peeks, cap.n);
	assert_true(st.rx_peeks > 0);
	/* the last nine sent, each once, in order (earlier ones may have
	 * gone before the reflector was up) */
	assert_true(cap.n >= 9);
	for (unsigned i = 1; i < cap.n; i++)
		assert_int_equal(cap.seq[i], cap.seq[i - 1] + 1);
	assert_int_equal(cap.seq[cap.n - 1], seq - 1);
	rtdd_uplink_close(cur.up);
	cur.up = NULL;
	rtdd_sw_destroy(sw);
	rte_mempool_free(mp);
}

/* 1514-byte frames whose every byte past the header follows from seq. */
static void yl_frame(uint8_t *b, uint8_t dst, uint32_t seq)
{
	memset(b, 0, 30);
	memcpy(b, "\x02\x00\x00\x00\x00", 5);
	b[5] = dst;
	memcpy(b + 6, "\x02\x00\x00\x00\x00\x55", 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	memcpy(b + 26, &seq, 4);
	for (unsigned i = 30; i < 1514; i++)
		b[i] = (uint8_t)(seq * 7 + i);
}

static bool yl_check(const uint8_t *b, unsigned len, uint32_t *seq)
{
	if (len != 1514)
		return false;
	memcpy(seq, b + 26, 4);
	for (unsigned i = 30; i < 1514; i++)
		if (b[i] != (uint8_t)(*seq * 7 + i))
			return false;
	return true;
}

/* A fake RT port holding at most one 60-byte frame, which says so
 * (pending) as a vif does; and a capture that checks what it gets. */
struct yl_rt {
	bool has;
	bool stuck; /* pending says yes with nothing to give */
};

static unsigned yl_rt_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
			 unsigned n)
{
	struct yl_rt *r = priv;
	struct rtdd_pkt *p;

	if (!r->has || !n || !(p = rtdd_sw_pkt_get(sw)))
		return 0;
	memset(p->data, 0, 60);
	memcpy(p->data, "\x02\x00\x00\x00\x00\x99", 6); /* unknown */
	memcpy(p->data + 6, "\x02\x00\x00\x00\x00\x66", 6);
	p->len = 60;
	p->flags = 0;
	pkts[0] = p;
	r->has = false;
	return 1;
}

static bool yl_rt_pending(void *priv)
{
	const struct yl_rt *r = priv;

	return r->has || r->stuck;
}

struct yl_cap {
	uint32_t seq[16];
	bool rt[16];
	unsigned n, bad;
};

static unsigned yl_cap_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
			  unsigned n)
{
	struct yl_cap *c = priv;

	for (unsigned i = 0; i < n; i++) {
		uint32_t seq = 0;

		if (c->n < 16) {
			c->rt[c->n] = pkts[i]->len == 60;
			if (!c->rt[c->n] &&
			    !yl_check(pkts[i]->data, pkts[i]->len, &seq))
				c->bad++;
			c->seq[c->n++] = seq;
		}
		rtdd_sw_pkt_put(sw, pkts[i]);
	}
	return n;
}

/* A fake best-effort port with 8 frames for the uplink. */
struct yl_src {
	unsigned next;
};

static unsigned yl_src_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
			  unsigned n)
{
	struct yl_src *s = priv;
	unsigned k = 0;

	while (k < n && s->next < 8) {
		struct rtdd_pkt *p = rtdd_sw_pkt_get(sw);

		if (!p)
			break;
		yl_frame(p->data, 0x77, 100 + s->next++); /* to up0 */
		p->len = 1514;
		p->flags = 0;
		pkts[k++] = p;
	}
	return k;
}

/*
 * Best-effort frames through a DPDK uplink make way for RT frames as a
 * vif's do: a copy in (mbuf -> switch) or out (switch -> mbuf) stops part
 * way when an RT port has input; the mbuf is stashed, or the frame stays
 * queued, and goes after the RT frame, whole and in order. net_ring9 is an
 * in-process loopback port: what is sent on it comes back on its rx.
 */
static void test_uplink_yield(void **state)
{
	static const char conf[] = "switch unknown out\n"
				   "port up0 uplink\n"
				   "port rt0 uplink rt\n"
				   "port src uplink\n"
				   "port out uplink\n"
				   "mac 02:00:00:00:00:77 up0\n";
	static const struct rtdd_sw_port_ops rt_ops = {
		.rx = yl_rt_rx, .pending = yl_rt_pending};
	static const struct rtdd_sw_port_ops cap_ops = {.tx = yl_cap_tx};
	static const struct rtdd_sw_port_ops src_ops = {.rx = yl_src_rx};
	static struct yl_cap cap;
	struct yl_rt rt = {0};
	struct yl_src src = {0};
	struct rtdd_uplink_stats st;
	struct rte_mempool *mp;
	struct rte_mbuf *m[16];
	rtdd_sw *sw = NULL;
	uint64_t yields;
	uint16_t port;
	unsigned i, got;

	(void)state;
	if (!pmd_present("ring")) {
		print_message("SKIP: net_ring PMD not installed\n");
		skip();
	}
	sw = uplink_switch("net_ring9", "net_ring9", conf, &port, &cap_ops,
			   &cap, &mp);
	assert_int_equal(
		rtdd_sw_attach(sw, rtdd_sw_port_find(sw, "rt0"), &rt_ops, &rt),
		0);
	memset(&cap, 0, sizeof(cap));

	/* In: 8 frames wait on the port (to nobody known: out), while rt0
	 * says it has input it never gives (an RT port that cannot be
	 * served): the first copy in stops once, its mbuf is stashed, then
	 * best effort goes on (no second yield until an RT frame moves). */
	for (i = 0; i < 8; i++) {
		struct rte_mbuf *b = rte_pktmbuf_alloc(mp);
		uint8_t *d;

		assert_non_null(b);
		d = (uint8_t *)rte_pktmbuf_append(b, 1514);
		assert_non_null(d);
		yl_frame(d, 0x99, i);
		assert_int_equal(rte_eth_tx_burst(port, 0, &b, 1), 1);
	}
	rt.stuck = true;
	(void)rtdd_sw_poll(sw, 1);
	rtdd_uplink_stats(cur.up, &st);
	rtdd_sw_counters(sw, NULL, NULL, &yields);
	print_message("in: %u frames out, %llu copy yield(s)\n", cap.n,
		      (unsigned long long)st.copy_yields);
	assert_int_equal(st.copy_yields, 1);
	assert_int_equal(yields, 1);
	assert_int_equal(cap.n, 8);
	assert_int_equal(cap.bad, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(cap.seq[i], i);
	assert_int_equal(st.rx_pkts, 8);
	/* An RT frame that moves re-arms the yield. */
	rt.stuck = false;
	rt.has = true;
	(void)rtdd_sw_poll(sw, 2);
	assert_int_equal(cap.n, 9);
	assert_true(cap.rt[8]);

	/* Out: 8 frames from src to the uplink's MAC while rt0 says it has
	 * input it never gives (an RT port that cannot be served): the first
	 * copy out stops once, then best effort goes on (no second yield
	 * until an RT frame moves). One round: what the uplink sent is then
	 * on its ring, read back here. */
	assert_int_equal(rtdd_sw_attach(sw, rtdd_sw_port_find(sw, "src"),
					&src_ops, &src),
			 0);
	memset(&cap, 0, sizeof(cap));
	rt.stuck = true;
	(void)rtdd_sw_poll(sw, 3);
	rtdd_uplink_stats(cur.up, &st);
	rtdd_sw_counters(sw, NULL, NULL, &yields);
	got = rte_eth_rx_burst(port, 0, m, 16);
	print_message("out: %u frames on the ring, %llu copy yield(s)\n", got,
		      (unsigned long long)st.copy_yields);
	assert_int_equal(st.copy_yields, 2);
	assert_int_equal(yields, 2);
	assert_int_equal(got, 8);
	for (i = 0; i < got; i++) {
		uint32_t seq;

		assert_true(yl_check(rte_pktmbuf_mtod(m[i], const uint8_t *),
				     rte_pktmbuf_pkt_len(m[i]), &seq));
		assert_int_equal(seq, 100 + i);
		rte_pktmbuf_free(m[i]);
	}
	assert_int_equal(
		rtdd_sw_queued(sw, rtdd_sw_port_find(sw, "up0"), RTDD_SW_BE),
		0);
	rtdd_uplink_close(cur.up);
	cur.up = NULL;
	rtdd_sw_destroy(sw);
	rte_mempool_free(mp);
}

int main(int argc, char **argv)
{
	char exe[512], *eal[16], vdev_m[128];
	int n = 0, rc;
	ssize_t len;

	(void)argc;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return 1;
	exe[len] = 0;
	snprintf(pktlat, sizeof(pktlat), "%.*s/../bin/rtdd-pktlat",
		 (int)(strrchr(exe, '/') - exe), exe);
	snprintf(memif_sock, sizeof(memif_sock), "/run/rtdd-up-%d.sock",
		 (int)getpid());
	snprintf(netns, sizeof(netns), "rtdd-up%d", (int)getpid());
	have_memif = pmd_present("memif") && access(pktlat, X_OK) == 0;
	if (getuid() == 0 && pmd_present("af_packet") &&
	    access(pktlat, X_OK) == 0) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "ip netns add %s && ip link add rtddupa type veth "
			 "peer name rtddupb && ip link set rtddupb netns %s && "
			 "ip link set rtddupa up && ip netns exec %s ip link "
			 "set rtddupb up && sysctl -qw "
			 "net.ipv6.conf.rtddupa.disable_ipv6=1",
			 netns, netns, netns);
		have_afp = system(cmd) == 0;
		made_ns = true;
		if (!have_afp) {
			snprintf(cmd, sizeof(cmd),
				 "ip link del rtddupa 2>/dev/null; ip netns "
				 "del %s 2>/dev/null",
				 netns);
			if (system(cmd)) {
				/* nothing to clean */
			}
		}
	}
	eal[n++] = argv[0];
	eal[n++] = (char *)"-l";
	eal[n++] = (char *)"1";
	eal[n++] = (char *)"--no-huge";
	eal[n++] = (char *)"-m";
	eal[n++] = (char *)"256";
	eal[n++] = (char *)"--no-pci";
	eal[n++] = (char *)"--log-level=error";
	eal[n++] = (char *)"--file-prefix=rtdd-upt";
	snprintf(vdev_m, sizeof(vdev_m),
		 "--vdev=net_memif0,role=server,socket=%s", memif_sock);
	if (have_memif)
		eal[n++] = vdev_m;
	if (have_afp)
		eal[n++] = (char *)"--vdev=net_af_packet1,iface=rtddupa";
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "SKIP: EAL init failed\n");
		have_memif = have_afp = false;
	}
	{
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_memif_uplink,
						  case_teardown),
			cmocka_unit_test_teardown(test_af_packet_uplink,
						  case_teardown),
			cmocka_unit_test_teardown(test_memif_pending,
						  case_teardown),
			cmocka_unit_test_teardown(test_uplink_yield,
						  case_teardown),
		};

		rc = cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (made_ns) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "ip link del rtddupa 2>/dev/null; ip netns del %s "
			 "2>/dev/null",
			 netns);
		if (system(cmd)) {
			/* reported by the next run's setup */
		}
	}
	rte_eal_cleanup();
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * rtdd-pktlat - packet latency on any DPDK port.
 *
 *   rtdd-pktlat [EAL options] -- [options]
 *
 * The sender puts a sequence number, a run id, its transmit timestamp and a
 * payload pattern into every frame (ethertype 0x88b5, IEEE local
 * experimental); a reflector at the other end (this tool in --mode reflect,
 * or a loop such as net_ring) sends each frame back. From the replies the
 * sender computes round trips, one-way delays when both ends read the same
 * clock (CLOCK_MONOTONIC of one host: --one-way), loss, reordering,
 * duplicates and corrupted payloads, and writes text, JSON and an SVG plot.
 *
 * Modes: ping (one frame in flight), rate (frames at a fixed rate, replies
 * matched as they come), reflect (the other end), loopback (ping, replies
 * come back unmodified: net_ring without peer, a cable loop).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rtdd/hist.h"
#include "rtdd/json.h"
#include "rtdd/svgplot.h"

#define PKTLAT_ETHERTYPE 0x88b5
#define PKTLAT_MAGIC 0x4c505452u /* "RTPL" little-endian */
#define PKTLAT_VERSION 1
#define PKTLAT_F_REFLECTED 1u
/* A sender's last frames: it is about to leave the link (see park). */
#define PKTLAT_F_BYE 2u
/* A parked reflector whose link stays up resumes after this long. */
#define PARK_MAX_NS 200000000ull
#define BURST 32
#define NB_DESC 1024
#define NB_MBUF 8191

enum mode { MODE_PING, MODE_RATE, MODE_REFLECT, MODE_LOOPBACK };

static const char *const mode_names[] = {
	[MODE_PING] = "ping",
	[MODE_RATE] = "rate",
	[MODE_REFLECT] = "reflect",
	[MODE_LOOPBACK] = "loopback",
};

/* Follows the Ethernet header; all fields little-endian. */
struct pktlat_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t flags;
	uint16_t len; /* frame length the sender built, without FCS */
	uint32_t run_id;
	uint32_t seq;
	uint64_t t_tx;	    /* sender, before tx_burst */
	uint64_t t_refl_rx; /* reflector, after rx_burst */
	uint64_t t_refl_tx; /* reflector, before tx_burst */
} __attribute__((packed));

/* A 64-byte frame (60 without FCS) must hold the header. */
_Static_assert(sizeof(struct rte_ether_hdr) + sizeof(struct pktlat_hdr) <= 60,
	       "pktlat header too large");

#define HDR_OFF sizeof(struct rte_ether_hdr)
#define PAYLOAD_OFF (HDR_OFF + sizeof(struct pktlat_hdr))

struct opts {
	enum mode mode;
	uint16_t port;
	uint64_t count;
	uint64_t warmup;
	double rate;
	unsigned size; /* on the wire, with FCS */
	unsigned timeout_ms;
	unsigned link_wait_s;
	double idle_exit_s;
	double duration_s;
	bool one_way;
	bool quiet;
	bool have_dst;
	struct rte_ether_addr dst;
	const char *json;
	const char *svg;
	const char *hist;
	const char *label;
};

struct stats {
	uint64_t sent, received, lost, reordered, duplicates, corrupt, late;
	uint64_t foreign, tx_fail, alloc_fail;
	uint64_t byes; /* reflect: senders that said BYE */
	uint64_t max_seq_seen;
	bool any_seen;
	struct rtdd_hist rtt, fwd, back;
};

static volatile sig_atomic_t stop;
static struct stats st;
static uint8_t *seen; /* one bit per sequence number */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtdd-pktlat [EAL options] -- [options]\n"
		"  -m, --mode MODE      ping (default), rate, reflect, loopback\n"
		"  -p, --port N         DPDK port id (default 0)\n"
		"  -n, --count N        frames to measure (default 100000; reflect: 0 = unlimited)\n"
		"  -w, --warmup N       frames sent first and not counted (default 1000)\n"
		"  -r, --rate PPS       frames per second in rate mode (default 10000)\n"
		"  -s, --size BYTES     frame size on the wire incl. FCS, 64..9018 (default 64)\n"
		"  -t, --timeout-ms MS  a reply later than this counts as lost (default 100);\n"
		"                       ping gives up (exit 1) when none of the first 50\n"
		"                       pings is answered\n"
		"      --dst-mac MAC    destination MAC (default ff:ff:ff:ff:ff:ff)\n"
		"      --one-way        also report one-way delays (both ends must read\n"
		"                       the same CLOCK_MONOTONIC: one host)\n"
		"      --link-wait S    wait up to S seconds for link up (default 10)\n"
		"      --idle-exit S    reflect: exit after S seconds without frames\n"
		"                       (ping and rate end with 3 BYE frames; the\n"
		"                       reflector then leaves the port alone until\n"
		"                       its link drops and comes back, or 200 ms)\n"
		"      --duration S     reflect: exit after S seconds\n"
		"      --json FILE      write results as JSON\n"
		"      --svg FILE       write a percentile plot\n"
		"      --hist FILE      write the RTT histogram (rtdd-hist v1:\n"
		"                       count min max sum, then bucket lines)\n"
		"      --label NAME     name of the run in the outputs\n"
		"  -q, --quiet          summary line only\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_dbl(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"mode", required_argument, NULL, 'm'},
		{"port", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"rate", required_argument, NULL, 'r'},
		{"size", required_argument, NULL, 's'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"dst-mac", required_argument, NULL, 'D'},
		{"one-way", no_argument, NULL, 'O'},
		{"link-wait", required_argument, NULL, 'L'},
		{"idle-exit", required_argument, NULL, 'I'},
		{"duration", required_argument, NULL, 'T'},
		{"json", required_argument, NULL, 'J'},
		{"svg", required_argument, NULL, 'S'},
		{"hist", required_argument, NULL, 'G'},
		{"label", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c, i;
	bool count_set = false;

	*o = (struct opts){
		.mode = MODE_PING,
		.count = 100000,
		.warmup = 1000,
		.rate = 10000,
		.size = 64,
		.timeout_ms = 100,
		.link_wait_s = 10,
		.label = NULL,
	};
	memset(&o->dst, 0xff, sizeof(o->dst));
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:p:n:w:r:s:t:qh", lo, NULL)) !=
	       -1) {
		switch (c) {
		case 'm':
			for (i = 0; i < 4; i++)
				if (!strcmp(optarg, mode_names[i]))
					break;
			if (i == 4)
				goto bad;
			o->mode = (enum mode)i;
			break;
		case 'p':
			if (parse_u64(optarg, &v) || v >= RTE_MAX_ETHPORTS)
				goto bad;
			o->port = (uint16_t)v;
			break;
		case 'n':
			if (parse_u64(optarg, &o->count) ||
			    o->count > (1ull << 31))
				goto bad;
			count_set = true;
			break;
		case 'w':
			if (parse_u64(optarg, &o->warmup) ||
			    o->warmup > (1ull << 30))
				goto bad;
			break;
		case 'r':
			if (parse_dbl(optarg, &o->rate) || o->rate < 1 ||
			    o->rate > 1e8)
				goto bad;
			break;
		case 's':
			if (parse_u64(optarg, &v) || v < 64 || v > 9018)
				goto bad;
			o->size = (unsigned)v;
			break;
		case 't':
			if (parse_u64(optarg, &v) || v < 1 || v > 60000)
				goto bad;
			o->timeout_ms = (unsigned)v;
			break;
		case 'D':
			if (rte_ether_unformat_addr(optarg, &o->dst))
				goto bad;
			o->have_dst = true;
			break;
		case 'O':
			o->one_way = true;
			break;
		case 'L':
			if (parse_u64(optarg, &v) || v > 3600)
				goto bad;
			o->link_wait_s = (unsigned)v;
			break;
		case 'I':
			if (parse_dbl(optarg, &o->idle_exit_s))
				goto bad;
			break;
		case 'T':
			if (parse_dbl(optarg, &o->duration_s))
				goto bad;
			break;
		case 'J':
			o->json = optarg;
			break;
		case 'S':
			o->svg = optarg;
			break;
		case 'G':
			o->hist = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rtdd-pktlat: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (o->mode == MODE_REFLECT && !count_set)
		o->count = 0;
	if (o->mode != MODE_REFLECT && o->count == 0) {
		fprintf(stderr, "rtdd-pktlat: --count must be > 0\n");
		return -EINVAL;
	}
	if (!o->label)
		o->label = mode_names[o->mode];
	return 0;
bad:
	fprintf(stderr, "rtdd-pktlat: bad value '%s' for -%c\n", optarg, c);
	return -EINVAL;
}

static int port_setup(const struct opts *o, struct rte_mempool **mp_out)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_mempool *mp;
	uint16_t nb_rx = NB_DESC, nb_tx = NB_DESC;
	unsigned room;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(o->port)) {
		fprintf(stderr,
			"rtdd-pktlat: no DPDK port %u (%u ports; give a "
			"device or --vdev in the EAL options)\n",
			o->port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(o->port, &info);
	if (rc)
		return rc;
	socket = rte_eth_dev_socket_id(o->port);
	if (socket < 0)
		socket = 0;
	room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (o->size + RTE_PKTMBUF_HEADROOM > room)
		room = o->size + RTE_PKTMBUF_HEADROOM;
	mp = rte_pktmbuf_pool_create("pktlat", NB_MBUF, 256, 0, (uint16_t)room,
				     socket);
	if (!mp) {
		fprintf(stderr, "rtdd-pktlat: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(&conf, 0, sizeof(conf));
	if (o->size - RTE_ETHER_CRC_LEN > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN)
		conf.rxmode.mtu =
			o->size - RTE_ETHER_CRC_LEN - RTE_ETHER_HDR_LEN;
	rc = rte_eth_dev_configure(o->port, 1, 1, &conf);
	if (rc) {
		fprintf(stderr, "rtdd-pktlat: configure port %u: %s\n", o->port,
			strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(o->port, &nb_rx, &nb_tx);
	if (rc)
		return rc;
	rc = rte_eth_rx_queue_setup(o->port, 0, nb_rx, (unsigned)socket, NULL,
				    mp);
	if (!rc)
		rc = rte_eth_tx_queue_setup(o->port, 0, nb_tx, (unsigned)socket,
					    NULL);
	if (rc) {
		fprintf(stderr, "rtdd-pktlat: queue setup port %u: %s\n",
			o->port, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_start(o->port);
	if (rc) {
		fprintf(stderr, "rtdd-pktlat: start port %u: %s\n", o->port,
			strerror(-rc));
		return rc;
	}
	/* Not every PMD knows promiscuous mode; the reflector needs it only
	 * when the sender uses a MAC other than ours or broadcast. */
	(void)rte_eth_promiscuous_enable(o->port);
	*mp_out = mp;
	return 0;
}

static int wait_link(const struct opts *o)
{
	struct rte_eth_link link;
	uint64_t end = rtdd_now_ns() + (uint64_t)o->link_wait_s * 1000000000ull;

	do {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(o->port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		usleep(10000);
	} while (!stop && rtdd_now_ns() < end);
	fprintf(stderr, "rtdd-pktlat: port %u: link down after %u s\n", o->port,
		o->link_wait_s);
	return -ENOLINK;
}

static inline uint8_t pattern(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131u + i);
}

static inline struct pktlat_hdr *hdr_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct pktlat_hdr *, HDR_OFF);
}

/* The frame's header if it is one of ours of this run (or any run, for the
 * reflector: run_id 0 accepts all), else NULL. */
static struct pktlat_hdr *our_frame(struct rte_mbuf *m, uint32_t run_id)
{
	struct rte_ether_hdr *eh;
	struct pktlat_hdr *h;

	if (m->nb_segs != 1 || m->data_len < PAYLOAD_OFF)
		return NULL;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (eh->ether_type != rte_cpu_to_be_16(PKTLAT_ETHERTYPE))
		return NULL;
	h = hdr_of(m);
	if (rte_le_to_cpu_32(h->magic) != PKTLAT_MAGIC ||
	    h->version != PKTLAT_VERSION)
		return NULL;
	if (run_id && rte_le_to_cpu_32(h->run_id) != run_id)
		return NULL;
	return h;
}

static struct rte_mbuf *build(struct rte_mempool *mp, const struct opts *o,
			      const struct rte_ether_addr *src, uint32_t run_id,
			      uint64_t seq)
{
	unsigned len = o->size - RTE_ETHER_CRC_LEN;
	struct rte_ether_hdr *eh;
	struct pktlat_hdr *h;
	struct rte_mbuf *m;
	uint8_t *p;
	size_t i;

	m = rte_pktmbuf_alloc(mp);
	if (unlikely(!m))
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)len);
	if (unlikely(!eh)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eh->dst_addr = o->dst;
	eh->src_addr = *src;
	eh->ether_type = rte_cpu_to_be_16(PKTLAT_ETHERTYPE);
	h = hdr_of(m);
	memset(h, 0, sizeof(*h));
	h->magic = rte_cpu_to_le_32(PKTLAT_MAGIC);
	h->version = PKTLAT_VERSION;
	h->run_id = rte_cpu_to_le_32(run_id);
	h->len = rte_cpu_to_le_16((uint16_t)len);
	h->seq = rte_cpu_to_le_32((uint32_t)seq);
	p = (uint8_t *)eh + PAYLOAD_OFF;
	for (i = 0; i < len - PAYLOAD_OFF; i++)
		p[i] = pattern(seq, i);
	return m;
}

static bool payload_ok(struct rte_mbuf *m, const struct pktlat_hdr *h,
		       unsigned len)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, PAYLOAD_OFF);
	uint64_t seq = rte_le_to_cpu_32(h->seq);
	size_t i;

	/* Some PMDs pad short frames: accept a longer frame, never a
	 * shorter one. */
	if (m->pkt_len < len || rte_le_to_cpu_16(h->len) != len)
		return false;
	for (i = 0; i < len - PAYLOAD_OFF; i++)
		if (p[i] != pattern(seq, i))
			return false;
	return true;
}

static int send_one(const struct opts *o, struct rte_mempool *mp,
		    const struct rte_ether_addr *src, uint32_t run_id,
		    uint64_t seq, uint64_t *t_tx_out)
{
	struct rte_mbuf *m = build(mp, o, src, run_id, seq);
	uint64_t t;

	if (!m) {
		st.alloc_fail++;
		return -ENOMEM;
	}
	t = rtdd_now_ns();
	hdr_of(m)->t_tx = rte_cpu_to_le_64(t);
	if (rte_eth_tx_burst(o->port, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		st.tx_fail++;
		return -EAGAIN;
	}
	*t_tx_out = t;
	return 0;
}

/* Before a sender leaves: three BYE frames, then a moment for the
 * reflector to park before our port goes (see park). */
static void say_bye(const struct opts *o, struct rte_mempool *mp,
		    const struct rte_ether_addr *src, uint32_t run_id)
{
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = build(mp, o, src, run_id, UINT32_MAX);

		if (!m)
			break;
		hdr_of(m)->flags = PKTLAT_F_BYE;
		if (rte_eth_tx_burst(o->port, 0, &m, 1) != 1)
			rte_pktmbuf_free(m);
		usleep(1000);
	}
	usleep(20000);
}

/* One reply: returns its sequence number, or UINT64_MAX when it was not a
 * valid reply of this run. Records the statistics of measured frames. */
static uint64_t take_reply(const struct opts *o, struct rte_mbuf *m,
			   uint32_t run_id, uint64_t t_rx, uint64_t total)
{
	struct pktlat_hdr *h = our_frame(m, run_id);
	uint64_t seq, t_tx, rtt;
	unsigned len = o->size - RTE_ETHER_CRC_LEN;

	if (!h) {
		st.foreign++;
		return UINT64_MAX;
	}
	if (o->mode != MODE_LOOPBACK && !(h->flags & PKTLAT_F_REFLECTED)) {
		st.foreign++; /* our own frame echoed by a hub: not a reply */
		return UINT64_MAX;
	}
	seq = rte_le_to_cpu_32(h->seq);
	if (seq >= total) {
		st.foreign++;
		return UINT64_MAX;
	}
	if (seen[seq >> 3] & (1u << (seq & 7))) {
		st.duplicates++;
		return UINT64_MAX;
	}
	seen[seq >> 3] |= (uint8_t)(1u << (seq & 7));
	if (!payload_ok(m, h, len)) {
		st.corrupt++;
		return seq;
	}
	if (st.any_seen && seq < st.max_seq_seen)
		st.reordered++;
	if (!st.any_seen || seq > st.max_seq_seen)
		st.max_seq_seen = seq;
	st.any_seen = true;
	t_tx = rte_le_to_cpu_64(h->t_tx);
	rtt = t_rx - t_tx;
	if (t_rx - t_tx > (uint64_t)o->timeout_ms * 1000000ull) {
		st.late++;
		return seq;
	}
	if (seq < o->warmup)
		return seq;
	st.received++;
	rtdd_hist_add(&st.rtt, rtt);
	if (o->one_way && o->mode != MODE_LOOPBACK) {
		uint64_t rrx = rte_le_to_cpu_64(h->t_refl_rx);
		uint64_t rtx = rte_le_to_cpu_64(h->t_refl_tx);

		/* One clock: t_tx <= rrx <= rtx <= t_rx. */
		if (rrx >= t_tx && rtx >= rrx && t_rx >= rtx) {
			rtdd_hist_add(&st.fwd, rrx - t_tx);
			rtdd_hist_add(&st.back, t_rx - rtx);
		}
	}
	return seq;
}

static uint64_t poll_replies(const struct opts *o, uint32_t run_id,
			     uint64_t total, uint64_t want)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;
	uint64_t t, seq, got = UINT64_MAX;

	n = rte_eth_rx_burst(o->port, 0, pkts, BURST);
	if (!n)
		return UINT64_MAX;
	t = rtdd_now_ns();
	for (i = 0; i < n; i++) {
		seq = take_reply(o, pkts[i], run_id, t, total);
		if (seq == want)
			got = seq;
		rte_pktmbuf_free(pkts[i]);
	}
	return got;
}

/* Pings without any reply before ping mode gives up. */
#define PING_GIVE_UP 50u

static int run_ping(const struct opts *o, struct rte_mempool *mp,
		    const struct rte_ether_addr *src, uint32_t run_id)
{
	uint64_t total = o->count + o->warmup, seq, t_tx, tmo;

	uint64_t answered = 0;

	tmo = (uint64_t)o->timeout_ms * 1000000ull;
	for (seq = 0; seq < total && !stop; seq++) {
		if (send_one(o, mp, src, run_id, seq, &t_tx)) {
			usleep(100);
			continue;
		}
		if (seq >= o->warmup)
			st.sent++;
		while (!stop) {
			if (poll_replies(o, run_id, total, seq) == seq) {
				answered++;
				break;
			}
			if (rtdd_now_ns() - t_tx > tmo)
				break;
		}
		/* Nobody there: say so instead of timing out every ping. */
		if (!answered && seq + 1 == PING_GIVE_UP) {
			fprintf(stderr,
				"rtdd-pktlat: no reply to the first %u pings "
				"(%u ms each): is the peer reflecting on this "
				"link?\n",
				PING_GIVE_UP, o->timeout_ms);
			return -EHOSTUNREACH;
		}
	}
	return 0;
}

static int run_rate(const struct opts *o, struct rte_mempool *mp,
		    const struct rte_ether_addr *src, uint32_t run_id)
{
	uint64_t total = o->count + o->warmup, seq = 0, t_tx, now, end;
	double period = 1e9 / o->rate;
	uint64_t t0 = rtdd_now_ns();

	while (seq < total && !stop) {
		now = rtdd_now_ns();
		if (now >= t0 + (uint64_t)(period * (double)seq)) {
			if (send_one(o, mp, src, run_id, seq, &t_tx) == 0 &&
			    seq >= o->warmup)
				st.sent++;
			/* A frame that could not go counts as sent and
			 * lost: the schedule does not slip. */
			else if (seq >= o->warmup)
				st.sent++;
			seq++;
		}
		poll_replies(o, run_id, total, UINT64_MAX);
	}
	end = rtdd_now_ns() + (uint64_t)o->timeout_ms * 1000000ull;
	while (!stop && rtdd_now_ns() < end)
		poll_replies(o, run_id, total, UINT64_MAX);
	return 0;
}

/*
 * A sender said BYE: stop touching the port until its link drops and comes
 * back up (a new sender), or PARK_MAX_NS pass with the link up (a PMD
 * whose link does not follow the peer). DPDK 22.11's memif unmaps the
 * rings from its control thread when the peer leaves, under an lcore that
 * is still polling them: the reflector crashed there now and then. True:
 * idle-exit or duration ran out meanwhile.
 */
static bool park(const struct opts *o, uint64_t start, uint64_t last)
{
	uint64_t idle = (uint64_t)(o->idle_exit_s * 1e9);
	uint64_t dur = (uint64_t)(o->duration_s * 1e9);
	uint64_t t0 = rtdd_now_ns(), now;
	bool down = false;

	while (!stop) {
		struct rte_eth_link link;

		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(o->port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_DOWN)
			down = true;
		else if (down)
			return false; /* up again: the next sender */
		now = rtdd_now_ns();
		if (!down && now - t0 > PARK_MAX_NS)
			return false;
		if ((idle && now - last > idle) || (dur && now - start > dur))
			return true;
		usleep(1000);
	}
	return true;
}

static int run_reflect(const struct opts *o, const struct rte_ether_addr *src)
{
	struct rte_mbuf *pkts[BURST], *out[BURST];
	uint64_t t_rx, t_tx, last = rtdd_now_ns(), start = last, reflected = 0;
	uint64_t idle = (uint64_t)(o->idle_exit_s * 1e9);
	uint64_t dur = (uint64_t)(o->duration_s * 1e9);
	uint16_t n, i, k, sent;
	bool bye = false;

	while (!stop) {
		if (bye) {
			/* what came with the BYE was reflected: now park */
			bye = false;
			st.byes++;
			if (park(o, start, last))
				break;
			last = rtdd_now_ns();
		}
		n = rte_eth_rx_burst(o->port, 0, pkts, BURST);
		if (!n) {
			uint64_t now = rtdd_now_ns();

			if (idle && now - last > idle)
				break;
			if (dur && now - start > dur)
				break;
			continue;
		}
		t_rx = rtdd_now_ns();
		last = t_rx;
		for (i = 0, k = 0; i < n; i++) {
			struct rte_ether_hdr *eh;
			struct pktlat_hdr *h = our_frame(pkts[i], 0);

			if (!h || (h->flags & PKTLAT_F_REFLECTED)) {
				st.foreign++;
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			if (h->flags & PKTLAT_F_BYE) {
				bye = true;
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
			eh->dst_addr = eh->src_addr;
			eh->src_addr = *src;
			h->flags = PKTLAT_F_REFLECTED;
			h->t_refl_rx = rte_cpu_to_le_64(t_rx);
			out[k++] = pkts[i];
		}
		if (!k)
			continue;
		t_tx = rtdd_now_ns();
		for (i = 0; i < k; i++)
			hdr_of(out[i])->t_refl_tx = rte_cpu_to_le_64(t_tx);
		sent = rte_eth_tx_burst(o->port, 0, out, k);
		for (i = sent; i < k; i++)
			rte_pktmbuf_free(out[i]);
		st.tx_fail += k - sent;
		st.received += k;
		st.sent += sent;
		reflected += sent;
		if (o->count && reflected >= o->count)
			break;
	}
	return 0;
}

static void print_hist(const char *name, const struct rtdd_hist *h)
{
	if (!h->count)
		return;
	printf("  %-8s p50 %8.2f  p90 %8.2f  p99 %8.2f  p99.9 %8.2f  "
	       "max %9.2f  min %7.2f us  (%" PRIu64 ")\n",
	       name, rtdd_hist_pct(h, 50) / 1e3, rtdd_hist_pct(h, 90) / 1e3,
	       rtdd_hist_pct(h, 99) / 1e3, rtdd_hist_pct(h, 99.9) / 1e3,
	       (double)h->max / 1e3, (double)h->min / 1e3, h->count);
}

static int write_json(const struct opts *o, const char *driver)
{
	struct rtdd_json j;
	FILE *f = fopen(o->json, "w");
	int rc = 0;

	if (!f)
		return -errno;
	rtdd_json_init(&j, f, true);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "tool", "rtdd-pktlat");
	rtdd_json_str(&j, "label", o->label);
	rtdd_json_str(&j, "mode", mode_names[o->mode]);
	rtdd_json_u64(&j, "port", o->port);
	rtdd_json_str(&j, "driver", driver);
	rtdd_json_u64(&j, "frame_bytes", o->size);
	if (o->mode == MODE_RATE)
		rtdd_json_dbl(&j, "rate_pps", o->rate);
	rtdd_json_u64(&j, "warmup", o->warmup);
	rtdd_json_u64(&j, "timeout_ms", o->timeout_ms);
	rtdd_json_u64(&j, "sent", st.sent);
	rtdd_json_u64(&j, "received", st.received);
	rtdd_json_u64(&j, "lost", st.lost);
	rtdd_json_u64(&j, "late", st.late);
	rtdd_json_u64(&j, "reordered", st.reordered);
	rtdd_json_u64(&j, "duplicates", st.duplicates);
	rtdd_json_u64(&j, "corrupt", st.corrupt);
	rtdd_json_u64(&j, "foreign", st.foreign);
	if (o->mode == MODE_REFLECT)
		rtdd_json_u64(&j, "byes", st.byes);
	rtdd_json_u64(&j, "tx_fail", st.tx_fail);
	rtdd_json_u64(&j, "alloc_fail", st.alloc_fail);
	if (o->mode != MODE_REFLECT)
		rtdd_json_hist(&j, "rtt", &st.rtt);
	if (st.fwd.count) {
		rtdd_json_hist(&j, "one_way_fwd", &st.fwd);
		rtdd_json_hist(&j, "one_way_back", &st.back);
	}
	rtdd_json_obj_end(&j);
	fputc('\n', f);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

int main(int argc, char **argv)
{
	struct rte_mempool *mp = NULL;
	struct rte_ether_addr src;
	struct rte_eth_dev_info info;
	struct opts o;
	uint32_t run_id;
	uint64_t total;
	int rc, r;

	r = rte_eal_init(argc, argv);
	if (r < 0) {
		fprintf(stderr, "rtdd-pktlat: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= r;
	argv += r;
	argv[0] = (char *)"rtdd-pktlat";
	if (parse_opts(argc, argv, &o))
		goto fail;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rtdd_hist_init(&st.rtt);
	rtdd_hist_init(&st.fwd);
	rtdd_hist_init(&st.back);
	if (port_setup(&o, &mp))
		goto fail;
	if (rte_eth_macaddr_get(o.port, &src))
		memset(&src, 0, sizeof(src));
	rte_eth_dev_info_get(o.port, &info);

	if (o.mode == MODE_REFLECT) {
		if (!o.quiet)
			printf("rtdd-pktlat: reflecting on port %u (%s)\n",
			       o.port, info.driver_name);
		fflush(stdout);
		run_reflect(&o, &src);
		printf("rtdd-pktlat reflect: %" PRIu64 " received, %" PRIu64
		       " reflected, %" PRIu64 " foreign, %" PRIu64
		       " tx failures, %" PRIu64 " senders said bye\n",
		       st.received, st.sent, st.foreign, st.tx_fail, st.byes);
		rc = o.json ? write_json(&o, info.driver_name) : 0;
		goto out;
	}

	if (wait_link(&o))
		goto fail;
	total = o.count + o.warmup;
	seen = calloc((size_t)(total + 7) / 8, 1);
	if (!seen) {
		fprintf(stderr, "rtdd-pktlat: out of memory\n");
		goto fail;
	}
	run_id = (uint32_t)(rtdd_now_ns() ^ ((uint64_t)getpid() << 16)) | 1u;
	if (o.mode == MODE_RATE)
		run_rate(&o, mp, &src, run_id);
	else if (run_ping(&o, mp, &src, run_id))
		goto fail;
	if (o.mode != MODE_LOOPBACK)
		say_bye(&o, mp, &src, run_id);
	/* Lost: measured frames sent that never came back (late and
	 * corrupt replies did come back and are counted on their own). */
	{
		uint64_t acc = 0, i;

		for (i = o.warmup; i < total; i++)
			if (seen[i >> 3] & (1u << (i & 7)))
				acc++;
		st.lost = st.sent > acc ? st.sent - acc : 0;
	}

	printf("rtdd-pktlat %s on port %u (%s), %u-byte frames: %" PRIu64
	       " sent, %" PRIu64 " received, %" PRIu64 " lost, %" PRIu64
	       " late, %" PRIu64 " reordered, %" PRIu64 " duplicates, %" PRIu64
	       " corrupt\n",
	       o.label, o.port, info.driver_name, o.size, st.sent, st.received,
	       st.lost, st.late, st.reordered, st.duplicates, st.corrupt);
	if (!o.quiet) {
		print_hist("rtt", &st.rtt);
		print_hist("fwd", &st.fwd);
		print_hist("back", &st.back);
	}
	rc = 0;
	if (o.json) {
		r = write_json(&o, info.driver_name);
		if (r) {
			fprintf(stderr, "rtdd-pktlat: %s: %s\n", o.json,
				strerror(-r));
			rc = r;
		}
	}
	if (o.hist) {
		FILE *f = fopen(o.hist, "w");
		unsigned b;

		if (f) {
			fprintf(f,
				"rtdd-hist v1 %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 "\n",
				st.rtt.count, st.rtt.min, st.rtt.max,
				st.rtt.sum);
			for (b = 0; b < RTDD_HIST_BUCKETS; b++)
				if (st.rtt.buckets[b])
					fprintf(f, "%u %" PRIu64 "\n", b,
						st.rtt.buckets[b]);
		}
		if (!f || fclose(f)) {
			fprintf(stderr, "rtdd-pktlat: %s: %s\n", o.hist,
				strerror(errno));
			rc = -EIO;
		}
	}
	if (o.svg && st.rtt.count) {
		struct rtdd_plot_series s[3] = {
			{"round trip", &st.rtt},
			{"one way, out", &st.fwd},
			{"one way, back", &st.back},
		};
		char title[128];

		snprintf(title, sizeof(title), "rtdd-pktlat %s (%s, %u B)",
			 o.label, info.driver_name, o.size);
		r = rtdd_svg_percentiles(o.svg, title, s, st.fwd.count ? 3 : 1);
		if (r) {
			fprintf(stderr, "rtdd-pktlat: %s: %s\n", o.svg,
				strerror(-r));
			rc = r;
		}
	}
	if (!st.received)
		rc = -EIO;
out:
	rte_eth_dev_stop(o.port);
	rte_eth_dev_close(o.port);
	free(seen);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc ? 1 : 0;
fail:
	rte_eal_cleanup();
	return 1;
}

// SPDX-License-Identifier: MIT
/*
 * rtdd-netfront-ping - the Xen lab's librtdd-netfront check (tests/xen,
 * docs/xen-lab.md): in a guest whose Linux netfront is unloaded, it opens
 * one vif with librtdd-netfront and, as a tiny IPv4 host,
 *
 *   - answers ARP requests for --ip and ICMP echo requests to it (so the
 *     driver domain can ping it through Linux netback), checking the
 *     request's IP and ICMP checksums before answering;
 *   - pings --peer --count times (after resolving its MAC by ARP), each
 *     echo request with a fresh random payload of a different size, and
 *     checks every reply: IP and ICMP checksums, id, sequence number and
 *     the payload byte for byte.
 *
 *   rtdd-netfront-ping --hv xen --vif device/vif/0 --ip 10.99.0.2 \
 *       --peer 10.99.0.1 [--count 20] [--min-served 0] [--timeout-s 120]
 *
 * It prints "connected ..." once the vif is up and a summary at the end.
 * Exit 0 when every ping came back verified and at least --min-served
 * echo requests were answered (it keeps answering until then, or until
 * --timeout-s); 1 otherwise; 2 on a usage error. SIGTERM ends it early
 * (the result is then judged on what happened).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "rtdd/hv.h"
#include "rtdd/log.h"
#include "rtdd/netfront.h"

#define ETH_HLEN 14
#define IP_HLEN 20
#define ICMP_HLEN 8
#define MAX_PAYLOAD 1400 /* one frame: well inside the 1500 MTU */
#define FRAME_CAP 2048
#define PING_GAP_NS 100000000ull      /* 100 ms between pings */
#define PING_TIMEOUT_NS 3000000000ull /* a reply later than 3 s is lost */
#define ARP_GAP_NS 500000000ull

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The Internet checksum (RFC 1071) of len bytes. */
static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

struct ctx {
	rtdd_netfront *nf;
	uint8_t mac[6], peer_mac[6];
	bool have_peer;
	uint32_t ip, peer; /* network order */
	uint16_t id;
	/* the ping in flight */
	uint16_t seq;
	bool waiting;
	uint8_t payload[MAX_PAYLOAD];
	size_t plen;
	uint64_t sent_ns;
	/* counters */
	unsigned sent, verified, bad, lost;
	unsigned arp_answered, echo_answered, bad_requests, other;
	double rtt_sum_ms, rtt_max_ms;
};

static int xmit(struct ctx *c, uint8_t *f, size_t len)
{
	struct rtdd_nf_frame fr = {.data = f, .len = (uint16_t)len};
	int rc;

	/* ring full: the backend frees slots as it takes frames */
	for (int tries = 0; tries < 1000; tries++) {
		rc = rtdd_netfront_send(c->nf, 0, &fr, 1);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		struct timespec ts = {0, 1000000};

		nanosleep(&ts, NULL);
	}
	return -EAGAIN;
}

static void eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}

/* ARP request (who has target) or reply (to tha/tpa). */
static int send_arp(struct ctx *c, uint16_t op, const uint8_t *tha,
		    uint32_t tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	uint8_t f[60] = {0};
	uint8_t *a = f + ETH_HLEN;

	eth_hdr(f, op == 1 ? bcast : tha, c->mac, 0x0806);
	put16(a, 1); /* Ethernet */
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, c->mac, 6);
	memcpy(a + 14, &c->ip, 4);
	memcpy(a + 18, op == 1 ? zero : tha, 6);
	memcpy(a + 24, &tpa, 4);
	return xmit(c, f, sizeof(f));
}

/* An IPv4 ICMP echo (type 8 request, 0 reply) to dst_mac/dst_ip. */
static int send_icmp(struct ctx *c, const uint8_t *dst_mac, uint32_t dst_ip,
		     uint8_t type, uint16_t id, uint16_t seq,
		     const uint8_t *data, size_t dlen)
{
	uint8_t f[ETH_HLEN + IP_HLEN + ICMP_HLEN + MAX_PAYLOAD + 64];
	uint8_t *ip = f + ETH_HLEN, *ic = ip + IP_HLEN;
	size_t tot = IP_HLEN + ICMP_HLEN + dlen, len;

	if (dlen > MAX_PAYLOAD + 64)
		return -EMSGSIZE;
	eth_hdr(f, dst_mac, c->mac, 0x0800);
	memset(ip, 0, IP_HLEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, seq);
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	memcpy(ip + 12, &c->ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	put16(ip + 10, csum(ip, IP_HLEN));
	ic[0] = type;
	ic[1] = 0;
	put16(ic + 2, 0);
	put16(ic + 4, id);
	put16(ic + 6, seq);
	memcpy(ic + ICMP_HLEN, data, dlen);
	put16(ic + 2, csum(ic, ICMP_HLEN + dlen));
	len = ETH_HLEN + tot;
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	return xmit(c, f, len);
}

static void handle_arp(struct ctx *c, const uint8_t *f, size_t len)
{
	const uint8_t *a = f + ETH_HLEN;
	uint32_t spa, tpa;

	if (len < ETH_HLEN + 28 || get16(a) != 1 || get16(a + 2) != 0x0800 ||
	    a[4] != 6 || a[5] != 4) {
		c->other++;
		return;
	}
	memcpy(&spa, a + 14, 4);
	memcpy(&tpa, a + 24, 4);
	if (spa == c->peer) {
		/* a request from the peer teaches us its MAC too */
		memcpy(c->peer_mac, a + 8, 6);
		c->have_peer = true;
	}
	if (get16(a + 6) == 1 && tpa == c->ip) {
		if (!send_arp(c, 2, a + 8, spa))
			c->arp_answered++;
	}
}

static void handle_ip(struct ctx *c, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HLEN, *ic;
	size_t hl, tot, ilen;
	uint32_t dst, src;

	if (len < ETH_HLEN + IP_HLEN || (ip[0] >> 4) != 4) {
		c->other++;
		return;
	}
	hl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	if (dst != c->ip || ip[9] != 1) {
		c->other++;
		return;
	}
	if (hl < IP_HLEN || tot < hl + ICMP_HLEN || ETH_HLEN + tot > len ||
	    csum(ip, hl) != 0 || (get16(ip + 6) & 0x3fff)) {
		/* a fragment, or broken: a checksum that does not add up */
		c->bad_requests++;
		return;
	}
	ic = ip + hl;
	ilen = tot - hl;
	if (csum(ic, ilen) != 0) {
		c->bad_requests++;
		return;
	}
	if (ic[0] == 8 && ic[1] == 0) {
		/* an echo request: answered with its id, seq and data */
		if (ilen - ICMP_HLEN > MAX_PAYLOAD + 64) {
			c->bad_requests++;
			return;
		}
		if (!send_icmp(c, f + 6, src, 0, get16(ic + 4), get16(ic + 6),
			       ic + ICMP_HLEN, ilen - ICMP_HLEN))
			c->echo_answered++;
		return;
	}
	if (ic[0] == 0 && ic[1] == 0 && src == c->peer && c->waiting &&
	    get16(ic + 4) == c->id && get16(ic + 6) == c->seq) {
		double ms = (double)(now_ns() - c->sent_ns) / 1e6;

		c->waiting = false;
		if (ilen - ICMP_HLEN == c->plen &&
		    !memcmp(ic + ICMP_HLEN, c->payload, c->plen)) {
			c->verified++;
			c->rtt_sum_ms += ms;
			if (ms > c->rtt_max_ms)
				c->rtt_max_ms = ms;
		} else {
			c->bad++;
			fprintf(stderr,
				"echo reply %u: payload of %zu bytes differs "
				"from the %zu sent\n",
				c->seq, ilen - ICMP_HLEN, c->plen);
		}
		return;
	}
	c->other++;
}

static void handle(struct ctx *c, const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN)
		return;
	if (memcmp(f, c->mac, 6) && !(f[0] & 1)) {
		c->other++; /* not for us */
		return;
	}
	switch (get16(f + 12)) {
	case 0x0806:
		handle_arp(c, f, len);
		break;
	case 0x0800:
		handle_ip(c, f, len);
		break;
	default:
		c->other++;
	}
}

static int ping_next(struct ctx *c, unsigned count)
{
	if (getrandom(c->payload, sizeof(c->payload), 0) < 0)
		return -errno;
	c->seq++;
	/* sizes from 8 to MAX_PAYLOAD bytes over the run */
	c->plen = 8 + (size_t)(c->seq - 1) * (MAX_PAYLOAD - 8) /
			      (count > 1 ? count - 1 : 1);
	if (c->plen > MAX_PAYLOAD)
		c->plen = MAX_PAYLOAD;
	c->sent_ns = now_ns();
	c->waiting = true;
	c->sent++;
	return send_icmp(c, c->peer_mac, c->peer, 8, c->id, c->seq, c->payload,
			 c->plen);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtdd-netfront-ping --vif PATH --ip A.B.C.D --peer "
		"A.B.C.D [options]\n"
		"  --hv SPEC         hypervisor: auto (default), xen, sim, "
		"sim:N\n"
		"  --vif PATH        the vif, e.g. device/vif/0\n"
		"  --ip ADDR         our IPv4 address (ARP and echo answered "
		"for it)\n"
		"  --peer ADDR       the address to ping\n"
		"  --count N         pings with checked payloads (20; 0: "
		"none)\n"
		"  --min-served N    answer at least N echo requests before "
		"ending (0)\n"
		"  --timeout-s N     give up after N s (120)\n");
}

static int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = a.s_addr;
	return 0;
}

static void nf_log(void *arg, const char *line)
{
	(void)arg;
	printf("netfront: %s\n", line);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hv", required_argument, NULL, 'H'},
		{"vif", required_argument, NULL, 'V'},
		{"ip", required_argument, NULL, 'i'},
		{"peer", required_argument, NULL, 'p'},
		{"count", required_argument, NULL, 'c'},
		{"min-served", required_argument, NULL, 'm'},
		{"timeout-s", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_netfront_opts nfo = {0};
	const char *spec = NULL, *vif = NULL;
	unsigned count = 20, min_served = 0, timeout_s = 120;
	struct ctx c = {0};
	rtdd_hv *hv = NULL;
	char *err = NULL;
	uint64_t t_end, next_ping = 0, next_arp = 0;
	bool have_ip = false, have_peer_ip = false;
	int ch, rc, ret = 1;

	rtdd_log_init("rtdd-netfront-ping", RTDD_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (ch) {
		case 'H':
			spec = optarg;
			break;
		case 'V':
			vif = optarg;
			break;
		case 'i':
		case 'p':
			if (parse_ip(optarg, ch == 'i' ? &c.ip : &c.peer)) {
				fprintf(stderr,
					"rtdd-netfront-ping: '%s' is not an "
					"IPv4 address\n",
					optarg);
				return 2;
			}
			*(ch == 'i' ? &have_ip : &have_peer_ip) = true;
			break;
		case 'c':
		case 'm':
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v > 100000 ||
			    (ch == 't' && !v)) {
				fprintf(stderr,
					"rtdd-netfront-ping: bad number "
					"'%s'\n",
					optarg);
				return 2;
			}
			*(ch == 'c'   ? &count
			  : ch == 'm' ? &min_served
				      : &timeout_s) = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !vif || !have_ip || !have_peer_ip) {
		usage(stderr);
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	rc = rtdd_hv_open(spec, &hv, &err);
	if (rc) {
		fprintf(stderr, "rtdd-netfront-ping: %s\n",
			err ? err : strerror(-rc));
		free(err);
		return 1;
	}
	nfo.timeout_ms = 30000;
	nfo.log = nf_log;
	rc = rtdd_netfront_open(hv, vif, &nfo, &c.nf);
	if (rc) {
		fprintf(stderr, "rtdd-netfront-ping: opening %s: %s\n", vif,
			strerror(-rc));
		goto out;
	}
	rtdd_netfront_mac(c.nf, c.mac);
	if (getrandom(&c.id, sizeof(c.id), 0) < 0)
		c.id = 0x5254;
	printf("connected %s: mac %02x:%02x:%02x:%02x:%02x:%02x, %u "
	       "queue(s)\n",
	       vif, c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5],
	       rtdd_netfront_queues(c.nf));
	fflush(stdout);

	t_end = now_ns() + (uint64_t)timeout_s * 1000000000ull;
	while (!stop && now_ns() < t_end) {
		uint8_t bufs[8][FRAME_CAP];
		struct rtdd_nf_frame fr[8];
		uint64_t now = now_ns();
		int n;

		if (c.sent >= count && !c.waiting &&
		    c.echo_answered >= min_served)
			break;
		if (count && !c.have_peer && now >= next_arp) {
			rc = send_arp(&c, 1, NULL, c.peer);
			if (rc < 0 && rc != -EAGAIN)
				break;
			next_arp = now + ARP_GAP_NS;
		}
		if (c.waiting && now - c.sent_ns > PING_TIMEOUT_NS) {
			c.waiting = false;
			c.lost++;
			fprintf(stderr, "echo request %u: no reply in 3 s\n",
				c.seq);
		}
		if (c.have_peer && c.sent < count && !c.waiting &&
		    now >= next_ping) {
			rc = ping_next(&c, count);
			if (rc < 0 && rc != -EAGAIN)
				break;
			next_ping = now + PING_GAP_NS;
		}
		for (unsigned i = 0; i < 8; i++) {
			fr[i].data = bufs[i];
			fr[i].cap = FRAME_CAP;
		}
		n = rtdd_netfront_recv(c.nf, 0, fr, 8);
		if (n < 0) {
			rc = n;
			break;
		}
		for (int i = 0; i < n; i++)
			handle(&c, bufs[i], fr[i].len);
		if (!n)
			rtdd_netfront_wait(c.nf, 0, 10);
	}
	if (rc < 0)
		fprintf(stderr, "rtdd-netfront-ping: %s\n", strerror(-rc));
	{
		struct rtdd_netfront_stats st;

		rtdd_netfront_stats(c.nf, &st);
		printf("netfront: %llu frames sent, %llu received, %llu tx "
		       "errors, %llu rx errors, %llu reconnects\n",
		       (unsigned long long)st.tx_pkts,
		       (unsigned long long)st.rx_pkts,
		       (unsigned long long)st.tx_errors,
		       (unsigned long long)st.rx_errors,
		       (unsigned long long)st.reconnects);
	}
	printf("%u pings of 8..%u random bytes: %u replies verified, %u "
	       "bad, %u lost (rtt avg %.2f ms max %.2f ms, TCG); answered "
	       "%u ARP and %u echo requests, %u bad requests\n",
	       c.sent, MAX_PAYLOAD, c.verified, c.bad, c.lost,
	       c.verified ? c.rtt_sum_ms / c.verified : 0.0, c.rtt_max_ms,
	       c.arp_answered, c.echo_answered, c.bad_requests);
	ret = rc >= 0 && c.verified == count && c.sent == count &&
			      c.echo_answered >= min_served
		      ? 0
		      : 1;
out:
	rtdd_netfront_close(c.nf);
	rtdd_hv_close(hv);
	return ret;
}

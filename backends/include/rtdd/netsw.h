/* SPDX-License-Identifier: MIT */
/*
 * rtdd/netsw.h - the RT switch of the network driver domain (backends/net).
 *
 * A static L2 switch between vif ports (guests, served by rtdd-netback) and
 * uplink ports (DPDK ethdev ports). Built for determinism, not convenience:
 *
 *   - forwarding is by a MAC table given in the configuration: no learning,
 *     so the path a frame takes never depends on earlier traffic;
 *   - broadcast and multicast are flooded to every other port of the VLAN,
 *     copied into preallocated buffers (a fixed number of copies per frame);
 *   - unknown unicast is dropped, or sent to one configured port;
 *   - a port may only send from the MAC addresses configured for it
 *     (anti-spoofing; on by default for vif ports);
 *   - two priority classes: every round takes frames from the RT ports
 *     first, then the best-effort ports, each up to its budget; on egress
 *     the RT queue of a port drains before its best-effort queue;
 *   - per-port token buckets limit what a port may send into the switch;
 *     a port out of tokens is not polled (backpressure into its ring, no
 *     drop), so the average never exceeds the rate and one round's budget
 *     bounds the overshoot;
 *   - optional VLANs: access ports carry one VLAN untagged; trunk ports
 *     (uplinks) carry 802.1Q tags. Frames an access port sends into a trunk
 *     are tagged with the port's PCP; frames from a trunk are classified RT
 *     when their PCP is at least rt_pcp_min;
 *   - nothing on the fast path allocates: frames live in a pool made at
 *     create time, queues are fixed rings.
 *
 * Threads: a switch is driven by one thread (its poll thread); nothing here
 * locks. Configuration calls (add_port, add_mac) come before the first poll.
 * Counters may be read from another thread (64-bit loads, possibly torn
 * across fields, never within one).
 */
#ifndef RTDD_NETSW_H
#define RTDD_NETSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_SW_MAX_PORTS 64
#define RTDD_SW_HEADROOM 64 /* room to insert a VLAN tag in place */
#define RTDD_SW_NAME_MAX 32

/* Packet flags, carried from the ingress to the egress port. */
enum rtdd_pkt_flag {
	RTDD_PKT_CSUM_BLANK = 1u << 0, /* checksum not yet computed (netif) */
	RTDD_PKT_DATA_VALID = 1u << 1, /* checksum known good (netif) */
};

/* One frame. data/len describe the frame inside buf; ports fill them. */
struct rtdd_pkt {
	uint8_t *data;
	uint16_t len;
	uint16_t port_in; /* index of the ingress port, set by the switch */
	uint16_t flags;	  /* enum rtdd_pkt_flag */
	uint8_t cls;	  /* enum rtdd_sw_class, set by the switch */
	uint8_t pad_;
	uint32_t idx; /* index in the pool */
	uint8_t *buf; /* start of the buffer (headroom first) */
};

enum rtdd_sw_class {
	RTDD_SW_RT = 0,
	RTDD_SW_BE = 1,
	RTDD_SW_NCLASS = 2,
};

typedef struct rtdd_sw rtdd_sw;

/*
 * A port's driver. rx fills pkts[] with up to n frames it took from
 * rtdd_sw_pkt_get() and returns how many; tx takes up to n frames and
 * returns how many it consumed (it owns those and returns them with
 * rtdd_sw_pkt_put() when done); frames it did not take stay queued in the
 * switch. flush (optional) ends a round: push notifications, kick a NIC.
 * pending (optional, for RT ports) says cheaply whether rx would return
 * frames; the switch asks it between best-effort chunks to serve RT input
 * first. A port without it is served at round starts (and whenever
 * another RT port preempts). None of them may block.
 */
struct rtdd_sw_port_ops {
	unsigned (*rx)(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		       unsigned n);
	unsigned (*tx)(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		       unsigned n);
	void (*flush)(void *priv, rtdd_sw *sw);
	bool (*pending)(void *priv);
};

struct rtdd_sw_port_cfg {
	char name[RTDD_SW_NAME_MAX];
	enum rtdd_sw_class cls;
	bool uplink;	      /* an uplink: no source check by default */
	bool trunk;	      /* carries 802.1Q tags (uplinks only) */
	uint16_t vlan;	      /* access VLAN, or the trunk's native VLAN;
			      0 = untagged network */
	int pcp;	      /* PCP for tags this port's frames get; -1: 5
			      for RT ports, 0 for best effort */
	uint64_t rate_bps;    /* 0: unlimited; frame bits per second */
	uint32_t burst_bytes; /* bucket depth; 0: 2 * mtu-sized frames */
	unsigned budget;      /* frames taken per round; 0: 32 */
	int check_src;	      /* -1: default (on for vifs, off for uplinks) */
};

struct rtdd_sw_cfg {
	unsigned pool_pkts; /* frame buffers; 0: 4096 */
	unsigned buf_size;  /* bytes per buffer, incl. headroom; 0: 2048 */
	unsigned queue_len; /* per port and class, power of 2; 0: 256 */
	unsigned max_macs;  /* MAC table entries; 0: 1024 */
	uint8_t rt_pcp_min; /* tagged frames from trunks: PCP >= this is
				   RT; 0 means 8 (nothing is RT by PCP) */
	int unknown_port;   /* port for unknown unicast; -1 drop */
	unsigned be_chunk;  /* best-effort frames moved between two looks
			       at the RT ports; 0: 1, at most 32 */
	bool be_unsplit;    /* rtdd_sw_rt_waiting always false: a
			       best-effort frame, once started, is moved
			       whole ("be-split off") */
};

struct rtdd_sw_port_stats {
	uint64_t rx_pkts, rx_bytes; /* taken from the port */
	uint64_t tx_pkts, tx_bytes; /* handed to the port */
	uint64_t drop_spoof;	    /* source MAC not the port's */
	uint64_t drop_unknown;	    /* unicast to no known port */
	uint64_t drop_vlan;	    /* tag on an access port, bad VID */
	uint64_t drop_runt;	    /* shorter than an Ethernet header */
	uint64_t drop_qfull;	    /* egress queue full (counted at egress) */
	uint64_t drop_nobuf;	    /* no buffer for a flood copy */
	uint64_t drop_hairpin;	    /* destination is the ingress port */
	uint64_t drop_down;	    /* queued for a port without a driver */
	uint64_t throttled;	    /* rounds skipped for lack of tokens */
};

/* Token bucket, exposed for tests and other users. Bytes, ns. */
struct rtdd_tb {
	uint64_t rate_Bps; /* bytes per second; 0 = unlimited */
	int64_t tokens;	   /* may go negative by one round's overshoot */
	int64_t burst;
	uint64_t last_ns;
	uint64_t rem; /* sub-byte remainder of the refill, in byte*ns */
};

void rtdd_tb_init(struct rtdd_tb *tb, uint64_t rate_bps, uint32_t burst_bytes,
		  uint64_t now_ns);
void rtdd_tb_refill(struct rtdd_tb *tb, uint64_t now_ns);
static inline bool rtdd_tb_ready(const struct rtdd_tb *tb)
{
	return tb->rate_Bps == 0 || tb->tokens > 0;
}
static inline void rtdd_tb_consume(struct rtdd_tb *tb, uint32_t bytes)
{
	if (tb->rate_Bps)
		tb->tokens -= bytes;
}

/* Create a switch: allocates the pool, queues and table (all of the
 * switch's memory). -EINVAL on a bad cfg (queue_len not a power of 2,
 * buf_size below 128 + headroom or above 65535), -ENOMEM. NULL cfg: defaults. */
int rtdd_sw_create(const struct rtdd_sw_cfg *cfg, rtdd_sw **sw_out);
void rtdd_sw_destroy(rtdd_sw *sw); /* NULL ignored; frees queued frames */

/* Add a port; returns its index (>= 0) or -EINVAL (bad cfg: trunk that is
 * not an uplink, vlan > 4094, pcp > 7, empty or duplicate name), -ENOSPC
 * (RTDD_SW_MAX_PORTS reached). ops may be NULL until rtdd_sw_attach. */
int rtdd_sw_add_port(rtdd_sw *sw, const struct rtdd_sw_port_cfg *cfg,
		     const struct rtdd_sw_port_ops *ops, void *priv);
/* Bind (or with NULL ops, unbind) a driver to a configured port: a vif
 * that connects or goes away. Frames queued for an unbound port are
 * dropped at the next round. -ENOENT: no such port. */
int rtdd_sw_attach(rtdd_sw *sw, int port, const struct rtdd_sw_port_ops *ops,
		   void *priv);
int rtdd_sw_port_find(const rtdd_sw *sw, const char *name);
unsigned rtdd_sw_nports(const rtdd_sw *sw);
const struct rtdd_sw_port_cfg *rtdd_sw_port_cfg(const rtdd_sw *sw, int port);

/* Static MAC entry: frames to mac on vlan go to port. -EINVAL (multicast
 * MAC, bad port, vlan > 4094), -EEXIST (mac/vlan already present),
 * -ENOSPC (table full). */
int rtdd_sw_add_mac(rtdd_sw *sw, const uint8_t mac[6], uint16_t vlan, int port);
/* Port for mac on vlan, or -ENOENT. */
int rtdd_sw_lookup(const rtdd_sw *sw, const uint8_t mac[6], uint16_t vlan);

/* Frame buffers for ports: get returns NULL when the pool is empty. */
struct rtdd_pkt *rtdd_sw_pkt_get(rtdd_sw *sw);
void rtdd_sw_pkt_put(rtdd_sw *sw, struct rtdd_pkt *p);
unsigned rtdd_sw_pkt_free_count(const rtdd_sw *sw);
unsigned rtdd_sw_buf_room(const rtdd_sw *sw); /* max frame length */

/*
 * One round at time now_ns: the RT service (ingress from RT ports up to
 * their budgets, if their buckets allow, then every port's RT queue out,
 * repeated while frames move); then best-effort ingress (each port up to
 * its budget) and egress (per port, only once its RT queue is empty), in
 * small chunks with the RT service run again between chunks whenever an
 * RT port has input pending; then flush. Returns the number of frames
 * moved (0: idle round).
 */
unsigned rtdd_sw_poll(rtdd_sw *sw, uint64_t now_ns);

/*
 * Forward one frame taken from port in (as poll does): the frame is
 * consumed (queued, or dropped and counted). Exposed for ports that
 * receive outside the switch's rounds and for tests. Returns the number
 * of egress queues it went to (0: dropped).
 */
unsigned rtdd_sw_input(rtdd_sw *sw, int in, struct rtdd_pkt *p);

void rtdd_sw_port_stats(const rtdd_sw *sw, int port,
			struct rtdd_sw_port_stats *out);
/*
 * A rate limit on what port sends into the switch, on top of its
 * configured one (the stricter applies): the toolstack's per-vif rate.
 * 0 removes it. Any thread; the switch applies it at the port's next
 * ingress, with a full bucket. -ENOENT: no such port.
 */
int rtdd_sw_limit_rate(rtdd_sw *sw, int port, uint64_t rate_bps,
		       uint32_t burst_bytes);
/* Rounds so far, RT services run between best-effort chunks, and
 * rtdd_sw_rt_waiting's answers of true (best-effort frames a port driver
 * may have put back part way). Any pointer may be NULL. */
void rtdd_sw_counters(const rtdd_sw *sw, uint64_t *rounds,
		      uint64_t *preemptions, uint64_t *yields);
/*
 * For port drivers, inside ops->rx / ops->tx, between pieces of one
 * frame's work (a long copy): true when the switch is moving best-effort
 * frames and an RT port has input waiting. A driver that gets true should
 * stop before committing that frame and leave it where it was (on the
 * guest's ring, or untaken in the batch it was offered): the switch runs
 * the RT service and offers it again. So an RT frame waits for one piece
 * of best-effort work, not for a whole frame. Always false while RT
 * frames are moved.
 */
bool rtdd_sw_rt_waiting(rtdd_sw *sw);
/*
 * A frame copy for port drivers, asking rtdd_sw_rt_waiting between pieces
 * of RTDD_SW_YIELD_PIECE bytes: true when all len bytes were copied; false
 * when it stopped part way for an RT frame (the caller then leaves that
 * frame uncommitted, as above). RT work and frames of one piece are one
 * memcpy.
 */
#define RTDD_SW_YIELD_PIECE 128
bool rtdd_sw_copy(rtdd_sw *sw, void *dst, const void *src, unsigned len);
/* Turn that on or off at run time (any thread; cfg.be_unsplit sets it at
 * creation): for measuring what splitting saves. */
void rtdd_sw_set_be_split(rtdd_sw *sw, bool on);
/* Frames waiting in port's egress queue of class cls. */
unsigned rtdd_sw_queued(const rtdd_sw *sw, int port, enum rtdd_sw_class cls);

/*
 * Configuration text, one statement per line ('#' starts a comment):
 *
 *   switch [pool N] [bufsize N] [queue N] [macs N] [rt-pcp-min N]
 *          [be-chunk N] [be-split on|off] [unknown PORT|drop]
 *   port NAME [vif|uplink] [rt|be] [trunk] [vlan N] [pcp N]
 *        [rate N[k|M|G]] [burst N[k|M]] [budget N] [check-src on|off]
 *   mac XX:XX:XX:XX:XX:XX PORT [vlan N]
 *
 * "switch" must come first if present; ports before the macs naming them.
 * Returns 0 with *sw_out created (ports unbound), or -EINVAL with a
 * message "line N: ..." in err (if err_len > 0).
 */
int rtdd_sw_parse(FILE *f, rtdd_sw **sw_out, char *err, size_t err_len);
int rtdd_sw_parse_file(const char *path, rtdd_sw **sw_out, char *err,
		       size_t err_len);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NETSW_H */

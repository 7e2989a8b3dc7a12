/* SPDX-License-Identifier: MIT */
/*
 * rtdd/netif_req.h - taking guest TX packets off a netif ring and checking
 * them (backends/net), as Linux xen-netback does.
 *
 * A TX packet is a chain of requests: the first carries the total size,
 * optional extra-info slots follow it, further fragments follow with
 * NETTXF_more_data. Every slot is copied off the ring before it is looked
 * at. The verdicts mirror netback's (xenvif_tx_build_gops,
 * xenvif_count_requests, xenvif_get_extras):
 *
 *   fatal (the vif is disabled; the frontend is buggy or malicious):
 *     more requests than the ring holds (req_prod ran ahead), a chain or
 *     extra-info list that runs past req_prod, more than 20 slots after
 *     the first, a fragment that crosses its page, an invalid extra-info
 *     type;
 *   drop with NETIF_RSP_ERROR for every slot of the packet:
 *     more than 18 slots after the first (netback's legacy limit,
 *     XEN_NETBK_LEGACY_SLOTS_MAX), a fragment larger than what the
 *     total size leaves, a packet shorter than an Ethernet header, longer
 *     than the backend takes (max_len), GSO when it was not negotiated;
 *   multicast add/remove requests are answered OKAY (no filter is kept;
 *     feature-multicast-control is not offered).
 *
 * Pure functions, no hypervisor: unit-tested directly.
 */
#ifndef RTDD_NETIF_REQ_H
#define RTDD_NETIF_REQ_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/netif.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_NETIF_PAGE 4096u
/* Linux netback: XEN_NETBK_LEGACY_SLOTS_MAX and FATAL_SKB_SLOTS_DEFAULT. */
#define RTDD_NETIF_SLOTS_MAX XEN_NETIF_NR_SLOTS_MIN /* 18 */
#define RTDD_NETIF_FATAL_SLOTS 20
#define RTDD_NETIF_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, RTDD_NETIF_PAGE)
#define RTDD_NETIF_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, RTDD_NETIF_PAGE)

enum rtdd_netif_verdict {
	RTDD_NETIF_PKT = 0,   /* a packet to copy and forward */
	RTDD_NETIF_DROP = 1,  /* answer every slot NETIF_RSP_ERROR */
	RTDD_NETIF_CTRL = 2,  /* no packet (multicast request): answer OKAY */
	RTDD_NETIF_FATAL = 3, /* protocol breach: disable the vif */
};

enum rtdd_netif_reason {
	RTDD_NETIF_R_OK = 0,
	RTDD_NETIF_R_RING_OVERFLOW, /* req_prod - req_cons > ring size */
	RTDD_NETIF_R_TRUNCATED,	    /* chain or extras past req_prod */
	RTDD_NETIF_R_MALICIOUS,	    /* > 20 slots after the first */
	RTDD_NETIF_R_CROSS_PAGE,    /* offset + size > page */
	RTDD_NETIF_R_EXTRA_TYPE,    /* invalid extra-info type */
	RTDD_NETIF_R_TOO_MANY,	    /* > 18 slots after the first */
	RTDD_NETIF_R_SIZE,	    /* fragment larger than what remains */
	RTDD_NETIF_R_RUNT,	    /* shorter than an Ethernet header */
	RTDD_NETIF_R_TOO_BIG,	    /* longer than max_len */
	RTDD_NETIF_R_GSO,	    /* GSO not negotiated */
	RTDD_NETIF_R_GRANT,	    /* grant copy failed (set by the copier) */
	RTDD_NETIF_R_CSUM,	    /* checksum could not be completed */
	RTDD_NETIF_R_COUNT
};

const char *rtdd_netif_reason_name(enum rtdd_netif_reason r);

/* A TX packet as taken off the ring. */
struct rtdd_netif_txpkt {
	RING_IDX first;	    /* ring index of the first request */
	uint16_t nslots;    /* slots consumed: requests + extras */
	uint16_t nextras;   /* extra-info slots right after the first */
	uint16_t nfrags;    /* data fragments in frag[] */
	uint16_t len;	    /* total packet length */
	uint16_t txflags;   /* NETTXF_csum_blank / NETTXF_data_validated */
	bool gso;	    /* carried a GSO extra */
	uint8_t extra_mask; /* bit t: extra[t - 1] is valid */
	/* frag[0].size is the first fragment's own size (the total minus
	 * the others), as netback computes it. Only valid for PKT. */
	struct netif_tx_request frag[RTDD_NETIF_SLOTS_MAX + 1];
	/* ids of every request slot, in ring order, for the responses;
	 * extras are marked with is_extra. */
	uint16_t id[1 + RTDD_NETIF_FATAL_SLOTS + XEN_NETIF_EXTRA_TYPE_MAX];
	bool is_extra[1 + RTDD_NETIF_FATAL_SLOTS + XEN_NETIF_EXTRA_TYPE_MAX];
	struct netif_extra_info extra[XEN_NETIF_EXTRA_TYPE_MAX - 1];
};

struct rtdd_netif_tx_limits {
	uint16_t max_len; /* longest packet taken (<= 65535) */
	bool gso;	  /* GSO negotiated (feature-gso-tcpv4/6) */
};

/*
 * Take one packet starting at cons from a TX ring whose producer index,
 * read once by the caller with acquire semantics, is prod. cons must be
 * < prod. Copies every slot it looks at into *pkt. Returns the verdict;
 * *reason_out tells why (R_OK for PKT and CTRL). For PKT, DROP and CTRL,
 * pkt->nslots slots were consumed and each needs its response (extras
 * NETIF_RSP_NULL). For FATAL nothing is answered: the vif is disabled.
 */
enum rtdd_netif_verdict
rtdd_netif_tx_take(const struct netif_tx_sring *sring, RING_IDX cons,
		   RING_IDX prod, const struct rtdd_netif_tx_limits *lim,
		   struct rtdd_netif_txpkt *pkt,
		   enum rtdd_netif_reason *reason_out);

/*
 * Complete a blank TCP/UDP checksum in place (IPv4 or IPv6, behind an
 * Ethernet header and at most one VLAN tag), as netback does for
 * NETTXF_csum_blank. 0, or -EINVAL when the frame is not one it can
 * complete (then the packet is dropped).
 */
int rtdd_net_csum_complete(uint8_t *frame, size_t len);

/*
 * A vif's "rate" key as the toolstack writes it into the backend
 * directory (libxl: "BYTES,USECS", BYTES allowed per USECS interval;
 * Linux netback reads the same): the rate in bits per second (rounded
 * up) and BYTES as the burst. Both numbers must be decimal, > 0, USECS
 * at most 2^32 - 1, BYTES at most 2^32 - 1; -EINVAL otherwise. (Linux
 * netback goes unlimited on a key it cannot parse; an RT switch refuses
 * the vif instead.)
 */
int rtdd_netif_parse_rate(const char *s, size_t len, uint64_t *bps_out,
			  uint32_t *burst_out);

/* Internet checksum helpers, exposed for tests. */
uint32_t rtdd_net_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t rtdd_net_csum_fold(uint32_t sum);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NETIF_REQ_H */

// SPDX-License-Identifier: MIT
/*
 * Guest TX chains off the netif ring, checked as Linux netback checks them
 * (rtdd/netif_req.h), and checksum completion for NETTXF_csum_blank.
 */
#include <errno.h>
#include <string.h>

#include "rtdd/netif_req.h"
#include "rtdd/numlist.h"

#define ETH_HLEN 14

static const char *const reason_names[RTDD_NETIF_R_COUNT] = {
	[RTDD_NETIF_R_OK] = "ok",
	[RTDD_NETIF_R_RING_OVERFLOW] = "impossible number of requests",
	[RTDD_NETIF_R_TRUNCATED] = "chain runs past req_prod",
	[RTDD_NETIF_R_MALICIOUS] = "too many slots (fatal)",
	[RTDD_NETIF_R_CROSS_PAGE] = "fragment crosses a page",
	[RTDD_NETIF_R_EXTRA_TYPE] = "invalid extra-info type",
	[RTDD_NETIF_R_TOO_MANY] = "too many slots",
	[RTDD_NETIF_R_SIZE] = "fragment larger than the remaining size",
	[RTDD_NETIF_R_RUNT] = "shorter than an Ethernet header",
	[RTDD_NETIF_R_TOO_BIG] = "longer than the backend takes",
	[RTDD_NETIF_R_GSO] = "GSO not negotiated",
	[RTDD_NETIF_R_GRANT] = "grant copy failed",
	[RTDD_NETIF_R_CSUM] = "checksum cannot be completed",
};

const char *rtdd_netif_reason_name(enum rtdd_netif_reason r)
{
	return (unsigned)r < RTDD_NETIF_R_COUNT ? reason_names[r] : "unknown";
}

/* One slot, copied: the frontend may rewrite it while we look. */
static inline void copy_req(const struct netif_tx_sring *s, RING_IDX i,
			    struct netif_tx_request *out)
{
	const volatile struct netif_tx_request *src =
		&s->ring[i & (RTDD_NETIF_TX_RING_SIZE - 1)].req;

	out->gref = src->gref;
	out->offset = src->offset;
	out->flags = src->flags;
	out->id = src->id;
	out->size = src->size;
}

enum rtdd_netif_verdict
rtdd_netif_tx_take(const struct netif_tx_sring *sring, RING_IDX cons,
		   RING_IDX prod, const struct rtdd_netif_tx_limits *lim,
		   struct rtdd_netif_txpkt *pkt,
		   enum rtdd_netif_reason *reason_out)
{
	struct netif_tx_request first, txp;
	enum rtdd_netif_reason drop = RTDD_NETIF_R_OK;
	RING_IDX idx = cons;
	unsigned work = prod - cons, slots, nid = 0;
	bool more;

	pkt->first = cons;
	pkt->nslots = pkt->nextras = pkt->nfrags = 0;
	pkt->len = 0;
	pkt->txflags = 0;
	pkt->gso = false;
	pkt->extra_mask = 0;
	*reason_out = RTDD_NETIF_R_OK;

	if (prod - cons > RTDD_NETIF_TX_RING_SIZE) {
		*reason_out = RTDD_NETIF_R_RING_OVERFLOW;
		return RTDD_NETIF_FATAL;
	}
	if (!work) {
		*reason_out = RTDD_NETIF_R_TRUNCATED;
		return RTDD_NETIF_FATAL;
	}
	copy_req(sring, idx++, &first);
	work--;
	pkt->id[nid] = first.id;
	pkt->is_extra[nid++] = false;

	/* Extra-info slots (xenvif_get_extras). They overlay requests. */
	if (first.flags & NETTXF_extra_info) {
		struct netif_extra_info ex;

		do {
			const volatile struct netif_extra_info *src;

			if (!work) {
				*reason_out = RTDD_NETIF_R_TRUNCATED;
				return RTDD_NETIF_FATAL;
			}
			if (pkt->nextras == XEN_NETIF_EXTRA_TYPE_MAX) {
				/* More extras than types: a loop of MORE
				 * flags. Linux would go on until the ring
				 * runs out; the verdict is the same. */
				*reason_out = RTDD_NETIF_R_EXTRA_TYPE;
				return RTDD_NETIF_FATAL;
			}
			src = (const volatile struct netif_extra_info *)&sring
				      ->ring[idx &
					     (RTDD_NETIF_TX_RING_SIZE - 1)]
				      .req;
			ex.type = src->type;
			ex.flags = src->flags;
			ex.u.pad[0] = src->u.pad[0];
			ex.u.pad[1] = src->u.pad[1];
			ex.u.pad[2] = src->u.pad[2];
			idx++;
			work--;
			pkt->id[nid] = 0;
			pkt->is_extra[nid++] = true;
			pkt->nextras++;
			if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE ||
			    ex.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
				*reason_out = RTDD_NETIF_R_EXTRA_TYPE;
				return RTDD_NETIF_FATAL;
			}
			pkt->extra[ex.type - 1] = ex;
			pkt->extra_mask |= (uint8_t)(1u << ex.type);
			if (ex.type == XEN_NETIF_EXTRA_TYPE_GSO)
				pkt->gso = true;
		} while (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE);

		/* A multicast request is not a packet (netback answers it
		 * and goes on). */
		if (pkt->extra_mask & (1u << XEN_NETIF_EXTRA_TYPE_MCAST_ADD |
				       1u << XEN_NETIF_EXTRA_TYPE_MCAST_DEL)) {
			pkt->nslots = (uint16_t)(idx - cons);
			return RTDD_NETIF_CTRL;
		}
	}

	/* The chain (xenvif_count_requests). */
	pkt->frag[0] = first;
	pkt->nfrags = 1;
	slots = 0;
	more = first.flags & NETTXF_more_data;
	while (more) {
		if (slots >= work) {
			*reason_out = RTDD_NETIF_R_TRUNCATED;
			return RTDD_NETIF_FATAL;
		}
		if (slots >= RTDD_NETIF_FATAL_SLOTS) {
			*reason_out = RTDD_NETIF_R_MALICIOUS;
			return RTDD_NETIF_FATAL;
		}
		if (!drop && slots >= RTDD_NETIF_SLOTS_MAX)
			drop = RTDD_NETIF_R_TOO_MANY;
		copy_req(sring, idx + slots, &txp);
		pkt->id[nid] = txp.id;
		pkt->is_extra[nid++] = false;
		/* A frame of 64 KiB or more wraps first.size: not fatal
		 * (buggy frontends do it), the packet is dropped. */
		if (!drop && txp.size > first.size)
			drop = RTDD_NETIF_R_SIZE;
		first.size = (uint16_t)(first.size - txp.size);
		slots++;
		if ((unsigned)txp.offset + txp.size > RTDD_NETIF_PAGE) {
			*reason_out = RTDD_NETIF_R_CROSS_PAGE;
			return RTDD_NETIF_FATAL;
		}
		more = txp.flags & NETTXF_more_data;
		if (!drop)
			pkt->frag[pkt->nfrags++] = txp;
	}
	idx += slots;
	pkt->nslots = (uint16_t)(idx - cons);
	if (drop) {
		*reason_out = drop;
		return RTDD_NETIF_DROP;
	}
	pkt->frag[0].size = first.size;
	{
		unsigned i, total = 0;

		for (i = 0; i < pkt->nfrags; i++)
			total += pkt->frag[i].size;
		pkt->len = (uint16_t)total;
	}
	/* The first fragment: netback checks these after the chain. */
	if (pkt->len < ETH_HLEN) {
		*reason_out = RTDD_NETIF_R_RUNT;
		return RTDD_NETIF_DROP;
	}
	if ((unsigned)pkt->frag[0].offset + pkt->frag[0].size >
	    RTDD_NETIF_PAGE) {
		*reason_out = RTDD_NETIF_R_CROSS_PAGE;
		return RTDD_NETIF_FATAL;
	}
	if (pkt->gso && !lim->gso) {
		*reason_out = RTDD_NETIF_R_GSO;
		return RTDD_NETIF_DROP;
	}
	if (pkt->len > lim->max_len) {
		*reason_out = RTDD_NETIF_R_TOO_BIG;
		return RTDD_NETIF_DROP;
	}
	pkt->txflags =
		first.flags & (NETTXF_csum_blank | NETTXF_data_validated);
	return RTDD_NETIF_PKT;
}

/* ------------------------------------------------------------------ */
/* Checksums                                                           */
/* ------------------------------------------------------------------ */

uint32_t rtdd_net_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	while (len > 1) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(p[0] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t rtdd_net_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int rtdd_net_csum_complete(uint8_t *f, size_t len)
{
	size_t l3 = ETH_HLEN, l4, l4len;
	uint16_t et;
	uint8_t proto;
	uint32_t sum;
	unsigned csum_off;

	if (len < ETH_HLEN)
		return -EINVAL;
	et = rd16(f + 12);
	if (et == 0x8100) {
		if (len < ETH_HLEN + 4)
			return -EINVAL;
		et = rd16(f + 16);
		l3 += 4;
	}
	if (et == 0x0800) {
		size_t ihl, tot;

		if (len < l3 + 20 || (f[l3] >> 4) != 4)
			return -EINVAL;
		ihl = (size_t)(f[l3] & 0xf) * 4;
		tot = rd16(f + l3 + 2);
		if (ihl < 20 || tot < ihl || l3 + tot > len)
			return -EINVAL;
		/* Fragments other than the first have no L4 header. */
		if (rd16(f + l3 + 6) & 0x3fff)
			return -EINVAL;
		proto = f[l3 + 9];
		l4 = l3 + ihl;
		l4len = tot - ihl;
		sum = rtdd_net_csum_add(0, f + l3 + 12, 8);
	} else if (et == 0x86dd) {
		size_t plen;

		if (len < l3 + 40 || (f[l3] >> 4) != 6)
			return -EINVAL;
		plen = rd16(f + l3 + 4);
		proto = f[l3 + 6]; /* extension headers are not followed */
		l4 = l3 + 40;
		l4len = plen;
		if (l4 + l4len > len)
			return -EINVAL;
		sum = rtdd_net_csum_add(0, f + l3 + 8, 32);
	} else {
		return -EINVAL;
	}
	if (proto == 6) {
		csum_off = 16;
		if (l4len < 20)
			return -EINVAL;
	} else if (proto == 17) {
		csum_off = 6;
		if (l4len < 8)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	sum += proto;
	sum += (uint32_t)l4len;
	f[l4 + csum_off] = 0;
	f[l4 + csum_off + 1] = 0;
	sum = rtdd_net_csum_add(sum, f + l4, l4len);
	{
		uint16_t c = rtdd_net_csum_fold(sum);

		if (proto == 17 && c == 0)
			c = 0xffff; /* UDP: 0 means "no checksum" */
		f[l4 + csum_off] = (uint8_t)(c >> 8);
		f[l4 + csum_off + 1] = (uint8_t)c;
	}
	return 0;
}

/* A decimal number of at most 10 digits ending at one of the stop
 * characters (or at end); -EINVAL otherwise. */
int rtdd_netif_parse_rate(const char *s, size_t len, uint64_t *bps_out,
			  uint32_t *burst_out)
{
	const char *p = s, *end = s + len;
	uint64_t bytes, usecs;
	unsigned __int128 bps;

	if (!s || rtdd_numlist_dec(&p, end, &bytes) || p == end ||
	    *p++ != ',' || rtdd_numlist_dec(&p, end, &usecs) || p != end)
		return -EINVAL;
	if (!bytes || !usecs || bytes > UINT32_MAX || usecs > UINT32_MAX)
		return -EINVAL;
	bps = ((unsigned __int128)bytes * 8 * 1000000 + usecs - 1) / usecs;
	*bps_out = bps > UINT64_MAX ? UINT64_MAX : (uint64_t)bps;
	*burst_out = (uint32_t)bytes;
	return 0;
}

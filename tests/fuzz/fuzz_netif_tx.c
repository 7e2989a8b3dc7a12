// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: netif TX slot chains and extra-info
 * (rtdd_netif_tx_take, rtdd/netif_req.h).
 *
 * Input: limits, the backend's req_cons and the guest's req_prod (both
 * guest-influenced in practice: prod is the guest's word, cons starts
 * wherever the ring was), then the shared ring page as the guest wrote it.
 * The target serves the ring the way backends/net/ring.c does: take a
 * packet, answer its slots, go on from cons + nslots until the ring is
 * empty or the verdict is FATAL.
 *
 * Oracles: a non-fatal verdict consumes 1..(prod - cons) slots, at most
 * 1 + 20 + the extra types; a PKT has 1..19 fragments that each stay in
 * their page and add up to len, 14 <= len <= max_len, no GSO unless
 * negotiated; the reason is R_OK exactly for PKT and CTRL.
 */
#include "fuzz.h"
#include "rtdd/netif_req.h"

static void check_pkt(const struct rtdd_netif_txpkt *pkt,
		      const struct rtdd_netif_tx_limits *lim)
{
	unsigned total = 0;

	FUZZ_CHECK(pkt->nfrags >= 1 && pkt->nfrags <= RTDD_NETIF_SLOTS_MAX + 1);
	FUZZ_CHECK(pkt->nslots >= pkt->nfrags + pkt->nextras);
	for (unsigned i = 0; i < pkt->nfrags; i++) {
		FUZZ_CHECK((unsigned)pkt->frag[i].offset + pkt->frag[i].size <=
			   RTDD_NETIF_PAGE);
		total += pkt->frag[i].size;
	}
	FUZZ_CHECK(total == pkt->len);
	FUZZ_CHECK(pkt->len >= 14 && pkt->len <= lim->max_len);
	FUZZ_CHECK(!pkt->gso || lim->gso);
	FUZZ_CHECK(
		!(pkt->txflags & ~(NETTXF_csum_blank | NETTXF_data_validated)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netif_tx_sring *sring;
	static struct rtdd_netif_txpkt pkt;
	struct fuzz_in in = {data, size};
	struct rtdd_netif_tx_limits lim;
	RING_IDX cons, prod;
	unsigned guard = 0;
	uint8_t f;

	if (!sring) {
		sring = aligned_alloc(RTDD_NETIF_PAGE, RTDD_NETIF_PAGE);
		if (!sring)
			abort();
	}
	lim.max_len = fuzz_u16(&in);
	f = fuzz_u8(&in);
	lim.gso = f & 1;
	if (f & 2)
		lim.max_len = 1514 + 4; /* what rtdd-netback offers */
	cons = fuzz_u32(&in);
	/* Mostly a sane distance, sometimes anything (overflow checks). */
	prod = f & 4 ? fuzz_u32(&in)
		     : cons + fuzz_u16(&in) % (RTDD_NETIF_TX_RING_SIZE + 2);
	fuzz_take(&in, sring, RTDD_NETIF_PAGE);

	while (cons != prod && guard++ <= RTDD_NETIF_TX_RING_SIZE) {
		enum rtdd_netif_reason why = RTDD_NETIF_R_COUNT;
		enum rtdd_netif_verdict v;

		v = rtdd_netif_tx_take(sring, cons, prod, &lim, &pkt, &why);
		FUZZ_CHECK((unsigned)why < RTDD_NETIF_R_COUNT);
		FUZZ_CHECK(strcmp(rtdd_netif_reason_name(why), "?"));
		FUZZ_CHECK(pkt.first == cons);
		if (v == RTDD_NETIF_FATAL) {
			FUZZ_CHECK(why != RTDD_NETIF_R_OK);
			break;
		}
		FUZZ_CHECK(v == RTDD_NETIF_PKT || v == RTDD_NETIF_DROP ||
			   v == RTDD_NETIF_CTRL);
		FUZZ_CHECK((v != RTDD_NETIF_DROP) == (why == RTDD_NETIF_R_OK));
		FUZZ_CHECK(pkt.nslots >= 1 && pkt.nslots <= prod - cons);
		FUZZ_CHECK(pkt.nslots <= 1 + RTDD_NETIF_FATAL_SLOTS +
						 XEN_NETIF_EXTRA_TYPE_MAX);
		FUZZ_CHECK(pkt.nextras < pkt.nslots);
		if (v == RTDD_NETIF_PKT)
			check_pkt(&pkt, &lim);
		cons += pkt.nslots;
	}
	return 0;
}

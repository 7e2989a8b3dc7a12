// SPDX-License-Identifier: MIT
/*
 * Guest TX chains, good and hostile, against rtdd_netif_tx_take, with the
 * verdicts Linux netback gives; and checksum completion against reference
 * packets. No hypervisor: the ring is a page of our own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtdd/netif_req.h"
#include "rtdd/numlist.h"

struct ring {
	struct netif_tx_sring *s;
	RING_IDX prod;
};

static const struct rtdd_netif_tx_limits lim = {.max_len = 1514 + 4,
						.gso = false};

static int setup(void **state)
{
	struct ring *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->s = aligned_alloc(4096, 4096);
	assert_non_null(r->s);
	memset(r->s, 0, 4096);
	/* Start near the wrap of the 32-bit indexes: masks must hold. */
	r->prod = 0xfffffff0u;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct ring *r = *state;

	free(r->s);
	free(r);
	return 0;
}

static void put(struct ring *r, uint32_t gref, uint16_t off, uint16_t flags,
		uint16_t id, uint16_t size)
{
	struct netif_tx_request *q =
		&r->s->ring[r->prod++ & (RTDD_NETIF_TX_RING_SIZE - 1)].req;

	q->gref = gref;
	q->offset = off;
	q->flags = flags;
	q->id = id;
	q->size = size;
}

static void put_extra(struct ring *r, uint8_t type, uint8_t flags)
{
	struct netif_extra_info *e =
		(struct netif_extra_info *)&r->s
			->ring[r->prod++ & (RTDD_NETIF_TX_RING_SIZE - 1)]
			.req;

	memset(e, 0, sizeof(*e));
	e->type = type;
	e->flags = flags;
	if (type == XEN_NETIF_EXTRA_TYPE_GSO) {
		e->u.gso.size = 1448;
		e->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	}
}

static enum rtdd_netif_verdict take(struct ring *r, RING_IDX cons,
				    struct rtdd_netif_txpkt *p,
				    enum rtdd_netif_reason *why)
{
	return rtdd_netif_tx_take(r->s, cons, r->prod, &lim, p, why);
}

static void test_single(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;

	put(r, 7, 100, NETTXF_csum_blank, 42, 60);
	assert_int_equal(take(r, c, &p, &why), RTDD_NETIF_PKT);
	assert_int_equal(why, RTDD_NETIF_R_OK);
	assert_int_equal(p.nslots, 1);
	assert_int_equal(p.nfrags, 1);
	assert_int_equal(p.len, 60);
	assert_int_equal(p.frag[0].gref, 7);
	assert_int_equal(p.frag[0].offset, 100);
	assert_int_equal(p.id[0], 42);
	assert_int_equal(p.txflags, NETTXF_csum_blank);
}

static void test_sg_chain(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;

	/* 1514 bytes in three fragments: 500 + 500 + 514; the first slot
	 * carries the total. The chain wraps the ring index. */
	put(r, 1, 0, NETTXF_more_data, 1, 1514);
	put(r, 2, 3596, NETTXF_more_data, 2, 500);
	put(r, 3, 0, 0, 3, 514);
	assert_int_equal(take(r, c, &p, &why), RTDD_NETIF_PKT);
	assert_int_equal(p.nslots, 3);
	assert_int_equal(p.nfrags, 3);
	assert_int_equal(p.len, 1514);
	assert_int_equal(p.frag[0].size, 500);
	assert_int_equal(p.frag[1].size, 500);
	assert_int_equal(p.frag[2].size, 514);
	assert_int_equal(p.id[2], 3);
}

/* Netback takes the first slot plus 18 more. */
static void test_19_slots_ok(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;
	unsigned i;

	put(r, 0, 0, NETTXF_more_data, 0, 19 * 64);
	for (i = 1; i < 19; i++)
		put(r, i, 0, i < 18 ? NETTXF_more_data : 0, (uint16_t)i, 64);
	assert_int_equal(take(r, c, &p, &why), RTDD_NETIF_PKT);
	assert_int_equal(p.nfrags, 19);
	assert_int_equal(p.len, 19 * 64);
}

static void test_gso_refused_and_mcast(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;
	struct rtdd_netif_tx_limits gl = lim;

	put(r, 1, 0, NETTXF_extra_info, 9, 1000);
	put_extra(r, XEN_NETIF_EXTRA_TYPE_GSO, 0);
	assert_int_equal(take(r, c, &p, &why), RTDD_NETIF_DROP);
	assert_int_equal(why, RTDD_NETIF_R_GSO);
	assert_int_equal(p.nslots, 2);
	assert_int_equal(p.nextras, 1);
	assert_true(p.is_extra[1]);
	/* Passed through when negotiated. */
	gl.gso = true;
	assert_int_equal(rtdd_netif_tx_take(r->s, c, r->prod, &gl, &p, &why),
			 RTDD_NETIF_PKT);
	assert_true(p.gso);
	assert_int_equal(p.extra[XEN_NETIF_EXTRA_TYPE_GSO - 1].u.gso.size,
			 1448);

	c = r->prod;
	put(r, 0, 0, NETTXF_extra_info, 10, 0);
	put_extra(r, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0);
	assert_int_equal(take(r, c, &p, &why), RTDD_NETIF_CTRL);
	assert_int_equal(p.nslots, 2);
}

/* The hostile cases. Each row: the slots, the verdict, the reason. */
#define F RTDD_NETIF_FATAL
#define D RTDD_NETIF_DROP

static void check(struct ring *r, RING_IDX c, enum rtdd_netif_verdict v,
		  enum rtdd_netif_reason want)
{
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;

	assert_int_equal(take(r, c, &p, &why), v);
	assert_int_equal(why, want);
	if (v == D) /* every slot answered: the ring stays in step */
		assert_int_equal(c + p.nslots, r->prod);
}

static void test_h01_ring_overflow(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;

	assert_int_equal(rtdd_netif_tx_take(r->s, 0, 257, &lim, &p, &why), F);
	assert_int_equal(why, RTDD_NETIF_R_RING_OVERFLOW);
	/* prod behind cons is the same breach seen modulo 2^32 */
	assert_int_equal(rtdd_netif_tx_take(r->s, 10, 5, &lim, &p, &why), F);
	assert_int_equal(why, RTDD_NETIF_R_RING_OVERFLOW);
}

static void test_h02_chain_past_prod(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_more_data, 1, 1000);
	put(r, 2, 0, NETTXF_more_data, 2, 500); /* more, but nothing after */
	check(r, c, F, RTDD_NETIF_R_TRUNCATED);
}

static void test_h03_extra_past_prod(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_extra_info, 1, 100);
	check(r, c, F, RTDD_NETIF_R_TRUNCATED);
}

static void test_h04_20_slots(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;
	unsigned i;

	put(r, 0, 0, NETTXF_more_data, 0, 30 * 10);
	for (i = 1; i < 30; i++)
		put(r, i, 0, NETTXF_more_data, (uint16_t)i, 10);
	check(r, c, F, RTDD_NETIF_R_MALICIOUS);
}

static void test_h05_20_slots_dropped(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;
	unsigned i;

	put(r, 0, 0, NETTXF_more_data, 0, 20 * 64);
	for (i = 1; i < 20; i++)
		put(r, i, 0, i < 19 ? NETTXF_more_data : 0, (uint16_t)i, 64);
	check(r, c, D, RTDD_NETIF_R_TOO_MANY);
}

static void test_h06_frag_cross_page(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_more_data, 1, 1000);
	put(r, 2, 4000, 0, 2, 200);
	check(r, c, F, RTDD_NETIF_R_CROSS_PAGE);
}

static void test_h07_first_cross_page(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 3000, 0, 1, 1500);
	check(r, c, F, RTDD_NETIF_R_CROSS_PAGE);
}

static void test_h08_offset_past_page(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 5000, 0, 1, 60);
	check(r, c, F, RTDD_NETIF_R_CROSS_PAGE);
}

static void test_h09_sizes_disagree(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	/* Fragments add up to more than the total. */
	put(r, 1, 0, NETTXF_more_data, 1, 600);
	put(r, 2, 0, NETTXF_more_data, 2, 500);
	put(r, 3, 0, 0, 3, 500);
	check(r, c, D, RTDD_NETIF_R_SIZE);
}

static void test_h10_first_frag_too_big(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	/* Total 9000 with one 100-byte fragment: the first would be 8900,
	 * more than a page. */
	put(r, 1, 0, NETTXF_more_data, 1, 9000);
	put(r, 2, 0, 0, 2, 100);
	check(r, c, F, RTDD_NETIF_R_CROSS_PAGE);
}

static void test_h11_extra_type_none(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_extra_info, 1, 100);
	put_extra(r, XEN_NETIF_EXTRA_TYPE_NONE, 0);
	check(r, c, F, RTDD_NETIF_R_EXTRA_TYPE);
}

static void test_h12_extra_type_garbage(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_extra_info, 1, 100);
	put_extra(r, 0xee, 0);
	check(r, c, F, RTDD_NETIF_R_EXTRA_TYPE);
}

static void test_h13_extra_more_loop(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;
	unsigned i;

	put(r, 1, 0, NETTXF_extra_info, 1, 100);
	for (i = 0; i < 10; i++)
		put_extra(r, XEN_NETIF_EXTRA_TYPE_HASH,
			  XEN_NETIF_EXTRA_FLAG_MORE);
	check(r, c, F, RTDD_NETIF_R_EXTRA_TYPE);
}

static void test_h14_runt(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, 0, 1, 10);
	check(r, c, D, RTDD_NETIF_R_RUNT);
}

static void test_h15_zero_size(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, 0, 1, 0);
	check(r, c, D, RTDD_NETIF_R_RUNT);
}

static void test_h16_too_big(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	/* 3000 bytes in one page: legal for netif, more than we take. */
	put(r, 1, 0, 0, 1, 3000);
	check(r, c, D, RTDD_NETIF_R_TOO_BIG);
}

static void test_h17_64k_wrap(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;
	unsigned i;

	/* A 65536+ byte frame: the total wrapped to 100; later slots
	 * appear larger than the frame. Not fatal, dropped. */
	put(r, 1, 0, NETTXF_more_data, 1, 100);
	for (i = 0; i < 16; i++)
		put(r, 2 + i, 0, i < 15 ? NETTXF_more_data : 0,
		    (uint16_t)(2 + i), 4096);
	check(r, c, D, RTDD_NETIF_R_SIZE);
}

static void test_h18_gso_not_negotiated(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_extra_info | NETTXF_more_data, 1, 2000);
	put_extra(r, XEN_NETIF_EXTRA_TYPE_GSO, 0);
	put(r, 2, 0, 0, 2, 1000);
	check(r, c, D, RTDD_NETIF_R_GSO);
}

static void test_h19_drop_keeps_ids(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;
	unsigned i;

	/* A dropped 21-slot chain: every id is kept for its response. */
	put(r, 0, 0, NETTXF_more_data, 100, 21 * 64);
	for (i = 1; i < 21; i++)
		put(r, i, 0, i < 20 ? NETTXF_more_data : 0, (uint16_t)(100 + i),
		    64);
	assert_int_equal(take(r, c, &p, &why), D);
	assert_int_equal(p.nslots, 21);
	for (i = 0; i < 21; i++)
		assert_int_equal(p.id[i], 100 + i);
}

static void test_h20_next_packet_intact(void **state)
{
	struct ring *r = *state;
	struct rtdd_netif_txpkt p;
	enum rtdd_netif_reason why;
	RING_IDX c = r->prod;

	/* After a dropped packet, the next one parses from where the drop
	 * ended: a bad packet cannot desynchronise the ring. */
	put(r, 1, 0, NETTXF_more_data, 1, 100);
	put(r, 2, 0, 0, 2, 500); /* sizes disagree: drop */
	put(r, 3, 0, 0, 3, 64);
	assert_int_equal(take(r, c, &p, &why), D);
	assert_int_equal(take(r, c + p.nslots, &p, &why), RTDD_NETIF_PKT);
	assert_int_equal(p.id[0], 3);
	assert_int_equal(p.len, 64);
}

static void test_h21_extra_then_chain_truncated(void **state)
{
	struct ring *r = *state;
	RING_IDX c = r->prod;

	put(r, 1, 0, NETTXF_extra_info | NETTXF_more_data, 1, 200);
	put_extra(r, XEN_NETIF_EXTRA_TYPE_HASH, 0);
	check(r, c, F, RTDD_NETIF_R_TRUNCATED);
}

static void test_h22_empty(void **state)
{
	struct ring *r = *state;

	check(r, r->prod, F, RTDD_NETIF_R_TRUNCATED);
}

/* ---- checksums ---- */

/* UDP/IPv4 from a capture (checksum 0x1dd4 over this exact frame,
 * computed independently with the RFC 1071 reference loop below). */
static uint16_t ref_csum(const uint8_t *pseudo, size_t plen, const uint8_t *l4,
			 size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < plen; i += 2)
		s += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(l4[i] << 8 | l4[i + 1]);
	if (len & 1)
		s += (uint32_t)(l4[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t build_udp4(uint8_t *f, size_t paylen, bool vlan)
{
	size_t l3 = vlan ? 18 : 14, i;
	uint16_t tot = (uint16_t)(20 + 8 + paylen);

	memset(f, 0, 2048);
	memset(f, 0x02, 12);
	if (vlan) {
		f[12] = 0x81;
		f[14] = 0x00;
		f[15] = 10;
		f[16] = 0x08;
	} else {
		f[12] = 0x08;
	}
	f[l3] = 0x45;
	f[l3 + 2] = (uint8_t)(tot >> 8);
	f[l3 + 3] = (uint8_t)tot;
	f[l3 + 8] = 64;
	f[l3 + 9] = 17;
	f[l3 + 12] = 10;
	f[l3 + 15] = 1;
	f[l3 + 16] = 10;
	f[l3 + 19] = 2;
	f[l3 + 20] = 0x30;
	f[l3 + 21] = 0x39;
	f[l3 + 22] = 0x00;
	f[l3 + 23] = 0x35;
	f[l3 + 24] = (uint8_t)((8 + paylen) >> 8);
	f[l3 + 25] = (uint8_t)(8 + paylen);
	f[l3 + 26] = 0xde; /* garbage where the checksum goes */
	f[l3 + 27] = 0xad;
	for (i = 0; i < paylen; i++)
		f[l3 + 28 + i] = (uint8_t)(i * 7 + 3);
	return l3 + tot;
}

/* The toolstack's vif "rate" key: "BYTES,USECS". */
static void test_rate_key(void **state)
{
	static const struct {
		const char *s;
		uint64_t bps;
		uint32_t burst;
	} good[] = {
		{"2500,1000", 20000000, 2500},	     /* 20 Mbit/s */
		{"125000,1000000", 1000000, 125000}, /* 1 Mbit/s */
		{"1,3", 2666667, 1},		     /* rounded up */
		{"4294967295,1", 34359738360000000ull, 4294967295u},
		{"0000012,0000001", 96000000, 12},
	};
	static const char *const bad[] = {
		"",
		"100",
		"0,1000",
		"100,0",
		"1x,1000",
		"100,1000,",
		"-5,1000",
		",1000",
		"100,",
		" 100,1000",
		"100, 1000",
		"4294967296,1",
		"1,4294967296",
		"99999999999,1",
		"+5,1000",
		"5,1000\n",
		"0x10,1000",
	};
	uint64_t bps;
	uint32_t burst;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(rtdd_netif_parse_rate(good[i].s,
						       strlen(good[i].s), &bps,
						       &burst),
				 0);
		assert_int_equal(bps, good[i].bps);
		assert_int_equal(burst, good[i].burst);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rtdd_netif_parse_rate(bad[i], strlen(bad[i]),
						       &bps, &burst),
				 -EINVAL);
	/* The length bounds the parse: no NUL needed, none read past. */
	assert_int_equal(rtdd_netif_parse_rate("25,10xx", 5, &bps, &burst), 0);
	assert_int_equal(bps, 20000000);
	assert_int_equal(rtdd_netif_parse_rate(NULL, 0, &bps, &burst), -EINVAL);
}

/* feature-rtdd-persistent's buffer lists (rtdd-tx/rx-buf-refs), as a
 * hostile frontend might write them. */
static void test_buf_refs_key(void **state)
{
	static const char *bad[] = {
		"",
		",",
		"8,",
		",8",
		"8,,9",
		"9-8", /* reversed range */
		"8-",  /* open range */
		"-8",
		"8--9",
		"8-9-10",
		"1-300",	/* more than max (256) */
		"0-4294967295", /* more than max, not expanded */
		"4294967296",	/* past 32 bits */
		"4294967295-4294967296",
		"99999999999",
		" 8",
		"8 ",
		"8\n",
		"0x8",
		"+8",
		"8;9",
		"a",
	};
	uint32_t out[257];
	unsigned n = 0, i;

	(void)state;
	assert_int_equal(rtdd_numlist_parse("8-263", 5, out, 256, &n), 0);
	assert_int_equal(n, 256);
	assert_int_equal(out[0], 8);
	assert_int_equal(out[255], 263);
	assert_int_equal(
		rtdd_numlist_parse("5,7-9,4294967295", 16, out, 256, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(out[0], 5);
	assert_int_equal(out[1], 7);
	assert_int_equal(out[3], 9);
	assert_int_equal(out[4], 4294967295u);
	/* exactly max, then one more */
	assert_int_equal(rtdd_numlist_parse("1-255,300", 9, out, 256, &n), 0);
	assert_int_equal(n, 256);
	assert_int_equal(rtdd_numlist_parse("1-256,300", 9, out, 256, &n),
			 -EINVAL);
	/* duplicates are the caller's business (mapped once) */
	assert_int_equal(rtdd_numlist_parse("3,3", 3, out, 256, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 77;
		out[256] = 0xdeadbeef;
		assert_int_equal(rtdd_numlist_parse(bad[i], strlen(bad[i]), out,
						    256, &n),
				 -EINVAL);
		assert_int_equal(n, 77); /* untouched on error */
		assert_int_equal(out[256], 0xdeadbeef);
	}
	/* the length bounds the parse */
	assert_int_equal(rtdd_numlist_parse("12,x", 2, out, 256, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 12);
	assert_int_equal(rtdd_numlist_parse(NULL, 0, out, 256, &n), -EINVAL);
}

static void test_csum_udp4(void **state)
{
	uint8_t f[2048], pseudo[12];
	size_t len, l3;
	unsigned pl;
	int vlan;

	(void)state;
	for (vlan = 0; vlan < 2; vlan++)
		for (pl = 0; pl < 1400; pl += 97) {
			uint16_t want, got;

			len = build_udp4(f, pl, vlan);
			l3 = vlan ? 18 : 14;
			memcpy(pseudo, f + l3 + 12, 8);
			pseudo[8] = 0;
			pseudo[9] = 17;
			pseudo[10] = (uint8_t)((8 + pl) >> 8);
			pseudo[11] = (uint8_t)(8 + pl);
			assert_int_equal(rtdd_net_csum_complete(f, len), 0);
			got = (uint16_t)(f[l3 + 26] << 8 | f[l3 + 27]);
			f[l3 + 26] = f[l3 + 27] = 0;
			want = ref_csum(pseudo, 12, f + l3 + 20, 8 + pl);
			if (want == 0)
				want = 0xffff;
			assert_int_equal(got, want);
		}
}

static void test_csum_tcp6(void **state)
{
	uint8_t f[256] = {0}, pseudo[40] = {0};
	size_t l3 = 14, tl = 20 + 33;
	uint16_t got;

	(void)state;
	f[12] = 0x86;
	f[13] = 0xdd;
	f[l3] = 0x60;
	f[l3 + 5] = (uint8_t)tl;
	f[l3 + 6] = 6;
	f[l3 + 8] = 0xfe;
	f[l3 + 9] = 0x80;
	f[l3 + 23] = 1;
	f[l3 + 24] = 0xfe;
	f[l3 + 25] = 0x80;
	f[l3 + 39] = 2;
	f[l3 + 40 + 12] = 0x50;
	memset(f + l3 + 60, 0x5a, 33);
	assert_int_equal(rtdd_net_csum_complete(f, l3 + 40 + tl), 0);
	got = (uint16_t)(f[l3 + 56] << 8 | f[l3 + 57]);
	f[l3 + 56] = f[l3 + 57] = 0;
	memcpy(pseudo, f + l3 + 8, 32);
	pseudo[35] = (uint8_t)tl;
	pseudo[39] = 6;
	assert_int_equal(got, ref_csum(pseudo, 40, f + l3 + 40, tl));
}

static void test_csum_refused(void **state)
{
	uint8_t f[2048];
	size_t len;

	(void)state;
	len = build_udp4(f, 100, false);
	assert_int_equal(rtdd_net_csum_complete(f, 13), -EINVAL);
	/* IP total length beyond the frame */
	assert_int_equal(rtdd_net_csum_complete(f, len - 1), -EINVAL);
	/* ARP */
	f[13] = 0x06;
	assert_int_equal(rtdd_net_csum_complete(f, len), -EINVAL);
	f[13] = 0x00;
	/* ICMP */
	f[14 + 9] = 1;
	assert_int_equal(rtdd_net_csum_complete(f, len), -EINVAL);
	f[14 + 9] = 17;
	/* a later fragment */
	f[14 + 7] = 0x10;
	assert_int_equal(rtdd_net_csum_complete(f, len), -EINVAL);
	f[14 + 7] = 0;
	/* IHL below 5 */
	f[14] = 0x44;
	assert_int_equal(rtdd_net_csum_complete(f, len), -EINVAL);
	f[14] = 0x45;
	assert_int_equal(rtdd_net_csum_complete(f, len), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_single),
		T(test_sg_chain),
		T(test_19_slots_ok),
		T(test_gso_refused_and_mcast),
		T(test_h01_ring_overflow),
		T(test_h02_chain_past_prod),
		T(test_h03_extra_past_prod),
		T(test_h04_20_slots),
		T(test_h05_20_slots_dropped),
		T(test_h06_frag_cross_page),
		T(test_h07_first_cross_page),
		T(test_h08_offset_past_page),
		T(test_h09_sizes_disagree),
		T(test_h10_first_frag_too_big),
		T(test_h11_extra_type_none),
		T(test_h12_extra_type_garbage),
		T(test_h13_extra_more_loop),
		T(test_h14_runt),
		T(test_h15_zero_size),
		T(test_h16_too_big),
		T(test_h17_64k_wrap),
		T(test_h18_gso_not_negotiated),
		T(test_h19_drop_keeps_ids),
		T(test_h20_next_packet_intact),
		T(test_h21_extra_then_chain_truncated),
		T(test_h22_empty),
		cmocka_unit_test(test_rate_key),
		cmocka_unit_test(test_buf_refs_key),
		cmocka_unit_test(test_csum_udp4),
		cmocka_unit_test(test_csum_tcp6),
		cmocka_unit_test(test_csum_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

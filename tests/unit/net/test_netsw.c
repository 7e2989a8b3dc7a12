// SPDX-License-Identifier: MIT
/*
 * The RT switch without a hypervisor: forwarding decisions, VLANs, token
 * buckets, priority ordering, buffer isolation and the configuration
 * parser. Ports are in-memory fakes; time is passed in, so nothing here
 * depends on how fast the machine is.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtdd/netsw.h"

#define MAXF 8192

struct frame {
	uint8_t data[1600];
	uint16_t len;
};

struct fport {
	struct frame *in; /* frames the port will deliver */
	unsigned n_in, pos_in;
	struct frame *out; /* frames the switch sent it */
	uint8_t out_cls[MAXF];
	unsigned n_out;
	int tx_limit; /* frames taken per tx call; -1 all */
	int id;
	unsigned rx_calls;
	struct fport *inject; /* gets an RT frame at rx call inject_at */
	unsigned inject_at;
	bool reflect; /* tx: frames come back on rx, MACs swapped */
	/* As netback does between pieces of a long copy: before each frame,
	 * rx and tx ask rtdd_sw_rt_waiting and put the frame back on true. */
	bool probe;
	unsigned yields;
	unsigned tx_calls, inject_tx_at; /* inject an RT frame at tx call */
	bool stuck; /* pending says input waits, rx has none */
};

static const uint8_t MAC_A[6] = {0x00, 0x16, 0x3e, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x00, 0x16, 0x3e, 0, 0, 0x0b};
static const uint8_t MAC_C[6] = {0x00, 0x16, 0x3e, 0, 0, 0x0c};
static const uint8_t MAC_X[6] = {0x02, 0x00, 0x00, 0, 0, 0x99}; /* outside */
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void push(struct fport *fp, const uint8_t *dst, const uint8_t *src,
		 int vid, int pcp, uint8_t mark, uint16_t len);

static unsigned f_rx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		     unsigned n)
{
	struct fport *fp = priv;
	unsigned k = 0;

	if (++fp->rx_calls == fp->inject_at && fp->inject)
		push(fp->inject, MAC_X, MAC_A, -1, 0, 200, 60);
	while (k < n && fp->pos_in < fp->n_in) {
		struct rtdd_pkt *p = rtdd_sw_pkt_get(sw);
		struct frame *f = &fp->in[fp->pos_in];

		if (!p)
			break;
		if (fp->probe && rtdd_sw_rt_waiting(sw)) {
			rtdd_sw_pkt_put(sw, p);
			fp->yields++;
			break;
		}
		memcpy(p->data, f->data, f->len);
		p->len = f->len;
		pkts[k++] = p;
		fp->pos_in++;
	}
	return k;
}

static unsigned f_tx(void *priv, rtdd_sw *sw, struct rtdd_pkt **pkts,
		     unsigned n)
{
	struct fport *fp = priv;
	unsigned k, take = n;

	if (fp->tx_limit >= 0 && (unsigned)fp->tx_limit < take)
		take = (unsigned)fp->tx_limit;
	if (++fp->tx_calls == fp->inject_tx_at && fp->inject)
		push(fp->inject, MAC_X, MAC_A, -1, 0, 201, 60);
	for (k = 0; k < take; k++) {
		if (fp->probe && rtdd_sw_rt_waiting(sw)) {
			fp->yields++;
			return k;
		}
		assert_true(fp->n_out < MAXF);
		if (fp->reflect) {
			struct frame *f = &fp->in[fp->n_in++];

			assert_true(fp->n_in <= MAXF);
			memcpy(f->data, pkts[k]->data + 6, 6);
			memcpy(f->data + 6, pkts[k]->data, 6);
			memcpy(f->data + 12, pkts[k]->data + 12,
			       pkts[k]->len - 12);
			f->len = pkts[k]->len;
		}
		memcpy(fp->out[fp->n_out].data, pkts[k]->data, pkts[k]->len);
		fp->out[fp->n_out].len = pkts[k]->len;
		fp->out_cls[fp->n_out] = pkts[k]->cls;
		fp->n_out++;
		rtdd_sw_pkt_put(sw, pkts[k]);
	}
	return take;
}

static bool f_pending(void *priv)
{
	const struct fport *fp = priv;

	return fp->stuck || fp->pos_in < fp->n_in;
}

static const struct rtdd_sw_port_ops fops = {.rx = f_rx, .tx = f_tx};
/* The same, telling the switch when input waits (as a vif does). */
static const struct rtdd_sw_port_ops fops_p = {
	.rx = f_rx, .tx = f_tx, .pending = f_pending};

static struct fport *fport_new(int id)
{
	struct fport *fp = calloc(1, sizeof(*fp));

	assert_non_null(fp);
	fp->in = calloc(MAXF, sizeof(struct frame));
	fp->out = calloc(MAXF, sizeof(struct frame));
	assert_non_null(fp->in);
	assert_non_null(fp->out);
	fp->tx_limit = -1;
	fp->id = id;
	return fp;
}

static void fport_free(struct fport *fp)
{
	free(fp->in);
	free(fp->out);
	free(fp);
}

/* Queue a frame on a fake port: dst, src, optional tag, payload tag byte. */
static void push(struct fport *fp, const uint8_t *dst, const uint8_t *src,
		 int vid, int pcp, uint8_t mark, uint16_t len)
{
	struct frame *f = &fp->in[fp->n_in++];
	uint8_t *p = f->data;
	unsigned off = 12, i;

	assert_true(fp->n_in <= MAXF);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (vid >= 0) {
		p[12] = 0x81;
		p[13] = 0x00;
		p[14] = (uint8_t)((pcp << 5) | (vid >> 8));
		p[15] = (uint8_t)vid;
		off = 16;
	}
	p[off] = 0x08;
	p[off + 1] = 0x00;
	for (i = off + 2; i < len; i++)
		p[i] = (uint8_t)(mark + i);
	p[off + 2] = mark;
	f->len = len;
}

static int out_tagged_vid(const struct frame *f)
{
	if (f->data[12] == 0x81 && f->data[13] == 0x00)
		return ((f->data[14] & 0x0f) << 8) | f->data[15];
	return -1;
}

static int out_pcp(const struct frame *f)
{
	return f->data[14] >> 5;
}

static uint8_t out_mark(const struct frame *f)
{
	return f->data[out_tagged_vid(f) >= 0 ? 18 : 14];
}

/* A switch: vifs a (RT), b (BE), c (BE), one uplink u; all VLAN 0. */
struct fixture {
	rtdd_sw *sw;
	struct fport *fp[4];
	int a, b, c, u;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct rtdd_sw_cfg cfg = {.unknown_port = -1, .be_chunk = 4};
	struct rtdd_sw_port_cfg pc;
	unsigned i;

	assert_non_null(fx);
	assert_int_equal(rtdd_sw_create(&cfg, &fx->sw), 0);
	for (i = 0; i < 4; i++)
		fx->fp[i] = fport_new((int)i);
	memset(&pc, 0, sizeof(pc));
	pc.pcp = -1;
	pc.check_src = -1;
	strcpy(pc.name, "vif-a");
	pc.cls = RTDD_SW_RT;
	fx->a = rtdd_sw_add_port(fx->sw, &pc, &fops, fx->fp[0]);
	strcpy(pc.name, "vif-b");
	pc.cls = RTDD_SW_BE;
	fx->b = rtdd_sw_add_port(fx->sw, &pc, &fops, fx->fp[1]);
	strcpy(pc.name, "vif-c");
	fx->c = rtdd_sw_add_port(fx->sw, &pc, &fops, fx->fp[2]);
	strcpy(pc.name, "up0");
	pc.uplink = true;
	fx->u = rtdd_sw_add_port(fx->sw, &pc, &fops, fx->fp[3]);
	assert_int_equal(fx->a, 0);
	assert_int_equal(fx->u, 3);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_A, 0, fx->a), 0);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_B, 0, fx->b), 0);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_C, 0, fx->c), 0);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_X, 0, fx->u), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unsigned i;

	rtdd_sw_destroy(fx->sw);
	for (i = 0; i < 4; i++)
		fport_free(fx->fp[i]);
	free(fx);
	return 0;
}

static void test_unicast(void **state)
{
	struct fixture *fx = *state;
	struct rtdd_sw_port_stats st;
	unsigned before = rtdd_sw_pkt_free_count(fx->sw);

	push(fx->fp[0], MAC_B, MAC_A, -1, 0, 1, 60);
	push(fx->fp[0], MAC_X, MAC_A, -1, 0, 2, 1514);
	push(fx->fp[1], MAC_A, MAC_B, -1, 0, 3, 64);
	push(fx->fp[3], MAC_C, MAC_X, -1, 0, 4, 100);
	assert_int_equal(rtdd_sw_poll(fx->sw, 0), 8);
	assert_int_equal(fx->fp[1]->n_out, 1);
	assert_int_equal(out_mark(&fx->fp[1]->out[0]), 1);
	assert_int_equal(fx->fp[3]->n_out, 1);
	assert_int_equal(fx->fp[3]->out[0].len, 1514);
	assert_memory_equal(fx->fp[3]->out[0].data, fx->fp[0]->in[1].data,
			    1514);
	assert_int_equal(fx->fp[0]->n_out, 1);
	assert_int_equal(out_mark(&fx->fp[0]->out[0]), 3);
	assert_int_equal(fx->fp[2]->n_out, 1);
	assert_int_equal(out_mark(&fx->fp[2]->out[0]), 4);
	rtdd_sw_port_stats(fx->sw, fx->a, &st);
	assert_int_equal(st.rx_pkts, 2);
	assert_int_equal(st.rx_bytes, 60 + 1514);
	assert_int_equal(st.tx_pkts, 1);
	/* Every buffer is back in the pool. */
	assert_int_equal(rtdd_sw_pkt_free_count(fx->sw), before);
}

static void test_drops(void **state)
{
	struct fixture *fx = *state;
	struct rtdd_sw_port_stats a, b, u;
	static const uint8_t unknown[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	unsigned before = rtdd_sw_pkt_free_count(fx->sw);

	push(fx->fp[0], unknown, MAC_A, -1, 0, 1, 60); /* unknown unicast */
	push(fx->fp[0], MAC_B, MAC_C, -1, 0, 2, 60);   /* spoofed source */
	push(fx->fp[0], MAC_B, BCAST, -1, 0, 3, 60);   /* multicast source */
	push(fx->fp[0], MAC_A, MAC_A, -1, 0, 4, 60);   /* hairpin */
	push(fx->fp[0], MAC_B, MAC_A, 5, 0, 5, 64);    /* tag on access port */
	push(fx->fp[1], MAC_A, MAC_B, -1, 0, 6, 10);   /* runt */
	/* The uplink does no source check: any outside source is fine. */
	push(fx->fp[3], MAC_A, unknown, -1, 0, 7, 60);
	rtdd_sw_poll(fx->sw, 0);
	assert_int_equal(fx->fp[1]->n_out, 0);
	assert_int_equal(fx->fp[2]->n_out, 0);
	assert_int_equal(fx->fp[3]->n_out, 0);
	assert_int_equal(fx->fp[0]->n_out, 1);
	assert_int_equal(out_mark(&fx->fp[0]->out[0]), 7);
	rtdd_sw_port_stats(fx->sw, fx->a, &a);
	rtdd_sw_port_stats(fx->sw, fx->b, &b);
	rtdd_sw_port_stats(fx->sw, fx->u, &u);
	assert_int_equal(a.drop_unknown, 1);
	assert_int_equal(a.drop_spoof, 2);
	assert_int_equal(a.drop_hairpin, 1);
	assert_int_equal(a.drop_vlan, 1);
	assert_int_equal(b.drop_runt, 1);
	assert_int_equal(u.drop_spoof, 0);
	assert_int_equal(rtdd_sw_pkt_free_count(fx->sw), before);
}

static void test_flood(void **state)
{
	struct fixture *fx = *state;
	unsigned i;

	push(fx->fp[1], BCAST, MAC_B, -1, 0, 9, 200);
	assert_int_equal(rtdd_sw_poll(fx->sw, 0), 4);
	for (i = 0; i < 4; i++) {
		if ((int)i == fx->b) {
			assert_int_equal(fx->fp[i]->n_out, 0);
			continue;
		}
		assert_int_equal(fx->fp[i]->n_out, 1);
		assert_int_equal(fx->fp[i]->out[0].len, 200);
		assert_memory_equal(fx->fp[i]->out[0].data,
				    fx->fp[1]->in[0].data, 200);
	}
}

static void test_unknown_to_uplink(void **state)
{
	struct rtdd_sw_cfg cfg = {.unknown_port = 1};
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = -1};
	struct fport *v = fport_new(0), *u = fport_new(1);
	static const uint8_t far[6] = {0x00, 0x99, 0, 0, 0, 1};
	rtdd_sw *sw;

	(void)state;
	assert_int_equal(rtdd_sw_create(&cfg, &sw), 0);
	strcpy(pc.name, "v");
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v), 0);
	strcpy(pc.name, "u");
	pc.uplink = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 1);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_A, 0, 0), 0);
	push(v, far, MAC_A, -1, 0, 1, 60);
	rtdd_sw_poll(sw, 0);
	assert_int_equal(u->n_out, 1);
	rtdd_sw_destroy(sw);
	fport_free(v);
	fport_free(u);
}

static void test_mac_table(void **state)
{
	struct fixture *fx = *state;
	uint8_t m[6] = {0x00, 0x16, 0x3e, 0, 0, 0};
	unsigned i;

	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_A, 0, fx->b), -EEXIST);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, BCAST, 0, fx->b), -EINVAL);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_A, 4095, fx->b), -EINVAL);
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_A, 0, 17), -EINVAL);
	/* Same MAC on another VLAN is another entry. */
	assert_int_equal(rtdd_sw_add_mac(fx->sw, MAC_A, 7, fx->u), 0);
	assert_int_equal(rtdd_sw_lookup(fx->sw, MAC_A, 7), fx->u);
	assert_int_equal(rtdd_sw_lookup(fx->sw, MAC_A, 0), fx->a);
	/* Fill to the limit (1024 by default; 5 used). */
	for (i = 0; i < 1019; i++) {
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		m[3] = 1;
		assert_int_equal(rtdd_sw_add_mac(fx->sw, m, 0, fx->c), 0);
	}
	m[3] = 2;
	assert_int_equal(rtdd_sw_add_mac(fx->sw, m, 0, fx->c), -ENOSPC);
	for (i = 0; i < 1019; i++) {
		m[3] = 1;
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		assert_int_equal(rtdd_sw_lookup(fx->sw, m, 0), fx->c);
	}
	m[3] = 3;
	assert_int_equal(rtdd_sw_lookup(fx->sw, m, 0), -ENOENT);
}

/* RT frames leave before best-effort ones, at ingress and at egress. */
static void test_priority(void **state)
{
	struct fixture *fx = *state;
	struct fport *up = fx->fp[3];
	unsigned i, rt_seen_after_be = 0;
	bool be_seen = false;

	/* b (BE) and a (RT) both send 20 frames to the uplink; b's were
	 * queued first. */
	for (i = 0; i < 20; i++)
		push(fx->fp[1], MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 60);
	for (i = 0; i < 20; i++)
		push(fx->fp[0], MAC_X, MAC_A, -1, 0, (uint8_t)i, 60);
	rtdd_sw_poll(fx->sw, 0);
	assert_int_equal(up->n_out, 40);
	for (i = 0; i < 40; i++) {
		if (up->out_cls[i] == RTDD_SW_BE)
			be_seen = true;
		else if (be_seen)
			rt_seen_after_be++;
	}
	assert_int_equal(rt_seen_after_be, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(out_mark(&up->out[i]), i);

	/* Backpressure: the uplink takes 3 frames per call and the switch
	 * stops at the first short call (best effort goes out 4 frames at
	 * a time). 30 BE frames wait; then RT frames arrive and must go
	 * before the rest of BE. */
	up->n_out = 0;
	up->tx_limit = 3;
	for (i = 0; i < 30; i++)
		push(fx->fp[1], MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 60);
	rtdd_sw_poll(fx->sw, 1);
	assert_int_equal(up->n_out, 3);
	assert_int_equal(rtdd_sw_queued(fx->sw, fx->u, RTDD_SW_BE), 27);
	for (i = 0; i < 3; i++)
		push(fx->fp[0], MAC_X, MAC_A, -1, 0, (uint8_t)(50 + i), 60);
	rtdd_sw_poll(fx->sw, 2);
	/* 3 RT frames (a full call), then 3 BE ones (a short call). */
	assert_int_equal(up->n_out, 3 + 3 + 3);
	assert_int_equal(rtdd_sw_queued(fx->sw, fx->u, RTDD_SW_BE), 24);
	for (i = 3; i < 6; i++) {
		assert_int_equal(up->out_cls[i], RTDD_SW_RT);
		assert_int_equal(out_mark(&up->out[i]), 50 + i - 3);
	}
	assert_int_equal(up->out_cls[6], RTDD_SW_BE);
	up->tx_limit = -1;
	rtdd_sw_poll(fx->sw, 3);
	assert_int_equal(up->n_out, 30 + 3);
}

/* An RT frame that arrives while the switch works through a best-effort
 * burst goes out before the rest of the burst, in the same round. */
static void test_rt_preempts_be(void **state)
{
	struct fixture *fx = *state;
	struct fport *up = fx->fp[3];
	uint64_t rounds, pre;
	unsigned i;

	assert_int_equal(rtdd_sw_attach(fx->sw, fx->a, &fops_p, fx->fp[0]), 0);
	/* b sends a burst; the RT frame appears on a during b's first rx. */
	for (i = 0; i < 32; i++)
		push(fx->fp[1], MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 60);
	fx->fp[1]->inject = fx->fp[0];
	fx->fp[1]->inject_at = 1;
	rtdd_sw_poll(fx->sw, 0);
	assert_int_equal(up->n_out, 33);
	assert_int_equal(up->out_cls[0], RTDD_SW_RT);
	assert_int_equal(out_mark(&up->out[0]), 200);
	for (i = 1; i < 33; i++)
		assert_int_equal(out_mark(&up->out[i]), 100 + i - 1);
	rtdd_sw_counters(fx->sw, &rounds, &pre, NULL);
	assert_int_equal(rounds, 1);
	assert_int_equal(pre, 1);

	/* Without the pending op the switch cannot tell: the frame waits
	 * for the next round's RT service. */
	assert_int_equal(rtdd_sw_attach(fx->sw, fx->a, &fops, fx->fp[0]), 0);
	up->n_out = 0;
	for (i = 0; i < 32; i++)
		push(fx->fp[1], MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 60);
	fx->fp[1]->inject_at = fx->fp[1]->rx_calls + 1;
	rtdd_sw_poll(fx->sw, 1);
	assert_int_equal(up->n_out, 32);
	rtdd_sw_poll(fx->sw, 2);
	assert_int_equal(up->n_out, 33);
	assert_int_equal(out_mark(&up->out[32]), 200);
}

/*
 * A port driver in the middle of a best-effort frame asks whether an RT
 * frame waits (rtdd_sw_rt_waiting) and puts the frame back: the RT frame
 * goes first, the best-effort frame is taken again in the same round, in
 * order, nothing lost. Never true outside best-effort work, and not again
 * after an RT service that moved nothing (an RT port that cannot be
 * served must not stop best effort).
 */
static void test_rt_yield(void **state)
{
	struct fixture *fx = *state;
	struct fport *up = fx->fp[3], *b = fx->fp[1];
	uint64_t pre, yields;
	unsigned i;

	assert_int_equal(rtdd_sw_attach(fx->sw, fx->a, &fops_p, fx->fp[0]), 0);
	/* Not inside a round, not for RT work: false, RT input or not. */
	push(fx->fp[0], MAC_X, MAC_A, -1, 0, 1, 60);
	assert_false(rtdd_sw_rt_waiting(fx->sw));
	up->probe = true;
	rtdd_sw_poll(fx->sw, 0);
	assert_int_equal(up->n_out, 1);
	assert_int_equal(up->yields, 0);
	up->probe = false;
	up->n_out = 0;

	/* Ingress: the RT frame appears while b's first frame is copied. */
	b->probe = true;
	for (i = 0; i < 32; i++)
		push(b, MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 1514);
	b->inject = fx->fp[0];
	b->inject_at = b->rx_calls + 1;
	rtdd_sw_poll(fx->sw, 1);
	assert_int_equal(b->yields, 1);
	assert_int_equal(up->n_out, 33);
	assert_int_equal(up->out_cls[0], RTDD_SW_RT);
	assert_int_equal(out_mark(&up->out[0]), 200);
	for (i = 1; i < 33; i++) {
		assert_int_equal(out_mark(&up->out[i]), 100 + i - 1);
		assert_int_equal(up->out[i].len, 1514);
	}
	rtdd_sw_counters(fx->sw, NULL, &pre, &yields);
	assert_int_equal(yields, 1);
	assert_int_equal(pre, 1);
	b->probe = false;

	/* Egress: the uplink is handed best-effort frames; the RT frame
	 * appears during that call, the uplink puts them back. */
	up->n_out = 0;
	up->probe = true;
	up->inject = fx->fp[0];
	up->inject_tx_at = up->tx_calls + 1;
	for (i = 0; i < 8; i++)
		push(b, MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 1514);
	rtdd_sw_poll(fx->sw, 2);
	assert_int_equal(up->yields, 1);
	assert_int_equal(up->n_out, 9);
	assert_int_equal(up->out_cls[0], RTDD_SW_RT);
	assert_int_equal(out_mark(&up->out[0]), 201);
	for (i = 1; i < 9; i++)
		assert_int_equal(out_mark(&up->out[i]), 100 + i - 1);
	assert_int_equal(rtdd_sw_queued(fx->sw, fx->u, RTDD_SW_BE), 0);
	up->probe = false;
	up->inject = NULL;

	/* An RT port that says input waits but yields none: one yield, then
	 * best effort goes on; all of b's frames leave in the round. */
	up->n_out = 0;
	b->probe = true;
	b->yields = 0;
	fx->fp[0]->stuck = true;
	for (i = 0; i < 16; i++)
		push(b, MAC_X, MAC_B, -1, 0, (uint8_t)(100 + i), 1514);
	rtdd_sw_poll(fx->sw, 3);
	assert_int_equal(b->yields, 1);
	assert_int_equal(up->n_out, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(out_mark(&up->out[i]), 100 + i);
	rtdd_sw_counters(fx->sw, NULL, NULL, &yields);
	assert_int_equal(yields, 3);
}

/* A frame an RT port answers within the round (a reflector, a loopback)
 * is back at the sender in the same round; RT budgets still hold. */
static void test_rt_same_round(void **state)
{
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = 0};
	struct fport *a = fport_new(0), *r = fport_new(1);
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(NULL, &sw), 0);
	pc.cls = RTDD_SW_RT;
	pc.budget = 4;
	strcpy(pc.name, "a");
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops_p, a), 0);
	strcpy(pc.name, "r");
	pc.uplink = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops_p, r), 1);
	r->reflect = true;
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_A, 0, 0), 0);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 0, 1), 0);
	push(a, MAC_X, MAC_A, -1, 0, 7, 60);
	rtdd_sw_poll(sw, 0);
	assert_int_equal(r->n_out, 1);
	assert_int_equal(a->n_out, 1);
	assert_int_equal(out_mark(&a->out[0]), 7);
	/* 10 frames, budget 4 a round: 4, 4, 2 make the trip. */
	for (i = 0; i < 10; i++)
		push(a, MAC_X, MAC_A, -1, 0, (uint8_t)i, 60);
	rtdd_sw_poll(sw, 1);
	assert_int_equal(a->n_out, 1 + 4);
	rtdd_sw_poll(sw, 2);
	assert_int_equal(a->n_out, 1 + 8);
	rtdd_sw_poll(sw, 3);
	assert_int_equal(a->n_out, 1 + 10);
	rtdd_sw_destroy(sw);
	fport_free(a);
	fport_free(r);
}

/* rtdd_sw_limit_rate: a limit on top of the configured rate, the
 * stricter applying, removable; the switch applies it at the port's next
 * ingress. */
static void test_limit_rate(void **state)
{
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = 0, .budget = 256};
	struct fport *v = fport_new(0), *u = fport_new(1);
	struct rtdd_sw_port_stats st;
	uint64_t t = 1000000000ull;
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(NULL, &sw), 0);
	strcpy(pc.name, "v");
	pc.cls = RTDD_SW_BE;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v), 0);
	strcpy(pc.name, "u");
	pc.uplink = true;
	pc.rate_bps = 0;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 1);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 0, 1), 0);
	assert_int_equal(rtdd_sw_limit_rate(sw, 2, 1, 1), -ENOENT);
	assert_int_equal(rtdd_sw_limit_rate(sw, -1, 1, 1), -ENOENT);

	/* Unlimited: a round takes 200 frames of 1000 bytes. */
	for (i = 0; i < 200; i++)
		push(v, MAC_X, MAC_A, -1, 0, 1, 1000);
	rtdd_sw_poll(sw, t);
	assert_int_equal(u->n_out, 200);

	/* 8 Mbit/s = 1 byte per us, burst 3000: the first round takes the
	 * burst (3 frames), each later microsecond brings one byte, and a
	 * port with any tokens sends a frame (going negative by at most
	 * one). */
	assert_int_equal(rtdd_sw_limit_rate(sw, 0, 8000000, 3000), 0);
	for (i = 0; i < 200; i++)
		push(v, MAC_X, MAC_A, -1, 0, 2, 1000);
	rtdd_sw_poll(sw, t += 1000);
	assert_int_equal(u->n_out, 203);
	rtdd_sw_poll(sw, t += 500000);
	assert_int_equal(u->n_out, 204); /* 500 tokens: one frame, -500 */
	rtdd_sw_poll(sw, t += 500000);
	assert_int_equal(u->n_out, 204); /* back to 0: none */
	rtdd_sw_poll(sw, t += 1000);
	assert_int_equal(u->n_out, 205);
	rtdd_sw_poll(sw, t += 10000000); /* 10 ms: capped at the burst */
	assert_int_equal(u->n_out, 208);
	rtdd_sw_port_stats(sw, 0, &st);
	assert_true(st.throttled >= 1);

	/* Removed: the rest goes in one round. */
	assert_int_equal(rtdd_sw_limit_rate(sw, 0, 0, 0), 0);
	rtdd_sw_poll(sw, t += 1000);
	assert_int_equal(u->n_out, 400);
	rtdd_sw_destroy(sw);
	fport_free(v);
	fport_free(u);
}

/* Budgets bound what a best-effort port gets per round. */
static void test_budget(void **state)
{
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = 0, .budget = 8};
	struct fport *v = fport_new(0), *u = fport_new(1);
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(NULL, &sw), 0);
	strcpy(pc.name, "v");
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v), 0);
	strcpy(pc.name, "u");
	pc.uplink = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 1);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 0, 1), 0);
	for (i = 0; i < 100; i++)
		push(v, MAC_X, MAC_A, -1, 0, 1, 60);
	rtdd_sw_poll(sw, 0);
	assert_int_equal(u->n_out, 8);
	rtdd_sw_poll(sw, 0);
	assert_int_equal(u->n_out, 16);
	rtdd_sw_destroy(sw);
	fport_free(v);
	fport_free(u);
}

static void test_token_bucket(void **state)
{
	struct rtdd_tb a, b;
	uint64_t t;
	unsigned i;

	(void)state;
	/* 8 Mbit/s = 1 byte per microsecond. */
	rtdd_tb_init(&a, 8000000, 10000, 0);
	assert_true(rtdd_tb_ready(&a));
	assert_int_equal(a.tokens, 10000);
	rtdd_tb_consume(&a, 15000);
	assert_int_equal(a.tokens, -5000);
	assert_false(rtdd_tb_ready(&a));
	rtdd_tb_refill(&a, 4999000);
	assert_int_equal(a.tokens, -1);
	assert_false(rtdd_tb_ready(&a));
	rtdd_tb_refill(&a, 5001000);
	assert_int_equal(a.tokens, 1);
	/* Capped at the burst. */
	rtdd_tb_refill(&a, 1000000000000ull);
	assert_int_equal(a.tokens, 10000);

	/* Sub-byte remainders are kept: 1 ns steps add up like one big
	 * step (rate 1 byte per 3 ns). */
	rtdd_tb_init(&a, 8000000000ull / 3, 1u << 30, 0);
	rtdd_tb_init(&b, 8000000000ull / 3, 1u << 30, 0);
	a.tokens = b.tokens = 0;
	for (t = 1; t <= 30000; t++)
		rtdd_tb_refill(&a, t);
	rtdd_tb_refill(&b, 30000);
	assert_int_equal(a.tokens, b.tokens);
	assert_true(a.tokens >= 9999 && a.tokens <= 10000);

	/* Time going backwards changes nothing. */
	rtdd_tb_refill(&a, 5);
	assert_int_equal(a.tokens, b.tokens);

	/* Unlimited is always ready and never counts. */
	rtdd_tb_init(&a, 0, 0, 0);
	for (i = 0; i < 100; i++)
		rtdd_tb_consume(&a, 1500);
	assert_true(rtdd_tb_ready(&a));
}

/* A rate-limited port gets its rate over a second of simulated time,
 * within one burst plus one round's budget, and loses nothing. */
static void test_rate_limit(void **state)
{
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = 0};
	struct rtdd_sw_port_stats st;
	struct fport *v = fport_new(0), *u = fport_new(1);
	const uint64_t rate = 8000000; /* 1 MB/s */
	uint64_t t, lo, hi;
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(NULL, &sw), 0);
	strcpy(pc.name, "v");
	pc.rate_bps = rate;
	pc.burst_bytes = 3000;
	pc.budget = 4;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v), 0);
	strcpy(pc.name, "u");
	pc.uplink = true;
	pc.rate_bps = 0;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 1);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 0, 1), 0);
	for (i = 0; i < MAXF; i++)
		push(v, MAC_X, MAC_A, -1, 0, 1, 1000);
	for (t = 0; t <= 1000000000ull; t += 100000)
		rtdd_sw_poll(sw, t);
	rtdd_sw_port_stats(sw, 0, &st);
	lo = rate / 8 - 1000;
	hi = rate / 8 + 3000 + 4 * 1000;
	assert_true(st.rx_bytes >= lo);
	assert_true(st.rx_bytes <= hi);
	assert_true(st.throttled > 0);
	assert_int_equal(u->n_out, st.rx_pkts);
	/* Not dropped: the rest still waits in the port. */
	assert_int_equal(v->pos_in, st.rx_pkts);
	rtdd_sw_destroy(sw);
	fport_free(v);
	fport_free(u);
}

/* A best-effort flood that exhausts its buffers leaves RT untouched. */
static void test_pool_isolation(void **state)
{
	struct rtdd_sw_cfg cfg = {
		.pool_pkts = 64, .queue_len = 1024, .unknown_port = -1};
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = 0, .budget = 256};
	struct fport *rt = fport_new(0), *be = fport_new(1), *u = fport_new(2);
	struct rtdd_sw_port_stats st;
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(&cfg, &sw), 0);
	strcpy(pc.name, "rt");
	pc.cls = RTDD_SW_RT;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, rt), 0);
	strcpy(pc.name, "be");
	pc.cls = RTDD_SW_BE;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, be), 1);
	strcpy(pc.name, "u");
	pc.uplink = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 2);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 0, 2), 0);
	u->tx_limit = 0; /* a stuck uplink */
	for (i = 0; i < 500; i++)
		push(be, MAC_X, MAC_B, -1, 0, 1, 60);
	rtdd_sw_poll(sw, 0);
	rtdd_sw_poll(sw, 1);
	/* BE holds all of its 48 buffers and gets no more. */
	assert_int_equal(rtdd_sw_queued(sw, 2, RTDD_SW_BE), 48);
	for (i = 0; i < 10; i++)
		push(rt, MAC_X, MAC_A, -1, 0, 2, 60);
	rtdd_sw_poll(sw, 2);
	assert_int_equal(rtdd_sw_queued(sw, 2, RTDD_SW_RT), 10);
	u->tx_limit = -1;
	rtdd_sw_poll(sw, 3);
	assert_int_equal(u->out_cls[0], RTDD_SW_RT);
	assert_int_equal(u->n_out, 58);
	rtdd_sw_port_stats(sw, 0, &st);
	assert_int_equal(st.rx_pkts, 10);
	rtdd_sw_destroy(sw);
	fport_free(rt);
	fport_free(be);
	fport_free(u);
}

/* Access ports on VLANs 10 and 20, a trunk uplink with native VLAN 1. */
static void test_vlan(void **state)
{
	struct rtdd_sw_cfg cfg = {.rt_pcp_min = 4, .unknown_port = -1};
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = -1};
	struct fport *v10 = fport_new(0), *v20 = fport_new(1),
		     *u = fport_new(2);
	rtdd_sw *sw;

	(void)state;
	assert_int_equal(rtdd_sw_create(&cfg, &sw), 0);
	strcpy(pc.name, "v10");
	pc.vlan = 10;
	pc.cls = RTDD_SW_RT;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v10), 0);
	strcpy(pc.name, "v20");
	pc.vlan = 20;
	pc.cls = RTDD_SW_BE;
	pc.pcp = 2;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, v20), 1);
	strcpy(pc.name, "u");
	pc.vlan = 1;
	pc.pcp = -1;
	pc.uplink = true;
	pc.trunk = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, &fops, u), 2);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_A, 10, 0), 0);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_B, 20, 1), 0);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 10, 2), 0);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_X, 20, 2), 0);
	assert_int_equal(rtdd_sw_add_mac(sw, MAC_C, 1, 2), 0);

	/* Access -> trunk: tagged with the VLAN and the port's PCP. */
	push(v10, MAC_X, MAC_A, -1, 0, 1, 60);
	push(v20, MAC_X, MAC_B, -1, 0, 2, 60);
	/* VLANs are separate: 10 cannot reach B on 20. */
	push(v10, MAC_B, MAC_A, -1, 0, 3, 60);
	rtdd_sw_poll(sw, 0);
	assert_int_equal(u->n_out, 2);
	assert_int_equal(out_tagged_vid(&u->out[0]), 10);
	assert_int_equal(out_pcp(&u->out[0]), 5);
	assert_int_equal(u->out[0].len, 64);
	assert_int_equal(out_mark(&u->out[0]), 1);
	assert_int_equal(out_tagged_vid(&u->out[1]), 20);
	assert_int_equal(out_pcp(&u->out[1]), 2);
	assert_int_equal(v20->n_out, 0);

	/* Trunk -> access: untagged; class from PCP (>= 4 is RT). */
	push(u, MAC_A, MAC_X, 10, 6, 4, 64);
	push(u, MAC_B, MAC_X, 20, 1, 5, 64);
	/* Untagged on the trunk is the native VLAN 1: not A's VLAN. */
	push(u, MAC_A, MAC_X, -1, 0, 6, 60);
	/* VID 4095 is reserved. */
	push(u, MAC_A, MAC_X, 4095, 0, 7, 64);
	rtdd_sw_poll(sw, 1);
	assert_int_equal(v10->n_out, 1);
	assert_int_equal(out_tagged_vid(&v10->out[0]), -1);
	assert_int_equal(v10->out[0].len, 60);
	assert_int_equal(out_mark(&v10->out[0]), 4);
	assert_int_equal(v10->out_cls[0], RTDD_SW_RT);
	assert_int_equal(v20->n_out, 1);
	assert_int_equal(v20->out_cls[0], RTDD_SW_BE);

	/* Broadcast on VLAN 10 reaches the trunk (tagged), not VLAN 20. */
	push(v10, BCAST, MAC_A, -1, 0, 8, 60);
	rtdd_sw_poll(sw, 2);
	assert_int_equal(u->n_out, 3);
	assert_int_equal(out_tagged_vid(&u->out[2]), 10);
	assert_int_equal(v20->n_out, 1);
	rtdd_sw_destroy(sw);
	fport_free(v10);
	fport_free(v20);
	fport_free(u);
}

static void test_unbound_port(void **state)
{
	struct fixture *fx = *state;
	struct rtdd_sw_port_stats st;
	unsigned before = rtdd_sw_pkt_free_count(fx->sw);

	assert_int_equal(rtdd_sw_attach(fx->sw, fx->b, NULL, NULL), 0);
	push(fx->fp[0], MAC_B, MAC_A, -1, 0, 1, 60);
	rtdd_sw_poll(fx->sw, 0);
	rtdd_sw_port_stats(fx->sw, fx->b, &st);
	assert_int_equal(st.drop_down, 1);
	assert_int_equal(rtdd_sw_pkt_free_count(fx->sw), before);
	assert_int_equal(rtdd_sw_attach(fx->sw, 40, &fops, NULL), -ENOENT);
}

static void test_bad_config(void **state)
{
	struct rtdd_sw_cfg cfg = {.queue_len = 100, .unknown_port = -1};
	struct rtdd_sw_port_cfg pc = {.pcp = -1, .check_src = -1};
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	assert_int_equal(rtdd_sw_create(&cfg, &sw), -EINVAL);
	cfg.queue_len = 0;
	cfg.buf_size = 100;
	assert_int_equal(rtdd_sw_create(&cfg, &sw), -EINVAL);
	assert_int_equal(rtdd_sw_create(NULL, &sw), 0);
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -EINVAL);
	strcpy(pc.name, "x");
	pc.trunk = true;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -EINVAL);
	pc.trunk = false;
	pc.vlan = 4095;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -EINVAL);
	pc.vlan = 0;
	pc.pcp = 8;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -EINVAL);
	pc.pcp = -1;
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), 0);
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -EINVAL);
	for (i = 1; i < RTDD_SW_MAX_PORTS; i++) {
		snprintf(pc.name, sizeof(pc.name), "p%u", i);
		assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), (int)i);
	}
	strcpy(pc.name, "one-too-many");
	assert_int_equal(rtdd_sw_add_port(sw, &pc, NULL, NULL), -ENOSPC);
	rtdd_sw_destroy(sw);
}

static int parse_str(const char *text, rtdd_sw **sw, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = rtdd_sw_parse(f, sw, err, len);
	fclose(f);
	return rc;
}

static void test_parse_good(void **state)
{
	static const char text[] =
		"# two guests and an uplink\n"
		"switch pool 8k queue 512 rt-pcp-min 5 be-chunk 8 unknown up0\n"
		"port vif1.0 vif rt rate 100M burst 32k budget 16 pcp 6\n"
		"port vif2.0 be vlan 20   # best effort on VLAN 20\n"
		"port up0 uplink trunk vlan 1 check-src on\n"
		"\n"
		"mac 00:16:3e:00:00:0a vif1.0\n"
		"mac 00:16:3E:00:00:0B vif2.0\n"
		"mac 02:00:00:00:00:99 up0 vlan 20\n";
	const struct rtdd_sw_port_cfg *pc;
	char err[128] = "";
	rtdd_sw *sw = NULL;

	(void)state;
	assert_int_equal(parse_str(text, &sw, err, sizeof(err)), 0);
	assert_int_equal(rtdd_sw_nports(sw), 3);
	pc = rtdd_sw_port_cfg(sw, 0);
	assert_string_equal(pc->name, "vif1.0");
	assert_int_equal(pc->cls, RTDD_SW_RT);
	assert_int_equal(pc->rate_bps, 100000000);
	assert_int_equal(pc->burst_bytes, 32768);
	assert_int_equal(pc->budget, 16);
	assert_int_equal(pc->pcp, 6);
	assert_false(pc->uplink);
	pc = rtdd_sw_port_cfg(sw, 1);
	assert_int_equal(pc->vlan, 20);
	assert_int_equal(pc->cls, RTDD_SW_BE);
	pc = rtdd_sw_port_cfg(sw, 2);
	assert_true(pc->uplink);
	assert_true(pc->trunk);
	assert_int_equal(pc->check_src, 1);
	assert_int_equal(rtdd_sw_lookup(sw, MAC_A, 0), 0);
	assert_int_equal(rtdd_sw_lookup(sw, MAC_B, 20), 1);
	assert_int_equal(rtdd_sw_lookup(sw, MAC_X, 20), 2);
	assert_int_equal(rtdd_sw_port_find(sw, "up0"), 2);
	rtdd_sw_destroy(sw);
}

/* "be-split off" (and rtdd_sw_set_be_split): a best-effort frame once
 * started is moved whole; "on", the default, lets the driver put it
 * back for an RT frame. */
static void test_parse_be_split(void **state)
{
	static const char *const text[] = {
		"switch be-split off\n",
		"switch be-split on\n",
		"",
	};
	static const char ports[] = "port a rt\nport b\nport u uplink\n"
				    "mac 02:00:00:00:00:99 u\n"
				    "mac 00:16:3e:00:00:0a a\n"
				    "mac 00:16:3e:00:00:0b b\n";
	(void)state;
	for (unsigned t = 0; t < 3; t++) {
		struct fport *a = fport_new(0), *b = fport_new(1),
			     *u = fport_new(2);
		char buf[256], err[128] = "";
		rtdd_sw *sw = NULL;

		snprintf(buf, sizeof(buf), "%s%s", text[t], ports);
		assert_int_equal(parse_str(buf, &sw, err, sizeof(err)), 0);
		assert_int_equal(rtdd_sw_attach(sw, 0, &fops_p, a), 0);
		assert_int_equal(rtdd_sw_attach(sw, 1, &fops, b), 0);
		assert_int_equal(rtdd_sw_attach(sw, 2, &fops, u), 0);
		b->probe = true;
		b->inject = a;
		b->inject_at = 1;
		push(b, MAC_X, MAC_B, -1, 0, 100, 1514);
		rtdd_sw_poll(sw, 0);
		assert_int_equal(u->n_out, 2);
		assert_int_equal(b->yields, t == 0 ? 0 : 1);
		/* and at run time */
		rtdd_sw_set_be_split(sw, t == 0);
		b->inject_at = b->rx_calls + 1;
		push(b, MAC_X, MAC_B, -1, 0, 101, 1514);
		rtdd_sw_poll(sw, 1);
		assert_int_equal(u->n_out, 4);
		assert_int_equal(b->yields, 1);
		rtdd_sw_destroy(sw);
		fport_free(a);
		fport_free(b);
		fport_free(u);
	}
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"", "no ports"},
		{"port a\nswitch pool 10\n",
		 "line 2: 'switch' must come first"},
		{"port\n", "line 1: port needs a name"},
		{"port a\nport a\n", "line 2: port 'a' defined twice"},
		{"port a rate\n", "line 1: 'rate' needs a value"},
		{"port a rate 0\n", "line 1: bad port option 'rate 0'"},
		{"port a rate 10X\n", "line 1: bad port option"},
		{"port a vlan 4095\n", "line 1: bad port option 'vlan 4095'"},
		{"port a pcp 8\n", "line 1: bad port option"},
		{"port a trunk\n", "line 1: only an uplink can be a trunk"},
		{"port a check-src maybe\n", "line 1: bad port option"},
		{"port a rate 99999999999999999999999\n", "line 1: bad port"},
		{"port a\nmac 00:16:3e:00:00:0a b\n",
		 "line 2: unknown port 'b'"},
		{"port a\nmac ff:16:3e:00:00:0a a\n", "not a unicast MAC"},
		{"port a\nmac 00:16:3e:00:00 a\n", "not a unicast MAC"},
		{"port a\nmac 00:16:3e:00:00:0g a\n", "not a unicast MAC"},
		{"port a\nmac 00:16:3e:00:00:0a a vlan 3\n",
		 "line 2: port 'a' is not on vlan 3"},
		{"port a\nmac 00:16:3e:00:00:0a a\nmac 00:16:3e:00:00:0a a\n",
		 "line 3: 00:16:3e:00:00:0a on vlan 0 given twice"},
		{"port a\nmac 00:16:3e:00:00:0a\n", "line 2: usage: mac"},
		{"switch queue 100\nport a\n", "switch options rejected"},
		{"switch rt-pcp-min 0\nport a\n", "bad switch option"},
		{"switch be-chunk 0\nport a\n", "bad switch option"},
		{"switch be-chunk 33\nport a\n", "bad switch option"},
		{"switch be-split maybe\nport a\n", "bad switch option"},
		{"switch unknown nope\nport a\n", "'nope' not defined"},
		{"switch pool\n", "line 1: 'pool' needs a value"},
		{"bridge x\n", "line 1: unknown statement 'bridge'"},
		{"port 0123456789012345678901234567890123\n",
		 "port name too long"},
	};
	char err[160];
	rtdd_sw *sw;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		sw = NULL;
		assert_int_equal(
			parse_str(cases[i].text, &sw, err, sizeof(err)),
			-EINVAL);
		assert_null(sw);
		if (!strstr(err, cases[i].msg)) {
			print_error("case %u: '%s' does not contain '%s'\n", i,
				    err, cases[i].msg);
			fail();
		}
	}
	/* A line longer than the limit is refused, not cut. */
	{
		char *big = malloc(3000);

		assert_non_null(big);
		memset(big, 'x', 2999);
		big[0] = 'p';
		big[2999] = 0;
		assert_int_equal(parse_str(big, &sw, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "too long"));
		free(big);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unicast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test(test_unknown_to_uplink),
		cmocka_unit_test_setup_teardown(test_mac_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rt_preempts_be, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rt_yield, setup, teardown),
		cmocka_unit_test(test_rt_same_round),
		cmocka_unit_test(test_limit_rate),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_pool_isolation),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test_setup_teardown(test_unbound_port, setup,
						teardown),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_be_split),
		cmocka_unit_test(test_parse_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * tests/sim/blk/test_blk_hostile.c - a hostile frontend against
 * rtdd-blkback on rtdd-simhv. Every case either gets an error response
 * (and the vbd keeps serving) or fails that vbd only (Closing, with the
 * reason in its "error" node) - and a well-behaved frontend on another
 * guest keeps being served throughout: guest 1's after every case
 * (still_serving), and guest 2's during every case, timed against a
 * budget (tests/sim/hostile_probe.h).
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#include "../hostile_probe.h"
#include "blk_env.h"
#include "rtdd/fe_xenbus.h"
#include "rtdd/numlist.h"

#define IMG_SIZE (4u << 20)
#define IMG_SECTORS (IMG_SIZE / 512u)
#define NDATA 16

static struct blk_env env;
static char img[PATH_MAX], img_ro[PATH_MAX], img_good[PATH_MAX];
static unsigned next_devid = 100;
static rtdd_blkfront *good; /* guest1's well-behaved frontend */

/* Guest 2's well-behaved frontend, driven by the probe thread: a 4 KiB
 * write and its read-back per operation, on its own image. */
static char img_probe[PATH_MAX];
static struct blk_probe {
	rtdd_blkfront *bf;
	uint32_t n;
	uint8_t wr[4096], rd[4096];
} bprobe;
static struct hostile_probe probe;

static int blk_probe_op(void *arg)
{
	struct blk_probe *b = arg;
	uint64_t sector = (b->n % (IMG_SECTORS / 8)) * 8;
	int rc;

	memset(b->wr, (int)(b->n & 0xff), sizeof(b->wr));
	memcpy(b->wr, &b->n, sizeof(b->n));
	b->n++;
	rc = rtdd_blkfront_write(b->bf, sector, b->wr, sizeof(b->wr));
	if (!rc)
		rc = rtdd_blkfront_read(b->bf, sector, b->rd, sizeof(b->rd));
	if (!rc && memcmp(b->wr, b->rd, sizeof(b->rd)))
		rc = -EBADMSG;
	return rc;
}

/* Per-test setup/teardown: each case is a phase of the probe. */
static const struct CMUnitTest *probe_cases;
static unsigned probe_case;

static int probe_setup(void **state)
{
	(void)state;
	hostile_probe_begin(&probe);
	return 0;
}

static int probe_teardown(void **state)
{
	(void)state;
	return hostile_probe_end(&probe, probe_cases[probe_case++].name);
}

enum tweak {
	T_NONE,
	T_NO_RING_REF,
	T_BAD_ORDER,
	T_BAD_QUEUES,
	T_BAD_EVTCHN,
	T_BAD_PROTOCOL,
	T_UNGRANTED_RING,
	T_NO_PERSISTENT,
	T_REFS_BAD, /* rtdd-persistent-refs: good refs, bad refs, repeats */
	T_REFS_MALFORMED, /* ... not a number list */
	T_REFS_HUGE,	  /* ... 2^32 refs */
};

struct raw {
	rtdd_xb_fe *xb;
	struct rtdd_fe_ring ring;
	blkif_front_ring_t fr;
	uint8_t *data;
	rtdd_gref refs[NDATA];
	unsigned devid;
};

static struct raw main_raw, ro_raw;

static int raw_publish(struct raw *r, enum tweak t)
{
	rtdd_hv *hv = env.fe_hv[0];
	const char *dir = rtdd_xb_fe_path(r->xb);
	char p[512];
	int rc = 0;

	if (t != T_NO_RING_REF) {
		struct rtdd_fe_ring bad = r->ring;

		if (t == T_BAD_EVTCHN)
			bad.port = 4000; /* never allocated */
		if (t == T_UNGRANTED_RING)
			bad.refs[0] = 12345;
		rc = rtdd_fe_ring_publish(hv, 0, dir, "ring-ref", &bad);
	}
	if (!rc)
		rc = rtdd_xb_fe_printf(r->xb, 0, "protocol", "%s",
				       t == T_BAD_PROTOCOL
					       ? XEN_IO_PROTO_ABI_X86_32
					       : XEN_IO_PROTO_ABI_NATIVE);
	if (!rc)
		rc = rtdd_xb_fe_printf(r->xb, 0, "feature-persistent", "%d",
				       t == T_NO_PERSISTENT ? 0 : 1);
	if (!rc && t == T_REFS_BAD) {
		char l[512];

		assert_int_equal(rtdd_numlist_fmt(r->refs, NDATA, l, 400), 0);
		rc = rtdd_xb_fe_printf(r->xb, 0, "rtdd-persistent-refs",
				       "%s,13000-13003,%u,%u", l, r->refs[0],
				       r->refs[NDATA - 1]);
	}
	if (!rc && t == T_REFS_MALFORMED)
		rc = rtdd_xb_fe_printf(r->xb, 0, "rtdd-persistent-refs",
				       "12,x-3");
	if (!rc && t == T_REFS_HUGE)
		rc = rtdd_xb_fe_printf(r->xb, 0, "rtdd-persistent-refs",
				       "0-4294967295");
	if (!rc && t == T_BAD_ORDER)
		rc = rtdd_xb_fe_printf(r->xb, 0, "ring-page-order", "9");
	if (!rc && t == T_BAD_QUEUES)
		rc = rtdd_xb_fe_printf(r->xb, 0, "multi-queue-num-queues", "0");
	(void)p;
	return rc;
}

/* Connect a raw ring to an existing vbd; returns the backend state. */
static int raw_attach(struct raw *r, unsigned devid, enum tweak t)
{
	rtdd_hv *hv = env.fe_hv[0];
	enum xenbus_state be;
	char path[64];
	void *a = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->devid = devid;
	blk_env_fe_path(r->devid, path, sizeof(path));
	assert_int_equal(
		rtdd_xb_fe_open(hv, path, "vbd", blk_env_log, NULL, &r->xb), 0);
	assert_int_equal(rtdd_xb_fe_reset(r->xb, 5000), 0);
	assert_int_equal(rtdd_fe_ring_alloc(hv, env.be_dom, 0, &r->ring), 0);
	SHARED_RING_INIT((blkif_sring_t *)r->ring.addr);
	FRONT_RING_INIT(&r->fr, (blkif_sring_t *)r->ring.addr, 4096);
	assert_int_equal(
		rtdd_gnt_share_pages(hv, env.be_dom, NDATA, false, &a, r->refs),
		0);
	r->data = a;
	assert_int_equal(raw_publish(r, t), 0);
	assert_int_equal(rtdd_xb_fe_switch_state(r->xb, XenbusStateInitialised),
			 0);
	rc = rtdd_xb_fe_wait_be(r->xb,
				1u << XenbusStateConnected |
					1u << XenbusStateClosing |
					1u << XenbusStateClosed,
				5000, &be);
	assert_int_equal(rc, 0);
	if (be == XenbusStateConnected)
		assert_int_equal(
			rtdd_xb_fe_switch_state(r->xb, XenbusStateConnected),
			0);
	return be;
}

/* The xenbus handle is heap memory of this process; the ring and data
 * pages are left shared (the backend may still map them: unsharing would
 * fail with -EBUSY) and go with the test process. */
static void raw_close(struct raw *r)
{
	rtdd_xb_fe_close(r->xb);
	r->xb = NULL;
}

/* A new vbd on image, then attach. */
static int raw_open(struct raw *r, const char *image, const char *mode,
		    enum tweak t)
{
	unsigned devid = next_devid++;

	assert_int_equal(blk_env_add_vbd(&env, 0, devid, image, mode, NULL), 0);
	return raw_attach(r, devid, t);
}

static void raw_push(struct raw *r, const void *req)
{
	blkif_sring_t *sr = r->fr.sring;

	memcpy(RING_GET_REQUEST(&r->fr, r->fr.req_prod_pvt), req,
	       sizeof(blkif_request_t));
	r->fr.req_prod_pvt++;
	__atomic_store_n(&sr->req_prod, r->fr.req_prod_pvt, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	(void)rtdd_evtchn_notify(r->ring.ev, r->ring.port);
}

static int raw_wait_rsp(struct raw *r, blkif_response_t *out, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		RING_IDX rp = __atomic_load_n(&r->fr.sring->rsp_prod,
					      __ATOMIC_ACQUIRE);

		if (rp != r->fr.rsp_cons) {
			memcpy(out, RING_GET_RESPONSE(&r->fr, r->fr.rsp_cons),
			       sizeof(*out));
			r->fr.rsp_cons++;
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000 >
		    ms)
			return -ETIMEDOUT;
	}
}

/* Submit req, expect one response with req's id and this status. */
static void expect(struct raw *r, const void *req, int status)
{
	blkif_response_t rsp;
	const blkif_request_t *rq = req;

	raw_push(r, req);
	assert_int_equal(raw_wait_rsp(r, &rsp, 5000), 0);
	assert_int_equal(rsp.id, rq->id);
	assert_int_equal(rsp.status, status);
}

static blkif_request_t rw(uint8_t op, uint64_t sector, unsigned nseg)
{
	blkif_request_t q;

	memset(&q, 0, sizeof(q));
	q.operation = op;
	q.nr_segments = (uint8_t)nseg;
	q.id = 0xdeadbeefcafe0000ull | sector;
	q.sector_number = sector;
	for (unsigned i = 0; i < nseg && i < 11; i++) {
		q.seg[i].gref = main_raw.refs[i];
		q.seg[i].first_sect = 0;
		q.seg[i].last_sect = 7;
	}
	return q;
}

/* The raw vbd and the good frontend both still work. */
static void still_serving(struct raw *r)
{
	blkif_request_t q = rw(BLKIF_OP_READ, 0, 2);
	uint8_t buf[8192];

	if (r) {
		for (unsigned i = 0; i < 2; i++)
			q.seg[i].gref = r->refs[i];
		expect(r, &q, BLKIF_RSP_OKAY);
	}
	memset(buf, 0x3c, sizeof(buf));
	assert_int_equal(rtdd_blkfront_write(good, 8, buf, sizeof(buf)), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rtdd_blkfront_read(good, 8, buf, sizeof(buf)), 0);
	assert_int_equal(buf[100], 0x3c);
}

static void expect_failed_vbd(struct raw *r)
{
	char err[256];

	assert_int_equal(blk_env_wait_be_state(&env, 0, r->devid,
					       XenbusStateClosing, 5000),
			 0);
	rtdd_xb_fe_be_error(r->xb, err, sizeof(err));
	printf("    vbd %u failed: %s\n", r->devid, err);
	assert_true(err[0] != '\0');
	still_serving(NULL);
}

static int group_setup(void **state)
{
	struct rtdd_blkfront_opts o;
	char path[64];
	int rc;

	(void)state;
	rc = blk_env_start(&env, 3);
	if (rc) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start\n");
		return -1;
	}
	if (blk_env_image(&env, "h.img", IMG_SIZE, img, sizeof(img)) ||
	    blk_env_image(&env, "ro.img", IMG_SIZE, img_ro, sizeof(img_ro)) ||
	    blk_env_image(&env, "g.img", IMG_SIZE, img_good,
			  sizeof(img_good)) ||
	    blk_env_image(&env, "p.img", IMG_SIZE, img_probe,
			  sizeof(img_probe)))
		return -1;
	if (blk_env_backend_start(&env, NULL))
		return -1;
	if (blk_env_add_vbd(&env, 1, 768, img_good, "w", NULL))
		return -1;
	rtdd_blkfront_opts_default(&o);
	o.log = blk_env_log;
	blk_env_fe_path(768, path, sizeof(path));
	if (rtdd_blkfront_open(env.fe_hv[1], path, &o, &good))
		return -1;
	if (blk_env_add_vbd(&env, 2, 768, img_probe, "w", NULL) ||
	    rtdd_blkfront_open(env.fe_hv[2], path, &o, &bprobe.bf))
		return -1;
	probe.op = blk_probe_op;
	probe.arg = &bprobe;
	probe.what = "guest 2, 4 KiB write + read-back on its own vbd";
	if (hostile_probe_start(&probe))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	hostile_probe_stop(&probe);
	rtdd_blkfront_close(bprobe.bf);
	raw_close(&main_raw);
	raw_close(&ro_raw);
	rtdd_blkfront_close(good);
	blk_env_stop(&env);
	return 0;
}

static void test_00_connect(void **s)
{
	(void)s;
	assert_int_equal(raw_open(&main_raw, img, "w", T_NONE),
			 XenbusStateConnected);
	assert_int_equal(raw_open(&ro_raw, img_ro, "r", T_NONE),
			 XenbusStateConnected);
	still_serving(&main_raw);
}

#define ERR_CASE(name, body)              \
	static void name(void **s)        \
	{                                 \
		blkif_request_t q;        \
		(void)s;                  \
		body;                     \
		still_serving(&main_raw); \
	}

ERR_CASE(test_01_sector_out_of_range, {
	q = rw(BLKIF_OP_READ, IMG_SECTORS - 4, 1);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_02_sector_wraps, {
	q = rw(BLKIF_OP_WRITE, UINT64_MAX - 3, 2);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_03_zero_segments, {
	q = rw(BLKIF_OP_READ, 0, 0);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_04_too_many_segments, {
	q = rw(BLKIF_OP_READ, 0, 11);
	q.nr_segments = 200;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_05_first_after_last, {
	q = rw(BLKIF_OP_READ, 0, 1);
	q.seg[0].first_sect = 6;
	q.seg[0].last_sect = 2;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_06_last_sect_past_page, {
	q = rw(BLKIF_OP_WRITE, 0, 1);
	q.seg[0].last_sect = 8;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_07_garbage_opcode, {
	q = rw(0xab, 0, 1);
	expect(&main_raw, &q, BLKIF_RSP_EOPNOTSUPP);
})
ERR_CASE(test_08_write_barrier_refused, {
	q = rw(BLKIF_OP_WRITE_BARRIER, 0, 1);
	expect(&main_raw, &q, BLKIF_RSP_EOPNOTSUPP);
})
ERR_CASE(test_09_ungranted_ref, {
	q = rw(BLKIF_OP_READ, 0, 1);
	q.seg[0].gref = 15000;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_10_ref_granted_to_other_domain, {
	void *a = NULL;
	rtdd_gref ref;

	assert_int_equal(rtdd_gnt_share_pages(env.fe_hv[0], env.fe_dom[1], 1,
					      false, &a, &ref),
			 0);
	q = rw(BLKIF_OP_WRITE, 0, 1);
	q.seg[0].gref = ref;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
	assert_int_equal(rtdd_gnt_unshare_pages(env.fe_hv[0], a, 1), 0);
})
ERR_CASE(test_11_revoked_ref, {
	void *a = NULL;
	rtdd_gref ref;

	assert_int_equal(rtdd_gnt_share_pages(env.fe_hv[0], env.be_dom, 1,
					      false, &a, &ref),
			 0);
	assert_int_equal(rtdd_gnt_unshare_pages(env.fe_hv[0], a, 1), 0);
	q = rw(BLKIF_OP_READ, 0, 1);
	q.seg[0].gref = ref;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_12_readonly_grant_for_read, {
	void *a = NULL;
	rtdd_gref ref;

	/* The backend must write into the page: a read-only grant fails. */
	assert_int_equal(rtdd_gnt_share_pages(env.fe_hv[0], env.be_dom, 1, true,
					      &a, &ref),
			 0);
	q = rw(BLKIF_OP_READ, 0, 1);
	q.seg[0].gref = ref;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})

static blkif_request_t indirect(uint8_t iop, unsigned nseg)
{
	blkif_request_t q;
	blkif_request_indirect_t *in = (blkif_request_indirect_t *)&q;
	struct blkif_request_segment *seg =
		(struct blkif_request_segment *)(main_raw.data +
						 (NDATA - 1) * 4096u);

	memset(&q, 0, sizeof(q));
	in->operation = BLKIF_OP_INDIRECT;
	in->indirect_op = iop;
	in->nr_segments = (uint16_t)nseg;
	in->id = 0x1d1d0000 + nseg;
	in->sector_number = 0;
	in->indirect_grefs[0] = main_raw.refs[NDATA - 1];
	for (unsigned i = 0; i < 14; i++) {
		seg[i].gref = main_raw.refs[i];
		seg[i].first_sect = 0;
		seg[i].last_sect = 7;
	}
	return q;
}

ERR_CASE(test_13_indirect_valid_then_bad_op, {
	q = indirect(BLKIF_OP_WRITE, 14);
	expect(&main_raw, &q, BLKIF_RSP_OKAY);
	q = indirect(BLKIF_OP_FLUSH_DISKCACHE, 14);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_14_indirect_zero_segments, {
	q = indirect(BLKIF_OP_READ, 0);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_15_indirect_too_many, {
	q = indirect(BLKIF_OP_READ, 4000);
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_16_indirect_bad_segment, {
	struct blkif_request_segment *seg =
		(struct blkif_request_segment *)(main_raw.data +
						 (NDATA - 1) * 4096u);

	q = indirect(BLKIF_OP_READ, 14);
	seg[9].first_sect = 7;
	seg[9].last_sect = 3;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_17_indirect_bad_page_ref, {
	blkif_request_indirect_t *in;

	q = indirect(BLKIF_OP_READ, 14);
	in = (blkif_request_indirect_t *)&q;
	in->indirect_grefs[0] = 14000;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
})
ERR_CASE(test_18_discard_beyond_end, {
	blkif_request_discard_t *d = (blkif_request_discard_t *)&q;

	memset(&q, 0, sizeof(q));
	d->operation = BLKIF_OP_DISCARD;
	d->id = 18;
	d->sector_number = IMG_SECTORS - 8;
	d->nr_sectors = 16;
	expect(&main_raw, &q, BLKIF_RSP_ERROR);
	d->nr_sectors = 8;
	expect(&main_raw, &q, BLKIF_RSP_OKAY);
})

static void test_19_readonly_vbd_refuses_writes(void **s)
{
	blkif_request_t q;
	blkif_request_discard_t *d = (blkif_request_discard_t *)&q;

	(void)s;
	q = rw(BLKIF_OP_WRITE, 0, 1);
	q.seg[0].gref = ro_raw.refs[0];
	expect(&ro_raw, &q, BLKIF_RSP_ERROR);
	q = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	expect(&ro_raw, &q, BLKIF_RSP_EOPNOTSUPP);
	memset(&q, 0, sizeof(q));
	d->operation = BLKIF_OP_DISCARD;
	d->id = 19;
	d->nr_sectors = 8;
	expect(&ro_raw, &q, BLKIF_RSP_EOPNOTSUPP);
	still_serving(&ro_raw);
}

static void test_20_many_bad_requests_at_once(void **s)
{
	blkif_response_t rsp;
	unsigned n = 0;

	(void)s;
	/* A full ring of garbage in one push: every slot answered. */
	for (unsigned i = 0; i < 32; i++) {
		blkif_request_t q = rw((uint8_t)(7 + i), 0, 1);

		q.id = i;
		memcpy(RING_GET_REQUEST(&main_raw.fr, main_raw.fr.req_prod_pvt),
		       &q, sizeof(q));
		main_raw.fr.req_prod_pvt++;
	}
	__atomic_store_n(&main_raw.fr.sring->req_prod, main_raw.fr.req_prod_pvt,
			 __ATOMIC_RELEASE);
	(void)rtdd_evtchn_notify(main_raw.ring.ev, main_raw.ring.port);
	while (n < 32 && raw_wait_rsp(&main_raw, &rsp, 5000) == 0) {
		assert_int_equal(rsp.id, n);
		assert_int_equal(rsp.status, BLKIF_RSP_EOPNOTSUPP);
		n++;
	}
	assert_int_equal(n, 32);
	still_serving(&main_raw);
}

static void test_21_ring_index_overflow_fails_vbd(void **s)
{
	struct raw r;

	(void)s;
	assert_int_equal(raw_open(&r, img, "w", T_NONE), XenbusStateConnected);
	/* req_prod far beyond what the ring can hold. */
	__atomic_store_n(&r.fr.sring->req_prod, 1000u, __ATOMIC_RELEASE);
	(void)rtdd_evtchn_notify(r.ring.ev, r.ring.port);
	expect_failed_vbd(&r);
	still_serving(&main_raw);
	raw_close(&r);
}

static void fatal_case(enum tweak t)
{
	struct raw r;
	int be = raw_open(&r, img, "w", t);

	assert_int_not_equal(be, XenbusStateConnected);
	expect_failed_vbd(&r);
	still_serving(&main_raw);
	raw_close(&r);
}

static void test_22_initialised_without_ring_ref(void **s)
{
	(void)s;
	fatal_case(T_NO_RING_REF);
}
static void test_23_ring_order_too_big(void **s)
{
	(void)s;
	fatal_case(T_BAD_ORDER);
}
static void test_24_zero_queues(void **s)
{
	(void)s;
	fatal_case(T_BAD_QUEUES);
}
static void test_25_bad_event_channel(void **s)
{
	(void)s;
	fatal_case(T_BAD_EVTCHN);
}
static void test_26_foreign_protocol(void **s)
{
	(void)s;
	fatal_case(T_BAD_PROTOCOL);
}
static void test_27_ungranted_ring_page(void **s)
{
	(void)s;
	fatal_case(T_UNGRANTED_RING);
}

static void test_28_state_flapping(void **s)
{
	struct raw r;
	unsigned devid = next_devid;

	(void)s;
	/* Closing / Initialising / Closed in quick succession before a
	 * proper connect: the backend tolerates the merged events. */
	assert_int_equal(blk_env_add_vbd(&env, 0, devid, img, "w", NULL), 0);
	{
		char path[64];
		rtdd_xb_fe *xb;

		blk_env_fe_path(devid, path, sizeof(path));
		assert_int_equal(rtdd_xb_fe_open(env.fe_hv[0], path, "vbd",
						 NULL, NULL, &xb),
				 0);
		for (int i = 0; i < 20; i++) {
			(void)rtdd_xb_fe_switch_state(xb, XenbusStateClosing);
			(void)rtdd_xb_fe_switch_state(xb, XenbusStateConnected);
			(void)rtdd_xb_fe_switch_state(xb, XenbusStateClosed);
			(void)rtdd_xb_fe_switch_state(xb,
						      XenbusStateInitialising);
		}
		rtdd_xb_fe_close(xb);
	}
	next_devid = devid + 1;
	/* Then a proper reset and connect on the same vbd. The backend may
	 * still act on late events of the flapping (a watch read before,
	 * acted on after our reset) and go Closing: a frontend resets and
	 * tries again, as librtdd-blkfront does. */
	{
		int be = raw_attach(&r, devid, T_NONE);

		for (int i = 0; i < 3 && be != XenbusStateConnected; i++) {
			(void)rtdd_fe_ring_free(env.fe_hv[0], &r.ring);
			rtdd_xb_fe_close(r.xb);
			be = raw_attach(&r, devid, T_NONE);
		}
		assert_int_equal(be, XenbusStateConnected);
	}
	still_serving(&r);
	raw_close(&r);
}

static void test_29_copied_grants_and_id_echo(void **s)
{
	struct raw r;
	blkif_request_t q;

	(void)s;
	assert_int_equal(raw_open(&r, img, "w", T_NO_PERSISTENT),
			 XenbusStateConnected);
	q = rw(BLKIF_OP_WRITE, 16, 3);
	for (unsigned i = 0; i < 3; i++)
		q.seg[i].gref = r.refs[i];
	q.id = 0xfedcba9876543210ull;
	expect(&r, &q, BLKIF_RSP_OKAY);
	q.operation = BLKIF_OP_READ;
	q.seg[1].gref = 13000; /* bad ref in the middle of a copy batch */
	expect(&r, &q, BLKIF_RSP_ERROR);
	still_serving(&r);
	raw_close(&r);
}

/*
 * rtdd-persistent-refs, the list of pages a persistent frontend wants
 * mapped at connect, is a hint: refs that never were granted (and repeats)
 * in it map page by page, the good ones at connect and none later; a
 * malformed list or one of 2^32 refs is ignored with a warning (pages then
 * map on first use). The vbd connects and serves either way.
 */
static void premap_case(enum tweak t, uint64_t want_premapped)
{
	struct rtdd_blkback_stats a, b, c;
	struct raw r;
	blkif_request_t q;

	rtdd_blkback_stats(env.bb, &a);
	assert_int_equal(raw_open(&r, img, "w", t), XenbusStateConnected);
	rtdd_blkback_stats(env.bb, &b);
	assert_int_equal(b.pgrant_premapped - a.pgrant_premapped,
			 want_premapped);
	q = rw(BLKIF_OP_WRITE, 16, 3);
	for (unsigned i = 0; i < 3; i++)
		q.seg[i].gref = r.refs[i];
	expect(&r, &q, BLKIF_RSP_OKAY);
	q.operation = BLKIF_OP_READ;
	expect(&r, &q, BLKIF_RSP_OKAY);
	rtdd_blkback_stats(env.bb, &c);
	/* premapped: no mapping on the ring's thread; else first use */
	assert_int_equal(c.pgrant_maps - b.pgrant_maps, want_premapped ? 0 : 3);
	still_serving(&r);
	raw_close(&r);
}

static void test_30_premap_list_with_bad_refs(void **s)
{
	(void)s;
	premap_case(T_REFS_BAD, NDATA);
}

static void test_31_premap_list_malformed(void **s)
{
	(void)s;
	premap_case(T_REFS_MALFORMED, 0);
}

static void test_32_premap_list_too_long(void **s)
{
	(void)s;
	premap_case(T_REFS_HUGE, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, probe_setup, probe_teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_00_connect),
		T(test_01_sector_out_of_range),
		T(test_02_sector_wraps),
		T(test_03_zero_segments),
		T(test_04_too_many_segments),
		T(test_05_first_after_last),
		T(test_06_last_sect_past_page),
		T(test_07_garbage_opcode),
		T(test_08_write_barrier_refused),
		T(test_09_ungranted_ref),
		T(test_10_ref_granted_to_other_domain),
		T(test_11_revoked_ref),
		T(test_12_readonly_grant_for_read),
		T(test_13_indirect_valid_then_bad_op),
		T(test_14_indirect_zero_segments),
		T(test_15_indirect_too_many),
		T(test_16_indirect_bad_segment),
		T(test_17_indirect_bad_page_ref),
		T(test_18_discard_beyond_end),
		T(test_19_readonly_vbd_refuses_writes),
		T(test_20_many_bad_requests_at_once),
		T(test_21_ring_index_overflow_fails_vbd),
		T(test_22_initialised_without_ring_ref),
		T(test_23_ring_order_too_big),
		T(test_24_zero_queues),
		T(test_25_bad_event_channel),
		T(test_26_foreign_protocol),
		T(test_27_ungranted_ring_page),
		T(test_28_state_flapping),
		T(test_29_copied_grants_and_id_echo),
		T(test_30_premap_list_with_bad_refs),
		T(test_31_premap_list_malformed),
		T(test_32_premap_list_too_long),
	};

	probe_cases = tests;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

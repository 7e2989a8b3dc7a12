// SPDX-License-Identifier: MIT
/*
 * tests/unit/blk/test_blkfront_rsp.c - no hypervisor: librtdd-blkfront's
 * checks of what a backend answers (rtdd__bf_take, blkfront_ring.h), one
 * hostile backend behaviour per case; fuzz_blkfront_rsp explores the rest.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blkfront_ring.h"

#define PG 4096u
#define NSL 32u

static struct fe_queue q;
static uint8_t ubuf[NSL][PG];
static RING_IDX bpvt; /* the backend's rsp_prod_pvt */

static int setup(void **state)
{
	(void)state;
	memset(&q, 0, sizeof(q));
	q.ring.addr = aligned_alloc(PG, PG);
	q.slots = calloc(NSL, sizeof(*q.slots));
	q.slot_bytes = PG;
	q.data = aligned_alloc(PG, NSL * PG);
	if (!q.ring.addr || !q.slots || !q.data)
		return -1;
	memset(q.ring.addr, 0, PG);
	SHARED_RING_INIT((blkif_sring_t *)q.ring.addr);
	FRONT_RING_INIT(&q.fr, (blkif_sring_t *)q.ring.addr, PG);
	q.nslots = NSL;
	for (unsigned i = 0; i < NSL; i++)
		q.slots[i].next_free = (uint16_t)(i + 1);
	q.nfree = NSL;
	for (unsigned i = 0; i < NSL; i++)
		memset(q.data + i * PG, 0xa0 + i, PG);
	memset(ubuf, 0xee, sizeof(ubuf));
	bpvt = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(q.ring.addr);
	free(q.slots);
	free(q.data);
	return 0;
}

/* A 4 KiB read (indirect: as an indirect request) as submit builds it. */
static uint16_t submit_read(bool indirect, uint64_t cookie)
{
	uint16_t id = q.free_head;
	struct fe_slot *s = &q.slots[id];

	memset(&s->req, 0, sizeof(s->req));
	s->op = BLKIF_OP_READ;
	s->zbuf = -1;
	s->len = PG;
	s->off0 = 0;
	s->ubuf = ubuf[id];
	s->cookie = cookie;
	if (indirect) {
		blkif_request_indirect_t *in =
			(blkif_request_indirect_t *)&s->req;

		in->operation = BLKIF_OP_INDIRECT;
		in->indirect_op = BLKIF_OP_READ;
		in->nr_segments = 1;
		in->id = id;
	} else {
		s->req.operation = BLKIF_OP_READ;
		s->req.nr_segments = 1;
		s->req.id = id;
	}
	assert_int_equal(rtdd__bf_put(&q), id);
	q.fr.sring->req_prod = q.fr.req_prod_pvt;
	return id;
}

static void answer(uint64_t id, uint8_t op, int16_t st)
{
	blkif_response_t *r = RING_GET_RESPONSE(&q.fr, bpvt);

	r->id = id;
	r->operation = op;
	r->status = st;
	bpvt++;
	q.fr.sring->rsp_prod = bpvt;
}

static int take(struct rtdd_blk_cpl *c, unsigned max, const char **why)
{
	*why = NULL;
	return rtdd__bf_take(&q, c, max, why);
}

static void test_ok_and_statuses(void **state)
{
	struct rtdd_blk_cpl c[4];
	const char *why;
	uint16_t a, b, d;

	(void)state;
	a = submit_read(false, 10);
	b = submit_read(true, 11);
	d = submit_read(false, 12);
	answer(a, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	answer(b, BLKIF_OP_READ, BLKIF_RSP_EOPNOTSUPP); /* inner op */
	answer(d, BLKIF_OP_READ, 7);			/* unknown status */
	assert_int_equal(take(c, 4, &why), 3);
	assert_int_equal(c[0].cookie, 10);
	assert_int_equal(c[0].status, 0);
	assert_int_equal(c[1].status, -EOPNOTSUPP);
	assert_int_equal(c[2].status, -EIO);
	/* the data is copied only for the OKAY read */
	assert_int_equal(ubuf[a][0], 0xa0 + a);
	assert_int_equal(ubuf[a][PG - 1], 0xa0 + a);
	assert_int_equal(ubuf[b][0], 0xee);
	assert_int_equal(ubuf[d][0], 0xee);
	assert_int_equal(q.inflight, 0);
	assert_int_equal(q.nfree, NSL);
	/* an indirect request may be answered with BLKIF_OP_INDIRECT too */
	a = submit_read(true, 13);
	answer(a, BLKIF_OP_INDIRECT, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 4, &why), 1);
	assert_int_equal(c[0].status, 0);
}

static void test_wrong_operation(void **state)
{
	struct rtdd_blk_cpl c[2];
	const char *why;
	uint16_t a = submit_read(false, 1);

	(void)state;
	/* a read answered as a write (regression: was accepted) */
	answer(a, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 2, &why), -EPROTO);
	assert_non_null(why);
	assert_int_equal(ubuf[a][0], 0xee);
}

static void test_indirect_answer_to_direct(void **state)
{
	struct rtdd_blk_cpl c[2];
	const char *why;
	uint16_t a = submit_read(false, 1);

	(void)state;
	answer(a, BLKIF_OP_INDIRECT, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 2, &why), -EPROTO);
}

static void test_unknown_id(void **state)
{
	struct rtdd_blk_cpl c[2];
	const char *why;

	(void)state;
	(void)submit_read(false, 1);
	answer(NSL + 5, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 2, &why), -EPROTO);
	assert_non_null(why);
}

static void test_second_completion(void **state)
{
	struct rtdd_blk_cpl c[2];
	const char *why;
	uint16_t a = submit_read(false, 1);

	(void)state;
	(void)submit_read(false, 2);
	answer(a, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 2, &why), 1);
	answer(a, BLKIF_OP_READ, BLKIF_RSP_OKAY); /* not in flight now */
	assert_int_equal(take(c, 2, &why), -EPROTO);
}

static void test_rsp_prod_jumps(void **state)
{
	struct rtdd_blk_cpl c[2];
	const char *why;
	uint16_t a = submit_read(false, 1);

	(void)state;
	/* more responses than requests in flight */
	answer(a, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	answer(a, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 2, &why), -EPROTO);
	assert_int_equal(q.fr.rsp_cons, 0); /* nothing consumed */
	/* and backwards */
	q.fr.sring->rsp_prod = (RING_IDX)-1;
	assert_int_equal(take(c, 2, &why), -EPROTO);
	/* back to sane: the one response is taken */
	q.fr.sring->rsp_prod = 1;
	assert_int_equal(take(c, 2, &why), 1);
}

static void test_take_at_most_max(void **state)
{
	struct rtdd_blk_cpl c[1];
	const char *why;

	(void)state;
	for (unsigned i = 0; i < 3; i++)
		answer(submit_read(false, i), BLKIF_OP_READ, BLKIF_RSP_OKAY);
	assert_int_equal(take(c, 0, &why), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(take(c, 1, &why), 1);
		assert_int_equal(c[0].cookie, i);
	}
	assert_int_equal(take(c, 1, &why), 0);
	assert_int_equal(q.fr.rsp_cons, 3);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ok_and_statuses),	   T(test_wrong_operation),
		T(test_indirect_answer_to_direct), T(test_unknown_id),
		T(test_second_completion),	   T(test_rsp_prod_jumps),
		T(test_take_at_most_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * tests/unit/blk/test_blk_unit.c - no hypervisor: blkif request checks
 * (rtdd/blkif_req.h), the service round's priority/budget decisions
 * (rtdd/be_svc.h), and a service thread's warning when it polls at
 * SCHED_FIFO under the kernel's RT throttling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "rtdd/be_svc.h"
#include "rtdd/blkif_req.h"
#include "rtdd/rt.h"

static const struct rtdd_blk_limits lim = {
	.sectors = 1000,
	.align_sectors = 1,
	.max_indirect_segs = 64,
	.readonly = false,
	.flush = true,
	.discard = true,
};

static struct rtdd_blk_vreq vr;

static int check(const struct blkif_request *r, const struct rtdd_blk_limits *l,
		 enum rtdd_blk_reason *why)
{
	return rtdd_blk_req_decode(r, l, &vr, why);
}

static struct blkif_request rw(uint8_t op, uint64_t sector, unsigned nseg)
{
	struct blkif_request r;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.nr_segments = (uint8_t)nseg;
	r.id = 0x1122334455667788ull;
	r.sector_number = sector;
	for (unsigned i = 0; i < nseg && i < 11; i++) {
		r.seg[i].gref = 100 + i;
		r.seg[i].first_sect = 0;
		r.seg[i].last_sect = 7;
	}
	return r;
}

static void test_valid_rw(void **s)
{
	struct blkif_request r = rw(BLKIF_OP_READ, 10, 3);
	enum rtdd_blk_reason why;

	(void)s;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
	assert_int_equal(vr.nr_sectors, 24);
	assert_int_equal(vr.id, 0x1122334455667788ull);
	r.seg[1].first_sect = 2;
	r.seg[1].last_sect = 2;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
	assert_int_equal(vr.nr_sectors, 17);
	/* Exactly up to the last sector. */
	r = rw(BLKIF_OP_WRITE, 1000 - 8, 1);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
}

static void test_bad_rw(void **s)
{
	struct blkif_request r;
	enum rtdd_blk_reason why;

	(void)s;
	r = rw(BLKIF_OP_READ, 993, 1); /* 993 + 8 > 1000 */
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_RANGE);
	r = rw(BLKIF_OP_READ, UINT64_MAX - 3, 1); /* wraps */
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_RANGE);
	r = rw(BLKIF_OP_READ, 0, 0);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_NSEG);
	r = rw(BLKIF_OP_WRITE, 0, 11);
	r.nr_segments = 12;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_NSEG);
	r = rw(BLKIF_OP_READ, 0, 2);
	r.seg[1].first_sect = 5;
	r.seg[1].last_sect = 4;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_SEG);
	r = rw(BLKIF_OP_READ, 0, 1);
	r.seg[0].last_sect = 8;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_SEG);
}

static void test_ops(void **s)
{
	struct blkif_request r;
	enum rtdd_blk_reason why;
	struct rtdd_blk_limits ro = lim, nf = lim;

	(void)s;
	r = rw(0xab, 0, 1);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(why, RTDD_BLK_R_BAD_OP);
	r = rw(BLKIF_OP_WRITE_BARRIER, 0, 1);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_EOPNOTSUPP);
	assert_int_equal(why, RTDD_BLK_R_BARRIER);
	r = rw(BLKIF_OP_RESERVED_1, 0, 1);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_EOPNOTSUPP);
	/* Flush: no segments is fine, read-only refuses, not offered. */
	r = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
	ro.readonly = true;
	assert_int_equal(check(&r, &ro, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_READONLY);
	nf.flush = false;
	assert_int_equal(check(&r, &nf, &why), BLKIF_RSP_EOPNOTSUPP);
	r = rw(BLKIF_OP_WRITE, 0, 1);
	assert_int_equal(check(&r, &ro, &why), BLKIF_RSP_ERROR);
	r = rw(BLKIF_OP_READ, 0, 1);
	assert_int_equal(check(&r, &ro, &why), BLKIF_RSP_OKAY);
}

static void test_discard(void **s)
{
	struct blkif_request r;
	struct blkif_request_discard *d = (struct blkif_request_discard *)&r;
	enum rtdd_blk_reason why;
	struct rtdd_blk_limits nd = lim;

	(void)s;
	memset(&r, 0, sizeof(r));
	d->operation = BLKIF_OP_DISCARD;
	d->id = 7;
	d->sector_number = 100;
	d->nr_sectors = 900;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
	assert_int_equal(vr.nr_sectors, 900);
	assert_int_equal(vr.id, 7);
	d->nr_sectors = 901;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	d->nr_sectors = UINT64_MAX;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	nd.discard = false;
	d->nr_sectors = 1;
	assert_int_equal(check(&r, &nd, &why), BLKIF_RSP_EOPNOTSUPP);
}

static void test_indirect(void **s)
{
	struct blkif_request r;
	struct blkif_request_indirect *in = (struct blkif_request_indirect *)&r;
	enum rtdd_blk_reason why;
	struct rtdd_blk_limits noind = lim;

	(void)s;
	memset(&r, 0, sizeof(r));
	in->operation = BLKIF_OP_INDIRECT;
	in->indirect_op = BLKIF_OP_WRITE;
	in->nr_segments = 40;
	in->id = 9;
	in->sector_number = 0;
	in->indirect_grefs[0] = 55;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_OKAY);
	assert_true(vr.indirect);
	assert_int_equal(vr.nr_indirect_pages, 1);
	for (unsigned i = 0; i < 40; i++) {
		vr.seg[i].gref = i;
		vr.seg[i].first_sect = 0;
		vr.seg[i].last_sect = 7;
	}
	assert_int_equal(rtdd_blk_req_check_segs(&vr, &lim, &why),
			 BLKIF_RSP_OKAY);
	assert_int_equal(vr.nr_sectors, 320);
	vr.seg[39].first_sect = 7;
	vr.seg[39].last_sect = 6;
	assert_int_equal(rtdd_blk_req_check_segs(&vr, &lim, &why),
			 BLKIF_RSP_ERROR);
	in->nr_segments = 65; /* over the offered maximum */
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	in->nr_segments = 0;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	in->nr_segments = 4;
	in->indirect_op = BLKIF_OP_FLUSH_DISKCACHE;
	assert_int_equal(check(&r, &lim, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_BAD_INDIRECT_OP);
	in->indirect_op = BLKIF_OP_READ;
	noind.max_indirect_segs = 0;
	assert_int_equal(check(&r, &noind, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_NO_INDIRECT);
}

static void test_alignment(void **s)
{
	struct rtdd_blk_limits a4k = lim;
	struct blkif_request r = rw(BLKIF_OP_READ, 8, 1);
	enum rtdd_blk_reason why;

	(void)s;
	a4k.align_sectors = 8;
	assert_int_equal(check(&r, &a4k, &why), BLKIF_RSP_OKAY);
	r.sector_number = 9;
	assert_int_equal(check(&r, &a4k, &why), BLKIF_RSP_ERROR);
	assert_int_equal(why, RTDD_BLK_R_ALIGN);
	r.sector_number = 8;
	r.seg[0].first_sect = 1;
	assert_int_equal(check(&r, &a4k, &why), BLKIF_RSP_ERROR);
}

/* ---- service rounds: a fake ring that has `pending` requests ---- */

struct fake {
	struct rtdd_svc_item it;
	unsigned pending;
	unsigned order[64]; /* global serve order stamps */
	unsigned served;
};
static unsigned stamp;

static unsigned fake_serve(struct rtdd_svc_item *it, unsigned budget)
{
	struct fake *f = it->priv;
	unsigned n = f->pending < budget ? f->pending : budget;

	f->pending -= n;
	f->served += n;
	if (n)
		f->order[0] = ++stamp;
	return n;
}
static bool fake_arm(struct rtdd_svc_item *it)
{
	return ((struct fake *)it->priv)->pending != 0;
}
static unsigned fake_fds(struct rtdd_svc_item *it, int *fds, unsigned max)
{
	(void)it;
	(void)fds;
	(void)max;
	return 0;
}
static void fake_woken(struct rtdd_svc_item *it)
{
	(void)it;
}
static const struct rtdd_svc_item_ops fake_ops = {
	.serve = fake_serve,
	.arm = fake_arm,
	.fds = fake_fds,
	.woken = fake_woken,
};

static void fake_init(struct fake *f, enum rtdd_svc_class c, unsigned budget,
		      unsigned pending)
{
	memset(f, 0, sizeof(*f));
	f->it.ops = &fake_ops;
	f->it.priv = f;
	f->it.cls = c;
	f->it.budget = budget;
	f->pending = pending;
}

static void test_round_priority_budget(void **s)
{
	struct fake be1, rt, be2;
	struct rtdd_svc_item *items[3] = {&be1.it, &rt.it, &be2.it};
	unsigned w;

	(void)s;
	/* A best-effort flood (1000 each) and an RT ring with 5 requests:
	 * the RT ring is served first in the round, and each best-effort
	 * ring gets no more than its budget per round. */
	fake_init(&be1, RTDD_SVC_BE, 16, 1000);
	fake_init(&rt, RTDD_SVC_RT, 4, 5);
	fake_init(&be2, RTDD_SVC_BE, 16, 1000);
	stamp = 0;
	w = rtdd_svc_round(items, 3);
	assert_int_equal(w, 4 + 16 + 16);
	assert_int_equal(rt.order[0], 1); /* first, though listed second */
	assert_int_equal(be1.served, 16);
	assert_int_equal(be2.served, 16);
	assert_int_equal(rt.served, 4);
	assert_int_equal(rt.it.st.budget_hits, 1);
	unsigned before = stamp;
	w = rtdd_svc_round(items, 3);
	assert_int_equal(rt.served, 5);
	assert_int_equal(rt.order[0], before + 1); /* first again */
	assert_int_equal(w, 1 + 16 + 16);
	/* Bound: between two rounds an RT request waits for at most the sum
	 * of the best-effort budgets. */
	assert_true(be1.served + be2.served <= 2 * (16 + 16));
}

/* An RT request that arrives while a best-effort ring is being served
 * waits for one best-effort request, not for the rest of its budget. */
static struct fake *arrive_target;
static unsigned arrive_after, be_calls;

static unsigned arriving_serve(struct rtdd_svc_item *it, unsigned budget)
{
	unsigned n = fake_serve(it, budget);

	if (n && ++be_calls == arrive_after)
		arrive_target->pending += 1;
	return n;
}

static void test_round_rt_preempts_be_budget(void **s)
{
	static const struct rtdd_svc_item_ops arriving_ops = {
		.serve = arriving_serve,
		.arm = fake_arm,
		.fds = fake_fds,
		.woken = fake_woken,
	};
	struct fake be, rt;
	struct rtdd_svc_item *items[2] = {&be.it, &rt.it};

	(void)s;
	fake_init(&be, RTDD_SVC_BE, 32, 1000);
	be.it.ops = &arriving_ops;
	fake_init(&rt, RTDD_SVC_RT, 4, 0);
	arrive_target = &rt;
	arrive_after = 3;
	be_calls = 0;
	stamp = 0;
	assert_int_equal(rtdd_svc_round(items, 2), 32 + 1);
	assert_int_equal(rt.served, 1);
	/* served right after the third best-effort request (stamps 1..3) */
	assert_int_equal(rt.order[0], 4);
	assert_int_equal(be.served, 32);

	/* Without an RT item the best-effort ring takes its budget at once. */
	struct rtdd_svc_item *only[1] = {&be.it};
	unsigned before = stamp;

	be_calls = 100;
	assert_int_equal(rtdd_svc_round(only, 1), 32);
	assert_int_equal(be.order[0], before + 1);
}

/* Adds items to svc with stderr captured; returns what was written. */
static char *add_captured(rtdd_svc *svc, struct rtdd_svc_item **items,
			  unsigned n)
{
	static char out[4096];
	int fd = memfd_create("stderr", 0), saved = dup(STDERR_FILENO);
	ssize_t got;

	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(rtdd_svc_add(svc, items[i]), 0);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	got = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	out[got > 0 ? got : 0] = '\0';
	return out;
}

static unsigned count_str(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * A service thread that polls at SCHED_FIFO under the kernel's RT
 * throttling says so, once, with the setting to change (the thread will be
 * stopped for the rest of every period: 50 ms a second by default); one
 * without SCHED_FIFO, or with only event items, says nothing.
 */
static void test_svc_throttle_warning(void **s)
{
	struct rtdd_svc_cfg cfg = {.name = "thr-test",
				   .rt = {.cpu = -1, .fifo_prio = 1}};
	struct fake p1, p2, ev;
	struct rtdd_svc_item *items[3] = {&ev.it, &p1.it, &p2.it};
	const struct rtdd_rt_report *g;
	rtdd_svc *svc;
	char *out;

	(void)s;
	fake_init(&ev, RTDD_SVC_BE, 4, 0);
	fake_init(&p1, RTDD_SVC_RT, 4, 0);
	fake_init(&p2, RTDD_SVC_BE, 4, 0);
	ev.it.name = "ev";
	p1.it.name = "p1";
	p2.it.name = "p2";
	p1.it.mode = RTDD_SVC_POLL;
	p2.it.mode = RTDD_SVC_POLL;

	/* No SCHED_FIFO asked: nothing to say whatever the kernel does. */
	cfg.rt.fifo_prio = 0;
	assert_int_equal(rtdd_svc_create(&cfg, &svc), 0);
	out = add_captured(svc, items, 3);
	assert_int_equal(count_str(out, "RT throttling"), 0);
	for (unsigned i = 0; i < 3; i++)
		rtdd_svc_remove(svc, items[i]);
	rtdd_svc_destroy(svc);

	cfg.rt.fifo_prio = 1;
	assert_int_equal(rtdd_svc_create(&cfg, &svc), 0);
	g = rtdd_svc_granted(svc);
	if (!g->fifo_prio || !rtdd_rt_throttled(g)) {
		rtdd_svc_destroy(svc);
		print_message("SKIP: %s\n",
			      !g->fifo_prio ? "SCHED_FIFO not granted (needs "
					      "root or CAP_SYS_NICE)"
					    : "kernel RT throttling is off "
					      "here");
		skip();
	}
	/* The event item alone: no warning; the first polling one: one;
	 * the second: none more. */
	out = add_captured(svc, items, 1);
	assert_int_equal(count_str(out, "RT throttling"), 0);
	out = add_captured(svc, items + 1, 2);
	print_message("%s", out);
	assert_int_equal(count_str(out, "under kernel RT throttling"), 1);
	assert_non_null(strstr(out, "thr-test"));
	assert_non_null(strstr(out, "sched_rt_runtime_us"));
	assert_non_null(strstr(out, "hybrid mode"));
	for (unsigned i = 0; i < 3; i++)
		rtdd_svc_remove(svc, items[i]);
	rtdd_svc_destroy(svc);
}

static void test_mode_parse(void **s)
{
	enum rtdd_svc_mode m;
	enum rtdd_svc_class c;

	(void)s;
	assert_int_equal(rtdd_svc_mode_parse("poll", &m), 0);
	assert_int_equal(m, RTDD_SVC_POLL);
	assert_int_equal(rtdd_svc_mode_parse("hybrid", &m), 0);
	assert_int_equal(m, RTDD_SVC_HYBRID);
	assert_int_equal(rtdd_svc_mode_parse("bogus", &m), -22);
	assert_int_equal(rtdd_svc_class_parse("rt", &c), 0);
	assert_int_equal(c, RTDD_SVC_RT);
	assert_int_equal(rtdd_svc_class_parse("x", &c), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rw),
		cmocka_unit_test(test_bad_rw),
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_round_priority_budget),
		cmocka_unit_test(test_round_rt_preempts_be_budget),
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_svc_throttle_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

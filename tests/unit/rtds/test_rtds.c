// SPDX-License-Identifier: MIT
/*
 * hv/rtds unit tests: reference values of the periodic resource model,
 * hand-checked EDF / RM / gEDF cases, the cpupool check, the YAML loader
 * against hostile input, and simulator cases whose schedule is worked out
 * by hand in the comments.
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

#include "rtdd/rtds.h"

#define TASK(t, c, d)                                       \
	{                                                   \
		.period = (t), .wcet = (c), .deadline = (d) \
	}

static const struct rtdd_rtds_iface g52 = {.period = 5, .budget = 2, .m = 1};
static const struct rtdd_rtds_iface dedicated = {
	.period = 1, .budget = 1, .m = 1};

static void test_sbf_reference(void **state)
{
	(void)state;
	/* Γ(5,2), [SL03]: blackout 2(Π-Θ) = 6, then 2 units per 5 */
	for (int t = 0; t <= 6; t++)
		assert_int_equal(rtdd_rtds_sbf(&g52, t), 0);
	assert_int_equal(rtdd_rtds_sbf(&g52, 7), 1);
	assert_int_equal(rtdd_rtds_sbf(&g52, 8), 2);
	assert_int_equal(rtdd_rtds_sbf(&g52, 9), 2);
	assert_int_equal(rtdd_rtds_sbf(&g52, 10), 2);
	assert_int_equal(rtdd_rtds_sbf(&g52, 11), 2);
	assert_int_equal(rtdd_rtds_sbf(&g52, 12), 3);
	assert_int_equal(rtdd_rtds_sbf(&g52, 13), 4);
	assert_int_equal(rtdd_rtds_sbf(&g52, 16), 4);
	assert_int_equal(rtdd_rtds_sbf(&g52, 18), 6);
	/* the inverse: first t with sbf(t) >= s */
	assert_int_equal(rtdd_rtds_sbf_inverse(&g52, 0), 0);
	assert_int_equal(rtdd_rtds_sbf_inverse(&g52, 1), 7);
	assert_int_equal(rtdd_rtds_sbf_inverse(&g52, 2), 8);
	assert_int_equal(rtdd_rtds_sbf_inverse(&g52, 3), 12);
	assert_int_equal(rtdd_rtds_sbf_inverse(&g52, 4), 13);
	/* lsbf(t) = 2/5 (t - 6) */
	assert_int_equal(rtdd_rtds_lsbf(&g52, 6), 0);
	assert_int_equal(rtdd_rtds_lsbf(&g52, 16), 4);
	assert_int_equal(rtdd_rtds_lsbf(&g52, 13), 2);
	/* dedicated CPU: sbf(t) = t */
	assert_int_equal(rtdd_rtds_sbf(&dedicated, 17), 17);
	/* malformed */
	struct rtdd_rtds_iface bad = {.period = 5, .budget = 6, .m = 1};
	assert_int_equal(rtdd_rtds_sbf(&bad, 3), -EINVAL);
	assert_int_equal(rtdd_rtds_sbf(NULL, 3), -EINVAL);
}

static void test_sbf_properties(void **state)
{
	(void)state;
	for (int64_t p = 1; p <= 12; p++)
		for (int64_t b = 0; b <= p; b++) {
			struct rtdd_rtds_iface r = {p, b, 1};
			struct rtdd_rtds_iface r2 = {p, b + 1 <= p ? b + 1 : b,
						     1};
			int64_t prev = 0;

			for (int64_t t = 0; t < 100; t++) {
				int64_t s = rtdd_rtds_sbf(&r, t);

				/* non-decreasing, slope <= 1, above lsbf,
				 * monotone in Θ, equal to the MPR sbf at m=1 */
				assert_true(s >= prev && s - prev <= 1);
				assert_true(rtdd_rtds_lsbf(&r, t) <= s);
				assert_true(rtdd_rtds_sbf(&r2, t) >= s);
				assert_int_equal(rtdd_rtds_mpr_sbf(&r, t), s);
				/* sbf(t + Π) = sbf(t) + Θ past the blackout */
				if (t >= p - b)
					assert_int_equal(
						rtdd_rtds_sbf(&r, t + p),
						s + b);
				prev = s;
			}
			for (int64_t s = 1; b && s < 30; s++) {
				int64_t t = rtdd_rtds_sbf_inverse(&r, s);

				assert_true(rtdd_rtds_sbf(&r, t) >= s);
				assert_true(rtdd_rtds_sbf(&r, t - 1) < s);
			}
		}
}

static void test_mpr_sbf(void **state)
{
	(void)state;
	/* ⟨10,10,2⟩: two VCPUs of 5 each; worst case both supply at the start
	 * of one period and the end of the next: blackout 10 */
	struct rtdd_rtds_iface r = {10, 10, 2};

	assert_int_equal(rtdd_rtds_mpr_sbf(&r, 10), 0);
	assert_int_equal(rtdd_rtds_mpr_sbf(&r, 12), 4);
	assert_int_equal(rtdd_rtds_mpr_sbf(&r, 15), 10);
	assert_int_equal(rtdd_rtds_mpr_sbf(&r, 25), 20);
	/* ⟨1,2,2⟩ is two dedicated CPUs */
	struct rtdd_rtds_iface two = {1, 2, 2};
	for (int t = 0; t < 50; t++)
		assert_int_equal(rtdd_rtds_mpr_sbf(&two, t), 2 * t);
	/* monotone in t and Θ, at most m per unit, above the linear bound */
	for (unsigned m = 2; m <= 4; m++)
		for (int64_t p = 1; p <= 9; p++)
			for (int64_t b = 1; b <= m * p; b++) {
				struct rtdd_rtds_iface a = {p, b, m};
				struct rtdd_rtds_iface c = {p, b + 1, m};
				int64_t prev = 0;

				for (int64_t t = 0; t < 60; t++) {
					int64_t s = rtdd_rtds_mpr_sbf(&a, t);
					double lin =
						(double)b / p *
						(t - 2.0 * (p - (double)b / m));

					assert_true(s >= prev &&
						    s - prev <= (int64_t)m);
					assert_true((double)s >= lin - 1e-9);
					if (b + 1 <= m * p)
						assert_true(rtdd_rtds_mpr_sbf(
								    &c, t) >=
							    s);
					prev = s;
				}
			}
}

static void test_dbf_edf(void **state)
{
	struct rtdd_rtds_task ts[] = {TASK(4, 1, 4), TASK(6, 2, 5)};
	struct rtdd_rtds_verdict v;

	(void)state;
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 3), 0);
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 4), 1);
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 5), 3);
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 8), 4);
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 11), 6);
	assert_int_equal(rtdd_rtds_dbf(ts, 2, 12), 7);

	/* U = 1 on a dedicated CPU: schedulable */
	struct rtdd_rtds_task full[] = {TASK(2, 1, 0), TASK(4, 2, 0)};
	assert_int_equal(rtdd_rtds_edf_check(full, 2, &dedicated, &v), 0);
	assert_true(v.schedulable);
	/* + (8,1): dbf(8) = 4 + 4 + 1 = 9 > 8, the first failing deadline */
	struct rtdd_rtds_task over[] = {TASK(2, 1, 0), TASK(4, 2, 0),
					TASK(8, 1, 0)};
	assert_int_equal(rtdd_rtds_edf_check(over, 3, &dedicated, &v), 0);
	assert_false(v.schedulable);
	assert_int_equal(v.t, 8);
	assert_int_equal(v.demand, 9);
	assert_int_equal(v.supply, 8);
	assert_int_equal(v.task, 0);

	/* over Γ(5,2): (10,2) fits exactly (sbf(10k) = 4k-2 >= 2k), (10,3)
	 * fails at t = 10 where dbf = 3 > sbf = 2 */
	struct rtdd_rtds_task a[] = {TASK(10, 2, 0)};
	struct rtdd_rtds_task b[] = {TASK(10, 3, 0)};
	assert_int_equal(rtdd_rtds_edf_check(a, 1, &g52, &v), 0);
	assert_true(v.schedulable);
	assert_int_equal(rtdd_rtds_edf_check(b, 1, &g52, &v), 0);
	assert_false(v.schedulable);
	assert_int_equal(v.t, 10);
	assert_int_equal(v.demand, 3);
	assert_int_equal(v.supply, 2);
	/* constrained deadline: (10,2,8) over Γ(5,2): sbf(8) = 2: fits;
	 * (10,2,7): sbf(7) = 1 < 2 */
	struct rtdd_rtds_task c8[] = {TASK(10, 2, 8)};
	struct rtdd_rtds_task c7[] = {TASK(10, 2, 7)};
	assert_int_equal(rtdd_rtds_edf_check(c8, 1, &g52, &v), 0);
	assert_true(v.schedulable);
	assert_int_equal(rtdd_rtds_edf_check(c7, 1, &g52, &v), 0);
	assert_false(v.schedulable);
	assert_int_equal(v.t, 7);
	/* bad input */
	struct rtdd_rtds_task bad[] = {TASK(10, 11, 0)};
	assert_int_equal(rtdd_rtds_edf_check(bad, 1, &g52, &v), -EINVAL);
}

static void test_rm(void **state)
{
	struct rtdd_rtds_verdict v;
	int64_t r[3];

	(void)state;
	/* the textbook set on a dedicated CPU: R = 1, 3, 10 */
	struct rtdd_rtds_task ts[] = {TASK(12, 3, 0), TASK(4, 1, 0),
				      TASK(6, 2, 0)};
	assert_int_equal(rtdd_rtds_fp_check(ts, 3, RTDD_RTDS_SCHED_RM,
					    &dedicated, &v, r),
			 0);
	assert_true(v.schedulable);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 3);
	assert_int_equal(r[0], 10);

	/* over Γ(5,2): (10,1): R = sbf^-1(1) = 7; (20,2): 8 -> rbf 3 -> 12
	 * -> rbf 4 -> 13 -> rbf 4: R = 13 */
	struct rtdd_rtds_task g[] = {TASK(10, 1, 0), TASK(20, 2, 0)};
	int64_t rg[2];
	assert_int_equal(
		rtdd_rtds_fp_check(g, 2, RTDD_RTDS_SCHED_RM, &g52, &v, rg), 0);
	assert_true(v.schedulable);
	assert_int_equal(rg[0], 7);
	assert_int_equal(rg[1], 13);

	/* RM fails where EDF passes: (5,2),(7,4), U = 0.97: R_2 = 8 > 7 */
	struct rtdd_rtds_task f[] = {TASK(5, 2, 0), TASK(7, 4, 0)};
	int64_t rf[2];
	assert_int_equal(rtdd_rtds_fp_check(f, 2, RTDD_RTDS_SCHED_RM,
					    &dedicated, &v, rf),
			 0);
	assert_false(v.schedulable);
	assert_int_equal(v.task, 1);
	assert_int_equal(v.t, 7);
	assert_int_equal(rf[0], 2);
	assert_int_equal(rf[1], -1);
	assert_int_equal(rtdd_rtds_edf_check(f, 2, &dedicated, &v), 0);
	assert_true(v.schedulable);

	/* DM orders by deadline: (10,3,4) before (5,1,5) */
	struct rtdd_rtds_task dm[] = {TASK(5, 1, 5), TASK(10, 3, 4)};
	size_t order[2];
	rtdd_rtds_prio_order(dm, 2, RTDD_RTDS_SCHED_DM, order);
	assert_int_equal(order[0], 1);
	rtdd_rtds_prio_order(dm, 2, RTDD_RTDS_SCHED_RM, order);
	assert_int_equal(order[0], 0);
	assert_int_equal(rtdd_rtds_rbf(dm, 2, order, 1, 6), 3 + 2);
}

static void test_min_budget(void **state)
{
	struct rtdd_rtds_task t[] = {TASK(10, 2, 0)};
	struct rtdd_rtds_opts o = {0};
	struct rtdd_rtds_iface best;
	int64_t b;

	(void)state;
	/* Γ(5,1) fails (sbf(10) = 1), Γ(5,2) holds: minimum 2 */
	assert_int_equal(rtdd_rtds_min_budget(t, 1, RTDD_RTDS_SCHED_EDF, 5, 1,
					      &o, &b, NULL),
			 0);
	assert_int_equal(b, 2);
	assert_int_equal(rtdd_rtds_min_budget(t, 1, RTDD_RTDS_SCHED_RM, 5, 1,
					      &o, &b, NULL),
			 0);
	assert_int_equal(b, 2);
	/* with δ = 1: the task becomes (10,4) and the VCPU pays 1 per period:
	 * Γ(5,Θ') must carry (10,4): Θ' = 3 (sbf(10) = 4 with blackout 4);
	 * so Θ = 3 + 1 = 4 */
	o.ctx_switch = 1;
	struct rtdd_rtds_task *inf = rtdd_rtds_inflate(t, 1, &o);
	assert_non_null(inf);
	assert_int_equal(inf[0].wcet, 4);
	assert_int_equal(rtdd_rtds_min_budget(inf, 1, RTDD_RTDS_SCHED_EDF, 5, 1,
					      &o, &b, NULL),
			 0);
	assert_int_equal(b, 4);
	free(inf);
	/* every budget below the minimum fails, brute force */
	o.ctx_switch = 0;
	struct rtdd_rtds_task ts[] = {TASK(40, 3, 30), TASK(50, 7, 0),
				      TASK(100, 9, 0)};
	for (int64_t p = 5; p <= 40; p += 5) {
		struct rtdd_rtds_verdict v;
		int64_t m;

		assert_int_equal(rtdd_rtds_min_budget(ts, 3,
						      RTDD_RTDS_SCHED_EDF, p, 1,
						      &o, &m, NULL),
				 0);
		for (int64_t x = 1; x <= p; x++) {
			struct rtdd_rtds_iface r = {p, x, 1};

			assert_int_equal(rtdd_rtds_edf_check(ts, 3, &r, &v), 0);
			assert_int_equal(v.schedulable, x >= m);
		}
	}
	/* the period choice is the least bandwidth over the range */
	assert_int_equal(rtdd_rtds_choose_period(ts, 3, RTDD_RTDS_SCHED_EDF, 1,
						 5, 40, 5, &o, &best),
			 0);
	for (int64_t p = 5; p <= 40; p += 5) {
		int64_t m;

		rtdd_rtds_min_budget(ts, 3, RTDD_RTDS_SCHED_EDF, p, 1, &o, &m,
				     NULL);
		assert_true(best.budget * p <= m * best.period);
	}
	/* impossible: U > 1 */
	struct rtdd_rtds_task heavy[] = {TASK(10, 6, 0), TASK(10, 5, 0)};
	struct rtdd_rtds_verdict v;
	assert_int_equal(rtdd_rtds_min_budget(heavy, 2, RTDD_RTDS_SCHED_EDF, 5,
					      1, &o, &b, &v),
			 -ENOSPC);
	assert_false(v.schedulable);
}

static void test_gedf(void **state)
{
	struct rtdd_rtds_iface two = {1, 2, 2};
	struct rtdd_rtds_verdict v;
	int64_t b;

	(void)state;
	/* two tasks of U = 0.5 on two dedicated CPUs */
	struct rtdd_rtds_task ok[] = {TASK(10, 5, 0), TASK(10, 5, 0)};
	assert_int_equal(rtdd_rtds_gedf_check(ok, 2, &two, &v), 0);
	assert_true(v.schedulable);
	/* U = 2.7 > 2 */
	struct rtdd_rtds_task over[] = {TASK(10, 9, 0), TASK(10, 9, 0),
					TASK(10, 9, 0)};
	assert_int_equal(rtdd_rtds_gedf_check(over, 3, &two, &v), 0);
	assert_false(v.schedulable);
	assert_true(v.task >= 0);
	/* a task set that needs more than one VCPU: four (10,4) tasks */
	struct rtdd_rtds_task four[] = {TASK(10, 4, 0), TASK(10, 4, 0),
					TASK(10, 4, 0), TASK(10, 4, 0)};
	assert_int_equal(rtdd_rtds_min_budget(four, 4, RTDD_RTDS_SCHED_EDF, 10,
					      1, NULL, &b, NULL),
			 -ENOSPC);
	assert_int_equal(rtdd_rtds_min_budget(four, 4, RTDD_RTDS_SCHED_EDF, 2,
					      3, NULL, &b, &v),
			 0);
	assert_true(v.schedulable);
	assert_true(b >= 4 * 4 * 2 / 10 && b <= 6);
	/* RM on several VCPUs is not analysed */
	struct rtdd_rtds_iface mpr = {10, 12, 2};
	assert_int_equal(rtdd_rtds_check(ok, 2, RTDD_RTDS_SCHED_RM, &mpr, &v),
			 -EOPNOTSUPP);
}

static void test_vcpus_and_pool(void **state)
{
	struct rtdd_rtds_vcpu out[4];
	struct rtdd_rtds_pool_verdict pv;

	(void)state;
	struct rtdd_rtds_iface mu = {100, 250, 3};
	assert_int_equal(rtdd_rtds_to_vcpus(&mu, out, 4), 3);
	assert_int_equal(out[0].budget, 84);
	assert_int_equal(out[1].budget, 83);
	assert_int_equal(out[2].budget, 83);
	assert_int_equal(out[0].period, 100);
	struct rtdd_rtds_iface tiny = {100, 3, 1};
	assert_int_equal(rtdd_rtds_to_vcpus(&tiny, out, 4), 1);
	assert_int_equal(out[0].budget, RTDD_RTDS_MIN_US);
	struct rtdd_rtds_iface shortp = {9, 3, 1};
	assert_int_equal(rtdd_rtds_to_vcpus(&shortp, out, 4), -EINVAL);
	struct rtdd_rtds_iface toomuch = {100, 301, 3};
	assert_int_equal(rtdd_rtds_to_vcpus(&toomuch, out, 4), -EINVAL);
	assert_int_equal(rtdd_rtds_to_vcpus(&mu, out, 2), -ENOSPC);

	/* (10,5) and (6,3) on one pCPU: U = 1, fine for periodic tasks, but
	 * a deferrable server that spends its budget late ([5,10]) starves
	 * the other in [6,12]: window 6 holds 5 + 3 > 6 */
	struct rtdd_rtds_vcpu ds[] = {{.period = 10, .budget = 5, .cpumask = 1},
				      {.period = 6, .budget = 3, .cpumask = 1}};
	assert_int_equal(rtdd_rtds_pool_check(ds, 2, 1, &pv), 0);
	assert_false(pv.schedulable);
	assert_int_equal(pv.t, 6);
	assert_int_equal(pv.demand, 8);
	struct rtdd_rtds_vcpu ok[] = {{.period = 10, .budget = 2},
				      {.period = 10, .budget = 2}};
	assert_int_equal(rtdd_rtds_pool_check(ok, 2, 1, &pv), 0);
	assert_true(pv.schedulable);
	/* gEDF, two pCPUs: three (10,6): window 5, each interferes 5, 10 >= 10 */
	struct rtdd_rtds_vcpu g3[] = {{.period = 10, .budget = 6},
				      {.period = 10, .budget = 6},
				      {.period = 10, .budget = 6}};
	assert_int_equal(rtdd_rtds_pool_check(g3, 3, 2, &pv), 0);
	assert_false(pv.schedulable);
	assert_int_equal(rtdd_rtds_pool_check(g3, 2, 2, &pv), 0);
	assert_true(pv.schedulable);
	/* partitioning puts them on separate pCPUs */
	assert_int_equal(rtdd_rtds_partition(g3, 2, 2, NULL), 0);
	assert_true(g3[0].cpumask != g3[1].cpumask);
	assert_int_equal(rtdd_rtds_partition(g3, 3, 2, NULL), -ENOSPC);
	/* overlapping, unequal masks are not analysed */
	struct rtdd_rtds_vcpu mix[] = {
		{.period = 10, .budget = 1, .cpumask = 3},
		{.period = 10, .budget = 1, .cpumask = 1}};
	assert_int_equal(rtdd_rtds_pool_check(mix, 2, 2, &pv), -EOPNOTSUPP);
	/* masks outside the pool, bad parameters */
	mix[0].cpumask = 4;
	assert_int_equal(rtdd_rtds_pool_check(mix, 2, 2, &pv), -EINVAL);
	struct rtdd_rtds_vcpu badb[] = {{.period = 10, .budget = 11}};
	assert_int_equal(rtdd_rtds_pool_check(badb, 1, 1, &pv), -EINVAL);
}

/* ---- simulator -------------------------------------------------------- */

static void sim1(const struct rtdd_rtds_sim_config *cfg,
		 const struct rtdd_rtds_sim_vm *vms, size_t n,
		 struct rtdd_rtds_sim_result *r)
{
	assert_int_equal(rtdd_rtds_simulate(cfg, vms, n, r), 0);
}

static void test_sim_dedicated(void **state)
{
	/* a full VCPU is a dedicated CPU: RM gives R = 1, 3, 10 */
	struct rtdd_rtds_task ts[] = {TASK(4, 1, 0), TASK(6, 2, 0),
				      TASK(12, 3, 0)};
	struct rtdd_rtds_sim_vcpu vc = {.period = 10, .budget = 10};
	struct rtdd_rtds_sim_vm vm = {ts, 3, RTDD_RTDS_SCHED_RM, &vc, 1, 0};
	struct rtdd_rtds_sim_config cfg = {
		.pcpus = 1, .horizon = 120, .trace_max = 1000};
	struct rtdd_rtds_sim_result r;

	(void)state;
	sim1(&cfg, &vm, 1, &r);
	assert_int_equal(r.total_misses, 0);
	assert_int_equal(r.task[0][0].rt_max, 1);
	assert_int_equal(r.task[0][1].rt_max, 3);
	assert_int_equal(r.task[0][2].rt_max, 10);
	assert_int_equal(r.task[0][2].jobs, 10);
	/* U = 1/4 + 2/6 + 3/12 = 10/12 */
	assert_int_equal(r.vcpu_supply[0][0], 120 * 10 / 12);
	assert_true(r.ntrace > 0);
	rtdd_rtds_sim_result_dispose(&r);
}

static void test_sim_deferrable_trap(void **state)
{
	/* the pool case above, simulated: server A (10,5) whose guest wakes
	 * at 5 with 5 units due by 10; server B (6,3) whose guest has (6,3)
	 * from 0. A's deadline 10 beats B's 12 during [6,10]: B gets [10,12]
	 * only and its job due at 12 misses. */
	struct rtdd_rtds_task ta[] = {{.period = 10, .wcet = 5, .offset = 5}};
	struct rtdd_rtds_task tb[] = {TASK(6, 3, 0)};
	struct rtdd_rtds_sim_vcpu va = {.period = 10, .budget = 5};
	struct rtdd_rtds_sim_vcpu vb = {.period = 6, .budget = 3};
	struct rtdd_rtds_sim_vm vms[] = {
		{ta, 1, RTDD_RTDS_SCHED_EDF, &va, 1, 0},
		{tb, 1, RTDD_RTDS_SCHED_EDF, &vb, 1, 0},
	};
	struct rtdd_rtds_sim_config cfg = {.pcpus = 1, .horizon = 30};
	struct rtdd_rtds_sim_result r;

	(void)state;
	sim1(&cfg, vms, 2, &r);
	assert_true(r.task[1][0].misses > 0);
	assert_int_equal(r.task[1][0].first_miss, 12);
	rtdd_rtds_sim_result_dispose(&r);
	/* a periodic server spends its budget from the replenishment, idle
	 * or not: A burns [0,5], B runs [5,8] and meets 6? no: B runs first
	 * (deadline 6 < 10) [0,3], A burns [3,8], B [8,11]... all in time */
	cfg.server = RTDD_RTDS_SERVER_PERIODIC;
	sim1(&cfg, vms, 2, &r);
	assert_int_equal(r.task[1][0].misses, 0);
	rtdd_rtds_sim_result_dispose(&r);
}

static void test_sim_servers(void **state)
{
	/* one task released at 5 on a (10,5) server alone on the CPU:
	 * deferrable: runs at once, R = 5; periodic: the budget burnt idle
	 * in [0,5], the task waits for the next period: R = 10 */
	struct rtdd_rtds_task t[] = {
		{.period = 10, .wcet = 5, .offset = 5, .deadline = 10}};
	struct rtdd_rtds_sim_vcpu v = {.period = 10, .budget = 5};
	struct rtdd_rtds_sim_vm vm = {t, 1, RTDD_RTDS_SCHED_EDF, &v, 1, 0};
	struct rtdd_rtds_sim_config cfg = {.pcpus = 1, .horizon = 100};
	struct rtdd_rtds_sim_result r;

	(void)state;
	sim1(&cfg, &vm, 1, &r);
	assert_int_equal(r.task[0][0].rt_max, 5);
	rtdd_rtds_sim_result_dispose(&r);
	cfg.server = RTDD_RTDS_SERVER_PERIODIC;
	sim1(&cfg, &vm, 1, &r);
	assert_int_equal(r.task[0][0].rt_max, 10);
	assert_int_equal(r.total_misses, 0);
	rtdd_rtds_sim_result_dispose(&r);
	/* extratime: a (10,2) VCPU with a (10,6) task gets the idle CPU */
	struct rtdd_rtds_task big[] = {TASK(10, 6, 0)};
	struct rtdd_rtds_sim_vcpu ve = {
		.period = 10, .budget = 2, .extratime = 1};
	struct rtdd_rtds_sim_vm vme = {big, 1, RTDD_RTDS_SCHED_EDF, &ve, 1, 0};
	cfg.server = RTDD_RTDS_SERVER_DEFERRABLE;
	sim1(&cfg, &vme, 1, &r);
	assert_int_equal(r.total_misses, 0);
	assert_int_equal(r.task[0][0].rt_max, 6);
	rtdd_rtds_sim_result_dispose(&r);
	ve.extratime = 0;
	sim1(&cfg, &vme, 1, &r);
	assert_true(r.total_misses > 0);
	rtdd_rtds_sim_result_dispose(&r);
}

static void test_sim_credit(void **state)
{
	/* RT guest: a (10 ms, 1 ms) task plus best-effort work, so its VCPU
	 * never sleeps; one CPU hog VM. Credit round-robins 30 ms slices and
	 * the task misses; RTDS with (10 ms, 2 ms) and (10 ms, 8 ms) meets
	 * every deadline. */
	struct rtdd_rtds_task rt[] = {TASK(10000, 1000, 0),
				      {.kind = RTDD_RTDS_TASK_BACKGROUND}};
	struct rtdd_rtds_task hog[] = {{.kind = RTDD_RTDS_TASK_BACKGROUND}};
	struct rtdd_rtds_sim_vcpu v1 = {.period = 10000, .budget = 2000};
	struct rtdd_rtds_sim_vcpu v2 = {.period = 10000, .budget = 8000};
	struct rtdd_rtds_sim_vm vms[] = {
		{rt, 2, RTDD_RTDS_SCHED_EDF, &v1, 1, 256},
		{hog, 1, RTDD_RTDS_SCHED_EDF, &v2, 1, 256},
	};
	struct rtdd_rtds_sim_config cfg = {
		.pcpus = 1, .horizon = 600000, .host = RTDD_RTDS_HOST_CREDIT};
	struct rtdd_rtds_sim_result r;

	(void)state;
	sim1(&cfg, vms, 2, &r);
	assert_true(r.task[0][0].misses > 0);
	/* fair share: each VM about half the CPU */
	assert_true(r.vcpu_supply[0][0] > 250000 &&
		    r.vcpu_supply[0][0] < 350000);
	rtdd_rtds_sim_result_dispose(&r);
	cfg.host = RTDD_RTDS_HOST_GEDF;
	sim1(&cfg, vms, 2, &r);
	assert_int_equal(r.total_misses, 0);
	assert_int_equal(r.vcpu_supply[0][0], 600000 / 5);
	rtdd_rtds_sim_result_dispose(&r);
}

static void test_sim_bad_input(void **state)
{
	struct rtdd_rtds_task t[] = {TASK(10, 5, 0)};
	struct rtdd_rtds_sim_vcpu v = {.period = 10, .budget = 11};
	struct rtdd_rtds_sim_vm vm = {t, 1, RTDD_RTDS_SCHED_EDF, &v, 1, 0};
	struct rtdd_rtds_sim_config cfg = {.pcpus = 1, .horizon = 100};
	struct rtdd_rtds_sim_result r;

	(void)state;
	assert_int_equal(rtdd_rtds_simulate(&cfg, &vm, 1, &r), -EINVAL);
	v.budget = 5;
	v.cpumask = 2; /* pCPU 1 of a 1-pCPU pool */
	assert_int_equal(rtdd_rtds_simulate(&cfg, &vm, 1, &r), -EINVAL);
	v.cpumask = 0;
	cfg.horizon = 0;
	assert_int_equal(rtdd_rtds_simulate(&cfg, &vm, 1, &r), -EINVAL);
	cfg.horizon = 10;
	cfg.pcpus = 0;
	assert_int_equal(rtdd_rtds_simulate(&cfg, &vm, 1, &r), -EINVAL);
}

/* ---- YAML ------------------------------------------------------------ */

static const char good_yaml[] =
	"pcpus: 2\n"
	"ctx_switch_us: 2\n"
	"period_range_us: [100, 2000, 100]\n"
	"vms:\n"
	"  - name: a\n"
	"    sched: rm\n"
	"    tasks:\n"
	"      - { name: x, period_us: 5000, wcet_us: 500 }\n"
	"      - { name: y, period_us: 10000, wcet_us: 1000, deadline_us: 8000 }\n"
	"  - name: b\n"
	"    vcpus: 2\n"
	"    cpus: [0, 1]\n"
	"    tasks:\n"
	"      - { period_us: 2000, wcet_us: 1200 }\n"
	"      - { period_us: 2000, wcet_us: 1200 }\n"
	"      - { kind: background }\n";

static void test_yaml(void **state)
{
	struct rtdd_rtds_system s = {0};
	struct rtdd_rtds_report rep;
	char err[256];

	(void)state;
	assert_int_equal(rtdd_rtds_system_parse(good_yaml, strlen(good_yaml),
						&s, err, sizeof(err)),
			 0);
	assert_int_equal(s.pcpus, 2);
	assert_int_equal(s.nvms, 2);
	assert_int_equal(s.vms[0].sched, RTDD_RTDS_SCHED_RM);
	assert_int_equal(s.vms[0].tasks[1].deadline, 8000);
	assert_int_equal(s.vms[1].vcpus, 2);
	assert_int_equal(s.vms[1].cpumask, 3);
	assert_int_equal(s.vms[1].tasks[2].kind, RTDD_RTDS_TASK_BACKGROUND);
	assert_int_equal(rtdd_rtds_analyze(&s, &rep), 0);
	assert_int_equal(rep.nvcpus, 3);
	assert_int_equal(rep.vms[0].rc, 0);
	assert_true(rep.vms[0].verdict.schedulable);
	assert_int_equal(rep.vms[1].rc, 0);
	assert_true(rep.vms[1].verdict.schedulable);
	assert_true(rep.vms[1].iface.budget >
		    2400 * rep.vms[1].iface.period / 2000);
	rtdd_rtds_report_dispose(&rep);
	rtdd_rtds_system_dispose(&s);

	static const char *const bad[] = {
		"",
		"[1, 2]",
		"vms: []",
		"pcpus: 0\nvms: [{tasks: []}]",
		"pcpus: 65\nvms: [{tasks: []}]",
		"bogus: 1\nvms: [{tasks: []}]",
		"vms: [{tasks: [{period_us: 10, wcet_us: 11}]}]",
		"vms: [{tasks: [{period_us: -10, wcet_us: 1}]}]",
		"vms: [{tasks: [{period_us: 10}]}]",
		"vms: [{tasks: [{period_us: 99999999999999999999999, wcet_us: 1}]}]",
		"vms: [{tasks: [{period_us: 10x, wcet_us: 1}]}]",
		"vms: [{tasks: [{period_us: 10, wcet_us: 1, deadline_us: 11}]}]",
		"vms: [{sched: lottery, tasks: []}]",
		"vms: [{vcpus: 2, sched: rm, tasks: []}]",
		"vms: [{budget_us: 10, tasks: []}]",
		"vms: [{period_us: 100, budget_us: 101, tasks: []}]",
		"pcpus: 2\nvms: [{cpus: [2], tasks: []}]",
		"vms: [{cpus: [], tasks: []}]",
		"vms: [{name: a, tasks: []}, {name: a, tasks: []}]",
		"vms: [{tasks: {a: 1}}]",
		"vms: [{tasks: [[1, 2]]}]",
		"vms: [{tasks: [{period_us: [1], wcet_us: 1}]}]",
		"vms: [{tasks: [{period_us: 10, wcet_us: 1, kind: odd}]}]",
		"vms: [{name: \"a\\u0001\", tasks: []}]",
		"period_range_us: [1, 10, 1]\nvms: [{tasks: []}]",
		"period_range_us: [100, 10, 1]\nvms: [{tasks: []}]",
		"vms: [{tasks: [{period_us: 10, wcet_us: 1}]}\n  - oops",
		"{{{{",
		"vms: [{extratime: maybe, tasks: []}]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		err[0] = 0;
		int rc = rtdd_rtds_system_parse(bad[i], strlen(bad[i]), &s, err,
						sizeof(err));
		if (rc != -EINVAL)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		assert_int_equal(rc, -EINVAL);
		assert_true(err[0] != 0);
		assert_null(s.vms);
	}
	assert_int_equal(rtdd_rtds_system_load("/nonexistent/x.yaml", &s, err,
					       sizeof(err)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbf_reference),
		cmocka_unit_test(test_sbf_properties),
		cmocka_unit_test(test_mpr_sbf),
		cmocka_unit_test(test_dbf_edf),
		cmocka_unit_test(test_rm),
		cmocka_unit_test(test_min_budget),
		cmocka_unit_test(test_gedf),
		cmocka_unit_test(test_vcpus_and_pool),
		cmocka_unit_test(test_sim_dedicated),
		cmocka_unit_test(test_sim_deferrable_trap),
		cmocka_unit_test(test_sim_servers),
		cmocka_unit_test(test_sim_credit),
		cmocka_unit_test(test_sim_bad_input),
		cmocka_unit_test(test_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * Property test of hv/rtds: over many random systems, whenever the analysis
 * admits a system, the simulator finds no deadline miss over several
 * hyperperiods in each of these phasings:
 *   1. deferrable servers, everything released at 0;
 *   2. deferrable servers, random VCPU and task release offsets;
 *   3. periodic servers with each single-VCPU guest's tasks released right
 *      after its server burnt the first budget idle: the critical instant
 *      of [SL03]'s sbf (blackout 2(Π-Θ)).
 * Whenever the analysis refuses, the report must name the task (or VCPU)
 * and the time where the supply falls short, and the numbers it gives must
 * be what the public sbf/dbf/rbf functions say there.
 *
 * RTDD_RTDS_PROP_N (default 20000) sets the number of systems and
 * RTDD_RTDS_PROP_SEED the seed; a failure prints the system.
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

#define MAXVM 3
#define MAXT 4

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t pick(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

struct sys {
	struct rtdd_rtds_system s;
	struct rtdd_rtds_vm vm[MAXVM];
	struct rtdd_rtds_task t[MAXVM][MAXT];
};

/* task periods divide 400, server periods too: hyperperiod 400 */
static const int64_t tper[] = {40, 50, 80, 100, 200, 400};
static const int64_t vper[] = {10, 20, 25, 40, 50};

static void gen(struct sys *y)
{
	memset(y, 0, sizeof(*y));
	y->s.pcpus = (unsigned)pick(1, 2);
	y->s.nvms = (size_t)pick(1, MAXVM);
	y->s.vms = y->vm;
	y->s.host = pick(0, 3) == 0 ? RTDD_RTDS_HOST_PEDF : RTDD_RTDS_HOST_GEDF;
	for (size_t i = 0; i < y->s.nvms; i++) {
		struct rtdd_rtds_vm *vm = &y->vm[i];

		snprintf(vm->name, sizeof(vm->name), "vm%zu", i);
		vm->sched = (enum rtdd_rtds_sched)pick(0, 2);
		vm->vcpus = 1;
		if (y->s.pcpus == 2 && pick(0, 4) == 0) {
			vm->vcpus = 2;
			vm->sched = RTDD_RTDS_SCHED_EDF;
		}
		vm->period = vper[pick(0, 4)];
		vm->extratime = pick(0, 5) == 0;
		vm->tasks = y->t[i];
		vm->ntasks = (size_t)pick(1, MAXT);
		for (size_t k = 0; k < vm->ntasks; k++) {
			struct rtdd_rtds_task *t = &y->t[i][k];

			snprintf(t->name, sizeof(t->name), "t%zu", k);
			t->period = tper[pick(0, 5)];
			t->wcet = pick(1, t->period / (vm->vcpus == 2 ? 2 : 4));
			t->deadline =
				pick(0, 2) == 0 ? pick(t->wcet, t->period) : 0;
			t->kind = pick(0, 3) == 0 ? RTDD_RTDS_TASK_SPORADIC
						  : RTDD_RTDS_TASK_PERIODIC;
		}
	}
}

static void dump(const struct sys *y)
{
	fprintf(stderr, "system: pcpus %u host %d\n", y->s.pcpus, y->s.host);
	for (size_t i = 0; i < y->s.nvms; i++) {
		const struct rtdd_rtds_vm *vm = &y->vm[i];

		fprintf(stderr,
			"  vm%zu sched %d vcpus %u period %lld extratime %d\n",
			i, vm->sched, vm->vcpus, (long long)vm->period,
			vm->extratime);
		for (size_t k = 0; k < vm->ntasks; k++)
			fprintf(stderr,
				"    T %lld C %lld D %lld off %lld kind %d\n",
				(long long)vm->tasks[k].period,
				(long long)vm->tasks[k].wcet,
				(long long)vm->tasks[k].deadline,
				(long long)vm->tasks[k].offset,
				vm->tasks[k].kind);
	}
}

static uint64_t run_sim(struct sys *y, struct rtdd_rtds_report *rep,
			enum rtdd_rtds_server server, int64_t horizon,
			const int64_t *voff, uint64_t seed)
{
	struct rtdd_rtds_sim_vm vms[MAXVM];
	struct rtdd_rtds_sim_vcpu vc[MAXVM * 2];
	struct rtdd_rtds_sim_config cfg = {
		.pcpus = y->s.pcpus,
		.host = y->s.host,
		.server = server,
		.horizon = horizon,
		.seed = seed,
	};
	struct rtdd_rtds_sim_result r;
	uint64_t misses;

	for (size_t j = 0; j < rep->nvcpus; j++) {
		vc[j].period = rep->vcpus[j].period;
		vc[j].budget = rep->vcpus[j].budget;
		vc[j].cpumask = rep->vcpus[j].cpumask;
		vc[j].extratime = rep->vcpus[j].extratime;
		vc[j].offset = voff ? voff[j] : 0;
	}
	for (size_t i = 0; i < y->s.nvms; i++) {
		vms[i].tasks = y->vm[i].tasks;
		vms[i].ntasks = y->vm[i].ntasks;
		vms[i].sched = y->vm[i].sched;
		vms[i].vcpus = vc + rep->vms[i].first_vcpu;
		vms[i].nvcpus = y->vm[i].vcpus;
		vms[i].weight = 0;
	}
	assert_int_equal(rtdd_rtds_simulate(&cfg, vms, y->s.nvms, &r), 0);
	misses = r.total_misses;
	if (misses)
		for (size_t i = 0; i < y->s.nvms; i++)
			for (size_t k = 0; k < y->vm[i].ntasks; k++)
				if (r.task[i][k].misses)
					fprintf(stderr,
						"miss: vm%zu task %zu first at %lld\n",
						i, k,
						(long long)r.task[i][k]
							.first_miss);
	rtdd_rtds_sim_result_dispose(&r);
	return misses;
}

/* the refusal must be explained, with numbers that check out */
static void check_refusal(const struct sys *y,
			  const struct rtdd_rtds_report *rep)
{
	for (size_t i = 0; i < y->s.nvms; i++) {
		const struct rtdd_rtds_vm_report *vr = &rep->vms[i];
		const struct rtdd_rtds_vm *vm = &y->vm[i];
		const struct rtdd_rtds_verdict *v = &vr->verdict;

		if (v->schedulable && !vr->rc)
			continue;
		if (vr->rc && vr->rc != -ENOSPC) {
			assert_int_equal(vr->rc, -E2BIG); /* walk too long */
			return;
		}
		if (v->task < 0)
			return; /* -E2BIG during the explanation */
		assert_true((size_t)v->task < vm->ntasks);
		assert_true(v->t > 0);
		assert_true(v->demand > v->supply);
		if (vr->iface.m == 1 && vm->sched == RTDD_RTDS_SCHED_EDF) {
			assert_int_equal(
				rtdd_rtds_dbf(vm->tasks, vm->ntasks, v->t),
				v->demand);
			assert_int_equal(rtdd_rtds_sbf(&vr->iface, v->t),
					 v->supply);
		} else if (vr->iface.m == 1) {
			size_t order[MAXT];

			rtdd_rtds_prio_order(vm->tasks, vm->ntasks, vm->sched,
					     order);
			assert_int_equal(rtdd_rtds_rbf(vm->tasks, vm->ntasks,
						       order, (size_t)v->task,
						       v->t),
					 v->demand);
			assert_int_equal(rtdd_rtds_sbf(&vr->iface, v->t),
					 v->supply);
			assert_int_equal(v->t,
					 vm->tasks[v->task].deadline
						 ? vm->tasks[v->task].deadline
						 : vm->tasks[v->task].period);
		} else {
			assert_int_equal(rtdd_rtds_mpr_sbf(&vr->iface, v->t),
					 v->supply);
		}
		return;
	}
	/* every VM fits: the pool refused, naming a VCPU */
	assert_false(rep->pool.schedulable && !rep->pool_rc);
	if (rep->pool_rc == -E2BIG)
		return;
	assert_true(rep->pool.vcpu >= 0 &&
		    (size_t)rep->pool.vcpu < rep->nvcpus);
	if (rep->pool.t >= 0)
		assert_true(rep->pool.demand > rep->pool.capacity ||
			    rep->pool.demand >= rep->pool.capacity);
}

static void test_property(void **state)
{
	const char *ns = getenv("RTDD_RTDS_PROP_N");
	const char *ss = getenv("RTDD_RTDS_PROP_SEED");
	long n = ns ? strtol(ns, NULL, 10) : 20000;
	uint64_t admitted = 0, refused = 0, sims = 0, multi = 0;

	(void)state;
	rng = ss ? strtoull(ss, NULL, 10) : 0x2545F4914F6CDD1DULL;
	if (!rng)
		rng = 1;
	for (long it = 0; it < n; it++) {
		struct sys y;
		struct rtdd_rtds_report rep;
		int64_t voff[MAXVM * 2];
		uint64_t m;

		gen(&y);
		assert_int_equal(rtdd_rtds_analyze(&y.s, &rep), 0);
		if (!rep.admitted) {
			refused++;
			check_refusal(&y, &rep);
			rtdd_rtds_report_dispose(&rep);
			continue;
		}
		admitted++;
		/* 1: synchronous, deferrable */
		m = run_sim(&y, &rep, RTDD_RTDS_SERVER_DEFERRABLE, 1200, NULL,
			    0);
		/* 2: random phasing, deferrable, sporadic gaps */
		for (size_t j = 0; j < rep.nvcpus; j++)
			voff[j] = pick(0, rep.vcpus[j].period - 1);
		for (size_t i = 0; i < y.s.nvms; i++)
			for (size_t k = 0; k < y.vm[i].ntasks; k++)
				y.t[i][k].offset =
					pick(0, y.t[i][k].period - 1);
		m += run_sim(&y, &rep, RTDD_RTDS_SERVER_DEFERRABLE, 1600, voff,
			     it + 1);
		/* 3: periodic servers, tasks released after the first budget
		 * was burnt idle */
		for (size_t i = 0; i < y.s.nvms; i++) {
			const struct rtdd_rtds_vcpu *c =
				&rep.vcpus[rep.vms[i].first_vcpu];

			if (y.vm[i].vcpus > 1)
				multi++;
			for (size_t k = 0; k < y.vm[i].ntasks; k++)
				y.t[i][k].offset =
					y.vm[i].vcpus == 1 ? c->budget : 0;
		}
		m += run_sim(&y, &rep, RTDD_RTDS_SERVER_PERIODIC, 1600, NULL,
			     0);
		sims += 3;
		if (m) {
			dump(&y);
			for (size_t j = 0; j < rep.nvcpus; j++)
				fprintf(stderr,
					"  vcpu %zu: (%lld, %lld) mask %llx off %lld\n",
					j, (long long)rep.vcpus[j].period,
					(long long)rep.vcpus[j].budget,
					(unsigned long long)rep.vcpus[j]
						.cpumask,
					(long long)voff[j]);
		}
		assert_int_equal(m, 0);
		rtdd_rtds_report_dispose(&rep);
	}
	printf("%ld systems: %llu admitted (%llu simulations, %llu multi-VCPU guests), %llu refused with a located shortfall\n",
	       n, (unsigned long long)admitted, (unsigned long long)sims,
	       (unsigned long long)multi, (unsigned long long)refused);
	/* the property must not hold vacuously */
	assert_true(admitted * 5 >= (uint64_t)n);
	assert_true(refused * 10 >= (uint64_t)n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

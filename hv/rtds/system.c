// SPDX-License-Identifier: MIT
/*
 * Whole-system admission: each VM's task set → interface → RTDS VCPUs, then
 * the cpupool check. This is what `rtdd analyze` prints and what the
 * manifest's admission calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/rtds.h"
#include "private.h"

void rtdd_rtds_report_dispose(struct rtdd_rtds_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; rep->vms && i < rep->nvms; i++)
		free(rep->vms[i].resp);
	free(rep->vms);
	free(rep->vcpus);
	memset(rep, 0, sizeof(*rep));
}

/* default search range: periods from Tmin/20 to Tmin (a server period at or
 * below the shortest task period keeps the blackout 2(Π-Θ) short) */
static void default_range(const struct rtdd_rtds_vm *vm, int64_t *pmin,
			  int64_t *pmax, int64_t *step)
{
	int64_t tmin = INT64_MAX;

	for (size_t i = 0; i < vm->ntasks; i++)
		if (vm->tasks[i].kind != RTDD_RTDS_TASK_BACKGROUND &&
		    rtdd__rtds_dl(&vm->tasks[i]) < tmin)
			tmin = rtdd__rtds_dl(&vm->tasks[i]);
	if (tmin == INT64_MAX)
		tmin = 10000;
	*pmin = tmin / 20 > RTDD_RTDS_MIN_US ? tmin / 20 : RTDD_RTDS_MIN_US;
	*pmax = tmin > *pmin ? tmin : *pmin;
	*step = (*pmax - *pmin) / 50 > 0 ? (*pmax - *pmin) / 50 : 1;
}

static int has_rt(const struct rtdd_rtds_vm *vm)
{
	for (size_t i = 0; i < vm->ntasks; i++)
		if (vm->tasks[i].kind != RTDD_RTDS_TASK_BACKGROUND)
			return 1;
	return 0;
}

/* the test on the budget left after the VCPUs' own switch-ins (m·δ) */
static int check_eff(const struct rtdd_rtds_system *s,
		     const struct rtdd_rtds_task *t,
		     const struct rtdd_rtds_vm *vm,
		     const struct rtdd_rtds_iface *r,
		     struct rtdd_rtds_verdict *v)
{
	struct rtdd_rtds_iface eff = *r;

	if (s->opts.ctx_switch > 0)
		eff.budget -= (int64_t)r->m * s->opts.ctx_switch;
	if (eff.budget < 0)
		eff.budget = 0;
	return rtdd_rtds_check(t, vm->ntasks, vm->sched, &eff, v);
}

static int analyze_vm(const struct rtdd_rtds_system *s,
		      const struct rtdd_rtds_vm *vm,
		      struct rtdd_rtds_vm_report *vr)
{
	struct rtdd_rtds_task *t = NULL;
	unsigned m = vm->vcpus ? vm->vcpus : 1;
	int rc;

	vr->iface.m = m;
	if (!has_rt(vm)) {
		/* only best-effort work: the smallest RTDS interface */
		vr->iface.period = vm->period ? vm->period : 10000;
		vr->iface.budget =
			vm->budget ? vm->budget : (int64_t)m * RTDD_RTDS_MIN_US;
		vr->verdict.schedulable = 1;
		vr->verdict.task = -1;
		return 0;
	}
	t = rtdd_rtds_inflate(vm->tasks, vm->ntasks, &s->opts);
	if (!t)
		return -ENOMEM;
	if (vm->period && vm->budget) {
		vr->iface.period = vm->period;
		vr->iface.budget = vm->budget;
		rc = check_eff(s, t, vm, &vr->iface, &vr->verdict);
	} else {
		int64_t pmin = s->pmin, pmax = s->pmax, step = s->pstep;

		if (vm->period) {
			pmin = pmax = vm->period;
			step = 1;
		} else if (!pmax) {
			default_range(vm, &pmin, &pmax, &step);
		}
		struct rtdd_rtds_opts o = s->opts;

		if (!o.min_budget)
			o.min_budget = RTDD_RTDS_MIN_US;
		rc = rtdd_rtds_choose_period(t, vm->ntasks, vm->sched, m, pmin,
					     pmax, step, &o, &vr->iface);
		if (rc == -ENOSPC) {
			/* explain with the full budget at the shortest period */
			vr->iface.period = pmin;
			vr->iface.budget = (int64_t)m * pmin;
			rc = check_eff(s, t, vm, &vr->iface, &vr->verdict);
			if (rc == 0 && vr->verdict.schedulable)
				rc = -ENOSPC; /* only the bounded walk failed */
			if (rc == 0)
				rc = -ENOSPC;
		} else if (rc == 0) {
			rc = check_eff(s, t, vm, &vr->iface, &vr->verdict);
		}
	}
	if (m == 1 && vm->sched != RTDD_RTDS_SCHED_EDF && vr->resp &&
	    (rc == 0 || rc == -ENOSPC)) {
		struct rtdd_rtds_verdict v2;
		struct rtdd_rtds_iface eff = vr->iface;

		eff.budget -= s->opts.ctx_switch > 0 ? s->opts.ctx_switch : 0;
		if (eff.budget >= 0)
			rtdd_rtds_fp_check(t, vm->ntasks, vm->sched, &eff, &v2,
					   vr->resp);
	}
	free(t);
	return rc;
}

int rtdd_rtds_analyze(const struct rtdd_rtds_system *s,
		      struct rtdd_rtds_report *rep)
{
	struct rtdd_rtds_vcpu *copy = NULL;
	size_t total = 0;

	if (!s || !rep || !s->nvms || !s->vms)
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	for (size_t i = 0; i < s->nvms; i++)
		total += s->vms[i].vcpus ? s->vms[i].vcpus : 1;
	rep->vms = calloc(s->nvms, sizeof(*rep->vms));
	rep->vcpus = calloc(total, sizeof(*rep->vcpus));
	copy = calloc(total, sizeof(*copy));
	if (!rep->vms || !rep->vcpus || !copy) {
		free(copy);
		rtdd_rtds_report_dispose(rep);
		return -ENOMEM;
	}
	rep->nvms = s->nvms;
	rep->admitted = 1;
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s->vms[i];
		struct rtdd_rtds_vm_report *vr = &rep->vms[i];
		int n;

		vr->verdict.task = -1;
		vr->resp = calloc(vm->ntasks ? vm->ntasks : 1, sizeof(int64_t));
		if (!vr->resp) {
			free(copy);
			rtdd_rtds_report_dispose(rep);
			return -ENOMEM;
		}
		for (size_t k = 0; k < vm->ntasks; k++)
			vr->resp[k] = -1;
		vr->rc = analyze_vm(s, vm, vr);
		if (vr->rc == -ENOMEM) {
			free(copy);
			rtdd_rtds_report_dispose(rep);
			return -ENOMEM;
		}
		if (vr->rc || !vr->verdict.schedulable)
			rep->admitted = 0;
		vr->first_vcpu = rep->nvcpus;
		n = rtdd_rtds_to_vcpus(&vr->iface, rep->vcpus + rep->nvcpus,
				       total - rep->nvcpus);
		if (n < 0) {
			if (!vr->rc)
				vr->rc = n;
			rep->admitted = 0;
			continue;
		}
		for (int j = 0; j < n; j++) {
			struct rtdd_rtds_vcpu *c = &rep->vcpus[rep->nvcpus + j];

			c->vm = (unsigned)i;
			c->cpumask = vm->cpumask;
			c->extratime = vm->extratime;
		}
		rep->nvcpus += (size_t)n;
	}
	memcpy(copy, rep->vcpus, rep->nvcpus * sizeof(*copy));
	if (s->host == RTDD_RTDS_HOST_PEDF) {
		int failed = -1;

		rep->pool_rc = rtdd_rtds_partition(copy, rep->nvcpus, s->pcpus,
						   &failed);
		if (rep->pool_rc == 0)
			memcpy(rep->vcpus, copy, rep->nvcpus * sizeof(*copy));
		else {
			rep->pool.schedulable = 0;
			rep->pool.vcpu = failed;
			rep->pool.t = -1;
			rep->pool.test = "partitioning (first-fit decreasing)";
		}
	}
	if (rep->pool_rc == 0)
		rep->pool_rc = rtdd_rtds_pool_check(rep->vcpus, rep->nvcpus,
						    s->pcpus, &rep->pool);
	if (rep->pool_rc || !rep->pool.schedulable)
		rep->admitted = 0;
	free(copy);
	return 0;
}

int64_t rtdd_rtds_sim_horizon(const struct rtdd_rtds_system *s,
			      const struct rtdd_rtds_report *rep, int64_t cap)
{
	int64_t h = 1, pmax = 1;

	for (size_t i = 0; i < s->nvms; i++)
		for (size_t k = 0; k < s->vms[i].ntasks; k++) {
			const struct rtdd_rtds_task *t = &s->vms[i].tasks[k];

			if (t->kind == RTDD_RTDS_TASK_BACKGROUND)
				continue;
			if (t->period > pmax)
				pmax = t->period;
			if (h > 0)
				h = rtdd_rtds_lcm(h, t->period, cap);
		}
	for (size_t j = 0; rep && j < rep->nvcpus; j++) {
		if (rep->vcpus[j].period > pmax)
			pmax = rep->vcpus[j].period;
		if (h > 0)
			h = rtdd_rtds_lcm(h, rep->vcpus[j].period, cap);
	}
	if (h <= 0 || h > cap)
		h = cap;
	if (h < 2 * pmax)
		h = 2 * pmax < cap ? 2 * pmax : cap;
	return h;
}

int rtdd_rtds_sim_system(const struct rtdd_rtds_system *s,
			 const struct rtdd_rtds_report *rep,
			 const struct rtdd_rtds_sim_config *cfg,
			 struct rtdd_rtds_sim_result *res)
{
	struct rtdd_rtds_sim_vm *vms = NULL;
	struct rtdd_rtds_sim_vcpu *vc = NULL;
	int rc = -ENOMEM;

	if (!s || !rep || !cfg || !res || rep->nvms != s->nvms)
		return -EINVAL;
	vms = calloc(s->nvms, sizeof(*vms));
	vc = calloc(rep->nvcpus ? rep->nvcpus : 1, sizeof(*vc));
	if (!vms || !vc)
		goto out;
	for (size_t j = 0; j < rep->nvcpus; j++) {
		vc[j].period = rep->vcpus[j].period;
		vc[j].budget = rep->vcpus[j].budget;
		vc[j].cpumask = rep->vcpus[j].cpumask;
		vc[j].extratime = rep->vcpus[j].extratime;
	}
	for (size_t i = 0; i < s->nvms; i++) {
		vms[i].tasks = s->vms[i].tasks;
		vms[i].ntasks = s->vms[i].ntasks;
		vms[i].sched = s->vms[i].sched;
		vms[i].weight = s->vms[i].weight;
		vms[i].vcpus = vc + rep->vms[i].first_vcpu;
		vms[i].nvcpus = 0;
		for (size_t j = rep->vms[i].first_vcpu;
		     j < rep->nvcpus && rep->vcpus[j].vm == i; j++)
			vms[i].nvcpus++;
		if (!vms[i].nvcpus) {
			rc = -EINVAL; /* the VM got no VCPU (see its rc) */
			goto out;
		}
	}
	rc = rtdd_rtds_simulate(cfg, vms, s->nvms, res);
out:
	free(vms);
	free(vc);
	return rc;
}

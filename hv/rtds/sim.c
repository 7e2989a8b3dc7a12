// SPDX-License-Identifier: MIT
/*
 * Discrete-event simulator of one cpupool under Xen RTDS (gEDF of deferrable
 * or periodic servers, with cpumasks and extratime) or Xen credit1, with the
 * guests' tasks scheduled inside their VCPUs. Integer time throughout.
 *
 * Each step: the guests say how many of their VCPUs they can use (their
 * ready jobs), the host picks VCPUs for the pCPUs, the guests put their
 * highest-priority jobs on the VCPUs that run, and time advances to the
 * next event (release, completion, replenishment, budget exhaustion, credit
 * tick/slice/accounting, horizon).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/rtds.h"
#include "private.h"

#define QN 64 /* pending jobs kept per task; older ones are dropped as missed */

enum { CR_BOOST = 0, CR_UNDER = 1, CR_OVER = 2 };

#define CREDIT_TICK 10000
#define CREDIT_ACCT 30000

struct sjob {
	int64_t release, deadline, rem;
};

struct stask {
	const struct rtdd_rtds_task *t;
	int64_t dl;
	int bg;
	unsigned rank; /* RM/DM position */
	struct sjob q[QN];
	unsigned head, cnt;
	int64_t next_release;
	uint64_t rng;
	struct rtdd_rtds_sim_task_stats *st;
};

struct svcpu {
	const struct rtdd_rtds_sim_vcpu *p;
	unsigned vm, idx;
	int64_t left, deadline, next_repl;
	int cpu, last_cpu;
	int task; /* guest task it runs this step, -1 idle */
	int level;
	/* credit */
	int64_t credit, slice_end;
	int pri, awake, was_awake, active;
	uint64_t seq;
};

struct svm {
	const struct rtdd_rtds_sim_vm *p;
	struct stask *tasks;
	struct svcpu *vc;
	size_t *ready;
	size_t nready, assigned;
};

struct sim {
	const struct rtdd_rtds_sim_config *cfg;
	struct svm *vm;
	size_t nvm;
	struct svcpu **all; /* every VCPU */
	size_t nall;
	struct svcpu **cand;
	struct svcpu **run; /* per pCPU */
	uint64_t full, seqctr;
	int64_t now, tslice;
	struct rtdd_rtds_sim_result *res;
};

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void record(struct stask *k, const struct sjob *j, int64_t finish,
		   int completed)
{
	struct rtdd_rtds_sim_task_stats *st = k->st;
	int64_t rt = finish - j->release;
	int missed = finish > j->deadline || !completed;
	int b;

	st->jobs++;
	if (missed) {
		st->misses++;
		if (st->first_miss < 0 || j->deadline < st->first_miss)
			st->first_miss = j->deadline;
	}
	if (!completed)
		return;
	st->completed++;
	st->rt_sum += rt;
	if (st->completed == 1 || rt < st->rt_min)
		st->rt_min = rt;
	if (rt > st->rt_max)
		st->rt_max = rt;
	/* R/D in 10% buckets; (100%,150%] and beyond in the last two */
	if (rt <= k->dl)
		b = (int)((rt * 10 - 1) / k->dl);
	else if (rt * 2 <= k->dl * 3)
		b = 10;
	else
		b = 11;
	if (b < 0)
		b = 0;
	st->hist[b]++;
}

static void release(struct sim *s, struct stask *k)
{
	while (!k->bg && k->next_release <= s->now) {
		struct sjob j = {.release = k->next_release,
				 .deadline = k->next_release + k->dl,
				 .rem = k->t->wcet};

		if (k->cnt == QN) {
			/* backlog past QN jobs: the oldest is lost */
			record(k, &k->q[k->head], s->now, 0);
			k->head = (k->head + 1) % QN;
			k->cnt--;
		}
		k->q[(k->head + k->cnt) % QN] = j;
		k->cnt++;
		k->next_release += k->t->period;
		if (k->t->kind == RTDD_RTDS_TASK_SPORADIC && s->cfg->seed)
			k->next_release +=
				(int64_t)(xorshift(&k->rng) %
					  (uint64_t)(k->t->period / 2 + 1));
	}
}

/* guest: ready tasks in priority order */
static void guest_ready(struct svm *g)
{
	g->nready = 0;
	g->assigned = 0;
	for (size_t i = 0; i < g->p->ntasks; i++) {
		struct stask *k = &g->tasks[i];
		size_t j;

		if (!k->bg && !k->cnt)
			continue;
		j = g->nready++;
		while (j > 0) {
			struct stask *o = &g->tasks[g->ready[j - 1]];
			int before;

			if (k->bg != o->bg)
				before = o->bg;
			else if (k->bg)
				before = 0;
			else if (g->p->sched == RTDD_RTDS_SCHED_EDF)
				before = k->q[k->head].deadline <
					 o->q[o->head].deadline;
			else
				before = k->rank < o->rank;
			if (!before)
				break;
			g->ready[j] = g->ready[j - 1];
			j--;
		}
		g->ready[j] = i;
	}
}

static int cpu_for(struct sim *s, struct svcpu *v)
{
	uint64_t mask = v->p->cpumask ? v->p->cpumask : s->full;

	if (v->last_cpu >= 0 && !s->run[v->last_cpu] &&
	    (mask & (1ULL << v->last_cpu)))
		return v->last_cpu;
	for (unsigned c = 0; c < s->cfg->pcpus; c++)
		if (!s->run[c] && (mask & (1ULL << c)))
			return (int)c;
	return -1;
}

static int cand_before(const struct svcpu *a, const struct svcpu *b)
{
	if (a->level != b->level)
		return a->level < b->level;
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	if (a->vm != b->vm)
		return a->vm < b->vm;
	return a->idx < b->idx;
}

static void pick_rtds(struct sim *s)
{
	size_t nc = 0;

	for (size_t i = 0; i < s->nall; i++) {
		struct svcpu *v = s->all[i];
		size_t j;

		if (v->left > 0)
			v->level = 0;
		else if (v->p->extratime)
			v->level = 1;
		else
			continue;
		j = nc++;
		while (j > 0 && cand_before(v, s->cand[j - 1])) {
			s->cand[j] = s->cand[j - 1];
			j--;
		}
		s->cand[j] = v;
	}
	for (size_t i = 0; i < nc; i++) {
		struct svcpu *v = s->cand[i];
		struct svm *g = &s->vm[v->vm];
		int need = g->assigned < g->nready;
		int c;

		if (s->cfg->server == RTDD_RTDS_SERVER_PERIODIC &&
		    v->level == 0)
			need = 1; /* a periodic server runs, idle or not */
		if (!need)
			continue;
		c = cpu_for(s, v);
		if (c < 0)
			continue;
		s->run[c] = v;
		v->cpu = c;
		g->assigned++;
	}
}

static int64_t credit_prio_key(const struct svcpu *v)
{
	return v->pri;
}

static void credit_reprio(struct svcpu *v)
{
	v->pri = v->credit > 0 ? CR_UNDER : CR_OVER;
}

static void pick_credit(struct sim *s)
{
	/* which VCPUs are awake: as many as the guest has ready jobs, those
	 * that ran last step first, then by index */
	for (size_t g = 0; g < s->nvm; g++) {
		struct svm *vm = &s->vm[g];
		size_t want = vm->nready, n = 0;

		for (size_t i = 0; i < vm->p->nvcpus; i++) {
			struct svcpu *v = &vm->vc[i];

			v->was_awake = v->awake;
			v->awake = 0;
			if (v->cpu == -2 && n < want) {
				v->awake = 1;
				n++;
			}
		}
		for (size_t i = 0; i < vm->p->nvcpus && n < want; i++)
			if (!vm->vc[i].awake) {
				vm->vc[i].awake = 1;
				n++;
			}
		for (size_t i = 0; i < vm->p->nvcpus; i++) {
			struct svcpu *v = &vm->vc[i];

			if (v->awake && !v->was_awake) {
				/* wake-up: BOOST if UNDER, queue at the tail */
				v->seq = ++s->seqctr;
				v->active = 1;
				if (v->credit > 0)
					v->pri = CR_BOOST;
			} else if (!v->awake && v->was_awake &&
				   v->pri == CR_BOOST) {
				credit_reprio(v);
			}
		}
	}
	/* running VCPUs keep their pCPU until they sleep or their slice ends */
	for (size_t i = 0; i < s->nall; i++) {
		struct svcpu *v = s->all[i];

		if (v->cpu != -2)
			continue; /* -2: ran last step */
		v->cpu = -1;
		if (!v->awake)
			continue;
		if (s->now >= v->slice_end) {
			credit_reprio(v);
			v->seq = ++s->seqctr;
			continue;
		}
		if (!s->run[v->last_cpu]) {
			s->run[v->last_cpu] = v;
			v->cpu = v->last_cpu;
		}
	}
	/* waiting VCPUs by (priority, FIFO order) */
	for (;;) {
		struct svcpu *best = NULL;
		int c;

		for (size_t i = 0; i < s->nall; i++) {
			struct svcpu *v = s->all[i];

			if (!v->awake || v->cpu >= 0 || v->level == -1)
				continue;
			if (!best ||
			    credit_prio_key(v) < credit_prio_key(best) ||
			    (v->pri == best->pri && v->seq < best->seq))
				best = v;
		}
		if (!best)
			break;
		best->level = -1; /* considered */
		c = cpu_for(s, best);
		if (c < 0 && best->pri == CR_BOOST) {
			/* BOOST preempts the lowest-priority runner it may
			 * displace */
			uint64_t mask =
				best->p->cpumask ? best->p->cpumask : s->full;
			struct svcpu *victim = NULL;

			for (unsigned k = 0; k < s->cfg->pcpus; k++) {
				struct svcpu *r = s->run[k];

				if (!r || r->pri == CR_BOOST ||
				    !(mask & (1ULL << k)))
					continue;
				if (!victim || r->pri > victim->pri ||
				    (r->pri == victim->pri &&
				     r->seq > victim->seq))
					victim = r;
			}
			if (victim) {
				c = victim->cpu;
				victim->cpu = -1;
				victim->level = -1;
				victim->seq = ++s->seqctr;
				s->run[c] = NULL;
			}
		}
		if (c < 0)
			continue;
		s->run[c] = best;
		best->cpu = c;
		best->slice_end = s->now + s->tslice;
	}
	for (size_t i = 0; i < s->nall; i++)
		s->all[i]->level = 0;
	for (unsigned c = 0; c < s->cfg->pcpus; c++)
		if (s->run[c])
			s->vm[s->run[c]->vm].assigned++;
}

static void credit_account(struct sim *s)
{
	uint64_t wsum = 0;
	int64_t total = (int64_t)CREDIT_ACCT * s->cfg->pcpus;

	for (size_t g = 0; g < s->nvm; g++) {
		int act = 0;

		for (size_t i = 0; i < s->vm[g].p->nvcpus; i++)
			act |= s->vm[g].vc[i].active;
		if (act)
			wsum += s->vm[g].p->weight ? s->vm[g].p->weight : 256;
	}
	if (!wsum)
		return;
	for (size_t g = 0; g < s->nvm; g++) {
		struct svm *vm = &s->vm[g];
		unsigned w = vm->p->weight ? vm->p->weight : 256;
		size_t nact = 0;

		for (size_t i = 0; i < vm->p->nvcpus; i++)
			nact += vm->vc[i].active;
		if (!nact)
			continue;
		for (size_t i = 0; i < vm->p->nvcpus; i++) {
			struct svcpu *v = &vm->vc[i];

			if (!v->active)
				continue;
			v->credit +=
				(int64_t)((uint64_t)total * w / wsum / nact);
			if (v->credit > s->tslice)
				v->credit = s->tslice;
			if (v->credit < -s->tslice)
				v->credit = -s->tslice;
			/* csched_acct: UNDER or OVER by credit, BOOST ends */
			credit_reprio(v);
			v->active = v->awake;
		}
	}
}

static int add_seg(struct sim *s, unsigned cpu, const struct svcpu *v,
		   int64_t t0, int64_t t1)
{
	struct rtdd_rtds_sim_result *r = s->res;
	struct rtdd_rtds_sim_seg *last;

	if (!s->cfg->trace_max)
		return 0;
	for (size_t i = r->ntrace; i-- > 0;) {
		last = &r->trace[i];
		if (last->pcpu != cpu)
			continue;
		if (last->end == t0 && last->vm == v->vm &&
		    last->vcpu == v->idx && last->task == v->task) {
			last->end = t1;
			return 0;
		}
		break;
	}
	if (r->ntrace >= s->cfg->trace_max)
		return 0;
	r->trace[r->ntrace++] = (struct rtdd_rtds_sim_seg){.start = t0,
							   .end = t1,
							   .pcpu = cpu,
							   .vm = v->vm,
							   .vcpu = v->idx,
							   .task = v->task};
	return 0;
}

static int step(struct sim *s)
{
	int64_t dt = s->cfg->horizon - s->now;
	int credit = s->cfg->host == RTDD_RTDS_HOST_CREDIT;

	for (size_t g = 0; g < s->nvm; g++)
		guest_ready(&s->vm[g]);
	for (unsigned c = 0; c < s->cfg->pcpus; c++) {
		if (s->run[c]) {
			s->run[c]->last_cpu = (int)c;
			s->run[c]->cpu = credit ? -2 : -1;
		}
		s->run[c] = NULL;
	}
	if (credit)
		pick_credit(s);
	else
		pick_rtds(s);

	/* guests put their best ready jobs on the VCPUs that run */
	for (size_t g = 0; g < s->nvm; g++)
		s->vm[g].assigned = 0;
	for (unsigned c = 0; c < s->cfg->pcpus; c++) {
		struct svcpu *v = s->run[c];
		struct svm *g;

		if (!v)
			continue;
		g = &s->vm[v->vm];
		v->task = g->assigned < g->nready ? (int)g->ready[g->assigned]
						  : -1;
		g->assigned++;
		if (v->task >= 0 && !g->tasks[v->task].bg &&
		    g->tasks[v->task].q[g->tasks[v->task].head].rem < dt)
			dt = g->tasks[v->task].q[g->tasks[v->task].head].rem;
		if (!credit && v->level == 0 && v->left < dt)
			dt = v->left;
		if (credit && v->slice_end - s->now < dt)
			dt = v->slice_end - s->now;
	}
	for (size_t g = 0; g < s->nvm; g++) {
		for (size_t i = 0; i < s->vm[g].p->ntasks; i++) {
			struct stask *k = &s->vm[g].tasks[i];

			if (!k->bg && k->next_release - s->now < dt)
				dt = k->next_release - s->now;
		}
		for (size_t i = 0; !credit && i < s->vm[g].p->nvcpus; i++)
			if (s->vm[g].vc[i].next_repl - s->now < dt)
				dt = s->vm[g].vc[i].next_repl - s->now;
	}
	if (credit) {
		int64_t nt = (s->now / CREDIT_TICK + 1) * CREDIT_TICK;

		if (nt - s->now < dt)
			dt = nt - s->now;
	}
	if (dt <= 0)
		dt = 1; /* cannot happen with valid input; never stall */

	for (unsigned c = 0; c < s->cfg->pcpus; c++) {
		struct svcpu *v = s->run[c];

		if (!v)
			continue;
		add_seg(s, c, v, s->now, s->now + dt);
		s->res->vcpu_supply[v->vm][v->idx] += dt;
		if (credit)
			v->credit -= dt;
		else if (v->level == 0)
			v->left -= dt;
		if (v->task >= 0) {
			struct stask *k = &s->vm[v->vm].tasks[v->task];

			if (!k->bg)
				k->q[k->head].rem -= dt;
		}
	}
	s->now += dt;
	s->res->events++;

	/* completions */
	for (unsigned c = 0; c < s->cfg->pcpus; c++) {
		struct svcpu *v = s->run[c];
		struct stask *k;

		if (!v || v->task < 0)
			continue;
		k = &s->vm[v->vm].tasks[v->task];
		if (k->bg || !k->cnt || k->q[k->head].rem > 0)
			continue;
		record(k, &k->q[k->head], s->now, 1);
		k->head = (k->head + 1) % QN;
		k->cnt--;
	}
	/* releases */
	for (size_t g = 0; g < s->nvm; g++)
		for (size_t i = 0; i < s->vm[g].p->ntasks; i++)
			release(s, &s->vm[g].tasks[i]);
	/* RTDS replenishment: full budget, deadline at the end of the new
	 * period (rt.c rt_update_deadline) */
	for (size_t i = 0; !credit && i < s->nall; i++) {
		struct svcpu *v = s->all[i];

		while (v->next_repl <= s->now) {
			v->left = v->p->budget;
			v->deadline = v->next_repl + v->p->period;
			v->next_repl += v->p->period;
		}
	}
	if (credit && s->now % CREDIT_TICK == 0) {
		/* tick: a running BOOST VCPU drops to UNDER (csched_vcpu_acct) */
		for (unsigned c = 0; c < s->cfg->pcpus; c++)
			if (s->run[c] && s->run[c]->pri == CR_BOOST)
				credit_reprio(s->run[c]);
		if (s->now % CREDIT_ACCT == 0)
			credit_account(s);
	}
	return 0;
}

void rtdd_rtds_sim_result_dispose(struct rtdd_rtds_sim_result *res)
{
	if (!res)
		return;
	for (size_t g = 0; g < res->nvms; g++) {
		if (res->task)
			free(res->task[g]);
		if (res->vcpu_supply)
			free(res->vcpu_supply[g]);
	}
	free(res->task);
	free(res->vcpu_supply);
	free(res->ntasks);
	free(res->trace);
	memset(res, 0, sizeof(*res));
}

static int check_input(const struct rtdd_rtds_sim_config *cfg,
		       const struct rtdd_rtds_sim_vm *vms, size_t nvms)
{
	uint64_t full;

	if (!cfg || !vms || !nvms || cfg->pcpus < 1 || cfg->pcpus > 64 ||
	    cfg->horizon <= 0 || cfg->horizon > RTDD__RTDS_TIME_MAX ||
	    cfg->credit_tslice < 0)
		return -EINVAL;
	full = cfg->pcpus == 64 ? UINT64_MAX : ((1ULL << cfg->pcpus) - 1);
	for (size_t g = 0; g < nvms; g++) {
		const struct rtdd_rtds_sim_vm *vm = &vms[g];

		if ((vm->ntasks && !vm->tasks) || !vm->nvcpus || !vm->vcpus)
			return -EINVAL;
		for (size_t i = 0; i < vm->ntasks; i++)
			if (!rtdd__rtds_task_valid(&vm->tasks[i]))
				return -EINVAL;
		for (size_t i = 0; i < vm->nvcpus; i++) {
			const struct rtdd_rtds_sim_vcpu *v = &vm->vcpus[i];

			if (v->period <= 0 || v->budget <= 0 ||
			    v->budget > v->period || v->offset < 0 ||
			    v->period > RTDD__RTDS_TIME_MAX ||
			    (v->cpumask & ~full) ||
			    (v->cpumask && !(v->cpumask & full)))
				return -EINVAL;
		}
	}
	return 0;
}

int rtdd_rtds_simulate(const struct rtdd_rtds_sim_config *cfg,
		       const struct rtdd_rtds_sim_vm *vms, size_t nvms,
		       struct rtdd_rtds_sim_result *res)
{
	struct sim s = {.cfg = cfg};
	struct rtdd_rtds_sim_result r = {0};
	size_t *order = NULL;
	int rc;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	rc = check_input(cfg, vms, nvms);
	if (rc)
		return rc;
	s.res = &r;
	s.nvm = nvms;
	s.full = cfg->pcpus == 64 ? UINT64_MAX : ((1ULL << cfg->pcpus) - 1);
	s.tslice = cfg->credit_tslice ? cfg->credit_tslice : 30000;
	rc = -ENOMEM;
	r.nvms = nvms;
	r.horizon = cfg->horizon;
	r.ntasks = calloc(nvms, sizeof(*r.ntasks));
	r.task = calloc(nvms, sizeof(*r.task));
	r.vcpu_supply = calloc(nvms, sizeof(*r.vcpu_supply));
	s.vm = calloc(nvms, sizeof(*s.vm));
	s.run = calloc(cfg->pcpus, sizeof(*s.run));
	if (!r.ntasks || !r.task || !r.vcpu_supply || !s.vm || !s.run)
		goto out;
	if (cfg->trace_max) {
		r.trace = calloc(cfg->trace_max, sizeof(*r.trace));
		if (!r.trace)
			goto out;
	}
	for (size_t g = 0; g < nvms; g++)
		s.nall += vms[g].nvcpus;
	s.all = calloc(s.nall, sizeof(*s.all));
	s.cand = calloc(s.nall, sizeof(*s.cand));
	if (!s.all || !s.cand)
		goto out;
	s.nall = 0;
	for (size_t g = 0; g < nvms; g++) {
		const struct rtdd_rtds_sim_vm *p = &vms[g];
		struct svm *vm = &s.vm[g];
		size_t nt = p->ntasks ? p->ntasks : 1;

		vm->p = p;
		r.ntasks[g] = p->ntasks;
		r.task[g] = calloc(nt, sizeof(*r.task[g]));
		r.vcpu_supply[g] = calloc(p->nvcpus, sizeof(int64_t));
		vm->tasks = calloc(nt, sizeof(*vm->tasks));
		vm->ready = calloc(nt, sizeof(*vm->ready));
		vm->vc = calloc(p->nvcpus, sizeof(*vm->vc));
		order = calloc(nt, sizeof(*order));
		if (!r.task[g] || !r.vcpu_supply[g] || !vm->tasks ||
		    !vm->ready || !vm->vc || !order)
			goto out;
		rtdd_rtds_prio_order(p->tasks, p->ntasks, p->sched, order);
		for (size_t i = 0; i < p->ntasks; i++) {
			struct stask *k = &vm->tasks[i];

			k->t = &p->tasks[i];
			k->dl = rtdd__rtds_dl(k->t);
			k->bg = k->t->kind == RTDD_RTDS_TASK_BACKGROUND;
			k->next_release = k->t->offset;
			k->rng =
				cfg->seed ^ ((uint64_t)(g + 1) << 32) ^ (i + 1);
			k->st = &r.task[g][i];
			k->st->first_miss = -1;
			k->rank = 0;
			for (size_t q = 0; q < p->ntasks; q++)
				if (order[q] == i)
					k->rank = (unsigned)q;
		}
		free(order);
		order = NULL;
		for (size_t i = 0; i < p->nvcpus; i++) {
			struct svcpu *v = &vm->vc[i];

			v->p = &p->vcpus[i];
			v->vm = (unsigned)g;
			v->idx = (unsigned)i;
			v->cpu = v->last_cpu = -1;
			v->task = -1;
			v->pri = CR_UNDER;
			v->active = 1;
			/* steady state at 0: nobody "wakes up" into BOOST */
			v->awake = 1;
			v->credit = 0;
			/* offset: the first period boundary; before it the
			 * VCPU is in a period that began at offset - Π */
			v->next_repl = v->p->offset;
			v->deadline = v->p->offset;
			v->left = v->p->budget;
			s.all[s.nall++] = v;
		}
	}
	/* time 0: releases and first replenishments */
	for (size_t g = 0; g < nvms; g++)
		for (size_t i = 0; i < vms[g].ntasks; i++)
			release(&s, &s.vm[g].tasks[i]);
	for (size_t i = 0; i < s.nall; i++) {
		struct svcpu *v = s.all[i];

		while (v->next_repl <= 0) {
			v->left = v->p->budget;
			v->deadline = v->next_repl + v->p->period;
			v->next_repl += v->p->period;
		}
	}
	if (cfg->host == RTDD_RTDS_HOST_CREDIT)
		credit_account(&s);
	while (s.now < cfg->horizon)
		step(&s);
	/* jobs still pending whose deadline has passed are misses */
	for (size_t g = 0; g < nvms; g++)
		for (size_t i = 0; i < vms[g].ntasks; i++) {
			struct stask *k = &s.vm[g].tasks[i];

			for (unsigned q = 0; q < k->cnt; q++) {
				struct sjob *j = &k->q[(k->head + q) % QN];

				if (j->deadline < cfg->horizon ||
				    (j->deadline == cfg->horizon && j->rem > 0))
					record(k, j, cfg->horizon, 0);
			}
		}
	for (size_t g = 0; g < nvms; g++)
		for (size_t i = 0; i < vms[g].ntasks; i++)
			r.total_misses += r.task[g][i].misses;
	*res = r;
	memset(&r, 0, sizeof(r));
	rc = 0;
out:
	free(order);
	if (s.vm)
		for (size_t g = 0; g < nvms; g++) {
			free(s.vm[g].tasks);
			free(s.vm[g].ready);
			free(s.vm[g].vc);
		}
	free(s.vm);
	free(s.run);
	free(s.all);
	free(s.cand);
	rtdd_rtds_sim_result_dispose(&r);
	return rc;
}

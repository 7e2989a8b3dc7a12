// SPDX-License-Identifier: MIT
/*
 * RTDS on Linux: the (period, budget) of a VCPU becomes SCHED_DEADLINE for
 * the threads bound to it (runtime = budget, deadline = period = period,
 * SCHED_FLAG_RECLAIM for extratime) where the kernel accepts it. It refuses
 * SCHED_DEADLINE for a thread whose affinity is narrower than its root
 * domain (a cpupool smaller than the machine) and when admission fails;
 * then the thread gets SCHED_FIFO with a rate-monotonic priority (shorter
 * period, higher priority) and the pool's CPUs as affinity. What was applied
 * is returned to the caller of bind and logged.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtdd/log.h"
#include "simhv.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define FLAG_RESET_ON_FORK 0x01
#define FLAG_RECLAIM 0x02

struct attr {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
};

static int setattr(pid_t tid, uint32_t policy, uint32_t prio,
		   const struct rtdd_rtds_params *p)
{
	struct attr a = {.size = sizeof(a),
			 .policy = policy,
			 .flags = FLAG_RESET_ON_FORK,
			 .prio = prio};

	if (policy == SCHED_DEADLINE) {
		a.runtime = (uint64_t)p->budget_us * 1000;
		a.deadline = a.period = (uint64_t)p->period_us * 1000;
		if (p->extratime)
			a.flags |= FLAG_RECLAIM;
	}
	return syscall(SYS_sched_setattr, tid, &a, 0) ? -errno : 0;
}

static int set_affinity(pid_t tid, uint64_t cpus)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (unsigned i = 0; i < 64; i++)
		if (cpus & (1ull << i))
			CPU_SET(i, &set);
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

void sched_probe(void)
{
	struct rtdd_rtds_params p = {10000, 100, false};
	int status;
	pid_t pid;

	simhv->all_cpus = 0;
	for (long i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < 64; i++)
		simhv->all_cpus |= 1ull << i;
	pid = fork();
	if (pid == 0)
		_exit(setattr(0, SCHED_DEADLINE, 0, &p) ? 1 : 0);
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		simhv->features |= RTDD_HV_F_SCHED_DEADLINE;
		RTDD_LOG(INFO, "SCHED_DEADLINE available: RTDS parameters "
			       "become deadline reservations");
	} else {
		RTDD_LOG(WARN, "SCHED_DEADLINE refused by the kernel: RTDS "
			       "parameters become rate-monotonic SCHED_FIFO");
	}
}

/* Rate-monotonic: rank of the period among the bound VCPUs' periods. */
static int rm_prio(uint32_t period)
{
	uint32_t shorter[SIM_MAX_DOMS];
	unsigned n = 0;

	for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
		struct dom *d = simhv->doms[i];

		for (struct bthread *t = d ? d->threads : NULL; t;
		     t = t->next) {
			uint32_t q = d->rtds[t->vcpu].period_us;
			bool seen = false;

			if (q >= period)
				continue;
			for (unsigned k = 0; k < n; k++)
				seen |= shorter[k] == q;
			if (!seen && n < SIM_MAX_DOMS)
				shorter[n++] = q;
		}
	}
	return n >= 80 ? 10 : 90 - (int)n;
}

static void apply(struct dom *d, struct bthread *t, struct sim_rep *rep)
{
	const struct rtdd_rtds_params *p = &d->rtds[t->vcpu];
	struct pool *pool = &simhv->pools[d->pool];
	uint8_t applied = SIM_APPLIED_NONE;
	int prio = 0, err = 0, dl_err = 0;

	if (strcmp(pool->sched, "rtds")) {
		/* credit2 pool: fair share on the pool's CPUs */
		err = setattr(t->tid, SCHED_OTHER, 0, p);
		if (!err)
			err = set_affinity(t->tid, pool->cpus);
		goto out;
	}
	if ((simhv->features & RTDD_HV_F_SCHED_DEADLINE) &&
	    (pool->cpus & simhv->all_cpus) == simhv->all_cpus) {
		/* affinity first: DEADLINE needs the whole root domain */
		set_affinity(t->tid, simhv->all_cpus);
		dl_err = setattr(t->tid, SCHED_DEADLINE, 0, p);
		if (!dl_err) {
			applied = SIM_APPLIED_DEADLINE;
			goto out;
		}
	} else if (!(simhv->features & RTDD_HV_F_SCHED_DEADLINE)) {
		dl_err = -EPERM;
	} else {
		dl_err = -EINVAL; /* pool narrower than the root domain */
	}
	prio = rm_prio(p->period_us);
	err = setattr(t->tid, SCHED_FIFO, (uint32_t)prio, p);
	if (!err)
		err = set_affinity(t->tid, pool->cpus);
	if (!err)
		applied = SIM_APPLIED_FIFO;
out:
	if (rep) {
		rep->u.rtds.applied = applied;
		rep->u.rtds.prio = prio;
		rep->u.rtds.err = err;
		rep->u.rtds.dl_err = dl_err;
		rep->u.rtds.period_us = p->period_us;
		rep->u.rtds.budget_us = p->budget_us;
		rep->u.rtds.extratime = p->extratime;
	}
	if (applied == SIM_APPLIED_DEADLINE)
		RTDD_LOG(DEBUG, "dom%u vcpu%u tid %d: SCHED_DEADLINE %u/%u us",
			 d->domid, t->vcpu, (int)t->tid, p->budget_us,
			 p->period_us);
	else if (applied == SIM_APPLIED_FIFO)
		RTDD_LOG(DEBUG,
			 "dom%u vcpu%u tid %d: SCHED_FIFO %d (deadline: %s)",
			 d->domid, t->vcpu, (int)t->tid, prio,
			 strerror(-dl_err));
	else if (err)
		RTDD_LOG(DEBUG, "dom%u vcpu%u tid %d: nothing applied: %s",
			 d->domid, t->vcpu, (int)t->tid, strerror(-err));
}

int sched_bind(struct conn *c, unsigned vcpu, pid_t tid, struct sim_rep *rep)
{
	struct dom *d = c->dom;
	struct bthread *t;
	char path[64];

	if (vcpu >= d->vcpus)
		return -EINVAL;
	/* only the connecting process's own threads */
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)c->peer_pid,
		 (int)tid);
	if (tid <= 0 || access(path, F_OK))
		return -ESRCH;
	for (t = d->threads; t; t = t->next)
		if (t->tid == tid)
			break;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->tid = tid;
		t->pid = c->peer_pid;
		t->next = d->threads;
		d->threads = t;
		simhv->n_threads++;
	}
	t->vcpu = vcpu;
	t->owner = c->id;
	apply(d, t, rep);
	sched_reapply_all(); /* the new period may shift RM priorities */
	apply(d, t, rep);
	return 0;
}

void sched_reapply_all(void)
{
	for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
		struct dom *d = simhv->doms[i];

		for (struct bthread **pp = d ? &d->threads : NULL; pp && *pp;) {
			struct bthread *t = *pp;
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/task/%d",
				 (int)t->pid, (int)t->tid);
			if (access(path, F_OK)) { /* thread gone */
				*pp = t->next;
				free(t);
				simhv->n_threads--;
				continue;
			}
			apply(d, t, NULL);
			pp = &t->next;
		}
	}
}

void sched_drop_conn(struct dom *d, uint32_t conn_id)
{
	struct rtdd_rtds_params none = {0};
	char path[64];

	for (struct bthread **pp = &d->threads; *pp;) {
		struct bthread *t = *pp;

		if (t->owner != conn_id) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		/* the thread may live on without its context: back to normal */
		snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)t->pid,
			 (int)t->tid);
		if (!access(path, F_OK))
			setattr(t->tid, SCHED_OTHER, 0, &none);
		free(t);
		simhv->n_threads--;
	}
}

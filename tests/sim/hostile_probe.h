/* SPDX-License-Identifier: MIT */
/*
 * tests/sim/hostile_probe.h - the well-behaved guest of the hostile-guest
 * suites (tests/sim/blk/test_blk_hostile.c, tests/sim/net/
 * test_net_hostile.c), measured while the hostile cases run.
 *
 * A thread repeats one operation of a well-behaved guest (the suite's op:
 * a 4 KiB write and its read-back, one checked frame through the switch)
 * every HOSTILE_PROBE_PACE_US, times each one and counts errors. Every
 * case is one phase, begun and ended by cmocka per-test setup/teardown
 * (hostile_probe_begin/hostile_probe_end): at its end the phase must have
 * completed at least one operation, none with an error, none longer than
 * the budget. Each phase prints its count and maximum.
 *
 * The budget is a liveness and outlier bound, not a speed target: rtdd's
 * rule is that speed is never checked by timed tests (rtdd bench blk/net
 * measure latency, as ratios against baselines). It says how long one
 * operation of the good guest may take at worst while a hostile guest
 * works the same backend: RTDD_HOSTILE_BUDGET_MS, default 250 ms - far
 * above a service round of the backend (microseconds to a millisecond
 * here) and above the 1-50 ms stalls this shared 2-vCPU VM shows by
 * itself; times 4 under ASan, 10 under TSan; scripts/valgrind-sim.sh sets
 * 10000. A backend that let a hostile guest hold up its other guests for
 * a whole budget would fail.
 */
#ifndef RTDD_TESTS_HOSTILE_PROBE_H
#define RTDD_TESTS_HOSTILE_PROBE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define HOSTILE_PROBE_PACE_US 500
#define HOSTILE_PROBE_BUDGET_MS 250

struct hostile_probe {
	/* set by the suite before hostile_probe_start */
	int (*op)(void *arg); /* 0, or -errno / -EBADMSG on a bad answer */
	void *arg;
	const char *what;
	/* the rest is the probe's */
	pthread_t thr;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	bool started, stop, busy;
	unsigned pause;
	uint64_t budget_ns, op_start;
	/* this phase */
	uint64_t ops, errors, max_ns;
	int first_err;
	/* whole run */
	uint64_t total_ops, total_max_ns, phases;
};

static inline uint64_t hostile_probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t hostile_probe_budget_ns(void)
{
	const char *e = getenv("RTDD_HOSTILE_BUDGET_MS");
	uint64_t ms = HOSTILE_PROBE_BUDGET_MS;

	if (e && atoi(e) > 0)
		return (uint64_t)atoi(e) * 1000000ull;
#if defined(__SANITIZE_THREAD__)
	ms *= 10;
#elif defined(__SANITIZE_ADDRESS__)
	ms *= 4;
#endif
	return ms * 1000000ull;
}

static void *hostile_probe_thread(void *arg)
{
	struct hostile_probe *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		uint64_t t0, dt;
		int rc;

		if (p->pause) {
			pthread_cond_wait(&p->cv, &p->lock);
			continue;
		}
		p->busy = true;
		t0 = p->op_start = hostile_probe_now();
		pthread_mutex_unlock(&p->lock);
		rc = p->op(p->arg);
		dt = hostile_probe_now() - t0;
		pthread_mutex_lock(&p->lock);
		p->busy = false;
		p->ops++;
		p->total_ops++;
		if (dt > p->max_ns)
			p->max_ns = dt;
		if (dt > p->total_max_ns)
			p->total_max_ns = dt;
		if (rc) {
			if (!p->errors)
				p->first_err = rc;
			p->errors++;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->lock);
		usleep(HOSTILE_PROBE_PACE_US);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* 0 or -errno. */
static inline int hostile_probe_start(struct hostile_probe *p)
{
	int r;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->budget_ns = hostile_probe_budget_ns();
	r = pthread_create(&p->thr, NULL, hostile_probe_thread, p);
	if (r)
		return -r;
	p->started = true;
	printf("probe: %s, budget %llu ms per operation\n", p->what,
	       (unsigned long long)(p->budget_ns / 1000000));
	return 0;
}

static inline void hostile_probe_stop(struct hostile_probe *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thr, NULL);
	p->started = false;
	printf("probe: %s: %llu operations in %llu cases, max %.3f ms "
	       "(budget %llu ms)\n",
	       p->what, (unsigned long long)p->total_ops,
	       (unsigned long long)p->phases, p->total_max_ns / 1e6,
	       (unsigned long long)(p->budget_ns / 1000000));
}

/* Hold the probe between two operations (a case needs the good guest's
 * devices for itself), and let it go on. */
static inline void hostile_probe_pause(struct hostile_probe *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->pause++;
	while (p->busy)
		pthread_cond_wait(&p->cv, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static inline void hostile_probe_resume(struct hostile_probe *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->pause--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
}

static inline void hostile_probe_begin(struct hostile_probe *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->lock);
	p->ops = p->errors = p->max_ns = 0;
	p->first_err = 0;
	p->pause = 0; /* a case that failed while it held the probe */
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
}

/* Ends the phase of case name: 0 if it held, else -1 with the reason
 * printed. Waits (up to the budget and a second) for a first operation. */
static inline int hostile_probe_end(struct hostile_probe *p, const char *name)
{
	uint64_t deadline, ops, errors, max_ns, stuck = 0;
	int first_err;

	if (!p->started)
		return 0;
	deadline = hostile_probe_now() + p->budget_ns + 1000000000ull;
	pthread_mutex_lock(&p->lock);
	while (!p->ops && hostile_probe_now() < deadline) {
		pthread_mutex_unlock(&p->lock);
		usleep(1000);
		pthread_mutex_lock(&p->lock);
	}
	if (p->busy)
		stuck = hostile_probe_now() - p->op_start;
	ops = p->ops;
	errors = p->errors;
	max_ns = p->max_ns > stuck ? p->max_ns : stuck;
	first_err = p->first_err;
	p->phases++;
	pthread_mutex_unlock(&p->lock);
	printf("probe: %-40s %6llu ops, max %8.3f ms, %llu errors\n", name,
	       (unsigned long long)ops, max_ns / 1e6,
	       (unsigned long long)errors);
	if (errors) {
		printf("probe: FAIL %s: %llu errors of the good guest, first "
		       "%d\n",
		       name, (unsigned long long)errors, first_err);
		return -1;
	}
	if (!ops || max_ns > p->budget_ns) {
		printf("probe: FAIL %s: an operation of the good guest took "
		       "%.3f ms, beyond its budget of %llu ms%s\n",
		       name, max_ns / 1e6,
		       (unsigned long long)(p->budget_ns / 1000000),
		       ops ? "" : " (none completed)");
		return -1;
	}
	return 0;
}

#endif

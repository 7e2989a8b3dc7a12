// SPDX-License-Identifier: MIT
/* Service threads: priority classes, budgets, event/poll/hybrid modes. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "rtdd/hist.h"
#include "rtdd/be_svc.h"
#include "rtdd/log.h"

#define SVC_MAX_FDS 256

static const char *const mode_names[] = {"event", "poll", "hybrid"};
static const char *const class_names[] = {"rt", "be"};

int rtdd_svc_mode_parse(const char *s, enum rtdd_svc_mode *out)
{
	for (unsigned i = 0; i < 3; i++) {
		if (s && !strcmp(s, mode_names[i])) {
			*out = (enum rtdd_svc_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rtdd_svc_mode_name(enum rtdd_svc_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

int rtdd_svc_class_parse(const char *s, enum rtdd_svc_class *out)
{
	if (s && (!strcmp(s, "rt") || !strcmp(s, "RT"))) {
		*out = RTDD_SVC_RT;
		return 0;
	}
	if (s && (!strcmp(s, "be") || !strcmp(s, "best-effort"))) {
		*out = RTDD_SVC_BE;
		return 0;
	}
	return -EINVAL;
}

const char *rtdd_svc_class_name(enum rtdd_svc_class c)
{
	return (unsigned)c < RTDD_SVC_NCLASS ? class_names[c] : "?";
}

/* Poll loops look at the clock every turn: rtdd_fast_ns (TSC) costs
 * ~10 ns where clock_gettime costs ~200 ns on a VM. */
static inline uint64_t now_ns(void)
{
	return rtdd_fast_ns();
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static unsigned serve_item(struct rtdd_svc_item *it, unsigned budget)
{
	unsigned w = it->ops->serve(it, budget);

	it->last_round_work += w;
	if (w)
		__atomic_store_n(&it->st.work, it->st.work + w,
				 __ATOMIC_RELAXED);
	return w;
}

/* Each RT item up to what is left of its budget in this round. */
static unsigned serve_rt(struct rtdd_svc_item *const *items, unsigned n)
{
	unsigned total = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rtdd_svc_item *it = items[i];

		if (it->cls == RTDD_SVC_RT && it->last_round_work < it->budget)
			total += serve_item(it,
					    it->budget - it->last_round_work);
	}
	return total;
}

unsigned rtdd_svc_round(struct rtdd_svc_item *const *items, unsigned n)
{
	unsigned total = 0;
	bool have_rt = false;

	for (unsigned i = 0; i < n; i++) {
		items[i]->last_round_work = 0;
		__atomic_store_n(&items[i]->st.rounds, items[i]->st.rounds + 1,
				 __ATOMIC_RELAXED);
		have_rt |= items[i]->cls == RTDD_SVC_RT;
	}
	/* RT items first. */
	total += serve_rt(items, n);
	/*
	 * Best-effort items then get their budget, but when RT items share
	 * this thread, one request at a time with the RT rings looked at
	 * (and served) between any two: an RT request waits for at most one
	 * best-effort request in service, not for a whole best-effort
	 * budget. Looking at an idle ring costs a cache-line read.
	 */
	for (unsigned i = 0; i < n; i++) {
		struct rtdd_svc_item *it = items[i];
		unsigned done = 0;

		if (it->cls == RTDD_SVC_RT)
			continue;
		while (done < it->budget) {
			unsigned w =
				serve_item(it, have_rt ? 1 : it->budget - done);

			if (!w)
				break;
			done += w;
			total += w;
			if (have_rt)
				total += serve_rt(items, n);
		}
		if (done >= it->budget)
			__atomic_store_n(&it->st.budget_hits,
					 it->st.budget_hits + 1,
					 __ATOMIC_RELAXED);
	}
	for (unsigned i = 0; i < n; i++)
		if (items[i]->cls == RTDD_SVC_RT &&
		    items[i]->last_round_work >= items[i]->budget)
			__atomic_store_n(&items[i]->st.budget_hits,
					 items[i]->st.budget_hits + 1,
					 __ATOMIC_RELAXED);
	return total;
}

enum mbox_op { MBOX_NONE, MBOX_ADD, MBOX_REMOVE, MBOX_STOP };

struct rtdd_svc {
	pthread_t thread;
	bool started;
	struct rtdd_svc_cfg cfg;
	char name[32];
	struct rtdd_rt_report granted;
	bool warned_throttle; /* control thread: said once */
	int wake_fd;	      /* eventfd: control thread -> service thread */

	/* mailbox, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum mbox_op op;
	struct rtdd_svc_item *op_item;
	bool op_done;
	bool ready;
	int mbox_flag; /* atomic: op pending */

	/* service thread private */
	struct rtdd_svc_item *items[SVC_MAX_FDS];
	unsigned nitems;
};

/* Returns false when asked to stop. */
static bool mbox_process(struct rtdd_svc *svc)
{
	bool run = true;

	pthread_mutex_lock(&svc->lock);
	switch (svc->op) {
	case MBOX_ADD:
		if (svc->nitems < SVC_MAX_FDS) {
			svc->op_item->armed = false;
			svc->op_item->last_work_ns = now_ns();
			svc->items[svc->nitems++] = svc->op_item;
		}
		break;
	case MBOX_REMOVE:
		for (unsigned i = 0; i < svc->nitems; i++) {
			if (svc->items[i] == svc->op_item) {
				svc->items[i] = svc->items[--svc->nitems];
				break;
			}
		}
		break;
	case MBOX_STOP:
		run = false;
		break;
	case MBOX_NONE:
		break;
	}
	svc->op = MBOX_NONE;
	svc->op_done = true;
	__atomic_store_n(&svc->mbox_flag, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&svc->cond);
	pthread_mutex_unlock(&svc->lock);
	return run;
}

static void drain_wake(struct rtdd_svc *svc)
{
	uint64_t v;

	if (read(svc->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing to drain */
	}
}

static void sleep_on_items(struct rtdd_svc *svc)
{
	struct pollfd pfd[SVC_MAX_FDS + 1];
	int fds[8];
	unsigned n = 0;
	/* 1 s cap: a lost wake-up costs a second, never a hang. */
	uint64_t tmo = 1000000000ull;
	struct timespec ts;

	pfd[n].fd = svc->wake_fd;
	pfd[n].events = POLLIN;
	n++;
	for (unsigned i = 0; i < svc->nitems; i++) {
		unsigned k = svc->items[i]->ops->fds(svc->items[i], fds, 8);

		for (unsigned j = 0; j < k && n < SVC_MAX_FDS + 1; j++) {
			pfd[n].fd = fds[j];
			pfd[n].events = POLLIN;
			n++;
		}
		__atomic_store_n(&svc->items[i]->st.sleeps,
				 svc->items[i]->st.sleeps + 1,
				 __ATOMIC_RELAXED);
		if (svc->items[i]->max_sleep_ns &&
		    svc->items[i]->max_sleep_ns < tmo)
			tmo = svc->items[i]->max_sleep_ns;
	}
	ts.tv_sec = (time_t)(tmo / 1000000000ull);
	ts.tv_nsec = (long)(tmo % 1000000000ull);
	/* revents are written only when ppoll succeeds (not on EINTR). */
	if (ppoll(pfd, n, &ts, NULL) > 0 && pfd[0].revents)
		drain_wake(svc);
	for (unsigned i = 0; i < svc->nitems; i++) {
		svc->items[i]->ops->woken(svc->items[i]);
		svc->items[i]->armed = false;
	}
}

static void *svc_main(void *arg)
{
	struct rtdd_svc *svc = arg;

	(void)rtdd_rt_setup(&svc->cfg.rt, &svc->granted);
	pthread_mutex_lock(&svc->lock);
	svc->ready = true;
	pthread_cond_broadcast(&svc->cond);
	pthread_mutex_unlock(&svc->lock);

	for (;;) {
		unsigned work;
		uint64_t now;
		bool can_sleep;

		if (__atomic_load_n(&svc->mbox_flag, __ATOMIC_ACQUIRE) &&
		    !mbox_process(svc))
			break;
		work = rtdd_svc_round(svc->items, svc->nitems);
		now = now_ns();
		if (work) {
			for (unsigned i = 0; i < svc->nitems; i++) {
				struct rtdd_svc_item *it = svc->items[i];

				if (it->last_round_work) {
					it->last_work_ns = now;
					it->armed = false;
				}
			}
			continue;
		}
		can_sleep = true;
		for (unsigned i = 0; i < svc->nitems; i++) {
			struct rtdd_svc_item *it = svc->items[i];

			if (it->mode == RTDD_SVC_POLL) {
				can_sleep = false;
				continue;
			}
			if (it->armed)
				continue;
			if (it->mode == RTDD_SVC_HYBRID &&
			    now - it->last_work_ns < svc->cfg.spin_ns) {
				can_sleep = false;
				continue;
			}
			__atomic_store_n(&it->st.arms, it->st.arms + 1,
					 __ATOMIC_RELAXED);
			if (it->ops->arm(it)) {
				/* Work slipped in before the arm: serve it. */
				it->last_work_ns = now;
				can_sleep = false;
				continue;
			}
			it->armed = true;
		}
		if (can_sleep)
			sleep_on_items(svc);
		else
			cpu_relax();
	}
	rtdd_rt_release(&svc->granted);
	return NULL;
}

static void mbox_post(struct rtdd_svc *svc, enum mbox_op op,
		      struct rtdd_svc_item *it)
{
	uint64_t one = 1;

	pthread_mutex_lock(&svc->lock);
	while (svc->op != MBOX_NONE)
		pthread_cond_wait(&svc->cond, &svc->lock);
	svc->op = op;
	svc->op_item = it;
	svc->op_done = false;
	__atomic_store_n(&svc->mbox_flag, 1, __ATOMIC_RELEASE);
	if (write(svc->wake_fd, &one, sizeof(one)) < 0) {
		/* cannot fail short of a bad fd; the 1 s poll cap covers it */
	}
	while (!svc->op_done)
		pthread_cond_wait(&svc->cond, &svc->lock);
	pthread_mutex_unlock(&svc->lock);
}

int rtdd_svc_create(const struct rtdd_svc_cfg *cfg, rtdd_svc **svc_out)
{
	struct rtdd_svc *svc;
	int r;

	if (!cfg || !svc_out)
		return -EINVAL;
	rtdd_fastclock_init(); /* before any service thread reads it */
	svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	svc->cfg = *cfg;
	snprintf(svc->name, sizeof(svc->name), "%s",
		 cfg->name ? cfg->name : "rtdd-svc");
	svc->cfg.name = svc->name;
	pthread_mutex_init(&svc->lock, NULL);
	pthread_cond_init(&svc->cond, NULL);
	svc->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (svc->wake_fd < 0) {
		r = errno;
		free(svc);
		return -r;
	}
	r = pthread_create(&svc->thread, NULL, svc_main, svc);
	if (r) {
		close(svc->wake_fd);
		free(svc);
		return -r;
	}
	svc->started = true;
	(void)pthread_setname_np(svc->thread, svc->name);
	pthread_mutex_lock(&svc->lock);
	while (!svc->ready)
		pthread_cond_wait(&svc->cond, &svc->lock);
	pthread_mutex_unlock(&svc->lock);
	*svc_out = svc;
	return 0;
}

const struct rtdd_rt_report *rtdd_svc_granted(const rtdd_svc *svc)
{
	return &svc->granted;
}

void rtdd_svc_destroy(rtdd_svc *svc)
{
	if (!svc)
		return;
	if (svc->started) {
		mbox_post(svc, MBOX_STOP, NULL);
		pthread_join(svc->thread, NULL);
	}
	close(svc->wake_fd);
	pthread_mutex_destroy(&svc->lock);
	pthread_cond_destroy(&svc->cond);
	free(svc);
}

int rtdd_svc_add(rtdd_svc *svc, struct rtdd_svc_item *it)
{
	if (!svc || !it || !it->ops || !it->ops->serve || !it->ops->arm ||
	    !it->ops->fds || !it->ops->woken || !it->budget ||
	    (unsigned)it->cls >= RTDD_SVC_NCLASS || (unsigned)it->mode > 2)
		return -EINVAL;
	if (svc->nitems >= SVC_MAX_FDS)
		return -ENOSPC;
	if (it->mode == RTDD_SVC_POLL && rtdd_rt_throttled(&svc->granted) &&
	    !svc->warned_throttle) {
		svc->warned_throttle = true;
		RTDD_LOG(
			WARN,
			"%s: polls at SCHED_FIFO %d under kernel RT throttling "
			"(sched_rt_runtime_us %ld of %ld): it will be stopped "
			"for %ld ms every period; with a CPU of its own, write "
			"-1 to /proc/sys/kernel/sched_rt_runtime_us, else use "
			"hybrid mode (docs/driverdom.md)",
			svc->name, svc->granted.fifo_prio,
			svc->granted.rt_runtime_us, svc->granted.rt_period_us,
			(svc->granted.rt_period_us -
			 svc->granted.rt_runtime_us) /
				1000);
	}
	mbox_post(svc, MBOX_ADD, it);
	return 0;
}

void rtdd_svc_remove(rtdd_svc *svc, struct rtdd_svc_item *it)
{
	if (svc && it)
		mbox_post(svc, MBOX_REMOVE, it);
}

void rtdd_svc_item_stats(rtdd_svc *svc, const struct rtdd_svc_item *it,
			 struct rtdd_svc_item_stats *out)
{
	(void)svc;
	out->rounds = __atomic_load_n(&it->st.rounds, __ATOMIC_RELAXED);
	out->work = __atomic_load_n(&it->st.work, __ATOMIC_RELAXED);
	out->budget_hits =
		__atomic_load_n(&it->st.budget_hits, __ATOMIC_RELAXED);
	out->arms = __atomic_load_n(&it->st.arms, __ATOMIC_RELAXED);
	out->sleeps = __atomic_load_n(&it->st.sleeps, __ATOMIC_RELAXED);
}

/* SPDX-License-Identifier: MIT */
/*
 * rtdd/be_svc.h - backend service threads: rings served in priority classes
 * with per-ring budgets, in event, poll or hybrid mode (backends/common).
 *
 * A service thread owns a set of items (one per ring). Each round serves
 * every RT item (up to its budget of new requests), then every best-effort
 * item. So an RT request that arrives during a round waits at most for one
 * round of best-effort budgets before it is picked up: the bound the
 * admission analysis uses. Completions are not budgeted (they are bounded by
 * the queue depth of each ring).
 *
 * Modes, per item:
 *   RTDD_SVC_POLL    never notified: the ring's *_event field is left
 *                    behind, so the peer sends no events; the thread spins.
 *   RTDD_SVC_EVENT   armed (*_event set, final check) as soon as a round
 *                    finds it idle; the thread sleeps when all items are.
 *   RTDD_SVC_HYBRID  polled for spin_ns after its last work, then armed.
 * A thread that holds a POLL item never sleeps; its EVENT/HYBRID items are
 * still armed so their peers' notifications are not lost.
 *
 * Threads: add/remove/stats are called from any (control) thread; remove
 * returns only when the service thread no longer touches the item.
 */
#ifndef RTDD_BE_SVC_H
#define RTDD_BE_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtdd/rt.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rtdd_svc_mode {
	RTDD_SVC_EVENT = 0,
	RTDD_SVC_POLL = 1,
	RTDD_SVC_HYBRID = 2,
};

enum rtdd_svc_class {
	RTDD_SVC_RT = 0, /* served first in every round */
	RTDD_SVC_BE = 1, /* best effort */
	RTDD_SVC_NCLASS = 2,
};

/* "event"/"poll"/"hybrid" -> mode; -EINVAL otherwise. */
int rtdd_svc_mode_parse(const char *s, enum rtdd_svc_mode *out);
const char *rtdd_svc_mode_name(enum rtdd_svc_mode m);
int rtdd_svc_class_parse(const char *s, enum rtdd_svc_class *out);
const char *rtdd_svc_class_name(enum rtdd_svc_class c);

struct rtdd_svc_item;

struct rtdd_svc_item_ops {
	/* Complete finished work and take up to budget new requests.
	 * Returns how much was done (0: idle). Fast path: no allocation. */
	unsigned (*serve)(struct rtdd_svc_item *it, unsigned budget);
	/* Arm notifications and do the final check: true if work arrived
	 * meanwhile (the item is then served again, not slept on). */
	bool (*arm)(struct rtdd_svc_item *it);
	/* Up to max file descriptors that wake the item when it sleeps
	 * (event channel fd, I/O completion eventfd). Returns the count. */
	unsigned (*fds)(struct rtdd_svc_item *it, int *fds, unsigned max);
	/* After a sleep: acknowledge events (pending + unmask). */
	void (*woken)(struct rtdd_svc_item *it);
};

struct rtdd_svc_item_stats {
	uint64_t rounds;      /* rounds in which serve() was called */
	uint64_t work;	      /* sum of serve() results */
	uint64_t budget_hits; /* rounds that used the whole budget */
	uint64_t arms;	      /* arm() calls */
	uint64_t sleeps;      /* thread sleeps while this item was armed */
};

struct rtdd_svc_item {
	const struct rtdd_svc_item_ops *ops;
	void *priv;
	const char *name;
	enum rtdd_svc_mode mode;
	enum rtdd_svc_class cls;
	unsigned budget; /* new requests per round, >= 1 */
	/* EVENT/HYBRID: the longest sleep, for work no fd announces (a DPDK
	 * port's receive queue); 0: until an fd fires (1 s safety cap). */
	uint64_t max_sleep_ns;
	/* private to the service thread */
	bool armed;
	unsigned last_round_work;
	uint64_t last_work_ns;
	struct rtdd_svc_item_stats st;
	struct rtdd_svc_item *next;
};

typedef struct rtdd_svc rtdd_svc;

struct rtdd_svc_cfg {
	const char *name;
	struct rtdd_rt_req rt; /* util/rt.h: cpu, SCHED_FIFO, mlockall */
	uint64_t spin_ns;      /* hybrid: poll this long after last work */
};

/* Start a service thread. The thread applies cfg->rt to itself and
 * records what it was granted (rtdd_svc_granted) before create returns. */
int rtdd_svc_create(const struct rtdd_svc_cfg *cfg, rtdd_svc **svc_out);
void rtdd_svc_destroy(rtdd_svc *svc); /* items must be removed first */
const struct rtdd_rt_report *rtdd_svc_granted(const rtdd_svc *svc);
/* Add: takes effect at the next round. -EINVAL on a bad item. */
int rtdd_svc_add(rtdd_svc *svc, struct rtdd_svc_item *it);
/* Remove: when it returns the thread no longer calls the item. */
void rtdd_svc_remove(rtdd_svc *svc, struct rtdd_svc_item *it);
/* Copy of an item's counters (consistent between rounds). */
void rtdd_svc_item_stats(rtdd_svc *svc, const struct rtdd_svc_item *it,
			 struct rtdd_svc_item_stats *out);

/*
 * One round over a list of items, as the thread does it (exposed for unit
 * tests and for embedding in an application's own loop). items[] may be in
 * any order. RT items are served first, each up to its budget per round;
 * best-effort items then get up to their budget, one request at a time
 * with the RT items served (within what is left of their budgets) between
 * any two, so an RT request waits for at most one best-effort request.
 * Returns the work done.
 */
unsigned rtdd_svc_round(struct rtdd_svc_item *const *items, unsigned n);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BE_SVC_H */

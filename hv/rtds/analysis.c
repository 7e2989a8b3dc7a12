// SPDX-License-Identifier: MIT
/*
 * Compositional analysis over the periodic resource model (hv/rtds).
 * The formulas and their sources are in rtdd/rtds.h; this file keeps to
 * integer arithmetic except where it computes how far to search, which it
 * rounds up.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/rtds.h"
#include "private.h"

static int64_t div_floor(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t div_ceil(int64_t a, int64_t b)
{
	return -div_floor(-a, b);
}

int64_t rtdd_rtds_lcm(int64_t a, int64_t b, int64_t limit)
{
	int64_t x = a, y = b;

	if (a <= 0 || b <= 0)
		return -EINVAL;
	while (y) {
		int64_t r = x % y;

		x = y;
		y = r;
	}
	if (a / x > limit / b)
		return -ERANGE;
	return a / x * b;
}

int rtdd__rtds_task_valid(const struct rtdd_rtds_task *t)
{
	if (t->kind == RTDD_RTDS_TASK_BACKGROUND)
		return t->offset >= 0;
	if (t->period <= 0 || t->wcet <= 0 || t->offset < 0 ||
	    t->deadline < 0 || t->period > RTDD__RTDS_TIME_MAX)
		return 0;
	return t->wcet <= rtdd__rtds_dl(t) && rtdd__rtds_dl(t) <= t->period;
}

static int tasks_valid(const struct rtdd_rtds_task *tasks, size_t n)
{
	if (!tasks && n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!rtdd__rtds_task_valid(&tasks[i]))
			return 0;
	return 1;
}

static int iface_valid(const struct rtdd_rtds_iface *r)
{
	return r && r->m >= 1 && r->m <= 64 && r->period > 0 &&
	       r->period <= RTDD__RTDS_TIME_MAX && r->budget >= 0 &&
	       r->budget <= (int64_t)r->m * r->period;
}

static void verdict_init(struct rtdd_rtds_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->schedulable = 1;
	v->task = -1;
	v->t = -1;
}

/* ---- supply ------------------------------------------------------------ */

int64_t rtdd_rtds_sbf(const struct rtdd_rtds_iface *r, int64_t t)
{
	int64_t gap, y, rest;

	if (!r || r->period <= 0 || r->budget < 0 || r->budget > r->period)
		return -EINVAL;
	if (t <= 0 || r->budget == 0)
		return 0;
	gap = r->period - r->budget;
	if (t < gap)
		return 0;
	y = (t - gap) / r->period;
	rest = t - 2 * gap - y * r->period;
	return y * r->budget + (rest > 0 ? rest : 0);
}

int64_t rtdd_rtds_lsbf(const struct rtdd_rtds_iface *r, int64_t t)
{
	__int128 num;

	if (!r || r->period <= 0 || r->budget < 0 || r->budget > r->period)
		return -EINVAL;
	num = (__int128)r->budget * (t - 2 * (r->period - r->budget));
	if (num <= 0)
		return 0;
	return (int64_t)(num / r->period);
}

int64_t rtdd_rtds_mpr_sbf(const struct rtdd_rtds_iface *r, int64_t t)
{
	int64_t tp, k, x, extra;

	if (!iface_valid(r))
		return -EINVAL;
	if (r->m == 1)
		return rtdd_rtds_sbf(r, t);
	if (t <= 0 || r->budget == 0)
		return 0;
	tp = t - (r->period - div_ceil(r->budget, r->m));
	if (tp < 0)
		return 0;
	k = tp / r->period;
	x = tp - k * r->period;
	extra = (int64_t)r->m * x - ((int64_t)r->m * r->period - r->budget);
	return k * r->budget + (extra > 0 ? extra : 0);
}

int64_t rtdd_rtds_sbf_inverse(const struct rtdd_rtds_iface *r, int64_t s)
{
	int64_t y, lo, hi;

	if (!iface_valid(r))
		return -EINVAL;
	if (s <= 0)
		return 0;
	if (r->budget == 0)
		return -ERANGE;
	if (r->m == 1) {
		y = div_ceil(s, r->budget) - 1;
		return 2 * (r->period - r->budget) + y * r->period +
		       (s - y * r->budget);
	}
	/* sbf is non-decreasing in t: bisect between a lower and an upper
	 * bound taken from k full periods. */
	lo = 0;
	hi = (div_ceil(s, r->budget) + 2) * r->period;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (rtdd_rtds_mpr_sbf(r, mid) >= s)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- demand ------------------------------------------------------------ */

int64_t rtdd_rtds_dbf(const struct rtdd_rtds_task *tasks, size_t n, int64_t t)
{
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		const struct rtdd_rtds_task *k = &tasks[i];
		int64_t d = rtdd__rtds_dl(k);

		if (k->kind == RTDD_RTDS_TASK_BACKGROUND || t < d)
			continue;
		sum += ((t - d) / k->period + 1) * k->wcet;
	}
	return sum;
}

void rtdd_rtds_prio_order(const struct rtdd_rtds_task *tasks, size_t n,
			  enum rtdd_rtds_sched sched, size_t *order_out)
{
	/* insertion sort: stable, n is small, and no global comparator state */
	for (size_t i = 0; i < n; i++)
		order_out[i] = i;
	if (sched == RTDD_RTDS_SCHED_EDF)
		return;
	for (size_t i = 1; i < n; i++) {
		size_t cur = order_out[i], j = i;

		while (j > 0) {
			const struct rtdd_rtds_task *a = &tasks[cur];
			const struct rtdd_rtds_task *b =
				&tasks[order_out[j - 1]];
			int64_t ka = sched == RTDD_RTDS_SCHED_RM
					     ? a->period
					     : rtdd__rtds_dl(a);
			int64_t kb = sched == RTDD_RTDS_SCHED_RM
					     ? b->period
					     : rtdd__rtds_dl(b);
			int bga = a->kind == RTDD_RTDS_TASK_BACKGROUND;
			int bgb = b->kind == RTDD_RTDS_TASK_BACKGROUND;

			if (bga > bgb || (bga == bgb && ka >= kb))
				break;
			order_out[j] = order_out[j - 1];
			j--;
		}
		order_out[j] = cur;
	}
}

int64_t rtdd_rtds_rbf(const struct rtdd_rtds_task *tasks, size_t n,
		      const size_t *order, size_t i, int64_t t)
{
	int64_t sum = tasks[i].wcet;

	for (size_t p = 0; p < n && order[p] != i; p++) {
		const struct rtdd_rtds_task *k = &tasks[order[p]];

		if (k->kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		sum += div_ceil(t, k->period) * k->wcet;
	}
	return sum;
}

/* ---- EDF over Γ ---------------------------------------------------------- */

int rtdd_rtds_edf_check(const struct rtdd_rtds_task *tasks, size_t n,
			const struct rtdd_rtds_iface *r,
			struct rtdd_rtds_verdict *v)
{
	long double u = 0, b = 0, alpha, bound = INFINITY;
	int64_t *next = NULL, dmax = 0, hyper = 1, limit, demand = 0;
	int rc = 0;

	verdict_init(v);
	if (!tasks_valid(tasks, n) || !iface_valid(r) || r->m != 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct rtdd_rtds_task *k = &tasks[i];

		if (k->kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		u += (long double)k->wcet / k->period;
		b += (long double)(k->period - rtdd__rtds_dl(k)) * k->wcet /
		     k->period;
		if (rtdd__rtds_dl(k) > dmax)
			dmax = rtdd__rtds_dl(k);
		if (hyper > 0)
			hyper = rtdd_rtds_lcm(hyper, k->period,
					      RTDD__RTDS_TIME_MAX);
	}
	if (dmax == 0)
		return 0; /* nothing to schedule */
	if (r->budget == 0) {
		v->schedulable = 0;
		for (size_t i = 0; i < n; i++)
			if (tasks[i].kind != RTDD_RTDS_TASK_BACKGROUND) {
				v->task = (int)i;
				v->t = rtdd__rtds_dl(&tasks[i]);
				v->demand = rtdd_rtds_dbf(tasks, n, v->t);
				break;
			}
		return 0;
	}
	alpha = (long double)r->budget / r->period;
	if (u < alpha * (1 - 1e-12L))
		bound = (b + 2 * alpha * (r->period - r->budget)) /
				(alpha - u) +
			1;
	if (hyper > 0) {
		int64_t l = rtdd_rtds_lcm(hyper, r->period,
					  RTDD__RTDS_TIME_MAX / 4);

		if (l > 0 && (long double)l + dmax + r->period < bound)
			bound = (long double)l +
				(dmax > r->period ? dmax : r->period);
	}
	if (u > alpha * (1 + 1e-12L))
		bound = INFINITY; /* overloaded: walk until it fails */
	limit = bound > (long double)RTDD__RTDS_TIME_MAX
			? RTDD__RTDS_TIME_MAX
			: (int64_t)ceill(bound);

	next = calloc(n, sizeof(*next));
	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		next[i] = tasks[i].kind == RTDD_RTDS_TASK_BACKGROUND
				  ? INT64_MAX
				  : rtdd__rtds_dl(&tasks[i]);
	for (;;) {
		int64_t t = INT64_MAX, supply;
		int first = -1;

		for (size_t i = 0; i < n; i++)
			if (next[i] < t)
				t = next[i];
		if (t > limit)
			break;
		for (size_t i = 0; i < n; i++)
			if (next[i] == t) {
				demand += tasks[i].wcet;
				next[i] += tasks[i].period;
				if (first < 0)
					first = (int)i;
			}
		if (++v->points > RTDD_RTDS_MAX_POINTS ||
		    v->points * n > RTDD__RTDS_MAX_WORK) {
			rc = u > alpha ? 0 : -E2BIG;
			v->schedulable = 0;
			break;
		}
		supply = rtdd_rtds_sbf(r, t);
		if (demand > supply) {
			v->schedulable = 0;
			v->task = first;
			v->t = t;
			v->demand = demand;
			v->supply = supply;
			break;
		}
	}
	free(next);
	return rc;
}

/* ---- fixed priority over Γ ------------------------------------------------ */

int rtdd_rtds_fp_check(const struct rtdd_rtds_task *tasks, size_t n,
		       enum rtdd_rtds_sched sched,
		       const struct rtdd_rtds_iface *r,
		       struct rtdd_rtds_verdict *v, int64_t *resp_out)
{
	size_t *order;

	verdict_init(v);
	if (!tasks_valid(tasks, n) || !iface_valid(r) || r->m != 1 ||
	    sched == RTDD_RTDS_SCHED_EDF)
		return -EINVAL;
	order = calloc(n ? n : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	rtdd_rtds_prio_order(tasks, n, sched, order);
	for (size_t p = 0; p < n; p++) {
		size_t i = order[p];
		const struct rtdd_rtds_task *k = &tasks[i];
		int64_t d = rtdd__rtds_dl(k), resp = -1, cur;

		if (k->kind == RTDD_RTDS_TASK_BACKGROUND) {
			if (resp_out)
				resp_out[i] = -1;
			continue;
		}
		cur = r->budget ? rtdd_rtds_sbf_inverse(r, k->wcet) : d + 1;
		while (cur <= d) {
			int64_t next = rtdd_rtds_sbf_inverse(
				r, rtdd_rtds_rbf(tasks, n, order, i, cur));

			if (++v->points * n > RTDD__RTDS_MAX_WORK) {
				free(order);
				v->schedulable = 0;
				return -E2BIG;
			}
			if (next == cur) {
				resp = cur;
				break;
			}
			cur = next;
		}
		if (resp_out)
			resp_out[i] = resp;
		if (resp < 0 && v->schedulable) {
			v->schedulable = 0;
			v->task = (int)i;
			v->t = d;
			v->demand = rtdd_rtds_rbf(tasks, n, order, i, d);
			v->supply = rtdd_rtds_sbf(r, d);
		}
	}
	free(order);
	return 0;
}

/* ---- gEDF over ⟨Π,Θ,m'⟩ [SEL08] ------------------------------------------- */

/* Î and Ī of [SEL08] Theorem 1 for task i against task k at t = A_k + D_k */
static void interference(const struct rtdd_rtds_task *ti, int is_k,
			 const struct rtdd_rtds_task *tk, int64_t ak,
			 int64_t *hat, int64_t *flat)
{
	int64_t t = ak + rtdd__rtds_dl(tk);
	int64_t act = (t + ti->period - rtdd__rtds_dl(ti)) / ti->period;
	int64_t w = act * ti->wcet;
	int64_t ci = t - act * ti->period;
	int64_t wbar;

	ci = ci < 0 ? 0 : (ci > ti->wcet ? ti->wcet : ci);
	wbar = w + ci;
	if (is_k) {
		*hat = w - tk->wcet < ak ? w - tk->wcet : ak;
		*flat = wbar - tk->wcet < ak ? wbar - tk->wcet : ak;
	} else {
		/* discrete time: τ_k misses only if it is kept off the CPUs
		 * in at least t - C_k + 1 slots, so this is what one task can
		 * contribute ([BCL09]'s +1; with it the test is at least as
		 * strict as [BCL09] on dedicated CPUs) */
		int64_t cap = t - tk->wcet + 1;

		*hat = w < cap ? w : cap;
		*flat = wbar < cap ? wbar : cap;
	}
}

static int64_t dem(const struct rtdd_rtds_task *tasks, size_t n, size_t k,
		   unsigned m, int64_t ak, int64_t *diff)
{
	int64_t sum = (int64_t)m * tasks[k].wcet;
	size_t nd = 0;

	for (size_t i = 0; i < n; i++) {
		int64_t hat, flat;

		if (tasks[i].kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		interference(&tasks[i], i == k, &tasks[k], ak, &hat, &flat);
		sum += hat;
		diff[nd++] = flat - hat;
	}
	/* add the m-1 largest differences (partial selection, m is small) */
	for (unsigned j = 0; j + 1 < m && j < nd; j++) {
		size_t best = j;

		for (size_t i = j + 1; i < nd; i++)
			if (diff[i] > diff[best])
				best = i;
		int64_t tmp = diff[j];

		diff[j] = diff[best];
		diff[best] = tmp;
		if (diff[j] > 0)
			sum += diff[j];
	}
	return sum;
}

/*
 * Walk A_k over [0, amax]. DEM is non-decreasing in A_k (every Î, Ī is, and
 * DEM is a maximum over sets of their sums) and so is sbf, so a range
 * [a, b] is safe when DEM(b) <= sbf(a + D_k). Ranges that are not get split
 * until they are, or until a single A_k fails: the result is exact at every
 * integer A_k, with few evaluations where the condition holds with room.
 */
static int gedf_walk(const struct rtdd_rtds_task *tasks, size_t n, size_t k,
		     const struct rtdd_rtds_iface *r, int64_t amax,
		     int64_t *diff, struct rtdd_rtds_verdict *v)
{
	int64_t st[2 * 140], dk = rtdd__rtds_dl(&tasks[k]);
	int top = 0;
	const int64_t seg = 8;

	/* 8 first ranges, pushed so that they pop in ascending order */
	for (int64_t i = seg - 1; i >= 0; i--) {
		int64_t a = amax / seg * i + (i < amax % seg ? i : amax % seg);
		int64_t b = amax / seg * (i + 1) +
			    (i + 1 < amax % seg ? i + 1 : amax % seg) - 1;

		if (i == seg - 1)
			b = amax;
		if (b < a)
			continue;
		if (top + 2 > (int)(sizeof(st) / sizeof(st[0])))
			return -E2BIG;
		st[top++] = a;
		st[top++] = b;
	}
	while (top) {
		int64_t b = st[--top], a = st[--top], d, s, mid;

		d = dem(tasks, n, k, r->m, b, diff);
		s = rtdd_rtds_mpr_sbf(r, a + dk);
		if (++v->points > RTDD_RTDS_MAX_POINTS ||
		    v->points * n * r->m > RTDD__RTDS_MAX_WORK) {
			v->schedulable = 0;
			return -E2BIG;
		}
		if (d <= s)
			continue;
		if (a == b) {
			v->schedulable = 0;
			v->task = (int)k;
			v->t = a + dk;
			v->demand = d;
			v->supply = s;
			return 0;
		}
		mid = a + (b - a) / 2;
		if (top + 4 > (int)(sizeof(st) / sizeof(st[0])))
			return -E2BIG;
		st[top++] = mid + 1;
		st[top++] = b;
		st[top++] = a;
		st[top++] = mid;
	}
	return 0;
}

int rtdd_rtds_gedf_check(const struct rtdd_rtds_task *tasks, size_t n,
			 const struct rtdd_rtds_iface *r,
			 struct rtdd_rtds_verdict *v)
{
	long double ut = 0, ub = 0, alpha;
	int64_t *diff, *cs;
	int64_t csum = 0;
	size_t nrt = 0;
	int rc = 0;

	verdict_init(v);
	if (!tasks_valid(tasks, n) || !iface_valid(r))
		return -EINVAL;
	diff = calloc(n ? n : 1, sizeof(*diff));
	cs = calloc(n ? n : 1, sizeof(*cs));
	if (!diff || !cs) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rtdd_rtds_task *k = &tasks[i];

		if (k->kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		ut += (long double)k->wcet / k->period;
		ub += (long double)(k->period - rtdd__rtds_dl(k)) * k->wcet /
		      k->period;
		cs[nrt++] = k->wcet;
	}
	if (!nrt)
		goto out;
	/* C_Σ: the m'-1 largest WCETs */
	for (unsigned j = 0; j + 1 < r->m && j < nrt; j++) {
		size_t best = j;

		for (size_t i = j + 1; i < nrt; i++)
			if (cs[i] > cs[best])
				best = i;
		int64_t tmp = cs[j];

		cs[j] = cs[best];
		cs[best] = tmp;
		csum += cs[j];
	}
	alpha = (long double)r->budget / r->period;
	for (size_t k = 0; k < n; k++) {
		const struct rtdd_rtds_task *tk = &tasks[k];
		int64_t dk = rtdd__rtds_dl(tk), amax;
		long double tb;

		if (tk->kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		if (alpha <= ut) {
			/* the test cannot bound A_k: refuse (sufficient test) */
			v->schedulable = 0;
			v->task = (int)k;
			v->t = dk;
			v->demand = dem(tasks, n, k, r->m, 0, diff);
			v->supply = rtdd_rtds_mpr_sbf(r, dk);
			goto out;
		}
		/* DEM(t) <= (m'-1)C_k + U_T t + Σ(T_i-D_i)U_i + C_Σ and
		 * sbf(t) >= α(t - 2(Π - Θ/m')): past their crossing the
		 * condition holds (derivation in docs/rtds.md). */
		tb = ((long double)(r->m - 1) * tk->wcet + ub + csum +
		      2 * alpha * (r->period - (long double)r->budget / r->m)) /
			     (alpha - ut) +
		     1;
		if (tb > (long double)RTDD__RTDS_TIME_MAX) {
			rc = -E2BIG;
			v->schedulable = 0;
			goto out;
		}
		amax = (int64_t)ceill(tb) - dk;
		if (amax < 0)
			amax = 0;
		rc = gedf_walk(tasks, n, k, r, amax, diff, v);
		if (rc || !v->schedulable)
			goto out;
	}
out:
	free(diff);
	free(cs);
	return rc;
}

int rtdd_rtds_check(const struct rtdd_rtds_task *tasks, size_t n,
		    enum rtdd_rtds_sched sched, const struct rtdd_rtds_iface *r,
		    struct rtdd_rtds_verdict *v)
{
	if (!r || !v)
		return -EINVAL;
	if (r->m > 1) {
		if (sched != RTDD_RTDS_SCHED_EDF) {
			verdict_init(v);
			return -EOPNOTSUPP;
		}
		return rtdd_rtds_gedf_check(tasks, n, r, v);
	}
	if (sched == RTDD_RTDS_SCHED_EDF)
		return rtdd_rtds_edf_check(tasks, n, r, v);
	return rtdd_rtds_fp_check(tasks, n, sched, r, v, NULL);
}

/* ---- interface selection ---------------------------------------------- */

struct rtdd_rtds_task *rtdd_rtds_inflate(const struct rtdd_rtds_task *tasks,
					 size_t n,
					 const struct rtdd_rtds_opts *o)
{
	struct rtdd_rtds_task *c = calloc(n ? n : 1, sizeof(*c));

	if (!c)
		return NULL;
	if (n)
		memcpy(c, tasks, n * sizeof(*c));
	for (size_t i = 0; o && o->ctx_switch > 0 && i < n; i++) {
		if (c[i].kind == RTDD_RTDS_TASK_BACKGROUND)
			continue;
		if (!c[i].deadline)
			c[i].deadline = c[i].period;
		c[i].wcet += 2 * o->ctx_switch;
	}
	return c;
}

int rtdd_rtds_min_budget(const struct rtdd_rtds_task *tasks, size_t n,
			 enum rtdd_rtds_sched sched, int64_t period, unsigned m,
			 const struct rtdd_rtds_opts *o, int64_t *budget_out,
			 struct rtdd_rtds_verdict *v)
{
	struct rtdd_rtds_iface r = {.period = period, .m = m};
	struct rtdd_rtds_verdict tmp;
	int64_t minb = o && o->min_budget > 0 ? o->min_budget : 1;
	int64_t lo, hi, over;
	int rc;

	if (!v)
		v = &tmp;
	if (m < 1 || m > 64 || period <= 0 || !budget_out)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (tasks[i].kind != RTDD_RTDS_TASK_BACKGROUND &&
		    tasks[i].wcet > rtdd__rtds_dl(&tasks[i])) {
			/* WCET inflated past the deadline: no budget helps */
			verdict_init(v);
			v->schedulable = 0;
			v->task = (int)i;
			v->t = rtdd__rtds_dl(&tasks[i]);
			v->demand = tasks[i].wcet;
			v->supply = v->t;
			return -ENOSPC;
		}
	/* the VCPUs' own switch-in, δ per VCPU per period, comes out of the
	 * budget: search the effective budget, hand out effective + m·δ */
	over = o && o->ctx_switch > 0 ? (int64_t)m * o->ctx_switch : 0;
	hi = (int64_t)m * period - over;
	if (hi < 1) {
		verdict_init(v);
		v->schedulable = 0;
		return -ENOSPC;
	}
	lo = minb * m - over;
	if (lo < 1)
		lo = 1;
	if (lo > hi)
		lo = hi;
	r.budget = hi;
	rc = rtdd_rtds_check(tasks, n, sched, &r, v);
	if (rc < 0 && rc != -E2BIG)
		return rc;
	if (rc == -E2BIG || !v->schedulable)
		return -ENOSPC;
	/* invariant: hi passes; find the smallest passing budget >= lo */
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		struct rtdd_rtds_verdict vm;

		r.budget = mid;
		rc = rtdd_rtds_check(tasks, n, sched, &r, &vm);
		if (rc < 0 && rc != -E2BIG)
			return rc;
		if (rc == 0 && vm.schedulable)
			hi = mid;
		else
			lo = mid + 1;
	}
	r.budget = hi;
	rc = rtdd_rtds_check(tasks, n, sched, &r, v);
	if (rc < 0)
		return rc;
	*budget_out = hi + over;
	return 0;
}

int rtdd_rtds_choose_period(const struct rtdd_rtds_task *tasks, size_t n,
			    enum rtdd_rtds_sched sched, unsigned m,
			    int64_t pmin, int64_t pmax, int64_t step,
			    const struct rtdd_rtds_opts *o,
			    struct rtdd_rtds_iface *out)
{
	struct rtdd_rtds_iface best = {0};
	int rc, found = 0;

	if (pmin <= 0 || pmax < pmin || step <= 0 || !out ||
	    (pmax - pmin) / step > 100000)
		return -EINVAL;
	for (int64_t p = pmin; p <= pmax; p += step) {
		int64_t b;

		rc = rtdd_rtds_min_budget(tasks, n, sched, p, m, o, &b, NULL);
		if (rc == -ENOSPC)
			continue;
		if (rc < 0)
			return rc;
		/* smaller Θ/Π wins; at equal bandwidth the longer period */
		if (!found ||
		    (__int128)b * best.period <= (__int128)best.budget * p) {
			best.period = p;
			best.budget = b;
			best.m = m;
			found = 1;
		}
	}
	if (!found)
		return -ENOSPC;
	*out = best;
	return 0;
}

/* ---- VCPUs and the cpupool ------------------------------------------------ */

int rtdd_rtds_to_vcpus(const struct rtdd_rtds_iface *r,
		       struct rtdd_rtds_vcpu *out, size_t max)
{
	int64_t base, extra;

	if (!iface_valid(r) || r->budget <= 0 || r->period < RTDD_RTDS_MIN_US)
		return -EINVAL;
	if (max < r->m || !out)
		return -ENOSPC;
	base = r->budget / r->m;
	extra = r->budget % r->m;
	for (unsigned j = 0; j < r->m; j++) {
		int64_t b = base + ((int64_t)j < extra ? 1 : 0);

		if (b < RTDD_RTDS_MIN_US)
			b = RTDD_RTDS_MIN_US;
		if (b > r->period)
			return -EINVAL;
		memset(&out[j], 0, sizeof(out[j]));
		out[j].period = r->period;
		out[j].budget = b;
	}
	return (int)r->m;
}

/* work of a deferrable server's jobs with deadlines inside a window of L */
static int64_t dbf_ds(const struct rtdd_rtds_vcpu *c, int64_t l)
{
	int64_t rem;

	if (l <= 0)
		return 0;
	rem = l % c->period;
	return l / c->period * c->budget + (rem < c->budget ? rem : c->budget);
}

/* next breakpoint of dbf_ds for c at or after x: jΠ or jΠ+Θ */
static int64_t ds_next_bp(const struct rtdd_rtds_vcpu *c, int64_t x)
{
	int64_t j = x / c->period, base = j * c->period;

	if (base >= x)
		return base;
	if (base + c->budget >= x)
		return base + c->budget;
	return base + c->period;
}

/*
 * Uniprocessor EDF with deferrable servers: sum dbf_ds(L) <= L for every
 * L >= min Π; the sum is piecewise linear, so breakpoints suffice. The walk
 * ends where U·L + Σ Θ(1-U_i) <= L, or one hyperperiod past min Π.
 */
int rtdd__rtds_uni_ds(const struct rtdd_rtds_vcpu *const *c, size_t n,
		      struct rtdd_rtds_pool_verdict *v)
{
	long double u = 0, slack = 0, bound = INFINITY;
	int64_t pmin = INT64_MAX, hyper = 1, limit, l;
	uint64_t points = 0;

	v->schedulable = 1;
	v->vcpu = -1;
	v->t = -1;
	v->demand = v->capacity = 0;
	v->test = "uniprocessor EDF, deferrable servers";
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		u += (long double)c[i]->budget / c[i]->period;
		slack += (long double)c[i]->budget *
			 (1 - (long double)c[i]->budget / c[i]->period);
		if (c[i]->period < pmin)
			pmin = c[i]->period;
		if (hyper > 0)
			hyper = rtdd_rtds_lcm(hyper, c[i]->period,
					      RTDD__RTDS_TIME_MAX / 4);
	}
	if (u < 1 - 1e-12L)
		bound = slack / (1 - u) + 1;
	if (hyper > 0 && (long double)pmin + hyper < bound)
		bound = (long double)pmin + hyper;
	if (u > 1 + 1e-12L)
		bound = INFINITY;
	limit = bound > (long double)RTDD__RTDS_TIME_MAX
			? RTDD__RTDS_TIME_MAX
			: (int64_t)ceill(bound);
	for (l = pmin; l <= limit;) {
		int64_t demand = 0, next = INT64_MAX;

		for (size_t i = 0; i < n; i++) {
			int64_t bp = ds_next_bp(c[i], l + 1);

			demand += dbf_ds(c[i], l);
			if (bp < next)
				next = bp;
		}
		if (demand > l) {
			size_t who = 0;

			for (size_t i = 0; i < n; i++)
				if (c[i]->period <= l &&
				    c[i]->period >= c[who]->period)
					who = i;
			v->schedulable = 0;
			v->vcpu = (int)who;
			v->t = l;
			v->demand = demand;
			v->capacity = l;
			return 0;
		}
		if (++points > RTDD_RTDS_MAX_POINTS ||
		    points * n > RTDD__RTDS_MAX_WORK) {
			v->schedulable = 0;
			return u > 1 ? 0 : -E2BIG;
		}
		l = next;
	}
	return 0;
}

/* [BCL09] for gEDF on m CPUs with the deferrable-server workload bound */
static void bcl_ds(const struct rtdd_rtds_vcpu *const *c, size_t n, unsigned m,
		   struct rtdd_rtds_pool_verdict *v)
{
	v->schedulable = 1;
	v->vcpu = -1;
	v->t = -1;
	v->demand = v->capacity = 0;
	v->test = "gEDF [BCL09], deferrable servers";
	for (size_t k = 0; k < n; k++) {
		int64_t win = c[k]->period - c[k]->budget + 1, sum = 0;

		for (size_t i = 0; i < n; i++) {
			int64_t w;

			if (i == k)
				continue;
			w = dbf_ds(c[i], c[k]->period);
			sum += w < win ? w : win;
		}
		if (sum >= (int64_t)m * win) {
			v->schedulable = 0;
			v->vcpu = (int)k;
			v->t = c[k]->period;
			v->demand = sum;
			v->capacity = (int64_t)m * win;
			return;
		}
	}
}

static int group_check(const struct rtdd_rtds_vcpu *const *c, size_t n,
		       unsigned m, struct rtdd_rtds_pool_verdict *v)
{
	struct rtdd_rtds_pool_verdict uni;
	int rc;

	bcl_ds(c, n, m, v);
	if (v->schedulable || m != 1)
		return 0;
	rc = rtdd__rtds_uni_ds(c, n, &uni);
	if (rc < 0)
		return v->schedulable ? rc : 0;
	if (uni.schedulable || rc == 0)
		*v = uni;
	return 0;
}

static int vcpu_valid(const struct rtdd_rtds_vcpu *c, uint64_t full)
{
	return c->period > 0 && c->period <= RTDD__RTDS_TIME_MAX &&
	       c->budget > 0 && c->budget <= c->period && !(c->cpumask & ~full);
}

int rtdd_rtds_pool_check(const struct rtdd_rtds_vcpu *vcpus, size_t n,
			 unsigned pcpus, struct rtdd_rtds_pool_verdict *v)
{
	const struct rtdd_rtds_vcpu **grp = NULL;
	uint64_t full, *masks = NULL;
	size_t nmasks = 0;
	int rc = 0;

	if (!v || pcpus < 1 || pcpus > 64 || (n && !vcpus))
		return -EINVAL;
	full = pcpus == 64 ? UINT64_MAX : ((1ULL << pcpus) - 1);
	v->schedulable = 1;
	v->vcpu = -1;
	v->t = -1;
	v->demand = v->capacity = 0;
	v->test = "none";
	for (size_t i = 0; i < n; i++)
		if (!vcpu_valid(&vcpus[i], full))
			return -EINVAL;
	grp = calloc(n ? n : 1, sizeof(*grp));
	masks = calloc(n ? n : 1, sizeof(*masks));
	if (!grp || !masks) {
		rc = -ENOMEM;
		goto out;
	}
	/* distinct masks; they must be equal or disjoint */
	for (size_t i = 0; i < n; i++) {
		uint64_t mk = vcpus[i].cpumask ? vcpus[i].cpumask : full;
		size_t j;

		for (j = 0; j < nmasks; j++) {
			if (masks[j] == mk)
				break;
			if (masks[j] & mk) {
				rc = -EOPNOTSUPP;
				goto out;
			}
		}
		if (j == nmasks)
			masks[nmasks++] = mk;
	}
	for (size_t j = 0; j < nmasks; j++) {
		size_t ng = 0;

		for (size_t i = 0; i < n; i++)
			if ((vcpus[i].cpumask ? vcpus[i].cpumask : full) ==
			    masks[j])
				grp[ng++] = &vcpus[i];
		rc = group_check(grp, ng,
				 (unsigned)__builtin_popcountll(masks[j]), v);
		if (rc < 0)
			goto out;
		if (!v->schedulable) {
			/* map the group index back to the VCPU array */
			if (v->vcpu >= 0)
				v->vcpu = (int)(grp[v->vcpu] - vcpus);
			goto out;
		}
	}
out:
	free(grp);
	free(masks);
	return rc;
}

int rtdd_rtds_partition(struct rtdd_rtds_vcpu *vcpus, size_t n, unsigned pcpus,
			int *failed_out)
{
	size_t *order = NULL;
	const struct rtdd_rtds_vcpu **grp = NULL;
	uint64_t *assigned = NULL;
	int rc = 0;

	if (pcpus < 1 || pcpus > 64 || (n && !vcpus))
		return -EINVAL;
	order = calloc(n ? n : 1, sizeof(*order));
	grp = calloc(n ? n : 1, sizeof(*grp));
	assigned = calloc(n ? n : 1, sizeof(*assigned));
	if (!order || !grp || !assigned) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		order[i] = i;
		/* insertion sort by bandwidth, decreasing */
		while (j > 0 && (__int128)vcpus[order[j]].budget *
						vcpus[order[j - 1]].period >
					(__int128)vcpus[order[j - 1]].budget *
						vcpus[order[j]].period) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
			j--;
		}
	}
	for (size_t p = 0; p < n; p++) {
		size_t i = order[p];
		int placed = 0;

		for (unsigned cpu = 0; cpu < pcpus && !placed; cpu++) {
			struct rtdd_rtds_pool_verdict pv;
			size_t ng = 0;

			if (vcpus[i].cpumask &&
			    !(vcpus[i].cpumask & (1ULL << cpu)))
				continue;
			for (size_t q = 0; q < p; q++)
				if (assigned[order[q]] == (1ULL << cpu))
					grp[ng++] = &vcpus[order[q]];
			grp[ng++] = &vcpus[i];
			rc = rtdd__rtds_uni_ds(grp, ng, &pv);
			if (rc == -E2BIG)
				rc = 0;
			else if (rc < 0)
				goto out;
			if (pv.schedulable) {
				assigned[i] = 1ULL << cpu;
				placed = 1;
			}
		}
		if (!placed) {
			if (failed_out)
				*failed_out = (int)i;
			rc = -ENOSPC;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		vcpus[i].cpumask = assigned[i];
out:
	free(order);
	free(grp);
	free(assigned);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * rtdd/hist.h - latency histograms for the fast path (HdrHistogram-style
 * log-linear buckets: 64 linear sub-buckets per power of two, so any value
 * is kept within 1/64 = 1.6 % of itself) and the clocks to feed them.
 *
 * rtdd_hist_add() is inline, allocation-free and branch-light: call it on
 * the fast path, print only afterwards. Not thread-safe: one histogram per
 * thread, merge at the end.
 */
#ifndef RTDD_HIST_H
#define RTDD_HIST_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_HIST_SUB_BITS 6
#define RTDD_HIST_SUB (1u << RTDD_HIST_SUB_BITS)
#define RTDD_HIST_MAGS 42 /* values up to 2^47 ns (~39 h) */
#define RTDD_HIST_BUCKETS ((RTDD_HIST_MAGS + 1) * (RTDD_HIST_SUB / 2))

struct rtdd_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t sum;
	uint64_t buckets[RTDD_HIST_BUCKETS];
};

void rtdd_hist_init(struct rtdd_hist *h);
void rtdd_hist_merge(struct rtdd_hist *dst, const struct rtdd_hist *src);
/* Value at percentile p (0..100): the upper edge of the bucket holding it,
 * clamped to [min, max]. 0 for an empty histogram. */
uint64_t rtdd_hist_pct(const struct rtdd_hist *h, double p);
double rtdd_hist_mean(const struct rtdd_hist *h);
/* How many samples exceed v. */
uint64_t rtdd_hist_count_above(const struct rtdd_hist *h, uint64_t v);
/* Index <-> value mapping, exposed for the plotter and tests. */
uint64_t rtdd_hist_bucket_upper(unsigned idx);

static inline unsigned rtdd_hist_index(uint64_t v)
{
	unsigned mag;

	if (v < RTDD_HIST_SUB)
		return (unsigned)v;
	mag = 63u - (unsigned)__builtin_clzll(v) - (RTDD_HIST_SUB_BITS - 1);
	if (mag >= RTDD_HIST_MAGS)
		return RTDD_HIST_BUCKETS - 1;
	/* v >> mag lies in [SUB/2, SUB): magnitude mag owns indexes
	 * [(mag + 1) * SUB/2, (mag + 2) * SUB/2). */
	return mag * (RTDD_HIST_SUB / 2) + (unsigned)(v >> mag);
}

static inline void rtdd_hist_add(struct rtdd_hist *h, uint64_t v)
{
	unsigned i = rtdd_hist_index(v);

	if (i >= RTDD_HIST_BUCKETS)
		i = RTDD_HIST_BUCKETS - 1;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* CLOCK_MONOTONIC in ns (vDSO, ~20 ns). */
static inline uint64_t rtdd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t rtdd_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#endif

/* TSC ticks per ns, calibrated once against CLOCK_MONOTONIC over ~50 ms;
 * 0 when there is no usable TSC (then use rtdd_now_ns). */
double rtdd_tsc_per_ns(void);

/*
 * A cheap monotonic clock for poll loops and per-sample timestamps. On
 * virtual machines clock_gettime can cost 200 ns or more (seen here: 223 ns
 * against 10 ns for rdtsc), which a busy-poll loop that checks its deadline
 * every turn pays on every turn. rtdd_fast_ns() reads the TSC scaled to ns
 * once rtdd_fastclock_init() has calibrated it (about 10 ms, on the control
 * path; thread-safe, idempotent); before that, or without a usable TSC
 * (the kernel's clocksource is not "tsc"), it is rtdd_now_ns(). Its origin
 * is CLOCK_MONOTONIC at calibration, so values are comparable with
 * rtdd_now_ns() to within the calibration error (about 1e-4 of the time
 * since calibration): use it for intervals, not for absolute deadlines
 * handed to the kernel.
 */
struct rtdd__fastclock {
	double ns_per_tick; /* 0: not calibrated, use clock_gettime */
	uint64_t tsc0, ns0;
};
extern struct rtdd__fastclock rtdd__fastclock;
void rtdd_fastclock_init(void);

static inline uint64_t rtdd_fast_ns(void)
{
#if defined(__x86_64__) || defined(__i386__)
	const struct rtdd__fastclock *fc = &rtdd__fastclock;

	if (fc->ns_per_tick > 0)
		return fc->ns0 + (uint64_t)((double)(rtdd_rdtsc() - fc->tsc0) *
					    fc->ns_per_tick);
#endif
	return rtdd_now_ns();
}

#ifdef __cplusplus
}
#endif
#endif

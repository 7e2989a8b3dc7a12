// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rtdd/hist.h"

void rtdd_hist_init(struct rtdd_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void rtdd_hist_merge(struct rtdd_hist *dst, const struct rtdd_hist *src)
{
	for (unsigned i = 0; i < RTDD_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t rtdd_hist_bucket_upper(unsigned idx)
{
	unsigned mag, sub;

	if (idx < RTDD_HIST_SUB)
		return idx;
	mag = idx / (RTDD_HIST_SUB / 2) - 1;
	sub = idx % (RTDD_HIST_SUB / 2) + RTDD_HIST_SUB / 2;
	return (((uint64_t)sub + 1) << mag) - 1;
}

uint64_t rtdd_hist_pct(const struct rtdd_hist *h, double p)
{
	uint64_t want, seen = 0;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	want = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < RTDD_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= want) {
			uint64_t v = rtdd_hist_bucket_upper(i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double rtdd_hist_mean(const struct rtdd_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

uint64_t rtdd_hist_count_above(const struct rtdd_hist *h, uint64_t v)
{
	uint64_t n = 0;

	for (unsigned i = rtdd_hist_index(v); i < RTDD_HIST_BUCKETS; i++)
		if (rtdd_hist_bucket_upper(i) > v)
			n += h->buckets[i];
	return n;
}

double rtdd_tsc_per_ns(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static double cached = -1;
	struct timespec req = {0, 50 * 1000 * 1000};
	uint64_t t0, c0, t1, c1;

	if (cached >= 0)
		return cached;
	t0 = rtdd_now_ns();
	c0 = rtdd_rdtsc();
	nanosleep(&req, NULL);
	t1 = rtdd_now_ns();
	c1 = rtdd_rdtsc();
	cached = (t1 > t0 && c1 > c0) ? (double)(c1 - c0) / (double)(t1 - t0)
				      : 0;
	return cached;
#else
	return 0;
#endif
}

struct rtdd__fastclock rtdd__fastclock;
static pthread_once_t fastclock_once = PTHREAD_ONCE_INIT;

/* Only a TSC the kernel itself trusts as its clocksource is used: that is
 * the kernel's word that it is invariant and synchronised across CPUs. */
static int tsc_is_clocksource(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/"
			"current_clocksource",
			"r");
	char buf[32] = "";
	int ok;

	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) && !strncmp(buf, "tsc", 3);
	fclose(f);
	return ok;
}

static void fastclock_calibrate(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t t0, c0, t1, c1;

	if (!tsc_is_clocksource())
		return;
	t0 = rtdd_now_ns();
	c0 = rtdd_rdtsc();
	do {
		t1 = rtdd_now_ns();
		c1 = rtdd_rdtsc();
	} while (t1 - t0 < 10000000ull);
	if (c1 <= c0)
		return;
	rtdd__fastclock.tsc0 = c1;
	rtdd__fastclock.ns0 = t1;
	/* tsc0/ns0 before the scale that enables them; threads started after
	 * rtdd_fastclock_init() see all three through pthread_create. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rtdd__fastclock.ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
#endif
}

void rtdd_fastclock_init(void)
{
	pthread_once(&fastclock_once, fastclock_calibrate);
}

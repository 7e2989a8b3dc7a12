/* SPDX-License-Identifier: MIT */
/*
 * rtdd/bench.h - what every `rtdd bench` suite shares: a private rtdd-simhv
 * with N domains, the machine and noise report (steal time before and
 * after, kernel, CPUs), ratios and formatting. Method: docs/bench.md.
 */
#ifndef RTDD_BENCH_H
#define RTDD_BENCH_H

#include <stdint.h>
#include <sys/types.h>

#include "rtdd/hist.h"
#include "rtdd/hv.h"
#include "rtdd/json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_BENCH_MAX_DOMS 8

/* A private simhv in a fresh temporary directory, with n domains created
 * (named bench-dom<i>) and a context opened for each, plus dom0's. */
struct rtdd_bench_sim {
	char dir[256];
	pid_t simhv_pid;
	rtdd_hv *dom0;
	unsigned n;
	rtdd_hv *dom[RTDD_BENCH_MAX_DOMS];
	rtdd_domid domid[RTDD_BENCH_MAX_DOMS];
};

/* rtdd-simhv is looked up beside the running binary, then in PATH. */
int rtdd_bench_sim_start(struct rtdd_bench_sim *s, unsigned n);
/* Idempotent; safe on a zeroed or half-started struct. */
void rtdd_bench_sim_stop(struct rtdd_bench_sim *s);

struct rtdd_bench_env {
	uint64_t steal_before, steal_after; /* USER_HZ ticks, all CPUs */
	uint64_t total_before, total_after;
	uint64_t t_start_ns, t_end_ns;
	char kernel[200];
	char cpu_model[128];
	long ncpus;
};
void rtdd_bench_env_begin(struct rtdd_bench_env *e);
void rtdd_bench_env_end(struct rtdd_bench_env *e);
/* "machine: ...; steal 0.4 % of CPU time during the run" */
void rtdd_bench_env_print(const struct rtdd_bench_env *e);
void rtdd_bench_env_json(struct rtdd_json *j, const struct rtdd_bench_env *e);

/* Percentile p of a over the same of b (NAN when b is empty). */
double rtdd_bench_ratio(const struct rtdd_hist *a, const struct rtdd_hist *b,
			double p);
/* max/min of n values (NAN when a value is 0). */
double rtdd_bench_spread(const uint64_t *v, unsigned n);
/* "1.23 us"; returns one of 16 rotating static buffers. */
const char *rtdd_bench_fmt_ns(uint64_t ns);
/* Whole decimal in [min, max]: 0 or -EINVAL. */
int rtdd_bench_parse_uint(const char *s, unsigned min, unsigned max,
			  unsigned *out);

#ifdef __cplusplus
}
#endif
#endif

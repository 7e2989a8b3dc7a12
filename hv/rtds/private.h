/* SPDX-License-Identifier: MIT */
/* hv/rtds internals shared between its files. */
#ifndef RTDD_HV_RTDS_PRIVATE_H
#define RTDD_HV_RTDS_PRIVATE_H

#include "rtdd/rtds.h"

/* Largest time value accepted anywhere (~ 35 years in µs); keeps every
 * product of two times inside int64_t / __int128 headroom. */
#define RTDD__RTDS_TIME_MAX (INT64_C(1) << 50)

/* Work cap of one test (points x tasks): hostile but valid input (coprime
 * periods, bandwidth a hair above the utilisation) gets -E2BIG instead of
 * minutes of CPU. */
#define RTDD__RTDS_MAX_WORK (UINT64_C(1) << 28)

static inline int64_t rtdd__rtds_dl(const struct rtdd_rtds_task *t)
{
	return t->deadline ? t->deadline : t->period;
}

int rtdd__rtds_task_valid(const struct rtdd_rtds_task *t);
int rtdd__rtds_uni_ds(const struct rtdd_rtds_vcpu *const *c, size_t n,
		      struct rtdd_rtds_pool_verdict *v);

#endif

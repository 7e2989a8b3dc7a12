/* SPDX-License-Identifier: MIT */
/*
 * rtdd/rt.h - real-time setup of a thread, reporting what was granted.
 *
 * A poll thread asks for its CPU, SCHED_FIFO at a priority, locked memory,
 * and (for event-mode runs) /dev/cpu_dma_latency = 0 held open. Each may be
 * refused (no privilege, no such CPU); nothing here fails hard: the report
 * says what took effect, and callers print it.
 */
#ifndef RTDD_RT_H
#define RTDD_RT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rtdd_rt_req {
	int cpu;	  /* -1: leave affinity alone */
	int fifo_prio;	  /* 0: leave the policy alone; 1..99 SCHED_FIFO */
	bool mlockall;	  /* MCL_CURRENT | MCL_FUTURE */
	bool dma_latency; /* hold /dev/cpu_dma_latency = 0 */
};

struct rtdd_rt_report {
	int cpu;       /* the CPU pinned to, -1 none */
	int fifo_prio; /* granted priority, 0 none */
	bool mlocked;
	int dma_latency_fd; /* >= 0 while held; rtdd_rt_release closes it */
	int err_cpu, err_fifo, err_mlock, err_dma; /* 0 or -errno */
	/* With SCHED_FIFO granted: the kernel's RT throttling, read from
	 * /proc/sys/kernel/sched_rt_{runtime,period}_us (runtime -1: off;
	 * both 0: not readable). */
	long rt_runtime_us, rt_period_us;
};

/*
 * Linux stops SCHED_FIFO/RR threads for (period - runtime) of each period
 * once they have run runtime (default 950 000 of 1 000 000 us): a poll
 * thread that never sleeps loses the CPU for 50 ms every second. Reads the
 * two settings; returns 0, or -errno when they cannot be read.
 */
int rtdd_rt_throttle(long *runtime_us, long *period_us);
/* True when FIFO was granted and the kernel throttles RT threads. */
bool rtdd_rt_throttled(const struct rtdd_rt_report *rep);

/* Applies req to the calling thread. Returns 0 when everything asked for
 * was granted, else the first -errno (the report has the details). */
int rtdd_rt_setup(const struct rtdd_rt_req *req, struct rtdd_rt_report *rep);
void rtdd_rt_release(struct rtdd_rt_report *rep);
/* "cpu 1, SCHED_FIFO 80, mlockall, cpu_dma_latency=0" or what was refused,
 * then ", RT throttling 950000/1000000 us" or ", RT throttling off" with
 * SCHED_FIFO granted. */
void rtdd_rt_describe(const struct rtdd_rt_report *rep, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

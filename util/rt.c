// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rtdd/rt.h"

static int read_long(const char *path, long *out)
{
	char buf[32];
	ssize_t n;
	char *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	errno = 0;
	*out = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int rtdd_rt_throttle(long *runtime_us, long *period_us)
{
	int r = read_long("/proc/sys/kernel/sched_rt_runtime_us", runtime_us);

	if (!r)
		r = read_long("/proc/sys/kernel/sched_rt_period_us", period_us);
	if (r)
		*runtime_us = *period_us = 0;
	return r;
}

bool rtdd_rt_throttled(const struct rtdd_rt_report *rep)
{
	return rep->fifo_prio > 0 && rep->rt_period_us > 0 &&
	       rep->rt_runtime_us >= 0 &&
	       rep->rt_runtime_us < rep->rt_period_us;
}

int rtdd_rt_setup(const struct rtdd_rt_req *req, struct rtdd_rt_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->cpu = -1;
	rep->dma_latency_fd = -1;

	if (req->cpu >= 0) {
		cpu_set_t set;
		int r;

		CPU_ZERO(&set);
		CPU_SET(req->cpu, &set);
		r = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		if (r)
			rep->err_cpu = -r;
		else
			rep->cpu = req->cpu;
	}
	if (req->fifo_prio > 0) {
		struct sched_param sp = {.sched_priority = req->fifo_prio};
		int r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

		if (r)
			rep->err_fifo = -r;
		else
			rep->fifo_prio = req->fifo_prio;
		if (!r)
			(void)rtdd_rt_throttle(&rep->rt_runtime_us,
					       &rep->rt_period_us);
	}
	if (req->mlockall) {
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			rep->err_mlock = -errno;
		else
			rep->mlocked = true;
	}
	if (req->dma_latency) {
		int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
		int32_t zero = 0;

		if (fd < 0) {
			rep->err_dma = -errno;
		} else if (write(fd, &zero, sizeof(zero)) != sizeof(zero)) {
			rep->err_dma = -errno;
			close(fd);
		} else {
			rep->dma_latency_fd = fd;
		}
	}
	if (rep->err_cpu)
		return rep->err_cpu;
	if (rep->err_fifo)
		return rep->err_fifo;
	if (rep->err_mlock)
		return rep->err_mlock;
	return rep->err_dma;
}

void rtdd_rt_release(struct rtdd_rt_report *rep)
{
	if (rep->dma_latency_fd >= 0) {
		close(rep->dma_latency_fd);
		rep->dma_latency_fd = -1;
	}
}

void rtdd_rt_describe(const struct rtdd_rt_report *rep, char *buf, size_t len)
{
	char cpu[48], fifo[48], mlk[48], dma[64], thr[64] = "";

	if (rep->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "cpu %d", rep->cpu);
	else if (rep->err_cpu)
		snprintf(cpu, sizeof(cpu), "cpu refused (%s)",
			 strerror(-rep->err_cpu));
	else
		snprintf(cpu, sizeof(cpu), "unpinned");
	if (rep->fifo_prio)
		snprintf(fifo, sizeof(fifo), "SCHED_FIFO %d", rep->fifo_prio);
	else if (rep->err_fifo)
		snprintf(fifo, sizeof(fifo), "SCHED_FIFO refused (%s)",
			 strerror(-rep->err_fifo));
	else
		snprintf(fifo, sizeof(fifo), "SCHED_OTHER");
	if (rep->mlocked)
		snprintf(mlk, sizeof(mlk), "mlockall");
	else if (rep->err_mlock)
		snprintf(mlk, sizeof(mlk), "mlockall refused (%s)",
			 strerror(-rep->err_mlock));
	else
		snprintf(mlk, sizeof(mlk), "no mlock");
	if (rep->dma_latency_fd >= 0)
		snprintf(dma, sizeof(dma), "cpu_dma_latency=0");
	else if (rep->err_dma)
		snprintf(dma, sizeof(dma), "cpu_dma_latency refused (%s)",
			 strerror(-rep->err_dma));
	else
		snprintf(dma, sizeof(dma), "no cpu_dma_latency");
	if (rep->fifo_prio && rep->rt_period_us > 0)
		snprintf(thr, sizeof(thr),
			 rep->rt_runtime_us < 0 ? ", RT throttling off"
						: ", RT throttling %ld/%ld us",
			 rep->rt_runtime_us, rep->rt_period_us);
	snprintf(buf, len, "%s, %s, %s, %s%s", cpu, fifo, mlk, dma, thr);
}

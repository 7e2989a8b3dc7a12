// SPDX-License-Identifier: MIT
/*
 * bench_rtds: how long admission takes for 10 VMs x 20 tasks (the size of an
 * ECU consolidation), printed, never asserted. Each configuration is run
 * REPS times interleaved with the others; min / median / max are printed,
 * with steal time before and after (BENCH.md).
 *
 *   build/bench/bench_rtds [reps]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/hist.h"
#include "rtdd/rtds.h"

#define NVM 10
#define NT 20

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double urand(void)
{
	return (double)(rnd() >> 11) / (double)(1ULL << 53);
}

static unsigned long long steal(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[7] = 0;
	fclose(f);
	return v[7];
}

/* automotive-like periods (µs); UUniFast utilisations summing to u */
static const int64_t periods[] = {1000,	 2000,	5000,	10000,
				  20000, 50000, 100000, 200000};

static void gen_vm(struct rtdd_rtds_vm *vm, struct rtdd_rtds_task *t, double u,
		   int idx, unsigned vcpus)
{
	double sum = u;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "vm%d", idx);
	vm->sched = vcpus > 1 ? RTDD_RTDS_SCHED_EDF
			      : (idx % 2 ? RTDD_RTDS_SCHED_RM
					 : RTDD_RTDS_SCHED_EDF);
	vm->vcpus = vcpus;
	vm->tasks = t;
	vm->ntasks = NT;
	vm->weight = 256;
	for (int i = 0; i < NT; i++) {
		double next = i == NT - 1
				      ? 0
				      : sum * pow(urand(), 1.0 / (NT - 1 - i));
		double ui = sum - next;

		sum = next;
		memset(&t[i], 0, sizeof(t[i]));
		snprintf(t[i].name, sizeof(t[i].name), "t%d", i);
		t[i].period = periods[rnd() % 8];
		t[i].wcet = (int64_t)(ui * (double)t[i].period);
		if (t[i].wcet < 1)
			t[i].wcet = 1;
	}
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	static struct rtdd_rtds_task tasks[2][NVM][NT];
	struct rtdd_rtds_vm vms[2][NVM];
	struct rtdd_rtds_system sys[2];
	static const char *const name[2] = {
		"10 VMs x 20 tasks, 1 VCPU each (EDF/RM)",
		"10 VMs x 20 tasks, 2 VCPUs each (gEDF, MPR)"};
	uint64_t *ns[2];
	unsigned long long st0 = steal(), st1;

	if (reps < 1 || reps > 1000)
		reps = 5;
	for (int c = 0; c < 2; c++) {
		ns[c] = calloc((size_t)reps, sizeof(uint64_t));
		if (!ns[c])
			return 1;
		for (int v = 0; v < NVM; v++)
			gen_vm(&vms[c][v], tasks[c][v], c ? 0.7 : 0.25, v,
			       c ? 2 : 1);
		memset(&sys[c], 0, sizeof(sys[c]));
		sys[c].pcpus = c ? 16 : 8;
		sys[c].opts.ctx_switch = 5;
		sys[c].vms = vms[c];
		sys[c].nvms = NVM;
	}
	printf("bench_rtds: whole-system admission (interface search over the default period range, 51 periods per VM, then the cpupool check)\n");
	for (int r = 0; r < reps; r++)
		for (int c = 0; c < 2; c++) {
			struct rtdd_rtds_report rep;
			uint64_t t0 = rtdd_now_ns();
			int rc = rtdd_rtds_analyze(&sys[c], &rep);

			ns[c][r] = rtdd_now_ns() - t0;
			if (rc) {
				fprintf(stderr, "analyze: %d\n", rc);
				return 1;
			}
			if (r == 0) {
				int ok = 0;

				for (int v = 0; v < NVM; v++)
					ok += rep.vms[v].rc == 0 &&
					      rep.vms[v].verdict.schedulable;
				printf("  [%s] %d/%d VMs schedulable, pool %s, system %s\n",
				       name[c], ok, NVM,
				       rep.pool.schedulable ? "ok" : "refused",
				       rep.admitted ? "admitted" : "refused");
			}
			rtdd_rtds_report_dispose(&rep);
		}
	st1 = steal();
	for (int c = 0; c < 2; c++) {
		/* sort for the median */
		for (int i = 1; i < reps; i++)
			for (int j = i; j > 0 && ns[c][j] < ns[c][j - 1]; j--) {
				uint64_t t = ns[c][j];

				ns[c][j] = ns[c][j - 1];
				ns[c][j - 1] = t;
			}
		printf("%-48s reps %d  min %.1f ms  median %.1f ms  max %.1f ms\n",
		       name[c], reps, ns[c][0] / 1e6, ns[c][reps / 2] / 1e6,
		       ns[c][reps - 1] / 1e6);
		free(ns[c]);
	}
	printf("steal during the run: %llu ticks\n", st1 - st0);
	return 0;
}

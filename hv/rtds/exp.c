// SPDX-License-Identifier: MIT
/*
 * rtdd-rtds-exp: the experiments of docs/rtds.md, printed as Markdown
 * tables. Everything comes from librtdd_rtds (analysis + simulator) with a
 * fixed seed, so the tables regenerate bit for bit:
 *
 *   build/bin/rtdd-rtds-exp [--sets N] [--seed S] [e1|e2|e3 ...]
 *
 * E1  credit vs RTDS at low utilisation (RT-Xen, EMSOFT 2011)
 * E2  global vs partitioned EDF over the pCPUs (RT-Xen 2.0, EMSOFT 2014)
 * E3  deferrable vs periodic server (RT-Xen, EMSOFT 2011)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/rtds.h"

#define MAXT 8
#define MAXVM 16

static uint64_t rng;

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

/* periods in µs: 10..100 ms, the range of RT-Xen's workloads */
static const int64_t per[] = {10000, 20000, 25000, 50000, 100000};

/* UUniFast task set of n tasks with total utilisation u */
static void gen_tasks(struct rtdd_rtds_task *t, size_t n, double u,
		      enum rtdd_rtds_task_kind kind)
{
	double sum = u;

	for (size_t i = 0; i < n; i++) {
		double next = i + 1 == n ? 0
					 : sum * pow(urand(),
						     1.0 / (double)(n - 1 - i));

		memset(&t[i], 0, sizeof(t[i]));
		snprintf(t[i].name, sizeof(t[i].name), "t%zu", i);
		t[i].period = per[rnd() % 5];
		t[i].wcet = (int64_t)((sum - next) * (double)t[i].period);
		if (t[i].wcet < 10)
			t[i].wcet = 10;
		t[i].kind = kind;
		sum = next;
	}
}

/* least-bandwidth interface over [Tmin/20, Tmin]; -ENOSPC if none */
static int iface_for(const struct rtdd_rtds_task *t, size_t n,
		     enum rtdd_rtds_sched sched, struct rtdd_rtds_iface *r)
{
	struct rtdd_rtds_opts o = {.min_budget = RTDD_RTDS_MIN_US};
	int64_t tmin = INT64_MAX;

	for (size_t i = 0; i < n; i++)
		if (t[i].kind != RTDD_RTDS_TASK_BACKGROUND &&
		    t[i].period < tmin)
			tmin = t[i].period;
	return rtdd_rtds_choose_period(t, n, sched, 1, tmin / 20, tmin,
				       tmin / 20, &o, r);
}

struct runstat {
	uint64_t jobs, misses;
	double rd_sum; /* Σ R/D over completed jobs */
	uint64_t completed;
	double rd_max;
};

static int sim(unsigned pcpus, enum rtdd_rtds_host host,
	       enum rtdd_rtds_server server, struct rtdd_rtds_sim_vm *vms,
	       size_t nvm, int64_t horizon, size_t rt_vms, struct runstat *out)
{
	struct rtdd_rtds_sim_config cfg = {.pcpus = pcpus,
					   .host = host,
					   .server = server,
					   .horizon = horizon,
					   .seed = rnd() | 1};
	struct rtdd_rtds_sim_result r;
	int rc = rtdd_rtds_simulate(&cfg, vms, nvm, &r);

	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	for (size_t g = 0; g < rt_vms; g++)
		for (size_t k = 0; k < vms[g].ntasks; k++) {
			const struct rtdd_rtds_sim_task_stats *st =
				&r.task[g][k];
			int64_t d = vms[g].tasks[k].deadline
					    ? vms[g].tasks[k].deadline
					    : vms[g].tasks[k].period;

			if (vms[g].tasks[k].kind == RTDD_RTDS_TASK_BACKGROUND)
				continue;
			out->jobs += st->jobs;
			out->misses += st->misses;
			out->completed += st->completed;
			out->rd_sum += (double)st->rt_sum / (double)d;
			if ((double)st->rt_max / (double)d > out->rd_max)
				out->rd_max = (double)st->rt_max / (double)d;
		}
	rtdd_rtds_sim_result_dispose(&r);
	return 0;
}

/* ---- E1 ---------------------------------------------------------------- */

static void e1(int sets)
{
	static const double us[] = {0.05, 0.10, 0.20, 0.30, 0.40};

	printf("### E1: credit vs RTDS at low utilisation\n\n");
	printf("One pCPU. An RT guest with 4 tasks (UUniFast, periods 10-100 ms) at utilisation U, and 3 CPU-bound guests. "
	       "\"idle guest\": the RT guest sleeps between jobs; \"busy guest\": it also runs best-effort work at the lowest guest priority (as a Linux guest does), so its VCPU never blocks. "
	       "Credit: equal weights, 30 ms slice, BOOST on wake-up. RTDS: the RT guest gets the interface from the analysis, each CPU-bound guest a third of the rest (period 10 ms). "
	       "%d task sets per row, 5 s simulated each. Miss ratio = missed jobs / jobs of the RT guest.\n\n",
	       sets);
	printf("| U (RT guest) | guest | credit: miss ratio | credit: sets with a miss | RTDS: miss ratio | RTDS: sets with a miss |\n");
	printf("|---|---|---|---|---|---|\n");
	for (size_t ui = 0; ui < sizeof(us) / sizeof(us[0]); ui++)
		for (int busy = 0; busy < 2; busy++) {
			uint64_t cj = 0, cm = 0, rj = 0, rm = 0;
			int cs = 0, rs = 0;

			for (int s = 0; s < sets; s++) {
				struct rtdd_rtds_task rt[MAXT + 1];
				struct rtdd_rtds_task hog = {
					.kind = RTDD_RTDS_TASK_BACKGROUND};
				struct rtdd_rtds_iface ifc;
				struct rtdd_rtds_sim_vcpu vc[4];
				struct rtdd_rtds_sim_vm vms[4];
				struct runstat st;
				size_t nt = 4;

				gen_tasks(rt, 4, us[ui],
					  RTDD_RTDS_TASK_PERIODIC);
				if (busy)
					rt[nt++] = hog;
				if (iface_for(rt, nt, RTDD_RTDS_SCHED_RM,
					      &ifc)) {
					s--;
					continue;
				}
				memset(vc, 0, sizeof(vc));
				vc[0].period = ifc.period;
				vc[0].budget = ifc.budget;
				for (int h = 1; h < 4; h++) {
					vc[h].period = 10000;
					vc[h].budget =
						(10000 - 10000 * ifc.budget /
								 ifc.period) /
						3;
				}
				for (int g = 0; g < 4; g++) {
					vms[g] = (struct rtdd_rtds_sim_vm){
						g ? &hog : rt,
						g ? 1 : nt,
						RTDD_RTDS_SCHED_RM,
						&vc[g],
						1,
						256};
				}
				sim(1, RTDD_RTDS_HOST_CREDIT,
				    RTDD_RTDS_SERVER_DEFERRABLE, vms, 4,
				    5000000, 1, &st);
				cj += st.jobs;
				cm += st.misses;
				cs += st.misses > 0;
				sim(1, RTDD_RTDS_HOST_GEDF,
				    RTDD_RTDS_SERVER_DEFERRABLE, vms, 4,
				    5000000, 1, &st);
				rj += st.jobs;
				rm += st.misses;
				rs += st.misses > 0;
			}
			printf("| %.2f | %s | %.4f | %d/%d | %.4f | %d/%d |\n",
			       us[ui], busy ? "busy" : "idle",
			       cj ? (double)cm / (double)cj : 0, cs, sets,
			       rj ? (double)rm / (double)rj : 0, rs, sets);
		}
	printf("\n");
}

/* ---- E2 ---------------------------------------------------------------- */

static void e2(int sets)
{
	static const double load[] = {0.50, 0.60, 0.70, 0.80, 0.90, 0.95};
	const unsigned m = 4;

	printf("### E2: global vs partitioned EDF\n\n");
	printf("%u pCPUs. Guests of one VCPU, each with 3 tasks (UUniFast, periods 10-100 ms, EDF inside) of utilisation 0.1-0.6, added until the interfaces' total bandwidth reaches the load x %u. "
	       "Analysis: gEDF = [BCL09] with deferrable-server workload; pEDF = first-fit decreasing with the uniprocessor deferrable-server test. "
	       "Simulation: RTDS with the interfaces from the analysis, 2 s, random VCPU offsets; pEDF places by first fit when the analysis fits, else worst fit. "
	       "%d systems per row.\n\n",
	       m, m, sets);
	printf("| load (bandwidth / pCPUs) | admitted gEDF | admitted pEDF | systems with a miss, gEDF | systems with a miss, pEDF | miss ratio gEDF | miss ratio pEDF | admitted with a miss (g/p) |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (size_t li = 0; li < sizeof(load) / sizeof(load[0]); li++) {
		int ag = 0, ap = 0, mg = 0, mp = 0, amg = 0, amp = 0, okg, okp;
		uint64_t jg = 0, missg = 0, jp = 0, missp = 0;

		for (int s = 0; s < sets; s++) {
			static struct rtdd_rtds_task t[MAXVM][3];
			struct rtdd_rtds_vcpu vc[MAXVM], pc[MAXVM];
			struct rtdd_rtds_sim_vcpu sv[MAXVM];
			struct rtdd_rtds_sim_vm vms[MAXVM];
			struct rtdd_rtds_pool_verdict pv;
			struct runstat st;
			double bw = 0;
			size_t n = 0;

			while (n < MAXVM) {
				struct rtdd_rtds_iface ifc;
				double b;

				gen_tasks(t[n], 3, 0.1 + 0.5 * urand(),
					  RTDD_RTDS_TASK_PERIODIC);
				if (iface_for(t[n], 3, RTDD_RTDS_SCHED_EDF,
					      &ifc))
					continue;
				b = (double)ifc.budget / (double)ifc.period;
				if (bw + b > load[li] * m)
					break;
				bw += b;
				memset(&vc[n], 0, sizeof(vc[n]));
				vc[n].period = ifc.period;
				vc[n].budget = ifc.budget;
				vc[n].vm = (unsigned)n;
				n++;
			}
			okg = !rtdd_rtds_pool_check(vc, n, m, &pv) &&
			      pv.schedulable;
			ag += okg;
			memcpy(pc, vc, sizeof(vc[0]) * n);
			okp = !rtdd_rtds_partition(pc, n, m, NULL);
			if (okp) {
				ap++;
			} else {
				/* worst fit by bandwidth */
				double ld[64] = {0};

				for (size_t i = 0; i < n; i++) {
					unsigned best = 0;

					for (unsigned c = 1; c < m; c++)
						if (ld[c] < ld[best])
							best = c;
					ld[best] += (double)pc[i].budget /
						    (double)pc[i].period;
					pc[i].cpumask = 1ULL << best;
				}
			}
			for (int mode = 0; mode < 2; mode++) {
				const struct rtdd_rtds_vcpu *src =
					mode ? pc : vc;

				for (size_t i = 0; i < n; i++) {
					memset(&sv[i], 0, sizeof(sv[i]));
					sv[i].period = src[i].period;
					sv[i].budget = src[i].budget;
					sv[i].cpumask = src[i].cpumask;
					sv[i].offset =
						(int64_t)(rnd() %
							  (uint64_t)src[i]
								  .period);
					vms[i] = (struct rtdd_rtds_sim_vm){
						t[i],	3, RTDD_RTDS_SCHED_EDF,
						&sv[i], 1, 256};
				}
				sim(m,
				    mode ? RTDD_RTDS_HOST_PEDF
					 : RTDD_RTDS_HOST_GEDF,
				    RTDD_RTDS_SERVER_DEFERRABLE, vms, n,
				    2000000, n, &st);
				if (mode) {
					mp += st.misses > 0;
					amp += okp && st.misses > 0;
					jp += st.jobs;
					missp += st.misses;
				} else {
					mg += st.misses > 0;
					amg += okg && st.misses > 0;
					jg += st.jobs;
					missg += st.misses;
				}
			}
		}
		printf("| %.2f | %d/%d | %d/%d | %d/%d | %d/%d | %.4f | %.4f | %d/%d |\n",
		       load[li], ag, sets, ap, sets, mg, sets, mp, sets,
		       jg ? (double)missg / (double)jg : 0,
		       jp ? (double)missp / (double)jp : 0, amg, amp);
	}
	printf("\n");
}

/* ---- E3 ---------------------------------------------------------------- */

static void e3(int sets)
{
	static const double scale[] = {1.0, 0.9, 0.8, 0.7};

	printf("### E3: deferrable vs periodic server\n\n");
	printf("One pCPU, 3 guests with 3 sporadic tasks each (utilisation 0.15 per guest, minimum inter-arrival 10-100 ms plus a random gap of up to half of it, EDF inside), "
	       "VCPU budgets at a fraction of the analysed minimum (1.0 = the interface of the analysis), 5 s, %d systems per row. "
	       "R/D = response time / relative deadline.\n\n",
	       sets);
	printf("| budget / analysed | deferrable: miss ratio | deferrable: mean R/D | deferrable: max R/D | periodic: miss ratio | periodic: mean R/D | periodic: max R/D |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t si = 0; si < sizeof(scale) / sizeof(scale[0]); si++) {
		struct runstat acc[2] = {{0}, {0}};

		for (int s = 0; s < sets; s++) {
			static struct rtdd_rtds_task t[3][3];
			struct rtdd_rtds_sim_vcpu sv[3];
			struct rtdd_rtds_sim_vm vms[3];
			int ok = 1;

			for (int g = 0; g < 3 && ok; g++) {
				struct rtdd_rtds_iface ifc;

				gen_tasks(t[g], 3, 0.15,
					  RTDD_RTDS_TASK_SPORADIC);
				if (iface_for(t[g], 3, RTDD_RTDS_SCHED_EDF,
					      &ifc)) {
					ok = 0;
					break;
				}
				memset(&sv[g], 0, sizeof(sv[g]));
				sv[g].period = ifc.period;
				sv[g].budget = (int64_t)((double)ifc.budget *
							 scale[si]);
				if (sv[g].budget < RTDD_RTDS_MIN_US)
					sv[g].budget = RTDD_RTDS_MIN_US;
				sv[g].offset =
					(int64_t)(rnd() % (uint64_t)ifc.period);
				vms[g] = (struct rtdd_rtds_sim_vm){
					t[g],	3, RTDD_RTDS_SCHED_EDF,
					&sv[g], 1, 256};
			}
			if (!ok) {
				s--;
				continue;
			}
			for (int mode = 0; mode < 2; mode++) {
				struct runstat st;
				uint64_t save = rng;

				/* same sporadic arrivals for both servers */
				sim(1, RTDD_RTDS_HOST_GEDF,
				    mode ? RTDD_RTDS_SERVER_PERIODIC
					 : RTDD_RTDS_SERVER_DEFERRABLE,
				    vms, 3, 5000000, 3, &st);
				if (!mode)
					rng = save;
				acc[mode].jobs += st.jobs;
				acc[mode].misses += st.misses;
				acc[mode].completed += st.completed;
				acc[mode].rd_sum += st.rd_sum;
				if (st.rd_max > acc[mode].rd_max)
					acc[mode].rd_max = st.rd_max;
			}
		}
		printf("| %.1f | %.4f | %.3f | %.2f | %.4f | %.3f | %.2f |\n",
		       scale[si],
		       acc[0].jobs ? (double)acc[0].misses / (double)acc[0].jobs
				   : 0,
		       acc[0].completed
			       ? acc[0].rd_sum / (double)acc[0].completed
			       : 0,
		       acc[0].rd_max,
		       acc[1].jobs ? (double)acc[1].misses / (double)acc[1].jobs
				   : 0,
		       acc[1].completed
			       ? acc[1].rd_sum / (double)acc[1].completed
			       : 0,
		       acc[1].rd_max);
	}
	printf("\n");
}

/* E3b: a pool that is full for periodic tasks (bandwidth 1.0): guest B's
 * task needs all of its server's budget every period, guest A's sporadic
 * work arrives late in A's periods. */
static void e3b(int sets)
{
	struct runstat acc[2] = {{0}, {0}};
	int hit[2] = {0, 0}, refused = 0, admitted_miss = 0, admitted;

	printf("### E3b: a pool that is full for periodic tasks\n\n");
	printf("One pCPU, two guests whose VCPU bandwidths sum to exactly 1.0: what an EDF test that treats VCPUs as periodic tasks admits, and what the deferrable-server test of rtdd_rtds_pool_check refuses. "
	       "Guest B runs one task (Π_B, Θ_B) that needs its whole budget each period; guest A one sporadic task of Θ_A per Π_A arriving at a random point of A's period. "
	       "Π in 1-10 ms, Θ_A/Π_A in 0.2-0.8, %d pairs, 2 s each. Misses of guest B:\n\n",
	       sets);
	for (int s = 0; s < sets; s++) {
		struct rtdd_rtds_task ta, tb;
		struct rtdd_rtds_sim_vcpu sa, sb;
		struct rtdd_rtds_sim_vm vms[2];
		int64_t pa = 1000 * (int64_t)(1 + rnd() % 10);
		int64_t pb = 1000 * (int64_t)(1 + rnd() % 10);
		double x = 0.2 + 0.6 * urand();

		memset(&ta, 0, sizeof(ta));
		memset(&tb, 0, sizeof(tb));
		memset(&sa, 0, sizeof(sa));
		memset(&sb, 0, sizeof(sb));
		sa.period = pa;
		sa.budget = (int64_t)(x * (double)pa);
		sb.period = pb;
		/* Θ_B = floor((1 - Θ_A/Π_A)·Π_B): total bandwidth <= 1 */
		sb.budget = (pb * (pa - sa.budget)) / pa;
		ta.period = pa;
		ta.wcet = sa.budget;
		ta.offset = (int64_t)(rnd() % (uint64_t)(pa - sa.budget + 1));
		ta.kind = RTDD_RTDS_TASK_SPORADIC;
		ta.deadline = pa;
		tb.period = pb;
		tb.wcet = sb.budget;
		struct rtdd_rtds_vcpu pool[2] = {
			{.period = sa.period,
			 .budget = sa.budget,
			 .cpumask = 1},
			{.period = sb.period,
			 .budget = sb.budget,
			 .cpumask = 1},
		};
		struct rtdd_rtds_pool_verdict pv;

		admitted = !rtdd_rtds_pool_check(pool, 2, 1, &pv) &&
			   pv.schedulable;
		refused += !admitted;
		vms[0] = (struct rtdd_rtds_sim_vm){&tb, 1, RTDD_RTDS_SCHED_EDF,
						   &sb, 1, 256};
		vms[1] = (struct rtdd_rtds_sim_vm){&ta, 1, RTDD_RTDS_SCHED_EDF,
						   &sa, 1, 256};
		for (int mode = 0; mode < 2; mode++) {
			struct runstat st;
			uint64_t save = rng;

			sim(1, RTDD_RTDS_HOST_GEDF,
			    mode ? RTDD_RTDS_SERVER_PERIODIC
				 : RTDD_RTDS_SERVER_DEFERRABLE,
			    vms, 2, 2000000, 1, &st);
			if (!mode)
				rng = save;
			acc[mode].jobs += st.jobs;
			acc[mode].misses += st.misses;
			hit[mode] += st.misses > 0;
			if (!mode && admitted && st.misses)
				admitted_miss++;
		}
	}
	printf("| server | guest B miss ratio | pairs where B misses |\n|---|---|---|\n");
	printf("| deferrable (RTDS) | %.4f | %d/%d |\n",
	       acc[0].jobs ? (double)acc[0].misses / (double)acc[0].jobs : 0,
	       hit[0], sets);
	printf("| periodic | %.4f | %d/%d |\n\n",
	       acc[1].jobs ? (double)acc[1].misses / (double)acc[1].jobs : 0,
	       hit[1], sets);
	printf("rtdd_rtds_pool_check refuses %d of the %d pairs; among those it admits, %d miss with deferrable servers.\n\n",
	       refused, sets, admitted_miss);
}

int main(int argc, char **argv)
{
	int sets = 20, any = 0, run[3] = {0, 0, 0};
	uint64_t seed = 20261122;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sets") && i + 1 < argc) {
			sets = atoi(argv[++i]);
			if (sets < 1 || sets > 100000) {
				fprintf(stderr,
					"rtdd-rtds-exp: --sets 1..100000\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "e1") || !strcmp(argv[i], "e2") ||
			   !strcmp(argv[i], "e3")) {
			run[argv[i][1] - '1'] = 1;
			any = 1;
		} else {
			fprintf(stderr,
				"Usage: rtdd-rtds-exp [--sets N] [--seed S] [e1|e2|e3 ...]\n");
			return 2;
		}
	}
	printf("<!-- generated by: rtdd-rtds-exp --sets %d --seed %llu -->\n\n",
	       sets, (unsigned long long)seed);
	rng = seed ? seed : 1;
	if (!any || run[0])
		e1(sets);
	if (!any || run[1])
		e2(sets);
	if (!any || run[2]) {
		e3(sets);
		e3b(sets);
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * `rtdd analyze FILE` and `rtdd simulate FILE` (hv/rtds). The FILE format is
 * in docs/rtds.md. Exit status: 0 admitted / no miss, 1 refused / misses or
 * failure, 2 usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h" /* driverdom/cmds.h: the subcommand prototypes */
#include "rtdd/log.h"
#include "rtdd/rtds.h"

static const char *const sched_str[] = {"edf", "rm", "dm"};
static const char *const host_str[] = {"gedf", "pedf", "credit"};
static const char *const server_str[] = {"deferrable", "periodic"};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void cpus_str(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;

	if (!mask) {
		snprintf(buf, len, "all");
		return;
	}
	buf[0] = 0;
	for (unsigned c = 0; c < 64 && off + 4 < len; c++)
		if (mask & (1ULL << c))
			off += (size_t)snprintf(buf + off, len - off, "%s%u",
						off ? "," : "", c);
}

static double util(const struct rtdd_rtds_vm *vm)
{
	double u = 0;

	for (size_t i = 0; i < vm->ntasks; i++)
		if (vm->tasks[i].kind != RTDD_RTDS_TASK_BACKGROUND)
			u += (double)vm->tasks[i].wcet / vm->tasks[i].period;
	return u;
}

static int load(const char *path, struct rtdd_rtds_system *s)
{
	char err[256];
	int rc;

	memset(s, 0, sizeof(*s));
	rc = rtdd_rtds_system_load(path, s, err, sizeof(err));
	if (rc) {
		RTDD_LOG(ERR, "%s: %s", path, err[0] ? err : strerror(-rc));
		return rc;
	}
	return 0;
}

static void print_pool_failure(const struct rtdd_rtds_system *s,
			       const struct rtdd_rtds_report *rep)
{
	const struct rtdd_rtds_pool_verdict *p = &rep->pool;

	printf("NOT schedulable (%s)", p->test ? p->test : "pool");
	if (p->vcpu >= 0 && (size_t)p->vcpu < rep->nvcpus) {
		unsigned vm = rep->vcpus[p->vcpu].vm;

		printf(": vcpu %zu of %s",
		       (size_t)p->vcpu - rep->vms[vm].first_vcpu,
		       s->vms[vm].name);
		if (p->t >= 0)
			printf(", in a window of %lld us the demand %lld exceeds the capacity %lld",
			       (long long)p->t, (long long)p->demand,
			       (long long)p->capacity);
		else
			printf(" fits on no pCPU");
	}
	printf("\n");
}

static void print_text(const struct rtdd_rtds_system *s,
		       const struct rtdd_rtds_report *rep)
{
	char cpus[200];

	printf("system: %u pCPU(s), host %s, ctx switch %lld us\n", s->pcpus,
	       host_str[s->host], (long long)s->opts.ctx_switch);
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s->vms[i];
		const struct rtdd_rtds_vm_report *vr = &rep->vms[i];
		const struct rtdd_rtds_verdict *v = &vr->verdict;

		printf("\nvm %s: sched %s, %zu task(s), U = %.4f\n", vm->name,
		       sched_str[vm->sched], vm->ntasks, util(vm));
		printf("  interface: period %lld us, budget %lld us, vcpus %u, bandwidth %.4f\n",
		       (long long)vr->iface.period, (long long)vr->iface.budget,
		       vr->iface.m,
		       vr->iface.period
			       ? (double)vr->iface.budget / vr->iface.period
			       : 0.0);
		if (vr->rc && vr->rc != -ENOSPC)
			printf("  analysis: error: %s\n", strerror(-vr->rc));
		if (v->schedulable && !vr->rc) {
			printf("  verdict: schedulable (%llu points checked)\n",
			       (unsigned long long)v->points);
		} else if (v->task >= 0) {
			printf("  verdict: NOT schedulable: task %s, at t = %lld us the demand %lld exceeds the supply %lld\n",
			       vm->tasks[v->task].name, (long long)v->t,
			       (long long)v->demand, (long long)v->supply);
		} else {
			printf("  verdict: NOT schedulable\n");
		}
		for (size_t k = 0; k < vm->ntasks; k++) {
			const struct rtdd_rtds_task *t = &vm->tasks[k];

			if (t->kind == RTDD_RTDS_TASK_BACKGROUND) {
				printf("  task %-16s background\n", t->name);
				continue;
			}
			printf("  task %-16s T %8lld  C %7lld  D %8lld",
			       t->name, (long long)t->period,
			       (long long)t->wcet,
			       (long long)(t->deadline ? t->deadline
						       : t->period));
			if (vm->sched != RTDD_RTDS_SCHED_EDF && vm->vcpus == 1)
				printf("  R %lld", (long long)vr->resp[k]);
			printf("\n");
		}
		for (size_t j = vr->first_vcpu;
		     j < rep->nvcpus && rep->vcpus[j].vm == i; j++) {
			cpus_str(rep->vcpus[j].cpumask, cpus, sizeof(cpus));
			printf("  vcpu %zu: period %lld us, budget %lld us, cpus %s%s\n",
			       j - vr->first_vcpu,
			       (long long)rep->vcpus[j].period,
			       (long long)rep->vcpus[j].budget, cpus,
			       rep->vcpus[j].extratime ? ", extratime" : "");
		}
	}
	printf("\npool: ");
	if (rep->pool_rc && rep->pool_rc != -ENOSPC)
		printf("cannot check: %s\n", strerror(-rep->pool_rc));
	else if (rep->pool.schedulable)
		printf("schedulable (%s)\n", rep->pool.test);
	else
		print_pool_failure(s, rep);
	printf("\nxl commands (budgets are applied after creation):\n");
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm_report *vr = &rep->vms[i];

		for (size_t j = vr->first_vcpu;
		     j < rep->nvcpus && rep->vcpus[j].vm == i; j++)
			printf("  xl sched-rtds -d %s -v %zu -p %lld -b %lld -e %d\n",
			       s->vms[i].name, j - vr->first_vcpu,
			       (long long)rep->vcpus[j].period,
			       (long long)rep->vcpus[j].budget,
			       rep->vcpus[j].extratime);
	}
	printf("\nverdict: %s\n", rep->admitted ? "ADMITTED" : "REFUSED");
}

static void print_json(const struct rtdd_rtds_system *s,
		       const struct rtdd_rtds_report *rep)
{
	printf("{\"pcpus\":%u,\"host\":\"%s\",\"admitted\":%s,\"vms\":[",
	       s->pcpus, host_str[s->host], rep->admitted ? "true" : "false");
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s->vms[i];
		const struct rtdd_rtds_vm_report *vr = &rep->vms[i];
		const struct rtdd_rtds_verdict *v = &vr->verdict;

		printf("%s{\"name\":", i ? "," : "");
		json_str(stdout, vm->name);
		printf(",\"sched\":\"%s\",\"utilization\":%.6f,\"interface\":{\"period_us\":%lld,\"budget_us\":%lld,\"vcpus\":%u},\"error\":",
		       sched_str[vm->sched], util(vm),
		       (long long)vr->iface.period, (long long)vr->iface.budget,
		       vr->iface.m);
		if (vr->rc && vr->rc != -ENOSPC)
			json_str(stdout, strerror(-vr->rc));
		else
			printf("null");
		printf(",\"schedulable\":%s,\"failure\":",
		       v->schedulable && !vr->rc ? "true" : "false");
		if (!v->schedulable && v->task >= 0) {
			printf("{\"task\":");
			json_str(stdout, vm->tasks[v->task].name);
			printf(",\"t_us\":%lld,\"demand_us\":%lld,\"supply_us\":%lld}",
			       (long long)v->t, (long long)v->demand,
			       (long long)v->supply);
		} else {
			printf("null");
		}
		printf(",\"tasks\":[");
		for (size_t k = 0; k < vm->ntasks; k++) {
			const struct rtdd_rtds_task *t = &vm->tasks[k];

			printf("%s{\"name\":", k ? "," : "");
			json_str(stdout, t->name);
			printf(",\"period_us\":%lld,\"wcet_us\":%lld,\"deadline_us\":%lld,\"response_us\":%lld}",
			       (long long)t->period, (long long)t->wcet,
			       (long long)(t->deadline ? t->deadline
						       : t->period),
			       (long long)vr->resp[k]);
		}
		printf("],\"vcpus\":[");
		for (size_t j = vr->first_vcpu;
		     j < rep->nvcpus && rep->vcpus[j].vm == i; j++)
			printf("%s{\"period_us\":%lld,\"budget_us\":%lld,\"cpumask\":%llu,\"extratime\":%s}",
			       j > vr->first_vcpu ? "," : "",
			       (long long)rep->vcpus[j].period,
			       (long long)rep->vcpus[j].budget,
			       (unsigned long long)rep->vcpus[j].cpumask,
			       rep->vcpus[j].extratime ? "true" : "false");
		printf("]}");
	}
	printf("],\"pool\":{\"schedulable\":%s,\"test\":",
	       rep->pool.schedulable && !rep->pool_rc ? "true" : "false");
	json_str(stdout, rep->pool.test ? rep->pool.test : "none");
	printf(",\"error\":");
	if (rep->pool_rc)
		json_str(stdout, strerror(-rep->pool_rc));
	else
		printf("null");
	printf(",\"vcpu\":%d,\"t_us\":%lld,\"demand_us\":%lld,\"capacity_us\":%lld}}\n",
	       rep->pool.vcpu, (long long)rep->pool.t,
	       (long long)rep->pool.demand, (long long)rep->pool.capacity);
}

int rtdd_cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_rtds_system s;
	struct rtdd_rtds_report rep;
	int json = 0, c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("Usage: rtdd analyze [--json] FILE\n\n"
			       "Compositional analysis of the system in FILE (YAML, see docs/rtds.md):\n"
			       "each VM's tasks -> RTDS interface (period, budget, VCPUs) -> cpupool check.\n"
			       "Exit 0 if admitted, 1 if refused, 2 on bad input.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "Usage: rtdd analyze [--json] FILE\n");
		return 2;
	}
	if (load(argv[optind], &s))
		return 2;
	rc = rtdd_rtds_analyze(&s, &rep);
	if (rc) {
		RTDD_LOG(ERR, "analysis failed: %s", strerror(-rc));
		rtdd_rtds_system_dispose(&s);
		return 1;
	}
	if (json)
		print_json(&s, &rep);
	else
		print_text(&s, &rep);
	rc = rep.admitted ? 0 : 1;
	rtdd_rtds_report_dispose(&rep);
	rtdd_rtds_system_dispose(&s);
	return rc;
}

static void gantt(const struct rtdd_rtds_system *s,
		  const struct rtdd_rtds_sim_result *r, unsigned pcpus,
		  int cols)
{
	char *line = malloc((size_t)cols + 1);

	if (!line)
		return;
	printf("\nschedule (one column = %.1f us; letter = VM, upper case = a task runs, lower case = budget burnt idle, . = pCPU idle):\n",
	       (double)r->horizon / cols);
	for (size_t i = 0; i < s->nvms && i < 26; i++)
		printf("  %c = %s\n", 'A' + (int)i, s->vms[i].name);
	for (unsigned c = 0; c < pcpus; c++) {
		memset(line, '.', (size_t)cols);
		line[cols] = 0;
		for (size_t k = 0; k < r->ntrace; k++) {
			const struct rtdd_rtds_sim_seg *g = &r->trace[k];
			int64_t a, b;

			if (g->pcpu != c)
				continue;
			a = g->start * cols / r->horizon;
			b = (g->end * cols + r->horizon - 1) / r->horizon;
			for (int64_t x = a; x < b && x < cols; x++)
				line[x] = (char)((g->task >= 0 ? 'A' : 'a') +
						 (g->vm % 26));
		}
		printf("  cpu%-2u |%s|\n", c, line);
	}
	free(line);
}

static int print_sim(const struct rtdd_rtds_system *s,
		     const struct rtdd_rtds_sim_config *cfg,
		     const struct rtdd_rtds_report *rep,
		     const struct rtdd_rtds_sim_result *r, int json, int trace)
{
	if (json) {
		printf("{\"host\":\"%s\",\"server\":\"%s\",\"pcpus\":%u,\"horizon_us\":%lld,\"misses\":%llu,\"vms\":[",
		       host_str[cfg->host], server_str[cfg->server], cfg->pcpus,
		       (long long)r->horizon,
		       (unsigned long long)r->total_misses);
	} else {
		printf("simulation: %s, %s servers, %u pCPU(s), horizon %lld us, %llu events\n",
		       host_str[cfg->host], server_str[cfg->server], cfg->pcpus,
		       (long long)r->horizon, (unsigned long long)r->events);
	}
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s->vms[i];
		size_t first = rep->vms[i].first_vcpu, nv = 0;

		for (size_t j = first; j < rep->nvcpus && rep->vcpus[j].vm == i;
		     j++)
			nv++;
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, vm->name);
			printf(",\"vcpu_supply_us\":[");
			for (size_t j = 0; j < nv; j++)
				printf("%s%lld", j ? "," : "",
				       (long long)r->vcpu_supply[i][j]);
			printf("],\"tasks\":[");
		} else {
			printf("\nvm %s:", vm->name);
			for (size_t j = 0; j < nv; j++)
				printf(" vcpu%zu ran %.2f%%", j,
				       100.0 * (double)r->vcpu_supply[i][j] /
					       (double)r->horizon);
			printf("\n  %-16s %7s %6s %10s %10s %10s %10s  R/D histogram (10%% steps, >100%%, >150%%)\n",
			       "task", "jobs", "misses", "first-miss", "Rmin",
			       "Ravg", "Rmax");
		}
		for (size_t k = 0; k < vm->ntasks; k++) {
			const struct rtdd_rtds_sim_task_stats *st =
				&r->task[i][k];
			double avg = st->completed
					     ? (double)st->rt_sum /
						       (double)st->completed
					     : 0;

			if (vm->tasks[k].kind == RTDD_RTDS_TASK_BACKGROUND)
				continue;
			if (json) {
				printf("%s{\"name\":", k ? "," : "");
				json_str(stdout, vm->tasks[k].name);
				printf(",\"jobs\":%llu,\"misses\":%llu,\"first_miss_us\":%lld,\"r_min_us\":%lld,\"r_avg_us\":%.1f,\"r_max_us\":%lld,\"hist\":[",
				       (unsigned long long)st->jobs,
				       (unsigned long long)st->misses,
				       (long long)st->first_miss,
				       (long long)st->rt_min, avg,
				       (long long)st->rt_max);
				for (int b = 0; b < RTDD_RTDS_SIM_HIST; b++)
					printf("%s%llu", b ? "," : "",
					       (unsigned long long)st->hist[b]);
				printf("]}");
			} else {
				printf("  %-16s %7llu %6llu %10lld %10lld %10.1f %10lld ",
				       vm->tasks[k].name,
				       (unsigned long long)st->jobs,
				       (unsigned long long)st->misses,
				       (long long)st->first_miss,
				       (long long)st->rt_min, avg,
				       (long long)st->rt_max);
				for (int b = 0; b < RTDD_RTDS_SIM_HIST; b++)
					printf(" %llu",
					       (unsigned long long)st->hist[b]);
				printf("\n");
			}
		}
		if (json)
			printf("]}");
	}
	if (json) {
		printf("]");
		if (trace) {
			/* [start, end, pcpu, vm, vcpu, task (-1 idle)] */
			printf(",\"trace\":[");
			for (size_t k = 0; k < r->ntrace; k++)
				printf("%s[%lld,%lld,%u,%u,%u,%d]",
				       k ? "," : "",
				       (long long)r->trace[k].start,
				       (long long)r->trace[k].end,
				       r->trace[k].pcpu, r->trace[k].vm,
				       r->trace[k].vcpu, r->trace[k].task);
			printf("]");
		}
		printf("}\n");
		return 0;
	}
	printf("\ntotal deadline misses: %llu\n",
	       (unsigned long long)r->total_misses);
	if (trace) {
		printf("\nsupply trace (%zu segments):\n  %10s %10s %4s %-16s %4s %s\n",
		       r->ntrace, "start", "end", "pcpu", "vm", "vcpu", "task");
		for (size_t k = 0; k < r->ntrace; k++) {
			const struct rtdd_rtds_sim_seg *g = &r->trace[k];
			const struct rtdd_rtds_vm *vm = &s->vms[g->vm];

			printf("  %10lld %10lld %4u %-16s %4u %s\n",
			       (long long)g->start, (long long)g->end, g->pcpu,
			       vm->name, g->vcpu,
			       g->task >= 0 ? vm->tasks[g->task].name
					    : "(idle, budget burnt)");
		}
	}
	return 0;
}

static int parse_enum(const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

int rtdd_cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"host", required_argument, NULL, 'H'},
		{"server", required_argument, NULL, 'S'},
		{"horizon", required_argument, NULL, 'T'},
		{"seed", required_argument, NULL, 's'},
		{"gantt", optional_argument, NULL, 'g'},
		{"trace", no_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_rtds_system s;
	struct rtdd_rtds_report rep;
	struct rtdd_rtds_sim_config cfg = {0};
	struct rtdd_rtds_sim_result res;
	int json = 0, c, rc, host = -1, server = -1, cols = 0, trace = 0;
	long long horizon = 0, seed = -1;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'H':
			host = parse_enum(optarg, host_str, 3);
			if (host < 0) {
				fprintf(stderr,
					"rtdd simulate: --host gedf|pedf|credit\n");
				return 2;
			}
			break;
		case 'S':
			server = parse_enum(optarg, server_str, 2);
			if (server < 0) {
				fprintf(stderr,
					"rtdd simulate: --server deferrable|periodic\n");
				return 2;
			}
			break;
		case 'T':
			errno = 0;
			horizon = strtoll(optarg, &end, 10);
			if (errno || *end || horizon <= 0 ||
			    horizon > (1LL << 40)) {
				fprintf(stderr,
					"rtdd simulate: bad --horizon\n");
				return 2;
			}
			break;
		case 's':
			errno = 0;
			seed = strtoll(optarg, &end, 10);
			if (errno || *end || seed < 0) {
				fprintf(stderr, "rtdd simulate: bad --seed\n");
				return 2;
			}
			break;
		case 't':
			trace = 1;
			break;
		case 'g':
			cols = 100;
			if (optarg) {
				cols = (int)strtol(optarg, &end, 10);
				if (*end || cols < 10 || cols > 1000) {
					fprintf(stderr,
						"rtdd simulate: --gantt=10..1000\n");
					return 2;
				}
			}
			break;
		case 'h':
			printf("Usage: rtdd simulate [--json] [--host gedf|pedf|credit]\n"
			       "          [--server deferrable|periodic] [--horizon US] [--seed N]\n"
			       "          [--gantt[=COLS]] [--trace] FILE\n\n"
			       "Simulates the system in FILE (see docs/rtds.md) with the VCPUs that\n"
			       "`rtdd analyze` gives it; prints deadline misses, response times per\n"
			       "task and the supply each VCPU got; --trace lists every supply\n"
			       "segment (first 10^6), --gantt draws them. Options override FILE.\n"
			       "Exit 0 without misses, 1 with misses, 2 on bad input.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"Usage: rtdd simulate [options] FILE (--help)\n");
		return 2;
	}
	if (load(argv[optind], &s))
		return 2;
	if (host >= 0)
		s.host = (enum rtdd_rtds_host)host;
	if (server >= 0)
		s.server = (enum rtdd_rtds_server)server;
	rc = rtdd_rtds_analyze(&s, &rep);
	if (rc) {
		RTDD_LOG(ERR, "analysis failed: %s", strerror(-rc));
		rtdd_rtds_system_dispose(&s);
		return 1;
	}
	if (!rep.admitted)
		RTDD_LOG(
			WARN,
			"the analysis refuses this system (see rtdd analyze); simulating anyway");
	if (s.host == RTDD_RTDS_HOST_PEDF && rep.pool_rc == -ENOSPC) {
		/* partitioning failed: spread the VCPUs round robin */
		for (size_t j = 0; j < rep.nvcpus; j++)
			rep.vcpus[j].cpumask = 1ULL << (j % s.pcpus);
	}
	cfg.pcpus = s.pcpus;
	cfg.host = s.host;
	cfg.server = s.server;
	cfg.horizon = horizon ? horizon
			      : (s.horizon ? s.horizon
					   : rtdd_rtds_sim_horizon(&s, &rep,
								   10000000));
	cfg.seed = seed >= 0 ? (uint64_t)seed : s.seed;
	cfg.trace_max = trace ? 1000000 : (cols ? 100000 : 0);
	rc = rtdd_rtds_sim_system(&s, &rep, &cfg, &res);
	if (rc) {
		RTDD_LOG(ERR, "simulation failed: %s", strerror(-rc));
		rtdd_rtds_report_dispose(&rep);
		rtdd_rtds_system_dispose(&s);
		return rc == -EINVAL ? 2 : 1;
	}
	print_sim(&s, &cfg, &rep, &res, json, trace);
	if (cols && !json)
		gantt(&s, &res, cfg.pcpus, cols);
	rc = res.total_misses ? 1 : 0;
	rtdd_rtds_sim_result_dispose(&res);
	rtdd_rtds_report_dispose(&rep);
	rtdd_rtds_system_dispose(&s);
	return rc;
}

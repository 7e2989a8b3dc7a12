// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the RTDS system description parser
 * (rtdd_rtds_system_parse), then, for small systems, the whole-system
 * analysis (rtdd_rtds_analyze) and a short simulation of what it admits.
 *
 * Oracles: 0 or -errno; a refusal writes a terminated message and leaves
 * the system disposed; an accepted system has 1..256 VMs with tasks that
 * satisfy 0 < C, 0 < T; analysis verdicts name a task in range.
 */
#include <errno.h>

#include "fuzz.h"
#include "rtdd/rtds.h"

#define AN_MAX_TASKS 10
#define AN_MAX_US 100000
#define AN_MAX_PERIODS 16
#define SIM_CAP_US 50000

static int small_enough(const struct rtdd_rtds_system *s)
{
	size_t tasks = 0;

	if (s->pmax && (s->pmax > AN_MAX_US || s->pstep <= 0 ||
			(s->pmax - s->pmin) / s->pstep >= AN_MAX_PERIODS))
		return 0;
	for (size_t i = 0; i < s->nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s->vms[i];

		if (vm->period > AN_MAX_US || vm->vcpus > 4)
			return 0;
		tasks += vm->ntasks;
		for (size_t t = 0; t < vm->ntasks; t++)
			if (vm->tasks[t].period > AN_MAX_US ||
			    vm->tasks[t].offset > AN_MAX_US)
				return 0;
	}
	return tasks <= AN_MAX_TASKS;
}

static void analyze(const struct rtdd_rtds_system *s)
{
	struct rtdd_rtds_report rep;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = rtdd_rtds_analyze(s, &rep);
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	if (rc)
		return;
	FUZZ_CHECK(rep.nvms == s->nvms);
	for (size_t i = 0; i < rep.nvms; i++) {
		const struct rtdd_rtds_vm_report *v = &rep.vms[i];

		FUZZ_CHECK(v->rc <= 0);
		if (!v->rc && !v->verdict.schedulable)
			FUZZ_CHECK(v->verdict.task >= -1 &&
				   v->verdict.task < (int)s->vms[i].ntasks);
		FUZZ_CHECK(v->first_vcpu <= rep.nvcpus);
	}
	if (rep.admitted) {
		struct rtdd_rtds_sim_config cfg = {
			.pcpus = s->pcpus,
			.host = s->host,
			.server = s->server,
			.seed = s->seed,
		};
		struct rtdd_rtds_sim_result res;

		cfg.horizon = rtdd_rtds_sim_horizon(s, &rep, SIM_CAP_US);
		if (cfg.horizon > 0) {
			memset(&res, 0, sizeof(res));
			rc = rtdd_rtds_sim_system(s, &rep, &cfg, &res);
			FUZZ_CHECK(rc <= 0);
			if (!rc)
				rtdd_rtds_sim_result_dispose(&res);
		}
	}
	rtdd_rtds_report_dispose(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtdd_rtds_system s;
	char err[256];
	int rc;

	memset(&s, 0, sizeof(s));
	memset(err, 'x', sizeof(err));
	rc = rtdd_rtds_system_parse((const char *)data, size, &s, err,
				    sizeof(err));
	FUZZ_CHECK(rc <= 0);
	FUZZ_CHECK(memchr(err, 0, sizeof(err)));
	if (getenv("RTDD_FUZZ_DEBUG"))
		fprintf(stderr, "parse: %d %s\n", rc, rc ? err : "");
	if (rc) {
		FUZZ_CHECK(rc == -ENOMEM || err[0]);
		FUZZ_CHECK(!s.vms && !s.nvms);
		return 0;
	}
	FUZZ_CHECK(s.nvms >= 1 && s.nvms <= 256 && s.vms);
	FUZZ_CHECK(s.pcpus >= 1 && s.pcpus <= 64);
	for (size_t i = 0; i < s.nvms; i++) {
		const struct rtdd_rtds_vm *vm = &s.vms[i];

		FUZZ_CHECK(memchr(vm->name, 0, sizeof(vm->name)));
		FUZZ_CHECK(vm->vcpus >= 1);
		for (size_t t = 0; t < vm->ntasks; t++)
			FUZZ_CHECK(vm->tasks[t].kind ==
					   RTDD_RTDS_TASK_BACKGROUND ||
				   (vm->tasks[t].period > 0 &&
				    vm->tasks[t].wcet > 0));
	}
	if (small_enough(&s))
		analyze(&s);
	rtdd_rtds_system_dispose(&s);
	rtdd_rtds_system_dispose(&s);
	return 0;
}

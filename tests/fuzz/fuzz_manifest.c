// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ECU manifest parser (rtdd_manifest_parse), and
 * admission (rtdd_plan_build) plus both reports on what it accepts.
 *
 * Oracles: the return is 0 or a documented -errno; a refusal leaves a
 * terminated message in err and nothing allocated in *m; an accepted manifest
 * has 1..256 domains whose pools exist. Admission is only run on manifests
 * with few tasks and short periods, over at most 8 candidate periods, so
 * that one input stays well under the timeout: the analysis' own cost is
 * bench_rtds's business.
 */
#include <errno.h>

#include "fuzz.h"
#include "rtdd/manifest.h"
#include "rtdd/plan.h"

#define PLAN_MAX_PERIODS 8
#define PLAN_MAX_TASKS 16
#define PLAN_MAX_US 100000

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* Admission searches (period_max - period_min) / step candidate periods;
 * the harness widens the step so there are at most PLAN_MAX_PERIODS (the
 * manifest's own range is what the parser was fed; the plan code paths
 * are the same). */
static int small_enough(struct rtdd_manifest *m)
{
	size_t tasks = 0;

	if (m->period_step_us <= 0 || m->period_min_us < 0 ||
	    m->period_max_us > PLAN_MAX_US)
		return 0;
	if ((m->period_max_us - m->period_min_us) / m->period_step_us >=
	    PLAN_MAX_PERIODS)
		m->period_step_us = (m->period_max_us - m->period_min_us) /
					    PLAN_MAX_PERIODS +
				    1;
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *d = &m->domains[i];

		tasks += d->ntasks + d->nvbds + d->nvifs;
		for (size_t t = 0; t < d->ntasks; t++)
			if (d->tasks[t].period > PLAN_MAX_US)
				return 0;
		if (d->rtds.set && d->rtds.period > PLAN_MAX_US)
			return 0;
	}
	return tasks <= PLAN_MAX_TASKS;
}

static void check_accepted(const struct rtdd_manifest *m)
{
	FUZZ_CHECK(m->ndomains >= 1 && m->ndomains <= 256);
	FUZZ_CHECK(m->domains);
	FUZZ_CHECK(m->pcpus >= 1);
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *d = &m->domains[i];

		FUZZ_CHECK(memchr(d->name, 0, sizeof(d->name)));
		FUZZ_CHECK(d->name[0]);
		FUZZ_CHECK(d->pool >= 0 && (size_t)d->pool < m->npools);
		FUZZ_CHECK(rtdd_manifest_find(m, d->name) == (int)i);
		for (size_t k = 0; k < d->npcis; k++)
			FUZZ_CHECK(memchr(d->pcis[k].bdf, 0,
					  sizeof(d->pcis[k].bdf)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtdd_manifest m;
	char err[512];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = rtdd_manifest_parse((const char *)data, size, "fuzz", &m, err,
				 sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK(memchr(err, 0, sizeof(err)));
	if (getenv("RTDD_FUZZ_DEBUG"))
		fprintf(stderr, "parse: %d %s\n", rc, rc ? err : "");
	if (rc) {
		/* "*m is left disposed": zeroed, nothing allocated. */
		static const struct rtdd_manifest zero;

		FUZZ_CHECK(err[0]);
		FUZZ_CHECK(!memcmp(&m, &zero, sizeof(m)));
		rtdd_manifest_dispose(&m); /* idempotent */
		return 0;
	}
	check_accepted(&m);
	if (small_enough(&m)) {
		struct rtdd_plan p;

		memset(&p, 0, sizeof(p));
		rc = rtdd_plan_build(&m, &p);
		if (getenv("RTDD_FUZZ_DEBUG"))
			fprintf(stderr, "plan: %d admitted %d %s\n", rc,
				p.admitted, p.admitted ? "" : p.reason);
		FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
		if (!rc && devnull) {
			FUZZ_CHECK(p.admitted ||
				   memchr(p.reason, 0, sizeof(p.reason)));
			rtdd_plan_report_text(&p, devnull);
			rtdd_plan_report_json(&p, devnull);
		}
		rtdd_plan_dispose(&p);
	}
	rtdd_manifest_dispose(&m);
	rtdd_manifest_dispose(&m);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * rtdd/plan.h - from a manifest to an admitted plan and the files that
 * apply it (docs/manifest.md, "rtdd plan").
 *
 * Admission, per RTDS cpupool, through hv/rtds:
 *   - an rt-guest's task set gets the interface of least bandwidth
 *     ⟨Π, Θ, m⟩ over the manifest's period range (explicit rtds parameters
 *     are checked instead of searched);
 *   - a driver domain's load is one sporadic task per RT device it serves
 *     (T = io.period, C = io.cost, D = io.max_delay): an admitted driver
 *     domain bounds the service delay of every RT request by max_delay;
 *     it runs with extratime so best-effort devices use the slack;
 *   - best-effort domains in an RTDS pool get the smallest interface with
 *     extratime;
 *   - then the pool: all VCPUs by the gEDF / per-pCPU deferrable-server
 *     tests of rtdd_rtds_pool_check.
 * Not thread-safe per plan.
 */
#ifndef RTDD_PLAN_H
#define RTDD_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rtdd/manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rtdd_plan_vcpu {
	int64_t period_us, budget_us;
	bool extratime;
	uint64_t cpus; /* global pCPU mask (hard affinity), 0 = the pool */
};

struct rtdd_plan_dom {
	bool rtds;	      /* in an RTDS pool: vcpu[] is meaningful */
	int64_t iface_period; /* Π */
	int64_t iface_budget; /* Θ over all VCPUs */
	unsigned nvcpus;
	struct rtdd_plan_vcpu *vcpu;
	bool schedulable;
	char why[256]; /* when not schedulable */
	/* RM response times per task (µs, -1 unknown), NULL for EDF */
	int64_t *resp;
};

struct rtdd_plan_pool {
	bool checked; /* an RTDS pool with VCPUs */
	bool schedulable;
	char test[64];
	char why[256];
};

struct rtdd_plan {
	const struct rtdd_manifest *m; /* borrowed; outlives the plan */
	struct rtdd_plan_dom *dom;     /* m->ndomains */
	struct rtdd_plan_pool *pool;   /* m->npools */
	bool admitted;
	char reason[1024]; /* first refusal, when !admitted */
};

/* Runs admission. Returns 0 (see p->admitted), -ENOMEM, or -EINVAL for a
 * manifest the analysis cannot take (p->reason says why). */
int rtdd_plan_build(const struct rtdd_manifest *m, struct rtdd_plan *p);
void rtdd_plan_dispose(struct rtdd_plan *p);

/* Writes into dir (created if needed): <domain>.cfg for every domain,
 * cpupool-<pool>.cfg for every pool but Pool-0, <dd>.rtdd.json (what each
 * driver domain serves, for rtdd-devd), apply.sh, destroy.sh, report.txt
 * and report.json. Refuses (-EPERM) a plan that was not admitted.
 * err gets a message on failure. */
int rtdd_plan_write(const struct rtdd_plan *p, const char *dir, char *err,
		    size_t errlen);

void rtdd_plan_report_text(const struct rtdd_plan *p, FILE *f);
void rtdd_plan_report_json(const struct rtdd_plan *p, FILE *f);

#ifdef __cplusplus
}
#endif
#endif

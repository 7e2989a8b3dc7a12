// SPDX-License-Identifier: MIT
/* Admission of a manifest through hv/rtds, and the files that apply it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rtdd/json.h"
#include "rtdd/plan.h"
#include "rtdd/rtds.h"

/* Pool-local CPU index of global CPU c. */
static int local_cpu(uint64_t pool_cpus, unsigned c)
{
	int k = 0;

	for (unsigned i = 0; i < c; i++)
		if (pool_cpus & (1ull << i))
			k++;
	return k;
}

static uint64_t to_local_mask(uint64_t pool_cpus, uint64_t global)
{
	uint64_t out = 0;

	for (unsigned c = 0; c < 64; c++)
		if (global & (1ull << c))
			out |= 1ull << local_cpu(pool_cpus, c);
	return out;
}

static unsigned popcount64(uint64_t v)
{
	return (unsigned)__builtin_popcountll(v);
}

/* The RT devices a driver domain serves become its sporadic tasks. */
static int dd_tasks(const struct rtdd_manifest *m, size_t dd,
		    struct rtdd_rtds_task **out, size_t *n_out)
{
	const char *name = m->domains[dd].name;
	struct rtdd_rtds_task *t = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *g = &m->domains[i];
		size_t nd = g->nvbds + g->nvifs;

		for (size_t j = 0; j < nd; j++) {
			const struct rtdd_mf_io *io;
			const char *be;
			char label[32];

			if (j < g->nvbds) {
				io = &g->vbds[j].io;
				be = g->vbds[j].backend;
				snprintf(label, sizeof(label),
					 "vbd:%.12s/%.10s", g->name,
					 g->vbds[j].vdev);
			} else {
				const struct rtdd_mf_vif *v =
					&g->vifs[j - g->nvbds];

				if (v->cls != RTDD_MF_CLASS_RT)
					continue;
				io = &v->io;
				be = v->backend;
				snprintf(label, sizeof(label), "vif:%.14s/%zu",
					 g->name, j - g->nvbds);
			}
			if (strcmp(be, name) || !io->period)
				continue;
			if (n == cap) {
				struct rtdd_rtds_task *nt;

				cap = cap ? cap * 2 : 8;
				nt = realloc(t, cap * sizeof(*t));
				if (!nt) {
					free(t);
					return -ENOMEM;
				}
				t = nt;
			}
			memset(&t[n], 0, sizeof(t[n]));
			snprintf(t[n].name, sizeof(t[n].name), "%s", label);
			t[n].period = io->period;
			t[n].wcet = io->cost;
			t[n].deadline = io->max_delay;
			t[n].kind = RTDD_RTDS_TASK_SPORADIC;
			n++;
		}
	}
	*out = t;
	*n_out = n;
	return 0;
}

static int plan_pool(const struct rtdd_manifest *m, size_t pi,
		     struct rtdd_plan *p)
{
	const struct rtdd_mf_pool *pool = &m->pools[pi];
	struct rtdd_rtds_system s = {0};
	struct rtdd_rtds_report rep = {0};
	size_t *map = NULL; /* vm index -> domain index */
	int rc = 0;

	s.pcpus = popcount64(pool->cpus);
	s.pmin = m->period_min_us;
	s.pmax = m->period_max_us;
	s.pstep = m->period_step_us;
	s.opts.ctx_switch = m->ctx_switch_us;
	s.host = RTDD_RTDS_HOST_GEDF;
	s.server = RTDD_RTDS_SERVER_DEFERRABLE;
	s.vms = calloc(m->ndomains, sizeof(*s.vms));
	map = calloc(m->ndomains, sizeof(*map));
	if (!s.vms || !map) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *d = &m->domains[i];
		struct rtdd_rtds_vm *vm = &s.vms[s.nvms];

		if (d->pool != (int)pi)
			continue;
		snprintf(vm->name, sizeof(vm->name), "%.31s", d->name);
		vm->sched = d->sched == RTDD_MF_SCHED_RM ? RTDD_RTDS_SCHED_RM
							 : RTDD_RTDS_SCHED_EDF;
		vm->vcpus = d->vcpus;
		vm->cpumask = to_local_mask(pool->cpus, d->cpus);
		if (d->role == RTDD_MF_RT_GUEST) {
			vm->ntasks = d->ntasks;
			vm->tasks = calloc(d->ntasks ? d->ntasks : 1,
					   sizeof(*vm->tasks));
			if (!vm->tasks) {
				rc = -ENOMEM;
				goto out;
			}
			for (size_t k = 0; k < d->ntasks; k++) {
				snprintf(vm->tasks[k].name,
					 sizeof(vm->tasks[k].name), "%s",
					 d->tasks[k].name);
				vm->tasks[k].period = d->tasks[k].period;
				vm->tasks[k].wcet = d->tasks[k].wcet;
				vm->tasks[k].deadline = d->tasks[k].deadline;
			}
			vm->extratime = d->rtds.set && d->rtds.extratime;
		} else if (d->role == RTDD_MF_DRIVER_DOMAIN) {
			rc = dd_tasks(m, i, &vm->tasks, &vm->ntasks);
			if (rc)
				goto out;
			if (!vm->ntasks && !d->rtds.set) {
				snprintf(p->reason, sizeof(p->reason),
					 "%s:%d: driver domain '%s' serves no "
					 "RT device but sits in RTDS pool "
					 "'%s': give it rtds parameters or "
					 "move it to another pool",
					 m->path, d->line, d->name, pool->name);
				rc = -EINVAL;
				goto out;
			}
			/* best-effort devices are served from the slack */
			vm->extratime = 1;
		} else {
			vm->extratime = 1;
		}
		if (d->rtds.set) {
			vm->period = d->rtds.period;
			vm->budget = d->rtds.budget * (int64_t)d->vcpus;
			if (d->role != RTDD_MF_DRIVER_DOMAIN)
				vm->extratime = d->rtds.extratime;
		}
		if (d->cpus && popcount64(d->cpus) != 1 &&
		    d->cpus != pool->cpus) {
			snprintf(p->reason, sizeof(p->reason),
				 "%s:%d: '%s': pin to one pCPU or to the whole "
				 "pool '%s'; the analysis has no test for "
				 "other affinities",
				 m->path, d->line, d->name, pool->name);
			rc = -EINVAL;
			goto out;
		}
		map[s.nvms++] = i;
	}
	if (!s.nvms)
		goto out;
	rc = rtdd_rtds_analyze(&s, &rep);
	if (rc) {
		snprintf(p->reason, sizeof(p->reason),
			 "cpupool '%s': analysis failed: %s", pool->name,
			 strerror(-rc));
		goto out;
	}
	for (size_t v = 0; v < s.nvms; v++) {
		const struct rtdd_rtds_vm_report *vr = &rep.vms[v];
		const struct rtdd_rtds_vm *vm = &s.vms[v];
		struct rtdd_plan_dom *pd = &p->dom[map[v]];
		const struct rtdd_mf_domain *d = &m->domains[map[v]];

		pd->rtds = true;
		pd->iface_period = vr->iface.period;
		pd->iface_budget = vr->iface.budget;
		pd->nvcpus = d->vcpus;
		pd->vcpu = calloc(d->vcpus, sizeof(*pd->vcpu));
		if (!pd->vcpu) {
			rc = -ENOMEM;
			goto out;
		}
		for (unsigned k = 0; k < d->vcpus; k++) {
			size_t idx = vr->first_vcpu + k;

			if (vr->rc || idx >= rep.nvcpus)
				break;
			pd->vcpu[k].period_us = rep.vcpus[idx].period;
			pd->vcpu[k].budget_us = rep.vcpus[idx].budget;
			pd->vcpu[k].extratime = rep.vcpus[idx].extratime;
			pd->vcpu[k].cpus = d->cpus;
		}
		pd->schedulable = !vr->rc && vr->verdict.schedulable;
		if (vm->sched == RTDD_RTDS_SCHED_RM && vm->ntasks && vr->resp) {
			pd->resp = calloc(vm->ntasks, sizeof(*pd->resp));
			if (pd->resp)
				memcpy(pd->resp, vr->resp,
				       vm->ntasks * sizeof(*pd->resp));
		}
		if (!pd->schedulable) {
			const struct rtdd_rtds_verdict *vd = &vr->verdict;

			if (vd->task >= 0 && (size_t)vd->task < vm->ntasks)
				snprintf(pd->why, sizeof(pd->why),
					 "task '%s' is not guaranteed: at "
					 "t = %" PRId64
					 " us the demand %" PRId64
					 " us exceeds the supply %" PRId64
					 " us even with the full budget at "
					 "period %" PRId64 " us",
					 vm->tasks[vd->task].name, vd->t,
					 vd->demand, vd->supply,
					 vr->iface.period);
			else
				snprintf(pd->why, sizeof(pd->why),
					 "no interface found (%s)",
					 strerror(vr->rc ? -vr->rc : ENOSPC));
			if (p->admitted) {
				p->admitted = false;
				snprintf(p->reason, sizeof(p->reason),
					 "%.200s:%d: '%s' refused: %s", m->path,
					 d->line, d->name, pd->why);
			}
		}
	}
	struct rtdd_plan_pool *pp = &p->pool[pi];

	pp->checked = true;
	pp->schedulable = !rep.pool_rc && rep.pool.schedulable;
	snprintf(pp->test, sizeof(pp->test), "%s",
		 rep.pool.test ? rep.pool.test : "");
	if (!pp->schedulable) {
		if (rep.pool.vcpu >= 0 && (size_t)rep.pool.vcpu < rep.nvcpus) {
			const struct rtdd_rtds_vcpu *bad =
				&rep.vcpus[rep.pool.vcpu];

			snprintf(pp->why, sizeof(pp->why),
				 "VCPU of '%s' (period %" PRId64
				 " us, budget %" PRId64
				 " us) is not guaranteed on %u pCPUs: demand "
				 "%" PRId64 " us exceeds capacity %" PRId64
				 " us in a window of %" PRId64 " us",
				 m->domains[map[bad->vm]].name, bad->period,
				 bad->budget, s.pcpus, rep.pool.demand,
				 rep.pool.capacity, rep.pool.t);
		} else {
			snprintf(pp->why, sizeof(pp->why), "%s",
				 rep.pool_rc ? strerror(-rep.pool_rc)
					     : "pool test failed");
		}
		if (p->admitted) {
			p->admitted = false;
			snprintf(p->reason, sizeof(p->reason),
				 "%.200s:%d: cpupool '%s' refused: %s", m->path,
				 pool->line, pool->name, pp->why);
		}
	}
out:
	rtdd_rtds_report_dispose(&rep);
	for (size_t v = 0; v < s.nvms; v++)
		free(s.vms[v].tasks);
	free(s.vms);
	free(map);
	return rc;
}

int rtdd_plan_build(const struct rtdd_manifest *m, struct rtdd_plan *p)
{
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->admitted = true;
	p->dom = calloc(m->ndomains, sizeof(*p->dom));
	p->pool = calloc(m->npools ? m->npools : 1, sizeof(*p->pool));
	if (!p->dom || !p->pool) {
		rtdd_plan_dispose(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->ndomains; i++)
		p->dom[i].schedulable = true;
	for (size_t pi = 0; pi < m->npools && !rc; pi++)
		if (!strcmp(m->pools[pi].sched, "rtds"))
			rc = plan_pool(m, pi, p);
	if (rc)
		p->admitted = false;
	return rc;
}

void rtdd_plan_dispose(struct rtdd_plan *p)
{
	if (p->dom && p->m)
		for (size_t i = 0; i < p->m->ndomains; i++) {
			free(p->dom[i].vcpu);
			free(p->dom[i].resp);
		}
	free(p->dom);
	free(p->pool);
	memset(p, 0, sizeof(*p));
}

/* ---- reports --------------------------------------------------------- */

static double bw(int64_t b, int64_t per)
{
	return per ? (double)b / (double)per : 0;
}

void rtdd_plan_report_text(const struct rtdd_plan *p, FILE *f)
{
	const struct rtdd_manifest *m = p->m;

	fprintf(f, "manifest %s (%s): %s\n", m->name, m->path,
		p->admitted ? "ADMITTED" : "REFUSED");
	if (!p->admitted)
		fprintf(f, "reason: %s\n", p->reason);
	for (size_t pi = 0; pi < m->npools; pi++) {
		const struct rtdd_mf_pool *pool = &m->pools[pi];
		const struct rtdd_plan_pool *pp = &p->pool[pi];

		fprintf(f, "\ncpupool %s (%s, %u pCPUs)", pool->name,
			pool->sched, popcount64(pool->cpus));
		if (pp->checked)
			fprintf(f, ": %s by %s%s%s\n",
				pp->schedulable ? "schedulable"
						: "NOT schedulable",
				pp->test, pp->schedulable ? "" : " - ",
				pp->schedulable ? "" : pp->why);
		else
			fprintf(f, ": no RTDS admission (not an RTDS pool)\n");
		for (size_t i = 0; i < m->ndomains; i++) {
			const struct rtdd_mf_domain *d = &m->domains[i];
			const struct rtdd_plan_dom *pd = &p->dom[i];

			if (d->pool != (int)pi)
				continue;
			fprintf(f, "  %-14s %-13s", d->name,
				rtdd_mf_role_name(d->role));
			if (!pd->rtds) {
				fprintf(f, " %u VCPU(s), scheduled by %s\n",
					d->vcpus, pool->sched);
				continue;
			}
			fprintf(f,
				" interface <%" PRId64 " us, %" PRId64
				" us, %u> (bandwidth %.3f) %s\n",
				pd->iface_period, pd->iface_budget, pd->nvcpus,
				bw(pd->iface_budget, pd->iface_period),
				pd->schedulable ? "ok" : "REFUSED");
			if (!pd->schedulable)
				fprintf(f, "      %s\n", pd->why);
			for (unsigned k = 0; pd->schedulable && k < pd->nvcpus;
			     k++)
				fprintf(f,
					"      vcpu %u: period %" PRId64
					" us budget %" PRId64
					" us extratime %d\n",
					k, pd->vcpu[k].period_us,
					pd->vcpu[k].budget_us,
					pd->vcpu[k].extratime);
			if (d->role == RTDD_MF_DRIVER_DOMAIN &&
			    pd->schedulable) {
				for (size_t g = 0; g < m->ndomains; g++) {
					const struct rtdd_mf_domain *gd =
						&m->domains[g];

					for (size_t j = 0; j < gd->nvbds; j++)
						if (!strcmp(gd->vbds[j].backend,
							    d->name) &&
						    gd->vbds[j].io.period)
							fprintf(f,
								"      serves "
								"vbd %s/%s "
								"within "
								"%" PRId64
								" us\n",
								gd->name,
								gd->vbds[j]
									.vdev,
								gd->vbds[j]
									.io
									.max_delay);
					for (size_t j = 0; j < gd->nvifs; j++)
						if (!strcmp(gd->vifs[j].backend,
							    d->name))
							fprintf(f,
								"      serves "
								"vif %s/%zu "
								"%s\n",
								gd->name, j,
								gd->vifs[j].cls ==
										RTDD_MF_CLASS_RT
									? "(rt, "
									  "bounded "
									  "by its "
									  "io.max_"
									  "delay)"
									: "(best-"
									  "effort, "
									  "from "
									  "slack)");
				}
			}
		}
	}
}

void rtdd_plan_report_json(const struct rtdd_plan *p, FILE *f)
{
	const struct rtdd_manifest *m = p->m;
	struct rtdd_json j;

	rtdd_json_init(&j, f, true);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "manifest", m->path);
	rtdd_json_str(&j, "name", m->name);
	rtdd_json_bool(&j, "admitted", p->admitted);
	if (!p->admitted)
		rtdd_json_str(&j, "reason", p->reason);
	rtdd_json_arr_begin(&j, "cpupools");
	for (size_t pi = 0; pi < m->npools; pi++) {
		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_str(&j, "name", m->pools[pi].name);
		rtdd_json_str(&j, "sched", m->pools[pi].sched);
		rtdd_json_arr_begin(&j, "cpus");
		for (unsigned c = 0; c < 64; c++)
			if (m->pools[pi].cpus & (1ull << c))
				rtdd_json_u64(&j, NULL, c);
		rtdd_json_arr_end(&j);
		if (p->pool[pi].checked) {
			rtdd_json_bool(&j, "schedulable",
				       p->pool[pi].schedulable);
			rtdd_json_str(&j, "test", p->pool[pi].test);
			if (!p->pool[pi].schedulable)
				rtdd_json_str(&j, "why", p->pool[pi].why);
		}
		rtdd_json_obj_end(&j);
	}
	rtdd_json_arr_end(&j);
	rtdd_json_arr_begin(&j, "domains");
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *d = &m->domains[i];
		const struct rtdd_plan_dom *pd = &p->dom[i];

		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_str(&j, "name", d->name);
		rtdd_json_str(&j, "role", rtdd_mf_role_name(d->role));
		rtdd_json_str(&j, "cpupool", m->pools[d->pool].name);
		rtdd_json_u64(&j, "vcpus", d->vcpus);
		if (pd->rtds) {
			rtdd_json_obj_begin(&j, "interface");
			rtdd_json_i64(&j, "period_us", pd->iface_period);
			rtdd_json_i64(&j, "budget_us", pd->iface_budget);
			rtdd_json_u64(&j, "m", pd->nvcpus);
			rtdd_json_obj_end(&j);
			rtdd_json_bool(&j, "schedulable", pd->schedulable);
			if (!pd->schedulable)
				rtdd_json_str(&j, "why", pd->why);
			rtdd_json_arr_begin(&j, "rtds");
			for (unsigned k = 0; k < pd->nvcpus; k++) {
				rtdd_json_obj_begin(&j, NULL);
				rtdd_json_u64(&j, "vcpu", k);
				rtdd_json_i64(&j, "period_us",
					      pd->vcpu[k].period_us);
				rtdd_json_i64(&j, "budget_us",
					      pd->vcpu[k].budget_us);
				rtdd_json_bool(&j, "extratime",
					       pd->vcpu[k].extratime);
				rtdd_json_obj_end(&j);
			}
			rtdd_json_arr_end(&j);
			if (pd->resp) {
				rtdd_json_arr_begin(&j, "response_times_us");
				for (size_t k = 0; k < d->ntasks; k++)
					rtdd_json_i64(&j, NULL, pd->resp[k]);
				rtdd_json_arr_end(&j);
			}
		}
		rtdd_json_obj_end(&j);
	}
	rtdd_json_arr_end(&j);
	rtdd_json_obj_end(&j);
}

/* ---- files ------------------------------------------------------------ */

static void cpus_list(FILE *f, uint64_t mask)
{
	bool first = true;

	fputc('[', f);
	for (unsigned c = 0; c < 64; c++)
		if (mask & (1ull << c)) {
			fprintf(f, "%s\"%u\"", first ? "" : ", ", c);
			first = false;
		}
	fputc(']', f);
}

/* xl.cfg "rate=" for a vif: bytes per second, as xl accepts it. */
static void xl_rate(char *buf, size_t len, uint64_t bps)
{
	snprintf(buf, len, ", rate=%" PRIu64 "B/s", bps / 8 ? bps / 8 : 1);
}

static int write_domain_cfg(const struct rtdd_plan *p, size_t i,
			    const char *dir)
{
	const struct rtdd_manifest *m = p->m;
	const struct rtdd_mf_domain *d = &m->domains[i];
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.cfg", dir, d->name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# %s.cfg - generated by `rtdd plan` from %s; regenerate, "
		"do not edit.\n# role: %s",
		d->name, m->path, rtdd_mf_role_name(d->role));
	if (p->dom[i].rtds)
		fprintf(f, "; RTDS budgets are applied by apply.sh "
			   "(xl.cfg has no budget key)");
	fprintf(f, "\nname = \"%s\"\ntype = \"pv\"\n", d->name);
	if (d->kernel[0])
		fprintf(f, "kernel = \"%s\"\n", d->kernel);
	if (d->ramdisk[0])
		fprintf(f, "ramdisk = \"%s\"\n", d->ramdisk);
	if (d->cmdline[0])
		fprintf(f, "extra = \"%s\"\n", d->cmdline);
	fprintf(f, "memory = %" PRIu64 "\nmaxmem = %" PRIu64 "\nvcpus = %u\n",
		d->memory_mib, d->memory_mib, d->vcpus);
	fprintf(f, "pool = \"%s\"\n", m->pools[d->pool].name);
	if (d->cpus) {
		fprintf(f, "cpus = ");
		cpus_list(f, d->cpus);
		fputc('\n', f);
	}
	fprintf(f, "on_crash = \"%s\"\n",
		d->role == RTDD_MF_DRIVER_DOMAIN ? "restart" : "preserve");
	if (d->role == RTDD_MF_DRIVER_DOMAIN) {
		fprintf(f, "driver_domain = 1\n");
		if (d->npcis) {
			fprintf(f, "pci = [");
			for (size_t k = 0; k < d->npcis; k++)
				fprintf(f,
					"%s '%s,permissive=%d,msitranslate=%d,"
					"seize=%d,power_mgmt=0,"
					"rdm_policy=strict'",
					k ? "," : "", d->pcis[k].bdf,
					d->pcis[k].permissive,
					d->pcis[k].msitranslate,
					d->pcis[k].seize);
			fprintf(f, " ]\n");
		}
	}
	if (d->nvbds) {
		fprintf(f, "disk = [");
		for (size_t k = 0; k < d->nvbds; k++)
			fprintf(f,
				"%s 'backend=%s, vdev=%s, format=raw, "
				"access=%s, target=%s'",
				k ? "," : "", d->vbds[k].backend,
				d->vbds[k].vdev,
				d->vbds[k].readonly ? "ro" : "rw",
				d->vbds[k].target);
		fprintf(f, " ]\n");
	}
	if (d->nvifs) {
		fprintf(f, "vif = [");
		for (size_t k = 0; k < d->nvifs; k++) {
			char rate[48] = "";

			if (d->vifs[k].rate_bps)
				xl_rate(rate, sizeof(rate),
					d->vifs[k].rate_bps);
			fprintf(f, "%s 'backend=%s, mac=%s%s'", k ? "," : "",
				d->vifs[k].backend, d->vifs[k].mac, rate);
		}
		fprintf(f, " ]\n");
	}
	return fclose(f) ? -errno : 0;
}

static int write_pool_cfg(const struct rtdd_manifest *m, size_t pi,
			  const char *dir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpupool-%s.cfg", dir,
		 m->pools[pi].name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# generated by `rtdd plan` from %s\nname = \"%s\"\n"
		"sched = \"%s\"\ncpus = ",
		m->path, m->pools[pi].name, m->pools[pi].sched);
	cpus_list(f, m->pools[pi].cpus);
	fputc('\n', f);
	return fclose(f) ? -errno : 0;
}

static int write_dd_json(const struct rtdd_plan *p, size_t dd, const char *dir)
{
	const struct rtdd_manifest *m = p->m;
	const char *name = m->domains[dd].name;
	struct rtdd_json j;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.rtdd.json", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	rtdd_json_init(&j, f, true);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "driver_domain", name);
	rtdd_json_arr_begin(&j, "vbds");
	for (size_t g = 0; g < m->ndomains; g++)
		for (size_t k = 0; k < m->domains[g].nvbds; k++) {
			const struct rtdd_mf_vbd *v = &m->domains[g].vbds[k];

			if (strcmp(v->backend, name))
				continue;
			rtdd_json_obj_begin(&j, NULL);
			rtdd_json_str(&j, "frontend", m->domains[g].name);
			rtdd_json_str(&j, "vdev", v->vdev);
			rtdd_json_str(&j, "target", v->target);
			rtdd_json_bool(&j, "readonly", v->readonly);
			rtdd_json_str(&j, "class",
				      m->domains[g].role == RTDD_MF_RT_GUEST
					      ? "rt"
					      : "best-effort");
			rtdd_json_i64(&j, "max_delay_us", v->io.max_delay);
			rtdd_json_obj_end(&j);
		}
	rtdd_json_arr_end(&j);
	rtdd_json_arr_begin(&j, "vifs");
	for (size_t g = 0; g < m->ndomains; g++)
		for (size_t k = 0; k < m->domains[g].nvifs; k++) {
			const struct rtdd_mf_vif *v = &m->domains[g].vifs[k];

			if (strcmp(v->backend, name))
				continue;
			rtdd_json_obj_begin(&j, NULL);
			rtdd_json_str(&j, "frontend", m->domains[g].name);
			rtdd_json_u64(&j, "devid", k);
			rtdd_json_str(&j, "mac", v->mac);
			rtdd_json_str(&j, "class",
				      v->cls == RTDD_MF_CLASS_RT
					      ? "rt"
					      : "best-effort");
			rtdd_json_u64(&j, "rate_bps", v->rate_bps);
			if (v->vlan >= 0)
				rtdd_json_i64(&j, "vlan", v->vlan);
			if (v->pcp >= 0)
				rtdd_json_i64(&j, "pcp", v->pcp);
			rtdd_json_i64(&j, "max_delay_us", v->io.max_delay);
			rtdd_json_obj_end(&j);
		}
	rtdd_json_arr_end(&j);
	rtdd_json_obj_end(&j);
	return fclose(f) ? -errno : 0;
}

static void create_domain(FILE *f, const struct rtdd_plan *p, size_t i)
{
	const struct rtdd_mf_domain *d = &p->m->domains[i];
	const struct rtdd_plan_dom *pd = &p->dom[i];

	/* Created paused so no VCPU runs before its budget is set. */
	fprintf(f, "xl create -p \"$here/%s.cfg\"\n", d->name);
	for (unsigned k = 0; pd->rtds && k < pd->nvcpus; k++)
		fprintf(f,
			"xl sched-rtds -d %s -v %u -p %" PRId64 " -b %" PRId64
			" -e %d\n",
			d->name, k, pd->vcpu[k].period_us,
			pd->vcpu[k].budget_us, pd->vcpu[k].extratime);
	fprintf(f, "xl unpause %s\n", d->name);
}

/*
 * xl gives a new guest's devices 10 s to reach their backend (InitWait),
 * less than a driver domain may need to boot: seen in the Xen lab. So
 * apply.sh waits until each driver domain says it serves (rtdd-devd writes
 * data/rtdd-devd/ready in its home once it watches backend/). Without
 * xenstore tools or xenstored (a dry run) it does not wait.
 */
static void write_wait_ready(FILE *f)
{
	fputs("\n# Wait until each driver domain serves: rtdd-devd writes\n"
	      "# data/rtdd-devd/ready in its xenstore home once it watches "
	      "backend/ (a\n# driver domain without rtdd-devd writes it when "
	      "its backends are up).\n# xl gives a guest's devices only 10 s "
	      "to reach their backend.\n"
	      "# RTDD_DD_READY_TIMEOUT: seconds (default 120; 0: no wait).\n"
	      "dd_ready() {\n"
	      "\tt=${RTDD_DD_READY_TIMEOUT:-120}\n"
	      "\t[ \"$t\" -gt 0 ] || return 0\n"
	      "\twhile :; do\n"
	      "\t\tids=$(xenstore-list /local/domain 2>/dev/null) || {\n"
	      "\t\t\techo \"apply.sh: no xenstore: not waiting for $1\" "
	      ">&2\n"
	      "\t\t\treturn 0\n"
	      "\t\t}\n"
	      "\t\tfor id in $ids; do\n"
	      "\t\t\t[ \"$(xenstore-read \"/local/domain/$id/name\" "
	      "2>/dev/null)\" = \"$1\" ] &&\n"
	      "\t\t\t\txenstore-read \"/local/domain/$id/data/rtdd-devd/"
	      "ready\" \\\n"
	      "\t\t\t\t\t>/dev/null 2>&1 && return 0\n"
	      "\t\tdone\n"
	      "\t\t[ \"$t\" -gt 0 ] || {\n"
	      "\t\t\techo \"apply.sh: driver domain $1 not ready after \"\\\n"
	      "\"${RTDD_DD_READY_TIMEOUT:-120} s (no data/rtdd-devd/ready)\" "
	      ">&2\n"
	      "\t\t\treturn 1\n"
	      "\t\t}\n"
	      "\t\tsleep 1\n"
	      "\t\tt=$((t - 1))\n"
	      "\tdone\n"
	      "}\n",
	      f);
}

static int write_apply(const struct rtdd_plan *p, const char *dir)
{
	const struct rtdd_manifest *m = p->m;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/apply.sh", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"#!/bin/sh\n# apply.sh - generated by `rtdd plan` from %s.\n"
		"# Run in dom0. Creates the cpupools, then the driver domains, "
		"then the\n# guests, each paused until its RTDS budgets are "
		"set (xl.cfg has no\n# budget key).\nset -eu\n"
		"here=$(cd \"$(dirname \"$0\")\" && pwd)\n\n",
		m->path);
	for (size_t pi = 0; pi < m->npools; pi++) {
		if (!strcmp(m->pools[pi].name, "Pool-0"))
			continue;
		fprintf(f, "# cpupool %s\n", m->pools[pi].name);
		for (unsigned c = 0; c < 64; c++)
			if (m->pools[pi].cpus & (1ull << c))
				fprintf(f,
					"xl cpupool-cpu-remove Pool-0 %u || "
					"true\n",
					c);
		/* a pool left by destroy.sh (see there) is reused */
		fprintf(f,
			"xl cpupool-list %s >/dev/null 2>&1 ||\n"
			"\txl cpupool-create \"$here/cpupool-%s.cfg\"\n\n",
			m->pools[pi].name, m->pools[pi].name);
	}
	fprintf(f, "# driver domains first: their backends must exist "
		   "before frontends connect\n");
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].role == RTDD_MF_DRIVER_DOMAIN)
			create_domain(f, p, i);
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].role == RTDD_MF_DRIVER_DOMAIN) {
			write_wait_ready(f);
			break;
		}
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].role == RTDD_MF_DRIVER_DOMAIN)
			fprintf(f, "dd_ready %s\n", m->domains[i].name);
	fprintf(f, "\n# guests\n");
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].role != RTDD_MF_DRIVER_DOMAIN)
			create_domain(f, p, i);
	if (fclose(f))
		return -errno;
	return chmod(path, 0755) ? -errno : 0;
}

static int write_destroy(const struct rtdd_plan *p, const char *dir)
{
	const struct rtdd_manifest *m = p->m;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/destroy.sh", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"#!/bin/sh\n# destroy.sh - generated by `rtdd plan` from %s.\n"
		"# Guests first, then driver domains, then the cpupools that may go.\n",
		m->path);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->ndomains; i++)
			if ((m->domains[i].role == RTDD_MF_DRIVER_DOMAIN) ==
			    (pass == 1))
				fprintf(f, "xl destroy %s || true\n",
					m->domains[i].name);
	for (size_t pi = 0; pi < m->npools; pi++) {
		if (!strcmp(m->pools[pi].name, "Pool-0"))
			continue;
		if (!strcmp(m->pools[pi].sched, "rtds")) {
			/* Seen in rtdd's Xen lab: on Xen 4.17 removing the
			 * last CPU of an RTDS pool whose domains have run
			 * faults in rt.c move_repl_timer and panics Xen. */
			fprintf(f,
				"# cpupool %s (rtds) is left in place: on Xen "
				"4.17, destroying an RTDS pool\n# that ran "
				"domains panics the hypervisor (rt.c "
				"move_repl_timer). apply.sh reuses it.\n",
				m->pools[pi].name);
			continue;
		}
		fprintf(f, "xl cpupool-destroy %s || true\n",
			m->pools[pi].name);
		for (unsigned c = 0; c < 64; c++)
			if (m->pools[pi].cpus & (1ull << c))
				fprintf(f,
					"xl cpupool-cpu-add Pool-0 %u || true\n",
					c);
	}
	if (fclose(f))
		return -errno;
	return chmod(path, 0755) ? -errno : 0;
}

int rtdd_plan_write(const struct rtdd_plan *p, const char *dir, char *err,
		    size_t errlen)
{
	const struct rtdd_manifest *m = p->m;
	char path[512];
	FILE *f;
	int rc = 0;

	if (!p->admitted) {
		snprintf(err, errlen,
			 "refusing to write a plan that was not "
			 "admitted: %s",
			 p->reason);
		return -EPERM;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < m->ndomains && !rc; i++) {
		rc = write_domain_cfg(p, i, dir);
		if (!rc && m->domains[i].role == RTDD_MF_DRIVER_DOMAIN)
			rc = write_dd_json(p, i, dir);
	}
	for (size_t pi = 0; pi < m->npools && !rc; pi++)
		if (strcmp(m->pools[pi].name, "Pool-0"))
			rc = write_pool_cfg(m, pi, dir);
	if (!rc)
		rc = write_apply(p, dir);
	if (!rc)
		rc = write_destroy(p, dir);
	if (!rc) {
		snprintf(path, sizeof(path), "%s/report.txt", dir);
		f = fopen(path, "w");
		if (!f)
			rc = -errno;
		else {
			rtdd_plan_report_text(p, f);
			if (fclose(f))
				rc = -errno;
		}
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/report.json", dir);
		f = fopen(path, "w");
		if (!f)
			rc = -errno;
		else {
			rtdd_plan_report_json(p, f);
			if (fclose(f))
				rc = -errno;
		}
	}
	if (rc)
		snprintf(err, errlen, "writing into %s: %s", dir,
			 strerror(-rc));
	return rc;
}

// SPDX-License-Identifier: MIT
/*
 * rtdd status MANIFEST [--json] (docs/driverdom.md): everything read back
 * through the hv API, so the same code serves sim and Xen. Domains are
 * found by name under /local/domain; RTDS parameters come from the
 * hypervisor and are compared with the plan; device states, hotplug-status
 * and errors from the backend and frontend directories; latency counters
 * from what rtdd-guest publishes (data/rtdd/<kind>/<devid>/), backend
 * processes from what rtdd-devd publishes (data/rtdd-devd/<kind>/).
 * Values written by guests are made printable before they are shown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/be_xenbus.h"
#include "rtdd/json.h"
#include "up_private.h"

struct dev_status {
	const char *guest, *kind, *backend;
	char label[24];
	rtdd_domid fe, be;
	unsigned devid;
	char *be_state, *fe_state, *hotplug, *hotplug_error, *be_error;
	char *lat[6]; /* p50-us p99-us max-us count errors reconnects */
	char *probe_state, *probe_error;
};

static const char *const lat_keys[6] = {"p50-us", "p99-us", "max-us",
					"count",  "errors", "reconnects"};

static const char *dom_state_name(enum rtdd_dom_state s)
{
	switch (s) {
	case RTDD_DOM_RUNNING:
		return "running";
	case RTDD_DOM_PAUSED:
		return "paused";
	case RTDD_DOM_SHUTDOWN:
		return "shutdown";
	case RTDD_DOM_CRASHED:
		return "crashed";
	case RTDD_DOM_DYING:
		return "dying";
	}
	return "?";
}

static char *xs_get(rtdd_hv *hv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A node's value, made printable in place (malloc'd), or NULL. */
static char *xs_get(rtdd_hv *hv, const char *fmt, ...)
{
	char p[320], *v = NULL;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	if (rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &v, &len))
		return NULL;
	for (char *c = v; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	if (len > 200)
		v[200] = 0;
	return v;
}

static const char *orx(const char *v)
{
	return v ? v : "-";
}

/* "Connected" for "4", "garbage" for what is not a number, "-" if absent. */
static const char *xb_state(const char *v)
{
	char *end;
	long s;

	if (!v)
		return "-";
	s = strtol(v, &end, 10);
	if (*end || end == v)
		return "garbage";
	return rtdd_xenbus_state_name((int)s);
}

static void dev_read(rtdd_hv *hv, struct dev_status *d)
{
	const char *be = "/local/domain/%u/backend/%s/%u/%u/%s";

	d->be_state = xs_get(hv, be, d->be, d->kind, d->fe, d->devid, "state");
	d->hotplug = xs_get(hv, be, d->be, d->kind, d->fe, d->devid,
			    "hotplug-status");
	d->hotplug_error = xs_get(hv, be, d->be, d->kind, d->fe, d->devid,
				  "hotplug-error");
	d->be_error = xs_get(hv, be, d->be, d->kind, d->fe, d->devid, "error");
	d->fe_state = xs_get(hv, "/local/domain/%u/device/%s/%u/state", d->fe,
			     d->kind, d->devid);
	for (unsigned i = 0; i < 6; i++)
		d->lat[i] = xs_get(hv, "/local/domain/%u/data/rtdd/%s/%u/%s",
				   d->fe, d->kind, d->devid, lat_keys[i]);
	d->probe_state = xs_get(hv, "/local/domain/%u/data/rtdd/%s/%u/state",
				d->fe, d->kind, d->devid);
	d->probe_error = xs_get(hv, "/local/domain/%u/data/rtdd/%s/%u/error",
				d->fe, d->kind, d->devid);
}

static void dev_free(struct dev_status *d)
{
	free(d->be_state);
	free(d->fe_state);
	free(d->hotplug);
	free(d->hotplug_error);
	free(d->be_error);
	for (unsigned i = 0; i < 6; i++)
		free(d->lat[i]);
	free(d->probe_state);
	free(d->probe_error);
}

static void dev_text(const struct dev_status *d)
{
	bool lat = d->lat[3] && strcmp(d->lat[3], "0");

	printf("  %-12s %-4s %-6s %-8s %-12s %-12s %-10.10s", d->guest, d->kind,
	       d->label, d->backend, xb_state(d->be_state),
	       xb_state(d->fe_state), orx(d->hotplug));
	for (unsigned i = 0; i < 6; i++)
		printf(i == 3	? " %8.16s"
		       : i == 4 ? " %6.12s"
		       : i == 5 ? " %4.12s"
				: " %8.12s",
		       lat ? orx(d->lat[i]) : "-");
	printf("\n");
	if (d->hotplug_error && *d->hotplug_error)
		printf("      hotplug-error: %s\n", d->hotplug_error);
	if (d->be_error && *d->be_error)
		printf("      backend error: %s\n", d->be_error);
	if (d->probe_state && strcmp(d->probe_state, "probing"))
		printf("      probe: %s%s%s\n", d->probe_state,
		       d->probe_error && *d->probe_error ? ": " : "",
		       d->probe_error ? d->probe_error : "");
}

/* A number rtdd-guest published, or NULL when absent or not a number. */
static void json_num(struct rtdd_json *j, const char *key, const char *v)
{
	char *end;
	double x;

	if (!v) {
		rtdd_json_null(j, key);
		return;
	}
	x = strtod(v, &end);
	if (end == v || *end)
		rtdd_json_null(j, key);
	else
		rtdd_json_dbl(j, key, x);
}

static void json_strx(struct rtdd_json *j, const char *key, const char *v)
{
	if (v)
		rtdd_json_str(j, key, v);
	else
		rtdd_json_null(j, key);
}

static void dev_json(struct rtdd_json *j, const struct dev_status *d)
{
	rtdd_json_obj_begin(j, NULL);
	rtdd_json_str(j, "guest", d->guest);
	rtdd_json_str(j, "kind", d->kind);
	rtdd_json_str(j, "dev", d->label);
	rtdd_json_u64(j, "devid", d->devid);
	rtdd_json_str(j, "backend", d->backend);
	rtdd_json_str(j, "backend_state", xb_state(d->be_state));
	rtdd_json_str(j, "frontend_state", xb_state(d->fe_state));
	json_strx(j, "hotplug_status", d->hotplug);
	json_strx(j, "hotplug_error", d->hotplug_error);
	json_strx(j, "backend_error", d->be_error);
	rtdd_json_obj_begin(j, "probe");
	json_strx(j, "state", d->probe_state);
	json_strx(j, "error", d->probe_error);
	json_num(j, "p50_us", d->lat[0]);
	json_num(j, "p99_us", d->lat[1]);
	json_num(j, "max_us", d->lat[2]);
	json_num(j, "count", d->lat[3]);
	json_num(j, "errors", d->lat[4]);
	json_num(j, "reconnects", d->lat[5]);
	rtdd_json_obj_end(j);
	rtdd_json_obj_end(j);
}

/* Every device of the manifest whose guest and driver domain exist. */
static void devices(rtdd_hv *hv, const struct rtdd_manifest *m,
		    const rtdd_domid *ids, const bool *found,
		    struct rtdd_json *j)
{
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *g = &m->domains[i];

		if (!found[i])
			continue;
		for (size_t k = 0; k < g->nvbds + g->nvifs; k++) {
			bool vbd = k < g->nvbds;
			const char *bname = vbd ? g->vbds[k].backend
						: g->vifs[k - g->nvbds].backend;
			int be = rtdd_manifest_find(m, bname);
			struct dev_status d = {.guest = g->name,
					       .kind = vbd ? "vbd" : "vif",
					       .backend = bname};

			if (be < 0 || !found[be])
				continue;
			d.fe = ids[i];
			d.be = ids[be];
			if (vbd) {
				if (rtdd__xvd_devid(g->vbds[k].vdev, &d.devid))
					continue;
				snprintf(d.label, sizeof(d.label), "%s",
					 g->vbds[k].vdev);
			} else {
				d.devid = (unsigned)(k - g->nvbds);
				snprintf(d.label, sizeof(d.label), "%u",
					 d.devid);
			}
			dev_read(hv, &d);
			if (j)
				dev_json(j, &d);
			else
				dev_text(&d);
			dev_free(&d);
		}
	}
}

static void backends(rtdd_hv *hv, const struct rtdd_manifest *m,
		     const rtdd_domid *ids, const bool *found,
		     struct rtdd_json *j)
{
	static const char *const kinds[] = {"vbd", "vif"};
	static const char *const keys[] = {"state", "pid", "restarts",
					   "backoff-ms", "last-exit"};

	for (size_t i = 0; i < m->ndomains; i++) {
		if (!found[i] || m->domains[i].role != RTDD_MF_DRIVER_DOMAIN)
			continue;
		for (unsigned k = 0; k < 2; k++) {
			char *v[5];

			for (unsigned n = 0; n < 5; n++)
				v[n] = xs_get(hv,
					      "/local/domain/%u/data/rtdd-devd/"
					      "%s/%s",
					      ids[i], kinds[k], keys[n]);
			if (j && v[0]) {
				rtdd_json_obj_begin(j, NULL);
				rtdd_json_str(j, "driver_domain",
					      m->domains[i].name);
				rtdd_json_str(j, "kind", kinds[k]);
				rtdd_json_str(j, "state", v[0]);
				json_num(j, "pid", v[1]);
				json_num(j, "restarts", v[2]);
				json_num(j, "backoff_ms", v[3]);
				json_strx(j, "last_exit",
					  v[4] && *v[4] ? v[4] : NULL);
				rtdd_json_obj_end(j);
			} else if (!j && v[0]) {
				printf("  %-14s %-4s %-9.9s %7.10s %8.10s "
				       "%10.10s  %s\n",
				       m->domains[i].name, kinds[k], v[0],
				       orx(v[1]), orx(v[2]), orx(v[3]),
				       v[4] && *v[4] ? v[4] : "-");
			} else if (!j && k == 0) {
				printf("  %-14s no rtdd-devd status "
				       "published\n",
				       m->domains[i].name);
			}
			for (unsigned n = 0; n < 5; n++)
				free(v[n]);
		}
	}
}

/* One domain: its line(s) of text or its JSON object. */
static void domain(rtdd_hv *hv, const struct rtdd_manifest *m,
		   const struct rtdd_plan *p, size_t i, rtdd_domid id,
		   const struct rtdd_dom_info *in, struct rtdd_json *j)
{
	const struct rtdd_mf_domain *dm = &m->domains[i];
	const struct rtdd_plan_dom *pd = &p->dom[i];

	if (j) {
		rtdd_json_obj_begin(j, NULL);
		rtdd_json_str(j, "name", dm->name);
		rtdd_json_u64(j, "domid", id);
		rtdd_json_str(j, "state", dom_state_name(in->state));
		rtdd_json_str(j, "role", rtdd_mf_role_name(dm->role));
		rtdd_json_str(j, "pool", m->pools[dm->pool].name);
		rtdd_json_arr_begin(j, "vcpus");
	} else {
		printf("  %-14s %5u %-9s %-14s %-8s", dm->name, id,
		       dom_state_name(in->state), rtdd_mf_role_name(dm->role),
		       m->pools[dm->pool].name);
	}
	for (unsigned v = 0; v < in->vcpus; v++) {
		struct rtdd_rtds_params rp;
		int rc = rtdd_sched_rtds_get(hv, id, v, &rp);
		bool differs =
			!rc && pd->rtds && v < pd->nvcpus &&
			(rp.period_us != (uint32_t)pd->vcpu[v].period_us ||
			 rp.budget_us != (uint32_t)pd->vcpu[v].budget_us ||
			 rp.extratime != pd->vcpu[v].extratime);

		if (j) {
			rtdd_json_obj_begin(j, NULL);
			rtdd_json_u64(j, "vcpu", v);
			if (rc) {
				rtdd_json_null(j, "period_us");
				rtdd_json_str(j, "error", strerror(-rc));
			} else {
				rtdd_json_u64(j, "period_us", rp.period_us);
				rtdd_json_u64(j, "budget_us", rp.budget_us);
				rtdd_json_bool(j, "extratime", rp.extratime);
				rtdd_json_bool(j, "as_planned",
					       pd->rtds && !differs);
			}
			rtdd_json_obj_end(j);
			continue;
		}
		if (v)
			printf("  %-14s %5s %-9s %-14s %-8s", "", "", "", "",
			       "");
		if (rc)
			printf(" %4u %8s %8s %5s%s\n", v, "-", "-", "-",
			       rc == -EOPNOTSUPP ? "  (not RTDS)" : "");
		else
			printf(" %4u %8u %8u %5s%s\n", v, rp.period_us,
			       rp.budget_us, rp.extratime ? "yes" : "no",
			       differs ? "  DIFFERS FROM PLAN" : "");
	}
	if (j) {
		rtdd_json_arr_end(j);
		rtdd_json_obj_end(j);
	}
}

int rtdd__status(const struct opts *o, const struct rtdd_manifest *m,
		 const struct rtdd_plan *p)
{
	rtdd_domid *ids = calloc(m->ndomains, sizeof(*ids));
	bool *found = calloc(m->ndomains, sizeof(*found));
	struct rtdd_json js, *j = NULL;
	char *err = NULL;
	rtdd_hv *hv = NULL;
	int rc, ret = 1;

	if (!ids || !found)
		goto out;
	if (!strcmp(o->hv, "sim"))
		setenv("RTDD_SIM_DIR", o->run, 1);
	rc = rtdd_hv_open(!strcmp(o->hv, "sim") ? "sim:0" : "xen", &hv, &err);
	if (rc) {
		fprintf(stderr, "rtdd status: %s is not up on %s (%s)\n",
			m->name, o->hv, err ? err : strerror(-rc));
		free(err);
		goto out;
	}
	for (size_t i = 0; i < m->ndomains; i++)
		found[i] =
			!rtdd__domid_by_name(hv, m->domains[i].name, &ids[i]);

	if (o->json) {
		j = &js;
		rtdd_json_init(j, stdout, true);
		rtdd_json_obj_begin(j, NULL);
		rtdd_json_str(j, "manifest", m->name);
		rtdd_json_str(j, "hv", o->hv);
		rtdd_json_str(j, "run_dir", o->run);
		rtdd_json_arr_begin(j, "domains");
	} else {
		printf("%s on %s, run dir %s\n\n", m->name, o->hv, o->run);
		printf("  %-14s %5s %-9s %-14s %-8s %4s %8s %8s %5s\n",
		       "DOMAIN", "ID", "STATE", "ROLE", "POOL", "VCPU",
		       "PERIOD", "BUDGET", "EXTRA");
	}
	for (size_t i = 0; i < m->ndomains; i++) {
		struct rtdd_dom_info in;

		if (found[i] && rtdd_dom_info(hv, ids[i], &in))
			found[i] = false;
		if (found[i]) {
			domain(hv, m, p, i, ids[i], &in, j);
		} else if (j) {
			rtdd_json_obj_begin(j, NULL);
			rtdd_json_str(j, "name", m->domains[i].name);
			rtdd_json_str(j, "state", "absent");
			rtdd_json_obj_end(j);
		} else {
			printf("  %-14s %5s %-9s %-14s\n", m->domains[i].name,
			       "-", "absent",
			       rtdd_mf_role_name(m->domains[i].role));
		}
	}
	if (j) {
		rtdd_json_arr_end(j);
		rtdd_json_arr_begin(j, "devices");
	} else {
		printf("\n  %-12s %-4s %-6s %-8s %-12s %-12s %-10s %8s %8s "
		       "%8s %8s %6s %4s\n",
		       "GUEST", "KIND", "DEV", "BACKEND", "BE-STATE",
		       "FE-STATE", "HOTPLUG", "p50-us", "p99-us", "max-us",
		       "ios", "errors", "reco");
	}
	devices(hv, m, ids, found, j);
	if (j) {
		rtdd_json_arr_end(j);
		rtdd_json_arr_begin(j, "backends");
	} else {
		printf("\n  %-14s %-4s %-9s %7s %8s %10s  %s\n",
		       "DRIVER-DOMAIN", "KIND", "BACKEND", "PID", "RESTARTS",
		       "BACKOFF-MS", "LAST-EXIT");
	}
	backends(hv, m, ids, found, j);
	if (j) {
		rtdd_json_arr_end(j);
		rtdd_json_obj_end(j);
		printf("\n");
	}
	ret = fflush(stdout) ? 1 : 0;
out:
	rtdd_hv_close(hv);
	free(ids);
	free(found);
	return ret;
}

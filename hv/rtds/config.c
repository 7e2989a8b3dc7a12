// SPDX-License-Identifier: MIT
/*
 * YAML system description for `rtdd analyze` / `rtdd simulate` (format in
 * docs/rtds.md). libyaml document API; every error names the line.
 * The input is untrusted: unknown keys, wrong types, out-of-range numbers
 * and oversized lists are refused, never guessed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rtdd/rtds.h"
#include "private.h"

#define MAX_VMS 256
#define MAX_TASKS 4096
#define MAX_TIME (INT64_C(1) << 40) /* ~12.7 days in µs */

struct ctx {
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int
fail(struct ctx *c, yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int off = 0;

	if (!c->err || !c->errlen)
		return -EINVAL;
	if (n)
		off = snprintf(c->err, c->errlen,
			       "line %zu: ", (size_t)n->start_mark.line + 1);
	if (off < 0 || (size_t)off >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + off, c->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int get_int(struct ctx *c, yaml_node_t *n, const char *key, int64_t min,
		   int64_t max, int64_t *out)
{
	const char *s = scalar(n);
	char *end;
	long long v;

	if (!s || !*s)
		return fail(c, n, "%s: expected an integer", key);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return fail(c, n, "%s: '%s' is not an integer in [%lld, %lld]",
			    key, s, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int get_bool(struct ctx *c, yaml_node_t *n, const char *key, int *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")))
		*out = 1;
	else if (s &&
		 (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")))
		*out = 0;
	else
		return fail(c, n, "%s: expected true or false", key);
	return 0;
}

static int get_name(struct ctx *c, yaml_node_t *n, const char *key, char *out,
		    size_t len)
{
	const char *s = scalar(n);

	if (!s || !*s || strlen(s) >= len)
		return fail(c, n, "%s: expected a name of 1..%zu characters",
			    key, len - 1);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '"' || *p == '\\')
			return fail(c, n, "%s: control or quote character",
				    key);
	strcpy(out, s);
	return 0;
}

static int get_enum(struct ctx *c, yaml_node_t *n, const char *key,
		    const char *const *names, int *out)
{
	const char *s = scalar(n);

	for (int i = 0; s && names[i]; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return fail(c, n, "%s: unknown value '%s'", key,
		    s ? s : "(not a scalar)");
}

static int get_cpus(struct ctx *c, yaml_node_t *n, uint64_t *mask)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(c, n, "cpus: expected a list of pCPU numbers");
	*mask = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		int64_t cpu;
		int rc = get_int(c, yaml_document_get_node(c->doc, *it), "cpus",
				 0, 63, &cpu);

		if (rc)
			return rc;
		*mask |= 1ULL << cpu;
	}
	if (!*mask)
		return fail(c, n, "cpus: empty list");
	return 0;
}

static const char *const sched_names[] = {"edf", "rm", "dm", NULL};
static const char *const kind_names[] = {"periodic", "sporadic", "background",
					 NULL};
static const char *const host_names[] = {"gedf", "pedf", "credit", NULL};
static const char *const server_names[] = {"deferrable", "periodic", NULL};

static int parse_task(struct ctx *c, yaml_node_t *n, struct rtdd_rtds_task *t,
		      size_t idx)
{
	int have_p = 0, have_c = 0, rc;
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "task: expected a mapping");
	snprintf(t->name, sizeof(t->name), "t%zu", idx);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
		const char *k = scalar(kn);
		int e;

		if (!k)
			return fail(c, kn, "task: keys must be scalars");
		if (!strcmp(k, "name"))
			rc = get_name(c, vn, k, t->name, sizeof(t->name));
		else if (!strcmp(k, "period_us"))
			rc = get_int(c, vn, k, 1, MAX_TIME, &t->period),
			have_p = 1;
		else if (!strcmp(k, "wcet_us"))
			rc = get_int(c, vn, k, 1, MAX_TIME, &t->wcet),
			have_c = 1;
		else if (!strcmp(k, "deadline_us"))
			rc = get_int(c, vn, k, 1, MAX_TIME, &t->deadline);
		else if (!strcmp(k, "offset_us"))
			rc = get_int(c, vn, k, 0, MAX_TIME, &t->offset);
		else if (!strcmp(k, "kind")) {
			rc = get_enum(c, vn, k, kind_names, &e);
			t->kind = (enum rtdd_rtds_task_kind)e;
		} else
			rc = fail(c, kn, "task: unknown key '%s'", k);
		if (rc)
			return rc;
	}
	if (t->kind == RTDD_RTDS_TASK_BACKGROUND)
		return 0;
	if (!have_p || !have_c)
		return fail(c, n, "task %s: period_us and wcet_us are required",
			    t->name);
	if (!rtdd__rtds_task_valid(t))
		return fail(c, n,
			    "task %s: need 0 < wcet <= deadline <= period",
			    t->name);
	return 0;
}

static int parse_vm(struct ctx *c, yaml_node_t *n, struct rtdd_rtds_vm *vm,
		    size_t idx, unsigned pcpus)
{
	yaml_node_pair_t *p;
	yaml_node_t *tasks = NULL;
	int rc;

	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "vm: expected a mapping");
	snprintf(vm->name, sizeof(vm->name), "vm%zu", idx);
	vm->vcpus = 1;
	vm->weight = 256;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
		const char *k = scalar(kn);
		int64_t v;
		int e;

		if (!k)
			return fail(c, kn, "vm: keys must be scalars");
		if (!strcmp(k, "name")) {
			rc = get_name(c, vn, k, vm->name, sizeof(vm->name));
		} else if (!strcmp(k, "sched")) {
			rc = get_enum(c, vn, k, sched_names, &e);
			vm->sched = (enum rtdd_rtds_sched)e;
		} else if (!strcmp(k, "vcpus")) {
			rc = get_int(c, vn, k, 1, 64, &v);
			vm->vcpus = (unsigned)v;
		} else if (!strcmp(k, "period_us")) {
			rc = get_int(c, vn, k, RTDD_RTDS_MIN_US, MAX_TIME,
				     &vm->period);
		} else if (!strcmp(k, "budget_us")) {
			rc = get_int(c, vn, k, 1, MAX_TIME, &vm->budget);
		} else if (!strcmp(k, "extratime")) {
			rc = get_bool(c, vn, k, &vm->extratime);
		} else if (!strcmp(k, "weight")) {
			rc = get_int(c, vn, k, 1, 65535, &v);
			vm->weight = (unsigned)v;
		} else if (!strcmp(k, "cpus")) {
			rc = get_cpus(c, vn, &vm->cpumask);
		} else if (!strcmp(k, "tasks")) {
			tasks = vn;
			rc = 0;
		} else {
			rc = fail(c, kn, "vm: unknown key '%s'", k);
		}
		if (rc)
			return rc;
	}
	if (vm->budget && !vm->period)
		return fail(c, n, "vm %s: budget_us needs period_us", vm->name);
	if (vm->budget && vm->budget > (int64_t)vm->vcpus * vm->period)
		return fail(c, n, "vm %s: budget_us exceeds vcpus * period_us",
			    vm->name);
	if (pcpus && pcpus < 64 && (vm->cpumask >> pcpus))
		return fail(c, n, "vm %s: cpus outside the pool of %u pCPUs",
			    vm->name, pcpus);
	if (!tasks || tasks->type != YAML_SEQUENCE_NODE)
		return fail(c, n, "vm %s: 'tasks' must be a list", vm->name);
	vm->ntasks = (size_t)(tasks->data.sequence.items.top -
			      tasks->data.sequence.items.start);
	if (vm->ntasks > MAX_TASKS)
		return fail(c, tasks, "vm %s: more than %d tasks", vm->name,
			    MAX_TASKS);
	vm->tasks = calloc(vm->ntasks ? vm->ntasks : 1, sizeof(*vm->tasks));
	if (!vm->tasks)
		return -ENOMEM;
	for (size_t i = 0; i < vm->ntasks; i++) {
		rc = parse_task(
			c,
			yaml_document_get_node(
				c->doc, tasks->data.sequence.items.start[i]),
			&vm->tasks[i], i);
		if (rc)
			return rc;
	}
	if (vm->vcpus > 1 && vm->sched != RTDD_RTDS_SCHED_EDF)
		return fail(c, n, "vm %s: more than one VCPU needs sched: edf",
			    vm->name);
	return 0;
}

static int parse_root(struct ctx *c, yaml_node_t *root,
		      struct rtdd_rtds_system *s)
{
	yaml_node_pair_t *p;
	yaml_node_t *vms = NULL;
	int rc;

	if (!root || root->type != YAML_MAPPING_NODE)
		return fail(c, root, "top level: expected a mapping");
	s->pcpus = 1;
	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
		const char *k = scalar(kn);
		int64_t v;
		int e;

		if (!k)
			return fail(c, kn, "keys must be scalars");
		if (!strcmp(k, "pcpus")) {
			rc = get_int(c, vn, k, 1, 64, &v);
			s->pcpus = (unsigned)v;
		} else if (!strcmp(k, "period_range_us")) {
			int64_t r[3];
			size_t cnt;

			if (vn->type != YAML_SEQUENCE_NODE)
				return fail(
					c, vn,
					"period_range_us: [min, max, step]");
			cnt = (size_t)(vn->data.sequence.items.top -
				       vn->data.sequence.items.start);
			if (cnt != 3)
				return fail(
					c, vn,
					"period_range_us: [min, max, step]");
			for (size_t i = 0; i < 3; i++) {
				rc = get_int(
					c,
					yaml_document_get_node(
						c->doc, vn->data.sequence.items
								.start[i]),
					k, 1, MAX_TIME, &r[i]);
				if (rc)
					return rc;
			}
			if (r[0] < RTDD_RTDS_MIN_US || r[1] < r[0] ||
			    (r[1] - r[0]) / r[2] > 10000)
				return fail(
					c, vn,
					"period_range_us: need %d <= min <= max and at most 10000 steps",
					RTDD_RTDS_MIN_US);
			s->pmin = r[0];
			s->pmax = r[1];
			s->pstep = r[2];
			rc = 0;
		} else if (!strcmp(k, "ctx_switch_us")) {
			rc = get_int(c, vn, k, 0, 1000000, &s->opts.ctx_switch);
		} else if (!strcmp(k, "host")) {
			rc = get_enum(c, vn, k, host_names, &e);
			s->host = (enum rtdd_rtds_host)e;
		} else if (!strcmp(k, "server")) {
			rc = get_enum(c, vn, k, server_names, &e);
			s->server = (enum rtdd_rtds_server)e;
		} else if (!strcmp(k, "horizon_us")) {
			rc = get_int(c, vn, k, 1, MAX_TIME, &s->horizon);
		} else if (!strcmp(k, "seed")) {
			rc = get_int(c, vn, k, 0, INT64_MAX, &v);
			s->seed = (uint64_t)v;
		} else if (!strcmp(k, "vms")) {
			vms = vn;
			rc = 0;
		} else {
			rc = fail(c, kn, "unknown key '%s'", k);
		}
		if (rc)
			return rc;
	}
	if (!vms || vms->type != YAML_SEQUENCE_NODE)
		return fail(c, root, "'vms' must be a list");
	s->nvms = (size_t)(vms->data.sequence.items.top -
			   vms->data.sequence.items.start);
	if (!s->nvms || s->nvms > MAX_VMS)
		return fail(c, vms, "vms: 1..%d entries", MAX_VMS);
	s->vms = calloc(s->nvms, sizeof(*s->vms));
	if (!s->vms)
		return -ENOMEM;
	for (size_t i = 0; i < s->nvms; i++) {
		rc = parse_vm(
			c,
			yaml_document_get_node(
				c->doc, vms->data.sequence.items.start[i]),
			&s->vms[i], i, s->pcpus);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->vms[j].name, s->vms[i].name))
				return fail(c, vms, "vm name '%s' used twice",
					    s->vms[i].name);
	}
	return 0;
}

void rtdd_rtds_system_dispose(struct rtdd_rtds_system *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->vms && i < s->nvms; i++)
		free(s->vms[i].tasks);
	free(s->vms);
	s->vms = NULL;
	s->nvms = 0;
}

int rtdd_rtds_system_parse(const char *buf, size_t len,
			   struct rtdd_rtds_system *s, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = {.doc = &doc, .err = err, .errlen = errlen};
	int rc;

	if (!buf || !s)
		return -EINVAL;
	if (err && errlen)
		err[0] = 0;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = fail(&c, NULL, "YAML error at line %zu: %s",
			  (size_t)parser.problem_mark.line + 1,
			  parser.problem ? parser.problem : "unknown");
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = parse_root(&c, yaml_document_get_root_node(&doc), s);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc)
		rtdd_rtds_system_dispose(s);
	return rc;
}

int rtdd_rtds_system_load(const char *path, struct rtdd_rtds_system *s,
			  char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = 0;

	if (!path || !s)
		return -EINVAL;
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open", path);
		return rc;
	}
	for (;;) {
		size_t r;

		if (len == cap) {
			char *nb;

			if (cap >= (16u << 20)) {
				rc = -EFBIG;
				if (err && errlen)
					snprintf(err, errlen,
						 "%s: larger than 16 MiB",
						 path);
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
	}
	if (!rc)
		rc = rtdd_rtds_system_parse(buf, len, s, err, errlen);
out:
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

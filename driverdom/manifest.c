// SPDX-License-Identifier: MIT
/*
 * The manifest parser: libyaml's document API gives every node its line, so
 * each error says FILE:LINE: FIELD: what is wrong. Parsing is strict:
 * unknown fields, duplicate keys, wrong types and out-of-range values are
 * errors, never ignored, because a typo in an RT manifest must not become a
 * silently different system.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rtdd/manifest.h"

struct parser {
	const char *name;
	yaml_document_t doc;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 4, 5))) static int fail(struct parser *p,
						      const yaml_node_t *n,
						      const char *field,
						      const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%zu: %s: %s", p->name,
			 n ? n->start_mark.line + 1 : 1, field, msg);
	return -EINVAL;
}

static yaml_node_t *node(struct parser *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int want(struct parser *p, const yaml_node_t *n, yaml_node_type_t t,
		const char *field)
{
	static const char *const names[] = {"nothing", "a value", "a list",
					    "a mapping"};

	if (!n || n->type != t)
		return fail(p, n, field, "expected %s, found %s", names[t],
			    n ? names[n->type] : "nothing");
	return 0;
}

static int get_str(struct parser *p, const yaml_node_t *n, const char *field,
		   char *buf, size_t len)
{
	int rc = want(p, n, YAML_SCALAR_NODE, field);

	if (rc)
		return rc;
	if (n->data.scalar.length == 0)
		return fail(p, n, field, "must not be empty");
	if (n->data.scalar.length >= len)
		return fail(p, n, field, "longer than %zu characters", len - 1);
	if (strlen(sval(n)) != n->data.scalar.length)
		return fail(p, n, field, "contains a NUL character");
	memcpy(buf, sval(n), n->data.scalar.length + 1);
	return 0;
}

/* Integer with an optional time suffix (us, ms, s) scaled to µs when
 * time is set; plain integers are µs. */
static int get_i64(struct parser *p, const yaml_node_t *n, const char *field,
		   bool time, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	int64_t scale = 1;
	int rc = want(p, n, YAML_SCALAR_NODE, field);

	if (rc)
		return rc;
	s = sval(n);
	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return fail(p, n, field, "'%s' is not a whole number", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return fail(p, n, field, "'%s' is out of range", s);
	if (time && *end) {
		if (!strcmp(end, "us"))
			scale = 1;
		else if (!strcmp(end, "ms"))
			scale = 1000;
		else if (!strcmp(end, "s"))
			scale = 1000000;
		else
			return fail(p, n, field,
				    "'%s': unit must be us, ms or s", s);
		end += strlen(end);
	}
	if (*end)
		return fail(p, n, field, "'%s' is not a whole number", s);
	if (v > INT64_MAX / scale || v < INT64_MIN / scale)
		return fail(p, n, field, "'%s' is out of range", s);
	v *= scale;
	if (v < min || v > max)
		return fail(p, n, field,
			    "%lld%s is out of range [%" PRId64 ", %" PRId64
			    "]%s",
			    v, time ? " us" : "", min, max, time ? " us" : "");
	*out = v;
	return 0;
}

static int get_bool(struct parser *p, const yaml_node_t *n, const char *field,
		    bool *out)
{
	int rc = want(p, n, YAML_SCALAR_NODE, field);

	if (rc)
		return rc;
	if (!strcmp(sval(n), "true") || !strcmp(sval(n), "yes"))
		*out = true;
	else if (!strcmp(sval(n), "false") || !strcmp(sval(n), "no"))
		*out = false;
	else
		return fail(p, n, field, "'%s' is not true or false", sval(n));
	return 0;
}

/* Rate in bit/s: 100000, 100k, 100M, 1G, optionally followed by "bit". */
static int get_rate(struct parser *p, const yaml_node_t *n, const char *field,
		    uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long v;
	uint64_t mul = 1;
	int rc = want(p, n, YAML_SCALAR_NODE, field);

	if (rc)
		return rc;
	s = sval(n);
	if (!isdigit((unsigned char)s[0]))
		return fail(p, n, field, "'%s' is not a rate (e.g. 100M)", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k')
		mul = 1000, end++;
	else if (*end == 'M')
		mul = 1000000, end++;
	else if (*end == 'G')
		mul = 1000000000, end++;
	if (!strcmp(end, "bit"))
		end += 3;
	if (errno || *end || v > UINT64_MAX / mul || v == 0)
		return fail(p, n, field,
			    "'%s' is not a rate in bit/s (e.g. 100M, 1G)", s);
	*out = v * mul;
	return 0;
}

/* A list of CPU numbers, or a single number. */
static int get_cpus(struct parser *p, const yaml_node_t *n, const char *field,
		    unsigned pcpus, uint64_t *out)
{
	char f[96];
	int64_t c;
	uint64_t mask = 0;
	int rc;

	if (n && n->type == YAML_SCALAR_NODE) {
		rc = get_i64(p, n, field, false, 0, (int64_t)pcpus - 1, &c);
		if (rc)
			return rc;
		*out = 1ull << c;
		return 0;
	}
	rc = want(p, n, YAML_SEQUENCE_NODE, field);
	if (rc)
		return rc;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		snprintf(f, sizeof(f), "%s[%td]", field,
			 it - n->data.sequence.items.start);
		rc = get_i64(p, node(p, *it), f, false, 0, (int64_t)pcpus - 1,
			     &c);
		if (rc)
			return rc;
		if (mask & (1ull << c))
			return fail(p, node(p, *it), f,
				    "CPU %" PRId64 " listed twice", c);
		mask |= 1ull << c;
	}
	if (!mask)
		return fail(p, n, field, "must list at least one CPU");
	*out = mask;
	return 0;
}

static bool valid_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static int get_name(struct parser *p, const yaml_node_t *n, const char *field,
		    char *buf, size_t len)
{
	int rc = get_str(p, n, field, buf, len);

	if (rc)
		return rc;
	if (!valid_name(buf))
		return fail(p, n, field,
			    "'%s': use letters, digits, '-' and '_', "
			    "starting with a letter or digit",
			    buf);
	return 0;
}

/*
 * Walks a mapping, rejecting unknown and duplicate keys. For each known key
 * calls fn(p, key index, value node, field path, arg).
 */
typedef int (*field_fn)(struct parser *p, int k, yaml_node_t *v,
			const char *field, void *arg);

static int walk_map(struct parser *p, yaml_node_t *map, const char *where,
		    const char *const *keys, const yaml_node_t **seen,
		    field_fn fn, void *arg)
{
	char field[160], known[256];
	size_t nkeys = 0;
	int rc;

	rc = want(p, map, YAML_MAPPING_NODE, where);
	if (rc)
		return rc;
	while (keys[nkeys])
		nkeys++;
	for (size_t i = 0; i < nkeys; i++)
		seen[i] = NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		size_t i;

		if (!k || k->type != YAML_SCALAR_NODE)
			return fail(p, k, where, "keys must be plain names");
		for (i = 0; i < nkeys; i++)
			if (!strcmp(sval(k), keys[i]))
				break;
		snprintf(field, sizeof(field), "%s%s%s", where,
			 where[0] ? "." : "", sval(k));
		if (i == nkeys) {
			known[0] = 0;
			for (size_t j = 0; j < nkeys; j++) {
				size_t l = strlen(known);

				snprintf(known + l, sizeof(known) - l, "%s%s",
					 j ? ", " : "", keys[j]);
			}
			return fail(p, k, field,
				    "unknown field (known here: %s)", known);
		}
		if (seen[i])
			return fail(p, k, field,
				    "given twice (first on line "
				    "%zu)",
				    seen[i]->start_mark.line + 1);
		seen[i] = k;
		rc = fn(p, (int)i, v, field, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- io ------------------------------------------------------------------ */

static const char *const io_keys[] = {"period", "cost", "max_delay", NULL};

static int io_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		    void *arg)
{
	struct rtdd_mf_io *io = arg;
	int64_t *dst[] = {&io->period, &io->cost, &io->max_delay};

	return get_i64(p, v, field, true, 1, 3600000000ll, dst[k]);
}

static int parse_io(struct parser *p, yaml_node_t *n, const char *field,
		    struct rtdd_mf_io *io)
{
	const yaml_node_t *seen[3];
	int rc = walk_map(p, n, field, io_keys, seen, io_field, io);

	if (rc)
		return rc;
	if (!seen[0] || !seen[1])
		return fail(p, n, field, "needs period and cost");
	if (!seen[2])
		io->max_delay = io->period;
	if (io->cost > io->max_delay)
		return fail(p, n, field,
			    "cost %" PRId64 " us exceeds max_delay %" PRId64
			    " us",
			    io->cost, io->max_delay);
	if (io->max_delay > io->period)
		return fail(p, n, field,
			    "max_delay %" PRId64 " us exceeds period %" PRId64
			    " us (constrained deadlines only)",
			    io->max_delay, io->period);
	return 0;
}

/* ---- vbd ----------------------------------------------------------------- */

static const char *const vbd_keys[] = {"backend", "target", "vdev",
				       "mode",	  "io",	    NULL};

static int vbd_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct rtdd_mf_vbd *d = arg;
	char mode[8];
	int rc;

	switch (k) {
	case 0:
		return get_name(p, v, field, d->backend, sizeof(d->backend));
	case 1:
		return get_str(p, v, field, d->target, sizeof(d->target));
	case 2:
		rc = get_str(p, v, field, d->vdev, sizeof(d->vdev));
		if (rc)
			return rc;
		if (strncmp(d->vdev, "xvd", 3) || !d->vdev[3])
			return fail(p, v, field,
				    "'%s' is not a Xen vdev (xvda, xvdb, ...)",
				    d->vdev);
		for (const char *c = d->vdev + 3; *c; c++)
			if (*c < 'a' || *c > 'z')
				return fail(p, v, field,
					    "'%s' is not a Xen vdev (xvda, "
					    "xvdb, ...)",
					    d->vdev);
		return 0;
	case 3:
		rc = get_str(p, v, field, mode, sizeof(mode));
		if (rc)
			return rc;
		if (strcmp(mode, "ro") && strcmp(mode, "rw"))
			return fail(p, v, field, "'%s' must be ro or rw", mode);
		d->readonly = !strcmp(mode, "ro");
		return 0;
	default:
		return parse_io(p, v, field, &d->io);
	}
}

/* ---- vif ----------------------------------------------------------------- */

static const char *const vif_keys[] = {"backend", "mac", "class", "rate",
				       "vlan",	  "pcp", "io",	  NULL};

static int parse_mac(struct parser *p, yaml_node_t *v, const char *field,
		     char *out)
{
	char s[32];
	unsigned b[6];
	char tail;
	int rc = get_str(p, v, field, s, sizeof(s));

	if (rc)
		return fail(p, v, field, "expected a MAC address");
	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return fail(p, v, field,
			    "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
	for (int i = 0; i < 17; i++)
		if ((i % 3 == 2) != (s[i] == ':') ||
		    (i % 3 != 2 && !isxdigit((unsigned char)s[i])))
			return fail(p, v, field,
				    "'%s' is not a MAC address "
				    "(aa:bb:cc:dd:ee:ff)",
				    s);
	if (b[0] & 1)
		return fail(p, v, field,
			    "'%s' is a multicast address; a vif needs a "
			    "unicast MAC (e.g. 00:16:3e:xx:xx:xx)",
			    s);
	for (int i = 0; i < 17; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[17] = 0;
	return 0;
}

static int vif_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct rtdd_mf_vif *d = arg;
	char cls[16];
	int64_t x;
	int rc;

	switch (k) {
	case 0:
		return get_name(p, v, field, d->backend, sizeof(d->backend));
	case 1:
		return parse_mac(p, v, field, d->mac);
	case 2:
		rc = get_str(p, v, field, cls, sizeof(cls));
		if (rc)
			return rc;
		if (!strcmp(cls, "rt"))
			d->cls = RTDD_MF_CLASS_RT;
		else if (!strcmp(cls, "best-effort"))
			d->cls = RTDD_MF_CLASS_BE;
		else
			return fail(p, v, field,
				    "'%s' must be rt or best-effort", cls);
		return 0;
	case 3:
		return get_rate(p, v, field, &d->rate_bps);
	case 4:
		rc = get_i64(p, v, field, false, 1, 4094, &x);
		d->vlan = (int)x;
		return rc;
	case 5:
		rc = get_i64(p, v, field, false, 0, 7, &x);
		d->pcp = (int)x;
		return rc;
	default:
		return parse_io(p, v, field, &d->io);
	}
}

/* ---- pci ----------------------------------------------------------------- */

static const char *const pci_keys[] = {"bdf", "permissive", "msitranslate",
				       "seize", NULL};

static int parse_bdf(struct parser *p, yaml_node_t *v, const char *field,
		     char *out)
{
	char s[32];
	unsigned dom = 0, bus, dev, fn;
	char tail;
	int rc = get_str(p, v, field, s, sizeof(s));

	if (rc)
		return rc;
	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4 &&
	    (dom = 0, sscanf(s, "%2x:%2x.%1x%c", &bus, &dev, &fn, &tail) != 3))
		return fail(p, v, field,
			    "'%s' is not a PCI address (DDDD:BB:DD.F)", s);
	if (dev > 0x1f || fn > 7)
		return fail(p, v, field,
			    "'%s': device must be <= 1f and function <= 7", s);
	snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static int pci_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct rtdd_mf_pci *d = arg;

	switch (k) {
	case 0:
		return parse_bdf(p, v, field, d->bdf);
	case 1:
		return get_bool(p, v, field, &d->permissive);
	case 2:
		return get_bool(p, v, field, &d->msitranslate);
	default:
		return get_bool(p, v, field, &d->seize);
	}
}

/* ---- tasks and rtds ------------------------------------------------------ */

static const char *const task_keys[] = {"name", "period", "wcet", "deadline",
					NULL};

static int task_field(struct parser *p, int k, yaml_node_t *v,
		      const char *field, void *arg)
{
	struct rtdd_mf_task *t = arg;

	switch (k) {
	case 0:
		return get_name(p, v, field, t->name, sizeof(t->name));
	case 1:
		return get_i64(p, v, field, true, 1, 3600000000ll, &t->period);
	case 2:
		return get_i64(p, v, field, true, 1, 3600000000ll, &t->wcet);
	default:
		return get_i64(p, v, field, true, 1, 3600000000ll,
			       &t->deadline);
	}
}

static const char *const rtds_keys[] = {"period", "budget", "extratime", NULL};

static int rtds_field(struct parser *p, int k, yaml_node_t *v,
		      const char *field, void *arg)
{
	struct rtdd_mf_rtds *r = arg;

	switch (k) {
	case 0:
		return get_i64(p, v, field, true, 10, 4000000000ll, &r->period);
	case 1:
		return get_i64(p, v, field, true, 10, 4000000000ll, &r->budget);
	default:
		return get_bool(p, v, field, &r->extratime);
	}
}

/* ---- lists --------------------------------------------------------------- */

/* Allocates *arr of n elements of size sz for the sequence, then calls fn
 * per item with its field path "field[i]". */
typedef int (*item_fn)(struct parser *p, yaml_node_t *item, const char *field,
		       void *elem);

static int parse_list(struct parser *p, yaml_node_t *seq, const char *field,
		      size_t sz, size_t max, void **arr, size_t *n, item_fn fn)
{
	char f[192];
	size_t cnt;
	int rc = want(p, seq, YAML_SEQUENCE_NODE, field);

	if (rc)
		return rc;
	cnt = (size_t)(seq->data.sequence.items.top -
		       seq->data.sequence.items.start);
	if (cnt > max)
		return fail(p, seq, field, "more than %zu entries", max);
	*arr = calloc(cnt ? cnt : 1, sz);
	if (!*arr)
		return -ENOMEM;
	*n = cnt;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		rc = fn(p, it, f, (char *)*arr + i * sz);
		if (rc)
			return rc;
	}
	return 0;
}

static int vbd_item(struct parser *p, yaml_node_t *it, const char *field,
		    void *elem)
{
	struct rtdd_mf_vbd *d = elem;
	const yaml_node_t *seen[5];
	int rc;

	d->line = it ? (int)it->start_mark.line + 1 : 0;
	rc = walk_map(p, it, field, vbd_keys, seen, vbd_field, d);
	if (rc)
		return rc;
	if (!seen[0] || !seen[1] || !seen[2])
		return fail(p, it, field, "needs backend, target and vdev");
	return 0;
}

static int vif_item(struct parser *p, yaml_node_t *it, const char *field,
		    void *elem)
{
	struct rtdd_mf_vif *d = elem;
	const yaml_node_t *seen[7];
	int rc;

	d->line = it ? (int)it->start_mark.line + 1 : 0;
	d->vlan = -1;
	d->pcp = -1;
	d->cls = (enum rtdd_mf_class) - 1;
	rc = walk_map(p, it, field, vif_keys, seen, vif_field, d);
	if (rc)
		return rc;
	if (!seen[0] || !seen[1])
		return fail(p, it, field, "needs backend and mac");
	if (d->pcp >= 0 && d->vlan < 0)
		return fail(p, it, field, "pcp needs a vlan");
	return 0;
}

static int pci_item(struct parser *p, yaml_node_t *it, const char *field,
		    void *elem)
{
	struct rtdd_mf_pci *d = elem;
	const yaml_node_t *seen[4];
	int rc;

	d->line = it ? (int)it->start_mark.line + 1 : 0;
	if (it && it->type == YAML_SCALAR_NODE)
		return parse_bdf(p, it, field, d->bdf);
	rc = walk_map(p, it, field, pci_keys, seen, pci_field, d);
	if (!rc && !seen[0])
		rc = fail(p, it, field, "needs bdf");
	return rc;
}

static int task_item(struct parser *p, yaml_node_t *it, const char *field,
		     void *elem)
{
	struct rtdd_mf_task *t = elem;
	const yaml_node_t *seen[4];
	int rc;

	t->line = it ? (int)it->start_mark.line + 1 : 0;
	rc = walk_map(p, it, field, task_keys, seen, task_field, t);
	if (rc)
		return rc;
	if (!seen[0] || !seen[1] || !seen[2])
		return fail(p, it, field, "needs name, period and wcet");
	if (!t->deadline)
		t->deadline = t->period;
	if (t->deadline > t->period)
		return fail(p, it, field,
			    "deadline %" PRId64 " us exceeds period %" PRId64
			    " us (constrained deadlines only)",
			    t->deadline, t->period);
	if (t->wcet > t->deadline)
		return fail(p, it, field,
			    "wcet %" PRId64 " us exceeds deadline %" PRId64
			    " us: the task can never meet it",
			    t->wcet, t->deadline);
	return 0;
}

/* ---- domains ------------------------------------------------------------- */

static const char *const dom_keys[] = {"name",	  "role",  "vcpus",  "memory",
				       "cpupool", "cpus",  "kernel", "ramdisk",
				       "cmdline", "sched", "tasks",  "rtds",
				       "vbds",	  "vifs",  "pci",    NULL};

struct dom_ctx {
	struct rtdd_manifest *m;
	struct rtdd_mf_domain *d;
	const yaml_node_t *pool_node, *cpus_node;
	char pool[RTDD_MF_NAME_MAX];
};

static int dom_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct dom_ctx *c = arg;
	struct rtdd_mf_domain *d = c->d;
	const yaml_node_t *seen[3];
	char s[32];
	int64_t x;
	int rc;

	switch (k) {
	case 0:
		return get_name(p, v, field, d->name, sizeof(d->name));
	case 1:
		rc = get_str(p, v, field, s, sizeof(s));
		if (rc)
			return rc;
		if (!strcmp(s, "rt-guest"))
			d->role = RTDD_MF_RT_GUEST;
		else if (!strcmp(s, "driver-domain"))
			d->role = RTDD_MF_DRIVER_DOMAIN;
		else if (!strcmp(s, "best-effort"))
			d->role = RTDD_MF_BEST_EFFORT;
		else
			return fail(p, v, field,
				    "'%s' must be rt-guest, driver-domain or "
				    "best-effort",
				    s);
		return 0;
	case 2:
		rc = get_i64(p, v, field, false, 1, 64, &x);
		d->vcpus = (unsigned)x;
		return rc;
	case 3:
		rc = get_i64(p, v, field, false, 32, 1 << 20, &x);
		d->memory_mib = (uint64_t)x;
		return rc;
	case 4:
		c->pool_node = v;
		return get_name(p, v, field, c->pool, sizeof(c->pool));
	case 5:
		c->cpus_node = v;
		return get_cpus(p, v, field, c->m->pcpus, &d->cpus);
	case 6:
		return get_str(p, v, field, d->kernel, sizeof(d->kernel));
	case 7:
		return get_str(p, v, field, d->ramdisk, sizeof(d->ramdisk));
	case 8:
		return get_str(p, v, field, d->cmdline, sizeof(d->cmdline));
	case 9:
		rc = get_str(p, v, field, s, sizeof(s));
		if (rc)
			return rc;
		if (!strcmp(s, "edf"))
			d->sched = RTDD_MF_SCHED_EDF;
		else if (!strcmp(s, "rm"))
			d->sched = RTDD_MF_SCHED_RM;
		else
			return fail(p, v, field, "'%s' must be edf or rm", s);
		return 0;
	case 10:
		return parse_list(p, v, field, sizeof(*d->tasks), 256,
				  (void **)&d->tasks, &d->ntasks, task_item);
	case 11:
		rc = walk_map(p, v, field, rtds_keys, seen, rtds_field,
			      &d->rtds);
		if (rc)
			return rc;
		if (!seen[0] || !seen[1])
			return fail(p, v, field, "needs period and budget");
		if (d->rtds.budget > d->rtds.period)
			return fail(p, v, field,
				    "budget %" PRId64
				    " us exceeds period %" PRId64 " us",
				    d->rtds.budget, d->rtds.period);
		d->rtds.set = true;
		return 0;
	case 12:
		return parse_list(p, v, field, sizeof(*d->vbds), 64,
				  (void **)&d->vbds, &d->nvbds, vbd_item);
	case 13:
		return parse_list(p, v, field, sizeof(*d->vifs), 64,
				  (void **)&d->vifs, &d->nvifs, vif_item);
	default:
		return parse_list(p, v, field, sizeof(*d->pcis), 64,
				  (void **)&d->pcis, &d->npcis, pci_item);
	}
}

static int find_pool(const struct rtdd_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->npools; i++)
		if (!strcmp(m->pools[i].name, name))
			return (int)i;
	return -1;
}

static int parse_domain(struct parser *p, yaml_node_t *it, const char *field,
			struct rtdd_manifest *m, struct rtdd_mf_domain *d)
{
	struct dom_ctx c = {.m = m, .d = d};
	const yaml_node_t *seen[15];
	char f[192];
	int rc;

	d->line = it ? (int)it->start_mark.line + 1 : 0;
	d->vcpus = 1;
	d->memory_mib = 256;
	rc = walk_map(p, it, field, dom_keys, seen, dom_field, &c);
	if (rc)
		return rc;
	if (!seen[0] || !seen[1])
		return fail(p, it, field, "needs name and role");

	snprintf(f, sizeof(f), "%s.cpupool", field);
	d->pool = find_pool(m, c.pool_node ? c.pool : "Pool-0");
	if (d->pool < 0)
		return fail(p, c.pool_node ? c.pool_node : it, f,
			    c.pool_node ? "no cpupool named '%s'"
					: "no cpupool given and no "
					  "'Pool-0' defined%s",
			    c.pool_node ? c.pool : "");
	snprintf(f, sizeof(f), "%s.cpus", field);
	if (d->cpus & ~m->pools[d->pool].cpus)
		return fail(p, c.cpus_node, f, "CPUs outside cpupool '%s'",
			    m->pools[d->pool].name);

	switch (d->role) {
	case RTDD_MF_RT_GUEST:
		if (!d->ntasks && !d->rtds.set)
			return fail(p, it, field,
				    "rt-guest '%s' needs tasks (for "
				    "admission) or explicit rtds parameters",
				    d->name);
		break;
	case RTDD_MF_DRIVER_DOMAIN:
		if (d->ntasks)
			return fail(p, seen[10], field,
				    "a driver domain's load comes from the "
				    "devices it serves; remove its tasks");
		break;
	case RTDD_MF_BEST_EFFORT:
		if (d->ntasks)
			return fail(p, seen[10], field,
				    "best-effort '%s' has no admission; "
				    "remove its tasks or make it an rt-guest",
				    d->name);
		break;
	}
	if (d->npcis && d->role != RTDD_MF_DRIVER_DOMAIN)
		return fail(p, seen[14], field,
			    "only a driver-domain owns PCI devices; '%s' is "
			    "%s",
			    d->name, rtdd_mf_role_name(d->role));
	if ((d->ntasks || d->rtds.set || d->role == RTDD_MF_RT_GUEST) &&
	    strcmp(m->pools[d->pool].sched, "rtds"))
		return fail(p, c.pool_node ? c.pool_node : it, f,
			    "'%s' needs an RTDS cpupool; '%s' runs %s", d->name,
			    m->pools[d->pool].name, m->pools[d->pool].sched);
	return 0;
}

/* ---- cpupools ------------------------------------------------------------ */

static const char *const pool_keys[] = {"name", "sched", "cpus", NULL};

struct pool_ctx {
	struct rtdd_manifest *m;
	struct rtdd_mf_pool *pl;
};

static int pool_field(struct parser *p, int k, yaml_node_t *v,
		      const char *field, void *arg)
{
	struct pool_ctx *c = arg;
	int rc;

	switch (k) {
	case 0:
		return get_name(p, v, field, c->pl->name, sizeof(c->pl->name));
	case 1:
		rc = get_str(p, v, field, c->pl->sched, sizeof(c->pl->sched));
		if (rc)
			return rc;
		if (strcmp(c->pl->sched, "rtds") &&
		    strcmp(c->pl->sched, "credit2") &&
		    strcmp(c->pl->sched, "credit") &&
		    strcmp(c->pl->sched, "null"))
			return fail(p, v, field,
				    "'%s' must be rtds, credit2, credit or "
				    "null",
				    c->pl->sched);
		return 0;
	default:
		return get_cpus(p, v, field, c->m->pcpus, &c->pl->cpus);
	}
}

/* ---- top level ----------------------------------------------------------- */

static const char *const top_keys[] = {"name",	   "pcpus",   "admission",
				       "cpupools", "domains", NULL};
static const char *const adm_keys[] = {"ctx_switch", "period_min", "period_max",
				       "period_step", NULL};

static int adm_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct rtdd_manifest *m = arg;
	int64_t *dst[] = {&m->ctx_switch_us, &m->period_min_us,
			  &m->period_max_us, &m->period_step_us};

	return get_i64(p, v, field, true, k == 0 ? 0 : (k == 3 ? 1 : 10),
		       1000000000ll, dst[k]);
}

struct top_ctx {
	struct rtdd_manifest *m;
	yaml_node_t *pools, *domains;
};

static int top_field(struct parser *p, int k, yaml_node_t *v, const char *field,
		     void *arg)
{
	struct top_ctx *c = arg;
	const yaml_node_t *seen[4];
	int64_t x;
	int rc;

	switch (k) {
	case 0:
		return get_name(p, v, field, c->m->name, sizeof(c->m->name));
	case 1:
		rc = get_i64(p, v, field, false, 1, RTDD_MF_MAX_PCPUS, &x);
		c->m->pcpus = (unsigned)x;
		return rc;
	case 2:
		return walk_map(p, v, field, adm_keys, seen, adm_field, c->m);
	case 3:
		c->pools = v;
		return want(p, v, YAML_SEQUENCE_NODE, field);
	default:
		c->domains = v;
		return want(p, v, YAML_SEQUENCE_NODE, field);
	}
}

static int check_pools(struct parser *p, struct rtdd_manifest *m,
		       yaml_node_t *seq)
{
	uint64_t used = 0;
	char f[64];
	int rc;

	if (!seq) {
		/* Xen's default: one pool with every CPU; rtdd runs it RTDS */
		m->pools = calloc(1, sizeof(*m->pools));
		if (!m->pools)
			return -ENOMEM;
		m->npools = 1;
		snprintf(m->pools[0].name, sizeof(m->pools[0].name), "Pool-0");
		snprintf(m->pools[0].sched, sizeof(m->pools[0].sched), "rtds");
		m->pools[0].cpus =
			m->pcpus == 64 ? ~0ull : (1ull << m->pcpus) - 1;
		return 0;
	}
	size_t n = (size_t)(seq->data.sequence.items.top -
			    seq->data.sequence.items.start);
	if (!n || n > RTDD_MF_MAX_PCPUS)
		return fail(p, seq, "cpupools", "needs 1 to %d pools",
			    RTDD_MF_MAX_PCPUS);
	m->pools = calloc(n, sizeof(*m->pools));
	if (!m->pools)
		return -ENOMEM;
	m->npools = n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *it = node(p, seq->data.sequence.items.start[i]);
		struct pool_ctx c = {m, &m->pools[i]};
		const yaml_node_t *seen[3];

		snprintf(f, sizeof(f), "cpupools[%zu]", i);
		m->pools[i].line = it ? (int)it->start_mark.line + 1 : 0;
		rc = walk_map(p, it, f, pool_keys, seen, pool_field, &c);
		if (rc)
			return rc;
		if (!seen[0] || !seen[1] || !seen[2])
			return fail(p, it, f, "needs name, sched and cpus");
		if (find_pool(m, m->pools[i].name) != (int)i)
			return fail(p, seen[0], f, "name '%s' used twice",
				    m->pools[i].name);
		if (used & m->pools[i].cpus)
			return fail(p, seen[2], f,
				    "a CPU of '%s' is already in another "
				    "cpupool",
				    m->pools[i].name);
		used |= m->pools[i].cpus;
	}
	return 0;
}

static int cross_checks(struct parser *p, struct rtdd_manifest *m,
			yaml_node_t *seq)
{
	char f[160];

	for (size_t i = 0; i < m->ndomains; i++) {
		struct rtdd_mf_domain *d = &m->domains[i];
		yaml_node_t *dn = node(p, seq->data.sequence.items.start[i]);

		snprintf(f, sizeof(f), "domains[%zu].name", i);
		if (rtdd_manifest_find(m, d->name) != (int)i)
			return fail(p, dn, f, "'%s' is used twice", d->name);
		for (size_t j = 0; j < d->nvbds; j++) {
			struct rtdd_mf_vbd *v = &d->vbds[j];
			int be = rtdd_manifest_find(m, v->backend);
			struct yaml_node_s at = {.start_mark.line =
							 (size_t)v->line - 1};

			snprintf(f, sizeof(f), "domains[%zu].vbds[%zu]", i, j);
			if (be < 0 ||
			    m->domains[be].role != RTDD_MF_DRIVER_DOMAIN)
				return fail(p, &at, f,
					    "backend '%s' is not a "
					    "driver-domain of this manifest",
					    v->backend);
			if (d->role == RTDD_MF_RT_GUEST && !v->io.period)
				return fail(p, &at, f,
					    "an rt-guest's disk needs io "
					    "(period, cost, max_delay) so its "
					    "driver domain can be admitted");
			for (size_t k = 0; k < j; k++)
				if (!strcmp(d->vbds[k].vdev, v->vdev))
					return fail(p, &at, f,
						    "vdev %s used twice",
						    v->vdev);
		}
		for (size_t j = 0; j < d->nvifs; j++) {
			struct rtdd_mf_vif *v = &d->vifs[j];
			int be = rtdd_manifest_find(m, v->backend);
			struct yaml_node_s at = {.start_mark.line =
							 (size_t)v->line - 1};

			snprintf(f, sizeof(f), "domains[%zu].vifs[%zu]", i, j);
			if (be < 0 ||
			    m->domains[be].role != RTDD_MF_DRIVER_DOMAIN)
				return fail(p, &at, f,
					    "backend '%s' is not a "
					    "driver-domain of this manifest",
					    v->backend);
			if ((int)v->cls < 0)
				v->cls = d->role == RTDD_MF_RT_GUEST
						 ? RTDD_MF_CLASS_RT
						 : RTDD_MF_CLASS_BE;
			if (v->cls == RTDD_MF_CLASS_RT &&
			    d->role != RTDD_MF_RT_GUEST)
				return fail(p, &at, f,
					    "class rt is reserved for "
					    "rt-guests; '%s' is %s",
					    d->name,
					    rtdd_mf_role_name(d->role));
			if (d->role == RTDD_MF_RT_GUEST && !v->io.period)
				return fail(p, &at, f,
					    "an rt-guest's vif needs io "
					    "(period, cost, max_delay) so its "
					    "driver domain can be admitted");
			for (size_t i2 = 0; i2 <= i; i2++)
				for (size_t k = 0;
				     k < (i2 == i ? j : m->domains[i2].nvifs);
				     k++)
					if (!strcmp(m->domains[i2].vifs[k].mac,
						    v->mac))
						return fail(
							p, &at, f,
							"MAC %s is already "
							"used by '%s'",
							v->mac,
							m->domains[i2].name);
		}
		for (size_t j = 0; j < d->npcis; j++) {
			struct yaml_node_s at = {
				.start_mark.line = (size_t)d->pcis[j].line - 1};

			snprintf(f, sizeof(f), "domains[%zu].pci[%zu]", i, j);
			for (size_t i2 = 0; i2 <= i; i2++)
				for (size_t k = 0;
				     k < (i2 == i ? j : m->domains[i2].npcis);
				     k++)
					if (!strcmp(m->domains[i2].pcis[k].bdf,
						    d->pcis[j].bdf))
						return fail(
							p, &at, f,
							"%s is already "
							"given to '%s'",
							d->pcis[j].bdf,
							m->domains[i2].name);
		}
	}
	return 0;
}

int rtdd_manifest_parse(const char *buf, size_t len, const char *name,
			struct rtdd_manifest *m, char *err, size_t errlen)
{
	struct parser p = {
		.name = name ? name : "manifest", .err = err, .errlen = errlen};
	yaml_parser_t yp;
	struct top_ctx c = {.m = m};
	const yaml_node_t *seen[5];
	bool have_doc = false;
	yaml_node_t *root;
	int rc;

	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s", p.name);
	m->ctx_switch_us = 10;
	m->period_min_us = 100;
	m->period_max_us = 100000;
	m->period_step_us = 100;
	if (err && errlen)
		err[0] = 0;
	if (!yaml_parser_initialize(&yp))
		return -ENOMEM;
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&yp, &p.doc)) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%zu: YAML: %s%s%s", p.name,
				 yp.problem_mark.line + 1,
				 yp.problem ? yp.problem : "syntax error",
				 yp.context ? " " : "",
				 yp.context ? yp.context : "");
		yaml_parser_delete(&yp);
		rtdd_manifest_dispose(m);
		return -EINVAL;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&p.doc);
	if (!root) {
		rc = fail(&p, NULL, "manifest", "the file is empty");
		goto out;
	}
	rc = walk_map(&p, root, "", top_keys, seen, top_field, &c);
	if (rc)
		goto out;
	if (!seen[0] || !seen[1] || !seen[4]) {
		rc = fail(&p, root, "manifest",
			  "needs name, pcpus and domains");
		goto out;
	}
	if (m->period_min_us > m->period_max_us) {
		rc = fail(&p, seen[2], "admission",
			  "period_min exceeds period_max");
		goto out;
	}
	rc = check_pools(&p, m, c.pools);
	if (rc)
		goto out;
	size_t nd = (size_t)(c.domains->data.sequence.items.top -
			     c.domains->data.sequence.items.start);
	if (!nd || nd > 256) {
		rc = fail(&p, c.domains, "domains", "needs 1 to 256 domains");
		goto out;
	}
	m->domains = calloc(nd, sizeof(*m->domains));
	if (!m->domains) {
		rc = -ENOMEM;
		goto out;
	}
	m->ndomains = nd;
	for (size_t i = 0; i < nd; i++) {
		char f[32];

		snprintf(f, sizeof(f), "domains[%zu]", i);
		rc = parse_domain(
			&p, node(&p, c.domains->data.sequence.items.start[i]),
			f, m, &m->domains[i]);
		if (rc)
			goto out;
	}
	rc = cross_checks(&p, m, c.domains);
out:
	if (have_doc)
		yaml_document_delete(&p.doc);
	yaml_parser_delete(&yp);
	if (rc)
		rtdd_manifest_dispose(m);
	return rc;
}

int rtdd_manifest_load(const char *path, struct rtdd_manifest *m, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= (1u << 24)) {
				fclose(f);
				free(buf);
				if (err && errlen)
					snprintf(err, errlen,
						 "%s: larger than 16 MiB",
						 path);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				fclose(f);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, cap - len, f);

		len += r;
		if (r == 0)
			break;
	}
	fclose(f);
	rc = rtdd_manifest_parse(buf, len, path, m, err, errlen);
	free(buf);
	return rc;
}

void rtdd_manifest_dispose(struct rtdd_manifest *m)
{
	for (size_t i = 0; i < m->ndomains; i++) {
		free(m->domains[i].tasks);
		free(m->domains[i].vbds);
		free(m->domains[i].vifs);
		free(m->domains[i].pcis);
	}
	free(m->domains);
	free(m->pools);
	memset(m, 0, sizeof(*m));
}

int rtdd_manifest_find(const struct rtdd_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->ndomains; i++)
		if (!strcmp(m->domains[i].name, name))
			return (int)i;
	return -1;
}

const char *rtdd_mf_role_name(enum rtdd_mf_role r)
{
	switch (r) {
	case RTDD_MF_RT_GUEST:
		return "rt-guest";
	case RTDD_MF_DRIVER_DOMAIN:
		return "driver-domain";
	case RTDD_MF_BEST_EFFORT:
		return "best-effort";
	}
	return "?";
}

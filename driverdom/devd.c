// SPDX-License-Identifier: MIT
/*
 * rtdd-devd - the supervisor inside a driver domain (the rtdd counterpart
 * of `xl devd`, docs/driverdom.md).
 *
 * It watches backend/ in its own xenstore tree. For each device entry
 * backend/<kind>/<frontend domid>/<devid> the toolstack writes, it checks
 * the entry (what a hotplug script would), writes hotplug-status
 * ("connected" or "error" with hotplug-error) and keeps one backend process
 * per device kind running while the kind has valid devices: rtdd-blkback
 * for vbd, rtdd-netback for vif. One process per kind, not per device,
 * because a backend serves all its rings from pinned poll threads in
 * priority classes (RT before best-effort, per-ring budgets): the bound on
 * an RT ring's service delay holds only if one process sees every ring of
 * its kind. A device the backend cannot serve fails alone in the backend
 * (xenbus "error" node); the others go on.
 *
 * A backend that dies is restarted after a delay that doubles from
 * --backoff-min-ms to --backoff-max-ms and resets once a run lasted
 * --stable-ms. The restarted backend finds its frontends' stale sessions
 * and waits in InitWait until they reset (rtdd frontends do on seeing the
 * backend leave Connected, and re-issue the requests that were in flight).
 *
 * Device state, per entry:
 *
 *          entry appears
 *   (new) -------------> checked ok --> connected   (backend of the kind up)
 *             |              ^   |
 *             | check fails  |   | check fails (value rewritten)
 *             v              |   v
 *           error <----------+- error            entry removed: forgotten
 *
 * Backend process state, per kind:
 *
 *   stopped --(a valid device)--> running --(exit/crash)--> backoff
 *      ^                            |  ^                      |
 *      |   (no devices left)        |  +---(delay elapsed)----+
 *      +------- stopping <----------+
 *
 * Every transition is logged as "<object> <from> -> <to> (<why>)" and the
 * backend states are published under data/rtdd-devd/<kind>/ for
 * `rtdd status`.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "rtdd/hv.h"
#include "rtdd/log.h"

#define MAX_DEVS 256
#define MAX_ARGS 16
#define STOP_GRACE_MS 3000
#define WATCH_TOKEN "rtdd-devd"
/* new vif entries come in bursts (xl adds a guest's vifs one by one):
 * netback starts, or restarts for new ports, once none came for this */
#define SW_SETTLE_MS 500

enum dev_state { DEV_NEW = 0, DEV_ERROR, DEV_CONNECTED };

static const char *const dev_state_names[] = {"new", "error", "connected"};

struct dev {
	bool used, seen;
	bool put_failed; /* a hotplug-status write was refused (logged) */
	bool ok;	 /* passed the checks: counts for its backend */
	char kind[16];
	unsigned fe, devid;
	char name[64];	/* vbd/3/51712 */
	char path[256]; /* absolute backend dir */
	enum dev_state st;
	char err[256];
	int served; /* index into d.served, -1 none (no --serves) */
};

enum be_state { BE_STOPPED = 0, BE_RUNNING, BE_BACKOFF, BE_STOPPING };

static const char *const be_state_names[] = {"stopped", "running", "backoff",
					     "stopping"};

struct backend {
	const char *kind; /* vbd, vif */
	const char *prog; /* rtdd-blkback ... */
	char bin[PATH_MAX];
	const char *args[MAX_ARGS];
	unsigned nargs;
	enum be_state st;
	pid_t pid;
	uint64_t started_ns, due_ns; /* restart or SIGKILL deadline */
	unsigned backoff_ms;	     /* next delay */
	unsigned restarts;
	unsigned ndevs; /* valid devices of this kind */
	char last_exit[64];
};

/* One device of the plan's <dd>.rtdd.json (`--serves`). */
struct served {
	bool vif;
	char frontend[64];
	char vdev[16];	  /* vbd */
	char target[256]; /* vbd */
	char mac[18];	  /* vif, lower case */
	bool rt;
	uint64_t rate_bps; /* vif: 0 unlimited */
	int vlan, pcp;	   /* vif: -1 none */
};

#define MAX_SERVED 64

static struct {
	rtdd_hv *hv;
	const char *spec;
	char home[64];	  /* /local/domain/<us> */
	char be_root[96]; /* <home>/backend */
	struct dev devs[MAX_DEVS];
	struct backend be[2];
	unsigned backoff_min_ms, backoff_max_ms, stable_ms;
	rtdd_xs_txn txn; /* the reads of one entry's check: one snapshot */
	const char *serves_path;
	struct served served[MAX_SERVED];
	unsigned nserved;
	/* The RT switch configuration of rtdd-netback when devd writes it
	 * (--serves without a --vif-arg --config): one port per vif in the
	 * plan that has an entry, named vif<fe>.<devid> as netback names
	 * them. port[] is what the running netback was started with. */
	bool sw_managed;
	const char *sw_path;
	struct {
		char name[32];	/* vif<fe>.<devid> */
		char text[256]; /* its "port" and "mac" lines */
	} port[MAX_DEVS];
	unsigned nports;
	uint64_t sw_settle_ns; /* start or restart netback from this time */
	bool sw_restart;       /* netback stopping to take new ports */
	uint64_t sw_sig;       /* the new vifs sw_settle_ns waits for */
	bool quit;
} d;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A guest-supplied value quoted into a log line or hotplug-error: printable,
 * short. */
static const char *clean(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < len && i < 64; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && i + 4 < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = 0;
	return buf;
}

static struct backend *backend_of(const char *kind)
{
	for (unsigned i = 0; i < 2; i++)
		if (!strcmp(d.be[i].kind, kind))
			return &d.be[i];
	return NULL;
}

/* ---- publishing ---------------------------------------------------------- */

static void publish(struct backend *b)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/data/rtdd-devd/%s/state", d.home, b->kind);
	rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, p, "%s", be_state_names[b->st]);
	snprintf(p, sizeof(p), "%s/data/rtdd-devd/%s/pid", d.home, b->kind);
	rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, p, "%d",
		       b->st == BE_RUNNING || b->st == BE_STOPPING ? (int)b->pid
								   : 0);
	snprintf(p, sizeof(p), "%s/data/rtdd-devd/%s/restarts", d.home,
		 b->kind);
	rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, p, "%u", b->restarts);
	snprintf(p, sizeof(p), "%s/data/rtdd-devd/%s/backoff-ms", d.home,
		 b->kind);
	rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, p, "%u", b->backoff_ms);
	snprintf(p, sizeof(p), "%s/data/rtdd-devd/%s/last-exit", d.home,
		 b->kind);
	rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, p, "%s", b->last_exit);
}

static void be_switch(struct backend *b, enum be_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void be_switch(struct backend *b, enum be_state st, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	RTDD_LOG(INFO, "%s backend %s -> %s (%s)", b->kind,
		 be_state_names[b->st], be_state_names[st], why);
	b->st = st;
	publish(b);
}

/* Write key under the device dir (val NULL: remove it) unless it already
 * holds val, in a transaction that first checks the entry still exists:
 * writing into an entry the toolstack just removed would create a ghost
 * of it. Our own writes fire the watch too: writing only on change ends
 * that loop. */
static void dev_put(struct dev *v, const char *key, const char *val)
{
	char p[320];
	int rc = 0;

	snprintf(p, sizeof(p), "%s/%s", v->path, key);
	for (int tries = 0; tries < 8; tries++) {
		char *cur = NULL;
		rtdd_xs_txn t;
		size_t len;
		bool same;

		rc = rtdd_xs_txn_start(d.hv, &t);
		if (rc)
			break;
		if (rtdd_xs_read(d.hv, t, v->path, &cur, &len) == -ENOENT) {
			rtdd_xs_txn_end(d.hv, t, true);
			return; /* the entry is gone */
		}
		free(cur);
		cur = NULL;
		rc = rtdd_xs_read(d.hv, t, p, &cur, &len);
		same = val ? !rc && !strcmp(cur, val) : rc == -ENOENT;
		free(cur);
		if (same) {
			rtdd_xs_txn_end(d.hv, t, true);
			return;
		}
		rc = val ? rtdd_xs_write(d.hv, t, p, val, strlen(val))
			 : rtdd_xs_rm(d.hv, t, p);
		if (rc) {
			rtdd_xs_txn_end(d.hv, t, true);
			break;
		}
		rc = rtdd_xs_txn_end(d.hv, t, false);
		if (rc != -EAGAIN)
			break;
	}
	if (rc && !v->put_failed) {
		/* e.g. an entry the toolstack did not give us: say it once */
		RTDD_LOG(WARN, "%s: cannot %s %s: %s", v->name,
			 val ? "write" : "remove", key, strerror(-rc));
		v->put_failed = true;
	}
}

static void dev_switch(struct dev *v, enum dev_state st, const char *why)
{
	/* an error that was fixed: its message must not linger */
	if (v->st == DEV_ERROR && st == DEV_CONNECTED)
		dev_put(v, "hotplug-error", NULL);
	if (v->st != st || (st == DEV_ERROR && strcmp(v->err, why)))
		rtdd_log(st == DEV_ERROR ? RTDD_LOG_WARN : RTDD_LOG_INFO,
			 "%s device %s -> %s (%s)", v->name,
			 dev_state_names[v->st], dev_state_names[st], why);
	v->st = st;
	snprintf(v->err, sizeof(v->err), "%s", st == DEV_ERROR ? why : "");
	if (st == DEV_ERROR) {
		dev_put(v, "hotplug-error", why);
		dev_put(v, "hotplug-status", "error");
	} else if (st == DEV_CONNECTED) {
		dev_put(v, "hotplug-status", "connected");
	}
}

/* ---- checking an entry --------------------------------------------------- */

static int read_str(const struct dev *v, const char *key, char **out)
{
	char p[320];
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", v->path, key);
	return rtdd_xs_read(d.hv, d.txn, p, out, &len);
}

static bool valid_mac(const char *s)
{
	for (int i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2 ? c != ':'
			       : !((c >= '0' && c <= '9') ||
				   (c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F')))
			return false;
	}
	return s[17] == 0;
}

/* What a hotplug script checks. 0, or -errno with why filled in. */
static int dev_check(struct dev *v, char *why, size_t len)
{
	char *val = NULL, *fe_home = NULL, want[320], q[96];
	struct rtdd_dom_info info;
	uint64_t id;
	int rc;

	if (!backend_of(v->kind)) {
		rc = -EOPNOTSUPP;
		snprintf(why, len, "no rtdd backend for device kind %s",
			 clean(v->kind, q, sizeof(q)));
		goto out;
	}
	if (!backend_of(v->kind)->bin[0]) {
		rc = -EOPNOTSUPP;
		snprintf(why, len, "%s devices unsupported here: %s not found",
			 v->kind, backend_of(v->kind)->prog);
		goto out;
	}
	snprintf(want, sizeof(want), "%s/frontend-id", v->path);
	rc = rtdd_xs_read_u64(d.hv, d.txn, want, &id);
	if (rc) {
		if (read_str(v, "frontend-id", &val))
			snprintf(why, len, "frontend-id missing");
		else
			snprintf(why, len,
				 "frontend-id '%s' is not a domain id",
				 clean(val, q, sizeof(q)));
		goto out;
	}
	if (id != v->fe) {
		rc = -EINVAL;
		snprintf(why, len,
			 "frontend-id %llu does not match the entry's "
			 "domain %u",
			 (unsigned long long)id, v->fe);
		goto out;
	}
	rc = rtdd_xs_domain_path(d.hv, (rtdd_domid)v->fe, &fe_home);
	if (rc) {
		snprintf(why, len, "no home for frontend domain %u: %s", v->fe,
			 strerror(-rc));
		goto out;
	}
	snprintf(want, sizeof(want), "%s/device/%s/%u", fe_home, v->kind,
		 v->devid);
	rc = read_str(v, "frontend", &val);
	if (rc) {
		snprintf(why, len, "frontend missing");
		goto out;
	}
	if (strcmp(val, want)) {
		snprintf(why, len, "frontend '%s' is not %.120s",
			 clean(val, q, sizeof(q)), want);
		rc = -EINVAL;
		goto out;
	}
	free(val);
	val = NULL;
	rc = rtdd_dom_info(d.hv, (rtdd_domid)v->fe, &info);
	if (rc == -ESRCH) {
		snprintf(why, len, "frontend domain %u does not exist", v->fe);
		goto out;
	}
	rc = 0; /* -EPERM: a domU on Xen may not ask; the backend will see */

	if (!strcmp(v->kind, "vbd")) {
		struct stat st;
		char *mode = NULL;
		bool w = true;

		rc = read_str(v, "params", &val);
		if (rc || !val[0]) {
			rc = -EINVAL;
			snprintf(why, len, "params missing");
			goto out;
		}
		if (!read_str(v, "mode", &mode)) {
			if (!strcmp(mode, "r") || !strcmp(mode, "ro"))
				w = false;
			else if (strcmp(mode, "w") && strcmp(mode, "rw")) {
				snprintf(why, len, "mode '%s' is not r or w",
					 clean(mode, q, sizeof(q)));
				free(mode);
				rc = -EINVAL;
				goto out;
			}
			free(mode);
		}
		if (val[0] != '/' || stat(val, &st)) {
			rc = val[0] != '/' ? -EINVAL : -errno;
			snprintf(why, len, "params '%s': %s",
				 clean(val, q, sizeof(q)),
				 val[0] != '/' ? "not an absolute path"
					       : strerror(-rc));
			goto out;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
			rc = -EINVAL;
			snprintf(why, len,
				 "params '%s' is not a file or block device",
				 clean(val, q, sizeof(q)));
			goto out;
		}
		if (access(val, w ? R_OK | W_OK : R_OK)) {
			rc = -errno;
			snprintf(why, len, "params '%s': %s",
				 clean(val, q, sizeof(q)), strerror(-rc));
			goto out;
		}
	} else if (!strcmp(v->kind, "vif")) {
		if (!read_str(v, "mac", &val) && !valid_mac(val)) {
			rc = -EINVAL;
			snprintf(why, len, "mac '%s' is not a MAC address",
				 clean(val, q, sizeof(q)));
			goto out;
		}
	}
	rc = 0;
out:
	free(val);
	free(fe_home);
	return rc;
}

/* ---- the plan's list of what this driver domain serves ------------------- */

/*
 * `--serves FILE`: the <dd>.rtdd.json `rtdd plan` writes. JSON is YAML, so
 * libyaml reads it. Only what devd uses is taken: per vbd frontend, vdev,
 * target, class; per vif frontend, mac, class. Other keys are ignored
 * (the file may grow); a wrong type is an error with its line.
 */
static const char *yscalar(yaml_document_t *doc, yaml_node_t *map,
			   const char *key, int *line_out)
{
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(doc, pr->value);

		if (!k || !v || k->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)k->data.scalar.value, key))
			continue;
		*line_out = (int)v->start_mark.line + 1;
		return v->type == YAML_SCALAR_NODE
			       ? (const char *)v->data.scalar.value
			       : NULL;
	}
	*line_out = (int)map->start_mark.line + 1;
	return NULL;
}

/* The value node of key in map, or NULL when map has no such key. */
static yaml_node_t *ynode(yaml_document_t *doc, yaml_node_t *map,
			  const char *key)
{
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(doc, pr->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, pr->value);
	}
	return NULL;
}

static int take(yaml_document_t *doc, yaml_node_t *item, bool vif,
		struct served *sv, char *err, size_t len)
{
	static const char *const vbd_keys[] = {"frontend", "vdev", "target",
					       "class"};
	static const char *const vif_keys[] = {"frontend", "mac", "class"};
	const char *const *keys = vif ? vif_keys : vbd_keys;
	unsigned nkeys = vif ? 3 : 4;
	int line;

	if (item->type != YAML_MAPPING_NODE) {
		snprintf(err, len, "%zu: a %s entry must be an object",
			 item->start_mark.line + 1, vif ? "vif" : "vbd");
		return -EINVAL;
	}
	memset(sv, 0, sizeof(*sv));
	sv->vif = vif;
	for (unsigned i = 0; i < nkeys; i++) {
		const char *v = yscalar(doc, item, keys[i], &line);
		char *dst = NULL;
		size_t cap = 0;

		if (!v) {
			snprintf(err, len, "%d: %s: missing or not a string",
				 line, keys[i]);
			return -EINVAL;
		}
		if (!strcmp(keys[i], "class")) {
			if (strcmp(v, "rt") && strcmp(v, "best-effort")) {
				snprintf(err, len,
					 "%d: class: '%.32s' is not rt or "
					 "best-effort",
					 line, v);
				return -EINVAL;
			}
			sv->rt = !strcmp(v, "rt");
			continue;
		}
		if (!strcmp(keys[i], "frontend")) {
			dst = sv->frontend;
			cap = sizeof(sv->frontend);
		} else if (!strcmp(keys[i], "vdev")) {
			dst = sv->vdev;
			cap = sizeof(sv->vdev);
		} else if (!strcmp(keys[i], "target")) {
			dst = sv->target;
			cap = sizeof(sv->target);
		} else {
			dst = sv->mac;
			cap = sizeof(sv->mac);
		}
		if (!*v || strlen(v) >= cap) {
			snprintf(err, len, "%d: %s: empty or longer than %zu",
				 line, keys[i], cap - 1);
			return -EINVAL;
		}
		memcpy(dst, v, strlen(v) + 1);
	}
	if (vif) {
		static const char *const opt[] = {"rate_bps", "vlan", "pcp"};
		static const uint64_t max[] = {UINT64_MAX / 2, 4094, 7};

		sv->vlan = -1;
		sv->pcp = -1;
		for (unsigned i = 0; i < 3; i++) {
			yaml_node_t *vn = ynode(doc, item, opt[i]);
			unsigned long long n;
			const char *v;
			char *end;

			if (!vn)
				continue; /* absent: none */
			line = (int)vn->start_mark.line + 1;
			if (vn->type != YAML_SCALAR_NODE) {
				snprintf(err, len, "%d: %s: not a number", line,
					 opt[i]);
				return -EINVAL;
			}
			v = (const char *)vn->data.scalar.value;
			errno = 0;
			n = strtoull(v, &end, 10);
			if (errno || *end || !*v || *v == '-' || n > max[i] ||
			    (i == 1 && !n)) {
				snprintf(err, len,
					 "%d: %s: '%.32s' out of range", line,
					 opt[i], v);
				return -EINVAL;
			}
			if (i == 0)
				sv->rate_bps = n;
			else if (i == 1)
				sv->vlan = (int)n;
			else
				sv->pcp = (int)n;
		}
		for (char *c = sv->mac; *c; c++)
			if (*c >= 'A' && *c <= 'F')
				*c = (char)(*c - 'A' + 'a');
		if (!valid_mac(sv->mac)) {
			snprintf(err, len,
				 "%zu: mac: '%s' is not a MAC address",
				 item->start_mark.line + 1, sv->mac);
			return -EINVAL;
		}
	}
	return 0;
}

/* 0, or -errno with "FILE:LINE: what" (or "FILE: what") in err. */
static int serves_load(const char *path, char *err, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f = fopen(path, "rb");
	char why[256] = "";
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, len, "%s: out of memory", path);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, len, "%s:%zu: %s", path,
			 parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		snprintf(why, sizeof(why), "1: not an object");
		rc = -EINVAL;
		goto out;
	}
	d.nserved = 0;
	for (int vif = 0; vif < 2 && !rc; vif++) {
		yaml_node_t *seq = NULL;

		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);

			if (k && k->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)k->data.scalar.value,
				    vif ? "vifs" : "vbds"))
				seq = yaml_document_get_node(&doc, pr->value);
		}
		if (!seq)
			continue;
		if (seq->type != YAML_SEQUENCE_NODE) {
			snprintf(why, sizeof(why), "%zu: %s must be a list",
				 seq->start_mark.line + 1,
				 vif ? "vifs" : "vbds");
			rc = -EINVAL;
			break;
		}
		for (yaml_node_item_t *it = seq->data.sequence.items.start;
		     it < seq->data.sequence.items.top; it++) {
			if (d.nserved == MAX_SERVED) {
				snprintf(why, sizeof(why),
					 "more than %u devices", MAX_SERVED);
				rc = -E2BIG;
				break;
			}
			rc = take(&doc, yaml_document_get_node(&doc, *it), vif,
				  &d.served[d.nserved], why, sizeof(why));
			if (rc)
				break;
			d.nserved++;
		}
	}
out:
	if (rc)
		snprintf(err, len, "%s:%s", path, why);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

/* The plan's record for a checked entry, or NULL. vbds match on vdev and
 * target, vifs on MAC; the frontend's name decides between equal
 * candidates when this domain may read it (a domU usually may not). */
static const struct served *serves_find(const struct dev *v)
{
	const struct served *hit = NULL;
	char *a = NULL, *b = NULL, *name = NULL, p[64];
	size_t len;
	bool vif = !strcmp(v->kind, "vif");

	if (!vif && strcmp(v->kind, "vbd"))
		return NULL;
	if (vif ? read_str(v, "mac", &a) : read_str(v, "params", &a))
		return NULL;
	if (!vif && read_str(v, "dev", &b)) {
		free(a);
		return NULL;
	}
	for (char *c = a; vif && *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	snprintf(p, sizeof(p), "/local/domain/%u/name", v->fe);
	if (rtdd_xs_read(d.hv, d.txn, p, &name, &len))
		name = NULL;
	for (unsigned i = 0; i < d.nserved; i++) {
		const struct served *sv = &d.served[i];

		if (sv->vif != vif ||
		    (vif ? strcmp(sv->mac, a)
			 : strcmp(sv->target, a) || strcmp(sv->vdev, b)))
			continue;
		if (name && strcmp(name, sv->frontend))
			continue;
		hit = sv;
		break;
	}
	free(a);
	free(b);
	free(name);
	return hit;
}

/* ---- the switch configuration of rtdd-netback ---------------------------- */

/*
 * With --serves and no --vif-arg --config, devd writes rtdd-netback's
 * switch configuration itself (docs/net.md): a port per vif entry that
 * passed the checks and is in the plan, named vif<fe>.<devid> as netback
 * names the vif of frontend domain fe, with the plan's class, VLAN, PCP
 * and rate, and its MAC in the table. The plan knows frontends by name,
 * the entries by domain id: only here do both meet, which is why the
 * toolstack (`rtdd up` on sim) writes it when it knows the domids, and
 * devd does on Xen. A port of a vif that goes stays (harmless); a new
 * port restarts netback, whose frontends then reconnect (rtdd's do;
 * Linux netfront does not reconnect to a restarted backend: create every
 * guest's vifs before its netfront connects, as apply.sh does).
 */
static int port_find(const char *name)
{
	for (unsigned i = 0; i < d.nports; i++)
		if (!strcmp(d.port[i].name, name))
			return (int)i;
	return -1;
}

static void port_of(const struct dev *v, char *name, size_t len)
{
	snprintf(name, len, "vif%u.%u", v->fe, v->devid);
}

static bool sw_port_wanted(const struct dev *v)
{
	return v->used && v->ok && v->served >= 0 && !strcmp(v->kind, "vif");
}

/* After a scan: are there vifs without a port in the running switch? */
static void sw_update(void)
{
	struct backend *b = backend_of("vif");
	uint64_t sig = 0; /* which vifs are new: a change restarts the wait */
	char name[32];

	if (!d.sw_managed)
		return;
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		port_of(&d.devs[i], name, sizeof(name));
		if (sw_port_wanted(&d.devs[i]) &&
		    (b->st != BE_RUNNING || port_find(name) < 0))
			sig = sig * 1000003u + (uint64_t)d.devs[i].fe * 65599u +
			      d.devs[i].devid + 1;
	}
	if (sig == d.sw_sig)
		return;
	d.sw_sig = sig;
	if (!sig)
		return;
	d.sw_settle_ns = now_ns() + SW_SETTLE_MS * 1000000ull;
	if (b->st == BE_RUNNING && !d.sw_restart) {
		d.sw_restart = true;
		RTDD_LOG(INFO,
			 "vif backend: new vif(s) for the switch; restart in "
			 "%u ms to take them",
			 SW_SETTLE_MS);
	}
}

/* Writes the configuration for the next netback: the ports it had (when
 * it restarts) plus every wanted vif. 0 or -errno. */
static int sw_write(void)
{
	char tmp[PATH_MAX + 8], name[32], dir[PATH_MAX];
	char text[sizeof(d.port[0].text)], vlan[24], pcp[24], rate[32];
	FILE *f;

	if (!d.sw_restart)
		d.nports = 0;
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		const struct dev *v = &d.devs[i];
		const struct served *sv;

		if (!sw_port_wanted(v))
			continue;
		port_of(v, name, sizeof(name));
		if (port_find(name) >= 0 || d.nports == MAX_DEVS)
			continue;
		sv = &d.served[v->served];
		vlan[0] = pcp[0] = rate[0] = 0;
		if (sv->vlan >= 0)
			snprintf(vlan, sizeof(vlan), " vlan %d", sv->vlan);
		if (sv->pcp >= 0)
			snprintf(pcp, sizeof(pcp), " pcp %d", sv->pcp);
		if (sv->rate_bps)
			snprintf(rate, sizeof(rate), " rate %llu",
				 (unsigned long long)sv->rate_bps);
		snprintf(d.port[d.nports].name, sizeof(d.port[0].name), "%s",
			 name);
		snprintf(text, sizeof(text),
			 "port %s vif %s%s%s%s\nmac %s %s%s", name,
			 sv->rt ? "rt" : "be", vlan, pcp, rate, sv->mac, name,
			 vlan);
		memcpy(d.port[d.nports].text, text, sizeof(text));
		d.nports++;
	}
	d.sw_restart = false;
	snprintf(dir, sizeof(dir), "%s", d.sw_path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.new", d.sw_path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"# written by rtdd-devd from %s: a port per vif of the plan "
		"that has an entry\n",
		d.serves_path);
	for (unsigned i = 0; i < d.nports; i++)
		fprintf(f, "%s\n", d.port[i].text);
	if (fclose(f))
		return -errno;
	if (rename(tmp, d.sw_path))
		return -errno;
	RTDD_LOG(INFO, "vif backend: switch configuration %s, %u port(s)",
		 d.sw_path, d.nports);
	return 0;
}

/* ---- the backend processes ----------------------------------------------- */

static void be_start(struct backend *b)
{
	const char *argv[MAX_ARGS + 8];
	unsigned n = 0;
	pid_t pid;

	argv[n++] = b->bin;
	if (d.spec) {
		argv[n++] = "--hv";
		argv[n++] = d.spec;
	}
	for (unsigned i = 0; i < b->nargs; i++)
		argv[n++] = b->args[i];
	if (d.sw_managed && !strcmp(b->kind, "vif")) {
		int rc = sw_write();

		if (rc) {
			snprintf(b->last_exit, sizeof(b->last_exit),
				 "switch configuration: %s", strerror(-rc));
			b->due_ns =
				now_ns() + (uint64_t)b->backoff_ms * 1000000ull;
			be_switch(b, BE_BACKOFF, "%s: %s; retry in %u ms",
				  d.sw_path, strerror(-rc), b->backoff_ms);
			return;
		}
		argv[n++] = "--config";
		argv[n++] = d.sw_path;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		snprintf(b->last_exit, sizeof(b->last_exit), "fork: %s",
			 strerror(errno));
		b->due_ns = now_ns() + (uint64_t)b->backoff_ms * 1000000ull;
		be_switch(b, BE_BACKOFF, "fork failed: %s; retry in %u ms",
			  strerror(errno), b->backoff_ms);
		return;
	}
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		/* the backend must not outlive its supervisor; SIGKILL
		 * leaves its devices as a crash does, so the backends of a
		 * successor devd take the sessions over */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(b->bin, (char *const *)argv);
		_exit(127);
	}
	b->pid = pid;
	b->started_ns = now_ns();
	be_switch(b, BE_RUNNING, "pid %d, %s, %u device(s)", (int)pid, b->bin,
		  b->ndevs);
}

static void be_stop(struct backend *b, const char *why)
{
	kill(b->pid, SIGTERM);
	b->due_ns = now_ns() + STOP_GRACE_MS * 1000000ull;
	be_switch(b, BE_STOPPING, "%s; SIGTERM to pid %d", why, (int)b->pid);
}

static void exit_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
}

static void be_reaped(struct backend *b, int status)
{
	uint64_t ran_ms = (now_ns() - b->started_ns) / 1000000u;

	exit_text(status, b->last_exit, sizeof(b->last_exit));
	b->pid = 0;
	if (b->st == BE_STOPPING || b->ndevs == 0) {
		be_switch(b, BE_STOPPED, "%s", b->last_exit);
		return;
	}
	/* a run that lasted was a fresh failure, not part of a crash loop */
	if (ran_ms >= d.stable_ms)
		b->backoff_ms = d.backoff_min_ms;
	b->restarts++;
	b->due_ns = now_ns() + (uint64_t)b->backoff_ms * 1000000ull;
	be_switch(b, BE_BACKOFF, "%s after %llu ms; restart %u in %u ms",
		  b->last_exit, (unsigned long long)ran_ms, b->restarts,
		  b->backoff_ms);
	b->backoff_ms = b->backoff_ms * 2 > d.backoff_max_ms
				? d.backoff_max_ms
				: b->backoff_ms * 2;
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < 2; i++)
			if (d.be[i].pid == pid)
				be_reaped(&d.be[i], status);
	}
}

/* Start, stop or restart the backends whose state calls for it. */
static void be_tick(void)
{
	uint64_t now = now_ns();

	for (unsigned i = 0; i < 2; i++) {
		struct backend *b = &d.be[i];

		bool sw = d.sw_managed && !strcmp(b->kind, "vif");

		switch (b->st) {
		case BE_STOPPED:
			/* netback waits until the burst of new vifs is over */
			if (b->ndevs && b->bin[0] &&
			    (!sw || now >= d.sw_settle_ns)) {
				b->backoff_ms = d.backoff_min_ms;
				be_start(b);
			}
			break;
		case BE_RUNNING:
			if (!b->ndevs)
				be_stop(b, "no devices left");
			else if (sw && d.sw_restart && now >= d.sw_settle_ns)
				be_stop(b, "new vifs for the switch");
			break;
		case BE_BACKOFF:
			if (!b->ndevs)
				be_switch(b, BE_STOPPED, "no %s devices left",
					  b->kind);
			else if (now >= b->due_ns)
				be_start(b);
			break;
		case BE_STOPPING:
			if (now >= b->due_ns && b->pid > 0) {
				RTDD_LOG(WARN,
					 "%s backend pid %d ignored "
					 "SIGTERM: SIGKILL",
					 b->kind, (int)b->pid);
				kill(b->pid, SIGKILL);
				b->due_ns = now + STOP_GRACE_MS * 1000000ull;
			}
			break;
		}
	}
}

/* ---- scanning backend/ --------------------------------------------------- */

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static struct dev *dev_find(const char *kind, const char *fe, const char *devid)
{
	char name[64];
	struct dev *free_slot = NULL;

	snprintf(name, sizeof(name), "%s/%s/%s", kind, fe, devid);
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		if (d.devs[i].used && !strcmp(d.devs[i].name, name))
			return &d.devs[i];
		if (!d.devs[i].used && !free_slot)
			free_slot = &d.devs[i];
	}
	if (!free_slot) {
		RTDD_LOG_RL(ERR, "%s: more than %u device entries, ignored",
			    name, MAX_DEVS);
		return NULL;
	}
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	snprintf(free_slot->kind, sizeof(free_slot->kind), "%s", kind);
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	snprintf(free_slot->path, sizeof(free_slot->path), "%s/%s/%s/%s",
		 d.be_root, kind, fe, devid);
	free_slot->served = -1;
	return free_slot;
}

static bool incomplete(const struct dev *v)
{
	char *a = NULL, *b = NULL;
	bool none = read_str(v, "frontend-id", &a) == -ENOENT &&
		    read_str(v, "frontend", &b) == -ENOENT;

	free(a);
	free(b);
	return none;
}

/* The checks of one entry (not incomplete), inside the caller's
 * transaction: 0, or -errno with why filled in. */
static int check_entry(struct dev *v, const char *fe, const char *devid,
		       const struct served **sv_out, char *why, size_t len)
{
	char q[96];
	int rc;

	if (!parse_uint(fe, RTDD_DOMID_SELF - 1, &v->fe)) {
		snprintf(why, len, "frontend directory '%s' is not a domain id",
			 clean(fe, q, sizeof(q)));
		return -EINVAL;
	}
	if (!parse_uint(devid, UINT32_MAX >> 1, &v->devid)) {
		snprintf(why, len, "device directory '%s' is not a device id",
			 clean(devid, q, sizeof(q)));
		return -EINVAL;
	}
	rc = dev_check(v, why, len);
	if (rc || !d.serves_path)
		return rc;
	*sv_out = serves_find(v);
	if (!*sv_out) {
		snprintf(why, len, "not in this driver domain's plan (%.160s)",
			 d.serves_path);
		return -EPERM;
	}
	return 0;
}

static void scan_device(const char *kind, const char *fe, const char *devid)
{
	const struct served *sv = NULL;
	char why[256];
	struct dev *v;
	bool inc;
	int rc;

	v = dev_find(kind, fe, devid);
	if (!v)
		return;
	v->seen = true;
	v->ok = false;
	/* Read the entry in one transaction and commit it: xenstored fails
	 * the commit (-EAGAIN) when a node it read changed meanwhile, so a
	 * toolstack removing the entry cannot make half of it look like a
	 * broken entry. */
	for (int tries = 0;; tries++) {
		sv = NULL;
		rc = 0;
		if (rtdd_xs_txn_start(d.hv, &d.txn))
			d.txn = RTDD_XS_TXN_NONE;
		inc = incomplete(v);
		if (!inc)
			rc = check_entry(v, fe, devid, &sv, why, sizeof(why));
		if (d.txn == RTDD_XS_TXN_NONE ||
		    rtdd_xs_txn_end(d.hv, d.txn, false) != -EAGAIN ||
		    tries == 8)
			break;
	}
	d.txn = RTDD_XS_TXN_NONE;
	if (inc) {
		/* not an entry (yet): a toolstack still writing it without a
		 * transaction, or what is left of a removed one that a
		 * backend wrote its state into. Nothing to answer. */
		if (v->st != DEV_NEW)
			RTDD_LOG(INFO, "%s device %s -> new (no frontend keys)",
				 v->name, dev_state_names[v->st]);
		v->st = DEV_NEW;
		return;
	}
	v->served = sv ? (int)(sv - d.served) : -1;
	if (sv) {
		/* the backend reads its class at connect: the guest is
		 * still paused (apply.sh) when the entry appears */
		dev_put(v, "rtdd-class", sv->rt ? "rt" : "be");
	}
	if (rc) {
		dev_switch(v, DEV_ERROR, why);
		return;
	}
	v->ok = true;
	/* connected once the backend of its kind runs (or restarts) */
	if (backend_of(kind)->st != BE_STOPPED &&
	    backend_of(kind)->st != BE_STOPPING)
		dev_switch(v, DEV_CONNECTED, "checked; backend up");
}

static void scan(void)
{
	char **kinds = NULL, **fes = NULL, **ids = NULL;
	unsigned nk = 0, nf, ni;
	char p[512];

	for (unsigned i = 0; i < MAX_DEVS; i++)
		d.devs[i].seen = false;
	if (rtdd_xs_directory(d.hv, RTDD_XS_TXN_NONE, d.be_root, &kinds, &nk))
		nk = 0;
	for (unsigned k = 0; k < nk; k++) {
		snprintf(p, sizeof(p), "%s/%s", d.be_root, kinds[k]);
		if (rtdd_xs_directory(d.hv, RTDD_XS_TXN_NONE, p, &fes, &nf))
			continue;
		for (unsigned f = 0; f < nf; f++) {
			snprintf(p, sizeof(p), "%s/%s/%s", d.be_root, kinds[k],
				 fes[f]);
			if (rtdd_xs_directory(d.hv, RTDD_XS_TXN_NONE, p, &ids,
					      &ni))
				continue;
			for (unsigned i = 0; i < ni; i++)
				scan_device(kinds[k], fes[f], ids[i]);
			free(ids);
			ids = NULL;
		}
		free(fes);
		fes = NULL;
	}
	free(kinds);

	for (unsigned i = 0; i < 2; i++)
		d.be[i].ndevs = 0;
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		struct dev *v = &d.devs[i];

		if (!v->used)
			continue;
		if (!v->seen) {
			RTDD_LOG(INFO, "%s device %s -> removed (entry gone)",
				 v->name, dev_state_names[v->st]);
			v->used = false;
			continue;
		}
		if (v->ok)
			backend_of(v->kind)->ndevs++;
	}
	sw_update();
	be_tick();
	/* devices checked before their backend came up */
	for (unsigned i = 0; i < MAX_DEVS; i++) {
		struct dev *v = &d.devs[i];
		struct backend *b;

		if (!v->used || v->st != DEV_NEW || !v->ok)
			continue;
		b = backend_of(v->kind);
		if (b && (b->st == BE_RUNNING || b->st == BE_BACKOFF))
			dev_switch(v, DEV_CONNECTED, "checked; backend up");
	}
}

/* ---- main ---------------------------------------------------------------- */

static void find_bin(struct backend *b, const char *given)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *path = getenv("PATH");
	ssize_t n;

	b->bin[0] = 0;
	if (given) {
		if (access(given, X_OK) == 0)
			snprintf(b->bin, sizeof(b->bin), "%s", given);
		else
			RTDD_LOG(WARN, "%s backend %s: %s", b->kind, given,
				 strerror(errno));
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(cand, sizeof(cand), "%s/%s", dirname(exe), b->prog);
		if (access(cand, X_OK) == 0 && strlen(cand) < sizeof(b->bin)) {
			memcpy(b->bin, cand, strlen(cand) + 1);
			return;
		}
	}
	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, path,
			 b->prog);
		if (len && access(cand, X_OK) == 0 &&
		    strlen(cand) < sizeof(b->bin)) {
			memcpy(b->bin, cand, strlen(cand) + 1);
			return;
		}
		path = end ? end + 1 : NULL;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd-devd [options]\n"
		"Supervise the backends of this driver domain: watch "
		"backend/ in its xenstore\n"
		"tree, check each device entry, write hotplug-status, run one "
		"backend process\n"
		"per device kind (vbd: rtdd-blkback, vif: rtdd-netback) and "
		"restart it with\n"
		"bounded exponential backoff when it dies.\n\n"
		"  --hv SPEC             hypervisor: auto (default), xen, sim, "
		"sim:N;\n"
		"                        passed on to the backends\n"
		"  --blkback PATH        vbd backend (default: rtdd-blkback "
		"beside rtdd-devd,\n"
		"                        else on PATH)\n"
		"  --netback PATH        vif backend (default: rtdd-netback, "
		"found the same way;\n"
		"                        without one, vifs get hotplug-status "
		"error)\n"
		"  --vbd-arg ARG         extra argument for the vbd backend "
		"(repeatable)\n"
		"  --vif-arg ARG         extra argument for the vif backend "
		"(repeatable)\n"
		"  --backoff-min-ms N    first restart delay (100)\n"
		"  --backoff-max-ms N    restart delay cap; it doubles up to "
		"this (5000)\n"
		"  --stable-ms N         a run this long resets the delay "
		"(10000)\n"
		"  --serves FILE         the <dd>.rtdd.json of `rtdd plan`: "
		"serve only its\n"
		"                        devices (vbd by vdev and target, vif "
		"by MAC), write\n"
		"                        their rtdd-class; others get "
		"hotplug-status error.\n"
		"                        Without --vif-arg --config, devd "
		"writes rtdd-netback's\n"
		"                        switch configuration from it: a "
		"port per vif entry\n"
		"  --netsw-conf FILE     where (/run/rtdd-devd/netsw.conf)\n"
		"  -v, --verbose         debug log\n"
		"  -h, --help            this text\n\n"
		"Published for `rtdd status`: data/rtdd-devd/<kind>/{state,"
		"pid,restarts,\nbackoff-ms,last-exit} under this domain's "
		"home. SIGTERM stops the backends\ncleanly (they close their "
		"devices) and exits 0; if rtdd-devd dies, its\nbackends are "
		"killed and a successor's take the sessions over.\n");
}

static int parse_ms(const char *s, unsigned *out)
{
	return parse_uint(s, 3600000u, out) && *out > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hv", required_argument, NULL, 'H'},
		{"blkback", required_argument, NULL, 'b'},
		{"netback", required_argument, NULL, 'n'},
		{"vbd-arg", required_argument, NULL, 'B'},
		{"vif-arg", required_argument, NULL, 'N'},
		{"backoff-min-ms", required_argument, NULL, 'm'},
		{"backoff-max-ms", required_argument, NULL, 'M'},
		{"stable-ms", required_argument, NULL, 's'},
		{"serves", required_argument, NULL, 'S'},
		{"netsw-conf", required_argument, NULL, 'W'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *blkback = NULL, *netback = NULL;
	char *err = NULL, *home = NULL, ready[96] = "";
	struct pollfd pfd[2];
	sigset_t mask;
	int c, rc, sfd = -1, ret = 1;

	rtdd_log_init("rtdd-devd", RTDD_LOG_INFO);
	d.be[0].kind = "vbd";
	d.be[0].prog = "rtdd-blkback";
	d.be[1].kind = "vif";
	d.be[1].prog = "rtdd-netback";
	d.backoff_min_ms = 100;
	d.backoff_max_ms = 5000;
	d.stable_ms = 10000;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		struct backend *b;

		switch (c) {
		case 'H':
			d.spec = optarg;
			break;
		case 'b':
			blkback = optarg;
			break;
		case 'n':
			netback = optarg;
			break;
		case 'B':
		case 'N':
			b = &d.be[c == 'B' ? 0 : 1];
			if (b->nargs == MAX_ARGS) {
				fprintf(stderr,
					"rtdd-devd: too many "
					"--%s-arg\n",
					b->kind);
				return 2;
			}
			b->args[b->nargs++] = optarg;
			break;
		case 'm':
		case 'M':
		case 's':
			if (parse_ms(optarg, c == 'm'	? &d.backoff_min_ms
					     : c == 'M' ? &d.backoff_max_ms
							: &d.stable_ms)) {
				fprintf(stderr,
					"rtdd-devd: '%s' is not a time in "
					"ms (1..3600000)\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			d.serves_path = optarg;
			break;
		case 'W':
			d.sw_path = optarg;
			break;
		case 'v':
			rtdd_log_set_level(RTDD_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || d.backoff_min_ms > d.backoff_max_ms) {
		if (optind >= argc)
			fprintf(stderr, "rtdd-devd: --backoff-min-ms is above "
					"--backoff-max-ms\n");
		usage(stderr);
		return 2;
	}
	if (d.serves_path) {
		char msg[512];

		if (serves_load(d.serves_path, msg, sizeof(msg))) {
			RTDD_LOG(ERR, "--serves %s", msg);
			return 1;
		}
		RTDD_LOG(INFO, "serving only the %u device(s) of %s", d.nserved,
			 d.serves_path);
	}
	/* the switch configuration comes from the plan unless given */
	d.sw_managed = d.serves_path != NULL;
	for (unsigned i = 0; i < d.be[1].nargs; i++)
		if (!strcmp(d.be[1].args[i], "--config") ||
		    !strncmp(d.be[1].args[i], "--config=", 9))
			d.sw_managed = false;
	if (!d.sw_path)
		d.sw_path = "/run/rtdd-devd/netsw.conf";
	find_bin(&d.be[0], blkback);
	find_bin(&d.be[1], netback);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		RTDD_LOG(ERR, "signalfd: %s", strerror(errno));
		return 1;
	}
	rc = rtdd_hv_open(d.spec, &d.hv, &err);
	if (rc) {
		RTDD_LOG(ERR, "%s", err ? err : strerror(-rc));
		free(err);
		goto out;
	}
	rc = rtdd_xs_domain_path(d.hv, rtdd_hv_domid(d.hv), &home);
	if (rc) {
		RTDD_LOG(ERR, "own xenstore home: %s", strerror(-rc));
		goto out;
	}
	snprintf(d.home, sizeof(d.home), "%s", home);
	snprintf(d.be_root, sizeof(d.be_root), "%s/backend", home);
	free(home);
	rc = rtdd_xs_watch(d.hv, d.be_root, WATCH_TOKEN);
	if (rc) {
		RTDD_LOG(ERR, "watching %s: %s", d.be_root, strerror(-rc));
		goto out;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (!d.be[i].bin[0])
			snprintf(d.be[i].last_exit, sizeof(d.be[i].last_exit),
				 "%s not found", d.be[i].prog);
		publish(&d.be[i]);
		RTDD_LOG(INFO, "%s backend: %s", d.be[i].kind,
			 d.be[i].bin[0] ? d.be[i].bin : "none (unsupported)");
	}
	RTDD_LOG(INFO,
		 "watching %s on %s; backoff %u..%u ms, stable after %u "
		 "ms",
		 d.be_root, rtdd_hv_name(d.hv), d.backoff_min_ms,
		 d.backoff_max_ms, d.stable_ms);
	/* apply.sh creates the guests once every driver domain says this
	 * (xl gives their devices 10 s to reach a backend) */
	snprintf(ready, sizeof(ready), "%s/data/rtdd-devd/ready", d.home);
	rc = rtdd_xs_printf(d.hv, RTDD_XS_TXN_NONE, ready, "1");
	if (rc)
		RTDD_LOG(WARN, "cannot write %s: %s", ready, strerror(-rc));

	pfd[0].fd = rtdd_xs_watch_fd(d.hv);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	scan();
	while (!d.quit) {
		uint64_t now = now_ns(), due = UINT64_MAX;
		int timeout = -1;
		bool dirty = false;

		for (unsigned i = 0; i < 2; i++)
			if ((d.be[i].st == BE_BACKOFF ||
			     d.be[i].st == BE_STOPPING) &&
			    d.be[i].due_ns < due)
				due = d.be[i].due_ns;
		if (d.sw_managed && d.sw_settle_ns > now &&
		    d.sw_settle_ns < due)
			due = d.sw_settle_ns;
		if (due != UINT64_MAX)
			timeout = due <= now
					  ? 0
					  : (int)((due - now) / 1000000u) + 1;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			RTDD_LOG(ERR, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					dirty = true;
				else
					d.quit = true;
			}
			reap();
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char *path, *token;

			for (;;) {
				rc = rtdd_xs_read_watch(d.hv, &path, &token);
				if (rc)
					break;
				free(path);
				dirty = true;
			}
			if (rc != -EAGAIN) {
				RTDD_LOG(ERR, "xenstore connection lost: %s",
					 strerror(-rc));
				break;
			}
		}
		if (dirty)
			scan();
		else
			be_tick();
	}
	ret = d.quit ? 0 : 1;
out:
	if (d.hv && ready[0])
		rtdd_xs_rm(d.hv, RTDD_XS_TXN_NONE, ready);
	for (unsigned i = 0; i < 2; i++) {
		struct backend *b = &d.be[i];

		if (b->pid > 0) {
			/* a clean stop: the backend closes its devices */
			kill(b->pid, SIGTERM);
			waitpid(b->pid, NULL, 0);
			b->pid = 0;
			if (d.hv)
				be_switch(b, BE_STOPPED, "rtdd-devd exits");
		}
	}
	rtdd_hv_close(d.hv);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

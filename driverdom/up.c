// SPDX-License-Identifier: MIT
/*
 * rtdd up | down | status MANIFEST --hv sim|xen (docs/driverdom.md).
 *
 * sim: one rtdd-simhv per manifest, serving a run directory
 * ($RTDD_RUN_DIR/<name>, else /run/rtdd/<name>, or --run-dir). up starts
 * it, creates the plan's cpupools and domains (driver domains first),
 * applies the RTDS parameters, runs rtdd-devd in each driver domain,
 * writes every guest's vbd/vif entries as the toolstack and runs
 * rtdd-guest in each guest. down stops that simhv (it destroys every
 * domain). status reads everything back through the hv API.
 *
 * xen: up writes the plan into <run dir>/plan and runs its apply.sh (xl
 * cpupool-create, xl create -p, xl sched-rtds, xl unpause); down runs
 * destroy.sh; status reads xenstore and the RTDS parameters through the
 * same hv API as on sim.
 *
 * The run directory keeps rtdd-up.state (what down and status need), the
 * simhv socket and log, one log per domain process, the switch
 * configuration of each network driver domain and, with --sim-disk-dir
 * elsewhere, nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "up_private.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/hv.h"
#include "rtdd/manifest.h"
#include "rtdd/plan.h"
#include "rtdd/simhv.h"

extern char **environ;

static void usage(FILE *f, enum which w)
{
	static const char *const names[] = {"up", "down", "status"};

	fprintf(f, "Usage: rtdd %s MANIFEST [--hv sim|xen] [options]\n\n",
		names[w]);
	if (w == UP)
		fprintf(f,
			"Admission (as `rtdd plan`), then bring the manifest "
			"up. A refused\nmanifest starts nothing.\n"
			"  sim: start rtdd-simhv on the run directory, create "
			"the cpupools and\n  domains, apply the RTDS "
			"parameters, run rtdd-devd in every driver\n  domain, "
			"write each guest's vbd/vif entries and run rtdd-guest "
			"(a\n  periodic I/O probe) in every guest.\n"
			"  xen: write the plan into <run dir>/plan and run its "
			"apply.sh.\n\n"
			"  --sim-disk-dir DIR   on sim, back each vbd with a "
			"sparse image\n"
			"                       DIR/<guest>-<vdev>.img (made "
			"when absent) instead\n"
			"                       of the manifest's target\n"
			"  --sim-disk-size N    size of those images: bytes or "
			"N[KMG] (64M)\n"
			"  --probe-ms N         rtdd-guest probe period (10)\n"
			"  --probe-write        rtdd-guest writes and verifies "
			"instead of reading\n"
			"  --io-mode M          rtdd-mode of every vbd: event, "
			"poll or hybrid\n"
			"                       (default: the backend's, "
			"poll)\n"
			"  --devd-arg ARG       extra argument for every "
			"rtdd-devd (repeatable)\n"
			"  --wait-ms N          wait up to N ms for every "
			"device's hotplug-status\n"
			"                       (10000)\n"
			"  --bin-dir DIR        where rtdd-simhv, rtdd-devd, "
			"rtdd-guest and the\n"
			"                       backends are (default: beside "
			"rtdd, else PATH)\n");
	else if (w == DOWN)
		fprintf(f, "Tear down what `rtdd up` started: on sim stop its "
			   "rtdd-simhv (every domain\ngoes), on xen run the "
			   "plan's destroy.sh.\n\n");
	else
		fprintf(f,
			"Show the domains of the manifest (state, cpupool, "
			"RTDS parameters per VCPU),\nevery device with its "
			"backend and frontend xenbus states, hotplug-status "
			"and\nerrors, the live I/O latency counters rtdd-guest "
			"publishes, and the backend\nprocesses rtdd-devd "
			"supervises.\n\n"
			"  --json               the same as one JSON object\n");
	fprintf(f, "  --hv sim|xen         default: xen when /dev/xen/privcmd "
		   "exists, else sim\n"
		   "  --run-dir DIR        default: $RTDD_RUN_DIR/<name>, else "
		   "/run/rtdd/<name>\n"
		   "Exit: 0 ok, 1 failure (or refused), 2 usage.\n");
}

/* ---- small helpers ------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end || v < 4096 || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The program name, from --bin-dir, else beside this rtdd, else PATH. */
static void find_prog(const struct opts *o, const char *name, char *buf,
		      size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (o->bin_dir) {
		snprintf(buf, len, "%s/%s", o->bin_dir, name);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(buf, len, "%s/%s", dirname(exe), name);
		if (access(buf, X_OK) == 0)
			return;
	}
	snprintf(buf, len, "%s", name);
}

/* Run argv, wait; 0 when it exited 0, else -1 with a message. */
static int run_cmd(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "rtdd: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "rtdd: %s failed (%s %d)\n", argv[0],
		WIFEXITED(status) ? "exit status" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return -ECHILD;
}

/* Xen's vdev numbering (xen/include/public/io/blkif.h, "xvd" style):
 * disk index from the letters (a = 0, z = 25, aa = 26 ...). */
int rtdd__xvd_devid(const char *vdev, unsigned *out)
{
	unsigned disk = 0;

	if (strncmp(vdev, "xvd", 3) || !vdev[3])
		return -EINVAL;
	for (const char *c = vdev + 3; *c; c++) {
		if (*c < 'a' || *c > 'z' || disk > 100000)
			return -EINVAL;
		disk = disk * 26 + (unsigned)(*c - 'a') + 1;
	}
	disk--;
	*out = disk < 16 ? (202u << 8) | (disk << 4) : (1u << 28) | (disk << 8);
	return 0;
}

/* ---- the state file ------------------------------------------------------ */

static int state_write(const struct opts *o, const struct rtdd_manifest *m)
{
	char p[PATH_MAX + 32], abs[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", o->run, STATE_FILE);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fprintf(f, "hv %s\nname %s\nmanifest %s\n", o->hv, m->name,
		realpath(o->manifest, abs) ? abs : o->manifest);
	return fclose(f) ? -errno : 0;
}

/* hv of the state file into buf; -ENOENT when the run dir holds none. */
static int state_read(const struct opts *o, char *hv, size_t len)
{
	char p[PATH_MAX + 32], line[PATH_MAX + 16];
	FILE *f;
	int rc = -EINVAL;

	snprintf(p, sizeof(p), "%s/%s", o->run, STATE_FILE);
	f = fopen(p, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "hv ", 3)) {
			snprintf(hv, len, "%.8s", line + 3);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* ---- finding domains by name (any hv: through xenstore) ------------------ */

int rtdd__domid_by_name(rtdd_hv *hv, const char *name, rtdd_domid *out)
{
	char **ids = NULL, p[64];
	unsigned n = 0;
	int rc = -ESRCH;

	if (rtdd_xs_directory(hv, RTDD_XS_TXN_NONE, "/local/domain", &ids, &n))
		return -ESRCH;
	for (unsigned i = 0; i < n && rc; i++) {
		char *v = NULL, *end;
		size_t len;
		unsigned long id = strtoul(ids[i], &end, 10);

		if (*end || id >= RTDD_DOMID_SELF)
			continue;
		snprintf(p, sizeof(p), "/local/domain/%lu/name", id);
		if (!rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &v, &len) &&
		    !strcmp(v, name)) {
			*out = (rtdd_domid)id;
			rc = 0;
		}
		free(v);
	}
	free(ids);
	return rc;
}

/* ---- up on sim ----------------------------------------------------------- */

struct sim_up {
	const struct opts *o;
	const struct rtdd_manifest *m;
	const struct rtdd_plan *p;
	rtdd_hv *dom0;
	rtdd_domid *domid; /* per manifest domain */
	uint32_t *pool_id; /* per manifest pool */
	char **envp;
};

static void fold_cpus(uint64_t cpus, uint64_t *out)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t r = 0;

	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < 64; i++)
		if (cpus & (1ull << i))
			r |= 1ull << (i % (unsigned)n);
	*out = r;
}

static int spawn_in(struct sim_up *u, unsigned di, const char *const *argv)
{
	char log[PATH_MAX + 64];
	int fd, fds[3], rc;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.log", u->o->run,
		 u->m->domains[di].name);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fds[0] = fd;
	fds[1] = fd;
	fds[2] = fd;
	rc = rtdd_simhv_domain_spawn(u->dom0, u->domid[di], (char *const *)argv,
				     u->envp, fds, &pid);
	close(fd);
	if (!rc)
		printf("  %-14s dom%-3u %s (pid %d, log %s)\n",
		       u->m->domains[di].name, u->domid[di], argv[0], (int)pid,
		       log);
	return rc;
}

/* The RT switch of a network driver domain: one vif port per vif it
 * serves (named as rtdd-netback names them: vif<fe>.<devid>), its MAC. */
static int write_netsw(struct sim_up *u, unsigned ddi, char *path, size_t len)
{
	const struct rtdd_manifest *m = u->m;
	unsigned n = 0;
	FILE *f;

	snprintf(path, len, "%s/%s.netsw.conf", u->o->run,
		 m->domains[ddi].name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# generated by `rtdd up` from %s for %s\n", m->path,
		m->domains[ddi].name);
	for (size_t gi = 0; gi < m->ndomains; gi++) {
		const struct rtdd_mf_domain *g = &m->domains[gi];

		for (size_t k = 0; k < g->nvifs; k++) {
			const struct rtdd_mf_vif *v = &g->vifs[k];

			if (strcmp(v->backend, m->domains[ddi].name))
				continue;
			fprintf(f, "port vif%u.%zu vif %s", u->domid[gi], k,
				v->cls == RTDD_MF_CLASS_RT ? "rt" : "be");
			if (v->vlan >= 0)
				fprintf(f, " vlan %d", v->vlan);
			if (v->pcp >= 0)
				fprintf(f, " pcp %d", v->pcp);
			if (v->rate_bps)
				fprintf(f, " rate %llu",
					(unsigned long long)v->rate_bps);
			fprintf(f, "\nmac %s vif%u.%zu", v->mac, u->domid[gi],
				k);
			if (v->vlan >= 0)
				fprintf(f, " vlan %d", v->vlan);
			fprintf(f, "\n");
			n++;
		}
	}
	if (fclose(f))
		return -errno;
	if (!n)
		unlink(path);
	return (int)n;
}

static int add_vbd(struct sim_up *u, unsigned gi, const struct rtdd_mf_vbd *v)
{
	const struct rtdd_manifest *m = u->m;
	const char *name = m->domains[gi].name;
	char target[PATH_MAX], devid_s[16];
	int be = rtdd_manifest_find(m, v->backend);
	unsigned devid;
	int rc;

	if (be < 0 || rtdd__xvd_devid(v->vdev, &devid))
		return -EINVAL;
	snprintf(target, sizeof(target), "%s", v->target);
	if (u->o->disk_dir) {
		int fd;

		snprintf(target, sizeof(target), "%s/%s-%s.img", u->o->disk_dir,
			 name, v->vdev);
		fd = open(target, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			fprintf(stderr, "rtdd up: %s: %s\n", target,
				strerror(errno));
			return rc;
		}
		{
			struct stat st;

			if (!fstat(fd, &st) &&
			    (uint64_t)st.st_size < u->o->disk_size &&
			    ftruncate(fd, (off_t)u->o->disk_size)) {
				rc = -errno;
				close(fd);
				return rc;
			}
		}
		close(fd);
	} else if (access(target, F_OK)) {
		fprintf(stderr,
			"rtdd up: warning: %s vbd %s: target %s does not "
			"exist here (use --sim-disk-dir); its driver domain "
			"will refuse it\n",
			name, v->vdev, target);
	}
	snprintf(devid_s, sizeof(devid_s), "%u", devid);
	{
		const char *kv[] = {"params",
				    target,
				    "mode",
				    v->readonly ? "r" : "w",
				    "type",
				    "phy",
				    "dev",
				    v->vdev,
				    "device-type",
				    "disk",
				    "removable",
				    "0",
				    "bootable",
				    "1",
				    "rtdd-class",
				    v->io.period > 0 ? "rt" : "be",
				    u->o->io_mode ? "rtdd-mode" : NULL,
				    u->o->io_mode,
				    NULL};
		const char *fkv[] = {"virtual-device", devid_s, "device-type",
				     "disk", NULL};

		rc = rtdd_xb_toolstack_add(u->dom0, "vbd", u->domid[be],
					   u->domid[gi], devid, kv, fkv);
	}
	if (rc)
		fprintf(stderr, "rtdd up: %s vbd %s: toolstack add: %s\n", name,
			v->vdev, strerror(-rc));
	return rc;
}

static int add_vif(struct sim_up *u, unsigned gi, unsigned k)
{
	const struct rtdd_manifest *m = u->m;
	const struct rtdd_mf_vif *v = &m->domains[gi].vifs[k];
	int be = rtdd_manifest_find(m, v->backend);
	char handle[16];
	int rc;

	if (be < 0)
		return -EINVAL;
	snprintf(handle, sizeof(handle), "%u", k);
	{
		const char *kv[] = {
			"mac",	      v->mac,
			"handle",     handle,
			"type",	      "vif",
			"rtdd-class", v->cls == RTDD_MF_CLASS_RT ? "rt" : "be",
			NULL};
		const char *fkv[] = {"mac", v->mac, "handle", handle, NULL};

		rc = rtdd_xb_toolstack_add(u->dom0, "vif", u->domid[be],
					   u->domid[gi], k, kv, fkv);
	}
	if (rc)
		fprintf(stderr, "rtdd up: %s vif %u: toolstack add: %s\n",
			m->domains[gi].name, k, strerror(-rc));
	return rc;
}

/* Wait until every device has a hotplug-status; the count in error. */
static int wait_hotplug(struct sim_up *u)
{
	const struct rtdd_manifest *m = u->m;
	unsigned waited = 0, bad;
	bool all;

	for (;;) {
		all = true;
		bad = 0;
		for (size_t gi = 0; gi < m->ndomains; gi++) {
			const struct rtdd_mf_domain *g = &m->domains[gi];

			for (size_t k = 0; k < g->nvbds + g->nvifs; k++) {
				bool vbd = k < g->nvbds;
				const char *be =
					vbd ? g->vbds[k].backend
					    : g->vifs[k - g->nvbds].backend;
				unsigned devid = (unsigned)(k - g->nvbds);
				char p[256], *v = NULL;
				size_t len;

				if (vbd &&
				    rtdd__xvd_devid(g->vbds[k].vdev, &devid))
					continue;
				snprintf(p, sizeof(p),
					 "/local/domain/%u/backend/%s/%u/%u/"
					 "hotplug-status",
					 u->domid[rtdd_manifest_find(m, be)],
					 vbd ? "vbd" : "vif", u->domid[gi],
					 devid);
				if (rtdd_xs_read(u->dom0, RTDD_XS_TXN_NONE, p,
						 &v, &len)) {
					all = false;
					continue;
				}
				if (strcmp(v, "connected"))
					bad++;
				free(v);
			}
		}
		if (all || waited >= u->o->wait_ms)
			break;
		usleep(50000);
		waited += 50;
	}
	return all ? (int)bad : -ETIMEDOUT;
}

static int up_sim(const struct opts *o, const struct rtdd_manifest *m,
		  const struct rtdd_plan *p)
{
	struct sim_up u = {.o = o, .m = m, .p = p};
	char simhv[PATH_MAX], devd[PATH_MAX], guest[PATH_MAX];
	char pidf[PATH_MAX + 16], log[PATH_MAX + 16];
	char *err = NULL;
	unsigned ne = 0, nenv = 0;
	int rc;

	find_prog(o, "rtdd-simhv", simhv, sizeof(simhv));
	find_prog(o, "rtdd-devd", devd, sizeof(devd));
	find_prog(o, "rtdd-guest", guest, sizeof(guest));
	setenv("RTDD_SIM_DIR", o->run, 1);
	if (!rtdd_hv_open("sim:0", &u.dom0, NULL)) {
		rtdd_hv_close(u.dom0);
		fprintf(stderr,
			"rtdd up: %s is already up on %s (rtdd down first)\n",
			m->name, o->run);
		return 1;
	}
	snprintf(pidf, sizeof(pidf), "%s/simhv.pid", o->run);
	snprintf(log, sizeof(log), "%s/simhv.log", o->run);
	unlink(log); /* a fresh log for this run */
	{
		char *argv[] = {
			simhv,	    "start",	 "--dir", (char *)o->run,
			"--daemon", "--pidfile", pidf,	  "--log",
			log,	    NULL};

		if (run_cmd(argv)) {
			fprintf(stderr,
				"rtdd up: rtdd-simhv did not start "
				"(see %s)\n",
				log);
			return 1;
		}
	}
	printf("rtdd up: %s on sim, run dir %s\n", m->name, o->run);
	{
		char dir[PATH_MAX + 16], perr[512];

		/* the same files as on Xen, for the record (report.json) */
		snprintf(dir, sizeof(dir), "%s/plan", o->run);
		if (rtdd_plan_write(p, dir, perr, sizeof(perr)))
			fprintf(stderr, "rtdd up: warning: plan files: %s\n",
				perr);
	}
	rc = rtdd_hv_open("sim:0", &u.dom0, &err);
	if (rc) {
		fprintf(stderr, "rtdd up: %s\n", err ? err : strerror(-rc));
		free(err);
		goto fail;
	}
	u.domid = calloc(m->ndomains, sizeof(*u.domid));
	u.pool_id = calloc(m->npools, sizeof(*u.pool_id));
	for (char **e = environ; *e; e++)
		nenv++;
	u.envp = calloc(nenv + 2, sizeof(char *));
	if (!u.domid || !u.pool_id || !u.envp) {
		rc = -ENOMEM;
		goto fail;
	}
	for (char **e = environ; *e; e++)
		u.envp[ne++] = *e;
	if (!getenv("RTDD_LOG_LEVEL"))
		u.envp[ne++] = "RTDD_LOG_LEVEL=info";

	/* cpupools: Pool-0 is simhv's pool 0; the others in manifest order */
	for (size_t i = 0, next = 1; i < m->npools; i++) {
		const struct rtdd_mf_pool *pl = &m->pools[i];
		uint64_t cpus;

		if (!strcmp(pl->name, "Pool-0")) {
			u.pool_id[i] = 0;
			continue;
		}
		u.pool_id[i] = (uint32_t)next++;
		fold_cpus(pl->cpus, &cpus);
		rc = rtdd_simhv_cpupool_create(
			u.dom0, u.pool_id[i],
			strcmp(pl->sched, "rtds") ? "credit2" : "rtds", cpus);
		if (rc) {
			fprintf(stderr, "rtdd up: cpupool %s: %s\n", pl->name,
				strerror(-rc));
			goto fail;
		}
		printf("  cpupool %-10s pool %u, %s, cpus 0x%llx\n", pl->name,
		       u.pool_id[i], pl->sched, (unsigned long long)cpus);
	}
	/* domains: driver domains first, then the guests (as apply.sh) */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->ndomains; i++) {
			const struct rtdd_mf_domain *dm = &m->domains[i];
			const struct rtdd_plan_dom *pd = &p->dom[i];
			struct rtdd_simhv_dom_cfg cfg = {0};

			if ((dm->role == RTDD_MF_DRIVER_DOMAIN) != (pass == 0))
				continue;
			cfg.name = dm->name;
			cfg.mem_mib = dm->memory_mib;
			cfg.vcpus = dm->vcpus;
			cfg.cpupool = u.pool_id[dm->pool];
			rc = rtdd_simhv_domain_create(u.dom0, &cfg,
						      &u.domid[i]);
			if (rc) {
				fprintf(stderr, "rtdd up: domain %s: %s\n",
					dm->name, strerror(-rc));
				goto fail;
			}
			for (unsigned v = 0; pd->rtds && v < pd->nvcpus; v++) {
				struct rtdd_rtds_params rp = {
					.period_us =
						(uint32_t)pd->vcpu[v].period_us,
					.budget_us =
						(uint32_t)pd->vcpu[v].budget_us,
					.extratime = pd->vcpu[v].extratime,
				};

				rc = rtdd_sched_rtds_set(u.dom0, u.domid[i], v,
							 &rp);
				if (rc) {
					fprintf(stderr,
						"rtdd up: %s vcpu %u RTDS: "
						"%s\n",
						dm->name, v, strerror(-rc));
					goto fail;
				}
			}
			printf("  domain  %-14s dom%u, %s, %u vcpu(s)%s\n",
			       dm->name, u.domid[i],
			       rtdd_mf_role_name(dm->role), dm->vcpus,
			       pd->rtds ? ", RTDS applied" : "");
			for (size_t k = 0; k < dm->npcis; k++)
				printf("          %-14s pci %s: not passed "
				       "through on sim\n",
				       "", dm->pcis[k].bdf);
		}
	}
	/* rtdd-devd in every driver domain */
	for (size_t i = 0; i < m->ndomains; i++) {
		const char *argv[24];
		char conf[PATH_MAX + 64];
		unsigned n = 0;

		if (m->domains[i].role != RTDD_MF_DRIVER_DOMAIN)
			continue;
		argv[n++] = devd;
		rc = write_netsw(&u, (unsigned)i, conf, sizeof(conf));
		if (rc < 0) {
			fprintf(stderr, "rtdd up: %s: %s\n", conf,
				strerror(-rc));
			goto fail;
		}
		if (rc > 0) {
			argv[n++] = "--vif-arg";
			argv[n++] = "--config";
			argv[n++] = "--vif-arg";
			argv[n++] = conf;
		}
		for (unsigned k = 0; k < o->ndevd_args && n < 22; k++)
			argv[n++] = o->devd_args[k];
		argv[n] = NULL;
		rc = spawn_in(&u, (unsigned)i, argv);
		if (rc) {
			fprintf(stderr, "rtdd up: rtdd-devd in %s: %s\n",
				m->domains[i].name, strerror(-rc));
			goto fail;
		}
	}
	/* the guests' devices, then the guests */
	for (size_t i = 0; i < m->ndomains; i++) {
		const struct rtdd_mf_domain *g = &m->domains[i];

		for (size_t k = 0; k < g->nvbds; k++) {
			rc = add_vbd(&u, (unsigned)i, &g->vbds[k]);
			if (rc)
				goto fail;
		}
		for (size_t k = 0; k < g->nvifs; k++) {
			rc = add_vif(&u, (unsigned)i, (unsigned)k);
			if (rc)
				goto fail;
		}
	}
	for (size_t i = 0; i < m->ndomains; i++) {
		char period[16];
		const char *argv[] = {guest, "--period-ms", period,
				      o->probe_write ? "--write" : NULL, NULL};

		if (m->domains[i].role == RTDD_MF_DRIVER_DOMAIN)
			continue;
		snprintf(period, sizeof(period), "%u", o->probe_ms);
		rc = spawn_in(&u, (unsigned)i, argv);
		if (rc) {
			fprintf(stderr, "rtdd up: rtdd-guest in %s: %s\n",
				m->domains[i].name, strerror(-rc));
			goto fail;
		}
	}
	rc = state_write(o, m);
	if (rc) {
		fprintf(stderr, "rtdd up: %s/%s: %s\n", o->run, STATE_FILE,
			strerror(-rc));
		goto fail;
	}
	rc = wait_hotplug(&u);
	if (rc == -ETIMEDOUT)
		printf("rtdd up: %s is up; some devices have no "
		       "hotplug-status after %u ms (see `rtdd status`)\n",
		       m->name, o->wait_ms);
	else if (rc > 0)
		printf("rtdd up: %s is up; %d device(s) in error (see `rtdd "
		       "status`)\n",
		       m->name, rc);
	else
		printf("rtdd up: %s is up; every device connected\n", m->name);
	rtdd_hv_close(u.dom0);
	free(u.domid);
	free(u.pool_id);
	free(u.envp);
	return rc == 0 ? 0 : 1;
fail:
	/* nothing half-up stays behind */
	rtdd_hv_close(u.dom0);
	free(u.domid);
	free(u.pool_id);
	free(u.envp);
	rtdd_simhv_stop(o->run);
	fprintf(stderr, "rtdd up: failed; stopped the simhv on %s\n", o->run);
	return 1;
}

/* ---- xen ----------------------------------------------------------------- */

static int run_script(const struct opts *o, const char *name)
{
	char path[PATH_MAX + 32];
	char *argv[] = {"sh", path, NULL};

	snprintf(path, sizeof(path), "%s/plan/%s", o->run, name);
	if (access(path, R_OK)) {
		fprintf(stderr, "rtdd: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("rtdd: running %s\n", path);
	fflush(stdout);
	return run_cmd(argv) ? 1 : 0;
}

static int up_xen(const struct opts *o, const struct rtdd_manifest *m,
		  const struct rtdd_plan *p)
{
	char dir[PATH_MAX + 16], err[512], hv[16];
	int rc;

	if (!state_read(o, hv, sizeof(hv))) {
		fprintf(stderr,
			"rtdd up: %s is already up on %s (%s; rtdd down "
			"first)\n",
			m->name, hv, o->run);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/plan", o->run);
	rc = rtdd_plan_write(p, dir, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rtdd up: writing the plan: %s\n", err);
		return 1;
	}
	printf("rtdd up: %s on xen, plan in %s\n", m->name, dir);
	if (run_script(o, "apply.sh")) {
		fprintf(stderr, "rtdd up: apply.sh failed; run `rtdd down` to "
				"remove what it created\n");
		state_write(o, m);
		return 1;
	}
	rc = state_write(o, m);
	if (rc) {
		fprintf(stderr, "rtdd up: state: %s\n", strerror(-rc));
		return 1;
	}
	printf("rtdd up: %s is up\n", m->name);
	return 0;
}

/* down waits (up to 5 s) until the simhv process has exited, so that it
 * returns with the domains' processes gone. */
static int simhv_pid(const struct opts *o)
{
	char p[PATH_MAX + 32];
	FILE *f;
	int pid = 0;

	snprintf(p, sizeof(p), "%s/simhv.pid", o->run);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

static void wait_gone(int pid)
{
	for (int i = 0; pid > 1 && i < 500 && !kill(pid, 0); i++)
		usleep(10000);
}

/* ---- the commands -------------------------------------------------------- */

static int run(enum which w, int argc, char **argv)
{
	static const struct option lo[] = {
		{"hv", required_argument, NULL, 'H'},
		{"run-dir", required_argument, NULL, 'r'},
		{"bin-dir", required_argument, NULL, 'b'},
		{"sim-disk-dir", required_argument, NULL, 'd'},
		{"sim-disk-size", required_argument, NULL, 's'},
		{"probe-ms", required_argument, NULL, 'p'},
		{"probe-write", no_argument, NULL, 'w'},
		{"devd-arg", required_argument, NULL, 'D'},
		{"wait-ms", required_argument, NULL, 'W'},
		{"io-mode", required_argument, NULL, 'm'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.cmd = w,
			 .disk_size = 64ull << 20,
			 .probe_ms = 10,
			 .wait_ms = 10000};
	const char *run_dir = NULL, *disk_dir = NULL;
	char disk_abs[PATH_MAX], err[768], st_hv[16];
	struct rtdd_manifest m;
	struct rtdd_plan p;
	int opt, rc, ret = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'H':
			if (strcmp(optarg, "sim") && strcmp(optarg, "xen")) {
				fprintf(stderr, "rtdd: --hv is sim or xen\n");
				return 2;
			}
			o.hv = optarg;
			break;
		case 'r':
			run_dir = optarg;
			break;
		case 'b':
			o.bin_dir = optarg;
			break;
		case 'd':
			disk_dir = optarg;
			break;
		case 's':
			if (parse_size(optarg, &o.disk_size)) {
				fprintf(stderr,
					"rtdd: --sim-disk-size: '%s' "
					"is not a size of 4K..1T\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
		case 'W':
			errno = 0;
			{
				unsigned long v = strtoul(optarg, &end, 10);

				if (errno || *end || end == optarg ||
				    *optarg == '-' || v > 3600000 ||
				    (opt == 'p' && v == 0)) {
					fprintf(stderr,
						"rtdd: bad number "
						"'%s'\n",
						optarg);
					return 2;
				}
				if (opt == 'p')
					o.probe_ms = (unsigned)v;
				else
					o.wait_ms = (unsigned)v;
			}
			break;
		case 'w':
			o.probe_write = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'm':
			if (strcmp(optarg, "event") && strcmp(optarg, "poll") &&
			    strcmp(optarg, "hybrid")) {
				fprintf(stderr,
					"rtdd: --io-mode is event, poll "
					"or hybrid\n");
				return 2;
			}
			o.io_mode = optarg;
			break;
		case 'D':
			if (o.ndevd_args == 16) {
				fprintf(stderr, "rtdd: too many --devd-arg\n");
				return 2;
			}
			o.devd_args[o.ndevd_args++] = optarg;
			break;
		case 'h':
			usage(stdout, w);
			return 0;
		default:
			usage(stderr, w);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr, w);
		return 2;
	}
	o.manifest = argv[optind];
	rc = rtdd_manifest_load(o.manifest, &m, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rtdd: %s\n", err);
		return 1;
	}
	if (run_dir)
		rc = snprintf(o.run, sizeof(o.run), "%s", run_dir);
	else if (getenv("RTDD_RUN_DIR") && *getenv("RTDD_RUN_DIR"))
		rc = snprintf(o.run, sizeof(o.run), "%s/%s",
			      getenv("RTDD_RUN_DIR"), m.name);
	else
		rc = snprintf(o.run, sizeof(o.run), "/run/rtdd/%s", m.name);
	if (rc >= (int)sizeof(o.run) - 64) {
		fprintf(stderr, "rtdd: run directory path too long\n");
		goto out_m;
	}
	/* down and status follow what up recorded */
	if (!o.hv && w != UP && !state_read(&o, st_hv, sizeof(st_hv)))
		o.hv = !strcmp(st_hv, "xen") ? "xen" : "sim";
	if (!o.hv)
		o.hv = access("/dev/xen/privcmd", F_OK) ? "sim" : "xen";
	if (disk_dir) {
		if (strcmp(o.hv, "sim")) {
			fprintf(stderr,
				"rtdd: --sim-disk-dir is for --hv sim\n");
			goto out_m;
		}
		if (mkdir_p(disk_dir) || !realpath(disk_dir, disk_abs)) {
			fprintf(stderr, "rtdd: --sim-disk-dir %s: %s\n",
				disk_dir, strerror(errno));
			goto out_m;
		}
		o.disk_dir = disk_abs;
	}

	rc = rtdd_plan_build(&m, &p);
	if (rc || !p.admitted) {
		fprintf(stderr, "rtdd %s: %s refused: %s\n",
			w == UP	    ? "up"
			: w == DOWN ? "down"
				    : "status",
			m.name, p.reason[0] ? p.reason : strerror(-rc));
		if (w == UP || w == STATUS)
			goto out_p;
	}

	if (w == UP) {
		char abs[PATH_MAX];

		rc = mkdir_p(o.run);
		if (rc || !realpath(o.run, abs)) {
			fprintf(stderr, "rtdd up: run dir %s: %s\n", o.run,
				strerror(rc ? -rc : errno));
			goto out_p;
		}
		snprintf(o.run, sizeof(o.run), "%s", abs);
		rtdd_plan_report_text(&p, stdout);
		printf("\n");
		fflush(stdout);
		ret = !strcmp(o.hv, "sim") ? up_sim(&o, &m, &p)
					   : up_xen(&o, &m, &p);
	} else if (w == DOWN) {
		char sp[PATH_MAX + 32];

		snprintf(sp, sizeof(sp), "%s/%s", o.run, STATE_FILE);
		if (!strcmp(o.hv, "sim")) {
			int pid = simhv_pid(&o);

			rc = rtdd_simhv_stop(o.run);
			if (rc == -ENOENT) {
				fprintf(stderr,
					"rtdd down: %s is not up on "
					"sim (%s)\n",
					m.name, o.run);
				unlink(sp);
				ret = 1;
				goto out_p;
			}
			if (rc) {
				fprintf(stderr,
					"rtdd down: stopping "
					"rtdd-simhv on %s: %s\n",
					o.run, strerror(-rc));
				goto out_p;
			}
			wait_gone(pid);
			ret = 0;
		} else {
			ret = run_script(&o, "destroy.sh");
		}
		if (!ret) {
			unlink(sp);
			printf("rtdd down: %s is down\n", m.name);
		}
	} else {
		ret = rtdd__status(&o, &m, &p);
	}
out_p:
	rtdd_plan_dispose(&p);
out_m:
	rtdd_manifest_dispose(&m);
	return ret;
}

int rtdd_cmd_up(int argc, char **argv)
{
	return run(UP, argc, argv);
}

int rtdd_cmd_down(int argc, char **argv)
{
	return run(DOWN, argc, argv);
}

int rtdd_cmd_status(int argc, char **argv)
{
	return run(STATUS, argc, argv);
}

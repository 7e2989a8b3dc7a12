// SPDX-License-Identifier: MIT
/* rtdd/simhv.h: the toolstack side of rtdd-simhv. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "rtdd/simhv.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* 0 when something accepts on dir's dom0 socket. */
static int probe(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (rtdd__sim_path(sa.sun_path, sizeof(sa.sun_path), dir, 0, "hv.sock"))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	close(fd);
	return rc;
}

int rtdd_simhv_start(const char *dir, const char *simhv_bin,
		     const char *log_path, pid_t *pid_out)
{
	int rc, status, pipefd[2];
	pid_t pid, parent;

	if (!dir || !*dir)
		return -EINVAL;
	if (!probe(dir))
		return -EEXIST;
	if (!simhv_bin)
		simhv_bin = "rtdd-simhv";
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return rc;
	}
	if (pid == 0) {
		int err;

		/* our simhv ends with us (SIGTERM: it cleans up) */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		close(pipefd[0]);
		if (log_path) {
			int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND,
				      0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				if (fd > 2)
					close(fd);
			}
		}
		execlp(simhv_bin, simhv_bin, "start", "--dir", dir,
		       (char *)NULL);
		err = errno;
		if (write(pipefd[1], &err, sizeof(err)) < 0) {
			/* the parent sees EOF and the exit status */
		}
		_exit(127);
	}
	close(pipefd[1]);
	/* exec failure arrives on the pipe; success closes it (CLOEXEC) */
	{
		int err = 0;
		ssize_t r = read(pipefd[0], &err, sizeof(err));

		close(pipefd[0]);
		if (r == (ssize_t)sizeof(err)) {
			waitpid(pid, &status, 0);
			return -err;
		}
	}
	for (int i = 0; i < 1000; i++) {
		if (!probe(dir)) {
			if (pid_out)
				*pid_out = pid;
			return 0;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -ECHILD;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

static int call_simple(rtdd_hv *hv, uint32_t op,
		       void (*fill)(struct sim_req *, const void *),
		       const void *arg)
{
	struct sim_hv *h;
	int rc;

	if (!hv || hv->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	h = sim_hv(hv);
	rtdd__sim_begin(h, op);
	if (fill)
		fill(h->req, arg);
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	rtdd__sim_end(h);
	return rc;
}

int rtdd_simhv_stop(const char *dir)
{
	rtdd_hv *hv;
	int rc;

	if (!dir)
		return -EINVAL;
	rc = rtdd__sim_open(dir, 0, &hv, NULL);
	if (rc)
		return rc == -EIO ? -EIO : -ENOENT;
	rc = call_simple(hv, SIM_OP_STOP, NULL, NULL);
	rtdd_hv_close(hv);
	if (rc)
		return rc;
	for (int i = 0; i < 1000; i++) {
		if (probe(dir))
			return 0;
		sleep_ms(10);
	}
	return -ETIMEDOUT;
}

int rtdd_simhv_domain_create(rtdd_hv *dom0,
			     const struct rtdd_simhv_dom_cfg *cfg,
			     rtdd_domid *domid_out)
{
	struct sim_hv *h;
	int rc;

	if (!dom0 || dom0->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	if (!cfg || !domid_out ||
	    (cfg->name && strlen(cfg->name) >= SIM_NAME_MAX))
		return -EINVAL;
	h = sim_hv(dom0);
	rtdd__sim_begin(h, SIM_OP_DOM_CREATE);
	if (cfg->name)
		strcpy(h->req->u.create.name, cfg->name);
	h->req->u.create.mem_kib = cfg->mem_mib * 1024;
	h->req->u.create.vcpus = cfg->vcpus;
	h->req->u.create.cpupool = cfg->cpupool;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc)
		*domid_out = h->rep->u.create.domid;
	rtdd__sim_end(h);
	return rc;
}

struct dom_pid {
	rtdd_domid domid;
	pid_t pid;
	uint32_t pool;
};

static void fill_attach(struct sim_req *r, const void *arg)
{
	const struct dom_pid *a = arg;

	r->u.attach.domid = a->domid;
	r->u.attach.pid = a->pid;
}

int rtdd_simhv_domain_attach(rtdd_hv *dom0, rtdd_domid domid, pid_t pid)
{
	struct dom_pid a = {.domid = domid, .pid = pid};

	if (pid <= 0)
		return -EINVAL;
	return call_simple(dom0, SIM_OP_DOM_ATTACH, fill_attach, &a);
}

static void fill_domid(struct sim_req *r, const void *arg)
{
	r->u.rtds.domid = *(const rtdd_domid *)arg;
}

int rtdd_simhv_domain_destroy(rtdd_hv *dom0, rtdd_domid domid)
{
	return call_simple(dom0, SIM_OP_DOM_DESTROY, fill_domid, &domid);
}

int rtdd_simhv_domain_shutdown(rtdd_hv *hv, rtdd_domid domid)
{
	return call_simple(hv, SIM_OP_DOM_SHUTDOWN, fill_domid, &domid);
}

static int append(char *blob, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > SIM_SPAWN_MAX)
		return -E2BIG;
	memcpy(blob + *len, s, n);
	*len += n;
	return 0;
}

int rtdd_simhv_domain_spawn(rtdd_hv *dom0, rtdd_domid domid, char *const argv[],
			    char *const envp[], const int stdio_fds[3],
			    pid_t *pid_out)
{
	extern char **environ;
	struct sim_hv *h;
	size_t len = 0;
	unsigned argc = 0, envc = 0;
	char *blob;
	int rc = 0;

	if (!dom0 || dom0->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	if (!argv || !argv[0])
		return -EINVAL;
	if (!envp)
		envp = environ;
	blob = malloc(SIM_SPAWN_MAX);
	if (!blob)
		return -ENOMEM;
	for (; !rc && argv[argc]; argc++)
		rc = append(blob, &len, argv[argc]);
	for (; !rc && envp[envc]; envc++)
		rc = append(blob, &len, envp[envc]);
	if (!rc && (argc > 0xffff || envc > 0xffff))
		rc = -E2BIG;
	if (rc) {
		free(blob);
		return rc;
	}
	h = sim_hv(dom0);
	rtdd__sim_begin(h, SIM_OP_DOM_SPAWN);
	h->req->u.spawn.domid = domid;
	h->req->u.spawn.argc = (uint16_t)argc;
	h->req->u.spawn.envc = (uint16_t)envc;
	h->req->u.spawn.nfds = stdio_fds ? 3 : 0;
	h->req->u.spawn.len = (uint32_t)len;
	memcpy(h->req->u.spawn.blob, blob, len);
	rc = rtdd__sim_xfer(h, offsetof(struct sim_req, u.spawn.blob) + len,
			    stdio_fds, stdio_fds ? 3 : 0, NULL, NULL);
	if (!rc && pid_out)
		*pid_out = h->rep->u.spawn.pid;
	rtdd__sim_end(h);
	free(blob);
	return rc;
}

int rtdd_simhv_domain_wait(rtdd_hv *dom0, rtdd_domid domid,
			   enum rtdd_dom_state *state_out, int *status_out)
{
	struct sim_hv *h;
	int rc;

	if (!dom0 || dom0->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	h = sim_hv(dom0);
	rtdd__sim_begin(h, SIM_OP_DOM_WAIT);
	h->req->u.rtds.domid = domid;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc) {
		if (state_out)
			*state_out = (enum rtdd_dom_state)h->rep->u.wait.state;
		if (status_out)
			*status_out = h->rep->u.wait.status;
	}
	rtdd__sim_end(h);
	return rc;
}

int rtdd_simhv_domain_list(rtdd_hv *hv, struct rtdd_dom_info **doms_out,
			   unsigned *n_out)
{
	struct rtdd_dom_info *doms;
	struct sim_hv *h;
	unsigned n;
	int rc;

	if (!hv || hv->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	if (!doms_out || !n_out)
		return -EINVAL;
	h = sim_hv(hv);
	rtdd__sim_begin(h, SIM_OP_DOM_LIST);
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (rc)
		goto out;
	n = h->rep->u.list.count;
	if (n > (SIM_MSG_MAX - sizeof(*h->rep)) / sizeof(struct sim_dom_wire)) {
		rc = -EIO;
		goto out;
	}
	doms = calloc(n ? n : 1, sizeof(*doms));
	if (!doms) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct sim_dom_wire *w = &h->rep->u.list.doms[i];

		doms[i].domid = w->domid;
		doms[i].state = (enum rtdd_dom_state)w->state;
		doms[i].vcpus = w->vcpus;
		doms[i].mem_kib = w->mem_kib;
		doms[i].cpupool = w->cpupool;
		memcpy(doms[i].name, w->name, sizeof(doms[i].name) - 1);
	}
	*doms_out = doms;
	*n_out = n;
out:
	rtdd__sim_end(h);
	return rc;
}

struct pool_arg {
	uint32_t pool;
	const char *sched;
	uint64_t cpus;
};

static void fill_pool(struct sim_req *r, const void *arg)
{
	const struct pool_arg *a = arg;

	r->u.pool.pool = a->pool;
	r->u.pool.cpus = a->cpus;
	if (a->sched)
		snprintf(r->u.pool.sched, sizeof(r->u.pool.sched), "%s",
			 a->sched);
}

int rtdd_simhv_cpupool_create(rtdd_hv *dom0, uint32_t pool, const char *sched,
			      uint64_t cpus)
{
	struct pool_arg a = {pool, sched, cpus};

	if (!sched || strlen(sched) >= 16)
		return -EINVAL;
	return call_simple(dom0, SIM_OP_POOL_CREATE, fill_pool, &a);
}

int rtdd_simhv_cpupool_destroy(rtdd_hv *dom0, uint32_t pool)
{
	struct pool_arg a = {pool, NULL, 0};

	return call_simple(dom0, SIM_OP_POOL_DESTROY, fill_pool, &a);
}

static void fill_move(struct sim_req *r, const void *arg)
{
	const struct dom_pid *a = arg;

	r->u.pool_move.domid = a->domid;
	r->u.pool_move.pool = a->pool;
}

int rtdd_simhv_cpupool_move(rtdd_hv *dom0, rtdd_domid domid, uint32_t pool)
{
	struct dom_pid a = {.domid = domid, .pool = pool};

	return call_simple(dom0, SIM_OP_POOL_MOVE, fill_move, &a);
}

int rtdd_simhv_bind_vcpu(rtdd_hv *hv, unsigned vcpu,
			 struct rtdd_simhv_sched *out)
{
	struct sim_hv *h;
	int rc;

	if (!hv || hv->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	h = sim_hv(hv);
	rtdd__sim_begin(h, SIM_OP_BIND_VCPU);
	h->req->u.bind_vcpu.vcpu = vcpu;
	h->req->u.bind_vcpu.tid = (int32_t)syscall(SYS_gettid);
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc && out) {
		memset(out, 0, sizeof(*out));
		out->policy = (enum rtdd_simhv_policy)h->rep->u.rtds.applied;
		out->fifo_prio = h->rep->u.rtds.prio;
		out->err = h->rep->u.rtds.err;
		out->deadline_err = h->rep->u.rtds.dl_err;
		out->params.period_us = h->rep->u.rtds.period_us;
		out->params.budget_us = h->rep->u.rtds.budget_us;
		out->params.extratime = h->rep->u.rtds.extratime;
	}
	rtdd__sim_end(h);
	return rc;
}

int rtdd_simhv_stats(rtdd_hv *hv, struct rtdd_simhv_stats *out)
{
	struct sim_hv *h;
	int rc;

	if (!hv || hv->kind != RTDD_HV_SIM)
		return -EOPNOTSUPP;
	if (!out)
		return -EINVAL;
	h = sim_hv(hv);
	rtdd__sim_begin(h, SIM_OP_STATS);
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc) {
		out->domains = h->rep->u.stats.domains;
		out->grant_maps = h->rep->u.stats.grant_maps;
		out->grant_pins = h->rep->u.stats.grant_pins;
		out->simhv_mmaps = h->rep->u.stats.simhv_mmaps;
		out->ports = h->rep->u.stats.ports;
		out->conns = h->rep->u.stats.conns;
		out->bound_threads = h->rep->u.stats.bound_threads;
	}
	rtdd__sim_end(h);
	return rc;
}

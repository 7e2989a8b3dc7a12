// SPDX-License-Identifier: MIT
/*
 * Domains of rtdd-simhv: a domain is memory (RAM, grant table, port
 * generations: memfds simhv owns and maps), an hv socket, a xenstore
 * socket, and the processes that run in it.
 *
 *   create --> RUNNING --last process exits 0 / after shutdown--> SHUTDOWN
 *                  |  \--last process dies otherwise-----------> CRASHED
 *                  \--destroy-----------------------------------> DYING
 *   SHUTDOWN, CRASHED --> DYING (cleaned up at once) --> gone
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../xenstored/xenstored.h"
#include "rtdd/log.h"
#include "simhv.h"

static const char *state_name(enum rtdd_dom_state s)
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

static void set_state(struct dom *d, enum rtdd_dom_state s)
{
	if (d->state == s)
		return;
	RTDD_LOG(INFO, "dom%u (%s) %s -> %s", d->domid, d->name,
		 state_name(d->state), state_name(s));
	d->state = s;
}

struct dom *dom_find(rtdd_domid domid)
{
	return domid < SIM_MAX_DOMS ? simhv->doms[domid] : NULL;
}

void dom_to_wire(const struct dom *d, struct sim_dom_wire *w)
{
	unsigned n = 0;

	memset(w, 0, sizeof(*w));
	for (struct proc *p = d->procs; p; p = p->next)
		n++;
	w->domid = d->domid;
	w->state = (uint16_t)d->state;
	w->vcpus = d->vcpus;
	w->mem_kib = d->mem_kib;
	w->cpupool = d->pool;
	w->nr_procs = n;
	memcpy(w->name, d->name, sizeof(w->name));
}

static void *map_memfd(const char *name, size_t size, int *fd_out)
{
	void *p;
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	simhv->n_mmaps++;
	*fd_out = fd;
	return p;
}

static void unmap_memfd(void *p, size_t size, int fd)
{
	if (p) {
		munmap(p, size);
		simhv->n_mmaps--;
	}
	if (fd >= 0)
		close(fd);
}

static int listen_at(const char *path, int *fd_out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

/* What libxl writes for a new domain, with its permissions: the home and
 * what the toolstack owns are dom0's and readable by the domain ("roperm"),
 * the subtrees the guest writes are the domain's ("rwperm"). */
static void xs_populate(struct dom *d)
{
	struct rtdd_xs_perm ro[2] = {{0, RTDD_XS_PERM_NONE},
				     {d->domid, RTDD_XS_PERM_READ}};
	struct rtdd_xs_perm rw[1] = {{d->domid, RTDD_XS_PERM_NONE}};
	char domid[16], mem[32], path[128];
	const struct {
		const char *leaf, *val;
		bool rw;
	} nodes[] = {
		{"", "", false},
		{"name", d->name, false},
		{"domid", domid, false},
		{"memory", "", false},
		{"memory/static-max", mem, false},
		{"memory/target", mem, false},
		{"device", "", false},
		{"control", "", false},
		{"control/shutdown", "", true},
		{"data", "", true},
		{"drivers", "", true},
		{"feature", "", true},
		{"attr", "", true},
		{"error", "", true},
	};
	int rc = 0;

	snprintf(domid, sizeof(domid), "%u", d->domid);
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)d->mem_kib);
	for (size_t i = 0; !rc && i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/%u%s%s", d->domid,
			 nodes[i].leaf[0] ? "/" : "", nodes[i].leaf);
		if (nodes[i].rw)
			rc = rtdd_xsd_write(simhv->xsd, path, nodes[i].val, rw,
					    1);
		else /* dom0 needs no read entry for itself */
			rc = rtdd_xsd_write(simhv->xsd, path, nodes[i].val, ro,
					    d->domid ? 2 : 1);
	}
	if (rc)
		RTDD_LOG(WARN, "dom%u: xenstore entries: %s", d->domid,
			 strerror(-rc));
}

static void dom_free(struct dom *d)
{
	if (d->listen_fd >= 0) {
		char path[300];

		ep_del(d->listen_fd);
		close(d->listen_fd);
		if (!rtdd__sim_path(path, sizeof(path), simhv->dir, d->domid,
				    "hv.sock"))
			unlink(path);
	}
	unmap_memfd(d->ram, d->frames * RTDD_PAGE_SIZE, d->ram_fd);
	unmap_memfd(d->gnt, (size_t)SIM_GNT_FRAMES * RTDD_PAGE_SIZE, d->gnt_fd);
	unmap_memfd(d->gen, SIM_PORTS * sizeof(uint32_t), d->gen_fd);
	if (d->dirpath[0])
		rmdir(d->dirpath);
	free(d->frame_used);
	free(d->refs);
	free(d->ports);
	free(d);
}

int dom_create(const char *name, uint64_t mem_kib, unsigned vcpus,
	       uint32_t pool, rtdd_domid want, struct dom **dom_out)
{
	char mname[64], path[300];
	rtdd_domid domid = want;
	struct dom *d;
	int rc;

	if (!mem_kib)
		mem_kib = 64 * 1024;
	if (!vcpus)
		vcpus = 1;
	if (mem_kib % 4 || mem_kib > (16ull << 20) || mem_kib < 1024 ||
	    vcpus > SIM_MAX_VCPUS)
		return -EINVAL;
	if (pool >= SIM_MAX_POOLS || !simhv->pools[pool].used)
		return -ENOENT;
	for (unsigned i = 0; name && i < SIM_MAX_DOMS; i++)
		if (simhv->doms[i] && !strcmp(simhv->doms[i]->name, name))
			return -EEXIST;
	if (want == RTDD_DOMID_INVALID) {
		/* like Xen: increasing domids, not reused at once */
		for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
			rtdd_domid c = simhv->next_domid;

			simhv->next_domid =
				(rtdd_domid)(c + 1u >= SIM_MAX_DOMS ? 1
								    : c + 1);
			if (c && !simhv->doms[c]) {
				domid = c;
				break;
			}
		}
		if (domid == RTDD_DOMID_INVALID)
			return -ENOSPC;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domid = domid;
	d->uid = ++simhv->next_uid;
	d->ram_fd = d->gnt_fd = d->gen_fd = d->listen_fd = -1;
	d->exit_status = -1;
	d->vcpus = vcpus;
	d->mem_kib = mem_kib;
	d->frames = mem_kib / 4;
	d->pool = pool;
	d->next_ref = SIM_GNT_RESERVED;
	d->state = RTDD_DOM_RUNNING;
	if (name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	else
		snprintf(d->name, sizeof(d->name), "dom%u", domid);
	for (unsigned v = 0; v < SIM_MAX_VCPUS; v++)
		/* Xen RTDS defaults */
		d->rtds[v] = (struct rtdd_rtds_params){10000, 4000, true};
	d->frame_used = calloc((d->frames + 7) / 8, 1);
	d->refs = calloc(SIM_GNT_ENTRIES, sizeof(*d->refs));
	d->ports = calloc(SIM_PORTS, sizeof(*d->ports));
	rc = -ENOMEM;
	if (!d->frame_used || !d->refs || !d->ports)
		goto fail;
	for (unsigned p = 0; p < SIM_PORTS; p++)
		d->ports[p].efd = -1;
	snprintf(mname, sizeof(mname), "rtdd-ram-d%u", domid);
	d->ram = map_memfd(mname, d->frames * RTDD_PAGE_SIZE, &d->ram_fd);
	snprintf(mname, sizeof(mname), "rtdd-gnt-d%u", domid);
	d->gnt = map_memfd(mname, (size_t)SIM_GNT_FRAMES * RTDD_PAGE_SIZE,
			   &d->gnt_fd);
	snprintf(mname, sizeof(mname), "rtdd-evt-d%u", domid);
	d->gen = map_memfd(mname, SIM_PORTS * sizeof(uint32_t), &d->gen_fd);
	if (!d->ram || !d->gnt || !d->gen)
		goto fail;
	rc = rtdd__sim_path(d->dirpath, sizeof(d->dirpath), simhv->dir, domid,
			    NULL);
	if (rc)
		goto fail;
	if (mkdir(d->dirpath, 0755) && errno != EEXIST) {
		rc = -errno;
		d->dirpath[0] = 0;
		goto fail;
	}
	rc = rtdd__sim_path(path, sizeof(path), simhv->dir, domid, "hv.sock");
	if (!rc)
		rc = listen_at(path, &d->listen_fd);
	if (rc)
		goto fail;
	d->listen_tag = (struct tag){T_LISTEN, d};
	rc = ep_add(d->listen_fd, &d->listen_tag);
	if (rc)
		goto fail;
	rc = rtdd__sim_path(path, sizeof(path), simhv->dir, domid, "xs.sock");
	if (!rc)
		rc = rtdd_xsd_domain_add(simhv->xsd, domid, path);
	if (rc) {
		RTDD_LOG(ERR, "dom%u: xenstore socket %s: %s", domid, path,
			 strerror(-rc));
		goto fail;
	}
	simhv->doms[domid] = d;
	xs_populate(d);
	RTDD_LOG(INFO, "dom%u (%s) created: %u vcpus, %llu MiB, pool %u", domid,
		 d->name, vcpus, (unsigned long long)(mem_kib / 1024), pool);
	*dom_out = d;
	return 0;
fail:
	dom_free(d);
	return rc;
}

static void proc_free(struct proc *p)
{
	if (p->pidfd >= 0) {
		ep_del(p->pidfd);
		close(p->pidfd);
	}
	free(p);
}

void dom_destroy(struct dom *d, enum rtdd_dom_state final)
{
	int status = d->exit_status;

	if (final != RTDD_DOM_DYING)
		set_state(d, final);
	set_state(d, RTDD_DOM_DYING);
	while (d->procs) {
		struct proc *p = d->procs;

		d->procs = p->next;
		/* a spawned process leads its own group: the domain's other
		 * processes go with it; children are reaped on SIGCHLD */
		if (p->child)
			kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		proc_free(p);
	}
	for (struct conn *c = simhv->conns, *n; c; c = n) {
		n = c->next;
		if (c->dom == d)
			conn_close(c);
	}
	while (d->threads) {
		struct bthread *t = d->threads;

		d->threads = t->next;
		simhv->n_threads--;
		free(t);
	}
	evt_dom_gone(d);
	gnt_dom_gone(d);
	if (rtdd_xsd_domain_remove(simhv->xsd, d->domid))
		RTDD_LOG(WARN, "dom%u: xenstore removal failed", d->domid);
	if (d->domid) {
		/* libxl removes the home on destroy, toolstack nodes too */
		char path[64];
		int rc;

		snprintf(path, sizeof(path), "/local/domain/%u", d->domid);
		rc = rtdd_xsd_rm(simhv->xsd, path);
		if (rc && rc != -ENOENT)
			RTDD_LOG(WARN, "dom%u: rm %s: %s", d->domid, path,
				 strerror(-rc));
	}
	simhv->doms[d->domid] = NULL;
	simhv->ended[simhv->ended_next] =
		(struct ended){d->domid, (uint16_t) final, status, true};
	simhv->ended_next = (simhv->ended_next + 1) % SIM_ENDED;
	for (struct conn *c = simhv->conns; c; c = c->next) {
		struct sim_rep rep = {0};

		if (!c->waiting || c->wait_domid != d->domid)
			continue;
		c->waiting = false;
		rep.u.wait.state = (uint16_t) final;
		rep.u.wait.status = status;
		rtdd__sim_send(c->fd, &rep, sizeof(rep), NULL, 0);
	}
	RTDD_LOG(INFO, "dom%u (%s) destroyed", d->domid, d->name);
	dom_free(d);
}

/* ---- attached processes without pidfd_open ------------------------------
 *
 * pidfd_open (Linux 5.3) tells simhv when a process it did not spawn ends,
 * zombie or not. Where it is missing (older kernels, valgrind 3.19, which
 * answers ENOSYS) simhv looks at /proc/<pid>/stat of each such process
 * every POLL_MS instead (also when RTDD_SIMHV_NO_PIDFD is set, so that
 * tests cover this path): gone, a zombie ('Z'/'X'), or another start time
 * (the pid was reused) all mean the process ended. A domain then ends up
 * to POLL_MS later than with a pidfd. */
#define POLL_MS 20

/* 0 and the start time of a live process, -ESRCH if it ended. */
static int proc_stat(pid_t pid, unsigned long long *start_out)
{
	char path[64], buf[1024], *s;
	unsigned long long start = 0;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -ESRCH;
	buf[r] = '\0';
	/* "pid (comm) S ppid ..." - comm may hold spaces and parens */
	s = strrchr(buf, ')');
	if (!s || s[1] != ' ' || s[2] == 'Z' || s[2] == 'X')
		return -ESRCH;
	/* field 22, starttime, is the 20th after the ")" */
	s += 2;
	for (int f = 3; f < 22 && s; f++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	if (!s || sscanf(s, "%llu", &start) != 1)
		return -ESRCH;
	*start_out = start;
	return 0;
}

static int poll_arm(bool on)
{
	struct itimerspec its = {{0, 0}, {0, 0}};
	int rc;

	if (simhv->poll_tfd < 0) {
		if (!on)
			return 0;
		simhv->poll_tfd = timerfd_create(CLOCK_MONOTONIC,
						 TFD_CLOEXEC | TFD_NONBLOCK);
		if (simhv->poll_tfd < 0)
			return -errno;
		simhv->poll_tag = (struct tag){T_PROCPOLL, NULL};
		rc = ep_add(simhv->poll_tfd, &simhv->poll_tag);
		if (rc) {
			close(simhv->poll_tfd);
			simhv->poll_tfd = -1;
			return rc;
		}
		RTDD_LOG(WARN,
			 "no pidfd_open (kernel < 5.3 or valgrind): "
			 "watching attached processes through /proc "
			 "every %d ms",
			 POLL_MS);
	}
	if (on) {
		its.it_interval.tv_nsec = POLL_MS * 1000000L;
		its.it_value.tv_nsec = POLL_MS * 1000000L;
	}
	if (timerfd_settime(simhv->poll_tfd, 0, &its, NULL))
		return -errno;
	return 0;
}

void dom_poll_procs(void)
{
	unsigned long long start;
	uint64_t ticks;
	bool any;

	if (read(simhv->poll_tfd, &ticks, sizeof(ticks)) < 0) {
		/* EAGAIN: nothing expired; look anyway */
	}
again:
	any = false;
	for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
		struct dom *d = simhv->doms[i];

		for (struct proc *p = d ? d->procs : NULL; p; p = p->next) {
			if (!p->polled)
				continue;
			if (proc_stat(p->pid, &start) ||
			    start != p->start_time) {
				/* may destroy d: walk again from the top */
				dom_proc_gone(p, 0, false);
				goto again;
			}
			any = true;
		}
	}
	if (!any)
		(void)poll_arm(false);
}

int dom_attach(struct dom *d, pid_t pid, bool child)
{
	struct proc *p;

	if (d->state != RTDD_DOM_RUNNING)
		return -ESRCH;
	/* a process is in one domain */
	for (unsigned i = 0; i < SIM_MAX_DOMS; i++)
		for (p = simhv->doms[i] ? simhv->doms[i]->procs : NULL; p;
		     p = p->next)
			if (p->pid == pid)
				return simhv->doms[i] == d ? -EEXIST : -EBUSY;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = pid;
	p->child = child;
	p->pidfd = -1;
	p->tag = (struct tag){T_PIDFD, p};
	if (!child) {
		int rc;

		/* RTDD_SIMHV_NO_PIDFD=1 takes the fallback anyway (tests) */
		if (getenv("RTDD_SIMHV_NO_PIDFD")) {
			errno = ENOSYS;
			p->pidfd = -1;
		} else {
			p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		}
		if (p->pidfd < 0 && errno == ENOSYS) {
			rc = proc_stat(pid, &p->start_time);
			if (!rc)
				rc = poll_arm(true);
			if (rc) {
				free(p);
				return rc;
			}
			p->polled = true;
			goto attached;
		}
		if (p->pidfd < 0) {
			rc = -errno;
			free(p);
			return rc;
		}
		rc = ep_add(p->pidfd, &p->tag);
		if (rc) {
			close(p->pidfd);
			free(p);
			return rc;
		}
	}
attached:
	p->next = d->procs;
	d->procs = p;
	d->had_procs = true;
	RTDD_LOG(INFO, "dom%u: process %d joins", d->domid, (int)pid);
	return 0;
}

/* A process of some domain ended; the last one ends the domain. */
void dom_proc_gone(struct proc *gone, int status, bool have_status)
{
	for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
		struct dom *d = simhv->doms[i];
		bool clean;

		if (!d)
			continue;
		for (struct proc **pp = &d->procs; *pp; pp = &(*pp)->next) {
			if (*pp != gone)
				continue;
			*pp = gone->next;
			if (have_status && WIFSIGNALED(status))
				RTDD_LOG(INFO,
					 "dom%u: process %d killed by "
					 "signal %d",
					 d->domid, (int)gone->pid,
					 WTERMSIG(status));
			else if (have_status)
				RTDD_LOG(INFO, "dom%u: process %d exited %d",
					 d->domid, (int)gone->pid,
					 WEXITSTATUS(status));
			else
				RTDD_LOG(INFO, "dom%u: process %d ended",
					 d->domid, (int)gone->pid);
			proc_free(gone);
			if (have_status)
				d->exit_status = status;
			if (d->procs)
				return;
			clean = d->shutdown_req ||
				(have_status && WIFEXITED(status) &&
				 WEXITSTATUS(status) == 0);
			dom_destroy(d, clean ? RTDD_DOM_SHUTDOWN
					     : RTDD_DOM_CRASHED);
			return;
		}
	}
}

void dom_reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
			struct dom *d = simhv->doms[i];

			for (struct proc *p = d ? d->procs : NULL; p;
			     p = p->next)
				if (p->child && p->pid == pid) {
					dom_proc_gone(p, status, true);
					goto next;
				}
		}
	next:;
	}
}

int dom_spawn(struct conn *c, const struct sim_req *req, size_t len,
	      const int *fds, unsigned nfds, pid_t *pid_out)
{
	size_t blen = req->u.spawn.len;
	unsigned argc = req->u.spawn.argc, envc = req->u.spawn.envc;
	const char *blob = req->u.spawn.blob;
	char **argv = NULL, **envp = NULL, *extra[3] = {NULL, NULL, NULL};
	struct dom *d = dom_find(req->u.spawn.domid);
	int pipefd[2] = {-1, -1}, err = 0, rc;
	size_t off = 0;
	sigset_t all;
	pid_t pid;

	(void)c;
	if (offsetof(struct sim_req, u.spawn.blob) + blen != len ||
	    blen > SIM_SPAWN_MAX || !argc || (req->u.spawn.nfds != nfds) ||
	    (nfds != 0 && nfds != 3))
		return -EINVAL;
	if (!d || d->state != RTDD_DOM_RUNNING)
		return -ESRCH;
	argv = calloc(argc + 1, sizeof(*argv));
	envp = calloc(envc + 4, sizeof(*envp));
	rc = -ENOMEM;
	if (!argv || !envp)
		goto out;
	rc = -EINVAL;
	for (unsigned i = 0; i < argc + envc; i++) {
		const char *s = blob + off;
		const char *nul = memchr(s, 0, blen - off);

		if (off >= blen || !nul)
			goto out;
		if (i < argc)
			argv[i] = (char *)s;
		else
			envp[i - argc] = (char *)s;
		off += (size_t)(nul - s) + 1;
	}
	if (off != blen)
		goto out;
	rc = -ENOMEM;
	if (asprintf(&extra[0], "RTDD_SIM_DIR=%s", simhv->dir) < 0 ||
	    asprintf(&extra[1], "RTDD_SIM_DOMID=%u", d->domid) < 0 ||
	    asprintf(&extra[2], "XENSTORED_PATH=%s/dom%u/xs.sock", simhv->dir,
		     d->domid) < 0)
		goto out;
	{
		/* ours replace any the caller passed */
		unsigned k = 0;

		for (unsigned i = 0; i < envc; i++)
			if (strncmp(envp[i], "RTDD_SIM_DIR=", 13) &&
			    strncmp(envp[i], "RTDD_SIM_DOMID=", 15) &&
			    strncmp(envp[i], "XENSTORED_PATH=", 15))
				envp[k++] = envp[i];
		envp[k++] = extra[0];
		envp[k++] = extra[1];
		envp[k++] = extra[2];
		envp[k] = NULL;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		if (nfds == 3)
			for (int i = 0; i < 3; i++)
				dup2(fds[i], i); /* dup2 clears CLOEXEC */
		execvpe(argv[0], argv, envp);
		err = errno;
		if (write(pipefd[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	setpgid(pid, pid); /* as the child does: no window for kill(-pid) */
	close(pipefd[1]);
	pipefd[1] = -1;
	if (read(pipefd[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		int status;

		waitpid(pid, &status, 0);
		rc = -err;
		goto out;
	}
	rc = dom_attach(d, pid, true);
	if (rc) {
		kill(pid, SIGKILL);
		goto out;
	}
	*pid_out = pid;
out:
	for (int i = 0; i < 2; i++)
		if (pipefd[i] >= 0)
			close(pipefd[i]);
	for (int i = 0; i < 3; i++)
		free(extra[i]);
	free(argv);
	free(envp);
	return rc;
}

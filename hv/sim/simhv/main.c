// SPDX-License-Identifier: MIT
/*
 * rtdd-simhv: the embedded hypervisor of rtdd for plain Linux (docs/hv.md).
 *
 *   rtdd-simhv start --dir DIR [--daemon] [--pidfile F]
 *   rtdd-simhv stop  [--dir DIR]
 *   rtdd-simhv list  [--dir DIR]
 *   rtdd-simhv run   [--dir DIR] [--name X] [--memory MiB] [--vcpus N]
 *                    [--pool P] -- CMD ARGS...
 *
 * One thread serves everything from one epoll set: the hv sockets of every
 * domain and their connections, the embedded xenstored, the pidfds of
 * attached processes and a signalfd (SIGCHLD for spawned ones, SIGTERM).
 * A connection that sends something malformed is closed; nothing else is.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../xenstored/xenstored.h"
#include "rtdd/log.h"
#include "rtdd/simhv.h"
#include "simhv.h"

struct simhv *simhv;

int ep_add(int fd, struct tag *t)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = t};

	return epoll_ctl(simhv->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

void ep_del(int fd)
{
	epoll_ctl(simhv->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* ---- connections -------------------------------------------------------- */

void conn_close(struct conn *c)
{
	for (struct conn **pp = &simhv->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	gnt_conn_gone(c);
	evt_conn_gone(c);
	if (c->dom)
		sched_drop_conn(c->dom, c->id);
	ep_del(c->fd);
	close(c->fd);
	simhv->n_conns--;
	free(c);
}

static void accept_conn(struct dom *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;
	int fd;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->dom = d;
	c->bounce_fd = -1;
	c->id = ++simhv->next_conn_id;
	if (c->id == 0 || c->id == REF_ORPHAN)
		c->id = simhv->next_conn_id = 1;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		c->peer_pid = cred.pid;
	c->tag = (struct tag){T_CONN, c};
	if (ep_add(fd, &c->tag)) {
		close(fd);
		free(c);
		return;
	}
	c->next = simhv->conns;
	simhv->conns = c;
	simhv->n_conns++;
}

static bool privileged(const struct conn *c)
{
	return c->dom->domid == 0;
}

static int rtds_check(const struct conn *c, struct dom **d_out,
		      rtdd_domid domid, unsigned vcpu)
{
	struct dom *d;

	if (!privileged(c))
		return -EPERM; /* a domU cannot use domctls */
	d = dom_find(domid == RTDD_DOMID_SELF ? c->dom->domid : domid);
	if (!d)
		return -ESRCH;
	if (strcmp(simhv->pools[d->pool].sched, "rtds"))
		return -EOPNOTSUPP;
	if (vcpu >= d->vcpus)
		return -EINVAL;
	*d_out = d;
	return 0;
}

static int op_pool(const struct sim_req *q)
{
	uint32_t id = q->u.pool.pool;
	struct pool *p;

	if (id >= SIM_MAX_POOLS)
		return -EINVAL;
	p = &simhv->pools[id];
	if (q->op == SIM_OP_POOL_CREATE) {
		char sched[17];

		memcpy(sched, q->u.pool.sched, 16);
		sched[16] = 0;
		if (p->used)
			return -EEXIST;
		if ((strcmp(sched, "rtds") && strcmp(sched, "credit2")) ||
		    !(q->u.pool.cpus & simhv->all_cpus) ||
		    (q->u.pool.cpus & ~simhv->all_cpus))
			return -EINVAL;
		p->used = true;
		strcpy(p->sched, sched);
		p->cpus = q->u.pool.cpus;
		RTDD_LOG(INFO, "cpupool %u created: %s, cpus 0x%llx", id, sched,
			 (unsigned long long)p->cpus);
		return 0;
	}
	if (id == 0 || !p->used)
		return id == 0 ? -EBUSY : -ENOENT;
	for (unsigned i = 0; i < SIM_MAX_DOMS; i++)
		if (simhv->doms[i] && simhv->doms[i]->pool == id)
			return -EBUSY;
	memset(p, 0, sizeof(*p));
	RTDD_LOG(INFO, "cpupool %u destroyed", id);
	return 0;
}

/* Handle one request: 1 when the reply is deferred, 0 sent, <0 close. */
static int handle(struct conn *c, struct sim_req *q, size_t len, int *in_fds,
		  unsigned n_in, struct sim_rep *rep)
{
	int fds[SIM_MAX_FDS];
	unsigned nfds = 0;
	size_t rlen = sizeof(*rep);
	struct dom *d;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	if (len < offsetof(struct sim_req, u))
		return -EPROTO;
	if (!c->hello && q->op != SIM_OP_HELLO)
		return -EPROTO;
	if (q->op >= SIM_OP_DOM_CREATE && q->op < SIM_OP_MAX_ &&
	    !privileged(c)) {
		rc = -EPERM;
		goto reply;
	}
	if (n_in && q->op != SIM_OP_DOM_SPAWN)
		return -EPROTO;
	/* fixed-size requests travel as a whole struct sim_req */
	if (q->op != SIM_OP_GNT_FREE && q->op != SIM_OP_GNT_MAP &&
	    q->op != SIM_OP_GNT_COPY && q->op != SIM_OP_DOM_SPAWN &&
	    len != sizeof(*q))
		return -EPROTO;
	switch (q->op) {
	case SIM_OP_HELLO:
		if (q->u.hello.version != SIM_PROTO_VERSION)
			return -EPROTO;
		c->hello = true;
		rep->u.hello.domid = c->dom->domid;
		rep->u.hello.features = simhv->features;
		/* as a probe on Xen finds: domctls are dom0's */
		if (!privileged(c))
			rep->u.hello.features &=
				~(uint32_t)(RTDD_HV_F_DOMINFO |
					    RTDD_HV_F_SCHED_RTDS);
		rep->u.hello.ram_frames = c->dom->frames;
		fds[0] = c->dom->ram_fd;
		fds[1] = c->dom->gnt_fd;
		fds[2] = c->dom->gen_fd;
		nfds = 3;
		break;
	case SIM_OP_GNT_ALLOC:
		rc = gnt_alloc(c, q->u.gnt_alloc.count, rep);
		if (!rc)
			rlen = offsetof(struct sim_rep, u.gnt_alloc.pairs) +
			       2 * q->u.gnt_alloc.count * sizeof(uint32_t);
		break;
	case SIM_OP_GNT_FREE:
		if (len < offsetof(struct sim_req, u.gnt_free.refs) ||
		    q->u.gnt_free.count > SIM_MAP_MAX ||
		    len != offsetof(struct sim_req, u.gnt_free.refs) +
				    q->u.gnt_free.count * sizeof(uint32_t))
			return -EPROTO;
		rc = gnt_free(c, q->u.gnt_free.count, q->u.gnt_free.refs);
		break;
	case SIM_OP_GNT_MAP:
		if (len < offsetof(struct sim_req, u.gnt_map.refs) ||
		    q->u.gnt_map.count > SIM_MAP_MAX ||
		    len != offsetof(struct sim_req, u.gnt_map.refs) +
				    q->u.gnt_map.count * sizeof(uint32_t))
			return -EPROTO;
		rc = gnt_map(c, q->u.gnt_map.domid, q->u.gnt_map.readonly,
			     q->u.gnt_map.count, q->u.gnt_map.refs, rep, fds);
		if (!rc) {
			nfds = 1;
			rlen = offsetof(struct sim_rep, u.gnt_map.frames) +
			       q->u.gnt_map.count * sizeof(uint32_t);
		}
		break;
	case SIM_OP_GNT_UNMAP:
		rc = gnt_unmap(c, q->u.gnt_unmap.handle);
		break;
	case SIM_OP_GNT_BOUNCE:
		rc = gnt_bounce(c, fds);
		if (!rc) {
			nfds = 1;
			rep->u.bounce.slots = SIM_COPY_MAX;
		}
		break;
	case SIM_OP_GNT_COPY:
		if (len < offsetof(struct sim_req, u.gnt_copy.segs) ||
		    q->u.gnt_copy.count > SIM_COPY_MAX ||
		    len != offsetof(struct sim_req, u.gnt_copy.segs) +
				    q->u.gnt_copy.count *
					    sizeof(struct sim_copy_seg_wire))
			return -EPROTO;
		rc = gnt_copy(c, q->u.gnt_copy.count, q->u.gnt_copy.segs, rep);
		if (!rc)
			rlen = offsetof(struct sim_rep, u.gnt_copy.status) +
			       q->u.gnt_copy.count * sizeof(int16_t);
		break;
	case SIM_OP_EVT_ALLOC:
		rc = evt_alloc(c, q->u.evt.remote, rep, fds);
		nfds = rc ? 0 : 1;
		break;
	case SIM_OP_EVT_BIND:
		rc = evt_bind(c, q->u.evt.remote, q->u.evt.remote_port, rep,
			      fds);
		nfds = rc ? 0 : 2;
		break;
	case SIM_OP_EVT_UNBIND:
		rc = evt_unbind(c, q->u.evt_port.port);
		break;
	case SIM_OP_EVT_PEER:
		fds[0] = -1;
		rc = evt_peer(c, q->u.evt_port.port, rep, fds);
		nfds = !rc && fds[0] >= 0 ? 1 : 0;
		break;
	case SIM_OP_DOM_INFO:
		if (!privileged(c)) {
			rc = -EPERM;
			break;
		}
		d = dom_find(q->u.rtds.domid == RTDD_DOMID_SELF
				     ? c->dom->domid
				     : q->u.rtds.domid);
		if (!d)
			rc = -ESRCH;
		else
			dom_to_wire(d, &rep->u.info);
		break;
	case SIM_OP_RTDS_GET:
		rc = rtds_check(c, &d, q->u.rtds.domid, q->u.rtds.vcpu);
		if (!rc) {
			const struct rtdd_rtds_params *p =
				&d->rtds[q->u.rtds.vcpu];

			rep->u.rtds.period_us = p->period_us;
			rep->u.rtds.budget_us = p->budget_us;
			rep->u.rtds.extratime = p->extratime;
		}
		break;
	case SIM_OP_RTDS_SET:
		rc = rtds_check(c, &d, q->u.rtds.domid, q->u.rtds.vcpu);
		if (!rc &&
		    (q->u.rtds.period_us < 10 || q->u.rtds.budget_us < 10 ||
		     q->u.rtds.budget_us > q->u.rtds.period_us))
			rc = -EINVAL;
		if (!rc) {
			struct rtdd_rtds_params *p = &d->rtds[q->u.rtds.vcpu];

			p->period_us = q->u.rtds.period_us;
			p->budget_us = q->u.rtds.budget_us;
			p->extratime = q->u.rtds.extratime != 0;
			RTDD_LOG(INFO,
				 "dom%u vcpu%u rtds: period %u us, "
				 "budget %u us%s",
				 d->domid, q->u.rtds.vcpu, p->period_us,
				 p->budget_us,
				 p->extratime ? ", extratime" : "");
			sched_reapply_all();
		}
		break;
	case SIM_OP_BIND_VCPU:
		rc = sched_bind(c, q->u.bind_vcpu.vcpu, q->u.bind_vcpu.tid,
				rep);
		break;
	case SIM_OP_STATS:
		for (unsigned i = 0; i < SIM_MAX_DOMS; i++)
			rep->u.stats.domains += simhv->doms[i] != NULL;
		rep->u.stats.grant_maps = simhv->n_maps;
		rep->u.stats.grant_pins = simhv->n_pins;
		rep->u.stats.simhv_mmaps = simhv->n_mmaps;
		rep->u.stats.ports = simhv->n_ports;
		rep->u.stats.conns = simhv->n_conns;
		rep->u.stats.bound_threads = simhv->n_threads;
		break;
	case SIM_OP_DOM_SHUTDOWN: {
		rtdd_domid id = q->u.rtds.domid == RTDD_DOMID_SELF
					? c->dom->domid
					: q->u.rtds.domid;

		if (id != c->dom->domid && !privileged(c)) {
			rc = -EPERM;
			break;
		}
		d = dom_find(id);
		if (!d || id == 0)
			rc = d ? -EPERM : -ESRCH;
		else
			d->shutdown_req = true;
		break;
	}
	case SIM_OP_DOM_LIST: {
		unsigned n = 0;

		if (!privileged(c)) {
			rc = -EPERM;
			break;
		}
		for (unsigned i = 0; i < SIM_MAX_DOMS; i++) {
			if (!simhv->doms[i])
				continue;
			if (offsetof(struct sim_rep, u.list.doms) +
				    (n + 1) * sizeof(struct sim_dom_wire) >
			    SIM_MSG_MAX)
				break;
			dom_to_wire(simhv->doms[i], &rep->u.list.doms[n++]);
		}
		rep->u.list.count = n;
		rlen = offsetof(struct sim_rep, u.list.doms) +
		       n * sizeof(struct sim_dom_wire);
		break;
	}
	case SIM_OP_DOM_CREATE: {
		char name[SIM_NAME_MAX + 1];

		memcpy(name, q->u.create.name, SIM_NAME_MAX);
		name[SIM_NAME_MAX] = 0;
		rc = -EINVAL;
		if (strlen(name) < SIM_NAME_MAX && !strpbrk(name, "/\n"))
			rc = dom_create(name[0] ? name : NULL,
					q->u.create.mem_kib, q->u.create.vcpus,
					q->u.create.cpupool, RTDD_DOMID_INVALID,
					&d);
		if (!rc)
			rep->u.create.domid = d->domid;
		break;
	}
	case SIM_OP_DOM_ATTACH:
		d = dom_find(q->u.attach.domid);
		rc = !d || d->domid == 0
			     ? -ESRCH
			     : dom_attach(d, q->u.attach.pid, false);
		break;
	case SIM_OP_DOM_SPAWN: {
		pid_t pid = 0;

		if (len < offsetof(struct sim_req, u.spawn.blob))
			return -EPROTO;
		d = dom_find(q->u.spawn.domid);
		if (d && d->domid == 0)
			rc = -EPERM;
		else
			rc = dom_spawn(c, q, len, in_fds, n_in, &pid);
		rep->u.spawn.pid = pid;
		break;
	}
	case SIM_OP_DOM_DESTROY:
		d = dom_find(q->u.rtds.domid);
		if (!d)
			rc = -ESRCH;
		else if (d->domid == 0)
			rc = -EPERM;
		else if (c->dom == d)
			rc = -EINVAL;
		else
			dom_destroy(d, RTDD_DOM_DYING);
		break;
	case SIM_OP_DOM_WAIT:
		d = dom_find(q->u.rtds.domid);
		if (!d) {
			/* ended already? the latest record of that domid */
			rc = -ESRCH;
			for (unsigned i = SIM_ENDED; i-- > 0;) {
				const struct ended *e =
					&simhv->ended[(simhv->ended_next + i) %
						      SIM_ENDED];

				if (e->used && e->domid == q->u.rtds.domid) {
					rep->u.wait.state = e->state;
					rep->u.wait.status = e->status;
					rc = 0;
					break;
				}
			}
			break;
		}
		if (d->domid == 0) {
			rc = -EPERM;
			break;
		}
		c->waiting = true;
		c->wait_domid = d->domid;
		return 1;
	case SIM_OP_POOL_CREATE:
	case SIM_OP_POOL_DESTROY:
		rc = op_pool(q);
		break;
	case SIM_OP_POOL_MOVE:
		d = dom_find(q->u.pool_move.domid);
		if (!d)
			rc = -ESRCH;
		else if (q->u.pool_move.pool >= SIM_MAX_POOLS ||
			 !simhv->pools[q->u.pool_move.pool].used)
			rc = -ENOENT;
		else {
			d->pool = q->u.pool_move.pool;
			RTDD_LOG(INFO, "dom%u moved to cpupool %u", d->domid,
				 d->pool);
			sched_reapply_all();
		}
		break;
	case SIM_OP_STOP:
		simhv->stopping = true;
		break;
	default:
		return -EPROTO;
	}
reply:
	rep->rc = rc;
	if (rc)
		nfds = 0;
	if (rc)
		rlen = offsetof(struct sim_rep, u);
	return rtdd__sim_send(c->fd, rep, rlen, fds, nfds) ? -EPIPE : 0;
}

static void serve_conn(struct conn *c, struct sim_req *q, struct sim_rep *rep)
{
	int fds[SIM_MAX_FDS];
	unsigned nfds = SIM_MAX_FDS;
	ssize_t r;
	int rc;

	r = rtdd__sim_recv(c->fd, q, SIM_MSG_MAX, fds, &nfds);
	if (r == -EAGAIN)
		return;
	if (r <= 0) {
		conn_close(c); /* peer gone (or truncated message) */
		return;
	}
	if (c->waiting) {
		/* nothing may come while a wait is pending */
		rc = -EPROTO;
	} else {
		rc = handle(c, q, (size_t)r, fds, nfds, rep);
	}
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	if (rc < 0) {
		RTDD_LOG_RL(WARN, "dom%u: connection of pid %d closed: %s",
			    c->dom ? c->dom->domid : 0, (int)c->peer_pid,
			    rc == -EPROTO ? "malformed request"
					  : strerror(-rc));
		conn_close(c);
	}
}

/* ---- the daemon --------------------------------------------------------- */

static int setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	simhv->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (simhv->sigfd < 0)
		return -errno;
	simhv->sig_tag = (struct tag){T_SIGNAL, NULL};
	return ep_add(simhv->sigfd, &simhv->sig_tag);
}

static void on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(simhv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			dom_reap_children();
		else
			simhv->stopping = true;
	}
}

static void shutdown_all(void)
{
	for (unsigned i = SIM_MAX_DOMS; i-- > 1;)
		if (simhv->doms[i])
			dom_destroy(simhv->doms[i], RTDD_DOM_DYING);
	while (simhv->conns)
		conn_close(simhv->conns);
	if (simhv->doms[0])
		dom_destroy(simhv->doms[0], RTDD_DOM_DYING);
	rtdd_xsd_destroy(simhv->xsd);
	dom_reap_children();
}

static int serve(const char *dir, int ready_fd)
{
	struct sim_req *q = malloc(SIM_MSG_MAX);
	struct sim_rep *rep = malloc(SIM_MSG_MAX);
	struct dom *dom0;
	int rc;

	if (!q || !rep)
		return -ENOMEM;
	simhv->dir = dir;
	simhv->next_domid = 1;
	simhv->features = RTDD_HV_F_EVTCHN | RTDD_HV_F_GNT_MAP |
			  RTDD_HV_F_GNT_SHARE | RTDD_HV_F_GNT_COPY |
			  RTDD_HV_F_DOMINFO | RTDD_HV_F_SCHED_RTDS;
	simhv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (simhv->epfd < 0)
		return -errno;
	simhv->poll_tfd = -1;
	sched_probe();
	simhv->pools[0].used = true;
	strcpy(simhv->pools[0].sched, "rtds");
	simhv->pools[0].cpus = simhv->all_cpus;
	rc = setup_signals();
	if (!rc)
		rc = rtdd_xsd_create(NULL, &simhv->xsd);
	if (rc) {
		RTDD_LOG(ERR, "setup: %s", strerror(-rc));
		return rc;
	}
	simhv->xsd_tag = (struct tag){T_XSD, NULL};
	rc = ep_add(rtdd_xsd_fd(simhv->xsd), &simhv->xsd_tag);
	if (!rc)
		rc = dom_create("Domain-0", 256 * 1024,
				(unsigned)__builtin_popcountll(simhv->all_cpus),
				0, 0, &dom0);
	if (rc) {
		RTDD_LOG(ERR, "dom0: %s", strerror(-rc));
		rtdd_xsd_destroy(simhv->xsd);
		return rc;
	}
	RTDD_LOG(INFO, "serving %s (dom0: %s/dom0/hv.sock)", dir, dir);
	if (ready_fd >= 0) {
		if (write(ready_fd, "", 1) < 0) {
			/* the parent is gone; keep serving */
		}
		close(ready_fd);
	}
	while (!simhv->stopping) {
		struct epoll_event evs[32];
		int n = epoll_wait(simhv->epfd, evs, 32, -1);

		if (n < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		for (int i = 0; i < n && !simhv->stopping; i++) {
			struct tag *t = evs[i].data.ptr;

			switch (t->type) {
			case T_LISTEN:
				accept_conn(t->ptr);
				break;
			case T_CONN:
				serve_conn(t->ptr, q, rep);
				/* a request may have freed other tags of
				 * this batch (destroy): poll again */
				i = n;
				break;
			case T_PIDFD:
				dom_proc_gone(t->ptr, 0, false);
				i = n;
				break;
			case T_SIGNAL:
				on_signal();
				i = n;
				break;
			case T_XSD:
				rtdd_xsd_dispatch(simhv->xsd);
				break;
			case T_PROCPOLL:
				dom_poll_procs();
				i = n;
				break;
			}
		}
	}
	RTDD_LOG(INFO, "stopping");
	shutdown_all();
	free(q);
	free(rep);
	return rc;
}

/* ---- command line ------------------------------------------------------- */

static const char usage[] =
	"Usage: rtdd-simhv COMMAND [OPTIONS]\n"
	"\n"
	"The embedded hypervisor of rtdd: simulated Xen domains as Linux\n"
	"processes, with grant tables, event channels, xenstore and RTDS\n"
	"scheduling parameters (see docs/hv.md).\n"
	"\n"
	"Commands:\n"
	"  start --dir DIR [--daemon] [--pidfile FILE] [--log FILE]\n"
	"        serve run directory DIR (created if absent) in the\n"
	"        foreground, or in the background with --daemon; the log\n"
	"        goes to stderr or FILE (RTDD_LOG_LEVEL=debug shows the\n"
	"        scheduling applied to each thread). Clients find it\n"
	"        through RTDD_SIM_DIR=DIR.\n"
	"  stop [--dir DIR]\n"
	"        destroy every domain and stop the simhv serving DIR.\n"
	"  list [--dir DIR]\n"
	"        the domains: id, name, state, vcpus, memory, pool.\n"
	"  run [--dir DIR] [--name NAME] [--memory MIB] [--vcpus N]\n"
	"      [--pool ID] -- CMD [ARGS...]\n"
	"        create a domain and run CMD as its process with\n"
	"        RTDD_SIM_DIR, RTDD_SIM_DOMID and XENSTORED_PATH set; waits\n"
	"        for it and exits with its status. Ctrl-C destroys it.\n"
	"        When CMD dies other than by exit(0) the domain crashed.\n"
	"\n"
	"DIR defaults to $RTDD_SIM_DIR for stop, list and run.\n";

static const struct option long_opts[] = {
	{"dir", required_argument, NULL, 'd'},
	{"daemon", no_argument, NULL, 'D'},
	{"pidfile", required_argument, NULL, 'p'},
	{"log", required_argument, NULL, 'l'},
	{"name", required_argument, NULL, 'n'},
	{"memory", required_argument, NULL, 'm'},
	{"vcpus", required_argument, NULL, 'v'},
	{"pool", required_argument, NULL, 'P'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct opts {
	const char *dir, *pidfile, *name, *log;
	bool daemon;
	unsigned long mem, vcpus, pool;
};

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || !*s || *end || *s == '-' || *out > max ? -1 : 0;
}

static int cmd_start(struct opts *o)
{
	int pipefd[2] = {-1, -1}, rc;
	char abs[4096];
	struct simhv s = {0};

	if (!o->dir) {
		fprintf(stderr, "rtdd-simhv start: --dir DIR is required\n");
		return 2;
	}
	if (mkdir(o->dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "rtdd-simhv: cannot create %s: %s\n", o->dir,
			strerror(errno));
		return 1;
	}
	if (!realpath(o->dir, abs)) {
		fprintf(stderr, "rtdd-simhv: %s: %s\n", o->dir,
			strerror(errno));
		return 1;
	}
	setenv("RTDD_SIM_DIR", abs, 1);
	{
		rtdd_hv *hv = NULL;

		if (!rtdd_hv_open("sim:0", &hv, NULL)) {
			rtdd_hv_close(hv);
			fprintf(stderr,
				"rtdd-simhv: a simhv already serves %s\n", abs);
			return 1;
		}
	}
	if (o->log &&
	    (!freopen(o->log, "a", stderr) || dup2(fileno(stderr), 1) < 0)) {
		fprintf(stdout, "rtdd-simhv: log %s: %s\n", o->log,
			strerror(errno));
		return 1;
	}
	if (o->daemon) {
		pid_t pid;

		if (pipe2(pipefd, O_CLOEXEC))
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			char c;

			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) != 1) {
				fprintf(stderr, "rtdd-simhv: failed to start "
						"(see its log)\n");
				return 1;
			}
			return 0;
		}
		close(pipefd[0]);
		setsid();
		if (!freopen("/dev/null", "r", stdin)) {
			/* keep the old stdin */
		}
	}
	if (o->pidfile) {
		FILE *f = fopen(o->pidfile, "w");

		if (!f) {
			fprintf(stderr, "rtdd-simhv: pidfile %s: %s\n",
				o->pidfile, strerror(errno));
			return 1;
		}
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	simhv = &s;
	rc = serve(abs, pipefd[1]);
	if (o->pidfile)
		unlink(o->pidfile);
	return rc ? 1 : 0;
}

static int open_dom0(const char *dir, rtdd_hv **hv_out)
{
	char *err = NULL;
	int rc;

	if (dir)
		setenv("RTDD_SIM_DIR", dir, 1);
	rc = rtdd_hv_open("sim:0", hv_out, &err);
	if (rc) {
		fprintf(stderr, "rtdd-simhv: %s\n", err ? err : strerror(-rc));
		free(err);
	}
	return rc;
}

static const char *state_str(enum rtdd_dom_state s)
{
	static const char *const names[] = {"?",	"running", "paused",
					    "shutdown", "crashed", "dying"};

	return (unsigned)s < 6 ? names[s] : "?";
}

static int cmd_list(struct opts *o)
{
	struct rtdd_dom_info *doms;
	unsigned n;
	rtdd_hv *hv;
	int rc;

	if (open_dom0(o->dir, &hv))
		return 1;
	rc = rtdd_simhv_domain_list(hv, &doms, &n);
	rtdd_hv_close(hv);
	if (rc) {
		fprintf(stderr, "rtdd-simhv list: %s\n", strerror(-rc));
		return 1;
	}
	printf("%-24s %5s %-9s %5s %9s %4s\n", "Name", "ID", "State", "VCPUs",
	       "Mem(MiB)", "Pool");
	for (unsigned i = 0; i < n; i++)
		printf("%-24s %5u %-9s %5u %9llu %4u\n", doms[i].name,
		       doms[i].domid, state_str(doms[i].state), doms[i].vcpus,
		       (unsigned long long)(doms[i].mem_kib / 1024),
		       doms[i].cpupool);
	free(doms);
	return 0;
}

static int cmd_stop(struct opts *o)
{
	const char *dir = o->dir ? o->dir : getenv("RTDD_SIM_DIR");
	int rc;

	if (!dir) {
		fprintf(stderr, "rtdd-simhv stop: --dir DIR or RTDD_SIM_DIR "
				"is required\n");
		return 2;
	}
	rc = rtdd_simhv_stop(dir);
	if (rc) {
		fprintf(stderr, "rtdd-simhv stop: %s: %s\n", dir,
			rc == -ENOENT ? "no simhv serves it" : strerror(-rc));
		return 1;
	}
	return 0;
}

struct waiter {
	rtdd_hv *hv;
	rtdd_domid domid;
	pthread_t main;
	int rc, status;
	enum rtdd_dom_state state;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->rc = rtdd_simhv_domain_wait(w->hv, w->domid, &w->state, &w->status);
	pthread_kill(w->main, SIGUSR1);
	return NULL;
}

static int cmd_run(struct opts *o, char **cmd)
{
	struct rtdd_simhv_dom_cfg cfg = {.name = o->name,
					 .mem_mib = o->mem,
					 .vcpus = (unsigned)o->vcpus,
					 .cpupool = (uint32_t)o->pool};
	struct waiter w = {0};
	int stdio[3] = {0, 1, 2}, sig, rc, killed_by = 0;
	rtdd_hv *hv = NULL;
	rtdd_domid domid;
	pthread_t th;
	sigset_t set;
	pid_t pid;

	if (!cmd[0]) {
		fprintf(stderr, "rtdd-simhv run: no command after --\n");
		return 2;
	}
	if (open_dom0(o->dir, &hv) || open_dom0(o->dir, &w.hv))
		goto fail;
	rc = rtdd_simhv_domain_create(hv, &cfg, &domid);
	if (rc) {
		fprintf(stderr, "rtdd-simhv run: create: %s\n", strerror(-rc));
		goto fail;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rc = rtdd_simhv_domain_spawn(hv, domid, cmd, NULL, stdio, &pid);
	if (rc) {
		fprintf(stderr, "rtdd-simhv run: %s: %s\n", cmd[0],
			strerror(-rc));
		rtdd_simhv_domain_destroy(hv, domid);
		goto fail;
	}
	w.domid = domid;
	w.main = pthread_self();
	if (pthread_create(&th, NULL, wait_thread, &w)) {
		rtdd_simhv_domain_destroy(hv, domid);
		goto fail;
	}
	sigwait(&set, &sig);
	if (sig != SIGUSR1) {
		killed_by = sig;
		rtdd_simhv_domain_destroy(hv, domid);
		while (sig != SIGUSR1)
			sigwait(&set, &sig);
	}
	pthread_join(th, NULL);
	rtdd_hv_close(hv);
	rtdd_hv_close(w.hv);
	if (w.rc)
		return 1;
	if (w.state == RTDD_DOM_DYING) /* destroyed: by us, or by others */
		return 128 + (killed_by ? killed_by : SIGKILL);
	if (w.status >= 0 && WIFEXITED(w.status))
		return WEXITSTATUS(w.status);
	if (w.status >= 0 && WIFSIGNALED(w.status))
		return 128 + WTERMSIG(w.status);
	return w.state == RTDD_DOM_SHUTDOWN ? 0 : 1;
fail:
	rtdd_hv_close(hv);
	rtdd_hv_close(w.hv);
	return 1;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	const char *cmd;
	int c;

	rtdd_log_init("rtdd-simhv", RTDD_LOG_INFO);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dir = optarg;
			break;
		case 'D':
			o.daemon = true;
			break;
		case 'p':
			o.pidfile = optarg;
			break;
		case 'l':
			o.log = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 'm':
			if (parse_ul(optarg, 16384, &o.mem) || o.mem < 1) {
				fprintf(stderr,
					"rtdd-simhv: bad --memory "
					"'%s' (1..16384 MiB)\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			if (parse_ul(optarg, SIM_MAX_VCPUS, &o.vcpus) ||
			    !o.vcpus) {
				fprintf(stderr,
					"rtdd-simhv: bad --vcpus "
					"'%s' (1..64)\n",
					optarg);
				return 2;
			}
			break;
		case 'P':
			if (parse_ul(optarg, SIM_MAX_POOLS - 1, &o.pool)) {
				fprintf(stderr, "rtdd-simhv: bad --pool '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!strcmp(cmd, "start"))
		return optind == argc ? cmd_start(&o) : 2;
	if (!strcmp(cmd, "stop"))
		return optind == argc ? cmd_stop(&o) : 2;
	if (!strcmp(cmd, "list"))
		return optind == argc ? cmd_list(&o) : 2;
	if (!strcmp(cmd, "run"))
		return cmd_run(&o, argv + optind);
	fprintf(stderr, "rtdd-simhv: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}

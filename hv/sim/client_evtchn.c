// SPDX-License-Identifier: MIT
/*
 * Event channels on simhv. Each port has an eventfd made by simhv; a handle
 * is an epoll set of its ports' eventfds, each registered EPOLLONESHOT:
 *
 *   notify by peer --> eventfd count > 0 --> epoll reports the port once
 *   (pending) --> ONESHOT disarms it = masked --> further notifies add to
 *   the count (coalesced) --> unmask re-arms --> reported again if count > 0
 *
 * notify writes the peer port's eventfd directly (no simhv round trip). The
 * peer's eventfd is fetched from simhv once and cached with the port's
 * generation; simhv bumps the generation in a shared page whenever the
 * port's binding changes, so a stale cache is refreshed before use. A
 * cached fd whose peer has closed is a dead eventfd: writes to it vanish,
 * which is Xen's "notify to a closed remote is dropped".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "client.h"

struct sim_port {
	int efd;     /* own eventfd, -1 when the port is not ours */
	int peer_fd; /* cached peer eventfd, -1 none */
	uint32_t gen;
};

struct sim_evtchn {
	struct rtdd_evtchn pub;
	struct sim_hv *h;
	struct sim_evtchn *next;
	int epfd;
	pthread_mutex_t lock; /* ports[] against concurrent notify */
	struct sim_port ports[SIM_PORTS];
};

static struct sim_evtchn *sev(rtdd_evtchn *ev)
{
	return (struct sim_evtchn *)ev;
}

static int sim_ev_open(rtdd_hv *hv, rtdd_evtchn **ev_out)
{
	struct sim_hv *h = sim_hv(hv);
	struct sim_evtchn *e;

	if (!ev_out)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		int rc = -errno;

		free(e);
		return rc;
	}
	for (unsigned i = 0; i < SIM_PORTS; i++) {
		e->ports[i].efd = -1;
		e->ports[i].peer_fd = -1;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->pub.hv = hv;
	e->h = h;
	pthread_mutex_lock(&h->lock);
	e->next = h->handles;
	h->handles = e;
	pthread_mutex_unlock(&h->lock);
	*ev_out = &e->pub;
	return 0;
}

static void drop_port(struct sim_evtchn *e, rtdd_port port)
{
	struct sim_port *p = &e->ports[port];

	epoll_ctl(e->epfd, EPOLL_CTL_DEL, p->efd, NULL);
	close(p->efd);
	if (p->peer_fd >= 0)
		close(p->peer_fd);
	p->efd = -1;
	p->peer_fd = -1;
}

static int unbind_locked(struct sim_evtchn *e, rtdd_port port)
{
	struct sim_hv *h = e->h;
	int rc;

	rtdd__sim_begin(h, SIM_OP_EVT_UNBIND);
	h->req->u.evt_port.port = port;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	rtdd__sim_end(h);
	/* Gone on our side whatever simhv says: a dead connection has
	 * closed every port of it anyway. */
	drop_port(e, port);
	return rc == -EIO ? 0 : rc;
}

static void free_handle(struct sim_evtchn *e)
{
	for (unsigned i = 1; i < SIM_PORTS; i++)
		if (e->ports[i].efd >= 0)
			unbind_locked(e, i);
	close(e->epfd);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void sim_ev_close(rtdd_evtchn *ev)
{
	struct sim_evtchn *e = sev(ev), **pp;
	struct sim_hv *h;

	if (!e)
		return;
	h = e->h;
	pthread_mutex_lock(&h->lock);
	for (pp = &h->handles; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	pthread_mutex_unlock(&h->lock);
	free_handle(e);
}

void rtdd__sim_evtchn_close_all(struct sim_hv *h)
{
	while (h->handles) {
		struct sim_evtchn *e = h->handles;

		h->handles = e->next;
		free_handle(e);
	}
}

static int sim_ev_fd(rtdd_evtchn *ev)
{
	return sev(ev)->epfd;
}

/* Take a port simhv gave us (efd, and peer_fd or -1) into the handle. */
static int add_port(struct sim_evtchn *e, rtdd_port port, uint32_t gen, int efd,
		    int peer_fd)
{
	struct epoll_event epe = {.events = EPOLLIN | EPOLLONESHOT,
				  .data.u32 = port};
	struct sim_port *p;

	if (port == 0 || port >= SIM_PORTS || e->ports[port].efd >= 0)
		return -EIO;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, efd, &epe))
		return -errno;
	pthread_mutex_lock(&e->lock);
	p = &e->ports[port];
	p->efd = efd;
	p->peer_fd = peer_fd;
	p->gen = gen;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

static int bind_common(struct sim_evtchn *e, uint32_t op, rtdd_domid remote,
		       rtdd_port remote_port, rtdd_port *port_out)
{
	struct sim_hv *h = e->h;
	int fds[2] = {-1, -1};
	unsigned nfds = 2, want = op == SIM_OP_EVT_BIND ? 2 : 1;
	rtdd_port port;
	uint32_t gen;
	int rc;

	if (!port_out)
		return -EINVAL;
	rtdd__sim_begin(h, op);
	h->req->u.evt.remote = remote;
	h->req->u.evt.remote_port = remote_port;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, fds, &nfds);
	port = h->rep->u.evt.port;
	gen = h->rep->u.evt.gen;
	rtdd__sim_end(h);
	if (!rc && nfds != want)
		rc = -EIO;
	/* h->lock is released first: notify takes e->lock, then h->lock. */
	if (!rc)
		rc = add_port(e, port, gen, fds[0], want == 2 ? fds[1] : -1);
	if (rc && rc != -EIO && nfds) {
		/* simhv bound it but we cannot take it: give it back */
		rtdd__sim_begin(h, SIM_OP_EVT_UNBIND);
		h->req->u.evt_port.port = port;
		rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
		rtdd__sim_end(h);
	}
	if (rc) {
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		return rc;
	}
	*port_out = port;
	return 0;
}

static int sim_ev_alloc_unbound(rtdd_evtchn *ev, rtdd_domid remote,
				rtdd_port *port_out)
{
	return bind_common(sev(ev), SIM_OP_EVT_ALLOC, remote, 0, port_out);
}

static int sim_ev_bind_interdomain(rtdd_evtchn *ev, rtdd_domid remote,
				   rtdd_port remote_port, rtdd_port *port_out)
{
	return bind_common(sev(ev), SIM_OP_EVT_BIND, remote, remote_port,
			   port_out);
}

static int sim_ev_unbind(rtdd_evtchn *ev, rtdd_port port)
{
	struct sim_evtchn *e = sev(ev);
	int rc;

	if (port >= SIM_PORTS || e->ports[port].efd < 0)
		return -ENOENT;
	pthread_mutex_lock(&e->lock);
	rc = unbind_locked(e, port);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

/* The peer's eventfd changed (or was never fetched): ask simhv. */
static void refresh_peer(struct sim_evtchn *e, rtdd_port port)
{
	struct sim_hv *h = e->h;
	struct sim_port *p = &e->ports[port];
	int fd = -1;
	unsigned nfds = 1;
	int rc;

	rtdd__sim_begin(h, SIM_OP_EVT_PEER);
	h->req->u.evt_port.port = port;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, &fd, &nfds);
	if (p->peer_fd >= 0)
		close(p->peer_fd);
	p->peer_fd = -1;
	if (!rc) {
		p->gen = h->rep->u.evt_peer.gen;
		if (h->rep->u.evt_peer.has_peer && nfds == 1) {
			p->peer_fd = fd;
			fd = -1;
		}
	}
	rtdd__sim_end(h);
	if (fd >= 0)
		close(fd);
}

static int sim_ev_notify(rtdd_evtchn *ev, rtdd_port port)
{
	struct sim_evtchn *e = sev(ev);
	struct sim_port *p;
	uint64_t one = 1;
	uint32_t gen;

	if (port == 0 || port >= SIM_PORTS)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	p = &e->ports[port];
	if (p->efd < 0) {
		pthread_mutex_unlock(&e->lock);
		return -ENOENT;
	}
	/* acquire: pairs with simhv's release store after rebinding */
	gen = __atomic_load_n(&e->h->evtgen[port], __ATOMIC_ACQUIRE);
	if (__builtin_expect(gen != p->gen, 0))
		refresh_peer(e, port);
	if (p->peer_fd >= 0 && write(p->peer_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the event is pending */
	}
	pthread_mutex_unlock(&e->lock);
	return 0;
}

static int sim_ev_pending(rtdd_evtchn *ev, rtdd_port *port_out)
{
	struct sim_evtchn *e = sev(ev);
	struct epoll_event epe;
	uint64_t cnt;
	int r;

	if (!port_out)
		return -EINVAL;
	do
		r = epoll_wait(e->epfd, &epe, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	/* Consume what coalesced so far; notifies from now on re-raise the
	 * port after unmask. */
	if (epe.data.u32 < SIM_PORTS && e->ports[epe.data.u32].efd >= 0 &&
	    read(e->ports[epe.data.u32].efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: already consumed */
	}
	*port_out = epe.data.u32;
	return 0;
}

static int sim_ev_unmask(rtdd_evtchn *ev, rtdd_port port)
{
	struct sim_evtchn *e = sev(ev);
	struct epoll_event epe = {.events = EPOLLIN | EPOLLONESHOT,
				  .data.u32 = port};

	if (port >= SIM_PORTS || e->ports[port].efd < 0)
		return -ENOENT;
	if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, e->ports[port].efd, &epe))
		return -errno;
	return 0;
}

const struct rtdd_evtchn_ops rtdd__sim_evtchn_ops = {
	.open = sim_ev_open,
	.close = sim_ev_close,
	.fd = sim_ev_fd,
	.alloc_unbound = sim_ev_alloc_unbound,
	.bind_interdomain = sim_ev_bind_interdomain,
	.unbind = sim_ev_unbind,
	.notify = sim_ev_notify,
	.pending = sim_ev_pending,
	.unmask = sim_ev_unmask,
};

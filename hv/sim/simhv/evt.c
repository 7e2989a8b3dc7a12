// SPDX-License-Identifier: MIT
/*
 * Event channels in rtdd-simhv, after Xen's common/event_channel.c for the
 * interdomain kind. Each port owns an eventfd; simhv only binds and hands
 * fds out, the events themselves never pass through it (client_evtchn.c).
 *
 *   FREE --alloc_unbound(remote)--> UNBOUND(remote)
 *   UNBOUND(r) --r binds to it--> INTER(r, rport)
 *   INTER --this end closes--> FREE, the other end --> UNBOUND(this domain)
 *
 * Every binding change bumps the port's generation in the domain's evtgen
 * page (release store), which tells the client its cached peer is stale.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "simhv.h"

static void bump(struct dom *d, rtdd_port p)
{
	__atomic_add_fetch(&d->gen[p], 1, __ATOMIC_RELEASE);
}

static int port_get_free(struct dom *d, rtdd_port *port_out)
{
	for (rtdd_port p = 1; p < SIM_PORTS; p++)
		if (d->ports[p].state == PORT_FREE) {
			*port_out = p;
			return 0;
		}
	return -ENOSPC;
}

static int port_open(struct conn *c, rtdd_port p, uint8_t state,
		     rtdd_domid remote, rtdd_port rport)
{
	struct port *pt = &c->dom->ports[p];
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (efd < 0)
		return -errno;
	pt->state = state;
	pt->remote = remote;
	pt->rport = rport;
	pt->efd = efd;
	pt->owner = c->id;
	simhv->n_ports++;
	bump(c->dom, p);
	return 0;
}

static void port_close(struct dom *d, rtdd_port p)
{
	struct port *pt = &d->ports[p];

	if (pt->state == PORT_INTER) {
		struct dom *r = dom_find(pt->remote);

		if (r && r->state != RTDD_DOM_DYING) {
			struct port *rp = &r->ports[pt->rport];

			if (rp->state == PORT_INTER && rp->remote == d->domid &&
			    rp->rport == p) {
				rp->state = PORT_UNBOUND;
				rp->rport = 0;
				bump(r, pt->rport);
			}
		}
	}
	close(pt->efd);
	pt->efd = -1;
	pt->state = PORT_FREE;
	pt->owner = 0;
	simhv->n_ports--;
	bump(d, p);
}

int evt_alloc(struct conn *c, rtdd_domid remote, struct sim_rep *rep,
	      int *fd_out)
{
	rtdd_port p;
	int rc;

	if (remote == RTDD_DOMID_SELF)
		remote = c->dom->domid;
	if (!dom_find(remote))
		return -ESRCH;
	rc = port_get_free(c->dom, &p);
	if (!rc)
		rc = port_open(c, p, PORT_UNBOUND, remote, 0);
	if (rc)
		return rc;
	rep->u.evt.port = p;
	rep->u.evt.gen = c->dom->gen[p];
	*fd_out = c->dom->ports[p].efd;
	return 0;
}

int evt_bind(struct conn *c, rtdd_domid remote, rtdd_port rport,
	     struct sim_rep *rep, int *fds_out)
{
	struct dom *d = c->dom, *r;
	struct port *rp;
	rtdd_port p;
	int rc;

	if (remote == RTDD_DOMID_SELF)
		remote = d->domid;
	r = dom_find(remote);
	if (!r)
		return -ESRCH;
	if (rport == 0 || rport >= SIM_PORTS)
		return -EINVAL;
	rp = &r->ports[rport];
	/* Xen's evtchn_bind_interdomain: the remote port must be unbound and
	 * offered to us; anything else (incl. already bound) is -EINVAL. */
	if (rp->state != PORT_UNBOUND || rp->remote != d->domid)
		return -EINVAL;
	rc = port_get_free(d, &p);
	if (!rc)
		rc = port_open(c, p, PORT_INTER, remote, rport);
	if (rc)
		return rc;
	/* a loopback bind may have taken the port right after rport's
	 * slot; rp stays valid: ports[] is not reallocated */
	rp->state = PORT_INTER;
	rp->rport = p;
	bump(r, rport);
	rep->u.evt.port = p;
	rep->u.evt.gen = d->gen[p];
	fds_out[0] = d->ports[p].efd;
	fds_out[1] = rp->efd;
	return 0;
}

int evt_unbind(struct conn *c, rtdd_port port)
{
	struct dom *d = c->dom;

	if (port == 0 || port >= SIM_PORTS ||
	    d->ports[port].state == PORT_FREE || d->ports[port].owner != c->id)
		return -ENOENT;
	port_close(d, port);
	return 0;
}

int evt_peer(struct conn *c, rtdd_port port, struct sim_rep *rep, int *fd_out)
{
	struct dom *d = c->dom, *r;
	struct port *pt;

	if (port == 0 || port >= SIM_PORTS ||
	    d->ports[port].state == PORT_FREE || d->ports[port].owner != c->id)
		return -ENOENT;
	pt = &d->ports[port];
	rep->u.evt_peer.gen = d->gen[port];
	rep->u.evt_peer.has_peer = 0;
	if (pt->state != PORT_INTER)
		return 0;
	r = dom_find(pt->remote);
	if (!r || r->ports[pt->rport].state != PORT_INTER)
		return 0;
	rep->u.evt_peer.has_peer = 1;
	*fd_out = r->ports[pt->rport].efd;
	return 0;
}

void evt_conn_gone(struct conn *c)
{
	struct dom *d = c->dom;

	if (!d)
		return;
	for (rtdd_port p = 1; p < SIM_PORTS; p++)
		if (d->ports[p].state != PORT_FREE &&
		    d->ports[p].owner == c->id)
			port_close(d, p);
}

void evt_dom_gone(struct dom *d)
{
	for (rtdd_port p = 1; p < SIM_PORTS; p++)
		if (d->ports[p].state != PORT_FREE)
			port_close(d, p);
}

// SPDX-License-Identifier: MIT
/*
 * hv/xen/evtchn.c - event channels over libxenevtchn. One rtdd_evtchn is one
 * xenevtchn handle, i.e. one open /dev/xen/evtchn: its fd is readable while
 * a port bound through it is pending.
 *
 * The Linux evtchn driver gives Xen's semantics directly: a delivered event
 * leaves the port masked in the driver until the port number is written back
 * (xenevtchn_unmask); events meanwhile coalesce into one. The fd is set
 * O_NONBLOCK so that xenevtchn_pending() (a read of one port number) fails
 * with EAGAIN instead of sleeping when nothing is pending.
 *
 * Each handle remembers the ports bound through it, so unbind and unmask of
 * a port that is not ours give -ENOENT instead of the driver's silence.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "xen_private.h"

struct xen_evtchn {
	struct rtdd_evtchn pub; /* first: rtdd_evtchn * casts to it */
	xenevtchn_handle *xce;
	int fd;
	rtdd_port *ports; /* bound through this handle */
	unsigned nports, cap;
	struct xen_evtchn *prev, *next; /* in xen_hv.evtchns */
};

static struct xen_evtchn *xen_ev(rtdd_evtchn *ev)
{
	return (struct xen_evtchn *)ev;
}

int rtdd__xen_evtchn_probe(char **err_out)
{
	xenevtchn_handle *xce = xenevtchn_open(&rtdd__xen_null_logger, 0);
	int rc;

	if (xce) {
		xenevtchn_close(xce);
		return 0;
	}
	rc = rtdd__xen_errno();
	if (rc == -EACCES || rc == -EPERM) {
		rtdd__set_err(err_out,
			      "/dev/xen/evtchn: permission denied (run as "
			      "root, or give this user access to /dev/xen/*)");
		return -EACCES;
	}
	if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO) {
		rtdd__xen_missing_dev_err(err_out, "/dev/xen/evtchn",
					  "xen-evtchn");
		return -ENOENT;
	}
	rtdd__set_err(err_out, "/dev/xen/evtchn: cannot open: %s",
		      strerror(-rc));
	return -EIO;
}

static int find_port(const struct xen_evtchn *e, rtdd_port port)
{
	for (unsigned i = 0; i < e->nports; i++)
		if (e->ports[i] == port)
			return (int)i;
	return -1;
}

/* Called before binding, so a bound port always has room to be recorded. */
static int reserve_port(struct xen_evtchn *e)
{
	rtdd_port *p;
	unsigned cap;

	if (e->nports < e->cap)
		return 0;
	cap = e->cap ? e->cap * 2 : 8;
	p = realloc(e->ports, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	e->ports = p;
	e->cap = cap;
	return 0;
}

static int ev_open(rtdd_hv *hv, rtdd_evtchn **ev_out)
{
	struct xen_hv *x = xen_hv(hv);
	struct xen_evtchn *e;
	int flags, rc;

	if (!ev_out)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->pub.hv = hv;
	e->xce = xenevtchn_open(&rtdd__xen_null_logger, 0);
	if (!e->xce) {
		rc = rtdd__xen_errno();
		goto out;
	}
	e->fd = xenevtchn_fd(e->xce);
	flags = fcntl(e->fd, F_GETFL);
	if (flags < 0 || fcntl(e->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		rc = rtdd__xen_errno();
		goto out;
	}
	pthread_mutex_lock(&x->lock);
	e->next = x->evtchns;
	if (x->evtchns)
		x->evtchns->prev = e;
	x->evtchns = e;
	pthread_mutex_unlock(&x->lock);
	*ev_out = &e->pub;
	return 0;
out:
	if (e->xce)
		xenevtchn_close(e->xce);
	free(e);
	return rc;
}

/* Closing the device unbinds (EVTCHNOP_close) every port bound through it. */
static void ev_free(struct xen_evtchn *e)
{
	xenevtchn_close(e->xce);
	free(e->ports);
	free(e);
}

static void ev_close(rtdd_evtchn *ev)
{
	struct xen_evtchn *e = xen_ev(ev);
	struct xen_hv *x;

	if (!e)
		return;
	x = xen_hv(ev->hv);
	pthread_mutex_lock(&x->lock);
	if (e->prev)
		e->prev->next = e->next;
	else
		x->evtchns = e->next;
	if (e->next)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&x->lock);
	ev_free(e);
}

void rtdd__xen_evtchn_close_all(struct xen_hv *x)
{
	struct xen_evtchn *e, *next;

	pthread_mutex_lock(&x->lock);
	e = x->evtchns;
	x->evtchns = NULL;
	pthread_mutex_unlock(&x->lock);
	for (; e; e = next) {
		next = e->next;
		ev_free(e);
	}
}

static int ev_fd(rtdd_evtchn *ev)
{
	return xen_ev(ev)->fd;
}

/* DOMID_SELF is accepted: Xen resolves it to the caller. */
static bool valid_remote(rtdd_domid d)
{
	return d < RTDD_DOMID_SELF || d == RTDD_DOMID_SELF;
}

static int ev_alloc_unbound(rtdd_evtchn *ev, rtdd_domid remote,
			    rtdd_port *port_out)
{
	struct xen_evtchn *e = xen_ev(ev);
	xenevtchn_port_or_error_t p;

	if (!port_out || !valid_remote(remote))
		return -EINVAL;
	if (reserve_port(e))
		return -ENOMEM;
	p = xenevtchn_bind_unbound_port(e->xce, remote);
	if (p < 0)
		return rtdd__xen_evtchn_errno(errno);
	e->ports[e->nports++] = (rtdd_port)p;
	*port_out = (rtdd_port)p;
	return 0;
}

static int ev_bind_interdomain(rtdd_evtchn *ev, rtdd_domid remote,
			       rtdd_port remote_port, rtdd_port *port_out)
{
	struct xen_evtchn *e = xen_ev(ev);
	xenevtchn_port_or_error_t p;

	if (!port_out || !valid_remote(remote))
		return -EINVAL;
	if (reserve_port(e))
		return -ENOMEM;
	/* Xen: -ESRCH no such domain; -EINVAL remote port invalid, not
	 * unbound, or not offered to us (an already bound port included). */
	p = xenevtchn_bind_interdomain(e->xce, remote, remote_port);
	if (p < 0)
		return rtdd__xen_evtchn_errno(errno);
	e->ports[e->nports++] = (rtdd_port)p;
	*port_out = (rtdd_port)p;
	return 0;
}

static int ev_unbind(rtdd_evtchn *ev, rtdd_port port)
{
	struct xen_evtchn *e = xen_ev(ev);
	int i = find_port(e, port);

	if (i < 0)
		return -ENOENT;
	if (xenevtchn_unbind(e->xce, port) < 0)
		return rtdd__xen_evtchn_errno(errno);
	e->ports[i] = e->ports[--e->nports];
	return 0;
}

/* Fast path: one ioctl (EVTCHNOP_send); the driver checks the port is ours. */
static int ev_notify(rtdd_evtchn *ev, rtdd_port port)
{
	if (xenevtchn_notify(xen_ev(ev)->xce, port) < 0)
		return rtdd__xen_evtchn_errno(errno);
	return 0;
}

static int ev_pending(rtdd_evtchn *ev, rtdd_port *port_out)
{
	xenevtchn_port_or_error_t p;

	if (!port_out)
		return -EINVAL;
	errno = 0;
	p = xenevtchn_pending(xen_ev(ev)->xce);
	if (p < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		/* EFBIG: the driver's ring overflowed and dropped events; the
		 * handle must be closed and its ports bound again. */
		return errno ? -errno : -EIO;
	}
	*port_out = (rtdd_port)p;
	return 0;
}

static int ev_unmask(rtdd_evtchn *ev, rtdd_port port)
{
	struct xen_evtchn *e = xen_ev(ev);

	if (find_port(e, port) < 0)
		return -ENOENT;
	if (xenevtchn_unmask(e->xce, port) < 0)
		return rtdd__xen_evtchn_errno(errno);
	return 0;
}

const struct rtdd_evtchn_ops rtdd__xen_evtchn_ops = {
	.open = ev_open,
	.close = ev_close,
	.fd = ev_fd,
	.alloc_unbound = ev_alloc_unbound,
	.bind_interdomain = ev_bind_interdomain,
	.unbind = ev_unbind,
	.notify = ev_notify,
	.pending = ev_pending,
	.unmask = ev_unmask,
};

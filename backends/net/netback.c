// SPDX-License-Identifier: MIT
/* rtdd_netback: the vif manager, the switch's service thread, the control
 * loop. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "private.h"
#include "rtdd/hist.h"
#include "rtdd/log.h"

/* The switch's clock (token buckets): the TSC once calibrated, since a
 * round runs every few hundred ns and clock_gettime can cost 200 ns on a
 * VM (rtdd/hist.h). */
static uint64_t now_ns(void)
{
	return rtdd_fast_ns();
}

void rtdd_netback_cfg_default(struct rtdd_netback_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->rt.cpu = -1;
	c->max_queues = 4;
	c->mode = RTDD_SVC_POLL;
	c->spin_ns = 50000;
	c->uplink_poll_ns = 100000;
}

/* ------------------------------------------------------------------------ */
/* The service item: one switch round per serve()                           */
/* ------------------------------------------------------------------------ */

static unsigned item_serve(struct rtdd_svc_item *it, unsigned budget)
{
	struct rtdd_netback *nb = it->priv;
	unsigned n;

	(void)budget; /* the switch has per-port budgets */
	n = rtdd_sw_poll(nb->sw, now_ns());
	/* Release: everything this round did with a vif happens before a
	 * control thread sees the epoch move (rtdd__net_vif_detach). */
	__atomic_add_fetch(&nb->epoch, 1, __ATOMIC_RELEASE);
	return n;
}

static bool tx_unconsumed(const struct nb_queue *q)
{
	/* Acquire: pairs with the frontend's release of req_prod. */
	return __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_ACQUIRE) !=
	       q->tx.req_cons;
}

static bool rx_unconsumed(const struct nb_queue *q)
{
	return __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_ACQUIRE) !=
	       q->rx.req_cons;
}

static unsigned port_queued(const struct rtdd_netback *nb, int port)
{
	return rtdd_sw_queued(nb->sw, port, RTDD_SW_RT) +
	       rtdd_sw_queued(nb->sw, port, RTDD_SW_BE);
}

/*
 * Event and hybrid modes, after a round found nothing to do: ask every
 * guest for an event on its next TX request, and on its next RX buffer
 * where frames wait for one, then look again (RING_FINAL_CHECK_FOR_
 * REQUESTS, over all rings at once). True: work arrived, do not sleep.
 *
 * Work we cannot be woken for keeps the thread awake: frames queued for
 * an uplink, TX requests of a vif whose token bucket is empty (served
 * when it refills). Runs on the service thread, between rounds: the vifs
 * it loads stay valid until the epoch moves (rtdd__net_vif_detach).
 */
static bool item_arm(struct rtdd_svc_item *it)
{
	struct rtdd_netback *nb = it->priv;
	unsigned np = rtdd_sw_nports(nb->sw);
	bool more = false;
	int i;

	for (i = 0; i < (int)np; i++) {
		struct nb_vif *v;
		unsigned queued = port_queued(nb, i);

		if (rtdd_sw_port_cfg(nb->sw, i)->uplink) {
			more |= queued != 0;
			continue;
		}
		v = __atomic_load_n(&nb->ports[i].vif, __ATOMIC_ACQUIRE);
		if (!v || __atomic_load_n(&v->broken, __ATOMIC_RELAXED)) {
			more |= queued != 0; /* dropped by the next round */
			continue;
		}
		for (unsigned k = 0; k < v->nqueues; k++) {
			struct nb_queue *q = &v->queues[k];

			__atomic_store_n(&q->tx.sring->req_event,
					 q->tx.req_cons + 1, __ATOMIC_RELAXED);
			if (queued)
				__atomic_store_n(&q->rx.sring->req_event,
						 q->rx.req_cons + 1,
						 __ATOMIC_RELAXED);
		}
	}
	/* Full barrier: the req_event stores are visible before we read
	 * req_prod again; pairs with the frontend's barrier between its
	 * req_prod store and its req_event load. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < (int)np && !more; i++) {
		struct nb_vif *v;
		unsigned queued;

		if (rtdd_sw_port_cfg(nb->sw, i)->uplink)
			continue;
		v = __atomic_load_n(&nb->ports[i].vif, __ATOMIC_ACQUIRE);
		if (!v || __atomic_load_n(&v->broken, __ATOMIC_RELAXED))
			continue;
		queued = port_queued(nb, i);
		for (unsigned k = 0; k < v->nqueues && !more; k++)
			more = tx_unconsumed(&v->queues[k]) ||
			       (queued && rx_unconsumed(&v->queues[k]));
	}
	return more;
}

static unsigned item_fds(struct rtdd_svc_item *it, int *fds, unsigned max)
{
	struct rtdd_netback *nb = it->priv;

	if (!max || nb->ep_fd < 0)
		return 0;
	fds[0] = nb->ep_fd;
	return 1;
}

/* After a sleep: take the events (pending + unmask) of every vif. */
static void item_woken(struct rtdd_svc_item *it)
{
	struct rtdd_netback *nb = it->priv;
	unsigned np = rtdd_sw_nports(nb->sw);
	uint64_t val;

	if (read(nb->kick_fd, &val, sizeof(val)) < 0) {
		/* EAGAIN: not kicked */
	}
	for (int i = 0; i < (int)np; i++) {
		struct nb_vif *v =
			__atomic_load_n(&nb->ports[i].vif, __ATOMIC_ACQUIRE);

		if (!v)
			continue;
		for (unsigned k = 0; k < v->nqueues; k++) {
			rtdd_evtchn *ev = v->queues[k].ev;
			rtdd_port p;

			while (ev && rtdd_evtchn_pending(ev, &p) == 0)
				(void)rtdd_evtchn_unmask(ev, p);
		}
	}
}

static bool sleeps(const struct rtdd_netback *nb)
{
	return nb->svc && nb->cfg.mode != RTDD_SVC_POLL;
}

static void kick(struct rtdd_netback *nb)
{
	uint64_t one = 1;

	if (sleeps(nb) && write(nb->kick_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on EBADF */
	}
}

void rtdd__net_vif_watch(struct nb_vif *v)
{
	struct rtdd_netback *nb = v->nb;

	if (!sleeps(nb))
		return;
	for (unsigned k = 0; k < v->nqueues; k++) {
		struct epoll_event e = {.events = EPOLLIN};

		if (!v->queues[k].ev)
			continue;
		if (epoll_ctl(nb->ep_fd, EPOLL_CTL_ADD,
			      rtdd_evtchn_fd(v->queues[k].ev), &e) < 0)
			RTDD_LOG(ERR,
				 "%s: queue %u: epoll_ctl: %s (events are "
				 "seen within 1 s only)",
				 v->name, k, strerror(errno));
	}
	kick(nb); /* requests posted before the attach */
}

static void vif_unwatch(struct nb_vif *v)
{
	struct rtdd_netback *nb = v->nb;

	if (!sleeps(nb))
		return;
	for (unsigned k = 0; k < v->nqueues; k++)
		if (v->queues[k].ev)
			(void)epoll_ctl(nb->ep_fd, EPOLL_CTL_DEL,
					rtdd_evtchn_fd(v->queues[k].ev), NULL);
}

static const struct rtdd_svc_item_ops item_ops = {
	.serve = item_serve,
	.arm = item_arm,
	.fds = item_fds,
	.woken = item_woken,
};

unsigned rtdd_netback_poll(rtdd_netback *nb)
{
	return item_serve(&nb->item, 0);
}

void rtdd__net_vif_detach(struct nb_vif *v)
{
	struct rtdd_netback *nb = v->nb;
	uint64_t e0, spins = 0;

	if (!v->port || __atomic_load_n(&v->port->vif, __ATOMIC_ACQUIRE) != v)
		return;
	__atomic_store_n(&v->port->vif, NULL, __ATOMIC_RELEASE);
	if (nb->cfg.no_thread || !nb->svc)
		return; /* rounds run on this thread */
	/* A round that loaded the old pointer ends before the epoch has
	 * moved twice. A sleeping thread (event/hybrid) is kicked. */
	e0 = __atomic_load_n(&nb->epoch, __ATOMIC_ACQUIRE);
	kick(nb);
	while (__atomic_load_n(&nb->epoch, __ATOMIC_ACQUIRE) - e0 < 2) {
		if (++spins > 1000)
			sched_yield();
		if (spins % 1000 == 0)
			kick(nb);
		if (spins > 100000000ull) {
			RTDD_LOG(ERR, "%s: switch thread stalled", v->name);
			break;
		}
	}
	vif_unwatch(v);
}

/* ------------------------------------------------------------------------ */
/* The vif manager                                                          */
/* ------------------------------------------------------------------------ */

static int vif_add(void *arg, const char *path, void **priv_out)
{
	struct rtdd_netback *nb = arg;
	struct nb_vif *v = calloc(1, sizeof(*v));
	const char *s;
	unsigned n = 0, fe = 0, dev = 0;
	int port;

	if (!v)
		return -ENOMEM;
	v->nb = nb;
	v->path = strdup(path);
	if (!v->path) {
		free(v);
		return -ENOMEM;
	}
	/* "vif/<fe>/<dev>" from .../backend/vif/<fe>/<dev> */
	for (s = path + strlen(path); s > path; s--)
		if (*s == '/' && ++n == 3)
			break;
	snprintf(v->name, sizeof(v->name), "%s", n == 3 ? s + 1 : path);
	if (sscanf(v->name, "vif/%u/%u", &fe, &dev) == 2)
		snprintf(v->port_name, sizeof(v->port_name), "vif%u.%u", fe,
			 dev);
	port = rtdd_sw_port_find(nb->sw, v->port_name);
	if (port >= 0 && !rtdd_sw_port_cfg(nb->sw, port)->uplink) {
		v->port = &nb->ports[port];
	} else {
		RTDD_LOG(WARN,
			 "%s: no vif port '%s' in the switch "
			 "configuration; refusing it",
			 v->name, v->port_name);
	}
	v->next = nb->vifs;
	nb->vifs = v;
	nb->nvifs++;
	*priv_out = v;
	return 0;
}

static void vif_del(void *arg, void *priv)
{
	struct rtdd_netback *nb = arg;
	struct nb_vif *v = priv;

	for (struct nb_vif **pp = &nb->vifs; *pp; pp = &(*pp)->next) {
		if (*pp == v) {
			*pp = v->next;
			nb->nvifs--;
			break;
		}
	}
	rtdd__net_vif_detach(v);
	if (v->port) {
		rtdd__net_stats_add(&v->port->past, &v->past);
		rtdd__net_stats_add(&v->port->past, &v->st);
	}
	free(v->path);
	free(v);
}

static const struct rtdd_xb_be_mgr_ops mgr_ops = {
	.add = vif_add,
	.del = vif_del,
	.dev_ops = &rtdd__net_xb_ops,
};

int rtdd_netback_create(rtdd_hv *hv, rtdd_sw *sw,
			const struct rtdd_netback_cfg *cfg,
			rtdd_netback **nb_out)
{
	struct rtdd_netback *nb;
	unsigned i;
	int rc;

	if (!hv || !sw || !cfg || !nb_out || !cfg->max_queues ||
	    cfg->max_queues > RTDD_RING_MAX_QUEUES ||
	    (cfg->mode != RTDD_SVC_POLL && cfg->mode != RTDD_SVC_EVENT &&
	     cfg->mode != RTDD_SVC_HYBRID))
		return -EINVAL;
	if (!(rtdd_hv_features(hv) & RTDD_HV_F_GNT_COPY))
		return -EOPNOTSUPP; /* netback copies, it never maps data */
	rtdd_fastclock_init();	    /* before the first round reads it */
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->hv = hv;
	nb->sw = sw;
	nb->cfg = *cfg;
	nb->cfg.only = NULL;
	nb->lim.max_len =
		(uint16_t)(rtdd_sw_buf_room(sw) < 65535 ? rtdd_sw_buf_room(sw)
							: 65535);
	nb->lim.gso = false;
	nb->fault_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	nb->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	nb->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (nb->fault_fd < 0 || nb->kick_fd < 0 || nb->ep_fd < 0) {
		rc = -errno;
		goto out_fds;
	} else {
		struct epoll_event e = {.events = EPOLLIN};

		if (epoll_ctl(nb->ep_fd, EPOLL_CTL_ADD, nb->kick_fd, &e) < 0) {
			rc = -errno;
			goto out_fds;
		}
	}
	for (i = 0; i < rtdd_sw_nports(sw); i++) {
		nb->ports[i].nb = nb;
		nb->ports[i].idx = (int)i;
		if (!rtdd_sw_port_cfg(sw, (int)i)->uplink)
			(void)rtdd_sw_attach(sw, (int)i, &rtdd__net_port_ops,
					     &nb->ports[i]);
	}
	nb->item.ops = &item_ops;
	nb->item.priv = nb;
	nb->item.name = "switch";
	nb->item.mode = cfg->mode;
	nb->item.cls = RTDD_SVC_RT;
	nb->item.budget = 1;
	for (i = 0; i < rtdd_sw_nports(sw); i++)
		if (rtdd_sw_port_cfg(sw, (int)i)->uplink)
			nb->item.max_sleep_ns = cfg->uplink_poll_ns
							? cfg->uplink_poll_ns
							: 100000;
	if (!cfg->no_thread) {
		struct rtdd_svc_cfg sc = {0};

		sc.name = "netback-sw";
		sc.rt = cfg->rt;
		sc.spin_ns = cfg->spin_ns;
		rc = rtdd_svc_create(&sc, &nb->svc);
		if (rc)
			goto out;
		rc = rtdd_svc_add(nb->svc, &nb->item);
		if (rc)
			goto out;
	}
	rc = rtdd_xb_be_mgr_create(hv, "vif", &mgr_ops, nb, cfg->only,
				   &nb->mgr);
	if (rc)
		goto out;
	*nb_out = nb;
	return 0;
out:
	if (nb->svc) {
		rtdd_svc_remove(nb->svc, &nb->item);
		rtdd_svc_destroy(nb->svc);
	}
	for (i = 0; i < rtdd_sw_nports(sw); i++)
		if (!rtdd_sw_port_cfg(sw, (int)i)->uplink)
			(void)rtdd_sw_attach(sw, (int)i, NULL, NULL);
out_fds:
	if (nb->fault_fd >= 0)
		close(nb->fault_fd);
	if (nb->kick_fd >= 0)
		close(nb->kick_fd);
	if (nb->ep_fd >= 0)
		close(nb->ep_fd);
	free(nb);
	return rc;
}

unsigned rtdd_netback_fds(rtdd_netback *nb, int *fds, unsigned max)
{
	unsigned n = 0;

	if (n < max)
		fds[n++] = rtdd_xb_be_mgr_fd(nb->mgr);
	if (n < max)
		fds[n++] = nb->fault_fd;
	return n;
}

/* Breaches found by the service thread: fail that vif only. */
static void handle_faults(struct rtdd_netback *nb)
{
	uint64_t val;

	if (read(nb->fault_fd, &val, sizeof(val)) < 0)
		return;
	for (struct nb_vif *v = nb->vifs; v; v = v->next) {
		int err = __atomic_load_n(&v->broken, __ATOMIC_ACQUIRE);

		if (!err || v->reported)
			continue;
		v->reported = true;
		RTDD_LOG(WARN, "%s: disabled: %s", v->name, v->broken_msg);
		rtdd_xb_be_fatal(v->xb, err, "%s", v->broken_msg);
	}
}

int rtdd_netback_run_once(rtdd_netback *nb)
{
	int rc;

	handle_faults(nb);
	rc = rtdd_xb_be_mgr_handle(nb->mgr);
	return rc < 0 ? rc : 0;
}

int rtdd_netback_run(rtdd_netback *nb, int timeout_ms)
{
	struct pollfd pfd[2];
	int fds[2];
	unsigned n = rtdd_netback_fds(nb, fds, 2);

	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return rtdd_netback_run_once(nb);
}

unsigned rtdd_netback_nvifs(const rtdd_netback *nb)
{
	return nb->nvifs;
}

int rtdd_netback_svc_stats(rtdd_netback *nb, struct rtdd_svc_item_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!nb->svc)
		return -ENOENT;
	rtdd_svc_item_stats(nb->svc, &nb->item, out);
	return 0;
}

void rtdd_netback_describe_rt(const rtdd_netback *nb, char *buf, size_t len)
{
	if (!len)
		return;
	if (!nb->svc) {
		snprintf(buf, len, "no service thread (caller polls)");
		return;
	}
	rtdd_rt_describe(rtdd_svc_granted(nb->svc), buf, len);
}

int rtdd_netback_vif_stats(const rtdd_netback *nb, const char *port_name,
			   struct rtdd_netback_stats *out)
{
	int port = rtdd_sw_port_find(nb->sw, port_name);
	const struct nb_port *pt;

	memset(out, 0, sizeof(*out));
	if (port < 0 || rtdd_sw_port_cfg(nb->sw, port)->uplink)
		return -ENOENT;
	pt = &nb->ports[port];
	rtdd__net_stats_add(out, &pt->past);
	for (const struct nb_vif *v = nb->vifs; v; v = v->next) {
		if (v->port != pt)
			continue;
		rtdd__net_stats_add(out, &v->past);
		rtdd__net_stats_add(out, &v->st);
	}
	return 0;
}

void rtdd_netback_destroy(rtdd_netback *nb, bool remove)
{
	unsigned i;

	if (!nb)
		return;
	rtdd_xb_be_mgr_destroy(nb->mgr, remove);
	if (nb->svc) {
		rtdd_svc_remove(nb->svc, &nb->item);
		rtdd_svc_destroy(nb->svc);
	}
	for (i = 0; i < rtdd_sw_nports(nb->sw); i++)
		if (!rtdd_sw_port_cfg(nb->sw, (int)i)->uplink)
			(void)rtdd_sw_attach(nb->sw, (int)i, NULL, NULL);
	close(nb->fault_fd);
	close(nb->kick_fd);
	close(nb->ep_fd);
	free(nb);
}

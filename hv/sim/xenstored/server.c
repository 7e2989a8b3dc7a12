// SPDX-License-Identifier: MIT
/*
 * Domains, sockets and the event loop side of simhv's xenstore server.
 *
 * Each served domain has one listening unix socket; every connection
 * accepted on it acts as that domain. All file descriptors sit in one
 * private epoll set whose fd simhv polls (rtdd_xsd_fd). Connections are
 * non-blocking both ways: input is framed in a per-connection buffer,
 * output queued and flushed when the socket takes it. A connection closed
 * while a dispatch still holds events for it is parked on a zombie list
 * and freed when the dispatch ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "private.h"

/* ---- output ---- */

static void conn_interest(struct rtdd_xsd *x, struct xsd_conn *c)
{
	size_t pending = c->olen - c->ooff;
	struct epoll_event ev = {0};

	c->throttled = pending > XSD_OUT_MAX;
	ev.events = (c->throttled ? 0 : EPOLLIN) | (pending ? EPOLLOUT : 0);
	ev.data.ptr = &c->ep;
	if (ev.events == c->ep_events)
		return;
	if (!epoll_ctl(x->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		c->ep_events = ev.events;
}

void rtdd__xsd_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *data, size_t len)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = len};
	size_t need = sizeof(h) + len;

	if (c->dead)
		return;
	if (type == XS_WATCH_EVENT && c->olen - c->ooff > XSD_OUT_MAX) {
		c->dropped_events++;
		return;
	}
	if (c->ooff && c->olen + need > c->ocap) {
		memmove(c->out, c->out + c->ooff, c->olen - c->ooff);
		c->olen -= c->ooff;
		c->ooff = 0;
	}
	if (c->olen + need > c->ocap) {
		size_t cap = c->ocap ? c->ocap : 8192;
		char *o;

		while (cap < c->olen + need)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o) {
			/* The stream would lose a message: end it instead. */
			rtdd__xsd_conn_close(c->xsd, c);
			return;
		}
		c->out = o;
		c->ocap = cap;
	}
	memcpy(c->out + c->olen, &h, sizeof(h));
	if (len)
		memcpy(c->out + c->olen + sizeof(h), data, len);
	c->olen += need;
}

void rtdd__xsd_event(struct xsd_conn *c, const char *path, const char *token)
{
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
	char buf[2 * XENSTORE_PAYLOAD_MAX];

	if (pl + tl > XENSTORE_PAYLOAD_MAX)
		return; /* as xenstored: over-long events are not sent */
	memcpy(buf, path, pl);
	memcpy(buf + pl, token, tl);
	rtdd__xsd_queue(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

static void conn_flush(struct rtdd_xsd *x, struct xsd_conn *c)
{
	while (!c->dead && c->ooff < c->olen) {
		ssize_t r = send(c->fd, c->out + c->ooff, c->olen - c->ooff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r > 0) {
			c->ooff += r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		rtdd__xsd_conn_close(x, c);
		return;
	}
	if (c->dead)
		return;
	if (c->ooff == c->olen)
		c->ooff = c->olen = 0;
	conn_interest(x, c);
}

void rtdd__xsd_flush_all(struct rtdd_xsd *x)
{
	struct xsd_conn *c, *next;

	for (c = x->conns; c; c = next) {
		next = c->next;
		if (c->olen != c->ooff || c->throttled)
			conn_flush(x, c);
	}
}

/* ---- connections ---- */

void rtdd__xsd_conn_drop_txs(struct xsd_conn *c)
{
	struct xsd_tx *tx, *next;

	for (tx = c->txs; tx; tx = next) {
		next = tx->next;
		rtdd__xsd_tx_free(tx);
		if (c->dom->ntx)
			c->dom->ntx--;
	}
	c->txs = NULL;
}

void rtdd__xsd_conn_close(struct rtdd_xsd *x, struct xsd_conn *c)
{
	struct xsd_conn **pp;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(x->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	rtdd__xsd_conn_drop_watches(c);
	rtdd__xsd_conn_drop_txs(c);
	for (pp = &x->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	c->next = x->zombies;
	x->zombies = c;
}

static void free_zombies(struct rtdd_xsd *x)
{
	struct xsd_conn *c, *next;

	for (c = x->zombies; c; c = next) {
		next = c->next;
		free(c->out);
		free(c);
	}
	x->zombies = NULL;
}

static void conn_accept(struct rtdd_xsd *x, struct xsd_dom *d)
{
	int i;

	for (i = 0; i < 16; i++) {
		struct epoll_event ev = {.events = EPOLLIN};
		struct xsd_conn *c, **pp;
		int fd = accept4(d->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or a transient error: retry later */
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->ep.kind = XSD_EP_CONN;
		c->xsd = x;
		c->dom = d;
		c->fd = fd;
		ev.data.ptr = &c->ep;
		if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			return;
		}
		c->ep_events = EPOLLIN;
		/* Append: events go to connections in the order they came. */
		for (pp = &x->conns; *pp; pp = &(*pp)->next)
			;
		*pp = c;
	}
}

/* Handle every complete message in the input buffer (while the output side
 * keeps up). A header announcing more than XENSTORE_PAYLOAD_MAX closes the
 * connection, as xenstored does. */
static void conn_parse(struct rtdd_xsd *x, struct xsd_conn *c)
{
	size_t off = 0;

	while (!c->dead && !c->throttled &&
	       c->inlen - off >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;
		char *body, save;

		memcpy(&h, c->in + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX) {
			rtdd__xsd_conn_close(x, c);
			return;
		}
		if (c->inlen - off < sizeof(h) + h.len)
			break;
		body = c->in + off + sizeof(h);
		save = body[h.len];
		body[h.len] = '\0';
		rtdd__xsd_handle(c, &h, body);
		body[h.len] = save;
		off += sizeof(h) + h.len;
		c->throttled = c->olen - c->ooff > XSD_OUT_MAX;
	}
	if (c->dead)
		return;
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

static void conn_read(struct rtdd_xsd *x, struct xsd_conn *c)
{
	ssize_t r;

	if (c->inlen == XSD_IN_CAP)
		return; /* full of unhandled messages: throttled */
	r = recv(c->fd, c->in + c->inlen, XSD_IN_CAP - c->inlen, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		       errno != EINTR)) {
		rtdd__xsd_conn_close(x, c);
		return;
	}
	if (r > 0)
		c->inlen += r;
	conn_parse(x, c);
}

/* ---- domains ---- */

void rtdd__xsd_introduce(struct rtdd_xsd *x, struct xsd_dom *d)
{
	if (d->introduced)
		return;
	d->introduced = true;
	if (d->domid != 0)
		rtdd__xsd_fire_now(x, "@introduceDomain", false, NULL, 0, NULL,
				   0);
}

static void close_dom_conns(struct rtdd_xsd *x, struct xsd_dom *d)
{
	struct xsd_conn *c, *next;

	for (c = x->conns; c; c = next) {
		next = c->next;
		if (c->dom == d)
			rtdd__xsd_conn_close(x, c);
	}
}

static void forget_targets(struct rtdd_xsd *x, struct xsd_dom *d)
{
	unsigned i;

	d->has_target = false;
	for (i = 0; i <= XSD_MAX_DOMID; i++)
		if (x->doms[i] && x->doms[i]->has_target &&
		    x->doms[i]->target == d->domid)
			x->doms[i]->has_target = false;
}

void rtdd__xsd_release(struct rtdd_xsd *x, struct xsd_dom *d)
{
	close_dom_conns(x, d);
	d->introduced = false;
	forget_targets(x, d);
	rtdd__xsd_fire_now(x, "@releaseDomain", false, NULL, 0, NULL, 0);
}

static const struct rtdd_xsd_config defaults = {
	.nodes_per_domain = XSD_DEF_NODES,
	.watches_per_domain = XSD_DEF_WATCHES,
	.transactions_per_domain = XSD_DEF_TRANSACTIONS,
	.max_value_size = XSD_DEF_ENTRY_SIZE,
	.max_path_len = XSD_DEF_PATH_LEN,
};

/* xenstored's setup_structure(): "/", "/tool", "/tool/xenstored", dom0's,
 * nobody else may read them. */
static int make_root(struct rtdd_xsd *x)
{
	static const char *const paths[] = {"/", "/tool", "/tool/xenstored"};
	static const char *const kids[] = {"tool", "xenstored", NULL};
	const struct rtdd_xs_perm p = {.domid = 0, .perms = 0};
	unsigned i;

	for (i = 0; i < 3; i++) {
		struct xsd_node *n = rtdd__xsd_node_new(paths[i]);

		if (!n || rtdd__xsd_node_set_perms(n, &p, 1) ||
		    (kids[i] && rtdd__xsd_node_add_kid(n, kids[i])) ||
		    rtdd__xsd_map_put(&x->nodes, n->path, n)) {
			rtdd__xsd_node_free(n);
			return -ENOMEM;
		}
		n->gen = ++x->gen;
	}
	return 0;
}

int rtdd_xsd_create(const struct rtdd_xsd_config *cfg,
		    struct rtdd_xsd **xsd_out)
{
	struct rtdd_xsd *x;
	struct xsd_dom *d0;
	int rc = -ENOMEM;

	if (!xsd_out)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->epfd = -1;
	x->cfg = cfg ? *cfg : defaults;
#define DEF(f)                                 \
	do {                                   \
		if (!x->cfg.f)                 \
			x->cfg.f = defaults.f; \
	} while (0)
	DEF(nodes_per_domain);
	DEF(watches_per_domain);
	DEF(transactions_per_domain);
	DEF(max_value_size);
	DEF(max_path_len);
#undef DEF
	if (rtdd__xsd_map_init(&x->nodes))
		goto fail;
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x->epfd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = make_root(x);
	if (rc)
		goto fail;
	x->n_introduce_perms = x->n_release_perms = 1; /* "n0" */
	d0 = rtdd__xsd_dom_get(x, 0);
	if (!d0) {
		rc = -ENOMEM;
		goto fail;
	}
	d0->introduced = true; /* dom0_init() */
	/* dom0's own nodes are not counted against anything; keep the
	 * counter honest anyway. */
	d0->nnodes = 3;
	*xsd_out = x;
	return 0;
fail:
	rtdd_xsd_destroy(x);
	return rc;
}

static void node_free_cb(void *p)
{
	rtdd__xsd_node_free(p);
}

static void stop_listening(struct rtdd_xsd *x, struct xsd_dom *d)
{
	if (d->lfd >= 0) {
		epoll_ctl(x->epfd, EPOLL_CTL_DEL, d->lfd, NULL);
		close(d->lfd);
		d->lfd = -1;
	}
	if (d->sock_path) {
		unlink(d->sock_path);
		free(d->sock_path);
		d->sock_path = NULL;
	}
	d->served = false;
}

void rtdd_xsd_destroy(struct rtdd_xsd *x)
{
	struct xsd_conn *c;
	unsigned i;

	if (!x)
		return;
	while ((c = x->conns))
		rtdd__xsd_conn_close(x, c);
	free_zombies(x);
	for (i = 0; i <= XSD_MAX_DOMID; i++) {
		if (!x->doms[i])
			continue;
		stop_listening(x, x->doms[i]);
		free(x->doms[i]);
	}
	rtdd__xsd_map_fini(&x->nodes, node_free_cb);
	if (x->epfd >= 0)
		close(x->epfd);
	free(x);
}

int rtdd_xsd_domain_add(struct rtdd_xsd *x, rtdd_domid domid,
			const char *sock_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN};
	struct xsd_dom *d;
	struct stat st;
	int fd = -1, rc;

	if (!x || !sock_path)
		return -EINVAL;
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	d = rtdd__xsd_dom_get(x, domid);
	if (!d)
		return -ENOMEM;
	if (d->served)
		return -EEXIST;
	strcpy(sa.sun_path, sock_path);
	/* A socket left behind by an earlier run is ours to replace;
	 * anything else at that path is not. */
	if (!lstat(sock_path, &st) && S_ISSOCK(st.st_mode))
		unlink(sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		rc = -errno;
		goto fail;
	}
	d->sock_path = strdup(sock_path);
	if (!d->sock_path) {
		rc = -ENOMEM;
		goto fail_unlink;
	}
	ev.data.ptr = &d->ep;
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		rc = -errno;
		free(d->sock_path);
		d->sock_path = NULL;
		goto fail_unlink;
	}
	d->lfd = fd;
	d->served = true;
	rtdd__xsd_introduce(x, d);
	rtdd__xsd_flush_all(x);
	return 0;
fail_unlink:
	unlink(sock_path);
fail:
	close(fd);
	return rc;
}

int rtdd_xsd_domain_remove(struct rtdd_xsd *x, rtdd_domid domid)
{
	struct xsd_dom *d;
	char home[32];

	if (!x)
		return -EINVAL;
	d = x->doms[domid];
	if (!d || !d->served)
		return -ENOENT;
	close_dom_conns(x, d);
	stop_listening(x, d);

	/* What libxl does on destroy: rm /local/domain/<id> (as dom0). */
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	if (rtdd__xsd_map_get(&x->nodes, home)) {
		struct xsd_req r = {.xsd = x, .domid = 0};

		rtdd__xsd_do_rm(&r, home);
	}
	/* Whatever it still owns elsewhere goes to dom0, and its ACL entries
	 * go, so a later domain with the same id inherits nothing. */
	rtdd__xsd_scrub_domain(x, domid);
	d->introduced = domid == 0;
	forget_targets(x, d);
	if (domid != 0)
		rtdd__xsd_fire_now(x, "@releaseDomain", false, NULL, 0, NULL,
				   0);
	rtdd__xsd_flush_all(x);
	free_zombies(x);
	return 0;
}

int rtdd_xsd_fd(struct rtdd_xsd *x)
{
	return x ? x->epfd : -EINVAL;
}

int rtdd_xsd_dispatch(struct rtdd_xsd *x)
{
	struct epoll_event evs[32];
	int n, i;

	if (!x)
		return -EINVAL;
	n = epoll_wait(x->epfd, evs, 32, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct xsd_ep *ep = evs[i].data.ptr;
		struct xsd_conn *c;

		if (ep->kind == XSD_EP_LISTEN) {
			conn_accept(x, (struct xsd_dom *)ep);
			continue;
		}
		c = (struct xsd_conn *)ep;
		if (c->dead)
			continue;
		if (evs[i].events & EPOLLOUT) {
			conn_flush(x, c);
			if (!c->dead && !c->throttled)
				conn_parse(x, c); /* what waited for room */
		}
		if (!c->dead &&
		    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			conn_read(x, c);
	}
	rtdd__xsd_flush_all(x);
	free_zombies(x);
	return 0;
}

int rtdd_xsd_write(struct rtdd_xsd *x, const char *path, const char *val,
		   const struct rtdd_xs_perm *perms, unsigned nperms)
{
	struct xsd_req r = {.xsd = x, .domid = 0};
	size_t len;
	unsigned i;
	int rc;

	if (!x || !path || !val || path[0] != '/' || (nperms && !perms))
		return -EINVAL;
	if (nperms > XENSTORE_PAYLOAD_MAX / 2)
		return -E2BIG;
	for (i = 0; i < nperms; i++)
		if (perms[i].perms > RTDD_XS_PERM_BOTH)
			return -EINVAL;
	len = strlen(val);
	/* What would fit in one XS_WRITE. */
	if (strlen(path) + 1 + len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	rc = rtdd__xsd_do_write(&r, path, val, len);
	if (!rc && nperms)
		rc = rtdd__xsd_do_set_perms(&r, path, perms, nperms);
	rtdd__xsd_flush_all(x);
	return rc;
}

int rtdd_xsd_rm(struct rtdd_xsd *x, const char *path)
{
	struct xsd_req r = {.xsd = x, .domid = 0};
	int rc;

	if (!x || !path || path[0] != '/')
		return -EINVAL;
	if (!rtdd__xsd_valid_path(x, 0, path))
		return -EINVAL;
	if (!rtdd__xsd_map_get(&x->nodes, path))
		return -ENOENT;
	rc = rtdd__xsd_do_rm(&r, path);
	rtdd__xsd_flush_all(x);
	return rc;
}

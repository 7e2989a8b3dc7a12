// SPDX-License-Identifier: MIT
/* rtdd_blkback: the vbd manager, service threads and the control loop. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "private.h"
#include "rtdd/log.h"

void rtdd_blkback_cfg_default(struct rtdd_blkback_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = RTDD_SVC_POLL;
	c->cls = RTDD_SVC_BE;
	c->budget = 32;
	c->queue_depth = 32;
	c->max_queues = 4;
	c->max_ring_order = 2;
	c->max_indirect_segs = 128;
	c->nthreads = 1;
	c->rt.cpu = -1;
	c->first_cpu = -1;
	c->spin_ns = 50000;
}

static int vbd_add(void *arg, const char *path, void **priv_out)
{
	struct rtdd_blkback *bb = arg;
	struct blk_vbd *v = calloc(1, sizeof(*v));
	const char *s;
	unsigned n = 0;

	if (!v)
		return -ENOMEM;
	v->bb = bb;
	v->fd = -1;
	v->path = strdup(path);
	if (!v->path) {
		free(v);
		return -ENOMEM;
	}
	/* "vbd/<fe>/<dev>" from .../backend/vbd/<fe>/<dev> */
	for (s = path + strlen(path); s > path; s--)
		if (*s == '/' && ++n == 3)
			break;
	snprintf(v->name, sizeof(v->name), "%s", n == 3 ? s + 1 : path);
	v->next = bb->vbds;
	bb->vbds = v;
	bb->nvbds++;
	*priv_out = v;
	return 0;
}

static void vbd_del(void *arg, void *priv)
{
	struct rtdd_blkback *bb = arg;
	struct blk_vbd *v = priv;

	for (struct blk_vbd **pp = &bb->vbds; *pp; pp = &(*pp)->next) {
		if (*pp == v) {
			*pp = v->next;
			bb->nvbds--;
			break;
		}
	}
	rtdd__blk_stats_add(&bb->past_removed, &v->past);
	rtdd__blk_vbd_free(v);
}

static const struct rtdd_xb_be_mgr_ops mgr_ops = {
	.add = vbd_add,
	.del = vbd_del,
	.dev_ops = &rtdd__blk_xb_ops,
};

int rtdd_blkback_create(rtdd_hv *hv, const struct rtdd_blkback_cfg *cfg,
			rtdd_blkback **bb_out)
{
	struct rtdd_blkback *bb;
	int rc;

	if (!hv || !cfg || !bb_out || !cfg->budget || !cfg->max_queues ||
	    cfg->max_queues > RTDD_RING_MAX_QUEUES ||
	    cfg->max_ring_order > RTDD_RING_MAX_ORDER ||
	    cfg->max_indirect_segs > RTDD_BLK_MAX_INDIRECT_SEGS)
		return -EINVAL;
	bb = calloc(1, sizeof(*bb));
	if (!bb)
		return -ENOMEM;
	bb->hv = hv;
	bb->cfg = *cfg;
	bb->cfg.only = NULL;
	if (!bb->cfg.nthreads)
		bb->cfg.nthreads = 1;
	bb->fault_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (bb->fault_fd < 0) {
		rc = -errno;
		free(bb);
		return rc;
	}
	bb->svc = calloc(bb->cfg.nthreads, sizeof(*bb->svc));
	if (!bb->svc) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < bb->cfg.nthreads; i++) {
		struct rtdd_svc_cfg sc = {0};
		char name[24];

		snprintf(name, sizeof(name), "blkback-%u", i % 100u);
		sc.name = name;
		sc.rt = cfg->rt;
		if (cfg->first_cpu >= 0) {
			long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

			sc.rt.cpu = cfg->first_cpu + (int)i;
			if (ncpu > 0)
				sc.rt.cpu %= (int)ncpu;
		}
		sc.spin_ns = cfg->spin_ns;
		rc = rtdd_svc_create(&sc, &bb->svc[i]);
		if (rc)
			goto out;
		bb->nsvc++;
	}
	rc = rtdd_xb_be_mgr_create(hv, "vbd", &mgr_ops, bb, cfg->only,
				   &bb->mgr);
	if (rc)
		goto out;
	*bb_out = bb;
	return 0;
out:
	for (unsigned i = 0; i < bb->nsvc; i++)
		rtdd_svc_destroy(bb->svc[i]);
	free(bb->svc);
	close(bb->fault_fd);
	free(bb);
	return rc;
}

unsigned rtdd_blkback_fds(rtdd_blkback *bb, int *fds, unsigned max)
{
	unsigned n = 0;

	if (n < max)
		fds[n++] = rtdd_xb_be_mgr_fd(bb->mgr);
	if (n < max)
		fds[n++] = bb->fault_fd;
	return n;
}

/* Protocol breaches found by the service threads: fail that vbd only. */
static void handle_faults(struct rtdd_blkback *bb)
{
	uint64_t v;

	if (read(bb->fault_fd, &v, sizeof(v)) < 0)
		return;
	for (struct blk_vbd *d = bb->vbds; d; d = d->next) {
		for (unsigned i = 0; i < d->nqueues; i++) {
			struct blk_queue *q = &d->queues[i];
			int err = __atomic_load_n(&q->broken, __ATOMIC_ACQUIRE);

			if (!err || q->reported)
				continue;
			q->reported = true;
			/* fatal disconnects: d->queues is gone after it. */
			rtdd_xb_be_fatal(d->xb, err, "queue %u: %s", i,
					 q->broken_msg);
			break;
		}
	}
}

int rtdd_blkback_run_once(rtdd_blkback *bb)
{
	int rc;

	handle_faults(bb);
	rc = rtdd_xb_be_mgr_handle(bb->mgr);
	return rc < 0 ? rc : 0;
}

int rtdd_blkback_run(rtdd_blkback *bb, int timeout_ms)
{
	struct pollfd pfd[2];
	int fds[2];
	unsigned n = rtdd_blkback_fds(bb, fds, 2);

	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return rtdd_blkback_run_once(bb);
}

unsigned rtdd_blkback_nvbds(const rtdd_blkback *bb)
{
	return bb->nvbds;
}

void rtdd_blkback_describe_rt(const rtdd_blkback *bb, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < bb->nsvc && off < len; i++) {
		char one[256];

		rtdd_rt_describe(rtdd_svc_granted(bb->svc[i]), one,
				 sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "%sthread %u: %s",
					i ? "; " : "", i, one);
	}
}

void rtdd_blkback_stats(const rtdd_blkback *bb, struct rtdd_blkback_stats *out)
{
	memset(out, 0, sizeof(*out));
	rtdd__blk_stats_add(out, &bb->past_removed);
	for (const struct blk_vbd *d = bb->vbds; d; d = d->next) {
		rtdd__blk_stats_add(out, &d->past);
		for (unsigned i = 0; i < d->nqueues; i++)
			rtdd__blk_stats_add(out, &d->queues[i].st);
	}
}

void rtdd_blkback_destroy(rtdd_blkback *bb, bool remove)
{
	if (!bb)
		return;
	rtdd_xb_be_mgr_destroy(bb->mgr, remove);
	for (unsigned i = 0; i < bb->nsvc; i++)
		rtdd_svc_destroy(bb->svc[i]);
	free(bb->svc);
	close(bb->fault_fd);
	free(bb);
}

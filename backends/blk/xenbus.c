// SPDX-License-Identifier: MIT
/*
 * blkback control plane: open the backing store, publish features (probe),
 * read the frontend's transport parameters and map its rings (connect),
 * tear it all down (disconnect, idempotent). The data plane is ring.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <xen/io/protocols.h>

#include "private.h"
#include "rtdd/log.h"
#include "rtdd/numlist.h"

static int be_read_str(struct blk_vbd *v, const char *key, char **out)
{
	char p[512];
	size_t len;

	snprintf(p, sizeof(p), "%s/%s", v->path, key);
	return rtdd_xs_read(v->bb->hv, RTDD_XS_TXN_NONE, p, out, &len);
}

static int be_write(struct blk_vbd *v, rtdd_xs_txn t, const char *key,
		    const char *fmt, unsigned long long val)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", v->path, key);
	return rtdd_xs_printf(v->bb->hv, t, p, fmt, val);
}

/* tmpfs/ramfs: I/O is a memory copy; io_uring would only add a worker
 * thread hand-off (see submit_sync in ring.c). */
static bool memory_backed(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) &&
	       (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/* Open params O_DIRECT and learn size and block sizes. */
static int open_store(struct blk_vbd *v)
{
	char *params = NULL, *mode = NULL, *mode_io = NULL;
	struct stat st;
	int flags, rc, fd = -1;

	rc = be_read_str(v, "params", &params);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc, "reading params");
		goto out;
	}
	if (be_read_str(v, "mode", &mode) == 0)
		v->readonly = mode[0] != 'w';
	else
		v->readonly = false;
	flags = (v->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	v->direct = !v->bb->cfg.buffered;
	fd = open(params, flags | (v->direct ? O_DIRECT : 0));
	if (fd < 0 && errno == EINVAL && v->direct) {
		/* A filesystem without O_DIRECT (old tmpfs): go on buffered,
		 * and say so. */
		v->direct = false;
		fd = open(params, flags);
		if (fd >= 0)
			RTDD_LOG(WARN,
				 "%s: %s does not support O_DIRECT; "
				 "using buffered I/O",
				 v->name, params);
	}
	if (fd < 0) {
		rc = -errno;
		rtdd_xb_be_fatal(v->xb, rc, "opening %s", params);
		goto out;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	v->phys_sector = 512;
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes = 0;
		int lbs = 512, pbs = 512;

		v->is_bdev = true;
		if (ioctl(fd, BLKGETSIZE64, &bytes) ||
		    ioctl(fd, BLKSSZGET, &lbs)) {
			rc = -errno;
			rtdd_xb_be_fatal(v->xb, rc, "sizing %s", params);
			goto out;
		}
		if (!ioctl(fd, BLKPBSZGET, &pbs) && pbs >= lbs)
			v->phys_sector = (unsigned)pbs;
		v->lim.sectors = bytes / 512u;
		v->lim.align_sectors = (unsigned)lbs / 512u;
	} else if (S_ISREG(st.st_mode)) {
		v->lim.sectors = (uint64_t)st.st_size / 512u;
		v->lim.align_sectors = 1;
#ifdef STATX_DIOALIGN
		{
			struct statx sx;

			if (v->direct &&
			    !statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN,
				   &sx) &&
			    (sx.stx_mask & STATX_DIOALIGN) &&
			    sx.stx_dio_offset_align > 512)
				v->lim.align_sectors =
					sx.stx_dio_offset_align / 512u;
		}
#endif
		if (v->lim.align_sectors * 512u > v->phys_sector)
			v->phys_sector = v->lim.align_sectors * 512u;
	} else {
		rc = -EINVAL;
		rtdd_xb_be_fatal(v->xb, rc,
				 "%s is neither a file nor a block "
				 "device",
				 params);
		goto out;
	}
	if (!v->lim.align_sectors)
		v->lim.align_sectors = 1;
	v->sync_io = memory_backed(fd);
	if (be_read_str(v, "rtdd-io", &mode_io) == 0) {
		if (!strcmp(mode_io, "sync"))
			v->sync_io = true;
		else if (!strcmp(mode_io, "uring"))
			v->sync_io = false;
	}
	v->fd = fd;
	fd = -1;
	v->lim.readonly = v->readonly;
	v->lim.flush = !v->readonly;
	v->lim.discard = v->offer_discard && !v->readonly;
	v->lim.max_indirect_segs = v->bb->cfg.max_indirect_segs;
	RTDD_LOG(INFO, "%s: %s, %llu sectors, %s%s%s", v->name, params,
		 (unsigned long long)v->lim.sectors,
		 v->readonly ? "read-only" : "read-write",
		 v->direct ? ", O_DIRECT" : ", buffered",
		 v->sync_io ? ", memory-backed: inline I/O" : ", io_uring");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(params);
	free(mode);
	free(mode_io);
	return rc;
}

static int vbd_probe(rtdd_xb_be *xb)
{
	struct blk_vbd *v = rtdd_xb_be_priv(xb);
	const struct rtdd_blkback_cfg *c = &v->bb->cfg;
	char *de = NULL;
	int rc;

	v->xb = xb;
	if (v->fd < 0) {
		v->offer_discard = true;
		if (be_read_str(v, "discard-enable", &de) == 0)
			v->offer_discard = de[0] != '0';
		free(de);
		rc = open_store(v);
		if (rc)
			return rc;
	}
	/* Features and transport limits, before InitWait. */
	rc = be_write(v, 0, "feature-flush-cache", "%llu", v->lim.flush);
	if (!rc)
		rc = be_write(v, 0, "feature-discard", "%llu", v->lim.discard);
	if (!rc && v->lim.discard) {
		rc = be_write(v, 0, "discard-granularity", "%llu",
			      v->phys_sector > 4096 ? v->phys_sector : 4096);
		if (!rc)
			rc = be_write(v, 0, "discard-alignment", "%llu", 0);
		if (!rc)
			rc = be_write(v, 0, "discard-secure", "%llu", 0);
	}
	if (!rc)
		rc = be_write(v, 0, "feature-persistent", "%llu",
			      !c->no_persistent);
	if (!rc && c->max_indirect_segs)
		rc = be_write(v, 0, "feature-max-indirect-segments", "%llu",
			      c->max_indirect_segs);
	if (!rc)
		rc = be_write(v, 0, "multi-queue-max-queues", "%llu",
			      c->max_queues);
	if (!rc)
		rc = be_write(v, 0, "max-ring-page-order", "%llu",
			      c->max_ring_order);
	if (rc)
		rtdd_xb_be_fatal(xb, rc, "writing features");
	return rc;
}

static void vbd_disconnect(rtdd_xb_be *xb)
{
	struct blk_vbd *v = rtdd_xb_be_priv(xb);

	if (!v->queues)
		return;
	for (unsigned i = 0; i < v->nqueues; i++) {
		struct blk_queue *q = &v->queues[i];

		if (v->svc && q->item.ops)
			rtdd_svc_remove(v->svc, &q->item);
		rtdd__blk_queue_teardown(q);
		rtdd__blk_stats_add(&v->past, &q->st);
	}
	free(v->queues);
	v->queues = NULL;
	v->nqueues = 0;
}

/* Per-vbd service settings the toolstack may set (private keys). */
static void service_settings(struct blk_vbd *v, enum rtdd_svc_mode *mode,
			     enum rtdd_svc_class *cls, unsigned *budget,
			     unsigned *qd)
{
	const struct rtdd_blkback_cfg *c = &v->bb->cfg;
	char *s = NULL, p[512];
	uint64_t n;

	*mode = c->mode;
	*cls = c->cls;
	*budget = c->budget;
	*qd = c->queue_depth;
	if (be_read_str(v, "rtdd-mode", &s) == 0 &&
	    rtdd_svc_mode_parse(s, mode))
		RTDD_LOG(WARN, "%s: bad rtdd-mode '%s'", v->name, s);
	free(s);
	s = NULL;
	if (be_read_str(v, "rtdd-class", &s) == 0 &&
	    rtdd_svc_class_parse(s, cls))
		RTDD_LOG(WARN, "%s: bad rtdd-class '%s'", v->name, s);
	free(s);
	snprintf(p, sizeof(p), "%s/rtdd-budget", v->path);
	if (!rtdd_xs_read_u64(v->bb->hv, 0, p, &n) && n >= 1 && n <= 4096)
		*budget = (unsigned)n;
	snprintf(p, sizeof(p), "%s/rtdd-queue-depth", v->path);
	if (!rtdd_xs_read_u64(v->bb->hv, 0, p, &n) && n >= 1 && n <= 4096)
		*qd = (unsigned)n;
}

static int fe_read_bool(struct blk_vbd *v, const char *key)
{
	char p[512];
	uint64_t n;

	snprintf(p, sizeof(p), "%s/%s", rtdd_xb_be_fe_path(v->xb), key);
	return !rtdd_xs_read_u64(v->bb->hv, 0, p, &n) && n == 1;
}

/*
 * feature-persistent: the frontend's pages for the ring's requests, mapped
 * now on the control thread, so the ring's thread makes no mapping
 * hypercall on its RT path (each first use would be one: tens of us on
 * simhv). librtdd-blkfront lists them in rtdd-persistent-refs (its slot
 * pool and indirect pages). The list is a hint: absent (Linux blkfront),
 * the pages are mapped on first use as before; malformed or longer than
 * the queue keeps, a warning and the same; a ref that does not map is left
 * to first use, which answers errors.
 */
static void premap(struct blk_vbd *v, struct blk_queue *q, const char *dir)
{
	char p[600], *val = NULL;
	rtdd_gref *refs;
	unsigned n = 0, ok;
	size_t len = 0;
	int rc;

	if (!q->pg)
		return;
	snprintf(p, sizeof(p), "%s/rtdd-persistent-refs", dir);
	rc = rtdd_xs_read(v->bb->hv, RTDD_XS_TXN_NONE, p, &val, &len);
	if (rc == -ENOENT)
		return;
	refs = malloc((size_t)q->pg_max * sizeof(*refs));
	if (!rc && !refs)
		rc = -ENOMEM;
	if (!rc && rtdd_numlist_parse(val, len, refs, q->pg_max, &n))
		rc = -EINVAL;
	if (rc) {
		RTDD_LOG(WARN,
			 "%s: bad rtdd-persistent-refs '%.40s'%s (%s): its "
			 "pages are mapped on first use",
			 q->name, val ? val : "", len > 40 ? "..." : "",
			 strerror(-rc));
	} else {
		ok = rtdd__blk_queue_premap(q, refs, n);
		if (ok != n)
			RTDD_LOG(WARN,
				 "%s: %u of the %u pages in "
				 "rtdd-persistent-refs did not map (first use "
				 "tries again)",
				 q->name, n - ok, n);
	}
	free(refs);
	free(val);
}

static int connect_queue(struct blk_vbd *v, struct blk_queue *q, unsigned order,
			 const char *dir)
{
	rtdd_gref refs[1u << RTDD_RING_MAX_ORDER];
	rtdd_port rport;
	int rc;

	rc = rtdd_be_read_ring_refs(v->bb->hv, dir, "ring-ref", order, refs,
				    &rport);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc,
				 "reading ring-ref/event-channel "
				 "in %s",
				 dir);
		return rc;
	}
	rc = rtdd_be_ring_map(v->bb->hv, q->domid, refs, 1u << order, &q->map);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc, "mapping ring of queue %u", q->idx);
		return rc;
	}
	BACK_RING_INIT(&q->ring, (blkif_sring_t *)q->map.addr,
		       (size_t)RTDD_PAGE_SIZE << order);
	q->rsp_pushed = 0;
	rc = rtdd_evtchn_open(v->bb->hv, &q->ev);
	if (!rc)
		rc = rtdd_evtchn_bind_interdomain(q->ev, q->domid, rport,
						  &q->lport);
	if (rc) {
		rtdd_xb_be_fatal(v->xb, rc, "binding event channel %u", rport);
		return rc;
	}
	q->bound = true;
	rc = rtdd__blk_queue_setup(q);
	if (rc)
		rtdd_xb_be_fatal(v->xb, rc, "setting up queue %u", q->idx);
	else
		premap(v, q, dir);
	return rc;
}

static int publish_properties(struct blk_vbd *v)
{
	rtdd_hv *hv = v->bb->hv;
	int rc, tries = 0;

	do {
		rtdd_xs_txn t;

		rc = rtdd_xs_txn_start(hv, &t);
		if (rc)
			return rc;
		rc = be_write(v, t, "sectors", "%llu",
			      (unsigned long long)v->lim.sectors);
		if (!rc)
			rc = be_write(v, t, "info", "%llu",
				      v->readonly ? VDISK_READONLY : 0);
		if (!rc)
			rc = be_write(v, t, "sector-size", "%llu", 512);
		if (!rc)
			rc = be_write(v, t, "physical-sector-size", "%llu",
				      v->phys_sector);
		if (rc) {
			(void)rtdd_xs_txn_end(hv, t, true);
			return rc;
		}
		rc = rtdd_xs_txn_end(hv, t, false);
	} while (rc == -EAGAIN && ++tries < 16);
	return rc;
}

static int vbd_connect(rtdd_xb_be *xb)
{
	struct blk_vbd *v = rtdd_xb_be_priv(xb);
	const struct rtdd_blkback_cfg *c = &v->bb->cfg;
	const char *fe = rtdd_xb_be_fe_path(xb);
	enum rtdd_svc_mode mode;
	enum rtdd_svc_class cls;
	unsigned nq, order, budget, qd;
	char *proto = NULL, p[512];
	bool persistent;
	int rc;

	snprintf(p, sizeof(p), "%s/protocol", fe);
	if (rtdd_xs_read(v->bb->hv, 0, p, &proto, &(size_t){0}) == 0 &&
	    strcmp(proto, XEN_IO_PROTO_ABI_NATIVE)) {
		rtdd_xb_be_fatal(xb, EPROTONOSUPPORT, "unsupported protocol %s",
				 proto);
		free(proto);
		return -EPROTONOSUPPORT;
	}
	free(proto);
	rc = rtdd_be_read_num_queues(v->bb->hv, fe, c->max_queues, &nq);
	if (rc) {
		rtdd_xb_be_fatal(xb, rc, "bad multi-queue-num-queues");
		return rc;
	}
	rc = rtdd_be_read_ring_order(v->bb->hv, fe, c->max_ring_order, &order);
	if (rc) {
		rtdd_xb_be_fatal(xb, rc, "bad ring-page-order");
		return rc;
	}
	persistent = !c->no_persistent && fe_read_bool(v, "feature-persistent");
	service_settings(v, &mode, &cls, &budget, &qd);

	/* Cache-line aligned, each queue on lines of its own: the service
	 * thread writes its counters every round, and no other thread's
	 * data (another queue's service thread, an in-process frontend)
	 * may share those lines. */
	v->queues = aligned_alloc(RTDD_BLK_CACHELINE, nq * sizeof(*v->queues));
	if (v->queues)
		memset(v->queues, 0, nq * sizeof(*v->queues));
	if (!v->queues)
		return -ENOMEM;
	v->nqueues = nq;
	for (unsigned i = 0; i < nq; i++) {
		struct blk_queue *q = &v->queues[i];

		q->vbd = v;
		q->idx = i;
		q->hv = v->bb->hv;
		q->domid = rtdd_xb_be_fe_domid(xb);
		q->cq_efd = -1;
		q->qd = qd;
		q->persistent = persistent;
		q->have_copy = rtdd_hv_features(q->hv) & RTDD_HV_F_GNT_COPY;
		q->max_segs =
			c->max_indirect_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST
				? c->max_indirect_segs
				: BLKIF_MAX_SEGMENTS_PER_REQUEST;
		snprintf(q->name, sizeof(q->name), "%s/q%u", v->name, i);
	}
	for (unsigned i = 0; i < nq; i++) {
		char dir[512];

		rtdd_be_queue_dir(fe, nq, i, dir, sizeof(dir));
		rc = connect_queue(v, &v->queues[i], order, dir);
		if (rc)
			return rc; /* framework disconnects */
	}
	rc = publish_properties(v);
	if (rc) {
		rtdd_xb_be_fatal(xb, rc, "writing sectors/info");
		return rc;
	}
	/* rtdd-thread pins the vbd to one service thread (rings that must
	 * share one poller, e.g. an RT ring and the best-effort rings it is
	 * prioritised over); else round robin. */
	{
		char tp[512];
		uint64_t ti;

		snprintf(tp, sizeof(tp), "%s/rtdd-thread", v->path);
		if (!rtdd_xs_read_u64(v->bb->hv, 0, tp, &ti) &&
		    ti < v->bb->nsvc)
			v->svc = v->bb->svc[ti];
		else
			v->svc = v->bb->svc[v->bb->next_svc++ % v->bb->nsvc];
	}
	for (unsigned i = 0; i < nq; i++) {
		struct blk_queue *q = &v->queues[i];

		q->item.ops = &rtdd__blk_item_ops;
		q->item.priv = q;
		q->item.name = q->name;
		q->item.mode = mode;
		q->item.cls = cls;
		q->item.budget = budget;
		rc = rtdd_svc_add(v->svc, &q->item);
		if (rc) {
			q->item.ops = NULL;
			rtdd_xb_be_fatal(xb, rc, "starting service");
			return rc;
		}
	}
	RTDD_LOG(INFO,
		 "%s: connected: %u queue(s), ring order %u, %s grants, "
		 "%s mode, class %s, budget %u, depth %u",
		 v->name, nq, order, persistent ? "persistent" : "copied",
		 rtdd_svc_mode_name(mode), rtdd_svc_class_name(cls), budget,
		 v->queues[0].qd);
	return 0;
}

const struct rtdd_xb_be_ops rtdd__blk_xb_ops = {
	.probe = vbd_probe,
	.connect = vbd_connect,
	.disconnect = vbd_disconnect,
};

void rtdd__blk_vbd_free(struct blk_vbd *v)
{
	if (!v)
		return;
	if (v->fd >= 0)
		close(v->fd);
	free(v->path);
	free(v);
}

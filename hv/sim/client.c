// SPDX-License-Identifier: MIT
/*
 * The sim implementation of rtdd/hv.h: a context is one connection to
 * rtdd-simhv on <dir>/dom<N>/hv.sock. Grants: the domain's RAM and grant
 * table are shared memfds; share_pages writes v1 entries into the own table
 * as a guest does, map_refs asks simhv, which checks the granter's entry and
 * hands back the granter's RAM to mmap. Event channels: client_evtchn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdint.h> /* before the Xen header, which needs it */
#include <xen/grant_table.h>

#include "client.h"

struct sim_share {
	struct sim_share *next;
	void *addr;
	unsigned count;
	rtdd_domid domid;
	bool readonly;
	rtdd_gref refs[];
};

struct sim_map {
	struct sim_map *next;
	void *addr;
	unsigned count;
	uint64_t handle;
};

/* ---- transport ---------------------------------------------------------- */

void rtdd__sim_begin(struct sim_hv *h, uint32_t op)
{
	pthread_mutex_lock(&h->lock);
	memset(h->req, 0, sizeof(*h->req));
	h->req->op = op;
}

void rtdd__sim_end(struct sim_hv *h)
{
	pthread_mutex_unlock(&h->lock);
}

int rtdd__sim_xfer(struct sim_hv *h, size_t len, const int *send_fds,
		   unsigned nsend, int *fds, unsigned *nfds)
{
	unsigned dummy = 0;
	ssize_t r;

	if (!nfds)
		nfds = &dummy;
	if (h->dead) {
		*nfds = 0;
		return -EIO;
	}
	if (rtdd__sim_send(h->sock, h->req, len, send_fds, nsend))
		goto dead;
	r = rtdd__sim_recv(h->sock, h->rep, SIM_MSG_MAX, fds, nfds);
	if (r < (ssize_t)offsetof(struct sim_rep, u))
		goto dead;
	if (h->rep->rc > 0 || h->rep->rc < -4095) {
		for (unsigned i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		goto dead;
	}
	return h->rep->rc;
dead:
	h->dead = true;
	*nfds = 0;
	return -EIO;
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* ---- grants: frontend side ---------------------------------------------- */

/* Reserve count pages, then map runs of contiguous frames of fd over them. */
static int map_frames(int fd, const uint32_t *frames, unsigned count, int prot,
		      void **addr_out)
{
	size_t size = (size_t)count * RTDD_PAGE_SIZE;
	char *base;

	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	for (unsigned i = 0; i < count;) {
		unsigned run = 1;
		void *p;

		while (i + run < count && frames[i + run] == frames[i] + run)
			run++;
		p = mmap(base + (size_t)i * RTDD_PAGE_SIZE,
			 (size_t)run * RTDD_PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, fd,
			 (off_t)frames[i] * RTDD_PAGE_SIZE);
		if (p == MAP_FAILED) {
			int rc = -errno;

			munmap(base, size);
			return rc;
		}
		i += run;
	}
	*addr_out = base;
	return 0;
}

static int free_refs(struct sim_hv *h, const rtdd_gref *refs, unsigned count)
{
	size_t len = offsetof(struct sim_req, u.gnt_free.refs) +
		     (size_t)count * sizeof(uint32_t);

	h->req->u.gnt_free.count = count;
	memcpy(h->req->u.gnt_free.refs, refs, count * sizeof(uint32_t));
	return rtdd__sim_xfer(h, len, NULL, 0, NULL, NULL);
}

static int sim_share_pages(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			   bool readonly, void **addr_out, rtdd_gref *refs_out)
{
	struct sim_hv *h = sim_hv(hv);
	struct sim_share *s = NULL;
	uint32_t *frames = NULL;
	void *addr = NULL;
	int rc;

	if (!count || count > SIM_MAP_MAX || !addr_out || !refs_out ||
	    domid >= RTDD_DOMID_SELF)
		return -EINVAL;
	s = calloc(1, sizeof(*s) + count * sizeof(rtdd_gref));
	frames = malloc(count * sizeof(*frames));
	if (!s || !frames) {
		rc = -ENOMEM;
		goto out;
	}
	rtdd__sim_begin(h, SIM_OP_GNT_ALLOC);
	h->req->u.gnt_alloc.count = count;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc && h->rep->u.gnt_alloc.count != count)
		rc = -EIO;
	if (rc)
		goto out_unlock;
	memcpy(s->refs, h->rep->u.gnt_alloc.pairs, count * sizeof(uint32_t));
	memcpy(frames, h->rep->u.gnt_alloc.pairs + count,
	       count * sizeof(uint32_t));
	for (unsigned i = 0; i < count; i++) {
		if (s->refs[i] < SIM_GNT_RESERVED ||
		    s->refs[i] >= SIM_GNT_ENTRIES ||
		    frames[i] >= h->ram_frames) {
			rc = -EIO;
			goto out_unlock;
		}
	}
	rc = map_frames(h->ram_fd, frames, count, PROT_READ | PROT_WRITE,
			&addr);
	if (rc) {
		memset(h->req, 0, sizeof(*h->req));
		h->req->op = SIM_OP_GNT_FREE;
		free_refs(h, s->refs, count);
		goto out_unlock;
	}
	/* As a guest does: frame and domid first, then the flags that make
	 * the entry valid (release: simhv sees them before the flags). */
	for (unsigned i = 0; i < count; i++) {
		struct grant_entry_v1 *e = &h->gnttab[s->refs[i]];

		e->domid = domid;
		e->frame = frames[i];
		__atomic_store_n(&e->flags,
				 (uint16_t)(GTF_permit_access |
					    (readonly ? GTF_readonly : 0)),
				 __ATOMIC_RELEASE);
	}
	s->addr = addr;
	s->count = count;
	s->domid = domid;
	s->readonly = readonly;
	s->next = h->shares;
	h->shares = s;
	memcpy(refs_out, s->refs, count * sizeof(rtdd_gref));
	*addr_out = addr;
	s = NULL;
out_unlock:
	rtdd__sim_end(h);
out:
	free(s);
	free(frames);
	return rc;
}

static int sim_unshare_pages(rtdd_hv *hv, void *addr, unsigned count)
{
	struct sim_hv *h = sim_hv(hv);
	struct sim_share **pp, *s;
	int rc;

	rtdd__sim_begin(h, SIM_OP_GNT_FREE);
	for (pp = &h->shares; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			break;
	s = *pp;
	if (!s || s->count != count) {
		rc = -EINVAL;
		goto out;
	}
	h->req->u.gnt_free.domid = s->domid;
	h->req->u.gnt_free.readonly = s->readonly;
	rc = free_refs(h, s->refs, count);
	if (rc)
		goto out; /* -EBUSY: still mapped, nothing changed */
	*pp = s->next;
	munmap(s->addr, (size_t)count * RTDD_PAGE_SIZE);
	free(s);
out:
	rtdd__sim_end(h);
	return rc;
}

/* ---- grants: backend side ------------------------------------------------ */

static int sim_map_refs(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			const rtdd_gref *refs, bool readonly, void **addr_out)
{
	struct sim_hv *h = sim_hv(hv);
	struct sim_map *m = NULL;
	int fd = -1;
	unsigned nfds = 1;
	uint64_t handle;
	void *addr;
	int rc;

	if (!count || count > SIM_MAP_MAX || !refs || !addr_out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	rtdd__sim_begin(h, SIM_OP_GNT_MAP);
	h->req->u.gnt_map.domid = domid;
	h->req->u.gnt_map.readonly = readonly;
	h->req->u.gnt_map.count = count;
	memcpy(h->req->u.gnt_map.refs, refs, count * sizeof(uint32_t));
	rc = rtdd__sim_xfer(h,
			    offsetof(struct sim_req, u.gnt_map.refs) +
				    count * sizeof(uint32_t),
			    NULL, 0, &fd, &nfds);
	if (rc)
		goto out;
	handle = h->rep->u.gnt_map.handle;
	if (nfds != 1 || h->rep->u.gnt_map.count != count) {
		rc = -EIO;
		h->dead = true;
		goto out;
	}
	rc = map_frames(fd, h->rep->u.gnt_map.frames, count,
			readonly ? PROT_READ : PROT_READ | PROT_WRITE, &addr);
	if (rc) {
		memset(h->req, 0, sizeof(*h->req));
		h->req->op = SIM_OP_GNT_UNMAP;
		h->req->u.gnt_unmap.handle = handle;
		rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
		goto out;
	}
	m->addr = addr;
	m->count = count;
	m->handle = handle;
	m->next = h->maps;
	h->maps = m;
	m = NULL;
	*addr_out = addr;
out:
	rtdd__sim_end(h);
	if (fd >= 0)
		close(fd);
	free(m);
	return rc;
}

static int sim_unmap(rtdd_hv *hv, void *addr, unsigned count)
{
	struct sim_hv *h = sim_hv(hv);
	struct sim_map **pp, *m;
	int rc;

	rtdd__sim_begin(h, SIM_OP_GNT_UNMAP);
	for (pp = &h->maps; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			break;
	m = *pp;
	if (!m || m->count != count) {
		rc = -EINVAL;
		goto out;
	}
	/* Our view goes first: once simhv clears the in-use flags the
	 * granter may reuse the frames. */
	munmap(m->addr, (size_t)count * RTDD_PAGE_SIZE);
	*pp = m->next;
	h->req->u.gnt_unmap.handle = m->handle;
	free(m);
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
out:
	rtdd__sim_end(h);
	return rc;
}

/* ---- grants: copy ------------------------------------------------------- */

static int get_bounce(struct sim_hv *h)
{
	unsigned nfds = 1;
	int fd = -1, rc;
	void *p;

	if (h->bounce)
		return 0;
	h->req->op = SIM_OP_GNT_BOUNCE;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, &fd, &nfds);
	if (rc)
		return rc;
	if (nfds != 1 || h->rep->u.bounce.slots < SIM_COPY_MAX) {
		close_fds(&fd, nfds);
		h->dead = true;
		return -EIO;
	}
	p = mmap(NULL, (size_t)SIM_COPY_MAX * RTDD_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	rc = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (!rc) {
		h->bounce = p;
		h->bounce_slots = SIM_COPY_MAX;
	}
	return rc;
}

static void wire_ptr(struct sim_copy_ptr_wire *w,
		     const struct rtdd_gnt_copy_ptr *p)
{
	w->is_gref = p->is_gref;
	w->domid = p->domid;
	w->ref = p->ref;
	w->offset = p->is_gref ? p->offset : 0;
}

static int copy_chunk(struct sim_hv *h, unsigned n,
		      struct rtdd_gnt_copy_seg *segs)
{
	char *bounce = h->bounce;
	int rc;

	memset(h->req, 0, offsetof(struct sim_req, u.gnt_copy.segs));
	h->req->op = SIM_OP_GNT_COPY;
	h->req->u.gnt_copy.count = n;
	for (unsigned i = 0; i < n; i++) {
		struct rtdd_gnt_copy_seg *s = &segs[i];
		struct sim_copy_seg_wire *w = &h->req->u.gnt_copy.segs[i];

		memset(w, 0, sizeof(*w));
		wire_ptr(&w->src, &s->src);
		wire_ptr(&w->dst, &s->dst);
		w->len = s->len;
		if (!s->src.is_gref && s->len <= RTDD_PAGE_SIZE && s->src.virt)
			memcpy(bounce + (size_t)i * RTDD_PAGE_SIZE, s->src.virt,
			       s->len);
		if ((!s->src.is_gref && !s->src.virt) ||
		    (!s->dst.is_gref && !s->dst.virt))
			w->len = 0xffff; /* simhv rejects it: -EINVAL */
	}
	rc = rtdd__sim_xfer(h,
			    offsetof(struct sim_req, u.gnt_copy.segs) +
				    n * sizeof(struct sim_copy_seg_wire),
			    NULL, 0, NULL, NULL);
	if (rc)
		return rc;
	if (h->rep->u.gnt_copy.count != n) {
		h->dead = true;
		return -EIO;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rtdd_gnt_copy_seg *s = &segs[i];

		s->status = h->rep->u.gnt_copy.status[i];
		if (!s->status && !s->dst.is_gref)
			memcpy(s->dst.virt, bounce + (size_t)i * RTDD_PAGE_SIZE,
			       s->len);
	}
	return 0;
}

static int sim_copy(rtdd_hv *hv, unsigned count, struct rtdd_gnt_copy_seg *segs)
{
	struct sim_hv *h = sim_hv(hv);
	int rc;

	if (count && !segs)
		return -EINVAL;
	rtdd__sim_begin(h, SIM_OP_GNT_BOUNCE);
	rc = get_bounce(h);
	for (unsigned done = 0; !rc && done < count;) {
		unsigned n = count - done;

		if (n > SIM_COPY_MAX)
			n = SIM_COPY_MAX;
		rc = copy_chunk(h, n, segs + done);
		done += n;
	}
	rtdd__sim_end(h);
	return rc;
}

static const struct rtdd_gnt_ops sim_gnt_ops = {
	.share_pages = sim_share_pages,
	.unshare_pages = sim_unshare_pages,
	.map_refs = sim_map_refs,
	.unmap = sim_unmap,
	.copy = sim_copy,
};

/* ---- domains ------------------------------------------------------------ */

static void info_from_wire(struct rtdd_dom_info *out,
			   const struct sim_dom_wire *w)
{
	memset(out, 0, sizeof(*out));
	out->domid = w->domid;
	out->state = (enum rtdd_dom_state)w->state;
	out->vcpus = w->vcpus;
	out->mem_kib = w->mem_kib;
	out->cpupool = w->cpupool;
	memcpy(out->name, w->name, sizeof(out->name) - 1);
}

static int sim_dom_info(rtdd_hv *hv, rtdd_domid domid,
			struct rtdd_dom_info *out)
{
	struct sim_hv *h = sim_hv(hv);
	int rc;

	if (!out)
		return -EINVAL;
	rtdd__sim_begin(h, SIM_OP_DOM_INFO);
	h->req->u.rtds.domid = domid;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc)
		info_from_wire(out, &h->rep->u.info);
	rtdd__sim_end(h);
	return rc;
}

static int sim_rtds_get(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			struct rtdd_rtds_params *out)
{
	struct sim_hv *h = sim_hv(hv);
	int rc;

	if (!out)
		return -EINVAL;
	rtdd__sim_begin(h, SIM_OP_RTDS_GET);
	h->req->u.rtds.domid = domid;
	h->req->u.rtds.vcpu = vcpu;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	if (!rc) {
		out->period_us = h->rep->u.rtds.period_us;
		out->budget_us = h->rep->u.rtds.budget_us;
		out->extratime = h->rep->u.rtds.extratime;
	}
	rtdd__sim_end(h);
	return rc;
}

static int sim_rtds_set(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			const struct rtdd_rtds_params *p)
{
	struct sim_hv *h = sim_hv(hv);
	int rc;

	if (!p)
		return -EINVAL;
	rtdd__sim_begin(h, SIM_OP_RTDS_SET);
	h->req->u.rtds.domid = domid;
	h->req->u.rtds.vcpu = vcpu;
	h->req->u.rtds.period_us = p->period_us;
	h->req->u.rtds.budget_us = p->budget_us;
	h->req->u.rtds.extratime = p->extratime;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, NULL, NULL);
	rtdd__sim_end(h);
	return rc;
}

static const struct rtdd_dom_ops sim_dom_ops = {
	.info = sim_dom_info,
	.rtds_get = sim_rtds_get,
	.rtds_set = sim_rtds_set,
};

/* ---- xenstore when simhv's socket cannot be reached --------------------- */

static int xs_none_rw(rtdd_hv *hv, rtdd_xs_txn t, const char *path, char **v,
		      size_t *l)
{
	(void)hv, (void)t, (void)path, (void)v, (void)l;
	return -EOPNOTSUPP;
}
static int xs_none_w(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     const void *v, size_t l)
{
	(void)hv, (void)t, (void)path, (void)v, (void)l;
	return -EOPNOTSUPP;
}
static int xs_none_p(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	(void)hv, (void)t, (void)path;
	return -EOPNOTSUPP;
}
static int xs_none_dir(rtdd_hv *hv, rtdd_xs_txn t, const char *path, char ***n,
		       unsigned *c)
{
	(void)hv, (void)t, (void)path, (void)n, (void)c;
	return -EOPNOTSUPP;
}
static int xs_none_gp(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		      struct rtdd_xs_perm **p, unsigned *n)
{
	(void)hv, (void)t, (void)path, (void)p, (void)n;
	return -EOPNOTSUPP;
}
static int xs_none_sp(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		      const struct rtdd_xs_perm *p, unsigned n)
{
	(void)hv, (void)t, (void)path, (void)p, (void)n;
	return -EOPNOTSUPP;
}
static int xs_none_watch(rtdd_hv *hv, const char *path, const char *token)
{
	(void)hv, (void)path, (void)token;
	return -EOPNOTSUPP;
}
static int xs_none_fd(rtdd_hv *hv)
{
	(void)hv;
	return -EOPNOTSUPP;
}
static int xs_none_rwatch(rtdd_hv *hv, char **p, char **t)
{
	(void)hv, (void)p, (void)t;
	return -EOPNOTSUPP;
}
static int xs_none_tstart(rtdd_hv *hv, rtdd_xs_txn *t)
{
	(void)hv, (void)t;
	return -EOPNOTSUPP;
}
static int xs_none_tend(rtdd_hv *hv, rtdd_xs_txn t, bool abort)
{
	(void)hv, (void)t, (void)abort;
	return -EOPNOTSUPP;
}
static int xs_none_dpath(rtdd_hv *hv, rtdd_domid d, char **p)
{
	(void)hv, (void)d, (void)p;
	return -EOPNOTSUPP;
}

static const struct rtdd_xs_ops xs_none_ops = {
	.read = xs_none_rw,
	.write = xs_none_w,
	.mkdir = xs_none_p,
	.rm = xs_none_p,
	.directory = xs_none_dir,
	.get_perms = xs_none_gp,
	.set_perms = xs_none_sp,
	.watch = xs_none_watch,
	.unwatch = xs_none_watch,
	.watch_fd = xs_none_fd,
	.read_watch = xs_none_rwatch,
	.txn_start = xs_none_tstart,
	.txn_end = xs_none_tend,
	.domain_path = xs_none_dpath,
};

/* ---- open / close ------------------------------------------------------- */

static void sim_close(rtdd_hv *hv)
{
	struct sim_hv *h = sim_hv(hv);

	rtdd__sim_evtchn_close_all(h);
	while (h->maps) {
		struct sim_map *m = h->maps;

		h->maps = m->next;
		munmap(m->addr, (size_t)m->count * RTDD_PAGE_SIZE);
		free(m);
	}
	/* Shared pages: simhv ends their access when the connection goes,
	 * unless still mapped (then they stay until the mapper unmaps). */
	while (h->shares) {
		struct sim_share *s = h->shares;

		h->shares = s->next;
		munmap(s->addr, (size_t)s->count * RTDD_PAGE_SIZE);
		free(s);
	}
	if (h->bounce)
		munmap(h->bounce, (size_t)h->bounce_slots * RTDD_PAGE_SIZE);
	if (h->gnttab)
		munmap(h->gnttab, (size_t)SIM_GNT_FRAMES * RTDD_PAGE_SIZE);
	if (h->evtgen)
		munmap((void *)h->evtgen, SIM_PORTS * sizeof(uint32_t));
	if (h->ram_fd >= 0)
		close(h->ram_fd);
	if (h->sock >= 0)
		close(h->sock);
	rtdd__xs_disconnect(&h->c);
	pthread_mutex_destroy(&h->lock);
	free(h->req);
	free(h->rep);
	free(h);
}

static int connect_sock(const char *path, int *fd_out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;

		close(fd);
		return rc == -ECONNREFUSED ? -ENOENT : rc;
	}
	*fd_out = fd;
	return 0;
}

int rtdd__sim_open(const char *dir, rtdd_domid domid, rtdd_hv **hv_out,
		   char **err_out)
{
	struct sim_hv *h;
	char path[PATH_MAX];
	int fds[3] = {-1, -1, -1};
	unsigned nfds = 3;
	void *p;
	int rc;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sock = -1;
	h->ram_fd = -1;
	pthread_mutex_init(&h->lock, NULL);
	h->req = calloc(1, SIM_MSG_MAX);
	h->rep = calloc(1, SIM_MSG_MAX);
	if (!h->req || !h->rep || strlen(dir) >= sizeof(h->dir)) {
		rc = !h->req || !h->rep ? -ENOMEM : -ENAMETOOLONG;
		goto fail;
	}
	strcpy(h->dir, dir);
	rc = rtdd__sim_path(path, sizeof(path), dir, domid, "hv.sock");
	if (!rc)
		rc = connect_sock(path, &h->sock);
	if (rc) {
		rtdd__set_err(err_out,
			      "cannot reach rtdd-simhv at %s (%s): start it "
			      "with `rtdd-simhv start --dir %s` and create "
			      "domain %u (see docs/hv.md)",
			      path, strerror(-rc), dir, domid);
		goto fail;
	}
	h->req->op = SIM_OP_HELLO;
	h->req->u.hello.version = SIM_PROTO_VERSION;
	rc = rtdd__sim_xfer(h, sizeof(*h->req), NULL, 0, fds, &nfds);
	if (!rc && nfds != 3)
		rc = -EIO;
	if (rc) {
		rtdd__set_err(err_out, "rtdd-simhv refused domain %u: %s",
			      domid, strerror(-rc));
		goto fail;
	}
	h->ram_fd = fds[0];
	fds[0] = -1;
	h->ram_frames = h->rep->u.hello.ram_frames;
	p = mmap(NULL, (size_t)SIM_GNT_FRAMES * RTDD_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_SHARED, fds[1], 0);
	if (p == MAP_FAILED)
		goto fail_map;
	h->gnttab = p;
	p = mmap(NULL, SIM_PORTS * sizeof(uint32_t), PROT_READ, MAP_SHARED,
		 fds[2], 0);
	if (p == MAP_FAILED)
		goto fail_map;
	h->evtgen = p;
	close_fds(fds, 3);

	h->c.pub.kind = RTDD_HV_SIM;
	h->c.pub.domid = h->rep->u.hello.domid;
	h->c.pub.features = h->rep->u.hello.features;
	h->c.pub.gnt = &sim_gnt_ops;
	h->c.pub.dom = &sim_dom_ops;
	h->c.pub.evtchn = &rtdd__sim_evtchn_ops;
	h->c.pub.close = sim_close;
	rc = rtdd__sim_path(path, sizeof(path), dir, domid, "xs.sock");
	if (!rc && !access(path, F_OK))
		rc = rtdd__xs_connect(&h->c, path);
	else
		rc = -ENOENT;
	if (!rc) {
		h->c.pub.xs = &rtdd__xs_ops;
		h->c.pub.features |= RTDD_HV_F_XENSTORE;
	} else {
		h->c.pub.xs = &xs_none_ops;
		h->c.pub.features &= ~(uint32_t)RTDD_HV_F_XENSTORE;
	}
	*hv_out = &h->c.pub;
	return 0;

fail_map:
	rc = -errno;
	rtdd__set_err(err_out, "cannot map simhv shared memory: %s",
		      strerror(-rc));
fail:
	close_fds(fds, 3);
	sim_close(&h->c.pub);
	return rc;
}

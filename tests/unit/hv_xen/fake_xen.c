// SPDX-License-Identifier: MIT
/* fake_xen.c - see fake_xen.h. Single-threaded, like the test using it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/grant_table.h>

#include "fake_xen.h"

#define PAGE 4096u
#define NR_FRAMES 256u
#define NR_GREFS 128u
#define FIRST_GREF 8u /* Xen reserves the first entries */
#define NR_PORTS 256u
#define RING 1024u
#define DOMID_SELF_ 0x7ff0u

static struct fake_xen_cfg cfg;
static unsigned handles;

/* ------------------------------------------------------------------------ */
/* Domains and cpupools                                                     */
/* ------------------------------------------------------------------------ */

struct fdom {
	uint16_t id;
	uint32_t pool;
	unsigned vcpus;
	bool paused;
	uint64_t pages;
	const char *name;
	struct xen_domctl_sched_rtds rtds[4];
};

static struct fdom doms[3];
static const struct {
	uint32_t id, sched;
} pools[] = {{0, XEN_SCHEDULER_CREDIT2}, {FAKE_RTDS_POOL, XEN_SCHEDULER_RTDS}};

static struct fdom *find_dom(uint32_t id)
{
	for (unsigned i = 0; i < 3; i++)
		if (doms[i].id == id)
			return &doms[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Event channels                                                           */
/* ------------------------------------------------------------------------ */

struct xenevtchn_handle {
	int rfd, wfd;
	evtchn_port_t ring[RING];
	unsigned prod, cons;
};

enum { P_FREE, P_UNBOUND, P_INTER };

static struct fport {
	int state;
	uint16_t remote_dom;
	evtchn_port_t remote;
	struct xenevtchn_handle *owner;
	bool pending, enabled;
} ports[NR_PORTS];

static void deliver(evtchn_port_t p)
{
	struct fport *fp = &ports[p];
	char c = 0;

	fp->pending = true;
	if (!fp->enabled || !fp->owner)
		return; /* masked: stays pending */
	/* the driver's upcall: mask, clear, queue */
	fp->enabled = false;
	fp->pending = false;
	fp->owner->ring[fp->owner->prod++ % RING] = p;
	if (write(fp->owner->wfd, &c, 1) != 1)
		abort();
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	xenevtchn_handle *h;
	int fds[2];

	(void)logger, (void)flags;
	if (cfg.no_evtchn || cfg.evtchn_eacces) {
		errno = cfg.no_evtchn ? ENOENT : EACCES;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h || pipe2(fds, O_CLOEXEC)) {
		free(h);
		return NULL;
	}
	h->rfd = fds[0];
	h->wfd = fds[1];
	handles++;
	return h;
}

static void free_port(evtchn_port_t p)
{
	struct fport *fp = &ports[p];

	if (fp->state == P_INTER) {
		struct fport *r = &ports[fp->remote];

		r->state = P_UNBOUND;
		r->remote_dom = FAKE_SELF;
	}
	memset(fp, 0, sizeof(*fp));
}

int xenevtchn_close(xenevtchn_handle *h)
{
	if (!h)
		return 0;
	for (evtchn_port_t p = 1; p < NR_PORTS; p++)
		if (ports[p].owner == h)
			free_port(p);
	close(h->rfd);
	close(h->wfd);
	free(h);
	handles--;
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *h)
{
	return h->rfd;
}

static int alloc_port(xenevtchn_handle *h)
{
	for (evtchn_port_t p = 1; p < NR_PORTS; p++) {
		if (ports[p].state == P_FREE) {
			ports[p].owner = h;
			ports[p].enabled = true;
			return (int)p;
		}
	}
	errno = ENOSPC;
	return -1;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h,
						      uint32_t domid)
{
	int p = alloc_port(h);

	if (p < 0)
		return -1;
	ports[p].state = P_UNBOUND;
	ports[p].remote_dom = domid == DOMID_SELF_ ? FAKE_SELF : domid;
	return p;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
						     uint32_t domid,
						     evtchn_port_t rport)
{
	int p;

	if (domid == DOMID_SELF_)
		domid = FAKE_SELF;
	if (!find_dom(domid)) {
		errno = ESRCH;
		return -1;
	}
	if (domid != FAKE_SELF || rport == 0 || rport >= NR_PORTS ||
	    ports[rport].state != P_UNBOUND ||
	    ports[rport].remote_dom != FAKE_SELF) {
		errno = EINVAL;
		return -1;
	}
	p = alloc_port(h);
	if (p < 0)
		return -1;
	ports[p].state = P_INTER;
	ports[p].remote = rport;
	ports[rport].state = P_INTER;
	ports[rport].remote = (evtchn_port_t)p;
	deliver((evtchn_port_t)p); /* Xen: lost notifications fixed up */
	return p;
}

static int owned(xenevtchn_handle *h, evtchn_port_t p)
{
	if (p >= NR_PORTS) {
		errno = EINVAL;
		return 0;
	}
	if (ports[p].state == P_FREE || ports[p].owner != h) {
		errno = ENOTCONN;
		return 0;
	}
	return 1;
}

int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t p)
{
	if (!owned(h, p))
		return -1;
	free_port(p);
	return 0;
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t p)
{
	if (!owned(h, p))
		return -1;
	if (ports[p].state == P_INTER)
		deliver(ports[p].remote);
	return 0; /* unbound remote: dropped */
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
	char c;

	if (read(h->rfd, &c, 1) != 1)
		return -1; /* EAGAIN with O_NONBLOCK */
	return (int)h->ring[h->cons++ % RING];
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t p)
{
	/* the driver ignores ports that are not this handle's */
	if (p < NR_PORTS && ports[p].owner == h && !ports[p].enabled) {
		ports[p].enabled = true;
		if (ports[p].pending)
			deliver(p);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Grants                                                                   */
/* ------------------------------------------------------------------------ */

struct xengntdev_handle {
	bool shr;
};

static int ram_fd = -1;
static bool frame_used[NR_FRAMES];

static struct fgrant {
	bool used;   /* entry permits access */
	bool shared; /* still in a gntshr region */
	uint16_t domid;
	bool readonly;
	unsigned frame;
	unsigned maps;
} grants[NR_GREFS];

struct fregion {
	void *addr;
	unsigned count;
	uint32_t *refs;
	struct fregion *next;
};

static struct fregion *shares, *maps;

static int ram(void)
{
	if (ram_fd < 0) {
		ram_fd = memfd_create("fake-xen-ram", MFD_CLOEXEC);
		if (ram_fd < 0 || ftruncate(ram_fd, NR_FRAMES * PAGE))
			abort();
	}
	return ram_fd;
}

static void *frame_ptr_map(const unsigned *frames, unsigned count, int prot)
{
	uint8_t *base = mmap(NULL, count * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED)
		return NULL;
	for (unsigned i = 0; i < count; i++)
		if (mmap(base + i * PAGE, PAGE, prot, MAP_SHARED | MAP_FIXED,
			 ram(), (off_t)frames[i] * PAGE) == MAP_FAILED)
			abort();
	return base;
}

static void release_grant(uint32_t ref)
{
	struct fgrant *g = &grants[ref];

	if (g->shared || g->maps)
		return;
	frame_used[g->frame] = false;
	memset(g, 0, sizeof(*g));
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	xengnttab_handle *h;

	(void)logger, (void)open_flags;
	if (cfg.no_gntdev) {
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		handles++;
	return h;
}

int xengnttab_close(xengnttab_handle *h)
{
	if (h) {
		free(h);
		handles--;
	}
	return 0;
}

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger,
				 unsigned open_flags)
{
	xengntshr_handle *h;

	(void)logger, (void)open_flags;
	if (cfg.no_gntalloc) {
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h) {
		h->shr = true;
		handles++;
	}
	return h;
}

int xengntshr_close(xengntshr_handle *h)
{
	return xengnttab_close(h);
}

void *xengntshr_share_pages(xengntshr_handle *h, uint32_t domid, int count,
			    uint32_t *refs, int writable)
{
	unsigned frames[NR_FRAMES], got = 0;
	uint32_t out[NR_GREFS];
	struct fregion *r;
	void *addr;

	(void)h;
	if (count <= 0 || count > 64) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned f = 0; f < NR_FRAMES && got < (unsigned)count; f++)
		if (!frame_used[f])
			frames[got++] = f;
	if (got < (unsigned)count) {
		errno = ENOMEM;
		return NULL;
	}
	got = 0;
	for (uint32_t ref = FIRST_GREF; ref < NR_GREFS && got < (unsigned)count;
	     ref++)
		if (!grants[ref].used && !grants[ref].shared &&
		    !grants[ref].maps)
			out[got++] = ref;
	if (got < (unsigned)count) {
		errno = ENOSPC;
		return NULL;
	}
	addr = frame_ptr_map(frames, (unsigned)count, PROT_READ | PROT_WRITE);
	r = calloc(1, sizeof(*r));
	if (!addr || !r)
		abort();
	memset(addr, 0, (size_t)count * PAGE);
	r->refs = calloc((size_t)count, sizeof(uint32_t));
	for (int i = 0; i < count; i++) {
		struct fgrant *g = &grants[out[i]];

		frame_used[frames[i]] = true;
		g->used = g->shared = true;
		g->domid = (uint16_t)domid;
		g->readonly = !writable;
		g->frame = frames[i];
		g->maps = 0;
		r->refs[i] = refs[i] = out[i];
	}
	r->addr = addr;
	r->count = (unsigned)count;
	r->next = shares;
	shares = r;
	return addr;
}

static struct fregion *take(struct fregion **list, void *addr)
{
	for (struct fregion **pp = list; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr) {
			struct fregion *r = *pp;

			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

int xengntshr_unshare(xengntshr_handle *h, void *addr, uint32_t count)
{
	struct fregion *r = take(&shares, addr);

	(void)h;
	if (!r)
		abort(); /* munmap of memory not shared: hv/xen must not */
	if (r->count != count)
		abort();
	munmap(addr, count * PAGE);
	for (unsigned i = 0; i < count; i++) {
		grants[r->refs[i]].shared = false;
		/* gntalloc: access ends now if unmapped, else later */
		if (!grants[r->refs[i]].maps)
			grants[r->refs[i]].used = false;
		release_grant(r->refs[i]);
	}
	free(r->refs);
	free(r);
	return 0;
}

/* Xen's checks for one ref of ours: GNTST_* */
static int16_t check_ref(uint32_t domid, uint32_t ref, bool write)
{
	if (domid == DOMID_SELF_)
		domid = FAKE_SELF;
	if (!find_dom(domid))
		return GNTST_bad_domain;
	if (domid != FAKE_SELF)
		return GNTST_general_error; /* other tables: nothing for us */
	if (ref >= NR_GREFS)
		return GNTST_bad_gntref;
	if (!grants[ref].used || grants[ref].domid != FAKE_SELF)
		return GNTST_general_error;
	if (write && grants[ref].readonly)
		return GNTST_general_error;
	return GNTST_okay;
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
				      uint32_t domid, uint32_t *refs, int prot)
{
	unsigned frames[64];
	struct fregion *r;
	void *addr;

	(void)h;
	if (!count || count > 64) {
		errno = EINVAL;
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (check_ref(domid, refs[i], prot & PROT_WRITE) !=
		    GNTST_okay) {
			errno = EINVAL; /* gntdev: any failed status */
			return NULL;
		}
		frames[i] = grants[refs[i]].frame;
	}
	addr = frame_ptr_map(frames, count, prot);
	r = calloc(1, sizeof(*r));
	if (!addr || !r)
		abort();
	r->refs = calloc(count, sizeof(uint32_t));
	memcpy(r->refs, refs, count * sizeof(uint32_t));
	for (uint32_t i = 0; i < count; i++)
		grants[refs[i]].maps++;
	r->addr = addr;
	r->count = count;
	r->next = maps;
	maps = r;
	return addr;
}

int xengnttab_unmap(xengnttab_handle *h, void *addr, uint32_t count)
{
	struct fregion *r;

	(void)h;
	for (r = maps; r && r->addr != addr; r = r->next)
		;
	if (!r || r->count != count) {
		errno = EINVAL;
		return -1;
	}
	take(&maps, addr);
	munmap(addr, count * PAGE);
	for (unsigned i = 0; i < count; i++) {
		struct fgrant *g = &grants[r->refs[i]];

		g->maps--;
		if (!g->shared && !g->maps)
			g->used = false; /* the deferred end of access */
		release_grant(r->refs[i]);
	}
	free(r->refs);
	free(r);
	return 0;
}

static uint8_t *gref_ptr(uint32_t ref, uint16_t off)
{
	static uint8_t *window;

	/* one long-lived read-write view of all frames */
	if (!window) {
		window = mmap(NULL, NR_FRAMES * PAGE, PROT_READ | PROT_WRITE,
			      MAP_SHARED, ram(), 0);
		if (window == MAP_FAILED)
			abort();
	}
	return window + grants[ref].frame * PAGE + off;
}

int xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
			 xengnttab_grant_copy_segment_t *segs)
{
	(void)h;
	if (cfg.no_grant_copy) {
		errno = ENOTTY;
		return -1;
	}
	/* gntdev's whole-batch checks first */
	for (uint32_t i = 0; i < count; i++) {
		xengnttab_grant_copy_segment_t *s = &segs[i];

		if (!(s->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref)))
			goto einval;
		if ((s->flags & GNTCOPY_source_gref) &&
		    s->source.foreign.offset + s->len > PAGE)
			goto einval;
		if ((s->flags & GNTCOPY_dest_gref) &&
		    s->dest.foreign.offset + s->len > PAGE)
			goto einval;
		/* the first 64 KiB are never mapped: get_user_pages fails */
		if ((!(s->flags & GNTCOPY_source_gref) &&
		     (uintptr_t)s->source.virt < 0x10000) ||
		    (!(s->flags & GNTCOPY_dest_gref) &&
		     (uintptr_t)s->dest.virt < 0x10000)) {
			errno = EFAULT;
			return -1;
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		xengnttab_grant_copy_segment_t *s = &segs[i];
		const uint8_t *src;
		uint8_t *dst;
		int16_t st = GNTST_okay;

		if (s->flags & GNTCOPY_source_gref)
			st = check_ref(s->source.foreign.domid,
				       s->source.foreign.ref, false);
		if (!st && (s->flags & GNTCOPY_dest_gref))
			st = check_ref(s->dest.foreign.domid,
				       s->dest.foreign.ref, true);
		s->status = st;
		if (st)
			continue;
		src = (s->flags & GNTCOPY_source_gref)
			      ? gref_ptr(s->source.foreign.ref,
					 s->source.foreign.offset)
			      : s->source.virt;
		dst = (s->flags & GNTCOPY_dest_gref)
			      ? gref_ptr(s->dest.foreign.ref,
					 s->dest.foreign.offset)
			      : s->dest.virt;
		memmove(dst, src, s->len);
	}
	return 0;
einval:
	errno = EINVAL;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* libxenctrl                                                               */
/* ------------------------------------------------------------------------ */

struct xc_interface_core {
	int unused;
};

xc_interface *xc_interface_open(xentoollog_logger *logger,
				xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	xc_interface *x;

	(void)logger, (void)dombuild_logger, (void)open_flags;
	if (cfg.no_privcmd) {
		errno = ENOENT;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x)
		handles++;
	return x;
}

int xc_interface_close(xc_interface *xch)
{
	if (xch) {
		free(xch);
		handles--;
	}
	return 0;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first, unsigned int max,
			  xc_domaininfo_t *info)
{
	unsigned n = 0;

	(void)xch;
	if (cfg.unprivileged) {
		errno = EPERM;
		return -1;
	}
	for (unsigned i = 0; i < 3 && n < max; i++) { /* sorted by id */
		struct fdom *d = &doms[i];

		if (d->id < first)
			continue;
		memset(&info[n], 0, sizeof(info[n]));
		info[n].domain = d->id;
		info[n].flags =
			d->paused ? XEN_DOMINF_paused : XEN_DOMINF_running;
		info[n].tot_pages = d->pages;
		info[n].max_vcpu_id = d->vcpus - 1;
		info[n].nr_online_vcpus = d->vcpus;
		info[n].cpupool = d->pool;
		n++;
	}
	return (int)n;
}

xc_cpupoolinfo_t *xc_cpupool_getinfo(xc_interface *xch, uint32_t poolid)
{
	(void)xch;
	if (cfg.unprivileged) {
		errno = EPERM;
		return NULL;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (pools[i].id >= poolid) {
			xc_cpupoolinfo_t *pi = calloc(1, sizeof(*pi));

			if (!pi)
				return NULL;
			pi->cpupool_id = pools[i].id;
			pi->sched_id = pools[i].sched;
			return pi;
		}
	}
	errno = ENOENT;
	return NULL;
}

void xc_cpupool_infofree(xc_interface *xch, xc_cpupoolinfo_t *info)
{
	(void)xch;
	free(info);
}

static int rtds_op(uint32_t domid, struct xen_domctl_schedparam_vcpu *v,
		   uint32_t n, bool set)
{
	struct fdom *d = find_dom(domid);

	if (cfg.unprivileged) {
		errno = EPERM;
		return -1;
	}
	if (!d) {
		errno = ESRCH;
		return -1;
	}
	if (pools[d->pool].sched != XEN_SCHEDULER_RTDS) {
		errno = EINVAL; /* sched_adjust: not this domain's scheduler */
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct xen_domctl_sched_rtds *r = &v[i].u.rtds;

		if (v[i].vcpuid >= d->vcpus) {
			errno = EINVAL;
			return -1;
		}
		if (!set) {
			*r = d->rtds[v[i].vcpuid];
			continue;
		}
		if (r->period < 10 || r->budget < 10 || r->budget > r->period) {
			errno = EINVAL;
			return -1;
		}
		d->rtds[v[i].vcpuid] = *r;
	}
	return 0;
}

int xc_sched_rtds_vcpu_get(xc_interface *xch, uint32_t domid,
			   struct xen_domctl_schedparam_vcpu *vcpus,
			   uint32_t num_vcpus)
{
	(void)xch;
	return rtds_op(domid, vcpus, num_vcpus, false);
}

int xc_sched_rtds_vcpu_set(xc_interface *xch, uint32_t domid,
			   struct xen_domctl_schedparam_vcpu *vcpus,
			   uint32_t num_vcpus)
{
	(void)xch;
	return rtds_op(domid, vcpus, num_vcpus, true);
}

/* ------------------------------------------------------------------------ */
/* libxenstore: what hv/xen reads, the rest ENOSYS                          */
/* ------------------------------------------------------------------------ */

struct xs_handle {
	int unused;
};

struct xs_handle *xs_open(unsigned long flags)
{
	struct xs_handle *h;

	(void)flags;
	if (cfg.no_xenstore) {
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		handles++;
	return h;
}

void xs_close(struct xs_handle *h)
{
	if (h) {
		free(h);
		handles--;
	}
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	      unsigned int *len)
{
	char buf[64];
	unsigned id;

	(void)h, (void)t;
	if (!strcmp(path, "domid")) {
		snprintf(buf, sizeof(buf), "%u", FAKE_SELF);
	} else if (sscanf(path, "/local/domain/%u/name", &id) == 1 &&
		   find_dom(id)) {
		snprintf(buf, sizeof(buf), "%s", find_dom(id)->name);
	} else {
		errno = ENOENT;
		return NULL;
	}
	if (len)
		*len = (unsigned)strlen(buf);
	return strdup(buf);
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	char *p;

	(void)h;
	if (asprintf(&p, "/local/domain/%u", domid) < 0)
		return NULL;
	return p;
}

#define ENOSYS_RET(v)           \
	do {                    \
		errno = ENOSYS; \
		return v;       \
	} while (0)

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	      const void *data, unsigned int len)
{
	(void)h, (void)t, (void)path, (void)data, (void)len;
	ENOSYS_RET(false);
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h, (void)t, (void)path;
	ENOSYS_RET(false);
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h, (void)t, (void)path;
	ENOSYS_RET(false);
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int *num)
{
	(void)h, (void)t, (void)path, (void)num;
	ENOSYS_RET(NULL);
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h,
					  xs_transaction_t t, const char *path,
					  unsigned int *num)
{
	(void)h, (void)t, (void)path, (void)num;
	ENOSYS_RET(NULL);
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
			const char *path, struct xs_permissions *perms,
			unsigned int num_perms)
{
	(void)h, (void)t, (void)path, (void)perms, (void)num_perms;
	ENOSYS_RET(false);
}

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h, (void)path, (void)token;
	ENOSYS_RET(false);
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h, (void)path, (void)token;
	ENOSYS_RET(false);
}

int xs_fileno(struct xs_handle *h)
{
	(void)h;
	ENOSYS_RET(-1);
}

char **xs_check_watch(struct xs_handle *h)
{
	(void)h;
	ENOSYS_RET(NULL);
}

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	ENOSYS_RET(XBT_NULL);
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	(void)h, (void)t, (void)abort;
	ENOSYS_RET(false);
}

/* ------------------------------------------------------------------------ */

void fake_xen_reset(const struct fake_xen_cfg *c)
{
	static const struct xen_domctl_sched_rtds def = {
		10000, 4000, XEN_DOMCTL_SCHEDRT_extra};

	memset(&cfg, 0, sizeof(cfg));
	if (c)
		cfg = *c;
	memset(ports, 0, sizeof(ports));
	memset(grants, 0, sizeof(grants));
	memset(frame_used, 0, sizeof(frame_used));
	shares = maps = NULL;
	handles = 0;
	doms[0] = (struct fdom){.id = 0,
				.pool = 0,
				.vcpus = 2,
				.pages = 196608,
				.name = "Domain-0"};
	doms[1] = (struct fdom){
		.id = FAKE_SELF,
		.pool = cfg.self_in_credit_pool ? 0 : FAKE_RTDS_POOL,
		.vcpus = 2,
		.pages = 65536,
		.name = "self-vm"};
	doms[2] = (struct fdom){.id = FAKE_PEER,
				.pool = FAKE_RTDS_POOL,
				.vcpus = 1,
				.paused = true,
				.pages = 32768,
				.name = "peer-vm"};
	for (unsigned i = 0; i < 3; i++)
		for (unsigned v = 0; v < 4; v++)
			doms[i].rtds[v] = def;
}

unsigned fake_xen_live_grants(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NR_GREFS; i++)
		n += grants[i].used || grants[i].shared || grants[i].maps;
	return n;
}

unsigned fake_xen_live_maps(void)
{
	unsigned n = 0;

	for (struct fregion *r = maps; r; r = r->next)
		n += r->count;
	return n;
}

unsigned fake_xen_live_ports(void)
{
	unsigned n = 0;

	for (unsigned p = 0; p < NR_PORTS; p++)
		n += ports[p].state != P_FREE;
	return n;
}

unsigned fake_xen_open_handles(void)
{
	return handles;
}

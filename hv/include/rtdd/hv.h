/* SPDX-License-Identifier: MIT */
/*
 * rtdd/hv.h - the one hypervisor API of rtdd.
 *
 * Everything above hv/ reaches the hypervisor through this header: xenstore,
 * event channels, grant tables (share, map, copy), domain information and
 * RTDS scheduling parameters. Two implementations sit behind it:
 *
 *   hv/xen  the real Xen libraries (libxenstore, libxenevtchn, libxengnttab
 *           with xengntshr, libxenctrl) on the /dev/xen devices;
 *   hv/sim  rtdd-simhv, the embedded hypervisor for plain Linux (docs/hv.md).
 *
 * A process holds one rtdd_hv context per domain it acts as, so a test can
 * hold a frontend domain and a backend domain side by side. The context
 * carries the ops tables; the inline wrappers below are the public calls:
 *
 *     rtdd_evtchn_notify(ev, port)   ==   ev->hv->evtchn->notify(ev, port)
 *
 * Conventions, for every call here:
 *   - returns 0 (or a count where documented) on success, -errno on failure,
 *     never a positive error and never -1 with errno;
 *   - outputs end in _out and are written only on success;
 *   - memory returned through an _out pointer is one malloc() block the
 *     caller frees with free();
 *   - thread safety is stated per group. "Thread-safe" means callable
 *     concurrently on the same object; otherwise the caller serialises.
 *
 * Errno values shared by all calls: -ENOMEM (out of memory), -EIO (the
 * hypervisor or simhv connection failed; the context is unusable and should
 * be closed), -EINVAL (bad argument), -EOPNOTSUPP (the feature bit for the
 * call is clear on this hypervisor).
 */
#ifndef RTDD_HV_H
#define RTDD_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t rtdd_domid;  /* Xen domid_t */
typedef uint32_t rtdd_gref;   /* Xen grant_ref_t */
typedef uint32_t rtdd_port;   /* Xen evtchn_port_t */
typedef uint32_t rtdd_xs_txn; /* xenstore transaction id, 0 = none */

#define RTDD_DOMID_SELF 0x7ff0u	   /* DOMID_SELF */
#define RTDD_DOMID_INVALID 0x7ff4u /* DOMID_INVALID */
#define RTDD_XS_TXN_NONE ((rtdd_xs_txn)0)
#define RTDD_PAGE_SIZE 4096u

typedef struct rtdd_hv rtdd_hv;
typedef struct rtdd_evtchn rtdd_evtchn; /* an event channel handle */

/* ------------------------------------------------------------------------ */
/* Opening and features                                                     */
/* ------------------------------------------------------------------------ */

enum rtdd_hv_kind {
	RTDD_HV_XEN = 1,
	RTDD_HV_SIM = 2,
};

/* Feature bits, probed once at open; see rtdd_hv_features(). */
enum rtdd_hv_feature {
	RTDD_HV_F_XENSTORE = 1u << 0,	/* xenstore ops work */
	RTDD_HV_F_EVTCHN = 1u << 1,	/* event channel ops work */
	RTDD_HV_F_GNT_MAP = 1u << 2,	/* map foreign grants (gntdev) */
	RTDD_HV_F_GNT_SHARE = 1u << 3,	/* share own pages (gntalloc/gntshr) */
	RTDD_HV_F_GNT_COPY = 1u << 4,	/* batched grant copy */
	RTDD_HV_F_DOMINFO = 1u << 5,	/* information on other domains */
	RTDD_HV_F_SCHED_RTDS = 1u << 6, /* RTDS parameters get/set */
	/* RTDS parameters take effect as SCHED_DEADLINE (sim only) */
	RTDD_HV_F_SCHED_DEADLINE = 1u << 7,
};

/*
 * Open a context.
 *
 * spec selects the hypervisor:
 *   NULL or "auto"  Xen when /dev/xen/privcmd or /dev/xen/evtchn exists,
 *                   else sim when RTDD_SIM_DIR is set, else -ENOENT;
 *   "xen"           Xen only;
 *   "sim"           simhv in $RTDD_SIM_DIR as domain $RTDD_SIM_DOMID
 *                   (set by `rtdd-simhv run`; 0 when unset);
 *   "sim:N"         simhv in $RTDD_SIM_DIR as domain N (tests that act as
 *                   several domains in one process).
 *
 * On failure *err_out (if not NULL) receives a malloc'd one-line message
 * saying what is missing and what to do (e.g. which /dev/xen device is absent
 * and that the xen-evtchn/xen-gntdev modules or RTDD_SIM_DIR are the fix);
 * the library itself prints nothing.
 *
 * Returns 0, -ENOENT (no hypervisor of that kind here), -EACCES (devices or
 * sockets present but not permitted), -EINVAL (bad spec), -ENOMEM, -EIO.
 * Not thread-safe against rtdd_hv_close of the same context; different
 * contexts are independent.
 */
int rtdd_hv_open(const char *spec, rtdd_hv **hv_out, char **err_out);

/* Close a context and everything opened through it (event channel handles,
 * watches, mappings, shared pages). NULL is ignored. Idempotent per pointer
 * only in the sense that NULL is accepted: do not close twice. */
void rtdd_hv_close(rtdd_hv *hv);

enum rtdd_hv_kind rtdd_hv_kind(const rtdd_hv *hv);
const char *rtdd_hv_name(const rtdd_hv *hv); /* "xen" or "sim" */
uint32_t rtdd_hv_features(const rtdd_hv *hv);
/* Own domain id (from xenstore "domid" on Xen, from simhv on sim). */
rtdd_domid rtdd_hv_domid(const rtdd_hv *hv);

/* ------------------------------------------------------------------------ */
/* Xenstore                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Paths are absolute ("/local/domain/3/device/vbd/768") or relative to the
 * caller's home (/local/domain/<own domid>), as in libxenstore. Errno values
 * are xenstored's, as libxenstore reports them: -ENOENT (no such node),
 * -EACCES (permission), -EEXIST, -EINVAL (bad path or value), -E2BIG (value
 * or path over the limit), -ENOSPC (a per-domain quota is exhausted),
 * -EAGAIN (transaction conflict, retry the whole transaction), -EBUSY.
 *
 * All xenstore calls of one context are thread-safe (serialised inside).
 * Calls with txn != RTDD_XS_TXN_NONE act inside that transaction.
 */

enum rtdd_xs_perm_bits {
	RTDD_XS_PERM_NONE = 0,
	RTDD_XS_PERM_READ = 1,
	RTDD_XS_PERM_WRITE = 2,
	RTDD_XS_PERM_BOTH = 3,
};

/* First entry: owner and the permission everyone else gets; then per-domain
 * entries (xenstore semantics: "n0", "r3", ...). */
struct rtdd_xs_perm {
	rtdd_domid domid;
	uint8_t perms; /* enum rtdd_xs_perm_bits */
};

struct rtdd_xs_ops {
	/* *val_out: NUL-terminated copy (the NUL is not counted in *len_out). */
	int (*read)(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		    char **val_out, size_t *len_out);
	int (*write)(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     const void *val, size_t len);
	int (*mkdir)(rtdd_hv *hv, rtdd_xs_txn t, const char *path);
	/* Removes the node and its children. An absent node: -ENOENT, but
	 * Xen 4.17's xenstored answers 0 when its parent exists. */
	int (*rm)(rtdd_hv *hv, rtdd_xs_txn t, const char *path);
	/* *names_out: array of *n_out pointers into the same malloc block. */
	int (*directory)(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 char ***names_out, unsigned *n_out);
	int (*get_perms)(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 struct rtdd_xs_perm **perms_out, unsigned *n_out);
	int (*set_perms)(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			 const struct rtdd_xs_perm *perms, unsigned n);
	/* Watches fire on path and its children; registering fires once at
	 * once (xenstore semantics). token is returned with each event. */
	int (*watch)(rtdd_hv *hv, const char *path, const char *token);
	int (*unwatch)(rtdd_hv *hv, const char *path, const char *token);
	/* A file descriptor readable when watch events are queued. */
	int (*watch_fd)(rtdd_hv *hv);
	/* Next queued event without blocking: -EAGAIN when none. *path_out
	 * and *token_out point into one malloc block (*path_out is it). */
	int (*read_watch)(rtdd_hv *hv, char **path_out, char **token_out);
	int (*txn_start)(rtdd_hv *hv, rtdd_xs_txn *t_out);
	/* abort: discard. Returns -EAGAIN on conflict (nothing applied). */
	int (*txn_end)(rtdd_hv *hv, rtdd_xs_txn t, bool abort);
	/* "/local/domain/<domid>" as xenstored reports it. */
	int (*domain_path)(rtdd_hv *hv, rtdd_domid domid, char **path_out);
};

/* ------------------------------------------------------------------------ */
/* Event channels                                                           */
/* ------------------------------------------------------------------------ */

/*
 * Event channels live in handles, like xenevtchn: each handle has one file
 * descriptor that becomes readable when a port bound through it is pending.
 * A service thread opens its own handle for the rings it serves.
 *
 * Xen semantics: a delivered event leaves the port pending-and-masked;
 * rtdd_evtchn_pending() returns it once, and no further event on that port
 * is reported until rtdd_evtchn_unmask(). Events sent meanwhile are not lost:
 * they coalesce into one that is reported after the unmask. Notifying a port
 * whose remote end is unbound or closed is silently dropped (as Xen does).
 *
 * Thread safety: calls on different handles are independent; notify is
 * thread-safe on one handle; other calls on one handle are serialised by
 * the caller.
 */
struct rtdd_evtchn_ops {
	int (*open)(rtdd_hv *hv, rtdd_evtchn **ev_out);
	void (*close)(rtdd_evtchn *ev); /* unbinds every port; NULL ignored */
	int (*fd)(rtdd_evtchn *ev);	/* pollable, POLLIN when pending */
	/* -ESRCH: no such remote domain (sim; Xen allocates the port and it
	 * stays unbound). */
	int (*alloc_unbound)(rtdd_evtchn *ev, rtdd_domid remote,
			     rtdd_port *port_out);
	/* A freshly bound port may report one spurious event on Xen (Xen
	 * marks it pending at bind): callers treat events as hints.
	 * -EINVAL: remote port not unbound-for-us; -ESRCH: no domain;
	 * also -EINVAL when the remote port is already bound (as Xen). */
	int (*bind_interdomain)(rtdd_evtchn *ev, rtdd_domid remote,
				rtdd_port remote_port, rtdd_port *port_out);
	int (*unbind)(rtdd_evtchn *ev, rtdd_port port); /* -ENOENT: not ours */
	/* Fast path: no allocation, no simhv round trip on sim. */
	int (*notify)(rtdd_evtchn *ev, rtdd_port port);
	/* Next pending port without blocking; -EAGAIN when none. */
	int (*pending)(rtdd_evtchn *ev, rtdd_port *port_out);
	int (*unmask)(rtdd_evtchn *ev, rtdd_port port);
};

/* ------------------------------------------------------------------------ */
/* Grants                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Frontend side: share_pages allocates count zeroed pages, grants them to
 * domid (read-write unless readonly) and returns their address (contiguous
 * in the caller) and one ref per page. unshare_pages ends access and frees:
 * on sim it fails with -EBUSY and changes nothing while the peer still maps
 * any of the pages (Xen's gnttab_end_foreign_access rule); on Xen, gntalloc
 * defers the release until the peer unmaps, so the call returns 0.
 *
 * Backend side: map_refs maps count refs of domain domid contiguously,
 * read-only when readonly. Errors: -EPERM (not granted to us, or write
 * access to a read-only grant), -ENOENT / -EINVAL (bad or revoked ref),
 * -ESRCH (no such domain). On failure nothing stays mapped. unmap releases.
 *
 * copy performs a batch of grant copies (GNTTABOP_copy). Each segment gets
 * its own status (0 or -errno as for map); the call returns 0 when the batch
 * was submitted (look at the statuses) or -errno when it could not be.
 *
 * Local-to-local segments are -EINVAL on Xen (gntdev needs a grant on
 * one side) and copied on sim: do not rely on them.
 *
 * Thread safety: all grant calls of one context are thread-safe.
 */
struct rtdd_gnt_copy_ptr {
	bool is_gref; /* true: foreign (domid, ref); false: local virt */
	rtdd_domid domid;
	rtdd_gref ref;
	uint16_t offset; /* within the granted page */
	void *virt;	 /* local address (when !is_gref) */
};

struct rtdd_gnt_copy_seg {
	struct rtdd_gnt_copy_ptr src;
	struct rtdd_gnt_copy_ptr dst;
	uint16_t len;	/* offset + len must stay within one page */
	int16_t status; /* out: 0 or -errno */
};

struct rtdd_gnt_ops {
	int (*share_pages)(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			   bool readonly, void **addr_out, rtdd_gref *refs_out);
	int (*unshare_pages)(rtdd_hv *hv, void *addr, unsigned count);
	int (*map_refs)(rtdd_hv *hv, rtdd_domid domid, unsigned count,
			const rtdd_gref *refs, bool readonly, void **addr_out);
	int (*unmap)(rtdd_hv *hv, void *addr, unsigned count);
	int (*copy)(rtdd_hv *hv, unsigned count,
		    struct rtdd_gnt_copy_seg *segs);
};

/* ------------------------------------------------------------------------ */
/* Domains and scheduling                                                   */
/* ------------------------------------------------------------------------ */

enum rtdd_dom_state {
	RTDD_DOM_RUNNING = 1,
	RTDD_DOM_PAUSED = 2,
	RTDD_DOM_SHUTDOWN = 3, /* shut down, not yet destroyed */
	RTDD_DOM_CRASHED = 4,
	RTDD_DOM_DYING = 5,
};

struct rtdd_dom_info {
	rtdd_domid domid;
	enum rtdd_dom_state state;
	unsigned vcpus;
	uint64_t mem_kib;
	uint32_t cpupool;
	char name[64]; /* from xenstore; empty when unknown */
};

/* RTDS parameters of one VCPU, in microseconds as `xl sched-rtds` shows. */
struct rtdd_rtds_params {
	uint32_t period_us; /* >= 10 (RTDS minimum) */
	uint32_t budget_us; /* >= 10, <= period_us */
	bool extratime;
};

/*
 * info: -ESRCH (no such domain), -EPERM (not privileged: a domU on Xen).
 * rtds_get / rtds_set: -ESRCH, -EINVAL (vcpu out of range, parameters below
 * the RTDS minimum or budget > period), -EPERM, -EOPNOTSUPP (the domain's
 * cpupool does not run RTDS). All thread-safe.
 */
struct rtdd_dom_ops {
	int (*info)(rtdd_hv *hv, rtdd_domid domid, struct rtdd_dom_info *out);
	int (*rtds_get)(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			struct rtdd_rtds_params *out);
	int (*rtds_set)(rtdd_hv *hv, rtdd_domid domid, unsigned vcpu,
			const struct rtdd_rtds_params *p);
};

/* ------------------------------------------------------------------------ */
/* The context                                                              */
/* ------------------------------------------------------------------------ */

/* Implementations embed this at the start of their context. Users read the
 * ops through the wrappers below and never write the fields. */
struct rtdd_hv {
	const struct rtdd_xs_ops *xs;
	const struct rtdd_evtchn_ops *evtchn;
	const struct rtdd_gnt_ops *gnt;
	const struct rtdd_dom_ops *dom;
	enum rtdd_hv_kind kind;
	uint32_t features;
	rtdd_domid domid;
	void (*close)(rtdd_hv *hv);
};

/* Every event channel handle starts with this. */
struct rtdd_evtchn {
	rtdd_hv *hv;
};

/* Wrappers: the public calls. */
static inline int rtdd_xs_read(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			       char **val_out, size_t *len_out)
{
	return hv->xs->read(hv, t, path, val_out, len_out);
}
static inline int rtdd_xs_write(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
				const void *val, size_t len)
{
	return hv->xs->write(hv, t, path, val, len);
}
static inline int rtdd_xs_mkdir(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	return hv->xs->mkdir(hv, t, path);
}
static inline int rtdd_xs_rm(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	return hv->xs->rm(hv, t, path);
}
static inline int rtdd_xs_directory(rtdd_hv *hv, rtdd_xs_txn t,
				    const char *path, char ***names_out,
				    unsigned *n_out)
{
	return hv->xs->directory(hv, t, path, names_out, n_out);
}
static inline int rtdd_xs_get_perms(rtdd_hv *hv, rtdd_xs_txn t,
				    const char *path,
				    struct rtdd_xs_perm **perms_out,
				    unsigned *n_out)
{
	return hv->xs->get_perms(hv, t, path, perms_out, n_out);
}
static inline int rtdd_xs_set_perms(rtdd_hv *hv, rtdd_xs_txn t,
				    const char *path,
				    const struct rtdd_xs_perm *perms,
				    unsigned n)
{
	return hv->xs->set_perms(hv, t, path, perms, n);
}
static inline int rtdd_xs_watch(rtdd_hv *hv, const char *path,
				const char *token)
{
	return hv->xs->watch(hv, path, token);
}
static inline int rtdd_xs_unwatch(rtdd_hv *hv, const char *path,
				  const char *token)
{
	return hv->xs->unwatch(hv, path, token);
}
static inline int rtdd_xs_watch_fd(rtdd_hv *hv)
{
	return hv->xs->watch_fd(hv);
}
static inline int rtdd_xs_read_watch(rtdd_hv *hv, char **path_out,
				     char **token_out)
{
	return hv->xs->read_watch(hv, path_out, token_out);
}
static inline int rtdd_xs_txn_start(rtdd_hv *hv, rtdd_xs_txn *t_out)
{
	return hv->xs->txn_start(hv, t_out);
}
static inline int rtdd_xs_txn_end(rtdd_hv *hv, rtdd_xs_txn t, bool abort)
{
	return hv->xs->txn_end(hv, t, abort);
}
static inline int rtdd_xs_domain_path(rtdd_hv *hv, rtdd_domid domid,
				      char **path_out)
{
	return hv->xs->domain_path(hv, domid, path_out);
}

static inline int rtdd_evtchn_open(rtdd_hv *hv, rtdd_evtchn **ev_out)
{
	return hv->evtchn->open(hv, ev_out);
}
static inline void rtdd_evtchn_close(rtdd_evtchn *ev)
{
	if (ev)
		ev->hv->evtchn->close(ev);
}
static inline int rtdd_evtchn_fd(rtdd_evtchn *ev)
{
	return ev->hv->evtchn->fd(ev);
}
static inline int rtdd_evtchn_alloc_unbound(rtdd_evtchn *ev, rtdd_domid remote,
					    rtdd_port *port_out)
{
	return ev->hv->evtchn->alloc_unbound(ev, remote, port_out);
}
static inline int rtdd_evtchn_bind_interdomain(rtdd_evtchn *ev,
					       rtdd_domid remote,
					       rtdd_port remote_port,
					       rtdd_port *port_out)
{
	return ev->hv->evtchn->bind_interdomain(ev, remote, remote_port,
						port_out);
}
static inline int rtdd_evtchn_unbind(rtdd_evtchn *ev, rtdd_port port)
{
	return ev->hv->evtchn->unbind(ev, port);
}
static inline int rtdd_evtchn_notify(rtdd_evtchn *ev, rtdd_port port)
{
	return ev->hv->evtchn->notify(ev, port);
}
static inline int rtdd_evtchn_pending(rtdd_evtchn *ev, rtdd_port *port_out)
{
	return ev->hv->evtchn->pending(ev, port_out);
}
static inline int rtdd_evtchn_unmask(rtdd_evtchn *ev, rtdd_port port)
{
	return ev->hv->evtchn->unmask(ev, port);
}

static inline int rtdd_gnt_share_pages(rtdd_hv *hv, rtdd_domid domid,
				       unsigned count, bool readonly,
				       void **addr_out, rtdd_gref *refs_out)
{
	return hv->gnt->share_pages(hv, domid, count, readonly, addr_out,
				    refs_out);
}
static inline int rtdd_gnt_unshare_pages(rtdd_hv *hv, void *addr,
					 unsigned count)
{
	return hv->gnt->unshare_pages(hv, addr, count);
}
static inline int rtdd_gnt_map_refs(rtdd_hv *hv, rtdd_domid domid,
				    unsigned count, const rtdd_gref *refs,
				    bool readonly, void **addr_out)
{
	return hv->gnt->map_refs(hv, domid, count, refs, readonly, addr_out);
}
static inline int rtdd_gnt_unmap(rtdd_hv *hv, void *addr, unsigned count)
{
	return hv->gnt->unmap(hv, addr, count);
}
static inline int rtdd_gnt_copy(rtdd_hv *hv, unsigned count,
				struct rtdd_gnt_copy_seg *segs)
{
	return hv->gnt->copy(hv, count, segs);
}

static inline int rtdd_dom_info(rtdd_hv *hv, rtdd_domid domid,
				struct rtdd_dom_info *out)
{
	return hv->dom->info(hv, domid, out);
}
static inline int rtdd_sched_rtds_get(rtdd_hv *hv, rtdd_domid domid,
				      unsigned vcpu,
				      struct rtdd_rtds_params *out)
{
	return hv->dom->rtds_get(hv, domid, vcpu, out);
}
static inline int rtdd_sched_rtds_set(rtdd_hv *hv, rtdd_domid domid,
				      unsigned vcpu,
				      const struct rtdd_rtds_params *p)
{
	return hv->dom->rtds_set(hv, domid, vcpu, p);
}

/* Helpers built on the ops (hv/common), same conventions. */

/* printf into a node. */
int rtdd_xs_printf(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Read a node as an unsigned/signed integer: -EINVAL if it is not one
 * (whole value, base 10, no sign for unsigned, within range). */
int rtdd_xs_read_u64(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     uint64_t *val_out);
int rtdd_xs_read_int(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     int *val_out);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_HV_H */

/* SPDX-License-Identifier: MIT */
/*
 * Internals of simhv's xenstore server (hv/sim/xenstored).
 *
 *   store.c   the node tree (a hash of full paths), transactions as
 *             copy-on-access overlays, permissions, quotas accounting
 *   ops.c     the operations (write, mkdir, rm, set_perms...) and watches
 *   wire.c    the xs_wire.h message handlers and replies
 *   server.c  domains, unix sockets, the epoll set, the public API
 *
 * Errors inside are -errno, as everywhere in rtdd; wire.c turns them into
 * xenstored's error strings.
 */
#ifndef RTDD_SIM_XENSTORED_PRIVATE_H
#define RTDD_SIM_XENSTORED_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "xenstored.h"

/* Permission bits as xenstored uses them (xenstore_lib.h). */
#define XSD_PERM_READ 0x01u
#define XSD_PERM_WRITE 0x02u
#define XSD_PERM_OWNER 0x08u

/* Xen 4.17 defaults (xenstored_core.c, xenstored_domain.c). */
#define XSD_DEF_NODES 1000u
#define XSD_DEF_WATCHES 128u
#define XSD_DEF_TRANSACTIONS 10u
#define XSD_DEF_ENTRY_SIZE 2048u
#define XSD_DEF_PATH_LEN XENSTORE_REL_PATH_MAX
#define XSD_PERMS_PER_NODE 5u

/* Size of xenstored's tdb record header and of one permission entry: the
 * entry-size quota counts them, as xenstored's write_node_raw() does. */
#define XSD_REC_HDR 24u
#define XSD_REC_PERM 8u

#define XSD_NO_GEN UINT64_MAX
#define XSD_MAX_DOMID 0xffffu

/* ---- a string-keyed hash map ---- */
struct xsd_map_ent {
	struct xsd_map_ent *next;
	uint32_t hash;
	void *val;
	char key[];
};

struct xsd_map {
	struct xsd_map_ent **b;
	size_t nb;
	size_t n;
};

int rtdd__xsd_map_init(struct xsd_map *m);
void *rtdd__xsd_map_get(const struct xsd_map *m, const char *key);
/* Inserts or replaces; the key is copied. */
int rtdd__xsd_map_put(struct xsd_map *m, const char *key, void *val);
/* Removes the entry and returns its value (NULL if absent). */
void *rtdd__xsd_map_del(struct xsd_map *m, const char *key);
void rtdd__xsd_map_fini(struct xsd_map *m, void (*free_val)(void *));

/* ---- nodes ---- */
struct xsd_node {
	char *path;
	char *val;
	uint32_t vlen;
	uint32_t nperms;
	struct rtdd_xs_perm *perms; /* [0] is the owner */
	char **kids;		    /* child base names, creation order */
	uint32_t nkids;
	uint32_t kcap;
	uint32_t kidlen; /* sum of strlen(kid) + 1, xenstored's childlen */
	uint64_t gen;
};

struct xsd_node *rtdd__xsd_node_new(const char *path);
struct xsd_node *rtdd__xsd_node_clone(const struct xsd_node *n);
void rtdd__xsd_node_free(struct xsd_node *n);
int rtdd__xsd_node_set_val(struct xsd_node *n, const void *val, size_t len);
int rtdd__xsd_node_set_perms(struct xsd_node *n, const struct rtdd_xs_perm *p,
			     unsigned np);
int rtdd__xsd_node_add_kid(struct xsd_node *n, const char *name);
void rtdd__xsd_node_del_kid(struct xsd_node *n, const char *name);
size_t rtdd__xsd_node_entry_size(const struct xsd_node *n);

/* ---- watches, transactions, connections, domains ---- */
struct xsd_watch {
	struct xsd_watch *next;
	char *path; /* canonical */
	char *token;
	size_t strip; /* prefix length to strip in events (relative) */
};

struct xsd_tent {
	struct xsd_node *node; /* the transaction's view; NULL = absent */
	uint64_t gen;	       /* main store generation at first access */
	bool modified;
};

struct xsd_fire {
	struct xsd_fire *next;
	bool exact;
	uint32_t nperms;
	uint32_t nold;
	struct rtdd_xs_perm *perms; /* the node's permissions when queued, */
	struct rtdd_xs_perm *old;   /* and before (SET_PERMS), in one block */
	char path[];
};

struct xsd_delta {
	rtdd_domid domid;
	int n;
};

struct xsd_tx {
	struct xsd_tx *next;
	uint32_t id;
	bool failed; /* out of memory inside: commit fails */
	struct xsd_map ents;
	struct xsd_delta *deltas;
	unsigned ndeltas;
	struct xsd_fire *fires;
	struct xsd_fire **fires_tail;
};

enum xsd_ep_kind {
	XSD_EP_LISTEN = 1,
	XSD_EP_CONN = 2,
};

struct xsd_ep {
	enum xsd_ep_kind kind;
};

#define XSD_IN_CAP (2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))
/* Pending output past which a connection stops being read and loses watch
 * events (a client that never reads cannot grow simhv without bound). */
#define XSD_OUT_MAX (1u << 20)

struct xsd_conn {
	struct xsd_ep ep;
	struct xsd_conn *next;
	struct rtdd_xsd *xsd;
	struct xsd_dom *dom;
	int fd;
	bool dead;
	bool throttled;
	uint32_t ep_events; /* current epoll interest */
	size_t inlen;
	char *out;
	size_t olen;
	size_t ooff;
	size_t ocap;
	struct xsd_watch *watches;
	struct xsd_tx *txs;
	uint32_t next_txid;
	uint64_t dropped_events;
	char in[XSD_IN_CAP + 1];
};

struct xsd_dom {
	struct xsd_ep ep;
	rtdd_domid domid;
	bool served;	 /* has a listening socket */
	bool introduced; /* IS_DOMAIN_INTRODUCED says T */
	bool has_target;
	rtdd_domid target;
	int lfd;
	char *sock_path;
	unsigned nnodes; /* nodes it owns in the main store */
	unsigned nwatches;
	unsigned ntx;
};

struct rtdd_xsd {
	struct rtdd_xsd_config cfg;
	int epfd;
	struct xsd_map nodes; /* path -> struct xsd_node */
	uint64_t gen;
	struct xsd_dom *doms[XSD_MAX_DOMID + 1];
	struct xsd_conn *conns;
	struct xsd_conn *zombies; /* closed during a dispatch, freed after */
	struct rtdd_xs_perm introduce_perms[XSD_PERMS_PER_NODE];
	unsigned n_introduce_perms;
	struct rtdd_xs_perm release_perms[XSD_PERMS_PER_NODE];
	unsigned n_release_perms;
};

/* One request's context: who asks, inside which transaction. conn is NULL
 * for simhv's direct calls (they act as dom0). */
struct xsd_req {
	struct rtdd_xsd *xsd;
	struct xsd_conn *conn;
	rtdd_domid domid;
	struct xsd_tx *tx;
};

/* ---- store.c ---- */
struct xsd_dom *rtdd__xsd_dom_get(struct rtdd_xsd *x, rtdd_domid domid);
unsigned rtdd__xsd_perm_for(struct rtdd_xsd *x, rtdd_domid domid,
			    const struct rtdd_xs_perm *p, unsigned np);
static inline bool rtdd__xsd_priv(rtdd_domid domid)
{
	return domid == 0;
}
/* The node as the request sees it, or NULL if absent. In a transaction the
 * first access records the main store's generation for the commit check. */
struct xsd_node *rtdd__xsd_st_get(struct xsd_req *r, const char *path);
/* The request is about to change n (from st_get). */
void rtdd__xsd_st_dirty(struct xsd_req *r, struct xsd_node *n);
/* Adds a new node (takes ownership) and accounts it to its owner. */
int rtdd__xsd_st_insert(struct xsd_req *r, struct xsd_node *n);
/* Removes n (from st_get) and frees it. */
void rtdd__xsd_st_remove(struct xsd_req *r, struct xsd_node *n);
void rtdd__xsd_st_account(struct xsd_req *r, rtdd_domid owner, int delta);
/* Nodes owned by domid, as the request's transaction would leave them. */
long rtdd__xsd_st_count(struct xsd_req *r, rtdd_domid domid);

struct xsd_tx *rtdd__xsd_tx_new(uint32_t id);
void rtdd__xsd_tx_free(struct xsd_tx *tx);
/* Checks and applies tx to the main store, then fires its queued watches.
 * -EAGAIN on conflict, -ENOSPC over the node quota, -ENOMEM. tx is left
 * for the caller to free either way. */
int rtdd__xsd_tx_commit(struct rtdd_xsd *x, struct xsd_tx *tx);

/* Checks the store: every child name has its node, every node is listed
 * by its parent, per-domain node counts match ownership. -EIO if not. */
int rtdd__xsd_check(struct rtdd_xsd *x);

/* ---- ops.c ---- */
/* Relative paths become /local/domain/<domid>/path. Returns a malloc'd
 * string or NULL (out of memory). */
char *rtdd__xsd_canonical(rtdd_domid domid, const char *path);
bool rtdd__xsd_valid_path(const struct rtdd_xsd *x, rtdd_domid domid,
			  const char *path);
/* xenstored's get_node(): NULL with *err set when missing or forbidden. */
struct xsd_node *rtdd__xsd_get_node(struct xsd_req *r, const char *path,
				    unsigned perm, int *err);
int rtdd__xsd_do_write(struct xsd_req *r, const char *path, const void *val,
		       size_t len);
int rtdd__xsd_do_mkdir(struct xsd_req *r, const char *path);
int rtdd__xsd_do_rm(struct xsd_req *r, const char *path);
int rtdd__xsd_do_set_perms(struct xsd_req *r, const char *path,
			   const struct rtdd_xs_perm *p, unsigned np);
/* Fire (or, inside a transaction, queue) the watches for a change. */
void rtdd__xsd_fire(struct xsd_req *r, const char *path, bool exact,
		    const struct rtdd_xs_perm *perms, unsigned np,
		    const struct rtdd_xs_perm *old, unsigned nold);
void rtdd__xsd_fire_now(struct rtdd_xsd *x, const char *path, bool exact,
			const struct rtdd_xs_perm *perms, unsigned np,
			const struct rtdd_xs_perm *old, unsigned nold);
/* Special nodes (@introduceDomain, @releaseDomain) and their permissions. */
struct rtdd_xs_perm *rtdd__xsd_special_perms(struct rtdd_xsd *x,
					     const char *name,
					     unsigned **np_out);
int rtdd__xsd_add_watch(struct xsd_req *r, const char *path, const char *token);
int rtdd__xsd_del_watch(struct xsd_req *r, const char *path, const char *token);
void rtdd__xsd_conn_drop_watches(struct xsd_conn *c);
/* The domain is gone: hand its nodes to dom0 and drop its ACL entries. */
void rtdd__xsd_scrub_domain(struct rtdd_xsd *x, rtdd_domid domid);

/* ---- wire.c ---- */
/* Handles one complete message from c (hdr + body, body[len] is NUL). */
void rtdd__xsd_handle(struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		      char *body);

/* ---- server.c ---- */
/* Queues a message on c; watch events are dropped over XSD_OUT_MAX. */
void rtdd__xsd_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id,
		     uint32_t tx_id, const void *data, size_t len);
void rtdd__xsd_event(struct xsd_conn *c, const char *path, const char *token);
void rtdd__xsd_conn_close(struct rtdd_xsd *x, struct xsd_conn *c);
void rtdd__xsd_conn_drop_txs(struct xsd_conn *c);
void rtdd__xsd_flush_all(struct rtdd_xsd *x);
/* RELEASE: the domain stops being introduced; its connections close. */
void rtdd__xsd_release(struct rtdd_xsd *x, struct xsd_dom *d);
void rtdd__xsd_introduce(struct rtdd_xsd *x, struct xsd_dom *d);

#endif

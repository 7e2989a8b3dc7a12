/* SPDX-License-Identifier: MIT */
/*
 * The xenstore server embedded in rtdd-simhv (private to hv/sim).
 *
 * It speaks the wire protocol of xen/io/xs_wire.h on one unix socket per
 * simulated domain, so the caller's domid is the socket it came in on; the
 * real libxenstore and Debian's xenstore-* tools connect with
 * XENSTORED_PATH=<socket>. Semantics follow Xen 4.17's C xenstored
 * (docs/misc/xenstore.txt): permissions, watches, transactions, quotas.
 *
 * Single-threaded: every call comes from simhv's main loop thread.
 * All calls return 0 or -errno.
 */
#ifndef RTDD_SIM_XENSTORED_H
#define RTDD_SIM_XENSTORED_H

#include <stdint.h>

#include "rtdd/hv.h"

struct rtdd_xsd;

/* Per-domain quotas; 0 in a field means Xen 4.17's default. dom0 is not
 * subject to quotas (as in xenstored). */
struct rtdd_xsd_config {
	unsigned nodes_per_domain;
	unsigned watches_per_domain;
	unsigned transactions_per_domain;
	unsigned max_value_size;
	unsigned max_path_len;
};

int rtdd_xsd_create(const struct rtdd_xsd_config *cfg /* NULL: defaults */,
		    struct rtdd_xsd **xsd_out);
void rtdd_xsd_destroy(struct rtdd_xsd *xsd); /* NULL ignored */

/* Start serving domain domid on a new listening unix socket at sock_path
 * (dom0 is privileged). For domid != 0 the domain counts as introduced and
 * @introduceDomain fires. -EEXIST if domid is already served. */
int rtdd_xsd_domain_add(struct rtdd_xsd *xsd, rtdd_domid domid,
			const char *sock_path);

/* The domain is gone: close its connections and socket, drop its watches
 * and transactions, fire @releaseDomain, and remove the nodes it owned
 * under /local/domain/<domid> (what libxl does on destroy). -ENOENT if
 * unknown. Other domains are unaffected. */
int rtdd_xsd_domain_remove(struct rtdd_xsd *xsd, rtdd_domid domid);

/* Readable (POLLIN) when rtdd_xsd_dispatch() has work. */
int rtdd_xsd_fd(struct rtdd_xsd *xsd);

/* Serve everything ready without blocking. A malformed message closes only
 * the connection it came on (or gets an error reply). */
int rtdd_xsd_dispatch(struct rtdd_xsd *xsd);

/* Privileged direct access for simhv itself (acts as dom0, no socket),
 * e.g. /local/domain/<id>/{name,domid} at domain creation. Fires watches.
 * perms/nperms as in rtdd_xs_set_perms; nperms 0 keeps inherited ones. */
int rtdd_xsd_write(struct rtdd_xsd *xsd, const char *path, const char *val,
		   const struct rtdd_xs_perm *perms, unsigned nperms);
int rtdd_xsd_rm(struct rtdd_xsd *xsd, const char *path);

#endif

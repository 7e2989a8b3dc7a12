/* SPDX-License-Identifier: MIT */
/*
 * hv/private.h - shared between hv/common, hv/xen and hv/sim; never
 * included outside hv/.
 */
#ifndef RTDD_HV_PRIVATE_H
#define RTDD_HV_PRIVATE_H

#include <pthread.h>

#include "rtdd/hv.h"

struct xs_handle;

/*
 * Every context starts with this. Both implementations speak xenstore
 * through libxenstore: on Xen to xenstored (or /dev/xen/xenbus in a domU),
 * on sim to rtdd-simhv's per-domain socket, which serves the same wire
 * protocol (xen/io/xs_wire.h).
 */
struct rtdd__hv_common {
	struct rtdd_hv pub;
	struct xs_handle *xsh; /* NULL when xenstore is unavailable */
};

static inline struct rtdd__hv_common *rtdd__hv_common(rtdd_hv *hv)
{
	return (struct rtdd__hv_common *)hv;
}

/* Implementations. Each fills *err_out with a message on failure. */
int rtdd__xen_open(rtdd_hv **hv_out, char **err_out);
/* dir: simhv run directory; domid: which domain to act as. */
int rtdd__sim_open(const char *dir, rtdd_domid domid, rtdd_hv **hv_out,
		   char **err_out);

/* xenstore over libxenstore (hv/common/xs.c). socket_path NULL: libxenstore
 * default (XENSTORED_PATH, then /dev/xen/xenbus or the daemon socket). */
int rtdd__xs_connect(struct rtdd__hv_common *c, const char *socket_path);
void rtdd__xs_disconnect(struct rtdd__hv_common *c);
extern const struct rtdd_xs_ops rtdd__xs_ops;

/* A malloc'd message for *err_out (no-op when err_out is NULL). */
void rtdd__set_err(char **err_out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

// SPDX-License-Identifier: MIT
/* Frontend xenbus handshake and ring sharing: see rtdd/fe_xenbus.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtdd/fe_xenbus.h"
#include "rtdd/numlist.h"

struct rtdd_xb_fe {
	rtdd_hv *hv;
	char *path;
	char *be_path;
	char *name;
	rtdd_domid be_domid;
	enum xenbus_state state;
	rtdd_xb_fe_log_fn log;
	void *log_arg;
};

static const char *const names[] = {
	"Unknown", "Initialising", "InitWait",	    "Initialised",  "Connected",
	"Closing", "Closed",	   "Reconfiguring", "Reconfigured",
};

static const char *sname(int s)
{
	return s >= 0 && s <= 8 ? names[s] : "Unknown";
}

rtdd_hv *rtdd_xb_fe_hv(const rtdd_xb_fe *fe)
{
	return fe->hv;
}
const char *rtdd_xb_fe_path(const rtdd_xb_fe *fe)
{
	return fe->path;
}
const char *rtdd_xb_fe_be_path(const rtdd_xb_fe *fe)
{
	return fe->be_path;
}
rtdd_domid rtdd_xb_fe_be_domid(const rtdd_xb_fe *fe)
{
	return fe->be_domid;
}
enum xenbus_state rtdd_xb_fe_state(const rtdd_xb_fe *fe)
{
	return fe->state;
}

static int read_state(rtdd_hv *hv, const char *dir, enum xenbus_state *out)
{
	char p[512];
	int v, rc;

	snprintf(p, sizeof(p), "%s/state", dir);
	rc = rtdd_xs_read_int(hv, RTDD_XS_TXN_NONE, p, &v);
	if (rc)
		return rc;
	if (v < 0 || v > XenbusStateReconfigured)
		return -EINVAL;
	*out = (enum xenbus_state)v;
	return 0;
}

int rtdd_xb_fe_open(rtdd_hv *hv, const char *path, const char *kind,
		    rtdd_xb_fe_log_fn log, void *log_arg, rtdd_xb_fe **fe_out)
{
	rtdd_xb_fe *fe;
	char *home = NULL, *val = NULL, p[512];
	size_t len;
	int rc, id;
	const char *dev;

	if (!hv || !path || !kind || !fe_out)
		return -EINVAL;
	fe = calloc(1, sizeof(*fe));
	if (!fe)
		return -ENOMEM;
	fe->hv = hv;
	fe->log = log;
	fe->log_arg = log_arg;
	if (path[0] == '/') {
		fe->path = strdup(path);
	} else {
		rc = rtdd_xs_domain_path(hv, rtdd_hv_domid(hv), &home);
		if (rc)
			goto out;
		if (asprintf(&fe->path, "%s/%s", home, path) < 0)
			fe->path = NULL;
	}
	rc = -ENOMEM;
	if (!fe->path)
		goto out;
	snprintf(p, sizeof(p), "%s/backend", fe->path);
	rc = rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &val, &len);
	if (rc)
		goto out;
	if (val[0] != '/') {
		rc = -EINVAL;
		goto out;
	}
	fe->be_path = val;
	val = NULL;
	snprintf(p, sizeof(p), "%s/backend-id", fe->path);
	rc = rtdd_xs_read_int(hv, RTDD_XS_TXN_NONE, p, &id);
	if (rc)
		goto out;
	if (id < 0 || id >= (int)RTDD_DOMID_SELF) {
		rc = -EINVAL;
		goto out;
	}
	fe->be_domid = (rtdd_domid)id;
	dev = strrchr(fe->path, '/');
	if (asprintf(&fe->name, "%s/%s", kind, dev ? dev + 1 : fe->path) < 0) {
		fe->name = NULL;
		rc = -ENOMEM;
		goto out;
	}
	if (read_state(hv, fe->path, &fe->state))
		fe->state = XenbusStateUnknown;
	free(home);
	*fe_out = fe;
	return 0;
out:
	free(home);
	free(val);
	free(fe->path);
	free(fe->be_path);
	free(fe);
	return rc;
}

int rtdd_xb_fe_refresh(rtdd_xb_fe *fe, bool *moved)
{
	char p[512], *val = NULL, line[600];
	size_t len;
	int rc, id;

	*moved = false;
	snprintf(p, sizeof(p), "%s/backend", fe->path);
	rc = rtdd_xs_read(fe->hv, RTDD_XS_TXN_NONE, p, &val, &len);
	if (rc)
		return rc;
	snprintf(p, sizeof(p), "%s/backend-id", fe->path);
	rc = rtdd_xs_read_int(fe->hv, RTDD_XS_TXN_NONE, p, &id);
	if (!rc && (val[0] != '/' || id < 0 || id >= (int)RTDD_DOMID_SELF))
		rc = -EINVAL;
	if (rc) {
		free(val);
		return rc;
	}
	if (!strcmp(val, fe->be_path) && (rtdd_domid)id == fe->be_domid) {
		free(val);
		return 0;
	}
	if (fe->log) {
		snprintf(line, sizeof(line),
			 "%s backend moved: %s (domain %u) -> %s (domain %d)",
			 fe->name, fe->be_path, (unsigned)fe->be_domid, val,
			 id);
		fe->log(fe->log_arg, line);
	}
	free(fe->be_path);
	fe->be_path = val;
	fe->be_domid = (rtdd_domid)id;
	*moved = true;
	return 0;
}

bool rtdd_xb_fe_gone_expired(rtdd_xb_fe *fe, uint64_t *gone_ns, uint64_t now,
			     int reconnect_ms)
{
	char line[600];

	if (*gone_ns)
		return now - *gone_ns > (uint64_t)reconnect_ms * 1000000u;
	*gone_ns = now ? now : 1;
	if (fe->log) {
		snprintf(line, sizeof(line),
			 "%s: backend gone; waiting up to %d ms for its "
			 "replacement",
			 fe->path, reconnect_ms);
		fe->log(fe->log_arg, line);
	}
	return false;
}

void rtdd_xb_fe_close(rtdd_xb_fe *fe)
{
	if (!fe)
		return;
	free(fe->path);
	free(fe->be_path);
	free(fe->name);
	free(fe);
}

int rtdd_xb_fe_switch_state(rtdd_xb_fe *fe, enum xenbus_state s)
{
	char p[512], line[160];
	int rc;

	if (s == fe->state)
		return 0;
	snprintf(p, sizeof(p), "%s/state", fe->path);
	rc = rtdd_xs_printf(fe->hv, RTDD_XS_TXN_NONE, p, "%d", (int)s);
	if (rc)
		return rc;
	if (fe->log) {
		snprintf(line, sizeof(line), "%s frontend %s -> %s", fe->name,
			 sname(fe->state), sname(s));
		fe->log(fe->log_arg, line);
	}
	fe->state = s;
	return 0;
}

enum xenbus_state rtdd_xb_fe_be_state(rtdd_xb_fe *fe)
{
	enum xenbus_state s;

	if (read_state(fe->hv, fe->be_path, &s))
		return XenbusStateUnknown;
	return s;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rtdd_xb_fe_wait_be(rtdd_xb_fe *fe, unsigned mask, int timeout_ms,
		       enum xenbus_state *state_out)
{
	uint64_t end = now_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);

	for (;;) {
		enum xenbus_state s = rtdd_xb_fe_be_state(fe);

		if (mask & (1u << s)) {
			if (state_out)
				*state_out = s;
			return 0;
		}
		if (now_ms() >= end)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
}

#define BIT(s) (1u << (s))

int rtdd_xb_fe_reset(rtdd_xb_fe *fe, int timeout_ms)
{
	enum xenbus_state be = rtdd_xb_fe_be_state(fe);
	int rc;

	if (be == XenbusStateConnected || be == XenbusStateClosing ||
	    be == XenbusStateInitialised ||
	    (be == XenbusStateClosed && fe->state != XenbusStateClosed)) {
		/* The backend holds (or is closing) an old session: take it
		 * through Closing and Closed, as a device unplug would. */
		rc = rtdd_xb_fe_switch_state(fe, XenbusStateClosing);
		if (rc)
			return rc;
		rc = rtdd_xb_fe_wait_be(fe,
					BIT(XenbusStateClosing) |
						BIT(XenbusStateClosed) |
						BIT(XenbusStateInitWait),
					timeout_ms, &be);
		if (rc)
			return rc;
		rc = rtdd_xb_fe_switch_state(fe, XenbusStateClosed);
		if (rc)
			return rc;
		if (be != XenbusStateInitWait) {
			rc = rtdd_xb_fe_wait_be(
				fe,
				BIT(XenbusStateClosed) |
					BIT(XenbusStateInitWait),
				timeout_ms, &be);
			if (rc)
				return rc;
		}
	}
	rc = rtdd_xb_fe_switch_state(fe, XenbusStateInitialising);
	if (rc)
		return rc;
	return rtdd_xb_fe_wait_be(fe, BIT(XenbusStateInitWait), timeout_ms,
				  NULL);
}

int rtdd_xb_fe_be_u64(rtdd_xb_fe *fe, const char *key, uint64_t def,
		      uint64_t *out)
{
	char p[512];
	int rc;

	snprintf(p, sizeof(p), "%s/%s", fe->be_path, key);
	rc = rtdd_xs_read_u64(fe->hv, RTDD_XS_TXN_NONE, p, out);
	if (rc == -ENOENT) {
		*out = def;
		return 0;
	}
	return rc;
}

void rtdd_xb_fe_be_error(rtdd_xb_fe *fe, char *buf, size_t len)
{
	char p[512], *v = NULL;
	size_t n;

	if (len)
		buf[0] = '\0';
	snprintf(p, sizeof(p), "%s/error", fe->be_path);
	if (rtdd_xs_read(fe->hv, RTDD_XS_TXN_NONE, p, &v, &n) == 0)
		snprintf(buf, len, "%s", v);
	free(v);
}

int rtdd_xb_fe_printf(rtdd_xb_fe *fe, rtdd_xs_txn t, const char *key,
		      const char *fmt, ...)
{
	char p[512], *val = NULL;
	va_list ap;
	int n, rc;

	snprintf(p, sizeof(p), "%s/%s", fe->path, key);
	va_start(ap, fmt);
	n = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rc = rtdd_xs_write(fe->hv, t, p, val, (size_t)n);
	free(val);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Rings                                                                    */
/* ------------------------------------------------------------------------ */

int rtdd_fe_ring_alloc(rtdd_hv *hv, rtdd_domid be, unsigned order,
		       struct rtdd_fe_ring *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (order > 4)
		return -EINVAL;
	r->order = order;
	rc = rtdd_gnt_share_pages(hv, be, 1u << order, false, &r->addr,
				  r->refs);
	if (rc) {
		r->addr = NULL;
		return rc;
	}
	rc = rtdd_evtchn_open(hv, &r->ev);
	if (rc) {
		r->ev = NULL;
		goto fail;
	}
	rc = rtdd_evtchn_alloc_unbound(r->ev, be, &r->port);
	if (rc)
		goto fail;
	r->bound = true;
	return 0;
fail:
	(void)rtdd_fe_ring_free(hv, r);
	return rc;
}

int rtdd_fe_ring_new_port(rtdd_domid be, struct rtdd_fe_ring *r)
{
	int rc;

	if (r->bound)
		(void)rtdd_evtchn_unbind(r->ev, r->port);
	r->bound = false;
	rc = rtdd_evtchn_alloc_unbound(r->ev, be, &r->port);
	if (!rc)
		r->bound = true;
	return rc;
}

int rtdd_fe_ring_move(rtdd_hv *hv, rtdd_domid be, struct rtdd_fe_ring *r)
{
	unsigned n = 1u << r->order;
	rtdd_gref refs[16];
	void *addr = NULL;
	int rc;

	rc = rtdd_gnt_share_pages(hv, be, n, false, &addr, refs);
	if (rc)
		return rc;
	rc = rtdd_fe_ring_new_port(be, r);
	if (rc) {
		(void)rtdd_gnt_unshare_pages(hv, addr, n);
		return rc;
	}
	/* The dead domain's grants are revoked by the unshare; a page it
	 * still maps is leaked rather than reused. */
	if (r->old_addr)
		(void)rtdd_gnt_unshare_pages(hv, r->old_addr, n);
	r->old_addr = r->addr;
	r->addr = addr;
	memcpy(r->refs, refs, n * sizeof(refs[0]));
	return 0;
}

bool rtdd_fe_write_refs_hint(rtdd_hv *hv, const char *dir, const char *key,
			     const rtdd_gref *a, unsigned na,
			     const rtdd_gref *b, unsigned nb)
{
	char v[RTDD_FE_HINT_MAX + 1], p[600];
	size_t used;
	bool fits;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, key) >= sizeof(p))
		return false;
	fits = !rtdd_numlist_fmt(a, na, v, sizeof(v));
	used = strlen(v);
	if (fits && nb) {
		fits = used + 2 <= sizeof(v);
		if (fits) {
			v[used++] = ',';
			fits = !rtdd_numlist_fmt(b, nb, v + used,
						 sizeof(v) - used);
		}
	}
	if (fits && !rtdd_xs_write(hv, RTDD_XS_TXN_NONE, p, v, strlen(v)))
		return true;
	/* No list, rather than one of an earlier connection's refs. */
	(void)rtdd_xs_rm(hv, RTDD_XS_TXN_NONE, p);
	return false;
}

int rtdd_fe_ring_publish(rtdd_hv *hv, rtdd_xs_txn t, const char *dir,
			 const char *key, const struct rtdd_fe_ring *r)
{
	char p[512];
	int rc;

	for (unsigned i = 0; i < (1u << r->order); i++) {
		if (r->order == 0)
			snprintf(p, sizeof(p), "%s/%s", dir, key);
		else
			snprintf(p, sizeof(p), "%s/%s%u", dir, key, i);
		rc = rtdd_xs_printf(hv, t, p, "%u", r->refs[i]);
		if (rc)
			return rc;
	}
	snprintf(p, sizeof(p), "%s/event-channel", dir);
	return rtdd_xs_printf(hv, t, p, "%u", r->port);
}

int rtdd_fe_ring_free(rtdd_hv *hv, struct rtdd_fe_ring *r)
{
	int rc = 0;

	if (r->bound)
		(void)rtdd_evtchn_unbind(r->ev, r->port);
	r->bound = false;
	rtdd_evtchn_close(r->ev);
	r->ev = NULL;
	if (r->old_addr) {
		(void)rtdd_gnt_unshare_pages(hv, r->old_addr, 1u << r->order);
		r->old_addr = NULL;
	}
	if (r->addr) {
		rc = rtdd_gnt_unshare_pages(hv, r->addr, 1u << r->order);
		r->addr = NULL;
	}
	return rc;
}

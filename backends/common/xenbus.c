// SPDX-License-Identifier: MIT
/*
 * The backend xenbus state machine and the backend/<kind> manager.
 * See rtdd/be_xenbus.h for the diagram.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/be_xenbus.h"
#include "rtdd/log.h"

struct rtdd_xb_be {
	rtdd_hv *hv;
	char *path;    /* absolute backend dir */
	char *fe_path; /* absolute frontend dir */
	char *fe_state_path;
	char *name;  /* "vbd/3/768" */
	char *token; /* watch token */
	rtdd_domid fe_domid;
	enum xenbus_state state;
	enum xenbus_state fe_state;
	bool watching;
	bool connected; /* connect() succeeded, disconnect() pending */
	bool fe_stale;	/* frontend was Connected when we started */
	bool fatal;	/* fatal error: no Connected until fe Closed */
	const struct rtdd_xb_be_ops *ops;
	void *priv;
	struct rtdd_xb_be *next; /* manager list */
};

static const char *const state_names[] = {
	"Unknown", "Initialising", "InitWait",	    "Initialised",  "Connected",
	"Closing", "Closed",	   "Reconfiguring", "Reconfigured",
};

const char *rtdd_xenbus_state_name(int state)
{
	if (state < 0 ||
	    state >= (int)(sizeof(state_names) / sizeof(state_names[0])))
		return "Unknown";
	return state_names[state];
}

rtdd_hv *rtdd_xb_be_hv(const rtdd_xb_be *xb)
{
	return xb->hv;
}
const char *rtdd_xb_be_path(const rtdd_xb_be *xb)
{
	return xb->path;
}
const char *rtdd_xb_be_fe_path(const rtdd_xb_be *xb)
{
	return xb->fe_path;
}
rtdd_domid rtdd_xb_be_fe_domid(const rtdd_xb_be *xb)
{
	return xb->fe_domid;
}
const char *rtdd_xb_be_name(const rtdd_xb_be *xb)
{
	return xb->name;
}
const char *rtdd_xb_be_token(const rtdd_xb_be *xb)
{
	return xb->token;
}
void *rtdd_xb_be_priv(const rtdd_xb_be *xb)
{
	return xb->priv;
}
enum xenbus_state rtdd_xb_be_state(const rtdd_xb_be *xb)
{
	return xb->state;
}
enum xenbus_state rtdd_xb_be_fe_state(const rtdd_xb_be *xb)
{
	return xb->fe_state;
}

/* Read a state node; absent or malformed reads as Unknown. */
static enum xenbus_state read_state(rtdd_hv *hv, const char *path)
{
	int v;

	if (rtdd_xs_read_int(hv, RTDD_XS_TXN_NONE, path, &v) ||
	    v < XenbusStateUnknown || v > XenbusStateReconfigured)
		return XenbusStateUnknown;
	return (enum xenbus_state)v;
}

int rtdd_xb_be_switch_state(rtdd_xb_be *xb, enum xenbus_state state)
{
	char path[512];
	int rc;

	if (state == xb->state)
		return 0;
	snprintf(path, sizeof(path), "%s/state", xb->path);
	rc = rtdd_xs_printf(xb->hv, RTDD_XS_TXN_NONE, path, "%d", (int)state);
	if (rc) {
		RTDD_LOG(ERR, "%s backend: writing state %s: %s", xb->name,
			 rtdd_xenbus_state_name(state), strerror(-rc));
		return rc;
	}
	RTDD_LOG(INFO, "%s backend %s -> %s", xb->name,
		 rtdd_xenbus_state_name(xb->state),
		 rtdd_xenbus_state_name(state));
	xb->state = state;
	return 0;
}

static void do_disconnect(rtdd_xb_be *xb)
{
	/* The class callback is idempotent; calling it unconditionally keeps
	 * half-done connects (which failed midway) from leaking. */
	xb->ops->disconnect(xb);
	xb->connected = false;
}

void rtdd_xb_be_fatal(rtdd_xb_be *xb, int err, const char *fmt, ...)
{
	char msg[384], path[600];
	const char *rel;
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	RTDD_LOG(ERR, "%s backend: fatal: %s (%s)", xb->name, msg,
		 strerror(err));
	/* As xenbus_dev_fatal: error/<nodename>/error in our tree, plus the
	 * device's own "error" node, which the frontend can read. */
	rel = strstr(xb->path, "/backend/");
	snprintf(path, sizeof(path), "error%s/error", rel ? rel : xb->path);
	(void)rtdd_xs_printf(xb->hv, RTDD_XS_TXN_NONE, path, "%d %s", err, msg);
	snprintf(path, sizeof(path), "%s/error", xb->path);
	(void)rtdd_xs_printf(xb->hv, RTDD_XS_TXN_NONE, path, "%d %s", err, msg);
	xb->fatal = true;
	do_disconnect(xb);
	(void)rtdd_xb_be_switch_state(xb, XenbusStateClosing);
}

static char *xs_read_str(rtdd_hv *hv, const char *dir, const char *key,
			 int *rc_out)
{
	char path[512];
	char *val = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	*rc_out = rtdd_xs_read(hv, RTDD_XS_TXN_NONE, path, &val, &len);
	return *rc_out ? NULL : val;
}

int rtdd_xb_be_create(rtdd_hv *hv, const char *path, const char *kind,
		      const struct rtdd_xb_be_ops *ops, void *priv,
		      rtdd_xb_be **xb_out)
{
	rtdd_xb_be *xb = NULL;
	char p[512];
	const char *dev;
	int rc, id;

	if (!hv || !path || path[0] != '/' || !ops || !xb_out)
		return -EINVAL;
	xb = calloc(1, sizeof(*xb));
	if (!xb)
		return -ENOMEM;
	xb->hv = hv;
	xb->ops = ops;
	xb->priv = priv;
	xb->state = XenbusStateUnknown;
	xb->fe_state = XenbusStateUnknown;
	xb->path = strdup(path);
	if (!xb->path) {
		rc = -ENOMEM;
		goto out;
	}
	xb->fe_path = xs_read_str(hv, path, "frontend", &rc);
	if (!xb->fe_path)
		goto out;
	if (xb->fe_path[0] != '/') {
		rc = -EINVAL;
		goto out;
	}
	snprintf(p, sizeof(p), "%s/frontend-id", path);
	rc = rtdd_xs_read_int(hv, RTDD_XS_TXN_NONE, p, &id);
	if (rc)
		goto out;
	if (id < 0 || id >= (int)RTDD_DOMID_SELF) {
		rc = -EINVAL;
		goto out;
	}
	xb->fe_domid = (rtdd_domid)id;
	dev = strrchr(path, '/');
	if (asprintf(&xb->name, "%s/%d/%s", kind, id, dev ? dev + 1 : path) <
		    0 ||
	    asprintf(&xb->token, "rtdd-xb-be:%p", (void *)xb) < 0 ||
	    asprintf(&xb->fe_state_path, "%s/state", xb->fe_path) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	*xb_out = xb;
	return 0;
out:
	if (xb) {
		free(xb->path);
		free(xb->fe_path);
		free(xb->name);
		free(xb->token);
		free(xb->fe_state_path);
		free(xb);
	}
	return rc;
}

int rtdd_xb_be_start(rtdd_xb_be *xb)
{
	char p[512];
	int rc;

	/* Start from what the node says: a restarted backend finds its own
	 * old state there, and logs the transition from it. */
	snprintf(p, sizeof(p), "%s/state", xb->path);
	xb->state = read_state(xb->hv, p);
	xb->fe_state = read_state(xb->hv, xb->fe_state_path);
	if (xb->fe_state == XenbusStateConnected)
		xb->fe_stale = true;

	rc = rtdd_xb_be_switch_state(xb, XenbusStateInitialising);
	if (rc)
		return rc;
	rc = xb->ops->probe(xb);
	if (rc) {
		rtdd_xb_be_fatal(xb, rc, "probing the device");
		return rc;
	}
	rc = rtdd_xb_be_switch_state(xb, XenbusStateInitWait);
	if (rc)
		return rc;
	rc = rtdd_xs_watch(xb->hv, xb->fe_state_path, xb->token);
	if (rc) {
		RTDD_LOG(ERR, "%s backend: watch %s: %s", xb->name,
			 xb->fe_state_path, strerror(-rc));
		return rc;
	}
	xb->watching = true;
	return 0;
}

static int online(rtdd_xb_be *xb)
{
	char p[512];
	int v;

	snprintf(p, sizeof(p), "%s/online", xb->path);
	if (rtdd_xs_read_int(xb->hv, RTDD_XS_TXN_NONE, p, &v))
		return 0;
	return v != 0;
}

int rtdd_xb_be_on_watch(rtdd_xb_be *xb)
{
	enum xenbus_state fe = read_state(xb->hv, xb->fe_state_path);
	int rc;

	if (fe != xb->fe_state)
		RTDD_LOG(DEBUG, "%s frontend %s -> %s", xb->name,
			 rtdd_xenbus_state_name(xb->fe_state),
			 rtdd_xenbus_state_name(fe));
	xb->fe_state = fe;
	if (fe != XenbusStateConnected)
		xb->fe_stale = false;

	switch (fe) {
	case XenbusStateInitialising:
		if (xb->state == XenbusStateClosed ||
		    xb->state == XenbusStateClosing) {
			RTDD_LOG(INFO, "%s backend: prepare for reconnect",
				 xb->name);
			do_disconnect(xb);
			xb->fatal = false;
			if (xb->state == XenbusStateClosing)
				(void)rtdd_xb_be_switch_state(
					xb, XenbusStateClosed);
			rc = xb->ops->probe(xb);
			if (rc) {
				rtdd_xb_be_fatal(xb, rc, "probing the device");
				break;
			}
			(void)rtdd_xb_be_switch_state(xb, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		/* Merged events: we may see Connected without Initialised. */
		if (xb->state == XenbusStateConnected)
			break;
		if (xb->fatal || xb->state != XenbusStateInitWait)
			break;
		if (xb->fe_stale) {
			RTDD_LOG(INFO,
				 "%s backend: frontend still Connected to a "
				 "previous backend; waiting for it to reset",
				 xb->name);
			break;
		}
		/* Enforce the precondition: disconnect is idempotent. */
		do_disconnect(xb);
		rc = xb->ops->connect(xb);
		if (rc) {
			if (!xb->fatal)
				rtdd_xb_be_fatal(xb, rc,
						 "connecting to the frontend");
			break;
		}
		xb->connected = true;
		(void)rtdd_xb_be_switch_state(xb, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		do_disconnect(xb);
		(void)rtdd_xb_be_switch_state(xb, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		do_disconnect(xb);
		(void)rtdd_xb_be_switch_state(xb, XenbusStateClosed);
		if (!online(xb))
			return 1;
		break;
	case XenbusStateUnknown:
		/* The frontend node is gone: the device is being removed. */
		do_disconnect(xb);
		(void)rtdd_xb_be_switch_state(xb, XenbusStateClosed);
		return 1;
	default:
		/* Reconfiguring/Reconfigured are not part of blkif/netif. */
		break;
	}
	return 0;
}

void rtdd_xb_be_destroy(rtdd_xb_be *xb, bool remove)
{
	if (!xb)
		return;
	if (xb->watching)
		(void)rtdd_xs_unwatch(xb->hv, xb->fe_state_path, xb->token);
	do_disconnect(xb);
	if (remove)
		(void)rtdd_xb_be_switch_state(xb, XenbusStateClosed);
	free(xb->path);
	free(xb->fe_path);
	free(xb->fe_state_path);
	free(xb->name);
	free(xb->token);
	free(xb);
}

/* ------------------------------------------------------------------------ */
/* The manager                                                              */
/* ------------------------------------------------------------------------ */

struct rtdd_xb_be_mgr {
	rtdd_hv *hv;
	char *kind;
	char *root; /* /local/domain/<us>/backend/<kind> */
	char *token;
	const struct rtdd_xb_be_mgr_ops *ops;
	void *arg;
	char **only; /* absolute paths, NULL-terminated, or NULL */
	rtdd_xb_be *devs;
	unsigned count;
};

int rtdd_xb_be_mgr_fd(rtdd_xb_be_mgr *mgr)
{
	return rtdd_xs_watch_fd(mgr->hv);
}

unsigned rtdd_xb_be_mgr_count(const rtdd_xb_be_mgr *mgr)
{
	return mgr->count;
}

static bool wanted(rtdd_xb_be_mgr *mgr, const char *path)
{
	if (!mgr->only)
		return true;
	for (char **p = mgr->only; *p; p++)
		if (!strcmp(*p, path))
			return true;
	return false;
}

static rtdd_xb_be *find_path(rtdd_xb_be_mgr *mgr, const char *path)
{
	for (rtdd_xb_be *d = mgr->devs; d; d = d->next)
		if (!strcmp(d->path, path))
			return d;
	return NULL;
}

static void remove_dev(rtdd_xb_be_mgr *mgr, rtdd_xb_be *xb, bool closed)
{
	void *priv = xb->priv;

	for (rtdd_xb_be **pp = &mgr->devs; *pp; pp = &(*pp)->next) {
		if (*pp == xb) {
			*pp = xb->next;
			break;
		}
	}
	mgr->count--;
	RTDD_LOG(INFO, "%s backend: removed", xb->name);
	rtdd_xb_be_destroy(xb, closed);
	if (mgr->ops->del)
		mgr->ops->del(mgr->arg, priv);
}

static void add_dev(rtdd_xb_be_mgr *mgr, const char *path)
{
	rtdd_xb_be *xb = NULL;
	void *priv = NULL;
	int rc;

	rc = mgr->ops->add(mgr->arg, path, &priv);
	if (rc)
		return;
	rc = rtdd_xb_be_create(mgr->hv, path, mgr->kind, mgr->ops->dev_ops,
			       priv, &xb);
	if (rc) {
		/* Keys not written yet (toolstack mid-transaction is atomic,
		 * so this is a malformed device): retried on the next event. */
		RTDD_LOG(DEBUG, "%s: not a usable device yet: %s", path,
			 strerror(-rc));
		if (mgr->ops->del)
			mgr->ops->del(mgr->arg, priv);
		return;
	}
	xb->next = mgr->devs;
	mgr->devs = xb;
	mgr->count++;
	rc = rtdd_xb_be_start(xb);
	if (rc)
		RTDD_LOG(WARN, "%s backend: start failed: %s", xb->name,
			 strerror(-rc));
}

/* Bring the device list in line with backend/<kind>/<fe>/<dev>. */
static int rescan(rtdd_xb_be_mgr *mgr)
{
	char **fes = NULL, **devs = NULL;
	unsigned nfe = 0, ndev = 0;
	char p[512];
	int rc;

	/* Mark: remove devices whose node vanished. */
	for (rtdd_xb_be *d = mgr->devs, *next; d; d = next) {
		char *v = NULL;
		size_t len;

		next = d->next;
		snprintf(p, sizeof(p), "%s/frontend", d->path);
		rc = rtdd_xs_read(mgr->hv, RTDD_XS_TXN_NONE, p, &v, &len);
		free(v);
		if (rc == -ENOENT)
			remove_dev(mgr, d, false);
	}
	rc = rtdd_xs_directory(mgr->hv, RTDD_XS_TXN_NONE, mgr->root, &fes,
			       &nfe);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	for (unsigned i = 0; i < nfe; i++) {
		snprintf(p, sizeof(p), "%s/%s", mgr->root, fes[i]);
		free(devs);
		devs = NULL;
		if (rtdd_xs_directory(mgr->hv, RTDD_XS_TXN_NONE, p, &devs,
				      &ndev))
			continue;
		for (unsigned j = 0; j < ndev; j++) {
			char dp[512];

			snprintf(dp, sizeof(dp), "%s/%s/%s", mgr->root, fes[i],
				 devs[j]);
			if (!wanted(mgr, dp) || find_path(mgr, dp))
				continue;
			add_dev(mgr, dp);
		}
	}
	free(devs);
	free(fes);
	return 0;
}

int rtdd_xb_be_mgr_create(rtdd_hv *hv, const char *kind,
			  const struct rtdd_xb_be_mgr_ops *ops, void *arg,
			  const char *const *only_paths,
			  rtdd_xb_be_mgr **mgr_out)
{
	rtdd_xb_be_mgr *mgr;
	char *home = NULL;
	int rc;

	if (!hv || !kind || !ops || !ops->add || !ops->dev_ops || !mgr_out)
		return -EINVAL;
	mgr = calloc(1, sizeof(*mgr));
	if (!mgr)
		return -ENOMEM;
	mgr->hv = hv;
	mgr->ops = ops;
	mgr->arg = arg;
	rc = rtdd_xs_domain_path(hv, rtdd_hv_domid(hv), &home);
	if (rc)
		goto out;
	rc = -ENOMEM;
	mgr->kind = strdup(kind);
	if (!mgr->kind ||
	    asprintf(&mgr->root, "%s/backend/%s", home, kind) < 0 ||
	    asprintf(&mgr->token, "rtdd-xb-mgr:%p", (void *)mgr) < 0) {
		mgr->root = NULL;
		mgr->token = NULL;
		goto out;
	}
	if (only_paths) {
		size_t n = 0;

		while (only_paths[n])
			n++;
		mgr->only = calloc(n + 1, sizeof(char *));
		if (!mgr->only)
			goto out;
		for (size_t i = 0; i < n; i++) {
			const char *s = only_paths[i];

			if (s[0] == '/')
				mgr->only[i] = strdup(s);
			else if (asprintf(&mgr->only[i], "%s/%s", home, s) < 0)
				mgr->only[i] = NULL;
			if (!mgr->only[i])
				goto out;
		}
	}
	/* Watching the root also fires once at registration: the first
	 * handle() call picks up devices that already exist. */
	rc = rtdd_xs_watch(hv, mgr->root, mgr->token);
	if (rc)
		goto out;
	free(home);
	*mgr_out = mgr;
	return 0;
out:
	free(home);
	if (mgr->only)
		for (char **p = mgr->only; *p; p++)
			free(*p);
	free(mgr->only);
	free(mgr->kind);
	free(mgr->root);
	free(mgr->token);
	free(mgr);
	return rc;
}

/* Does an event path under root name a device node or an ancestor of one,
 * or the device's "frontend" key (the toolstack writes the node in one
 * transaction, so its keys arrive together)? Our own key writes inside a
 * device do not trigger a rescan. */
static bool structural(rtdd_xb_be_mgr *mgr, const char *path)
{
	size_t n = strlen(mgr->root);
	unsigned depth = 0;
	const char *last = path;

	if (strncmp(path, mgr->root, n))
		return false;
	for (const char *s = path + n; *s; s++) {
		if (*s == '/') {
			depth++;
			last = s + 1;
		}
	}
	return depth <= 2 || (depth == 3 && !strcmp(last, "frontend"));
}

int rtdd_xb_be_mgr_handle(rtdd_xb_be_mgr *mgr)
{
	int handled = 0, rc;
	bool need_rescan = false;

	for (;;) {
		char *path = NULL, *token = NULL;
		rtdd_xb_be *xb;

		rc = rtdd_xs_read_watch(mgr->hv, &path, &token);
		if (rc == -EAGAIN)
			break;
		if (rc)
			return rc;
		handled++;
		if (!strcmp(token, mgr->token)) {
			if (structural(mgr, path))
				need_rescan = true;
			free(path);
			continue;
		}
		for (xb = mgr->devs; xb; xb = xb->next)
			if (!strcmp(token, xb->token))
				break;
		free(path);
		if (xb && rtdd_xb_be_on_watch(xb))
			remove_dev(mgr, xb, true);
	}
	if (need_rescan) {
		rc = rescan(mgr);
		if (rc)
			return rc;
	}
	return handled;
}

void rtdd_xb_be_mgr_destroy(rtdd_xb_be_mgr *mgr, bool remove)
{
	if (!mgr)
		return;
	while (mgr->devs)
		remove_dev(mgr, mgr->devs, remove);
	(void)rtdd_xs_unwatch(mgr->hv, mgr->root, mgr->token);
	if (mgr->only)
		for (char **p = mgr->only; *p; p++)
			free(*p);
	free(mgr->only);
	free(mgr->kind);
	free(mgr->root);
	free(mgr->token);
	free(mgr);
}

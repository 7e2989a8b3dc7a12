// SPDX-License-Identifier: MIT
/*
 * xenstore ops over libxenstore, shared by hv/xen and hv/sim: on Xen the
 * library reaches xenstored (or /dev/xen/xenbus in a domU), on sim it
 * reaches rtdd-simhv's per-domain socket, which serves the same wire
 * protocol. libxenstore serialises requests on one handle, so these ops are
 * thread-safe as hv.h promises.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../private.h"

/* XENSTORED_PATH is read by xs_open(); setenv is not thread-safe. */
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

static int err(void)
{
	return errno > 0 ? -errno : -EIO;
}

int rtdd__xs_connect(struct rtdd__hv_common *c, const char *socket_path)
{
	struct xs_handle *h;
	char *saved = NULL;
	const char *old;
	int rc = 0;

	if (!socket_path) {
		h = xs_open(0);
		if (!h)
			return err();
		c->xsh = h;
		return 0;
	}
	pthread_mutex_lock(&env_lock);
	old = getenv("XENSTORED_PATH");
	if (old) {
		saved = strdup(old);
		if (!saved) {
			rc = -ENOMEM;
			goto out;
		}
	}
	setenv("XENSTORED_PATH", socket_path, 1);
	errno = 0;
	h = xs_open(XS_OPEN_SOCKETONLY);
	if (!h)
		rc = err();
	if (saved)
		setenv("XENSTORED_PATH", saved, 1);
	else
		unsetenv("XENSTORED_PATH");
	if (!rc)
		c->xsh = h;
out:
	pthread_mutex_unlock(&env_lock);
	free(saved);
	return rc;
}

void rtdd__xs_disconnect(struct rtdd__hv_common *c)
{
	if (c->xsh) {
		xs_close(c->xsh);
		c->xsh = NULL;
	}
}

static struct xs_handle *xsh(rtdd_hv *hv)
{
	return rtdd__hv_common(hv)->xsh;
}

static int xs_read_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		      char **val_out, size_t *len_out)
{
	unsigned len = 0;
	char *v;

	if (!path || !val_out)
		return -EINVAL;
	v = xs_read(xsh(hv), t, path, &len);
	if (!v)
		return err();
	*val_out = v;
	if (len_out)
		*len_out = len;
	return 0;
}

static int xs_write_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		       const void *val, size_t len)
{
	if (!path || (!val && len) || len > UINT32_MAX)
		return -EINVAL;
	if (!xs_write(xsh(hv), t, path, val ? val : "", (unsigned)len))
		return err();
	return 0;
}

static int xs_mkdir_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	if (!path)
		return -EINVAL;
	return xs_mkdir(xsh(hv), t, path) ? 0 : err();
}

static int xs_rm_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path)
{
	if (!path)
		return -EINVAL;
	return xs_rm(xsh(hv), t, path) ? 0 : err();
}

static int xs_directory_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			   char ***names_out, unsigned *n_out)
{
	unsigned n = 0;
	char **names;

	if (!path || !names_out || !n_out)
		return -EINVAL;
	names = xs_directory(xsh(hv), t, path, &n);
	if (!names)
		return err();
	*names_out = names;
	*n_out = n;
	return 0;
}

static int xs_get_perms_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			   struct rtdd_xs_perm **perms_out, unsigned *n_out)
{
	struct xs_permissions *xp;
	struct rtdd_xs_perm *p;
	unsigned n = 0;

	if (!path || !perms_out || !n_out)
		return -EINVAL;
	xp = xs_get_permissions(xsh(hv), t, path, &n);
	if (!xp)
		return err();
	p = calloc(n ? n : 1, sizeof(*p));
	if (!p) {
		free(xp);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		p[i].domid = (rtdd_domid)xp[i].id;
		p[i].perms =
			(uint8_t)(xp[i].perms & (XS_PERM_READ | XS_PERM_WRITE));
	}
	free(xp);
	*perms_out = p;
	*n_out = n;
	return 0;
}

static int xs_set_perms_op(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
			   const struct rtdd_xs_perm *perms, unsigned n)
{
	struct xs_permissions *xp;
	bool ok;

	if (!path || !perms || !n)
		return -EINVAL;
	xp = calloc(n, sizeof(*xp));
	if (!xp)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (perms[i].perms > RTDD_XS_PERM_BOTH) {
			free(xp);
			return -EINVAL;
		}
		xp[i].id = perms[i].domid;
		xp[i].perms = perms[i].perms;
	}
	ok = xs_set_permissions(xsh(hv), t, path, xp, n);
	free(xp);
	return ok ? 0 : err();
}

static int xs_watch_op(rtdd_hv *hv, const char *path, const char *token)
{
	if (!path || !token)
		return -EINVAL;
	return xs_watch(xsh(hv), path, token) ? 0 : err();
}

static int xs_unwatch_op(rtdd_hv *hv, const char *path, const char *token)
{
	if (!path || !token)
		return -EINVAL;
	return xs_unwatch(xsh(hv), path, token) ? 0 : err();
}

static int xs_watch_fd_op(rtdd_hv *hv)
{
	int fd = xs_fileno(xsh(hv));

	return fd >= 0 ? fd : err();
}

static int xs_read_watch_op(rtdd_hv *hv, char **path_out, char **token_out)
{
	char **ev;

	if (!path_out || !token_out)
		return -EINVAL;
	errno = 0;
	ev = xs_check_watch(xsh(hv));
	if (!ev)
		return errno == EAGAIN || errno == 0 ? -EAGAIN : err();
	/*
	 * libxenstore returns one block: the pointer array followed by the
	 * strings. Hand back a block whose start is the path, as hv.h says.
	 */
	size_t lp = strlen(ev[XS_WATCH_PATH]) + 1;
	size_t lt = strlen(ev[XS_WATCH_TOKEN]) + 1;
	char *blk = malloc(lp + lt);

	if (!blk) {
		free(ev);
		return -ENOMEM;
	}
	memcpy(blk, ev[XS_WATCH_PATH], lp);
	memcpy(blk + lp, ev[XS_WATCH_TOKEN], lt);
	free(ev);
	*path_out = blk;
	*token_out = blk + lp;
	return 0;
}

static int xs_txn_start_op(rtdd_hv *hv, rtdd_xs_txn *t_out)
{
	xs_transaction_t t;

	if (!t_out)
		return -EINVAL;
	t = xs_transaction_start(xsh(hv));
	if (t == XBT_NULL)
		return err();
	*t_out = t;
	return 0;
}

static int xs_txn_end_op(rtdd_hv *hv, rtdd_xs_txn t, bool abort)
{
	if (t == RTDD_XS_TXN_NONE)
		return -EINVAL;
	return xs_transaction_end(xsh(hv), t, abort) ? 0 : err();
}

static int xs_domain_path_op(rtdd_hv *hv, rtdd_domid domid, char **path_out)
{
	char *p;

	if (!path_out)
		return -EINVAL;
	p = xs_get_domain_path(xsh(hv), domid);
	if (!p)
		return err();
	*path_out = p;
	return 0;
}

const struct rtdd_xs_ops rtdd__xs_ops = {
	.read = xs_read_op,
	.write = xs_write_op,
	.mkdir = xs_mkdir_op,
	.rm = xs_rm_op,
	.directory = xs_directory_op,
	.get_perms = xs_get_perms_op,
	.set_perms = xs_set_perms_op,
	.watch = xs_watch_op,
	.unwatch = xs_unwatch_op,
	.watch_fd = xs_watch_fd_op,
	.read_watch = xs_read_watch_op,
	.txn_start = xs_txn_start_op,
	.txn_end = xs_txn_end_op,
	.domain_path = xs_domain_path_op,
};

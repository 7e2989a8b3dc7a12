// SPDX-License-Identifier: MIT
/*
 * xenstore operations with xenstored's semantics (Xen 4.17
 * tools/xenstore/xenstored_core.c, xenstored_watch.c): node lookup with the
 * errno a caller may learn, implicit creation of parents with inherited
 * permissions, removal of subtrees, permission changes, watches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define RW (XSD_PERM_READ | XSD_PERM_WRITE)

char *rtdd__xsd_canonical(rtdd_domid domid, const char *path)
{
	char *s;

	if (path[0] == '/' || path[0] == '@')
		return strdup(path);
	if (asprintf(&s, "/local/domain/%u/%s", domid, path) < 0)
		return NULL;
	return s;
}

static bool valid_chars(const char *p)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";

	return p[strspn(p, ok)] == '\0';
}

/* Length of "/local/domain/<n>/" at the start of path, else 0: the path
 * quota counts from a domain's home, as xenstored's is_valid_nodename(). */
static size_t home_prefix(const char *path)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1, digits = 0;

	if (strncmp(path, pre, i))
		return 0;
	while (path[i] >= '0' && path[i] <= '9' && digits < 5) {
		i++;
		digits++;
	}
	if (!digits || path[i] != '/')
		return 0;
	return i + 1;
}

bool rtdd__xsd_valid_path(const struct rtdd_xsd *x, rtdd_domid domid,
			  const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/')
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	if (strstr(path, "//"))
		return false;
	if (len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (!rtdd__xsd_priv(domid) &&
	    len - home_prefix(path) > x->cfg.max_path_len)
		return false;
	return valid_chars(path);
}

/* Parent path into buf (at least strlen(path) + 1 bytes). */
static void parent_of(const char *path, char *buf)
{
	const char *slash = strrchr(path + 1, '/');
	size_t len = slash ? (size_t)(slash - path) : 1;

	memmove(buf, path, len); /* buf may be path */
	buf[len] = '\0';
}

static unsigned perm_of(struct xsd_req *r, const struct xsd_node *n)
{
	return rtdd__xsd_perm_for(r->xsd, r->domid, n->perms, n->nperms);
}

/* xenstored's errno_from_parents(): a caller who may not see the nearest
 * existing ancestor learns EACCES, not whether the node exists. */
static int errno_from_parents(struct xsd_req *r, const char *path,
			      unsigned perm, int err)
{
	char *buf = strdup(path);
	struct xsd_node *p = NULL;
	int rc;

	if (!buf)
		return -ENOMEM;
	while (!p) {
		bool root = !strcmp(buf, "/");

		parent_of(buf, buf);
		p = rtdd__xsd_st_get(r, buf);
		if (root)
			break;
	}
	rc = (p && (perm_of(r, p) & perm)) ? err : -EACCES;
	free(buf);
	return rc;
}

struct xsd_node *rtdd__xsd_get_node(struct xsd_req *r, const char *path,
				    unsigned perm, int *err)
{
	struct xsd_node *n;
	int e;

	if (!rtdd__xsd_valid_path(r->xsd, r->domid, path)) {
		*err = -EINVAL;
		return NULL;
	}
	n = rtdd__xsd_st_get(r, path);
	if (n) {
		if ((perm_of(r, n) & perm) == perm)
			return n;
		e = -EACCES;
	} else {
		e = -ENOENT;
	}
	*err = errno_from_parents(r, path, perm, e);
	return NULL;
}

static bool over_entry_size(struct xsd_req *r, size_t size)
{
	return !rtdd__xsd_priv(r->domid) && size >= r->xsd->cfg.max_value_size;
}

/*
 * Create path (absent) and every missing parent, as xenstored's
 * create_node(): new nodes inherit the parent's permissions, and an
 * unprivileged creator owns them. Everything is checked before anything
 * changes. *leaf_out is the new node.
 */
static int create(struct xsd_req *r, const char *path, const void *val,
		  size_t len, struct xsd_node **leaf_out)
{
	size_t plen = strlen(path), *ends = NULL;
	struct xsd_node *parent = NULL, **nn = NULL;
	unsigned nlev = 0, first, i;
	char *buf = NULL;
	int rc = -ENOMEM;

	/* ends[i]: length of the level-i prefix ("/a", "/a/b", ...). */
	ends = malloc((plen / 2 + 2) * sizeof(*ends));
	buf = malloc(plen + 1);
	if (!ends || !buf)
		goto out;
	for (i = 1; i <= plen; i++)
		if (path[i] == '/' || path[i] == '\0')
			ends[nlev++] = i;

	/* Deepest existing ancestor: level first - 1 (or the root). */
	for (first = nlev - 1; first > 0; first--) {
		memcpy(buf, path, ends[first - 1]);
		buf[ends[first - 1]] = '\0';
		parent = rtdd__xsd_st_get(r, buf);
		if (parent)
			break;
	}
	if (!parent) {
		first = 0;
		parent = rtdd__xsd_st_get(r, "/");
		if (!parent) {
			rc = -EIO; /* the root is never removed */
			goto out;
		}
	}

	if (!rtdd__xsd_priv(r->domid)) {
		long have = rtdd__xsd_st_count(r, r->domid);
		size_t base = ends[first] - (first ? ends[first - 1] : 0);

		if (have + (long)(nlev - first) >
		    (long)r->xsd->cfg.nodes_per_domain) {
			rc = -ENOSPC;
			goto out;
		}
		/* base counts the '/', i.e. strlen(name) + 1. */
		if (over_entry_size(r,
				    rtdd__xsd_node_entry_size(parent) + base)) {
			rc = -ENOSPC;
			goto out;
		}
		for (i = first; i < nlev; i++) {
			size_t sz = XSD_REC_HDR +
				    (size_t)parent->nperms * XSD_REC_PERM;

			sz += i + 1 < nlev ? ends[i + 1] - ends[i] : len;
			if (over_entry_size(r, sz)) {
				rc = -ENOSPC;
				goto out;
			}
		}
	}

	nn = calloc(nlev - first, sizeof(*nn));
	if (!nn)
		goto out;
	for (i = first; i < nlev; i++) {
		struct xsd_node *n;

		memcpy(buf, path, ends[i]);
		buf[ends[i]] = '\0';
		n = nn[i - first] = rtdd__xsd_node_new(buf);
		if (!n ||
		    rtdd__xsd_node_set_perms(n, parent->perms, parent->nperms))
			goto out;
		if (!rtdd__xsd_priv(r->domid))
			n->perms[0].domid = r->domid;
		if (i + 1 < nlev) {
			memcpy(buf, path + ends[i] + 1,
			       ends[i + 1] - ends[i] - 1);
			buf[ends[i + 1] - ends[i] - 1] = '\0';
			if (rtdd__xsd_node_add_kid(n, buf))
				goto out;
		} else if (rtdd__xsd_node_set_val(n, val, len)) {
			goto out;
		}
	}

	rtdd__xsd_st_dirty(r, parent);
	if (rtdd__xsd_node_add_kid(parent, strrchr(nn[0]->path, '/') + 1))
		goto out;
	for (i = 0; i < nlev - first; i++) {
		rc = rtdd__xsd_st_insert(r, nn[i]);
		if (rc) {
			/* nn[i] and below stay unowned: free them. */
			goto out;
		}
		nn[i] = NULL;
	}
	*leaf_out = rtdd__xsd_st_get(r, path);
	rc = *leaf_out ? 0 : -ENOMEM;
out:
	if (nn)
		for (i = 0; i < nlev - first; i++)
			rtdd__xsd_node_free(nn[i]);
	free(nn);
	free(buf);
	free(ends);
	return rc;
}

int rtdd__xsd_do_write(struct xsd_req *r, const char *path, const void *val,
		       size_t len)
{
	struct xsd_node *n;
	int rc;

	n = rtdd__xsd_get_node(r, path, XSD_PERM_WRITE, &rc);
	if (!n) {
		if (rc != -ENOENT)
			return rc;
		rc = create(r, path, val, len, &n);
		if (rc)
			return rc;
	} else {
		if (over_entry_size(r, rtdd__xsd_node_entry_size(n) - n->vlen +
					       len))
			return -ENOSPC;
		rtdd__xsd_st_dirty(r, n);
		rc = rtdd__xsd_node_set_val(n, val, len);
		if (rc)
			return rc;
	}
	rtdd__xsd_fire(r, path, false, n->perms, n->nperms, NULL, 0);
	return 0;
}

int rtdd__xsd_do_mkdir(struct xsd_req *r, const char *path)
{
	struct xsd_node *n;
	int rc;

	n = rtdd__xsd_get_node(r, path, XSD_PERM_WRITE, &rc);
	if (n)
		return 0; /* exists: fine, and no event */
	if (rc != -ENOENT)
		return rc;
	rc = create(r, path, NULL, 0, &n);
	if (rc)
		return rc;
	rtdd__xsd_fire(r, path, false, n->perms, n->nperms, NULL, 0);
	return 0;
}

/* Children first; each removed node fires its exact watches (xenstored's
 * delete_node()). */
static void delete_subtree(struct xsd_req *r, struct xsd_node *parent,
			   struct xsd_node *n)
{
	while (n->nkids) {
		char *cp;
		struct xsd_node *c;

		if (asprintf(&cp, "%s/%s", n->path, n->kids[0]) < 0) {
			cp = NULL;
			c = NULL;
		} else {
			c = rtdd__xsd_st_get(r, cp);
		}
		if (c) {
			delete_subtree(r, n, c);
		} else {
			/* A name without a node (or no memory): drop it. */
			rtdd__xsd_st_dirty(r, n);
			rtdd__xsd_node_del_kid(n, n->kids[0]);
		}
		free(cp);
	}
	rtdd__xsd_fire(r, n->path, true, n->perms, n->nperms, NULL, 0);
	rtdd__xsd_st_dirty(r, parent);
	rtdd__xsd_node_del_kid(parent, strrchr(n->path, '/') + 1);
	rtdd__xsd_st_remove(r, n);
}

int rtdd__xsd_do_rm(struct xsd_req *r, const char *path)
{
	struct xsd_node *n, *parent;
	char *pp;
	int rc;

	pp = malloc(strlen(path) + 1);
	if (!pp)
		return -ENOMEM;
	n = rtdd__xsd_get_node(r, path, XSD_PERM_WRITE, &rc);
	if (!n) {
		/* Absent already? Fine, if the parent exists. */
		if (rc == -ENOENT) {
			parent_of(path, pp);
			rc = rtdd__xsd_st_get(r, pp) ? 0 : -ENOENT;
		}
		goto out;
	}
	if (!strcmp(path, "/")) {
		rc = -EINVAL;
		goto out;
	}
	parent_of(path, pp);
	parent = rtdd__xsd_st_get(r, pp);
	if (!parent) {
		rc = -EINVAL;
		goto out;
	}
	rtdd__xsd_fire(r, path, false, n->perms, n->nperms, NULL, 0);
	delete_subtree(r, parent, n);
	rc = 0;
out:
	free(pp);
	return rc;
}

struct rtdd_xs_perm *
rtdd__xsd_special_perms(struct rtdd_xsd *x, const char *name, unsigned **np_out)
{
	if (!strcmp(name, "@introduceDomain")) {
		*np_out = &x->n_introduce_perms;
		return x->introduce_perms;
	}
	if (!strcmp(name, "@releaseDomain")) {
		*np_out = &x->n_release_perms;
		return x->release_perms;
	}
	return NULL;
}

int rtdd__xsd_do_set_perms(struct xsd_req *r, const char *path,
			   const struct rtdd_xs_perm *p, unsigned np)
{
	struct rtdd_xs_perm *old = NULL;
	struct xsd_node *n;
	unsigned nold;
	int rc;

	if (!np)
		return -EINVAL;
	if (path[0] == '@') {
		unsigned *cnt;
		struct rtdd_xs_perm *sp =
			rtdd__xsd_special_perms(r->xsd, path, &cnt);
		const unsigned need = XSD_PERM_WRITE | XSD_PERM_OWNER;

		if (!sp)
			return -EINVAL;
		if ((rtdd__xsd_perm_for(r->xsd, r->domid, sp, *cnt) & need) !=
		    need)
			return -EACCES;
		if (np > XSD_PERMS_PER_NODE)
			return -ENOSPC;
		memcpy(sp, p, np * sizeof(*p));
		*cnt = np;
		return 0;
	}

	n = rtdd__xsd_get_node(r, path, XSD_PERM_WRITE | XSD_PERM_OWNER, &rc);
	if (!n)
		return rc;
	/* Unprivileged domains may not give their nodes away. */
	if (!rtdd__xsd_priv(r->domid) && p[0].domid != n->perms[0].domid)
		return -EPERM;
	if (over_entry_size(r, rtdd__xsd_node_entry_size(n) +
				       ((size_t)np - n->nperms) * XSD_REC_PERM))
		return -ENOSPC;

	nold = n->nperms;
	old = malloc(nold * sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, n->perms, nold * sizeof(*old));
	rtdd__xsd_st_dirty(r, n);
	rc = rtdd__xsd_node_set_perms(n, p, np);
	if (!rc) {
		rtdd__xsd_st_account(r, old[0].domid, -1);
		rtdd__xsd_st_account(r, p[0].domid, 1);
		rtdd__xsd_fire(r, path, false, n->perms, n->nperms, old, nold);
	}
	free(old);
	return rc;
}

/* ---- watches ---- */

/* xenstored's is_child(): "/" is everybody's parent, even "@..." ones. */
static bool is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return true;
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == '\0';
}

/* xenstored's watch_permitted(): the watcher may read the node (before or
 * after a permission change) or its parent. */
static bool watch_permitted(struct rtdd_xsd *x, rtdd_domid domid,
			    const char *path, const struct rtdd_xs_perm *perms,
			    unsigned np, const struct rtdd_xs_perm *old,
			    unsigned nold)
{
	const struct xsd_node *m;
	char *pp;
	bool ok;

	if (rtdd__xsd_priv(domid))
		return true;
	if (old && (rtdd__xsd_perm_for(x, domid, old, nold) & XSD_PERM_READ))
		return true;
	if (!perms) {
		m = rtdd__xsd_map_get(&x->nodes, path);
		if (!m)
			return false;
		perms = m->perms;
		np = m->nperms;
	}
	if (rtdd__xsd_perm_for(x, domid, perms, np) & XSD_PERM_READ)
		return true;
	pp = malloc(strlen(path) + 1);
	if (!pp)
		return false;
	parent_of(path, pp);
	m = rtdd__xsd_map_get(&x->nodes, pp);
	ok = m && (rtdd__xsd_perm_for(x, domid, m->perms, m->nperms) &
		   XSD_PERM_READ);
	free(pp);
	return ok;
}

void rtdd__xsd_fire_now(struct rtdd_xsd *x, const char *path, bool exact,
			const struct rtdd_xs_perm *perms, unsigned np,
			const struct rtdd_xs_perm *old, unsigned nold)
{
	bool special = path[0] == '@';
	struct xsd_conn *c, *next;

	for (c = x->conns; c; c = next) {
		struct xsd_watch *w;
		int allowed = -1; /* not yet known */

		next = c->next; /* c may close (out of memory) */
		if (c->dead)
			continue;
		for (w = c->watches; w; w = w->next) {
			const char *ev;

			if (exact ? strcmp(path, w->path)
				  : !is_child(path, w->path))
				continue;
			if (allowed < 0) {
				rtdd_domid d = c->dom->domid;

				if (special) {
					unsigned *cnt;
					struct rtdd_xs_perm *sp =
						rtdd__xsd_special_perms(x, path,
									&cnt);

					allowed = sp &&
						  (rtdd__xsd_perm_for(x, d, sp,
								      *cnt) &
						   XSD_PERM_READ);
				} else {
					allowed = watch_permitted(x, d, path,
								  perms, np,
								  old, nold);
				}
			}
			if (!allowed)
				break;
			ev = path;
			if (w->strip) {
				ev += w->strip;
				if (*ev == '/')
					ev++;
			}
			rtdd__xsd_event(c, ev, w->token);
			if (c->dead)
				break; /* its watches are gone */
		}
	}
}

void rtdd__xsd_fire(struct xsd_req *r, const char *path, bool exact,
		    const struct rtdd_xs_perm *perms, unsigned np,
		    const struct rtdd_xs_perm *old, unsigned nold)
{
	struct xsd_fire *f;
	size_t plen;

	if (!r->tx) {
		rtdd__xsd_fire_now(r->xsd, path, exact, perms, np, old, nold);
		return;
	}
	/* Inside a transaction: queue for the commit. */
	plen = strlen(path);
	f = calloc(1, sizeof(*f) + plen + 1);
	if (!f)
		goto nomem;
	memcpy(f->path, path, plen + 1);
	f->exact = exact;
	if (np + nold) {
		f->perms = malloc((np + nold) * sizeof(*f->perms));
		if (!f->perms)
			goto nomem;
		memcpy(f->perms, perms, np * sizeof(*perms));
		if (nold) {
			memcpy(f->perms + np, old, nold * sizeof(*old));
			f->old = f->perms + np;
		}
	}
	f->nperms = np;
	f->nold = nold;
	*r->tx->fires_tail = f;
	r->tx->fires_tail = &f->next;
	return;
nomem:
	free(f);
	r->tx->failed = true;
}

int rtdd__xsd_add_watch(struct xsd_req *r, const char *path, const char *token)
{
	struct xsd_conn *c = r->conn;
	struct xsd_watch *w, **pp;
	char *canon;
	size_t strip = 0;

	if (path[0] == '@') {
		if (strlen(path) > XENSTORE_REL_PATH_MAX)
			return -EINVAL;
	}
	canon = rtdd__xsd_canonical(r->domid, path);
	if (!canon)
		return -ENOMEM;
	if (path[0] != '@') {
		if (!rtdd__xsd_valid_path(r->xsd, r->domid, canon)) {
			free(canon);
			return -EINVAL;
		}
		if (path[0] != '/')
			strip = home_prefix(canon) - 1;
	}
	for (pp = &c->watches; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, canon) &&
		    !strcmp((*pp)->token, token)) {
			free(canon);
			return -EEXIST;
		}
	}
	if (!rtdd__xsd_priv(r->domid) &&
	    c->dom->nwatches >= r->xsd->cfg.watches_per_domain) {
		free(canon);
		return -E2BIG;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->token = strdup(token))) {
		free(w);
		free(canon);
		return -ENOMEM;
	}
	w->path = canon;
	w->strip = strip;
	*pp = w; /* registration order: events go out in that order */
	c->dom->nwatches++;
	return 0;
}

int rtdd__xsd_del_watch(struct xsd_req *r, const char *path, const char *token)
{
	struct xsd_conn *c = r->conn;
	struct xsd_watch **pp, *w;
	char *canon = rtdd__xsd_canonical(r->domid, path);

	if (!canon)
		return -ENOMEM;
	for (pp = &c->watches; (w = *pp); pp = &w->next) {
		if (strcmp(w->path, canon) || strcmp(w->token, token))
			continue;
		*pp = w->next;
		free(w->path);
		free(w->token);
		free(w);
		if (c->dom->nwatches)
			c->dom->nwatches--;
		free(canon);
		return 0;
	}
	free(canon);
	return -ENOENT;
}

void rtdd__xsd_conn_drop_watches(struct xsd_conn *c)
{
	struct xsd_watch *w, *next;

	for (w = c->watches; w; w = next) {
		next = w->next;
		free(w->path);
		free(w->token);
		free(w);
		if (c->dom->nwatches)
			c->dom->nwatches--;
	}
	c->watches = NULL;
}

static unsigned drop_acl(struct rtdd_xs_perm *p, unsigned np, rtdd_domid d)
{
	unsigned i, j;

	for (i = j = 1; i < np; i++)
		if (p[i].domid != d)
			p[j++] = p[i];
	return np ? j : 0;
}

void rtdd__xsd_scrub_domain(struct rtdd_xsd *x, rtdd_domid domid)
{
	struct xsd_map_ent *e;
	size_t i;

	for (i = 0; i < x->nodes.nb; i++) {
		for (e = x->nodes.b[i]; e; e = e->next) {
			struct xsd_node *n = e->val;
			unsigned np;
			bool changed = false;

			if (!n || !n->nperms)
				continue;
			if (n->perms[0].domid == domid) {
				struct xsd_req r = {.xsd = x};

				n->perms[0].domid = 0;
				rtdd__xsd_st_account(&r, domid, -1);
				rtdd__xsd_st_account(&r, 0, 1);
				changed = true;
			}
			np = drop_acl(n->perms, n->nperms, domid);
			if (np != n->nperms) {
				n->nperms = np;
				changed = true;
			}
			if (changed)
				n->gen = ++x->gen;
		}
	}
	if (x->introduce_perms[0].domid == domid)
		x->introduce_perms[0].domid = 0;
	x->n_introduce_perms =
		drop_acl(x->introduce_perms, x->n_introduce_perms, domid);
	if (x->release_perms[0].domid == domid)
		x->release_perms[0].domid = 0;
	x->n_release_perms =
		drop_acl(x->release_perms, x->n_release_perms, domid);
}

// SPDX-License-Identifier: MIT
/*
 * The node store of simhv's xenstore server.
 *
 * The main store is a hash of full paths to nodes; each node keeps its
 * children's base names in creation order (xenstored's children buffer).
 * A transaction is an overlay keyed the same way: the first access to a
 * path copies the main node into it (or records its absence) together with
 * the main store's generation of that node. Reads and writes inside the
 * transaction go to the overlay, so other connections see nothing until
 * the commit, and the transaction sees nobody else's later changes to what
 * it touched. The commit checks every recorded generation against the main
 * store: any difference is a conflict (EAGAIN), as in xenstored's
 * finalize_transaction().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* ---- hash map ---- */

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

int rtdd__xsd_map_init(struct xsd_map *m)
{
	m->nb = 64;
	m->n = 0;
	m->b = calloc(m->nb, sizeof(*m->b));
	return m->b ? 0 : -ENOMEM;
}

static struct xsd_map_ent **map_slot(const struct xsd_map *m, const char *key,
				     uint32_t h)
{
	struct xsd_map_ent **pp = &m->b[h & (m->nb - 1)];

	while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, key)))
		pp = &(*pp)->next;
	return pp;
}

void *rtdd__xsd_map_get(const struct xsd_map *m, const char *key)
{
	struct xsd_map_ent *e = *map_slot(m, key, hash_str(key));

	return e ? e->val : NULL;
}

static void map_grow(struct xsd_map *m)
{
	size_t nb = m->nb * 2, i;
	struct xsd_map_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* keep the longer chains */
	for (i = 0; i < m->nb; i++) {
		struct xsd_map_ent *e = m->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

int rtdd__xsd_map_put(struct xsd_map *m, const char *key, void *val)
{
	uint32_t h = hash_str(key);
	struct xsd_map_ent **pp = map_slot(m, key, h), *e;
	size_t klen;

	if (*pp) {
		(*pp)->val = val;
		return 0;
	}
	klen = strlen(key);
	e = malloc(sizeof(*e) + klen + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, klen + 1);
	e->hash = h;
	e->val = val;
	e->next = NULL;
	*pp = e;
	if (++m->n > m->nb)
		map_grow(m);
	return 0;
}

void *rtdd__xsd_map_del(struct xsd_map *m, const char *key)
{
	struct xsd_map_ent **pp = map_slot(m, key, hash_str(key)), *e = *pp;
	void *val;

	if (!e)
		return NULL;
	*pp = e->next;
	val = e->val;
	free(e);
	m->n--;
	return val;
}

void rtdd__xsd_map_fini(struct xsd_map *m, void (*free_val)(void *))
{
	size_t i;

	if (!m->b)
		return;
	for (i = 0; i < m->nb; i++) {
		struct xsd_map_ent *e = m->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e);
		}
	}
	free(m->b);
	m->b = NULL;
	m->n = 0;
}

/* ---- nodes ---- */

struct xsd_node *rtdd__xsd_node_new(const char *path)
{
	struct xsd_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->path = strdup(path);
	if (!n->path) {
		free(n);
		return NULL;
	}
	return n;
}

void rtdd__xsd_node_free(struct xsd_node *n)
{
	uint32_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		free(n->kids[i]);
	free(n->kids);
	free(n->perms);
	free(n->val);
	free(n->path);
	free(n);
}

struct xsd_node *rtdd__xsd_node_clone(const struct xsd_node *src)
{
	struct xsd_node *n = rtdd__xsd_node_new(src->path);
	uint32_t i;

	if (!n)
		return NULL;
	n->gen = src->gen;
	if (rtdd__xsd_node_set_val(n, src->val, src->vlen) ||
	    rtdd__xsd_node_set_perms(n, src->perms, src->nperms))
		goto fail;
	if (src->nkids) {
		n->kids = calloc(src->nkids, sizeof(*n->kids));
		if (!n->kids)
			goto fail;
		n->kcap = src->nkids;
		for (i = 0; i < src->nkids; i++) {
			n->kids[i] = strdup(src->kids[i]);
			if (!n->kids[i])
				goto fail;
			n->nkids++;
		}
		n->kidlen = src->kidlen;
	}
	return n;
fail:
	rtdd__xsd_node_free(n);
	return NULL;
}

int rtdd__xsd_node_set_val(struct xsd_node *n, const void *val, size_t len)
{
	char *v = NULL;

	if (len) {
		v = malloc(len);
		if (!v)
			return -ENOMEM;
		memcpy(v, val, len);
	}
	free(n->val);
	n->val = v;
	n->vlen = len;
	return 0;
}

int rtdd__xsd_node_set_perms(struct xsd_node *n, const struct rtdd_xs_perm *p,
			     unsigned np)
{
	struct rtdd_xs_perm *c = malloc(np * sizeof(*c));

	if (!c)
		return -ENOMEM;
	memcpy(c, p, np * sizeof(*c));
	free(n->perms);
	n->perms = c;
	n->nperms = np;
	return 0;
}

int rtdd__xsd_node_add_kid(struct xsd_node *n, const char *name)
{
	char *k;

	if (n->nkids == n->kcap) {
		uint32_t cap = n->kcap ? n->kcap * 2 : 4;
		char **kids = realloc(n->kids, cap * sizeof(*kids));

		if (!kids)
			return -ENOMEM;
		n->kids = kids;
		n->kcap = cap;
	}
	k = strdup(name);
	if (!k)
		return -ENOMEM;
	n->kids[n->nkids++] = k;
	n->kidlen += strlen(name) + 1;
	return 0;
}

void rtdd__xsd_node_del_kid(struct xsd_node *n, const char *name)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++) {
		if (strcmp(n->kids[i], name))
			continue;
		n->kidlen -= strlen(name) + 1;
		free(n->kids[i]);
		memmove(&n->kids[i], &n->kids[i + 1],
			(n->nkids - i - 1) * sizeof(*n->kids));
		n->nkids--;
		return;
	}
}

size_t rtdd__xsd_node_entry_size(const struct xsd_node *n)
{
	return XSD_REC_HDR + (size_t)n->nperms * XSD_REC_PERM + n->vlen +
	       n->kidlen;
}

/* ---- domains and permissions ---- */

struct xsd_dom *rtdd__xsd_dom_get(struct rtdd_xsd *x, rtdd_domid domid)
{
	struct xsd_dom *d = x->doms[domid];

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ep.kind = XSD_EP_LISTEN;
	d->domid = domid;
	d->lfd = -1;
	x->doms[domid] = d;
	return d;
}

/* xenstored's perm_for_conn(): dom0 and the owner (or the owner's device
 * model, through SET_TARGET) get everything; then the first ACL entry
 * naming the caller; then the owner entry's default. */
unsigned rtdd__xsd_perm_for(struct rtdd_xsd *x, rtdd_domid domid,
			    const struct rtdd_xs_perm *p, unsigned np)
{
	const struct xsd_dom *d = x->doms[domid];
	bool tgt = d && d->has_target;
	rtdd_domid t = tgt ? d->target : 0;
	unsigned i;

	if (rtdd__xsd_priv(domid) || !np || p[0].domid == domid ||
	    (tgt && p[0].domid == t))
		return XSD_PERM_READ | XSD_PERM_WRITE | XSD_PERM_OWNER;
	for (i = 1; i < np; i++)
		if (p[i].domid == domid || (tgt && p[i].domid == t))
			return p[i].perms & (XSD_PERM_READ | XSD_PERM_WRITE);
	return p[0].perms & (XSD_PERM_READ | XSD_PERM_WRITE);
}

/* ---- views ---- */

static struct xsd_tent *tx_record(struct xsd_req *r, const char *path)
{
	struct xsd_tx *tx = r->tx;
	struct xsd_tent *e = rtdd__xsd_map_get(&tx->ents, path);
	struct xsd_node *m;

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	m = rtdd__xsd_map_get(&r->xsd->nodes, path);
	e->gen = m ? m->gen : XSD_NO_GEN;
	if (m) {
		e->node = rtdd__xsd_node_clone(m);
		if (!e->node)
			goto nomem;
	}
	if (rtdd__xsd_map_put(&tx->ents, path, e))
		goto nomem;
	return e;
nomem:
	if (e)
		rtdd__xsd_node_free(e->node);
	free(e);
	tx->failed = true;
	return NULL;
}

struct xsd_node *rtdd__xsd_st_get(struct xsd_req *r, const char *path)
{
	struct xsd_tent *e;

	if (!r->tx)
		return rtdd__xsd_map_get(&r->xsd->nodes, path);
	e = tx_record(r, path);
	/* Out of memory: the transaction cannot commit; read through. */
	return e ? e->node : rtdd__xsd_map_get(&r->xsd->nodes, path);
}

void rtdd__xsd_st_dirty(struct xsd_req *r, struct xsd_node *n)
{
	struct xsd_tent *e;

	n->gen = ++r->xsd->gen;
	if (!r->tx)
		return;
	e = rtdd__xsd_map_get(&r->tx->ents, n->path);
	if (e && e->node == n)
		e->modified = true;
	else
		r->tx->failed = true; /* not from st_get: cannot happen */
}

static int delta_add(struct xsd_tx *tx, rtdd_domid domid, int delta)
{
	unsigned i;
	struct xsd_delta *d;

	for (i = 0; i < tx->ndeltas; i++) {
		if (tx->deltas[i].domid == domid) {
			tx->deltas[i].n += delta;
			return 0;
		}
	}
	d = realloc(tx->deltas, (tx->ndeltas + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	tx->deltas = d;
	d[tx->ndeltas].domid = domid;
	d[tx->ndeltas].n = delta;
	tx->ndeltas++;
	return 0;
}

void rtdd__xsd_st_account(struct xsd_req *r, rtdd_domid owner, int delta)
{
	struct xsd_dom *d;

	if (r->tx) {
		if (delta_add(r->tx, owner, delta))
			r->tx->failed = true;
		return;
	}
	d = rtdd__xsd_dom_get(r->xsd, owner);
	if (!d)
		return; /* only a counter is lost; dom0 never has quotas */
	if (delta < 0 && (unsigned)-delta > d->nnodes)
		d->nnodes = 0;
	else
		d->nnodes += delta;
}

long rtdd__xsd_st_count(struct xsd_req *r, rtdd_domid domid)
{
	const struct xsd_dom *d = r->xsd->doms[domid];
	long n = d ? (long)d->nnodes : 0;
	unsigned i;

	if (r->tx)
		for (i = 0; i < r->tx->ndeltas; i++)
			if (r->tx->deltas[i].domid == domid)
				n += r->tx->deltas[i].n;
	return n;
}

int rtdd__xsd_st_insert(struct xsd_req *r, struct xsd_node *n)
{
	struct xsd_tent *e;
	int rc;

	n->gen = ++r->xsd->gen;
	if (!r->tx) {
		rc = rtdd__xsd_map_put(&r->xsd->nodes, n->path, n);
		if (rc)
			return rc;
	} else {
		e = tx_record(r, n->path);
		if (!e)
			return -ENOMEM;
		rtdd__xsd_node_free(e->node);
		e->node = n;
		e->modified = true;
	}
	rtdd__xsd_st_account(r, n->nperms ? n->perms[0].domid : 0, 1);
	return 0;
}

void rtdd__xsd_st_remove(struct xsd_req *r, struct xsd_node *n)
{
	struct xsd_tent *e;

	rtdd__xsd_st_account(r, n->nperms ? n->perms[0].domid : 0, -1);
	r->xsd->gen++;
	if (!r->tx) {
		rtdd__xsd_map_del(&r->xsd->nodes, n->path);
		rtdd__xsd_node_free(n);
		return;
	}
	e = rtdd__xsd_map_get(&r->tx->ents, n->path);
	if (!e || e->node != n) {
		r->tx->failed = true;
		return;
	}
	rtdd__xsd_node_free(n);
	e->node = NULL;
	e->modified = true;
}

/* ---- transactions ---- */

struct xsd_tx *rtdd__xsd_tx_new(uint32_t id)
{
	struct xsd_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	if (rtdd__xsd_map_init(&tx->ents)) {
		free(tx);
		return NULL;
	}
	tx->id = id;
	tx->fires_tail = &tx->fires;
	return tx;
}

static void tent_free(void *p)
{
	struct xsd_tent *e = p;

	rtdd__xsd_node_free(e->node);
	free(e);
}

void rtdd__xsd_tx_free(struct xsd_tx *tx)
{
	struct xsd_fire *f, *next;

	if (!tx)
		return;
	rtdd__xsd_map_fini(&tx->ents, tent_free);
	for (f = tx->fires; f; f = next) {
		next = f->next;
		free(f->perms);
		free(f);
	}
	free(tx->deltas);
	free(tx);
}

int rtdd__xsd_tx_commit(struct rtdd_xsd *x, struct xsd_tx *tx)
{
	struct xsd_map_ent *me;
	struct xsd_fire *f;
	size_t i;
	unsigned k;

	if (tx->failed)
		return -ENOMEM;

	/* Anything the transaction touched changed underneath it? */
	for (i = 0; i < tx->ents.nb; i++) {
		for (me = tx->ents.b[i]; me; me = me->next) {
			const struct xsd_tent *e = me->val;
			const struct xsd_node *m =
				rtdd__xsd_map_get(&x->nodes, me->key);

			if ((m ? m->gen : XSD_NO_GEN) != e->gen)
				return -EAGAIN;
		}
	}

	/* Node quota, with what the transaction adds (xenstored checks the
	 * same at commit, transaction_fix_domains()). */
	for (k = 0; k < tx->ndeltas; k++) {
		const struct xsd_delta *d = &tx->deltas[k];
		const struct xsd_dom *dom = x->doms[d->domid];
		long now = dom ? (long)dom->nnodes : 0;

		if (d->n > 0 && !rtdd__xsd_priv(d->domid) &&
		    now + d->n > (long)x->cfg.nodes_per_domain)
			return -ENOSPC;
	}

	/* Make sure every entry can be placed before changing anything. */
	for (i = 0; i < tx->ents.nb; i++) {
		for (me = tx->ents.b[i]; me; me = me->next) {
			const struct xsd_tent *e = me->val;

			if (e->modified && e->node &&
			    !rtdd__xsd_map_get(&x->nodes, me->key) &&
			    rtdd__xsd_map_put(&x->nodes, me->key, NULL))
				goto nomem;
		}
	}

	for (i = 0; i < tx->ents.nb; i++) {
		for (me = tx->ents.b[i]; me; me = me->next) {
			struct xsd_tent *e = me->val;
			struct xsd_node *old;

			if (!e->modified)
				continue;
			if (e->node) {
				old = rtdd__xsd_map_get(&x->nodes, me->key);
				e->node->gen = ++x->gen;
				rtdd__xsd_map_put(&x->nodes, me->key, e->node);
				e->node = NULL;
			} else {
				old = rtdd__xsd_map_del(&x->nodes, me->key);
			}
			rtdd__xsd_node_free(old);
		}
	}

	for (k = 0; k < tx->ndeltas; k++) {
		struct xsd_dom *dom = rtdd__xsd_dom_get(x, tx->deltas[k].domid);
		long n;

		if (!dom)
			continue;
		n = (long)dom->nnodes + tx->deltas[k].n;
		dom->nnodes = n < 0 ? 0 : (unsigned)n;
	}

	for (f = tx->fires; f; f = f->next)
		rtdd__xsd_fire_now(x, f->path, f->exact, f->perms, f->nperms,
				   f->old, f->nold);
	return 0;

nomem:
	/* Take back the empty slots placed above. */
	for (i = 0; i < tx->ents.nb; i++)
		for (me = tx->ents.b[i]; me; me = me->next)
			if (rtdd__xsd_map_get(&x->nodes, me->key) == NULL)
				rtdd__xsd_map_del(&x->nodes, me->key);
	return -ENOMEM;
}

/* ---- consistency ---- */

static bool kid_listed(const struct xsd_node *parent, const char *name)
{
	uint32_t i;

	for (i = 0; i < parent->nkids; i++)
		if (!strcmp(parent->kids[i], name))
			return true;
	return false;
}

int rtdd__xsd_check(struct rtdd_xsd *x)
{
	unsigned *owned = calloc(XSD_MAX_DOMID + 1, sizeof(*owned));
	struct xsd_map_ent *e;
	char *buf = NULL;
	int rc = 0;
	size_t i;

	if (!owned)
		return -ENOMEM;
	for (i = 0; i < x->nodes.nb && !rc; i++) {
		for (e = x->nodes.b[i]; e && !rc; e = e->next) {
			const struct xsd_node *n = e->val, *p;
			uint32_t k, kidlen = 0;
			const char *slash;

			if (!n || strcmp(n->path, e->key) || !n->nperms) {
				rc = -EIO;
				break;
			}
			owned[n->perms[0].domid]++;
			for (k = 0; k < n->nkids && !rc; k++) {
				kidlen += strlen(n->kids[k]) + 1;
				free(buf);
				if (asprintf(&buf, "%s/%s",
					     strcmp(n->path, "/") ? n->path
								  : "",
					     n->kids[k]) < 0) {
					buf = NULL;
					rc = -ENOMEM;
				} else if (!rtdd__xsd_map_get(&x->nodes, buf)) {
					rc = -EIO; /* a name without a node */
				}
			}
			if (kidlen != n->kidlen)
				rc = -EIO;
			if (rc || !strcmp(n->path, "/"))
				continue;
			/* Listed by its parent. */
			slash = strrchr(n->path, '/');
			free(buf);
			buf = strndup(n->path,
				      slash == n->path ? 1 : slash - n->path);
			if (!buf) {
				rc = -ENOMEM;
				break;
			}
			p = rtdd__xsd_map_get(&x->nodes, buf);
			if (!p || !kid_listed(p, slash + 1))
				rc = -EIO;
		}
	}
	/* Node counts as the quotas see them. */
	for (i = 0; i <= XSD_MAX_DOMID && !rc; i++) {
		const struct xsd_dom *d = x->doms[i];

		if ((d ? d->nnodes : 0) != owned[i])
			rc = -EIO;
	}
	free(buf);
	free(owned);
	return rc;
}

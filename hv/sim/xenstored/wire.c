// SPDX-License-Identifier: MIT
/*
 * The xs_wire.h message handlers. Argument checks, privilege flags, the
 * transaction lookup and the error strings follow xenstored's
 * process_message() and wire_funcs[] (Xen 4.17 xenstored_core.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define DOMID_SELF_ 0x7ff0u
#define DOMID_FIRST_RESERVED_ 0x7ff0u

struct msg {
	struct xsd_req r;
	const struct xsd_sockmsg *hdr;
	char *body; /* body[len] is NUL */
	uint32_t len;
};

static void reply(struct msg *m, const void *data, size_t len)
{
	rtdd__xsd_queue(m->r.conn, m->hdr->type, m->hdr->req_id, m->hdr->tx_id,
			data, len);
}

static void ack(struct msg *m)
{
	reply(m, "OK", sizeof("OK"));
}

static void send_error(struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		       int err)
{
	size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	const char *s = xsd_errors[0].errstring; /* EINVAL, as xenstored */

	for (i = 0; i < n; i++) {
		if (xsd_errors[i].errnum == err) {
			s = xsd_errors[i].errstring;
			break;
		}
	}
	rtdd__xsd_queue(c, XS_ERROR, hdr->req_id, hdr->tx_id, s, strlen(s) + 1);
}

/* NUL-terminated strings in the payload (xenstored's get_strings()). */
static unsigned count_strings(const struct msg *m)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < m->len; i++)
		if (!m->body[i])
			n++;
	return n;
}

/* Exactly one string, its NUL at the end (xenstored's onearg()). */
static const char *onearg(const struct msg *m)
{
	if (!m->len || memchr(m->body, 0, m->len) != m->body + m->len - 1)
		return NULL;
	return m->body;
}

static const char *next_str(const char *s)
{
	return s + strlen(s) + 1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned long digit = (unsigned long)(*s - '0');

		if (*s < '0' || *s > '9' || v > (max - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}
	*out = v;
	return 0;
}

static int parse_perms(const char *s, unsigned n, struct rtdd_xs_perm *p)
{
	unsigned i;

	for (i = 0; i < n; i++, s = next_str(s)) {
		unsigned long id;

		switch (s[0]) {
		case 'n':
			p[i].perms = RTDD_XS_PERM_NONE;
			break;
		case 'r':
			p[i].perms = RTDD_XS_PERM_READ;
			break;
		case 'w':
			p[i].perms = RTDD_XS_PERM_WRITE;
			break;
		case 'b':
			p[i].perms = RTDD_XS_PERM_BOTH;
			break;
		default:
			return -EINVAL;
		}
		if (parse_uint(s + 1, XSD_MAX_DOMID, &id))
			return -EINVAL;
		p[i].domid = (rtdd_domid)id;
	}
	return 0;
}

/* A path argument made absolute; *out is malloc'd. */
static int canon(struct msg *m, const char *path, char **out)
{
	*out = rtdd__xsd_canonical(m->r.domid, path);
	return *out ? 0 : -ENOMEM;
}

static int h_read(struct msg *m)
{
	const char *a = onearg(m);
	struct xsd_node *n;
	char *p;
	int rc;

	if (!a)
		return -EINVAL;
	if ((rc = canon(m, a, &p)))
		return rc;
	n = rtdd__xsd_get_node(&m->r, p, XSD_PERM_READ, &rc);
	free(p);
	if (!n)
		return rc;
	reply(m, n->val, n->vlen);
	return 0;
}

static int h_write(struct msg *m)
{
	size_t off;
	char *p;
	int rc;

	if (count_strings(m) < 1)
		return -EINVAL;
	off = strlen(m->body) + 1;
	if ((rc = canon(m, m->body, &p)))
		return rc;
	rc = rtdd__xsd_do_write(&m->r, p, m->body + off, m->len - off);
	free(p);
	if (!rc)
		ack(m);
	return rc;
}

static int h_path_op(struct msg *m, int (*op)(struct xsd_req *, const char *))
{
	const char *a = onearg(m);
	char *p;
	int rc;

	if (!a)
		return -EINVAL;
	if ((rc = canon(m, a, &p)))
		return rc;
	rc = op(&m->r, p);
	free(p);
	if (!rc)
		ack(m);
	return rc;
}

static int h_mkdir(struct msg *m)
{
	return h_path_op(m, rtdd__xsd_do_mkdir);
}

static int h_rm(struct msg *m)
{
	return h_path_op(m, rtdd__xsd_do_rm);
}

static char *join_kids(const struct xsd_node *n)
{
	char *buf = malloc(n->kidlen + 1), *w = buf;
	uint32_t i;

	if (!buf)
		return NULL;
	for (i = 0; i < n->nkids; i++) {
		size_t l = strlen(n->kids[i]) + 1;

		memcpy(w, n->kids[i], l);
		w += l;
	}
	return buf;
}

static int h_directory(struct msg *m)
{
	const char *a = onearg(m);
	struct xsd_node *n;
	char *p, *kids;
	int rc;

	if (!a)
		return -EINVAL;
	if ((rc = canon(m, a, &p)))
		return rc;
	n = rtdd__xsd_get_node(&m->r, p, XSD_PERM_READ, &rc);
	free(p);
	if (!n)
		return rc;
	if (n->kidlen > XENSTORE_PAYLOAD_MAX)
		return -E2BIG; /* the client goes on with DIRECTORY_PART */
	kids = join_kids(n);
	if (!kids)
		return -ENOMEM;
	reply(m, kids, n->kidlen);
	free(kids);
	return 0;
}

/* "path\0offset\0" -> "generation\0" + as many children as fit from the
 * byte offset, and an extra "\0" once the list is complete. */
static int h_directory_part(struct msg *m)
{
	unsigned long off;
	unsigned len = 0, maxlen, genlen;
	struct xsd_node *n;
	char gen[24], *p, *kids, *data, *child;
	int rc;

	if (count_strings(m) != 2)
		return -EINVAL;
	if (parse_uint(next_str(m->body), UINT32_MAX, &off))
		return -EINVAL;
	if ((rc = canon(m, m->body, &p)))
		return rc;
	n = rtdd__xsd_get_node(&m->r, p, XSD_PERM_READ, &rc);
	free(p);
	if (!n)
		return rc;

	genlen = snprintf(gen, sizeof(gen), "%" PRIu64, n->gen) + 1;
	if (off >= n->kidlen) {
		gen[genlen] = '\0';
		reply(m, gen, genlen + 1);
		return 0;
	}
	kids = join_kids(n);
	if (!kids)
		return -ENOMEM;
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	child = kids + off;
	/* An offset inside a name starts at that byte, as in xenstored. */
	while (len + strlen(child) < maxlen) {
		len += strlen(child) + 1;
		child += strlen(child) + 1;
		if (off + len == n->kidlen)
			break;
	}
	data = malloc(genlen + len + 1);
	if (!data) {
		free(kids);
		return -ENOMEM;
	}
	memcpy(data, gen, genlen);
	memcpy(data + genlen, kids + off, len);
	if (off + len == n->kidlen)
		data[genlen + len++] = '\0';
	reply(m, data, genlen + len);
	free(data);
	free(kids);
	return 0;
}

static int reply_perms(struct msg *m, const struct rtdd_xs_perm *p, unsigned np)
{
	static const char letter[] = {'n', 'r', 'w', 'b'};
	char *buf = malloc((size_t)np * 8 + 1);
	size_t len = 0;
	unsigned i;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < np; i++)
		len += sprintf(buf + len, "%c%u", letter[p[i].perms & 3],
			       p[i].domid) +
		       1;
	reply(m, buf, len);
	free(buf);
	return 0;
}

static int h_get_perms(struct msg *m)
{
	const char *a = onearg(m);
	struct xsd_node *n;
	char *p;
	int rc;

	if (!a)
		return -EINVAL;
	if (a[0] == '@') {
		unsigned *cnt;
		struct rtdd_xs_perm *sp =
			rtdd__xsd_special_perms(m->r.xsd, a, &cnt);

		if (!sp)
			return -EINVAL;
		if (!(rtdd__xsd_perm_for(m->r.xsd, m->r.domid, sp, *cnt) &
		      XSD_PERM_READ))
			return -EACCES;
		return reply_perms(m, sp, *cnt);
	}
	if ((rc = canon(m, a, &p)))
		return rc;
	n = rtdd__xsd_get_node(&m->r, p, XSD_PERM_READ, &rc);
	free(p);
	if (!n)
		return rc;
	return reply_perms(m, n->perms, n->nperms);
}

static int h_set_perms(struct msg *m)
{
	unsigned ns = count_strings(m), np;
	struct rtdd_xs_perm *perms;
	char *p;
	int rc;

	if (ns < 2)
		return -EINVAL;
	np = ns - 1;
	if (!rtdd__xsd_priv(m->r.domid) && np > XSD_PERMS_PER_NODE)
		return -ENOSPC;
	perms = calloc(np, sizeof(*perms));
	if (!perms)
		return -ENOMEM;
	rc = parse_perms(next_str(m->body), np, perms);
	if (!rc)
		rc = canon(m, m->body, &p);
	if (!rc) {
		rc = rtdd__xsd_do_set_perms(&m->r, p, perms, np);
		free(p);
	}
	free(perms);
	if (!rc)
		ack(m);
	return rc;
}

static int h_watch(struct msg *m)
{
	const char *path = m->body, *token = next_str(m->body);
	const struct xsd_watch *w;
	const char *ev;
	int rc;

	if (count_strings(m) != 2)
		return -EINVAL;
	rc = rtdd__xsd_add_watch(&m->r, path, token);
	if (rc)
		return rc;
	ack(m);
	if (m->r.conn->dead)
		return 0; /* out of memory queueing the reply */
	/* Fire once at once: simplifies clients (xenstored's do_watch()). */
	for (w = m->r.conn->watches; w->next; w = w->next)
		;
	ev = w->path + w->strip;
	if (w->strip && *ev == '/')
		ev++;
	rtdd__xsd_event(m->r.conn, ev, w->token);
	return 0;
}

static int h_unwatch(struct msg *m)
{
	int rc;

	if (count_strings(m) != 2)
		return -EINVAL;
	rc = rtdd__xsd_del_watch(&m->r, m->body, next_str(m->body));
	if (!rc)
		ack(m);
	return rc;
}

static int h_tx_start(struct msg *m)
{
	struct xsd_conn *c = m->r.conn;
	struct xsd_tx *tx, *t;
	char id[16];
	uint32_t n;

	if (m->r.tx)
		return -EBUSY; /* no nesting */
	if (!rtdd__xsd_priv(m->r.domid) &&
	    c->dom->ntx >= m->r.xsd->cfg.transactions_per_domain)
		return -ENOSPC;
	/* Pick an unused, nonzero id on this connection. */
	for (;;) {
		n = ++c->next_txid;
		if (!n)
			continue;
		for (t = c->txs; t && t->id != n; t = t->next)
			;
		if (!t)
			break;
	}
	tx = rtdd__xsd_tx_new(n);
	if (!tx)
		return -ENOMEM;
	tx->next = c->txs;
	c->txs = tx;
	c->dom->ntx++;
	snprintf(id, sizeof(id), "%" PRIu32, n);
	reply(m, id, strlen(id) + 1);
	return 0;
}

static int h_tx_end(struct msg *m)
{
	const char *a = onearg(m);
	struct xsd_conn *c = m->r.conn;
	struct xsd_tx *tx = m->r.tx, **pp;
	int rc = 0;

	if (!a || (strcmp(a, "T") && strcmp(a, "F")))
		return -EINVAL;
	if (!tx)
		return -ENOENT;
	for (pp = &c->txs; *pp != tx; pp = &(*pp)->next)
		;
	*pp = tx->next;
	if (c->dom->ntx)
		c->dom->ntx--;
	m->r.tx = NULL;
	if (!strcmp(a, "T"))
		rc = rtdd__xsd_tx_commit(m->r.xsd, tx);
	rtdd__xsd_tx_free(tx);
	if (!rc)
		ack(m);
	return rc;
}

static int arg_domid(const char *s, struct rtdd_xsd *x, struct xsd_dom **out)
{
	unsigned long id;

	if (!s || parse_uint(s, XSD_MAX_DOMID, &id) || id == 0)
		return -EINVAL;
	if (!x->doms[id] || !x->doms[id]->introduced)
		return -ENOENT;
	*out = x->doms[id];
	return 0;
}

/* domid, gfn, event channel: simhv has no ring to map, so this records the
 * domain as introduced (and fires @introduceDomain the first time). */
static int h_introduce(struct msg *m)
{
	const char *v0 = m->body, *v1, *v2;
	unsigned long id, gfn, port;
	struct xsd_dom *d;

	if (count_strings(m) < 3)
		return -EINVAL;
	v1 = next_str(v0);
	v2 = next_str(v1);
	if (parse_uint(v0, DOMID_FIRST_RESERVED_ - 1, &id) ||
	    parse_uint(v1, UINT64_MAX, &gfn) ||
	    parse_uint(v2, INT32_MAX, &port) || port == 0 || id == 0)
		return -EINVAL;
	d = rtdd__xsd_dom_get(m->r.xsd, (rtdd_domid)id);
	if (!d)
		return -ENOMEM;
	rtdd__xsd_introduce(m->r.xsd, d);
	ack(m);
	return 0;
}

static int h_release(struct msg *m)
{
	struct xsd_dom *d;
	int rc = arg_domid(onearg(m), m->r.xsd, &d);

	if (rc)
		return rc;
	ack(m); /* before the events and closes it causes */
	rtdd__xsd_release(m->r.xsd, d);
	return 0;
}

static int h_resume(struct msg *m)
{
	struct xsd_dom *d;
	int rc = arg_domid(onearg(m), m->r.xsd, &d);

	if (!rc)
		ack(m);
	return rc;
}

static int h_set_target(struct msg *m)
{
	struct xsd_dom *d, *t;
	int rc;

	if (count_strings(m) < 2)
		return -EINVAL;
	rc = arg_domid(m->body, m->r.xsd, &d);
	if (!rc)
		rc = arg_domid(next_str(m->body), m->r.xsd, &t);
	if (rc)
		return rc;
	d->has_target = true;
	d->target = t->domid;
	ack(m);
	return 0;
}

static int h_get_domain_path(struct msg *m)
{
	const char *a = onearg(m);
	unsigned long id;
	char buf[32];

	if (!a || parse_uint(a, XSD_MAX_DOMID, &id))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "/local/domain/%lu", id);
	reply(m, buf, strlen(buf) + 1);
	return 0;
}

static int h_is_introduced(struct msg *m)
{
	const char *a = onearg(m);
	const struct xsd_dom *d;
	unsigned long id;
	bool yes;

	if (!a || parse_uint(a, XSD_MAX_DOMID, &id))
		return -EINVAL;
	d = m->r.xsd->doms[id];
	yes = id == DOMID_SELF_ || (d && d->introduced);
	reply(m, yes ? "T" : "F", 2);
	return 0;
}

static int h_reset_watches(struct msg *m)
{
	rtdd__xsd_conn_drop_watches(m->r.conn);
	rtdd__xsd_conn_drop_txs(m->r.conn);
	m->r.tx = NULL;
	ack(m);
	return 0;
}

/* The subset of xenstore-control's commands that means something here. */
static int h_control(struct msg *m)
{
	const struct rtdd_xsd_config *q = &m->r.xsd->cfg;
	const char *cmd = m->body, *arg;
	unsigned ns = count_strings(m);
	char buf[512];
	int len;

	if (ns < 1)
		return -EINVAL;
	arg = ns > 1 ? next_str(cmd) : NULL;
	if (!strcmp(cmd, "check")) {
		/* xenstored repairs; simhv's store must never need it. */
		int rc = rtdd__xsd_check(m->r.xsd);

		if (!rc)
			ack(m);
		return rc;
	}
	if (!strcmp(cmd, "print")) {
		ack(m);
		return 0;
	}
	if (!strcmp(cmd, "help")) {
		len = snprintf(buf, sizeof(buf),
			       "Available commands:\ncheck\nhelp\n"
			       "print <string>\nquota [<domid>]\n");
	} else if (!strcmp(cmd, "quota") && !arg) {
		len = snprintf(buf, sizeof(buf),
			       "Quota settings:\n"
			       "nodes           : %8u\n"
			       "watches         : %8u\n"
			       "transactions    : %8u\n"
			       "entry-size      : %8u\n"
			       "path-max        : %8u\n"
			       "permissions     : %8u\n",
			       q->nodes_per_domain, q->watches_per_domain,
			       q->transactions_per_domain, q->max_value_size,
			       q->max_path_len, XSD_PERMS_PER_NODE);
	} else if (!strcmp(cmd, "quota")) {
		unsigned long id;
		const struct xsd_dom *d;

		if (parse_uint(arg, XSD_MAX_DOMID, &id))
			return -EINVAL;
		d = m->r.xsd->doms[id];
		if (!d)
			return -ENOENT;
		len = snprintf(buf, sizeof(buf),
			       "Domain %lu:\n"
			       "nodes           : %8u\n"
			       "watches         : %8u\n"
			       "transactions    : %8u\n",
			       id, d->nnodes, d->nwatches, d->ntx);
	} else {
		return -EINVAL;
	}
	reply(m, buf, (size_t)len + 1);
	return 0;
}

#define F_NOTID 1u /* ignores the transaction id */
#define F_PRIV 2u  /* dom0 only */

static const struct {
	int (*fn)(struct msg *m);
	unsigned flags;
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = {h_control, F_PRIV},
	[XS_DIRECTORY] = {h_directory, 0},
	[XS_READ] = {h_read, 0},
	[XS_GET_PERMS] = {h_get_perms, 0},
	[XS_WATCH] = {h_watch, F_NOTID},
	[XS_UNWATCH] = {h_unwatch, F_NOTID},
	[XS_TRANSACTION_START] = {h_tx_start, 0},
	[XS_TRANSACTION_END] = {h_tx_end, 0},
	[XS_INTRODUCE] = {h_introduce, F_PRIV},
	[XS_RELEASE] = {h_release, F_PRIV},
	[XS_GET_DOMAIN_PATH] = {h_get_domain_path, 0},
	[XS_WRITE] = {h_write, 0},
	[XS_MKDIR] = {h_mkdir, 0},
	[XS_RM] = {h_rm, 0},
	[XS_SET_PERMS] = {h_set_perms, 0},
	[XS_IS_DOMAIN_INTRODUCED] = {h_is_introduced, F_PRIV},
	[XS_RESUME] = {h_resume, F_PRIV},
	[XS_SET_TARGET] = {h_set_target, F_PRIV},
	[XS_RESET_WATCHES] = {h_reset_watches, 0},
	[XS_DIRECTORY_PART] = {h_directory_part, 0},
};

void rtdd__xsd_handle(struct xsd_conn *c, const struct xsd_sockmsg *hdr,
		      char *body)
{
	struct msg m = {
		.r = {.xsd = NULL, .conn = c, .domid = c->dom->domid},
		.hdr = hdr,
		.body = body,
		.len = hdr->len,
	};
	struct xsd_tx *tx = NULL;
	int rc;

	if (hdr->type >= XS_TYPE_COUNT || !handlers[hdr->type].fn) {
		send_error(c, hdr, ENOSYS);
		return;
	}
	if ((handlers[hdr->type].flags & F_PRIV) &&
	    !rtdd__xsd_priv(m.r.domid)) {
		send_error(c, hdr, EACCES);
		return;
	}
	if (!(handlers[hdr->type].flags & F_NOTID) && hdr->tx_id) {
		for (tx = c->txs; tx && tx->id != hdr->tx_id; tx = tx->next)
			;
		if (!tx) {
			send_error(c, hdr, ENOENT);
			return;
		}
	}
	m.r.tx = tx;
	m.r.xsd = c->xsd;
	rc = handlers[hdr->type].fn(&m);
	if (rc)
		send_error(c, hdr, -rc);
}

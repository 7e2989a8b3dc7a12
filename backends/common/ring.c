// SPDX-License-Identifier: MIT
/* Reading ring transport keys and mapping the frontend's ring pages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rtdd/be_ring.h"

static int read_u64_at(rtdd_hv *hv, const char *dir, const char *key,
		       uint64_t *v)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, key);
	return rtdd_xs_read_u64(hv, RTDD_XS_TXN_NONE, p, v);
}

int rtdd_be_read_num_queues(rtdd_hv *hv, const char *fe_path, unsigned max,
			    unsigned *n_out)
{
	uint64_t v;
	int rc = read_u64_at(hv, fe_path, "multi-queue-num-queues", &v);

	if (rc == -ENOENT) {
		*n_out = 1;
		return 0;
	}
	if (rc)
		return rc;
	if (v == 0 || v > max)
		return -EINVAL;
	*n_out = (unsigned)v;
	return 0;
}

int rtdd_be_read_ring_order(rtdd_hv *hv, const char *fe_path,
			    unsigned max_order, unsigned *order_out)
{
	uint64_t v;
	int rc = read_u64_at(hv, fe_path, "ring-page-order", &v);

	if (rc == -ENOENT) {
		*order_out = 0;
		return 0;
	}
	if (rc)
		return rc;
	if (v > max_order)
		return -EINVAL;
	*order_out = (unsigned)v;
	return 0;
}

void rtdd_be_queue_dir(const char *fe_path, unsigned nqueues, unsigned q,
		       char *buf, size_t len)
{
	if (nqueues <= 1)
		snprintf(buf, len, "%s", fe_path);
	else
		snprintf(buf, len, "%s/queue-%u", fe_path, q);
}

int rtdd_be_read_ring_refs(rtdd_hv *hv, const char *dir, const char *key,
			   unsigned order, rtdd_gref *refs, rtdd_port *port_out)
{
	uint64_t v;
	char k[64];
	int rc;

	if (order > RTDD_RING_MAX_ORDER)
		return -EINVAL;
	for (unsigned i = 0; i < (1u << order); i++) {
		if (order == 0)
			snprintf(k, sizeof(k), "%s", key);
		else
			snprintf(k, sizeof(k), "%s%u", key, i);
		rc = read_u64_at(hv, dir, k, &v);
		if (rc)
			return rc;
		if (v > UINT32_MAX)
			return -EINVAL;
		refs[i] = (rtdd_gref)v;
	}
	rc = read_u64_at(hv, dir, "event-channel", &v);
	if (rc)
		return rc;
	if (v == 0 || v > UINT32_MAX)
		return -EINVAL;
	*port_out = (rtdd_port)v;
	return 0;
}

int rtdd_be_ring_map(rtdd_hv *hv, rtdd_domid domid, const rtdd_gref *refs,
		     unsigned npages, struct rtdd_be_ring_map *map)
{
	void *addr = NULL;
	int rc;

	map->addr = NULL;
	map->npages = 0;
	rc = rtdd_gnt_map_refs(hv, domid, npages, refs, false, &addr);
	if (rc)
		return rc;
	map->addr = addr;
	map->npages = npages;
	return 0;
}

void rtdd_be_ring_unmap(rtdd_hv *hv, struct rtdd_be_ring_map *map)
{
	if (map->addr)
		(void)rtdd_gnt_unmap(hv, map->addr, map->npages);
	map->addr = NULL;
	map->npages = 0;
}

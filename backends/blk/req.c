// SPDX-License-Identifier: MIT
/* Decoding and checking blkif requests: see rtdd/blkif_req.h. */
#include <string.h>

#include "rtdd/blkif_req.h"

static const char *const reason_names[RTDD_BLK_R_COUNT] = {
	[RTDD_BLK_R_OK] = "ok",
	[RTDD_BLK_R_BAD_OP] = "unknown operation",
	[RTDD_BLK_R_BARRIER] = "write barrier not supported",
	[RTDD_BLK_R_NO_FLUSH] = "flush not offered",
	[RTDD_BLK_R_NO_DISCARD] = "discard not offered",
	[RTDD_BLK_R_NO_INDIRECT] = "indirect not offered",
	[RTDD_BLK_R_BAD_INDIRECT_OP] = "bad indirect operation",
	[RTDD_BLK_R_NSEG] = "bad segment count",
	[RTDD_BLK_R_SEG] = "bad segment sectors",
	[RTDD_BLK_R_RANGE] = "sector range outside the disk",
	[RTDD_BLK_R_READONLY] = "write to a read-only vbd",
	[RTDD_BLK_R_ALIGN] = "misaligned request",
	[RTDD_BLK_R_GRANT] = "bad grant reference",
	[RTDD_BLK_R_IO] = "I/O error",
};

const char *rtdd_blk_reason_name(enum rtdd_blk_reason r)
{
	return (unsigned)r < RTDD_BLK_R_COUNT && reason_names[r]
		       ? reason_names[r]
		       : "?";
}

static int refuse(enum rtdd_blk_reason *why, enum rtdd_blk_reason r, int status)
{
	*why = r;
	return status;
}

/* [sector, sector + n) within the disk, without wrapping. */
static bool in_range(uint64_t sector, uint64_t n, uint64_t sectors)
{
	return sector <= sectors && n <= sectors - sector;
}

int rtdd_blk_req_check_segs(struct rtdd_blk_vreq *vr,
			    const struct rtdd_blk_limits *lim,
			    enum rtdd_blk_reason *why)
{
	uint64_t total = 0;
	unsigned mask = lim->align_sectors ? lim->align_sectors - 1 : 0;

	for (unsigned i = 0; i < vr->nseg; i++) {
		const struct blkif_request_segment *s = &vr->seg[i];
		unsigned nsec;

		if (s->last_sect >= RTDD_BLK_SECT_PER_PAGE ||
		    s->first_sect > s->last_sect)
			return refuse(why, RTDD_BLK_R_SEG, BLKIF_RSP_ERROR);
		nsec = (unsigned)s->last_sect - s->first_sect + 1;
		if ((nsec | s->first_sect) & mask)
			return refuse(why, RTDD_BLK_R_ALIGN, BLKIF_RSP_ERROR);
		total += nsec;
	}
	if (vr->sector & mask)
		return refuse(why, RTDD_BLK_R_ALIGN, BLKIF_RSP_ERROR);
	if (!in_range(vr->sector, total, lim->sectors))
		return refuse(why, RTDD_BLK_R_RANGE, BLKIF_RSP_ERROR);
	vr->nr_sectors = total;
	*why = RTDD_BLK_R_OK;
	return BLKIF_RSP_OKAY;
}

static int decode_rw(const struct blkif_request *c,
		     const struct rtdd_blk_limits *lim,
		     struct rtdd_blk_vreq *vr, enum rtdd_blk_reason *why)
{
	unsigned nseg = c->nr_segments;

	if (vr->op == BLKIF_OP_FLUSH_DISKCACHE) {
		if (!lim->flush)
			return refuse(why, RTDD_BLK_R_NO_FLUSH,
				      BLKIF_RSP_EOPNOTSUPP);
	} else if (nseg == 0) {
		return refuse(why, RTDD_BLK_R_NSEG, BLKIF_RSP_ERROR);
	}
	if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return refuse(why, RTDD_BLK_R_NSEG, BLKIF_RSP_ERROR);
	if (vr->op != BLKIF_OP_READ && lim->readonly)
		return refuse(why, RTDD_BLK_R_READONLY, BLKIF_RSP_ERROR);
	vr->nseg = (uint16_t)nseg;
	vr->sector = c->sector_number;
	memcpy(vr->seg, c->seg, nseg * sizeof(c->seg[0]));
	return rtdd_blk_req_check_segs(vr, lim, why);
}

int rtdd_blk_req_decode(const struct blkif_request *c,
			const struct rtdd_blk_limits *lim,
			struct rtdd_blk_vreq *vr, enum rtdd_blk_reason *why)
{
	vr->ring_op = c->operation;
	vr->op = c->operation;
	vr->indirect = false;
	vr->secure = false;
	vr->nseg = 0;
	vr->nr_indirect_pages = 0;
	vr->sector = 0;
	vr->nr_sectors = 0;

	switch (c->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_FLUSH_DISKCACHE:
		vr->id = c->id;
		return decode_rw(c, lim, vr, why);
	case BLKIF_OP_WRITE_BARRIER:
		/* Not offered (no feature-barrier), as Linux blkback today. */
		vr->id = c->id;
		return refuse(why, RTDD_BLK_R_BARRIER, BLKIF_RSP_EOPNOTSUPP);
	case BLKIF_OP_DISCARD: {
		const struct blkif_request_discard *d =
			(const struct blkif_request_discard *)c;

		vr->id = d->id;
		if (!lim->discard)
			return refuse(why, RTDD_BLK_R_NO_DISCARD,
				      BLKIF_RSP_EOPNOTSUPP);
		if (lim->readonly)
			return refuse(why, RTDD_BLK_R_READONLY,
				      BLKIF_RSP_ERROR);
		if (!in_range(d->sector_number, d->nr_sectors, lim->sectors))
			return refuse(why, RTDD_BLK_R_RANGE, BLKIF_RSP_ERROR);
		vr->sector = d->sector_number;
		vr->nr_sectors = d->nr_sectors;
		vr->secure = d->flag & BLKIF_DISCARD_SECURE;
		*why = RTDD_BLK_R_OK;
		return BLKIF_RSP_OKAY;
	}
	case BLKIF_OP_INDIRECT: {
		const struct blkif_request_indirect *in =
			(const struct blkif_request_indirect *)c;
		unsigned nseg = in->nr_segments, pages;

		vr->id = in->id;
		/* Answer with the inner operation, as Linux blkfront expects. */
		vr->ring_op = in->indirect_op;
		if (!lim->max_indirect_segs)
			return refuse(why, RTDD_BLK_R_NO_INDIRECT,
				      BLKIF_RSP_ERROR);
		if (in->indirect_op != BLKIF_OP_READ &&
		    in->indirect_op != BLKIF_OP_WRITE)
			return refuse(why, RTDD_BLK_R_BAD_INDIRECT_OP,
				      BLKIF_RSP_ERROR);
		vr->op = in->indirect_op;
		if (nseg == 0 || nseg > lim->max_indirect_segs ||
		    nseg > RTDD_BLK_MAX_INDIRECT_SEGS)
			return refuse(why, RTDD_BLK_R_NSEG, BLKIF_RSP_ERROR);
		if (vr->op == BLKIF_OP_WRITE && lim->readonly)
			return refuse(why, RTDD_BLK_R_READONLY,
				      BLKIF_RSP_ERROR);
		pages = (nseg + RTDD_BLK_SEGS_PER_INDIRECT_PAGE - 1) /
			RTDD_BLK_SEGS_PER_INDIRECT_PAGE;
		vr->indirect = true;
		vr->nseg = (uint16_t)nseg;
		vr->nr_indirect_pages = (uint8_t)pages;
		vr->sector = in->sector_number;
		memcpy(vr->indirect_grefs, in->indirect_grefs,
		       pages * sizeof(in->indirect_grefs[0]));
		*why = RTDD_BLK_R_OK;
		return BLKIF_RSP_OKAY;
	}
	default:
		vr->id = c->id;
		return refuse(why, RTDD_BLK_R_BAD_OP, BLKIF_RSP_EOPNOTSUPP);
	}
}

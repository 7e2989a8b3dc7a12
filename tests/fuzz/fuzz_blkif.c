// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: blkif request validation (rtdd/blkif_req.h), direct
 * and indirect.
 *
 * Input: a limits block (disk size, alignment, features), one 112-byte
 * ring slot as the guest wrote it, then the segments an indirect request's
 * pages would hold. The target does what backends/blk/ring.c does with a
 * slot: decode a private copy, and for BLKIF_OP_INDIRECT fill vr->seg from
 * the (guest-written) indirect pages and check them.
 *
 * Oracles: the verdict is OKAY / ERROR / EOPNOTSUPP with a reason that
 * agrees (R_OK exactly for OKAY); an accepted request stays inside the
 * disk, respects the segment and alignment rules, and never asks for more
 * than the limits offer; a read-only vbd never accepts a write.
 */
#include "fuzz.h"
#include "rtdd/blkif_req.h"

static void check_ok(const struct rtdd_blk_vreq *vr,
		     const struct rtdd_blk_limits *lim)
{
	unsigned mask = lim->align_sectors - 1;

	FUZZ_CHECK(vr->sector <= lim->sectors);
	FUZZ_CHECK(vr->nr_sectors <= lim->sectors - vr->sector);
	if (vr->op == BLKIF_OP_WRITE || vr->op == BLKIF_OP_DISCARD ||
	    vr->op == BLKIF_OP_FLUSH_DISKCACHE)
		FUZZ_CHECK(!lim->readonly);
	if (vr->op == BLKIF_OP_DISCARD) {
		FUZZ_CHECK(lim->discard);
		return;
	}
	FUZZ_CHECK(vr->op == BLKIF_OP_READ || vr->op == BLKIF_OP_WRITE ||
		   vr->op == BLKIF_OP_FLUSH_DISKCACHE);
	if (vr->op == BLKIF_OP_FLUSH_DISKCACHE)
		FUZZ_CHECK(lim->flush);
	else
		FUZZ_CHECK(vr->nseg >= 1);
	if (vr->indirect) {
		FUZZ_CHECK(lim->max_indirect_segs);
		FUZZ_CHECK(vr->nseg <= lim->max_indirect_segs &&
			   vr->nseg <= RTDD_BLK_MAX_INDIRECT_SEGS);
	} else {
		FUZZ_CHECK(vr->nseg <= BLKIF_MAX_SEGMENTS_PER_REQUEST);
	}
	uint64_t total = 0;

	for (unsigned i = 0; i < vr->nseg; i++) {
		const struct blkif_request_segment *s = &vr->seg[i];

		FUZZ_CHECK(s->first_sect <= s->last_sect &&
			   s->last_sect < RTDD_BLK_SECT_PER_PAGE);
		total += (unsigned)s->last_sect - s->first_sect + 1;
		FUZZ_CHECK(!(s->first_sect & mask));
	}
	FUZZ_CHECK(total == vr->nr_sectors);
	FUZZ_CHECK(!(vr->sector & mask) && !(total & mask));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct rtdd_blk_limits lim;
	struct blkif_request slot;
	static struct rtdd_blk_vreq vr;
	enum rtdd_blk_reason why = RTDD_BLK_R_COUNT;
	uint8_t f;
	int st;

	lim.sectors = fuzz_u64(&in);
	if (fuzz_u8(&in) & 1) /* small disks reach the range checks */
		lim.sectors &= 0xffff;
	lim.align_sectors = 1u << (fuzz_u8(&in) % 4); /* 512 B .. 4 KiB */
	lim.max_indirect_segs =
		fuzz_u16(&in) % (RTDD_BLK_MAX_INDIRECT_SEGS + 1);
	f = fuzz_u8(&in);
	lim.readonly = f & 1;
	lim.flush = f & 2;
	lim.discard = f & 4;
	/* The slot as the guest left it: every byte is the guest's. */
	fuzz_take(&in, &slot, sizeof(slot));

	memset(&vr, 0xa5, sizeof(vr));
	st = rtdd_blk_req_decode(&slot, &lim, &vr, &why);
	FUZZ_CHECK(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_ERROR ||
		   st == BLKIF_RSP_EOPNOTSUPP);
	FUZZ_CHECK((unsigned)why < RTDD_BLK_R_COUNT);
	FUZZ_CHECK((st == BLKIF_RSP_OKAY) == (why == RTDD_BLK_R_OK));
	FUZZ_CHECK(strcmp(rtdd_blk_reason_name(why), "?"));
	if (st != BLKIF_RSP_OKAY)
		return 0;
	if (vr.indirect) {
		FUZZ_CHECK(vr.nr_indirect_pages >= 1 &&
			   vr.nr_indirect_pages <=
				   BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
		FUZZ_CHECK(vr.nseg <= (unsigned)vr.nr_indirect_pages *
					      RTDD_BLK_SEGS_PER_INDIRECT_PAGE);
		/* What the indirect pages hold, copied as ring.c does. */
		fuzz_take(&in, vr.seg, vr.nseg * sizeof(vr.seg[0]));
		why = RTDD_BLK_R_COUNT;
		st = rtdd_blk_req_check_segs(&vr, &lim, &why);
		FUZZ_CHECK(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_ERROR);
		FUZZ_CHECK((st == BLKIF_RSP_OKAY) == (why == RTDD_BLK_R_OK));
		if (st != BLKIF_RSP_OKAY)
			return 0;
	}
	check_ok(&vr, &lim);
	return 0;
}

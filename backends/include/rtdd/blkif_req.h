/* SPDX-License-Identifier: MIT */
/*
 * rtdd/blkif_req.h - decoding and checking blkif requests (backends/blk).
 *
 * The backend copies every request off the shared ring before looking at
 * it (the frontend may rewrite the slot at any time) and runs it through
 * these checks, which mirror Linux xen-blkback's: operation, segment count,
 * first_sect <= last_sect < 8, sector range within the disk (no overflow),
 * alignment to the backing store's logical block, read-only vbds refuse
 * writes, flushes and discards. Grant refs are checked when they are
 * mapped or copied. Pure functions, no hypervisor: unit-tested directly.
 *
 * Verdicts are blkif response statuses: BLKIF_RSP_OKAY (go on),
 * BLKIF_RSP_ERROR, BLKIF_RSP_EOPNOTSUPP (write barriers, operations not
 * offered, unknown opcodes, as Linux blkback answers them).
 */
#ifndef RTDD_BLKIF_REQ_H
#define RTDD_BLKIF_REQ_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/io/blkif.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Linux's MAX_INDIRECT_SEGMENTS: 256 segments, 1 MiB per request. */
#define RTDD_BLK_MAX_INDIRECT_SEGS 256u
#define RTDD_BLK_SEGS_PER_INDIRECT_PAGE \
	(4096u / sizeof(struct blkif_request_segment))
#define RTDD_BLK_SECT_PER_PAGE 8u

/* Why a request was refused (counters, tests, debug logs). */
enum rtdd_blk_reason {
	RTDD_BLK_R_OK = 0,
	RTDD_BLK_R_BAD_OP,	/* unknown operation code */
	RTDD_BLK_R_BARRIER,	/* WRITE_BARRIER: not offered */
	RTDD_BLK_R_NO_FLUSH,	/* flush not offered */
	RTDD_BLK_R_NO_DISCARD,	/* discard not offered */
	RTDD_BLK_R_NO_INDIRECT, /* indirect not offered */
	RTDD_BLK_R_BAD_INDIRECT_OP,
	RTDD_BLK_R_NSEG,     /* segment count 0 or over the limit */
	RTDD_BLK_R_SEG,	     /* first_sect > last_sect or last_sect > 7 */
	RTDD_BLK_R_RANGE,    /* beyond the end of the disk / overflow */
	RTDD_BLK_R_READONLY, /* write/flush/discard on a read-only vbd */
	RTDD_BLK_R_ALIGN,    /* not aligned to the logical block */
	RTDD_BLK_R_GRANT,    /* a grant ref could not be mapped/copied */
	RTDD_BLK_R_IO,	     /* the backing store failed */
	RTDD_BLK_R_COUNT
};

const char *rtdd_blk_reason_name(enum rtdd_blk_reason r);

/* What the vbd offers; fixed while connected. */
struct rtdd_blk_limits {
	uint64_t sectors;	    /* disk size in 512-byte sectors */
	unsigned align_sectors;	    /* logical block / 512, power of two >= 1 */
	unsigned max_indirect_segs; /* 0: indirect not offered */
	bool readonly;
	bool flush;
	bool discard;
};

/* A request after decoding; segments are private copies. */
struct rtdd_blk_vreq {
	uint64_t id;
	uint8_t ring_op; /* as on the ring */
	uint8_t op;	 /* READ, WRITE, FLUSH_DISKCACHE or DISCARD */
	bool indirect;
	bool secure; /* discard: BLKIF_DISCARD_SECURE */
	uint16_t nseg;
	uint8_t nr_indirect_pages;
	uint64_t sector;
	uint64_t nr_sectors; /* total over the segments, or discard length */
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	struct blkif_request_segment seg[RTDD_BLK_MAX_INDIRECT_SEGS];
};

/*
 * Stage 1: decode a private copy of a ring slot. For direct requests the
 * segments are checked too; for BLKIF_OP_INDIRECT the caller then copies
 * nseg segments from the nr_indirect_pages pages into vr->seg and calls
 * rtdd_blk_req_check_segs. The id is always decoded (to answer with).
 * Returns BLKIF_RSP_OKAY, BLKIF_RSP_ERROR or BLKIF_RSP_EOPNOTSUPP, with the
 * reason in *why.
 */
int rtdd_blk_req_decode(const struct blkif_request *copy,
			const struct rtdd_blk_limits *lim,
			struct rtdd_blk_vreq *vr, enum rtdd_blk_reason *why);
/* Stage 2: check vr->seg[0..nseg) and the sector range they cover. */
int rtdd_blk_req_check_segs(struct rtdd_blk_vreq *vr,
			    const struct rtdd_blk_limits *lim,
			    enum rtdd_blk_reason *why);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_BLKIF_REQ_H */

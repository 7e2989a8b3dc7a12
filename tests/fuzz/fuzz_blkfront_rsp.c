// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: librtdd-blkfront's handling of a hostile backend's
 * responses (rtdd__bf_take, frontends/blk/blkfront_ring.h: the function
 * rtdd_blkfront_poll runs under the queue lock), with requests put on the
 * ring by rtdd__bf_put as rtdd_blkfront_submit does.
 *
 * The input is a program of byte-coded steps on one queue (one-page ring,
 * 32 slots of 4 pages) living in this process; the target plays the
 * backend:
 *   0 submit   u8 n, n x (u8 kind, u16 sectors): kind % 4 = read, write,
 *              flush, discard; bit 2: the slot uses a registered buffer
 *              (no copy); bit 3: an indirect read/write. Buffers are
 *              exactly len bytes (ASan sees one byte past them). Then
 *              req_prod = req_prod_pvt.
 *   1 answer   u8 k, k x (u8 mode, u64 id, u8 op, i16 status) at the
 *              backend's rsp_prod_pvt: mode bit 0 takes the id of the
 *              request in that slot, bit 1 its operation (the inner one
 *              for indirect, as blkback answers); then rsp_prod moves
 *   2 jump     u32: rsp_prod := value (forward, backward, anywhere)
 *   3 take     u8 max: rtdd__bf_take into exactly max completions
 *   4 scribble u8 ahead, 16 bytes: rewrite the response slot that far past
 *              rsp_cons (a backend changing what the frontend may read)
 *   5 fill     u8 slot, u8 byte: the backend writes a slot's data pages
 * A take returning -EPROTO ends the program, as the device then fails.
 *
 * Oracles besides ASan/UBSan: -EPROTO comes with a reason, otherwise the
 * result is 0..max; rsp_cons never passes rsp_prod; every completion is of
 * a request in flight and completes it exactly once, with status 0, -EIO
 * or -EOPNOTSUPP; a read that completed OKAY through the library's pages
 * holds what the backend put there; the slots add up (free + in flight =
 * 32, each id free or busy exactly once).
 */
#include <errno.h>

#include "fuzz.h"

#include "blkfront_ring.h"

#define PG 4096u
#define NSL 32u
#define SLOT_PAGES 4u
#define MAX_STEPS 256
#define MAX_REQS (MAX_STEPS * 8)

static struct fe_queue *q;
static uint8_t fill_byte[NSL];

/* The model: what the caller submitted, by cookie. */
static struct {
	uint8_t *buf;
	uint32_t len;
	uint16_t id;
	uint8_t op;
	bool zc;  /* registered buffer: never copied into */
	bool out; /* in flight */
} reqs[MAX_REQS];
static unsigned nreqs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	q = aligned_alloc(64, sizeof(*q)); /* the struct is cache-aligned */
	if (!q)
		abort();
	memset(q, 0, sizeof(*q));
	q->ring.addr = aligned_alloc(PG, PG);
	q->slots = calloc(NSL, sizeof(*q->slots));
	q->slot_bytes = (size_t)SLOT_PAGES * PG;
	q->data = aligned_alloc(PG, NSL * q->slot_bytes);
	q->data_refs = calloc(NSL * SLOT_PAGES, sizeof(*q->data_refs));
	if (!q->ring.addr || !q->slots || !q->data || !q->data_refs)
		abort();
	for (unsigned i = 0; i < NSL * SLOT_PAGES; i++)
		q->data_refs[i] = 100 + i;
	return 0;
}

static void reset(void)
{
	blkif_sring_t *sr = q->ring.addr;

	memset(sr, 0, PG);
	SHARED_RING_INIT(sr);
	FRONT_RING_INIT(&q->fr, sr, PG);
	FUZZ_CHECK(RING_SIZE(&q->fr) == NSL);
	q->req_pushed = 0;
	q->nslots = NSL;
	memset(q->slots, 0, NSL * sizeof(*q->slots));
	for (unsigned i = 0; i < NSL; i++)
		q->slots[i].next_free = (uint16_t)(i + 1);
	q->free_head = 0;
	q->nfree = NSL;
	q->inflight = 0;
	for (unsigned i = 0; i < NSL; i++) {
		fill_byte[i] = (uint8_t)i;
		memset(q->data + i * q->slot_bytes, i, q->slot_bytes);
	}
	nreqs = 0;
}

static void check_slots(void)
{
	static bool seen[NSL];
	unsigned busy = 0, nfree = 0;
	uint16_t id = q->free_head;

	FUZZ_CHECK(q->nfree + q->inflight == NSL);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < q->nfree; i++) {
		FUZZ_CHECK(id < NSL && !seen[id] && !q->slots[id].busy);
		seen[id] = true;
		id = q->slots[id].next_free;
		nfree++;
	}
	for (unsigned i = 0; i < NSL; i++)
		busy += q->slots[i].busy;
	FUZZ_CHECK(busy == q->inflight && nfree == q->nfree);
	/* Every request on the ring is answered or in flight. */
	FUZZ_CHECK(q->fr.req_prod_pvt - q->fr.rsp_cons == q->inflight);
}

static void step_submit(struct fuzz_in *in)
{
	unsigned n = fuzz_u8(in) % 8 + 1;

	for (unsigned k = 0; k < n; k++) {
		uint8_t kind = fuzz_u8(in);
		unsigned nsec = fuzz_u16(in) % (SLOT_PAGES * 8) + 1;
		uint16_t id = q->free_head;
		struct fe_slot *s;
		blkif_request_t *rq;

		if (!q->nfree || RING_FULL(&q->fr) || nreqs >= MAX_REQS)
			break;
		s = &q->slots[id];
		rq = &s->req;
		memset(rq, 0, sizeof(*rq));
		s->cookie = nreqs;
		s->zbuf = (kind & 4) ? 0 : -1;
		s->ubuf = NULL;
		s->len = 0;
		s->off0 = 0;
		rq->id = id;
		switch (kind % 4) {
		case 0:
		case 1:
			s->op = kind % 4 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
			s->len = nsec * 512u;
			s->off0 = (nsec & 7) * 512u;
			if (s->off0 + s->len > q->slot_bytes)
				s->off0 = 0;
			s->ubuf = malloc(s->len);
			if (!s->ubuf)
				abort();
			memset(s->ubuf, 0xee, s->len);
			if (kind & 8) {
				blkif_request_indirect_t *ind =
					(blkif_request_indirect_t *)rq;

				ind->operation = BLKIF_OP_INDIRECT;
				ind->indirect_op = s->op;
				ind->nr_segments =
					(uint16_t)((s->off0 + s->len + PG - 1) /
						   PG);
			} else {
				rq->operation = s->op;
				rq->nr_segments =
					(uint8_t)((s->off0 + s->len + PG - 1) /
						  PG);
				for (unsigned g = 0; g < rq->nr_segments; g++)
					rq->seg[g].gref =
						q->data_refs[id * SLOT_PAGES +
							     g];
			}
			break;
		case 2:
			s->op = rq->operation = BLKIF_OP_FLUSH_DISKCACHE;
			break;
		default:
			s->op = rq->operation = BLKIF_OP_DISCARD;
			break;
		}
		reqs[nreqs].buf = s->ubuf;
		reqs[nreqs].len = s->len;
		reqs[nreqs].op = s->op;
		reqs[nreqs].zc = s->zbuf >= 0;
		reqs[nreqs].id = id;
		reqs[nreqs].out = true;
		nreqs++;
		FUZZ_CHECK(rtdd__bf_put(q) == id);
		FUZZ_CHECK(s->busy);
	}
	q->fr.sring->req_prod = q->fr.req_prod_pvt;
	check_slots();
}

static void step_answer(struct fuzz_in *in, RING_IDX *bpvt)
{
	unsigned k = fuzz_u8(in) % 40 + 1;

	for (unsigned i = 0; i < k; i++) {
		uint8_t mode = fuzz_u8(in);
		uint64_t id = fuzz_u64(in);
		uint8_t op = fuzz_u8(in);
		int16_t st = (int16_t)fuzz_u16(in);
		blkif_request_t req;
		blkif_response_t *r;

		/* What the frontend put in this slot, before we overwrite. */
		memcpy(&req, RING_GET_REQUEST(&q->fr, *bpvt), sizeof(req));
		if (mode & 1)
			id = req.id;
		if (mode & 2)
			op = req.operation == BLKIF_OP_INDIRECT
				     ? ((blkif_request_indirect_t *)&req)
					       ->indirect_op
				     : req.operation;
		r = RING_GET_RESPONSE(&q->fr, *bpvt);
		r->id = id;
		r->operation = op;
		r->status = st;
		(*bpvt)++;
	}
	q->fr.sring->rsp_prod = *bpvt;
}

static int step_take(struct fuzz_in *in)
{
	unsigned max = fuzz_u8(in) % 40;
	struct rtdd_blk_cpl *c = malloc((max ? max : 1) * sizeof(*c));
	RING_IDX cons0 = q->fr.rsp_cons, rp = q->fr.sring->rsp_prod;
	const char *why = NULL;
	int got;

	if (!c)
		abort();
	got = rtdd__bf_take(q, c, max, &why);
	if (got == -EPROTO) {
		FUZZ_CHECK(why && why[0]);
		free(c);
		return got;
	}
	FUZZ_CHECK(got >= 0 && (unsigned)got <= max);
	/* Never past what the backend produced. */
	FUZZ_CHECK(q->fr.rsp_cons - cons0 == (unsigned)got);
	FUZZ_CHECK((unsigned)got <= (RING_IDX)(rp - cons0));
	for (int i = 0; i < got; i++) {
		uint64_t ck = c[i].cookie;

		FUZZ_CHECK(ck < nreqs && reqs[ck].out);
		FUZZ_CHECK(c[i].status == 0 || c[i].status == -EIO ||
			   c[i].status == -EOPNOTSUPP);
		FUZZ_CHECK(!q->slots[reqs[ck].id].busy ||
			   q->slots[reqs[ck].id].cookie != ck);
		/* The data: the slot's pages on an OKAY read through them,
		 * the caller's buffer untouched otherwise. */
		if (reqs[ck].buf) {
			bool copied = reqs[ck].op == BLKIF_OP_READ &&
				      !reqs[ck].zc && c[i].status == 0;
			uint8_t want = copied ? fill_byte[reqs[ck].id] : 0xee;

			for (uint32_t b = 0; b < reqs[ck].len; b++)
				FUZZ_CHECK(reqs[ck].buf[b] == want);
		}
		reqs[ck].out = false;
		free(reqs[ck].buf);
		reqs[ck].buf = NULL;
	}
	check_slots();
	free(c);
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	RING_IDX bpvt = 0; /* the backend's rsp_prod_pvt */
	int rc = 0;

	if (!q)
		LLVMFuzzerInitialize(NULL, NULL);
	reset();
	for (unsigned s = 0; s < MAX_STEPS && in.n && rc != -EPROTO; s++) {
		switch (fuzz_u8(&in) % 6) {
		case 0:
			step_submit(&in);
			break;
		case 1:
			step_answer(&in, &bpvt);
			break;
		case 2:
			bpvt = fuzz_u32(&in);
			q->fr.sring->rsp_prod = bpvt;
			break;
		case 3:
			rc = step_take(&in);
			break;
		case 4: {
			uint8_t ahead = fuzz_u8(&in);
			uint8_t b[16];

			fuzz_take(&in, b, sizeof(b));
			memcpy(RING_GET_RESPONSE(&q->fr,
						 q->fr.rsp_cons + ahead % NSL),
			       b, sizeof(b));
			break;
		}
		default: {
			unsigned slot = fuzz_u8(&in) % NSL;

			fill_byte[slot] = fuzz_u8(&in);
			memset(q->data + slot * q->slot_bytes, fill_byte[slot],
			       q->slot_bytes);
			break;
		}
		}
	}
	for (unsigned i = 0; i < nreqs; i++)
		free(reqs[i].buf);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: librtdd-netfront's handling of a hostile backend's TX
 * and RX responses (rtdd__nf_tx_complete, rtdd__nf_rx_take,
 * rtdd__nf_tx_put and rtdd__nf_tx_fill, frontends/net/netfront_ring.h: the
 * functions rtdd_netfront_send/send_fill/recv run under the queue lock).
 *
 * The input is a program of byte-coded steps on one queue whose rings and
 * 2 x 256 buffer pages live in this process; the target plays the backend:
 *   0 send      u8 n, n x u16 len, u8 max (bit 0: 64 KiB frames, else a
 *               page): rtdd__nf_tx_put, then req_prod = req_prod_pvt
 *   1 tx rsps   u8 k, k x (u8 mode, u16 id, i16 status): responses at the
 *               backend's rsp_prod_pvt; mode bit 0 takes the id of the
 *               request in that slot; then rsp_prod = rsp_prod_pvt
 *   2 rx rsps   u8 k, k x (u8 mode, u16 id, u16 offset, u16 flags,
 *               i16 status): the same on RX; mode bit 0: id = slot & 255
 *   3 jump      u8 which, u32 value: TX (bit 0) or RX rsp_prod := value
 *   4 complete  rtdd__nf_tx_complete
 *   5 take      u8 n, u16 cap: rtdd__nf_rx_take into n buffers of cap
 *               bytes each (exactly cap bytes allocated: ASan sees a byte
 *               past them)
 *   6 scribble  u8 ring, u8 slot, 8 bytes: rewrite a TX or RX slot
 *   7 fill      u8 page, u8 byte: the backend writes an RX page
 *   8 send_fill u8 n, n x u16 len: rtdd__nf_tx_fill, the callback writing
 *               min(len, page) bytes and returning len (0 stops, more
 *               than a page is refused); then req_prod = req_prod_pvt
 * A step returning -EPROTO ends the program, as the device then fails.
 *
 * Oracles besides ASan/UBSan: -EPROTO comes with a reason and otherwise
 * the result is 0..n; rsp_cons never passes rsp_prod; every TX id is
 * exactly once either free or in flight; the RX ring always has all 256
 * pages posted (req_prod_pvt == rsp_cons + 256) and every re-posted
 * request carries its slot's own page and grant; a received frame has
 * 1..cap bytes, and the counters add up to what the calls returned.
 */
#include <errno.h>

#include "fuzz.h"

#include "netfront_ring.h"

#define NSL RTDD__NF_NSLOTS
#define PG RTDD__NF_PAGE
#define MAX_STEPS 256

static struct rtdd__nf_queue *q;
static uint8_t *txdata;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	q = calloc(1, sizeof(*q));
	txdata = malloc(65536);
	if (!q || !txdata)
		abort();
	q->txr.addr = aligned_alloc(PG, PG);
	q->rxr.addr = aligned_alloc(PG, PG);
	q->txpages = aligned_alloc(PG, (size_t)NSL * PG);
	q->rxpages = aligned_alloc(PG, (size_t)NSL * PG);
	if (!q->txr.addr || !q->rxr.addr || !q->txpages || !q->rxpages)
		abort();
	for (unsigned i = 0; i < NSL; i++) {
		q->txrefs[i] = 1000 + i;
		q->rxrefs[i] = 2000 + i;
	}
	for (unsigned i = 0; i < 65536; i++)
		txdata[i] = (uint8_t)(i * 7);
	return 0;
}

static void check_tx(void)
{
	static bool seen[NSL];
	unsigned busy = 0;

	FUZZ_CHECK(q->ntxfree <= NSL);
	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < q->ntxfree; i++) {
		uint16_t id = q->txfree[i];

		FUZZ_CHECK(id < NSL && !seen[id] && !q->txbusy[id]);
		seen[id] = true;
	}
	for (unsigned i = 0; i < NSL; i++)
		busy += q->txbusy[i];
	FUZZ_CHECK(busy + q->ntxfree == NSL);
	/* An id is in flight exactly while its request is unanswered. */
	FUZZ_CHECK(q->tx.req_prod_pvt - q->tx.rsp_cons == busy);
}

/* RX requests posted in [from, to): each its slot's page. */
static void check_rx_posted(RING_IDX from, RING_IDX to)
{
	FUZZ_CHECK(q->rx.req_prod_pvt - q->rx.rsp_cons == NSL);
	for (RING_IDX i = from; i != to; i++) {
		const netif_rx_request_t *r = RING_GET_REQUEST(&q->rx, i);

		FUZZ_CHECK(r->id == (i & (NSL - 1)));
		FUZZ_CHECK(r->gref == q->rxrefs[r->id]);
	}
}

static int step_take(struct fuzz_in *in, uint64_t *rx_pkts)
{
	struct rtdd_nf_frame fr[8];
	unsigned n = fuzz_u8(in) % 8 + 1;
	uint16_t cap = fuzz_u16(in);
	RING_IDX cons0 = q->rx.rsp_cons, pvt0 = q->rx.req_prod_pvt;
	RING_IDX rp = q->rx.sring->rsp_prod;
	int got;

	for (unsigned i = 0; i < n; i++) {
		fr[i].data = malloc(cap ? cap : 1);
		fr[i].cap = cap;
		fr[i].len = 0;
		if (!fr[i].data)
			abort();
	}
	got = rtdd__nf_rx_take(q, fr, n);
	if (got == -EPROTO) {
		FUZZ_CHECK(q->breach[0]);
	} else {
		FUZZ_CHECK(got >= 0 && (unsigned)got <= n);
		/* Never past what the backend produced. */
		FUZZ_CHECK(q->rx.rsp_cons - cons0 <= rp - cons0);
		FUZZ_CHECK((unsigned)got <= q->rx.rsp_cons - cons0);
		for (int i = 0; i < got; i++)
			FUZZ_CHECK(fr[i].len >= 1 && fr[i].len <= cap);
		*rx_pkts += (unsigned)got;
		FUZZ_CHECK(q->st.rx_pkts == *rx_pkts);
		check_rx_posted(pvt0, q->rx.req_prod_pvt);
	}
	for (unsigned i = 0; i < n; i++)
		free(fr[i].data);
	return got;
}

struct fill_prog {
	unsigned n, calls;
	uint16_t len[8];
};

/* rtdd__nf_tx_fill's callback: writes what it claims, within the page. */
static unsigned fill_cb(void *arg, unsigned i, uint8_t *page)
{
	struct fill_prog *fp = arg;
	unsigned len;

	FUZZ_CHECK(i == fp->calls && i < fp->n);
	len = fp->len[fp->calls++];
	memset(page, 0xa5, len < PG ? len : PG);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	RING_IDX btx = 0, brx = 0; /* the backend's rsp_prod_pvt */
	uint64_t rx_pkts = 0;
	int rc = 0;

	if (!q)
		LLVMFuzzerInitialize(NULL, NULL);
	rtdd__nf_rings_reset(q);
	memset(&q->st, 0, sizeof(q->st));
	q->breach[0] = '\0';
	q->rx.sring->req_prod = q->rx.req_prod_pvt;
	check_rx_posted(0, q->rx.req_prod_pvt);
	for (unsigned s = 0; s < MAX_STEPS && in.n && rc != -EPROTO; s++) {
		uint8_t op = fuzz_u8(&in) % 9, k;

		switch (op) {
		case 0: {
			struct rtdd_nf_frame fr[8];
			unsigned n = fuzz_u8(&in) % 8 + 1, maxf;
			RING_IDX pvt0 = q->tx.req_prod_pvt;

			for (unsigned i = 0; i < n; i++) {
				fr[i].data = txdata;
				fr[i].len = fuzz_u16(&in);
				fr[i].cap = 0;
			}
			maxf = fuzz_u8(&in) & 1 ? 65535u : PG;
			rc = rtdd__nf_tx_put(q, fr, n, maxf);
			FUZZ_CHECK(rc == -EINVAL ||
				   (rc >= 0 && (unsigned)rc <= n));
			FUZZ_CHECK(rc != -EINVAL || q->tx.req_prod_pvt == pvt0);
			q->tx.sring->req_prod = q->tx.req_prod_pvt;
			check_tx();
			break;
		}
		case 1:
			k = fuzz_u8(&in) % 64;
			for (unsigned i = 0; i < k; i++, btx++) {
				netif_tx_response_t *r =
					RING_GET_RESPONSE(&q->tx, btx);
				uint8_t mode = fuzz_u8(&in);
				uint16_t id = fuzz_u16(&in);

				/* The slot still holds the request (a
				 * response overwrites its own request). */
				if (mode & 1)
					id = RING_GET_REQUEST(&q->tx, btx)->id;
				r->id = id;
				r->status = (int16_t)fuzz_u16(&in);
			}
			q->tx.sring->rsp_prod = btx;
			break;
		case 2:
			k = fuzz_u8(&in) % 64;
			for (unsigned i = 0; i < k; i++, brx++) {
				netif_rx_response_t *r =
					RING_GET_RESPONSE(&q->rx, brx);
				uint8_t mode = fuzz_u8(&in);
				uint16_t id = fuzz_u16(&in);

				r->id = mode & 1 ? (uint16_t)(brx & (NSL - 1))
						 : id;
				r->offset = fuzz_u16(&in);
				r->flags = fuzz_u16(&in);
				r->status = (int16_t)fuzz_u16(&in);
			}
			q->rx.sring->rsp_prod = brx;
			break;
		case 3:
			k = fuzz_u8(&in);
			if (k & 1)
				q->tx.sring->rsp_prod = btx = fuzz_u32(&in);
			else
				q->rx.sring->rsp_prod = brx = fuzz_u32(&in);
			break;
		case 4: {
			RING_IDX cons0 = q->tx.rsp_cons;
			RING_IDX rp = q->tx.sring->rsp_prod;

			rc = rtdd__nf_tx_complete(q);
			FUZZ_CHECK(rc == 0 || rc == -EPROTO);
			FUZZ_CHECK(rc == 0 || q->breach[0]);
			FUZZ_CHECK(rc || q->tx.rsp_cons == rp);
			FUZZ_CHECK(q->tx.rsp_cons - cons0 <= rp - cons0);
			if (!rc)
				check_tx();
			break;
		}
		case 5:
			rc = step_take(&in, &rx_pkts);
			break;
		case 6: {
			uint8_t ring = fuzz_u8(&in), slot = fuzz_u8(&in);
			uint8_t *page = ring & 1 ? (uint8_t *)q->tx.sring
						 : (uint8_t *)q->rx.sring;
			/* 64 bytes of indexes/events, then 256 slots. */
			size_t sz =
				ring & 1 ? sizeof(union netif_tx_sring_entry)
					 : sizeof(union netif_rx_sring_entry);

			fuzz_take(&in, page + 64 + slot * sz, sz);
			break;
		}
		case 7: {
			uint8_t p = fuzz_u8(&in), b = fuzz_u8(&in);

			memset(q->rxpages + (size_t)p * PG, b, PG);
			break;
		}
		case 8: {
			struct fill_prog fp = {.n = fuzz_u8(&in) % 8 + 1};
			RING_IDX pvt0 = q->tx.req_prod_pvt;
			unsigned stop;

			for (unsigned i = 0; i < fp.n; i++)
				fp.len[i] = fuzz_u16(&in);
			for (stop = 0;
			     stop < fp.n && fp.len[stop] && fp.len[stop] <= PG;
			     stop++)
				;
			rc = rtdd__nf_tx_fill(q, fp.n, fill_cb, &fp);
			/* -EINVAL exactly when the first length is over a
			 * page; otherwise up to the first 0 or bad one, as
			 * far as ring and ids allow. */
			FUZZ_CHECK(rc == -EINVAL ||
				   (rc >= 0 && (unsigned)rc <= stop));
			FUZZ_CHECK(rc != -EINVAL || fp.len[0] > PG);
			FUZZ_CHECK(fp.len[0] <= PG || rc == -EINVAL || rc == 0);
			FUZZ_CHECK(rc < 0 || fp.calls == (unsigned)rc ||
				   fp.calls == (unsigned)rc + 1);
			FUZZ_CHECK(rc != -EINVAL || q->tx.req_prod_pvt == pvt0);
			FUZZ_CHECK(rc < 0 ||
				   q->tx.req_prod_pvt - pvt0 == (unsigned)rc);
			if (rc == -EINVAL)
				rc = 0;
			q->tx.sring->req_prod = q->tx.req_prod_pvt;
			check_tx();
			break;
		}
		}
	}
	return 0;
}

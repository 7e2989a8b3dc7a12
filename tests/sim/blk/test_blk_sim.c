// SPDX-License-Identifier: MIT
/*
 * tests/sim/blk/test_blk_sim.c - rtdd-blkback and librtdd-blkfront end to
 * end on rtdd-simhv: checksummed random I/O, flush, discard, read-only,
 * multi-queue / multi-page / indirect / persistent or copied grants, and
 * event, poll and hybrid modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blk_env.h"
#include "rtdd/fe_xenbus.h"

#define IMG_SIZE (32u << 20)
#define IMG_SECTORS (IMG_SIZE / 512u)

static struct blk_env env;
static char img_rw[PATH_MAX], img_ro[PATH_MAX];
static uint8_t *shadow; /* what the rw image must contain */
static unsigned next_devid = 51712;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int group_setup(void **state)
{
	int rc;

	(void)state;
	rc = blk_env_start(&env, 1);
	if (rc) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start: %s\n",
			strerror(-rc));
		return -1;
	}
	if (blk_env_image(&env, "rw.img", IMG_SIZE, img_rw, sizeof(img_rw)) ||
	    blk_env_image(&env, "ro.img", 1u << 20, img_ro, sizeof(img_ro)))
		return -1;
	shadow = calloc(1, IMG_SIZE);
	if (!shadow)
		return -1;
	rc = blk_env_backend_start(&env, NULL);
	if (rc) {
		fprintf(stderr, "backend: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	blk_env_stop(&env);
	free(shadow);
	return 0;
}

/* A fresh vbd on the rw image (the image and shadow carry over). */
static rtdd_blkfront *open_vbd(const struct rtdd_blkfront_opts *o,
			       const char *img, const char *mode,
			       const char *const *extra)
{
	struct rtdd_blkfront_opts def;
	rtdd_blkfront *bf = NULL;
	unsigned devid = next_devid++;
	char path[64];
	int rc;

	for (const char *const *kv = extra; kv && kv[0]; kv += 2) {
		if (!strcmp(kv[0], "rtdd-io") && !strcmp(kv[1], "uring") &&
		    !blk_env_have_uring()) {
			printf("SKIP: io_uring is not available here\n");
			skip();
		}
	}
	rc = blk_env_add_vbd(&env, 0, devid, img, mode, extra);
	assert_int_equal(rc, 0);
	if (!o) {
		rtdd_blkfront_opts_default(&def);
		o = &def;
	}
	def = *o;
	def.log = blk_env_log;
	blk_env_fe_path(devid, path, sizeof(path));
	rc = rtdd_blkfront_open(env.fe_hv[0], path, &def, &bf);
	if (rc)
		fprintf(stderr, "open %s: %s\n", path, strerror(-rc));
	assert_int_equal(rc, 0);
	return bf;
}

static void test_connect_info(void **state)
{
	struct rtdd_blkback_stats st0, st1, st2;
	struct rtdd_blkfront_info in;
	rtdd_blkfront *bf;

	(void)state;
	rtdd_blkback_stats(env.bb, &st0);
	bf = open_vbd(NULL, img_rw, "w", NULL);
	rtdd_blkback_stats(env.bb, &st1);
	rtdd_blkfront_info(bf, &in);
	assert_int_equal(in.sectors, IMG_SECTORS);
	assert_int_equal(in.sector_size, 512);
	assert_false(in.readonly);
	assert_true(in.flush);
	assert_true(in.discard);
	assert_true(in.persistent);
	assert_true(in.indirect);
	assert_int_equal(in.max_segs, 32);
	assert_int_equal(in.queues, 1);
	assert_int_equal(in.ring_size, 32);
	/* rtdd-persistent-refs: the slot pool (32 x 32 pages) and its 32
	 * indirect pages mapped at connect, in one call; then I/O maps
	 * nothing on the ring's thread. */
	assert_int_equal(st1.pgrant_premapped - st0.pgrant_premapped,
			 32 * 32 + 32);
	for (unsigned i = 0; i < 200; i++) {
		static uint8_t buf[128 * 1024];

		assert_int_equal(rtdd_blkfront_read(bf, (i * 977u) % 4096, buf,
						    (1 + i % 32) * 4096u),
				 0);
	}
	rtdd_blkback_stats(env.bb, &st2);
	assert_int_equal(st2.pgrant_maps, st1.pgrant_maps);
	assert_true(st2.pgrant_hits > st1.pgrant_hits);
	rtdd_blkfront_close(bf);
}

/* Random sizes (512 B .. max request, biased small), random sectors,
 * random buffer alignment; every read is compared with the shadow. */
static void random_io_in(rtdd_blkfront *bf, unsigned ops, uint8_t *buf, bool zc)
{
	struct rtdd_blkfront_info in;
	unsigned reads = 0, writes = 0;

	rtdd_blkfront_info(bf, &in);
	for (unsigned i = 0; i < ops; i++) {
		uint64_t r = rnd();
		unsigned maxsec = (unsigned)(in.max_req_bytes / 512u);
		unsigned nsec = (r & 3) ? 1 + (unsigned)(rnd() % 16)
					: 1 + (unsigned)(rnd() % maxsec);
		uint64_t sector = rnd() % (IMG_SECTORS - nsec + 1);
		/* zero-copy buffer: sector-aligned offsets (page-crossing
		 * ones too), and 1 in 8 misaligned (falls back to a copy) */
		uint8_t *b = buf + (!zc		? rnd() % 64
				    : rnd() % 8 ? (rnd() % 16) * 512u
						: rnd() % 512);
		size_t len = (size_t)nsec * 512u;
		int rc;

		if (rnd() & 1) {
			for (size_t k = 0; k < len; k += 8) {
				uint64_t v = rnd();

				memcpy(b + k, &v, 8);
			}
			rc = rtdd_blkfront_write(bf, sector, b, len);
			assert_int_equal(rc, 0);
			memcpy(shadow + sector * 512u, b, len);
			writes++;
		} else {
			rc = rtdd_blkfront_read(bf, sector, b, len);
			assert_int_equal(rc, 0);
			if (memcmp(b, shadow + sector * 512u, len)) {
				fprintf(stderr,
					"op %u: read of %zu bytes at sector "
					"%llu differs\n",
					i, len, (unsigned long long)sector);
				fail();
			}
			reads++;
		}
	}
	printf("    %u reads, %u writes verified\n", reads, writes);
}

static void random_io(rtdd_blkfront *bf, unsigned ops, unsigned q)
{
	struct rtdd_blkfront_info in;
	uint8_t *buf;

	(void)q;
	rtdd_blkfront_info(bf, &in);
	buf = malloc(in.max_req_bytes + 64);
	assert_non_null(buf);
	random_io_in(bf, ops, buf, false);
	free(buf);
}

/* The whole image, read through the frontend and straight from the file,
 * against the shadow. */
static void verify_image(rtdd_blkfront *bf)
{
	uint8_t *all = malloc(IMG_SIZE);
	uint64_t hs = fnv1a(shadow, IMG_SIZE), hf, hd;
	int fd;

	assert_non_null(all);
	assert_int_equal(rtdd_blkfront_read(bf, 0, all, IMG_SIZE), 0);
	hf = fnv1a(all, IMG_SIZE);
	fd = open(img_rw, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, all, IMG_SIZE, 0), (ssize_t)IMG_SIZE);
	close(fd);
	hd = fnv1a(all, IMG_SIZE);
	printf("    checksum shadow %016llx frontend %016llx file %016llx\n",
	       (unsigned long long)hs, (unsigned long long)hf,
	       (unsigned long long)hd);
	assert_true(hs == hf);
	assert_true(hs == hd);
	free(all);
}

static void test_random_rw(void **state)
{
	const char *s = getenv("RTDD_BLK_OPS");
	unsigned ops = s ? (unsigned)strtoul(s, NULL, 10) : 100000;

	/* Hybrid on both sides: full speed when the machine is quiet,
	 * yields the CPU when `make test` runs many things at once. */
	const char *extra[] = {"rtdd-mode", "hybrid", NULL};
	struct rtdd_blkfront_opts o;
	rtdd_blkfront *bf;

	(void)state;
	rtdd_blkfront_opts_default(&o);
	o.mode = RTDD_BLKFRONT_HYBRID;
	bf = open_vbd(&o, img_rw, "w", extra);
	random_io(bf, ops, 0);
	verify_image(bf);
	rtdd_blkfront_close(bf);
}

/* Many requests in flight on disjoint regions, completions in any order. */
static void async_io_in(rtdd_blkfront *bf, unsigned q, unsigned rounds,
			uint8_t *bufs);
static void async_io(rtdd_blkfront *bf, unsigned q, unsigned rounds)
{
	uint8_t *bufs = malloc((size_t)32 * 64 * 1024);

	assert_non_null(bufs);
	async_io_in(bf, q, rounds, bufs);
	free(bufs);
}

static void async_io_in(rtdd_blkfront *bf, unsigned q, unsigned rounds,
			uint8_t *bufs)
{
	struct rtdd_blkfront_info in;
	enum { DEPTH = 32, REGION = 64 * 1024 };
	uint64_t base = (uint64_t)q * DEPTH * REGION / 512u;
	unsigned done_total = 0;

	rtdd_blkfront_info(bf, &in);
	for (unsigned r = 0; r < rounds; r++) {
		struct rtdd_blk_req reqs[DEPTH];
		struct rtdd_blk_cpl c[DEPTH];
		bool write = r % 2 == 0;
		unsigned sub = 0, done = 0;

		for (unsigned i = 0; i < DEPTH; i++) {
			size_t len = 512u * (1 + rnd() % (REGION / 512u));

			if (len > in.max_req_bytes)
				len = in.max_req_bytes;
			memset(&reqs[i], 0, sizeof(reqs[i]));
			reqs[i].op = write ? RTDD_BLK_WRITE : RTDD_BLK_READ;
			reqs[i].sector = base + (uint64_t)i * REGION / 512u;
			reqs[i].buf = bufs + (size_t)i * REGION;
			reqs[i].len = (uint32_t)len;
			reqs[i].cookie = i;
			if (write)
				for (size_t k = 0; k < len; k++)
					bufs[(size_t)i * REGION + k] =
						(uint8_t)rnd();
		}
		while (done < DEPTH) {
			int rc;

			if (sub < DEPTH) {
				rc = rtdd_blkfront_submit(bf, q, reqs + sub,
							  DEPTH - sub);
				assert_true(rc >= 0);
				sub += (unsigned)rc;
			}
			rc = rtdd_blkfront_poll(bf, q, c, DEPTH);
			assert_true(rc >= 0);
			for (int k = 0; k < rc; k++) {
				struct rtdd_blk_req *rq = &reqs[c[k].cookie];

				assert_int_equal(c[k].status, 0);
				if (write)
					memcpy(shadow + rq->sector * 512u,
					       rq->buf, rq->len);
				else
					assert_memory_equal(
						rq->buf,
						shadow + rq->sector * 512u,
						rq->len);
			}
			done += (unsigned)rc;
			if (!rc && sub == DEPTH)
				(void)rtdd_blkfront_wait(bf, q, 100);
		}
		done_total += done;
	}
	printf("    queue %u: %u async requests verified\n", q, done_total);
}

static void test_async_rw(void **state)
{
	rtdd_blkfront *bf;

	/* io_uring path (tmpfs would otherwise be served inline). */
	const char *uring[] = {"rtdd-io", "uring", NULL};

	(void)state;
	bf = open_vbd(NULL, img_rw, "w", uring);
	async_io(bf, 0, 32);
	rtdd_blkfront_close(bf);
	bf = open_vbd(NULL, img_rw, "w", NULL);
	async_io(bf, 0, 32);
	rtdd_blkfront_close(bf);
}

static void flush_discard(const char *io)
{
	uint8_t *b = malloc(1 << 20), *z = calloc(1, 1 << 20);
	const char *extra[] = {"rtdd-io", io, NULL};
	rtdd_blkfront *bf;
	uint64_t sector = 4096; /* 2 MiB in, 4 KiB aligned */

	assert_non_null(b);
	assert_non_null(z);
	bf = open_vbd(NULL, img_rw, "w", extra);
	memset(b, 0xa5, 1 << 20);
	assert_int_equal(rtdd_blkfront_write(bf, sector, b, 1 << 20), 0);
	memcpy(shadow + sector * 512u, b, 1 << 20);
	assert_int_equal(rtdd_blkfront_flush(bf), 0);
	/* Discard the middle 512 KiB: it reads back as zeroes. */
	assert_int_equal(rtdd_blkfront_discard(bf, sector + 512, 1024), 0);
	memset(shadow + (sector + 512) * 512u, 0, 512 * 1024);
	assert_int_equal(rtdd_blkfront_read(bf, sector, b, 1 << 20), 0);
	assert_memory_equal(b, shadow + sector * 512u, 1 << 20);
	assert_memory_equal(b + 256 * 1024, z, 512 * 1024);
	/* Zero-length discard is a no-op that succeeds. */
	assert_int_equal(rtdd_blkfront_discard(bf, 0, 0), 0);
	/* Beyond the end: refused by the library before it reaches the
	 * ring (the backend's own check is in the hostile tests). */
	assert_int_equal(rtdd_blkfront_discard(bf, IMG_SECTORS - 1, 2),
			 -EINVAL);
	rtdd_blkfront_close(bf);
	free(b);
	free(z);
}

static void test_flush_discard(void **state)
{
	(void)state;
	flush_discard("uring");
	flush_discard("sync");
}

static void test_readonly(void **state)
{
	struct rtdd_blkfront_info in;
	uint8_t b[4096];
	rtdd_blkfront *bf;

	(void)state;
	bf = open_vbd(NULL, img_ro, "r", NULL);
	rtdd_blkfront_info(bf, &in);
	assert_true(in.readonly);
	assert_false(in.flush);
	assert_false(in.discard);
	assert_int_equal(rtdd_blkfront_read(bf, 0, b, sizeof(b)), 0);
	assert_int_equal(rtdd_blkfront_write(bf, 0, b, sizeof(b)), -EROFS);
	assert_int_equal(rtdd_blkfront_flush(bf), -EOPNOTSUPP);
	rtdd_blkfront_close(bf);
}

static void test_multiqueue_multipage(void **state)
{
	const char *uring[] = {"rtdd-io", "uring", NULL};
	struct rtdd_blkfront_opts o;
	struct rtdd_blkfront_info in;
	rtdd_blkfront *bf;

	(void)state;
	rtdd_blkfront_opts_default(&o);
	o.queues = 3;
	o.ring_order = 2;
	/* The persistent pool is ring size x max_segs pages per queue:
	 * 128 x 16 x 3 queues = 24 MiB of the guest's 64. */
	o.max_segs = 16;
	bf = open_vbd(&o, img_rw, "w", uring);
	rtdd_blkfront_info(bf, &in);
	assert_int_equal(in.queues, 3);
	assert_int_equal(in.ring_order, 2);
	assert_int_equal(in.ring_size, 128);
	assert_int_equal(in.max_segs, 16);
	assert_true(in.indirect);
	for (unsigned q = 0; q < 3; q++)
		async_io(bf, q, 16);
	random_io(bf, 2000, 0);
	rtdd_blkfront_close(bf);
}

static void test_copied_grants_direct(void **state)
{
	const char *uring[] = {"rtdd-io", "uring", NULL};
	struct rtdd_blkfront_opts o;
	struct rtdd_blkfront_info in;
	rtdd_blkfront *bf;
	struct rtdd_blkback_stats st0, st1;

	(void)state;
	rtdd_blkfront_opts_default(&o);
	o.no_persistent = true;
	o.no_indirect = true;
	bf = open_vbd(&o, img_rw, "w", uring);
	rtdd_blkfront_info(bf, &in);
	assert_false(in.persistent);
	assert_false(in.indirect);
	assert_int_equal(in.max_segs, 11);
	rtdd_blkback_stats(env.bb, &st0);
	random_io(bf, 3000, 0);
	async_io(bf, 0, 8);
	rtdd_blkfront_close(bf);
	/* and the inline path with copied grants */
	bf = open_vbd(&o, img_rw, "w", NULL);
	random_io(bf, 1000, 0);
	rtdd_blkback_stats(env.bb, &st1);
	/* Without persistent grants every segment goes through grant copy. */
	assert_true(st1.grant_copies > st0.grant_copies);
	assert_int_equal(st1.pgrant_maps, st0.pgrant_maps);
	rtdd_blkfront_close(bf);
}

static void modes(const char *be_mode, enum rtdd_blkfront_mode fm)
{
	const char *extra[] = {"rtdd-mode", be_mode, "rtdd-io", "uring", NULL};
	struct rtdd_blkfront_opts o;
	rtdd_blkfront *bf;

	rtdd_blkfront_opts_default(&o);
	o.mode = fm;
	bf = open_vbd(&o, img_rw, "w", extra);
	random_io(bf, 2000, 0);
	async_io(bf, 0, 8);
	rtdd_blkfront_close(bf);
}

static void test_event_mode(void **state)
{
	(void)state;
	modes("event", RTDD_BLKFRONT_EVENT);
}

static void test_hybrid_mode(void **state)
{
	(void)state;
	modes("hybrid", RTDD_BLKFRONT_HYBRID);
}

/*
 * Zero-copy buffers: random synchronous reads and writes in a registered
 * buffer (inline and io_uring backends), async depth 32 on the io_uring
 * path, a buffer that cannot be freed while in flight, and the copy path
 * for one that was freed.
 */
static void test_zero_copy(void **state)
{
	const char *uring[] = {"rtdd-io", "uring", NULL};
	const char *s = getenv("RTDD_BLK_OPS");
	unsigned ops = s ? (unsigned)strtoul(s, NULL, 10) / 4 : 25000;
	struct rtdd_blkfront_info in;
	struct rtdd_blk_req r = {0};
	struct rtdd_blk_cpl c;
	rtdd_blkfront *bf;
	uint8_t *zb = NULL, *small = NULL;
	void *p;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		bf = open_vbd(NULL, img_rw, "w", pass ? uring : NULL);
		rtdd_blkfront_info(bf, &in);
		assert_int_equal(rtdd_blkfront_buf_alloc(bf, 0, &p), -EINVAL);
		assert_int_equal(rtdd_blkfront_buf_alloc(
					 bf, in.max_req_bytes + 16 * 512, &p),
				 0);
		zb = p;
		assert_int_equal((uintptr_t)zb % 4096, 0);
		random_io_in(bf, ops, zb, true);
		rtdd_blkfront_info(bf, &in);
		printf("    %llu of them without a copy\n",
		       (unsigned long long)in.zero_copy);
		assert_true(in.zero_copy > ops / 2);
		if (pass) {
			assert_int_equal(
				rtdd_blkfront_buf_alloc(
					bf, (size_t)32 * 64 * 1024, &p),
				0);
			async_io_in(bf, 0, 16, p);
			assert_int_equal(rtdd_blkfront_buf_free(bf, p), 0);
		}
		/* in flight: cannot be freed */
		assert_int_equal(rtdd_blkfront_buf_alloc(bf, 4096, &p), 0);
		small = p;
		r.op = RTDD_BLK_READ;
		r.sector = 8;
		r.buf = small;
		r.len = 4096;
		r.cookie = 77;
		assert_int_equal(rtdd_blkfront_submit(bf, 0, &r, 1), 1);
		assert_int_equal(rtdd_blkfront_buf_free(bf, small), -EBUSY);
		while (rtdd_blkfront_poll(bf, 0, &c, 1) == 0)
			(void)rtdd_blkfront_wait(bf, 0, 100);
		assert_int_equal(c.status, 0);
		assert_int_equal(c.cookie, 77);
		assert_memory_equal(small, shadow + 8 * 512u, 4096);
		assert_int_equal(rtdd_blkfront_buf_free(bf, small), 0);
		assert_int_equal(rtdd_blkfront_buf_free(bf, small), -EINVAL);
		assert_int_equal(rtdd_blkfront_buf_free(bf, zb), 0);
		/* no longer registered: plain memory goes through the copy */
		{
			uint8_t plain[4096];

			assert_int_equal(rtdd_blkfront_read(bf, 16, plain,
							    sizeof(plain)),
					 0);
			assert_memory_equal(plain, shadow + 16 * 512u, 4096);
		}
		rtdd_blkfront_close(bf);
	}
}

/*
 * rtdd_fe_write_refs_hint: a list that fits is written; one that does not
 * (scattered refs: xenstored refuses long values from a guest) is not,
 * and an earlier one under that key is removed rather than left stale.
 * Either way the caller carries on: the hint never fails a connect.
 */
static void test_refs_hint(void **state)
{
	rtdd_hv *hv = env.fe_hv[0];
	rtdd_gref a[1000], b[8];
	char dir[128], path[160], *val = NULL;
	size_t len;

	(void)state;
	snprintf(dir, sizeof(dir), "/local/domain/%u/data", env.fe_dom[0]);
	snprintf(path, sizeof(path), "%s/hint", dir);
	for (unsigned i = 0; i < 1000; i++)
		a[i] = 100 + i;
	for (unsigned i = 0; i < 8; i++)
		b[i] = 5000 + 2 * i;
	assert_true(rtdd_fe_write_refs_hint(hv, dir, "hint", a, 1000, b, 8));
	assert_int_equal(rtdd_xs_read(hv, RTDD_XS_TXN_NONE, path, &val, &len),
			 0);
	assert_string_equal(val, "100-1099,5000,5002,5004,5006,5008,5010,5012,"
				 "5014");
	free(val);
	val = NULL;
	for (unsigned i = 0; i < 1000; i++)
		a[i] = 100 + 3 * i; /* about 4.5 KB as a list */
	assert_false(
		rtdd_fe_write_refs_hint(hv, dir, "hint", a, 1000, NULL, 0));
	assert_int_equal(rtdd_xs_read(hv, RTDD_XS_TXN_NONE, path, &val, &len),
			 -ENOENT);
	free(val);
}

static void test_final_image(void **state)
{
	rtdd_blkfront *bf;

	(void)state;
	bf = open_vbd(NULL, img_rw, "w", NULL);
	verify_image(bf);
	rtdd_blkfront_close(bf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_info),
		cmocka_unit_test(test_random_rw),
		cmocka_unit_test(test_async_rw),
		cmocka_unit_test(test_flush_discard),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_multiqueue_multipage),
		cmocka_unit_test(test_copied_grants_direct),
		cmocka_unit_test(test_event_mode),
		cmocka_unit_test(test_hybrid_mode),
		cmocka_unit_test(test_zero_copy),
		cmocka_unit_test(test_refs_hint),
		cmocka_unit_test(test_final_image),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

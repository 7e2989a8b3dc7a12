// SPDX-License-Identifier: MIT
/*
 * tests/sim/blk/test_blk_restart.c - rtdd-blkback as a separate process
 * killed and restarted under a frontend with requests in flight; and two
 * frontends on one backend, an RT one measured while a best-effort one
 * floods (priority classes and budgets); and a whole driver domain
 * destroyed under a write load and recreated with a new domain id, the
 * frontend following it with no acknowledged write lost. Latency figures
 * are printed, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "blk_env.h"

#define IMG_SIZE (16u << 20)

static struct blk_env env;

static int setup(void **state)
{
	(void)state;
	if (blk_env_start(&env, 2)) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	blk_env_stop(&env);
	return 0;
}

static rtdd_blkfront *open_fe(unsigned fe, unsigned devid)
{
	struct rtdd_blkfront_opts o;
	rtdd_blkfront *bf = NULL;
	char path[64];
	int rc;

	rtdd_blkfront_opts_default(&o);
	o.log = blk_env_log;
	o.timeout_ms = 10000;
	blk_env_fe_path(devid, path, sizeof(path));
	rc = rtdd_blkfront_open(env.fe_hv[fe], path, &o, &bf);
	if (rc)
		fprintf(stderr, "open: %s\n", strerror(-rc));
	assert_int_equal(rc, 0);
	return bf;
}

static void test_backend_restart(void **s)
{
	enum { N = 16, LEN = 16384 };
	struct rtdd_blkfront_info in;
	struct rtdd_blk_req reqs[N];
	struct rtdd_blk_cpl c[N];
	static uint8_t data[N][LEN], back[LEN];
	char img[PATH_MAX];
	rtdd_blkfront *bf;
	unsigned done = 0;
	int rc;

	(void)s;
	assert_int_equal(
		blk_env_image(&env, "r.img", IMG_SIZE, img, sizeof(img)), 0);
	assert_int_equal(blk_env_add_vbd(&env, 0, 768, img, "w", NULL), 0);
	rc = blk_env_backend_spawn(&env, NULL);
	if (rc == -ENOENT) {
		printf("SKIP: rtdd-blkback binary not built\n");
		skip();
	}
	assert_int_equal(rc, 0);
	bf = open_fe(0, 768);

	/* Requests in flight when the backend dies: killed right after
	 * submitting, so some are unanswered; all complete after. */
	for (unsigned i = 0; i < N; i++) {
		memset(data[i], (int)(0x40 + i), LEN);
		memset(&reqs[i], 0, sizeof(reqs[i]));
		reqs[i].op = RTDD_BLK_WRITE;
		reqs[i].sector = (uint64_t)i * LEN / 512u;
		reqs[i].buf = data[i];
		reqs[i].len = LEN;
		reqs[i].cookie = i;
	}
	assert_int_equal(rtdd_blkfront_submit(bf, 0, reqs, N), N);
	blk_env_backend_kill(&env, SIGKILL);
	assert_int_equal(blk_env_backend_spawn(&env, NULL), 0);
	while (done < N) {
		rc = rtdd_blkfront_poll(bf, 0, c, N);
		assert_true(rc >= 0);
		for (int k = 0; k < rc; k++)
			assert_int_equal(c[k].status, 0);
		done += (unsigned)rc;
		if (!rc)
			assert_true(rtdd_blkfront_wait(bf, 0, 20000) != -EIO);
	}
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(rtdd_blkfront_read(bf,
						    (uint64_t)i * LEN / 512u,
						    back, LEN),
				 0);
		assert_memory_equal(back, data[i], LEN);
	}
	rtdd_blkfront_info(bf, &in);
	printf("    reconnects: %llu\n", (unsigned long long)in.reconnects);
	/* The first poll after the kill may already have found everything
	 * answered (the backend is fast); kill again while idle to be sure
	 * the reconnect path ran. */
	if (!in.reconnects) {
		blk_env_backend_kill(&env, SIGKILL);
		assert_int_equal(blk_env_backend_spawn(&env, NULL), 0);
		assert_int_equal(blk_env_wait_be_state(&env, 0, 768, 2, 10000),
				 0);
		assert_int_equal(rtdd_blkfront_read(bf, 0, back, LEN), 0);
		assert_memory_equal(back, data[0], LEN);
		rtdd_blkfront_info(bf, &in);
		printf("    reconnects: %llu\n",
		       (unsigned long long)in.reconnects);
	}
	assert_true(in.reconnects >= 1);
	rtdd_blkfront_close(bf);
	blk_env_backend_kill(&env, SIGTERM);
}

/* ---- RT vs best effort ---- */

struct flood {
	rtdd_blkfront *bf;
	int stop;
	uint64_t done;
};

static void *flood_main(void *arg)
{
	struct flood *f = arg;
	enum { D = 32, LEN = 128 * 1024 };
	static uint8_t buf[LEN];
	struct rtdd_blk_req r[D];
	struct rtdd_blk_cpl c[D];
	unsigned inflight = 0;

	for (unsigned i = 0; i < D; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].op = RTDD_BLK_WRITE;
		r[i].sector = (uint64_t)i * (LEN / 512u);
		r[i].buf = buf;
		r[i].len = LEN;
	}
	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		int rc;

		if (inflight < D) {
			rc = rtdd_blkfront_submit(f->bf, 0, r, D - inflight);
			if (rc > 0)
				inflight += (unsigned)rc;
		}
		rc = rtdd_blkfront_poll(f->bf, 0, c, D);
		if (rc > 0) {
			inflight -= (unsigned)rc;
			__atomic_store_n(&f->done, f->done + (unsigned)rc,
					 __ATOMIC_RELEASE);
		}
	}
	while (inflight) {
		int rc = rtdd_blkfront_poll(f->bf, 0, c, D);

		if (rc < 0)
			break;
		inflight -= (unsigned)rc;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void measure(rtdd_blkfront *bf, const char *label, unsigned n)
{
	uint64_t *lat = calloc(n, sizeof(*lat));
	static uint8_t buf[4096];

	assert_non_null(lat);
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		assert_int_equal(rtdd_blkfront_read(bf, (i * 8u) % 16384u, buf,
						    sizeof(buf)),
				 0);
		lat[i] = now_ns() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("    %-34s p50 %7.1f us  p90 %7.1f us  p99 %8.1f us  max %8.1f "
	       "us  (n=%u)\n",
	       label, lat[n / 2] / 1e3, lat[n * 9 / 10] / 1e3,
	       lat[n * 99 / 100] / 1e3, lat[n - 1] / 1e3, n);
	free(lat);
}

static void test_rt_vs_best_effort(void **s)
{
	const char *rt[] = {"rtdd-class", "rt", "rtdd-budget", "4", NULL};
	const char *be_as_rt[] = {"rtdd-class", "be", "rtdd-budget", "32",
				  NULL};
	const char *be[] = {"rtdd-class", "be", "rtdd-budget", "4", NULL};
	struct rtdd_blkback_cfg cfg;
	char img_a[PATH_MAX], img_b[PATH_MAX];
	rtdd_blkfront *a, *a2, *b;
	struct flood f = {0};
	pthread_t thr;
	unsigned n = getenv("RTDD_BLK_PRIO_N")
			     ? (unsigned)atoi(getenv("RTDD_BLK_PRIO_N"))
			     : 2000;

	(void)s;
	assert_int_equal(
		blk_env_image(&env, "a.img", IMG_SIZE, img_a, sizeof(img_a)),
		0);
	assert_int_equal(
		blk_env_image(&env, "b.img", IMG_SIZE, img_b, sizeof(img_b)),
		0);
	/* a: RT class, small budget. a2: the same guest's disk as a
	 * best-effort ring (the status quo: unprioritised). b: the flood. */
	assert_int_equal(blk_env_add_vbd(&env, 0, 768, img_a, "w", rt), 0);
	assert_int_equal(blk_env_add_vbd(&env, 0, 769, img_a, "w", be_as_rt),
			 0);
	assert_int_equal(blk_env_add_vbd(&env, 1, 768, img_b, "w", be), 0);
	rtdd_blkback_cfg_default(&cfg);
	assert_int_equal(blk_env_backend_start(&env, &cfg), 0);
	a = open_fe(0, 768);
	a2 = open_fe(0, 769);
	b = open_fe(1, 768);

	printf("    one service thread, poll mode; flood: 32 x 128 KiB "
	       "writes in flight, budget 4/round\n");
	measure(a, "RT ring, idle backend", n);
	f.bf = b;
	assert_int_equal(pthread_create(&thr, NULL, flood_main, &f), 0);
	measure(a, "RT ring (budget 4), under flood", n);
	measure(a2, "best-effort ring, under flood", n);
	/* The flood is not starved: it completes writes too (a liveness
	 * bound; under TSan its first 128 KiB writes can take longer than
	 * the measurements). */
	for (uint64_t end = now_ns() + 30000000000ull;
	     !__atomic_load_n(&f.done, __ATOMIC_ACQUIRE) && now_ns() < end;)
		usleep(1000);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	printf("    flood completed %llu requests\n",
	       (unsigned long long)f.done);
	assert_true(f.done > 0);
	rtdd_blkfront_close(a);
	rtdd_blkfront_close(a2);
	rtdd_blkfront_close(b);
	blk_env_backend_stop(&env, true);
}

/* ---- a driver domain replaced by a new one with another domid ---- */

/*
 * The write load: DEPTH regions of REG bytes, each with at most one write
 * in flight, of a pattern unique to (region, generation). A completion is
 * an acknowledgement: the region must read back as its last acknowledged
 * generation at the end, whatever happened to the driver domain between.
 * Half the regions write from a registered (zero-copy) buffer.
 */
enum { DEPTH = 16, REG = 32768 };

struct wload {
	rtdd_blkfront *bf;
	uint8_t *plain, *zc; /* DEPTH * REG each */
	uint32_t gen[DEPTH]; /* in flight (or last submitted) */
	uint32_t acked[DEPTH];
	bool busy[DEPTH];
	int stop;
	uint64_t acks; /* atomic */
	int err;
};

static void fill_pattern(uint8_t *p, unsigned region, uint32_t gen)
{
	for (unsigned k = 0; k < REG; k += 8) {
		uint64_t v = (uint64_t)region << 48 | (uint64_t)gen << 20 | k;

		memcpy(p + k, &v, 8);
	}
}

static uint8_t *wl_buf(struct wload *w, unsigned region)
{
	return (region & 1 ? w->zc : w->plain) + (size_t)region * REG;
}

static void *wload_main(void *arg)
{
	struct wload *w = arg;
	struct rtdd_blk_cpl c[DEPTH];
	unsigned inflight = 0;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) || inflight) {
		int rc;

		for (unsigned r = 0;
		     r < DEPTH && !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
		     r++) {
			struct rtdd_blk_req q = {0};

			if (w->busy[r])
				continue;
			w->gen[r]++;
			fill_pattern(wl_buf(w, r), r, w->gen[r]);
			q.op = RTDD_BLK_WRITE;
			q.sector = (uint64_t)r * REG / 512u;
			q.buf = wl_buf(w, r);
			q.len = REG;
			q.cookie = r;
			rc = rtdd_blkfront_submit(w->bf, 0, &q, 1);
			if (rc < 0) {
				w->err = rc;
				return NULL;
			}
			if (rc == 0)
				break;
			w->busy[r] = true;
			inflight++;
		}
		rc = rtdd_blkfront_poll(w->bf, 0, c, DEPTH);
		if (rc < 0) {
			w->err = rc;
			return NULL;
		}
		for (int k = 0; k < rc; k++) {
			unsigned r = (unsigned)c[k].cookie;

			if (c[k].status) {
				w->err = c[k].status;
				return NULL;
			}
			w->acked[r] = w->gen[r];
			w->busy[r] = false;
			inflight--;
		}
		if (rc > 0)
			__atomic_add_fetch(&w->acks, (uint64_t)rc,
					   __ATOMIC_RELAXED);
		else
			(void)rtdd_blkfront_wait(w->bf, 0, 10);
	}
	return NULL;
}

static uint64_t wl_acks(struct wload *w)
{
	return __atomic_load_n(&w->acks, __ATOMIC_RELAXED);
}

static void wait_acks(struct wload *w, uint64_t n, int timeout_ms)
{
	for (int t = 0; t < timeout_ms && wl_acks(w) < n && !w->err; t++)
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	assert_int_equal(w->err, 0);
	assert_true(wl_acks(w) >= n);
}

static void test_driver_domain_replaced(void **s)
{
	struct rtdd_blkfront_opts o;
	struct rtdd_blkfront_info in;
	struct wload w = {0};
	char img[PATH_MAX], p[64];
	rtdd_domid old_dom, new_dom;
	rtdd_blkfront *bf = NULL;
	pthread_t thr;
	uint8_t *back, *file;
	uint64_t before;
	void *zc = NULL;
	int rc, fd;

	(void)s;
	assert_int_equal(
		blk_env_image(&env, "m.img", IMG_SIZE, img, sizeof(img)), 0);
	assert_int_equal(blk_env_add_vbd(&env, 0, 770, img, "w", NULL), 0);
	rc = blk_env_backend_spawn(&env, NULL);
	if (rc == -ENOENT) {
		printf("SKIP: rtdd-blkback binary not built\n");
		skip();
	}
	assert_int_equal(rc, 0);
	rtdd_blkfront_opts_default(&o);
	o.log = blk_env_log;
	o.timeout_ms = 10000;
	o.reconnect_ms = 20000;
	blk_env_fe_path(770, p, sizeof(p));
	assert_int_equal(rtdd_blkfront_open(env.fe_hv[0], p, &o, &bf), 0);
	w.bf = bf;
	w.plain = malloc((size_t)DEPTH * REG);
	assert_non_null(w.plain);
	assert_int_equal(rtdd_blkfront_buf_alloc(bf, (size_t)DEPTH * REG, &zc),
			 0);
	w.zc = zc;
	assert_int_equal(pthread_create(&thr, NULL, wload_main, &w), 0);
	wait_acks(&w, 500, 20000);

	/* The driver domain dies under the load (its backend with it), and
	 * stays gone for a while: the frontend keeps its requests. */
	old_dom = env.be_dom;
	blk_env_backend_kill(&env, SIGKILL);
	rtdd_hv_close(env.be_hv);
	env.be_hv = NULL;
	assert_int_equal(rtdd_simhv_domain_destroy(env.f.dom0, old_dom), 0);
	assert_int_equal(simhv_fixture_wait_gone(&env.f, old_dom, 10000), 0);
	before = wl_acks(&w);
	nanosleep(&(struct timespec){0, 300000000}, NULL);
	printf("    driver domain %u destroyed; %llu writes acknowledged "
	       "before, %llu while it was gone, %u in flight\n",
	       (unsigned)old_dom, (unsigned long long)before,
	       (unsigned long long)(wl_acks(&w) - before),
	       rtdd_blkfront_inflight(bf, 0));
	/* nothing answers them now: every region has a write waiting */
	assert_int_equal(rtdd_blkfront_inflight(bf, 0), DEPTH);

	/* The toolstack recreates it: a new domain id, the same image, and
	 * the frontend dir pointed at the new backend (as libxl does). */
	assert_int_equal(simhv_fixture_domain(&env.f, "drv2", 1, &new_dom), 0);
	assert_true(new_dom != old_dom);
	assert_int_equal(simhv_fixture_open(&env.f, new_dom, &env.be_hv), 0);
	env.be_dom = new_dom;
	assert_int_equal(blk_env_add_vbd(&env, 0, 770, img, "w", NULL), 0);
	assert_int_equal(blk_env_backend_spawn(&env, NULL), 0);
	before = wl_acks(&w);
	wait_acks(&w, before + 500, 30000);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	assert_int_equal(w.err, 0);
	rtdd_blkfront_info(bf, &in);
	printf("    new driver domain %u: %llu writes acknowledged in all, "
	       "reconnects %llu\n",
	       (unsigned)new_dom, (unsigned long long)wl_acks(&w),
	       (unsigned long long)in.reconnects);
	assert_true(in.reconnects >= 1);

	/* Every acknowledged write is there: through the frontend (from the
	 * new backend) and straight from the image file. */
	back = malloc(REG);
	file = malloc((size_t)DEPTH * REG);
	assert_non_null(back);
	assert_non_null(file);
	fd = open(img, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, file, (size_t)DEPTH * REG, 0),
			 (ssize_t)DEPTH * REG);
	close(fd);
	for (unsigned r = 0; r < DEPTH; r++) {
		uint8_t *want = wl_buf(&w, r);

		assert_true(w.acked[r] >= 1);
		fill_pattern(want, r, w.acked[r]);
		assert_int_equal(rtdd_blkfront_read(bf,
						    (uint64_t)r * REG / 512u,
						    back, REG),
				 0);
		assert_memory_equal(back, want, REG);
		assert_memory_equal(file + (size_t)r * REG, want, REG);
	}
	printf("    all %u regions hold their last acknowledged write\n",
	       DEPTH);
	free(back);
	free(file);
	(void)rtdd_blkfront_buf_free(bf, zc);
	rtdd_blkfront_close(bf);
	free(w.plain);
	blk_env_backend_kill(&env, SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backend_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rt_vs_best_effort, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_driver_domain_replaced,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

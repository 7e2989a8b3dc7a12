// SPDX-License-Identifier: MIT
/*
 * bench_blk - 4 KiB random-read latency through the driver domain
 * (rtdd-blkback on rtdd-simhv, librtdd-blkfront in the guest) in poll and in
 * event mode, against a direct O_DIRECT pread of the same RAM-backed file in
 * the same run, interleaved; plus IOPS of one backend service thread. JSON
 * and an SVG plot. Figures only, never pass/fail (BENCH.md).
 *
 * rtdd_bench_blk() has the `rtdd bench <suite>` signature so the rtdd
 * command can list it; bench_blk_main.c is the standalone binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtdd/bench.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/blkback.h"
#include "rtdd/blkfront.h"
#include "rtdd/hist.h"
#include "rtdd/json.h"
#include "rtdd/log.h"
#include "rtdd/rt.h"
#include "rtdd/svgplot.h"

int rtdd_bench_blk(int argc, char **argv);

struct opts {
	unsigned samples, reps, secs, size_mib;
	int be_cpu, fe_cpu;
	const char *out;
};

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd bench blk [--samples N] [--reps R] [--secs S] "
		"[--size-mib M]\n"
		"                      [--be-cpu C] [--fe-cpu C] [--out DIR]\n"
		"4 KiB random reads: direct O_DIRECT pread vs rtdd-blkback in "
		"poll and event\nmode (interleaved, R repetitions of N each), "
		"then S seconds of depth-32\nreads for IOPS of one backend "
		"thread. Writes bench-blk.json and bench-blk.svg\nto DIR "
		"(default $RTDD_BENCH_OUT or .).\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	o->samples = 20000;
	o->reps = 3;
	o->secs = 2;
	o->size_mib = 64;
	o->be_cpu = 1;
	o->fe_cpu = 0;
	o->out = getenv("RTDD_BENCH_OUT") ? getenv("RTDD_BENCH_OUT") : ".";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned u;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		if (!v) {
			usage(stderr);
			return -EINVAL;
		}
		i++;
		if (!strcmp(a, "--out")) {
			o->out = v;
			continue;
		}
		if (rtdd_bench_parse_uint(v, 0, 100000000, &u)) {
			usage(stderr);
			return -EINVAL;
		}
		if (!strcmp(a, "--samples") && u)
			o->samples = u;
		else if (!strcmp(a, "--reps") && u)
			o->reps = u;
		else if (!strcmp(a, "--secs") && u)
			o->secs = u;
		else if (!strcmp(a, "--size-mib") && u)
			o->size_mib = u;
		else if (!strcmp(a, "--be-cpu"))
			o->be_cpu = (int)u;
		else if (!strcmp(a, "--fe-cpu"))
			o->fe_cpu = (int)u;
		else {
			usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

static int make_image(const char *path, size_t size)
{
	static uint64_t buf[1 << 16];
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < size; off += sizeof(buf)) {
		for (size_t k = 0; k < sizeof(buf) / 8; k++)
			buf[k] = rnd();
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}

/* As bench_blk in $(O)/bench, find rtdd-simhv in $(O)/bin. */
static void add_bin_to_path(void)
{
	char exe[400], *slash, *np = NULL;
	const char *old = getenv("PATH");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = 0;
	if (asprintf(&np, "%s/../bin:%s", exe, old ? old : "/usr/bin:/bin") > 0)
		setenv("PATH", np, 1);
	free(np);
}

static int open_fe(rtdd_hv *hv, unsigned devid, enum rtdd_blkfront_mode m,
		   rtdd_blkfront **bf)
{
	struct rtdd_blkfront_opts o;
	char path[64];

	rtdd_blkfront_opts_default(&o);
	o.mode = m;
	snprintf(path, sizeof(path), "device/vbd/%u", devid);
	return rtdd_blkfront_open(hv, path, &o, bf);
}

enum { S_DIRECT, S_POLL, S_EVENT, NSERIES };
static const char *const series_name[NSERIES] = {
	"direct O_DIRECT pread", "rtdd-blkback poll", "rtdd-blkback event"};
static const char *const series_key[NSERIES] = {"direct", "poll", "event"};

struct ctl {
	rtdd_blkback *bb;
	int stop;
};

static void *ctl_main(void *arg)
{
	struct ctl *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
		(void)rtdd_blkback_run(c->bb, 20);
	return NULL;
}

static int one_read(int series, int dfd, rtdd_blkfront *const *fe,
		    uint8_t *dbuf, uint8_t *ubuf, uint64_t sector)
{
	if (series == S_DIRECT)
		return pread(dfd, dbuf, 4096, (off_t)(sector * 512u)) == 4096
			       ? 0
			       : -EIO;
	return rtdd_blkfront_read(fe[series], sector, ubuf, 4096);
}

/* Depth-32 random 4 KiB reads for secs seconds: completions per second. */
static double iops_run(rtdd_blkfront *bf, uint64_t sectors, unsigned secs)
{
	enum { D = 32 };
	static uint8_t bufs[D][4096];
	struct rtdd_blk_req r[D];
	struct rtdd_blk_cpl c[D];
	uint64_t t0 = rtdd_fast_ns(), end = t0 + (uint64_t)secs * 1000000000u;
	uint64_t done = 0, now;
	unsigned inflight = 0, next = 0;

	for (;;) {
		int rc;

		now = rtdd_fast_ns();
		if (now >= end)
			break;
		while (inflight < D) {
			struct rtdd_blk_req *q = &r[next % D];

			memset(q, 0, sizeof(*q));
			q->op = RTDD_BLK_READ;
			q->sector = (rnd() % (sectors / 8)) * 8;
			q->buf = bufs[next % D];
			q->len = 4096;
			rc = rtdd_blkfront_submit(bf, 0, q, 1);
			if (rc != 1)
				break;
			inflight++;
			next++;
		}
		rc = rtdd_blkfront_poll(bf, 0, c, D);
		if (rc < 0)
			return -1;
		inflight -= (unsigned)rc;
		done += (unsigned)rc;
	}
	while (inflight) {
		int rc = rtdd_blkfront_poll(bf, 0, c, D);

		if (rc < 0)
			break;
		inflight -= (unsigned)rc;
	}
	return (double)done * 1e9 / (double)(now - t0);
}

int rtdd_bench_blk(int argc, char **argv)
{
	struct rtdd_bench_sim sim = {0};
	struct rtdd_bench_env env;
	struct rtdd_blkback_cfg cfg;
	struct rtdd_rt_req rq = {.cpu = -1};
	struct rtdd_rt_report rrep = {.dma_latency_fd = -1};
	struct opts o;
	struct ctl ctl = {0};
	pthread_t ctl_thr;
	bool ctl_started = false;
	rtdd_blkfront *fe[NSERIES] = {NULL};
	struct rtdd_hist tot[NSERIES];
	uint64_t *p50 = NULL; /* [rep * NSERIES + series] */
	char img[256], path[600], desc[256];
	uint8_t *dbuf = NULL, ubuf[4096];
	uint64_t sectors;
	double iops = 0;
	int dfd = -1, rc, ret = 1;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 2;
	rtdd_log_init("bench-blk", RTDD_LOG_WARN);
	rtdd_fastclock_init();
	if (mkdir(o.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "bench blk: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	add_bin_to_path();
	img[0] = 0;
	p50 = calloc((size_t)o.reps * NSERIES, sizeof(*p50));
	if (!p50 || posix_memalign((void **)&dbuf, 4096, 4096))
		goto out;
	for (int s = 0; s < NSERIES; s++)
		rtdd_hist_init(&tot[s]);
	snprintf(img, sizeof(img), "%s/rtdd-bench-blk-%d.img",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
	sectors = (uint64_t)o.size_mib << 11;
	if (make_image(img, (size_t)o.size_mib << 20)) {
		fprintf(stderr, "bench blk: cannot write %s\n", img);
		goto out;
	}
	dfd = open(img, O_RDONLY | O_DIRECT);
	if (dfd < 0) {
		fprintf(stderr, "bench blk: O_DIRECT open of %s: %s\n", img,
			strerror(errno));
		goto out;
	}
	rc = rtdd_bench_sim_start(&sim, 2);
	if (rc) {
		fprintf(stderr, "bench blk: rtdd-simhv: %s\n", strerror(-rc));
		goto out;
	}
	{
		const char *kp[] = {"params", img,	   "mode", "r", "type",
				    "file",   "rtdd-mode", "poll", NULL};
		const char *ke[] = {"params", img,	   "mode",  "r", "type",
				    "file",   "rtdd-mode", "event", NULL};

		rc = rtdd_xb_toolstack_add(sim.dom0, "vbd", sim.domid[0],
					   sim.domid[1], 768, kp, NULL);
		if (!rc)
			rc = rtdd_xb_toolstack_add(sim.dom0, "vbd",
						   sim.domid[0], sim.domid[1],
						   769, ke, NULL);
		if (rc) {
			fprintf(stderr, "bench blk: toolstack: %s\n",
				strerror(-rc));
			goto out;
		}
	}
	/* Two service threads: vbd 768 (poll) connects first and lands on
	 * thread 0 (be_cpu), vbd 769 (event) on thread 1 (the next CPU),
	 * which sleeps between requests as an event-mode backend does. */
	rtdd_blkback_cfg_default(&cfg);
	cfg.nthreads = 2;
	cfg.first_cpu = o.be_cpu;
	cfg.spin_ns = 0;
	rc = rtdd_blkback_create(sim.dom[0], &cfg, &ctl.bb);
	if (rc) {
		fprintf(stderr, "bench blk: blkback: %s\n", strerror(-rc));
		goto out;
	}
	if (pthread_create(&ctl_thr, NULL, ctl_main, &ctl))
		goto out;
	ctl_started = true;
	rc = open_fe(sim.dom[1], 768, RTDD_BLKFRONT_POLL, &fe[S_POLL]);
	if (!rc)
		rc = open_fe(sim.dom[1], 769, RTDD_BLKFRONT_EVENT,
			     &fe[S_EVENT]);
	if (rc) {
		fprintf(stderr, "bench blk: frontend: %s\n", strerror(-rc));
		goto out;
	}
	/* The measuring thread: pinned, and cpu_dma_latency held for the
	 * event-mode samples (BENCH.md), as far as granted. */
	rq.cpu = o.fe_cpu;
	rq.dma_latency = true;
	(void)rtdd_rt_setup(&rq, &rrep);
	rtdd_rt_describe(&rrep, desc, sizeof(desc));
	printf("bench blk: %u x %u samples per series, 4 KiB random reads "
	       "of a %u MiB RAM-backed file\n  measuring thread: %s\n",
	       o.reps, o.samples, o.size_mib, desc);
	rtdd_blkback_describe_rt(ctl.bb, desc, sizeof(desc));
	printf("  backend service threads (0: poll vbd, 1: event vbd): %s\n",
	       desc);

	rtdd_bench_env_begin(&env);
	for (unsigned rep = 0; rep < o.reps; rep++) {
		struct rtdd_hist hr[NSERIES];

		for (int s = 0; s < NSERIES; s++)
			rtdd_hist_init(&hr[s]);
		/* warm up: first touches map persistent grants */
		for (int s = 0; s < NSERIES; s++)
			for (unsigned i = 0; i < 200; i++)
				(void)one_read(s, dfd, fe, dbuf, ubuf,
					       (rnd() % (sectors / 8)) * 8);
		for (unsigned i = 0; i < o.samples; i++) {
			/* A B C, B C A, C A B, ...: interleaved. */
			for (int k = 0; k < NSERIES; k++) {
				int s = (int)((i + (unsigned)k) % NSERIES);
				uint64_t sector = (rnd() % (sectors / 8)) * 8;
				uint64_t t0 = rtdd_fast_ns();

				if (one_read(s, dfd, fe, dbuf, ubuf, sector)) {
					fprintf(stderr, "bench blk: read "
							"failed\n");
					goto out;
				}
				rtdd_hist_add(&hr[s], rtdd_fast_ns() - t0);
			}
		}
		for (int s = 0; s < NSERIES; s++) {
			p50[rep * NSERIES + s] = rtdd_hist_pct(&hr[s], 50);
			rtdd_hist_merge(&tot[s], &hr[s]);
		}
	}
	iops = iops_run(fe[S_POLL], sectors, o.secs);
	rtdd_bench_env_end(&env);
	rtdd_rt_release(&rrep);

	printf("\n  %-24s %10s %10s %10s %10s %10s\n", "series", "p50", "p90",
	       "p99", "p99.9", "max");
	for (int s = 0; s < NSERIES; s++)
		printf("  %-24s %10s %10s %10s %10s %10s\n", series_name[s],
		       rtdd_bench_fmt_ns(rtdd_hist_pct(&tot[s], 50)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(&tot[s], 90)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(&tot[s], 99)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(&tot[s], 99.9)),
		       rtdd_bench_fmt_ns(tot[s].max));
	printf("\n  ratio to direct pread:   poll p50 %.2fx p99 %.2fx;   event "
	       "p50 %.2fx p99 %.2fx\n",
	       rtdd_bench_ratio(&tot[S_POLL], &tot[S_DIRECT], 50),
	       rtdd_bench_ratio(&tot[S_POLL], &tot[S_DIRECT], 99),
	       rtdd_bench_ratio(&tot[S_EVENT], &tot[S_DIRECT], 50),
	       rtdd_bench_ratio(&tot[S_EVENT], &tot[S_DIRECT], 99));
	for (int s = 0; s < NSERIES; s++) {
		uint64_t v[64];
		unsigned n = o.reps < 64 ? o.reps : 64;

		for (unsigned r = 0; r < n; r++)
			v[r] = p50[r * NSERIES + s];
		printf("  p50 spread over %u repetitions, %s: %.2f\n", n,
		       series_key[s], rtdd_bench_spread(v, n));
	}
	printf("  IOPS, depth 32, poll mode: %.0f per backend core (one "
	       "service thread, busy-polling one core)\n",
	       iops);
	rtdd_bench_env_print(&env);

	snprintf(path, sizeof(path), "%s/bench-blk.json", o.out);
	{
		FILE *f = fopen(path, "w");
		struct rtdd_json j;

		if (!f) {
			fprintf(stderr, "bench blk: %s: %s\n", path,
				strerror(errno));
			goto out;
		}
		rtdd_json_init(&j, f, true);
		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_str(&j, "bench", "blk");
		rtdd_bench_env_json(&j, &env);
		rtdd_json_obj_begin(&j, "settings");
		rtdd_json_u64(&j, "samples", o.samples);
		rtdd_json_u64(&j, "reps", o.reps);
		rtdd_json_u64(&j, "size_mib", o.size_mib);
		rtdd_json_u64(&j, "block", 4096);
		rtdd_json_i64(&j, "be_cpu", o.be_cpu);
		rtdd_json_i64(&j, "fe_cpu", o.fe_cpu);
		rtdd_json_str(&j, "measuring_thread", desc);
		rtdd_json_obj_end(&j);
		rtdd_json_obj_begin(&j, "latency");
		for (int s = 0; s < NSERIES; s++)
			rtdd_json_hist(&j, series_key[s], &tot[s]);
		rtdd_json_obj_end(&j);
		rtdd_json_dbl(
			&j, "poll_p50_ratio",
			rtdd_bench_ratio(&tot[S_POLL], &tot[S_DIRECT], 50));
		rtdd_json_dbl(
			&j, "event_p50_ratio",
			rtdd_bench_ratio(&tot[S_EVENT], &tot[S_DIRECT], 50));
		rtdd_json_dbl(&j, "iops_per_backend_core", iops);
		rtdd_json_obj_end(&j);
		fputc('\n', f);
		fclose(f);
	}
	{
		struct rtdd_plot_series ps[NSERIES];

		for (int s = 0; s < NSERIES; s++) {
			ps[s].name = series_name[s];
			ps[s].hist = &tot[s];
		}
		snprintf(path, sizeof(path), "%s/bench-blk.svg", o.out);
		(void)rtdd_svg_percentiles(path,
					   "4 KiB random read latency: direct "
					   "vs rtdd-blkback",
					   ps, NSERIES);
	}
	printf("  wrote %s/bench-blk.json and bench-blk.svg\n", o.out);
	ret = 0;
out:
	for (int s = 0; s < NSERIES; s++)
		rtdd_blkfront_close(fe[s]);
	if (ctl_started) {
		__atomic_store_n(&ctl.stop, 1, __ATOMIC_RELEASE);
		pthread_join(ctl_thr, NULL);
	}
	rtdd_blkback_destroy(ctl.bb, true);
	rtdd_bench_sim_stop(&sim);
	if (dfd >= 0)
		close(dfd);
	if (img[0])
		unlink(img);
	free(dbuf);
	free(p50);
	return ret;
}

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
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	unsigned samples, reps, secs, size_mib, isolation;
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
		"                      [--be-cpu C] [--fe-cpu C] [--isolation 0|1] "
		"[--out DIR]\n"
		"4 KiB random reads: direct O_DIRECT pread vs rtdd-blkback in "
		"poll and event\nmode (interleaved, R repetitions of N each), "
		"then S seconds of depth-32\nreads for IOPS of one backend "
		"thread, then the isolation run (--isolation 0 skips it).\nWrites bench-blk.json and bench-blk.svg\nto DIR "
		"(default $RTDD_BENCH_OUT or .).\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	o->samples = 20000;
	o->reps = 3;
	o->secs = 2;
	o->size_mib = 64;
	o->isolation = 1;
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
		else if (!strcmp(a, "--isolation"))
			o->isolation = u;
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

/*
 * The rtdd series read into a zero-copy buffer (rtdd_blkfront_buf_alloc:
 * the backend's pread lands in the caller's granted page, as the direct
 * pread lands in the caller's buffer); "poll, copy API" reads into plain
 * memory through the library's own granted pages and a copy, on the same
 * ring as "poll".
 */
enum { S_DIRECT, S_POLL, S_POLL_COPY, S_EVENT, NSERIES };
static const char *const series_name[NSERIES] = {
	"direct O_DIRECT pread", "rtdd-blkback poll", "rtdd poll, copy API",
	"rtdd-blkback event"};
static const char *const series_key[NSERIES] = {"direct", "poll", "poll_copy",
						"event"};

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
		    uint8_t *const *buf, uint64_t sector)
{
	if (series == S_DIRECT)
		return pread(dfd, buf[series], 4096, (off_t)(sector * 512u)) ==
				       4096
			       ? 0
			       : -EIO;
	return rtdd_blkfront_read(fe[series], sector, buf[series], 4096);
}

/* Depth-32 random 4 KiB reads for secs seconds: completions per second. */
static double iops_run(rtdd_blkfront *bf, uint64_t sectors, unsigned secs)
{
	enum { D = 32 };
	static uint8_t plain[D][4096];
	uint8_t(*bufs)[4096] = plain;
	void *zc = NULL;

	/* zero-copy buffers, as the latency series use */
	if (!rtdd_blkfront_buf_alloc(bf, sizeof(plain), &zc))
		bufs = zc;
	struct rtdd_blk_cpl c[D];
	uint64_t t0 = rtdd_fast_ns(), end = t0 + (uint64_t)secs * 1000000000u;
	uint64_t done = 0, now;
	unsigned inflight = 0, next = 0;

	for (;;) {
		int rc;

		now = rtdd_fast_ns();
		if (now >= end)
			break;
		/* refill every free slot with one submit: one ring push and
		 * at most one notification per batch, as a guest would */
		if (inflight < D) {
			unsigned want = D - inflight;
			struct rtdd_blk_req batch[D];

			for (unsigned k = 0; k < want; k++) {
				struct rtdd_blk_req *q = &batch[k];

				memset(q, 0, sizeof(*q));
				q->op = RTDD_BLK_READ;
				q->sector = (rnd() % (sectors / 8)) * 8;
				q->buf = bufs[(next + k) % D];
				q->len = 4096;
			}
			rc = rtdd_blkfront_submit(bf, 0, batch, want);
			if (rc > 0) {
				inflight += (unsigned)rc;
				next += (unsigned)rc;
			}
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
	if (zc)
		(void)rtdd_blkfront_buf_free(bf, zc);
	return (double)done * 1e9 / (double)(now - t0);
}

/* ---- isolation: an RT guest's reads while a best-effort guest floods ---- */

/*
 * The flooding guest: depth-32 random 4 KiB reads on its own vbd for as
 * long as it runs, SCHED_OTHER on the guests' CPU. Its requests sit in its
 * ring whether or not it gets the CPU, so the backend always has
 * best-effort work when an RT request arrives: the interference measured.
 */
struct flood {
	rtdd_blkfront *bf;
	uint64_t sectors;
	int cpu;
	int stop;
	uint64_t done;
	int err;
};

static void *flood_main(void *arg)
{
	enum { D = 32 };
	struct flood *f = arg;
	struct rtdd_blk_req r[D];
	struct rtdd_blk_cpl c[D];
	struct rtdd_rt_req rq = {.cpu = f->cpu};
	struct rtdd_rt_report rep;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)f;
	uint8_t *bufs = NULL;
	unsigned inflight = 0, next = 0;

	(void)rtdd_rt_setup(&rq, &rep);
	if (posix_memalign((void **)&bufs, 4096, (size_t)D * 4096)) {
		f->err = -ENOMEM;
		return NULL;
	}
	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE) || inflight) {
		int rc;

		while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE) &&
		       inflight < D) {
			struct rtdd_blk_req *q = &r[next % D];

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memset(q, 0, sizeof(*q));
			q->op = RTDD_BLK_READ;
			q->sector = (x % (f->sectors / 8)) * 8;
			q->buf = bufs + (size_t)(next % D) * 4096;
			q->len = 4096;
			if (rtdd_blkfront_submit(f->bf, 0, q, 1) != 1)
				break;
			inflight++;
			next++;
		}
		rc = rtdd_blkfront_poll(f->bf, 0, c, D);
		if (rc < 0) {
			f->err = rc;
			break;
		}
		inflight -= (unsigned)rc;
		f->done += (unsigned)rc;
		if (!rc)
			sched_yield();
	}
	free(bufs);
	return NULL;
}

/*
 * The RT guest: one 4 KiB read every gap_us, timed, on rt; `samples` with
 * the flood off, then `samples` with it on, `reps` times interleaved.
 */
static int isolation_run(rtdd_blkfront *rt, rtdd_blkfront *flood_bf,
			 uint64_t sectors, unsigned samples, unsigned reps,
			 int guest_cpu, unsigned gap_us,
			 struct rtdd_hist *quiet, struct rtdd_hist *flooded,
			 uint64_t *flood_ios)
{
	uint8_t *buf = NULL;
	int rc = 0;

	if (posix_memalign((void **)&buf, 4096, 4096))
		return -ENOMEM;
	for (unsigned rep = 0; rep < reps && !rc; rep++) {
		for (int phase = 0; phase < 2 && !rc; phase++) {
			struct flood f = {.bf = flood_bf,
					  .sectors = sectors,
					  .cpu = guest_cpu};
			pthread_t thr;
			bool started = false;

			if (phase == 1) {
				if (pthread_create(&thr, NULL, flood_main, &f))
					return -EAGAIN;
				started = true;
				usleep(2000); /* let the flood fill its ring */
			}
			for (unsigned i = 0; i < samples && !rc; i++) {
				uint64_t sector = (rnd() % (sectors / 8)) * 8;
				uint64_t t0 = rtdd_fast_ns();
				struct timespec gap = {0, (long)gap_us * 1000};

				rc = rtdd_blkfront_read(rt, sector, buf, 4096);
				rtdd_hist_add(phase ? flooded : quiet,
					      rtdd_fast_ns() - t0);
				nanosleep(&gap, NULL);
			}
			if (started) {
				__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
				pthread_join(thr, NULL);
				*flood_ios += f.done;
				if (!rc && f.err)
					rc = f.err;
			}
		}
	}
	free(buf);
	return rc;
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
	rtdd_blkfront *iso_fe[4] = {NULL}; /* rt, flood; shared rt, flood */
	struct rtdd_hist
		iso[4]; /* rtdd quiet, flooded; shared quiet, flooded */
	uint64_t flood_ios[2] = {0, 0};
	struct rtdd_rt_req rtq = {.cpu = -1, .fifo_prio = 80};
	struct rtdd_rt_report rtrep = {.dma_latency_fd = -1};
	char rtdesc[256] = "";
	struct rtdd_hist tot[NSERIES];
	uint64_t *p50 = NULL; /* [rep * NSERIES + series] */
	char img[256], path[600], desc[256];
	uint8_t *dbuf = NULL, ubuf[4096], *buf[NSERIES] = {NULL};
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
		/* isolation: 770 RT and 771 best-effort polled by thread 0
		 * with RT first; 772 and 773 the event-driven shared
		 * backend on thread 1, no priority (how dom0 serves today) */
		const char *iso_keys[4][13] = {
			{"params", img, "mode", "r", "type", "file",
			 "rtdd-mode", "poll", "rtdd-class", "rt", "rtdd-thread",
			 "0", NULL},
			{"params", img, "mode", "r", "type", "file",
			 "rtdd-mode", "poll", "rtdd-class", "be", "rtdd-thread",
			 "0", NULL},
			{"params", img, "mode", "r", "type", "file",
			 "rtdd-mode", "event", "rtdd-class", "be",
			 "rtdd-thread", "1", NULL},
			{"params", img, "mode", "r", "type", "file",
			 "rtdd-mode", "event", "rtdd-class", "be",
			 "rtdd-thread", "1", NULL},
		};
		for (unsigned k = 0; k < 4 && !rc; k++)
			rc = rtdd_xb_toolstack_add(sim.dom0, "vbd",
						   sim.domid[0], sim.domid[1],
						   770 + k, iso_keys[k], NULL);
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
	fe[S_POLL_COPY] = fe[S_POLL];
	if (!rc)
		rc = open_fe(sim.dom[1], 769, RTDD_BLKFRONT_EVENT,
			     &fe[S_EVENT]);
	buf[S_DIRECT] = dbuf;
	buf[S_POLL_COPY] = ubuf;
	if (!rc)
		rc = rtdd_blkfront_buf_alloc(fe[S_POLL], 4096,
					     (void **)&buf[S_POLL]);
	if (!rc)
		rc = rtdd_blkfront_buf_alloc(fe[S_EVENT], 4096,
					     (void **)&buf[S_EVENT]);
	for (unsigned k = 0; k < 4 && !rc; k++)
		rc = open_fe(sim.dom[1], 770 + k,
			     k < 2 ? RTDD_BLKFRONT_POLL : RTDD_BLKFRONT_EVENT,
			     &iso_fe[k]);
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
				(void)one_read(s, dfd, fe, buf,
					       (rnd() % (sectors / 8)) * 8);
		for (unsigned i = 0; i < o.samples; i++) {
			/* A B C, B C A, C A B, ...: interleaved. */
			for (int k = 0; k < NSERIES; k++) {
				int s = (int)((i + (unsigned)k) % NSERIES);
				uint64_t sector = (rnd() % (sectors / 8)) * 8;
				uint64_t t0 = rtdd_fast_ns();

				if (one_read(s, dfd, fe, buf, sector)) {
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
	/* The RT guest's thread runs SCHED_FIFO when granted, as an RT
	 * task in a guest would; the flood is SCHED_OTHER. */
	for (int k = 0; k < 4; k++)
		rtdd_hist_init(&iso[k]);
	rtq.cpu = o.fe_cpu;
	(void)rtdd_rt_setup(&rtq, &rtrep);
	rtdd_rt_describe(&rtrep, rtdesc, sizeof(rtdesc));
	rc = 0;
	if (o.isolation)
		rc = isolation_run(iso_fe[0], iso_fe[1], sectors,
				   o.samples / 4 + 1, o.reps, o.fe_cpu, 20,
				   &iso[0], &iso[1], &flood_ios[0]);
	if (!rc && o.isolation)
		rc = isolation_run(iso_fe[2], iso_fe[3], sectors,
				   o.samples / 4 + 1, o.reps, o.fe_cpu, 20,
				   &iso[2], &iso[3], &flood_ios[1]);
	{
		struct sched_param sp = {0};

		pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	}
	if (rc) {
		fprintf(stderr, "bench blk: isolation run: %s\n",
			strerror(-rc));
		goto out;
	}
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
	printf("\n  ratio to direct pread:   poll p50 %.2fx p99 %.2fx;   poll "
	       "with the copy API p50 %.2fx p99 %.2fx;\n                      "
	       "     event p50 %.2fx p99 %.2fx\n",
	       rtdd_bench_ratio(&tot[S_POLL], &tot[S_DIRECT], 50),
	       rtdd_bench_ratio(&tot[S_POLL], &tot[S_DIRECT], 99),
	       rtdd_bench_ratio(&tot[S_POLL_COPY], &tot[S_DIRECT], 50),
	       rtdd_bench_ratio(&tot[S_POLL_COPY], &tot[S_DIRECT], 99),
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
	if (o.isolation) {
		static const char *const iso_name[4] = {
			"rtdd RT vbd, quiet", "rtdd RT vbd, BE flood",
			"shared event backend, quiet",
			"shared event backend, flood"};

		printf("\n  isolation: an RT guest's 4 KiB reads (one every 20 "
		       "us; thread: %s) while a\n  best-effort guest floods "
		       "the same backend at depth 32 (%llu and %llu flood "
		       "reads served)\n",
		       rtdesc, (unsigned long long)flood_ios[0],
		       (unsigned long long)flood_ios[1]);
		for (int k = 0; k < 4; k++)
			printf("  %-32s p50 %9s p90 %9s p99 %9s max %9s\n",
			       iso_name[k],
			       rtdd_bench_fmt_ns(rtdd_hist_pct(&iso[k], 50)),
			       rtdd_bench_fmt_ns(rtdd_hist_pct(&iso[k], 90)),
			       rtdd_bench_fmt_ns(rtdd_hist_pct(&iso[k], 99)),
			       rtdd_bench_fmt_ns(iso[k].max));
		printf("  flood / quiet:  rtdd p50 %.2fx p99 %.2fx;  shared "
		       "event backend p50 %.2fx p99 %.2fx\n",
		       rtdd_bench_ratio(&iso[1], &iso[0], 50),
		       rtdd_bench_ratio(&iso[1], &iso[0], 99),
		       rtdd_bench_ratio(&iso[3], &iso[2], 50),
		       rtdd_bench_ratio(&iso[3], &iso[2], 99));
		printf("  under flood, the shared event backend is slower than "
		       "rtdd by: p50 %.1fx p99 %.1fx\n",
		       rtdd_bench_ratio(&iso[3], &iso[1], 50),
		       rtdd_bench_ratio(&iso[3], &iso[1], 99));
	}
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
		rtdd_json_dbl(&j, "poll_copy_p50_ratio",
			      rtdd_bench_ratio(&tot[S_POLL_COPY],
					       &tot[S_DIRECT], 50));
		rtdd_json_dbl(
			&j, "event_p50_ratio",
			rtdd_bench_ratio(&tot[S_EVENT], &tot[S_DIRECT], 50));
		rtdd_json_dbl(&j, "iops_per_backend_core", iops);
		rtdd_json_obj_begin(&j, "isolation");
		rtdd_json_str(&j, "rt_thread", rtdesc);
		rtdd_json_hist(&j, "rtdd_quiet", &iso[0]);
		rtdd_json_hist(&j, "rtdd_flood", &iso[1]);
		rtdd_json_hist(&j, "shared_event_quiet", &iso[2]);
		rtdd_json_hist(&j, "shared_event_flood", &iso[3]);
		rtdd_json_u64(&j, "rtdd_flood_reads", flood_ios[0]);
		rtdd_json_u64(&j, "shared_flood_reads", flood_ios[1]);
		rtdd_json_dbl(&j, "rtdd_p99_flood_over_quiet",
			      rtdd_bench_ratio(&iso[1], &iso[0], 99));
		rtdd_json_dbl(&j, "shared_p99_flood_over_quiet",
			      rtdd_bench_ratio(&iso[3], &iso[2], 99));
		rtdd_json_obj_end(&j);
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
	fe[S_POLL_COPY] = NULL; /* the same frontend as S_POLL */
	for (int s = 0; s < NSERIES; s++)
		rtdd_blkfront_close(fe[s]);
	for (int k = 0; k < 4; k++)
		rtdd_blkfront_close(iso_fe[k]);
	rtdd_rt_release(&rtrep);
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

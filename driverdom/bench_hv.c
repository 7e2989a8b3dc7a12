// SPDX-License-Identifier: MIT
/*
 * rtdd bench hv: the hv primitives on rtdd-simhv, measured against same-run
 * baselines (../docs/bench.md explains the method):
 *
 *   notify    event-channel ping-pong between two domains, each side
 *             blocked in poll() on its handle      vs  eventfd ping-pong
 *                                                      between two threads
 *   shared    ping-pong on a cache line of a page granted by one domain
 *             and mapped by the other              vs  the same on a
 *                                                      plain malloc'd line
 *   map       map_refs + unmap of a batch of grants vs mmap + munmap of a
 *                                                      memfd of that size
 *   copy      one batched grant copy of 16 x 4 KiB  vs  memcpy of 64 KiB
 *
 * Baseline and subject run interleaved (A B A B ...) in rounds; every figure
 * is printed with its percentiles and as a ratio to its baseline. Steal time
 * from /proc/stat and the spread of p50 over rounds say how noisy the run
 * was. Nothing here passes or fails on time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rtdd/bench.h"
#include "cmds.h"
#include "rtdd/hist.h"
#include "rtdd/hv.h"
#include "rtdd/json.h"
#include "rtdd/rt.h"
#include "rtdd/simhv.h"
#include "rtdd/svgplot.h"

struct opts {
	unsigned samples; /* per round and kind */
	unsigned rounds;
	const char *out;
	bool quiet_plot;
};

/* ---- ping-pong machinery shared by all kinds ---------------------------- */

enum pp_kind { PP_EVTCHN, PP_EVENTFD, PP_SHARED, PP_PLAIN };

struct pingpong {
	enum pp_kind kind;
	unsigned n;
	int cpu;
	/* evtchn */
	rtdd_evtchn *ev;
	rtdd_port port;
	/* eventfd: fd_rx is ours, fd_tx the peer's */
	int fd_rx, fd_tx;
	/* shared line: ping written by A, pong by B */
	_Atomic uint64_t *ping, *pong;
	struct rtdd_hist *hist; /* responder: NULL */
	int rc;
	char rt_desc[160];
};

static int wait_evtchn(rtdd_evtchn *ev)
{
	struct pollfd pfd = {.fd = rtdd_evtchn_fd(ev), .events = POLLIN};
	rtdd_port p;
	int rc;

	for (;;) {
		rc = rtdd_evtchn_pending(ev, &p);
		if (rc == 0)
			return rtdd_evtchn_unmask(ev, p);
		if (rc != -EAGAIN)
			return rc;
		if (poll(&pfd, 1, 5000) == 0)
			return -ETIMEDOUT;
	}
}

static int wait_eventfd(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t v;

	if (poll(&pfd, 1, 5000) == 0)
		return -ETIMEDOUT;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return 0;
}

static void *pp_thread(void *arg)
{
	struct pingpong *pp = arg;
	struct rtdd_rt_req req = {.cpu = pp->cpu,
				  .mlockall = false,
				  .dma_latency = pp->kind == PP_EVTCHN ||
						 pp->kind == PP_EVENTFD};
	struct rtdd_rt_report rep;
	uint64_t one = 1;

	rtdd_rt_setup(&req, &rep);
	rtdd_rt_describe(&rep, pp->rt_desc, sizeof(pp->rt_desc));
	pp->rc = 0;
	for (unsigned i = 0; i < pp->n && !pp->rc; i++) {
		uint64_t t0 = 0;

		if (pp->hist)
			t0 = rtdd_fast_ns();
		switch (pp->kind) {
		case PP_EVTCHN:
			if (pp->hist) {
				pp->rc = rtdd_evtchn_notify(pp->ev, pp->port);
				if (!pp->rc)
					pp->rc = wait_evtchn(pp->ev);
			} else {
				pp->rc = wait_evtchn(pp->ev);
				if (!pp->rc)
					pp->rc = rtdd_evtchn_notify(pp->ev,
								    pp->port);
			}
			break;
		case PP_EVENTFD:
			if (pp->hist) {
				if (write(pp->fd_tx, &one, 8) != 8)
					pp->rc = -errno;
				if (!pp->rc)
					pp->rc = wait_eventfd(pp->fd_rx);
			} else {
				pp->rc = wait_eventfd(pp->fd_rx);
				if (!pp->rc && write(pp->fd_tx, &one, 8) != 8)
					pp->rc = -errno;
			}
			break;
		case PP_SHARED:
		case PP_PLAIN:
			/* Sequence numbers: the initiator writes i+1 to ping,
			 * the responder echoes it to pong. Release/acquire
			 * pairs order nothing else: the line is the payload. */
			if (pp->hist) {
				atomic_store_explicit(pp->ping, i + 1,
						      memory_order_release);
				while (atomic_load_explicit(
					       pp->pong,
					       memory_order_acquire) != i + 1)
					__builtin_ia32_pause();
			} else {
				while (atomic_load_explicit(
					       pp->ping,
					       memory_order_acquire) != i + 1)
					__builtin_ia32_pause();
				atomic_store_explicit(pp->pong, i + 1,
						      memory_order_release);
			}
			break;
		}
		if (pp->hist)
			rtdd_hist_add(pp->hist, rtdd_fast_ns() - t0);
	}
	rtdd_rt_release(&rep);
	return NULL;
}

/* Runs initiator a and responder b to completion. */
static int pp_run(struct pingpong *a, struct pingpong *b)
{
	pthread_t ta, tb;

	if (pthread_create(&tb, NULL, pp_thread, b))
		return -EAGAIN;
	if (pthread_create(&ta, NULL, pp_thread, a)) {
		pthread_cancel(tb);
		pthread_join(tb, NULL);
		return -EAGAIN;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	return a->rc ? a->rc : b->rc;
}

/* ---- the run ------------------------------------------------------------ */

struct series {
	const char *name;
	const char *baseline_of; /* NULL for baselines */
	const char *unit;	 /* what one sample is */
	struct rtdd_hist *all;
	uint64_t *p50_by_round;
};

enum {
	S_EVTCHN,
	S_EVENTFD,
	S_SHARED,
	S_PLAIN,
	S_MAP,
	S_MMAP,
	S_COPY,
	S_MEMCPY,
	S_N
};

struct ctx {
	struct opts o;
	rtdd_hv *fe, *be;
	rtdd_domid fe_id, be_id;
	struct series s[S_N];
	char rt_desc[2][160];
};

#define MAP_BATCH 16
#define COPY_SEGS 16

static int round_evtchn(struct ctx *c, struct rtdd_hist *h)
{
	struct pingpong a = {
		.kind = PP_EVTCHN, .n = c->o.samples, .cpu = 0, .hist = h};
	struct pingpong b = {.kind = PP_EVTCHN, .n = c->o.samples, .cpu = 1};
	int rc;

	rc = rtdd_evtchn_open(c->fe, &a.ev);
	if (rc)
		return rc;
	rc = rtdd_evtchn_open(c->be, &b.ev);
	if (rc)
		goto out;
	rc = rtdd_evtchn_alloc_unbound(a.ev, c->be_id, &a.port);
	if (rc)
		goto out;
	rc = rtdd_evtchn_bind_interdomain(b.ev, c->fe_id, a.port, &b.port);
	if (rc)
		goto out;
	rc = pp_run(&a, &b);
	memcpy(c->rt_desc[0], a.rt_desc, sizeof(a.rt_desc));
out:
	rtdd_evtchn_close(b.ev);
	rtdd_evtchn_close(a.ev);
	return rc;
}

static int round_eventfd(struct ctx *c, struct rtdd_hist *h)
{
	int f1 = eventfd(0, EFD_CLOEXEC), f2 = eventfd(0, EFD_CLOEXEC);
	struct pingpong a = {.kind = PP_EVENTFD,
			     .n = c->o.samples,
			     .cpu = 0,
			     .fd_rx = f1,
			     .fd_tx = f2,
			     .hist = h};
	struct pingpong b = {.kind = PP_EVENTFD,
			     .n = c->o.samples,
			     .cpu = 1,
			     .fd_rx = f2,
			     .fd_tx = f1};
	int rc = (f1 < 0 || f2 < 0) ? -errno : pp_run(&a, &b);

	if (f1 >= 0)
		close(f1);
	if (f2 >= 0)
		close(f2);
	return rc;
}

static int round_shared(struct ctx *c, struct rtdd_hist *h)
{
	void *fe_page = NULL, *be_page = NULL;
	rtdd_gref ref;
	int rc;

	rc = rtdd_gnt_share_pages(c->fe, c->be_id, 1, false, &fe_page, &ref);
	if (rc)
		return rc;
	rc = rtdd_gnt_map_refs(c->be, c->fe_id, 1, &ref, false, &be_page);
	if (rc)
		goto out;
	/* ping and pong on separate cache lines, as a ring's producer
	 * indexes would be */
	struct pingpong a = {.kind = PP_SHARED,
			     .n = c->o.samples,
			     .cpu = 0,
			     .ping = (_Atomic uint64_t *)fe_page,
			     .pong = (_Atomic uint64_t *)((char *)fe_page + 64),
			     .hist = h};
	struct pingpong b = {
		.kind = PP_SHARED,
		.n = c->o.samples,
		.cpu = 1,
		.ping = (_Atomic uint64_t *)be_page,
		.pong = (_Atomic uint64_t *)((char *)be_page + 64)};
	rc = pp_run(&a, &b);
	memcpy(c->rt_desc[1], a.rt_desc, sizeof(a.rt_desc));
	rtdd_gnt_unmap(c->be, be_page, 1);
out:
	rtdd_gnt_unshare_pages(c->fe, fe_page, 1);
	return rc;
}

static int round_plain(struct ctx *c, struct rtdd_hist *h)
{
	void *page = aligned_alloc(4096, 4096);
	int rc;

	if (!page)
		return -ENOMEM;
	memset(page, 0, 4096);
	struct pingpong a = {.kind = PP_PLAIN,
			     .n = c->o.samples,
			     .cpu = 0,
			     .ping = (_Atomic uint64_t *)page,
			     .pong = (_Atomic uint64_t *)((char *)page + 64),
			     .hist = h};
	struct pingpong b = a;

	b.hist = NULL;
	b.cpu = 1;
	rc = pp_run(&a, &b);
	free(page);
	return rc;
}

static int round_map(struct ctx *c, struct rtdd_hist *h)
{
	rtdd_gref refs[MAP_BATCH];
	void *fe = NULL;
	unsigned n = c->o.samples / 10 ? c->o.samples / 10 : 1;
	int rc;

	rc = rtdd_gnt_share_pages(c->fe, c->be_id, MAP_BATCH, false, &fe, refs);
	if (rc)
		return rc;
	for (unsigned i = 0; i < n && !rc; i++) {
		uint64_t t0 = rtdd_fast_ns();
		void *be = NULL;

		rc = rtdd_gnt_map_refs(c->be, c->fe_id, MAP_BATCH, refs, false,
				       &be);
		if (!rc) {
			((volatile char *)be)[0] = 1; /* touch it */
			rc = rtdd_gnt_unmap(c->be, be, MAP_BATCH);
		}
		rtdd_hist_add(h, rtdd_fast_ns() - t0);
	}
	rtdd_gnt_unshare_pages(c->fe, fe, MAP_BATCH);
	return rc;
}

static int round_mmap(struct ctx *c, struct rtdd_hist *h)
{
	unsigned n = c->o.samples / 10 ? c->o.samples / 10 : 1;
	int fd = memfd_create("rtdd-bench", MFD_CLOEXEC);
	int rc = 0;

	if (fd < 0 || ftruncate(fd, MAP_BATCH * 4096)) {
		rc = -errno;
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = rtdd_fast_ns();
		void *p = mmap(NULL, MAP_BATCH * 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);

		if (p == MAP_FAILED) {
			rc = -errno;
			break;
		}
		((volatile char *)p)[0] = 1;
		munmap(p, MAP_BATCH * 4096);
		rtdd_hist_add(h, rtdd_fast_ns() - t0);
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int round_copy(struct ctx *c, struct rtdd_hist *h)
{
	struct rtdd_gnt_copy_seg segs[COPY_SEGS];
	rtdd_gref refs[COPY_SEGS];
	unsigned n = c->o.samples / 10 ? c->o.samples / 10 : 1;
	void *fe = NULL;
	char *local = aligned_alloc(4096, COPY_SEGS * 4096);
	int rc;

	if (!local)
		return -ENOMEM;
	memset(local, 0x5a, COPY_SEGS * 4096);
	rc = rtdd_gnt_share_pages(c->fe, c->be_id, COPY_SEGS, false, &fe, refs);
	if (rc)
		goto out;
	for (unsigned i = 0; i < n && !rc; i++) {
		for (unsigned s = 0; s < COPY_SEGS; s++) {
			segs[s] = (struct rtdd_gnt_copy_seg){
				.src = {.is_gref = false,
					.virt = local + s * 4096},
				.dst = {.is_gref = true,
					.domid = c->fe_id,
					.ref = refs[s]},
				.len = 4096,
			};
		}
		uint64_t t0 = rtdd_fast_ns();

		rc = rtdd_gnt_copy(c->be, COPY_SEGS, segs);
		rtdd_hist_add(h, rtdd_fast_ns() - t0);
		for (unsigned s = 0; s < COPY_SEGS && !rc; s++)
			rc = segs[s].status;
	}
	/* the copies must have landed */
	if (!rc && memcmp(fe, local, COPY_SEGS * 4096))
		rc = -EIO;
	rtdd_gnt_unshare_pages(c->fe, fe, COPY_SEGS);
out:
	free(local);
	return rc;
}

static int round_memcpy(struct ctx *c, struct rtdd_hist *h)
{
	unsigned n = c->o.samples / 10 ? c->o.samples / 10 : 1;
	char *a = aligned_alloc(4096, COPY_SEGS * 4096);
	char *b = aligned_alloc(4096, COPY_SEGS * 4096);

	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	memset(a, 0x5a, COPY_SEGS * 4096);
	memset(b, 0, COPY_SEGS * 4096);
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = rtdd_fast_ns();

		memcpy(b, a, COPY_SEGS * 4096);
		__asm__ __volatile__("" ::"r"(b) : "memory");
		rtdd_hist_add(h, rtdd_fast_ns() - t0);
	}
	free(a);
	free(b);
	return 0;
}

static int (*const round_fn[S_N])(struct ctx *, struct rtdd_hist *) = {
	[S_EVTCHN] = round_evtchn, [S_EVENTFD] = round_eventfd,
	[S_SHARED] = round_shared, [S_PLAIN] = round_plain,
	[S_MAP] = round_map,	   [S_MMAP] = round_mmap,
	[S_COPY] = round_copy,	   [S_MEMCPY] = round_memcpy,
};

static void setup_series(struct ctx *c)
{
	static const struct {
		const char *name, *baseline_of, *unit;
	} def[S_N] = {
		[S_EVTCHN] = {"evtchn notify RTT (sim, blocking)", NULL,
			      "round trip"},
		[S_EVENTFD] = {"eventfd RTT between threads (baseline)",
			       "evtchn notify RTT (sim, blocking)",
			       "round trip"},
		[S_SHARED] = {"granted page, polled RTT", NULL, "round trip"},
		[S_PLAIN] = {"plain cache line, polled RTT (floor)",
			     "granted page, polled RTT", "round trip"},
		[S_MAP] = {"grant map+unmap 16 pages", NULL, "batch"},
		[S_MMAP] = {"memfd mmap+munmap 64 KiB (baseline)",
			    "grant map+unmap 16 pages", "batch"},
		[S_COPY] = {"grant copy 16 x 4 KiB", NULL, "batch"},
		[S_MEMCPY] = {"memcpy 64 KiB (baseline)",
			      "grant copy 16 x 4 KiB", "batch"},
	};

	for (int i = 0; i < S_N; i++) {
		c->s[i].name = def[i].name;
		c->s[i].baseline_of = def[i].baseline_of;
		c->s[i].unit = def[i].unit;
	}
}

static const char *sname(const struct ctx *c, int i)
{
	return c->s[i].name;
}

static int baseline_for(const struct ctx *c, int subject)
{
	for (int i = 0; i < S_N; i++)
		if (c->s[i].baseline_of &&
		    !strcmp(c->s[i].baseline_of, c->s[subject].name))
			return i;
	return -1;
}

static void print_table(const struct ctx *c)
{
	printf("\n%-40s %9s %9s %9s %9s %9s %9s\n", "", "p50", "p90", "p99",
	       "p99.9", "max", "count");
	for (int i = 0; i < S_N; i++) {
		const struct rtdd_hist *h = c->s[i].all;

		printf("%-40s %9s %9s %9s %9s %9s %9llu\n", sname(c, i),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 50)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 90)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 99)),
		       rtdd_bench_fmt_ns(rtdd_hist_pct(h, 99.9)),
		       rtdd_bench_fmt_ns(h->max), (unsigned long long)h->count);
	}
	printf("\nratios to the same-run baseline (subject / baseline):\n");
	for (int i = 0; i < S_N; i++) {
		int b = baseline_for(c, i);

		if (b < 0)
			continue;
		printf("  %-38s p50 %6.2fx  p90 %6.2fx  p99 %6.2fx\n",
		       sname(c, i),
		       rtdd_bench_ratio(c->s[i].all, c->s[b].all, 50),
		       rtdd_bench_ratio(c->s[i].all, c->s[b].all, 90),
		       rtdd_bench_ratio(c->s[i].all, c->s[b].all, 99));
	}
	double mb = (double)COPY_SEGS * 4096 /
		    (rtdd_hist_pct(c->s[S_COPY].all, 50) + 1e-9) * 1e3;
	printf("  grant copy throughput at p50: %.0f MB/s\n", mb);
}

static int write_results(const struct ctx *c, const struct rtdd_bench_env *env)
{
	struct rtdd_plot_series ps[4];
	char path[PATH_MAX];
	struct rtdd_json j;
	FILE *f;
	int rc;

	if (mkdir(c->o.out, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/bench-hv.json", c->o.out);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	rtdd_json_init(&j, f, true);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "bench", "hv");
	rtdd_bench_env_json(&j, env);
	rtdd_json_u64(&j, "samples_per_round", c->o.samples);
	rtdd_json_u64(&j, "rounds", c->o.rounds);
	rtdd_json_str(&j, "rt_event_threads", c->rt_desc[0]);
	rtdd_json_str(&j, "rt_poll_threads", c->rt_desc[1]);
	rtdd_json_arr_begin(&j, "series");
	for (int i = 0; i < S_N; i++) {
		int b = baseline_for(c, i);

		rtdd_json_obj_begin(&j, NULL);
		rtdd_json_str(&j, "name", sname(c, i));
		rtdd_json_str(&j, "sample", c->s[i].unit);
		rtdd_json_str(&j, "baseline_of", c->s[i].baseline_of);
		rtdd_json_hist(&j, "latency", c->s[i].all);
		rtdd_json_arr_begin(&j, "p50_ns_by_round");
		for (unsigned r = 0; r < c->o.rounds; r++)
			rtdd_json_u64(&j, NULL, c->s[i].p50_by_round[r]);
		rtdd_json_arr_end(&j);
		if (b >= 0) {
			rtdd_json_obj_begin(&j, "ratio_to_baseline");
			rtdd_json_dbl(
				&j, "p50",
				rtdd_bench_ratio(c->s[i].all, c->s[b].all, 50));
			rtdd_json_dbl(
				&j, "p90",
				rtdd_bench_ratio(c->s[i].all, c->s[b].all, 90));
			rtdd_json_dbl(
				&j, "p99",
				rtdd_bench_ratio(c->s[i].all, c->s[b].all, 99));
			rtdd_json_obj_end(&j);
		}
		rtdd_json_obj_end(&j);
	}
	rtdd_json_arr_end(&j);
	rtdd_json_obj_end(&j);
	rc = fclose(f) ? -errno : 0;
	if (rc)
		return rc;
	printf("\nresults: %s\n", path);

	ps[0] = (struct rtdd_plot_series){sname(c, S_EVTCHN),
					  c->s[S_EVTCHN].all};
	ps[1] = (struct rtdd_plot_series){sname(c, S_EVENTFD),
					  c->s[S_EVENTFD].all};
	ps[2] = (struct rtdd_plot_series){sname(c, S_SHARED),
					  c->s[S_SHARED].all};
	ps[3] = (struct rtdd_plot_series){sname(c, S_PLAIN), c->s[S_PLAIN].all};
	snprintf(path, sizeof(path), "%s/bench-hv.svg", c->o.out);
	rc = rtdd_svg_percentiles(path,
				  "rtdd bench hv: round trips on "
				  "rtdd-simhv vs same-run baselines",
				  ps, 4);
	if (!rc)
		printf("plot:    %s\n", path);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd bench hv [--samples N] [--rounds R] [--out DIR] "
		"[--quick]\n\n"
		"Starts a private rtdd-simhv with two domains and measures, "
		"interleaved with\nsame-run baselines: event-channel notify "
		"round trips vs an eventfd ping-pong,\npolled round trips on "
		"a granted page vs a plain cache line, grant map+unmap\nvs "
		"mmap+munmap, and batched grant copy vs memcpy. Prints "
		"percentiles and\nratios, steal time and the spread over "
		"rounds; writes bench-hv.json and\nbench-hv.svg to DIR "
		"(default: ./bench-results).\n\n"
		"  --samples N  round trips per kind and round (default "
		"20000)\n"
		"  --rounds R   interleaved rounds (default 5, at least 3)\n"
		"  --quick      2000 samples, 3 rounds\n");
}

int rtdd_bench_hv(int argc, char **argv)
{
	static const struct option lo[] = {
		{"samples", required_argument, NULL, 's'},
		{"rounds", required_argument, NULL, 'r'},
		{"out", required_argument, NULL, 'o'},
		{"quick", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ctx c = {
		.o = {.samples = 20000, .rounds = 5, .out = "bench-results"}};
	struct rtdd_bench_sim sim = {0};
	struct rtdd_bench_env env;
	int opt, rc, ret = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (rtdd_bench_parse_uint(optarg, 10, 10000000,
						  &c.o.samples))
				goto usage_err;
			break;
		case 'r':
			if (rtdd_bench_parse_uint(optarg, 3, 1000, &c.o.rounds))
				goto usage_err;
			break;
		case 'o':
			c.o.out = optarg;
			break;
		case 'q':
			c.o.samples = 2000;
			c.o.rounds = 3;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage_err;
		}
	}
	if (optind != argc)
		goto usage_err;

	rtdd_fastclock_init();
	setup_series(&c);
	for (int i = 0; i < S_N; i++) {
		c.s[i].all = malloc(sizeof(struct rtdd_hist));
		c.s[i].p50_by_round = calloc(c.o.rounds, sizeof(uint64_t));
		if (!c.s[i].all || !c.s[i].p50_by_round) {
			fprintf(stderr, "rtdd bench hv: out of memory\n");
			goto out;
		}
		rtdd_hist_init(c.s[i].all);
	}

	rc = rtdd_bench_sim_start(&sim, 2);
	if (rc) {
		fprintf(stderr, "rtdd bench hv: cannot start rtdd-simhv: %s\n",
			strerror(-rc));
		goto out;
	}
	c.fe = sim.dom[0];
	c.be = sim.dom[1];
	c.fe_id = sim.domid[0];
	c.be_id = sim.domid[1];

	rtdd_bench_env_begin(&env);
	printf("rtdd bench hv: %u rounds x %u samples, domains %u (frontend) "
	       "and %u (backend) on rtdd-simhv\n",
	       c.o.rounds, c.o.samples, c.fe_id, c.be_id);
	for (unsigned r = 0; r < c.o.rounds; r++) {
		for (int i = 0; i < S_N; i++) {
			struct rtdd_hist *h = malloc(sizeof(*h));

			if (!h) {
				rc = -ENOMEM;
				break;
			}
			rtdd_hist_init(h);
			rc = round_fn[i](&c, h);
			if (rc) {
				fprintf(stderr,
					"rtdd bench hv: %s failed: %s\n",
					sname(&c, i), strerror(-rc));
				free(h);
				break;
			}
			c.s[i].p50_by_round[r] = rtdd_hist_pct(h, 50);
			rtdd_hist_merge(c.s[i].all, h);
			free(h);
		}
		if (rc)
			break;
		printf("  round %u/%u done\n", r + 1, c.o.rounds);
		fflush(stdout);
	}
	rtdd_bench_env_end(&env);
	if (rc)
		goto out;

	print_table(&c);
	rtdd_bench_env_print(&env);
	printf("spread of p50 over rounds (max/min):");
	for (int i = 0; i < S_N; i += 2)
		printf(" %s %.2f;",
		       i == S_EVTCHN   ? "notify"
		       : i == S_SHARED ? "polled"
		       : i == S_MAP    ? "map"
				       : "copy",
		       rtdd_bench_spread(c.s[i].p50_by_round, c.o.rounds));
	printf("\nthreads: event mode %s; polled mode %s\n", c.rt_desc[0],
	       c.rt_desc[1]);
	rc = write_results(&c, &env);
	if (rc)
		fprintf(stderr, "rtdd bench hv: writing results to %s: %s\n",
			c.o.out, strerror(-rc));
	else
		ret = 0;
out:
	rtdd_bench_sim_stop(&sim);
	for (int i = 0; i < S_N; i++) {
		free(c.s[i].all);
		free(c.s[i].p50_by_round);
	}
	return ret;
usage_err:
	usage(stderr);
	return 2;
}

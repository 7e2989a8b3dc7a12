// SPDX-License-Identifier: MIT
/*
 * tests/sim/faults/test_faults.c - fault injection on rtdd-simhv.
 *
 *   backend_kills: rtdd-devd runs rtdd-blkback in a driver domain; this
 *     process is the guest and writes distinct 4 KiB patterns, 8 in
 *     flight. The blkback is killed with SIGKILL several times in a row,
 *     each time with requests in flight and only once devd has restarted
 *     it and the frontend has made progress on the new one. Afterwards
 *     every acknowledged write is read back from the image and through the
 *     frontend.
 *   driverdom_destroy: the same load, then the whole driver domain (devd
 *     and blkback) is destroyed and recreated under its name (new domid),
 *     and the toolstack replaces the vbd entry (remove, add: the same
 *     params), as Xen's on_crash="restart" plus the toolstack would do.
 *     The old frontend session either reconnects or fails with -EIO within
 *     a bound (never hangs); a session opened afterwards connects and
 *     every acknowledged write is intact on the image and through it.
 *   guest_kill: a guest process (its domain's only process) writing with
 *     16 requests in flight is killed with SIGKILL; simhv destroys the
 *     domain; the backend's grant maps, pins, simhv mappings and event
 *     channel ports return to their baseline, and the backend keeps
 *     serving a second guest that wrote throughout.
 *   xs_quota: one domain fills its xenstore node quota (ENOSPC), its watch
 *     quota (E2BIG) and its transaction quota (ENOSPC) and keeps hammering
 *     the store from a thread, while another guest's vbd is added,
 *     connected, written, read back and removed several times.
 *
 * Every case prints one "faults:" summary line with its counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../simhv_fixture.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/blkfront.h"

#define VDEV 51712u /* xvda */
#define IMG_SIZE (16u << 20)
#define BLK 4096u
#define MAX_WRITES 4096u /* fits IMG_SIZE at one block each */

extern char **environ;

struct env {
	struct simhv_fixture f;
	rtdd_domid dd, fe, fe2;
	rtdd_hv *fe_hv, *fe2_hv;
	pid_t devd;
	char log[PATH_MAX];
	char img[PATH_MAX], img2[PATH_MAX];
};

static struct env E;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void bin_path(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(buf, len, "%s/../bin/%s", dirname(exe), name);
}

static int make_image(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, IMG_SIZE))
		rc = -errno;
	close(fd);
	return rc;
}

static int setup(void **state)
{
	char bin[PATH_MAX];

	(void)state;
	memset(&E, 0, sizeof(E));
	bin_path("rtdd-devd", bin, sizeof(bin));
	if (access(bin, X_OK)) {
		fprintf(stderr, "SKIP: %s not built\n", bin);
		return 0;
	}
	if (simhv_fixture_start(&E.f)) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start\n");
		memset(&E, 0, sizeof(E));
		return 0;
	}
	if (simhv_fixture_domain(&E.f, "dd", 1, &E.dd) ||
	    simhv_fixture_domain(&E.f, "guest", 1, &E.fe) ||
	    simhv_fixture_domain(&E.f, "guest2", 1, &E.fe2) ||
	    simhv_fixture_open(&E.f, E.fe2, &E.fe2_hv))
		return -1;
	snprintf(E.log, sizeof(E.log), "%s/devd.log", E.f.dir);
	snprintf(E.img, sizeof(E.img), "%s/disk.img", E.f.dir);
	snprintf(E.img2, sizeof(E.img2), "%s/disk2.img", E.f.dir);
	if (make_image(E.img) || make_image(E.img2))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!E.f.dom0)
		return 0;
	if (getenv("RTDD_TEST_VERBOSE")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "cat %s >&2", E.log);
		if (system(cmd)) {
			/* best effort */
		}
	}
	rtdd_hv_close(E.fe_hv);
	rtdd_hv_close(E.fe2_hv);
	simhv_fixture_stop(&E.f);
	memset(&E, 0, sizeof(E));
	return 0;
}

#define NEED_ENV()                                                 \
	do {                                                       \
		if (!E.f.dom0) {                                   \
			print_message("SKIP: no simhv or devd\n"); \
			skip();                                    \
		}                                                  \
	} while (0)

/* rtdd-devd in domain dd, fast restarts, its output into E.log. */
static void spawn_devd(rtdd_domid dd)
{
	char bin[PATH_MAX], *envp[256];
	const char *argv[] = {bin,	"--vbd-arg",
			      "--mode", "--vbd-arg",
			      "event",	"--backoff-min-ms",
			      "20",	"--backoff-max-ms",
			      "200",	NULL};
	unsigned ne = 0;
	int fd, fds[3];

	bin_path("rtdd-devd", bin, sizeof(bin));
	for (char **e = environ; *e && ne < 250; e++)
		if (strncmp(*e, "RTDD_LOG_LEVEL=", 15))
			envp[ne++] = *e;
	envp[ne++] = "RTDD_LOG_LEVEL=info";
	envp[ne] = NULL;
	fd = open(E.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	fds[0] = fd;
	fds[1] = fd;
	fds[2] = fd;
	assert_int_equal(rtdd_simhv_domain_spawn(E.f.dom0, dd,
						 (char *const *)argv, envp, fds,
						 &E.devd),
			 0);
	close(fd);
}

static int add_vbd(rtdd_domid dd, rtdd_domid fe, unsigned devid,
		   const char *img)
{
	const char *kv[] = {"params", img, "mode", "w", "type", "file", NULL};
	const char *fkv[] = {"device-type", "disk", NULL};

	return rtdd_xb_toolstack_add(E.f.dom0, "vbd", dd, fe, devid, kv, fkv);
}

static int be_state(rtdd_domid dd, rtdd_domid fe, unsigned devid)
{
	char p[256];
	int v, rc;

	snprintf(p, sizeof(p), "/local/domain/%u/backend/vbd/%u/%u/state", dd,
		 fe, devid);
	rc = rtdd_xs_read_int(E.f.dom0, RTDD_XS_TXN_NONE, p, &v);
	return rc ? rc : v;
}

/* Wait until the backend of (fe, devid) in dd is in state st. */
static int wait_be_state(rtdd_domid dd, rtdd_domid fe, unsigned devid, int st,
			 unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (be_state(dd, fe, devid) == st)
			return 0;
		sleep_ms(10);
	}
	fprintf(stderr, "vbd %u/%u state %d, want %d\n", fe, devid,
		be_state(dd, fe, devid), st);
	return -ETIMEDOUT;
}

static long devd_num(rtdd_domid dd, const char *key)
{
	char p[256], *v = NULL;
	size_t len;
	long n = -1;

	snprintf(p, sizeof(p), "/local/domain/%u/data/rtdd-devd/vbd/%s", dd,
		 key);
	if (!rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, &v, &len))
		n = strtol(v, NULL, 10);
	free(v);
	return n;
}

/* The frontend's last "failed" note (why a session gave up). */
static char fe_failure[256];

static void fe_log(void *arg, const char *line)
{
	(void)arg;
	if (strstr(line, "failed"))
		snprintf(fe_failure, sizeof(fe_failure), "%s", line);
	if (getenv("RTDD_TEST_VERBOSE"))
		fprintf(stderr, "blkfront: %s\n", line);
}

static int open_fe(rtdd_hv *hv, unsigned devid, rtdd_blkfront **bf)
{
	struct rtdd_blkfront_opts o;
	char path[64];

	rtdd_blkfront_opts_default(&o);
	o.timeout_ms = 3000;
	o.mode = RTDD_BLKFRONT_HYBRID;
	o.log = fe_log;
	snprintf(path, sizeof(path), "device/vbd/%u", devid);
	return rtdd_blkfront_open(hv, path, &o, bf);
}

/* The pattern of write seq (block seq): seq and offset in every word. */
static void fill(uint8_t *buf, uint32_t seq)
{
	for (unsigned i = 0; i < BLK; i += 8) {
		uint32_t w[2] = {seq, i ^ 0x5a5a5a5au};

		memcpy(buf + i, w, 8);
	}
}

/*
 * A write load: writes 0..n-1, write i to block i with pattern i, depth
 * requests in flight. acked[i] once its completion said 0.
 */
#define MAX_DEPTH 16
struct load {
	rtdd_blkfront *bf;
	unsigned n, depth, next, nacked, nfailed;
	uint8_t bufs[MAX_DEPTH][BLK];
	uint32_t seq[MAX_DEPTH];
	bool busy[MAX_DEPTH];
	bool acked[MAX_WRITES];
};

/* Submit what fits, wait up to wait_ms, reap. 0, or -EIO once the
 * frontend failed (the load stops there). */
static int load_step(struct load *l, int wait_ms)
{
	struct rtdd_blk_cpl c[MAX_DEPTH];
	int n;

	for (unsigned k = 0; k < l->depth && l->next < l->n; k++) {
		struct rtdd_blk_req r = {0};

		if (l->busy[k])
			continue;
		fill(l->bufs[k], l->next);
		r.op = RTDD_BLK_WRITE;
		r.sector = (uint64_t)l->next * (BLK / 512);
		r.buf = l->bufs[k];
		r.len = BLK;
		r.cookie = k;
		n = rtdd_blkfront_submit(l->bf, 0, &r, 1);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		l->busy[k] = true;
		l->seq[k] = l->next++;
	}
	n = rtdd_blkfront_wait(l->bf, 0, wait_ms);
	if (n < 0 && n != -ETIMEDOUT)
		return n;
	n = rtdd_blkfront_poll(l->bf, 0, c, MAX_DEPTH);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		unsigned k = (unsigned)c[i].cookie;

		assert_true(k < l->depth && l->busy[k]);
		l->busy[k] = false;
		if (c[i].status == 0) {
			l->acked[l->seq[k]] = true;
			l->nacked++;
		} else {
			l->nfailed++;
		}
	}
	return 0;
}

static unsigned load_busy(const struct load *l)
{
	unsigned b = 0;

	for (unsigned k = 0; k < l->depth; k++)
		b += l->busy[k];
	return b;
}

/* Every acknowledged write of l, on the image file and (bf not NULL)
 * through bf. Returns how many were verified. */
static unsigned verify(const struct load *l, const char *img, rtdd_blkfront *bf)
{
	static uint8_t want[BLK], got[BLK];
	unsigned checked = 0;
	int fd = open(img, O_RDONLY);

	assert_true(fd >= 0);
	for (unsigned i = 0; i < l->n; i++) {
		if (!l->acked[i])
			continue;
		fill(want, i);
		assert_int_equal(pread(fd, got, BLK, (off_t)i * BLK), BLK);
		if (memcmp(want, got, BLK))
			fail_msg("acknowledged write %u lost on the image", i);
		if (bf) {
			assert_int_equal(rtdd_blkfront_read(
						 bf, (uint64_t)i * (BLK / 512),
						 got, BLK),
					 0);
			if (memcmp(want, got, BLK))
				fail_msg("write %u differs through blkfront",
					 i);
		}
		checked++;
	}
	close(fd);
	return checked;
}

/* ---- 1: kill -9 of the backend, several times in a row ---- */

static void test_backend_kills(void **s)
{
	enum { N = 2400, KILLS = 5, EVERY = 300 };
	static struct load l;
	struct rtdd_blkfront_info in;
	unsigned kills = 0, inflight_at_kill = 0, verified;
	long last_pid, pid;
	uint64_t t0, down_ms = 0, kill_t = 0;

	(void)s;
	NEED_ENV();
	spawn_devd(E.dd);
	assert_int_equal(add_vbd(E.dd, E.fe, VDEV, E.img), 0);
	assert_int_equal(
		wait_be_state(E.dd, E.fe, VDEV, 2 /* InitWait */, 5000), 0);
	assert_int_equal(simhv_fixture_open(&E.f, E.fe, &E.fe_hv), 0);
	memset(&l, 0, sizeof(l));
	l.n = N;
	l.depth = 8;
	assert_int_equal(open_fe(E.fe_hv, VDEV, &l.bf), 0);
	last_pid = devd_num(E.dd, "pid");
	assert_true(last_pid > 0);
	t0 = now_ms();

	while (l.nacked + l.nfailed < N) {
		assert_int_equal(load_step(&l, 10000), 0);
		if (kill_t) {
			/* stalled until the frontend is on the new backend */
			rtdd_blkfront_info(l.bf, &in);
			if (in.reconnects >= kills) {
				down_ms += now_ms() - kill_t;
				kill_t = 0;
			}
		}
		if (kills < KILLS && l.nacked >= EVERY * (kills + 1) &&
		    load_busy(&l) > 0) {
			/* only a backend devd has (re)started, once */
			pid = devd_num(E.dd, "pid");
			if (pid <= 0 || (kills && pid == last_pid))
				continue;
			inflight_at_kill += rtdd_blkfront_inflight(l.bf, 0);
			assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
			last_pid = pid;
			kill_t = now_ms();
			kills++;
		}
		assert_true(now_ms() - t0 < 60000);
	}
	rtdd_blkfront_info(l.bf, &in);
	assert_int_equal(kills, KILLS);
	assert_int_equal(l.nfailed, 0);
	assert_int_equal(l.nacked, N);
	assert_true(in.reconnects >= KILLS);
	assert_true(devd_num(E.dd, "restarts") >= KILLS);
	verified = verify(&l, E.img, l.bf);
	assert_int_equal(verified, N);
	rtdd_blkfront_close(l.bf);
	printf("faults: backend_kills: %u SIGKILLs of rtdd-blkback, %u "
	       "requests in flight at the kills, %llu reconnects, %u writes "
	       "acknowledged, %u verified (image + frontend), 0 lost; "
	       "%.1f ms mean from kill to reconnected, %llu ms total\n",
	       kills, inflight_at_kill, (unsigned long long)in.reconnects,
	       l.nacked, verified, (double)down_ms / kills,
	       (unsigned long long)(now_ms() - t0));
}

/* ---- 2: the whole driver domain destroyed and recreated ---- */

static void test_driverdom_destroy(void **s)
{
	enum { N = 1600, KILL_AT = 400 };
	static struct load l;
	struct rtdd_dom_info info;
	struct rtdd_simhv_dom_cfg cfg = {.name = "dd"};
	rtdd_blkfront *bf2 = NULL;
	rtdd_domid dd2;
	unsigned inflight, verified, lost_inflight;
	uint64_t t_kill, t_up, t_end;
	int rc = 0;
	bool survived;

	(void)s;
	NEED_ENV();
	spawn_devd(E.dd);
	assert_int_equal(add_vbd(E.dd, E.fe, VDEV, E.img), 0);
	assert_int_equal(wait_be_state(E.dd, E.fe, VDEV, 2, 5000), 0);
	assert_int_equal(simhv_fixture_open(&E.f, E.fe, &E.fe_hv), 0);
	memset(&l, 0, sizeof(l));
	l.n = N;
	l.depth = 8;
	assert_int_equal(open_fe(E.fe_hv, VDEV, &l.bf), 0);
	while (l.nacked < KILL_AT || load_busy(&l) == 0)
		assert_int_equal(load_step(&l, 10000), 0);

	/* kill -9 of the whole driver domain, requests in flight */
	inflight = rtdd_blkfront_inflight(l.bf, 0);
	assert_true(inflight > 0);
	fe_failure[0] = 0;
	t_kill = now_ms();
	assert_int_equal(rtdd_simhv_domain_destroy(E.f.dom0, E.dd), 0);
	assert_int_equal(simhv_fixture_wait_gone(&E.f, E.dd, 5000), 0);
	assert_int_equal(rtdd_dom_info(E.f.dom0, E.dd, &info), -ESRCH);

	/* on_crash="restart": same name, new domid (simhv, like Xen, does
	 * not reuse one at once); the toolstack replaces the device entry
	 * (remove + add: re-adding over the stale frontend nodes would leave
	 * them unreadable to the new driver domain, see docs/faults.md). */
	assert_int_equal(rtdd_simhv_domain_create(E.f.dom0, &cfg, &dd2), 0);
	assert_int_not_equal(dd2, E.dd);
	spawn_devd(dd2);
	assert_int_equal(
		rtdd_xb_toolstack_remove(E.f.dom0, "vbd", E.dd, E.fe, VDEV), 0);
	assert_int_equal(add_vbd(dd2, E.fe, VDEV, E.img), 0);
	t_up = now_ms();

	/* the old session: reconnects, or fails cleanly within a bound */
	t_end = now_ms() + 15000;
	while (l.nacked + l.nfailed < N && now_ms() < t_end) {
		rc = load_step(&l, 200);
		if (rc)
			break;
	}
	survived = rc == 0 && l.nacked + l.nfailed == N;
	if (!survived)
		printf("# old session: %s\n", fe_failure);
	if (!survived) {
		/* not a hang: it said -EIO, and keeps saying it */
		assert_int_equal(rc, -EIO);
		assert_int_equal(rtdd_blkfront_read(l.bf, 0, l.bufs[0], BLK),
				 -EIO);
	}
	lost_inflight = load_busy(&l);
	rtdd_blkfront_close(l.bf);
	l.bf = NULL;

	/* a new session to the recreated driver domain */
	fprintf(stderr,
		"# old session: rc %d, %u acked, %u failed, %u busy; "
		"new backend state %d\n",
		rc, l.nacked, l.nfailed, load_busy(&l),
		be_state(dd2, E.fe, VDEV));
	assert_int_equal(open_fe(E.fe_hv, VDEV, &bf2), 0);
	verified = verify(&l, E.img, bf2);
	assert_true(verified >= KILL_AT);
	if (survived) {
		assert_int_equal(l.nfailed, 0);
		assert_int_equal(verified, N);
	}
	/* and it takes writes */
	fill(l.bufs[1], 0xfeed);
	assert_int_equal(rtdd_blkfront_write(bf2,
					     (uint64_t)(N + 1) * (BLK / 512),
					     l.bufs[1], BLK),
			 0);
	assert_int_equal(rtdd_blkfront_read(bf2,
					    (uint64_t)(N + 1) * (BLK / 512),
					    l.bufs[0], BLK),
			 0);
	assert_memory_equal(l.bufs[0], l.bufs[1], BLK);
	rtdd_blkfront_close(bf2);
	printf("faults: driverdom_destroy: 1 driver domain destroyed with %u "
	       "requests in flight, recreated as domain %u; old session %s "
	       "after %llu ms (%u writes acknowledged, %u submitted and never "
	       "acknowledged); new session connected, %u acknowledged writes "
	       "verified (image + frontend), 0 lost\n",
	       inflight, dd2, survived ? "reconnected" : "failed with -EIO",
	       (unsigned long long)(now_ms() - t_up), l.nacked, lost_inflight,
	       verified);
	(void)t_kill;
}

/* ---- 4: a guest killed mid-I/O ---- */

/* The guest process: writes to vbd devid of domain fe with 16 in flight,
 * forever; once 200 are acknowledged, the number in flight (one byte) on
 * ready_fd. */
static void guest_main(rtdd_domid fe, int go_fd, int ready_fd)
{
	static struct load l;
	char spec[32], c, *err = NULL;
	rtdd_hv *hv = NULL;
	bool told = false;

	if (read(go_fd, &c, 1) != 1)
		_exit(2);
	snprintf(spec, sizeof(spec), "sim:%u", fe);
	if (rtdd_hv_open(spec, &hv, &err))
		_exit(3);
	if (open_fe(hv, VDEV, &l.bf))
		_exit(4);
	for (;;) {
		l.n = MAX_WRITES;
		l.depth = MAX_DEPTH;
		if (l.next >= l.n && !load_busy(&l)) {
			l.next = 0; /* start over, keep the ring busy */
		}
		if (load_step(&l, 1000))
			_exit(5);
		if (!told && l.nacked >= 200 && load_busy(&l) > 0) {
			char busy = (char)load_busy(&l);

			if (write(ready_fd, &busy, 1) != 1)
				_exit(6);
			told = true;
		}
	}
}

static struct rtdd_simhv_stats stats(void)
{
	struct rtdd_simhv_stats st;

	assert_int_equal(rtdd_simhv_stats(E.f.dom0, &st), 0);
	return st;
}

static bool same_resources(const struct rtdd_simhv_stats *a,
			   const struct rtdd_simhv_stats *b)
{
	return a->grant_maps == b->grant_maps &&
	       a->grant_pins == b->grant_pins && a->ports == b->ports;
}

/* The dead guest's grants and ports are released: ports exactly back to
 * base; maps and pins back to base plus at most what guest2 (writing all
 * along) may have added since: its depth in pages. */
static bool released(const struct rtdd_simhv_stats *now,
		     const struct rtdd_simhv_stats *base,
		     const struct rtdd_simhv_stats *busy)
{
	return now->ports == base->ports &&
	       now->grant_maps <= base->grant_maps + MAX_DEPTH &&
	       now->grant_pins <= base->grant_pins + MAX_DEPTH &&
	       now->grant_maps < busy->grant_maps;
}

static void test_guest_kill(void **s)
{
	enum { N2 = 600 };
	static struct load l2;
	struct rtdd_simhv_stats base0, base, busy, after, final;
	rtdd_blkfront *bf2;
	int go[2], ready[2], status, state_rc;
	uint64_t t_kill, t_clean = 0;
	unsigned before_kill;
	char c;
	pid_t pid;

	(void)s;
	NEED_ENV();
	spawn_devd(E.dd);
	assert_int_equal(add_vbd(E.dd, E.fe, VDEV, E.img), 0);
	assert_int_equal(add_vbd(E.dd, E.fe2, VDEV, E.img2), 0);
	assert_int_equal(wait_be_state(E.dd, E.fe, VDEV, 2, 5000), 0);
	assert_int_equal(wait_be_state(E.dd, E.fe2, VDEV, 2, 5000), 0);
	/* nothing connected yet: the baseline the end is held to */
	base0 = stats();
	/* guest2 connected and writing; guest's vbd waiting for its
	 * frontend: the baseline after the kill (ports exactly; grant maps
	 * and pins up to what guest2 maps meanwhile: a persistent backend
	 * maps a page of guest2 the first time guest2 uses it) */
	memset(&l2, 0, sizeof(l2));
	l2.n = N2;
	l2.depth = 4;
	assert_int_equal(open_fe(E.fe2_hv, VDEV, &l2.bf), 0);
	assert_int_equal(load_step(&l2, 1000), 0);
	base = stats();

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		guest_main(E.fe, go[0], ready[1]);
		_exit(1);
	}
	close(go[0]);
	close(ready[1]);
	/* the guest process is its domain: when it dies, the domain does */
	assert_int_equal(rtdd_simhv_domain_attach(E.f.dom0, E.fe, pid), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_true(c > 0);
	busy = stats();
	/* the guest's session holds mappings and ports now */
	assert_true(busy.grant_maps > base.grant_maps);
	assert_true(busy.ports > base.ports);
	before_kill = l2.nacked;
	assert_int_equal(kill(pid, SIGKILL), 0);
	t_kill = now_ms();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(go[1]);
	close(ready[0]);

	/* guest2 keeps writing while the backend cleans up */
	while (now_ms() - t_kill < 5000) {
		assert_int_equal(load_step(&l2, 5), 0);
		if (l2.next >= l2.n && !load_busy(&l2))
			break;
		after = stats();
		if (!t_clean && simhv_fixture_wait_gone(&E.f, E.fe, 0) == 0 &&
		    released(&after, &base, &busy))
			t_clean = now_ms();
	}
	assert_int_equal(simhv_fixture_wait_gone(&E.f, E.fe, 5000), 0);
	for (int t = 0; t < 500; t++) {
		after = stats();
		if (released(&after, &base, &busy))
			break;
		sleep_ms(10);
	}
	if (!t_clean)
		t_clean = now_ms();
	fprintf(stderr,
		"# stats base/busy/after: maps %u/%u/%u pins %u/%u/%u "
		"mmaps %u/%u/%u ports %u/%u/%u domains %u/%u/%u\n",
		base.grant_maps, busy.grant_maps, after.grant_maps,
		base.grant_pins, busy.grant_pins, after.grant_pins,
		base.simhv_mmaps, busy.simhv_mmaps, after.simhv_mmaps,
		base.ports, busy.ports, after.ports, base.domains, busy.domains,
		after.domains);
	assert_true(released(&after, &base, &busy));
	/* simhv's own mappings of the dead domain's memory went with it */
	assert_true(after.simhv_mmaps < base.simhv_mmaps);
	assert_int_equal(after.ports, base.ports);
	assert_int_equal(after.domains, base.domains - 1);
	state_rc = be_state(E.dd, E.fe, VDEV);

	/* the backend (same process, never restarted) serves guest2 */
	while (l2.nacked + l2.nfailed < N2)
		assert_int_equal(load_step(&l2, 5000), 0);
	assert_int_equal(l2.nfailed, 0);
	assert_true(l2.nacked > before_kill);
	assert_int_equal(devd_num(E.dd, "restarts"), 0);
	bf2 = l2.bf;
	assert_int_equal(verify(&l2, E.img2, bf2), N2);
	rtdd_blkfront_close(bf2);
	/* every session gone: exactly the grants and ports of before */
	for (int t = 0; t < 500; t++) {
		final = stats();
		if (same_resources(&final, &base0))
			break;
		sleep_ms(10);
	}
	assert_int_equal(final.grant_maps, base0.grant_maps);
	assert_int_equal(final.grant_pins, base0.grant_pins);
	assert_int_equal(final.ports, base0.ports);
	printf("faults: guest_kill: 1 guest SIGKILLed under a 16-deep write "
	       "load (%d in flight when it reported); backend released %u grant maps, %u pins, %u ports "
	       "(back to baseline %u/%u/%u) within %llu ms; guest vbd "
	       "backend state now %d; other guest: %u writes, %u after the "
	       "kill, %u verified, 0 errors\n",
	       c, busy.grant_maps - base.grant_maps,
	       busy.grant_pins - base.grant_pins, busy.ports - base.ports,
	       base.grant_maps, base.grant_pins, base.ports,
	       (unsigned long long)(t_clean - t_kill), state_rc, l2.nacked,
	       l2.nacked - before_kill, N2);
}

/* ---- 5: xenstore quota exhaustion by one domain ---- */

struct hog {
	rtdd_hv *hv;
	char home[64];
	int stop;
	unsigned tries, enospc, other;
};

static void *hog_main(void *arg)
{
	struct hog *h = arg;
	char p[128];

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		int rc;

		snprintf(p, sizeof(p), "%s/data/more%u", h->home, h->tries);
		rc = rtdd_xs_write(h->hv, RTDD_XS_TXN_NONE, p, "x", 1);
		h->tries++;
		if (rc == -ENOSPC)
			h->enospc++;
		else
			h->other++;
	}
	return NULL;
}

static void test_xs_quota(void **s)
{
	enum { ROUNDS = 4, WRITES = 64 };
	struct rtdd_simhv_dom_cfg cfg = {.name = "hog"};
	rtdd_xs_txn txns[64];
	struct hog h = {0};
	unsigned nodes = 0, watches = 0, ntxn = 0, verified = 0, ios = 0;
	int rc_node = 0, rc_watch = 0, rc_txn = 0;
	rtdd_domid hog;
	pthread_t thr;
	uint8_t w[BLK], r[BLK];
	char p[128], tok[32];

	(void)s;
	NEED_ENV();
	assert_int_equal(rtdd_simhv_domain_create(E.f.dom0, &cfg, &hog), 0);
	assert_int_equal(simhv_fixture_open(&E.f, hog, &h.hv), 0);
	snprintf(h.home, sizeof(h.home), "/local/domain/%u", hog);

	/* nodes until the quota says no (16 per directory, so that the
	 * node count, not one directory's entry size, is what runs out) */
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "%s/data/d%u/n%u", h.home, i / 16,
			 i % 16);
		rc_node = rtdd_xs_write(h.hv, RTDD_XS_TXN_NONE, p, "x", 1);
		if (rc_node)
			break;
		nodes++;
	}
	fprintf(stderr, "# hog: %u nodes, then %d\n", nodes, rc_node);
	assert_int_equal(rc_node, -ENOSPC);
	/* each of the 1000 nodes it may own is a leaf or a directory */
	nodes += (nodes + 15) / 16;
	assert_true(nodes > 950 && nodes <= 1000);
	/* watches until the limit */
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "%s/data/d0/n%u", h.home, i);
		snprintf(tok, sizeof(tok), "t%u", i);
		rc_watch = rtdd_xs_watch(h.hv, p, tok);
		if (rc_watch)
			break;
		watches++;
	}
	assert_int_equal(rc_watch, -E2BIG);
	assert_true(watches >= 128 && watches <= 129);
	/* transactions until the limit */
	for (unsigned i = 0; i < 64; i++) {
		rc_txn = rtdd_xs_txn_start(h.hv, &txns[i]);
		if (rc_txn)
			break;
		ntxn++;
	}
	assert_int_equal(rc_txn, -ENOSPC);
	assert_true(ntxn >= 10 && ntxn <= 11);
	/* and it keeps trying, from a thread, all along */
	assert_int_equal(pthread_create(&thr, NULL, hog_main, &h), 0);

	/* the other guest's vbd comes and goes, and does I/O */
	spawn_devd(E.dd);
	assert_int_equal(simhv_fixture_open(&E.f, E.fe, &E.fe_hv), 0);
	for (unsigned round = 0; round < ROUNDS; round++) {
		rtdd_blkfront *bf;

		assert_int_equal(add_vbd(E.dd, E.fe, VDEV, E.img), 0);
		assert_int_equal(wait_be_state(E.dd, E.fe, VDEV, 2, 5000), 0);
		assert_int_equal(open_fe(E.fe_hv, VDEV, &bf), 0);
		for (unsigned i = 0; i < WRITES; i++) {
			uint64_t sec =
				(uint64_t)(round * WRITES + i) * (BLK / 512);

			fill(w, round * WRITES + i);
			assert_int_equal(rtdd_blkfront_write(bf, sec, w, BLK),
					 0);
			assert_int_equal(rtdd_blkfront_read(bf, sec, r, BLK),
					 0);
			assert_memory_equal(w, r, BLK);
			ios += 2;
			verified++;
		}
		rtdd_blkfront_close(bf);
		assert_int_equal(rtdd_xb_toolstack_remove(E.f.dom0, "vbd", E.dd,
							  E.fe, VDEV),
				 0);
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	/* while full, the hog got ENOSPC and nothing else */
	assert_true(h.tries > 0);
	assert_int_equal(h.enospc, h.tries);
	assert_int_equal(h.other, 0);
	/* its quota is its own: freeing a node lets it write one again */
	snprintf(p, sizeof(p), "%s/data/d0/n0", h.home);
	for (unsigned i = 0; i < ntxn; i++)
		assert_int_equal(rtdd_xs_txn_end(h.hv, txns[i], true), 0);
	assert_int_equal(rtdd_xs_rm(h.hv, RTDD_XS_TXN_NONE, p), 0);
	assert_int_equal(rtdd_xs_write(h.hv, RTDD_XS_TXN_NONE, p, "y", 1), 0);
	assert_int_equal(rtdd_xs_txn_start(h.hv, &txns[0]), 0);
	assert_int_equal(rtdd_xs_txn_end(h.hv, txns[0], true), 0);
	rtdd_hv_close(h.hv);
	printf("faults: xs_quota: one domain hit its quotas at %u nodes "
	       "(ENOSPC), %u watches (E2BIG), %u transactions (ENOSPC), then "
	       "%u more writes all ENOSPC; meanwhile another guest's vbd "
	       "was added/connected/removed %u times with %u I/Os, %u writes "
	       "verified, 0 errors\n",
	       nodes, watches, ntxn, h.tries, ROUNDS, ios, verified);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backend_kills, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_driverdom_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_guest_kill, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xs_quota, setup, teardown),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

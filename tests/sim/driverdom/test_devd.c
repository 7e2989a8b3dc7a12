// SPDX-License-Identifier: MIT
/*
 * tests/sim/driverdom/test_devd.c - rtdd-devd on rtdd-simhv.
 *
 *   restart: rtdd-devd runs rtdd-blkback in a driver domain; this process
 *     is the guest and writes through librtdd-blkfront (8 in flight), each
 *     write to its own place with its own pattern. Mid-load the blkback is
 *     killed with SIGKILL; devd restarts it, blkfront reconnects and
 *     re-issues what was in flight. Afterwards every acknowledged write is
 *     read back from the image and through the frontend.
 *   hostile: garbage params, a bad frontend-id, an unsupported kind and a
 *     vif without a netback each get hotplug-status error with a clear
 *     hotplug-error; devd keeps serving the good vbd beside them; values
 *     rewritten later (frontend, frontend-id, mode, params) are caught and
 *     their fix clears the error; a privileged devd refuses a frontend
 *     domain that does not exist.
 *   churn: bursts of entries added and removed: all answered, the backend
 *     stopped when the last goes and started for the next, no crash
 *     counted.
 *   backoff: a backend that always dies is restarted with delays 20, 40,
 *     80, 160, 160... ms (bounded by --backoff-max-ms), and no more once
 *     its device is gone; one that ran --stable-ms before dying gets the
 *     shortest delay again.
 *   serves: with --serves (the plan's <dd>.rtdd.json) only the plan's
 *     devices are served, with the plan's class; a malformed file stops
 *     devd with the file and line.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
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
#define IMG_SIZE (32u << 20)

extern char **environ;

struct env {
	struct simhv_fixture f;
	rtdd_domid dd, fe;
	rtdd_hv *fe_hv;
	pid_t devd;
	char log[PATH_MAX];
	char img[PATH_MAX];
};

static struct env E;

static void bin_path(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(buf, len, "%s/../bin/%s", dirname(exe), name);
}

static int setup(void **state)
{
	(void)state;
	memset(&E, 0, sizeof(E));
	if (simhv_fixture_start(&E.f)) {
		fprintf(stderr, "SKIP: rtdd-simhv did not start\n");
		return -1;
	}
	if (simhv_fixture_domain(&E.f, "dd", 1, &E.dd) ||
	    simhv_fixture_domain(&E.f, "guest", 1, &E.fe) ||
	    simhv_fixture_open(&E.f, E.fe, &E.fe_hv))
		return -1;
	snprintf(E.log, sizeof(E.log), "%s/devd.log", E.f.dir);
	snprintf(E.img, sizeof(E.img), "%s/disk.img", E.f.dir);
	{
		int fd = open(E.img, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, IMG_SIZE))
			return -1;
		close(fd);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("RTDD_TEST_VERBOSE")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "cat %s >&2", E.log);
		if (system(cmd)) {
			/* best effort */
		}
	}
	rtdd_hv_close(E.fe_hv);
	simhv_fixture_stop(&E.f);
	return 0;
}

/* Spawn rtdd-devd in the driver domain with extra args (NULL-terminated),
 * at log level info, its output into E.log. */
static void spawn_devd(const char *const *extra)
{
	char bin[PATH_MAX], *envp[256];
	const char *argv[24];
	unsigned n = 0, ne = 0;
	int fd, fds[3];

	bin_path("rtdd-devd", bin, sizeof(bin));
	argv[n++] = bin;
	for (; extra && *extra && n < 22; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
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
	assert_int_equal(rtdd_simhv_domain_spawn(E.f.dom0, E.dd,
						 (char *const *)argv, envp, fds,
						 &E.devd),
			 0);
	close(fd);
}

static int add_vbd(unsigned devid, const char *params)
{
	const char *kv[] = {"params", params, "mode", "w",
			    "type",   "file", NULL};
	const char *fkv[] = {"device-type", "disk", NULL};

	return rtdd_xb_toolstack_add(E.f.dom0, "vbd", E.dd, E.fe, devid, kv,
				     fkv);
}

static int be_read(const char *kind, unsigned devid, const char *key,
		   char **out)
{
	char p[256];
	size_t len;

	snprintf(p, sizeof(p), "/local/domain/%u/backend/%s/%u/%u/%s", E.dd,
		 kind, E.fe, devid, key);
	return rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, out, &len);
}

static int devd_read(const char *key, char **out)
{
	char p[256];
	size_t len;

	snprintf(p, sizeof(p), "/local/domain/%u/data/rtdd-devd/vbd/%s", E.dd,
		 key);
	return rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, out, &len);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Wait until key of the device holds want (or contains it when sub). */
static int wait_key(const char *kind, unsigned devid, const char *key,
		    const char *want, bool sub, int timeout_ms)
{
	for (int t = 0; t < timeout_ms; t += 20) {
		char *v = NULL;

		if (!be_read(kind, devid, key, &v)) {
			bool ok = sub ? strstr(v, want) != NULL
				      : !strcmp(v, want);

			free(v);
			if (ok)
				return 0;
		}
		sleep_ms(20);
	}
	{
		char *v = NULL;

		be_read(kind, devid, key, &v);
		fprintf(stderr, "%s/%u %s is '%s', want '%s'\n", kind, devid,
			key, v ? v : "(none)", want);
		free(v);
	}
	return -ETIMEDOUT;
}

static long devd_num(const char *key)
{
	char *v = NULL;
	long n = -1;

	if (!devd_read(key, &v))
		n = strtol(v, NULL, 10);
	free(v);
	return n;
}

static rtdd_blkfront *open_fe(unsigned devid)
{
	struct rtdd_blkfront_opts o;
	rtdd_blkfront *bf = NULL;
	char path[64];

	rtdd_blkfront_opts_default(&o);
	o.timeout_ms = 10000;
	o.mode = RTDD_BLKFRONT_HYBRID;
	snprintf(path, sizeof(path), "device/vbd/%u", devid);
	assert_int_equal(rtdd_blkfront_open(E.fe_hv, path, &o, &bf), 0);
	return bf;
}

static void fill(uint8_t *buf, uint32_t seq)
{
	for (unsigned i = 0; i < 4096; i += 8) {
		uint32_t w[2] = {seq, i ^ 0x5a5a5a5au};

		memcpy(buf + i, w, 8);
	}
}

static void test_restart_no_lost_write(void **s)
{
	enum { N = 1200, DEPTH = 8, KILL_AT = 300 };
	static uint8_t bufs[DEPTH][4096], want[4096], got[4096];
	static bool acked[N];
	uint32_t slot_seq[DEPTH];
	bool busy[DEPTH] = {0};
	struct rtdd_blkfront_info in;
	unsigned next = 0, nacked = 0;
	rtdd_blkfront *bf;
	long pid1, pid2 = -1;
	int fd;

	(void)s;
	spawn_devd((const char *const[]){"--vbd-arg", "--mode", "--vbd-arg",
					 "event", NULL});
	assert_int_equal(add_vbd(VDEV, E.img), 0);
	assert_int_equal(wait_key("vbd", VDEV, "hotplug-status", "connected",
				  false, 5000),
			 0);
	bf = open_fe(VDEV);
	pid1 = devd_num("pid");
	assert_true(pid1 > 0);

	while (nacked < N) {
		struct rtdd_blk_cpl c[DEPTH];
		int n;

		for (unsigned k = 0; k < DEPTH && next < N; k++) {
			struct rtdd_blk_req r = {0};

			if (busy[k])
				continue;
			fill(bufs[k], next);
			r.op = RTDD_BLK_WRITE;
			r.sector = (uint64_t)next * 8;
			r.buf = bufs[k];
			r.len = 4096;
			r.cookie = k;
			n = rtdd_blkfront_submit(bf, 0, &r, 1);
			assert_true(n >= 0);
			if (n == 0)
				break;
			busy[k] = true;
			slot_seq[k] = next++;
		}
		if (nacked >= KILL_AT && pid2 < 0) {
			/* requests are in flight right now */
			assert_true(rtdd_blkfront_inflight(bf, 0) > 0);
			assert_int_equal(kill((pid_t)pid1, SIGKILL), 0);
			pid2 = 0;
		}
		n = rtdd_blkfront_wait(bf, 0, 10000);
		assert_true(n == 0 || n == -ETIMEDOUT);
		n = rtdd_blkfront_poll(bf, 0, c, DEPTH);
		assert_true(n >= 0);
		for (int i = 0; i < n; i++) {
			unsigned k = (unsigned)c[i].cookie;

			assert_int_equal(c[i].status, 0);
			assert_true(busy[k]);
			busy[k] = false;
			acked[slot_seq[k]] = true;
			nacked++;
		}
	}
	rtdd_blkfront_info(bf, &in);
	fprintf(stderr, "# %u writes acknowledged, %llu reconnect(s)\n", nacked,
		(unsigned long long)in.reconnects);
	assert_true(in.reconnects >= 1);
	assert_true(devd_num("restarts") >= 1);
	pid2 = devd_num("pid");
	assert_true(pid2 > 0 && pid2 != pid1);

	/* every acknowledged write, on the image and through the frontend */
	fd = open(E.img, O_RDONLY);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < N; i++) {
		assert_true(acked[i]);
		fill(want, i);
		assert_int_equal(pread(fd, got, 4096, (off_t)i * 4096), 4096);
		if (memcmp(want, got, 4096))
			fail_msg("acknowledged write %u lost on the image", i);
		if (i % 37 == 0) {
			assert_int_equal(rtdd_blkfront_read(bf, (uint64_t)i * 8,
							    got, 4096),
					 0);
			if (memcmp(want, got, 4096))
				fail_msg("write %u differs through blkfront",
					 i);
		}
	}
	close(fd);
	rtdd_blkfront_close(bf);
}

/* Write a node under the driver domain's backend/ and give the driver
 * domain the entry's directory (path minus the last element), as libxl
 * does for the entries it creates. */
static void put_dd(const char *rel, const char *val)
{
	struct rtdd_xs_perm perm = {.domid = E.dd, .perms = RTDD_XS_PERM_NONE};
	char p[256];

	snprintf(p, sizeof(p), "/local/domain/%u/backend/%s", E.dd, rel);
	assert_int_equal(
		rtdd_xs_write(E.f.dom0, RTDD_XS_TXN_NONE, p, val, strlen(val)),
		0);
	*strrchr(p, '/') = 0;
	assert_int_equal(
		rtdd_xs_set_perms(E.f.dom0, RTDD_XS_TXN_NONE, p, &perm, 1), 0);
}

static void test_hostile_entries(void **s)
{
	char *v = NULL, rel[128], fe[64];
	struct rtdd_dom_info info;
	rtdd_blkfront *bf;
	uint8_t buf[4096];

	(void)s;
	spawn_devd((const char *const[]){"--netback", "/nonexistent/netback",
					 NULL});
	/* garbage params, with bytes that must not reach a log raw */
	assert_int_equal(add_vbd(51728, "/no/such/\001image\033[2J"), 0);
	/* a bad frontend-id beside a correct entry path */
	assert_int_equal(add_vbd(51744, E.img), 0);
	snprintf(rel, sizeof(rel), "vbd/%u/51744/frontend-id", E.fe);
	put_dd(rel, "7x");
	/* a frontend directory that is not a domain id */
	put_dd("vbd/evil/1/frontend-id", "1");
	/* a kind no rtdd backend serves, and a vif without a netback */
	snprintf(rel, sizeof(rel), "qdisk/%u/0/frontend-id", E.fe);
	snprintf(fe, sizeof(fe), "%u", E.fe);
	put_dd(rel, fe);
	{
		const char *kv[] = {"mac", "00:16:3e:00:00:01", NULL};

		assert_int_equal(rtdd_xb_toolstack_add(E.f.dom0, "vif", E.dd,
						       E.fe, 0, kv, kv),
				 0);
	}
	/* the good one, added last */
	assert_int_equal(add_vbd(VDEV, E.img), 0);

	assert_int_equal(
		wait_key("vbd", 51728, "hotplug-status", "error", false, 5000),
		0);
	assert_int_equal(wait_key("vbd", 51728, "hotplug-error",
				  "No such file or directory", true, 5000),
			 0);
	assert_int_equal(be_read("vbd", 51728, "hotplug-error", &v), 0);
	for (char *c = v; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
	free(v);
	assert_int_equal(wait_key("vbd", 51744, "hotplug-error",
				  "frontend-id '7x' is not a domain id", false,
				  5000),
			 0);
	{
		char p[256];

		snprintf(p, sizeof(p),
			 "/local/domain/%u/backend/vbd/evil/1/"
			 "hotplug-error",
			 E.dd);
		for (int t = 0; t < 250; t++) {
			size_t len;

			if (!rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, &v,
					  &len))
				break;
			sleep_ms(20);
		}
		assert_non_null(v);
		assert_non_null(strstr(v, "'evil' is not a domain id"));
		free(v);
	}
	assert_int_equal(wait_key("qdisk", 0, "hotplug-error",
				  "no rtdd backend for device kind qdisk",
				  false, 5000),
			 0);
	assert_int_equal(wait_key("vif", 0, "hotplug-error",
				  "vif devices unsupported here", true, 5000),
			 0);
	assert_int_equal(wait_key("vbd", VDEV, "hotplug-status", "connected",
				  false, 5000),
			 0);

	/* the good vbd works, devd and its domain are alive */
	bf = open_fe(VDEV);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(rtdd_blkfront_write(bf, 8, buf, sizeof(buf)), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rtdd_blkfront_read(bf, 8, buf, sizeof(buf)), 0);
	assert_int_equal(buf[100], 0xa5);
	rtdd_blkfront_close(bf);
	assert_int_equal(rtdd_dom_info(E.f.dom0, E.dd, &info), 0);
	assert_int_equal(info.state, RTDD_DOM_RUNNING);
	assert_int_equal(kill(E.devd, 0), 0);

	/* values rewritten after the entry was accepted are checked again */
	snprintf(rel, sizeof(rel), "vbd/%u/51744/frontend-id", E.fe);
	put_dd(rel, fe);
	assert_int_equal(wait_key("vbd", 51744, "hotplug-status", "connected",
				  false, 5000),
			 0);
	{
		static const struct {
			const char *key, *val, *want;
		} bad[] = {
			{"frontend", "/local/domain/0/device/vbd/51744",
			 "is not /local/domain/"},
			{"frontend-id", "99", "does not match the entry's"},
			{"mode", "x\033", "mode 'x?' is not r or w"},
			{"params", "relative.img", "not an absolute path"},
			{"params", "/dev/null",
			 "is not a file or block device"},
		};

		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *orig = NULL;

			assert_int_equal(
				be_read("vbd", 51744, bad[i].key, &orig), 0);
			snprintf(rel, sizeof(rel), "vbd/%u/51744/%s", E.fe,
				 bad[i].key);
			put_dd(rel, bad[i].val);
			assert_int_equal(wait_key("vbd", 51744, "hotplug-error",
						  bad[i].want, true, 5000),
					 0);
			assert_int_equal(wait_key("vbd", 51744,
						  "hotplug-status", "error",
						  false, 5000),
					 0);
			put_dd(rel, orig);
			free(orig);
			assert_int_equal(wait_key("vbd", 51744,
						  "hotplug-status", "connected",
						  false, 5000),
					 0);
			v = NULL;
			assert_int_equal(
				be_read("vbd", 51744, "hotplug-error", &v),
				-ENOENT);
		}
	}
	/* and devd is still there */
	assert_int_equal(kill(E.devd, 0), 0);
	snprintf(rel, sizeof(rel), "vbd/%u/51744/frontend-id", E.fe);
	put_dd(rel, fe);
	assert_int_equal(wait_key("vbd", 51744, "hotplug-status", "connected",
				  false, 5000),
			 0);
}

/* A devd allowed to ask the hypervisor (here in domain 0, which may serve
 * as a driver domain too) refuses an entry whose frontend domain does not
 * exist. */
static void test_frontend_domain_gone(void **s)
{
	char bin[PATH_MAX], p[256], *v = NULL;
	const char *kv[] = {"params", E.img, "mode", "w", NULL};
	pid_t pid;
	int fd;

	(void)s;
	bin_path("rtdd-devd", bin, sizeof(bin));
	fd = open(E.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("RTDD_LOG_LEVEL", "info", 1);
		execl(bin, bin, "--hv", "sim:0", (char *)NULL);
		_exit(127);
	}
	close(fd);
	assert_int_equal(
		rtdd_xb_toolstack_add(E.f.dom0, "vbd", 0, 777, VDEV, kv, NULL),
		0);
	snprintf(p, sizeof(p),
		 "/local/domain/0/backend/vbd/777/%u/hotplug-error", VDEV);
	for (int t = 0; t < 250; t++) {
		size_t len;

		if (!rtdd_xs_read(E.f.dom0, RTDD_XS_TXN_NONE, p, &v, &len))
			break;
		v = NULL;
		sleep_ms(20);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_non_null(v);
	assert_string_equal(v, "frontend domain 777 does not exist");
	free(v);
}

static bool devd_state_is(const char *want)
{
	char *st = NULL;
	bool ok = !devd_read("state", &st) && !strcmp(st, want);

	free(st);
	return ok;
}

/* Entries that come and go in bursts: every one is answered, the backend
 * stops when the last goes and starts again for the next, never counted
 * as a crash. */
static void test_churn(void **s)
{
	enum { N = 12, ROUNDS = 3 };

	(void)s;
	spawn_devd((const char *const[]){"--vbd-arg", "--mode", "--vbd-arg",
					 "event", NULL});
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < N; i++)
			assert_int_equal(add_vbd(1000 + i, E.img), 0);
		for (unsigned i = 0; i < N; i++)
			assert_int_equal(wait_key("vbd", 1000 + i,
						  "hotplug-status", "connected",
						  false, 5000),
					 0);
		assert_true(devd_state_is("running"));
		for (unsigned i = 0; i < N; i++)
			assert_int_equal(
				rtdd_xb_toolstack_remove(E.f.dom0, "vbd", E.dd,
							 E.fe, 1000 + i),
				0);
		for (int t = 0; t < 250 && !devd_state_is("stopped"); t++)
			sleep_ms(20);
		assert_true(devd_state_is("stopped"));
	}
	assert_int_equal(devd_num("restarts"), 0);
	assert_int_equal(kill(E.devd, 0), 0);
	{
		char p[128], **names = NULL;
		unsigned n = 0;

		snprintf(p, sizeof(p), "/local/domain/%u/backend/vbd/%u", E.dd,
			 E.fe);
		/* no ghost of a removed entry */
		if (!rtdd_xs_directory(E.f.dom0, RTDD_XS_TXN_NONE, p, &names,
				       &n))
			for (unsigned i = 0; i < n; i++)
				fprintf(stderr, "left: %s/%s\n", p, names[i]);
		free(names);
		assert_int_equal(n, 0);
	}
}

/* Restart delays devd logged, in order. */
static unsigned logged_delays(unsigned *out, unsigned max)
{
	FILE *f = fopen(E.log, "r");
	char line[512];
	unsigned n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "vbd backend running -> backoff");
		unsigned r, ms;

		if (p && (p = strstr(p, "; restart ")) &&
		    sscanf(p, "; restart %u in %u ms", &r, &ms) == 2)
			out[n++] = ms;
	}
	fclose(f);
	return n;
}

static void test_backoff_bounded(void **s)
{
	unsigned delays[64], n = 0;
	long r1, r2;

	(void)s;
	spawn_devd((const char *const[]){"--blkback", "/bin/false",
					 "--backoff-min-ms", "20",
					 "--backoff-max-ms", "160", NULL});
	assert_int_equal(add_vbd(VDEV, E.img), 0);
	for (int t = 0; t < 500 && n < 7; t++) {
		sleep_ms(20);
		n = logged_delays(delays, 64);
	}
	assert_true(n >= 7);
	{
		const unsigned want[] = {20, 40, 80, 160, 160, 160, 160};

		for (unsigned i = 0; i < 7; i++)
			assert_int_equal(delays[i], want[i]);
	}
	assert_true(devd_num("backoff-ms") <= 160);
	/* the device goes: no more restarts */
	assert_int_equal(
		rtdd_xb_toolstack_remove(E.f.dom0, "vbd", E.dd, E.fe, VDEV), 0);
	for (int t = 0; t < 250; t++) {
		char *st = NULL;
		bool stopped =
			!devd_read("state", &st) && !strcmp(st, "stopped");

		free(st);
		if (stopped)
			break;
		sleep_ms(20);
	}
	r1 = devd_num("restarts");
	sleep_ms(500);
	r2 = devd_num("restarts");
	assert_int_equal(r1, r2);
	{
		char *st = NULL;

		assert_int_equal(devd_read("state", &st), 0);
		assert_string_equal(st, "stopped");
		free(st);
	}
}

static int add_vbd_dev(unsigned devid, const char *params, const char *dev)
{
	const char *kv[] = {"params", params, "mode", "w", "type",
			    "file",   "dev",  dev,    NULL};
	const char *fkv[] = {"device-type", "disk", NULL};

	return rtdd_xb_toolstack_add(E.f.dom0, "vbd", E.dd, E.fe, devid, kv,
				     fkv);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* --serves: only the plan's devices, with the plan's class. */
static void test_serves(void **s)
{
	char serves[PATH_MAX + 16], img2[PATH_MAX + 16], text[PATH_MAX + 512];
	char *v = NULL;
	int fd;

	(void)s;
	snprintf(serves, sizeof(serves), "%s/dd.rtdd.json", E.f.dir);
	snprintf(img2, sizeof(img2), "%s/other.img", E.f.dir);
	fd = open(img2, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	close(fd);
	snprintf(text, sizeof(text),
		 "{\n  \"driver_domain\": \"dd\",\n  \"vbds\": [\n"
		 "    {\"frontend\": \"guest\", \"vdev\": \"xvda\", "
		 "\"target\": \"%s\", \"readonly\": false, "
		 "\"class\": \"rt\", \"max_delay_us\": 2000}\n  ],\n"
		 "  \"vifs\": []\n}\n",
		 E.img);
	write_file(serves, text);
	spawn_devd((const char *const[]){"--serves", serves, NULL});
	assert_int_equal(add_vbd_dev(VDEV, E.img, "xvda"), 0);
	assert_int_equal(add_vbd_dev(51728, img2, "xvdb"), 0);
	assert_int_equal(wait_key("vbd", VDEV, "hotplug-status", "connected",
				  false, 5000),
			 0);
	assert_int_equal(be_read("vbd", VDEV, "rtdd-class", &v), 0);
	assert_string_equal(v, "rt");
	free(v);
	assert_int_equal(wait_key("vbd", 51728, "hotplug-error",
				  "not in this driver domain's plan", true,
				  5000),
			 0);
}

/* --serves with vifs: devd writes rtdd-netback's switch configuration
 * from the plan (a port per planned vif that has an entry: class, VLAN,
 * PCP, rate, MAC) and starts netback on it. A vif the plan does not list
 * gets no port. */
static void test_serves_switch(void **s)
{
	char serves[PATH_MAX + 16], conf[PATH_MAX + 16], want[160];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)s;
	snprintf(serves, sizeof(serves), "%s/dd.rtdd.json", E.f.dir);
	snprintf(conf, sizeof(conf), "%s/sw/netsw.conf", E.f.dir);
	write_file(serves, "{\n  \"driver_domain\": \"dd\",\n  \"vbds\": [],\n"
			   "  \"vifs\": [\n"
			   "    {\"frontend\": \"guest\", \"devid\": 0, "
			   "\"mac\": \"00:16:3e:00:10:01\", \"class\": \"rt\", "
			   "\"rate_bps\": 0, \"vlan\": 10, \"pcp\": 6, "
			   "\"max_delay_us\": 500},\n"
			   "    {\"frontend\": \"guest\", \"devid\": 1, "
			   "\"mac\": \"00:16:3e:00:20:01\", \"class\": "
			   "\"best-effort\", \"rate_bps\": 200000000, "
			   "\"max_delay_us\": 0}\n  ]\n}\n");
	spawn_devd((const char *const[]){"--serves", serves, "--netsw-conf",
					 conf, NULL});
	for (unsigned dev = 0; dev < 3; dev++) {
		const char *macs[] = {"00:16:3e:00:10:01", "00:16:3e:00:20:01",
				      "00:16:3e:00:99:99"};
		const char *kv[] = {"mac", macs[dev], NULL};

		assert_int_equal(rtdd_xb_toolstack_add(E.f.dom0, "vif", E.dd,
						       E.fe, dev, kv, kv),
				 0);
	}
	assert_int_equal(wait_key("vif", 2, "hotplug-error",
				  "not in this driver domain's plan", true,
				  5000),
			 0);
	/* netback starts once the vifs settle (500 ms) on the file. */
	for (int i = 0; i < 100; i++) {
		free(text);
		text = NULL;
		f = fopen(conf, "r");
		if (f) {
			len = 0;
			(void)getdelim(&text, &len, 0, f);
			fclose(f);
		}
		snprintf(want, sizeof(want), "port vif%u.1 ", E.fe);
		if (text && strstr(text, want))
			break;
		sleep_ms(100);
	}
	assert_non_null(text);
	print_message("devd's switch configuration:\n%s", text);
	snprintf(want, sizeof(want), "port vif%u.0 vif rt vlan 10 pcp 6\n",
		 E.fe);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "mac 00:16:3e:00:10:01 vif%u.0 vlan 10",
		 E.fe);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "port vif%u.1 vif be rate 200000000\n",
		 E.fe);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "vif%u.2", E.fe);
	assert_null(strstr(text, want));
	free(text);
	/* and netback serves the planned vifs from it */
	assert_int_equal(
		wait_key("vif", 0, "feature-rx-copy", "1", false, 10000), 0);
	assert_int_equal(
		wait_key("vif", 1, "feature-rx-copy", "1", false, 10000), 0);
}

/* A malformed --serves file: devd refuses to start, naming the line. */
static void test_serves_malformed(void **s)
{
	char serves[PATH_MAX + 16], line[512];
	bool found = false;
	FILE *f;

	(void)s;
	snprintf(serves, sizeof(serves), "%s/bad.rtdd.json", E.f.dir);
	write_file(serves, "{\n  \"vbds\": [\n    {\"frontend\": \"g\", "
			   "\"vdev\": \"xvda\", \"target\": \"/x\", "
			   "\"class\": \"urgent\"}\n  ]\n}\n");
	spawn_devd((const char *const[]){"--serves", serves, NULL});
	assert_int_equal(simhv_fixture_wait_gone(&E.f, E.dd, 5000), 0);
	f = fopen(E.log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "bad.rtdd.json:3: class: 'urgent' is not rt "
				 "or best-effort"))
			found = true;
	fclose(f);
	assert_true(found);
}

/* A backend that ran for --stable-ms before it died was not in a crash
 * loop: its restart gets the shortest delay again. */
static void test_backoff_resets(void **s)
{
	unsigned delays[64], n = 0;

	(void)s;
	spawn_devd((const char *const[]){"--blkback", "/bin/sleep", "--vbd-arg",
					 "0.2", "--backoff-min-ms", "20",
					 "--backoff-max-ms", "160",
					 "--stable-ms", "100", NULL});
	assert_int_equal(add_vbd(VDEV, E.img), 0);
	for (int t = 0; t < 500 && n < 4; t++) {
		sleep_ms(20);
		n = logged_delays(delays, 64);
	}
	assert_true(n >= 4);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(delays[i], 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart_no_lost_write,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_frontend_domain_gone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backoff_resets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serves_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_serves_malformed, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

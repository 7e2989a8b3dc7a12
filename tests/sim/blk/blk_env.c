// SPDX-License-Identifier: MIT
/* tests/sim/blk/blk_env.c - see blk_env.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "blk_env.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/log.h"
#include "rtdd/simhv.h"

/* Images live in RAM (/dev/shm): a test killed by a timeout must not leave
 * them behind. The handler only unlinks (async-signal-safe) and re-raises. */
#define MAX_IMAGES 16
static char img_paths[MAX_IMAGES][PATH_MAX];
static char img_dir[PATH_MAX];
static volatile sig_atomic_t nimg;

static void cleanup_on_signal(int sig)
{
	for (int i = 0; i < nimg; i++)
		unlink(img_paths[i]);
	if (img_dir[0])
		rmdir(img_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

void blk_env_log(void *arg, const char *line)
{
	(void)arg;
	if (getenv("RTDD_TEST_VERBOSE"))
		fprintf(stderr, "blkfront: %s\n", line);
}

int blk_env_start(struct blk_env *e, unsigned nfe)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->child = -1;
	if (nfe > BLK_ENV_MAX_FE)
		return -EINVAL;
	rtdd_log_init("blk-test", getenv("RTDD_TEST_VERBOSE") ? RTDD_LOG_DEBUG
							      : RTDD_LOG_WARN);
	rc = simhv_fixture_start(&e->f);
	if (rc)
		return rc;
	e->started = true;
	rc = simhv_fixture_domain(&e->f, "drv", 1, &e->be_dom);
	if (!rc)
		rc = simhv_fixture_open(&e->f, e->be_dom, &e->be_hv);
	for (unsigned i = 0; !rc && i < nfe; i++) {
		char name[16];

		snprintf(name, sizeof(name), "guest%u", i);
		rc = simhv_fixture_domain(&e->f, name, 1, &e->fe_dom[i]);
		if (!rc)
			rc = simhv_fixture_open(&e->f, e->fe_dom[i],
						&e->fe_hv[i]);
		if (!rc)
			e->nfe++;
	}
	/* RAM-backed images (tmpfs takes O_DIRECT on current kernels): the
	 * tests measure the data path, not the build machine's disk. */
	snprintf(e->imgdir, sizeof(e->imgdir), "%s/rtdd-blk-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	if (!rc && !mkdtemp(e->imgdir))
		rc = -errno;
	if (!rc) {
		snprintf(img_dir, sizeof(img_dir), "%s", e->imgdir);
		signal(SIGTERM, cleanup_on_signal);
		signal(SIGINT, cleanup_on_signal);
	}
	if (rc)
		blk_env_stop(e);
	return rc;
}

void blk_env_stop(struct blk_env *e)
{
	char cmd[PATH_MAX + 16];

	blk_env_backend_stop(e, true);
	blk_env_backend_kill(e, SIGKILL);
	for (unsigned i = 0; i < e->nfe; i++)
		rtdd_hv_close(e->fe_hv[i]);
	rtdd_hv_close(e->be_hv);
	e->nfe = 0;
	e->be_hv = NULL;
	if (e->started)
		simhv_fixture_stop(&e->f);
	e->started = false;
	if (e->imgdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->imgdir);
		if (system(cmd)) {
			/* leftover temp files only */
		}
	}
	e->imgdir[0] = 0;
	img_dir[0] = 0;
	nimg = 0;
}

int blk_env_image(struct blk_env *e, const char *name, size_t size, char *path,
		  size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", e->imgdir, name);
	if (nimg < MAX_IMAGES) {
		snprintf(img_paths[nimg], PATH_MAX, "%s", path);
		nimg = nimg + 1;
	}
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

int blk_env_add_vbd(struct blk_env *e, unsigned fe, unsigned devid,
		    const char *img, const char *mode, const char *const *extra)
{
	const char *kv[32];
	unsigned n = 0;

	kv[n++] = "params";
	kv[n++] = img;
	kv[n++] = "mode";
	kv[n++] = mode;
	kv[n++] = "type";
	kv[n++] = "file";
	for (; extra && extra[0] && n < 28; extra += 2) {
		kv[n++] = extra[0];
		kv[n++] = extra[1];
	}
	kv[n] = NULL;
	{
		const char *fkv[] = {"device-type", "disk", NULL};

		return rtdd_xb_toolstack_add(e->f.dom0, "vbd", e->be_dom,
					     e->fe_dom[fe], devid, kv, fkv);
	}
}

void blk_env_fe_path(unsigned devid, char *buf, size_t len)
{
	snprintf(buf, len, "device/vbd/%u", devid);
}

static void *backend_main(void *arg)
{
	struct blk_env *e = arg;

	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE))
		(void)rtdd_blkback_run(e->bb, 20);
	return NULL;
}

int blk_env_backend_start(struct blk_env *e, const struct rtdd_blkback_cfg *cfg)
{
	struct rtdd_blkback_cfg def;
	int rc;

	if (!cfg) {
		rtdd_blkback_cfg_default(&def);
		cfg = &def;
	}
	rc = rtdd_blkback_create(e->be_hv, cfg, &e->bb);
	if (rc)
		return rc;
	e->stop = 0;
	rc = pthread_create(&e->thr, NULL, backend_main, e);
	if (rc) {
		rtdd_blkback_destroy(e->bb, true);
		e->bb = NULL;
		return -rc;
	}
	return 0;
}

void blk_env_backend_stop(struct blk_env *e, bool remove)
{
	if (!e->bb)
		return;
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	pthread_join(e->thr, NULL);
	rtdd_blkback_destroy(e->bb, remove);
	e->bb = NULL;
}

int blk_env_backend_spawn(struct blk_env *e, const char *const *args)
{
	char exe[PATH_MAX], bin[PATH_MAX + 32], spec[32];
	const char *argv[32];
	unsigned n = 0;
	ssize_t len;
	pid_t pid;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -errno;
	exe[len] = 0;
	snprintf(bin, sizeof(bin), "%s/../bin/rtdd-blkback", dirname(exe));
	if (access(bin, X_OK))
		return -ENOENT;
	snprintf(spec, sizeof(spec), "sim:%u", e->be_dom);
	argv[n++] = bin;
	argv[n++] = "--hv";
	argv[n++] = spec;
	for (; args && *args && n < 30; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	e->child = pid;
	return 0;
}

void blk_env_backend_kill(struct blk_env *e, int sig)
{
	if (e->child <= 0)
		return;
	kill(e->child, sig);
	waitpid(e->child, NULL, 0);
	e->child = -1;
}

int blk_env_be_state(struct blk_env *e, unsigned fe, unsigned devid)
{
	char p[256];
	int v, rc;

	snprintf(p, sizeof(p), "/local/domain/%u/backend/vbd/%u/%u/state",
		 e->be_dom, e->fe_dom[fe], devid);
	rc = rtdd_xs_read_int(e->f.dom0, 0, p, &v);
	return rc ? rc : v;
}

int blk_env_wait_be_state(struct blk_env *e, unsigned fe, unsigned devid,
			  int st, int timeout_ms)
{
	for (int t = 0; t < timeout_ms; t++) {
		if (blk_env_be_state(e, fe, devid) == st)
			return 0;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return -ETIMEDOUT;
}

bool blk_env_have_uring(void)
{
	struct io_uring r;

	if (io_uring_queue_init(4, &r, 0) < 0)
		return false;
	io_uring_queue_exit(&r);
	return true;
}

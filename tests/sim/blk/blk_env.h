/* SPDX-License-Identifier: MIT */
/*
 * tests/sim/blk/blk_env.h - a simhv with a driver domain running blkback
 * (in this process, or as an rtdd-blkback child) and guest domains whose
 * vbds point at image files.
 */
#ifndef RTDD_TESTS_BLK_ENV_H
#define RTDD_TESTS_BLK_ENV_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../simhv_fixture.h"
#include "rtdd/blkback.h"
#include "rtdd/blkfront.h"

#define BLK_ENV_MAX_FE 3

struct blk_env {
	struct simhv_fixture f;
	bool started;
	rtdd_domid be_dom;
	rtdd_hv *be_hv;
	unsigned nfe;
	rtdd_domid fe_dom[BLK_ENV_MAX_FE];
	rtdd_hv *fe_hv[BLK_ENV_MAX_FE];
	char imgdir[PATH_MAX];
	/* in-process backend */
	rtdd_blkback *bb;
	pthread_t thr;
	int stop;
	/* child backend */
	pid_t child;
};

/* simhv, driver domain "drv", nfe guests "guest0".. ; 0 or -errno. */
int blk_env_start(struct blk_env *e, unsigned nfe);
void blk_env_stop(struct blk_env *e);
/* Image file of size bytes in the env's dir (zero-filled); path out. */
int blk_env_image(struct blk_env *e, const char *name, size_t size, char *path,
		  size_t len);
/* Toolstack: vbd devid of guest fe backed by img; mode "w" or "r";
 * extra: NULL-terminated key/value list for the backend dir. */
int blk_env_add_vbd(struct blk_env *e, unsigned fe, unsigned devid,
		    const char *img, const char *mode,
		    const char *const *extra);
/* Frontend path "device/vbd/<devid>" (relative to the guest's home). */
void blk_env_fe_path(unsigned devid, char *buf, size_t len);
/* In-process backend (cfg NULL: defaults) served by a control thread. */
int blk_env_backend_start(struct blk_env *e,
			  const struct rtdd_blkback_cfg *cfg);
void blk_env_backend_stop(struct blk_env *e, bool remove);
/* rtdd-blkback as a child process (extra args NULL-terminated). */
int blk_env_backend_spawn(struct blk_env *e, const char *const *args);
void blk_env_backend_kill(struct blk_env *e, int sig);
/* Backend state of (fe, devid) or -errno. */
int blk_env_be_state(struct blk_env *e, unsigned fe, unsigned devid);
/* Wait until the backend state is st (timeout ms): 0 / -ETIMEDOUT. */
int blk_env_wait_be_state(struct blk_env *e, unsigned fe, unsigned devid,
			  int st, int timeout_ms);
/* io_uring usable here (not disabled by sysctl/seccomp)? */
bool blk_env_have_uring(void);
/* Log callback for frontends: to stderr when RTDD_TEST_VERBOSE is set. */
void blk_env_log(void *arg, const char *line);

#endif

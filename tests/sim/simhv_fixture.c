// SPDX-License-Identifier: MIT
/* tests/sim/simhv_fixture.c - see simhv_fixture.h. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simhv_fixture.h"

void simhv_fixture_bin(char *buf, size_t size)
{
	const char *env = getenv("RTDD_SIMHV");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(buf, size, "%s/../bin/rtdd-simhv", dirname(exe));
		if (!access(buf, X_OK))
			return;
	}
	snprintf(buf, size, "rtdd-simhv");
}

int simhv_fixture_start(struct simhv_fixture *f)
{
	char bin[PATH_MAX], *err = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/rtdd-sim-XXXXXX");
	if (!mkdtemp(f->dir)) {
		rc = -errno;
		fprintf(stderr, "simhv fixture: mkdtemp: %s\n", strerror(-rc));
		return rc;
	}
	snprintf(f->log, sizeof(f->log), "%s.log", f->dir);
	setenv("RTDD_LOG_LEVEL", "warn", 0);
	simhv_fixture_bin(bin, sizeof(bin));
	rc = rtdd_simhv_start(f->dir, bin, f->log, &f->pid);
	if (rc) {
		fprintf(stderr, "simhv fixture: starting %s: %s (log %s)\n",
			bin, strerror(-rc), f->log);
		rmdir(f->dir);
		return rc;
	}
	setenv("RTDD_SIM_DIR", f->dir, 1);
	rc = rtdd_hv_open("sim:0", &f->dom0, &err);
	if (rc) {
		fprintf(stderr, "simhv fixture: dom0: %s\n",
			err ? err : strerror(-rc));
		free(err);
		simhv_fixture_stop(f);
		return rc;
	}
	return 0;
}

int simhv_fixture_domain(struct simhv_fixture *f, const char *name,
			 unsigned vcpus, rtdd_domid *domid_out)
{
	struct rtdd_simhv_dom_cfg cfg = {.name = name, .vcpus = vcpus};

	return rtdd_simhv_domain_create(f->dom0, &cfg, domid_out);
}

int simhv_fixture_open(struct simhv_fixture *f, rtdd_domid domid,
		       rtdd_hv **hv_out)
{
	char spec[32], *err = NULL;
	int rc;

	(void)f;
	snprintf(spec, sizeof(spec), "sim:%u", domid);
	rc = rtdd_hv_open(spec, hv_out, &err);
	if (rc)
		fprintf(stderr, "simhv fixture: open %s: %s\n", spec,
			err ? err : strerror(-rc));
	free(err);
	return rc;
}

int simhv_fixture_wait_gone(struct simhv_fixture *f, rtdd_domid domid,
			    unsigned timeout_ms)
{
	struct timespec ts = {0, 5 * 1000000L};

	for (unsigned t = 0; t <= timeout_ms; t += 5) {
		struct rtdd_dom_info info;

		if (rtdd_dom_info(f->dom0, domid, &info) == -ESRCH)
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	/* only ever our own mkdtemp directory */
	if (strncmp(dir, "/tmp/rtdd-sim-", 14))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd)) {
		/* leftovers in /tmp are harmless */
	}
}

void simhv_fixture_stop(struct simhv_fixture *f)
{
	int status;

	rtdd_hv_close(f->dom0);
	f->dom0 = NULL;
	if (f->pid > 0) {
		if (rtdd_simhv_stop(f->dir))
			kill(f->pid, SIGKILL);
		waitpid(f->pid, &status, 0);
		f->pid = 0;
	}
	if (getenv("RTDD_TEST_VERBOSE")) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", f->log);
		if (system(cmd)) {
			/* no log */
		}
	}
	unlink(f->log);
	rm_tree(f->dir);
}

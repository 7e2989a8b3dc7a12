// SPDX-License-Identifier: MIT
/*
 * Debian's dpdk-testpmd on net_rtdd in a guest of rtdd-simhv: testpmd
 * (guest 0, net_rtdd on its vif, macswap forwarding) answers frames that
 * guest 1 (librtdd-netfront, in this process) sends it through netback and
 * the switch. Every answer is checked byte for byte; then testpmd is told
 * to quit and must exit cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net_env.h"

static char so[PATH_MAX];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_testpmd_macswap(void **state)
{
	struct net_env e;
	struct rtdd_netfront_opts o = {.log = net_env_log};
	static uint8_t tx[1514], rx[65536];
	rtdd_netfront *nf = NULL;
	rtdd_sw *sw = NULL;
	char vdev[128], prefix[48], log[PATH_MAX];
	unsigned sent = 0, got = 0;
	uint64_t deadline, last;
	int pfd[2], status = -1;
	pid_t pid;

	(void)state;
	if (access("/usr/bin/dpdk-testpmd", X_OK) || access(so, R_OK)) {
		print_message("SKIP: dpdk-testpmd or %s missing\n", so);
		skip();
	}
	if (net_env_start(&e, 2)) {
		print_message("SKIP: rtdd-simhv could not start\n");
		skip();
	}
	assert_int_equal(net_env_add_vif(&e, 0), 0);
	assert_int_equal(net_env_add_vif(&e, 1), 0);
	assert_int_equal(net_env_switch(&e, NULL, NULL, NULL, &sw), 0);
	assert_int_equal(net_env_backend_start(&e, sw, NULL), 0);

	snprintf(vdev, sizeof(vdev),
		 "--vdev=net_rtdd0,vif=device/vif/0,hv=sim:%u", e.fe_dom[0]);
	snprintf(prefix, sizeof(prefix), "--file-prefix=rtdd-tpm%d",
		 (int)getpid());
	snprintf(log, sizeof(log), "%s.testpmd.log", e.f.dir);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(pfd[0], 0);
		close(pfd[1]);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/usr/bin/dpdk-testpmd", "dpdk-testpmd", "-l", "0,1",
		      "--no-huge", "-m", "512", "--no-pci", prefix, "-d", so,
		      vdev, "--", "--forward-mode=macswap", "--nb-cores=1",
		      "--total-num-mbufs=4096", (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	assert_int_equal(
		rtdd_netfront_open(e.fe_hv[1], "device/vif/0", &o, &nf), 0);
	deadline = now_ns() + 60000000000ull;
	last = now_ns();
	while (got < 5000 && now_ns() < deadline) {
		struct rtdd_nf_frame in = {.data = rx, .cap = 65535};
		uint32_t seq;
		int r;

		if (sent < 5000 && sent - got < 16) {
			struct rtdd_nf_frame f = {.data = tx};

			f.len = (uint16_t)net_frame(tx, 60 + (sent % 15) * 100,
						    e.mac[0], e.mac[1], sent);
			sent += (unsigned)rtdd_netfront_send(nf, 0, &f, 1);
		}
		r = rtdd_netfront_recv(nf, 0, &in, 1);
		assert_true(r >= 0);
		if (!r) {
			/* testpmd starts up meanwhile: resend what was lost
			 * before it listened. */
			if (now_ns() - last > 200000000ull) {
				sent = got;
				last = now_ns();
			}
			continue;
		}
		assert_int_equal(net_frame_check(rx, in.len, &seq), 0);
		if (seq != got)
			continue;
		/* macswap: back to us, from guest 0. */
		assert_memory_equal(rx, e.mac[1], 6);
		assert_memory_equal(rx + 6, e.mac[0], 6);
		got++;
		last = now_ns();
	}
	print_message("testpmd answered %u frames through net_rtdd\n", got);
	if (write(pfd[1], "\n", 1) != 1) {
		/* testpmd gone: waitpid tells */
	}
	close(pfd[1]);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	rtdd_netfront_close(nf);
	net_env_stop(&e);
	if (got != 5000 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "tail -30 '%s'", log);
		if (system(cmd)) {
			/* log gone */
		}
	}
	unlink(log);
	assert_int_equal(got, 5000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* EAL refuses a plugin when the file's directory or any directory above it
 * is world-writable (a build tree under /tmp): true if path is safe. */
static bool plugin_path_safe(const char *path)
{
	char copy[PATH_MAX];
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *slash = strrchr(copy, '/'); slash;
	     slash = strrchr(copy, '/')) {
		*slash = 0;
		if (stat(copy[0] ? copy : "/", &st) || (st.st_mode & S_IWOTH))
			return false;
		if (!copy[0])
			break;
	}
	return true;
}

/* Copies the plugin into a private directory EAL accepts: /run as root,
 * else $HOME/.cache. dir_out gets the directory to remove afterwards. */
static int stage_plugin(const char *src, char *dst, size_t len, char *dir_out,
			size_t dlen)
{
	const char *home = getenv("HOME");
	char cmd[3 * PATH_MAX];

	if (geteuid() == 0)
		snprintf(dir_out, dlen, "/run/rtdd-pmd-XXXXXX");
	else
		snprintf(dir_out, dlen, "%s/.cache/rtdd-pmd-XXXXXX",
			 home ? home : "/nonexistent");
	if (!mkdtemp(dir_out))
		return -errno;
	snprintf(dst, len, "%s/librte_net_rtdd.so", dir_out);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd) != 0 || !plugin_path_safe(dst))
		return -EACCES;
	return 0;
}

int main(void)
{
	char exe[PATH_MAX], built[PATH_MAX], staged_dir[PATH_MAX] = "";
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testpmd_macswap),
	};
	int rc;

	if (len <= 0)
		return 1;
	exe[len] = 0;
	snprintf(built, sizeof(built),
		 "%.*s/../lib/dpdk-pmds/librte_net_rtdd.so",
		 (int)(strrchr(exe, '/') - exe), exe);
	snprintf(so, sizeof(so), "%s", built);
	/* Not built (SAN=, no SDK headers): the test says SKIP. */
	if (access(built, R_OK) == 0 && !plugin_path_safe(built) &&
	    stage_plugin(built, so, sizeof(so), staged_dir,
			 sizeof(staged_dir))) {
		printf("FAIL: %s is under a world-writable directory (EAL "
		       "refuses it) and could not be staged elsewhere\n",
		       built);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (staged_dir[0]) {
		unlink(so);
		rmdir(staged_dir);
	}
	return rc;
}

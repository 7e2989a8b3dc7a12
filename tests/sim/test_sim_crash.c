// SPDX-License-Identifier: MIT
/*
 * Domains that die: kill -9 of a backend process in the middle of a mapping
 * leaves simhv up with no leaked mappings (its own counters and its
 * /proc/<pid>/maps agree); a dead frontend's grants go with it; and the
 * rtdd-simhv command line (run, list, --help) reports what happened.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "simhv_fixture.h"

#define NPAGES 8

static struct simhv_fixture fx;

static int setup(void **state)
{
	(void)state;
	return simhv_fixture_start(&fx) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	simhv_fixture_stop(&fx);
	return 0;
}

/* simhv's own mappings of domain memory, as the kernel sees them; with
 * domid >= 0 only those of that domain's memfds. */
static int simhv_memfd_maps(int domid)
{
	char path[64], line[512], tag[32];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)fx.pid);
	snprintf(tag, sizeof(tag), "-d%d ", domid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "memfd:rtdd-"))
			continue;
		if (domid < 0 || strstr(line, tag))
			n++;
	}
	fclose(f);
	return n;
}

static struct rtdd_simhv_stats stats(void)
{
	struct rtdd_simhv_stats s;

	assert_int_equal(rtdd_simhv_stats(fx.dom0, &s), 0);
	return s;
}

struct shared {
	rtdd_gref refs[NPAGES];
	rtdd_port port;
};

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			_exit(__LINE__ % 250 + 1);                             \
		}                                                              \
	} while (0)

/* Backend domain process: maps everything it can, then waits to die. */
static void backend(rtdd_domid front, rtdd_domid self, int from_parent,
		    int to_parent)
{
	struct rtdd_gnt_copy_seg seg = {0};
	char spec[16], local[16] = "x";
	struct shared sh;
	rtdd_gref own[2];
	rtdd_evtchn *ev;
	rtdd_port lport;
	rtdd_hv *hv;
	void *m, *mine;

	snprintf(spec, sizeof(spec), "sim:%u", self);
	CHECK(rtdd_hv_open(spec, &hv, NULL) == 0);
	CHECK(read(from_parent, &sh, sizeof(sh)) == sizeof(sh));
	CHECK(rtdd_gnt_map_refs(hv, front, NPAGES, sh.refs, false, &m) == 0);
	CHECK(rtdd_gnt_share_pages(hv, front, 2, false, &mine, own) == 0);
	seg.src.virt = local;
	seg.dst = (struct rtdd_gnt_copy_ptr){true, front, sh.refs[0], 0, NULL};
	seg.len = 1;
	CHECK(rtdd_gnt_copy(hv, 1, &seg) == 0 && seg.status == 0);
	CHECK(rtdd_evtchn_open(hv, &ev) == 0);
	CHECK(rtdd_evtchn_bind_interdomain(ev, front, sh.port, &lport) == 0);
	CHECK(rtdd_evtchn_notify(ev, lport) == 0);
	CHECK(write(to_parent, "m", 1) == 1);
	for (;;)
		pause(); /* mid-mapping */
}

static void test_kill9_mid_mapping(void **state)
{
	struct rtdd_simhv_stats s0, s1, s2;
	int to_child[2], from_child[2], maps0, status;
	rtdd_domid front, bk, d;
	enum rtdd_dom_state st;
	struct shared sh;
	struct pollfd pfd;
	rtdd_evtchn *ev;
	rtdd_hv *hf, *w;
	rtdd_port p;
	void *pages;
	pid_t kid;
	char c;

	(void)state;
	assert_int_equal(simhv_fixture_domain(&fx, "front", 1, &front), 0);
	assert_int_equal(simhv_fixture_open(&fx, front, &hf), 0);
	s0 = stats();
	maps0 = simhv_memfd_maps(-1);
	assert_int_equal((unsigned)maps0, s0.simhv_mmaps);

	assert_int_equal(simhv_fixture_domain(&fx, "back", 1, &bk), 0);
	assert_int_equal(
		rtdd_gnt_share_pages(hf, bk, NPAGES, false, &pages, sh.refs),
		0);
	assert_int_equal(rtdd_evtchn_open(hf, &ev), 0);
	assert_int_equal(rtdd_evtchn_alloc_unbound(ev, bk, &sh.port), 0);
	assert_int_equal(pipe(to_child) | pipe(from_child), 0);
	kid = fork();
	if (kid == 0)
		backend(front, bk, to_child[0], from_child[1]);
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, bk, kid), 0);
	assert_int_equal(write(to_child[1], &sh, sizeof(sh)), sizeof(sh));
	assert_int_equal(read(from_child[0], &c, 1), 1);
	pfd = (struct pollfd){.fd = rtdd_evtchn_fd(ev), .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), 0);
	assert_int_equal(rtdd_evtchn_unmask(ev, p), 0);
	assert_int_equal(((char *)pages)[0], 'x'); /* the backend's copy */

	s1 = stats();
	assert_int_equal(s1.grant_maps, s0.grant_maps + 1);
	assert_int_equal(s1.grant_pins, s0.grant_pins + NPAGES);
	assert_int_equal(s1.ports, s0.ports + 2);
	/* back's RAM, grant table, ports page + the copy bounce buffer */
	assert_int_equal(s1.simhv_mmaps, s0.simhv_mmaps + 4);
	assert_int_equal(simhv_memfd_maps(-1), maps0 + 4);
	assert_int_equal(simhv_memfd_maps(bk), 3);
	assert_int_equal(rtdd_gnt_unshare_pages(hf, pages, NPAGES), -EBUSY);

	assert_int_equal(kill(kid, SIGKILL), 0);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_int_equal(simhv_fixture_wait_gone(&fx, bk, 5000), 0);
	assert_int_equal(simhv_fixture_open(&fx, 0, &w), 0);
	assert_int_equal(rtdd_simhv_domain_wait(w, bk, &st, NULL), 0);
	assert_int_equal(st, RTDD_DOM_CRASHED);
	rtdd_hv_close(w);

	/* simhv is up and holds nothing of the dead domain */
	assert_int_equal(kill(fx.pid, 0), 0);
	s2 = stats();
	assert_int_equal(s2.grant_maps, s0.grant_maps);
	assert_int_equal(s2.grant_pins, s0.grant_pins);
	assert_int_equal(s2.simhv_mmaps, s0.simhv_mmaps);
	assert_int_equal(s2.ports, s0.ports + 1); /* front's, unbound again */
	assert_int_equal(s2.domains, s0.domains);
	assert_int_equal(simhv_memfd_maps(-1), maps0);
	assert_int_equal(simhv_memfd_maps(bk), 0);
	/* the frontend can end access now; notify to the dead peer drops */
	assert_int_equal(rtdd_gnt_unshare_pages(hf, pages, NPAGES), 0);
	assert_int_equal(rtdd_evtchn_notify(ev, sh.port), 0);
	/* and life goes on */
	assert_int_equal(simhv_fixture_domain(&fx, "next", 1, &d), 0);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, d), 0);
	rtdd_evtchn_close(ev);
	rtdd_hv_close(hf);
	assert_int_equal(stats().ports, s0.ports);
	assert_int_equal(simhv_fixture_wait_gone(&fx, front, 0), -ETIMEDOUT);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, front), 0);
	for (int i = 0; i < 2; i++) {
		close(to_child[i]);
		close(from_child[i]);
	}
}

/* The granter dies while its pages are mapped: the mapper keeps valid
 * memory until it unmaps, and the pins go with the granter. */
static void test_frontend_dies(void **state)
{
	struct rtdd_simhv_stats s0 = stats();
	int pfd[2], status;
	rtdd_domid front, bk;
	rtdd_gref refs[2];
	rtdd_hv *hb;
	pid_t kid;
	char *m;
	void *mv;

	(void)state;
	assert_int_equal(simhv_fixture_domain(&fx, "f2", 1, &front), 0);
	assert_int_equal(simhv_fixture_domain(&fx, "b2", 1, &bk), 0);
	assert_int_equal(pipe(pfd), 0);
	kid = fork();
	if (kid == 0) {
		char spec[16];
		rtdd_hv *hv;
		void *p;

		snprintf(spec, sizeof(spec), "sim:%u", front);
		CHECK(rtdd_hv_open(spec, &hv, NULL) == 0);
		CHECK(rtdd_gnt_share_pages(hv, bk, 2, false, &p, refs) == 0);
		strcpy(p, "alive");
		CHECK(write(pfd[1], refs, sizeof(refs)) == sizeof(refs));
		for (;;)
			pause();
	}
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, front, kid), 0);
	assert_int_equal(read(pfd[0], refs, sizeof(refs)), sizeof(refs));
	assert_int_equal(simhv_fixture_open(&fx, bk, &hb), 0);
	assert_int_equal(rtdd_gnt_map_refs(hb, front, 2, refs, false, &mv), 0);
	m = mv;
	assert_int_equal(stats().grant_pins, s0.grant_pins + 2);
	kill(kid, SIGKILL);
	waitpid(kid, &status, 0);
	assert_int_equal(simhv_fixture_wait_gone(&fx, front, 5000), 0);
	assert_int_equal(stats().grant_pins, s0.grant_pins);
	assert_string_equal(m, "alive"); /* still our mapping */
	strcpy(m, "still writable");
	assert_int_equal(rtdd_gnt_unmap(hb, mv, 2), 0);
	assert_int_equal(stats().grant_maps, s0.grant_maps);
	assert_int_equal(rtdd_gnt_map_refs(hb, front, 1, refs, false, &mv),
			 -ESRCH);
	rtdd_hv_close(hb);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, bk), 0);
	close(pfd[0]);
	close(pfd[1]);
}

static int run_cli(const char *args, char *out, size_t size)
{
	char bin[4096], cmd[8192];
	size_t n = 0;
	FILE *p;
	int status;

	simhv_fixture_bin(bin, sizeof(bin));
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (out) {
		n = fread(out, 1, size - 1, p);
		out[n] = 0;
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Ctrl-C on `run` destroys the domain and exits 128 + SIGINT. */
static void test_cli_interrupt(void)
{
	struct rtdd_dom_info *doms;
	char bin[4096];
	bool up = false;
	unsigned n;
	int status;
	pid_t kid;

	simhv_fixture_bin(bin, sizeof(bin));
	kid = fork();
	if (kid == 0) {
		execl(bin, bin, "run", "--name", "sleeper", "--", "sleep", "30",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000 && !up; i++) {
		assert_int_equal(rtdd_simhv_domain_list(fx.dom0, &doms, &n), 0);
		for (unsigned k = 0; k < n; k++)
			up |= !strcmp(doms[k].name, "sleeper");
		free(doms);
		if (!up)
			usleep(10000);
	}
	assert_true(up);
	assert_int_equal(kill(kid, SIGINT), 0);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGINT);
	assert_int_equal(rtdd_simhv_domain_list(fx.dom0, &doms, &n), 0);
	for (unsigned k = 0; k < n; k++)
		assert_string_not_equal(doms[k].name, "sleeper");
	free(doms);
}

static void test_cli(void **state)
{
	char out[8192];

	(void)state;
	/* the run command exits with the domain's status */
	assert_int_equal(run_cli("run --name ok -- sh -c 'exit 3'", NULL, 0),
			 3);
	assert_int_equal(run_cli("run --name boom --vcpus 2 --memory 16 -- "
				 "sh -c 'kill -9 $$'",
				 NULL, 0),
			 128 + 9);
	assert_int_equal(run_cli("run --name env -- sh -c "
				 "'test -S \"$XENSTORED_PATH\" && "
				 "test -n \"$RTDD_SIM_DOMID\"'",
				 NULL, 0),
			 0);
	assert_int_equal(run_cli("run --vcpus 0 -- true", NULL, 0), 2);
	test_cli_interrupt();
	assert_int_equal(run_cli("list", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Domain-0"));
	assert_null(strstr(out, "boom")); /* crashed and cleaned */
	assert_int_equal(run_cli("--help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Usage: rtdd-simhv"));
	assert_int_equal(run_cli("frobnicate", NULL, 0), 2);
	assert_int_equal(run_cli("list --dir /nonexistent/dir", NULL, 0), 1);
	assert_int_equal(run_cli("start --dir /proc/nope", NULL, 0), 1);
	assert_int_equal(kill(fx.pid, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9_mid_mapping),
		cmocka_unit_test(test_frontend_dies),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

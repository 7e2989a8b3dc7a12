// SPDX-License-Identifier: MIT
/*
 * Two domains, two processes: a frontend shares pages and an event channel,
 * a backend maps them, writes, copies and notifies; a third domain's
 * attempts, read-only violations and revoked grants are refused with Xen's
 * errno. The children report a failed step through their exit status
 * (the source line), the parent checks the third-domain refusals.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "simhv_fixture.h"

#define NPAGES 4

struct grants {
	rtdd_gref rw[NPAGES];
	rtdd_gref ro;
	rtdd_port port;
};

static struct simhv_fixture fx;
static rtdd_domid front, back, third;

/* children: no cmocka there, a failed check exits with its line */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			_exit(__LINE__ % 250 + 1);                             \
		}                                                              \
	} while (0)

static void xread(int fd, void *buf, size_t len)
{
	CHECK(read(fd, buf, len) == (ssize_t)len);
}

static void xwrite(int fd, const void *buf, size_t len)
{
	CHECK(write(fd, buf, len) == (ssize_t)len);
}

static rtdd_hv *open_self(rtdd_domid domid)
{
	char id[16];
	rtdd_hv *hv = NULL;

	/* as under `rtdd-simhv run`: "sim" with RTDD_SIM_DOMID */
	snprintf(id, sizeof(id), "%u", domid);
	setenv("RTDD_SIM_DOMID", id, 1);
	CHECK(rtdd_hv_open("sim", &hv, NULL) == 0);
	CHECK(rtdd_hv_domid(hv) == domid);
	return hv;
}

static void wait_event(rtdd_evtchn *ev, rtdd_port want)
{
	struct pollfd pfd = {.fd = rtdd_evtchn_fd(ev), .events = POLLIN};
	rtdd_port p;

	CHECK(poll(&pfd, 1, 10000) == 1);
	CHECK(rtdd_evtchn_pending(ev, &p) == 0);
	CHECK(p == want);
	CHECK(rtdd_evtchn_unmask(ev, p) == 0);
}

static void frontend(int to_back, int to_parent, int from_parent, int from_back)
{
	rtdd_hv *hv = open_self(front);
	struct grants g;
	rtdd_evtchn *ev;
	void *rw, *ro;
	char *pages, c;

	CHECK(rtdd_gnt_share_pages(hv, back, NPAGES, false, &rw, g.rw) == 0);
	CHECK(rtdd_gnt_share_pages(hv, back, 1, true, &ro, &g.ro) == 0);
	pages = rw;
	for (int i = 0; i < NPAGES; i++)
		memset(pages + i * RTDD_PAGE_SIZE, 'A' + i, 64);
	strcpy(ro, "ro-data");
	CHECK(rtdd_evtchn_open(hv, &ev) == 0);
	CHECK(rtdd_evtchn_alloc_unbound(ev, back, &g.port) == 0);
	xwrite(to_back, &g, sizeof(g));
	xwrite(to_parent, &g, sizeof(g));

	/* the backend has written, copied and notified */
	wait_event(ev, g.port);
	CHECK(!strcmp(pages + 512, "written by back"));
	CHECK(!strcmp(pages + RTDD_PAGE_SIZE, "copied by back"));
	/* still mapped: revoking fails and changes nothing */
	xread(from_parent, &c, 1);
	CHECK(rtdd_gnt_unshare_pages(hv, rw, NPAGES) == -EBUSY);
	CHECK(pages[2 * RTDD_PAGE_SIZE] == 'C');
	xwrite(to_back, "u", 1); /* please unmap */
	wait_event(ev, g.port);
	CHECK(rtdd_gnt_unshare_pages(hv, rw, NPAGES) == 0);
	CHECK(rtdd_gnt_unshare_pages(hv, ro, 1) == 0);
	xwrite(to_back, "r", 1); /* revoked */
	xread(from_back, &c, 1);
	CHECK(rtdd_simhv_domain_shutdown(hv, RTDD_DOMID_SELF) == 0);
	rtdd_evtchn_close(ev);
	rtdd_hv_close(hv);
	_exit(0);
}

static void backend(int from_front, int to_front)
{
	rtdd_hv *hv = open_self(back);
	struct rtdd_gnt_copy_seg seg[3];
	char local[64] = "copied by back", out[64] = "";
	struct grants g;
	rtdd_evtchn *ev;
	rtdd_port lport;
	void *m, *r;
	char *pages, c;

	xread(from_front, &g, sizeof(g));
	CHECK(rtdd_gnt_map_refs(hv, front, NPAGES, g.rw, false, &m) == 0);
	pages = m;
	for (int i = 0; i < NPAGES; i++)
		CHECK(pages[i * RTDD_PAGE_SIZE + 63] == 'A' + i);
	strcpy(pages + 512, "written by back");

	/* read-only grant: write access refused, read access fine */
	CHECK(rtdd_gnt_map_refs(hv, front, 1, &g.ro, false, &r) == -EPERM);
	CHECK(rtdd_gnt_map_refs(hv, front, 1, &g.ro, true, &r) == 0);
	CHECK(!strcmp(r, "ro-data"));
	CHECK(rtdd_gnt_unmap(hv, r, 1) == 0);

	memset(seg, 0, sizeof(seg));
	seg[0].src.virt = local;
	seg[0].dst = (struct rtdd_gnt_copy_ptr){true, front, g.rw[1], 0, NULL};
	seg[0].len = sizeof(local);
	seg[1].src = (struct rtdd_gnt_copy_ptr){true, front, g.ro, 0, NULL};
	seg[1].dst.virt = out;
	seg[1].len = 8;
	seg[2].src.virt = local;
	seg[2].dst = (struct rtdd_gnt_copy_ptr){true, front, g.ro, 0, NULL};
	seg[2].len = 8;
	CHECK(rtdd_gnt_copy(hv, 3, seg) == 0);
	CHECK(seg[0].status == 0);
	CHECK(seg[1].status == 0 && !strcmp(out, "ro-data"));
	CHECK(seg[2].status == -EPERM);

	CHECK(rtdd_evtchn_open(hv, &ev) == 0);
	CHECK(rtdd_evtchn_bind_interdomain(ev, front, g.port, &lport) == 0);
	CHECK(rtdd_evtchn_notify(ev, lport) == 0);

	xread(from_front, &c, 1);
	CHECK(c == 'u');
	CHECK(rtdd_gnt_unmap(hv, m, NPAGES) == 0);
	CHECK(rtdd_evtchn_notify(ev, lport) == 0);

	xread(from_front, &c, 1);
	CHECK(c == 'r');
	/* revoked: map and copy see the ended grant */
	CHECK(rtdd_gnt_map_refs(hv, front, 1, &g.rw[0], false, &m) == -ENOENT);
	seg[0].dst.ref = g.rw[0];
	CHECK(rtdd_gnt_copy(hv, 1, seg) == 0);
	CHECK(seg[0].status == -ENOENT);
	xwrite(to_front, "d", 1);
	CHECK(rtdd_simhv_domain_shutdown(hv, RTDD_DOMID_SELF) == 0);
	rtdd_evtchn_close(ev);
	rtdd_hv_close(hv);
	_exit(0);
}

static int setup(void **state)
{
	(void)state;
	if (simhv_fixture_start(&fx))
		return -1;
	if (simhv_fixture_domain(&fx, "front", 1, &front) ||
	    simhv_fixture_domain(&fx, "back", 1, &back) ||
	    simhv_fixture_domain(&fx, "third", 1, &third))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	simhv_fixture_stop(&fx);
	return 0;
}

static void test_front_back(void **state)
{
	int f2b[2], f2p[2], p2f[2], b2f[2], status;
	struct rtdd_gnt_copy_seg seg;
	struct rtdd_simhv_stats s;
	enum rtdd_dom_state st;
	rtdd_evtchn *ev;
	rtdd_port px;
	struct grants g;
	rtdd_hv *t, *w;
	pid_t fpid, bpid;
	char buf[8];
	void *m;

	(void)state;
	assert_int_equal(pipe(f2b) | pipe(f2p) | pipe(p2f) | pipe(b2f), 0);
	fpid = fork();
	if (fpid == 0)
		frontend(f2b[1], f2p[1], p2f[0], b2f[0]);
	bpid = fork();
	if (bpid == 0)
		backend(f2b[0], b2f[1]);
	assert_true(fpid > 0 && bpid > 0);
	/* crash detection follows these processes */
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, front, fpid), 0);
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, back, bpid), 0);

	assert_int_equal(read(f2p[0], &g, sizeof(g)), sizeof(g));
	/* the third domain: not granted to it, port not offered to it */
	assert_int_equal(simhv_fixture_open(&fx, third, &t), 0);
	assert_int_equal(rtdd_gnt_map_refs(t, front, 1, g.rw, false, &m),
			 -EPERM);
	assert_int_equal(rtdd_gnt_map_refs(t, front, 1, &g.ro, true, &m),
			 -EPERM);
	memset(&seg, 0, sizeof(seg));
	seg.src = (struct rtdd_gnt_copy_ptr){true, front, g.rw[0], 0, NULL};
	seg.dst.virt = buf;
	seg.len = sizeof(buf);
	assert_int_equal(rtdd_gnt_copy(t, 1, &seg), 0);
	assert_int_equal(seg.status, -EPERM);
	assert_int_equal(rtdd_evtchn_open(t, &ev), 0);
	assert_int_equal(rtdd_evtchn_bind_interdomain(ev, front, g.port, &px),
			 -EINVAL);
	rtdd_evtchn_close(ev);
	rtdd_hv_close(t);
	assert_int_equal(write(p2f[1], "k", 1), 1);

	assert_int_equal(waitpid(fpid, &status, 0), fpid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(waitpid(bpid, &status, 0), bpid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* both announced a clean shutdown: SHUTDOWN, then cleaned up */
	assert_int_equal(simhv_fixture_open(&fx, 0, &w), 0);
	assert_int_equal(rtdd_simhv_domain_wait(w, front, &st, NULL), 0);
	assert_int_equal(st, RTDD_DOM_SHUTDOWN);
	assert_int_equal(rtdd_simhv_domain_wait(w, back, &st, NULL), 0);
	assert_int_equal(st, RTDD_DOM_SHUTDOWN);
	rtdd_hv_close(w);
	assert_int_equal(rtdd_simhv_stats(fx.dom0, &s), 0);
	assert_int_equal(s.grant_maps, 0);
	assert_int_equal(s.grant_pins, 0);
	assert_int_equal(s.ports, 0);
	assert_int_equal(s.domains, 2); /* dom0 and third */
	for (int i = 0; i < 2; i++) {
		close(f2b[i]);
		close(f2p[i]);
		close(p2f[i]);
		close(b2f[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_front_back, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * Every op of rtdd/hv.h on rtdd-simhv, one process acting as several
 * domains ("sim:N"), with Xen's errno for each refusal.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../hv/sim/proto.h" /* the wire, for hostile clients */
#include "simhv_fixture.h"

static struct simhv_fixture fx;
static rtdd_domid d1, d2, d3;
static rtdd_hv *h1, *h2, *h3;

static int group_setup(void **state)
{
	(void)state;
	if (simhv_fixture_start(&fx))
		return -1;
	if (simhv_fixture_domain(&fx, "front", 2, &d1) ||
	    simhv_fixture_domain(&fx, "back", 1, &d2) ||
	    simhv_fixture_domain(&fx, "other", 1, &d3))
		return -1;
	if (simhv_fixture_open(&fx, d1, &h1) ||
	    simhv_fixture_open(&fx, d2, &h2) ||
	    simhv_fixture_open(&fx, d3, &h3))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rtdd_hv_close(h1);
	rtdd_hv_close(h2);
	rtdd_hv_close(h3);
	simhv_fixture_stop(&fx);
	return 0;
}

static struct rtdd_simhv_stats stats(void)
{
	struct rtdd_simhv_stats s;

	assert_int_equal(rtdd_simhv_stats(fx.dom0, &s), 0);
	return s;
}

/* ---- open ---------------------------------------------------------------- */

static void test_open(void **state)
{
	uint32_t want = RTDD_HV_F_EVTCHN | RTDD_HV_F_GNT_MAP |
			RTDD_HV_F_GNT_SHARE | RTDD_HV_F_GNT_COPY |
			RTDD_HV_F_DOMINFO | RTDD_HV_F_SCHED_RTDS;
	char *err = NULL, *saved;
	rtdd_hv *hv;

	(void)state;
	assert_int_equal(rtdd_hv_kind(h1), RTDD_HV_SIM);
	assert_string_equal(rtdd_hv_name(h1), "sim");
	assert_int_equal(rtdd_hv_domid(h1), d1);
	assert_int_equal(rtdd_hv_domid(fx.dom0), 0);
	assert_int_equal(rtdd_hv_features(fx.dom0) & want, want);
	/* a domU cannot use domctls, as a probe on Xen would find */
	want &= ~(uint32_t)(RTDD_HV_F_DOMINFO | RTDD_HV_F_SCHED_RTDS);
	assert_int_equal(rtdd_hv_features(h1) & want, want);
	assert_int_equal(rtdd_hv_features(h1) &
				 (RTDD_HV_F_DOMINFO | RTDD_HV_F_SCHED_RTDS),
			 0);

	/* no such domain: -ENOENT and a message saying what to do */
	assert_int_equal(rtdd_hv_open("sim:999", &hv, &err), -ENOENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "rtdd-simhv"));
	free(err);
	err = NULL;
	assert_int_equal(rtdd_hv_open("sim:x", &hv, &err), -EINVAL);
	free(err);
	err = NULL;

	/* "sim" = $RTDD_SIM_DOMID */
	setenv("RTDD_SIM_DOMID", "2", 1);
	assert_int_equal(rtdd_hv_open("sim", &hv, NULL), 0);
	assert_int_equal(rtdd_hv_domid(hv), d2);
	rtdd_hv_close(hv);
	unsetenv("RTDD_SIM_DOMID");

	saved = strdup(getenv("RTDD_SIM_DIR"));
	unsetenv("RTDD_SIM_DIR");
	assert_int_equal(rtdd_hv_open("sim:1", &hv, &err), -ENOENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "RTDD_SIM_DIR"));
	free(err);
	setenv("RTDD_SIM_DIR", saved, 1);
	free(saved);
}

/* ---- grants -------------------------------------------------------------- */

static void test_share_map_rw(void **state)
{
	struct rtdd_simhv_stats s0 = stats(), s;
	rtdd_gref refs[3];
	char *fpage, *bpage;
	void *a, *b;

	(void)state;
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 3, false, &a, refs), 0);
	fpage = a;
	/* zeroed pages */
	for (unsigned i = 0; i < 3 * RTDD_PAGE_SIZE; i++)
		assert_int_equal(fpage[i], 0);
	for (unsigned i = 0; i < 3; i++)
		assert_true(refs[i] >= 8); /* reserved entries stay free */
	strcpy(fpage + RTDD_PAGE_SIZE, "from the frontend");

	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 3, refs, false, &b), 0);
	bpage = b;
	assert_string_equal(bpage + RTDD_PAGE_SIZE, "from the frontend");
	strcpy(bpage + 2 * RTDD_PAGE_SIZE + 100, "from the backend");
	assert_string_equal(fpage + 2 * RTDD_PAGE_SIZE + 100,
			    "from the backend");
	s = stats();
	assert_int_equal(s.grant_maps, s0.grant_maps + 1);
	assert_int_equal(s.grant_pins, s0.grant_pins + 3);

	/* Xen: ending access while mapped fails, nothing changes */
	assert_int_equal(rtdd_gnt_unshare_pages(h1, a, 3), -EBUSY);
	assert_string_equal(bpage + RTDD_PAGE_SIZE, "from the frontend");
	assert_int_equal(rtdd_gnt_unshare_pages(h1, a, 2), -EINVAL);

	/* a second mapping of the same refs pins them twice */
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &refs[0], true, &a), 0);
	assert_int_equal(stats().grant_pins, s0.grant_pins + 4);
	assert_int_equal(rtdd_gnt_unmap(h2, a, 1), 0);

	assert_int_equal(rtdd_gnt_unmap(h2, b, 2), -EINVAL);
	assert_int_equal(rtdd_gnt_unmap(h2, b, 3), 0);
	assert_int_equal(rtdd_gnt_unmap(h2, b, 3), -EINVAL);
	s = stats();
	assert_int_equal(s.grant_maps, s0.grant_maps);
	assert_int_equal(s.grant_pins, s0.grant_pins);

	assert_int_equal(rtdd_gnt_unshare_pages(h1, fpage, 3), 0);
	/* revoked */
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &refs[1], false, &b),
			 -ENOENT);
}

static void test_map_errors(void **state)
{
	struct rtdd_simhv_stats s0 = stats();
	rtdd_gref rw[2], ro, batch[3], bad;
	void *a, *r, *m;
	char *p;

	(void)state;
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 2, false, &a, rw), 0);
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 1, true, &r, &ro), 0);
	strcpy(r, "read me");

	/* granted to d2, not d3 */
	assert_int_equal(rtdd_gnt_map_refs(h3, d1, 1, rw, false, &m), -EPERM);
	assert_int_equal(rtdd_gnt_map_refs(h3, d1, 1, rw, true, &m), -EPERM);
	/* write access to a read-only grant */
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &ro, false, &m), -EPERM);
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &ro, true, &m), 0);
	p = m;
	assert_string_equal(p, "read me");
	assert_int_equal(rtdd_gnt_unmap(h2, m, 1), 0);
	/* out of the table, never granted, no such domain */
	bad = 1u << 30;
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &bad, true, &m), -EINVAL);
	bad = 5000;
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 1, &bad, true, &m), -ENOENT);
	assert_int_equal(rtdd_gnt_map_refs(h2, 900, 1, rw, true, &m), -ESRCH);
	/* a batch with one bad ref maps nothing */
	batch[0] = rw[0];
	batch[1] = rw[1];
	batch[2] = ro;
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 3, batch, false, &m),
			 -EPERM);
	assert_int_equal(stats().grant_pins, s0.grant_pins);
	assert_int_equal(rtdd_gnt_map_refs(h2, d1, 0, batch, false, &m),
			 -EINVAL);
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 0, false, &m, batch),
			 -EINVAL);

	assert_int_equal(rtdd_gnt_unshare_pages(h1, a, 2), 0);
	assert_int_equal(rtdd_gnt_unshare_pages(h1, r, 1), 0);
	assert_int_equal(rtdd_gnt_unshare_pages(h1, r, 1), -EINVAL);
}

static void test_copy(void **state)
{
	struct rtdd_gnt_copy_seg segs[100];
	rtdd_gref rw, ro;
	char local[RTDD_PAGE_SIZE], out[RTDD_PAGE_SIZE];
	char *prw, *pro;
	void *a, *r;

	(void)state;
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 1, false, &a, &rw), 0);
	assert_int_equal(rtdd_gnt_share_pages(h1, d2, 1, true, &r, &ro), 0);
	prw = a;
	pro = r;
	strcpy(pro + 10, "readonly data");
	memset(local, 'L', sizeof(local));
	memset(segs, 0, sizeof(segs));

	/* 0: local -> rw gref at offset 100 */
	segs[0].src.virt = local;
	segs[0].dst = (struct rtdd_gnt_copy_ptr){true, d1, rw, 100, NULL};
	segs[0].len = 50;
	/* 1: ro gref -> local */
	segs[1].src = (struct rtdd_gnt_copy_ptr){true, d1, ro, 10, NULL};
	segs[1].dst.virt = out;
	segs[1].len = 14;
	/* 2: local -> ro gref: -EPERM */
	segs[2].src.virt = local;
	segs[2].dst = (struct rtdd_gnt_copy_ptr){true, d1, ro, 0, NULL};
	segs[2].len = 10;
	/* 3: beyond the page: -EINVAL */
	segs[3].src.virt = local;
	segs[3].dst = (struct rtdd_gnt_copy_ptr){true, d1, rw, 4000, NULL};
	segs[3].len = 200;
	/* 4: gref -> gref (ro page into the rw page at 2000) */
	segs[4].src = (struct rtdd_gnt_copy_ptr){true, d1, ro, 10, NULL};
	segs[4].dst = (struct rtdd_gnt_copy_ptr){true, d1, rw, 2000, NULL};
	segs[4].len = 14;
	/* 5: bad ref, 6: no such domain */
	segs[5].src = (struct rtdd_gnt_copy_ptr){true, d1, 7000, 0, NULL};
	segs[5].dst.virt = out;
	segs[5].len = 1;
	segs[6].src = (struct rtdd_gnt_copy_ptr){true, 950, ro, 0, NULL};
	segs[6].dst.virt = out;
	segs[6].len = 1;
	assert_int_equal(rtdd_gnt_copy(h2, 7, segs), 0);
	assert_int_equal(segs[0].status, 0);
	assert_int_equal(segs[1].status, 0);
	assert_int_equal(segs[2].status, -EPERM);
	assert_int_equal(segs[3].status, -EINVAL);
	assert_int_equal(segs[4].status, 0);
	assert_int_equal(segs[5].status, -ENOENT);
	assert_int_equal(segs[6].status, -ESRCH);
	assert_memory_equal(prw + 100, local, 50);
	assert_int_equal(prw[99], 0);
	assert_int_equal(prw[150], 0);
	assert_string_equal(out, "readonly data");
	assert_string_equal(prw + 2000, "readonly data");

	/* the wrong domain copies nothing */
	segs[0].src = (struct rtdd_gnt_copy_ptr){true, d1, rw, 0, NULL};
	segs[0].dst.is_gref = false;
	segs[0].dst.virt = out;
	segs[0].len = 8;
	assert_int_equal(rtdd_gnt_copy(h3, 1, segs), 0);
	assert_int_equal(segs[0].status, -EPERM);

	/* more segments than one request carries */
	for (unsigned k = 0; k < sizeof(local); k++)
		local[k] = (char)(k % 251);
	for (unsigned i = 0; i < 100; i++) {
		segs[i] = (struct rtdd_gnt_copy_seg){0};
		segs[i].src.virt = local + i;
		segs[i].dst = (struct rtdd_gnt_copy_ptr){
			true, d1, rw, (uint16_t)(i * 40), NULL};
		segs[i].len = 40;
	}
	assert_int_equal(rtdd_gnt_copy(h2, 100, segs), 0);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(segs[i].status, 0);
		assert_memory_equal(prw + i * 40, local + i, 40);
	}
	assert_int_equal(rtdd_gnt_copy(h2, 0, segs), 0);
	/* after revocation */
	assert_int_equal(rtdd_gnt_unshare_pages(h1, a, 1), 0);
	segs[0].dst = (struct rtdd_gnt_copy_ptr){true, d1, rw, 0, NULL};
	assert_int_equal(rtdd_gnt_copy(h2, 1, segs), 0);
	assert_int_equal(segs[0].status, -ENOENT);
	assert_int_equal(rtdd_gnt_unshare_pages(h1, r, 1), 0);
	assert_int_equal(stats().grant_pins, 0);
}

/* ---- event channels ------------------------------------------------------ */

static int pending_count(rtdd_evtchn *ev, rtdd_port want)
{
	rtdd_port p;
	int n = 0, rc;

	while ((rc = rtdd_evtchn_pending(ev, &p)) == 0) {
		assert_int_equal(p, want);
		n++;
	}
	assert_int_equal(rc, -EAGAIN);
	return n;
}

static void test_evtchn(void **state)
{
	rtdd_evtchn *e1, *e2, *e3;
	rtdd_port p1, p2, p3, px;
	struct pollfd pfd;

	(void)state;
	assert_int_equal(rtdd_evtchn_open(h1, &e1), 0);
	assert_int_equal(rtdd_evtchn_open(h2, &e2), 0);
	assert_int_equal(rtdd_evtchn_open(h3, &e3), 0);
	assert_true(rtdd_evtchn_fd(e1) >= 0);

	assert_int_equal(rtdd_evtchn_alloc_unbound(e1, 900, &px), -ESRCH);
	assert_int_equal(rtdd_evtchn_alloc_unbound(e1, d2, &p1), 0);
	assert_true(p1 > 0);
	/* offered to d2: d3 may not bind; bad port; no domain */
	assert_int_equal(rtdd_evtchn_bind_interdomain(e3, d1, p1, &px),
			 -EINVAL);
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, d1, 4000, &px),
			 -EINVAL);
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, 900, p1, &px),
			 -ESRCH);
	/* notify on an unbound port is dropped, no error */
	assert_int_equal(rtdd_evtchn_notify(e1, p1), 0);
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, d1, p1, &p2), 0);
	/* Xen: binding an already bound port is -EINVAL */
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, d1, p1, &px),
			 -EINVAL);
	assert_int_equal(pending_count(e1, p1), 0);

	/* d2 -> d1: delivered once, then masked; events coalesce */
	assert_int_equal(rtdd_evtchn_notify(e2, p2), 0);
	pfd = (struct pollfd){.fd = rtdd_evtchn_fd(e1), .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(pending_count(e1, p1), 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rtdd_evtchn_notify(e2, p2), 0);
	assert_int_equal(pending_count(e1, p1), 0);
	assert_int_equal(rtdd_evtchn_unmask(e1, p1), 0);
	assert_int_equal(pending_count(e1, p1), 1);
	assert_int_equal(rtdd_evtchn_unmask(e1, p1), 0);
	assert_int_equal(pending_count(e1, p1), 0); /* nothing new */

	/* d1 -> d2 */
	assert_int_equal(rtdd_evtchn_notify(e1, p1), 0);
	assert_int_equal(pending_count(e2, p2), 1);
	assert_int_equal(rtdd_evtchn_unmask(e2, p2), 0);

	/* ports of other handles / domains */
	assert_int_equal(rtdd_evtchn_notify(e3, p2), -ENOENT);
	assert_int_equal(rtdd_evtchn_unbind(e3, p1), -ENOENT);
	assert_int_equal(rtdd_evtchn_unmask(e3, p1), -ENOENT);

	/* d2 closes: d1's port is unbound again, notify is dropped */
	assert_int_equal(rtdd_evtchn_unbind(e2, p2), 0);
	assert_int_equal(rtdd_evtchn_notify(e1, p1), 0);
	assert_int_equal(pending_count(e2, p2), 0);
	/* and d2 can bind it again: the cached peer is refreshed */
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, d1, p1, &p3), 0);
	assert_int_equal(rtdd_evtchn_notify(e1, p1), 0);
	assert_int_equal(pending_count(e2, p3), 1);
	assert_int_equal(rtdd_evtchn_notify(e2, p3), 0);
	assert_int_equal(rtdd_evtchn_unmask(e1, p1), 0);
	assert_int_equal(pending_count(e1, p1), 1);

	/* loopback within one domain */
	assert_int_equal(rtdd_evtchn_alloc_unbound(e3, RTDD_DOMID_SELF, &px),
			 0);
	assert_int_equal(rtdd_evtchn_bind_interdomain(e3, d3, px, &p3), 0);
	assert_int_equal(rtdd_evtchn_notify(e3, p3), 0);
	assert_int_equal(pending_count(e3, px), 1);

	rtdd_evtchn_close(e3);
	rtdd_evtchn_close(e2);
	rtdd_evtchn_close(e1);
}

/* notify is thread-safe on one handle, grant calls on one context, and
 * the two do not deadlock against each other. */
struct notifier {
	rtdd_evtchn *ev;
	rtdd_port port;
	int errors;
};

static void *notify_thread(void *arg)
{
	struct notifier *n = arg;

	for (int i = 0; i < 3000; i++)
		if (rtdd_evtchn_notify(n->ev, n->port))
			n->errors++;
	return NULL;
}

static void *grant_thread(void *arg)
{
	int *errors = arg;

	for (int i = 0; i < 200; i++) {
		rtdd_gref ref;
		void *a, *m;

		if (rtdd_gnt_share_pages(h2, d1, 1, false, &a, &ref) ||
		    rtdd_gnt_map_refs(h1, d2, 1, &ref, false, &m) ||
		    rtdd_gnt_unmap(h1, m, 1) ||
		    rtdd_gnt_unshare_pages(h2, a, 1))
			(*errors)++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct notifier n[2];
	rtdd_evtchn *e1, *e2;
	rtdd_port p1, p2, p;
	pthread_t th[3];
	int gerr = 0, got = 0;

	(void)state;
	assert_int_equal(rtdd_evtchn_open(h1, &e1), 0);
	assert_int_equal(rtdd_evtchn_open(h2, &e2), 0);
	assert_int_equal(rtdd_evtchn_alloc_unbound(e1, d2, &p1), 0);
	assert_int_equal(rtdd_evtchn_bind_interdomain(e2, d1, p1, &p2), 0);
	for (int i = 0; i < 2; i++) {
		n[i] = (struct notifier){e2, p2, 0};
		assert_int_equal(
			pthread_create(&th[i], NULL, notify_thread, &n[i]), 0);
	}
	assert_int_equal(pthread_create(&th[2], NULL, grant_thread, &gerr), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(n[0].errors + n[1].errors, 0);
	assert_int_equal(gerr, 0);
	/* 6000 notifies, one pending event */
	while (rtdd_evtchn_pending(e1, &p) == 0) {
		assert_int_equal(p, p1);
		got++;
		assert_int_equal(rtdd_evtchn_unmask(e1, p), 0);
	}
	assert_int_equal(got, 1);
	assert_int_equal(stats().grant_pins, 0);
	rtdd_evtchn_close(e2);
	rtdd_evtchn_close(e1);
}

/* ---- domains and scheduling ---------------------------------------------- */

static void test_dominfo(void **state)
{
	struct rtdd_dom_info info;
	struct rtdd_dom_info *doms;
	unsigned n;
	bool seen = false;

	(void)state;
	assert_int_equal(rtdd_dom_info(fx.dom0, d1, &info), 0);
	assert_int_equal(info.domid, d1);
	assert_string_equal(info.name, "front");
	assert_int_equal(info.state, RTDD_DOM_RUNNING);
	assert_int_equal(info.vcpus, 2);
	assert_int_equal(info.mem_kib, 64 * 1024);
	assert_int_equal(info.cpupool, 0);
	assert_int_equal(rtdd_dom_info(fx.dom0, 0, &info), 0);
	assert_string_equal(info.name, "Domain-0");
	assert_int_equal(rtdd_dom_info(fx.dom0, 777, &info), -ESRCH);
	/* a domU is not privileged */
	assert_int_equal(rtdd_dom_info(h1, d1, &info), -EPERM);

	assert_int_equal(rtdd_simhv_domain_list(fx.dom0, &doms, &n), 0);
	for (unsigned i = 0; i < n; i++)
		seen |= doms[i].domid == d2 && !strcmp(doms[i].name, "back");
	free(doms);
	assert_true(seen);
	assert_int_equal(rtdd_simhv_domain_list(h1, &doms, &n), -EPERM);
}

static void test_rtds(void **state)
{
	struct rtdd_rtds_params p, q = {5000, 1000, false};
	rtdd_domid dc;

	(void)state;
	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, d1, 1, &p), 0);
	assert_int_equal(p.period_us, 10000); /* Xen's RTDS defaults */
	assert_int_equal(p.budget_us, 4000);
	assert_int_equal(rtdd_sched_rtds_set(fx.dom0, d1, 1, &q), 0);
	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, d1, 1, &p), 0);
	assert_int_equal(p.period_us, 5000);
	assert_int_equal(p.budget_us, 1000);
	assert_false(p.extratime);
	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, d1, 0, &p), 0);
	assert_int_equal(p.period_us, 10000);

	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, d1, 2, &p), -EINVAL);
	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, 800, 0, &p), -ESRCH);
	q = (struct rtdd_rtds_params){1000, 2000, false};
	assert_int_equal(rtdd_sched_rtds_set(fx.dom0, d1, 0, &q), -EINVAL);
	q = (struct rtdd_rtds_params){9, 9, false};
	assert_int_equal(rtdd_sched_rtds_set(fx.dom0, d1, 0, &q), -EINVAL);
	q = (struct rtdd_rtds_params){1000, 100, false};
	assert_int_equal(rtdd_sched_rtds_set(h1, d1, 0, &q), -EPERM);
	assert_int_equal(rtdd_sched_rtds_get(h1, d1, 0, &p), -EPERM);

	/* a credit2 pool has no RTDS */
	assert_int_equal(rtdd_simhv_cpupool_create(fx.dom0, 2, "credit2", 1),
			 0);
	assert_int_equal(rtdd_simhv_cpupool_create(fx.dom0, 2, "rtds", 1),
			 -EEXIST);
	assert_int_equal(rtdd_simhv_cpupool_create(fx.dom0, 3, "fifo", 1),
			 -EINVAL);
	assert_int_equal(simhv_fixture_domain(&fx, "c2", 1, &dc), 0);
	assert_int_equal(rtdd_simhv_cpupool_move(fx.dom0, dc, 2), 0);
	assert_int_equal(rtdd_sched_rtds_get(fx.dom0, dc, 0, &p), -EOPNOTSUPP);
	assert_int_equal(rtdd_simhv_cpupool_destroy(fx.dom0, 2), -EBUSY);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, dc), 0);
	assert_int_equal(rtdd_simhv_cpupool_destroy(fx.dom0, 2), 0);
	assert_int_equal(rtdd_simhv_cpupool_destroy(fx.dom0, 0), -EBUSY);
	assert_int_equal(rtdd_simhv_cpupool_move(fx.dom0, d1, 9), -ENOENT);
	assert_int_equal(rtdd_simhv_cpupool_create(h1, 4, "rtds", 1), -EPERM);
}

struct kattr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
};

static struct kattr getattr_self(void)
{
	struct kattr a = {0};

	assert_int_equal(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0), 0);
	return a;
}

struct bind_res {
	int rc, rc2, rc3;
	struct rtdd_simhv_sched s1, s2, s3;
	struct kattr a1, a2, a3;
	cpu_set_t aff3;
};

static rtdd_domid bind_dom;

/* In a thread of its own, so the test's main thread keeps its policy. */
static void *bind_thread(void *arg)
{
	struct bind_res *r = arg;
	struct rtdd_rtds_params q = {20000, 2000, false};
	rtdd_hv *hv;

	if (simhv_fixture_open(&fx, bind_dom, &hv)) {
		r->rc = -EIO;
		return NULL;
	}
	r->rc = rtdd_simhv_bind_vcpu(hv, 0, &r->s1);
	r->a1 = getattr_self();
	r->rc2 = rtdd_sched_rtds_set(fx.dom0, bind_dom, 0, &q);
	rtdd_simhv_bind_vcpu(hv, 0, &r->s2);
	r->a2 = getattr_self();
	/* a pool of CPU 0 only: affinity, and FIFO (DEADLINE needs the
	 * whole root domain) */
	r->rc3 = rtdd_simhv_cpupool_create(fx.dom0, 5, "rtds", 1);
	if (!r->rc3)
		r->rc3 = rtdd_simhv_cpupool_move(fx.dom0, bind_dom, 5);
	rtdd_simhv_bind_vcpu(hv, 0, &r->s3);
	r->a3 = getattr_self();
	sched_getaffinity(0, sizeof(r->aff3), &r->aff3);
	rtdd_hv_close(hv); /* simhv puts the thread back to SCHED_OTHER */
	return NULL;
}

static void test_bind_vcpu(void **state)
{
	struct bind_res r = {0};
	struct rtdd_simhv_sched s;
	pthread_t th;
	bool dl = rtdd_hv_features(h1) & RTDD_HV_F_SCHED_DEADLINE;

	(void)state;
	assert_int_equal(simhv_fixture_domain(&fx, "rt", 1, &bind_dom), 0);
	assert_int_equal(rtdd_simhv_bind_vcpu(h1, 7, &s), -EINVAL);
	assert_int_equal(pthread_create(&th, NULL, bind_thread, &r), 0);
	pthread_join(th, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rc2, 0);
	assert_int_equal(r.rc3, 0);
	printf("bind_vcpu: SCHED_DEADLINE %s; applied %s (deadline: %s)\n",
	       dl ? "available" : "refused",
	       r.s1.policy == RTDD_SIMHV_POLICY_DEADLINE ? "SCHED_DEADLINE"
	       : r.s1.policy == RTDD_SIMHV_POLICY_FIFO	 ? "SCHED_FIFO"
							 : "nothing",
	       strerror(-r.s1.deadline_err));
	assert_int_equal(r.s1.params.period_us, 10000);
	assert_int_equal(r.s2.params.period_us, 20000);
	if (r.s1.policy == RTDD_SIMHV_POLICY_NONE) {
		/* neither SCHED_DEADLINE nor SCHED_FIFO (no CAP_SYS_NICE) */
		assert_int_equal(r.s1.err, -EPERM);
		assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, bind_dom),
				 0);
		assert_int_equal(rtdd_simhv_cpupool_destroy(fx.dom0, 5), 0);
		printf("SKIP: real-time scheduling is not permitted here\n");
		skip();
	}
	if (dl) {
		assert_int_equal(r.s1.policy, RTDD_SIMHV_POLICY_DEADLINE);
		assert_int_equal(r.a1.policy, 6 /* SCHED_DEADLINE */);
		assert_int_equal(r.a1.runtime, 4000 * 1000ull);
		assert_int_equal(r.a1.period, 10000 * 1000ull);
		assert_int_equal(r.a1.deadline, 10000 * 1000ull);
		/* rtds_set reaches the bound thread */
		assert_int_equal(r.a2.policy, 6);
		assert_int_equal(r.a2.runtime, 2000 * 1000ull);
		assert_int_equal(r.a2.period, 20000 * 1000ull);
	} else {
		assert_int_equal(r.s1.policy, RTDD_SIMHV_POLICY_FIFO);
		assert_int_equal(r.a1.policy, SCHED_FIFO);
		assert_int_equal((int)r.a1.prio, r.s1.fifo_prio);
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
		assert_int_equal(r.s3.policy, RTDD_SIMHV_POLICY_FIFO);
		assert_int_equal(r.a3.policy, SCHED_FIFO);
		assert_true(r.s3.fifo_prio >= 1 && r.s3.fifo_prio <= 99);
		assert_int_equal(CPU_COUNT(&r.aff3), 1);
		assert_true(CPU_ISSET(0, &r.aff3));
	}
	assert_int_equal(stats().bound_threads, 0);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, bind_dom), 0);
	assert_int_equal(rtdd_simhv_cpupool_destroy(fx.dom0, 5), 0);
}

/* A live (not zombie) process in process group pgid? */
static bool group_alive(pid_t pgid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	bool alive = false;

	assert_non_null(dir);
	while (!alive && (de = readdir(dir))) {
		char path[300], buf[512], *p, state;
		int pgrp = 0;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) state ppid pgrp ...": comm may hold spaces */
		p = p ? strrchr(buf, ')') : NULL;
		if (p && sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2)
			alive = pgrp == pgid && state != 'Z';
	}
	closedir(dir);
	return alive;
}

static void test_lifecycle(void **state)
{
	struct rtdd_simhv_dom_cfg cfg = {.name = "front"};
	char *argv_ok[] = {"sh",
			   "-c",
			   "test \"$RTDD_SIM_DOMID\" = \"$1\" && "
			   "test -n \"$RTDD_SIM_DIR\" && "
			   "test -S \"$RTDD_SIM_DIR/dom$1/hv.sock\"",
			   "sh",
			   NULL,
			   NULL};
	char *argv_crash[] = {"sh", "-c", "kill -9 $$", NULL};
	/* the domain's processes are its process group */
	char *argv_group[] = {"sh", "-c", "sleep 60 & sleep 60 & wait", NULL};
	char *argv_nope[] = {"/nonexistent/binary", NULL};
	char idbuf[16];
	enum rtdd_dom_state st;
	rtdd_domid d, e;
	int status;
	pid_t pid, kid;
	rtdd_hv *hv;

	(void)state;
	assert_int_equal(rtdd_simhv_domain_create(fx.dom0, &cfg, &d), -EEXIST);
	cfg.name = "bad/name";
	assert_int_equal(rtdd_simhv_domain_create(fx.dom0, &cfg, &d), -EINVAL);
	cfg.name = "x";
	cfg.cpupool = 33;
	assert_int_equal(rtdd_simhv_domain_create(fx.dom0, &cfg, &d), -ENOENT);
	cfg.cpupool = 0;
	cfg.vcpus = 65;
	assert_int_equal(rtdd_simhv_domain_create(fx.dom0, &cfg, &d), -EINVAL);
	assert_int_equal(rtdd_simhv_domain_create(h1, &cfg, &d), -EPERM);

	/* spawned, exits 0: SHUTDOWN; its env names its domain */
	assert_int_equal(simhv_fixture_domain(&fx, "ok", 1, &d), 0);
	snprintf(idbuf, sizeof(idbuf), "%u", d);
	argv_ok[4] = idbuf;
	assert_int_equal(simhv_fixture_open(&fx, 0, &hv), 0);
	assert_int_equal(
		rtdd_simhv_domain_spawn(fx.dom0, d, argv_ok, NULL, NULL, &pid),
		0);
	assert_int_equal(rtdd_simhv_domain_wait(hv, d, &st, &status), 0);
	assert_int_equal(st, RTDD_DOM_SHUTDOWN);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* killed by a signal: CRASHED, then gone */
	assert_int_equal(simhv_fixture_domain(&fx, "crash", 1, &d), 0);
	assert_int_equal(rtdd_simhv_domain_spawn(fx.dom0, d, argv_crash, NULL,
						 NULL, &pid),
			 0);
	assert_int_equal(rtdd_simhv_domain_wait(hv, d, &st, &status), 0);
	assert_int_equal(st, RTDD_DOM_CRASHED);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == 9);
	assert_int_equal(simhv_fixture_wait_gone(&fx, d, 1000), 0);

	assert_int_equal(simhv_fixture_domain(&fx, "nope", 1, &d), 0);
	assert_int_equal(rtdd_simhv_domain_spawn(fx.dom0, d, argv_nope, NULL,
						 NULL, &pid),
			 -ENOENT);

	/* an attached process of ours, not simhv's child */
	assert_int_equal(simhv_fixture_domain(&fx, "att", 1, &e), 0);
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, e, kid), 0);
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, e, kid), -EEXIST);
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, d1, kid), -EBUSY);
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, 901, kid), -ESRCH);
	kill(kid, SIGKILL);
	assert_int_equal(rtdd_simhv_domain_wait(hv, e, &st, &status), 0);
	assert_int_equal(st, RTDD_DOM_CRASHED);
	assert_int_equal(status, -1);
	waitpid(kid, &status, 0);

	/* a clean shutdown announced by the domain itself */
	assert_int_equal(simhv_fixture_domain(&fx, "clean", 1, &e), 0);
	kid = fork();
	if (kid == 0) {
		rtdd_hv *me;

		if (simhv_fixture_open(&fx, e, &me) ||
		    rtdd_simhv_domain_shutdown(me, RTDD_DOMID_SELF))
			_exit(1);
		_exit(7);
	}
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, e, kid), 0);
	assert_int_equal(rtdd_simhv_domain_wait(hv, e, &st, &status), 0);
	assert_int_equal(st, RTDD_DOM_SHUTDOWN);
	waitpid(kid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 7);

	/* destroying a spawned domain ends every process of its group */
	assert_int_equal(simhv_fixture_domain(&fx, "group", 1, &e), 0);
	assert_int_equal(rtdd_simhv_domain_spawn(fx.dom0, e, argv_group, NULL,
						 NULL, &pid),
			 0);
	assert_true(group_alive(pid)); /* sh itself, at least */
	usleep(100000); /* let sh start its sleeps (liveness only) */
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, e), 0);
	assert_int_equal(rtdd_simhv_domain_wait(hv, e, &st, NULL), 0);
	assert_int_equal(st, RTDD_DOM_DYING);
	for (int i = 0; i < 500 && group_alive(pid); i++)
		usleep(10000);
	assert_false(group_alive(pid));

	/* destroyed under a running process: DYING, the process killed */
	assert_int_equal(simhv_fixture_domain(&fx, "doomed", 1, &e), 0);
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(rtdd_simhv_domain_attach(fx.dom0, e, kid), 0);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, e), 0);
	assert_int_equal(rtdd_simhv_domain_wait(hv, e, &st, &status), 0);
	assert_int_equal(st, RTDD_DOM_DYING);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, d), 0);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, d), -ESRCH);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, 0), -EPERM);
	assert_int_equal(rtdd_simhv_domain_destroy(h1, d2), -EPERM);
	rtdd_hv_close(hv);
}

/* Without pidfd_open (kernels before 5.3, valgrind 3.19) simhv watches
 * the processes it did not spawn through /proc: RTDD_SIMHV_NO_PIDFD makes a
 * second simhv take that path. A process that ends, reaped or left a
 * zombie, ends its domain. */
static void test_attach_without_pidfd(void **state)
{
	struct simhv_fixture f2;
	int pfd[2], status, rc;
	rtdd_domid e;
	pid_t kid;

	(void)state;
	setenv("RTDD_SIMHV_NO_PIDFD", "1", 1);
	rc = simhv_fixture_start(&f2);
	unsetenv("RTDD_SIMHV_NO_PIDFD");
	assert_int_equal(rc, 0);

	/* killed and not reaped: a zombie is gone too */
	assert_int_equal(simhv_fixture_domain(&f2, "zombie", 1, &e), 0);
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(rtdd_simhv_domain_attach(f2.dom0, e, kid), 0);
	assert_int_equal(rtdd_simhv_domain_attach(f2.dom0, e, kid), -EEXIST);
	assert_int_equal(simhv_fixture_wait_gone(&f2, e, 200), -ETIMEDOUT);
	assert_int_equal(kill(kid, SIGKILL), 0);
	assert_int_equal(simhv_fixture_wait_gone(&f2, e, 10000), 0);
	/* a zombie cannot join */
	assert_int_equal(simhv_fixture_domain(&f2, "late", 1, &e), 0);
	assert_int_equal(rtdd_simhv_domain_attach(f2.dom0, e, kid), -ESRCH);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_int_equal(rtdd_simhv_domain_destroy(f2.dom0, e), 0);

	/* exits by itself and is reaped */
	assert_int_equal(simhv_fixture_domain(&f2, "exits", 1, &e), 0);
	assert_int_equal(pipe(pfd), 0);
	kid = fork();
	if (kid == 0) {
		char c;

		_exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
	}
	assert_int_equal(rtdd_simhv_domain_attach(f2.dom0, e, kid), 0);
	assert_int_equal(write(pfd[1], "x", 1), 1);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(simhv_fixture_wait_gone(&f2, e, 10000), 0);
	close(pfd[0]);
	close(pfd[1]);

	/* destroyed while watched: the process is killed */
	assert_int_equal(simhv_fixture_domain(&f2, "doomed", 1, &e), 0);
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(rtdd_simhv_domain_attach(f2.dom0, e, kid), 0);
	assert_int_equal(rtdd_simhv_domain_destroy(f2.dom0, e), 0);
	assert_int_equal(waitpid(kid, &status, 0), kid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	simhv_fixture_stop(&f2);
	setenv("RTDD_SIM_DIR", fx.dir, 1); /* f2 took it over */
}

/* ---- robustness ---------------------------------------------------------- */

static int raw_connect(rtdd_domid domid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dom%u/hv.sock", fx.dir,
		 domid);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void expect_closed(int fd)
{
	char buf[64];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 0);
	close(fd);
}

static void test_hostile_client(void **state)
{
	uint32_t hello[22] = {1 /* HELLO, a whole struct sim_req */, 0, 1};
	uint32_t bad_version[22] = {1, 0, 99};
	uint32_t garbage[5] = {0xdeadbeef, 1, 2, 3, 4};
	uint32_t map_lying[6] = {4 /* GNT_MAP */, 0, 1, 4000, 8, 9};
	struct rtdd_dom_info info;
	char buf[256];
	int fd;

	(void)state;
	fd = raw_connect(d1);
	assert_int_equal(send(fd, garbage, 3, 0), 3); /* too short */
	expect_closed(fd);
	fd = raw_connect(d1);
	assert_int_equal(send(fd, garbage, sizeof(garbage), 0),
			 sizeof(garbage)); /* no hello first */
	expect_closed(fd);
	fd = raw_connect(d1);
	assert_int_equal(send(fd, bad_version, sizeof(bad_version), 0),
			 sizeof(bad_version));
	expect_closed(fd);
	fd = raw_connect(d1);
	assert_int_equal(send(fd, hello, sizeof(hello), 0), sizeof(hello));
	assert_true(recv(fd, buf, sizeof(buf), 0) > 0);
	/* claims 4000 refs, carries 2 */
	assert_int_equal(send(fd, map_lying, sizeof(map_lying), 0),
			 sizeof(map_lying));
	expect_closed(fd);

	/* everyone else is still served */
	assert_int_equal(rtdd_dom_info(fx.dom0, d1, &info), 0);
	assert_int_equal(stats().grant_pins, 0);
}

/* Random requests from an unprivileged domain: some are refused, some
 * close the connection; simhv survives and releases what they held. */
static void test_random_requests(void **state)
{
	struct rtdd_simhv_stats s0 = stats(), s;
	unsigned seed = 12345;
	union {
		struct sim_req req;
		uint8_t raw[512];
	} m;
	struct sim_req hello = {.op = SIM_OP_HELLO};
	char rbuf[SIM_MSG_MAX];

	(void)state;
	hello.u.hello.version = SIM_PROTO_VERSION;
	for (int conn = 0; conn < 200; conn++) {
		int fd = raw_connect(d3);

		assert_int_equal(send(fd, &hello, sizeof(hello), 0),
				 sizeof(hello));
		for (int i = 0; i < 20; i++) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			size_t len;

			for (size_t k = 0; k < sizeof(m.raw); k++)
				m.raw[k] = (uint8_t)rand_r(&seed);
			do
				m.req.op = (uint32_t)rand_r(&seed) %
					   (SIM_OP_MAX_ + 2);
			while (m.req.op == SIM_OP_BIND_VCPU);
			switch (rand_r(&seed) % 3) {
			case 0:
				len = sizeof(struct sim_req);
				break;
			case 1:
				len = offsetof(struct sim_req, u) + 8 +
				      4 * (rand_r(&seed) % 8);
				m.req.u.gnt_map.count =
					(uint32_t)(len -
						   offsetof(struct sim_req,
							    u.gnt_map.refs)) /
					4;
				break;
			default:
				len = (size_t)rand_r(&seed) % sizeof(m.raw);
				break;
			}
			if (send(fd, m.raw, len, MSG_NOSIGNAL) < 0)
				break;
			if (poll(&pfd, 1, 2000) != 1 ||
			    recv(fd, rbuf, sizeof(rbuf), MSG_CMSG_CLOEXEC) <= 0)
				break; /* closed on us */
		}
		close(fd);
	}
	s = stats();
	assert_int_equal(s.grant_maps, s0.grant_maps);
	assert_int_equal(s.grant_pins, s0.grant_pins);
	assert_int_equal(s.ports, s0.ports);
	assert_int_equal(s.simhv_mmaps, s0.simhv_mmaps);
	assert_int_equal(s.domains, s0.domains);
}

/* ---- xenstore through hv (content: tests/sim/xenstored) ------------------ */

static void test_xenstore(void **state)
{
	char path[64], *val = NULL;
	rtdd_domid d;
	size_t len;

	(void)state;
	if (!(rtdd_hv_features(h1) & RTDD_HV_F_XENSTORE)) {
		printf("SKIP: simhv serves no xenstore in this build\n");
		skip();
	}
	snprintf(path, sizeof(path), "/local/domain/%u/name", d1);
	assert_int_equal(rtdd_xs_read(h1, 0, path, &val, &len), 0);
	assert_string_equal(val, "front");
	free(val);
	assert_int_equal(rtdd_xs_read(h1, 0, "domid", &val, &len), 0);
	assert_int_equal(atoi(val), d1);
	free(val);
	/* the domain's own data/ is writable, its name is not */
	assert_int_equal(rtdd_xs_write(h1, 0, "data/x", "1", 1), 0);
	assert_int_equal(rtdd_xs_write(h1, 0, "name", "evil", 4), -EACCES);
	/* and not readable for other domains */
	assert_int_equal(rtdd_xs_read(h2, 0, path, &val, &len), -EACCES);
	assert_int_equal(rtdd_xs_read(fx.dom0, 0, path, &val, &len), 0);
	free(val);
	assert_int_equal(rtdd_xs_read(h1, 0, "memory/target", &val, &len), 0);
	assert_int_equal(atoi(val), 64 * 1024);
	free(val);

	/* a destroyed domain's home goes with it */
	assert_int_equal(simhv_fixture_domain(&fx, "gone", 1, &d), 0);
	snprintf(path, sizeof(path), "/local/domain/%u/name", d);
	assert_int_equal(rtdd_xs_read(fx.dom0, 0, path, &val, &len), 0);
	assert_string_equal(val, "gone");
	free(val);
	assert_int_equal(rtdd_simhv_domain_destroy(fx.dom0, d), 0);
	snprintf(path, sizeof(path), "/local/domain/%u", d);
	assert_int_equal(rtdd_xs_read(fx.dom0, 0, path, &val, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_share_map_rw),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_evtchn),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_dominfo),
		cmocka_unit_test(test_rtds),
		cmocka_unit_test(test_bind_vcpu),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_attach_without_pidfd),
		cmocka_unit_test(test_hostile_client),
		cmocka_unit_test(test_random_requests),
		cmocka_unit_test(test_xenstore),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

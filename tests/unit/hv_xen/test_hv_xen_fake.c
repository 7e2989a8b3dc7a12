// SPDX-License-Identifier: MIT
/*
 * hv/xen's own logic on fake Xen libraries (fake_xen.h): which features it
 * reports and which ops tables it builds from what opens, event channel
 * bookkeeping and the non-blocking pending, grant regions and their release
 * at close, the diagnosis behind a refused map, copy batching and per-segment
 * statuses, and the checks before RTDS calls. Everything goes through hv.h.
 * Real Xen runs tests/unit/hv_conformance in the lab (tests/xen).
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
#include <cmocka.h>

#include "fake_xen.h"
#include "rtdd/hv.h"

#define ALL_FEATURES                                                    \
	(RTDD_HV_F_XENSTORE | RTDD_HV_F_EVTCHN | RTDD_HV_F_GNT_MAP |    \
	 RTDD_HV_F_GNT_SHARE | RTDD_HV_F_GNT_COPY | RTDD_HV_F_DOMINFO | \
	 RTDD_HV_F_SCHED_RTDS)

static rtdd_hv *open_with(const struct fake_xen_cfg *cfg)
{
	rtdd_hv *hv = NULL;
	char *err = NULL;

	fake_xen_reset(cfg);
	assert_int_equal(rtdd_hv_open("xen", &hv, &err), 0);
	assert_null(err);
	return hv;
}

static void close_and_check(rtdd_hv *hv)
{
	rtdd_hv_close(hv);
	assert_int_equal(fake_xen_open_handles(), 0);
	assert_int_equal(fake_xen_live_ports(), 0);
	assert_int_equal(fake_xen_live_maps(), 0);
	assert_int_equal(fake_xen_live_grants(), 0);
}

static void test_open_everything(void **state)
{
	rtdd_hv *hv;

	(void)state;
	hv = open_with(NULL);
	assert_int_equal(rtdd_hv_kind(hv), RTDD_HV_XEN);
	assert_string_equal(rtdd_hv_name(hv), "xen");
	assert_int_equal(rtdd_hv_features(hv), ALL_FEATURES);
	assert_int_equal(rtdd_hv_domid(hv), FAKE_SELF);
	close_and_check(hv);
}

static void test_open_refused(void **state)
{
	struct fake_xen_cfg cfg = {.no_evtchn = true};
	rtdd_hv *hv = NULL;
	char *err = NULL;

	(void)state;
	fake_xen_reset(&cfg);
	assert_int_equal(rtdd_hv_open("xen", &hv, &err), -ENOENT);
	assert_null(hv);
	assert_non_null(strstr(err, "/dev/xen/evtchn"));
	free(err);
	err = NULL;

	cfg = (struct fake_xen_cfg){.evtchn_eacces = true};
	fake_xen_reset(&cfg);
	assert_int_equal(rtdd_hv_open("xen", &hv, &err), -EACCES);
	assert_null(hv);
	assert_non_null(strstr(err, "permission denied"));
	free(err);
	assert_int_equal(fake_xen_open_handles(), 0);
}

static void test_partial_features(void **state)
{
	struct fake_xen_cfg cfg;
	struct rtdd_gnt_copy_seg seg = {
		.src = {.is_gref = true}, .dst = {.virt = &cfg}, .len = 1};
	struct rtdd_dom_info di;
	struct rtdd_rtds_params p;
	rtdd_gref ref = 8;
	void *addr = NULL;
	char *v = NULL;
	rtdd_hv *hv;

	(void)state;
	/* dom0 without xen-gntalloc */
	cfg = (struct fake_xen_cfg){.no_gntalloc = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_hv_features(hv),
			 ALL_FEATURES & ~RTDD_HV_F_GNT_SHARE);
	assert_int_equal(rtdd_gnt_share_pages(hv, 0, 1, false, &addr, &ref),
			 -EOPNOTSUPP);
	assert_int_equal(rtdd_gnt_unshare_pages(hv, &cfg, 1), -EOPNOTSUPP);
	close_and_check(hv);

	/* a kernel without grant copy */
	cfg = (struct fake_xen_cfg){.no_grant_copy = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_hv_features(hv),
			 ALL_FEATURES & ~RTDD_HV_F_GNT_COPY);
	assert_int_equal(rtdd_gnt_copy(hv, 1, &seg), -EOPNOTSUPP);
	close_and_check(hv);

	/* no gntdev: neither map nor copy */
	cfg = (struct fake_xen_cfg){.no_gntdev = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_hv_features(hv),
			 ALL_FEATURES &
				 ~(RTDD_HV_F_GNT_MAP | RTDD_HV_F_GNT_COPY));
	assert_int_equal(rtdd_gnt_map_refs(hv, 0, 1, &ref, true, &addr),
			 -EOPNOTSUPP);
	assert_int_equal(rtdd_gnt_unmap(hv, &cfg, 1), -EOPNOTSUPP);
	assert_int_equal(rtdd_gnt_copy(hv, 1, &seg), -EOPNOTSUPP);
	close_and_check(hv);

	/* a domU: privcmd opens, Xen says EPERM */
	cfg = (struct fake_xen_cfg){.unprivileged = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_hv_features(hv),
			 ALL_FEATURES &
				 ~(RTDD_HV_F_DOMINFO | RTDD_HV_F_SCHED_RTDS));
	assert_int_equal(rtdd_dom_info(hv, RTDD_DOMID_SELF, &di), -EPERM);
	assert_int_equal(rtdd_sched_rtds_get(hv, FAKE_SELF, 0, &p), -EPERM);
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_SELF, 0, &p), -EPERM);
	close_and_check(hv);

	/* a domU without privcmd (this machine is no control domain) */
	cfg = (struct fake_xen_cfg){.no_privcmd = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_dom_info(hv, RTDD_DOMID_SELF, &di), -EPERM);
	close_and_check(hv);

	/* no xenstore: no xenstore ops, and no way to learn our domid */
	cfg = (struct fake_xen_cfg){.no_xenstore = true};
	hv = open_with(&cfg);
	assert_int_equal(rtdd_hv_features(hv),
			 ALL_FEATURES & ~RTDD_HV_F_XENSTORE);
	assert_int_equal(rtdd_hv_domid(hv), RTDD_DOMID_INVALID);
	assert_int_equal(rtdd_xs_read(hv, 0, "domid", &v, NULL), -EOPNOTSUPP);
	assert_int_equal(rtdd_xs_watch_fd(hv), -EOPNOTSUPP);
	/* dom info still works, without names */
	assert_int_equal(rtdd_dom_info(hv, 0, &di), 0);
	assert_string_equal(di.name, "");
	close_and_check(hv);
}

/* ------------------------------------------------------------------------ */

static int readable(rtdd_evtchn *ev)
{
	struct pollfd p = {.fd = rtdd_evtchn_fd(ev), .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

static void test_evtchn(void **state)
{
	rtdd_evtchn *ev, *ev2;
	rtdd_port a, b, c, p;
	rtdd_hv *hv;

	(void)state;
	hv = open_with(NULL);
	assert_int_equal(rtdd_evtchn_open(hv, &ev), 0);
	assert_int_equal(rtdd_evtchn_open(hv, &ev2), 0);
	assert_int_equal(rtdd_evtchn_alloc_unbound(ev, FAKE_SELF, &a), 0);
	assert_int_equal(rtdd_evtchn_bind_interdomain(ev, FAKE_SELF, a, &b), 0);
	/* binding marked b pending: reported once, without blocking */
	assert_true(readable(ev));
	assert_int_equal(rtdd_evtchn_pending(ev, &p), 0);
	assert_int_equal(p, b);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), -EAGAIN);
	assert_false(readable(ev));
	/* masked: notifies coalesce */
	assert_int_equal(rtdd_evtchn_notify(ev, a), 0);
	assert_int_equal(rtdd_evtchn_notify(ev, a), 0);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), -EAGAIN);
	assert_int_equal(rtdd_evtchn_unmask(ev, b), 0);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), 0);
	assert_int_equal(p, b);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), -EAGAIN);
	assert_int_equal(rtdd_evtchn_unmask(ev, b), 0);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), -EAGAIN);
	assert_int_equal(rtdd_evtchn_notify(ev, b), 0);
	assert_int_equal(rtdd_evtchn_pending(ev, &p), 0);
	assert_int_equal(p, a);

	/* ports of another handle, or none */
	assert_int_equal(rtdd_evtchn_alloc_unbound(ev2, FAKE_PEER, &c), 0);
	assert_int_equal(rtdd_evtchn_unbind(ev, c), -ENOENT);
	assert_int_equal(rtdd_evtchn_unmask(ev, c), -ENOENT);
	assert_int_equal(rtdd_evtchn_notify(ev, c), -ENOENT);
	assert_int_equal(rtdd_evtchn_notify(ev, 100000), -EINVAL);
	/* Xen's answers for binding */
	assert_int_equal(rtdd_evtchn_bind_interdomain(ev, 4, 1, &p), -ESRCH);
	assert_int_equal(rtdd_evtchn_bind_interdomain(ev, FAKE_SELF, b, &p),
			 -EINVAL);
	assert_int_equal(rtdd_evtchn_bind_interdomain(ev, FAKE_SELF, c, &p),
			 -EINVAL); /* offered to the peer, not to us */
	assert_int_equal(rtdd_evtchn_alloc_unbound(ev, 0x7ff5, &p), -EINVAL);
	assert_int_equal(rtdd_evtchn_alloc_unbound(ev, FAKE_SELF, NULL),
			 -EINVAL);

	/* unbind once; the other end's notifies are dropped */
	assert_int_equal(rtdd_evtchn_unbind(ev, a), 0);
	assert_int_equal(rtdd_evtchn_unbind(ev, a), -ENOENT);
	assert_int_equal(rtdd_evtchn_notify(ev, b), 0);
	assert_int_equal(rtdd_evtchn_unmask(ev, a), -ENOENT);

	/* many ports on one handle (the bookkeeping grows) */
	for (int i = 0; i < 40; i++)
		assert_int_equal(rtdd_evtchn_alloc_unbound(ev, FAKE_PEER, &p),
				 0);
	assert_int_equal(rtdd_evtchn_unbind(ev, p), 0);
	assert_int_equal(fake_xen_live_ports(), 1 + 1 + 39);

	rtdd_evtchn_close(ev2);
	/* ev left open: closing the context closes it and its ports */
	close_and_check(hv);
}

/* ------------------------------------------------------------------------ */

static void test_gnt_map(void **state)
{
	struct fake_xen_cfg nocopy = {.no_grant_copy = true};
	uint8_t *sh, *ro, *m, *other, *leak_sh, *leak_m;
	rtdd_gref refs[3], ro_ref, other_ref, leak_ref, bad;
	rtdd_hv *hv;

	(void)state;
	hv = open_with(NULL);
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 3, false,
					      (void **)&sh, refs),
			 0);
	sh[0] = 1;
	sh[8191] = 2;
	assert_int_equal(
		rtdd_gnt_map_refs(hv, FAKE_SELF, 3, refs, false, (void **)&m),
		0);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[8191], 2);
	m[12000] = 3;
	assert_int_equal(sh[12000], 3);
	assert_int_equal(rtdd_gnt_unmap(hv, m, 2), -EINVAL);
	assert_int_equal(rtdd_gnt_unmap(hv, m + 4096, 2), -EINVAL);
	assert_int_equal(rtdd_gnt_unmap(hv, m, 3), 0);
	assert_int_equal(rtdd_gnt_unmap(hv, m, 3), -EINVAL);

	/* gntdev says EINVAL for all of these; the diagnosis says why */
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 1, true,
					      (void **)&ro, &ro_ref),
			 0);
	m = NULL;
	assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 1, &ro_ref, false,
					   (void **)&m),
			 -EPERM);
	assert_null(m);
	assert_int_equal(fake_xen_live_maps(), 0); /* the probe map is gone */
	assert_int_equal(
		rtdd_gnt_map_refs(hv, FAKE_SELF, 1, &ro_ref, true, (void **)&m),
		0);
	assert_int_equal(rtdd_gnt_unmap(hv, m, 1), 0);
	assert_int_equal(rtdd_gnt_share_pages(hv, 0, 1, false, (void **)&other,
					      &other_ref),
			 0);
	assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 1, &other_ref, true,
					   (void **)&m),
			 -EPERM);
	/* the bad one is the third: earlier good refs do not hide it */
	bad = 100000;
	{
		rtdd_gref mix[3] = {refs[0], refs[1], bad};

		assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 3, mix, true,
						   (void **)&m),
				 -EINVAL);
		mix[2] = other_ref;
		assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 3, mix, true,
						   (void **)&m),
				 -EPERM);
	}
	assert_int_equal(rtdd_gnt_map_refs(hv, 4, 1, refs, true, (void **)&m),
			 -ESRCH);
	/* reserved domids are not mappable */
	assert_int_equal(rtdd_gnt_map_refs(hv, RTDD_DOMID_SELF, 1, refs, true,
					   (void **)&m),
			 -EINVAL);
	assert_int_equal(
		rtdd_gnt_map_refs(hv, FAKE_SELF, 0, refs, true, (void **)&m),
		-EINVAL);

	/* ending access: refused afterwards */
	assert_int_equal(rtdd_gnt_unshare_pages(hv, ro, 1), 0);
	assert_int_equal(
		rtdd_gnt_map_refs(hv, FAKE_SELF, 1, &ro_ref, true, (void **)&m),
		-EPERM);
	/* unshare while mapped: gntalloc defers, the mapping stays valid */
	assert_int_equal(
		rtdd_gnt_map_refs(hv, FAKE_SELF, 1, refs, false, (void **)&m),
		0);
	/* only whole shares can be unshared */
	assert_int_equal(rtdd_gnt_unshare_pages(hv, sh, 1), -EINVAL);
	assert_int_equal(rtdd_gnt_unshare_pages(hv, sh + 4096, 2), -EINVAL);
	assert_int_equal(rtdd_gnt_unshare_pages(hv, m, 1), -EINVAL);
	assert_int_equal(rtdd_gnt_unshare_pages(hv, sh, 3), 0);
	m[1] = 9;
	assert_int_equal(m[1], 9);
	assert_int_equal(rtdd_gnt_unmap(hv, m, 1), 0);
	assert_int_equal(rtdd_gnt_unshare_pages(hv, sh, 3), -EINVAL);

	/* left behind on purpose: close releases them */
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 2, false,
					      (void **)&leak_sh, refs),
			 0);
	assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 2, refs, true,
					   (void **)&leak_m),
			 0);
	(void)leak_ref;
	close_and_check(hv);

	/* without grant copy there is no diagnosis: gntdev's EINVAL */
	hv = open_with(&nocopy);
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 1, true,
					      (void **)&ro, &ro_ref),
			 0);
	assert_int_equal(rtdd_gnt_map_refs(hv, FAKE_SELF, 1, &ro_ref, false,
					   (void **)&m),
			 -EINVAL);
	close_and_check(hv);
}

static struct rtdd_gnt_copy_ptr local(void *p)
{
	return (struct rtdd_gnt_copy_ptr){.is_gref = false, .virt = p};
}

static struct rtdd_gnt_copy_ptr gref(rtdd_domid d, rtdd_gref r, uint16_t off)
{
	return (struct rtdd_gnt_copy_ptr){
		.is_gref = true, .domid = d, .ref = r, .offset = off};
}

static void test_gnt_copy(void **state)
{
	static uint8_t buf[4096], out[4096];
	static struct rtdd_gnt_copy_seg s[100];
	uint8_t *sh, *ro, *other;
	rtdd_gref refs[2], ro_ref, other_ref;
	rtdd_hv *hv;

	(void)state;
	hv = open_with(NULL);
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 2, false,
					      (void **)&sh, refs),
			 0);
	assert_int_equal(rtdd_gnt_share_pages(hv, FAKE_SELF, 1, true,
					      (void **)&ro, &ro_ref),
			 0);
	assert_int_equal(rtdd_gnt_share_pages(hv, 0, 1, false, (void **)&other,
					      &other_ref),
			 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);

	/* every kind of segment in one batch, bad ones between good ones */
	s[0] = (struct rtdd_gnt_copy_seg){
		local(buf), gref(FAKE_SELF, refs[0], 10), 100, 99};
	s[1] = (struct rtdd_gnt_copy_seg){
		local(buf), gref(FAKE_SELF, refs[0], 4000), 200, 99};
	s[2] = (struct rtdd_gnt_copy_seg){gref(FAKE_SELF, 100000, 0),
					  local(out), 8, 99};
	s[3] = (struct rtdd_gnt_copy_seg){local(buf),
					  gref(FAKE_SELF, ro_ref, 0), 8, 99};
	s[4] = (struct rtdd_gnt_copy_seg){gref(4, 8, 0), local(out), 8, 99};
	s[5] = (struct rtdd_gnt_copy_seg){gref(FAKE_SELF, other_ref, 0),
					  local(out), 8, 99};
	s[6] = (struct rtdd_gnt_copy_seg){local(buf), local(out), 8, 99};
	s[7] = (struct rtdd_gnt_copy_seg){local(buf),
					  gref(FAKE_SELF, refs[1], 0), 0, 99};
	s[8] = (struct rtdd_gnt_copy_seg){local(NULL),
					  gref(FAKE_SELF, refs[1], 0), 8, 99};
	s[9] = (struct rtdd_gnt_copy_seg){gref(RTDD_DOMID_SELF, refs[0], 10),
					  gref(FAKE_SELF, refs[1], 0), 100, 99};
	s[10] = (struct rtdd_gnt_copy_seg){gref(FAKE_SELF, ro_ref, 0),
					   local(out), 8, 99};
	assert_int_equal(rtdd_gnt_copy(hv, 11, s), 0);
	assert_int_equal(s[0].status, 0);
	assert_int_equal(s[1].status, -EINVAL);
	assert_int_equal(s[2].status, -EINVAL);
	assert_int_equal(s[3].status, -EPERM);
	assert_int_equal(s[4].status, -ESRCH);
	assert_int_equal(s[5].status, -EPERM);
	assert_int_equal(s[6].status, -EINVAL);
	assert_int_equal(s[7].status, 0);
	assert_int_equal(s[8].status, -EINVAL);
	assert_int_equal(s[9].status, 0);
	assert_int_equal(s[10].status, 0);
	assert_memory_equal(sh + 10, buf, 100);
	assert_memory_equal(sh + 4096, buf,
			    100); /* in order: s[9] after s[0] */

	/* 100 segments: four ioctls of at most 32 */
	memset(sh, 0, 4096);
	for (int i = 0; i < 100; i++)
		s[i] = (struct rtdd_gnt_copy_seg){
			local(buf + i * 40),
			gref(FAKE_SELF, refs[0], (uint16_t)(i * 40)), 40, 99};
	assert_int_equal(rtdd_gnt_copy(hv, 100, s), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(s[i].status, 0);
	assert_memory_equal(sh, buf, 4000);

	/* a whole ioctl failing (EFAULT from an unmapped local buffer): that
	 * batch and all later segments carry the error */
	for (int i = 0; i < 70; i++)
		s[i] = (struct rtdd_gnt_copy_seg){gref(FAKE_SELF, refs[0], 0),
						  local(out), 8, 99};
	s[40].dst.virt = (void *)(uintptr_t)0x10; /* fake: unmapped */
	assert_int_equal(rtdd_gnt_copy(hv, 70, s), -EFAULT);
	for (int i = 0; i < 32; i++)
		assert_int_equal(s[i].status, 0);
	for (int i = 32; i < 70; i++)
		assert_int_equal(s[i].status, -EFAULT);

	assert_int_equal(rtdd_gnt_copy(hv, 0, NULL), 0);
	assert_int_equal(rtdd_gnt_copy(hv, 2, NULL), -EINVAL);
	close_and_check(hv);
}

/* ------------------------------------------------------------------------ */

static void test_dom(void **state)
{
	struct fake_xen_cfg credit = {.self_in_credit_pool = true};
	struct rtdd_dom_info di;
	struct rtdd_rtds_params p, got;
	rtdd_hv *hv;

	(void)state;
	hv = open_with(NULL);
	assert_int_equal(rtdd_dom_info(hv, RTDD_DOMID_SELF, &di), 0);
	assert_int_equal(di.domid, FAKE_SELF);
	assert_int_equal(di.state, RTDD_DOM_RUNNING);
	assert_int_equal(di.vcpus, 2);
	assert_int_equal(di.mem_kib, 65536ull * 4);
	assert_int_equal(di.cpupool, FAKE_RTDS_POOL);
	assert_string_equal(di.name, "self-vm");
	assert_int_equal(rtdd_dom_info(hv, FAKE_PEER, &di), 0);
	assert_int_equal(di.state, RTDD_DOM_PAUSED);
	assert_string_equal(di.name, "peer-vm");
	/* 4 is a gap: the sysctl answers 5, which is not 4 */
	assert_int_equal(rtdd_dom_info(hv, 4, &di), -ESRCH);
	assert_int_equal(rtdd_dom_info(hv, 0x7fe0, &di), -ESRCH);
	assert_int_equal(rtdd_dom_info(hv, 0x7ff5, &di), -ESRCH);
	assert_int_equal(rtdd_dom_info(hv, 0, NULL), -EINVAL);

	assert_int_equal(rtdd_sched_rtds_get(hv, FAKE_PEER, 0, &got), 0);
	assert_int_equal(got.period_us, 10000);
	assert_int_equal(got.budget_us, 4000);
	assert_true(got.extratime);
	p = (struct rtdd_rtds_params){20000, 5000, false};
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_PEER, 0, &p), 0);
	assert_int_equal(rtdd_sched_rtds_get(hv, FAKE_PEER, 0, &got), 0);
	assert_int_equal(got.period_us, 20000);
	assert_int_equal(got.budget_us, 5000);
	assert_false(got.extratime);
	assert_int_equal(rtdd_sched_rtds_get(hv, RTDD_DOMID_SELF, 1, &got), 0);
	/* VCPU beyond the domain's; limits; no such domain */
	assert_int_equal(rtdd_sched_rtds_get(hv, FAKE_PEER, 1, &got), -EINVAL);
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_SELF, 2, &p), -EINVAL);
	p = (struct rtdd_rtds_params){100, 200, false};
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_PEER, 0, &p), -EINVAL);
	p = (struct rtdd_rtds_params){9, 9, false};
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_PEER, 0, &p), -EINVAL);
	assert_int_equal(rtdd_sched_rtds_set(hv, FAKE_PEER, 0, NULL), -EINVAL);
	assert_int_equal(rtdd_sched_rtds_get(hv, FAKE_PEER, 0, NULL), -EINVAL);
	assert_int_equal(rtdd_sched_rtds_get(hv, 4, 0, &got), -ESRCH);
	/* dom0 sits in the credit2 pool: not RTDS */
	assert_int_equal(rtdd_sched_rtds_get(hv, 0, 0, &got), -EOPNOTSUPP);
	p = (struct rtdd_rtds_params){10000, 4000, true};
	assert_int_equal(rtdd_sched_rtds_set(hv, 0, 0, &p), -EOPNOTSUPP);
	close_and_check(hv);

	/* the bit says a pool runs RTDS; the call checks the domain's pool */
	hv = open_with(&credit);
	assert_true(rtdd_hv_features(hv) & RTDD_HV_F_SCHED_RTDS);
	assert_int_equal(rtdd_sched_rtds_get(hv, RTDD_DOMID_SELF, 0, &got),
			 -EOPNOTSUPP);
	close_and_check(hv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_everything),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_partial_features),
		cmocka_unit_test(test_evtchn),
		cmocka_unit_test(test_gnt_map),
		cmocka_unit_test(test_gnt_copy),
		cmocka_unit_test(test_dom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

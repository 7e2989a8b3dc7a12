// SPDX-License-Identifier: MIT
/*
 * hv/xen without Xen: rtdd_hv_open("xen") must fail with -ENOENT and a
 * message that names the missing /dev/xen device and says what to do; and
 * the tables that turn Xen's statuses into hv.h's errno values (errmap.h),
 * which only real Xen can otherwise exercise (tests/unit/hv_conformance in
 * the Xen lab does).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define __XEN_TOOLS__ 1 /* for xen/domctl.h's XEN_DOMINF_* */
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/grant_table.h>
#include <xen/sched.h>

#include "errmap.h"
#include "rtdd/hv.h"

static bool xen_here(void)
{
	return !access("/dev/xen/evtchn", F_OK);
}

static bool hypervisor_is_xen(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/type", "r");

	if (!f)
		return false;
	if (!fgets(type, sizeof(type), f))
		type[0] = '\0';
	fclose(f);
	return !strncmp(type, "xen", 3);
}

static void test_open_xen_without_xen(void **state)
{
	rtdd_hv *sentinel = (rtdd_hv *)(uintptr_t)0x5a5a;
	rtdd_hv *hv = sentinel;
	char *err = NULL;
	int rc;

	(void)state;
	if (xen_here()) {
		printf("SKIP: /dev/xen/evtchn exists here; test_hv_conformance "
		       "covers opening real Xen\n");
		skip();
	}
	rc = rtdd_hv_open("xen", &hv, &err);
	printf("rtdd_hv_open(\"xen\") = %d (%s): %s\n", rc, strerror(-rc),
	       err ? err : "(no message)");
	assert_int_equal(rc, -ENOENT);
	assert_ptr_equal(hv, sentinel); /* outputs only on success */
	assert_non_null(err);
	/* names the device */
	assert_non_null(strstr(err, "/dev/xen/evtchn"));
	/* and what to do about it */
	if (hypervisor_is_xen()) {
		assert_non_null(strstr(err, "modprobe xen-evtchn"));
	} else {
		assert_non_null(strstr(err, "not running on Xen"));
		assert_non_null(strstr(err, "rtdd-simhv"));
		assert_non_null(strstr(err, "RTDD_SIM_DIR"));
	}
	assert_null(strchr(err, '\n')); /* one line */
	free(err);
}

static void test_open_xen_without_xen_no_errout(void **state)
{
	rtdd_hv *hv = NULL;

	(void)state;
	if (xen_here()) {
		printf("SKIP: /dev/xen/evtchn exists here\n");
		skip();
	}
	assert_int_equal(rtdd_hv_open("xen", &hv, NULL), -ENOENT);
	assert_null(hv);
}

/* Every GNTST_* status Xen defines, and what hv.h callers see. */
static void test_gntst_table(void **state)
{
	static const struct {
		int st, err;
	} t[] = {
		{GNTST_okay, 0},
		{GNTST_general_error, -EPERM},
		{GNTST_bad_domain, -ESRCH},
		{GNTST_bad_gntref, -EINVAL},
		{GNTST_bad_handle, -EINVAL},
		{GNTST_bad_virt_addr, -EFAULT},
		{GNTST_bad_dev_addr, -EFAULT},
		{GNTST_no_device_space, -ENOSPC},
		{GNTST_permission_denied, -EPERM},
		{GNTST_bad_page, -EINVAL},
		{GNTST_bad_copy_arg, -EINVAL},
		{GNTST_address_too_big, -EFAULT},
		{GNTST_eagain, -EAGAIN},
		{GNTST_no_space, -ENOSPC},
		/* beyond the table: never 0, never positive */
		{-14, -EIO},
		{-32768, -EIO},
		{1, -EIO},
		{32767, -EIO},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = rtdd__xen_gntst_errno(t[i].st);

		if (got != t[i].err)
			fail_msg("GNTST %d -> %d, want %d", t[i].st, got,
				 t[i].err);
	}
}

static uint32_t shutdown_flags(unsigned reason)
{
	return XEN_DOMINF_shutdown | (reason << XEN_DOMINF_shutdownshift);
}

static void test_dom_state(void **state)
{
	(void)state;
	assert_int_equal(rtdd__xen_dom_state(0), RTDD_DOM_RUNNING);
	assert_int_equal(rtdd__xen_dom_state(XEN_DOMINF_running),
			 RTDD_DOM_RUNNING);
	assert_int_equal(rtdd__xen_dom_state(XEN_DOMINF_blocked),
			 RTDD_DOM_RUNNING);
	assert_int_equal(rtdd__xen_dom_state(XEN_DOMINF_paused),
			 RTDD_DOM_PAUSED);
	assert_int_equal(rtdd__xen_dom_state(shutdown_flags(SHUTDOWN_poweroff)),
			 RTDD_DOM_SHUTDOWN);
	assert_int_equal(rtdd__xen_dom_state(shutdown_flags(SHUTDOWN_reboot)),
			 RTDD_DOM_SHUTDOWN);
	assert_int_equal(rtdd__xen_dom_state(shutdown_flags(SHUTDOWN_crash)),
			 RTDD_DOM_CRASHED);
	/* a crashed domain kept paused (on_crash=preserve) is crashed */
	assert_int_equal(rtdd__xen_dom_state(shutdown_flags(SHUTDOWN_crash) |
					     XEN_DOMINF_paused),
			 RTDD_DOM_CRASHED);
	/* dying wins over everything */
	assert_int_equal(rtdd__xen_dom_state(XEN_DOMINF_dying |
					     shutdown_flags(SHUTDOWN_crash)),
			 RTDD_DOM_DYING);
}

static void test_rtds_limits(void **state)
{
	static const struct {
		uint32_t period, budget;
		int err;
	} t[] = {
		{10, 10, 0},	     {10000, 4000, 0}, {100, 100, 0},
		{UINT32_MAX, 10, 0}, {9, 9, -EINVAL},  {10, 9, -EINVAL},
		{100, 101, -EINVAL}, {0, 0, -EINVAL},  {20000, 0, -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rtdd_rtds_params p = {t[i].period, t[i].budget, false};

		if (rtdd__xen_rtds_check(&p) != t[i].err)
			fail_msg("period %u budget %u: want %d", t[i].period,
				 t[i].budget, t[i].err);
	}
	assert_int_equal(rtdd__xen_rtds_check(NULL), -EINVAL);
}

static void test_evtchn_errno(void **state)
{
	(void)state;
	assert_int_equal(rtdd__xen_evtchn_errno(ENOTCONN), -ENOENT);
	assert_int_equal(rtdd__xen_evtchn_errno(EINVAL), -EINVAL);
	assert_int_equal(rtdd__xen_evtchn_errno(ESRCH), -ESRCH);
	assert_int_equal(rtdd__xen_evtchn_errno(0), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_xen_without_xen),
		cmocka_unit_test(test_open_xen_without_xen_no_errout),
		cmocka_unit_test(test_gntst_table),
		cmocka_unit_test(test_dom_state),
		cmocka_unit_test(test_rtds_limits),
		cmocka_unit_test(test_evtchn_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

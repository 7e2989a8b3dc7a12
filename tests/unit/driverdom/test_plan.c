// SPDX-License-Identifier: MIT
/*
 * rtdd plan: the examples are admitted and their checked-in xl templates
 * (examples/<name>/) are exactly what the plan writes today; infeasible
 * manifests are refused with the reason and nothing is written; every
 * generated RTDS parameter is one Xen accepts.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtdd/manifest.h"
#include "rtdd/plan.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static unsigned count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void check_example(const char *name)
{
	char mpath[256], tmp[] = "/tmp/rtdd-plan-XXXXXX", ref[256];
	struct rtdd_manifest m;
	struct rtdd_plan p;
	char err[1024];
	DIR *d;
	struct dirent *e;
	unsigned compared = 0;

	snprintf(mpath, sizeof(mpath), "examples/%s.yaml", name);
	if (rtdd_manifest_load(mpath, &m, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(rtdd_plan_build(&m, &p), 0);
	if (!p.admitted)
		fail_msg("%s refused: %s", name, p.reason);
	/* every RTDS parameter is one `xl sched-rtds` accepts */
	for (size_t i = 0; i < m.ndomains; i++)
		for (unsigned k = 0; p.dom[i].rtds && k < p.dom[i].nvcpus;
		     k++) {
			assert_true(p.dom[i].vcpu[k].period_us >= 10);
			assert_true(p.dom[i].vcpu[k].budget_us >= 10);
			assert_true(p.dom[i].vcpu[k].budget_us <=
				    p.dom[i].vcpu[k].period_us);
		}
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(rtdd_plan_write(&p, tmp, err, sizeof(err)), 0);

	snprintf(ref, sizeof(ref), "examples/%s", name);
	d = opendir(ref);
	if (!d)
		fail_msg("%s is missing: regenerate with `make examples`", ref);
	while ((e = readdir(d))) {
		char a[512], b[512];
		size_t la = 0, lb = 0;
		char *ca, *cb;

		if (e->d_name[0] == '.')
			continue;
		snprintf(a, sizeof(a), "%s/%s", ref, e->d_name);
		snprintf(b, sizeof(b), "%s/%s", tmp, e->d_name);
		ca = slurp(a, &la);
		cb = slurp(b, &lb);
		if (!cb || la != lb || memcmp(ca, cb, la))
			fail_msg("%s differs from what `rtdd plan` writes "
				 "now: regenerate with `make examples`",
				 a);
		free(ca);
		free(cb);
		compared++;
	}
	closedir(d);
	assert_int_equal(compared, count_files(tmp));
	assert_true(compared >= 6);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
	rtdd_plan_dispose(&p);
	rtdd_manifest_dispose(&m);
}

static void test_examples(void **state)
{
	(void)state;
	check_example("adas-ecu");
	check_example("gateway-sriov");
}

static const char overload_guest[] =
	"name: o\npcpus: 1\ndomains:\n"
	"  - {name: dd, role: driver-domain}\n"
	"  - name: g\n    role: rt-guest\n    tasks:\n"
	"      - {name: a, period: 1ms, wcet: 600us}\n"
	"      - {name: b, period: 2ms, wcet: 900us}\n"
	"    vifs: [{backend: dd, mac: '00:16:3e:00:00:01', "
	"io: {period: 1ms, cost: 100us}}]\n";

/* Each guest fits alone; together they exceed the two pCPUs. */
static const char overload_pool[] =
	"name: p\npcpus: 2\ndomains:\n"
	"  - {name: g1, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}\n"
	"  - {name: g2, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}\n"
	"  - {name: g3, role: rt-guest, rtds: {period: 10ms, budget: 9ms}}\n";

static const char idle_dd[] =
	"name: i\npcpus: 1\ndomains:\n"
	"  - {name: dd, role: driver-domain}\n"
	"  - name: be\n    role: best-effort\n"
	"    vifs: [{backend: dd, mac: '00:16:3e:00:00:02'}]\n";

static void refused(const char *txt, const char *want_reason, int want_rc)
{
	struct rtdd_manifest m;
	struct rtdd_plan p;
	char err[1024], tmp[] = "/tmp/rtdd-plan-XXXXXX";
	int rc;

	if (rtdd_manifest_parse(txt, strlen(txt), "x.yaml", &m, err,
				sizeof(err)))
		fail_msg("%s", err);
	rc = rtdd_plan_build(&m, &p);
	assert_int_equal(rc, want_rc);
	assert_false(p.admitted);
	if (!strstr(p.reason, want_reason))
		fail_msg("reason '%s' lacks '%s'", p.reason, want_reason);
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(rtdd_plan_write(&p, tmp, err, sizeof(err)), -EPERM);
	assert_int_equal(count_files(tmp), 0);
	rmdir(tmp);
	rtdd_plan_dispose(&p);
	rtdd_manifest_dispose(&m);
}

static void test_refused(void **state)
{
	(void)state;
	refused(overload_guest, "'g' refused: task 'a' is not guaranteed", 0);
	refused(overload_pool, "cpupool 'Pool-0' refused", 0);
	refused(idle_dd, "driver domain 'dd' serves no RT device", -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_refused),
	};
	if (chdir(SRCDIR)) {
		perror(SRCDIR);
		return 1;
	}
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}

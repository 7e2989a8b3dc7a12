// SPDX-License-Identifier: MIT
/* The manifest parser: the examples load; every malformed case is refused
 * with FILE:LINE: FIELD: in its message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtdd/manifest.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static void test_examples_load(void **state)
{
	(void)state;
	struct rtdd_manifest m;
	char err[512];
	int rc;

	rc = rtdd_manifest_load(SRCDIR "/examples/adas-ecu.yaml", &m, err,
				sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_string_equal(m.name, "adas-ecu");
	assert_int_equal(m.pcpus, 4);
	assert_int_equal(m.npools, 2);
	assert_int_equal(m.pools[1].cpus, 0xe);
	assert_int_equal(m.ndomains, 4);
	int adas = rtdd_manifest_find(&m, "adas");
	assert_true(adas >= 0);
	assert_int_equal(m.domains[adas].role, RTDD_MF_RT_GUEST);
	assert_int_equal(m.domains[adas].ntasks, 4);
	assert_int_equal(m.domains[adas].tasks[0].period, 10000);
	assert_int_equal(m.domains[adas].tasks[2].deadline, 40000);
	assert_int_equal(m.domains[adas].tasks[3].wcet, 500);
	assert_int_equal(m.domains[adas].vifs[0].cls, RTDD_MF_CLASS_RT);
	assert_int_equal(m.domains[adas].vifs[0].io.max_delay, 500);
	assert_int_equal(m.domains[adas].vifs[0].vlan, 10);
	int info = rtdd_manifest_find(&m, "infotainment");
	assert_int_equal(m.domains[info].vifs[0].rate_bps, 200000000ull);
	assert_int_equal(m.domains[info].vifs[0].cls, RTDD_MF_CLASS_BE);
	int dd = rtdd_manifest_find(&m, "dd-net");
	assert_string_equal(m.domains[dd].pcis[0].bdf, "0000:03:00.0");
	assert_int_equal(m.ctx_switch_us, 10);
	assert_int_equal(m.period_step_us, 100);
	rtdd_manifest_dispose(&m);
	rtdd_manifest_dispose(&m); /* idempotent */

	rc = rtdd_manifest_load(SRCDIR "/examples/gateway-sriov.yaml", &m, err,
				sizeof(err));
	if (rc)
		fail_msg("%s", err);
	int diag = rtdd_manifest_find(&m, "diag");
	assert_true(m.domains[diag].rtds.set);
	assert_int_equal(m.domains[diag].rtds.budget, 3000);
	assert_int_equal(m.domains[rtdd_manifest_find(&m, "dd-vf1")].cpus, 0x2);
	rtdd_manifest_dispose(&m);
}

/* A small valid manifest; each case below replaces one piece of it. */
static const char base[] =
	"name: t\n"				       /* 1 */
	"pcpus: 2\n"				       /* 2 */
	"domains:\n"				       /* 3 */
	"  - name: dd\n"			       /* 4 */
	"    role: driver-domain\n"		       /* 5 */
	"  - name: g\n"				       /* 6 */
	"    role: rt-guest\n"			       /* 7 */
	"    tasks:\n"				       /* 8 */
	"      - {name: a, period: 10ms, wcet: 1ms}\n" /* 9 */
	"    vifs:\n"				       /* 10 */
	"      - backend: dd\n"			       /* 11 */
	"        mac: '00:16:3e:00:00:01'\n"	       /* 12 */
	"        io: {period: 1ms, cost: 10us}\n";     /* 13 */

static void test_base_is_valid(void **state)
{
	(void)state;
	struct rtdd_manifest m;
	char err[512];

	if (rtdd_manifest_parse(base, sizeof(base) - 1, "t.yaml", &m, err,
				sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(m.npools, 1); /* implicit Pool-0, RTDS */
	assert_string_equal(m.pools[0].sched, "rtds");
	assert_int_equal(m.pools[0].cpus, 3);
	rtdd_manifest_dispose(&m);
}

struct bad {
	const char *from, *to; /* replace in base (to NULL: append from) */
	const char *want;      /* substring of the message */
};

static const struct bad bad_cases[] = {
	{"name: t\n", "name: t\nname: u\n", "t.yaml:2: name: given twice"},
	{"pcpus: 2", "pcpus: 0", "t.yaml:2: pcpus: 0 is out of range"},
	{"pcpus: 2", "pcpus: two", "t.yaml:2: pcpus: 'two' is not a whole"},
	{"    role: driver-domain", "    role: driver",
	 "t.yaml:5: domains[0].role: 'driver' must be"},
	{"    role: rt-guest\n", "    role: rt-guest\n    colour: red\n",
	 "t.yaml:8: domains[1].colour: unknown field"},
	{"wcet: 1ms", "wcet: 11ms",
	 "t.yaml:9: domains[1].tasks[0]: wcet 11000 us exceeds deadline"},
	{"period: 10ms, wcet", "period: 10 ms, wcet",
	 "t.yaml:9: domains[1].tasks[0].period: '10 ms': unit"},
	{"{name: a, period: 10ms, wcet: 1ms}", "{name: a, wcet: 1ms}",
	 "t.yaml:9: domains[1].tasks[0]: needs name, period and wcet"},
	{"'00:16:3e:00:00:01'", "'00:16:3e:00:00'",
	 "t.yaml:12: domains[1].vifs[0].mac: '00:16:3e:00:00' is not a MAC"},
	{"'00:16:3e:00:00:01'", "'01:16:3e:00:00:01'",
	 "t.yaml:12: domains[1].vifs[0].mac: '01:16:3e:00:00:01' is a "
	 "multicast"},
	{"backend: dd", "backend: nobody",
	 "t.yaml:11: domains[1].vifs[0]: backend 'nobody' is not a "
	 "driver-domain"},
	{"        io: {period: 1ms, cost: 10us}\n", "",
	 "t.yaml:11: domains[1].vifs[0]: an rt-guest's vif needs io"},
	{"cost: 10us}", "cost: 2ms}",
	 "t.yaml:13: domains[1].vifs[0].io: cost 2000 us exceeds max_delay"},
	{"    tasks:\n      - {name: a, period: 10ms, wcet: 1ms}\n", "",
	 "t.yaml:6: domains[1]: rt-guest 'g' needs tasks"},
	{"  - name: g\n", "  - name: dd\n",
	 "t.yaml:6: domains[1].name: 'dd' is used twice"},
	{"  - name: g\n", "  - name: g!\n",
	 "t.yaml:6: domains[1].name: 'g!': use letters"},
	{"    role: driver-domain\n",
	 "    role: driver-domain\n    pci: ['0000:03:00.9']\n",
	 "t.yaml:6: domains[0].pci[0]: '0000:03:00.9': device must be"},
	{"    role: driver-domain\n",
	 "    role: driver-domain\n    pci: ['03:00']\n",
	 "t.yaml:6: domains[0].pci[0]: '03:00' is not a PCI address"},
	{"    role: rt-guest\n",
	 "    role: rt-guest\n    rtds: {period: 5ms, budget: 6ms}\n",
	 "t.yaml:8: domains[1].rtds: budget 6000 us exceeds period"},
	{"    role: rt-guest\n", "    role: rt-guest\n    cpupool: rt\n",
	 "t.yaml:8: domains[1].cpupool: no cpupool named 'rt'"},
	{"pcpus: 2\n",
	 "pcpus: 2\ncpupools:\n  - {name: Pool-0, sched: credit2, cpus: "
	 "[0, 1]}\n",
	 "needs an RTDS cpupool; 'Pool-0' runs credit2"},
	{"pcpus: 2\n",
	 "pcpus: 2\ncpupools:\n  - {name: a, sched: rtds, cpus: [0]}\n"
	 "  - {name: b, sched: rtds, cpus: [0, 1]}\n",
	 "t.yaml:5: cpupools[1]: a CPU of 'b' is already in another"},
	{"pcpus: 2\n",
	 "pcpus: 2\ncpupools:\n  - {name: a, sched: rtds, "
	 "cpus: [0, 2]}\n",
	 "t.yaml:4: cpupools[0].cpus[1]: 2 is out of range [0, 1]"},
	{"pcpus: 2\n", "pcpus: [2]\n",
	 "t.yaml:2: pcpus: expected a value, found a list"},
	{"  - name: dd\n", "  - name: [dd\n", "t.yaml:"},
	{"        mac: '00:16:3e:00:00:01'\n",
	 "        mac: '00:16:3e:00:00:01'\n        class: rt\n"
	 "        pcp: 5\n",
	 "t.yaml:11: domains[1].vifs[0]: pcp needs a vlan"},
	{"    role: driver-domain\n",
	 "    role: driver-domain\n    tasks: [{name: x, period: 1ms, "
	 "wcet: 1us}]\n",
	 "domains[0]: a driver domain's load comes from the devices"},
};

static char *replace(const char *from, const char *to)
{
	static char out[2048];
	const char *at = strstr(base, from);

	assert_non_null(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - base), base, to,
		 at + strlen(from));
	return out;
}

static void test_malformed(void **state)
{
	(void)state;
	size_t n = sizeof(bad_cases) / sizeof(bad_cases[0]);

	assert_true(n >= 15);
	for (size_t i = 0; i < n; i++) {
		struct rtdd_manifest m;
		char err[512];
		char *txt = replace(bad_cases[i].from, bad_cases[i].to);
		int rc = rtdd_manifest_parse(txt, strlen(txt), "t.yaml", &m,
					     err, sizeof(err));

		if (rc != -EINVAL || !strstr(err, bad_cases[i].want))
			fail_msg("case %zu: rc %d, message\n  '%s'\nwanted "
				 "'%s'",
				 i, rc, err, bad_cases[i].want);
		/* nothing leaks or stays half-filled */
		assert_null(m.domains);
		assert_null(m.pools);
	}
}

static void test_files(void **state)
{
	(void)state;
	struct rtdd_manifest m;
	char err[512];

	assert_int_equal(
		rtdd_manifest_load("/nonexistent/x.yaml", &m, err, sizeof(err)),
		-ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.yaml"));
	assert_int_equal(
		rtdd_manifest_parse("", 0, "e.yaml", &m, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "e.yaml:1: manifest: the file is empty"));
	assert_int_equal(
		rtdd_manifest_parse("- a\n", 4, "l.yaml", &m, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "expected a mapping"));
	/* NUL inside a value */
	static const char nul[] = "name: \"a\\0b\"\npcpus: 1\ndomains: []\n";
	assert_int_equal(rtdd_manifest_parse(nul, sizeof(nul) - 1, "n.yaml", &m,
					     err, sizeof(err)),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_base_is_valid),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}

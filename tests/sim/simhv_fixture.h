/* SPDX-License-Identifier: MIT */
/*
 * tests/sim/simhv_fixture.h - a private rtdd-simhv for one test binary.
 *
 *     struct simhv_fixture f;
 *     if (simhv_fixture_start(&f))          // temp dir, simhv, dom0 context
 *             ...skip or fail...
 *     simhv_fixture_domain(&f, "front", 1, &front);
 *     simhv_fixture_open(&f, front, &hv);   // rtdd_hv_open("sim:<front>")
 *     ...
 *     simhv_fixture_stop(&f);               // stops simhv, removes the dir
 *
 * start sets RTDD_SIM_DIR for the process (children inherit it) and
 * RTDD_LOG_LEVEL=warn unless set. The rtdd-simhv binary is $RTDD_SIMHV, else
 * ../bin/rtdd-simhv next to the test binary (the build tree), else PATH.
 * Its log goes to <dir>.log, printed by simhv_fixture_stop() when
 * RTDD_TEST_VERBOSE is set.
 */
#ifndef RTDD_TESTS_SIMHV_FIXTURE_H
#define RTDD_TESTS_SIMHV_FIXTURE_H

#include <limits.h>
#include <sys/types.h>

#include "rtdd/hv.h"
#include "rtdd/simhv.h"

struct simhv_fixture {
	char dir[64]; /* /tmp/rtdd-sim-XXXXXX */
	char log[80];
	pid_t pid;     /* rtdd-simhv */
	rtdd_hv *dom0; /* context of domain 0 */
};

/* 0, or -errno with a message on stderr. */
int simhv_fixture_start(struct simhv_fixture *f);
/* Create a domain (vcpus 0: 1, 64 MiB). */
int simhv_fixture_domain(struct simhv_fixture *f, const char *name,
			 unsigned vcpus, rtdd_domid *domid_out);
int simhv_fixture_open(struct simhv_fixture *f, rtdd_domid domid,
		       rtdd_hv **hv_out);
void simhv_fixture_stop(struct simhv_fixture *f);
/* The rtdd-simhv binary start uses (for tests of its command line). */
void simhv_fixture_bin(char *buf, size_t size);
/* Poll until domid is gone (info -ESRCH) or timeout_ms passes: 0 / -ETIMEDOUT. */
int simhv_fixture_wait_gone(struct simhv_fixture *f, rtdd_domid domid,
			    unsigned timeout_ms);

#endif

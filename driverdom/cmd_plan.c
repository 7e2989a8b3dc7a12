// SPDX-License-Identifier: MIT
/* rtdd plan MANIFEST -o DIR: admission, then the files that apply it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "rtdd/manifest.h"
#include "rtdd/plan.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd plan MANIFEST [-o DIR] [--json]\n\n"
		"Checks the manifest, runs admission (an RTDS interface for "
		"every RT guest\nfrom its task set; one for every driver domain "
		"that bounds the service delay\nof the RT I/O it owes; a "
		"schedulability test of every RTDS cpupool) and\nprints the "
		"report. With -o, writes into DIR: an xl config per domain, "
		"the\ncpupool configs, apply.sh (cpupools, `xl create -p`, "
		"`xl sched-rtds`,\n`xl unpause`), destroy.sh, what each driver "
		"domain serves (<dd>.rtdd.json)\nand report.txt/report.json.\n"
		"An infeasible manifest is refused with the reason; nothing is "
		"written.\n\n"
		"  -o, --out DIR   write the plan into DIR\n"
		"      --json      print the report as JSON\n"
		"Exit: 0 admitted, 1 refused or error, 2 usage.\n");
}

int rtdd_cmd_plan(int argc, char **argv)
{
	static const struct option lo[] = {
		{"out", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_manifest m;
	struct rtdd_plan p;
	const char *out = NULL;
	char err[768];
	bool json = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	rc = rtdd_manifest_load(argv[optind], &m, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rtdd plan: %s\n", err);
		return 1;
	}
	rc = rtdd_plan_build(&m, &p);
	if (rc && !p.reason[0])
		snprintf(p.reason, sizeof(p.reason), "%s", strerror(-rc));
	if (json)
		rtdd_plan_report_json(&p, stdout);
	else
		rtdd_plan_report_text(&p, stdout);
	if (!p.admitted) {
		fprintf(stderr, "rtdd plan: refused: %s\n", p.reason);
		rc = 1;
		goto out;
	}
	if (out) {
		rc = rtdd_plan_write(&p, out, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "rtdd plan: %s\n", err);
			rc = 1;
			goto out;
		}
		if (!json)
			printf("\nplan written to %s (apply.sh applies it in "
			       "dom0)\n",
			       out);
	}
	rc = 0;
out:
	rtdd_plan_dispose(&p);
	rtdd_manifest_dispose(&m);
	return rc;
}

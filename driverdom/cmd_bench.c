// SPDX-License-Identifier: MIT
/* rtdd bench: one table of suites, each with its own --help. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} suites[] = {
	{"hv", rtdd_bench_hv,
	 "event-channel notify, polled granted page, grant map and copy on "
	 "rtdd-simhv"},
	{"net", rtdd_bench_net,
	 "netfront-netback-switch RTT vs DPDK memif, RT isolation, Mpps"},
	{"blk", rtdd_bench_blk,
	 "4 KiB random reads through rtdd-blkback (poll, event) vs direct "
	 "O_DIRECT pread; IOPS per backend core"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: rtdd bench <suite> [options]\n\nSuites:\n");
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		fprintf(f, "  %-6s %s\n", suites[i].name, suites[i].help);
	fprintf(f, "\nFigures are ratios against baselines measured in the "
		   "same run; nothing\npasses or fails on time. "
		   "`rtdd bench <suite> --help` for options.\n");
}

int rtdd_cmd_bench(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (!strcmp(argv[1], suites[i].name))
			return suites[i].run(argc - 1, argv + 1);
	fprintf(stderr, "rtdd bench: unknown suite '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

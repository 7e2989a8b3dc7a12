// SPDX-License-Identifier: MIT
/*
 * rtdd - the one command of rtdd (wireguard-tools style: a const table of
 * subcommands, each with its own --help).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "rtdd/log.h"

struct subcommand {
	const char *name;
	int (*cmd_main)(int argc, char **argv);
	const char *help;
};

static const struct subcommand subcommands[] = {
	/* keep one line per subcommand; add new ones above this comment */
	{"hv", rtdd_cmd_hv,
	 "Show which hypervisor this process reaches and its features"},
	{"bench", rtdd_cmd_bench, "Run a benchmark: rtdd bench hv|blk|net ..."},
	{"up", rtdd_cmd_up,
	 "Bring a manifest up on sim or Xen (admission first)"},
	{"down", rtdd_cmd_down, "Tear down what `rtdd up` started"},
	{"status", rtdd_cmd_status,
	 "Domains, RTDS, devices, xenbus states, I/O latency of a manifest"},
	{"plan", rtdd_cmd_plan,
	 "Admission for a manifest; writes xl configs, cpupools, apply.sh"},
	{"analyze", rtdd_cmd_analyze,
	 "Compositional RTDS analysis of a system file (YAML)"},
	{"simulate", rtdd_cmd_simulate,
	 "Simulate a system file under RTDS or credit"},
	{"pci", rtdd_cmd_pci,
	 "PCI passthrough: list, check, assign, release, vfs, xl"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: rtdd <command> [arguments]\n\n"
		   "Real-time I/O for Xen guests through dedicated driver "
		   "domains.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]);
	     i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].help);
	fprintf(f, "\n`rtdd <command> --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	rtdd_log_init("rtdd", RTDD_LOG_INFO);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]);
	     i++) {
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].cmd_main(argc - 1, argv + 1);
	}
	fprintf(stderr, "rtdd: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}

// SPDX-License-Identifier: MIT
/*
 * bench_net, run by `make bench` from $(O)/bench: runs ../bin/rtdd-bench-net
 * (which finds rtdd-simhv and rtdd-pktlat beside it) with the same
 * arguments and environment (RTDD_BENCH_OUT).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char exe[PATH_MAX], bin[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)argc;
	if (len <= 0 || !strchr(exe, '/'))
		return 1;
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(bin, sizeof(bin), "%s/../bin/rtdd-bench-net", exe);
	argv[0] = bin;
	execv(bin, argv);
	fprintf(stderr, "bench_net: %s: %s\n", bin, strerror(errno));
	return 1;
}

// SPDX-License-Identifier: MIT
/*
 * `rtdd bench net`: runs rtdd-bench-net from the same bin/ directory (a
 * program of its own: it links the whole network stack, which the rtdd
 * tool does not need otherwise).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../../driverdom/cmds.h"

int rtdd_bench_net(int argc, char **argv)
{
	char exe[PATH_MAX], bin[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	(void)argc;
	if (len <= 0 || !(slash = memchr(exe, '/', (size_t)len))) {
		fprintf(stderr, "rtdd bench net: cannot find my own binary\n");
		return 1;
	}
	exe[len] = 0;
	slash = strrchr(exe, '/');
	*slash = 0;
	snprintf(bin, sizeof(bin), "%s/rtdd-bench-net", exe);
	argv[0] = bin;
	execv(bin, argv);
	fprintf(stderr, "rtdd bench net: %s: %s (built only with libdpdk)\n",
		bin, strerror(errno));
	return 1;
}

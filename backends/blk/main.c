// SPDX-License-Identifier: MIT
/* rtdd-blkback: serve the vbds of this driver domain. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/blkback.h"
#include "rtdd/hv.h"
#include "rtdd/log.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd-blkback [options] [BACKEND-PATH...]\n"
		"Serve every vbd under backend/vbd of this domain (or only "
		"the paths given).\n\n"
		"  --hv SPEC          hypervisor: auto (default), xen, sim, "
		"sim:N\n"
		"  --mode M           event | poll (default) | hybrid\n"
		"  --class C          rt | be (default); per vbd: rtdd-class\n"
		"  --budget N         requests per ring per round (32)\n"
		"  --depth N          I/O queue depth per ring (32)\n"
		"  --queues N         multi-queue-max-queues (4)\n"
		"  --ring-order N     max-ring-page-order (2)\n"
		"  --indirect N       feature-max-indirect-segments (128, 0 "
		"off)\n"
		"  --no-persistent    do not offer feature-persistent\n"
		"  --threads N        service threads (1)\n"
		"  --cpu N            pin service thread i to CPU (N+i) mod #CPUs\n"
		"  --fifo PRIO        SCHED_FIFO priority for service threads\n"
		"  --mlock            mlockall\n"
		"  --spin-us N        hybrid mode: poll N us before sleeping "
		"(50)\n"
		"  --buffered         do not open the store O_DIRECT\n"
		"  -v, --verbose      debug log\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hv", required_argument, NULL, 'H'},
		{"mode", required_argument, NULL, 'm'},
		{"class", required_argument, NULL, 'c'},
		{"budget", required_argument, NULL, 'b'},
		{"depth", required_argument, NULL, 'd'},
		{"queues", required_argument, NULL, 'q'},
		{"ring-order", required_argument, NULL, 'o'},
		{"indirect", required_argument, NULL, 'i'},
		{"no-persistent", no_argument, NULL, 'P'},
		{"threads", required_argument, NULL, 't'},
		{"cpu", required_argument, NULL, 'C'},
		{"fifo", required_argument, NULL, 'F'},
		{"mlock", no_argument, NULL, 'M'},
		{"spin-us", required_argument, NULL, 's'},
		{"buffered", no_argument, NULL, 'B'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_blkback_cfg cfg;
	const char *spec = NULL;
	rtdd_blkback *bb = NULL;
	rtdd_hv *hv = NULL;
	char *err = NULL, desc[512];
	int c, rc;

	rtdd_log_init("rtdd-blkback", RTDD_LOG_INFO);
	rtdd_blkback_cfg_default(&cfg);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			spec = optarg;
			break;
		case 'm':
			if (rtdd_svc_mode_parse(optarg, &cfg.mode)) {
				usage(stderr);
				return 2;
			}
			break;
		case 'c':
			if (rtdd_svc_class_parse(optarg, &cfg.cls)) {
				usage(stderr);
				return 2;
			}
			break;
		case 'b':
			cfg.budget = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			cfg.queue_depth = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			cfg.max_queues = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			cfg.max_ring_order =
				(unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'i':
			cfg.max_indirect_segs =
				(unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			cfg.no_persistent = true;
			break;
		case 't':
			cfg.nthreads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			cfg.first_cpu = atoi(optarg);
			break;
		case 'F':
			cfg.rt.fifo_prio = atoi(optarg);
			break;
		case 'M':
			cfg.rt.mlockall = true;
			break;
		case 's':
			cfg.spin_ns = strtoull(optarg, NULL, 10) * 1000u;
			break;
		case 'B':
			cfg.buffered = true;
			break;
		case 'v':
			rtdd_log_set_level(RTDD_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		cfg.only = (const char *const *)&argv[optind];

	rc = rtdd_hv_open(spec, &hv, &err);
	if (rc) {
		RTDD_LOG(ERR, "%s", err ? err : strerror(-rc));
		free(err);
		return 1;
	}
	rc = rtdd_blkback_create(hv, &cfg, &bb);
	if (rc) {
		RTDD_LOG(ERR, "starting: %s", strerror(-rc));
		rtdd_hv_close(hv);
		return 1;
	}
	rtdd_blkback_describe_rt(bb, desc, sizeof(desc));
	RTDD_LOG(INFO, "serving backend/vbd of domain %u on %s; %s",
		 rtdd_hv_domid(hv), rtdd_hv_name(hv), desc);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		rc = rtdd_blkback_run(bb, 200);
		if (rc == -EIO) {
			RTDD_LOG(ERR, "xenstore connection lost");
			break;
		}
	}
	rtdd_blkback_destroy(bb, true);
	rtdd_hv_close(hv);
	return rc == -EIO ? 1 : 0;
}

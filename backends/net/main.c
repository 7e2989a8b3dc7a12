// SPDX-License-Identifier: MIT
/*
 * rtdd-netback: the network driver domain's backend and RT switch.
 *
 *   rtdd-netback --config FILE [options] [--uplink PORT=DEV ...]
 *                [-- EAL options]
 *
 * Serves every vif under backend/vif of our domain whose switch port
 * "vif<fe>.<devid>" is in the configuration, and drives the uplink ports
 * of the configuration with DPDK ethdev ports (EAL options after --).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/hv.h"
#include "rtdd/log.h"
#include "rtdd/netback.h"
#include "rtdd/netsw.h"
#include "rtdd/netsw_dpdk.h"

#include <rte_eal.h>
#include <rte_errno.h>

#define MAX_UPLINKS 8

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtdd-netback --config FILE [options] [-- EAL options]\n"
		"  --config FILE      switch configuration (docs/net.md)\n"
		"  --hv SPEC          hypervisor: auto (default), xen, sim, "
		"sim:N\n"
		"  --uplink P=DEV     drive switch uplink port P with DPDK port "
		"DEV\n"
		"                     (a port id or device name, e.g. "
		"net_memif0)\n"
		"  --queues N         multi-queue-max-queues (default 4)\n"
		"  --cpu N            pin the switch thread to CPU N\n"
		"  --fifo PRIO        SCHED_FIFO priority of the switch thread\n"
		"  --mlock            lock memory\n"
		"  --mode M           switch thread: poll (default), event, "
		"hybrid\n"
		"  --spin-us N        hybrid: poll N us after the last work "
		"(50)\n"
		"  --uplink-poll-us N event/hybrid: with uplink ports, sleep at "
		"most N us\n"
		"                     between looks at them (100; DPDK ports "
		"cannot wake\n"
		"                     the thread)\n"
		"  --check            parse the configuration and exit\n"
		"  -v                 more log output\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"hv", required_argument, NULL, 'H'},
		{"uplink", required_argument, NULL, 'u'},
		{"queues", required_argument, NULL, 'q'},
		{"cpu", required_argument, NULL, 'C'},
		{"fifo", required_argument, NULL, 'F'},
		{"mlock", no_argument, NULL, 'm'},
		{"mode", required_argument, NULL, 'M'},
		{"spin-us", required_argument, NULL, 'S'},
		{"uplink-poll-us", required_argument, NULL, 'U'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rtdd_netback_cfg cfg;
	const char *conf = NULL, *spec = NULL;
	char *up_arg[MAX_UPLINKS];
	rtdd_uplink *up[MAX_UPLINKS] = {0};
	unsigned nup = 0, i, n_cfg_up = 0;
	bool check = false, eal = false;
	rtdd_netback *nb = NULL;
	rtdd_hv *hv = NULL;
	rtdd_sw *sw = NULL;
	char err[256], *hverr = NULL;
	int c, rc = 1, r, verbose = 0;
	char *end;
	long v;

	rtdd_log_init("rtdd-netback", RTDD_LOG_INFO);
	rtdd_netback_cfg_default(&cfg);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'H':
			spec = optarg;
			break;
		case 'u':
			if (nup == MAX_UPLINKS || !strchr(optarg, '=')) {
				fprintf(stderr,
					"rtdd-netback: bad --uplink "
					"'%s' (PORT=DEV, at most %d)\n",
					optarg, MAX_UPLINKS);
				return 2;
			}
			up_arg[nup++] = optarg;
			break;
		case 'q':
		case 'C':
		case 'F':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 1024 ||
			    (c == 'q' && (v < 1 || v > 16)) ||
			    (c == 'F' && v > 99)) {
				fprintf(stderr,
					"rtdd-netback: bad value '%s'\n",
					optarg);
				return 2;
			}
			if (c == 'q')
				cfg.max_queues = (unsigned)v;
			else if (c == 'C')
				cfg.rt.cpu = (int)v;
			else
				cfg.rt.fifo_prio = (int)v;
			break;
		case 'm':
			cfg.rt.mlockall = true;
			break;
		case 'M':
			if (rtdd_svc_mode_parse(optarg, &cfg.mode)) {
				fprintf(stderr,
					"rtdd-netback: bad --mode '%s' "
					"(event, poll or hybrid)\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 1000000) {
				fprintf(stderr,
					"rtdd-netback: bad --spin-us '%s'\n",
					optarg);
				return 2;
			}
			cfg.spin_ns = (uint64_t)v * 1000u;
			break;
		case 'U':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 1000000) {
				fprintf(stderr,
					"rtdd-netback: bad --uplink-poll-us "
					"'%s' (1..1000000)\n",
					optarg);
				return 2;
			}
			cfg.uplink_poll_ns = (uint64_t)v * 1000u;
			break;
		case 'k':
			check = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (verbose)
		rtdd_log_set_level(RTDD_LOG_DEBUG);
	if (!conf) {
		fprintf(stderr, "rtdd-netback: --config FILE is required\n");
		usage(stderr);
		return 2;
	}
	r = rtdd_sw_parse_file(conf, &sw, err, sizeof(err));
	if (r) {
		fprintf(stderr, "rtdd-netback: %s: %s\n", conf, err);
		return 2;
	}
	for (i = 0; i < rtdd_sw_nports(sw); i++)
		n_cfg_up += rtdd_sw_port_cfg(sw, (int)i)->uplink;
	if (check) {
		printf("%s: %u ports (%u uplinks)\n", conf, rtdd_sw_nports(sw),
		       n_cfg_up);
		rtdd_sw_destroy(sw);
		return 0;
	}
	if (nup) {
		/* EAL takes the arguments after "--"; argv[optind - 1] is
		 * "--" (getopt stops there) and serves as EAL's argv[0]. */
		int eargc = argc - optind + 1;
		char **eargv = argv + optind - 1;

		if (optind < 1 || strcmp(argv[optind - 1], "--")) {
			eargc = 1;
			eargv = argv;
		}
		if (rte_eal_init(eargc, eargv) < 0) {
			fprintf(stderr, "rtdd-netback: EAL init failed: %s\n",
				rte_strerror(rte_errno));
			goto out;
		}
		eal = true;
	} else if (n_cfg_up) {
		RTDD_LOG(WARN,
			 "%u uplink port(s) configured but no --uplink "
			 "given: they stay down",
			 n_cfg_up);
	}
	for (i = 0; i < nup; i++) {
		char *eq = strchr(up_arg[i], '=');
		uint16_t pid;
		int sp;

		*eq = 0;
		sp = rtdd_sw_port_find(sw, up_arg[i]);
		if (sp < 0 || !rtdd_sw_port_cfg(sw, sp)->uplink) {
			fprintf(stderr,
				"rtdd-netback: no uplink port '%s' in "
				"%s\n",
				up_arg[i], conf);
			goto out;
		}
		if (rtdd_uplink_port_lookup(eq + 1, &pid)) {
			fprintf(stderr,
				"rtdd-netback: no DPDK port '%s' "
				"(give it in the EAL options)\n",
				eq + 1);
			goto out;
		}
		r = rtdd_uplink_open(pid, &up[i]);
		if (!r)
			r = rtdd_uplink_attach(up[i], sw, sp);
		if (r) {
			fprintf(stderr, "rtdd-netback: uplink %s on %s: %s\n",
				up_arg[i], eq + 1, strerror(-r));
			goto out;
		}
		RTDD_LOG(INFO, "uplink %s on DPDK port %u (%s)", up_arg[i], pid,
			 eq + 1);
	}
	r = rtdd_hv_open(spec, &hv, &hverr);
	if (r) {
		fprintf(stderr, "rtdd-netback: %s\n",
			hverr ? hverr : strerror(-r));
		goto out;
	}
	if (nup && cfg.mode != RTDD_SVC_POLL)
		/* A DPDK port cannot wake the switch thread: it sleeps at
		 * most --uplink-poll-us and looks at the uplinks then. */
		RTDD_LOG(INFO,
			 "--mode %s with DPDK uplinks: frames from outside "
			 "wait up to %llu us for the switch thread",
			 rtdd_svc_mode_name(cfg.mode),
			 (unsigned long long)(cfg.uplink_poll_ns / 1000));
	r = rtdd_netback_create(hv, sw, &cfg, &nb);
	if (r) {
		fprintf(stderr, "rtdd-netback: %s\n", strerror(-r));
		goto out;
	}
	{
		char d[256];

		rtdd_netback_describe_rt(nb, d, sizeof(d));
		RTDD_LOG(INFO, "switch: %u ports, %s mode; %s",
			 rtdd_sw_nports(sw), rtdd_svc_mode_name(cfg.mode), d);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		r = rtdd_netback_run(nb, 200);
		if (r == -EIO) {
			RTDD_LOG(ERR, "xenstore connection lost");
			goto out;
		}
	}
	rc = 0;
out:
	rtdd_netback_destroy(nb, true);
	for (i = 0; i < nup; i++)
		rtdd_uplink_close(up[i]);
	rtdd_sw_destroy(sw);
	rtdd_hv_close(hv);
	free(hverr);
	if (eal)
		rte_eal_cleanup();
	return rc;
}

// SPDX-License-Identifier: MIT
/* rtdd hv: which hypervisor this process reaches, and what it can do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "rtdd/hv.h"

static const struct {
	uint32_t bit;
	const char *name;
} features[] = {
	{RTDD_HV_F_XENSTORE, "xenstore"},
	{RTDD_HV_F_EVTCHN, "evtchn"},
	{RTDD_HV_F_GNT_MAP, "grant-map"},
	{RTDD_HV_F_GNT_SHARE, "grant-share"},
	{RTDD_HV_F_GNT_COPY, "grant-copy"},
	{RTDD_HV_F_DOMINFO, "dominfo"},
	{RTDD_HV_F_SCHED_RTDS, "sched-rtds"},
	{RTDD_HV_F_SCHED_DEADLINE, "sched-deadline"},
};

int rtdd_cmd_hv(int argc, char **argv)
{
	const char *spec = NULL;
	rtdd_hv *hv = NULL;
	char *err = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: rtdd hv [--hv auto|xen|sim|sim:DOMID]\n\n"
			       "Opens the hypervisor the way every rtdd "
			       "component does and prints its kind,\nthe "
			       "own domain id and the feature bits. Exit 1 "
			       "with the reason when none is reachable.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--hv") && i + 1 < argc) {
			spec = argv[++i];
			continue;
		}
		fprintf(stderr, "rtdd hv: unknown argument '%s'\n", argv[i]);
		return 2;
	}
	rc = rtdd_hv_open(spec, &hv, &err);
	if (rc) {
		fprintf(stderr, "rtdd hv: %s (%s)\n", err ? err : "open failed",
			strerror(-rc));
		free(err);
		return 1;
	}
	printf("hypervisor: %s\ndomid: %u\nfeatures:", rtdd_hv_name(hv),
	       rtdd_hv_domid(hv));
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (rtdd_hv_features(hv) & features[i].bit)
			printf(" %s", features[i].name);
	printf("\n");
	rtdd_hv_close(hv);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * driverdom/up_private.h - what up.c (rtdd up/down) and status.c (rtdd
 * status) share. Not a public header.
 */
#ifndef RTDD_DRIVERDOM_UP_PRIVATE_H
#define RTDD_DRIVERDOM_UP_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "rtdd/hv.h"
#include "rtdd/manifest.h"
#include "rtdd/plan.h"

#define STATE_FILE "rtdd-up.state"

enum which { UP, DOWN, STATUS };

struct opts {
	enum which cmd;
	const char *manifest;
	const char *hv;	     /* "sim" or "xen" */
	char run[PATH_MAX];  /* run directory */
	const char *bin_dir; /* where rtdd-simhv, rtdd-devd... live */
	const char *disk_dir;
	uint64_t disk_size;
	unsigned probe_ms;
	bool probe_write;
	unsigned wait_ms;
	const char *io_mode; /* rtdd-mode of every vbd, NULL: backend's */
	const char *devd_args[16];
	unsigned ndevd_args;
	bool json; /* status */
};

/* Xen's devid of an "xvd..." vdev: 0 or -EINVAL. */
int rtdd__xvd_devid(const char *vdev, unsigned *out);
/* The domain whose xenstore name is name: 0 or -ESRCH. */
int rtdd__domid_by_name(rtdd_hv *hv, const char *name, rtdd_domid *out);
/* rtdd status: the process exit status. */
int rtdd__status(const struct opts *o, const struct rtdd_manifest *m,
		 const struct rtdd_plan *p);

#endif

// SPDX-License-Identifier: MIT
/*
 * hv/xen/absent.c - rtdd_hv_open("xen") in a build without the Xen client
 * libraries (libxen-dev): says what is missing, here or in the build.
 */
#include <errno.h>
#include <unistd.h>

#include "../private.h"
#include "errmap.h"

int rtdd__xen_open(rtdd_hv **hv_out, char **err_out)
{
	(void)hv_out;
	if (access("/dev/xen/evtchn", F_OK)) {
		rtdd__xen_missing_dev_err(err_out, "/dev/xen/evtchn",
					  "xen-evtchn");
		return -ENOENT;
	}
	rtdd__set_err(err_out,
		      "this rtdd was built without the Xen libraries: install "
		      "libxen-dev (make deps) and rebuild");
	return -ENOENT;
}

// SPDX-License-Identifier: MIT
/*
 * hv/xen/devmsg.c - the message for a missing /dev/xen device. Built with
 * and without the Xen libraries (absent.c uses it too).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../private.h"
#include "errmap.h"

/* "xen" when Linux runs on Xen (sysfs from the kernel's Xen support). */
static int on_xen(void)
{
	char type[16] = "";
	FILE *f = fopen("/sys/hypervisor/type", "re");

	if (!f)
		return 0;
	if (!fgets(type, sizeof(type), f))
		type[0] = '\0';
	fclose(f);
	return !strncmp(type, "xen", 3);
}

void rtdd__xen_missing_dev_err(char **err_out, const char *dev,
			       const char *module)
{
	if (on_xen())
		rtdd__set_err(
			err_out,
			"%s is missing: this Linux runs on Xen but the %s "
			"module is not loaded (run `modprobe %s` as "
			"root; rtdd also wants xen-evtchn, xen-gntdev, "
			"xen-gntalloc and xen-privcmd)",
			dev, module, module);
	else
		rtdd__set_err(err_out,
			      "%s is missing: not running on Xen (no "
			      "/sys/hypervisor/type \"xen\"); boot this "
			      "machine under Xen, or use rtdd-simhv on plain "
			      "Linux (rtdd_hv_open(\"sim\") with RTDD_SIM_DIR "
			      "set, see docs/hv.md)",
			      dev);
}

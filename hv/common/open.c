// SPDX-License-Identifier: MIT
/* rtdd_hv_open: picks the implementation; the accessors every user reads. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../private.h"

void rtdd__set_err(char **err_out, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!err_out)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	free(*err_out);
	*err_out = msg;
}

static int parse_domid(const char *s, rtdd_domid *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= RTDD_DOMID_SELF || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	*out = (rtdd_domid)v;
	return 0;
}

static int open_sim(const char *domid_str, rtdd_hv **hv_out, char **err_out)
{
	const char *dir = getenv("RTDD_SIM_DIR");
	rtdd_domid domid = 0;

	if (!dir || !*dir) {
		rtdd__set_err(
			err_out,
			"RTDD_SIM_DIR is not set: start rtdd-simhv "
			"(rtdd-simhv start --dir DIR) and export "
			"RTDD_SIM_DIR=DIR, or run under `rtdd-simhv run`");
		return -ENOENT;
	}
	if (!domid_str)
		domid_str = getenv("RTDD_SIM_DOMID");
	if (domid_str && parse_domid(domid_str, &domid)) {
		rtdd__set_err(err_out, "bad simulated domid '%s'", domid_str);
		return -EINVAL;
	}
	return rtdd__sim_open(dir, domid, hv_out, err_out);
}

static int xen_present(void)
{
	return !access("/dev/xen/privcmd", F_OK) ||
	       !access("/dev/xen/evtchn", F_OK);
}

int rtdd_hv_open(const char *spec, rtdd_hv **hv_out, char **err_out)
{
	if (!hv_out)
		return -EINVAL;
	if (err_out)
		*err_out = NULL;
	if (!spec || !strcmp(spec, "auto")) {
		if (xen_present())
			return rtdd__xen_open(hv_out, err_out);
		if (getenv("RTDD_SIM_DIR"))
			return open_sim(NULL, hv_out, err_out);
		rtdd__set_err(err_out,
			      "no hypervisor: /dev/xen/privcmd and "
			      "/dev/xen/evtchn are absent (on Xen, load "
			      "xen-privcmd and xen-evtchn) and RTDD_SIM_DIR "
			      "is not set (for rtdd-simhv, see docs/hv.md)");
		return -ENOENT;
	}
	if (!strcmp(spec, "xen"))
		return rtdd__xen_open(hv_out, err_out);
	if (!strcmp(spec, "sim"))
		return open_sim(NULL, hv_out, err_out);
	if (!strncmp(spec, "sim:", 4))
		return open_sim(spec + 4, hv_out, err_out);
	rtdd__set_err(err_out,
		      "unknown hypervisor '%s' (auto, xen, sim or sim:DOMID)",
		      spec);
	return -EINVAL;
}

void rtdd_hv_close(rtdd_hv *hv)
{
	if (hv)
		hv->close(hv);
}

enum rtdd_hv_kind rtdd_hv_kind(const rtdd_hv *hv)
{
	return hv->kind;
}

const char *rtdd_hv_name(const rtdd_hv *hv)
{
	return hv->kind == RTDD_HV_XEN ? "xen" : "sim";
}

uint32_t rtdd_hv_features(const rtdd_hv *hv)
{
	return hv->features;
}

rtdd_domid rtdd_hv_domid(const rtdd_hv *hv)
{
	return hv->domid;
}

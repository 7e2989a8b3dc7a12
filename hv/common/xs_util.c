// SPDX-License-Identifier: MIT
/* Helpers built on the xenstore ops; no hypervisor specifics here. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/hv.h"

int rtdd_xs_printf(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		   const char *fmt, ...)
{
	va_list ap;
	char *val;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rc = rtdd_xs_write(hv, t, path, val, (size_t)n);
	free(val);
	return rc;
}

/* Values come from peers that may be hostile: whole string, digits only. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int rtdd_xs_read_u64(rtdd_hv *hv, rtdd_xs_txn t, const char *path,
		     uint64_t *val_out)
{
	char *val = NULL;
	size_t len = 0;
	int rc;

	rc = rtdd_xs_read(hv, t, path, &val, &len);
	if (rc)
		return rc;
	rc = parse_u64(val, len, val_out);
	free(val);
	return rc;
}

int rtdd_xs_read_int(rtdd_hv *hv, rtdd_xs_txn t, const char *path, int *val_out)
{
	char *val = NULL;
	size_t len = 0;
	uint64_t v;
	bool neg;
	int rc;

	rc = rtdd_xs_read(hv, t, path, &val, &len);
	if (rc)
		return rc;
	neg = len > 0 && val[0] == '-';
	rc = parse_u64(val + neg, len - neg, &v);
	if (!rc && v > (uint64_t)INT_MAX + neg)
		rc = -EINVAL;
	if (!rc)
		*val_out = neg ? (int)(-(int64_t)v) : (int)v;
	free(val);
	return rc;
}

// SPDX-License-Identifier: MIT
/* The toolstack half of a split device: what libxl writes for a disk/vif. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtdd/be_xenbus.h"

static int write_kv(rtdd_hv *hv, rtdd_xs_txn t, const char *dir,
		    const char *key, const char *val)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, key);
	return rtdd_xs_write(hv, t, p, val, strlen(val));
}

static int write_list(rtdd_hv *hv, rtdd_xs_txn t, const char *dir,
		      const char *const *kv)
{
	int rc;

	if (!kv)
		return 0;
	for (; kv[0]; kv += 2) {
		if (!kv[1])
			return -EINVAL;
		rc = write_kv(hv, t, dir, kv[0], kv[1]);
		if (rc)
			return rc;
	}
	return 0;
}

static int paths(rtdd_hv *hv, const char *kind, rtdd_domid be, rtdd_domid fe,
		 unsigned devid, char **be_out, char **fe_out)
{
	char *bhome = NULL, *fhome = NULL;
	int rc;

	*be_out = *fe_out = NULL;
	rc = rtdd_xs_domain_path(hv, be, &bhome);
	if (rc)
		return rc;
	rc = rtdd_xs_domain_path(hv, fe, &fhome);
	if (rc)
		goto out;
	rc = -ENOMEM;
	if (asprintf(be_out, "%s/backend/%s/%u/%u", bhome, kind, fe, devid) <
	    0) {
		*be_out = NULL;
		goto out;
	}
	if (asprintf(fe_out, "%s/device/%s/%u", fhome, kind, devid) < 0) {
		*fe_out = NULL;
		free(*be_out);
		*be_out = NULL;
		goto out;
	}
	rc = 0;
out:
	free(bhome);
	free(fhome);
	return rc;
}

int rtdd_xb_toolstack_add(rtdd_hv *hv, const char *kind, rtdd_domid be,
			  rtdd_domid fe, unsigned devid,
			  const char *const *extra_be,
			  const char *const *extra_fe)
{
	char *bp = NULL, *fp = NULL;
	char num[32];
	int rc, tries = 0;

	if (!hv || !kind)
		return -EINVAL;
	rc = paths(hv, kind, be, fe, devid, &bp, &fp);
	if (rc)
		return rc;
	do {
		/* libxl's permissions: each side owns its node and the
		 * other side may read it. */
		struct rtdd_xs_perm bperm[2] = {{be, RTDD_XS_PERM_NONE},
						{fe, RTDD_XS_PERM_READ}};
		struct rtdd_xs_perm fperm[2] = {{fe, RTDD_XS_PERM_NONE},
						{be, RTDD_XS_PERM_READ}};
		rtdd_xs_txn t;

		rc = rtdd_xs_txn_start(hv, &t);
		if (rc)
			break;
		/* As libxl__device_generic_add: stale entries of an earlier
		 * device go first, so every entry inherits the permissions
		 * set below (an old child would keep an old ACL and lock out
		 * a recreated driver domain). */
		rc = rtdd_xs_rm(hv, t, fp);
		if (rc == -ENOENT)
			rc = 0;
		if (!rc) {
			rc = rtdd_xs_rm(hv, t, bp);
			if (rc == -ENOENT)
				rc = 0;
		}
		if (!rc)
			rc = rtdd_xs_mkdir(hv, t, bp);
		if (!rc)
			rc = rtdd_xs_set_perms(hv, t, bp, bperm, 2);
		if (!rc)
			rc = rtdd_xs_mkdir(hv, t, fp);
		if (!rc)
			rc = rtdd_xs_set_perms(hv, t, fp, fperm, 2);
		snprintf(num, sizeof(num), "%u", fe);
		if (!rc)
			rc = write_kv(hv, t, bp, "frontend", fp);
		if (!rc)
			rc = write_kv(hv, t, bp, "frontend-id", num);
		if (!rc)
			rc = write_kv(hv, t, bp, "online", "1");
		if (!rc)
			rc = write_kv(hv, t, bp, "state", "1");
		if (!rc)
			rc = write_list(hv, t, bp, extra_be);
		snprintf(num, sizeof(num), "%u", be);
		if (!rc)
			rc = write_kv(hv, t, fp, "backend", bp);
		if (!rc)
			rc = write_kv(hv, t, fp, "backend-id", num);
		if (!rc)
			rc = write_kv(hv, t, fp, "state", "1");
		snprintf(num, sizeof(num), "%u", devid);
		if (!rc)
			rc = write_kv(hv, t, fp, "virtual-device", num);
		if (!rc)
			rc = write_list(hv, t, fp, extra_fe);
		if (rc) {
			(void)rtdd_xs_txn_end(hv, t, true);
			break;
		}
		rc = rtdd_xs_txn_end(hv, t, false);
	} while (rc == -EAGAIN && ++tries < 16);
	free(bp);
	free(fp);
	return rc;
}

int rtdd_xb_toolstack_remove(rtdd_hv *hv, const char *kind, rtdd_domid be,
			     rtdd_domid fe, unsigned devid)
{
	char *bp = NULL, *fp = NULL;
	int rc, rc2;

	rc = paths(hv, kind, be, fe, devid, &bp, &fp);
	if (rc)
		return rc;
	rc = rtdd_xs_rm(hv, RTDD_XS_TXN_NONE, fp);
	rc2 = rtdd_xs_rm(hv, RTDD_XS_TXN_NONE, bp);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc && rc2 != -ENOENT)
		rc = rc2;
	free(bp);
	free(fp);
	return rc;
}

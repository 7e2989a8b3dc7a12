// SPDX-License-Identifier: MIT
/* tests/sim/net/net_env.c - see net_env.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "net_env.h"
#include "rtdd/be_xenbus.h"
#include "rtdd/log.h"
#include "rtdd/netif_req.h"

void net_env_log(void *arg, const char *line)
{
	(void)arg;
	if (getenv("RTDD_TEST_VERBOSE"))
		fprintf(stderr, "netfront: %s\n", line);
}

int net_env_start(struct net_env *e, unsigned nfe)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if (nfe > NET_ENV_MAX_FE)
		return -EINVAL;
	rtdd_log_init("net-test", getenv("RTDD_TEST_VERBOSE") ? RTDD_LOG_DEBUG
							      : RTDD_LOG_ERR);
	rc = simhv_fixture_start(&e->f);
	if (rc)
		return rc;
	e->started = true;
	rc = simhv_fixture_domain(&e->f, "netdd", 1, &e->be_dom);
	if (!rc)
		rc = simhv_fixture_open(&e->f, e->be_dom, &e->be_hv);
	for (unsigned i = 0; !rc && i < nfe; i++) {
		char name[16];

		snprintf(name, sizeof(name), "guest%u", i);
		rc = simhv_fixture_domain(&e->f, name, 1, &e->fe_dom[i]);
		if (!rc)
			rc = simhv_fixture_open(&e->f, e->fe_dom[i],
						&e->fe_hv[i]);
		if (!rc) {
			static const uint8_t base[6] = {0x00, 0x16, 0x3e,
							0,    0,    0};

			memcpy(e->mac[i], base, 6);
			e->mac[i][5] = (uint8_t)(i + 1);
			e->nfe++;
		}
	}
	if (rc)
		net_env_stop(e);
	return rc;
}

void net_env_stop(struct net_env *e)
{
	net_env_backend_stop(e, true);
	for (unsigned i = 0; i < e->nfe; i++)
		rtdd_hv_close(e->fe_hv[i]);
	rtdd_hv_close(e->be_hv);
	e->nfe = 0;
	e->be_hv = NULL;
	rtdd_sw_destroy(e->sw);
	e->sw = NULL;
	if (e->started)
		simhv_fixture_stop(&e->f);
	e->started = false;
}

int net_env_add_vif(struct net_env *e, unsigned fe)
{
	char mac[24];
	const uint8_t *m = e->mac[fe];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	{
		const char *bkv[] = {"mac", mac, "type", "vif", NULL};
		const char *fkv[] = {"mac", mac, "handle", "0", NULL};

		return rtdd_xb_toolstack_add(e->f.dom0, "vif", e->be_dom,
					     e->fe_dom[fe], 0, bkv, fkv);
	}
}

int net_env_switch(struct net_env *e, const char *switch_line,
		   const char *const *port_opts, const char *extra,
		   rtdd_sw **sw_out)
{
	char text[4096];
	size_t off = 0;
	char err[256] = "";
	FILE *f;
	int rc;

	if (switch_line)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n",
					switch_line);
	for (unsigned i = 0; i < e->nfe; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"port vif%u.0 %s\n", e->fe_dom[i],
					port_opts && port_opts[i] ? port_opts[i]
								  : "");
	if (extra)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n",
					extra);
	for (unsigned i = 0; i < e->nfe; i++) {
		const uint8_t *m = e->mac[i];

		off += (size_t)snprintf(
			text + off, sizeof(text) - off,
			"mac %02x:%02x:%02x:%02x:%02x:%02x vif%u.0\n", m[0],
			m[1], m[2], m[3], m[4], m[5], e->fe_dom[i]);
	}
	f = fmemopen(text, off, "r");
	if (!f)
		return -errno;
	rc = rtdd_sw_parse(f, sw_out, err, sizeof(err));
	fclose(f);
	if (rc)
		fprintf(stderr, "switch config: %s\n", err);
	return rc;
}

static void *backend_main(void *arg)
{
	struct net_env *e = arg;

	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE))
		(void)rtdd_netback_run(e->nb, 20);
	return NULL;
}

int net_env_backend_start(struct net_env *e, rtdd_sw *sw,
			  const struct rtdd_netback_cfg *cfg)
{
	struct rtdd_netback_cfg def;
	int rc;

	if (!cfg) {
		rtdd_netback_cfg_default(&def);
		cfg = &def;
	}
	if (e->sw && e->sw != sw)
		rtdd_sw_destroy(e->sw);
	e->sw = sw;
	rc = rtdd_netback_create(e->be_hv, sw, cfg, &e->nb);
	if (rc)
		return rc;
	e->stop = 0;
	rc = pthread_create(&e->thr, NULL, backend_main, e);
	if (rc) {
		rtdd_netback_destroy(e->nb, true);
		e->nb = NULL;
		return -rc;
	}
	return 0;
}

void net_env_backend_stop(struct net_env *e, bool remove)
{
	if (!e->nb)
		return;
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	pthread_join(e->thr, NULL);
	rtdd_netback_destroy(e->nb, remove);
	e->nb = NULL;
}

int net_env_be_state(struct net_env *e, unsigned fe)
{
	char p[128];
	int st, rc;

	snprintf(p, sizeof(p), "/local/domain/%u/backend/vif/%u/0/state",
		 e->be_dom, e->fe_dom[fe]);
	rc = rtdd_xs_read_int(e->f.dom0, 0, p, &st);
	return rc ? rc : st;
}

int net_env_wait_be_state(struct net_env *e, unsigned fe, int st,
			  int timeout_ms)
{
	for (int i = 0; i < timeout_ms; i++) {
		if (net_env_be_state(e, fe) == st)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------------ */

unsigned net_frame(uint8_t *b, unsigned len, const uint8_t dst[6],
		   const uint8_t src[6], uint32_t seq)
{
	unsigned ipl, i;

	if (len < 60)
		len = 60;
	ipl = len - 14;
	memset(b, 0, len);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)(ipl >> 8);
	b[17] = (uint8_t)ipl;
	b[22] = 64;
	b[23] = 17;
	b[26] = 10;
	b[29] = src[5];
	b[30] = 10;
	b[33] = dst[5];
	{
		uint16_t c =
			rtdd_net_csum_fold(rtdd_net_csum_add(0, b + 14, 20));

		b[24] = (uint8_t)(c >> 8);
		b[25] = (uint8_t)c;
	}
	b[34] = 0x13;
	b[35] = 0x88;
	b[36] = 0x13;
	b[37] = 0x89;
	b[38] = (uint8_t)((ipl - 20) >> 8);
	b[39] = (uint8_t)(ipl - 20);
	b[42] = (uint8_t)(seq >> 24);
	b[43] = (uint8_t)(seq >> 16);
	b[44] = (uint8_t)(seq >> 8);
	b[45] = (uint8_t)seq;
	for (i = 46; i < len; i++)
		b[i] = (uint8_t)(seq * 7u + i);
	/* The checksum is blank: complete it as netback would. */
	(void)rtdd_net_csum_complete(b, len);
	return len;
}

int net_frame_check(const uint8_t *b, unsigned len, uint32_t *seq_out)
{
	uint32_t sum, seq;
	unsigned ipl, i;

	if (len < 60 || b[12] != 0x08 || b[13] != 0 || b[23] != 17)
		return -EBADMSG;
	ipl = (unsigned)(b[16] << 8 | b[17]);
	if (ipl + 14 != len)
		return -EBADMSG;
	if (rtdd_net_csum_fold(rtdd_net_csum_add(0, b + 14, 20)) != 0)
		return -EBADMSG;
	/* UDP checksum over pseudo header + datagram must fold to 0. */
	sum = rtdd_net_csum_add(0, b + 26, 8);
	sum += 17 + (ipl - 20);
	sum = rtdd_net_csum_add(sum, b + 34, ipl - 20);
	if (rtdd_net_csum_fold(sum) != 0)
		return -EBADMSG;
	seq = (uint32_t)b[42] << 24 | (uint32_t)b[43] << 16 |
	      (uint32_t)b[44] << 8 | b[45];
	for (i = 46; i < len; i++)
		if (b[i] != (uint8_t)(seq * 7u + i))
			return -EBADMSG;
	*seq_out = seq;
	return 0;
}

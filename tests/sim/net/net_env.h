/* SPDX-License-Identifier: MIT */
/*
 * tests/sim/net/net_env.h - a simhv with a driver domain running
 * rtdd-netback and its switch (in this process, served by a control
 * thread), and guest domains with vifs.
 */
#ifndef RTDD_TESTS_NET_ENV_H
#define RTDD_TESTS_NET_ENV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../simhv_fixture.h"
#include "rtdd/netback.h"
#include "rtdd/netfront.h"
#include "rtdd/netsw.h"

#define NET_ENV_MAX_FE 4

struct net_env {
	struct simhv_fixture f;
	bool started;
	rtdd_domid be_dom;
	rtdd_hv *be_hv;
	unsigned nfe;
	rtdd_domid fe_dom[NET_ENV_MAX_FE];
	rtdd_hv *fe_hv[NET_ENV_MAX_FE];
	uint8_t mac[NET_ENV_MAX_FE][6]; /* 00:16:3e:00:00:<i+1> */
	/* the backend */
	rtdd_sw *sw;
	rtdd_netback *nb;
	pthread_t thr;
	int stop;
};

/* simhv, driver domain "netdd", nfe guests; 0 or -errno. */
int net_env_start(struct net_env *e, unsigned nfe);
void net_env_stop(struct net_env *e);
/* Toolstack: vif 0 of guest fe with its MAC. */
int net_env_add_vif(struct net_env *e, unsigned fe);
/* Switch text for the guests: "port vif<dom>.0 <opts[i]>" per guest and a
 * mac line each, after the given switch line (may be NULL), with extra
 * lines (NULL: none) after the ports. */
int net_env_switch(struct net_env *e, const char *switch_line,
		   const char *const *port_opts, const char *extra,
		   rtdd_sw **sw_out);
/* Backend with a switch from net_env_switch (the env owns sw after). */
int net_env_backend_start(struct net_env *e, rtdd_sw *sw,
			  const struct rtdd_netback_cfg *cfg);
void net_env_backend_stop(struct net_env *e, bool remove);
/* Backend state of (fe, vif 0) or -errno; wait for a state. */
int net_env_be_state(struct net_env *e, unsigned fe);
int net_env_wait_be_state(struct net_env *e, unsigned fe, int st,
			  int timeout_ms);
void net_env_log(void *arg, const char *line);

/* Test frames: Ethernet + IPv4/UDP with a payload pattern from seq and a
 * valid UDP checksum. Returns the frame length (len >= 60). */
unsigned net_frame(uint8_t *buf, unsigned len, const uint8_t dst[6],
		   const uint8_t src[6], uint32_t seq);
/* Checks a received test frame: 0 ok, else -EBADMSG; *seq_out. */
int net_frame_check(const uint8_t *buf, unsigned len, uint32_t *seq_out);

#endif

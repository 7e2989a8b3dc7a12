/* SPDX-License-Identifier: MIT */
/* hv/sim/client.h - the sim context, shared by the client files. */
#ifndef RTDD_SIM_CLIENT_H
#define RTDD_SIM_CLIENT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../private.h"
#include "proto.h"

struct grant_entry_v1;
struct sim_share;
struct sim_map;
struct sim_evtchn;

struct sim_hv {
	struct rtdd__hv_common c; /* first: rtdd_hv * casts to it */
	int sock;
	bool dead;	      /* transport failed: every call -EIO */
	pthread_mutex_t lock; /* one request at a time; lists below */
	struct sim_req *req;  /* SIM_MSG_MAX each, used under lock */
	struct sim_rep *rep;
	int ram_fd;
	uint64_t ram_frames;
	struct grant_entry_v1 *gnttab; /* own grant table, shared RW */
	const uint32_t *evtgen;	       /* port generations, RO */
	struct sim_share *shares;
	struct sim_map *maps;
	void *bounce;
	unsigned bounce_slots;
	struct sim_evtchn *handles;
	char dir[PATH_MAX];
};

static inline struct sim_hv *sim_hv(rtdd_hv *hv)
{
	return (struct sim_hv *)hv;
}

/* Under h->lock: send h->req (len bytes), receive into h->rep. Returns the
 * reply's rc, or -EIO when the connection failed (the context is dead).
 * fds/nfds as rtdd__sim_recv; received fds are the caller's to close. */
int rtdd__sim_xfer(struct sim_hv *h, size_t len, const int *send_fds,
		   unsigned nsend, int *fds, unsigned *nfds);
/* Lock, zero the request header, set op. */
void rtdd__sim_begin(struct sim_hv *h, uint32_t op);
void rtdd__sim_end(struct sim_hv *h);

extern const struct rtdd_evtchn_ops rtdd__sim_evtchn_ops;
/* Close every event channel handle of the context (under no lock). */
void rtdd__sim_evtchn_close_all(struct sim_hv *h);

#endif

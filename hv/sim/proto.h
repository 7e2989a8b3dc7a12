/* SPDX-License-Identifier: MIT */
/*
 * hv/sim/proto.h - the wire protocol between rtdd-simhv and its clients
 * (private to hv/sim).
 *
 * Every simulated domain N has a directory <dir>/dom<N>/ holding:
 *   hv.sock   this protocol (SOCK_SEQPACKET): whoever connects acts as
 *             domain N, exactly as a guest is whoever runs in the domain;
 *   xs.sock   the xenstore wire protocol (hv/sim/xenstored).
 * Dom0's hv.sock is privileged: the toolstack ops (create, destroy, cpupools,
 * stop) are refused with -EPERM on the others.
 *
 * One request, one reply, strictly alternating, except SIM_OP_DOM_WAIT whose
 * reply comes when the domain is gone. File descriptors travel as
 * SCM_RIGHTS with the reply. A request that does not parse closes the
 * connection it came on; nothing else is affected.
 *
 * Shared memory handed out at HELLO:
 *   ram      the domain's RAM, a memfd of mem_kib; frames are page indexes;
 *   gnttab   the domain's v1 grant table, SIM_GNT_ENTRIES grant_entry_v1,
 *            written by the domain, read (and in-use flags set) by simhv;
 *   evtgen   SIM_PORTS uint32_t, read-only to clients: bumped by simhv
 *            every time the binding of that port of the domain changes, so
 *            a client knows when the peer eventfd it cached is stale.
 */
#ifndef RTDD_SIM_PROTO_H
#define RTDD_SIM_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rtdd/hv.h"

#define SIM_PROTO_VERSION 1u
#define SIM_MSG_MAX 40960u
#define SIM_MAP_MAX 4096u  /* refs per map request */
#define SIM_COPY_MAX 64u   /* segments per copy request */
#define SIM_PORTS 4096u	   /* event channel ports per domain (1..4095) */
#define SIM_GNT_FRAMES 32u /* grant table frames (Xen's default max) */
#define SIM_GNT_ENTRIES (SIM_GNT_FRAMES * RTDD_PAGE_SIZE / 8u)
#define SIM_GNT_RESERVED 8u /* GNTTAB_NR_RESERVED_ENTRIES */
#define SIM_MAX_VCPUS 64u
#define SIM_MAX_DOMS 1024u
#define SIM_MAX_FDS 4
#define SIM_NAME_MAX 64u
#define SIM_SPAWN_MAX 32768u /* argv+env blob of DOM_SPAWN */

enum sim_op {
	SIM_OP_HELLO = 1,
	SIM_OP_GNT_ALLOC, /* share_pages: frames + refs */
	SIM_OP_GNT_FREE,  /* unshare_pages */
	SIM_OP_GNT_MAP,
	SIM_OP_GNT_UNMAP,
	SIM_OP_GNT_BOUNCE, /* the connection's copy bounce buffer */
	SIM_OP_GNT_COPY,
	SIM_OP_EVT_ALLOC, /* alloc_unbound */
	SIM_OP_EVT_BIND,  /* bind_interdomain */
	SIM_OP_EVT_UNBIND,
	SIM_OP_EVT_PEER, /* the peer's eventfd for notify */
	SIM_OP_DOM_INFO,
	SIM_OP_DOM_LIST,
	SIM_OP_RTDS_GET,
	SIM_OP_RTDS_SET,
	SIM_OP_BIND_VCPU,
	SIM_OP_STATS,
	SIM_OP_DOM_SHUTDOWN,
	/* dom0 only */
	SIM_OP_DOM_CREATE,
	SIM_OP_DOM_ATTACH,
	SIM_OP_DOM_SPAWN,
	SIM_OP_DOM_DESTROY,
	SIM_OP_DOM_WAIT,
	SIM_OP_POOL_CREATE,
	SIM_OP_POOL_DESTROY,
	SIM_OP_POOL_MOVE,
	SIM_OP_STOP,
	SIM_OP_MAX_
};

struct sim_dom_wire {
	uint16_t domid;
	uint16_t state; /* enum rtdd_dom_state */
	uint32_t vcpus;
	uint64_t mem_kib;
	uint32_t cpupool;
	uint32_t nr_procs;
	char name[SIM_NAME_MAX];
};

struct sim_copy_ptr_wire {
	uint8_t is_gref; /* 0: the bounce slot of this segment */
	uint8_t pad;
	uint16_t domid;
	uint32_t ref;
	uint16_t offset;
	uint16_t pad2;
};

struct sim_copy_seg_wire {
	struct sim_copy_ptr_wire src, dst;
	uint16_t len;
	uint16_t pad;
};

/* What BIND_VCPU / RTDS_SET applied to a thread. */
enum sim_applied {
	SIM_APPLIED_NONE = 0,	  /* nothing (see err) */
	SIM_APPLIED_DEADLINE = 1, /* SCHED_DEADLINE runtime/period */
	SIM_APPLIED_FIFO = 2,	  /* SCHED_FIFO, rate-monotonic prio */
};

struct sim_req {
	uint32_t op;
	uint32_t pad;
	union {
		struct {
			uint32_t version;
		} hello;
		struct {
			uint32_t count;
		} gnt_alloc;
		struct {
			uint16_t domid; /* grantee, written by the client */
			uint8_t readonly;
			uint8_t pad;
			uint32_t count;
			uint32_t refs[];
		} gnt_free;
		struct {
			uint16_t domid;
			uint8_t readonly;
			uint8_t pad;
			uint32_t count;
			uint32_t refs[];
		} gnt_map;
		struct {
			uint64_t handle;
		} gnt_unmap;
		struct {
			uint32_t count;
			uint32_t pad;
			struct sim_copy_seg_wire segs[];
		} gnt_copy;
		struct {
			uint16_t remote;
			uint16_t pad;
			uint32_t remote_port;
		} evt; /* ALLOC (remote), BIND (remote, remote_port) */
		struct {
			uint32_t port;
		} evt_port; /* UNBIND, PEER */
		struct {
			uint16_t domid;
			uint16_t pad;
			uint32_t vcpu;
			uint32_t period_us;
			uint32_t budget_us;
			uint8_t extratime;
		} rtds; /* DOM_INFO, RTDS_GET, RTDS_SET, DESTROY, WAIT, SHUTDOWN */
		struct {
			uint32_t vcpu;
			int32_t tid;
		} bind_vcpu;
		struct {
			char name[SIM_NAME_MAX];
			uint64_t mem_kib;
			uint32_t vcpus;
			uint32_t cpupool;
		} create;
		struct {
			uint16_t domid;
			uint16_t pad;
			int32_t pid;
		} attach;
		struct {
			uint16_t domid;
			uint16_t argc;
			uint16_t envc;
			uint16_t nfds; /* 0 or 3: stdin, stdout, stderr */
			uint32_t len;
			char blob[]; /* argv then env, NUL-separated */
		} spawn;
		struct {
			uint32_t pool;
			char sched[16]; /* "rtds" or "credit2" */
			uint64_t cpus;	/* bit per CPU */
		} pool;
		struct {
			uint16_t domid;
			uint16_t pad;
			uint32_t pool;
		} pool_move;
	} u;
};

struct sim_rep {
	int32_t rc;
	uint32_t pad;
	union {
		struct {
			uint16_t domid;
			uint16_t pad;
			uint32_t features;
			uint64_t ram_frames;
			/* fds: ram, gnttab, evtgen */
		} hello;
		struct {
			uint32_t count;
			uint32_t pad;
			uint32_t pairs[]; /* refs[count] then frames[count] */
		} gnt_alloc;
		struct {
			uint64_t handle;
			uint32_t count;
			uint32_t pad;
			uint32_t frames[]; /* fd: granter's ram */
		} gnt_map;
		struct {
			uint32_t slots; /* fd: bounce memfd, slots pages */
		} bounce;
		struct {
			uint32_t count;
			int16_t status[];
		} gnt_copy;
		struct {
			uint32_t port; /* fds: own eventfd[, peer eventfd] */
			uint32_t gen;
		} evt;
		struct {
			uint32_t gen;
			uint8_t has_peer; /* fd: peer eventfd when has_peer */
		} evt_peer;
		struct sim_dom_wire info;
		struct {
			uint32_t count;
			uint32_t pad;
			struct sim_dom_wire doms[];
		} list;
		struct {
			uint32_t period_us;
			uint32_t budget_us;
			uint8_t extratime;
			uint8_t applied; /* enum sim_applied (BIND_VCPU) */
			uint8_t pad[2];
			int32_t prio;
			int32_t err; /* -errno of the failed attempt, 0 */
			int32_t dl_err;
		} rtds;
		struct {
			uint16_t domid;
		} create;
		struct {
			int32_t pid;
		} spawn;
		struct {
			uint16_t state; /* final state */
			int32_t status; /* wait status when simhv spawned it */
		} wait;
		struct {
			uint32_t domains;
			uint32_t grant_maps;  /* live map handles */
			uint32_t grant_pins;  /* pinned grant entries */
			uint32_t simhv_mmaps; /* simhv's own domain mappings */
			uint32_t ports;	      /* open event channel ports */
			uint32_t conns;	      /* connections */
			uint32_t bound_threads;
			uint32_t pad;
		} stats;
	} u;
};

/* One message out, with up to SIM_MAX_FDS fds. Returns 0 or -errno. */
int rtdd__sim_send(int sock, const void *buf, size_t len, const int *fds,
		   unsigned nfds);
/* One message in: returns its length (0 = peer closed) or -errno; received
 * fds go to fds[] (*nfds in: room, out: count; extras are closed). */
ssize_t rtdd__sim_recv(int sock, void *buf, size_t len, int *fds,
		       unsigned *nfds);

/* "<dir>/dom<N>/<leaf>" into buf; -ENAMETOOLONG if it does not fit. */
int rtdd__sim_path(char *buf, size_t size, const char *dir, rtdd_domid domid,
		   const char *leaf);

#endif

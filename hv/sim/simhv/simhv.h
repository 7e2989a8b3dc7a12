/* SPDX-License-Identifier: MIT */
/* hv/sim/simhv/simhv.h - rtdd-simhv internals (one thread, one epoll). */
#ifndef RTDD_SIMHV_INTERNAL_H
#define RTDD_SIMHV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../proto.h"
#include "rtdd/hv.h"

struct grant_entry_v1;
struct rtdd_xsd;

enum tag_type { T_LISTEN, T_CONN, T_PIDFD, T_SIGNAL, T_XSD, T_PROCPOLL };

struct tag {
	enum tag_type type;
	void *ptr;
};

struct gmap {
	struct gmap *next;
	uint64_t handle;
	rtdd_domid granter;
	uint64_t granter_uid; /* the incarnation the pins belong to */
	bool readonly;
	unsigned count;
	uint32_t refs[];
};

struct conn {
	struct conn *next;
	struct tag tag;
	int fd;
	uint32_t id;
	struct dom *dom;
	pid_t peer_pid;
	bool hello;
	bool waiting;
	rtdd_domid wait_domid;
	int bounce_fd;
	char *bounce;
	struct gmap *maps;
};

enum port_state { PORT_FREE = 0, PORT_UNBOUND, PORT_INTER };

struct port {
	uint8_t state;
	rtdd_domid remote;
	rtdd_port rport;
	int efd;
	uint32_t owner; /* conn id */
};

/* Per grant ref: who allocated it (share_pages) and the pins on it. */
struct refinfo {
	uint32_t owner; /* conn id; 0: free, ORPHAN: its conn is gone */
	uint32_t frame; /* allocated frame; pinned frame while pinned */
	uint16_t pins;	/* all mappings and in-flight copies */
	uint16_t wpins; /* writable ones */
	bool allocated;
};
#define REF_ORPHAN 0xffffffffu

struct proc {
	struct proc *next;
	struct tag tag;
	pid_t pid;
	int pidfd; /* -1 for simhv's own children (SIGCHLD) */
	bool child;
	/* Without pidfd_open (kernel < 5.3, valgrind 3.19): an attached
	 * process is watched through /proc/<pid>/stat on a timer, and known
	 * by its start time (pids are reused). */
	bool polled;
	unsigned long long start_time;
};

struct bthread {
	struct bthread *next;
	pid_t pid; /* its process (tids are reused) */
	pid_t tid;
	unsigned vcpu;
	uint32_t owner; /* conn id */
};

struct dom {
	rtdd_domid domid;
	uint64_t uid;
	char name[SIM_NAME_MAX];
	enum rtdd_dom_state state;
	bool shutdown_req;
	int exit_status; /* -1 unless simhv's child exited */
	unsigned vcpus;
	uint64_t mem_kib;
	uint64_t frames;
	uint32_t pool;
	struct rtdd_rtds_params rtds[SIM_MAX_VCPUS];
	int ram_fd, gnt_fd, gen_fd;
	char *ram;
	struct grant_entry_v1 *gnt;
	uint32_t *gen;
	uint8_t *frame_used;
	uint64_t next_frame;
	uint32_t next_ref;
	struct refinfo *refs;
	struct port *ports;
	int listen_fd;
	struct tag listen_tag;
	struct proc *procs;
	bool had_procs;
	struct bthread *threads;
	char dirpath[256];
};

struct pool {
	bool used;
	char sched[16];
	uint64_t cpus;
};
#define SIM_MAX_POOLS 64u

/* Domains that ended recently, for a DOM_WAIT that comes late. */
struct ended {
	rtdd_domid domid;
	uint16_t state;
	int status;
	bool used;
};
#define SIM_ENDED 64u

struct simhv {
	const char *dir;
	int epfd;
	int sigfd;
	struct tag sig_tag, xsd_tag;
	int poll_tfd; /* timerfd of the /proc fallback, -1 until needed */
	struct tag poll_tag;
	struct rtdd_xsd *xsd;
	struct dom *doms[SIM_MAX_DOMS];
	rtdd_domid next_domid;
	uint64_t next_uid;
	uint32_t next_conn_id;
	uint64_t next_handle;
	struct conn *conns;
	struct pool pools[SIM_MAX_POOLS];
	uint32_t features;
	uint64_t all_cpus;
	bool stopping;
	struct ended ended[SIM_ENDED];
	unsigned ended_next;
	/* debug counters */
	unsigned n_maps, n_pins, n_mmaps, n_ports, n_conns, n_threads;
};

extern struct simhv *simhv;

/* dom.c */
struct dom *dom_find(rtdd_domid domid); /* NULL: no live domain */
int dom_create(const char *name, uint64_t mem_kib, unsigned vcpus,
	       uint32_t pool, rtdd_domid want, struct dom **dom_out);
void dom_destroy(struct dom *d, enum rtdd_dom_state final);
int dom_attach(struct dom *d, pid_t pid, bool child);
void dom_proc_gone(struct proc *p, int status, bool have_status);
void dom_reap_children(void);
/* The /proc fallback's tick: ends the domains' polled processes that are
 * gone (exited, zombie, or pid reused). */
void dom_poll_procs(void);
int dom_spawn(struct conn *c, const struct sim_req *req, size_t len,
	      const int *fds, unsigned nfds, pid_t *pid_out);
void dom_to_wire(const struct dom *d, struct sim_dom_wire *w);
/* sched */
void sched_probe(void);
int sched_bind(struct conn *c, unsigned vcpu, pid_t tid, struct sim_rep *rep);
void sched_reapply_all(void);
void sched_drop_conn(struct dom *d, uint32_t conn_id);

/* gnt.c */
int gnt_alloc(struct conn *c, unsigned count, struct sim_rep *rep);
int gnt_free(struct conn *c, unsigned count, const uint32_t *refs);
int gnt_map(struct conn *c, rtdd_domid domid, bool ro, unsigned count,
	    const uint32_t *refs, struct sim_rep *rep, int *fd_out);
int gnt_unmap(struct conn *c, uint64_t handle);
int gnt_bounce(struct conn *c, int *fd_out);
int gnt_copy(struct conn *c, unsigned count,
	     const struct sim_copy_seg_wire *segs, struct sim_rep *rep);
void gnt_conn_gone(struct conn *c);
void gnt_dom_gone(struct dom *d);

/* evt.c */
int evt_alloc(struct conn *c, rtdd_domid remote, struct sim_rep *rep,
	      int *fd_out);
int evt_bind(struct conn *c, rtdd_domid remote, rtdd_port rport,
	     struct sim_rep *rep, int *fds_out);
int evt_unbind(struct conn *c, rtdd_port port);
int evt_peer(struct conn *c, rtdd_port port, struct sim_rep *rep, int *fd_out);
void evt_conn_gone(struct conn *c);
void evt_dom_gone(struct dom *d);

/* main.c */
void conn_close(struct conn *c);
int ep_add(int fd, struct tag *t);
void ep_del(int fd);

#endif

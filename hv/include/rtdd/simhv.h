/* SPDX-License-Identifier: MIT */
/*
 * rtdd/simhv.h - the toolstack side of rtdd-simhv (sim only).
 *
 * What `xl` and libxl are on Xen, these calls are on simhv: start and stop
 * the daemon, create and destroy domains, put processes into them, cpupools.
 * Plus two sim-only calls a domain makes on itself: bind the calling thread
 * to one of its VCPUs (so the VCPU's RTDS parameters apply to the thread)
 * and announce a clean shutdown. Everything else goes through rtdd/hv.h
 * with a context opened as "sim" or "sim:N". See docs/hv.md.
 *
 * Toolstack calls take a context of domain 0 (rtdd_hv_open("sim:0")) and
 * return -EPERM on any other, -EOPNOTSUPP on a Xen context. All calls
 * return 0 or -errno and are thread-safe (one request at a time per
 * context).
 */
#ifndef RTDD_SIMHV_H
#define RTDD_SIMHV_H

#include <stdint.h>
#include <sys/types.h>

#include "rtdd/hv.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Start rtdd-simhv (binary simhv_bin; NULL: "rtdd-simhv" from PATH) on run
 * directory dir, as a child of the caller, and wait until it serves.
 * log_path (NULL: inherit stderr) receives its log. *pid_out: its pid.
 * This simhv is the caller's: it gets SIGTERM (and stops cleanly) when the
 * calling thread exits, so a test that dies leaves no simhv behind; for a
 * simhv that outlives its starter, run `rtdd-simhv start --daemon`.
 * Returns -EEXIST if a simhv already serves dir, -ETIMEDOUT if it did not
 * come up within 10 s, -errno of the exec otherwise.
 */
int rtdd_simhv_start(const char *dir, const char *simhv_bin,
		     const char *log_path, pid_t *pid_out);

/* Ask the simhv serving dir to stop (it destroys every domain, then exits)
 * and wait up to 10 s for its socket to go. -ENOENT: none serves dir. */
int rtdd_simhv_stop(const char *dir);

struct rtdd_simhv_dom_cfg {
	const char *name; /* unique; NULL: "dom<N>" */
	uint64_t mem_mib; /* 0: 64 */
	unsigned vcpus;	  /* 0: 1; at most 64 */
	uint32_t cpupool; /* 0: Pool-0 */
};

/* Create an empty domain (no process yet): its RAM, grant table, event
 * channel table, xenstore connection and /local/domain/<id>. -EEXIST: the
 * name is taken; -ENOENT: no such cpupool; -ENOSPC: no free domid. */
int rtdd_simhv_domain_create(rtdd_hv *dom0,
			     const struct rtdd_simhv_dom_cfg *cfg,
			     rtdd_domid *domid_out);

/* Put process pid into the domain (several processes may form one). When
 * the last process of a domain dies without a clean shutdown first
 * (rtdd_simhv_domain_shutdown), the domain turns CRASHED and is destroyed:
 * its grants, mappings, ports and xenstore connection are cleaned up.
 * -ESRCH: no such domain or process; -EEXIST: already in this domain;
 * -EBUSY: in another domain. */
int rtdd_simhv_domain_attach(rtdd_hv *dom0, rtdd_domid domid, pid_t pid);

/* Let simhv fork and exec argv (argv[0] looked up in PATH) as the process
 * of domain domid, with envp (NULL: simhv's environment) plus
 * RTDD_SIM_DIR, RTDD_SIM_DOMID and XENSTORED_PATH. stdio_fds (NULL: simhv's)
 * are its stdin, stdout and stderr. Exit status 0 counts as a clean
 * shutdown, anything else as a crash. */
int rtdd_simhv_domain_spawn(rtdd_hv *dom0, rtdd_domid domid, char *const argv[],
			    char *const envp[], const int stdio_fds[3],
			    pid_t *pid_out);

/* Destroy now: SIGKILL to its processes (to the whole process group of a
 * spawned one, which simhv makes a group leader). -ESRCH; -EPERM for dom0;
 * -EINVAL for the calling context's own domain. */
int rtdd_simhv_domain_destroy(rtdd_hv *dom0, rtdd_domid domid);

/* Mark the domain as shutting down cleanly: when its processes end it goes
 * SHUTDOWN (not CRASHED) before it is destroyed. A domain may call this on
 * itself (domid RTDD_DOMID_SELF); dom0 on any domain. */
int rtdd_simhv_domain_shutdown(rtdd_hv *hv, rtdd_domid domid);

/* Block until the domain is gone; *state_out: SHUTDOWN or CRASHED as it
 * ended by itself, DYING when it was destroyed (domain_destroy, stop),
 * *status_out: the wait status when simhv spawned its process, else -1.
 * Returns at once when the domain has already ended (simhv remembers the
 * last 64 that did); -ESRCH when it knows no such domain. Use a context of
 * its own for this (it holds the connection until then). */
int rtdd_simhv_domain_wait(rtdd_hv *dom0, rtdd_domid domid,
			   enum rtdd_dom_state *state_out, int *status_out);

/* Every domain; *doms_out is one malloc block of *n_out entries. */
int rtdd_simhv_domain_list(rtdd_hv *hv, struct rtdd_dom_info **doms_out,
			   unsigned *n_out);

/* cpupools: pool 0 ("Pool-0", every CPU, RTDS) always exists. A pool's CPUs
 * become the CPU affinity of the threads bound to its domains' VCPUs.
 * sched: "rtds" or "credit2" (RTDS calls on a credit2 pool's domains fail
 * with -EOPNOTSUPP, as on Xen). cpus: bit i = CPU i. -EEXIST, -EINVAL,
 * -EBUSY (destroying a pool that still has domains). */
int rtdd_simhv_cpupool_create(rtdd_hv *dom0, uint32_t pool, const char *sched,
			      uint64_t cpus);
int rtdd_simhv_cpupool_destroy(rtdd_hv *dom0, uint32_t pool);
int rtdd_simhv_cpupool_move(rtdd_hv *dom0, rtdd_domid domid, uint32_t pool);

/* What simhv applied to a thread for the RTDS parameters of its VCPU. */
enum rtdd_simhv_policy {
	RTDD_SIMHV_POLICY_NONE = 0,	/* nothing could be applied */
	RTDD_SIMHV_POLICY_DEADLINE = 1, /* SCHED_DEADLINE budget/period */
	RTDD_SIMHV_POLICY_FIFO = 2,	/* SCHED_FIFO, rate-monotonic */
};

struct rtdd_simhv_sched {
	enum rtdd_simhv_policy policy;
	int fifo_prio;	  /* when FIFO */
	int err;	  /* -errno when NONE */
	int deadline_err; /* why SCHED_DEADLINE was refused (0: not tried or ok) */
	struct rtdd_rtds_params params;
};

/* Bind the calling thread to VCPU vcpu of the context's own domain: simhv
 * applies that VCPU's RTDS parameters to it now and on every later
 * rtdd_sched_rtds_set, and the domain's cpupool as its CPU affinity.
 * -EINVAL: vcpu out of range; -EOPNOTSUPP: not a sim context. */
int rtdd_simhv_bind_vcpu(rtdd_hv *hv, unsigned vcpu,
			 struct rtdd_simhv_sched *out);

/* Debug counters of the whole simhv (any domain may ask). */
struct rtdd_simhv_stats {
	unsigned domains;
	unsigned grant_maps;  /* live map_refs handles */
	unsigned grant_pins;  /* grant entries pinned by mappings */
	unsigned simhv_mmaps; /* simhv's own mappings of domain memory */
	unsigned ports;	      /* open event channel ports */
	unsigned conns;	      /* hv connections */
	unsigned bound_threads;
};
int rtdd_simhv_stats(rtdd_hv *hv, struct rtdd_simhv_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_SIMHV_H */

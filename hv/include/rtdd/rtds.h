/* SPDX-License-Identifier: MIT */
/*
 * rtdd/rtds.h - compositional scheduling analysis for Xen's RTDS scheduler
 * and a discrete-event simulator of RTDS (and of the credit scheduler).
 *
 * All times are int64_t in one unit, microseconds by convention (Xen's
 * `xl sched-rtds` takes µs). Every analysis function works in exact integer
 * arithmetic; floating point is used only to compute how far a search must
 * look, and those limits are rounded up so that they stay safe.
 *
 * Task model: a task is (T, C, D) with 0 < C <= D <= T (constrained
 * deadline); T is the period or, for a sporadic task, the minimum
 * inter-arrival time.
 *
 * Sources of the formulas (the comment above each function names which):
 *  [SL03]  I. Shin, I. Lee, "Periodic Resource Model for Compositional
 *          Real-Time Guarantees", RTSS 2003: Γ(Π,Θ), sbf, lsbf, EDF and RM
 *          schedulability over a periodic resource.
 *  [SEL08] I. Shin, A. Easwaran, I. Lee, "Hierarchical Scheduling Framework
 *          for Virtual Clustering of Multiprocessors", ECRTS 2008: the
 *          multiprocessor periodic resource ⟨Π,Θ,m'⟩, its sbf (Eq. 1), the
 *          gEDF test (Theorem 1) and the mapping to m' VCPUs (Def. 3).
 *  [BCL09] M. Bertogna, M. Cirinei, G. Lipari, "Schedulability analysis of
 *          global scheduling algorithms on multiprocessor platforms",
 *          IEEE TPDS 2009: the window-interference test used for the VCPUs
 *          of a cpupool.
 *  [RTXEN] S. Xi, J. Wilson, C. Lu, C. Gill, "RT-Xen: Towards Real-time
 *          Hypervisor Scheduling in Xen", EMSOFT 2011; S. Xi, M. Xu, C. Lu,
 *          L. Phan, C. Gill, O. Sokolsky, I. Lee, "Real-Time Multi-Core
 *          Virtual Machine Scheduling in Xen", EMSOFT 2014 (RT-Xen 2.0,
 *          the origin of RTDS): VCPUs as deferrable servers under gEDF,
 *          CSA interfaces mapped to VCPU (period, budget).
 *
 * Threads: every function is reentrant; nothing here keeps global state.
 * Errors: functions returning int return 0 or a negative errno; they never
 * print.
 */
#ifndef RTDD_RTDS_H
#define RTDD_RTDS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Xen RTDS limits (xen/common/sched/rt.c): period and budget >= 10 µs. */
#define RTDD_RTDS_MIN_US 10
/* Longest interval an analysis will walk, in points; beyond: -E2BIG. */
#define RTDD_RTDS_MAX_POINTS (1 << 22)

enum rtdd_rtds_sched {
	RTDD_RTDS_SCHED_EDF = 0, /* earliest deadline first */
	RTDD_RTDS_SCHED_RM = 1,	 /* rate monotonic: shorter T, higher prio */
	RTDD_RTDS_SCHED_DM = 2,	 /* deadline monotonic: shorter D first */
};

enum rtdd_rtds_task_kind {
	RTDD_RTDS_TASK_PERIODIC = 0,
	/* Releases at least T apart (simulation draws the extra gap); I/O work
	 * of a driver domain is modelled this way. */
	RTDD_RTDS_TASK_SPORADIC = 1,
	/* Always ready, lowest priority, no deadline: best-effort load inside
	 * a guest. Ignored by the analysis; its period, wcet and deadline are
	 * 0 (the loader leaves them so): skip this kind before dividing. */
	RTDD_RTDS_TASK_BACKGROUND = 2,
};

struct rtdd_rtds_task {
	char name[32];
	int64_t period;	  /* T */
	int64_t wcet;	  /* C */
	int64_t deadline; /* D; 0 means D = T */
	int64_t offset;	  /* first release (simulation only) */
	enum rtdd_rtds_task_kind kind;
};

/* Periodic resource Γ(Π, Θ) [SL03], and the multiprocessor periodic resource
 * ⟨Π, Θ, m'⟩ [SEL08] (m = 1 is Γ). 0 < Θ <= m·Π. */
struct rtdd_rtds_iface {
	int64_t period; /* Π */
	int64_t budget; /* Θ, total over the m VCPUs */
	unsigned m;	/* m', number of VCPUs */
};

/*
 * Result of a schedulability test. When `schedulable` is 0, `task` names the
 * task whose deadline is not guaranteed and `t` the interval length (from the
 * critical instant) at which the demand first exceeds the supply;
 * `demand` > `supply` are the two values there.
 */
struct rtdd_rtds_verdict {
	int schedulable;
	int task;	 /* index into the task array, -1 if none */
	int64_t t;	 /* interval length where the supply falls short */
	int64_t demand;	 /* dbf / rbf / DEM at t */
	int64_t supply;	 /* sbf at t */
	uint64_t points; /* number of points evaluated */
};

/* ---- periodic resource Γ(Π,Θ) [SL03] ---------------------------------- */

/*
 * Supply bound function of Γ(Π,Θ), [SL03] Eq. (1), written in the closed
 * form: for t >= Π-Θ, with y = floor((t - (Π-Θ)) / Π),
 *     sbf(t) = y·Θ + max(0, t - 2(Π-Θ) - y·Π),   and 0 for t < Π-Θ.
 * The worst case starts right after Θ was supplied at the start of a period:
 * a blackout of 2(Π-Θ). Γ(5,2): sbf(6)=0, sbf(7)=1, sbf(9)=2, sbf(13)=4.
 * Returns the supply (>= 0), or -EINVAL for a malformed resource.
 */
int64_t rtdd_rtds_sbf(const struct rtdd_rtds_iface *r, int64_t t);

/* Linear lower bound [SL03] Eq. (2): lsbf(t) = Θ/Π · (t - 2(Π-Θ)),
 * rounded down and clamped at 0; lsbf(t) <= sbf(t) for every t. */
int64_t rtdd_rtds_lsbf(const struct rtdd_rtds_iface *r, int64_t t);

/* Inverse of sbf: the shortest interval that surely supplies s units,
 * min{ t : sbf(t) >= s } = 2(Π-Θ) + y·Π + (s - y·Θ), y = ceil(s/Θ) - 1,
 * and 0 for s <= 0. Works for any m (searches sbf for m > 1). */
int64_t rtdd_rtds_sbf_inverse(const struct rtdd_rtds_iface *r, int64_t s);

/* ---- multiprocessor periodic resource ⟨Π,Θ,m'⟩ [SEL08] --------------- */

/*
 * [SEL08] Eq. (1): with t' = t - (Π - ceil(Θ/m')) and k = floor(t'/Π),
 *     sbf(t) = k·Θ + max(0, m'·(t' - k·Π) - (m'·Π - Θ))   for t' >= 0,
 * else 0. For m' = 1 this is the Γ(Π,Θ) sbf above.
 */
int64_t rtdd_rtds_mpr_sbf(const struct rtdd_rtds_iface *r, int64_t t);

/* ---- demand --------------------------------------------------------- */

/* EDF demand bound [SL03] (Baruah's dbf): sum over the tasks of
 * max(0, floor((t - D_i)/T_i) + 1) · C_i. Background tasks are skipped. */
int64_t rtdd_rtds_dbf(const struct rtdd_rtds_task *tasks, size_t n, int64_t t);

/* Priority order for RM/DM: fills order_out[0..n) with task indexes, highest
 * priority first (ties by index). EDF gives index order. */
void rtdd_rtds_prio_order(const struct rtdd_rtds_task *tasks, size_t n,
			  enum rtdd_rtds_sched sched, size_t *order_out);

/* Fixed-priority request bound [SL03]: rbf_i(t) = C_i + sum over the
 * higher-priority tasks k of ceil(t/T_k)·C_k. `order` as from
 * rtdd_rtds_prio_order; i is a task index. */
int64_t rtdd_rtds_rbf(const struct rtdd_rtds_task *tasks, size_t n,
		      const size_t *order, size_t i, int64_t t);

/* ---- uniprocessor tests over Γ(Π,Θ) ------------------------------------ */

/*
 * EDF over Γ [SL03] Theorem: schedulable iff dbf(t) <= sbf(t) at every
 * absolute deadline t. Points are walked up to the first of: the linear
 * bound where dbf(t) <= U·t + Σ(T_i-D_i)U_i <= lsbf(t), or lcm(H, Π) +
 * max(D_max, Π) (after which dbf - sbf repeats with non-positive drift).
 * Returns 0 with *v filled, -EINVAL for bad tasks or resource, -E2BIG if the
 * walk would exceed RTDD_RTDS_MAX_POINTS.
 */
int rtdd_rtds_edf_check(const struct rtdd_rtds_task *tasks, size_t n,
			const struct rtdd_rtds_iface *r,
			struct rtdd_rtds_verdict *v);

/*
 * RM/DM over Γ in response-time form [SL03] Theorem 5 (with sbf^-1):
 *     R_i = min{ t > 0 : sbf(t) >= rbf_i(t) },
 * found by the iteration R <- sbf^-1(rbf_i(R)) from R = sbf^-1(C_i).
 * Task i is schedulable iff R_i <= D_i. resp_out (n entries, may be NULL)
 * gets R_i, or -1 where the iteration passed D_i.
 */
int rtdd_rtds_fp_check(const struct rtdd_rtds_task *tasks, size_t n,
		       enum rtdd_rtds_sched sched,
		       const struct rtdd_rtds_iface *r,
		       struct rtdd_rtds_verdict *v, int64_t *resp_out);

/*
 * gEDF over ⟨Π,Θ,m'⟩, [SEL08] Theorem 1: for every task k and every integer
 * A_k >= 0, DEM(A_k + D_k, m') <= sbf(A_k + D_k), where
 *   DEM(t, m') = m'·C_k + Σ_i Î_i + Σ_{m'-1 largest} (Ī_i - Î_i),
 *   Î_i = min(W_i(t), t - C_k + 1),  Ī_i = min(W̄_i(t), t - C_k + 1)  (i≠k)
 *   Î_k = min(W_k(t) - C_k, A_k),    Ī_k = min(W̄_k(t) - C_k, A_k)
 *   W_i(t) = floor((t + T_i - D_i)/T_i)·C_i,  W̄_i = W_i + min(C_i,
 *   max(0, t - floor((t + T_i - D_i)/T_i)·T_i))  (carry-in).
 * The "+1" is the discrete-time form of [BCL09] (without it the test
 * admits a set that misses by 7, found by the property test). A_k is
 * walked up to where DEM's linear upper bound meets sbf's linear lower
 * bound α(t - 2(Π - Θ/m')), by range splitting (DEM and sbf are both
 * non-decreasing), so every integer A_k is covered. Sufficient test.
 */
int rtdd_rtds_gedf_check(const struct rtdd_rtds_task *tasks, size_t n,
			 const struct rtdd_rtds_iface *r,
			 struct rtdd_rtds_verdict *v);

/* Dispatch: m == 1 → EDF/RM/DM uniprocessor test; m > 1 → gEDF (RM/DM on
 * m > 1 gives -EOPNOTSUPP). */
int rtdd_rtds_check(const struct rtdd_rtds_task *tasks, size_t n,
		    enum rtdd_rtds_sched sched, const struct rtdd_rtds_iface *r,
		    struct rtdd_rtds_verdict *v);

/* ---- interface selection ------------------------------------------------ */

struct rtdd_rtds_opts {
	/* Context-switch cost δ. Each job preempts at most once under EDF and
	 * fixed priority, which costs two switches: C_i is analysed as
	 * C_i + 2δ (rtdd_rtds_inflate). And each VCPU pays its own switch-in
	 * once per period out of its budget: rtdd_rtds_min_budget returns the
	 * effective budget + m·δ, which makes short server periods cost what
	 * they cost. */
	int64_t ctx_switch;
	/* Smallest budget handed out per VCPU (RTDD_RTDS_MIN_US if 0). */
	int64_t min_budget;
};

/* Copy of tasks with the context-switch overhead folded in (C + 2δ, capped
 * at D is NOT applied: a task that no longer fits is reported). Caller frees.
 * Returns NULL on ENOMEM. */
struct rtdd_rtds_task *rtdd_rtds_inflate(const struct rtdd_rtds_task *tasks,
					 size_t n,
					 const struct rtdd_rtds_opts *o);

/*
 * Smallest budget Θ in [min_budget·m, m·Π] for which rtdd_rtds_check admits
 * the tasks on ⟨Π, Θ - m·δ, m⟩ (δ = o->ctx_switch), by bisection on the
 * exact test (sbf is monotone in Θ for a fixed Π, so the bisection finds the
 * exact minimum for m = 1). The tasks are taken as given: inflate them
 * first (rtdd_rtds_inflate) to charge the task-level switches.
 * Returns 0 and *budget_out, -ENOSPC if even Θ = m·Π is not enough (*v then
 * says why), other -errno as the tests.
 */
int rtdd_rtds_min_budget(const struct rtdd_rtds_task *tasks, size_t n,
			 enum rtdd_rtds_sched sched, int64_t period, unsigned m,
			 const struct rtdd_rtds_opts *o, int64_t *budget_out,
			 struct rtdd_rtds_verdict *v);

/*
 * Period choice: for Π = pmin, pmin+step, ..., <= pmax, the minimum budget;
 * keeps the interface of least bandwidth Θ/Π (ties: the longer period, fewer
 * context switches). Returns 0 and *out, -ENOSPC if no period works.
 */
int rtdd_rtds_choose_period(const struct rtdd_rtds_task *tasks, size_t n,
			    enum rtdd_rtds_sched sched, unsigned m,
			    int64_t pmin, int64_t pmax, int64_t step,
			    const struct rtdd_rtds_opts *o,
			    struct rtdd_rtds_iface *out);

/* ---- mapping to Xen RTDS VCPUs and the cpupool check -------------------- */

struct rtdd_rtds_vcpu {
	int64_t period;	  /* µs, >= RTDD_RTDS_MIN_US */
	int64_t budget;	  /* µs, RTDD_RTDS_MIN_US <= budget <= period */
	uint64_t cpumask; /* hard affinity within the pool, 0 = all */
	int extratime;	  /* Xen's extratime flag */
	unsigned vm;	  /* owner (index chosen by the caller) */
};

/*
 * ⟨Π,Θ,m'⟩ → m' VCPUs of period Π, [SEL08] Def. 3: the budget is split as
 * evenly as integers allow (Θ mod m' VCPUs get one unit more), so each VCPU
 * gets at most ceil(Θ/m') <= Π. Budgets below RTDD_RTDS_MIN_US are raised to
 * it (more supply never hurts the guest). Fills out[0..m) and returns m;
 * -EINVAL if Π < RTDD_RTDS_MIN_US or Θ > m·Π, -ENOSPC if max < m.
 */
int rtdd_rtds_to_vcpus(const struct rtdd_rtds_iface *r,
		       struct rtdd_rtds_vcpu *out, size_t max);

struct rtdd_rtds_pool_verdict {
	int schedulable;
	int vcpu;	  /* first VCPU not guaranteed, -1 if none */
	int64_t t;	  /* window or interval length of the failure */
	int64_t demand;	  /* interference / demand there */
	int64_t capacity; /* what the pCPUs offer there */
	const char *test; /* name of the test that decided */
};

/*
 * Are the VCPUs of a cpupool of `pcpus` CPUs schedulable by RTDS, i.e. does
 * every VCPU that is runnable from its replenishment get its whole budget by
 * the next one, even though other VCPUs are deferrable servers (they keep
 * budget while idle and may spend it late)?
 *   - VCPUs pinned to one pCPU (cpumask with one bit) are checked per pCPU
 *     with the deferrable-server demand dbf_ds(L) = floor(L/Π)Θ +
 *     min(Θ, L mod Π) (work of a server's jobs with deadlines in a window,
 *     whatever their phasing): sum dbf_ds(L) <= L for all L >= Π_min.
 *   - VCPUs on all pCPUs of the pool (mask 0 or all) by [BCL09] for gEDF
 *     with the same carry-in workload bound W_i(L) = dbf_ds_i(L):
 *     sum_{i != k} min(W_i(Π_k), Π_k - Θ_k + 1) < m(Π_k - Θ_k + 1);
 *     with m = 1 the uniprocessor test above also counts.
 *   - Other mixes of masks: -EOPNOTSUPP.
 * Returns 0 with *v filled, -EINVAL on bad VCPU parameters.
 */
int rtdd_rtds_pool_check(const struct rtdd_rtds_vcpu *vcpus, size_t n,
			 unsigned pcpus, struct rtdd_rtds_pool_verdict *v);

/* First-fit decreasing (by bandwidth) of VCPUs onto pCPUs, each pCPU
 * admitting by the uniprocessor deferrable-server test. Sets each cpumask to
 * one bit. Returns 0, or -ENOSPC when a VCPU fits nowhere (*failed_out gets
 * its index if not NULL). */
int rtdd_rtds_partition(struct rtdd_rtds_vcpu *vcpus, size_t n, unsigned pcpus,
			int *failed_out);

/* ---- a system: VMs with task sets, and its analysis --------------------- */

struct rtdd_rtds_vm {
	char name[32];
	enum rtdd_rtds_sched sched;
	struct rtdd_rtds_task *tasks;
	size_t ntasks;
	unsigned vcpus; /* m' (>= 1) */
	int64_t period; /* fixed interface period Π, 0 = choose in range */
	int64_t budget; /* fixed total budget Θ, 0 = compute the minimum */
	int extratime;
	unsigned weight;  /* credit scheduler weight (default 256) */
	uint64_t cpumask; /* pCPUs of the pool this VM may use, 0 = all */
};

enum rtdd_rtds_host {
	RTDD_RTDS_HOST_GEDF = 0,   /* RTDS: global EDF (with cpumasks) */
	RTDD_RTDS_HOST_PEDF = 1,   /* RTDS, VCPUs partitioned onto pCPUs */
	RTDD_RTDS_HOST_CREDIT = 2, /* Xen credit1: 30 ms slice, weights */
};

enum rtdd_rtds_server {
	RTDD_RTDS_SERVER_DEFERRABLE = 0, /* RTDS: idle VCPU keeps budget */
	RTDD_RTDS_SERVER_PERIODIC = 1,	 /* budget burns from replenishment */
};

struct rtdd_rtds_system {
	unsigned pcpus;		   /* pCPUs of the cpupool */
	int64_t pmin, pmax, pstep; /* period search range */
	struct rtdd_rtds_opts opts;
	enum rtdd_rtds_host host;
	enum rtdd_rtds_server server;
	int64_t horizon; /* simulation length, 0 = derived */
	uint64_t seed;
	struct rtdd_rtds_vm *vms;
	size_t nvms;
};

/* Frees the VMs and their tasks (not the struct itself); idempotent. */
void rtdd_rtds_system_dispose(struct rtdd_rtds_system *s);

/*
 * Loads a YAML system description (format: docs/rtds.md). On error returns
 * -errno and, if err is not NULL, writes a message naming the line into
 * err[0..errlen). *s must be zeroed by the caller; on failure it is disposed.
 */
int rtdd_rtds_system_load(const char *path, struct rtdd_rtds_system *s,
			  char *err, size_t errlen);
/* Same, from memory. */
int rtdd_rtds_system_parse(const char *buf, size_t len,
			   struct rtdd_rtds_system *s, char *err,
			   size_t errlen);

struct rtdd_rtds_vm_report {
	int rc;			      /* 0, or -errno of the analysis */
	struct rtdd_rtds_iface iface; /* chosen interface */
	struct rtdd_rtds_verdict verdict;
	int64_t *resp;	   /* RM/DM response times (ntasks) */
	size_t first_vcpu; /* index into report.vcpus */
};

struct rtdd_rtds_report {
	struct rtdd_rtds_vm_report *vms; /* nvms entries */
	size_t nvms;
	struct rtdd_rtds_vcpu *vcpus; /* every VCPU of every VM */
	size_t nvcpus;
	struct rtdd_rtds_pool_verdict pool;
	int pool_rc;
	int admitted; /* every VM schedulable and the pool check passed */
};

/* Whole-system admission: per VM the interface (fixed or searched), its
 * verdict, its VCPUs, then the pool check (after partitioning for
 * RTDD_RTDS_HOST_PEDF). Returns 0 (see rep->admitted) or -ENOMEM. */
int rtdd_rtds_analyze(const struct rtdd_rtds_system *s,
		      struct rtdd_rtds_report *rep);
void rtdd_rtds_report_dispose(struct rtdd_rtds_report *rep);

/* ---- simulator ---------------------------------------------------------- */

/*
 * Discrete-event simulation of one cpupool, in integer time.
 * Host: RTDS gEDF over the pCPUs with per-VCPU cpumask (a pinned mask gives
 * the partitioned variant); level-0 VCPUs (budget left) by absolute deadline,
 * then extratime VCPUs with an exhausted budget. Each VCPU is a deferrable
 * server (budget kept while the guest idles, replenished to full every
 * period, the deadline moving to the end of the new period) or a periodic
 * server (budget burns from replenishment, idle or not).
 * Credit (RTDD_RTDS_HOST_CREDIT): credits earned every 30 ms in proportion to
 * weight, BOOST on wake-up while UNDER (cleared at the 10 ms tick), then
 * UNDER before OVER, round robin with a 30 ms slice.
 * Guest: its ready jobs by EDF or RM/DM on whichever of its VCPUs run.
 */
struct rtdd_rtds_sim_vcpu {
	int64_t period, budget, offset;
	uint64_t cpumask; /* 0 = all pCPUs */
	int extratime;
};

struct rtdd_rtds_sim_vm {
	const struct rtdd_rtds_task *tasks;
	size_t ntasks;
	enum rtdd_rtds_sched sched;
	const struct rtdd_rtds_sim_vcpu *vcpus;
	size_t nvcpus;
	unsigned weight; /* credit only; 0 = 256 */
};

struct rtdd_rtds_sim_config {
	unsigned pcpus;
	enum rtdd_rtds_host host; /* PEDF: cpumasks must be set by the caller
				   * (rtdd_rtds_partition) */
	enum rtdd_rtds_server server;
	int64_t horizon;       /* > 0 */
	uint64_t seed;	       /* sporadic gaps */
	int64_t credit_tslice; /* 0 = 30000 */
	size_t trace_max;      /* supply segments to keep (0 = none) */
};

#define RTDD_RTDS_SIM_HIST \
	12 /* response time / deadline in 10% steps,
			       * the last two: (100%,150%] and beyond */

struct rtdd_rtds_sim_task_stats {
	uint64_t jobs; /* completed or judged jobs */
	uint64_t misses;
	int64_t first_miss; /* absolute deadline of the first miss, -1 */
	int64_t rt_min, rt_max;
	int64_t rt_sum; /* over completed jobs */
	uint64_t completed;
	uint64_t hist[RTDD_RTDS_SIM_HIST];
};

struct rtdd_rtds_sim_seg {
	int64_t start, end;
	unsigned pcpu, vm, vcpu; /* vcpu: index within its VM */
	int task;		 /* guest task run, -1 = idle (budget burnt) */
};

struct rtdd_rtds_sim_result {
	size_t nvms;
	size_t *ntasks;				/* per VM */
	struct rtdd_rtds_sim_task_stats **task; /* [vm][task] */
	int64_t **vcpu_supply;			/* [vm][vcpu] time run */
	uint64_t total_misses;
	int64_t horizon;
	struct rtdd_rtds_sim_seg *trace;
	size_t ntrace;
	uint64_t events;
};

int rtdd_rtds_simulate(const struct rtdd_rtds_sim_config *cfg,
		       const struct rtdd_rtds_sim_vm *vms, size_t nvms,
		       struct rtdd_rtds_sim_result *res);
void rtdd_rtds_sim_result_dispose(struct rtdd_rtds_sim_result *res);

/*
 * Simulates a system with the VCPUs of its report (rtdd_rtds_analyze): each
 * VM gets its report VCPUs (period, budget, cpumask, extratime) with release
 * offset 0. cfg->pcpus/host/server come from cfg, not from *s.
 */
int rtdd_rtds_sim_system(const struct rtdd_rtds_system *s,
			 const struct rtdd_rtds_report *rep,
			 const struct rtdd_rtds_sim_config *cfg,
			 struct rtdd_rtds_sim_result *res);

/* Simulation length that covers one hyperperiod of every task and VCPU
 * period (at least twice the longest period), capped at `cap`. */
int64_t rtdd_rtds_sim_horizon(const struct rtdd_rtds_system *s,
			      const struct rtdd_rtds_report *rep, int64_t cap);

/* lcm of a and b, or -ERANGE past limit. */
int64_t rtdd_rtds_lcm(int64_t a, int64_t b, int64_t limit);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_RTDS_H */

/* SPDX-License-Identifier: MIT */
/*
 * rtdd/manifest.h - the ECU consolidation manifest (docs/manifest.md).
 *
 * One YAML file describes the platform's CPUs and cpupools, and the domains:
 * RT guests with their task sets (or explicit RTDS parameters), driver
 * domains with the PCI devices they own, best-effort guests, and which
 * driver domain serves each virtual disk and network interface. It is
 * parsed with libyaml and checked completely before anything is planned:
 * every error names the file, the line and the field.
 *
 * Not thread-safe per manifest; different manifests are independent.
 */
#ifndef RTDD_MANIFEST_H
#define RTDD_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTDD_MF_NAME_MAX 48
#define RTDD_MF_PATH_MAX 256
#define RTDD_MF_MAX_PCPUS 64

enum rtdd_mf_role {
	RTDD_MF_RT_GUEST = 1,
	RTDD_MF_DRIVER_DOMAIN = 2,
	RTDD_MF_BEST_EFFORT = 3,
};

enum rtdd_mf_sched {
	RTDD_MF_SCHED_EDF = 0,
	RTDD_MF_SCHED_RM = 1,
};

enum rtdd_mf_class {
	RTDD_MF_CLASS_RT = 0,
	RTDD_MF_CLASS_BE = 1,
};

/* A guest task, in µs; deadline 0 in the file means = period. */
struct rtdd_mf_task {
	char name[32];
	int64_t period, wcet, deadline;
	int line;
};

/*
 * The I/O a device owes its guest, for admission of the driver domain that
 * serves it: at most one request batch every `period` µs, costing the
 * backend `cost` µs of CPU, to be served within `max_delay` µs (default:
 * period). Absent (period 0) for best-effort devices.
 */
struct rtdd_mf_io {
	int64_t period, cost, max_delay;
};

struct rtdd_mf_vbd {
	char backend[RTDD_MF_NAME_MAX]; /* a driver domain's name */
	char target[RTDD_MF_PATH_MAX];	/* image file or block device */
	char vdev[16];			/* xvda ... */
	bool readonly;
	struct rtdd_mf_io io;
	int line;
};

struct rtdd_mf_vif {
	char backend[RTDD_MF_NAME_MAX];
	char mac[18]; /* aa:bb:cc:dd:ee:ff, lower case */
	enum rtdd_mf_class cls;
	uint64_t rate_bps; /* token-bucket rate, 0 = unlimited */
	int vlan;	   /* -1 none, else 1..4094 */
	int pcp;	   /* -1 none, else 0..7 */
	struct rtdd_mf_io io;
	int line;
};

struct rtdd_mf_pci {
	char bdf[16]; /* normalised DDDD:BB:DD.F */
	bool permissive;
	bool msitranslate;
	bool seize;
	int line;
};

struct rtdd_mf_rtds {
	bool set;
	int64_t period, budget; /* µs, per VCPU */
	bool extratime;
};

struct rtdd_mf_domain {
	char name[RTDD_MF_NAME_MAX];
	enum rtdd_mf_role role;
	unsigned vcpus;
	uint64_t memory_mib;
	int pool;      /* index into manifest pools */
	uint64_t cpus; /* hard affinity within the pool (bit i = pCPU i),
			 * 0 = the whole pool */
	char kernel[RTDD_MF_PATH_MAX];
	char ramdisk[RTDD_MF_PATH_MAX];
	char cmdline[RTDD_MF_PATH_MAX];
	enum rtdd_mf_sched sched;
	struct rtdd_mf_task *tasks;
	size_t ntasks;
	struct rtdd_mf_rtds rtds;
	struct rtdd_mf_vbd *vbds;
	size_t nvbds;
	struct rtdd_mf_vif *vifs;
	size_t nvifs;
	struct rtdd_mf_pci *pcis;
	size_t npcis;
	int line;
};

struct rtdd_mf_pool {
	char name[RTDD_MF_NAME_MAX];
	char sched[16]; /* rtds, credit2, credit, null */
	uint64_t cpus;	/* bit i = pCPU i */
	int line;
};

struct rtdd_manifest {
	char path[RTDD_MF_PATH_MAX];
	char name[RTDD_MF_NAME_MAX];
	unsigned pcpus;	       /* platform pCPUs */
	int64_t ctx_switch_us; /* admission: context-switch cost */
	int64_t period_min_us; /* admission: interface period range */
	int64_t period_max_us;
	int64_t period_step_us;
	struct rtdd_mf_pool *pools;
	size_t npools;
	struct rtdd_mf_domain *domains;
	size_t ndomains;
};

/*
 * Parse and check a manifest. On failure returns -EINVAL (the manifest is
 * wrong: err has "FILE:LINE: FIELD: what is wrong"), -ENOENT / -EACCES (the
 * file), or -ENOMEM; *m is left disposed. *m need not be initialised.
 */
int rtdd_manifest_load(const char *path, struct rtdd_manifest *m, char *err,
		       size_t errlen);
/* Same, from memory; name is used in messages. */
int rtdd_manifest_parse(const char *buf, size_t len, const char *name,
			struct rtdd_manifest *m, char *err, size_t errlen);
/* Idempotent; leaves *m zeroed. */
void rtdd_manifest_dispose(struct rtdd_manifest *m);

/* Index of the domain called name, or -1. */
int rtdd_manifest_find(const struct rtdd_manifest *m, const char *name);
const char *rtdd_mf_role_name(enum rtdd_mf_role r);

#ifdef __cplusplus
}
#endif
#endif

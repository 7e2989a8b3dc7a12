// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtdd/bench.h"
#include "rtdd/simhv.h"

static void find_simhv(char *buf, size_t len)
{
	char self[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');

		if (slash) {
			*slash = 0;
			snprintf(buf, len, "%s/rtdd-simhv", self);
			if (!access(buf, X_OK))
				return;
		}
	}
	snprintf(buf, len, "rtdd-simhv");
}

int rtdd_bench_sim_start(struct rtdd_bench_sim *s, unsigned n)
{
	char bin[PATH_MAX], log[512], spec[16];
	char *err = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	if (n > RTDD_BENCH_MAX_DOMS)
		return -EINVAL;
	snprintf(s->dir, sizeof(s->dir), "/tmp/rtdd-bench-XXXXXX");
	if (!mkdtemp(s->dir)) {
		s->dir[0] = 0;
		return -errno;
	}
	find_simhv(bin, sizeof(bin));
	snprintf(log, sizeof(log), "%s/simhv.log", s->dir);
	rc = rtdd_simhv_start(s->dir, bin, log, &s->simhv_pid);
	if (rc)
		goto fail;
	setenv("RTDD_SIM_DIR", s->dir, 1);
	rc = rtdd_hv_open("sim:0", &s->dom0, &err);
	if (rc)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		char name[32];
		struct rtdd_simhv_dom_cfg cfg = {.name = name};

		snprintf(name, sizeof(name), "bench-dom%u", i + 1);
		rc = rtdd_simhv_domain_create(s->dom0, &cfg, &s->domid[i]);
		if (rc)
			goto fail;
		snprintf(spec, sizeof(spec), "sim:%u", s->domid[i]);
		rc = rtdd_hv_open(spec, &s->dom[i], &err);
		if (rc)
			goto fail;
		s->n = i + 1;
	}
	return 0;
fail:
	if (err)
		fprintf(stderr, "rtdd bench: %s\n", err);
	free(err);
	rtdd_bench_sim_stop(s);
	return rc;
}

void rtdd_bench_sim_stop(struct rtdd_bench_sim *s)
{
	char path[512];

	for (unsigned i = 0; i < s->n; i++) {
		rtdd_hv_close(s->dom[i]);
		s->dom[i] = NULL;
	}
	s->n = 0;
	if (s->dom0) {
		rtdd_hv_close(s->dom0);
		s->dom0 = NULL;
	}
	if (s->dir[0]) {
		if (s->simhv_pid > 0 && rtdd_simhv_stop(s->dir)) {
			kill(s->simhv_pid, SIGKILL);
		}
		if (s->simhv_pid > 0)
			waitpid(s->simhv_pid, NULL, 0);
		s->simhv_pid = 0;
		snprintf(path, sizeof(path), "rm -rf '%s'", s->dir);
		if (strncmp(s->dir, "/tmp/rtdd-bench-", 16) == 0 &&
		    system(path) != 0)
			fprintf(stderr, "rtdd bench: could not remove %s\n",
				s->dir);
		s->dir[0] = 0;
	}
}

static void read_stat(uint64_t *steal, uint64_t *total)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");

	*steal = *total = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) >= 8) {
		*steal = v[7];
		for (int i = 0; i < 8; i++)
			*total += v[i];
	}
	fclose(f);
}

void rtdd_bench_env_begin(struct rtdd_bench_env *e)
{
	struct utsname u;
	FILE *f;
	char line[100];

	memset(e, 0, sizeof(*e));
	if (!uname(&u))
		snprintf(e->kernel, sizeof(e->kernel), "%s %s %s", u.sysname,
			 u.release, u.machine);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			c += 2;
			c[strcspn(c, "\n")] = 0;
			snprintf(e->cpu_model, sizeof(e->cpu_model), "%s", c);
			break;
		}
	}
	if (f)
		fclose(f);
	e->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	read_stat(&e->steal_before, &e->total_before);
	e->t_start_ns = rtdd_now_ns();
}

void rtdd_bench_env_end(struct rtdd_bench_env *e)
{
	read_stat(&e->steal_after, &e->total_after);
	e->t_end_ns = rtdd_now_ns();
}

static double steal_pct(const struct rtdd_bench_env *e)
{
	uint64_t t = e->total_after - e->total_before;

	return t ? 100.0 * (double)(e->steal_after - e->steal_before) /
			       (double)t
		 : 0.0;
}

void rtdd_bench_env_print(const struct rtdd_bench_env *e)
{
	printf("machine: %s, %ld CPUs, %s\n", e->cpu_model, e->ncpus,
	       e->kernel);
	printf("noise: steal %.2f %% of CPU time during the %.1f s run\n",
	       steal_pct(e), (double)(e->t_end_ns - e->t_start_ns) / 1e9);
}

void rtdd_bench_env_json(struct rtdd_json *j, const struct rtdd_bench_env *e)
{
	rtdd_json_obj_begin(j, "machine");
	rtdd_json_str(j, "cpu", e->cpu_model);
	rtdd_json_i64(j, "ncpus", e->ncpus);
	rtdd_json_str(j, "kernel", e->kernel);
	rtdd_json_dbl(j, "steal_pct", steal_pct(e));
	rtdd_json_dbl(j, "duration_s",
		      (double)(e->t_end_ns - e->t_start_ns) / 1e9);
	rtdd_json_obj_end(j);
}

double rtdd_bench_ratio(const struct rtdd_hist *a, const struct rtdd_hist *b,
			double p)
{
	uint64_t vb = rtdd_hist_pct(b, p);

	return vb ? (double)rtdd_hist_pct(a, p) / (double)vb : NAN;
}

double rtdd_bench_spread(const uint64_t *v, unsigned n)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned i = 0; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	return n && lo ? (double)hi / (double)lo : NAN;
}

const char *rtdd_bench_fmt_ns(uint64_t ns)
{
	static __thread char bufs[16][24];
	static __thread unsigned k;
	char *b = bufs[k++ % 16];

	if (ns >= 10000000)
		snprintf(b, 24, "%.1f ms", (double)ns / 1e6);
	else if (ns >= 10000)
		snprintf(b, 24, "%.1f us", (double)ns / 1e3);
	else if (ns >= 1000)
		snprintf(b, 24, "%.2f us", (double)ns / 1e3);
	else
		snprintf(b, 24, "%llu ns", (unsigned long long)ns);
	return b;
}

int rtdd_bench_parse_uint(const char *s, unsigned min, unsigned max,
			  unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

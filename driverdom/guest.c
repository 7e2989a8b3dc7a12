// SPDX-License-Identifier: MIT
/*
 * rtdd-guest - the guest agent `rtdd up --hv sim` runs as each guest
 * domain's process (docs/driverdom.md).
 *
 * It connects librtdd-blkfront to every vbd under device/vbd of its domain
 * and runs a periodic I/O probe on each: one request of --io-size bytes
 * every --period-ms (reads by default, --write for writes of a fresh
 * pattern that is read back and checked), rotating over the first
 * --span-mib of the disk. Latencies go into one histogram per vbd whose
 * figures are published every --publish-ms under the domain's own tree:
 *
 *   data/rtdd/vbd/<devid>/{count,errors,p50-us,p99-us,max-us,reconnects,
 *                          state,error}
 *
 * state is "connecting", "probing" or "failed" (error says why; the agent
 * retries the open every second). vifs are listed under data/rtdd/vif/
 * <devid>/state = "not-probed": the agent has no netfront probe yet.
 * SIGTERM closes the frontends (Closing/Closed handshake) and exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtdd/blkfront.h"
#include "rtdd/hist.h"
#include "rtdd/hv.h"
#include "rtdd/log.h"
#include "rtdd/simhv.h"

#define MAX_VBDS 16

struct vbd {
	unsigned devid;
	char fe_path[64];
	rtdd_blkfront *bf;
	uint64_t sectors;
	uint64_t next_sector;
	uint64_t count, errors, reconnects;
	uint64_t next_open_ns;
	char state[16];
	char error[160];
	struct rtdd_hist hist;
	uint8_t *buf, *check;
	uint32_t seq;
};

static volatile sig_atomic_t stop;
static rtdd_hv *hv;
static char home[64];
static struct vbd vbds[MAX_VBDS];
static unsigned nvbds;
static unsigned period_ms = 10, publish_ms = 1000, io_size = 4096;
static unsigned span_mib = 16;
static bool do_write, no_bind;
static enum rtdd_blkfront_mode mode = RTDD_BLKFRONT_EVENT;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void put(const char *kind, unsigned devid, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void put(const char *kind, unsigned devid, const char *key,
		const char *fmt, ...)
{
	char p[160], val[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(p, sizeof(p), "%s/data/rtdd/%s/%u/%s", home, kind, devid, key);
	if (rtdd_xs_write(hv, RTDD_XS_TXN_NONE, p, val, strlen(val)))
		RTDD_LOG_RL(WARN, "cannot publish %s", p);
}

static void publish(struct vbd *v)
{
	const struct rtdd_hist *h = &v->hist;

	put("vbd", v->devid, "state", "%s", v->state);
	put("vbd", v->devid, "error", "%s", v->error);
	put("vbd", v->devid, "count", "%llu", (unsigned long long)v->count);
	put("vbd", v->devid, "errors", "%llu", (unsigned long long)v->errors);
	put("vbd", v->devid, "reconnects", "%llu",
	    (unsigned long long)v->reconnects);
	put("vbd", v->devid, "p50-us", "%.1f", rtdd_hist_pct(h, 50) / 1e3);
	put("vbd", v->devid, "p99-us", "%.1f", rtdd_hist_pct(h, 99) / 1e3);
	put("vbd", v->devid, "max-us", "%.1f", h->count ? h->max / 1e3 : 0.0);
}

static void set_state(struct vbd *v, const char *st, const char *why)
{
	if (strcmp(v->state, st))
		RTDD_LOG(INFO, "vbd/%u probe %s -> %s%s%s%s", v->devid,
			 v->state[0] ? v->state : "none", st, why ? " (" : "",
			 why ? why : "", why ? ")" : "");
	snprintf(v->state, sizeof(v->state), "%s", st);
	snprintf(v->error, sizeof(v->error), "%s", why ? why : "");
}

static void fe_log(void *arg, const char *line)
{
	struct vbd *v = arg;

	RTDD_LOG(INFO, "vbd/%u %s", v->devid, line);
}

/* True when the driver domain refused the device (hotplug-status error);
 * why gets its hotplug-error. */
static bool backend_failed(const struct vbd *v, char *why, size_t len)
{
	char p[160], *be = NULL, *st = NULL, *err = NULL;
	bool failed = false;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s/backend", home, v->fe_path);
	if (rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &be, &n))
		return false;
	snprintf(p, sizeof(p), "%.120s/hotplug-status", be);
	if (!rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &st, &n) &&
	    !strcmp(st, "error")) {
		failed = true;
		snprintf(p, sizeof(p), "%.120s/hotplug-error", be);
		if (rtdd_xs_read(hv, RTDD_XS_TXN_NONE, p, &err, &n))
			err = NULL;
		snprintf(why, len, "driver domain refused it: %.100s",
			 err ? err : "hotplug-status error");
		for (char *c = why; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
	}
	free(be);
	free(st);
	free(err);
	return failed;
}

static void try_open(struct vbd *v, uint64_t now)
{
	struct rtdd_blkfront_opts o;
	struct rtdd_blkfront_info in;
	char why[160];
	int rc;

	if (now < v->next_open_ns)
		return;
	if (backend_failed(v, why, sizeof(why))) {
		/* do not block the other vbds in a handshake that cannot end */
		set_state(v, "failed", why);
		v->next_open_ns = now + 1000000000ull;
		publish(v);
		return;
	}
	rtdd_blkfront_opts_default(&o);
	o.mode = mode;
	o.log = fe_log;
	o.log_arg = v;
	rc = rtdd_blkfront_open(hv, v->fe_path, &o, &v->bf);
	if (rc) {
		snprintf(why, sizeof(why), "open: %s", strerror(-rc));
		set_state(v, "failed", why);
		v->next_open_ns = now + 1000000000ull;
		publish(v);
		return;
	}
	rtdd_blkfront_info(v->bf, &in);
	v->sectors = in.sectors;
	if (v->sectors * 512 < io_size) {
		snprintf(why, sizeof(why),
			 "disk of %llu sectors is smaller "
			 "than one probe",
			 (unsigned long long)v->sectors);
		rtdd_blkfront_close(v->bf);
		v->bf = NULL;
		set_state(v, "failed", why);
		v->next_open_ns = UINT64_MAX;
		publish(v);
		return;
	}
	set_state(v, "probing", NULL);
	publish(v);
}

static void probe(struct vbd *v)
{
	uint64_t span = (uint64_t)span_mib << 11, t0, t1;
	struct rtdd_blkfront_info in;
	unsigned secs = io_size / 512;
	int rc;

	if (span > v->sectors)
		span = v->sectors;
	if (v->next_sector + secs > span)
		v->next_sector = 0;
	if (do_write) {
		v->seq++;
		for (unsigned i = 0; i < io_size; i += 4)
			memcpy(v->buf + i, &v->seq, 4);
	}
	t0 = rtdd_now_ns();
	rc = do_write ? rtdd_blkfront_write(v->bf, v->next_sector, v->buf,
					    io_size)
		      : rtdd_blkfront_read(v->bf, v->next_sector, v->buf,
					   io_size);
	t1 = rtdd_now_ns();
	if (!rc && do_write) {
		rc = rtdd_blkfront_read(v->bf, v->next_sector, v->check,
					io_size);
		if (!rc && memcmp(v->buf, v->check, io_size)) {
			RTDD_LOG_RL(ERR, "vbd/%u sector %llu read back differs",
				    v->devid,
				    (unsigned long long)v->next_sector);
			rc = -EIO;
		}
	}
	v->next_sector += secs;
	if (rc) {
		v->errors++;
		if (rc == -EIO && v->bf) {
			char why[160];

			snprintf(why, sizeof(why), "I/O: %s; reopening",
				 strerror(-rc));
			rtdd_blkfront_close(v->bf);
			v->bf = NULL;
			set_state(v, "failed", why);
			v->next_open_ns = rtdd_now_ns() + 1000000000ull;
		}
		return;
	}
	v->count++;
	rtdd_hist_add(&v->hist, t1 - t0);
	rtdd_blkfront_info(v->bf, &in);
	v->reconnects = in.reconnects;
}

static int list_devices(void)
{
	char p[128], **names = NULL;
	unsigned n = 0, devid;
	int rc;

	snprintf(p, sizeof(p), "%s/device/vbd", home);
	rc = rtdd_xs_directory(hv, RTDD_XS_TXN_NONE, p, &names, &n);
	if (rc && rc != -ENOENT)
		return rc;
	for (unsigned i = 0; i < n && nvbds < MAX_VBDS; i++) {
		struct vbd *v = &vbds[nvbds];
		char *end;

		devid = (unsigned)strtoul(names[i], &end, 10);
		if (*end || !names[i][0])
			continue;
		v->devid = devid;
		snprintf(v->fe_path, sizeof(v->fe_path), "device/vbd/%u",
			 devid);
		rtdd_hist_init(&v->hist);
		v->buf = aligned_alloc(4096, io_size);
		v->check = aligned_alloc(4096, io_size);
		if (!v->buf || !v->check)
			return -ENOMEM;
		memset(v->buf, 0, io_size);
		set_state(v, "connecting", NULL);
		publish(v);
		nvbds++;
	}
	free(names);
	names = NULL;
	n = 0;
	snprintf(p, sizeof(p), "%s/device/vif", home);
	if (!rtdd_xs_directory(hv, RTDD_XS_TXN_NONE, p, &names, &n)) {
		for (unsigned i = 0; i < n; i++) {
			char *end;

			devid = (unsigned)strtoul(names[i], &end, 10);
			if (!*end && names[i][0])
				put("vif", devid, "state", "not-probed");
		}
		free(names);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtdd-guest [options]\n"
		"Guest agent for rtdd-simhv domains: connect every vbd under "
		"device/vbd with\n"
		"librtdd-blkfront, probe each periodically and publish its "
		"latency under\n"
		"data/rtdd/vbd/<devid>/ (count, errors, p50-us, p99-us, "
		"max-us, reconnects,\nstate, error).\n\n"
		"  --hv SPEC         hypervisor: auto (default), xen, sim, "
		"sim:N\n"
		"  --period-ms N     one probe per vbd every N ms (10)\n"
		"  --publish-ms N    publish the counters every N ms (1000)\n"
		"  --io-size N       bytes per probe, multiple of 512 (4096)\n"
		"  --span-mib N      probes rotate over the first N MiB (16)\n"
		"  --write           write a fresh pattern and read it back "
		"(default: read)\n"
		"  --mode M          event (default) | poll | hybrid\n"
		"  --no-bind         on sim, do not bind the probe thread to "
		"VCPU 0 (bound,\n"
		"                    it runs under that VCPU's RTDS "
		"parameters)\n"
		"  -v, --verbose     debug log\n"
		"  -h, --help        this text\n");
}

static int parse_pos(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hv", required_argument, NULL, 'H'},
		{"period-ms", required_argument, NULL, 'p'},
		{"publish-ms", required_argument, NULL, 'P'},
		{"io-size", required_argument, NULL, 's'},
		{"span-mib", required_argument, NULL, 'S'},
		{"write", no_argument, NULL, 'w'},
		{"mode", required_argument, NULL, 'm'},
		{"no-bind", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *spec = NULL;
	char *err = NULL, *h = NULL;
	uint64_t next_pub, next_probe;
	int c, rc;

	rtdd_log_init("rtdd-guest", RTDD_LOG_INFO);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			spec = optarg;
			break;
		case 'p':
		case 'P':
		case 'S':
			if (parse_pos(optarg, 3600000,
				      c == 'p'	 ? &period_ms
				      : c == 'P' ? &publish_ms
						 : &span_mib)) {
				fprintf(stderr, "rtdd-guest: bad value '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			if (parse_pos(optarg, 1u << 20, &io_size) ||
			    io_size % 512) {
				fprintf(stderr, "rtdd-guest: --io-size must be "
						"a multiple of 512 up to 1 "
						"MiB\n");
				return 2;
			}
			break;
		case 'w':
			do_write = true;
			break;
		case 'n':
			no_bind = true;
			break;
		case 'm':
			if (!strcmp(optarg, "event"))
				mode = RTDD_BLKFRONT_EVENT;
			else if (!strcmp(optarg, "poll"))
				mode = RTDD_BLKFRONT_POLL;
			else if (!strcmp(optarg, "hybrid"))
				mode = RTDD_BLKFRONT_HYBRID;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'v':
			rtdd_log_set_level(RTDD_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	rc = rtdd_hv_open(spec, &hv, &err);
	if (rc) {
		RTDD_LOG(ERR, "%s", err ? err : strerror(-rc));
		free(err);
		return 1;
	}
	rc = rtdd_xs_domain_path(hv, rtdd_hv_domid(hv), &h);
	if (rc) {
		RTDD_LOG(ERR, "own xenstore home: %s", strerror(-rc));
		rtdd_hv_close(hv);
		return 1;
	}
	snprintf(home, sizeof(home), "%s", h);
	free(h);
	if (rtdd_hv_kind(hv) == RTDD_HV_SIM && !no_bind) {
		struct rtdd_simhv_sched sc;

		rc = rtdd_simhv_bind_vcpu(hv, 0, &sc);
		if (rc)
			RTDD_LOG(WARN, "binding to vcpu 0: %s", strerror(-rc));
		else
			RTDD_LOG(INFO,
				 "probe thread on vcpu 0: %s (RTDS %u/%u "
				 "us)",
				 sc.policy == RTDD_SIMHV_POLICY_DEADLINE
					 ? "SCHED_DEADLINE"
				 : sc.policy == RTDD_SIMHV_POLICY_FIFO
					 ? "SCHED_FIFO"
					 : "no RT policy granted",
				 sc.params.budget_us, sc.params.period_us);
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	rc = list_devices();
	if (rc) {
		RTDD_LOG(ERR, "listing devices: %s", strerror(-rc));
		rtdd_hv_close(hv);
		return 1;
	}
	RTDD_LOG(INFO,
		 "domain %u: %u vbd(s), probe every %u ms, %s of %u "
		 "bytes",
		 rtdd_hv_domid(hv), nvbds, period_ms,
		 do_write ? "write+verify" : "read", io_size);
	next_pub = rtdd_now_ns();
	next_probe = next_pub;
	while (!stop) {
		uint64_t now = rtdd_now_ns();

		if (now >= next_probe) {
			for (unsigned i = 0; i < nvbds && !stop; i++) {
				if (!vbds[i].bf)
					try_open(&vbds[i], now);
				if (vbds[i].bf)
					probe(&vbds[i]);
			}
			next_probe += (uint64_t)period_ms * 1000000ull;
			if (next_probe < now)
				next_probe = now;
		}
		now = rtdd_now_ns();
		if (now >= next_pub) {
			for (unsigned i = 0; i < nvbds; i++)
				publish(&vbds[i]);
			next_pub = now + (uint64_t)publish_ms * 1000000ull;
		}
		now = rtdd_now_ns();
		if (next_probe > now)
			poll(NULL, 0, (int)((next_probe - now) / 1000000u) + 1);
	}
	for (unsigned i = 0; i < nvbds; i++) {
		rtdd_blkfront_close(vbds[i].bf);
		set_state(&vbds[i], "closed", NULL);
		publish(&vbds[i]);
		free(vbds[i].buf);
		free(vbds[i].check);
	}
	rtdd_hv_close(hv);
	return 0;
}

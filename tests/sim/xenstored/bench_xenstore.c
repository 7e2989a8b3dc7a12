// SPDX-License-Identifier: MIT
/*
 * bench_xenstore - simhv's xenstore server: requests per second and
 * watch-event latency, each against a plain unix-socket baseline measured
 * in the same run, interleaved in blocks (A B A B ...), BENCH.md style.
 *
 *   echo       a thread that echoes every message back (same framing)
 *   xsd-raw    XS_READ of a small node to the server, same client code
 *   xsd-lib    xs_read() through the real libxenstore
 *   relay      the echo thread acks a message and forwards a copy to a
 *              second connection (the shape of a watch event)
 *   xsd-watch  XS_WRITE on one connection, the XS_WATCH_EVENT on another
 *   echo-x64, xsd-x64   the echo and XS_READ with 64 requests in flight:
 *              throughput without a wake-up per request (the latency
 *              column is then the time per request, burst time / 64)
 *
 * Both servers run in one thread pinned to CPU 1, the client on CPU 0,
 * both blocking (no busy polling): the figures include two wake-ups per
 * round trip. Output: a table on stdout and $RTDD_BENCH_OUT/
 * bench_xenstore.json (default: the current directory). Never pass/fail.
 *
 *   bench_xenstore [-n SAMPLES_PER_BLOCK] [-b BLOCKS] [-r REPS]
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xs_wire.h>

#include "rtdd/hist.h"
#include "rtdd/json.h"
#include "rtdd/rt.h"
#include "xenstored.h"

enum kind {
	K_ECHO,
	K_XSD_RAW,
	K_XSD_LIB,
	K_RELAY,
	K_XSD_WATCH,
	K_ECHO_BURST,
	K_XSD_BURST,
	K_N
};
static const char *const kind_names[K_N] = {"echo",   "xsd-raw",   "xsd-lib",
					    "relay",  "xsd-watch", "echo-x64",
					    "xsd-x64"};
#define BURST 64

static struct rtdd_hist hist[K_N];
static double rate_sum[K_N];
static unsigned rate_n[K_N];
static double rate_min[K_N], rate_max[K_N];

static char dir[64];
static int stop_fd = -1;
static char rt_desc[2][160];

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_xenstore: %s: %s\n", what, strerror(err));
	exit(1);
}

static void pin(int cpu, int idx)
{
	/* Blocking threads only: SCHED_FIFO cannot spin away a CPU here. */
	struct rtdd_rt_req req = {.cpu = cpu,
				  .fifo_prio = 50,
				  .mlockall = idx == 0,
				  .dma_latency = idx == 0};
	struct rtdd_rt_report rep;

	rtdd_rt_setup(&req, &rep);
	rtdd_rt_describe(&rep, rt_desc[idx], sizeof(rt_desc[idx]));
}

/* ---- the baseline server: echo and relay over the same framing ---- */

struct echo_conn {
	int fd;
	size_t len;
	char buf[2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
};

static int echo_lfd = -1;

static void send_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t r = send(fd, p, len, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		p = (const char *)p + r;
		len -= r;
	}
}

static void echo_serve(struct echo_conn *c, struct echo_conn *other)
{
	ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	size_t off = 0;

	if (r <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->len += r;
	while (c->len - off >= sizeof(struct xsd_sockmsg)) {
		struct xsd_sockmsg h;

		memcpy(&h, c->buf + off, sizeof(h));
		if (c->len - off < sizeof(h) + h.len)
			break;
		if (h.type == XS_WRITE && other && other->fd >= 0) {
			/* relay: the "event" first, then the ack */
			char ack[sizeof(h) + 3];
			struct xsd_sockmsg a = h;

			send_all(other->fd, c->buf + off, sizeof(h) + h.len);
			a.len = 3;
			memcpy(ack, &a, sizeof(a));
			memcpy(ack + sizeof(a), "OK", 3);
			send_all(c->fd, ack, sizeof(ack));
		} else {
			send_all(c->fd, c->buf + off, sizeof(h) + h.len);
		}
		off += sizeof(h) + h.len;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static void *server_thread(void *arg)
{
	struct rtdd_xsd *x = arg;
	static struct echo_conn ec[2] = {{.fd = -1}, {.fd = -1}};
	unsigned i;

	pin(1, 1);
	for (;;) {
		struct pollfd p[5] = {
			{.fd = stop_fd, .events = POLLIN},
			{.fd = rtdd_xsd_fd(x), .events = POLLIN},
			{.fd = echo_lfd, .events = POLLIN},
			{.fd = ec[0].fd, .events = POLLIN},
			{.fd = ec[1].fd, .events = POLLIN},
		};

		if (poll(p, 5, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if (p[1].revents)
			rtdd_xsd_dispatch(x);
		if (p[2].revents) {
			int fd = accept(echo_lfd, NULL, NULL);

			for (i = 0; i < 2 && fd >= 0; i++) {
				if (ec[i].fd < 0) {
					ec[i].fd = fd;
					ec[i].len = 0;
					fd = -1;
				}
			}
			if (fd >= 0)
				close(fd);
		}
		for (i = 0; i < 2; i++)
			if (p[3 + i].revents && ec[i].fd >= 0)
				echo_serve(&ec[i], &ec[1 - i]);
	}
	for (i = 0; i < 2; i++)
		if (ec[i].fd >= 0)
			close(ec[i].fd);
	return NULL;
}

/* ---- client side ---- */

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die(path, errno);
	return fd;
}

static void recv_all(int fd, void *p, size_t len)
{
	while (len) {
		ssize_t r = recv(fd, p, len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("recv", r ? errno : EPIPE);
		p = (char *)p + r;
		len -= r;
	}
}

static void msg_send(int fd, uint32_t type, const void *body, uint32_t len)
{
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = {.type = type, .len = len};

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	send_all(fd, buf, sizeof(h) + len);
}

static uint32_t msg_recv(int fd)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h;

	recv_all(fd, &h, sizeof(h));
	if (h.len > sizeof(buf))
		die("reply too long", EPROTO);
	recv_all(fd, buf, h.len);
	return h.type;
}

static const char rd_body[] = "/bench/node"; /* with its NUL */
static const char wr_body[] = "/bench/w/k\0val";

struct clients {
	int echo, echo2, xsd, xsd2;
	struct xs_handle *h;
};

static void one_block(struct clients *c, enum kind k, unsigned n)
{
	struct rtdd_hist *hh = &hist[k];
	uint64_t t0, start = rtdd_now_ns(), el;
	unsigned i;
	double rate;

	for (i = 0; i < n; i++) {
		unsigned len;
		char *v;

		t0 = rtdd_now_ns();
		switch (k) {
		case K_ECHO:
			msg_send(c->echo, XS_READ, rd_body, sizeof(rd_body));
			msg_recv(c->echo);
			break;
		case K_XSD_RAW:
			msg_send(c->xsd, XS_READ, rd_body, sizeof(rd_body));
			if (msg_recv(c->xsd) != XS_READ)
				die("xs read", EIO);
			break;
		case K_XSD_LIB:
			v = xs_read(c->h, XBT_NULL, rd_body, &len);
			if (!v)
				die("xs_read", errno);
			free(v);
			break;
		case K_RELAY:
			msg_send(c->echo, XS_WRITE, wr_body, sizeof(wr_body));
			msg_recv(c->echo2); /* the forwarded copy */
			rtdd_hist_add(hh, rtdd_now_ns() - t0);
			msg_recv(c->echo); /* the ack */
			continue;
		case K_ECHO_BURST:
		case K_XSD_BURST: {
			int fd = k == K_ECHO_BURST ? c->echo : c->xsd;
			unsigned j;

			for (j = 0; j < BURST; j++)
				msg_send(fd, XS_READ, rd_body, sizeof(rd_body));
			for (j = 0; j < BURST; j++)
				if (msg_recv(fd) != XS_READ)
					die("burst read", EIO);
			rtdd_hist_add(hh, (rtdd_now_ns() - t0) / BURST);
			continue;
		}
		case K_XSD_WATCH:
			msg_send(c->xsd, XS_WRITE, wr_body, sizeof(wr_body));
			if (msg_recv(c->xsd2) != XS_WATCH_EVENT)
				die("watch event", EIO);
			rtdd_hist_add(hh, rtdd_now_ns() - t0);
			if (msg_recv(c->xsd) != XS_WRITE)
				die("write ack", EIO);
			continue;
		default:
			break;
		}
		rtdd_hist_add(hh, rtdd_now_ns() - t0);
	}
	el = rtdd_now_ns() - start;
	if (k == K_ECHO_BURST || k == K_XSD_BURST)
		n *= BURST;
	rate = el ? n * 1e9 / (double)el : 0;
	rate_sum[k] += rate;
	if (!rate_n[k] || rate < rate_min[k])
		rate_min[k] = rate;
	if (!rate_n[k] || rate > rate_max[k])
		rate_max[k] = rate;
	rate_n[k]++;
}

static unsigned long long steal_ticks(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[7] = 0;
	fclose(f);
	return v[7];
}

static void report(FILE *jf, unsigned n, unsigned blocks, unsigned reps,
		   unsigned long long steal)
{
	static const double pcts[] = {50, 90, 99, 99.9};
	struct rtdd_json j;
	struct utsname u;
	unsigned k, i;

	printf("%-10s %9s %9s %9s %9s %9s %12s %14s\n", "path", "p50 us",
	       "p90 us", "p99 us", "p99.9 us", "max us", "req/s",
	       "req/s min-max");
	for (k = 0; k < K_N; k++) {
		printf("%-10s", kind_names[k]);
		for (i = 0; i < 4; i++)
			printf(" %9.2f",
			       rtdd_hist_pct(&hist[k], pcts[i]) / 1e3);
		printf(" %9.2f %12.0f %6.0f-%-7.0f\n", hist[k].max / 1e3,
		       rate_sum[k] / rate_n[k], rate_min[k], rate_max[k]);
	}
	printf("req/s ratio, 64 in flight: xsd-x64/echo-x64 %.2f\n",
	       (rate_sum[K_XSD_BURST] / rate_n[K_XSD_BURST]) /
		       (rate_sum[K_ECHO_BURST] / rate_n[K_ECHO_BURST]));
	printf("ratios (p50, p99): xsd-raw/echo %.2f %.2f, xsd-lib/echo "
	       "%.2f %.2f, xsd-watch/relay %.2f %.2f\n",
	       (double)rtdd_hist_pct(&hist[K_XSD_RAW], 50) /
		       rtdd_hist_pct(&hist[K_ECHO], 50),
	       (double)rtdd_hist_pct(&hist[K_XSD_RAW], 99) /
		       rtdd_hist_pct(&hist[K_ECHO], 99),
	       (double)rtdd_hist_pct(&hist[K_XSD_LIB], 50) /
		       rtdd_hist_pct(&hist[K_ECHO], 50),
	       (double)rtdd_hist_pct(&hist[K_XSD_LIB], 99) /
		       rtdd_hist_pct(&hist[K_ECHO], 99),
	       (double)rtdd_hist_pct(&hist[K_XSD_WATCH], 50) /
		       rtdd_hist_pct(&hist[K_RELAY], 50),
	       (double)rtdd_hist_pct(&hist[K_XSD_WATCH], 99) /
		       rtdd_hist_pct(&hist[K_RELAY], 99));
	printf("client: %s; server: %s; steal during run: %llu ticks\n",
	       rt_desc[0], rt_desc[1], steal);

	if (!jf)
		return;
	uname(&u);
	rtdd_json_init(&j, jf, true);
	rtdd_json_obj_begin(&j, NULL);
	rtdd_json_str(&j, "bench", "bench_xenstore");
	rtdd_json_str(&j, "machine", u.machine);
	rtdd_json_str(&j, "kernel", u.release);
	rtdd_json_str(&j, "client_rt", rt_desc[0]);
	rtdd_json_str(&j, "server_rt", rt_desc[1]);
	rtdd_json_u64(&j, "samples_per_block", n);
	rtdd_json_u64(&j, "blocks", blocks);
	rtdd_json_u64(&j, "reps", reps);
	rtdd_json_u64(&j, "steal_ticks", steal);
	rtdd_json_obj_begin(&j, "paths");
	for (k = 0; k < K_N; k++) {
		rtdd_json_obj_begin(&j, kind_names[k]);
		rtdd_json_hist(&j, "latency", &hist[k]);
		rtdd_json_dbl(&j, "req_per_s_mean", rate_sum[k] / rate_n[k]);
		rtdd_json_dbl(&j, "req_per_s_min", rate_min[k]);
		rtdd_json_dbl(&j, "req_per_s_max", rate_max[k]);
		rtdd_json_obj_end(&j);
	}
	rtdd_json_obj_end(&j);
	rtdd_json_obj_end(&j);
	fputc('\n', jf);
}

int main(int argc, char **argv)
{
	unsigned n = 2000, blocks = 5, reps = 3, r, b, k;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct rtdd_xsd *x = NULL;
	struct clients c;
	unsigned long long steal0;
	char path[128], jpath[512];
	const char *out = getenv("RTDD_BENCH_OUT");
	pthread_t th;
	FILE *jf;
	int opt, rc;

	while ((opt = getopt(argc, argv, "n:b:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			blocks = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_xenstore [-n SAMPLES] "
					"[-b BLOCKS] [-r REPS]\n");
			return 2;
		}
	}
	if (!n || !blocks || !reps)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (k = 0; k < K_N; k++)
		rtdd_hist_init(&hist[k]);

	snprintf(dir, sizeof(dir), "/tmp/rtdd-xsd-bench-XXXXXX");
	if (!mkdtemp(dir))
		die("mkdtemp", errno);
	rc = rtdd_xsd_create(NULL, &x);
	if (rc)
		die("rtdd_xsd_create", -rc);
	snprintf(path, sizeof(path), "%s/dom0.sock", dir);
	rc = rtdd_xsd_domain_add(x, 0, path);
	if (rc)
		die("rtdd_xsd_domain_add", -rc);
	rc = rtdd_xsd_write(x, "/bench/node", "a small value", NULL, 0);
	if (rc)
		die("rtdd_xsd_write", -rc);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/echo.sock", dir);
	echo_lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (echo_lfd < 0 ||
	    bind(echo_lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(echo_lfd, 4))
		die("echo socket", errno);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (stop_fd < 0)
		die("eventfd", errno);
	pin(0, 0);
	if (pthread_create(&th, NULL, server_thread, x))
		die("pthread_create", EAGAIN);

	c.echo = sock_connect(sa.sun_path);
	c.echo2 = sock_connect(sa.sun_path);
	c.xsd = sock_connect(path);
	c.xsd2 = sock_connect(path);
	setenv("XENSTORED_PATH", path, 1);
	c.h = xs_open(0);
	if (!c.h)
		die("xs_open", errno);
	/* The watcher: registration, then its initial event. */
	msg_send(c.xsd2, XS_WATCH, "/bench/w\0tok", 13);
	if (msg_recv(c.xsd2) != XS_WATCH || msg_recv(c.xsd2) != XS_WATCH_EVENT)
		die("watch", EIO);
	/* Warm up every path once. */
	for (k = 0; k < K_N; k++)
		one_block(&c, k, 100);
	/* (bursts: n / 16 blocks of 64, to keep the run short) */
	for (k = 0; k < K_N; k++) {
		rtdd_hist_init(&hist[k]);
		rate_sum[k] = 0;
		rate_n[k] = 0;
	}

	steal0 = steal_ticks();
	for (r = 0; r < reps; r++)
		for (b = 0; b < blocks; b++)
			for (k = 0; k < K_N; k++)
				one_block(&c, k,
					  k >= K_ECHO_BURST ? (n + 15) / 16
							    : n);
	steal0 = steal_ticks() - steal0;

	snprintf(jpath, sizeof(jpath), "%s/bench_xenstore.json",
		 out ? out : ".");
	jf = fopen(jpath, "w");
	report(jf, n, blocks, reps, steal0);
	if (jf) {
		fclose(jf);
		printf("json: %s\n", jpath);
	}

	xs_close(c.h);
	close(c.echo);
	close(c.echo2);
	close(c.xsd);
	close(c.xsd2);
	if (eventfd_write(stop_fd, 1) == 0)
		pthread_join(th, NULL);
	rtdd_xsd_destroy(x);
	close(echo_lfd);
	unlink(sa.sun_path);
	rmdir(dir);
	return 0;
}

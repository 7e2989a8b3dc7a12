// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: simhv's xenstore server (hv/sim/xenstored), fed raw
 * xs_wire.h bytes by three clients: dom0 (privileged) and two guests.
 *
 * Every input gets a fresh server (rtdd_xsd_create), domains 0, 1 and 2 on
 * unix sockets in a private directory with their homes written as simhv
 * writes them, and one connection per domain. The input is a list of
 * records:
 *
 *   u8 op, u16 len, len bytes
 *     op % 8 = 0..2  send the bytes on domain op's connection (any framing:
 *                    split headers, several messages, garbage)
 *     op % 8 = 3     close and reopen connection (op >> 3) % 3
 *     op % 8 = 4     rtdd_xsd_domain_remove(2), then add it back
 *     other          dispatch only
 *
 * and after each record the server is dispatched until it is idle and
 * every reply is read. The first byte picks small quotas (bit 0) so the
 * quota paths are reached.
 *
 * Oracles: ASan/UBSan; every reply is framed as xs_wire.h says (len <=
 * XENSTORE_PAYLOAD_MAX, a known type, an error reply carries an error
 * string from xsd_errors); the store's own consistency check
 * (rtdd__xsd_check: tree, ownership counts) passes after every input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "private.h"

#define NDOM 3

static char dir[64];
static char sock[NDOM][96];

struct client {
	int fd;
	size_t ilen;
	uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 64];
};

static struct client cl[NDOM];

static void cleanup(void)
{
	for (int i = 0; i < NDOM; i++)
		unlink(sock[i]);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/rtdd-fuzz-xs.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	for (int i = 0; i < NDOM; i++)
		snprintf(sock[i], sizeof(sock[i]), "%s/dom%d", dir, i);
	atexit(cleanup);
	return 0;
}

static bool known_error(const char *s, size_t len)
{
	size_t n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);

	for (size_t i = 0; i < n; i++)
		if (strlen(xsd_errors[i].errstring) + 1 == len &&
		    !memcmp(xsd_errors[i].errstring, s, len))
			return true;
	return false;
}

/* Reads what the server sent and checks its framing. */
static void drain(struct client *c)
{
	for (;;) {
		ssize_t r;

		if (c->fd < 0)
			return;
		r = recv(c->fd, c->in + c->ilen, sizeof(c->in) - c->ilen,
			 MSG_DONTWAIT);
		if (r <= 0)
			return;
		c->ilen += (size_t)r;
		while (c->ilen >= sizeof(struct xsd_sockmsg)) {
			struct xsd_sockmsg h;
			size_t n;

			memcpy(&h, c->in, sizeof(h));
			FUZZ_CHECK(h.len <= XENSTORE_PAYLOAD_MAX);
			FUZZ_CHECK(h.type < XS_TYPE_COUNT ||
				   h.type == XS_ERROR);
			n = sizeof(h) + h.len;
			if (c->ilen < n)
				break;
			if (h.type == XS_ERROR)
				FUZZ_CHECK(known_error(
					(char *)c->in + sizeof(h), h.len));
			memmove(c->in, c->in + n, c->ilen - n);
			c->ilen -= n;
		}
	}
}

static void connect_client(struct client *c, int dom)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (c->fd >= 0)
		close(c->fd);
	c->ilen = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		abort();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock[dom]);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(c->fd); /* a removed domain: nothing listens */
		c->fd = -1;
	}
}

/* Dispatch until a round moves no byte. */
static void settle(struct rtdd_xsd *x)
{
	for (int round = 0; round < 64; round++) {
		size_t before = 0, after = 0;

		for (int i = 0; i < NDOM; i++)
			before += cl[i].ilen;
		if (rtdd_xsd_dispatch(x))
			abort();
		for (int i = 0; i < NDOM; i++) {
			drain(&cl[i]);
			after += cl[i].ilen;
		}
		if (round > 1 && before == after)
			break;
	}
}

static void send_all(struct rtdd_xsd *x, struct client *c, const uint8_t *p,
		     size_t n)
{
	for (int tries = 0; n && c->fd >= 0 && tries < 256; tries++) {
		ssize_t r = send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return; /* the server closed it (a bad header) */
		settle(x);
	}
}

static int add_domain(struct rtdd_xsd *x, int d)
{
	const struct rtdd_xs_perm ro[2] = {{0, RTDD_XS_PERM_NONE},
					   {(rtdd_domid)d, RTDD_XS_PERM_READ}};
	const struct rtdd_xs_perm rw[1] = {{(rtdd_domid)d, RTDD_XS_PERM_NONE}};
	char path[64];
	int rc = rtdd_xsd_domain_add(x, (rtdd_domid)d, sock[d]);

	if (rc || !d)
		return rc;
	/* What simhv's dom.c writes for a new domain. */
	snprintf(path, sizeof(path), "/local/domain/%d", d);
	rc = rtdd_xsd_write(x, path, "", ro, 2);
	snprintf(path, sizeof(path), "/local/domain/%d/domid", d);
	if (!rc)
		rc = rtdd_xsd_write(x, path, d == 1 ? "1" : "2", ro, 2);
	snprintf(path, sizeof(path), "/local/domain/%d/data", d);
	if (!rc)
		rc = rtdd_xsd_write(x, path, "", rw, 1);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rtdd_xsd_config small = {
		.nodes_per_domain = 8,
		.watches_per_domain = 4,
		.transactions_per_domain = 2,
		.max_value_size = 256,
		.max_path_len = 64,
	};
	struct fuzz_in in = {data, size};
	struct rtdd_xsd *x = NULL;
	static uint8_t buf[65536];

	if (rtdd_xsd_create(fuzz_u8(&in) & 1 ? &small : NULL, &x))
		abort();
	for (int i = 0; i < NDOM; i++) {
		if (add_domain(x, i))
			abort();
		cl[i].fd = -1;
		connect_client(&cl[i], i);
	}
	settle(x);
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		size_t len = fuzz_u16(&in);

		len = len < in.n ? len : in.n;
		fuzz_take(&in, buf, len);
		switch (op % 8) {
		case 0:
		case 1:
		case 2:
			send_all(x, &cl[op % 8], buf, len);
			break;
		case 3:
			connect_client(&cl[(op >> 3) % NDOM], (op >> 3) % NDOM);
			break;
		case 4:
			FUZZ_CHECK(rtdd_xsd_domain_remove(x, 2) == 0);
			settle(x);
			FUZZ_CHECK(add_domain(x, 2) == 0);
			connect_client(&cl[2], 2);
			break;
		default:
			break;
		}
		settle(x);
	}
	FUZZ_CHECK(rtdd__xsd_check(x) == 0);
	for (int i = 0; i < NDOM; i++) {
		if (cl[i].fd >= 0)
			close(cl[i].fd);
		cl[i].fd = -1;
	}
	rtdd_xsd_destroy(x);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * simhv's xenstore server through the real libxenstore (and, for the
 * malformed-message tests, a raw socket). Each test starts xsd_testd (the
 * library in a small daemon) on sockets in a fresh directory and connects
 * as dom0, dom1, dom2 with XENSTORED_PATH set per connection.
 *
 * Watch checks are deterministic, not timed: a watcher's round trip after
 * the change orders the server's events for it before its reply, and
 * libxenstore's reader queues events before it hands over the reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <xenstore.h>
#include <xen/io/xs_wire.h>

struct env {
	char dir[64];
	pid_t pid;
	FILE *to;   /* daemon stdin */
	FILE *from; /* daemon stdout */
	struct xs_handle *h[3];
};

static char daemon_path[PATH_MAX];

static void find_daemon(void)
{
	const char *e = getenv("RTDD_XSD_TESTD");
	char self[PATH_MAX - 32], *slash;
	ssize_t n;

	if (e) {
		snprintf(daemon_path, sizeof(daemon_path), "%s", e);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/'); /* .../tests/test_xenstored */
	if (slash)
		*slash = '\0';
	snprintf(daemon_path, sizeof(daemon_path), "%s/../bin/xsd_testd", self);
}

static struct xs_handle *xs_as(struct env *e, unsigned dom)
{
	char sock[128];
	struct xs_handle *h;

	snprintf(sock, sizeof(sock), "%s/dom%u.sock", e->dir, dom);
	setenv("XENSTORED_PATH", sock, 1);
	h = xs_open(0);
	unsetenv("XENSTORED_PATH");
	return h;
}

static int start(void **state, const char *quota)
{
	struct env *e = calloc(1, sizeof(*e));
	int in[2], out[2];
	char line[64];
	unsigned i;

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/rtdd-xsd-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	e->pid = fork();
	assert_true(e->pid >= 0);
	if (!e->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (quota)
			execl(daemon_path, "xsd_testd", "-q", quota, e->dir,
			      (char *)NULL);
		else
			execl(daemon_path, "xsd_testd", e->dir, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", daemon_path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	e->to = fdopen(in[1], "w");
	e->from = fdopen(out[0], "r");
	assert_non_null(e->to);
	assert_non_null(e->from);
	if (!fgets(line, sizeof(line), e->from) || strcmp(line, "ready\n")) {
		print_error("xsd_testd (%s) did not start\n", daemon_path);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		e->h[i] = xs_as(e, i);
		assert_non_null(e->h[i]);
	}
	*state = e;
	return 0;
}

static int setup(void **state)
{
	return start(state, NULL);
}

/* Small quotas: nodes, watches, transactions, entry size, path length. */
static int setup_small(void **state)
{
	return start(state, "20,4,2,256,64");
}

static bool daemon_alive(struct env *e)
{
	return waitpid(e->pid, NULL, WNOHANG) == 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];
	unsigned i;
	int st = 0;

	for (i = 0; i < 3; i++)
		xs_close(e->h[i]);
	fprintf(e->to, "quit\n");
	fclose(e->to);
	fclose(e->from);
	waitpid(e->pid, &st, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	if (system(cmd))
		print_error("could not remove %s\n", e->dir);
	free(e);
	/* The daemon must end cleanly: no crash in any test. */
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A daemon command; 0 or -errno. */
static int cmd(struct env *e, const char *fmt, ...)
{
	char line[64];
	va_list ap;

	va_start(ap, fmt);
	vfprintf(e->to, fmt, ap);
	va_end(ap);
	fputc('\n', e->to);
	fflush(e->to);
	if (!fgets(line, sizeof(line), e->from))
		return -EPIPE;
	if (!strcmp(line, "ok\n"))
		return 0;
	return -atoi(line + 4);
}

/* ---- helpers ---- */

static char *rd(struct xs_handle *h, xs_transaction_t t, const char *p)
{
	unsigned len;

	return xs_read(h, t, p, &len);
}

static void assert_read(struct xs_handle *h, const char *p, const char *want)
{
	char *v = rd(h, XBT_NULL, p);

	if (!v)
		fail_msg("read %s: %s", p, strerror(errno));
	assert_string_equal(v, want);
	free(v);
}

static void assert_read_errno(struct xs_handle *h, const char *p, int err)
{
	char *v = rd(h, XBT_NULL, p);

	if (v)
		fail_msg("read %s: got \"%s\", want %s", p, v, strerror(err));
	assert_int_equal(errno, err);
}

static void wr(struct xs_handle *h, const char *p, const char *v)
{
	if (!xs_write(h, XBT_NULL, p, v, strlen(v)))
		fail_msg("write %s: %s", p, strerror(errno));
}

static void set_perms(struct xs_handle *h, const char *p, const char *spec)
{
	struct xs_permissions perms[8];
	unsigned n = 0;
	const char *s = spec;

	/* spec: "n0 r1 w2" */
	while (*s) {
		char c = *s++;

		perms[n].perms = c == 'r'   ? XS_PERM_READ
				 : c == 'w' ? XS_PERM_WRITE
				 : c == 'b' ? XS_PERM_READ | XS_PERM_WRITE
					    : XS_PERM_NONE;
		perms[n].id = (unsigned)strtoul(s, (char **)&s, 10);
		n++;
		while (*s == ' ')
			s++;
	}
	if (!xs_set_permissions(h, XBT_NULL, p, perms, n))
		fail_msg("set_perms %s %s: %s", p, spec, strerror(errno));
}

static void assert_perms(struct xs_handle *h, const char *p, const char *want)
{
	struct xs_permissions *perms;
	char buf[256] = "";
	unsigned n, i;

	perms = xs_get_permissions(h, XBT_NULL, p, &n);
	if (!perms)
		fail_msg("get_perms %s: %s", p, strerror(errno));
	for (i = 0; i < n; i++) {
		char one[32];

		snprintf(one, sizeof(one), "%c%u", "nrwb"[perms[i].perms & 3],
			 perms[i].id);
		if (i)
			strcat(buf, " ");
		strcat(buf, one);
	}
	free(perms);
	assert_string_equal(buf, want);
}

/* Orders every event the server queued for h so far before this call's
 * return (see the top of the file). */
static void sync_h(struct xs_handle *h)
{
	char *v = rd(h, XBT_NULL, "/");

	free(v);
}

/* Next queued event as "path token", or NULL. */
static char *next_event(struct xs_handle *h)
{
	static char buf[4200];
	unsigned n;
	char **v;

	v = xs_check_watch(h);
	if (!v)
		return NULL;
	(void)n;
	snprintf(buf, sizeof(buf), "%s %s", v[XS_WATCH_PATH],
		 v[XS_WATCH_TOKEN]);
	free(v);
	return buf;
}

static void expect_event(struct xs_handle *h, const char *want)
{
	char *ev;

	sync_h(h);
	ev = next_event(h);
	if (!ev)
		fail_msg("no event, want \"%s\"", want);
	assert_string_equal(ev, want);
}

static void expect_no_event(struct xs_handle *h)
{
	char *ev;

	sync_h(h);
	ev = next_event(h);
	if (ev)
		fail_msg("unexpected event \"%s\"", ev);
}

static void drain_events(struct xs_handle *h)
{
	sync_h(h);
	while (next_event(h))
		;
}

/* ---- tests ---- */

static void test_read_write_mkdir_rm(void **state)
{
	struct env *e = *state;
	struct xs_handle *h = e->h[0];
	unsigned n;
	char **d;

	wr(h, "/a/b/c", "hello");
	assert_read(h, "/a/b/c", "hello");
	assert_read(h, "/a/b", ""); /* created implicitly */
	wr(h, "/a/b/c", "again");
	assert_read(h, "/a/b/c", "again");
	/* Binary values keep their bytes and length. */
	assert_true(xs_write(h, XBT_NULL, "/a/bin", "x\0y", 3));
	{
		unsigned len;
		char *v = xs_read(h, XBT_NULL, "/a/bin", &len);

		assert_non_null(v);
		assert_int_equal(len, 3);
		assert_memory_equal(v, "x\0y", 3);
		free(v);
	}
	assert_true(xs_mkdir(h, XBT_NULL, "/a/dir"));
	assert_true(xs_mkdir(h, XBT_NULL, "/a/dir")); /* exists: fine */
	d = xs_directory(h, XBT_NULL, "/a", &n);
	assert_non_null(d);
	assert_int_equal(n, 3);
	assert_string_equal(d[0], "b"); /* creation order */
	assert_string_equal(d[1], "bin");
	assert_string_equal(d[2], "dir");
	free(d);

	assert_read_errno(h, "/a/nope", ENOENT);
	assert_true(xs_rm(h, XBT_NULL, "/a/b"));
	assert_read_errno(h, "/a/b/c", ENOENT);
	assert_read_errno(h, "/a/b", ENOENT);
	/* Absent, parent present: fine; parent absent: ENOENT. */
	assert_true(xs_rm(h, XBT_NULL, "/a/b"));
	assert_false(xs_rm(h, XBT_NULL, "/a/x/y"));
	assert_int_equal(errno, ENOENT);
	assert_false(xs_rm(h, XBT_NULL, "/"));
	assert_int_equal(errno, EINVAL);
	/* Bad paths. */
	assert_false(xs_write(h, XBT_NULL, "/a//b", "v", 1));
	assert_int_equal(errno, EINVAL);
	assert_false(xs_write(h, XBT_NULL, "/a/b/", "v", 1));
	assert_int_equal(errno, EINVAL);
	assert_false(xs_write(h, XBT_NULL, "/a/b c", "v", 1));
	assert_int_equal(errno, EINVAL);
	/* The tree xenstored starts with. */
	assert_read(h, "/tool/xenstored", "");
}

static void test_relative_paths_domain_path(void **state)
{
	struct env *e = *state;
	char *p;

	p = xs_get_domain_path(e->h[1], 2);
	assert_non_null(p);
	assert_string_equal(p, "/local/domain/2");
	free(p);
	/* Relative paths are under the caller's home. */
	assert_read(e->h[1], "name", "dom1");
	assert_read(e->h[2], "domid", "2");
	/* libxl's home: dom0 owns, the domain reads; it cannot write. */
	assert_perms(e->h[0], "/local/domain/1", "n0 r1");
	assert_false(xs_write(e->h[1], XBT_NULL, "data/x", "1", 1));
	assert_int_equal(errno, EACCES);
	/* What libxl gives it to write: data/ owned by the domain. */
	wr(e->h[0], "/local/domain/1/data", "");
	set_perms(e->h[0], "/local/domain/1/data", "n1");
	wr(e->h[1], "data/x", "1");
	assert_read(e->h[0], "/local/domain/1/data/x", "1");
	assert_perms(e->h[0], "/local/domain/1/data/x", "n1");
}

static void test_permissions(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0], *d1 = e->h[1], *d2 = e->h[2];
	struct xs_permissions perms[2];

	wr(d0, "/p/a", "va");
	set_perms(d0, "/p", "n0 r1");
	set_perms(d0, "/p/a", "n0 r1");
	assert_read(d1, "/p/a", "va");
	assert_read_errno(d2, "/p/a", EACCES);
	/* dom2 may not learn whether a node exists under what it cannot
	 * read; dom1 may. */
	assert_read_errno(d2, "/p/missing", EACCES);
	assert_read_errno(d1, "/p/missing", ENOENT);
	assert_false(xs_write(d1, XBT_NULL, "/p/a", "x", 1));
	assert_int_equal(errno, EACCES);
	assert_false(xs_rm(d1, XBT_NULL, "/p/a"));
	assert_int_equal(errno, EACCES);
	assert_null(xs_directory(d2, XBT_NULL, "/p", &(unsigned){0}));
	assert_int_equal(errno, EACCES);

	/* b: read and write, not ownership. */
	set_perms(d0, "/p/a", "n0 b1");
	wr(d1, "/p/a", "by1");
	assert_read(d0, "/p/a", "by1");
	perms[0].id = 1;
	perms[0].perms = XS_PERM_NONE;
	assert_false(xs_set_permissions(d1, XBT_NULL, "/p/a", perms, 1));
	assert_int_equal(errno, EACCES);

	/* An owner may change the ACL, not give the node away. */
	set_perms(d0, "/p/a", "n1");
	set_perms(d1, "/p/a", "n1 r2");
	assert_read(d2, "/p/a", "by1");
	perms[0].id = 2;
	assert_false(xs_set_permissions(d1, XBT_NULL, "/p/a", perms, 1));
	assert_int_equal(errno, EPERM);
	/* Malformed permission strings. */
	assert_perms(d1, "/p/a", "n1 r2");
	/* The owner's entry is the default for everyone else. */
	wr(d0, "/p/o", "");
	set_perms(d0, "/p/o", "r0");
	assert_read(d2, "/p/o", "");
	/* More than five entries from a guest: ENOSPC (xenstored quota). */
	{
		struct xs_permissions six[6];
		unsigned i;

		for (i = 0; i < 6; i++) {
			six[i].id = i ? i + 10 : 1;
			six[i].perms = XS_PERM_READ;
		}
		assert_false(xs_set_permissions(d1, XBT_NULL, "/p/a", six, 6));
		assert_int_equal(errno, ENOSPC);
	}
}

static void test_inheritance(void **state)
{
	struct env *e = *state;

	/* dom0 creates: parents inherit, dom0 keeps owning. */
	wr(e->h[0], "/i", "");
	set_perms(e->h[0], "/i", "n0 w1 r2");
	wr(e->h[0], "/i/x/y", "v");
	assert_perms(e->h[0], "/i/x", "n0 w1 r2");
	assert_perms(e->h[0], "/i/x/y", "n0 w1 r2");
	/* A guest creates: it owns every node it creates, the rest of the
	 * ACL comes from the parent. */
	wr(e->h[1], "/i/g/h", "v");
	assert_perms(e->h[0], "/i/g", "n1 w1 r2");
	assert_perms(e->h[0], "/i/g/h", "n1 w1 r2");
	assert_read(e->h[2], "/i/g/h", "v");
	assert_true(xs_mkdir(e->h[1], XBT_NULL, "/i/m"));
	assert_perms(e->h[0], "/i/m", "n1 w1 r2");
	/* dom2 has no write on /i. */
	assert_false(xs_write(e->h[2], XBT_NULL, "/i/z", "v", 1));
	assert_int_equal(errno, EACCES);
	assert_false(xs_mkdir(e->h[2], XBT_NULL, "/i/z"));
	assert_int_equal(errno, EACCES);
}

static void test_watch_fires_in_order(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0];

	wr(d0, "/w", "");
	assert_true(xs_watch(d0, "/w", "tok"));
	expect_event(d0, "/w tok"); /* the initial event */
	expect_no_event(d0);

	wr(e->h[0], "/w/a", "1");
	wr(e->h[0], "/w/b", "2");
	wr(e->h[0], "/w/a/deep", "3");
	wr(e->h[0], "/other", "x"); /* not under /w */
	expect_event(d0, "/w/a tok");
	expect_event(d0, "/w/b tok");
	expect_event(d0, "/w/a/deep tok");
	expect_no_event(d0);

	/* Removal: the node (watchers of it and its parents), then every
	 * removed node for watchers on exactly that node. */
	assert_true(xs_watch(d0, "/w/a/deep", "exact"));
	expect_event(d0, "/w/a/deep exact");
	assert_true(xs_rm(d0, XBT_NULL, "/w/a"));
	expect_event(d0, "/w/a tok");
	expect_event(d0, "/w/a/deep exact");
	expect_no_event(d0);

	/* Duplicate (path, token): EEXIST; same path, other token: fine. */
	assert_false(xs_watch(d0, "/w", "tok"));
	assert_int_equal(errno, EEXIST);
	assert_true(xs_unwatch(d0, "/w", "tok"));
	assert_true(xs_unwatch(d0, "/w/a/deep", "exact"));
	assert_false(xs_unwatch(d0, "/w", "tok"));
	assert_int_equal(errno, ENOENT);
	wr(d0, "/w/c", "4");
	expect_no_event(d0);

	/* A watch on a node that does not exist yet. */
	assert_true(xs_watch(d0, "/later/node", "t2"));
	expect_event(d0, "/later/node t2");
	wr(e->h[0], "/later/node", "v");
	expect_event(d0, "/later/node t2");
	/* mkdir of an existing node changes nothing: no event. */
	assert_true(xs_mkdir(d0, XBT_NULL, "/later/node"));
	expect_no_event(d0);
	/* set_perms fires. */
	set_perms(d0, "/later/node", "n0 r1");
	expect_event(d0, "/later/node t2");
}

static void test_watch_relative_and_perms(void **state)
{
	struct env *e = *state;
	struct xs_handle *d1 = e->h[1], *d2 = e->h[2];

	wr(e->h[0], "/local/domain/1/data", "");
	set_perms(e->h[0], "/local/domain/1/data", "n1");
	/* Relative watch: events come relative too. */
	assert_true(xs_watch(d1, "data", "rel"));
	expect_event(d1, "data rel");
	wr(d1, "data/k", "v");
	expect_event(d1, "data/k rel");

	/* dom2 watches what it cannot read: the initial event only. */
	wr(e->h[0], "/sec/x", "");
	set_perms(e->h[0], "/sec", "n0");
	set_perms(e->h[0], "/sec/x", "n0");
	assert_true(xs_watch(d2, "/sec", "s"));
	expect_event(d2, "/sec s");
	wr(e->h[0], "/sec/x", "secret");
	expect_no_event(d2);
	/* Readable node: the event comes. */
	set_perms(e->h[0], "/sec/x", "n0 r2");
	expect_event(d2, "/sec/x s");
	wr(e->h[0], "/sec/x", "visible");
	expect_event(d2, "/sec/x s");
	/* Losing access still tells the watcher (old permissions). */
	set_perms(e->h[0], "/sec/x", "n0");
	expect_event(d2, "/sec/x s");
	wr(e->h[0], "/sec/x", "gone");
	expect_no_event(d2);
}

static void test_special_watches(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0], *d1 = e->h[1];

	assert_true(xs_watch(d0, "@introduceDomain", "in"));
	assert_true(xs_watch(d0, "@releaseDomain", "out"));
	expect_event(d0, "@introduceDomain in");
	expect_event(d0, "@releaseDomain out");
	assert_true(xs_watch(d1, "@releaseDomain", "d1"));
	expect_event(d1, "@releaseDomain d1");

	assert_int_equal(cmd(e, "add 5"), 0);
	expect_event(d0, "@introduceDomain in");
	expect_no_event(d0);
	assert_true(xs_is_domain_introduced(d0, 5));

	/* Special nodes are dom0's and unreadable by default ("n0"). */
	assert_perms(d0, "@releaseDomain", "n0");
	assert_int_equal(cmd(e, "remove 5"), 0);
	expect_event(d0, "@releaseDomain out");
	expect_no_event(d1);
	assert_false(xs_is_domain_introduced(d0, 5));
	assert_int_equal(cmd(e, "remove 5"), -ENOENT);

	/* dom0 lets dom1 see releases. */
	set_perms(d0, "@releaseDomain", "n0 r1");
	assert_int_equal(cmd(e, "add 6"), 0);
	assert_int_equal(cmd(e, "remove 6"), 0);
	expect_event(d1, "@releaseDomain d1");
	/* Only the owner may change them; bad special names: EINVAL. */
	{
		struct xs_permissions p = {.id = 1, .perms = XS_PERM_READ};

		assert_false(xs_set_permissions(d1, XBT_NULL, "@releaseDomain",
						&p, 1));
		assert_int_equal(errno, EACCES);
		assert_false(xs_set_permissions(d0, XBT_NULL, "@foo", &p, 1));
		assert_int_equal(errno, EINVAL);
	}
	drain_events(d0);
}

static void test_introduce_release(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0], *d1 = e->h[1];
	char *p;

	assert_true(xs_watch(d0, "@introduceDomain", "in"));
	assert_true(xs_watch(d0, "@releaseDomain", "out"));
	drain_events(d0);
	assert_false(xs_is_domain_introduced(d0, 7));
	assert_true(xs_introduce_domain(d0, 7, 0x1234, 5));
	expect_event(d0, "@introduceDomain in");
	assert_true(xs_is_domain_introduced(d0, 7));
	assert_true(xs_introduce_domain(d0, 7, 0x1234, 5)); /* again: ok */
	expect_no_event(d0);
	assert_true(xs_resume_domain(d0, 7));
	assert_true(xs_set_target(d0, 7, 1));
	assert_true(xs_release_domain(d0, 7));
	expect_event(d0, "@releaseDomain out");
	assert_false(xs_is_domain_introduced(d0, 7));
	assert_false(xs_release_domain(d0, 7));
	assert_int_equal(errno, ENOENT);
	assert_false(xs_release_domain(d0, 0));
	assert_int_equal(errno, EINVAL);
	assert_false(xs_introduce_domain(d0, 8, 1, 0)); /* port 0 */
	assert_int_equal(errno, EINVAL);
	assert_true(xs_is_domain_introduced(d0, 1));
	assert_true(xs_is_domain_introduced(d0, 0));

	/* Privileged operations from a guest: EACCES. */
	assert_false(xs_introduce_domain(d1, 9, 1, 1));
	assert_int_equal(errno, EACCES);
	assert_false(xs_release_domain(d1, 2));
	assert_int_equal(errno, EACCES);
	assert_false(xs_is_domain_introduced(d1, 2));
	assert_int_equal(errno, EACCES);
	p = xs_control_command(d1, "check", NULL, 0);
	assert_null(p);
	assert_int_equal(errno, EACCES);
	p = xs_control_command(d0, "quota", NULL, 0);
	assert_non_null(p);
	assert_non_null(strstr(p, "nodes"));
	assert_non_null(strstr(p, "1000"));
	free(p);
	p = xs_control_command(d0, "nosuchcommand", NULL, 0);
	assert_null(p);
	assert_int_equal(errno, EINVAL);

	/* RELEASE of a served domain closes its connections. */
	assert_true(xs_release_domain(d0, 2));
	assert_null(rd(e->h[2], XBT_NULL, "name"));
	xs_close(e->h[2]);
	e->h[2] = xs_as(e, 2); /* its socket still serves */
	assert_non_null(e->h[2]);
	assert_read(e->h[2], "name", "dom2");
}

static void test_set_target(void **state)
{
	struct env *e = *state;

	/* dom2 becomes dom1's device model: it gets dom1's rights. */
	wr(e->h[0], "/t/n", "v");
	set_perms(e->h[0], "/t/n", "n1");
	assert_read_errno(e->h[2], "/t/n", EACCES);
	assert_true(xs_set_target(e->h[0], 2, 1));
	assert_read(e->h[2], "/t/n", "v");
	wr(e->h[2], "/t/n", "dm");
	assert_false(xs_set_target(e->h[0], 2, 42));
	assert_int_equal(errno, ENOENT);
}

static void test_transactions(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0], *d1 = e->h[1];
	xs_transaction_t t, t2;
	char *v;

	wr(d0, "/tx/a", "0");
	wr(d0, "/tx/b", "0");
	assert_true(xs_watch(d1, "/tx", "w"));
	set_perms(d0, "/tx", "n0 r1");
	set_perms(d0, "/tx/a", "n0 r1");
	set_perms(d0, "/tx/b", "n0 r1");
	drain_events(d1);

	/* Isolation: the transaction's writes are its own until commit,
	 * and watches fire at the commit. */
	t = xs_transaction_start(d0);
	assert_true(t != XBT_NULL);
	assert_true(xs_write(d0, t, "/tx/a", "1", 1));
	assert_true(xs_write(d0, t, "/tx/new/deep", "n", 1));
	v = rd(d0, t, "/tx/a");
	assert_string_equal(v, "1");
	free(v);
	assert_read(d0, "/tx/a", "0");
	assert_read_errno(d0, "/tx/new", ENOENT);
	expect_no_event(d1);
	assert_true(xs_transaction_end(d0, t, false));
	assert_read(d0, "/tx/a", "1");
	assert_read(d0, "/tx/new/deep", "n");
	expect_event(d1, "/tx/a w");
	expect_event(d1, "/tx/new/deep w");

	/* Conflict: read a, someone else writes a, commit -> EAGAIN and
	 * nothing of the transaction is applied. */
	t = xs_transaction_start(d0);
	v = rd(d0, t, "/tx/a");
	free(v);
	wr(d0, "/tx/a", "other"); /* outside the transaction */
	assert_true(xs_write(d0, t, "/tx/b", "from-t", 6));
	assert_false(xs_transaction_end(d0, t, false));
	assert_int_equal(errno, EAGAIN);
	assert_read(d0, "/tx/b", "0");

	/* The transaction does not see later outside changes to what it
	 * read. */
	t = xs_transaction_start(d0);
	v = rd(d0, t, "/tx/b");
	assert_string_equal(v, "0");
	free(v);
	wr(d0, "/tx/b", "outside");
	v = rd(d0, t, "/tx/b");
	assert_string_equal(v, "0");
	free(v);
	assert_false(xs_transaction_end(d0, t, false));
	assert_int_equal(errno, EAGAIN);

	/* A node created by someone else after the transaction looked for
	 * it: conflict too. */
	t = xs_transaction_start(d0);
	assert_read_errno(d0, "/tx/c", ENOENT);
	v = rd(d0, t, "/tx/c");
	assert_null(v);
	wr(d0, "/tx/c", "x");
	assert_true(xs_write(d0, t, "/tx/d", "y", 1));
	assert_false(xs_transaction_end(d0, t, false));
	assert_int_equal(errno, EAGAIN);

	/* Two transactions on disjoint nodes both commit. */
	t = xs_transaction_start(d0);
	t2 = xs_transaction_start(d0);
	assert_true(t != t2);
	wr(d0, "/tx/e", "");
	wr(d0, "/tx/f", "");
	assert_true(xs_write(d0, t, "/tx/e", "1", 1));
	assert_true(xs_write(d0, t2, "/tx/f", "2", 1));
	assert_true(xs_transaction_end(d0, t, false));
	assert_true(xs_transaction_end(d0, t2, false));
	assert_read(d0, "/tx/e", "1");
	assert_read(d0, "/tx/f", "2");

	/* Abort discards; rm inside a transaction. */
	drain_events(d1);
	t = xs_transaction_start(d0);
	assert_true(xs_rm(d0, t, "/tx/e"));
	assert_null(rd(d0, t, "/tx/e"));
	assert_true(xs_transaction_end(d0, t, true));
	assert_read(d0, "/tx/e", "1");
	expect_no_event(d1);
	t = xs_transaction_start(d0);
	assert_true(xs_rm(d0, t, "/tx/e"));
	assert_true(xs_transaction_end(d0, t, false));
	assert_read_errno(d0, "/tx/e", ENOENT);
	expect_event(d1, "/tx/e w");
	drain_events(d1);

	/* An unknown transaction id: ENOENT. */
	assert_null(rd(d0, 4242, "/tx/a"));
	assert_int_equal(errno, ENOENT);
	assert_false(xs_transaction_end(d0, 4242, false));
	assert_int_equal(errno, ENOENT);
	/* Permissions hold inside transactions too. */
	t = xs_transaction_start(d1);
	assert_false(xs_write(d1, t, "/tx/a", "x", 1));
	assert_int_equal(errno, EACCES);
	assert_true(xs_transaction_end(d1, t, true));
}

static void test_quota_defaults(void **state)
{
	struct env *e = *state;
	struct xs_handle *d1 = e->h[1];
	char path[4200], val[2100];
	xs_transaction_t t[11];
	unsigned i, made = 0;
	int err = 0;

	wr(e->h[0], "/local/domain/1/data", "");
	set_perms(e->h[0], "/local/domain/1/data", "n1");

	/* Entry size 2048: header (24) + one permission (8) + value. */
	memset(val, 'v', sizeof(val));
	assert_true(xs_write(d1, XBT_NULL, "data/big", val, 2015));
	assert_false(xs_write(d1, XBT_NULL, "data/big", val, 2016));
	assert_int_equal(errno, ENOSPC);
	assert_true(xs_write(e->h[0], XBT_NULL, "/local/domain/1/data/big", val,
			     2100)); /* dom0: no quota */

	/* Path length: 2048 below the domain's home. */
	/* (in 40-byte steps: one long name would fill data's entry) */
	strcpy(path, "data/l");
	while (strlen(path) < 2048 - 2)
		strcat(path, strlen(path) % 40 ? "p" : "/");
	assert_int_equal(strlen(path), 2046);
	assert_true(xs_write(d1, XBT_NULL, path, "", 0));
	strcat(path, "pp"); /* 2048: still fine */
	assert_true(xs_write(d1, XBT_NULL, path, "", 0));
	strcat(path, "p");
	assert_false(xs_write(d1, XBT_NULL, path, "", 0));
	assert_int_equal(errno, EINVAL);

	/* Watches: 128. */
	for (i = 0; i < 128; i++) {
		snprintf(path, sizeof(path), "w%u", i);
		assert_true(xs_watch(d1, "data", path));
	}
	assert_false(xs_watch(d1, "data", "one-more"));
	assert_int_equal(errno, E2BIG);

	/* Transactions: 10 open at once. */
	for (i = 0; i < 10; i++) {
		t[i] = xs_transaction_start(d1);
		assert_true(t[i] != XBT_NULL);
	}
	t[10] = xs_transaction_start(d1);
	assert_true(t[10] == XBT_NULL);
	assert_int_equal(errno, ENOSPC);
	for (i = 0; i < 10; i++)
		assert_true(xs_transaction_end(d1, t[i], true));

	/* Nodes: 1000 owned by the domain (50 per directory: a directory's
	 * child names count in its entry size). */
	for (i = 0; i < 1100 && !err; i++) {
		snprintf(path, sizeof(path), "data/d%u/n%u", i / 50, i % 50);
		if (xs_write(d1, XBT_NULL, path, "", 0))
			made++;
		else
			err = errno;
	}
	assert_int_equal(err, ENOSPC);
	assert_true(made > 900 && made < 1000);
	{
		char *q = xs_control_command(e->h[0], "quota", "1", 2);

		assert_non_null(q);
		if (!strstr(q, "nodes           :     1000"))
			fail_msg("quota 1: %s", q);
		free(q);
	}
	/* Removing frees quota. */
	assert_true(xs_rm(d1, XBT_NULL, "data/d0/n0"));
	assert_true(xs_write(d1, XBT_NULL, "data/d0/again", "", 0));
	assert_false(xs_write(d1, XBT_NULL, "data/d0/again2", "", 0));
	assert_int_equal(errno, ENOSPC);
	/* Entry size counts child names: a directory fills up. */
	wr(e->h[0], "/local/domain/1/data/wide", "");
	set_perms(e->h[0], "/local/domain/1/data/wide", "n1");
	assert_true(xs_rm(d1, XBT_NULL, "data/d1"));
	memset(val, 'c', 100);
	val[100] = '\0';
	for (i = 0; i < 19; i++) {
		snprintf(path, sizeof(path), "data/wide/%02u%s", i, val + 2);
		assert_true(xs_write(d1, XBT_NULL, path, "", 0));
	}
	snprintf(path, sizeof(path), "data/wide/19%s", val + 2);
	assert_false(xs_write(d1, XBT_NULL, path, "", 0));
	assert_int_equal(errno, ENOSPC);
	/* dom0 is not limited. */
	wr(e->h[0], "/local/domain/1/data/by-dom0", "");
	drain_events(d1);
}

static void test_quota_small(void **state)
{
	struct env *e = *state;
	struct xs_handle *d1 = e->h[1];
	xs_transaction_t t1, t2, t3;
	char path[128];
	unsigned i;

	wr(e->h[0], "/local/domain/1/data", "");
	set_perms(e->h[0], "/local/domain/1/data", "n1");
	/* 20 nodes: data/ is one. */
	for (i = 0; i < 19; i++) {
		snprintf(path, sizeof(path), "data/%u", i);
		assert_true(xs_write(d1, XBT_NULL, path, "", 0));
	}
	assert_false(xs_write(d1, XBT_NULL, "data/x", "", 0));
	assert_int_equal(errno, ENOSPC);
	/* Implicit parents count: with one slot, a/b cannot be made. */
	assert_true(xs_rm(d1, XBT_NULL, "data/0"));
	assert_false(xs_write(d1, XBT_NULL, "data/a/b", "", 0));
	assert_int_equal(errno, ENOSPC);
	assert_read_errno(d1, "data/a", ENOENT); /* nothing half-made */
	/* Inside a transaction: counted with what it adds. */
	t1 = xs_transaction_start(d1);
	assert_true(xs_write(d1, t1, "data/t1", "", 0));
	assert_false(xs_write(d1, t1, "data/t2", "", 0));
	assert_int_equal(errno, ENOSPC);
	assert_true(xs_transaction_end(d1, t1, false));
	/* Two transactions: 2 allowed. */
	t1 = xs_transaction_start(d1);
	t2 = xs_transaction_start(d1);
	t3 = xs_transaction_start(d1);
	assert_true(t1 && t2);
	assert_true(t3 == XBT_NULL);
	assert_int_equal(errno, ENOSPC);
	/* Two transactions each add a node; the second commit would go over
	 * the quota. */
	assert_true(xs_rm(d1, XBT_NULL, "data/1"));
	assert_true(xs_write(d1, t1, "data/q1", "", 0));
	assert_true(xs_write(d1, t2, "data/q2", "", 0));
	assert_true(xs_transaction_end(d1, t1, false));
	assert_false(xs_transaction_end(d1, t2, false));
	assert_true(errno == ENOSPC || errno == EAGAIN);
	/* Watches: 4. */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%u", i);
		assert_true(xs_watch(d1, "data", path));
	}
	assert_false(xs_watch(d1, "data", "x"));
	assert_int_equal(errno, E2BIG);
	/* Entry size 256, path 64 (relative to the home). */
	{
		char v[300];

		memset(v, 'x', sizeof(v));
		assert_false(xs_write(d1, XBT_NULL, "data/2", v, 256 - 32));
		assert_int_equal(errno, ENOSPC);
		assert_true(xs_write(d1, XBT_NULL, "data/2", v, 256 - 33));
	}
	memset(path, 'p', 64);
	memcpy(path, "data/", 5);
	path[64] = '\0';
	assert_true(xs_write(d1, XBT_NULL, "data/3", "", 0));
	assert_false(xs_write(d1, XBT_NULL, path, "", 0)); /* quota full */
	assert_int_equal(errno, ENOSPC);
	path[65] = '\0';
	path[64] = 'p';
	assert_false(xs_write(d1, XBT_NULL, path, "", 0));
	assert_int_equal(errno, EINVAL);
	drain_events(d1);
}

static void test_domain_remove(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0];
	unsigned n;
	char **d;

	wr(d0, "/local/domain/1/data", "");
	set_perms(d0, "/local/domain/1/data", "n1");
	wr(e->h[1], "data/x/y", "1");
	wr(d0, "/shared", "");
	set_perms(d0, "/shared", "n0 w1");
	wr(e->h[1], "/shared/by1", "v");
	set_perms(e->h[1], "/shared/by1", "n1 r2");
	set_perms(d0, "/shared", "n0 r1 r2");
	assert_true(xs_watch(d0, "/local/domain/1", "home"));
	assert_true(xs_watch(d0, "@releaseDomain", "rel"));
	assert_true(xs_watch(e->h[2], "/local/domain/2", "two"));
	drain_events(d0);
	drain_events(e->h[2]);

	assert_int_equal(cmd(e, "remove 1"), 0);
	/* Its home is gone, watchers told; its other nodes are dom0's and
	 * carry no entry for it any more. */
	assert_read_errno(d0, "/local/domain/1", ENOENT);
	expect_event(d0, "/local/domain/1 home");
	sync_h(d0);
	while (next_event(d0))
		;
	assert_perms(d0, "/shared/by1", "n0 r2");
	assert_perms(d0, "/shared", "n0 r2");
	d = xs_directory(d0, XBT_NULL, "/local/domain", &n);
	assert_non_null(d);
	assert_int_equal(n, 2);
	free(d);
	/* Its connection is gone; other domains are unaffected. */
	assert_null(rd(e->h[1], XBT_NULL, "name"));
	assert_read(e->h[2], "name", "dom2");
	expect_no_event(e->h[2]);
	xs_close(e->h[1]);
	e->h[1] = NULL;
	/* A new domain with the same id starts clean. */
	assert_int_equal(cmd(e, "add 1"), 0);
	e->h[1] = xs_as(e, 1);
	assert_non_null(e->h[1]);
	assert_read_errno(e->h[1], "/shared/by1", EACCES);
	assert_read(e->h[1], "name", "dom1");
	/* simhv's direct calls. */
	assert_int_equal(cmd(e, "write /direct/x hello"), 0);
	assert_read(d0, "/direct/x", "hello");
	assert_int_equal(cmd(e, "rm /direct"), 0);
	assert_int_equal(cmd(e, "rm /direct"), -ENOENT);
	assert_int_equal(cmd(e, "write relative x"), -EINVAL);
}

static void test_directory_part(void **state)
{
	struct env *e = *state;
	struct xs_handle *d0 = e->h[0];
	char path[128];
	unsigned i, n;
	char **d;

	/* 600 children of ~20 bytes: the list is over one payload, so
	 * libxenstore falls back to DIRECTORY_PART. */
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/big/child-with-long-name-%04u",
			 i);
		wr(d0, path, "");
	}
	d = xs_directory(d0, XBT_NULL, "/big", &n);
	if (!d)
		fail_msg("directory /big: %s", strerror(errno));
	assert_int_equal(n, 600);
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "child-with-long-name-%04u", i);
		assert_string_equal(d[i], path);
	}
	free(d);
}

/* ---- the raw wire ---- */

static int raw_connect(struct env *e, unsigned dom)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dom%u.sock", e->dir,
		 dom);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, uint32_t type, uint32_t req, uint32_t tx,
		     const void *body, uint32_t len)
{
	struct xsd_sockmsg h = {
		.type = type, .req_id = req, .tx_id = tx, .len = len};

	assert_int_equal(send(fd, &h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
	if (len)
		assert_int_equal(send(fd, body, len, MSG_NOSIGNAL), len);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		/* Generous bound: only there so a broken server fails the
		 * test instead of hanging it. */
		if (poll(&p, 1, 10000) != 1)
			return -ETIMEDOUT;
		r = recv(fd, (char *)buf + got, len - got, 0);
		if (r <= 0)
			return r == 0 ? -EPIPE : -errno;
		got += r;
	}
	return 0;
}

/* Reads one reply; returns its type, body in buf (NUL-terminated). */
static int raw_recv(int fd, struct xsd_sockmsg *h, char *buf, size_t cap)
{
	int rc = read_full(fd, h, sizeof(*h));

	if (rc)
		return rc;
	assert_true(h->len < cap);
	rc = read_full(fd, buf, h->len);
	if (rc)
		return rc;
	buf[h->len] = '\0';
	return (int)h->type;
}

static void raw_expect_error(int fd, uint32_t req, const char *err)
{
	struct xsd_sockmsg h;
	char buf[5000];

	assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)), XS_ERROR);
	assert_int_equal(h.req_id, req);
	assert_string_equal(buf, err);
	assert_int_equal(h.len, strlen(err) + 1);
}

static void raw_expect_closed(int fd)
{
	struct xsd_sockmsg h;
	char buf[5000];
	int rc;

	/* Any replies queued before the close may come first. */
	do {
		rc = raw_recv(fd, &h, buf, sizeof(buf));
	} while (rc >= 0);
	assert_int_equal(rc, -EPIPE);
}

static void test_wire_errors(void **state)
{
	struct env *e = *state;
	int fd = raw_connect(e, 1);
	struct xsd_sockmsg h;
	char buf[5000];

	raw_send(fd, 99, 1, 0, "x", 2);
	raw_expect_error(fd, 1, "ENOSYS");
	raw_send(fd, XS_WATCH_EVENT, 2, 0, "a\0b", 4);
	raw_expect_error(fd, 2, "ENOSYS");
	raw_send(fd, XS_ERROR, 3, 0, "", 0);
	raw_expect_error(fd, 3, "ENOSYS");
	raw_send(fd, XS_READ, 4, 0, "name", 4); /* no NUL */
	raw_expect_error(fd, 4, "EINVAL");
	raw_send(fd, XS_READ, 5, 0, "na\0me", 6); /* two strings */
	raw_expect_error(fd, 5, "EINVAL");
	raw_send(fd, XS_READ, 6, 77, "name", 5); /* unknown tx */
	raw_expect_error(fd, 6, "ENOENT");
	raw_send(fd, XS_INTRODUCE, 7, 0, "9\0001\0001", 6);
	raw_expect_error(fd, 7, "EACCES");
	raw_send(fd, XS_TRANSACTION_END, 8, 0, "X", 2);
	raw_expect_error(fd, 8, "EINVAL");
	raw_send(fd, XS_WATCH, 9, 0, "only-path", 10);
	raw_expect_error(fd, 9, "EINVAL");
	raw_send(fd, XS_SET_PERMS, 10, 0, "name\0x1", 8);
	raw_expect_error(fd, 10, "EINVAL");
	raw_send(fd, XS_GET_DOMAIN_PATH, 11, 0, "abc", 4);
	raw_expect_error(fd, 11, "EINVAL");
	/* Over-long path: EINVAL, the connection lives on. */
	memset(buf, 'a', 4000);
	buf[0] = '/';
	buf[4000] = '\0';
	raw_send(fd, XS_READ, 12, 0, buf, 4001);
	raw_expect_error(fd, 12, "EINVAL");

	/* A good request still works, and req_id/tx_id are echoed. */
	raw_send(fd, XS_READ, 13, 0, "name", 5);
	assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)), XS_READ);
	assert_int_equal(h.req_id, 13);
	assert_string_equal(buf, "dom1");
	assert_int_equal(h.len, 4); /* values go without NUL */

	/* A transaction on the raw wire; nested start: EBUSY. */
	raw_send(fd, XS_TRANSACTION_START, 14, 0, "", 1);
	assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)),
			 XS_TRANSACTION_START);
	{
		uint32_t tx = (uint32_t)strtoul(buf, NULL, 10);

		assert_true(tx != 0);
		raw_send(fd, XS_TRANSACTION_START, 15, tx, "", 1);
		raw_expect_error(fd, 15, "EBUSY");
		raw_send(fd, XS_READ, 16, tx, "name", 5);
		assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)), XS_READ);
		assert_int_equal(h.tx_id, tx);
		/* RESET_WATCHES drops watches and transactions. */
		raw_send(fd, XS_WATCH, 17, 0, "name\0tk", 8);
		assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)), XS_WATCH);
		assert_string_equal(buf, "OK");
		assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)),
				 XS_WATCH_EVENT);
		assert_int_equal(h.len, 8);
		assert_memory_equal(buf, "name\0tk", 8);
		raw_send(fd, XS_RESET_WATCHES, 18, 0, "", 1);
		assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)),
				 XS_RESET_WATCHES);
		raw_send(fd, XS_READ, 19, tx, "name", 5);
		raw_expect_error(fd, 19, "ENOENT");
		raw_send(fd, XS_UNWATCH, 20, 0, "name\0tk", 8);
		raw_expect_error(fd, 20, "ENOENT");
	}
	/* DIRECTORY_PART by hand: generation, names, final empty string. */
	raw_send(fd, XS_DIRECTORY_PART, 21, 0, "/local/domain/1\0000", 18);
	assert_int_equal(raw_recv(fd, &h, buf, sizeof(buf)), XS_DIRECTORY_PART);
	{
		const char *g = buf, *k = g + strlen(g) + 1;

		assert_true(strlen(g) > 0);
		assert_string_equal(k, "name");
		k += strlen(k) + 1;
		assert_string_equal(k, "domid");
		k += strlen(k) + 1;
		assert_string_equal(k, "");
		assert_int_equal((size_t)(k - buf) + 1, h.len);
	}
	close(fd);
}

static void test_malformed_closes_only_that_connection(void **state)
{
	struct env *e = *state;
	int bad, good = raw_connect(e, 2);
	struct xsd_sockmsg h;
	char buf[5000];
	unsigned i;

	/* Length over XENSTORE_PAYLOAD_MAX: that connection is closed. */
	bad = raw_connect(e, 1);
	raw_send(bad, XS_READ, 1, 0, NULL, 0); /* valid: empty -> EINVAL */
	{
		struct xsd_sockmsg big = {.type = XS_WRITE, .len = 5000};

		assert_int_equal(send(bad, &big, sizeof(big), MSG_NOSIGNAL),
				 sizeof(big));
	}
	raw_expect_closed(bad);
	close(bad);

	/* A header cut short, then gone. */
	bad = raw_connect(e, 1);
	assert_int_equal(send(bad, "\1\0\0", 3, MSG_NOSIGNAL), 3);
	close(bad);

	/* A flood of random messages with valid lengths. */
	srand(12345);
	bad = raw_connect(e, 1);
	for (i = 0; i < 300; i++) {
		uint32_t len = (uint32_t)rand() % 64, j;
		uint32_t type = (uint32_t)rand() % (XS_TYPE_COUNT + 3);

		for (j = 0; j < len; j++)
			buf[j] = (char)(rand() % 4   ? 'a' + rand() % 26
					: rand() % 2 ? '/'
						     : 0);
		if (type == XS_RELEASE || type == XS_INTRODUCE)
			type = XS_READ; /* privileged anyway */
		raw_send(bad, type, i, rand() % 4 ? 0 : (uint32_t)rand() % 3,
			 buf, len);
	}
	/* Read whatever comes back; the connection may stay open. */
	shutdown(bad, SHUT_WR);
	{
		int rc;

		do {
			rc = raw_recv(bad, &h, buf, sizeof(buf));
		} while (rc >= 0);
		assert_int_equal(rc, -EPIPE);
	}
	close(bad);

	/* A client that never reads its replies and events: 1000 events of
	 * 2 KB overflow its socket and simhv's output bound; events to it
	 * are dropped, nobody else notices. */
	bad = raw_connect(e, 0);
	raw_send(bad, XS_WATCH, 1, 0, "/\0all", 6);
	memset(buf, 'f', 2000);
	memcpy(buf, "/flood/", 7);
	buf[2000] = '\0';
	for (i = 0; i < 1000; i++)
		wr(e->h[0], buf, "x");
	assert_read(e->h[0], buf, "x");
	close(bad);

	/* The daemon and the other domains are fine. */
	assert_true(daemon_alive(e));
	raw_send(good, XS_READ, 7, 0, "name", 5);
	assert_int_equal(raw_recv(good, &h, buf, sizeof(buf)), XS_READ);
	assert_string_equal(buf, "dom2");
	assert_read(e->h[0], "/local/domain/1/name", "dom1");
	assert_read(e->h[1], "name", "dom1");
	close(good);
}

/* Random operations from three domains at once, transactions and watches
 * included, with domain 2 removed and re-added now and then; afterwards
 * the server's own consistency check (CONTROL check) must pass. */
static void test_random_ops_keep_store_consistent(void **state)
{
	static const char *const roots[] = {"/r", "/local/domain/1/data",
					    "data", "/local/domain/2", "/"};
	static const char *const names[] = {"a", "b", "c", "d"};
	static const uint32_t types[] = {
		XS_READ,
		XS_WRITE,
		XS_WRITE,
		XS_MKDIR,
		XS_RM,
		XS_DIRECTORY,
		XS_GET_PERMS,
		XS_SET_PERMS,
		XS_WATCH,
		XS_UNWATCH,
		XS_TRANSACTION_START,
		XS_TRANSACTION_END,
		XS_DIRECTORY_PART,
	};
	struct env *e = *state;
	uint32_t txs[3][16];
	unsigned ntx[3] = {0}, i, d, nok = 0;
	int fd[3];
	char body[512], reply[5000];

	wr(e->h[0], "/r", "");
	set_perms(e->h[0], "/r", "n0 b1 r2");
	wr(e->h[0], "/local/domain/1/data", "");
	set_perms(e->h[0], "/local/domain/1/data", "n1");
	for (d = 0; d < 3; d++)
		fd[d] = raw_connect(e, d);
	srand(4242);

	for (i = 1; i <= 6000; i++) {
		uint32_t type =
			types[rand() % (sizeof(types) / sizeof(types[0]))];
		uint32_t tx = 0, len;
		unsigned depth = rand() % 4, k;
		struct xsd_sockmsg h;
		int t;

		if (i % 1000 == 0) {
			/* Domain 2 goes and comes back. */
			close(fd[2]);
			assert_int_equal(cmd(e, "remove 2"), 0);
			assert_int_equal(cmd(e, "add 2"), 0);
			fd[2] = raw_connect(e, 2);
			ntx[2] = 0;
		}
		d = rand() % 3;
		len = snprintf(
			body, sizeof(body), "%s",
			roots[rand() % (sizeof(roots) / sizeof(roots[0]))]);
		for (k = 0; k < depth; k++)
			len += snprintf(body + len, sizeof(body) - len, "%s%s",
					body[len - 1] == '/' ? "" : "/",
					names[rand() % 4]);
		len++; /* the NUL */
		switch (type) {
		case XS_WRITE:
			len += snprintf(body + len, 32, "v%u", i);
			break;
		case XS_SET_PERMS:
			for (k = 0; k < 1 + (unsigned)rand() % 3; k++)
				len += snprintf(body + len, 16, "%c%d",
						"nrwb"[rand() % 4],
						rand() % 4) +
				       1;
			break;
		case XS_WATCH:
		case XS_UNWATCH:
			len += snprintf(body + len, 16, "t%d", rand() % 3) + 1;
			break;
		case XS_TRANSACTION_START:
			len = snprintf(body, sizeof(body), "%s", "") + 1;
			break;
		case XS_TRANSACTION_END:
			len = snprintf(body, sizeof(body), "%s",
				       rand() % 3 ? "T" : "F") +
			      1;
			break;
		case XS_DIRECTORY_PART:
			len += snprintf(body + len, 16, "%d", rand() % 3) + 1;
			break;
		}
		if (type == XS_TRANSACTION_END ||
		    (ntx[d] && type != XS_TRANSACTION_START && rand() % 2))
			tx = ntx[d] ? txs[d][rand() % ntx[d]] : 0;
		raw_send(fd[d], type, i, tx, body, len);
		do {
			t = raw_recv(fd[d], &h, reply, sizeof(reply));
			assert_true(t >= 0);
		} while (t == XS_WATCH_EVENT);
		assert_int_equal(h.req_id, i);
		assert_true(t == (int)type || t == XS_ERROR);
		nok += t != XS_ERROR;
		if (t == XS_TRANSACTION_START && ntx[d] < 16)
			txs[d][ntx[d]++] = (uint32_t)strtoul(reply, NULL, 10);
		if (type == XS_TRANSACTION_END && tx) {
			/* Gone whatever the outcome (EAGAIN included). */
			for (k = 0; k < ntx[d]; k++)
				if (txs[d][k] == tx)
					txs[d][k] = txs[d][--ntx[d]];
		}
	}
	for (d = 0; d < 3; d++)
		close(fd[d]);
	print_message("%u of 6000 random requests succeeded\n", nok);
	assert_true(nok > 2000); /* the mix must exercise real changes */
	{
		char *ok = xs_control_command(e->h[0], "check", NULL, 0);

		if (!ok)
			fail_msg("store check: %s", strerror(errno));
		assert_string_equal(ok, "OK");
		free(ok);
	}
	assert_true(daemon_alive(e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_write_mkdir_rm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relative_paths_domain_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inheritance, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watch_fires_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_relative_and_perms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_special_watches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_introduce_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quota_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quota_small, setup_small,
						teardown),
		cmocka_unit_test_setup_teardown(test_domain_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_directory_part, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wire_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_malformed_closes_only_that_connection, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_random_ops_keep_store_consistent, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	find_daemon();
	if (access(daemon_path, X_OK)) {
		printf("SKIP: xsd_testd not found at %s (build it, or set "
		       "RTDD_XSD_TESTD)\n",
		       daemon_path);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

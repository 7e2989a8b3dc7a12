// SPDX-License-Identifier: MIT
/*
 * xsd_testd - simhv's xenstore server on its own, for tests and benchmarks.
 *
 *   xsd_testd [-n NDOMS] [-q nodes,watches,transactions,entry,path] DIR
 *
 * Serves domains 0..NDOMS-1 (default 3) on DIR/dom<ID>.sock and, as simhv
 * does at domain creation, writes /local/domain/<id>/{name,domid} with the
 * permissions libxl gives them (dom0 owns, the domain may read). Prints
 * "ready" on stdout once every socket listens, then reads commands on
 * stdin, one per line, answering "ok" or "err <errno>":
 *
 *   add ID        serve domain ID (rtdd_xsd_domain_add + the nodes above)
 *   remove ID     rtdd_xsd_domain_remove
 *   write PATH V  rtdd_xsd_write as simhv (no permission change)
 *   rm PATH       rtdd_xsd_rm
 *   quit          (also on end of input)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenstored.h"

static const char *dir;

static int add_domain(struct rtdd_xsd *x, unsigned id)
{
	const struct rtdd_xs_perm ro[2] = {
		{.domid = 0, .perms = RTDD_XS_PERM_NONE},
		{.domid = (rtdd_domid)id, .perms = RTDD_XS_PERM_READ},
	};
	char sock[4096], path[64], val[32];
	int rc;

	snprintf(sock, sizeof(sock), "%s/dom%u.sock", dir, id);
	rc = rtdd_xsd_domain_add(x, (rtdd_domid)id, sock);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u", id);
	rc = rtdd_xsd_write(x, path, "", ro, id ? 2 : 1);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u/name", id);
	snprintf(val, sizeof(val), id ? "dom%u" : "Domain-0", id);
	rc = rtdd_xsd_write(x, path, val, NULL, 0);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u/domid", id);
	snprintf(val, sizeof(val), "%u", id);
	return rtdd_xsd_write(x, path, val, NULL, 0);
}

static int command(struct rtdd_xsd *x, char *line)
{
	char *cmd = strtok(line, " \n"), *a = strtok(NULL, " \n");
	char *b = strtok(NULL, "\n");

	if (!cmd)
		return 0;
	if (!strcmp(cmd, "add") && a)
		return add_domain(x, (unsigned)strtoul(a, NULL, 10));
	if (!strcmp(cmd, "remove") && a)
		return rtdd_xsd_domain_remove(x,
					      (rtdd_domid)strtoul(a, NULL, 10));
	if (!strcmp(cmd, "write") && a)
		return rtdd_xsd_write(x, a, b ? b : "", NULL, 0);
	if (!strcmp(cmd, "rm") && a)
		return rtdd_xsd_rm(x, a);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct rtdd_xsd_config cfg = {0};
	struct rtdd_xsd *x = NULL;
	unsigned ndoms = 3, i;
	char line[8192];
	size_t len = 0;
	int opt, rc;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "n:q:")) != -1) {
		switch (opt) {
		case 'n':
			ndoms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			if (sscanf(optarg, "%u,%u,%u,%u,%u",
				   &cfg.nodes_per_domain,
				   &cfg.watches_per_domain,
				   &cfg.transactions_per_domain,
				   &cfg.max_value_size, &cfg.max_path_len) < 1)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	dir = argv[optind];

	rc = rtdd_xsd_create(&cfg, &x);
	if (rc) {
		fprintf(stderr, "xsd_testd: create: %s\n", strerror(-rc));
		return 1;
	}
	for (i = 0; i < ndoms; i++) {
		rc = add_domain(x, i);
		if (rc) {
			fprintf(stderr, "xsd_testd: domain %u: %s\n", i,
				strerror(-rc));
			rtdd_xsd_destroy(x);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		struct pollfd p[2] = {
			{.fd = rtdd_xsd_fd(x), .events = POLLIN},
			{.fd = 0, .events = POLLIN},
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			rc = rtdd_xsd_dispatch(x);
			if (rc) {
				fprintf(stderr, "xsd_testd: dispatch: %s\n",
					strerror(-rc));
				break;
			}
		}
		if (p[1].revents) {
			ssize_t r = read(0, line + len, sizeof(line) - 1 - len);
			char *nl;

			if (r <= 0)
				break;
			len += r;
			line[len] = '\0';
			while ((nl = strchr(line, '\n'))) {
				size_t l = nl - line + 1;

				*nl = '\0';
				if (!strncmp(line, "quit", 4))
					goto out;
				rc = command(x, line);
				if (rc)
					printf("err %d\n", -rc);
				else
					printf("ok\n");
				fflush(stdout);
				memmove(line, line + l, len - l + 1);
				len -= l;
			}
			if (len == sizeof(line) - 1)
				len = 0; /* an over-long line: drop it */
		}
	}
out:
	rtdd_xsd_destroy(x);
	return 0;
usage:
	fprintf(stderr, "usage: xsd_testd [-n NDOMS] "
			"[-q nodes,watches,transactions,entry,path] DIR\n");
	return 2;
}

// SPDX-License-Identifier: MIT
/*
 * The one place where librtdd_pci touches the file system. Every path is
 * relative to the context's sysfs root, so a fixture tree stands in for /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

int rtdd__pci_err(rtdd_pci *pci, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pci->err, sizeof(pci->err), fmt, ap);
	va_end(ap);
	return rc;
}

static int vpath(const rtdd_pci *pci, char *buf, size_t len, const char *fmt,
		 va_list ap)
{
	char rel[PATH_MAX];
	int n;

	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s/%s", pci->root, rel);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int rtdd__pci_path(const rtdd_pci *pci, char *buf, size_t len, const char *fmt,
		   ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(pci, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = -1, rc = 0;
	ssize_t r;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	if (r < 0) {
		rc = -errno;
		goto out;
	}
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
out:
	close(fd);
	return rc;
}

int rtdd__pci_read_attr(const rtdd_pci *pci, char *buf, size_t len,
			const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(pci, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	return read_small(path, buf, len);
}

int rtdd__pci_read_link_base(const rtdd_pci *pci, char *buf, size_t len,
			     const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	va_list ap;
	ssize_t r;
	int rc;

	va_start(ap, fmt);
	rc = vpath(pci, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	r = readlink(path, target, sizeof(target) - 1);
	if (r < 0)
		return -errno;
	target[r] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int rtdd__pci_exists(const rtdd_pci *pci, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpath(pci, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc)
		return 0;
	return stat(path, &st) == 0;
}

int rtdd_pci_write_default(void *arg, const char *root, const char *relpath,
			   const char *value)
{
	char path[PATH_MAX];
	int fd = -1, rc = 0, n;
	size_t len = strlen(value);
	ssize_t r;

	(void)arg;
	n = snprintf(path, sizeof(path), "%s/%s", root, relpath);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* sysfs attributes exist already; never create files under /sys.
	 * O_TRUNC is what `echo > attr` does: sysfs ignores it, a plain file
	 * (a copied tree) then holds exactly the value. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes one write per value: a short write is an error. */
	r = write(fd, value, len);
	if (r < 0)
		rc = -errno;
	else if ((size_t)r != len)
		rc = -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

int rtdd__pci_write(rtdd_pci *pci, const char *relpath, const char *value)
{
	rtdd_pci_writer_fn fn =
		pci->writer ? pci->writer : rtdd_pci_write_default;

	return fn(pci->writer_arg, pci->root, relpath, value);
}

void rtdd_pci_set_writer(rtdd_pci *pci, rtdd_pci_writer_fn fn, void *arg)
{
	pci->writer = fn;
	pci->writer_arg = fn ? arg : NULL;
}

void rtdd__pci_strcpy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

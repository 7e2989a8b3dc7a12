/* SPDX-License-Identifier: MIT */
/*
 * passthrough/private.h - internals of librtdd_pci shared between its files.
 * All file system access goes through sysfs.c so that one root (the real
 * /sys or a fixture tree) holds for libpci and for plain attributes alike.
 */
#ifndef RTDD_PASSTHROUGH_PRIVATE_H
#define RTDD_PASSTHROUGH_PRIVATE_H

#include <limits.h>
#include <stdarg.h>

#include "rtdd/pci.h"

struct rtdd_pci {
	char root[PATH_MAX];
	char err[512];
	struct rtdd_pci_dev *devs; /* sorted by address */
	size_t n_devs;
	int kernel_iommu;
	int on_xen;
	rtdd_pci_writer_fn writer;
	void *writer_arg;
};

/* Formats an error message into pci->err; returns rc for `return`. */
int rtdd__pci_err(rtdd_pci *pci, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* <root>/<relpath>; -ENAMETOOLONG when it does not fit. */
int rtdd__pci_path(const rtdd_pci *pci, char *buf, size_t len, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
/* Reads a small attribute, trailing newlines removed. 0 or -errno. */
int rtdd__pci_read_attr(const rtdd_pci *pci, char *buf, size_t len,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Base name of a symlink's target. 0 or -errno (-ENOENT: no link). */
int rtdd__pci_read_link_base(const rtdd_pci *pci, char *buf, size_t len,
			     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 1 when the path exists, else 0. */
int rtdd__pci_exists(const rtdd_pci *pci, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes through the installed writer. 0 or -errno. */
int rtdd__pci_write(rtdd_pci *pci, const char *relpath, const char *value);

/* Fills pci->devs from libpci and sysfs. 0 or -errno (message in err). */
int rtdd__pci_scan(rtdd_pci *pci);
/* Re-reads only the driver and driver_override of one device. */
int rtdd__pci_refresh_driver(rtdd_pci *pci, struct rtdd_pci_dev *dev);

int rtdd__pci_is_passthrough_driver(const char *drv);
/* Copies src into dst (len bytes), truncating; always terminated. */
void rtdd__pci_strcpy(char *dst, size_t len, const char *src);

#endif

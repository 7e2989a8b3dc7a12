/* SPDX-License-Identifier: MIT */
/*
 * rtdd/numlist.h - compact lists of 32-bit numbers, as frontends write
 * their grant refs into xenstore for a backend to map at connect
 * (rtdd-tx-buf-refs, rtdd-rx-buf-refs, rtdd-persistent-refs): decimals and
 * inclusive ranges "a-b" (a <= b), comma-separated, e.g. "8-263" or
 * "8-100,140,150-304".
 */
#ifndef RTDD_NUMLIST_H
#define RTDD_NUMLIST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A decimal of 1..10 digits at *p (< end), *p moved past it: 0, or
 * -EINVAL (no digit, or more than 10). The building block of the list,
 * for other number fields too. */
int rtdd_numlist_dec(const char **p, const char *end, uint64_t *out);

/* Parse s[0..len): fills out[0..*n_out) in order. -EINVAL for an empty or
 * malformed list, a number past 2^32 - 1, or more than max numbers
 * (nothing is expanded past max). */
int rtdd_numlist_parse(const char *s, size_t len, uint32_t *out, unsigned max,
		       unsigned *n_out);
/* Format v[0..n) into buf (NUL-terminated), runs of consecutive numbers as
 * ranges. 0, or -ENOSPC when it does not fit in len bytes. */
int rtdd_numlist_fmt(const uint32_t *v, unsigned n, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* RTDD_NUMLIST_H */

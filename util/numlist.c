// SPDX-License-Identifier: MIT
/* Compact number lists (rtdd/numlist.h). */
#include <errno.h>
#include <stdio.h>

#include "rtdd/numlist.h"

int rtdd_numlist_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (++n > 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	if (!n)
		return -EINVAL;
	*out = v;
	return 0;
}

int rtdd_numlist_parse(const char *s, size_t len, uint32_t *out, unsigned max,
		       unsigned *n_out)
{
	const char *p = s, *end = s + len;
	unsigned n = 0;

	if (!s || !len)
		return -EINVAL;
	for (;;) {
		uint64_t a, b;

		if (rtdd_numlist_dec(&p, end, &a) || a > UINT32_MAX)
			return -EINVAL;
		b = a;
		if (p < end && *p == '-') {
			p++;
			if (rtdd_numlist_dec(&p, end, &b) || b > UINT32_MAX ||
			    b < a)
				return -EINVAL;
		}
		if (b - a >= (uint64_t)(max - n))
			return -EINVAL; /* more than max */
		for (uint64_t r = a; r <= b; r++)
			out[n++] = (uint32_t)r;
		if (p == end)
			break;
		if (*p++ != ',')
			return -EINVAL;
	}
	*n_out = n;
	return 0;
}

int rtdd_numlist_fmt(const uint32_t *v, unsigned n, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (unsigned i = 0; i < n;) {
		unsigned j = i;
		int w;

		while (j + 1 < n && v[j] != UINT32_MAX && v[j + 1] == v[j] + 1)
			j++;
		if (j == i)
			w = snprintf(buf + used, len - used, "%s%u",
				     used ? "," : "", v[i]);
		else
			w = snprintf(buf + used, len - used, "%s%u-%u",
				     used ? "," : "", v[i], v[j]);
		if (w < 0 || (size_t)w >= len - used)
			return -ENOSPC;
		used += (size_t)w;
		i = j + 1;
	}
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the xenstore values netback parses as text, from the
 * frontend (feature-rtdd-persistent's buffer lists, rtdd-tx-buf-refs and
 * rtdd-rx-buf-refs: rtdd_numlist_parse) and from the toolstack (the
 * vif's "rate": rtdd_netif_parse_rate). Input: one byte choosing the
 * list limit (0..255), the rest the value, not NUL-terminated.
 *
 * Oracles: 0 or -EINVAL; an accepted list has 1..limit refs; nothing is
 * written past the limit (nor past an accepted list's refs); the refs
 * printed back as a plain comma list parse to the same refs; an accepted
 * rate has bps > 0 and burst > 0.
 */
#include <errno.h>

#include "fuzz.h"
#include "rtdd/numlist.h"
#include "rtdd/netif_req.h"

#define CANARY 0x5a5a5a5au

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t out[257], again[257];
	static char text[256 * 11 + 1];
	struct fuzz_in in = {data, size};
	unsigned max = fuzz_u8(&in), n = 12345, m = 0;
	const char *s = (const char *)in.p;
	size_t len = in.n, used = 0;
	uint64_t bps = 0;
	uint32_t burst = 0;
	int rc;

	for (unsigned i = 0; i < 257; i++)
		out[i] = CANARY;
	rc = rtdd_numlist_parse(s, len, out, max, &n);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		FUZZ_CHECK(n == 12345);
	} else {
		FUZZ_CHECK(n >= 1 && n <= max);
		for (unsigned i = 0; i < n; i++)
			used += (size_t)snprintf(text + used,
						 sizeof(text) - used, "%s%u",
						 i ? "," : "", out[i]);
		FUZZ_CHECK(rtdd_numlist_parse(text, used, again, max, &m) == 0);
		FUZZ_CHECK(m == n && !memcmp(out, again, n * sizeof(*out)));
	}
	/* Nothing past the limit, nor past the refs an accepted list has. */
	for (unsigned i = rc ? max : n; i < 257; i++)
		FUZZ_CHECK(out[i] == CANARY);
	rc = rtdd_netif_parse_rate(s, len, &bps, &burst);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (!rc)
		FUZZ_CHECK(bps > 0 && burst > 0);
	return 0;
}

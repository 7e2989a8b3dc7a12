// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: checksum completion of guest TX frames
 * (rtdd_net_csum_complete, rtdd/netif_req.h): a guest that sets
 * NETTXF_csum_blank makes the backend parse its Ethernet, VLAN, IPv4/IPv6
 * and TCP/UDP headers.
 *
 * Input: the frame, exactly as long as the packet the chain described
 * (ASan sees any read or write past it). Oracles: 0 or -EINVAL; on 0 the
 * frame keeps its length and only the checksum field changed, and a
 * second completion is idempotent (the checksum field is recomputed the
 * same way).
 */
#include <errno.h>

#include "fuzz.h"
#include "rtdd/netif_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f, *g;
	size_t diff = 0;
	int rc;

	if (size > 65535)
		return 0; /* no netif packet is longer */
	f = malloc(size ? size : 1);
	g = malloc(size ? size : 1);
	if (!f || !g)
		abort();
	if (size)
		memcpy(f, data, size);
	rc = rtdd_net_csum_complete(f, size);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (!rc) {
		/* Only the two checksum bytes may differ. */
		for (size_t i = 0; i < size; i++)
			diff += f[i] != data[i];
		FUZZ_CHECK(diff <= 2);
		memcpy(g, f, size);
		FUZZ_CHECK(rtdd_net_csum_complete(g, size) == 0);
		FUZZ_CHECK(!memcmp(f, g, size));
	}
	free(f);
	free(g);
	return 0;
}

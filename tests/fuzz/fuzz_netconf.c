/* Fuzz target: network config parsing (spec §5). Whatever parses must encode, parse back to an equal
 * config, and encode to the same bytes again. */
#include "fuzz_common.h"

#include "vl2/netconf.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Canonical re-encoding can grow a config (every standard key, DNS, 96-byte signatures). */
	static uint8_t out1[1 << 20], out2[1 << 20];
	static struct zt_netconf x, y;
	struct zt_wr w;
	if (zt_netconf_parse(&x, data, size) != 0)
		return 0;
	FUZZ_ASSERT(x.mtu >= ZT_MTU_MIN && x.mtu <= ZT_MTU_MAX && x.nwid && x.issued_to);
	FUZZ_ASSERT(x.rule_count <= ZT_MAX_NETWORK_RULES &&
	            x.static_ip_count <= ZT_MAX_ZT_ASSIGNED_ADDRESSES);
	zt_wr_init(&w, out1, sizeof(out1));
	FUZZ_ASSERT(zt_netconf_encode(&x, &w) == 0);
	size_t len1 = w.len;
	FUZZ_ASSERT(zt_netconf_parse(&y, out1, len1) == 0);
	FUZZ_ASSERT(zt_netconf_equal(&x, &y));
	zt_wr_init(&w, out2, sizeof(out2));
	FUZZ_ASSERT(zt_netconf_encode(&y, &w) == 0);
	FUZZ_ASSERT(w.len == len1 && memcmp(out1, out2, len1) == 0);
	zt_netconf_free(&x);
	zt_netconf_free(&y);
	return 0;
}

/* Fuzz target: what members send the controller (NETWORK_CONFIG_REQUEST with its metadata dictionary,
 * MULTICAST_LIKE, MULTICAST_GATHER). An input is a sequence of packets, each
 *   [u8 sel][u16 len][len bytes]
 * sel bits 0-2: sender (fuzz_ctl_member), 3-4: verb (request, LIKE, GATHER, request), 5: put one of our
 * network IDs in front, 6: advance the clock 1.1 s first, 7: tick. Whatever the controller sends is checked
 * as it goes (fuzz_ctl.c): configs verify and parse for their recipient. */
#include "fuzz_common.h"
#include "fuzz_ctl.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t verbs[4] = {ZT_VERB_NETWORK_CONFIG_REQUEST, ZT_VERB_MULTICAST_LIKE,
	                                 ZT_VERB_MULTICAST_GATHER, ZT_VERB_NETWORK_CONFIG_REQUEST};
	static uint8_t pkt[70000];
	struct fuzz_ctl f;
	struct zt_rd r;
	int64_t now = 1700000000000LL;
	uint64_t id = 1;
	fuzz_ctl_new(&f, true);
	zt_rd_init(&r, data, size);
	while (zt_rd_left(&r) >= 3) {
		uint8_t sel = zt_rd_u8(&r);
		uint16_t len = zt_rd_u16(&r);
		const uint8_t *p = zt_rd_bytes(&r, len);
		size_t n = 0;
		if (!p)
			break;
		if (sel & 0x20) {
			uint64_t nwid = (sel & 1) ? FUZZ_CTL_NWID_PUBLIC : FUZZ_CTL_NWID_PRIVATE;
			for (int i = 0; i < 8; i++)
				pkt[n++] = (uint8_t)(nwid >> (56 - 8 * i));
		}
		memcpy(pkt + n, p, len);
		n += len;
		if (sel & 0x40)
			now += 1100;
		const struct zt_identity *who = fuzz_ctl_member(sel & 7);
		struct zt_node_msg m = {
		    .source = who->address,
		    .peer = who,
		    .verb = verbs[(sel >> 3) & 3],
		    .packet_id = id++,
		    .payload = pkt,
		    .len = n,
		};
		zt_controller_packet_in(f.c, &m, now);
		if (sel & 0x80)
			FUZZ_ASSERT(zt_controller_tick(f.c, now) > now);
	}
	struct zt_controller_counters k;
	zt_controller_counters(f.c, &k);
	FUZZ_ASSERT(k.configs_sent + k.denied + k.not_found + k.throttled + k.malformed <= id);
	fuzz_ctl_free(&f);
	return 0;
}

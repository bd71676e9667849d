/* Fuzz target: the VL2 payloads a member parses from peers (vl2/vl2_wire.h: FRAME, EXT_FRAME,
 * MULTICAST_FRAME, MULTICAST_GATHER, gather answers, MULTICAST_LIKE tuples) and config chunks with their
 * assembler (vl2/confchunk.h). The first byte picks the parser; for the assembler the rest is a series of
 * [u16 length][chunk] taken as verified. Properties: views stay inside the input, what parses writes
 * back to the same bytes (where the format is canonical), and an assembled dictionary has the length its
 * chunks declared. */
#include "fuzz_common.h"

#include <errno.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl2/confchunk.h"
#include "vl2/vl2_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *view, size_t len, const uint8_t *p, size_t n)
{
	FUZZ_ASSERT(!len || (view >= p && view + len <= p + n));
}

static uint8_t out[16384]; /* more than -max_len: every input fits written back */

static void frames(uint8_t sel, const uint8_t *p, size_t n)
{
	struct zt_wr w;
	zt_wr_init(&w, out, sizeof(out));
	switch (sel % 7) {
	case 0: {
		struct zt_vl2_frame f;
		if (zt_vl2_frame_parse(&f, p, n) != 0)
			return;
		inside(f.payload, f.len, p, n);
		zt_vl2_frame_write(&w, f.nwid, f.ethertype, f.payload, f.len);
		FUZZ_ASSERT(!w.bad && w.len == n && !memcmp(out, p, n));
		break;
	}
	case 1: {
		struct zt_vl2_ext_frame f;
		if (zt_vl2_ext_frame_parse(&f, p, n) != 0)
			return;
		inside(f.payload, f.len, p, n);
		if (!f.has_com) {
			zt_vl2_ext_frame_write(&w, f.nwid, f.flags, f.dst, f.src, f.ethertype, f.payload,
			                       f.len);
			FUZZ_ASSERT(!w.bad && w.len == n && !memcmp(out, p, n));
		}
		break;
	}
	case 2: {
		struct zt_vl2_mc_frame f;
		if (zt_vl2_mc_frame_parse(&f, p, n) != 0)
			return;
		inside(f.payload, f.len, p, n);
		FUZZ_ASSERT(f.has_com == !!(f.flags & ZT_MC_FRAME_FLAG_COM));
		if (!f.has_com) {
			zt_vl2_mc_frame_write(&w, f.nwid, f.flags, f.gather_limit, f.src, &f.group,
			                      f.ethertype, f.payload, f.len);
			FUZZ_ASSERT(!w.bad && w.len == n && !memcmp(out, p, n));
		}
		break;
	}
	case 3: {
		struct zt_vl2_gather g;
		if (zt_vl2_gather_parse(&g, p, n) != 0)
			return;
		FUZZ_ASSERT(n >= 23);
		break;
	}
	case 4:
	case 5: {
		struct zt_vl2_gather_result r;
		bool list = true;
		int ret = sel % 7 == 4 ? zt_vl2_gather_result_parse(&r, p, n)
		                       : zt_vl2_mc_frame_ok_parse(&r, &list, p, n);
		if (ret != 0 || !list)
			return;
		inside(r.addrs, (size_t)r.n * ZT_ADDRESS_LEN, p, n);
		for (unsigned i = 0; i < r.n; i++)
			(void)zt_vl2_gather_result_addr(&r, i);
		FUZZ_ASSERT(zt_vl2_gather_result_addr(&r, r.n) == 0);
		break;
	}
	case 6: {
		struct zt_rd r;
		uint64_t nwid;
		struct zt_mcast_group g;
		unsigned k = 0;
		zt_rd_init(&r, p, n);
		while (zt_vl2_like_next(&r, &nwid, &g))
			k++;
		FUZZ_ASSERT(k == n / 18);
		break;
	}
	}
}

static void chunks(const uint8_t *p, size_t n)
{
	static struct zt_confasm a;
	struct zt_rd r;
	zt_confasm_init(&a);
	zt_rd_init(&r, p, n);
	while (zt_rd_left(&r) >= 2) {
		uint16_t len = zt_rd_u16(&r);
		if (len > zt_rd_left(&r))
			len = (uint16_t)zt_rd_left(&r);
		const uint8_t *c = zt_rd_bytes(&r, len);
		struct zt_confchunk ch;
		if (zt_confchunk_parse(&ch, c, len) != 0)
			continue;
		inside(ch.data, ch.len, c, len);
		if (ch.legacy) {
			ch.update_id = ch.chunk_id = ch.total; /* the caller's packet ID, in real life */
		} else {
			inside(ch.signature, ZT_SIGNATURE_LEN, c, len);
			inside(ch.signed_part, ch.signed_len, c, len);
			FUZZ_ASSERT(ch.index + (uint64_t)ch.len <= ch.total);
		}
		bool seen = zt_confasm_seen(&a, &ch);
		const uint8_t *dict;
		size_t dlen;
		int ret = zt_confasm_add(&a, &ch, &dict, &dlen);
		if (seen)
			FUZZ_ASSERT(ret == -EALREADY);
		if (ret == 1) {
			FUZZ_ASSERT(dlen == ch.total);
			if (dlen)
				FUZZ_ASSERT(dict[0] == dict[0] &&
				            dict[dlen - 1] == dict[dlen - 1]); /* readable */
		}
	}
	zt_confasm_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] >= 0xf0)
		chunks(data + 1, size - 1);
	else
		frames(data[0], data + 1, size - 1);
	return 0;
}

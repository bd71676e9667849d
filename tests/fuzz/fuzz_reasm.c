/* Fuzz target: fragment reassembly. The input is a stream of datagrams, each prefixed by a BE16 length
 * and a time step, fed to a small table; or (first byte odd) a packet that is fragmented, shuffled and
 * must reassemble to itself. Memory bound and output bounds are checked on every step. */
#include "fuzz_common.h"

#include "vl1/fragment.h"
#include "vl1/wire.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENTRIES 4

static void stream(struct zt_rd *r)
{
	static uint8_t out[ZT_PACKET_MAX_LEN];
	struct zt_reasm *t;
	int64_t now = 0;
	if (zt_reasm_new(&t, ENTRIES, 50) != 0)
		abort();
	size_t mem = zt_reasm_memory(t);
	while (zt_rd_left(r) > 0) {
		size_t len = zt_rd_u16(r) % 2048;
		now += zt_rd_u8(r);
		const uint8_t *d = zt_rd_bytes(r, len);
		if (!d)
			break;
		size_t out_len = 0;
		int ret = zt_reasm_input(t, d, len, now, out, sizeof(out), &out_len);
		FUZZ_ASSERT(ret == ZT_REASM_PENDING || ret == ZT_REASM_COMPLETE || ret < 0);
		if (ret == ZT_REASM_COMPLETE)
			FUZZ_ASSERT(out_len >= ZT_PACKET_MIN_LEN && out_len <= ZT_PACKET_MAX_LEN);
		FUZZ_ASSERT(zt_reasm_pending(t) <= ENTRIES && zt_reasm_memory(t) == mem);
		if (now % 7 == 0)
			(void)zt_reasm_expire(t, now);
	}
	zt_reasm_free(t);
}

static void split_and_join(struct zt_rd *r)
{
	static uint8_t pkt[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN],
	    pieces[ZT_FRAGMENTS_MAX][ZT_PACKET_MAX_LEN];
	size_t piece_len[ZT_FRAGMENTS_MAX];
	size_t mtu = ZT_PACKET_MIN_LEN + zt_rd_u16(r) % 2000;
	uint32_t order = zt_rd_u32(r);
	size_t len = zt_rd_left(r);
	if (r->bad || len < ZT_PACKET_MIN_LEN || len > ZT_PACKET_MAX_LEN)
		return;
	zt_rd_copy(r, pkt, len);
	pkt[ZT_PACKET_IDX_SRC] = 0x01; /* a packet, not a fragment */
	int n = zt_fragment_count(len, mtu);
	if (n < 2)
		return;
	pkt[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
	for (int i = 0; i < n; i++) {
		int got = zt_fragment_build(pieces[i], sizeof(pieces[i]), pkt, len, mtu, (unsigned)i);
		FUZZ_ASSERT(got > 0 && (size_t)got <= mtu);
		piece_len[i] = (size_t)got;
	}
	/* feed in an order drawn from the input: a Fisher-Yates shuffle */
	int idx[ZT_FRAGMENTS_MAX];
	for (int i = 0; i < n; i++)
		idx[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(order % (uint32_t)(i + 1));
		order /= (uint32_t)(i + 1);
		int tmp = idx[i];
		idx[i] = idx[j];
		idx[j] = tmp;
	}
	struct zt_reasm *t;
	if (zt_reasm_new(&t, 2, 5000) != 0)
		abort();
	size_t out_len = 0;
	int ret = 0;
	for (int i = 0; i < n; i++) {
		ret = zt_reasm_input(t, pieces[idx[i]], piece_len[idx[i]], 0, out, sizeof(out), &out_len);
		FUZZ_ASSERT(i == n - 1 || ret == ZT_REASM_PENDING);
	}
	FUZZ_ASSERT(ret == ZT_REASM_COMPLETE && out_len == len && memcmp(out, pkt, len) == 0);
	FUZZ_ASSERT(zt_reasm_pending(t) == 0);
	zt_reasm_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_rd r;
	zt_rd_init(&r, data, size);
	if (zt_rd_u8(&r) & 1)
		split_and_join(&r);
	else
		stream(&r);
	return 0;
}

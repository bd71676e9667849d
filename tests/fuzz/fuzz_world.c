/* Fuzz target: world (planet/moon) parsing. Whatever parses must serialize to bytes that parse to the
 * same world and serialize identically, and signature checking must not misbehave on it. */
#include "fuzz_common.h"

#include "vl1/world.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zt_world w, again;
	static uint8_t out1[ZT_WORLD_MAX_LEN], out2[ZT_WORLD_MAX_LEN];
	struct zt_rd r;
	struct zt_wr wr;
	(void)fuzz_keys();

	zt_rd_init(&r, data, size);
	if (zt_world_read(&w, &r) != 0) {
		FUZZ_ASSERT(r.bad);
		return 0;
	}
	FUZZ_ASSERT(r.off <= size && w.n_roots <= ZT_WORLD_MAX_ROOTS);
	(void)zt_world_verify(&w, w.updates_key);
	(void)zt_world_parse(&again, data, size);

	zt_wr_init(&wr, out1, sizeof(out1));
	zt_world_write(&w, &wr);
	FUZZ_ASSERT(!wr.bad);
	size_t len1 = wr.len;
	FUZZ_ASSERT(zt_world_parse(&again, out1, len1) == 0);
	zt_wr_init(&wr, out2, sizeof(out2));
	zt_world_write(&again, &wr);
	FUZZ_ASSERT(!wr.bad && wr.len == len1 && memcmp(out1, out2, len1) == 0);
	return 0;
}

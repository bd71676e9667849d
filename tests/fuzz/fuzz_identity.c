/* Fuzz target: identity parsing in both forms. The input is tried as text and as binary; whatever
 * parses must format and re-parse to the same identity. (The memory-hard check takes no input beyond
 * the fixed-size key, and 20 ms a run, so it is not fuzzed here.) */
#include "fuzz_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct zt_identity *x, const struct zt_identity *y)
{
	FUZZ_ASSERT(zt_identity_equal(x, y) && x->has_priv == y->has_priv);
	FUZZ_ASSERT(memcmp(x->priv, y->priv, sizeof(x->priv)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_identity id, back;
	char text[ZT_IDENTITY_TEXT_MAX];
	uint8_t bin[ZT_IDENTITY_BIN_SECRET_LEN];
	struct zt_rd r;
	struct zt_wr w;
	(void)fuzz_keys();

	if (zt_identity_from_text(&id, (const char *)data, size) == 0) {
		int n = zt_identity_to_text(&id, id.has_priv, text, sizeof(text));
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(zt_identity_from_text(&back, text, (size_t)n) == 0);
		same(&id, &back);
		if (id.has_priv) { /* agreement with a peer must not crash on any key */
			uint8_t key[ZT_SHARED_KEY_LEN];
			(void)zt_identity_agree(&id, &fuzz_keys()->a, key);
			(void)zt_identity_check_secret(&id);
		}
	}

	zt_rd_init(&r, data, size);
	if (zt_identity_read(&id, &r) == 0) {
		zt_wr_init(&w, bin, sizeof(bin));
		zt_identity_write(&id, true, &w);
		FUZZ_ASSERT(!w.bad && w.len == r.off);
		FUZZ_ASSERT(memcmp(bin, data, w.len) == 0);
		zt_rd_init(&r, bin, w.len);
		FUZZ_ASSERT(zt_identity_read(&back, &r) == 0 && zt_rd_done(&r));
		same(&id, &back);
	}
	return 0;
}

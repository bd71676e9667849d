/* Fuzz target: dictionary lookups (spec §3). Any bytes are a dictionary; every key found must come back
 * unchanged after being written out again with the writer, and the typed getters must not misbehave. */
#include "fuzz_common.h"

#include "vl2/dict.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keys of configs and request metadata, plus short ones likely to appear in mutated input. */
static const char *const keys[] = {"v", "nwid", "ts",   "ctmd", "r",   "id",  "tt",   "tl",   "f",  "ml",
                                   "t", "n",    "mtu",  "C",    "CAP", "TAG", "COO",  "S",    "RT", "I",
                                   "R", "DNS",  "ssov", "ssoe", "o",   "a",   "revr", "vend", "x",  "="};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t val[ZT_DICT_NETCONF_CAP], back[ZT_DICT_NETCONF_CAP], out[2 * ZT_DICT_NETCONF_CAP + 64];
	struct zt_dict d, d2;
	char s[128];
	uint64_t u;
	bool b;
	if (size >= ZT_DICT_NETCONF_CAP)
		return 0;
	zt_dict_init(&d, data, size);
	FUZZ_ASSERT(d.len <= size);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t n, n2;
		int rc = zt_dict_get(&d, keys[k], val, sizeof(val), &n);
		(void)zt_dict_get_u64(&d, keys[k], &u);
		(void)zt_dict_get_bool(&d, keys[k], &b);
		int src = zt_dict_get_str(&d, keys[k], s, sizeof(s));
		FUZZ_ASSERT(strlen(s) < sizeof(s));
		if (rc == -ENOENT) {
			FUZZ_ASSERT(src == -ENOENT);
			continue;
		}
		FUZZ_ASSERT(rc == 0 && n <= d.len);
		/* the escaped form survives a round trip, whatever bytes the value holds */
		struct zt_wr w;
		struct zt_dict_wr dw;
		zt_wr_init(&w, out, sizeof(out));
		zt_dict_wr_init(&dw, &w);
		if (zt_dict_add(&dw, keys[k], val, n) == -EINVAL)
			continue; /* "=" is not a valid key */
		FUZZ_ASSERT(!w.bad && memchr(out, 0, w.len) == NULL);
		zt_dict_init(&d2, out, w.len);
		FUZZ_ASSERT(zt_dict_get(&d2, keys[k], back, sizeof(back), &n2) == 0);
		FUZZ_ASSERT(n2 == n && memcmp(back, val, n) == 0);
	}
	return 0;
}

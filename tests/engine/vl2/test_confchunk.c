/* Suite for vl2/confchunk: the chunk of spec §11.5 written and signed byte for byte, parsed and verified;
 * reassembly out of order, duplicates, mixed totals, three updates at once and a fourth evicting the
 * oldest; the legacy unsigned form; malformed chunks. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/packet.h"
#include "vl2/com.h"
#include "vl2/confchunk.h"

static uint8_t dict_b[1024];
static size_t len_b;
static struct zt_identity ctl;

static const char sig_11_5[] = "08412549047d9f15df9bf484dbd2c823485be41c337ddd558e0605af4cc6960f"
                               "bf1683bcb802d05819164a6019d98ca7019538fd15c64c481c2afabc504bbf09"
                               "9fdd881c433c891193cea08c3841ff695fa158e43567001a4dc5dfc6f2f1c6c5";

static size_t chunk(uint8_t *out, size_t cap, uint32_t index, uint16_t len, uint64_t update)
{
	struct zt_wr w;
	zt_wr_init(&w, out, cap);
	if (zt_confchunk_write(&w, VEC_NWID_B, dict_b, (uint32_t)len_b, index, len, 0, update, &ctl) != 0)
		abort();
	return w.len;
}

static void chunk_11_5(void)
{
	uint8_t buf[2048], want[96];
	size_t n = chunk(buf, sizeof(buf), 0, (uint16_t)len_b, 0x1122334455667788ULL);
	CHECK_EQ_INT(n, 915 + 3 + 96);
	zt_unhex(sig_11_5, want, sizeof(want));
	CHECK_EQ_INT(buf[915], 1);
	CHECK_EQ_INT(buf[916], 0);
	CHECK_EQ_INT(buf[917], 96);
	CHECK_MEM(buf + 918, want, 96);
	struct zt_confchunk c;
	REQUIRE(zt_confchunk_parse(&c, buf, n) == 0);
	CHECK(!c.legacy);
	CHECK(c.nwid == VEC_NWID_B);
	CHECK_EQ_INT(c.len, len_b);
	CHECK_EQ_INT(c.total, len_b);
	CHECK_EQ_INT(c.index, 0);
	CHECK(c.update_id == 0x1122334455667788ULL);
	CHECK_EQ_INT(c.signed_len, 915);
	CHECK(zt_identity_verify(&ctl, c.signed_part, c.signed_len, c.signature));
	CHECK_MEM(c.data, dict_b, len_b);
	/* A flipped byte anywhere in the signed part breaks the signature. */
	buf[500] ^= 1;
	REQUIRE(zt_confchunk_parse(&c, buf, n) == 0);
	CHECK(!zt_identity_verify(&ctl, c.signed_part, c.signed_len, c.signature));
}

static void reassembly(void)
{
	static uint8_t bufs[4][2048];
	size_t lens[4];
	struct zt_confchunk c[4];
	const uint32_t idx[4] = {600, 0, 300, 888}; /* out of order; the last one empty */
	const uint16_t l[4] = {288, 300, 300, 0};
	struct zt_confasm a;
	const uint8_t *d;
	size_t dl;
	zt_confasm_init(&a);
	for (int i = 0; i < 4; i++) {
		lens[i] = chunk(bufs[i], sizeof(bufs[i]), idx[i], l[i], 42);
		REQUIRE(zt_confchunk_parse(&c[i], bufs[i], lens[i]) == 0);
	}
	CHECK_EQ_INT(zt_confasm_add(&a, &c[0], &d, &dl), 0);
	CHECK(zt_confasm_seen(&a, &c[0]));
	CHECK(!zt_confasm_seen(&a, &c[1]));
	CHECK_EQ_INT(zt_confasm_add(&a, &c[0], &d, &dl), -EALREADY);
	CHECK_EQ_INT(zt_confasm_add(&a, &c[1], &d, &dl), 0);
	REQUIRE(zt_confasm_add(&a, &c[2], &d, &dl) == 1);
	CHECK_EQ_INT(dl, len_b);
	CHECK_MEM(d, dict_b, len_b);
	/* Complete: anything more of this update is a duplicate. */
	CHECK_EQ_INT(zt_confasm_add(&a, &c[3], &d, &dl), -EALREADY);
	CHECK(zt_confasm_seen(&a, &c[3]));
	zt_confasm_free(&a);
}

static void mixed_totals_and_slots(void)
{
	uint8_t buf[2048];
	struct zt_confchunk c;
	struct zt_confasm a;
	const uint8_t *d;
	size_t dl;
	zt_confasm_init(&a);
	size_t n = chunk(buf, sizeof(buf), 0, 100, 7);
	REQUIRE(zt_confchunk_parse(&c, buf, n) == 0);
	CHECK_EQ_INT(zt_confasm_add(&a, &c, &d, &dl), 0);
	/* Another chunk of update 7 claiming another total: refused. */
	struct zt_confchunk odd = c;
	odd.total = c.total + 1;
	odd.chunk_id ^= 1;
	CHECK_EQ_INT(zt_confasm_add(&a, &odd, &d, &dl), -EBADMSG);
	/* Three more updates: 7 (the least recently touched) is evicted, so its chunk is new again. */
	for (uint64_t u = 8; u < 11; u++) {
		n = chunk(buf, sizeof(buf), 0, 100, u);
		REQUIRE(zt_confchunk_parse(&c, buf, n) == 0);
		CHECK_EQ_INT(zt_confasm_add(&a, &c, &d, &dl), 0);
	}
	n = chunk(buf, sizeof(buf), 0, 100, 7);
	REQUIRE(zt_confchunk_parse(&c, buf, n) == 0);
	CHECK(!zt_confasm_seen(&a, &c));
	CHECK_EQ_INT(zt_confasm_add(&a, &c, &d, &dl), 0);
	zt_confasm_free(&a);
}

static void legacy_and_malformed(void)
{
	uint8_t buf[2048];
	struct zt_confchunk c;
	struct zt_wr w;
	/* legacy: nwid, length, data and nothing else */
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, VEC_NWID_B);
	zt_wr_u16(&w, (uint16_t)len_b);
	zt_wr_bytes(&w, dict_b, len_b);
	REQUIRE(zt_confchunk_parse(&c, buf, w.len) == 0);
	CHECK(c.legacy);
	CHECK_EQ_INT(c.total, len_b);
	/* short, bad signature type or length, index past total */
	size_t n = chunk(buf, sizeof(buf), 0, 100, 5);
	CHECK_EQ_INT(zt_confchunk_parse(&c, buf, n - 1), -EBADMSG);
	CHECK_EQ_INT(zt_confchunk_parse(&c, buf, 9), -EBADMSG);
	/* layout with L = 100: flags 110, update 111..118, total 119..122, index 123..126, sig type 127,
	 * sig length 128..129 */
	buf[127] = 2;
	CHECK_EQ_INT(zt_confchunk_parse(&c, buf, n), -EBADMSG);
	n = chunk(buf, sizeof(buf), 0, 100, 5);
	buf[129] = 0x61;
	CHECK_EQ_INT(zt_confchunk_parse(&c, buf, n), -EBADMSG);
	n = chunk(buf, sizeof(buf), 0, 100, 5);
	buf[119] = buf[120] = buf[121] = 0; /* total := 50, below index + len */
	buf[122] = 50;
	CHECK_EQ_INT(zt_confchunk_parse(&c, buf, n), -EBADMSG);
	/* the writer refuses a slice past the end */
	zt_wr_init(&w, buf, sizeof(buf));
	CHECK_EQ_INT(zt_confchunk_write(&w, 1, dict_b, 10, 5, 6, 0, 1, &ctl), -EINVAL);
}
static void warmup(void)
{
	zt_test_warm_crypto();
	vec_identity(&ctl, vec_controller_identity);
	len_b = zt_unhex(vec_b_hex, dict_b, sizeof(dict_b));
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(chunk_11_5),
	    ZT_TEST(reassembly),
	    ZT_TEST(mixed_totals_and_slots),
	    ZT_TEST(legacy_and_malformed),
	};
	return zt_test_main("vl2_confchunk", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

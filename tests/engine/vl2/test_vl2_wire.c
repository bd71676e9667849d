/* Suite for vl2/confchunk and vl2/vl2_wire (the payloads the network layer parses): the chunk of spec §11.5
 * written and signed byte for byte, parsed and verified; reassembly out of order, duplicates, mixed totals,
 * three updates at once and a fourth evicting the oldest; the legacy unsigned form; malformed chunks; the
 * frame and multicast payloads of §7-§8 written and parsed; the request metadata of §11.2. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vectors.h"
#include "vl1/packet.h"
#include "vl2/confchunk.h"
#include "vl2/vl2.h"
#include "vl2/vl2_wire.h"

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

static void frame_payloads(void)
{
	uint8_t buf[512];
	struct zt_wr w;
	const uint8_t dst[6] = {0x32, 1, 2, 3, 4, 5}, src[6] = {0x32, 9, 8, 7, 6, 5};
	struct zt_mcast_group g = {.mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, .adi = 0x0a930a0b};

	struct zt_vl2_frame f;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_frame_write(&w, VEC_NWID_A, 0x0800, "abc", 3);
	REQUIRE(zt_vl2_frame_parse(&f, buf, w.len) == 0);
	CHECK(f.nwid == VEC_NWID_A && f.ethertype == 0x0800 && f.len == 3 && !memcmp(f.payload, "abc", 3));
	CHECK_EQ_INT(zt_vl2_frame_parse(&f, buf, 9), -EBADMSG);

	struct zt_vl2_ext_frame e;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_ext_frame_write(&w, VEC_NWID_A, ZT_EXT_FRAME_FLAG_ACK, dst, src, 0x86dd, "xy", 2);
	REQUIRE(zt_vl2_ext_frame_parse(&e, buf, w.len) == 0);
	CHECK(e.flags == 0x10 && !e.has_com && !memcmp(e.dst, dst, 6) && !memcmp(e.src, src, 6));
	CHECK(e.ethertype == 0x86dd && e.len == 2);
	buf[8] |= ZT_EXT_FRAME_FLAG_COM; /* claims a COM that is not there */
	CHECK_EQ_INT(zt_vl2_ext_frame_parse(&e, buf, w.len), -EBADMSG);

	struct zt_vl2_mc_frame m;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_mc_frame_write(&w, VEC_NWID_A, ZT_MC_FRAME_FLAG_GATHER_LIMIT | ZT_MC_FRAME_FLAG_SOURCE_MAC, 33,
	                      src, &g, 0x0806, "arp", 3);
	CHECK_EQ_INT(w.len, 8 + 1 + 4 + 6 + 10 + 2 + 3);
	REQUIRE(zt_vl2_mc_frame_parse(&m, buf, w.len) == 0);
	CHECK(m.gather_limit == 33 && m.has_src && !memcmp(m.src, src, 6) &&
	      zt_mcast_group_equal(&m.group, &g));
	CHECK(m.ethertype == 0x0806 && m.len == 3);

	struct zt_vl2_gather q;
	struct zt_com com;
	struct zt_identity member;
	vec_identity(&member, vec_member_identity);
	zt_com_issue(&com, 1000, ZT_CTMD_DEFAULT, VEC_NWID_A, &member);
	REQUIRE(zt_com_sign(&com, &ctl) == 0);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_gather_write(&w, VEC_NWID_A, &g, 32, &com);
	REQUIRE(!w.bad && w.len == 23 + 272);
	REQUIRE(zt_vl2_gather_parse(&q, buf, w.len) == 0);
	CHECK_EQ_INT(q.flags, ZT_GATHER_FLAG_COM);
	CHECK(q.has_com);
	CHECK(zt_com_equal(&q.com, &com));
	CHECK_EQ_INT(q.limit, 32);
	CHECK_EQ_INT(zt_vl2_gather_parse(&q, buf, 22), -EBADMSG);

	struct zt_vl2_gather_result r;
	bool list;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, VEC_NWID_A);
	zt_mcast_group_write(&g, &w);
	zt_wr_u32(&w, 7);
	zt_wr_u16(&w, 2);
	zt_wr_u40(&w, VEC_MEMBER);
	zt_wr_u40(&w, VEC_CTL);
	REQUIRE(zt_vl2_gather_result_parse(&r, buf, w.len) == 0);
	CHECK(r.total == 7 && r.n == 2);
	CHECK(zt_vl2_gather_result_addr(&r, 0) == VEC_MEMBER && zt_vl2_gather_result_addr(&r, 1) == VEC_CTL);
	CHECK_EQ_INT(zt_vl2_gather_result_parse(&r, buf, w.len - 1), -EBADMSG);
	/* OK(MULTICAST_FRAME): flags between the group and the list */
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, VEC_NWID_A);
	zt_mcast_group_write(&g, &w);
	zt_wr_u8(&w, ZT_MC_OK_FLAG_GATHER_LIST);
	zt_wr_u32(&w, 1);
	zt_wr_u16(&w, 1);
	zt_wr_u40(&w, VEC_MEMBER);
	REQUIRE(zt_vl2_mc_frame_ok_parse(&r, &list, buf, w.len) == 0);
	CHECK(list && r.n == 1 && zt_vl2_gather_result_addr(&r, 0) == VEC_MEMBER);
	buf[8 + 10] = 0;
	REQUIRE(zt_vl2_mc_frame_ok_parse(&r, &list, buf, w.len) == 0);
	CHECK(!list);

	/* LIKE: 18-byte tuples; a partial one at the end is ignored */
	struct zt_rd rd;
	uint64_t nwid;
	struct zt_mcast_group got;
	zt_wr_init(&w, buf, sizeof(buf));
	for (int i = 0; i < 2; i++) {
		zt_wr_u64(&w, VEC_NWID_A + (uint64_t)i);
		zt_mcast_group_write(&g, &w);
	}
	zt_wr_u8(&w, 0);
	zt_rd_init(&rd, buf, w.len);
	CHECK(zt_vl2_like_next(&rd, &nwid, &got) && nwid == VEC_NWID_A && zt_mcast_group_equal(&got, &g));
	CHECK(zt_vl2_like_next(&rd, &nwid, &got) && nwid == VEC_NWID_A + 1);
	CHECK(!zt_vl2_like_next(&rd, &nwid, &got));
}

static void request_metadata_11_2(void)
{
	/* The stock set, except `pv`: we say 11, as our HELLO does (vl1/node.h). */
	static const char want[] =
	    "v=0000000000000007\nvend=0000000000000001\npv=000000000000000b\n"
	    "majv=0000000000000001\nminv=000000000000000e\nrevv=0000000000000001\n"
	    "mr=0000000000000400\nmc=0000000000000080\nmcr=0000000000000040\n"
	    "mt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\no=linux/x86_64";
	uint8_t buf[1024];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	REQUIRE(zt_vl2_request_metadata(&w, NULL) == 0);
	CHECK_EQ_INT(w.len, 263);
	CHECK_EQ_INT(w.len, sizeof(want) - 1);
	CHECK_MEM(buf, want, sizeof(want) - 1);
	zt_wr_init(&w, buf, 100);
	CHECK_EQ_INT(zt_vl2_request_metadata(&w, NULL), -ENOSPC);
	CHECK(!strcmp(zt_vl2_status_name(ZT_VL2_STATUS_ACCESS_DENIED), "ACCESS_DENIED"));
	CHECK(!strcmp(zt_vl2_status_name((enum zt_vl2_status)99), "UNKNOWN"));
}

static void warmup(void)
{
	struct zt_identity member;
	uint64_t h[4];
	if (sodium_init() < 0)
		abort();
	vec_identity(&ctl, vec_controller_identity);
	vec_identity(&member, vec_member_identity);
	zt_com_identity_hash(&member, h);
	len_b = zt_unhex(vec_b_hex, dict_b, sizeof(dict_b));
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(chunk_11_5),           ZT_TEST(reassembly),     ZT_TEST(mixed_totals_and_slots),
	    ZT_TEST(legacy_and_malformed), ZT_TEST(frame_payloads), ZT_TEST(request_metadata_11_2),
	};
	return zt_test_main("vl2_vl2_wire", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

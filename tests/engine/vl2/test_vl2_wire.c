/* Suite for vl2/vl2_wire: the frame and multicast payloads of spec §7-§8 (FRAME, EXT_FRAME,
 * MULTICAST_FRAME, GATHER and its answers, LIKE) written and parsed, and refused when malformed. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/packet.h"
#include "vl2/netconf.h"
#include "vl2/vl2_wire.h"

static struct zt_identity ctl;

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
static void warmup(void)
{
	zt_test_warm_crypto();
	vec_identity(&ctl, vec_controller_identity);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(frame_payloads),
	};
	return zt_test_main("vl2_vl2_wire", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

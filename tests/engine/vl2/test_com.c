/* Suite for vl2/com: spec §11.4's COM (layout, SHA-512 half of the signature, verification, exact
 * re-issue and re-signing), §11.3's COM, §11.1's identity hash (qualifiers 3-6), §6.1 parse limits,
 * and §6.3 agreement and gate. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/com.h"
#include "vl2/netconf.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct zt_identity ctl, member;

static void warmup(void)
{
	zt_test_warm_crypto();
	vec_identity(&ctl, vec_controller_identity);
	vec_identity(&member, vec_member_identity);
}

static void com_of_b(struct zt_com *c)
{
	uint8_t b[1024];
	struct zt_netconf nc;
	size_t n = zt_unhex(vec_b_hex, b, sizeof(b));
	memset(c, 0, sizeof(*c));
	if (zt_netconf_parse(&nc, b, n) != 0) {
		zt_test_fail(__FILE__, __LINE__, "config B parses");
		return;
	}
	*c = nc.com;
	zt_netconf_free(&nc);
}

static void com_of_a(struct zt_com *c)
{
	uint8_t b[512];
	struct zt_rd r;
	size_t n = zt_unhex(vec_a_com_hex, b, sizeof(b));
	zt_rd_init(&r, b, n);
	CHECK_EQ_INT(zt_com_read(c, &r), 0);
	CHECK(zt_rd_done(&r));
}

static void identity_hash_11_1(void)
{
	uint64_t h[4];
	zt_com_identity_hash(&member, h);
	CHECK(h[0] == 0xe3a5821640c97195ULL);
	CHECK(h[1] == 0x05366d9bfefed4f4ULL);
	CHECK(h[2] == 0x9963fdc03128e74dULL);
	CHECK(h[3] == 0x014e6b4289371732ULL);
}

static void com_b_11_4_signature(void)
{
	struct zt_com c;
	uint8_t q[7 * 24], sha[64];
	struct zt_wr w;
	com_of_b(&c);
	REQUIRE(c.count == 7);
	/* sig[64..95] is SHA-512 of the 168 qualifier bytes, first half */
	zt_wr_init(&w, q, sizeof(q));
	for (int i = 0; i < 7; i++) {
		zt_wr_u64(&w, c.q[i].id);
		zt_wr_u64(&w, c.q[i].value);
		zt_wr_u64(&w, c.q[i].max_delta);
	}
	REQUIRE(!w.bad && w.len == 168);
	zt_sha512(sha, q, sizeof(q));
	CHECK_MEM(c.signature + 64, sha, 32);
	CHECK_EQ_INT(zt_com_verify(&c, &ctl), 0);
	CHECK_EQ_INT(zt_com_timestamp(&c), 0x1a21f2ee00cLL);
	CHECK(zt_com_network_id(&c) == VEC_NWID_B);
	CHECK_EQ_INT(zt_com_issued_to(&c), VEC_MEMBER);
}

static void com_b_11_4_reissued_exactly(void)
{
	struct zt_com want, c;
	uint8_t a[512], b[512];
	struct zt_wr wa, wb;
	com_of_b(&want);
	zt_com_issue(&c, 0x1a21f2ee00cLL, ZT_CTMD_DEFAULT, VEC_NWID_B, &member);
	CHECK_EQ_INT(zt_com_sign(&c, &ctl), 0); /* Ed25519 is deterministic */
	CHECK(zt_com_equal(&c, &want));
	zt_wr_init(&wa, a, sizeof(a));
	zt_wr_init(&wb, b, sizeof(b));
	zt_com_write(&c, &wa);
	zt_com_write(&want, &wb);
	CHECK_EQ_INT(wa.len, 272);
	CHECK_EQ_INT(wb.len, 272);
	CHECK_MEM(a, b, 272);
	CHECK_EQ_INT(zt_com_sign(&c, &member), -EINVAL); /* no secret */
}

static void com_a_11_3(void)
{
	struct zt_com c;
	uint8_t b[512], out[512];
	struct zt_wr w;
	com_of_a(&c);
	REQUIRE(c.count == 7);
	CHECK_EQ_INT(zt_com_verify(&c, &ctl), 0);
	CHECK(zt_com_network_id(&c) == VEC_NWID_A);
	size_t n = zt_unhex(vec_a_com_hex, b, sizeof(b));
	zt_wr_init(&w, out, sizeof(out));
	zt_com_write(&c, &w);
	CHECK_EQ_INT(w.len, n);
	CHECK_MEM(out, b, n);
}

static void verify_rejects(void)
{
	struct zt_com c, t;
	com_of_b(&c);
	t = c;
	t.q[0].value++;
	CHECK_EQ_INT(zt_com_verify(&t, &ctl), -EBADMSG);
	t = c;
	t.signature[3] ^= 1;
	CHECK_EQ_INT(zt_com_verify(&t, &ctl), -EBADMSG);
	t = c;
	t.signer = 0;
	CHECK_EQ_INT(zt_com_verify(&t, &ctl), -EINVAL);
	CHECK_EQ_INT(zt_com_verify(&c, &member), -EINVAL); /* not the signer */
	/* signed by someone who is not the network's controller */
	zt_com_issue(&t, 1, 1, 0x1122334455000001ULL, &member);
	CHECK_EQ_INT(zt_com_sign(&t, &ctl), 0);
	CHECK_EQ_INT(zt_com_verify(&t, &ctl), -EINVAL);
}

static int read_hex(struct zt_com *c, const char *hex, bool *done)
{
	uint8_t b[512];
	struct zt_rd r;
	size_t n = zt_unhex(hex, b, sizeof(b));
	zt_rd_init(&r, b, n);
	int rc = zt_com_read(c, &r);
	*done = zt_rd_done(&r);
	return rc;
}

static void parse_limits(void)
{
	struct zt_com c;
	bool done;
	uint8_t b[512], out[512];
	struct zt_wr w;
	/* unsigned, no qualifiers: type, count 0, zero signer and nothing after */
	CHECK_EQ_INT(read_hex(&c, "01 0000 0000000000", &done), 0);
	CHECK(done && c.count == 0 && c.signer == 0);
	CHECK_EQ_INT(read_hex(&c, "02 0000 0000000000", &done), -EBADMSG);
	CHECK_EQ_INT(read_hex(&c, "01 0000 00000000", &done), -EBADMSG);
	CHECK_EQ_INT(read_hex(&c, "01 0000 0000000001", &done), -EBADMSG); /* signer needs a signature */
	/* equal ids are allowed, a decreasing one is not */
	CHECK_EQ_INT(read_hex(&c,
	                      "01 0002 0000000000000001 0000000000000002 0000000000000003"
	                      "        0000000000000001 0000000000000004 0000000000000005 0000000000",
	                      &done),
	             0);
	CHECK_EQ_INT(c.count, 2);
	CHECK_EQ_INT(read_hex(&c,
	                      "01 0002 0000000000000002 0000000000000002 0000000000000003"
	                      "        0000000000000001 0000000000000004 0000000000000005 0000000000",
	                      &done),
	             -EBADMSG);
	/* at most 8 qualifiers */
	zt_wr_init(&w, b, sizeof(b));
	for (int q = 8; q <= 9; q++) {
		zt_wr_init(&w, b, sizeof(b));
		zt_wr_u8(&w, 1);
		zt_wr_u16(&w, (uint16_t)q);
		for (int i = 0; i < q; i++) {
			zt_wr_u64(&w, (uint64_t)i);
			zt_wr_u64(&w, 0);
			zt_wr_u64(&w, 0);
		}
		zt_wr_u40(&w, 0);
		struct zt_rd r;
		zt_rd_init(&r, b, w.len);
		CHECK_EQ_INT(zt_com_read(&c, &r), q == 8 ? 0 : -EBADMSG);
	}
	/* every truncation of a real COM fails */
	size_t n = zt_unhex(vec_a_com_hex, b, sizeof(b));
	for (size_t len = 0; len < n; len++) {
		struct zt_rd r;
		zt_rd_init(&r, b, len);
		if (zt_com_read(&c, &r) != -EBADMSG) {
			zt_test_fail_int(__FILE__, __LINE__, "truncated COM accepted at length",
			                 (long long)len, -1);
			break;
		}
	}
	/* and an unsigned COM writes no signature */
	memset(&c, 0, sizeof(c));
	c.count = 1;
	zt_wr_init(&w, out, sizeof(out));
	zt_com_write(&c, &w);
	CHECK_EQ_INT(w.len, 3 + 24 + 5);
}

static void agreement_6_3(void)
{
	struct zt_com mine, theirs, a;
	com_of_b(&mine);
	/* a member's own COM agrees with itself; with the other network's COM it does not */
	CHECK(zt_com_agrees(&mine, &mine, &member));
	com_of_a(&a);
	CHECK(!zt_com_agrees(&mine, &a, &member));
	/* timestamps within the window agree, beyond it not (the window is mine's maxDelta) */
	zt_com_issue(&theirs, zt_com_timestamp(&mine) + ZT_CTMD_DEFAULT, ZT_CTMD_DEFAULT, VEC_NWID_B,
	             &member);
	CHECK(zt_com_agrees(&mine, &theirs, &member));
	zt_com_issue(&theirs, zt_com_timestamp(&mine) - ZT_CTMD_DEFAULT - 1, 1, VEC_NWID_B, &member);
	CHECK(!zt_com_agrees(&mine, &theirs, &member));
	/* the COM must belong to the identity presenting it */
	zt_com_issue(&theirs, zt_com_timestamp(&mine), ZT_CTMD_DEFAULT, VEC_NWID_B, &member);
	CHECK(!zt_com_agrees(&mine, &theirs, &ctl));
	theirs.q[6].value ^= 1;
	CHECK(!zt_com_agrees(&mine, &theirs, &member));
	/* a missing qualifier disagrees; an extra one in theirs is ignored */
	zt_com_issue(&theirs, zt_com_timestamp(&mine), ZT_CTMD_DEFAULT, VEC_NWID_B, &member);
	theirs.count = 6;
	CHECK(!zt_com_agrees(&mine, &theirs, &member));
	theirs.count = 8;
	theirs.q[7] = (struct zt_com_qualifier){100, 5, 0};
	CHECK(zt_com_agrees(&mine, &theirs, &member));
	/* without identity-hash qualifiers in mine (an old controller) the hash is not asked for */
	struct zt_com old = mine;
	old.count = 3;
	theirs.count = 3;
	CHECK(zt_com_agrees(&old, &theirs, &ctl));
	/* empty on either side */
	struct zt_com none = {0};
	CHECK(!zt_com_agrees(&none, &mine, &member));
	CHECK(!zt_com_agrees(&mine, &none, &member));
}

static void gate_6_3(void)
{
	struct zt_com mine;
	com_of_b(&mine);
	int64_t ts = zt_com_timestamp(&mine);
	CHECK(zt_com_gate(true, &mine, NULL, 0, &member));
	CHECK(!zt_com_gate(false, &mine, NULL, 0, &member));
	CHECK(zt_com_gate(false, &mine, &mine, 0, &member));
	CHECK(zt_com_gate(false, &mine, &mine, ts - 1, &member));
	CHECK(!zt_com_gate(false, &mine, &mine, ts, &member)); /* revoked at its own timestamp */
	CHECK(!zt_com_gate(false, &mine, &mine, 0, &ctl));
}

static const struct zt_test tests[] = {
    ZT_TEST(identity_hash_11_1),
    ZT_TEST(com_b_11_4_signature),
    ZT_TEST(com_b_11_4_reissued_exactly),
    ZT_TEST(com_a_11_3),
    ZT_TEST(verify_rejects),
    ZT_TEST(parse_limits),
    ZT_TEST(agreement_6_3),
    ZT_TEST(gate_6_3),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_com", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

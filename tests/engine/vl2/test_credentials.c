/* Suite for vl2/credentials: §11.3's COO (fields, exact re-serialization, signature over the signing form,
 * deterministic re-signing), tags, revocations (§6.6 layout) and capabilities (custody chain) signed and
 * verified, and the bounds checks of §6.7 on malformed or truncated records. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/credentials.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Two identities with secrets, from the VL1 spec's test vectors, to hold a capability. */
static const char id_a_text[] =
    "8e4df28b72:0:"
    "ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb"
    "4c420908b803a681d4daef6114d78a2d7:"
    "bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cf"
    "a7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e";
static const char id_b_text[] =
    "2e7ed86a47:0:"
    "65df795337f947b35c05fcee0b59c5ef62a0da53e2c5851bcdfe2f7f10366f3bbf86a4cbda18a10f258a4698af64e65"
    "6ab3da25be60281f600c9c2aed421f348:"
    "7c08508817705df5338a59f7c4af973ad6fb63525e4cd0b6660a97144862c5123568802d2"
    "3ca451ee685f664e1242553c70bb5ddab623447d85cffa0428a3841";

static struct zt_identity ctl, member, id_a, id_b;

static void warmup(void)
{
	zt_test_warm_crypto();
	vec_identity(&ctl, vec_controller_identity);
	vec_identity(&member, vec_member_identity);
	vec_identity(&id_a, id_a_text);
	vec_identity(&id_b, id_b_text);
}

static void coo_a_11_3(void)
{
	uint8_t b[256], out[256], sig[96];
	struct zt_coo c;
	struct zt_rd r;
	struct zt_wr w;
	size_t n = zt_unhex(vec_a_coo_hex, b, sizeof(b));
	REQUIRE(n == 192);
	zt_rd_init(&r, b, n);
	REQUIRE(zt_coo_read(&c, &r) == 0);
	CHECK(zt_rd_done(&r));
	CHECK(c.nwid == VEC_NWID_A);
	CHECK_EQ_INT(c.id, 1);
	REQUIRE(c.thing_count == 3);
	uint8_t rfc4193[16], plane[16];
	zt_unhex("fd5a198f70327c718499939620b89c1d", rfc4193, 16);
	zt_unhex("fc6865fef49620b89c1d000000000001", plane, 16);
	CHECK(zt_coo_owns(&c, ZT_COO_THING_IPV6, rfc4193, 16));
	CHECK(zt_coo_owns(&c, ZT_COO_THING_IPV6, plane, 16));
	CHECK(zt_coo_owns(&c, ZT_COO_THING_IPV4, (const uint8_t *)"\x0a\x93\x14\xeb", 4));
	CHECK(!zt_coo_owns(&c, ZT_COO_THING_IPV4, (const uint8_t *)"\x0a\x93\x14\xec", 4));
	CHECK(!zt_coo_owns(&c, ZT_COO_THING_MAC, (const uint8_t *)"\x0a\x93\x14\xeb\0\0", 6));
	CHECK_EQ_INT(zt_coo_verify(&c, &ctl), 0);
	zt_wr_init(&w, out, sizeof(out));
	zt_coo_write(&c, &w);
	CHECK_EQ_INT(w.len, n);
	CHECK_MEM(out, b, n);
	memcpy(sig, c.signature, 96);
	CHECK_EQ_INT(zt_coo_sign(&c, &ctl), 0);
	CHECK_MEM(c.signature, sig, 96);
	c.thing_value[2][3] ^= 1;
	CHECK_EQ_INT(zt_coo_verify(&c, &ctl), -EBADMSG);
	CHECK_EQ_INT(zt_coo_verify(&c, &member), -EINVAL);
}

static void tag_round_trip(void)
{
	struct zt_tag t = {.nwid = VEC_NWID_B,
	                   .timestamp = 123456,
	                   .id = 7,
	                   .value = 42,
	                   .issued_to = VEC_MEMBER},
	              u;
	uint8_t out[256];
	struct zt_wr w;
	struct zt_rd r;
	CHECK_EQ_INT(zt_tag_sign(&t, &member), -EINVAL);
	CHECK_EQ_INT(zt_tag_sign(&t, &ctl), 0);
	zt_wr_init(&w, out, sizeof(out));
	zt_tag_write(&t, &w);
	CHECK_EQ_INT(w.len, 135);
	zt_rd_init(&r, out, w.len);
	REQUIRE(zt_tag_read(&u, &r) == 0);
	CHECK(zt_rd_done(&r));
	CHECK(u.nwid == VEC_NWID_B && u.timestamp == 123456 && u.id == 7 && u.value == 42);
	CHECK(u.issued_to == VEC_MEMBER && u.signer == VEC_CTL && u.signed_ok);
	CHECK_EQ_INT(zt_tag_verify(&u, &ctl), 0);
	u.value++;
	CHECK_EQ_INT(zt_tag_verify(&u, &ctl), -EBADMSG);
	/* signed by a non-controller */
	t.nwid = 0x1122334455000001ULL;
	CHECK_EQ_INT(zt_tag_sign(&t, &ctl), 0);
	CHECK_EQ_INT(zt_tag_verify(&t, &ctl), -EINVAL);
}

static void revocation_6_6_layout(void)
{
	struct zt_revocation v = {.id = 0xa1b2c3d4,
	                          .nwid = VEC_NWID_B,
	                          .credential_id = 0,
	                          .threshold = 0x1a21f2ee00cLL,
	                          .flags = ZT_REVOCATION_FLAG_FAST_PROPAGATE,
	                          .target = VEC_MEMBER,
	                          .type = 1},
	                     u;
	uint8_t out[256], want[64], form[128];
	struct zt_wr w;
	struct zt_rd r;
	CHECK_EQ_INT(zt_revocation_sign(&v, &ctl), 0);
	zt_wr_init(&w, out, sizeof(out));
	zt_revocation_write(&v, &w);
	CHECK_EQ_INT(w.len, 51 + 1 + 2 + 96 + 2);
	size_t n = zt_unhex("00000000 a1b2c3d4 5a198f7032e84eb2 00000000 00000000 000001a21f2ee00c"
	                    "0000000000000001 9620b89c1d 5a198f7032 01 01 0060",
	                    want, sizeof(want));
	CHECK_MEM(out, want, n);
	CHECK_MEM(out + w.len - 2, "\0\0", 2);
	/* the signing form: marker, the fields up to the type byte, u16 0, marker */
	zt_wr_init(&w, form, sizeof(form));
	zt_revocation_signing_form(&v, &w);
	CHECK_EQ_INT(w.len, 8 + 51 + 2 + 8);
	CHECK_MEM(form, "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", 8);
	CHECK_MEM(form + 8, want, 51);
	CHECK_MEM(form + 59, "\0\0\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", 10);
	CHECK(zt_identity_verify(&ctl, form, w.len, v.signature));
	zt_rd_init(&r, out, 152);
	REQUIRE(zt_revocation_read(&u, &r) == 0);
	CHECK(zt_rd_done(&r));
	CHECK(u.id == v.id && u.nwid == v.nwid && u.threshold == v.threshold && u.flags == v.flags);
	CHECK(u.target == v.target && u.signer == VEC_CTL && u.type == 1);
	CHECK_EQ_INT(zt_revocation_verify(&u, &ctl), 0);
	u.threshold++;
	CHECK_EQ_INT(zt_revocation_verify(&u, &ctl), -EBADMSG);
}

static const struct zt_identity *lookup(void *arg, uint64_t address)
{
	(void)arg;
	const struct zt_identity *known[] = {&ctl, &id_a, &id_b};
	for (size_t i = 0; i < 3; i++)
		if (known[i]->address == address)
			return known[i];
	return NULL;
}

static void make_capability(struct zt_capability *c)
{
	memset(c, 0, sizeof(*c));
	c->nwid = VEC_NWID_B;
	c->timestamp = 99;
	c->id = 3;
	c->rule_count = 2;
	c->rules[0].t = ZT_RULE_MATCH_ETHERTYPE;
	c->rules[0].v.ethertype = 0x0800;
	c->rules[1].t = ZT_RULE_ACTION_ACCEPT;
	c->max_custody = 2;
}

static void capability_custody_chain(void)
{
	struct zt_capability c, u;
	uint8_t out[1024];
	struct zt_wr w;
	struct zt_rd r;
	make_capability(&c);
	CHECK_EQ_INT(zt_capability_verify(&c, lookup, NULL), -EINVAL); /* no custody at all */
	CHECK_EQ_INT(zt_capability_sign(&c, &ctl, id_a.address), 0);
	CHECK_EQ_INT(zt_capability_verify(&c, lookup, NULL), 0);
	CHECK_EQ_INT(zt_capability_issued_to(&c), id_a.address);
	CHECK_EQ_INT(zt_capability_sign(&c, &id_a, id_b.address), 0);
	CHECK_EQ_INT(zt_capability_sign(&c, &id_b, VEC_MEMBER), -ENOSPC); /* max 2 */
	CHECK_EQ_INT(zt_capability_verify(&c, lookup, NULL), 0);
	zt_wr_init(&w, out, sizeof(out));
	zt_capability_write(&c, &w);
	/* fields 22 + rules 4 + 2 + max 1 + 2 custody x 109 + end 5 + extra 2 */
	CHECK_EQ_INT(w.len, 22 + 6 + 1 + 2 * 109 + 5 + 2);
	zt_rd_init(&r, out, w.len);
	REQUIRE(zt_capability_read(&u, &r) == 0);
	CHECK(zt_rd_done(&r));
	CHECK_EQ_INT(u.rule_count, 2);
	CHECK_EQ_INT(u.rules[0].v.ethertype, 0x0800);
	CHECK_EQ_INT(u.custody_count, 2);
	CHECK_EQ_INT(zt_capability_issued_to(&u), id_b.address);
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), 0);
	/* tampering, a broken chain, an unknown signer */
	u.rules[0].v.ethertype = 0x86dd;
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), -EBADMSG);
	u = c;
	u.custody[1].from = VEC_MEMBER;
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), -EINVAL);
	u = c;
	u.custody[0].from = id_a.address; /* the first holder must get it from the controller */
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), -EINVAL);
	make_capability(&u);
	u.nwid = 0x0102030405000001ULL;
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), -EINVAL);
	u.custody_count = 1;
	u.custody[0] =
	    (struct zt_capability_custody){.to = id_a.address, .from = 0x0102030405ULL, .signed_ok = true};
	CHECK_EQ_INT(zt_capability_verify(&u, lookup, NULL), -EAGAIN);
	/* a chain longer than its own maximum does not parse */
	c.max_custody = 1;
	zt_wr_init(&w, out, sizeof(out));
	zt_capability_write(&c, &w);
	zt_rd_init(&r, out, w.len);
	CHECK_EQ_INT(zt_capability_read(&u, &r), -EBADMSG);
}

typedef int reader_fn(void *obj, struct zt_rd *r);
static int rd_coo(void *o, struct zt_rd *r)
{
	return zt_coo_read(o, r);
}
static int rd_tag(void *o, struct zt_rd *r)
{
	return zt_tag_read(o, r);
}
static int rd_cap(void *o, struct zt_rd *r)
{
	return zt_capability_read(o, r);
}
static int rd_rev(void *o, struct zt_rd *r)
{
	return zt_revocation_read(o, r);
}

static void every_truncation_fails(const uint8_t *b, size_t n, reader_fn *read, void *obj)
{
	for (size_t len = 0; len < n; len++) {
		struct zt_rd r;
		zt_rd_init(&r, b, len);
		if (read(obj, &r) != -EBADMSG) {
			zt_test_fail_int(__FILE__, __LINE__, "truncated record accepted at length",
			                 (long long)len, -1);
			return;
		}
	}
}

static void malformed_records(void)
{
	static union {
		struct zt_coo coo;
		struct zt_tag tag;
		struct zt_capability cap;
		struct zt_revocation rev;
	} obj;
	uint8_t b[1024];
	struct zt_wr w;
	struct zt_rd r;
	size_t n = zt_unhex(vec_a_coo_hex, b, sizeof(b));
	every_truncation_fails(b, n, rd_coo, &obj);
	/* K = 17 things is more than a receiver keeps: refused rather than misread */
	b[29] = 17;
	zt_rd_init(&r, b, n);
	CHECK_EQ_INT(zt_coo_read(&obj.coo, &r), -EBADMSG);
	/* signature type 1 must be 96 bytes long; another type is skipped and never verifies */
	n = zt_unhex(vec_a_coo_hex, b, sizeof(b));
	size_t sig_at = 30 + 3 * 17 + 10;
	b[sig_at + 2] = 0x5f;
	zt_rd_init(&r, b, n);
	CHECK_EQ_INT(zt_coo_read(&obj.coo, &r), -EBADMSG);
	b[sig_at] = 2;
	b[sig_at + 2] = 0x60;
	zt_rd_init(&r, b, n);
	CHECK_EQ_INT(zt_coo_read(&obj.coo, &r), 0);
	CHECK(zt_rd_done(&r));
	CHECK(!obj.coo.signed_ok);
	CHECK_EQ_INT(zt_coo_verify(&obj.coo, &ctl), -EINVAL);
	/* extra fields after the signature are skipped */
	struct zt_tag t = {.nwid = VEC_NWID_B, .id = 1};
	CHECK_EQ_INT(zt_tag_sign(&t, &ctl), 0);
	zt_wr_init(&w, b, sizeof(b));
	zt_tag_write(&t, &w);
	w.len -= 2;
	zt_wr_u16(&w, 3);
	zt_wr_bytes(&w, "xyz", 3);
	zt_rd_init(&r, b, w.len);
	CHECK_EQ_INT(zt_tag_read(&obj.tag, &r), 0);
	CHECK(zt_rd_done(&r));
	CHECK_EQ_INT(zt_tag_verify(&obj.tag, &ctl), 0);
	every_truncation_fails(b, w.len, rd_tag, &obj);
	/* capabilities: more than 64 rules, a bad custody maximum */
	struct zt_capability c;
	make_capability(&c);
	CHECK_EQ_INT(zt_capability_sign(&c, &ctl, id_a.address), 0);
	zt_wr_init(&w, b, sizeof(b));
	zt_capability_write(&c, &w);
	every_truncation_fails(b, w.len, rd_cap, &obj);
	b[20] = 0;
	b[21] = 65;
	zt_rd_init(&r, b, w.len);
	CHECK_EQ_INT(zt_capability_read(&obj.cap, &r), -EBADMSG);
	b[21] = 2;
	b[28] = 8; /* max custody */
	zt_rd_init(&r, b, w.len);
	CHECK_EQ_INT(zt_capability_read(&obj.cap, &r), -EBADMSG);
	b[28] = 0;
	zt_rd_init(&r, b, w.len);
	CHECK_EQ_INT(zt_capability_read(&obj.cap, &r), -EBADMSG);
	/* revocations */
	struct zt_revocation v = {.nwid = VEC_NWID_B, .type = 1, .target = VEC_MEMBER};
	CHECK_EQ_INT(zt_revocation_sign(&v, &ctl), 0);
	zt_wr_init(&w, b, sizeof(b));
	zt_revocation_write(&v, &w);
	every_truncation_fails(b, w.len, rd_rev, &obj);
}

static const struct zt_test tests[] = {
    ZT_TEST(coo_a_11_3),
    ZT_TEST(tag_round_trip),
    ZT_TEST(revocation_6_6_layout),
    ZT_TEST(capability_custody_chain),
    ZT_TEST(malformed_records),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_credentials", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

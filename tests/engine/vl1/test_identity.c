/* Suite for vl1/identity: spec §8.3 (identities, memory-hard hash intermediates, validation), §8.4 through
 * the identity API, §8.5 (shared key A<->B), §2.5/§2.6 text and binary forms, and generation. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/identity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One 2 MiB scratch for the suite, allocated in warmup so tests do not each pay for it. */
static uint8_t *scratch;

static void parse(struct zt_identity *id, const char *text)
{
	if (zt_identity_from_text(id, text, strlen(text)) != 0) {
		zt_test_fail(__FILE__, __LINE__, text);
		memset(id, 0, sizeof(*id));
	}
}

static void hash_intermediates_of_a(void)
{
	struct zt_identity a;
	uint8_t d[64], want[64];
	parse(&a, vec_id_a);
	zt_sha512(d, a.pub, sizeof(a.pub));
	zt_unhex("9a3a9f2c895f229b6de3df6c96481fe398e2cb83ebd208d63efee383f80072c2"
	         "7bde297e370409febb7f187a61e0eab8d8db3db2e33caeac55f66235bf9e7911",
	         want, 64);
	CHECK_MEM(d, want, 64);
	zt_identity_hash_fill(d, scratch);
	zt_unhex("effca50bb07cc8f0063365d8591a21831171db9cc1de8ce81e5e51c14142b3cc"
	         "07cd6120858127cfba5424b90be5c70e3b589000e50460bcd0afb938bdab406d",
	         want, 64);
	CHECK_MEM(scratch, want, 64);
	zt_unhex("1fd380372b559bc20eaa7eb43ed47e8c0cc10189d4414e2df38b93c8ad19038f"
	         "a18235fff5fafbf98c8d51b3a7756ba170d1f4c3cb42b0a3fdfed2c95a5c123f",
	         want, 64);
	CHECK_MEM(scratch + 64, want, 64);
	zt_unhex("04341fe315a463ef0f3a33622eed766131fc452ab9ee682768d34ee7613d21b5"
	         "7171fec42685a5992d93be5c5b3e7409b8323c4b1c903ae7a06b0c37e3c9f338",
	         want, 64);
	CHECK_MEM(scratch + 64 * 32767, want, 64);
}

static void hash_final_digests(void)
{
	struct zt_identity a, b;
	uint8_t d[64], want[64];
	parse(&a, vec_id_a);
	parse(&b, vec_id_b);
	REQUIRE(zt_identity_hash(a.pub, d, scratch) == 0);
	zt_unhex("10b1afd388c4c1561f184ed54cd5bd012a1c8edf5a5975200bb15608dba0b5eb"
	         "b9faa360a0c6bf99cf684e015bf5bda9d347a4867a5515fa48c6c58e4df28b72",
	         want, 64);
	CHECK_MEM(d, want, 64);
	REQUIRE(zt_identity_hash(b.pub, d, NULL) == 0); /* and with its own scratch */
	zt_unhex("0fc3a436fa99e8d8a143695855868dfee8c3db11692e2db8829eeec4c0b9da5d"
	         "e2a84b0861f64ff2e36a2d4b989b4f37c2610565b24ffc0d8016862e7ed86a47",
	         want, 64);
	CHECK_MEM(d, want, 64);
}

static void known_identities_validate(void)
{
	const char *all[] = {vec_id_a, vec_id_b, vec_id_fresh};
	for (int i = 0; i < 3; i++) {
		struct zt_identity id;
		parse(&id, all[i]);
		CHECK_EQ_INT(zt_identity_validate(&id, scratch), 0);
		CHECK_EQ_INT(zt_identity_check_secret(&id), 0);
	}
}

static void known_bad_identity_fails(void)
{
	/* §8.3: A's keys under address 9e4df28b72. */
	char text[sizeof(vec_id_a)];
	struct zt_identity id;
	memcpy(text, vec_id_a, sizeof(vec_id_a));
	text[0] = '9';
	parse(&id, text);
	CHECK(id.address == 0x9e4df28b72ULL);
	CHECK_EQ_INT(zt_identity_validate(&id, scratch), -EINVAL);
	id.address = 0; /* reserved: rejected before any hashing */
	CHECK_EQ_INT(zt_identity_validate(&id, scratch), -EINVAL);
}

static void text_round_trip(void)
{
	const char *all[] = {vec_id_a, vec_id_b, vec_id_fresh};
	char out[ZT_IDENTITY_TEXT_MAX];
	for (int i = 0; i < 3; i++) {
		struct zt_identity id;
		parse(&id, all[i]);
		CHECK(id.has_priv);
		CHECK_EQ_INT(zt_identity_to_text(&id, true, out, sizeof(out)), ZT_IDENTITY_TEXT_SECRET_LEN);
		CHECK(strcmp(out, all[i]) == 0);
		CHECK_EQ_INT(zt_identity_to_text(&id, false, out, sizeof(out)), ZT_IDENTITY_TEXT_PUBLIC_LEN);
		CHECK(strncmp(out, all[i], ZT_IDENTITY_TEXT_PUBLIC_LEN) == 0);
		struct zt_identity pub;
		parse(&pub, out);
		CHECK(!pub.has_priv);
		CHECK(zt_identity_equal(&pub, &id));
		CHECK_EQ_INT(zt_identity_to_text(&pub, true, out, sizeof(out)), -EINVAL);
	}
	struct zt_identity id;
	parse(&id, vec_id_a);
	CHECK_EQ_INT(zt_identity_to_text(&id, false, out, ZT_IDENTITY_TEXT_PUBLIC_LEN), -ENOSPC);
}

static void text_parse_leniency(void)
{
	char text[400];
	struct zt_identity id, a;
	parse(&a, vec_id_a);
	snprintf(text, sizeof(text), "%s\n", vec_id_a); /* as read from identity.secret */
	CHECK_EQ_INT(zt_identity_from_text(&id, text, strlen(text)), 0);
	CHECK(zt_identity_equal(&id, &a));
	for (char *c = text; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	CHECK_EQ_INT(zt_identity_from_text(&id, text, strlen(text)), 0);
	CHECK(zt_identity_equal(&id, &a) && memcmp(id.priv, a.priv, 64) == 0);
}

static void text_parse_rejects(void)
{
	char text[400];
	struct zt_identity id;
	const size_t pub_end = ZT_IDENTITY_TEXT_PUBLIC_LEN;
	struct {
		const char *why;
		size_t at;         /* where to edit */
		const char *edit;  /* bytes written at `at` */
		long long new_len; /* -1: unchanged, else truncate */
	} cases[] = {
	    {"reserved ff address", 0, "ff", -1},
	    {"zero address", 0, "0000000000", -1},
	    {"type field not 0", 11, "1", -1},
	    {"non-hex in address", 3, "g", -1},
	    {"non-hex in public key", 20, "x", -1},
	    {"non-hex in private key", 200, "-", -1},
	    {"missing separator", 10, "-", -1},
	    {"short public key", 0, "", (long long)pub_end - 2},
	    {"empty private key", 0, "", (long long)pub_end + 1},
	    {"short private key", 0, "", ZT_IDENTITY_TEXT_SECRET_LEN - 1},
	    {"extra field", ZT_IDENTITY_TEXT_SECRET_LEN, ":00", ZT_IDENTITY_TEXT_SECRET_LEN + 3},
	    {"long private key", ZT_IDENTITY_TEXT_SECRET_LEN, "00", ZT_IDENTITY_TEXT_SECRET_LEN + 2},
	    {"address only", 0, "", 10},
	    {"empty", 0, "", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(text, 0, sizeof(text));
		memcpy(text, vec_id_a, sizeof(vec_id_a));
		memcpy(text + cases[i].at, cases[i].edit, strlen(cases[i].edit));
		size_t len = cases[i].new_len < 0 ? strlen(text) : (size_t)cases[i].new_len;
		if (zt_identity_from_text(&id, text, len) != -EINVAL)
			zt_test_fail(__FILE__, __LINE__, cases[i].why);
		CHECK(id.address == 0 && !id.has_priv);
	}
	CHECK_EQ_INT(zt_identity_from_text(&id, NULL, 0), -EINVAL);
}

static void binary_round_trip(void)
{
	struct zt_identity a, back;
	uint8_t buf[200];
	struct zt_wr w;
	struct zt_rd r;
	parse(&a, vec_id_a);

	zt_wr_init(&w, buf, sizeof(buf));
	zt_identity_write(&a, false, &w);
	REQUIRE(!w.bad);
	CHECK_EQ_INT(w.len, ZT_IDENTITY_BIN_PUBLIC_LEN);
	uint8_t head[6];
	zt_unhex("8e4df28b7200", head, sizeof(head));
	CHECK_MEM(buf, head, 6);
	CHECK_MEM(buf + 6, a.pub, 64);
	CHECK(buf[70] == 0);
	zt_rd_init(&r, buf, w.len);
	CHECK_EQ_INT(zt_identity_read(&back, &r), 0);
	CHECK(zt_rd_done(&r));
	CHECK(zt_identity_equal(&a, &back) && !back.has_priv);

	zt_wr_init(&w, buf, sizeof(buf));
	zt_identity_write(&a, true, &w);
	CHECK_EQ_INT(w.len, ZT_IDENTITY_BIN_SECRET_LEN);
	CHECK(buf[70] == 0x40);
	zt_rd_init(&r, buf, w.len);
	CHECK_EQ_INT(zt_identity_read(&back, &r), 0);
	CHECK(zt_rd_done(&r));
	CHECK(back.has_priv && memcmp(back.priv, a.priv, 64) == 0);

	/* a writer too small for it fails as a whole */
	zt_wr_init(&w, buf, ZT_IDENTITY_BIN_PUBLIC_LEN - 1);
	zt_identity_write(&a, false, &w);
	CHECK(w.bad);
}

static void binary_rejects(void)
{
	struct zt_identity a, id;
	uint8_t buf[ZT_IDENTITY_BIN_SECRET_LEN];
	struct zt_wr w;
	struct zt_rd r;
	parse(&a, vec_id_a);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_identity_write(&a, true, &w);

	buf[5] = 1; /* type */
	zt_rd_init(&r, buf, sizeof(buf));
	CHECK_EQ_INT(zt_identity_read(&id, &r), -EBADMSG);
	buf[5] = 0;
	buf[70] = 32; /* private key length */
	zt_rd_init(&r, buf, sizeof(buf));
	CHECK_EQ_INT(zt_identity_read(&id, &r), -EBADMSG);
	CHECK(!id.has_priv);
	buf[70] = 64;
	buf[0] = 0xff; /* reserved address */
	zt_rd_init(&r, buf, sizeof(buf));
	CHECK_EQ_INT(zt_identity_read(&id, &r), -EBADMSG);
	buf[0] = 0x8e;
	for (size_t len = 0; len < sizeof(buf); len += 7) { /* every truncation */
		zt_rd_init(&r, buf, len);
		CHECK_EQ_INT(zt_identity_read(&id, &r), -EBADMSG);
		CHECK(r.bad);
	}
}

static void shared_key_a_b(void)
{
	struct zt_identity a, b, b_pub;
	uint8_t k1[48], k2[48], want[48];
	parse(&a, vec_id_a);
	parse(&b, vec_id_b);
	zt_unhex("dc6e809530ea5ec8a164eb6e34981b3958ce89c525995b920c5bf144ffe6b31e"
	         "c5b1d14b858afb05f7bbb35c00ee2b9b",
	         want, 48);
	REQUIRE(zt_identity_agree(&a, &b, k1) == 0);
	CHECK_MEM(k1, want, 48);
	REQUIRE(zt_identity_agree(&b, &a, k2) == 0);
	CHECK_MEM(k2, want, 48);
	b_pub = b;
	b_pub.has_priv = false;
	CHECK_EQ_INT(zt_identity_agree(&b_pub, &a, k2), -EINVAL);
	memset(b_pub.pub, 0, 32); /* a low-order key */
	CHECK_EQ_INT(zt_identity_agree(&a, &b_pub, k2), -EINVAL);
}

static void sign_and_verify(void)
{
	struct zt_identity a, b;
	uint8_t sig[96], want[96];
	static const char m[] = "ZeroTier test vector";
	parse(&a, vec_id_a);
	parse(&b, vec_id_b);
	REQUIRE(zt_identity_sign(&a, m, strlen(m), sig) == 0);
	zt_unhex("b353c976ce36cd5557001b928a8eb22618d66aeecb38817494c398b6f57217ff"
	         "9a9ef966ba6fa1482acfa74e410133ef93d8cc53fe869a08f8266031b91fce04"
	         "1f4b9bf4a0bbf259c93c4a876de7bf958389a6d7e283bf8c665ac401e0237b33",
	         want, 96);
	CHECK_MEM(sig, want, 96);
	CHECK(zt_identity_verify(&a, m, strlen(m), sig));
	CHECK(!zt_identity_verify(&b, m, strlen(m), sig));
	b.has_priv = false;
	CHECK_EQ_INT(zt_identity_sign(&b, m, strlen(m), sig), -EINVAL);
}

static void generate_is_valid_and_deterministic(void)
{
	struct zt_identity g1, g2;
	uint64_t seed = 42;
	REQUIRE(zt_identity_generate(&g1, zt_test_random, &seed, scratch) == 0);
	CHECK(g1.has_priv);
	CHECK(!zt_address_reserved(g1.address));
	CHECK_EQ_INT(zt_identity_check_secret(&g1), 0);
	CHECK_EQ_INT(zt_identity_validate(&g1, scratch), 0);
	seed = 42;
	REQUIRE(zt_identity_generate(&g2, zt_test_random, &seed, NULL) == 0);
	CHECK(zt_identity_equal(&g1, &g2) && memcmp(g1.priv, g2.priv, 64) == 0);
	/* Two generated identities agree on a key. */
	struct zt_identity a;
	uint8_t k1[48], k2[48];
	parse(&a, vec_id_a);
	REQUIRE(zt_identity_agree(&g1, &a, k1) == 0 && zt_identity_agree(&a, &g1, k2) == 0);
	CHECK_MEM(k1, k2, 48);
}

static void constant_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	memset(buf, 0x11, len);
}

static void generate_gives_up_on_broken_random(void)
{
	struct zt_identity g;
	/* 0x11... as X25519 secret: its address proof fails (checked), so every try repeats the failure. */
	int ret = zt_identity_generate(&g, constant_random, NULL, scratch);
	CHECK_EQ_INT(ret, -EAGAIN);
	CHECK(!g.has_priv && g.address == 0);
}

static void address_helpers(void)
{
	char s[11];
	zt_address_format(0x8e4df28b72ULL, s);
	CHECK(strcmp(s, "8e4df28b72") == 0);
	zt_address_format(0x1ULL, s);
	CHECK(strcmp(s, "0000000001") == 0);
	CHECK(zt_address_reserved(0));
	CHECK(zt_address_reserved(0xff00000001ULL));
	CHECK(!zt_address_reserved(0xfe00000000ULL));
	CHECK(!zt_address_reserved(1));
}

/* Bytes from hex digits (a join token's hash, a signature): either case, exactly 2n digits read. */
static void hex_bytes(void)
{
	uint8_t b[3] = {0};
	CHECK(zt_hex_bytes("00aFff", 3, b));
	CHECK(b[0] == 0x00 && b[1] == 0xaf && b[2] == 0xff);
	CHECK(zt_hex_bytes("12zz", 1, b) && b[0] == 0x12); /* what follows is not read */
	CHECK(!zt_hex_bytes("12z4", 2, b));
	CHECK(!zt_hex_bytes("1", 1, b)); /* the terminator is no digit */
	CHECK(!zt_hex_bytes("-1", 1, b));
}

static void warmup(void)
{
	zt_test_warm_crypto();
	scratch = malloc(ZT_IDENTITY_HASH_SCRATCH);
	if (!scratch)
		abort();
}

static const struct zt_test tests[] = {
    ZT_TEST(hash_intermediates_of_a),
    ZT_TEST(hash_final_digests),
    ZT_TEST(known_identities_validate),
    ZT_TEST(known_bad_identity_fails),
    ZT_TEST(text_round_trip),
    ZT_TEST(text_parse_leniency),
    ZT_TEST(text_parse_rejects),
    ZT_TEST(binary_round_trip),
    ZT_TEST(binary_rejects),
    ZT_TEST(shared_key_a_b),
    ZT_TEST(sign_and_verify),
    ZT_TEST(generate_is_valid_and_deterministic),
    ZT_TEST(generate_gives_up_on_broken_random),
    ZT_TEST(address_helpers),
    ZT_TEST(hex_bytes),
};

int main(int argc, char **argv)
{
	int ret = zt_test_main("identity", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
	free(scratch);
	return ret;
}

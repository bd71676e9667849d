/* Suite for vl1/world and vl1/inetaddr: spec §6.4 (the Earth planet, decoded), §8.12 (its signing
 * message and signature), §6.1 limits, §6.3 update rule, §4.5 address forms. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/world.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* §6.4 as printed in the spec, typed independently of the copy in world.c. */
static const char earth_hex[] = "010000000008eac90a0000017ee95760cdb8b388a469221491aa9acd66cc764c"
                                "defd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21ab"
                                "a8a489fdaea44a39bf2d00659ac9c818eb3600927637ef4d1404a44d54468485"
                                "1379751faa79b4c4ea85040175ea065860482402e1eb342052000e6290061a9b"
                                "e0cd293c8b55f1c3d2524808afc54922080e3539a75addc3cef0f6ad260d5882"
                                "93bb7786e71efa4b9057dad9867afe12dd04cafe9efeb900ccdef76bc7b97ded"
                                "904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3"
                                "948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf000020468c2088627"
                                "09062605988002001200003005710e3400512709778cde7190003f6681a99e5a"
                                "d1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec"
                                "410881a84ab19da50e1287ba3d926c3a1f755cccf299a120705500020467c367"
                                "4227090626059880040000c30254f2bca1f70019270962f865ae7100e2076c57"
                                "de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2"
                                "905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc00020432"
                                "07fc8a270906200149f0d0db000200000000000000022709cafe04eba9006c6a"
                                "9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b722"
                                "8268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f0002"
                                "045411359b2709062a026ea0d405000000000000000099932709";

static const char *const earth_roots[4][3] = {
    {"cafe9efeb9:0:"
     "ccdef76bc7b97ded904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3948c6e6b3a8e89"
     "3df01ff493d1f8d9806a860c5420571bf0",
     "104.194.8.134/9993", "2605:9880:200:1200:30:571:e34:51/9993"},
    {"778cde7190:0:"
     "3f6681a99e5ad1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec410881a84ab19da50e"
     "1287ba3d926c3a1f755cccf299a1207055",
     "103.195.103.66/9993", "2605:9880:400:c3:254:f2bc:a1f7:19/9993"},
    {"62f865ae71:0:"
     "e2076c57de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2905ea5e785c01dff23887a"
     "d4232d95c7a8fd2c27111a72bd159322dc",
     "50.7.252.138/9993", "2001:49f0:d0db:2::2/9993"},
    {"cafe04eba9:0:"
     "6c6a9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b7228268a0a2a29d3488c752565c6c"
     "965cbd6506ec24397cc8a5d9d15285a87f",
     "84.17.53.155/9993", "2a02:6ea0:d405::9993/9993"},
};

static uint8_t *scratch;

static void earth_data_matches_spec(void)
{
	uint8_t want[ZT_EARTH_LEN];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	CHECK_EQ_INT(zt_unhex(earth_hex, want, sizeof(want)), ZT_EARTH_LEN);
	CHECK_EQ_INT(len, ZT_EARTH_LEN);
	CHECK_MEM(e, want, ZT_EARTH_LEN);
}

static void earth_decodes(void)
{
	static struct zt_world w;
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	uint8_t key[64];
	REQUIRE(zt_world_parse(&w, e, len) == 0);
	CHECK(w.type == ZT_WORLD_TYPE_PLANET);
	CHECK(w.id == ZT_EARTH_ID);
	CHECK(w.ts == 1644592324813ULL);
	zt_unhex("b8b388a469221491aa9acd66cc764cdefd56039f1067ae15e69c6fb42d7b5533"
	         "0e3fdaac529c0792fd7340a6aa21aba8a489fdaea44a39bf2d00659ac9c818eb",
	         key, 64);
	CHECK_MEM(w.updates_key, key, 64);
	REQUIRE(w.n_roots == 4);
	for (int i = 0; i < 4; i++) {
		struct zt_identity want;
		char text[ZT_INETADDR_TEXT_MAX];
		REQUIRE(zt_identity_from_text(&want, earth_roots[i][0], strlen(earth_roots[i][0])) == 0);
		CHECK(zt_identity_equal(&w.roots[i].id, &want));
		CHECK(!w.roots[i].id.has_priv);
		CHECK_EQ_INT(zt_identity_validate(&w.roots[i].id, scratch), 0);
		REQUIRE(w.roots[i].n_endpoints == 2);
		for (int k = 0; k < 2; k++) {
			CHECK(zt_inetaddr_format(&w.roots[i].endpoints[k], text, sizeof(text)) > 0);
			CHECK(strcmp(text, earth_roots[i][1 + k]) == 0);
		}
	}
}

static void earth_round_trips(void)
{
	static struct zt_world w;
	uint8_t out[ZT_WORLD_MAX_LEN];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	struct zt_wr wr;
	REQUIRE(zt_world_parse(&w, e, len) == 0);
	zt_wr_init(&wr, out, sizeof(out));
	zt_world_write(&w, &wr);
	CHECK(!wr.bad);
	CHECK_EQ_INT(wr.len, ZT_EARTH_LEN);
	CHECK_MEM(out, e, ZT_EARTH_LEN);
	zt_wr_init(&wr, out, ZT_EARTH_LEN - 1);
	zt_world_write(&w, &wr);
	CHECK(wr.bad);
}

static void earth_signature(void)
{
	/* §8.12 */
	static struct zt_world w;
	uint8_t msg[ZT_WORLD_MAX_LEN + 16], d[64], want[32];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	REQUIRE(zt_world_parse(&w, e, len) == 0);
	int n = zt_world_signing_message(&w, msg, sizeof(msg));
	CHECK_EQ_INT(n, 490);
	REQUIRE(n == 490);
	CHECK(msg[0] == 0x7f && msg[7] == 0x7f && msg[482] == 0xf7 && msg[489] == 0xf7);
	CHECK_MEM(msg + 8, e, 81);                       /* type, ID, timestamp, updates key */
	CHECK_MEM(msg + 8 + 81, e + 81 + 96, 570 - 177); /* the roots, without the signature */
	zt_sha512(d, msg, 490);
	zt_unhex("0e3539a75addc3cef0f6ad260d588293bb7786e71efa4b9057dad9867afe12dd", want, 32);
	CHECK_MEM(d, want, 32);
	CHECK_MEM(w.sig + 64, want, 32);
	CHECK(zt_world_verify(&w, w.updates_key));
	CHECK_EQ_INT(zt_world_signing_message(&w, msg, 489), -ENOSPC);
}

static void earth_tampering_detected(void)
{
	static struct zt_world w, earth;
	uint8_t buf[ZT_EARTH_LEN];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	memcpy(buf, e, ZT_EARTH_LEN);
	REQUIRE(zt_world_parse(&earth, e, len) == 0);
	for (size_t i = 0; i < ZT_EARTH_LEN; i++) {
		if (i >= 17 && i < 81)
			continue; /* the updates key: verified against the held key below, not itself */
		buf[i] ^= 0x01;
		if (zt_world_parse(&w, buf, sizeof(buf)) == 0) {
			if (zt_world_verify(&w, earth.updates_key)) {
				zt_test_fail(__FILE__, __LINE__, "tampered Earth verifies");
				return;
			}
		}
		buf[i] ^= 0x01;
	}
}

static void world_limits(void)
{
	static struct zt_world w;
	static uint8_t buf[ZT_WORLD_MAX_LEN * 2];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	memcpy(buf, e, len);
	buf[0] = 0x02; /* unknown type */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), -EBADMSG);
	buf[0] = 0x00; /* "null" type parses */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), 0);
	buf[0] = 0x01;
	buf[177] = 5; /* too many roots */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), -EBADMSG);
	buf[177] = 4;
	buf[178 + 71] = 33; /* too many endpoints */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), -EBADMSG);
	buf[178 + 71] = 2;
	buf[178 + 72] = 0x05; /* unknown address type */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), -EBADMSG);
	buf[178 + 72] = 0x04;
	buf[178 + 70] = 0x40; /* a root with a private key */
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), -EBADMSG);
	buf[178 + 70] = 0x00;
	CHECK_EQ_INT(zt_world_parse(&w, buf, len), 0);
	CHECK_EQ_INT(zt_world_parse(&w, buf, len + 1), -EBADMSG); /* trailing byte */
	for (size_t n = 0; n < len; n += 11)                      /* every truncation */
		CHECK_EQ_INT(zt_world_parse(&w, buf, n), -EBADMSG);
	CHECK(w.n_roots == 0 && w.id == 0); /* cleared on failure */
}

/* A small test world: a planet or moon with one root (identity B) and an IPv4 endpoint. */
static void make_world(struct zt_world *w, uint8_t type, uint64_t ts, const struct zt_identity *keys)
{
	memset(w, 0, sizeof(*w));
	w->type = type;
	w->id = 0x2e7ed86a47ULL;
	w->ts = ts;
	memcpy(w->updates_key, keys->pub, 64);
	w->n_roots = 1;
	if (zt_identity_from_text(&w->roots[0].id, vec_id_b, strlen(vec_id_b)) != 0)
		abort();
	w->roots[0].id.has_priv = false;
	memset(w->roots[0].id.priv, 0, 64);
	w->roots[0].n_endpoints = 1;
	w->roots[0].endpoints[0].family = ZT_INET_V4;
	memcpy(w->roots[0].endpoints[0].ip, "\x0a\x00\x00\x02", 4);
	w->roots[0].endpoints[0].port = 9993;
}

static void moon_with_dictionary(void)
{
	static struct zt_world w, back;
	struct zt_identity a;
	static uint8_t buf[ZT_WORLD_MAX_LEN * 2]; /* room for an oversized dictionary */
	struct zt_wr wr;
	REQUIRE(zt_identity_from_text(&a, vec_id_a, strlen(vec_id_a)) == 0);
	make_world(&w, ZT_WORLD_TYPE_MOON, 1000, &a);
	REQUIRE(zt_world_sign(&w, a.priv) == 0);
	zt_wr_init(&wr, buf, sizeof(buf));
	zt_world_write(&w, &wr);
	REQUIRE(!wr.bad);
	size_t len = wr.len;
	CHECK(buf[len - 2] == 0 && buf[len - 1] == 0); /* empty dictionary */
	CHECK_EQ_INT(zt_world_parse(&back, buf, len), 0);
	CHECK(zt_world_verify(&back, a.pub));
	/* a non-empty dictionary is skipped; the signature never covered it */
	buf[len - 1] = 3;
	memcpy(buf + len, "xyz", 3);
	CHECK_EQ_INT(zt_world_parse(&back, buf, len + 3), 0);
	CHECK(zt_world_verify(&back, a.pub));
	CHECK_EQ_INT(zt_world_parse(&back, buf, len + 2), -EBADMSG);
	/* a dictionary that makes the world longer than stock nodes can hold */
	buf[len - 2] = 0x21;
	buf[len - 1] = 0x00;
	memset(buf + len, 0, 0x2100);
	CHECK_EQ_INT(zt_world_parse(&back, buf, len + 0x2100), -EBADMSG);
}

static void read_from_inside_a_message(void)
{
	/* as in OK(HELLO): a world followed by more fields */
	static struct zt_world w;
	static uint8_t buf[ZT_EARTH_LEN + 8];
	struct zt_rd r;
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	memcpy(buf, e, len);
	memcpy(buf + len, "\xde\xad\xbe\xef\x00\x00\x00\x01", 8);
	zt_rd_init(&r, buf, sizeof(buf));
	REQUIRE(zt_world_read(&w, &r) == 0);
	CHECK_EQ_INT(r.off, ZT_EARTH_LEN);
	CHECK(zt_rd_u32(&r) == 0xdeadbeef);
}

static void update_rule(void)
{
	static struct zt_world held, next;
	struct zt_identity a, b;
	REQUIRE(zt_identity_from_text(&a, vec_id_a, strlen(vec_id_a)) == 0);
	REQUIRE(zt_identity_from_text(&b, vec_id_b, strlen(vec_id_b)) == 0);
	make_world(&held, ZT_WORLD_TYPE_PLANET, 1000, &a);
	REQUIRE(zt_world_sign(&held, a.priv) == 0);
	/* the next revision hands the update key over to B, signed with A's (held) key */
	make_world(&next, ZT_WORLD_TYPE_PLANET, 2000, &b);
	REQUIRE(zt_world_sign(&next, a.priv) == 0);
	CHECK_EQ_INT(zt_world_check_update(&held, &next), 0);
	REQUIRE(zt_world_sign(&next, b.priv) == 0); /* signed by the new key only: refused */
	CHECK_EQ_INT(zt_world_check_update(&held, &next), -EPERM);
	REQUIRE(zt_world_sign(&next, a.priv) == 0);
	next.ts = 1000;
	CHECK_EQ_INT(zt_world_check_update(&held, &next), -ESTALE);
	next.ts = 2000;
	next.id++;
	CHECK_EQ_INT(zt_world_check_update(&held, &next), -EINVAL);
	next.id--;
	next.type = ZT_WORLD_TYPE_MOON;
	CHECK_EQ_INT(zt_world_check_update(&held, &next), -EINVAL);
}

static void inetaddr_forms(void)
{
	static const struct {
		const char *hex, *text;
		int len;
	} ok[] = {
	    {"00", NULL, 1},
	    {"040a000002270a", "10.0.0.2/9994", 7},
	    {"0620010db8000000000000000000000001ffff", "2001:db8::1/65535", 19},
	    {"01aabbccddeeff", NULL, 7},
	    {"02aabbccddeeff", NULL, 7},
	    {"030003616263", NULL, 6},
	    {"030000", NULL, 3},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint8_t b[32], out[32];
		char text[ZT_INETADDR_TEXT_MAX];
		size_t n = zt_unhex(ok[i].hex, b, sizeof(b));
		struct zt_inetaddr a;
		struct zt_rd r;
		struct zt_wr w;
		zt_rd_init(&r, b, n);
		CHECK_EQ_INT(zt_inetaddr_read(&a, &r), 0);
		CHECK_EQ_INT(r.off, ok[i].len);
		int t = zt_inetaddr_format(&a, text, sizeof(text));
		if (ok[i].text) {
			CHECK(t > 0 && strcmp(text, ok[i].text) == 0);
			zt_wr_init(&w, out, sizeof(out));
			zt_inetaddr_write(&a, &w);
			CHECK_EQ_INT(w.len, n);
			CHECK_MEM(out, b, n);
		} else {
			CHECK_EQ_INT(t, -EINVAL);
			CHECK(a.family == ZT_INET_NONE);
		}
	}
	static const char *bad[] = {"05", "ff", "040a0000", "06", "0300", "03000561", "01aabb", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t b[32];
		size_t n = zt_unhex(bad[i], b, sizeof(b));
		struct zt_inetaddr a;
		struct zt_rd r;
		zt_rd_init(&r, b, n);
		CHECK_EQ_INT(zt_inetaddr_read(&a, &r), -EBADMSG);
		CHECK(r.bad);
	}
	struct zt_inetaddr a = {.family = ZT_INET_V6, .port = 1};
	char small[4]; /* "::/1" and its NUL do not fit */
	CHECK_EQ_INT(zt_inetaddr_format(&a, small, sizeof(small)), -ENOSPC);
}

static void world_key_pair(void)
{
	static struct zt_world w;
	uint8_t pub[64], secret[64], pub2[64], secret2[64];
	uint64_t seed = 7;
	zt_world_key_generate(pub, secret, zt_test_random, &seed);
	zt_world_key_generate(pub2, secret2, zt_test_random, &seed);
	CHECK(memcmp(pub, pub2, 64) != 0);
	CHECK_EQ_INT(zt_world_key_check(pub, secret), 0);
	CHECK_EQ_INT(zt_world_key_check(pub, secret2), -EINVAL);
	secret[1] ^= 1; /* the X25519 half is checked too (byte 0 only partly: clamping drops its low bits) */
	CHECK_EQ_INT(zt_world_key_check(pub, secret), -EINVAL);
	secret[1] ^= 1;
	secret[40] ^= 1;
	CHECK_EQ_INT(zt_world_key_check(pub, secret), -EINVAL);
	secret[40] ^= 1;
	/* a world signed with the pair verifies with its public half, and with nothing else */
	struct zt_identity a;
	REQUIRE(zt_identity_from_text(&a, vec_id_a, strlen(vec_id_a)) == 0);
	make_world(&w, ZT_WORLD_TYPE_PLANET, 1000, &a);
	memcpy(w.updates_key, pub, 64);
	REQUIRE(zt_world_sign(&w, secret) == 0);
	CHECK(zt_world_verify(&w, pub));
	CHECK(!zt_world_verify(&w, pub2));
	zt_wipe(secret, sizeof(secret));
	zt_wipe(secret2, sizeof(secret2));
}

static void world_edit_roots(void)
{
	static struct zt_world w;
	struct zt_identity a, b, c;
	REQUIRE(zt_identity_from_text(&a, vec_id_a, strlen(vec_id_a)) == 0);
	REQUIRE(zt_identity_from_text(&b, vec_id_b, strlen(vec_id_b)) == 0);
	memset(&w, 0, sizeof(w));
	w.type = ZT_WORLD_TYPE_PLANET;
	CHECK_EQ_INT(zt_world_find_root(&w, a.address), -ENOENT);
	CHECK_EQ_INT(zt_world_add_root(&w, &a), 0);
	CHECK_EQ_INT(zt_world_add_root(&w, &b), 0);
	CHECK_EQ_INT(zt_world_add_root(&w, &a), -EEXIST);
	CHECK_EQ_INT(w.n_roots, 2);
	CHECK(!w.roots[0].id.has_priv); /* only the public half is copied */
	uint8_t zero[64] = {0};
	CHECK_MEM(w.roots[0].id.priv, zero, 64);
	CHECK(zt_identity_equal(&w.roots[1].id, &b));
	CHECK_EQ_INT(zt_world_find_root(&w, b.address), 1);
	/* the limit stock nodes enforce; addresses need not be proven to be listed */
	c = b;
	c.address = 0x1111111111ULL;
	CHECK_EQ_INT(zt_world_add_root(&w, &c), 0);
	c.address = 0x2222222222ULL;
	CHECK_EQ_INT(zt_world_add_root(&w, &c), 0);
	c.address = 0x3333333333ULL;
	CHECK_EQ_INT(zt_world_add_root(&w, &c), -E2BIG);
	c.address = 0xff00000001ULL;
	CHECK_EQ_INT(zt_world_add_root(&w, &c), -EINVAL);
	/* removal keeps the order of the rest */
	CHECK_EQ_INT(zt_world_remove_root(&w, b.address), 0);
	CHECK_EQ_INT(zt_world_remove_root(&w, b.address), -ENOENT);
	REQUIRE(w.n_roots == 3);
	CHECK(w.roots[0].id.address == a.address);
	CHECK(w.roots[1].id.address == 0x1111111111ULL);
	CHECK(w.roots[2].id.address == 0x2222222222ULL);
	CHECK(w.roots[3].id.address == 0);
}

static void world_edit_endpoints(void)
{
	static struct zt_world_root root;
	struct zt_inetaddr v4 = {.family = ZT_INET_V4, .ip = {10, 0, 0, 1}, .port = 9993};
	struct zt_inetaddr v6 = {
	    .family = ZT_INET_V6, .ip = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, .port = 9993};
	struct zt_inetaddr a;
	memset(&root, 0, sizeof(root));
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &v4), 0);
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &v6), 0);
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &v4), -EEXIST);
	a = v4;
	a.port = 443; /* another port is another endpoint */
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &a), 0);
	a.port = 0;
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &a), -EINVAL);
	a = (struct zt_inetaddr){.family = ZT_INET_NONE, .port = 1};
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &a), -EINVAL);
	CHECK_EQ_INT(root.n_endpoints, 3);
	CHECK_EQ_INT(zt_world_remove_endpoint(&root, &v4), 0);
	CHECK_EQ_INT(zt_world_remove_endpoint(&root, &v4), -ENOENT);
	REQUIRE(root.n_endpoints == 2);
	CHECK(root.endpoints[0].family == ZT_INET_V6);
	CHECK(root.endpoints[1].port == 443);
	for (int i = 0; root.n_endpoints < ZT_WORLD_MAX_ENDPOINTS; i++) {
		a = v4;
		a.ip[3] = (uint8_t)(100 + i);
		REQUIRE(zt_world_add_endpoint(&root, &a) == 0);
	}
	a.ip[3] = 250;
	CHECK_EQ_INT(zt_world_add_endpoint(&root, &a), -E2BIG);
}

static void world_encode(void)
{
	static struct zt_world w;
	static uint8_t out[ZT_WORLD_MAX_LEN];
	size_t len;
	const uint8_t *e = zt_world_earth(&len);
	REQUIRE(zt_world_parse(&w, e, len) == 0);
	CHECK_EQ_INT(zt_world_encode(&w, out, sizeof(out)), ZT_EARTH_LEN);
	CHECK_MEM(out, e, ZT_EARTH_LEN);
	CHECK_EQ_INT(zt_world_encode(&w, out, ZT_EARTH_LEN - 1), -ENOSPC);
}

static void world_next_revision(void)
{
	static struct zt_world held, next, after;
	uint8_t pub1[64], sec1[64], pub2[64], sec2[64];
	uint64_t seed = 11;
	struct zt_identity a;
	REQUIRE(zt_identity_from_text(&a, vec_id_a, strlen(vec_id_a)) == 0);
	zt_world_key_generate(pub1, sec1, zt_test_random, &seed);
	zt_world_key_generate(pub2, sec2, zt_test_random, &seed);
	make_world(&held, ZT_WORLD_TYPE_PLANET, 1000, &a);
	memcpy(held.updates_key, pub1, 64);
	REQUIRE(zt_world_sign(&held, sec1) == 0);

	/* same key: a node holding `held` takes it */
	next = held;
	REQUIRE(zt_world_add_endpoint(
	            &next.roots[0],
	            &(struct zt_inetaddr){.family = ZT_INET_V4, .ip = {192, 0, 2, 1}, .port = 9993}) == 0);
	CHECK_EQ_INT(zt_world_next_revision(&next, 2000, NULL, sec1), 0);
	CHECK(next.ts == 2000 && next.id == held.id);
	CHECK_MEM(next.updates_key, pub1, 64);
	CHECK_EQ_INT(zt_world_check_update(&held, &next), 0);
	/* refusals leave the world as it was */
	after = next;
	CHECK_EQ_INT(zt_world_next_revision(&after, 2000, NULL, sec1), -ESTALE);
	CHECK_EQ_INT(zt_world_next_revision(&after, 3000, NULL, sec2), -EPERM);
	CHECK(memcmp(&after, &next, sizeof(after)) == 0);

	/* handing over to key 2: signed by key 1, names key 2 */
	after = next;
	CHECK_EQ_INT(zt_world_next_revision(&after, 3000, pub2, sec1), 0);
	CHECK_MEM(after.updates_key, pub2, 64);
	CHECK_EQ_INT(zt_world_check_update(&next, &after), 0);
	CHECK(!zt_world_verify(&after, pub2));
	/* from then on key 1 is refused and key 2 is taken */
	next = after;
	CHECK_EQ_INT(zt_world_next_revision(&after, 4000, NULL, sec1), -EPERM);
	CHECK_EQ_INT(zt_world_next_revision(&after, 4000, NULL, sec2), 0);
	CHECK_EQ_INT(zt_world_check_update(&next, &after), 0);
	CHECK_EQ_INT(zt_world_check_update(&held, &after), -EPERM); /* skipping the hand-over fails */
	zt_wipe(sec1, sizeof(sec1));
	zt_wipe(sec2, sizeof(sec2));
}

static void warmup(void)
{
	zt_test_warm_crypto();
	scratch = malloc(ZT_IDENTITY_HASH_SCRATCH);
	if (!scratch)
		abort();
}

static const struct zt_test tests[] = {
    ZT_TEST(earth_data_matches_spec),
    ZT_TEST(earth_decodes),
    ZT_TEST(earth_round_trips),
    ZT_TEST(earth_signature),
    ZT_TEST(earth_tampering_detected),
    ZT_TEST(world_limits),
    ZT_TEST(moon_with_dictionary),
    ZT_TEST(read_from_inside_a_message),
    ZT_TEST(update_rule),
    ZT_TEST(inetaddr_forms),
    ZT_TEST(world_key_pair),
    ZT_TEST(world_edit_roots),
    ZT_TEST(world_edit_endpoints),
    ZT_TEST(world_encode),
    ZT_TEST(world_next_revision),
};

int main(int argc, char **argv)
{
	int ret = zt_test_main("world", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
	free(scratch);
	return ret;
}

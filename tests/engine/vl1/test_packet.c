/* Suite for vl1/packet: spec §8.6 (HELLO, cipher 0, field cipher), §8.7 (ECHO in cipher 1 both flag
 * styles, and cipher 3 both ways), §8.8 (OK(HELLO)), §8.9 (extended armor receive), §8.10 (LZ4 ECHO). */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/packet.h"

#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

static struct zt_identity id_a, id_b;
static uint8_t key_ab[48];

static const char hello_plain[] = "0123456789abcde82e7ed86a478e4df28b72000000000000000000010b010e00"
                                  "0100000190000000008e4df28b7200ac3d46abe0c21f3cfe7a6c8d6a85cfcffc"
                                  "b82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c4"
                                  "20908b803a681d4daef6114d78a2d700040a00000227090000000008eac90a00"
                                  "00017ee95760cd0000";
static const char hello_wire[] = "0123456789abcde82e7ed86a478e4df28b7200273379b262f05e1b010b010e00"
                                 "0100000190000000008e4df28b7200ac3d46abe0c21f3cfe7a6c8d6a85cfcffc"
                                 "b82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c4"
                                 "20908b803a681d4daef6114d78a2d700040a00000227090000000008eac90a00"
                                 "00017ee95760cd8f86";
#define HELLO_LEN        137
#define HELLO_TAIL_START 135 /* after the IPv4 sent-to address and the planet ID/timestamp */

static const char echo_plain[] = "0123456789abcde82e7ed86a478e4df28b72000000000000000000085a65726f"
                                 "54696572207465737420766563746f72";
#define ECHO_LEN 48

/* Poly1305 key a packet's armor uses: the first 32 keystream bytes under the mangled key. */
static void poly_key(uint8_t out[32], const uint8_t *pkt, size_t len)
{
	uint8_t mk[32];
	zt_packet_mangle_key(mk, key_ab, pkt, len);
	zt_salsa2012_stream(out, 32, pkt, mk);
}

static void header_parse_and_write(void)
{
	uint8_t p[64], want[HELLO_LEN];
	struct zt_packet_header h;
	zt_unhex(hello_wire, want, sizeof(want));
	REQUIRE(zt_packet_parse_header(&h, want, sizeof(want)) == 0);
	CHECK(h.dest == 0x2e7ed86a47ULL && h.src == 0x8e4df28b72ULL);
	CHECK(h.cipher == 0 && h.hops == 0 && !h.fragmented && !h.ext_armor);
	CHECK(h.verb == 0x01);
	CHECK_MEM(h.id, want, 8);
	CHECK_MEM(h.mac, want + 19, 8);

	struct zt_wr w;
	zt_wr_init(&w, p, sizeof(p));
	zt_packet_write_header(&w, want, h.dest, h.src, 0, 0x01);
	CHECK_EQ_INT(w.len, 28);
	CHECK_MEM(p, want, 19);
	CHECK(p[27] == 0x01);

	want[18] = 0x80 | 0x40 | 0x05; /* cipher 0 with the high bit, fragmented, 5 hops */
	REQUIRE(zt_packet_parse_header(&h, want, sizeof(want)) == 0);
	CHECK(h.ext_armor && h.fragmented && h.hops == 5);
	want[18] = 0x88;
	REQUIRE(zt_packet_parse_header(&h, want, sizeof(want)) == 0);
	CHECK(h.cipher == 1 && !h.ext_armor);
	CHECK_EQ_INT(zt_packet_parse_header(&h, want, 27), -EBADMSG);
	want[13] = 0xff; /* a fragment, not a packet */
	CHECK_EQ_INT(zt_packet_parse_header(&h, want, sizeof(want)), -EBADMSG);
	want[13] = 0x8e;
	memset(want + 8, 0, 5);
	CHECK_EQ_INT(zt_packet_parse_header(&h, want, sizeof(want)), -EBADMSG);
}

static void hello_cipher0(void)
{
	uint8_t p[HELLO_LEN], want[HELLO_LEN], mk[32], pk[32], v[32];
	zt_unhex(hello_plain, p, sizeof(p));
	REQUIRE(zt_packet_crypt_field(p, sizeof(p), key_ab, HELLO_TAIL_START) == 0);
	CHECK(p[135] == 0x8f && p[136] == 0x86);
	zt_packet_mangle_key(mk, key_ab, p, sizeof(p));
	zt_unhex("dd4dc5f2b94193208f1a3304731656cbd3bc894c25995b920c5bf144ffe6b31e", v, 32);
	CHECK_MEM(mk, v, 32);
	poly_key(pk, p, sizeof(p));
	zt_unhex("ce72f721012e9001df08e0da2a0e6e2992481e44b66c062c88afb3210d779695", v, 32);
	CHECK_MEM(pk, v, 32);
	REQUIRE(zt_packet_armor(p, sizeof(p), key_ab, ZT_CIPHER_POLY1305_NONE) == 0);
	zt_unhex(hello_wire, want, sizeof(want));
	CHECK_MEM(p, want, sizeof(want));

	/* B's side: verify, then undo the tail cipher. */
	REQUIRE(zt_packet_dearmor(p, sizeof(p), key_ab, NULL) == 0);
	CHECK_MEM(p, want, sizeof(want)); /* cipher 0 leaves the bytes alone */
	REQUIRE(zt_packet_crypt_field(p, sizeof(p), key_ab, HELLO_TAIL_START) == 0);
	CHECK(p[135] == 0 && p[136] == 0);
}

static void echo_cipher1_our_style(void)
{
	uint8_t p[ECHO_LEN], want[ECHO_LEN], plain[ECHO_LEN];
	zt_unhex(echo_plain, plain, sizeof(plain));
	memcpy(p, plain, sizeof(p));
	REQUIRE(zt_packet_armor(p, sizeof(p), key_ab, ZT_CIPHER_SALSA2012_POLY1305) == 0);
	zt_unhex("0123456789abcde82e7ed86a478e4df28b7208f92bf0a249e4010a702f50f55b"
	         "2e4e6310c0d2adc07c0bfe6d4a3c7c7f",
	         want, sizeof(want));
	CHECK_MEM(p, want, sizeof(want));
	REQUIRE(zt_packet_dearmor(p, sizeof(p), key_ab, NULL) == 0);
	CHECK_MEM(p + 27, plain + 27, ECHO_LEN - 27);
	CHECK(p[18] == 0x08);
}

static void echo_cipher1_as_114_sends_it(void)
{
	uint8_t p[ECHO_LEN], want[ECHO_LEN], plain[ECHO_LEN], mk[32], v[32], pk[32];
	zt_unhex(echo_plain, plain, sizeof(plain));
	memcpy(p, plain, sizeof(p));
	p[18] = 0x88; /* the flags byte as it will be after armoring */
	zt_packet_mangle_key(mk, key_ab, p, sizeof(p));
	zt_unhex("dd4dc5f2b94193208f1a3304731656cbd3bc01f525995b920c5bf144ffe6b31e", v, 32);
	CHECK_MEM(mk, v, 32);
	poly_key(pk, p, sizeof(p));
	zt_unhex("548ce3ee1d71493bae77d1845cd1f60dc230050bf0abdf367588f8e49a2f0641", v, 32);
	CHECK_MEM(pk, v, 32);
	p[18] = ZT_FLAG_HIGH_BIT; /* armor keeps it: the legacy "encrypted" flag */
	REQUIRE(zt_packet_armor(p, sizeof(p), key_ab, ZT_CIPHER_SALSA2012_POLY1305) == 0);
	zt_unhex("0123456789abcde82e7ed86a478e4df28b72889a1106a8b5bc95b1f1a5c158d4"
	         "cc3e6f1936fe5f21229dde2b49c9a9b8",
	         want, sizeof(want));
	CHECK_MEM(p, want, sizeof(want));
	REQUIRE(zt_packet_dearmor(p, sizeof(p), key_ab, NULL) == 0);
	CHECK_MEM(p + 27, plain + 27, ECHO_LEN - 27);
}

static const char echo_cipher3_wire[] = "c3632483a8b9606f2e7ed86a478e4df28b7218049d233d173afd8f1ad0a8282d"
                                        "fecab339b0743c649fd2806427292cc3";

static void echo_cipher3_receive(void)
{
	uint8_t p[ECHO_LEN], plain[ECHO_LEN], wire[ECHO_LEN];
	struct zt_gmac_siv_keys siv;
	REQUIRE(zt_gmac_siv_keys_derive(&siv, key_ab) == 0);
	zt_unhex(echo_plain, plain, sizeof(plain));
	zt_unhex(echo_cipher3_wire, wire, sizeof(wire));
	memcpy(p, wire, sizeof(p));
	CHECK_EQ_INT(zt_packet_dearmor(p, sizeof(p), key_ab, NULL), -ENOTSUP); /* no AES keys, no cipher 3 */
	REQUIRE(zt_packet_dearmor(p, sizeof(p), key_ab, &siv) == 0);
	CHECK_MEM(p + 27, plain + 27, ECHO_LEN - 27);
	CHECK_MEM(p, wire, 27); /* the wire ID (S[0..8)) is what a reply quotes */

	/* Relays may change the hops; any other bit flipped anywhere fails and leaves the bytes as they
	 * came (a flipped cipher bit makes another suite: refused as such). */
	memcpy(p, wire, sizeof(p));
	p[18] |= 0x03;
	CHECK_EQ_INT(zt_packet_dearmor(p, sizeof(p), key_ab, &siv), 0);
	for (size_t i = 0; i < ECHO_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			if (i == 18 && bit < 3)
				continue;
			/* cipher 3 becomes 2 or 7 (refused unread), or 1 (its MAC fails) */
			int want = (i == 18 && (bit == 3 || bit == 5)) ? -ENOTSUP : -EBADMSG;
			memcpy(p, wire, sizeof(p));
			p[i] ^= (uint8_t)(1 << bit);
			if (zt_packet_dearmor(p, sizeof(p), key_ab, &siv) != want) {
				zt_test_fail(__FILE__, __LINE__, "tampered cipher-3 packet accepted");
				i = ECHO_LEN;
				break;
			}
			p[i] ^= (uint8_t)(1 << bit);
			CHECK_MEM(p, wire, sizeof(p));
		}
	}
	/* shorter or longer under the same key */
	memcpy(p, wire, sizeof(p));
	CHECK_EQ_INT(zt_packet_dearmor(p, sizeof(p) - 1, key_ab, &siv), -EBADMSG);
	CHECK_MEM(p, wire, sizeof(p));
	zt_gmac_siv_keys_free(&siv);
}

/* §8.7 cipher 3, sent: the same bytes a 1.14 node builds from the same packet ID. */
static void echo_cipher3_send(void)
{
	uint8_t p[ECHO_LEN], wire[ECHO_LEN];
	struct zt_gmac_siv_keys siv;
	REQUIRE(zt_gmac_siv_keys_derive(&siv, key_ab) == 0);
	zt_unhex(echo_plain, p, sizeof(p));
	zt_unhex(echo_cipher3_wire, wire, sizeof(wire));
	p[18] = 0x80; /* the legacy flag is cleared, as stock's setCipher does */
	REQUIRE(zt_packet_armor_siv(p, sizeof(p), &siv) == 0);
	CHECK_MEM(p, wire, sizeof(p));
	CHECK_EQ_INT(zt_packet_armor_siv(p, 27, &siv), -EINVAL);
	CHECK_EQ_INT(zt_packet_armor_siv(p, ZT_PACKET_MAX_LEN + 1, &siv), -EINVAL);
	zt_gmac_siv_keys_free(&siv);
}

/* Many packets through the same reused contexts, every length class (partial AES blocks, a whole
 * fragmented maximum), the fragment flag and hops kept: each comes back exactly. A packet sealed for
 * one peer pair does not open under another pair's keys. */
static void cipher3_round_trips(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], orig[ZT_PACKET_MAX_LEN];
	uint8_t other_key[ZT_SHARED_KEY_LEN];
	struct zt_gmac_siv_keys siv, other;
	uint64_t seed = 0xae5;
	REQUIRE(zt_gmac_siv_keys_derive(&siv, key_ab) == 0);
	memcpy(other_key, key_ab, sizeof(other_key));
	other_key[47] ^= 1; /* K0/K1 come from all 48 bytes */
	REQUIRE(zt_gmac_siv_keys_derive(&other, other_key) == 0);
	static const size_t lens[] = {28, 29, 43, 44, 45, 59, 60, 61, 1400, 2800, 2801, ZT_PACKET_MAX_LEN, 100};
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t len = lens[k];
		zt_test_random(&seed, p, len);
		memcpy(p + 8, "\x2e\x7e\xd8\x6a\x47\x8e\x4d\xf2\x8b\x72", 10);
		p[18] = (uint8_t)(k & 1 ? ZT_FLAG_FRAGMENTED : 0) | (uint8_t)(k % 8 > 3 ? 0x80 : 0);
		memcpy(orig, p, len);
		REQUIRE(zt_packet_armor_siv(p, len, &siv) == 0);
		CHECK_EQ_INT(p[18], (orig[18] & ZT_FLAG_FRAGMENTED) | 0x18);
		if (len > 40)
			CHECK(memcmp(p + 27, orig + 27, len - 27) != 0);
		CHECK(memcmp(p, orig, 8) != 0); /* the wire ID is S[0..8) */
		p[18] |= (uint8_t)(k & ZT_FLAG_HOPS); /* relayed */
		CHECK_EQ_INT(zt_packet_dearmor(p, len, other_key, &other), -EBADMSG);
		REQUIRE(zt_packet_dearmor(p, len, key_ab, &siv) == 0);
		CHECK_MEM(p + 8, orig + 8, 10);
		CHECK_MEM(p + 27, orig + 27, len - 27);
	}
	zt_gmac_siv_keys_free(&siv);
	zt_gmac_siv_keys_free(&other);
}

static void ok_hello_as_114_sends_it(void)
{
	uint8_t p[59], want[59], plain[59];
	size_t n = zt_unhex("fedcba98765432108e4df28b722e7ed86a470000000000000000000301012345"
	                    "6789abcde800000190000000000c010e0001040a0000019c400000",
	                    plain, sizeof(plain));
	REQUIRE(n == sizeof(plain));
	memcpy(p, plain, sizeof(p));
	p[18] = ZT_FLAG_HIGH_BIT;
	REQUIRE(zt_packet_armor(p, sizeof(p), key_ab, ZT_CIPHER_SALSA2012_POLY1305) == 0);
	zt_unhex("fedcba98765432108e4df28b722e7ed86a47881af333c03ae40df301ac3d1eb8"
	         "dc58738bc56052d04dd73e54a32e37074f7f7a9c2186deb63d5803",
	         want, sizeof(want));
	CHECK_MEM(p, want, sizeof(want));
	REQUIRE(zt_packet_dearmor(p, sizeof(p), key_ab, NULL) == 0);
	CHECK_MEM(p + 27, plain + 27, sizeof(p) - 27);
}

static const char ext_wire[] = "0123456789abcde82e7ed86a478e4df28b72800eeadbc5199e5c1816bdc86d69"
                               "2360c669081f9068f6c2f8b9468d34db111486609f04eac8e6d8f0b93206bff1"
                               "28d757ed1028cfbce5e78556fde68da82ca295e407c9308d09a1b55a92c25d5e"
                               "cb42849004fbbd0fc5dad73e0cc9678d005d27e534364a15fa9eff954bf911df"
                               "842ef554288b64047b79a631eede1bf9c98f12032cdeadd0e7a079398fc786b8"
                               "8cc846ec89af85a51a";

static void ext_armor_intermediates(void)
{
	/* §8.9's ephemeral key pair and the AES key B derives from it. */
	uint8_t e[32], epub[32], raw[32], d[64], v[32];
	for (int i = 0; i < 32; i++)
		e[i] = (uint8_t)(0x40 + i);
	zt_x25519_base(epub, e);
	zt_unhex("79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a", v, 32);
	CHECK_MEM(epub, v, 32);
	REQUIRE(zt_x25519(raw, e, id_b.pub) == 0);
	zt_sha512(d, raw, 32);
	zt_unhex("5126690e13d36557bd72bb0572c4283ddd91f80025178367fb0f80c7e89fe2bf", v, 32);
	CHECK_MEM(d, v, 32);
}

static void ext_armor_hello_receive(void)
{
	uint8_t p[169], want[HELLO_LEN], pk[32], v[32];
	size_t len = zt_unhex(ext_wire, p, sizeof(p));
	struct zt_packet_header h;
	REQUIRE(len == 169);
	REQUIRE(zt_packet_parse_header(&h, p, len) == 0);
	CHECK(h.ext_armor);
	REQUIRE(zt_packet_strip_ext_armor(p, &len, &id_b) == 0);
	CHECK_EQ_INT(len, HELLO_LEN);
	zt_unhex(hello_wire, want, sizeof(want));
	want[18] = 0x80;
	zt_unhex("a670766e91e264bc", want + 19, 8);
	CHECK_MEM(p, want, HELLO_LEN);
	poly_key(pk, p, len);
	zt_unhex("3ee9aa8a294b7294cec38f7684c84d54b7c54df055ca7f66f99edd0becd94897", v, 32);
	CHECK_MEM(pk, v, 32);
	CHECK_EQ_INT(zt_packet_dearmor(p, len, key_ab, NULL), 0);
	REQUIRE(zt_packet_crypt_field(p, len, key_ab, HELLO_TAIL_START) == 0);
	CHECK(p[135] == 0 && p[136] == 0);
}

static void ext_armor_rejects(void)
{
	uint8_t p[169], hello[HELLO_LEN];
	size_t len = zt_unhex(ext_wire, p, sizeof(p));
	struct zt_identity pub_only = id_b;
	pub_only.has_priv = false;
	CHECK_EQ_INT(zt_packet_strip_ext_armor(p, &len, &pub_only), -EINVAL);
	CHECK_EQ_INT(len, 169);
	memset(p + 137, 0, 32); /* a low-order ephemeral key */
	CHECK_EQ_INT(zt_packet_strip_ext_armor(p, &len, &id_b), -EINVAL);
	len = 59;
	CHECK_EQ_INT(zt_packet_strip_ext_armor(p, &len, &id_b), -EBADMSG);
	len = zt_unhex(hello_wire, hello, sizeof(hello)); /* high bit clear: not extended */
	CHECK_EQ_INT(zt_packet_strip_ext_armor(hello, &len, &id_b), -EBADMSG);
	/* A is not the recipient: stripping "works" but the MAC check that follows fails. */
	len = zt_unhex(ext_wire, p, sizeof(p));
	REQUIRE(zt_packet_strip_ext_armor(p, &len, &id_a) == 0);
	CHECK_EQ_INT(zt_packet_dearmor(p, len, key_ab, NULL), -EBADMSG);
}

static const char lz4_plain[] = "0123456789abcde82e7ed86a478e4df28b7200000000000000000088ff013031"
                                "32333435363738396162636465661000d8506263646566";
static const char lz4_wire[] = "0123456789abcde82e7ed86a478e4df28b72081978b0d4067cea6ad618822d34"
                               "316c9f57293bd98417d0a8dc605017b1177adceeaa30e9";

static void lz4_echo(void)
{
	uint8_t p[ZT_PACKET_MAX_LEN], plain[55], want[55];
	size_t len = zt_unhex(lz4_plain, plain, sizeof(plain));
	REQUIRE(len == 55);
	memcpy(p, plain, len);
	REQUIRE(zt_packet_armor(p, len, key_ab, ZT_CIPHER_SALSA2012_POLY1305) == 0);
	zt_unhex(lz4_wire, want, sizeof(want));
	CHECK_MEM(p, want, 55);
	REQUIRE(zt_packet_dearmor(p, len, key_ab, NULL) == 0);
	CHECK_MEM(p + 27, plain + 27, 55 - 27);
	REQUIRE(zt_packet_decompress(p, &len, sizeof(p)) == 0);
	CHECK_EQ_INT(len, 28 + 256);
	CHECK(p[27] == 0x08);
	for (int i = 0; i < 256; i++)
		if (p[28 + i] != (uint8_t) "0123456789abcdef"[i % 16]) {
			zt_test_fail(__FILE__, __LINE__, "decompressed payload");
			break;
		}
	/* decompressing an uncompressed packet changes nothing */
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), 0);
	CHECK_EQ_INT(len, 28 + 256);
}

static void lz4_round_trip_and_thresholds(void)
{
	uint8_t p[ZT_PACKET_MAX_LEN], orig[ZT_PACKET_MAX_LEN];
	size_t len = zt_unhex(echo_plain, p, sizeof(p));
	REQUIRE(len == ECHO_LEN);
	/* §8.10's payload: Debian's liblz4 compresses it to the very bytes upstream's LZ4 produced */
	for (int i = 0; i < 256; i++)
		p[28 + i] = (uint8_t) "0123456789abcdef"[i % 16];
	memcpy(orig, p, 28 + 256);
	len = 28 + 256;
	CHECK_EQ_INT(zt_packet_compress(p, &len), 1);
	uint8_t want[55];
	zt_unhex(lz4_plain, want, sizeof(want));
	CHECK_EQ_INT(len, 55);
	CHECK_MEM(p + 27, want + 27, 55 - 27);
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), 0);
	CHECK_EQ_INT(len, 28 + 256);
	CHECK_MEM(p, orig, 28 + 256);

	len = 28 + 64; /* not over 64 bytes: left alone */
	CHECK_EQ_INT(zt_packet_compress(p, &len), 0);
	CHECK(p[27] == 0x08 && len == 28 + 64);
	uint64_t seed = 7; /* incompressible: left alone */
	zt_test_random(&seed, p + 28, 1000);
	len = 28 + 1000;
	CHECK_EQ_INT(zt_packet_compress(p, &len), 0);
	CHECK(p[27] == 0x08 && len == 28 + 1000);

	/* the largest payload compresses and comes back */
	memset(p + 28, 'z', ZT_PACKET_MAX_PAYLOAD);
	len = ZT_PACKET_MAX_LEN;
	CHECK_EQ_INT(zt_packet_compress(p, &len), 1);
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), 0);
	CHECK_EQ_INT(len, ZT_PACKET_MAX_LEN);
}

static void lz4_decompress_bounds(void)
{
	uint8_t p[ZT_PACKET_MAX_LEN];
	size_t len = zt_unhex(lz4_plain, p, sizeof(p));
	/* 256 bytes do not fit in a 200-byte buffer */
	CHECK_EQ_INT(zt_packet_decompress(p, &len, 200), -EBADMSG);
	CHECK_EQ_INT(len, 55);
	/* corrupt input */
	p[28] = 0xf0;
	p[29] = 0xff;
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), -EBADMSG);
	/* a flagged empty payload is accepted (stock does the same) */
	len = 28;
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), 0);
	CHECK(p[27] == 0x08);
	/* an expansion past the packet limit is refused: a 10 KiB run of 'a' encodes in a few dozen bytes */
	static char big[ZT_PACKET_MAX_PAYLOAD + 1];
	memset(big, 'a', sizeof(big));
	int n = LZ4_compress_default(big, (char *)p + 28, (int)sizeof(big), 200);
	REQUIRE(n > 0);
	p[27] = 0x88;
	len = 28 + (size_t)n;
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), -EBADMSG);
	n = LZ4_compress_default(big, (char *)p + 28, (int)sizeof(big) - 1, 200); /* exactly the limit */
	REQUIRE(n > 0);
	p[27] = 0x88;
	len = 28 + (size_t)n;
	CHECK_EQ_INT(zt_packet_decompress(p, &len, sizeof(p)), 0);
	CHECK_EQ_INT(len, ZT_PACKET_MAX_LEN);
}

static void tampering_is_detected(void)
{
	uint8_t wire[ECHO_LEN], p[ECHO_LEN];
	zt_unhex(echo_plain, wire, sizeof(wire));
	REQUIRE(zt_packet_armor(wire, sizeof(wire), key_ab, ZT_CIPHER_SALSA2012_POLY1305) == 0);
	for (size_t i = 0; i < ECHO_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(p, wire, sizeof(p));
			p[i] ^= (uint8_t)(1 << bit);
			int want = -EBADMSG;
			if (i == 18 && bit < 3) /* hops are not authenticated */
				want = 0;
			if (i == 18 && (bit == 4 || bit == 5)) /* now cipher 3 (no AES keys given) or 5 */
				want = -ENOTSUP;
			if (zt_packet_dearmor(p, sizeof(p), key_ab, NULL) != want) {
				zt_test_fail(__FILE__, __LINE__, "bit flip not handled as expected");
				return;
			}
		}
	}
	/* a shorter packet under the same key */
	memcpy(p, wire, sizeof(p));
	CHECK_EQ_INT(zt_packet_dearmor(p, sizeof(p) - 1, key_ab, NULL), -EBADMSG);
}

static void dearmor_refuses_other_suites(void)
{
	uint8_t p[ECHO_LEN];
	zt_unhex(echo_plain, p, sizeof(p));
	for (int c = 2; c < 8; c++) {
		if (c == 3)
			continue;
		p[18] = (uint8_t)(c << 3);
		CHECK_EQ_INT(zt_packet_dearmor(p, sizeof(p), key_ab, NULL), -ENOTSUP);
	}
	CHECK_EQ_INT(zt_packet_dearmor(p, 27, key_ab, NULL), -EBADMSG);
	CHECK_EQ_INT(zt_packet_dearmor(p, ZT_PACKET_MAX_LEN + 1, key_ab, NULL), -EBADMSG);
	CHECK_EQ_INT(zt_packet_armor(p, sizeof(p), key_ab, ZT_CIPHER_AES_GMAC_SIV), -EINVAL);
	CHECK_EQ_INT(zt_packet_armor(p, 27, key_ab, ZT_CIPHER_SALSA2012_POLY1305), -EINVAL);
	CHECK_EQ_INT(zt_packet_crypt_field(p, sizeof(p), key_ab, sizeof(p) + 1), -EINVAL);
}

static void warmup(void)
{
	zt_test_warm_crypto();
	if (zt_identity_from_text(&id_a, vec_id_a, strlen(vec_id_a)) != 0 ||
	    zt_identity_from_text(&id_b, vec_id_b, strlen(vec_id_b)) != 0)
		abort();
	zt_unhex(vec_key_ab, key_ab, sizeof(key_ab));
}

static const struct zt_test tests[] = {
    ZT_TEST(header_parse_and_write),
    ZT_TEST(hello_cipher0),
    ZT_TEST(echo_cipher1_our_style),
    ZT_TEST(echo_cipher1_as_114_sends_it),
    ZT_TEST(echo_cipher3_receive),
    ZT_TEST(echo_cipher3_send),
    ZT_TEST(cipher3_round_trips),
    ZT_TEST(ok_hello_as_114_sends_it),
    ZT_TEST(ext_armor_intermediates),
    ZT_TEST(ext_armor_hello_receive),
    ZT_TEST(ext_armor_rejects),
    ZT_TEST(lz4_echo),
    ZT_TEST(lz4_round_trip_and_thresholds),
    ZT_TEST(lz4_decompress_bounds),
    ZT_TEST(tampering_is_detected),
    ZT_TEST(dearmor_refuses_other_suites),
};

int main(int argc, char **argv)
{
	return zt_test_main("packet", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

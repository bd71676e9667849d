/* Suite for vl1/crypto: spec §8.1 (primitives), §8.2 (agreement, signatures), §8.4 (signature),
 * §8.5 (AES-GMAC-SIV subkeys) and the AES steps of §8.7's cipher-3 vector. */
#include "harness.h"
#include "warmup.h"
#include "vl1/crypto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const char salsa_key[] = "0f62b5085bae0154a7fa4da0f34699ec3f92e5388bde3184d72a7dd02376c91c";
static const char salsa_nonce[] = "288ff65dc42b92f9";

static void salsa20_known_answer(void)
{
	uint8_t key[32], nonce[8], want[64], ks[64] = {0};
	zt_unhex(salsa_key, key, sizeof(key));
	zt_unhex(salsa_nonce, nonce, sizeof(nonce));
	zt_unhex("5e5e71f90199340304abb22a37b6625bf883fb89ce3b21f54a10b81066ef87da"
	         "30b77699aa7379da595c77dd59542da208e5954f89e40eb7aa80a84a6176663f",
	         want, sizeof(want));
	zt_salsa20_xor_ic(ks, ks, sizeof(ks), nonce, 0, key);
	CHECK_MEM(ks, want, 64);
}

static void salsa2012_known_answer(void)
{
	uint8_t key[32], nonce[8], want[64], ks[64], x[64] = {0};
	zt_unhex(salsa_key, key, sizeof(key));
	zt_unhex(salsa_nonce, nonce, sizeof(nonce));
	zt_unhex("99db33ad11ce0ccb3bfdbf8d0c18160452d014cde989b4c411a559ff7c20a169"
	         "e6dc9909d816becedc4063ce07cea828f44bf9b6c9a0a0b200e1b52af41859c5",
	         want, sizeof(want));
	zt_salsa2012_stream(ks, sizeof(ks), nonce, key);
	CHECK_MEM(ks, want, 64);
	zt_salsa2012_xor(x, x, sizeof(x), nonce, key);
	CHECK_MEM(x, want, 64);
}

static void salsa20_block_counter_continues(void)
{
	/* Block i alone must equal bytes [64i, 64i+64) of one long run: the memory-hard hash relies on it. */
	uint8_t key[32], nonce[8], run[256] = {0}, one[64] = {0};
	zt_unhex(salsa_key, key, sizeof(key));
	zt_unhex(salsa_nonce, nonce, sizeof(nonce));
	zt_salsa20_xor_ic(run, run, sizeof(run), nonce, 0, key);
	zt_salsa20_xor_ic(one, one, sizeof(one), nonce, 3, key);
	CHECK_MEM(one, run + 192, 64);
}

static void poly1305_known_answers(void)
{
	static const uint8_t key[] = "this is 32-byte key for Poly1305";
	uint8_t zeros[32] = {0}, tag[16], want[16];
	zt_poly1305(tag, zeros, sizeof(zeros), key);
	zt_unhex("49ec78090e481ec6c26b33b91ccc0307", want, sizeof(want));
	CHECK_MEM(tag, want, 16);
	zt_poly1305(tag, "Hello world!", 12, key);
	zt_unhex("a6f745008f81c916a20dcc74eef2b2f0", want, sizeof(want));
	CHECK_MEM(tag, want, 16);
}

static void sha512_known_answer(void)
{
	uint8_t d[64], want[64];
	static const char m[] = "supercalifragilisticexpealidocious";
	zt_sha512(d, m, strlen(m));
	zt_unhex("182a855969e5d3e6cbf60524adf288d1bbf25292812431f6d252f1dbc1cb44df"
	         "21573de1b06b6875959f3b6f87b11381d0bc792c433a13553ce084c29255311c",
	         want, sizeof(want));
	CHECK_MEM(d, want, 64);
}

/* §8.2, selftest vector 0 */
static const char pub1[] = "a1fc7ab46ddf7dcfe7ec75e5fadd11cbcc37f8845d1c924e098965fcd8e95a30"
                           "dae486a335b4190cbc7bcb3eb94cbd16e83d132bc9c339eaf142e76f69789ab7";
static const char priv1[] = "e5f37bd40ec9dc775086dcf42ebcdb27f073d45873c44b718b3cc54fa87ca484"
                            "d9962373b40316bf1ea12dd8c48ae78210dac9e5459b01dc73a6c917a815316d";
static const char pub2[] = "3e49a40e3aafa3073df72aec43b1d4091acb8e92f96595046d2d9b34a3bf5100"
                           "e2ee23f5280aa9b1570b965662ba1294afc65fb561430fde0babfa4ffec5e718";
static const char priv2[] = "004d418de46923ae98c43e770f1d945d293e945a3839200fd36f76a2290203cb"
                            "0b7f4f1a295113337c99b3818239440597fb0df293a24094f4ff5d0961e45f76";
static const char agreed[] = "abced224e893b0e77214dcbb7d0fd894169eb57fd7195f3e2d45d5f7900b3e05"
                             "182e2bf4fad4ec624a4f4850af1ce89f1ae13d704900a7e35b1ea19b681ea173";

static void key_halves_match_private_keys(void)
{
	uint8_t pub[64], priv[64], got[32];
	const char *pairs[][2] = {{pub1, priv1}, {pub2, priv2}};
	for (int i = 0; i < 2; i++) {
		zt_unhex(pairs[i][0], pub, sizeof(pub));
		zt_unhex(pairs[i][1], priv, sizeof(priv));
		zt_x25519_base(got, priv);
		CHECK_MEM(got, pub, 32);
		zt_ed25519_public(got, priv + 32);
		CHECK_MEM(got, pub + 32, 32);
	}
}

static void x25519_agreement_vector0(void)
{
	uint8_t p1[64], s1[64], p2[64], s2[64], raw[32], d[64], want[64];
	zt_unhex(pub1, p1, 64);
	zt_unhex(priv1, s1, 64);
	zt_unhex(pub2, p2, 64);
	zt_unhex(priv2, s2, 64);
	zt_unhex(agreed, want, 64);
	REQUIRE(zt_x25519(raw, s1, p2) == 0);
	zt_sha512(d, raw, 32);
	CHECK_MEM(d, want, 64);
	REQUIRE(zt_x25519(raw, s2, p1) == 0); /* symmetric */
	zt_sha512(d, raw, 32);
	CHECK_MEM(d, want, 64);
}

static void x25519_rejects_low_order_point(void)
{
	uint8_t s[64], zero[32] = {0}, out[32];
	zt_unhex(priv1, s, sizeof(s));
	CHECK(zt_x25519(out, s, zero) == -EINVAL);
}

static void signatures_vector0(void)
{
	uint8_t p1[64], s1[64], p2[64], s2[64], msg[64], sig[96], want[96];
	zt_unhex(pub1, p1, 64);
	zt_unhex(priv1, s1, 64);
	zt_unhex(pub2, p2, 64);
	zt_unhex(priv2, s2, 64);
	zt_unhex(agreed, msg, 64);
	zt_sign96(sig, s1 + 32, msg, sizeof(msg));
	zt_unhex("edb6d0f0066e339c86fbe8c36c8ddedda6a02db90729a313bba4baec48c8f456"
	         "8279e2b1d33d839f10e852e68b1c339e2bd2db621c56fd50407781ab21673e09"
	         "4ff251ac7de7d15d4be208c63f6a4dc85d74f63bec8ec60c32272f9c09485910",
	         want, sizeof(want));
	CHECK_MEM(sig, want, 96);
	CHECK(zt_verify96(p1 + 32, msg, sizeof(msg), sig));
	CHECK(!zt_verify96(p2 + 32, msg, sizeof(msg), sig));
	zt_sign96(sig, s2 + 32, msg, sizeof(msg));
	zt_unhex("230fa3e269ceb9b9d11c4eab63c92e1e7ea2a2a0492e78e48a023ba7ab1fd4ce"
	         "05e28009093c61c7103a9cf495ac896f23b309e2243ff6960236411632e16605"
	         "4ff251ac7de7d15d4be208c63f6a4dc85d74f63bec8ec60c32272f9c09485910",
	         want, sizeof(want));
	CHECK_MEM(sig, want, 96);
	CHECK(zt_verify96(p2 + 32, msg, sizeof(msg), sig));
}

static void signature_identity_a(void)
{
	/* §8.4: identity A's Ed25519 seed is the second half of its private key. */
	uint8_t priv[64], pub[64], sig[96], want[96];
	static const char m[] = "ZeroTier test vector";
	zt_unhex("ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843"
	         "fa2e16f9418bbd9702cae365f2af5fb4c420908b803a681d4daef6114d78a2d7",
	         pub, sizeof(pub));
	zt_unhex("bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bdd"
	         "d63a2f1cfa7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e",
	         priv, sizeof(priv));
	zt_unhex("b353c976ce36cd5557001b928a8eb22618d66aeecb38817494c398b6f57217ff"
	         "9a9ef966ba6fa1482acfa74e410133ef93d8cc53fe869a08f8266031b91fce04"
	         "1f4b9bf4a0bbf259c93c4a876de7bf958389a6d7e283bf8c665ac401e0237b33",
	         want, sizeof(want));
	zt_sign96(sig, priv + 32, m, strlen(m));
	CHECK_MEM(sig, want, 96);
	CHECK(zt_verify96(pub + 32, m, strlen(m), want));
}

static void verify_rejects_tampering(void)
{
	uint8_t p1[64], s1[64], sig[96];
	zt_unhex(pub1, p1, 64);
	zt_unhex(priv1, s1, 64);
	zt_sign96(sig, s1 + 32, "abc", 3);
	CHECK(zt_verify96(p1 + 32, "abc", 3, sig));
	CHECK(!zt_verify96(p1 + 32, "abd", 3, sig));
	for (size_t i = 0; i < 96; i += 13) {
		sig[i] ^= 0x01;
		CHECK(!zt_verify96(p1 + 32, "abc", 3, sig));
		sig[i] ^= 0x01;
	}
}

static void gmac_siv_subkeys(void)
{
	/* §8.5: the KBKDF messages for K0 and K1 under the A<->B key. */
	uint8_t k[48], out[48], want[48];
	static const uint8_t label0[13] = {0, 0, 0, 0, 'Z', 'T', '0', 0, 0, 0, 0, 1, 0x80};
	static const uint8_t label1[13] = {0, 0, 0, 0, 'Z', 'T', '1', 0, 0, 0, 0, 1, 0x80};
	zt_unhex("dc6e809530ea5ec8a164eb6e34981b3958ce89c525995b920c5bf144ffe6b31e"
	         "c5b1d14b858afb05f7bbb35c00ee2b9b",
	         k, sizeof(k));
	REQUIRE(zt_hmac_sha384(out, k, sizeof(k), label0, sizeof(label0)) == 0);
	zt_unhex("b3093a834dcf2db38470abbec1777e8586156819efe5d723b4b58d0054029f3e"
	         "cebabe2a1dd5483c68a02939ff2712fa",
	         want, sizeof(want));
	CHECK_MEM(out, want, 48);
	REQUIRE(zt_hmac_sha384(out, k, sizeof(k), label1, sizeof(label1)) == 0);
	zt_unhex("6dbb926cdefedda1a43a520039f3309b67a4ba41beb9cc088e5c7ce21618ce43"
	         "d021c80c75ce5de89e5c85d6e53efff5",
	         want, sizeof(want));
	CHECK_MEM(out, want, 48);
}

static void gmac_siv_steps_of_echo_vector(void)
{
	/* §8.7, cipher 3: GMAC tag, the SIV block S, and the CTR-encrypted payload. */
	uint8_t k0[32], k1[32], iv[12], a[16], payload[21], tag[16], want[32], block[16], s[16], back[16],
	    ctr[16];
	zt_unhex("b3093a834dcf2db38470abbec1777e8586156819efe5d723b4b58d0054029f3e", k0, 32);
	zt_unhex("6dbb926cdefedda1a43a520039f3309b67a4ba41beb9cc088e5c7ce21618ce43", k1, 32);
	zt_unhex("0123456789abcde800000000", iv, 12);
	zt_unhex("2e7ed86a478e4df28b72180000000000", a, 16);
	zt_unhex("085a65726f54696572207465737420766563746f72", payload, 21);
	REQUIRE(zt_aes256_gmac(tag, k0, iv, a, 16, payload, 21) == 0);
	zt_unhex("043866dad30de4017fd019f862fd1225", want, 16);
	CHECK_MEM(tag, want, 16);
	memcpy(block, iv, 8);
	for (int i = 0; i < 8; i++)
		block[8 + i] = tag[i] ^ tag[8 + i];
	zt_unhex("0123456789abcde87be87f22b1f0f624", want, 16);
	CHECK_MEM(block, want, 16);
	REQUIRE(zt_aes256_encrypt_block(s, block, k1) == 0);
	zt_unhex("c3632483a8b9606f049d233d173afd8f", want, 16);
	CHECK_MEM(s, want, 16);
	REQUIRE(zt_aes256_decrypt_block(back, s, k1) == 0);
	CHECK_MEM(back, block, 16);
	memcpy(ctr, s, 16);
	ctr[12] &= 0x7f;
	REQUIRE(zt_aes256_ctr(payload, payload, sizeof(payload), ctr, k1) == 0);
	zt_unhex("1ad0a8282dfecab339b0743c649fd2806427292cc3", want, 21);
	CHECK_MEM(payload, want, 21);
}

/* libcrypto's own AES-256 in one mode (CTR, or GCM with x || y as additional data and no plaintext),
 * as the reference the keyed contexts must match. */
static void reference_aes(const EVP_CIPHER *mode, const uint8_t key[32], const uint8_t *iv, uint8_t *out,
                          const uint8_t *in, size_t len, const uint8_t *x, size_t xlen, const uint8_t *y,
                          size_t ylen, uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;
	REQUIRE(ctx && EVP_EncryptInit_ex(ctx, mode, NULL, key, iv) == 1);
	if (len)
		REQUIRE(EVP_EncryptUpdate(ctx, out, &n, in, (int)len) == 1 && (size_t)n == len);
	if (xlen)
		REQUIRE(EVP_EncryptUpdate(ctx, NULL, &n, x, (int)xlen) == 1);
	if (ylen)
		REQUIRE(EVP_EncryptUpdate(ctx, NULL, &n, y, (int)ylen) == 1);
	if (tag) {
		uint8_t none[1];
		REQUIRE(EVP_EncryptFinal_ex(ctx, none, &n) == 1);
		REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
	}
	EVP_CIPHER_CTX_free(ctx);
}

/* The per-packet modes take their own ways (crypto.c: a short CTR run through libcrypto's CTR128 mode over
 * the ECB context, a longer one through EVP CTR; GCM through libsodium where it runs): the same bytes as
 * libcrypto's EVP CTR and GCM for every length class on both sides of the short/long border, counters that
 * carry across bytes and wrap, additional data in one run or two, and through one reused context. */
static void aes_modes_match_libcrypto(void)
{
	static uint8_t data[20016], got[20016], want[20016];
	uint8_t key[32], ctr[16], iv[12], tag[16], want_tag[16];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(7 * i + 1);
	struct zt_aes256 *a;
	REQUIRE(zt_aes256_new(&a, key) == 0);
	static const size_t lens[] = {0, 1, 15, 16, 17, 95, 255, 256, 257, 1023, 1024, 1025, 2800, 10040, 16368, 16400, 20000};
	static const char *ctrs[] = {"0123456789abcdef0011223344556677", "ffffffffffffffffffffffffffffffff",
	                             "000000000000000000000000fffffffe", "c3632483a8b9606f049d233d7ffffff0"};
	for (size_t c = 0; c < sizeof(ctrs) / sizeof(ctrs[0]); c++) {
		zt_unhex(ctrs[c], ctr, 16);
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			size_t len = lens[l];
			reference_aes(EVP_aes_256_ctr(), key, ctr, want, data, len, NULL, 0, NULL, 0, NULL);
			memcpy(got, data, len);
			REQUIRE(zt_aes256_ctr_run(a, got, got, len, ctr) == 0); /* in place, as packets are */
			if (len)
				CHECK_MEM(got, want, len);
		}
	}
	zt_unhex("0123456789abcde800000000", iv, 12);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		size_t len = lens[l];
		reference_aes(EVP_aes_256_gcm(), key, iv, NULL, NULL, 0, data, 16, data + 16, len, want_tag);
		REQUIRE(zt_aes256_gmac_run(a, tag, iv, data, 16, data + 16, len) == 0); /* one run */
		CHECK_MEM(tag, want_tag, 16);
		REQUIRE(zt_aes256_gmac_run(a, tag, iv, data, 16 + len, NULL, 0) == 0); /* x alone */
		CHECK_MEM(tag, want_tag, 16);
		memcpy(got, data + 16, len);
		REQUIRE(zt_aes256_gmac_run(a, tag, iv, data, 16, got, len) == 0); /* two runs */
		CHECK_MEM(tag, want_tag, 16);
		reference_aes(EVP_aes_256_gcm(), key, iv, NULL, NULL, 0, NULL, 0, data, len, want_tag);
		REQUIRE(zt_aes256_gmac_run(a, tag, iv, NULL, 0, data, len) == 0); /* y alone */
		CHECK_MEM(tag, want_tag, 16);
	}
	zt_aes256_free(a);
}

static void constant_time_compare(void)
{
	CHECK(zt_ct_eq("abcd", "abcd", 4));
	CHECK(!zt_ct_eq("abcd", "abce", 4));
	CHECK(zt_ct_eq("", "", 0));
}

static void warmup(void)
{
	zt_test_warm_crypto();
	/* libcrypto caches each mode on its first use: those the reference takes, which the engine need not */
	uint8_t key[32] = {0}, iv[16] = {0}, b[16], tag[16];
	reference_aes(EVP_aes_256_ctr(), key, iv, b, iv, 16, NULL, 0, NULL, 0, NULL);
	reference_aes(EVP_aes_256_gcm(), key, iv, NULL, NULL, 0, iv, 16, NULL, 0, tag);
}

static const struct zt_test tests[] = {
    ZT_TEST(salsa20_known_answer),
    ZT_TEST(salsa2012_known_answer),
    ZT_TEST(salsa20_block_counter_continues),
    ZT_TEST(poly1305_known_answers),
    ZT_TEST(sha512_known_answer),
    ZT_TEST(key_halves_match_private_keys),
    ZT_TEST(x25519_agreement_vector0),
    ZT_TEST(x25519_rejects_low_order_point),
    ZT_TEST(signatures_vector0),
    ZT_TEST(signature_identity_a),
    ZT_TEST(verify_rejects_tampering),
    ZT_TEST(gmac_siv_subkeys),
    ZT_TEST(gmac_siv_steps_of_echo_vector),
    ZT_TEST(aes_modes_match_libcrypto),
    ZT_TEST(constant_time_compare),
};

int main(int argc, char **argv)
{
	return zt_test_main("crypto", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

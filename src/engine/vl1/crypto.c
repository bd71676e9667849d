#include "vl1/crypto.h"

#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/modes.h>
#include <sodium.h>

int zt_crypto_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void zt_sha512(uint8_t out[ZT_SHA512_LEN], const void *msg, size_t len)
{
	crypto_hash_sha512(out, msg, len);
}

void zt_salsa2012_stream(uint8_t *out, size_t len, const uint8_t nonce[8], const uint8_t key[32])
{
	crypto_stream_salsa2012(out, len, nonce, key);
}

void zt_salsa2012_xor(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[8],
                      const uint8_t key[32])
{
	crypto_stream_salsa2012_xor(out, in, len, nonce, key);
}

void zt_salsa20_xor_ic(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[8], uint64_t block,
                       const uint8_t key[32])
{
	crypto_stream_salsa20_xor_ic(out, in, len, nonce, block, key);
}

void zt_poly1305(uint8_t tag[ZT_POLY1305_LEN], const void *msg, size_t len, const uint8_t key[32])
{
	crypto_onetimeauth_poly1305(tag, msg, len, key);
}

void zt_x25519_base(uint8_t pub[32], const uint8_t secret[32])
{
	crypto_scalarmult_base(pub, secret);
}

int zt_x25519(uint8_t shared[32], const uint8_t secret[32], const uint8_t peer_pub[32])
{
	return crypto_scalarmult(shared, secret, peer_pub) == 0 ? 0 : -EINVAL;
}

void zt_ed25519_public(uint8_t pub[32], const uint8_t seed[32])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pub, sk, seed);
	zt_wipe(sk, sizeof(sk));
}

void zt_sign96(uint8_t sig[ZT_SIGNATURE_LEN], const uint8_t seed[32], const void *msg, size_t len)
{
	uint8_t digest[ZT_SHA512_LEN], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	zt_sha512(digest, msg, len);
	/* libsodium's secret key is seed || public key; derive both so they cannot disagree. */
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, digest, 32, sk);
	memcpy(sig + crypto_sign_BYTES, digest, 32);
	zt_wipe(sk, sizeof(sk));
}

bool zt_verify96(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[ZT_SIGNATURE_LEN])
{
	uint8_t digest[ZT_SHA512_LEN];
	zt_sha512(digest, msg, len);
	if (!zt_ct_eq(sig + crypto_sign_BYTES, digest, 32))
		return false;
	return crypto_sign_verify_detached(sig, digest, 32, pub) == 0;
}

int zt_blake2b(uint8_t *out, size_t out_len, const void *msg, size_t len, const void *key, size_t key_len)
{
	if (out_len < crypto_generichash_BYTES_MIN || out_len > crypto_generichash_BYTES_MAX ||
	    (key_len && (key_len < crypto_generichash_KEYBYTES_MIN || key_len > crypto_generichash_KEYBYTES_MAX)))
		return -EINVAL;
	return crypto_generichash(out, out_len, msg, len, key_len ? key : NULL, key_len) == 0 ? 0 : -EINVAL;
}

int zt_base64url(char *out, size_t out_cap, const uint8_t *bin, size_t len)
{
	if (out_cap < sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -ENOSPC;
	sodium_bin2base64(out, out_cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

bool zt_ct_eq(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void zt_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/* Per packet, libcrypto's EVP layer costs more than the AES itself: a new IV goes through its parameter
 * handling, and all that code is out of the caches again when packets come a few milliseconds apart (a
 * ping: about 13 us to seal one 122-byte packet cold, 0.7 us warm). GMAC, the larger part, goes through
 * libsodium's AES-256-GCM, which keeps its expanded key and GHASH powers in one state and whose code is
 * small. libsodium's AES needs AES-NI and PCLMUL: without them, and for additional data beyond GMAC_MAX,
 * GCM stays libcrypto's.
 * Counter mode is libcrypto's in both its forms (a mode is not written here: crypto comes from libraries).
 * A short run goes through libcrypto's CTR128 mode function, the one its EVP CTR itself runs on a CPU
 * without a counter-mode stream: it takes the counter and a block cipher, here the ECB context the SIV
 * block has just used, so there is no IV to set (cold: about 1 us for a ping's 122 bytes where the EVP
 * set-up of a new IV costs 6-10 us). Longer runs go through EVP CTR, whose AES-NI stream is faster per
 * block once the set-up is paid (at 256 bytes, warm: 0.5 us against 0.15). */
#define GMAC_MAX  (16 * 1024)
#define CTR_SHORT 256

static_assert(alignof(crypto_aead_aes256gcm_state) <= alignof(max_align_t), "calloc aligns the state");

struct zt_aes256 {
	crypto_aead_aes256gcm_state gcm_state; /* libsodium's, set up on the first GMAC */
	bool gcm_keyed;
	uint8_t key[ZT_AES256_KEY_LEN];
	/* Keyed on first use of each mode, then reused: set-up (allocation, key schedule) costs more than
	 * the work on a small packet. */
	EVP_CIPHER_CTX *enc, *dec, *ctr, *gcm;
};

/* Whether libsodium's AES-256-GCM runs on this CPU; asked once. */
static bool sodium_gcm(void)
{
	static atomic_int avail = -1;
	int v = atomic_load_explicit(&avail, memory_order_relaxed);
	if (v < 0) {
		v = sodium_init() >= 0 && crypto_aead_aes256gcm_is_available();
		atomic_store_explicit(&avail, v, memory_order_relaxed);
	}
	return v;
}

int zt_aes256_new(struct zt_aes256 **out, const uint8_t key[ZT_AES256_KEY_LEN])
{
	struct zt_aes256 *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	memcpy(a->key, key, sizeof(a->key));
	*out = a;
	return 0;
}

void zt_aes256_free(struct zt_aes256 *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->enc);
	EVP_CIPHER_CTX_free(a->dec);
	EVP_CIPHER_CTX_free(a->ctr);
	EVP_CIPHER_CTX_free(a->gcm);
	zt_wipe(a, sizeof(*a));
	free(a);
}

/* The context for one mode, keyed with the key (and a zero IV) the first time. NULL if libcrypto fails. */
static EVP_CIPHER_CTX *mode_ctx(struct zt_aes256 *a, EVP_CIPHER_CTX **slot, const EVP_CIPHER *mode, int encrypt)
{
	static const uint8_t zero_iv[16];
	if (*slot)
		return *slot;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || EVP_CipherInit_ex(ctx, mode, NULL, a->key, zero_iv, encrypt) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	*slot = ctx;
	return ctx;
}

int zt_aes256_block(struct zt_aes256 *a, bool encrypt, uint8_t out[16], const uint8_t in[16])
{
	EVP_CIPHER_CTX *ctx = encrypt ? mode_ctx(a, &a->enc, EVP_aes_256_ecb(), 1)
	                              : mode_ctx(a, &a->dec, EVP_aes_256_ecb(), 0);
	int n = 0;
	/* ECB without padding emits each whole block from the update alone. */
	if (!ctx || EVP_CipherUpdate(ctx, out, &n, in, 16) != 1 || n != 16)
		return -EIO;
	return 0;
}

/* The block cipher libcrypto's CTR128 mode runs on: one block through the keyed ECB context. */
struct ecb_block {
	EVP_CIPHER_CTX *ctx;
	bool *failed;
};

static void ecb_block(const unsigned char in[16], unsigned char out[16], const void *key)
{
	const struct ecb_block *b = key;
	int n = 0;
	if (EVP_CipherUpdate(b->ctx, out, &n, in, 16) != 1 || n != 16)
		*b->failed = true;
}

int zt_aes256_ctr_run(struct zt_aes256 *a, uint8_t *out, const uint8_t *in, size_t len, const uint8_t ctr[16])
{
	if (len <= CTR_SHORT) {
		bool failed = false;
		struct ecb_block b = {mode_ctx(a, &a->enc, EVP_aes_256_ecb(), 1), &failed};
		uint8_t counter[16], ks[16];
		unsigned num = 0;
		if (!b.ctx)
			return -EIO;
		memcpy(counter, ctr, 16);
		CRYPTO_ctr128_encrypt(in, out, len, &b, counter, ks, &num, ecb_block);
		zt_wipe(ks, sizeof(ks));
		return failed ? -EIO : 0;
	}
	EVP_CIPHER_CTX *ctx = mode_ctx(a, &a->ctr, EVP_aes_256_ctr(), 1);
	int n = 0;
	if (!ctx || len > (size_t)INT32_MAX || EVP_CipherInit_ex(ctx, NULL, NULL, NULL, ctr, 1) != 1)
		return -EIO;
	if (len && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len))
		return -EIO;
	return 0;
}

int zt_aes256_gmac_run(struct zt_aes256 *a, uint8_t tag[16], const uint8_t iv[12], const void *x, size_t xlen,
                       const void *y, size_t ylen)
{
	if (sodium_gcm() && xlen <= GMAC_MAX && ylen <= GMAC_MAX - xlen) {
		if (!a->gcm_keyed) {
			crypto_aead_aes256gcm_beforenm(&a->gcm_state, a->key);
			a->gcm_keyed = true;
		}
		/* GCM over no plaintext: the tag is GMAC over the additional data, which must be one run */
		uint8_t buf[GMAC_MAX];
		const uint8_t *ad = xlen ? x : y;
		if (xlen && ylen && (const uint8_t *)x + xlen != y) {
			memcpy(buf, x, xlen);
			memcpy(buf + xlen, y, ylen);
			ad = buf;
		}
		uint8_t none[1];
		unsigned long long tag_len;
		crypto_aead_aes256gcm_encrypt_detached_afternm(none, tag, &tag_len, none, 0, ad, xlen + ylen, NULL,
		                                               iv, &a->gcm_state);
		return tag_len == 16 ? 0 : -EIO;
	}
	/* GCM's default IV length is the 12 bytes we have. */
	EVP_CIPHER_CTX *ctx = mode_ctx(a, &a->gcm, EVP_aes_256_gcm(), 1);
	int n = 0;
	uint8_t none[1];
	if (!ctx || xlen > (size_t)INT32_MAX || ylen > (size_t)INT32_MAX ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1)
		return -EIO;
	if (xlen && EVP_EncryptUpdate(ctx, NULL, &n, x, (int)xlen) != 1)
		return -EIO;
	if (ylen && EVP_EncryptUpdate(ctx, NULL, &n, y, (int)ylen) != 1)
		return -EIO;
	if (EVP_EncryptFinal_ex(ctx, none, &n) != 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return -EIO;
	return 0;
}

/* The one-shot forms key a throwaway context. */
#define ONE_SHOT(key, call)                                                                                  \
	do {                                                                                                 \
		struct zt_aes256 *a_;                                                                        \
		int r_ = zt_aes256_new(&a_, key);                                                            \
		if (r_ == 0) {                                                                               \
			r_ = call;                                                                           \
			zt_aes256_free(a_);                                                                  \
		}                                                                                            \
		return r_;                                                                                   \
	} while (0)

int zt_aes256_encrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32])
{
	ONE_SHOT(key, zt_aes256_block(a_, true, out, in));
}

int zt_aes256_decrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32])
{
	ONE_SHOT(key, zt_aes256_block(a_, false, out, in));
}

int zt_aes256_ctr(uint8_t *out, const uint8_t *in, size_t len, const uint8_t ctr[16], const uint8_t key[32])
{
	ONE_SHOT(key, zt_aes256_ctr_run(a_, out, in, len, ctr));
}

int zt_aes256_gmac(uint8_t tag[16], const uint8_t key[32], const uint8_t iv[12], const void *a, size_t alen,
                   const void *b, size_t blen)
{
	ONE_SHOT(key, zt_aes256_gmac_run(a_, tag, iv, a, alen, b, blen));
}

int zt_hmac_sha384(uint8_t out[ZT_SHA384_LEN], const void *key, size_t keylen, const void *msg, size_t len)
{
	unsigned int n = 0;
	if (keylen > (size_t)INT32_MAX)
		return -EINVAL;
	if (!HMAC(EVP_sha384(), key, (int)keylen, msg, len, out, &n) || n != ZT_SHA384_LEN)
		return -EIO;
	return 0;
}

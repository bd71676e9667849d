#include "vl1/crypto.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* One pass of an AES-256 mode with padding off; `iv` may be NULL for ECB. */
static int aes_run(const EVP_CIPHER *mode, bool encrypt, const uint8_t key[32], const uint8_t *iv,
                   uint8_t *out, const uint8_t *in, size_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ret = -EIO, n = 0, fin = 0;
	if (!ctx)
		return -ENOMEM;
	if (len > (size_t)INT32_MAX)
		goto out;
	if (EVP_CipherInit_ex(ctx, mode, NULL, key, iv, encrypt ? 1 : 0) != 1)
		goto out;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 || (size_t)(n + fin) != len)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int zt_aes256_encrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32])
{
	return aes_run(EVP_aes_256_ecb(), true, key, NULL, out, in, 16);
}

int zt_aes256_decrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32])
{
	return aes_run(EVP_aes_256_ecb(), false, key, NULL, out, in, 16);
}

int zt_aes256_ctr(uint8_t *out, const uint8_t *in, size_t len, const uint8_t ctr[16], const uint8_t key[32])
{
	return aes_run(EVP_aes_256_ctr(), true, key, ctr, out, in, len);
}

int zt_aes256_gmac(uint8_t tag[16], const uint8_t key[32], const uint8_t iv[12], const void *a, size_t alen,
                   const void *b, size_t blen)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ret = -EIO, n = 0;
	uint8_t none[1];
	if (!ctx)
		return -ENOMEM;
	if (alen > (size_t)INT32_MAX || blen > (size_t)INT32_MAX)
		goto out;
	/* GCM's default IV length is the 12 bytes we have. */
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv) != 1)
		goto out;
	if (alen && EVP_EncryptUpdate(ctx, NULL, &n, a, (int)alen) != 1)
		goto out;
	if (blen && EVP_EncryptUpdate(ctx, NULL, &n, b, (int)blen) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, none, &n) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
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

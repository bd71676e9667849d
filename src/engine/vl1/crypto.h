/* The cryptographic primitives VL1 uses, as thin wrappers: libsodium for everything but AES blocks, and
 * OpenSSL's libcrypto for AES blocks and CTR mode (cipher suite 3 and extended armor), GCM where libsodium's
 * cannot run, and HMAC-SHA-384. Nothing is hand-written. */
#ifndef ZTRUN_VL1_CRYPTO_H
#define ZTRUN_VL1_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_SHA512_LEN     64
#define ZT_SHA384_LEN     48
#define ZT_SIGNATURE_LEN  96 /* Ed25519 signature (64) || first 32 bytes of SHA-512(message) */
#define ZT_POLY1305_LEN   16
#define ZT_AES_BLOCK_LEN  16
#define ZT_AES256_KEY_LEN 32

/* Fills buf with len unpredictable bytes. The core never reads a random source itself: the host passes
 * this in, so simulations and tests replay exactly. Must not fail. */
typedef void zt_random_fn(void *arg, void *buf, size_t len);

/* Initialises libsodium; call once before anything else in VL1 (it is idempotent). 0 or -EIO. */
int zt_crypto_init(void);

void zt_sha512(uint8_t out[ZT_SHA512_LEN], const void *msg, size_t len);

/* Salsa20/12 keystream (from block 0) into out, and XOR of in with it (out may equal in). */
void zt_salsa2012_stream(uint8_t *out, size_t len, const uint8_t nonce[8], const uint8_t key[32]);
void zt_salsa2012_xor(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[8],
                      const uint8_t key[32]);
/* Salsa20/20, starting at 64-byte keystream block `block` (out may equal in). */
void zt_salsa20_xor_ic(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[8], uint64_t block,
                       const uint8_t key[32]);

void zt_poly1305(uint8_t tag[ZT_POLY1305_LEN], const void *msg, size_t len, const uint8_t key[32]);

/* X25519. zt_x25519 returns -EINVAL for a low-order peer key (all-zero result): treat that peer as invalid.
 */
void zt_x25519_base(uint8_t pub[32], const uint8_t secret[32]);
int zt_x25519(uint8_t shared[32], const uint8_t secret[32], const uint8_t peer_pub[32]);

/* Ed25519 in ZeroTier's 96-byte form: signs SHA-512(msg)[0..32) with the RFC 8032 seed. */
void zt_ed25519_public(uint8_t pub[32], const uint8_t seed[32]);
void zt_sign96(uint8_t sig[ZT_SIGNATURE_LEN], const uint8_t seed[32], const void *msg, size_t len);
bool zt_verify96(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[ZT_SIGNATURE_LEN]);

/* BLAKE2b (libsodium's generic hash) of msg into out_len bytes (16..64), keyed with key[0..key_len) (0 or
 * 16..64 bytes; NULL/0: unkeyed). 0 or -EINVAL for a length out of range. */
int zt_blake2b(uint8_t *out, size_t out_len, const void *msg, size_t len, const void *key, size_t key_len);

/* URL-safe base64 without padding (RFC 4648 §5) of bin into out (NUL-terminated); out_cap must hold
 * ZT_BASE64URL_LEN(len) + 1 bytes. 0 or -ENOSPC. */
#define ZT_BASE64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
int zt_base64url(char *out, size_t out_cap, const uint8_t *bin, size_t len);

/* Constant-time equality, and a wipe the compiler may not drop. */
bool zt_ct_eq(const void *a, const void *b, size_t n);
void zt_wipe(void *p, size_t n);

/* AES-256 through OpenSSL (and GCM through libsodium where the CPU allows: crypto.c), keyed once for many
 * calls: each mode's context is set up on its first use and reused, so a packet costs neither an
 * allocation nor a key schedule. One owner at a time (the contexts change with every call). Calls return
 * 0, -EIO if libcrypto fails, or -ENOMEM. */
struct zt_aes256;
int zt_aes256_new(struct zt_aes256 **out, const uint8_t key[ZT_AES256_KEY_LEN]);
void zt_aes256_free(struct zt_aes256 *a); /* wipes the key; NULL is fine */
int zt_aes256_block(struct zt_aes256 *a, bool encrypt, uint8_t out[16], const uint8_t in[16]);
/* CTR mode with a 128-bit big-endian counter starting at `ctr` (out may equal in). */
int zt_aes256_ctr_run(struct zt_aes256 *a, uint8_t *out, const uint8_t *in, size_t len, const uint8_t ctr[16]);
/* GMAC: AES-256-GCM with an empty plaintext over the additional data x || y; 16-byte tag. */
int zt_aes256_gmac_run(struct zt_aes256 *a, uint8_t tag[16], const uint8_t iv[12], const void *x, size_t xlen,
                       const void *y, size_t ylen);

/* The same, one-shot: a context made and freed per call, for rare paths (extended armor) and tests. */
int zt_aes256_encrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32]);
int zt_aes256_decrypt_block(uint8_t out[16], const uint8_t in[16], const uint8_t key[32]);
int zt_aes256_ctr(uint8_t *out, const uint8_t *in, size_t len, const uint8_t ctr[16], const uint8_t key[32]);
int zt_aes256_gmac(uint8_t tag[16], const uint8_t key[32], const uint8_t iv[12], const void *a, size_t alen,
                   const void *b, size_t blen);
/* HMAC-SHA-384 through OpenSSL. 0 or -EIO. */
int zt_hmac_sha384(uint8_t out[ZT_SHA384_LEN], const void *key, size_t keylen, const void *msg, size_t len);

#endif

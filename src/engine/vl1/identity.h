/* ZeroTier identities (type 0): 40-bit address, X25519 + Ed25519 keys, the memory-hard address proof,
 * text and binary forms, signatures, and the static key agreement that gives each peer pair its key. */
#ifndef ZTRUN_VL1_IDENTITY_H
#define ZTRUN_VL1_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/crypto.h"
#include "vl1/wire.h"

#define ZT_ADDRESS_LEN              5
#define ZT_ADDRESS_TEXT_LEN         10
#define ZT_IDENTITY_PUB_LEN         64 /* X25519 public (32) || Ed25519 public (32) */
#define ZT_IDENTITY_PRIV_LEN        64 /* X25519 secret (32, unclamped) || Ed25519 seed (32) */
#define ZT_IDENTITY_BIN_PUBLIC_LEN  71
#define ZT_IDENTITY_BIN_SECRET_LEN  135
#define ZT_IDENTITY_TEXT_PUBLIC_LEN 141 /* without the terminating NUL */
#define ZT_IDENTITY_TEXT_SECRET_LEN 270
#define ZT_IDENTITY_TEXT_MAX        (ZT_IDENTITY_TEXT_SECRET_LEN + 1)
#define ZT_SHARED_KEY_LEN           48
/* Memory the address proof works in; pass a buffer this size to avoid a 2 MiB allocation per call. */
#define ZT_IDENTITY_HASH_SCRATCH 2097152

struct zt_identity {
	uint64_t address; /* low 40 bits */
	uint8_t pub[ZT_IDENTITY_PUB_LEN];
	uint8_t priv[ZT_IDENTITY_PRIV_LEN]; /* all zero unless has_priv */
	bool has_priv;
};

/* 0 and anything starting with 0xff can never be a node's address. */
bool zt_address_reserved(uint64_t address);
/* 10 lowercase hex digits and a NUL. */
void zt_address_format(uint64_t address, char out[ZT_ADDRESS_TEXT_LEN + 1]);
/* IDs in text (addresses: ZT_ADDRESS_TEXT_LEN digits, network IDs: 16): the whole of s is exactly `digits`
 * hex digits of either case (digits 0: any count from 1 to 16). true with the value in *out. */
bool zt_hex_parse(const char *s, size_t digits, uint64_t *out);
/* The same for the first n characters of s (1..16), whatever follows them. */
bool zt_hex_parse_n(const char *s, size_t n, uint64_t *out);
/* n bytes from the 2n hex digits at s (no terminator needed); false if any is not one (out then partly
 * written). */
bool zt_hex_bytes(const char *s, size_t n, uint8_t *out);

/* The memory-hard hash H(pub) of spec §2.3; about 20 ms of work. `scratch` is ZT_IDENTITY_HASH_SCRATCH
 * bytes or NULL to allocate (and free) one. 0 or -ENOMEM. */
int zt_identity_hash(const uint8_t pub[ZT_IDENTITY_PUB_LEN], uint8_t digest[64], void *scratch);
/* Its first phase alone, filling scratch from SHA-512(pub): exposed so tests can check the spec's
 * intermediate values. */
void zt_identity_hash_fill(const uint8_t sha512_of_pub[64], void *scratch);

/* Makes a new identity with a secret, drawing key material from rnd (about 15 hash evaluations).
 * 0, -ENOMEM, or -EAGAIN if rnd looks broken (it repeats itself, or a thousand candidates in a row fail). */
int zt_identity_generate(struct zt_identity *id, zt_random_fn *rnd, void *rnd_arg, void *scratch);

/* The full check a stock node runs on a new identity: address not reserved and proven by H(pub).
 * 0 if valid, -EINVAL if not, -ENOMEM. Expensive: cache the result. */
int zt_identity_validate(const struct zt_identity *id, void *scratch);

/* Cheap check that the secret halves really produce the public key (for a loaded identity.secret).
 * 0, or -EINVAL (also when there is no secret). */
int zt_identity_check_secret(const struct zt_identity *id);

/* Text form "<address>:0:<public hex>[:<private hex>]". Parsing accepts either case and ignores trailing
 * whitespace (a file's newline), rejects reserved addresses and wrong field lengths, and does not run
 * the memory-hard check. 0 or -EINVAL. */
int zt_identity_from_text(struct zt_identity *id, const char *text, size_t len);
/* Writes the text form and a NUL; returns its length, or -ENOSPC, or -EINVAL (secret asked, none held). */
int zt_identity_to_text(const struct zt_identity *id, bool with_secret, char *out, size_t cap);

/* Binary form of spec §2.6, read from / written to the wire. Reading: 0, or -EBADMSG for a malformed
 * identity (bad type, key length or reserved address) or a short read (then r->bad is set too).
 * Writing errors surface as w->bad. Only write the secret to storage, never to the wire. */
int zt_identity_read(struct zt_identity *id, struct zt_rd *r);
void zt_identity_write(const struct zt_identity *id, bool with_secret, struct zt_wr *w);

/* The long-term key shared by `me` (with secret) and `peer`: SHA-512(X25519)[0..48), the same from both
 * sides. 0, or -EINVAL (no secret, or a low-order peer key: treat that peer as invalid). */
int zt_identity_agree(const struct zt_identity *me, const struct zt_identity *peer,
                      uint8_t key[ZT_SHARED_KEY_LEN]);

/* 96-byte signatures (spec §3.9). Signing: 0 or -EINVAL without a secret. */
int zt_identity_sign(const struct zt_identity *id, const void *msg, size_t len,
                     uint8_t sig[ZT_SIGNATURE_LEN]);
bool zt_identity_verify(const struct zt_identity *id, const void *msg, size_t len,
                        const uint8_t sig[ZT_SIGNATURE_LEN]);

bool zt_identity_equal(const struct zt_identity *a, const struct zt_identity *b); /* address + public key */
void zt_identity_wipe(struct zt_identity *id);

#endif

/* VL1 packets on the wire: the 28-byte header, armor (ciphers 0, 1 and 3 both ways; extended armor
 * receive-only), the HELLO field cipher, and LZ4 payload compression. Per packet: in place, no allocation. */
#ifndef ZTRUN_VL1_PACKET_H
#define ZTRUN_VL1_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/wire.h"

#define ZT_PACKET_IDX_ID      0
#define ZT_PACKET_IDX_DEST    8
#define ZT_PACKET_IDX_SRC     13
#define ZT_PACKET_IDX_FLAGS   18
#define ZT_PACKET_IDX_MAC     19
#define ZT_PACKET_IDX_VERB    27
#define ZT_PACKET_IDX_PAYLOAD 28
#define ZT_PACKET_MIN_LEN     28
/* 7 fragments of the default MTU: the most a stock node builds or can hold. */
#define ZT_PACKET_MAX_LEN     10024
#define ZT_PACKET_MAX_PAYLOAD (ZT_PACKET_MAX_LEN - ZT_PACKET_IDX_PAYLOAD)

/* Flags byte P[18]. 0x80 on cipher 0 marks extended armor [P13]; on cipher 1 it is 1.14's legacy
 * "encrypted" marker, which receivers ignore. */
#define ZT_FLAG_HIGH_BIT   0x80
#define ZT_FLAG_FRAGMENTED 0x40
#define ZT_FLAG_CIPHER     0x38
#define ZT_FLAG_HOPS       0x07

#define ZT_VERB_COMPRESSED 0x80
#define ZT_VERB_MASK       0x1f

/* Extended armor appends the sender's ephemeral X25519 public key. */
#define ZT_EXT_ARMOR_LEN 32

enum zt_cipher {
	ZT_CIPHER_POLY1305_NONE = 0,      /* authenticated, not encrypted: HELLO */
	ZT_CIPHER_SALSA2012_POLY1305 = 1, /* everything else we send */
	ZT_CIPHER_TRUSTED_PATH = 2,       /* never accepted */
	ZT_CIPHER_AES_GMAC_SIV = 3,       /* to peers that announced protocol >= 12 */
};

struct zt_packet_header {
	uint8_t id[8]; /* as on the wire: what replies quote */
	uint64_t dest, src;
	uint8_t flags; /* the raw byte; the fields below are decoded from it */
	uint8_t cipher, hops;
	bool fragmented;
	bool ext_armor; /* cipher 0 with the high bit: strip with zt_packet_strip_ext_armor first */
	uint8_t mac[8];
	uint8_t verb; /* raw verb byte: still encrypted under cipher 1 and 3 until dearmored */
};

/* Decodes the header of a packet (or of the head of a fragmented one). 0, or -EBADMSG if shorter than
 * 28 bytes or either address is reserved (byte 13 == 0xff is a fragment, not a packet). */
int zt_packet_parse_header(struct zt_packet_header *h, const uint8_t *pkt, size_t len);

/* Writes a 28-byte header with a zero MAC; the caller then writes the payload with the same writer.
 * `flags` is usually 0: armor sets the cipher bits, fragmenting sets ZT_FLAG_FRAGMENTED. */
void zt_packet_write_header(struct zt_wr *w, const uint8_t id[8], uint64_t dest, uint64_t src, uint8_t flags,
                            uint8_t verb);

/* The per-packet Salsa20 key of spec §3.3: binds ID, addresses, flags (minus hops) and the total length
 * `len` (of the whole packet, even when only a head is at hand) to the key. Needs 19 readable bytes. */
void zt_packet_mangle_key(uint8_t out[32], const uint8_t key[32], const uint8_t *pkt, size_t len);

/* Arms a finished packet in place with cipher 0 or 1: sets the cipher bits (leaving the high bit,
 * fragment flag and hops as the caller set them), encrypts for cipher 1, writes the MAC. `key` is the
 * 48-byte shared key. 0, or -EINVAL (bad cipher, or length outside 28..ZT_PACKET_MAX_LEN). */
int zt_packet_armor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], enum zt_cipher cipher);

/* AES-GMAC-SIV (cipher 3) for one peer: K0 keys GMAC, K1 the SIV block and CTR. Derived once per peer
 * key (spec §3.6); the OpenSSL contexts inside are reused for every packet, so one node (one thread)
 * owns it. */
struct zt_gmac_siv_keys {
	struct zt_aes256 *k0, *k1;
};
/* 0, -EIO or -ENOMEM (then nothing is held). */
int zt_gmac_siv_keys_derive(struct zt_gmac_siv_keys *keys, const uint8_t key[ZT_SHARED_KEY_LEN]);
void zt_gmac_siv_keys_free(struct zt_gmac_siv_keys *keys);

/* Arms a finished packet in place with cipher 3 (spec §3.6): sets the cipher bits and clears the high
 * bit (leaving the fragment flag and hops), encrypts the verb and payload, and replaces the packet ID
 * and MAC with the SIV block, so the wire ID - the one replies quote - is only known after this. The ID
 * the caller wrote must be fresh random bytes. 0, -EINVAL (length), or -EIO. */
int zt_packet_armor_siv(uint8_t *pkt, size_t len, struct zt_gmac_siv_keys *siv);

/* Authenticates and decrypts a whole (reassembled, extended armor already stripped) packet in place.
 * Cipher 0 and 1 need `key`; cipher 3 needs `siv` (may be NULL: then cipher 3 is refused).
 * 0; -EBADMSG if it fails authentication or is too short/long (the bytes are then left as they were);
 * -ENOTSUP for cipher 2 and undefined suites; -EIO if libcrypto fails (cipher 3). Drop on any error. */
int zt_packet_dearmor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN],
                      struct zt_gmac_siv_keys *siv);

/* Removes extended armor [P13] (spec §3.8) using our own identity's secret: decrypts P[19..len-32) and
 * drops the trailing ephemeral key, shrinking *len by 32. This authenticates nothing: follow it with
 * zt_packet_dearmor (cipher 0). 0, -EBADMSG (not extended-armored, or under 60 bytes), -EINVAL (no
 * secret, or a low-order ephemeral key). */
int zt_packet_strip_ext_armor(uint8_t *pkt, size_t *len, const struct zt_identity *me);

/* The HELLO tail cipher (spec §3.7): XORs P[start..len) with Salsa20/12 under the unmangled key. Its own
 * inverse: the sender applies it before armoring, the receiver after dearmoring. 0 or -EINVAL. */
int zt_packet_crypt_field(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], size_t start);

/* LZ4 block compression of P[28..len) (spec §4.4), before armoring. Compresses only a payload over 64
 * bytes that gets shorter, as stock nodes do; sets the verb's compressed bit. 1 if compressed (*len
 * updated), 0 if left alone, -EINVAL for a malformed packet. Never compress a HELLO. */
int zt_packet_compress(uint8_t *pkt, size_t *len);

/* After dearmoring: if the verb's compressed bit is set, decompresses the payload in place (at most
 * ZT_PACKET_MAX_PAYLOAD bytes, and never past `cap`) and clears the bit. 0 (also when there was nothing
 * to do), or -EBADMSG (corrupt, or too big: drop). */
int zt_packet_decompress(uint8_t *pkt, size_t *len, size_t cap);

#endif

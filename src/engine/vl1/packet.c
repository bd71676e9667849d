#include "vl1/packet.h"

#include <errno.h>
#include <string.h>

#include <lz4.h>

#define MAC_LEN 8

int zt_packet_parse_header(struct zt_packet_header *h, const uint8_t *pkt, size_t len)
{
	struct zt_rd r;
	memset(h, 0, sizeof(*h));
	zt_rd_init(&r, pkt, len);
	zt_rd_copy(&r, h->id, sizeof(h->id));
	h->dest = zt_rd_u40(&r);
	h->src = zt_rd_u40(&r);
	h->flags = zt_rd_u8(&r);
	zt_rd_copy(&r, h->mac, sizeof(h->mac));
	h->verb = zt_rd_u8(&r);
	if (r.bad || zt_address_reserved(h->dest) || zt_address_reserved(h->src)) {
		memset(h, 0, sizeof(*h));
		return -EBADMSG;
	}
	h->cipher = (h->flags & ZT_FLAG_CIPHER) >> 3;
	h->hops = h->flags & ZT_FLAG_HOPS;
	h->fragmented = (h->flags & ZT_FLAG_FRAGMENTED) != 0;
	h->ext_armor = h->cipher == ZT_CIPHER_POLY1305_NONE && (h->flags & ZT_FLAG_HIGH_BIT);
	return 0;
}

void zt_packet_write_header(struct zt_wr *w, const uint8_t id[8], uint64_t dest, uint64_t src, uint8_t flags,
                            uint8_t verb)
{
	zt_wr_bytes(w, id, 8);
	zt_wr_u40(w, dest);
	zt_wr_u40(w, src);
	zt_wr_u8(w, flags);
	zt_wr_zero(w, MAC_LEN);
	zt_wr_u8(w, verb);
}

void zt_packet_mangle_key(uint8_t out[32], const uint8_t key[32], const uint8_t *pkt, size_t len)
{
	for (size_t i = 0; i < ZT_PACKET_IDX_FLAGS; i++)
		out[i] = key[i] ^ pkt[i];
	/* Relays change the hop count, so it cannot be bound to the MAC. */
	out[18] = key[18] ^ (pkt[ZT_PACKET_IDX_FLAGS] & (uint8_t)~ZT_FLAG_HOPS);
	out[19] = key[19] ^ (uint8_t)(len & 0xff); /* little-endian, unlike everything else */
	out[20] = key[20] ^ (uint8_t)((len >> 8) & 0xff);
	memcpy(out + 21, key + 21, 11);
}

static bool length_ok(size_t len)
{
	return len >= ZT_PACKET_MIN_LEN && len <= ZT_PACKET_MAX_LEN;
}

/* Keystream block 0 keys Poly1305; encryption starts at block 1. Stock nodes generate the whole stream
 * at once too: 10 KiB of stack at most. */
static int salsa_poly(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], bool encrypt_payload,
                      bool decrypt)
{
	uint8_t mk[32], ks[64 + ZT_PACKET_MAX_LEN - ZT_PACKET_IDX_VERB], tag[ZT_POLY1305_LEN];
	uint8_t *body = pkt + ZT_PACKET_IDX_VERB;
	size_t body_len = len - ZT_PACKET_IDX_VERB;
	size_t ks_len = 64 + (encrypt_payload ? body_len : 0);
	int ret = 0;

	zt_packet_mangle_key(mk, key, pkt, len);
	zt_salsa2012_stream(ks, ks_len, pkt + ZT_PACKET_IDX_ID, mk);
	if (encrypt_payload && !decrypt)
		for (size_t i = 0; i < body_len; i++)
			body[i] ^= ks[64 + i];
	/* The MAC is over the ciphertext. */
	zt_poly1305(tag, body, body_len, ks);
	if (!decrypt)
		memcpy(pkt + ZT_PACKET_IDX_MAC, tag, MAC_LEN);
	else if (!zt_ct_eq(tag, pkt + ZT_PACKET_IDX_MAC, MAC_LEN))
		ret = -EBADMSG;
	else if (encrypt_payload)
		for (size_t i = 0; i < body_len; i++)
			body[i] ^= ks[64 + i];
	zt_wipe(mk, sizeof(mk));
	zt_wipe(ks, ks_len);
	return ret;
}

int zt_packet_armor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], enum zt_cipher cipher)
{
	if (!length_ok(len) || (cipher != ZT_CIPHER_POLY1305_NONE && cipher != ZT_CIPHER_SALSA2012_POLY1305))
		return -EINVAL;
	pkt[ZT_PACKET_IDX_FLAGS] = (uint8_t)((pkt[ZT_PACKET_IDX_FLAGS] & ~ZT_FLAG_CIPHER) | (cipher << 3));
	return salsa_poly(pkt, len, key, cipher == ZT_CIPHER_SALSA2012_POLY1305, false);
}

int zt_gmac_siv_keys_derive(struct zt_gmac_siv_keys *keys, const uint8_t key[ZT_SHARED_KEY_LEN])
{
	/* KBKDF in counter mode with HMAC-SHA-384: BE32 counter 0, "ZT", label, 0, context 0, BE32 384. */
	uint8_t msg[13] = {0, 0, 0, 0, 'Z', 'T', '0', 0, 0, 0, 0, 1, 0x80}, out[ZT_SHA384_LEN];
	memset(keys, 0, sizeof(*keys));
	int ret = zt_hmac_sha384(out, key, ZT_SHARED_KEY_LEN, msg, sizeof(msg));
	if (ret == 0)
		ret = zt_aes256_new(&keys->k0, out);
	msg[6] = '1';
	if (ret == 0)
		ret = zt_hmac_sha384(out, key, ZT_SHARED_KEY_LEN, msg, sizeof(msg));
	if (ret == 0)
		ret = zt_aes256_new(&keys->k1, out);
	zt_wipe(out, sizeof(out));
	if (ret)
		zt_gmac_siv_keys_free(keys);
	return ret;
}

void zt_gmac_siv_keys_free(struct zt_gmac_siv_keys *keys)
{
	zt_aes256_free(keys->k0);
	zt_aes256_free(keys->k1);
	keys->k0 = keys->k1 = NULL;
}

/* The authenticated data: destination, source and flags without the hops (relays change them), padded
 * with zeros to one AES block. */
static void siv_aad(uint8_t aad[16], const uint8_t *pkt)
{
	memset(aad, 0, 16);
	memcpy(aad, pkt + ZT_PACKET_IDX_DEST, 11);
	aad[10] &= (uint8_t)~ZT_FLAG_HOPS;
}

/* The folded GMAC tag of the plaintext body under the 8-byte IV. */
static int siv_tag(uint8_t folded[8], struct zt_gmac_siv_keys *siv, const uint8_t iv8[8], const uint8_t *pkt,
                   size_t len)
{
	uint8_t aad[16], iv[12] = {0}, tag[16];
	siv_aad(aad, pkt);
	memcpy(iv, iv8, 8);
	int ret = zt_aes256_gmac_run(siv->k0, tag, iv, aad, sizeof(aad), pkt + ZT_PACKET_IDX_VERB,
	                             len - ZT_PACKET_IDX_VERB);
	for (int i = 0; i < 8; i++)
		folded[i] = tag[i] ^ tag[8 + i];
	return ret;
}

/* CTR over the body with the counter block S, its bit 31 from the end cleared so the 32-bit counter
 * cannot carry into byte 11. Its own inverse. */
static int siv_ctr(struct zt_gmac_siv_keys *siv, const uint8_t s[16], uint8_t *pkt, size_t len)
{
	uint8_t ctr[16];
	memcpy(ctr, s, 16);
	ctr[12] &= 0x7f;
	return zt_aes256_ctr_run(siv->k1, pkt + ZT_PACKET_IDX_VERB, pkt + ZT_PACKET_IDX_VERB,
	                         len - ZT_PACKET_IDX_VERB, ctr);
}

int zt_packet_armor_siv(uint8_t *pkt, size_t len, struct zt_gmac_siv_keys *siv)
{
	uint8_t block[16], s[16];
	if (!length_ok(len))
		return -EINVAL;
	pkt[ZT_PACKET_IDX_FLAGS] = (uint8_t)((pkt[ZT_PACKET_IDX_FLAGS] & (ZT_FLAG_FRAGMENTED | ZT_FLAG_HOPS)) |
	                                     (ZT_CIPHER_AES_GMAC_SIV << 3));
	memcpy(block, pkt + ZT_PACKET_IDX_ID, 8);
	int ret = siv_tag(block + 8, siv, block, pkt, len);
	if (ret == 0)
		ret = zt_aes256_block(siv->k1, true, s, block);
	if (ret == 0)
		ret = siv_ctr(siv, s, pkt, len);
	if (ret)
		return ret;
	memcpy(pkt + ZT_PACKET_IDX_ID, s, 8);
	memcpy(pkt + ZT_PACKET_IDX_MAC, s + 8, 8);
	return 0;
}

static int gmac_siv_open(uint8_t *pkt, size_t len, struct zt_gmac_siv_keys *siv)
{
	uint8_t s[16], d[16], folded[8];
	/* The sender replaced the packet ID and MAC with the encrypted SIV block S. */
	memcpy(s, pkt + ZT_PACKET_IDX_ID, 8);
	memcpy(s + 8, pkt + ZT_PACKET_IDX_MAC, 8);
	int ret = siv_ctr(siv, s, pkt, len);
	if (ret)
		return ret;
	ret = zt_aes256_block(siv->k1, false, d, s);
	if (ret == 0)
		ret = siv_tag(folded, siv, d, pkt, len);
	if (ret == 0 && !zt_ct_eq(folded, d + 8, 8))
		ret = -EBADMSG;
	if (ret) /* put the bytes back as they came */
		(void)siv_ctr(siv, s, pkt, len);
	return ret;
}

int zt_packet_dearmor(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN],
                      struct zt_gmac_siv_keys *siv)
{
	if (!length_ok(len))
		return -EBADMSG;
	switch ((pkt[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_CIPHER) >> 3) {
	case ZT_CIPHER_POLY1305_NONE:
		return salsa_poly(pkt, len, key, false, true);
	case ZT_CIPHER_SALSA2012_POLY1305:
		return salsa_poly(pkt, len, key, true, true);
	case ZT_CIPHER_AES_GMAC_SIV:
		return siv ? gmac_siv_open(pkt, len, siv) : -ENOTSUP;
	default:
		return -ENOTSUP;
	}
}

int zt_packet_strip_ext_armor(uint8_t *pkt, size_t *len, const struct zt_identity *me)
{
	uint8_t raw[32], digest[ZT_SHA512_LEN], ctr[16] = {0};
	size_t n = *len;
	if (n < ZT_PACKET_MIN_LEN + ZT_EXT_ARMOR_LEN || n > ZT_PACKET_MAX_LEN + ZT_EXT_ARMOR_LEN)
		return -EBADMSG;
	if ((pkt[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_CIPHER) != 0 ||
	    !(pkt[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_HIGH_BIT))
		return -EBADMSG;
	if (!me->has_priv)
		return -EINVAL;
	int ret = zt_x25519(raw, me->priv, pkt + n - ZT_EXT_ARMOR_LEN);
	if (ret == 0) {
		zt_sha512(digest, raw, sizeof(raw));
		memcpy(ctr, pkt + ZT_PACKET_IDX_ID, 12); /* packet ID and the first 4 destination bytes */
		ret = zt_aes256_ctr(pkt + ZT_PACKET_IDX_MAC, pkt + ZT_PACKET_IDX_MAC,
		                    n - ZT_EXT_ARMOR_LEN - ZT_PACKET_IDX_MAC, ctr, digest);
	}
	if (ret == 0)
		*len = n - ZT_EXT_ARMOR_LEN;
	zt_wipe(raw, sizeof(raw));
	zt_wipe(digest, sizeof(digest));
	return ret;
}

int zt_packet_crypt_field(uint8_t *pkt, size_t len, const uint8_t key[ZT_SHARED_KEY_LEN], size_t start)
{
	uint8_t nonce[8];
	if (!length_ok(len) || start > len)
		return -EINVAL;
	memcpy(nonce, pkt + ZT_PACKET_IDX_ID, 8);
	nonce[7] &= 0xf8;
	zt_salsa2012_xor(pkt + start, pkt + start, len - start, nonce, key);
	return 0;
}

int zt_packet_compress(uint8_t *pkt, size_t *len)
{
	uint8_t out[ZT_PACKET_MAX_PAYLOAD];
	size_t n = *len;
	if (!length_ok(n))
		return -EINVAL;
	size_t plen = n - ZT_PACKET_IDX_PAYLOAD;
	if ((pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_COMPRESSED) || plen <= 64)
		return 0;
	/* One byte less room than the input: LZ4 fails unless the result is strictly shorter. */
	int clen = LZ4_compress_default((const char *)pkt + ZT_PACKET_IDX_PAYLOAD, (char *)out, (int)plen,
	                                (int)plen - 1);
	if (clen <= 0)
		return 0;
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, out, (size_t)clen);
	pkt[ZT_PACKET_IDX_VERB] |= ZT_VERB_COMPRESSED;
	*len = ZT_PACKET_IDX_PAYLOAD + (size_t)clen;
	return 1;
}

int zt_packet_decompress(uint8_t *pkt, size_t *len, size_t cap)
{
	uint8_t out[ZT_PACKET_MAX_PAYLOAD];
	size_t n = *len;
	if (!length_ok(n) || n > cap)
		return -EBADMSG;
	if (!(pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_COMPRESSED))
		return 0;
	if (n > ZT_PACKET_IDX_PAYLOAD) { /* stock nodes also accept a flagged empty payload */
		size_t limit = cap - ZT_PACKET_IDX_PAYLOAD;
		if (limit > sizeof(out))
			limit = sizeof(out);
		int dlen = LZ4_decompress_safe((const char *)pkt + ZT_PACKET_IDX_PAYLOAD, (char *)out,
		                               (int)(n - ZT_PACKET_IDX_PAYLOAD), (int)limit);
		if (dlen <= 0)
			return -EBADMSG;
		memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, out, (size_t)dlen);
		*len = ZT_PACKET_IDX_PAYLOAD + (size_t)dlen;
	}
	pkt[ZT_PACKET_IDX_VERB] &= (uint8_t)~ZT_VERB_COMPRESSED;
	return 0;
}

/* Fuzz target: a received datagram through header parsing, extended-armor removal, dearmor (all
 * ciphers) and LZ4 decompression - and, with the input armored under a known key first (cipher 0, 1 or
 * 3), the stages a random input never reaches because its MAC fails. First input byte picks the mode. */
#include "fuzz_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void receive(uint8_t *buf, size_t len, size_t cap, const struct fuzz_keys *k)
{
	struct zt_packet_header h;
	if (zt_packet_parse_header(&h, buf, len) != 0)
		return;
	if (h.ext_armor && zt_packet_strip_ext_armor(buf, &len, &k->b) != 0)
		return;
	if (zt_packet_dearmor(buf, len, k->key_ab, k->siv) != 0)
		return;
	if (zt_packet_decompress(buf, &len, cap) == 0)
		FUZZ_ASSERT(len >= ZT_PACKET_MIN_LEN && len <= cap &&
		            !(buf[ZT_PACKET_IDX_VERB] & ZT_VERB_COMPRESSED));
}

static void armored_round_trip(uint8_t *buf, size_t len, size_t cap, enum zt_cipher cipher,
                               const struct fuzz_keys *k)
{
	static uint8_t orig[ZT_PACKET_MAX_LEN];
	if (len < ZT_PACKET_MIN_LEN || len > ZT_PACKET_MAX_LEN)
		return;
	static uint8_t plain[ZT_PACKET_MAX_LEN];
	memcpy(plain, buf, len);
	if (cipher == ZT_CIPHER_AES_GMAC_SIV)
		FUZZ_ASSERT(zt_packet_armor_siv(buf, len, k->siv) == 0);
	else
		FUZZ_ASSERT(zt_packet_armor(buf, len, k->key_ab, cipher) == 0);
	memcpy(orig, buf, len);
	FUZZ_ASSERT(zt_packet_dearmor(buf, len, k->key_ab, k->siv) == 0);
	/* the body comes back as it was; cipher 3 replaces the packet ID and MAC, ciphers 0 and 1 the MAC */
	FUZZ_ASSERT(memcmp(plain + ZT_PACKET_IDX_VERB, buf + ZT_PACKET_IDX_VERB, len - ZT_PACKET_IDX_VERB) == 0);
	if (cipher == ZT_CIPHER_POLY1305_NONE)
		FUZZ_ASSERT(memcmp(orig, buf, len) == 0);
	(void)zt_packet_decompress(buf, &len, cap);
}

static void compress_round_trip(uint8_t *buf, size_t len, size_t cap)
{
	static uint8_t orig[ZT_PACKET_MAX_LEN];
	if (len < ZT_PACKET_MIN_LEN || len > ZT_PACKET_MAX_LEN)
		return;
	buf[ZT_PACKET_IDX_VERB] &= (uint8_t)~ZT_VERB_COMPRESSED;
	memcpy(orig, buf, len);
	size_t n = len;
	int c = zt_packet_compress(buf, &n);
	FUZZ_ASSERT(c == 0 || c == 1);
	if (c == 1)
		FUZZ_ASSERT(n < len);
	FUZZ_ASSERT(zt_packet_decompress(buf, &n, cap) == 0);
	FUZZ_ASSERT(n == len && memcmp(buf, orig, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ZT_PACKET_MAX_LEN + ZT_EXT_ARMOR_LEN];
	const struct fuzz_keys *k = fuzz_keys();
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	uint8_t mode = data[0];
	size_t len = size - 1;
	memcpy(buf, data + 1, len);
	switch (mode % 4) {
	case 0:
		receive(buf, len, ZT_PACKET_MAX_LEN, k);
		break;
	case 1:
		armored_round_trip(buf, len, ZT_PACKET_MAX_LEN, (enum zt_cipher[]){0, 1, 3, 3}[mode >> 6], k);
		break;
	case 2:
		compress_round_trip(buf, len, ZT_PACKET_MAX_LEN);
		break;
	case 3: /* a small output buffer: decompression must respect it */
		if (len >= ZT_PACKET_MIN_LEN && len <= ZT_PACKET_MAX_LEN) {
			size_t cap = len + (mode >> 2);
			if (zt_packet_decompress(buf, &len, cap) == 0)
				FUZZ_ASSERT(len <= cap);
		}
		break;
	}
	return 0;
}

/* Writes a starting corpus for each fuzz target into <dir>/<target>/, made from the spec's test
 * vectors through the library itself, so no binary seed files live in the repository. Runs as the
 * set-up step of the fuzz tests: fuzz_seeds <dir>. */
#include "fuzz_common.h"

#include "vl1/fragment.h"
#include "vl1/world.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* An ECHO A -> B with `plen` payload bytes of a repeating pattern, optionally compressed. */
static size_t echo(uint8_t *p, size_t plen, bool compress)
{
	struct zt_wr w;
	static const uint8_t id[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xe8};
	zt_wr_init(&w, p, ZT_PACKET_MAX_LEN);
	zt_packet_write_header(&w, id, 0x2e7ed86a47ULL, 0x8e4df28b72ULL, 0, 0x08);
	for (size_t i = 0; i < plen; i++)
		zt_wr_u8(&w, (uint8_t) "0123456789abcdef"[i % 16]);
	size_t len = w.len;
	if (compress)
		(void)zt_packet_compress(p, &len);
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t p[ZT_PACKET_MAX_LEN + 1], q[ZT_PACKET_MAX_LEN + 64];
	const struct fuzz_keys *k = fuzz_keys();
	int bad = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return 1;

	/* packet: mode byte, then the datagram */
	for (int c = 0; c < 3; c++) {
		static const char *const names[][2] = {{"echo-lz4-c0", "rt-lz4-c0"},
		                                       {"echo-lz4-c1", "rt-lz4-c1"},
		                                       {"echo-lz4-c3", "rt-lz4-c3"}};
		size_t len = echo(p + 1, 256, true);
		if (c == 2)
			zt_packet_armor_siv(p + 1, len, k->siv);
		else
			zt_packet_armor(p + 1, len, k->key_ab, c);
		p[0] = 0; /* receive */
		bad |= fuzz_put_seed(dir, "packet", names[c][0], p, len + 1);
		len = echo(p + 1, 256, true);
		p[0] = (uint8_t)(1 | c << 6); /* armored round trip (cipher 0, 1, 3): reaches decompression */
		bad |= fuzz_put_seed(dir, "packet", names[c][1], p, len + 1);
	}
	size_t len = echo(p + 1, 600, false);
	p[0] = 2;
	bad |= fuzz_put_seed(dir, "packet", "compress", p, len + 1);

	/* reasm: split-and-join mode (odd first byte, BE16 MTU offset, BE32 order, packet) and a stream */
	len = echo(q + 7, 3000, false);
	memcpy(q, "\x01\x05\x7c\x00\x00\x00\x05", 7); /* MTU 28 + 1404 = 1432 */
	bad |= fuzz_put_seed(dir, "reasm", "split-3000", q, len + 7);
	{
		static uint8_t s[ZT_PACKET_MAX_LEN * 2], d[ZT_DEFAULT_MTU];
		struct zt_wr w;
		len = echo(p, 3000, false);
		p[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
		zt_wr_init(&w, s, sizeof(s));
		zt_wr_u8(&w, 0);
		for (unsigned i = 0; i < 3; i++) {
			int n = zt_fragment_build(d, sizeof(d), p, len, ZT_DEFAULT_MTU, 2 - i);
			zt_wr_u16(&w, (uint16_t)n);
			zt_wr_u8(&w, 1);
			zt_wr_bytes(&w, d, (size_t)n);
		}
		bad |= w.bad || fuzz_put_seed(dir, "reasm", "stream-3000", s, w.len);
	}

	/* world: the Earth planet */
	const uint8_t *earth = zt_world_earth(&len);
	bad |= fuzz_put_seed(dir, "world", "earth", earth, len);

	/* identity: text with and without secret, binary with and without secret */
	char text[ZT_IDENTITY_TEXT_MAX];
	int n = zt_identity_to_text(&k->a, true, text, sizeof(text));
	bad |= n < 0 || fuzz_put_seed(dir, "identity", "text-secret", text, (size_t)n);
	n = zt_identity_to_text(&k->b, false, text, sizeof(text));
	bad |= n < 0 || fuzz_put_seed(dir, "identity", "text-public", text, (size_t)n);
	struct zt_wr w;
	zt_wr_init(&w, q, sizeof(q));
	zt_identity_write(&k->a, true, &w);
	bad |= fuzz_put_seed(dir, "identity", "bin-secret", q, w.len);
	zt_wr_init(&w, q, sizeof(q));
	zt_identity_write(&k->b, false, &w);
	bad |= fuzz_put_seed(dir, "identity", "bin-public", q, w.len);

	if (bad)
		fprintf(stderr, "fuzz_seeds: could not write every seed under %s\n", dir);
	return bad ? 1 : 0;
}

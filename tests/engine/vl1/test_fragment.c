/* Suite for vl1/fragment: spec §8.11 (fragment header, piece sizes), §4.6 acceptance rules, reassembly
 * in every order, duplicates, timeouts, eviction, and the table's fixed memory bound under a flood. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint8_t key_ab[48];

/* An armored ECHO of `len` bytes from A to B with packet ID 0123456789abcde8, fragmented at `mtu`. */
static size_t make_packet(uint8_t *p, size_t len, size_t mtu)
{
	struct zt_wr w;
	uint8_t id[8];
	uint64_t seed = len;
	zt_unhex("0123456789abcde8", id, 8);
	zt_wr_init(&w, p, ZT_PACKET_MAX_LEN);
	zt_packet_write_header(&w, id, 0x2e7ed86a47ULL, 0x8e4df28b72ULL, 0, 0x08);
	uint8_t *payload = zt_wr_reserve(&w, len - ZT_PACKET_MIN_LEN);
	if (w.bad || !payload)
		abort();
	zt_test_random(&seed, payload, len - ZT_PACKET_MIN_LEN);
	if (zt_fragment_count(len, mtu) > 1)
		p[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
	if (zt_packet_armor(p, len, key_ab, ZT_CIPHER_SALSA2012_POLY1305) != 0)
		abort();
	return len;
}

struct pieces {
	int n;
	uint8_t d[ZT_FRAGMENTS_MAX][ZT_DEFAULT_MTU];
	size_t len[ZT_FRAGMENTS_MAX];
};

static void split(struct pieces *s, const uint8_t *p, size_t len, size_t mtu)
{
	s->n = zt_fragment_count(len, mtu);
	for (int i = 0; i < s->n; i++) {
		int n = zt_fragment_build(s->d[i], sizeof(s->d[i]), p, len, mtu, (unsigned)i);
		if (n < 0)
			abort();
		s->len[i] = (size_t)n;
	}
}

/* Our pieces are of one size but the last, which may be a few bytes shorter (the bytes spread evenly);
 * the header is spec §8.11's. */
static void fragment_header_and_sizes(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	uint8_t want[16];
	size_t len = make_packet(p, 3000, ZT_DEFAULT_MTU);
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(s.n == 3);
	CHECK_EQ_INT(s.len[0], 1011); /* 3000 + 2 * 16 bytes on the wire, in thirds */
	CHECK_EQ_INT(s.len[1], 16 + 995);
	CHECK_EQ_INT(s.len[2], 16 + 994);
	zt_unhex("0123456789abcde8 2e7ed86a47 ff 31 00", want, 16);
	CHECK_MEM(s.d[1], want, 16);
	want[14] = 0x32;
	CHECK_MEM(s.d[2], want, 16);
	CHECK_MEM(s.d[0], p, 1011);
	CHECK_MEM(s.d[1] + 16, p + 1011, 995);
	CHECK_MEM(s.d[2] + 16, p + 1011 + 995, 994);
	CHECK(zt_datagram_is_fragment(s.d[1], s.len[1]));
	CHECK(!zt_datagram_is_fragment(s.d[0], s.len[0]));
	CHECK(p[18] & ZT_FLAG_FRAGMENTED);
}

/* Every length that needs pieces: as many pieces as zt_fragment_count says, none over the MTU, all of
 * one size but a last one no longer than the others, a head that holds the header (at the smallest
 * MTUs an even split would not), and together the packet. A FRAME of a full
 * 2800-byte Ethernet payload (2838 bytes) goes as two datagrams of 1427: a stream of them is a run
 * of equal datagrams, which the host sends as one UDP GSO message. */
static void fragment_pieces_even(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], joined[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	size_t mtus[] = {ZT_DEFAULT_MTU, 576, ZT_PACKET_MIN_LEN, ZT_PACKET_MIN_LEN + 1, 40};
	for (size_t m = 0; m < sizeof(mtus) / sizeof(mtus[0]); m++) {
		size_t mtu = mtus[m];
		for (size_t len = mtu + 1; zt_fragment_count(len, mtu) > 0; len++) {
			size_t at = 0;
			make_packet(p, len, mtu);
			split(&s, p, len, mtu);
			REQUIRE(s.n >= 2);
			REQUIRE(s.len[0] >= ZT_PACKET_MIN_LEN); /* a head holds the whole header */
			for (int i = 0; i < s.n; i++) {
				REQUIRE(s.len[i] <= mtu);
				REQUIRE(i == s.n - 1 ? s.len[i] <= s.len[0] : s.len[i] == s.len[0]);
				REQUIRE(s.len[i] > (i ? 16u : 0u));
				size_t skip = i ? 16 : 0;
				memcpy(joined + at, s.d[i] + skip, s.len[i] - skip);
				at += s.len[i] - skip;
			}
			REQUIRE(at == len);
			REQUIRE(memcmp(joined, p, len) == 0);
		}
	}
	size_t len = make_packet(p, 2838, ZT_DEFAULT_MTU);
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(s.n == 2);
	CHECK_EQ_INT(s.len[0], 1427);
	CHECK_EQ_INT(s.len[1], 1427);
}

/* Stock nodes fill the head to the MTU (spec §8.11: a 3000-byte packet at MTU 1432 is a 1432-byte
 * head, a 1416-byte and a 152-byte chunk): those pieces reassemble too, in any order. */
static void reassemble_stock_layout(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN], d[3][ZT_DEFAULT_MTU];
	static const size_t chunk[3] = {1432, 1416, 152};
	struct zt_reasm *r;
	size_t len = make_packet(p, 3000, ZT_DEFAULT_MTU), out_len, at = 0;
	memcpy(d[0], p, chunk[0]);
	at = chunk[0];
	for (int i = 1; i < 3; i++) {
		zt_unhex("0123456789abcde8 2e7ed86a47 ff 31 00", d[i], 16);
		d[i][14] = (uint8_t)(0x30 | i);
		memcpy(d[i] + 16, p + at, chunk[i]);
		at += chunk[i];
	}
	REQUIRE(at == len);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	static const int order[3] = {2, 0, 1};
	for (int k = 0; k < 3; k++) {
		int i = order[k];
		int ret = zt_reasm_input(r, d[i], i ? 16 + chunk[i] : chunk[i], 0, out, sizeof(out), &out_len);
		CHECK_EQ_INT(ret, k == 2 ? ZT_REASM_COMPLETE : ZT_REASM_PENDING);
	}
	CHECK_EQ_INT(out_len, len);
	CHECK_MEM(out, p, len);
	CHECK_EQ_INT(zt_packet_dearmor(out, out_len, key_ab, NULL), 0);
	zt_reasm_free(r);
}

static void fragment_counts(void)
{
	CHECK_EQ_INT(zt_fragment_count(1432, 1432), 1);
	CHECK_EQ_INT(zt_fragment_count(1433, 1432), 2);
	CHECK_EQ_INT(zt_fragment_count(1432 + 1416, 1432), 2);
	CHECK_EQ_INT(zt_fragment_count(1432 + 1417, 1432), 3);
	CHECK_EQ_INT(zt_fragment_count(1432 + 6 * 1416, 1432), 7); /* 9928 */
	CHECK_EQ_INT(zt_fragment_count(1432 + 6 * 1416 + 1, 1432), -EMSGSIZE);
	CHECK_EQ_INT(zt_fragment_count(ZT_PACKET_MAX_LEN, 1500), 7);
	CHECK_EQ_INT(zt_fragment_count(ZT_PACKET_MAX_LEN + 1, 9000), -EINVAL);
	CHECK_EQ_INT(zt_fragment_count(27, 1432), -EINVAL);
	CHECK_EQ_INT(zt_fragment_count(100, 27), -EINVAL);
}

static void fragment_build_rejects(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_DEFAULT_MTU];
	size_t len = make_packet(p, 3000, ZT_DEFAULT_MTU);
	CHECK_EQ_INT(zt_fragment_build(out, sizeof(out), p, len, ZT_DEFAULT_MTU, 3), -EINVAL);
	CHECK_EQ_INT(zt_fragment_build(out, 100, p, len, ZT_DEFAULT_MTU, 1), -ENOSPC);
	p[18] &= (uint8_t)~ZT_FLAG_FRAGMENTED;
	CHECK_EQ_INT(zt_fragment_build(out, sizeof(out), p, len, ZT_DEFAULT_MTU, 0), -EINVAL);
	len = make_packet(p, 200, ZT_DEFAULT_MTU); /* fits: one datagram, the packet itself */
	CHECK_EQ_INT(zt_fragment_build(out, sizeof(out), p, len, ZT_DEFAULT_MTU, 0), 200);
	CHECK_MEM(out, p, 200);
}

static int feed(struct zt_reasm *r, const struct pieces *s, int i, int64_t now, uint8_t *out, size_t *out_len)
{
	return zt_reasm_input(r, s->d[i], s->len[i], now, out, ZT_PACKET_MAX_LEN, out_len);
}

static void reassemble_in_every_order(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	struct zt_reasm *r;
	size_t len = make_packet(p, 3000, ZT_DEFAULT_MTU), out_len;
	static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	for (int o = 0; o < 6; o++) {
		CHECK_EQ_INT(feed(r, &s, orders[o][0], 0, out, &out_len), ZT_REASM_PENDING);
		CHECK_EQ_INT(feed(r, &s, orders[o][0], 0, out, &out_len), ZT_REASM_PENDING); /* duplicate */
		CHECK_EQ_INT(feed(r, &s, orders[o][1], 0, out, &out_len), ZT_REASM_PENDING);
		CHECK_EQ_INT(zt_reasm_pending(r), 1);
		CHECK_EQ_INT(feed(r, &s, orders[o][2], 0, out, &out_len), ZT_REASM_COMPLETE);
		CHECK_EQ_INT(out_len, len);
		CHECK_MEM(out, p, len);
		CHECK_EQ_INT(zt_reasm_pending(r), 0);
		CHECK_EQ_INT(zt_packet_dearmor(out, out_len, key_ab, NULL), 0);
	}
	zt_reasm_free(r);
}

static void reassemble_seven_pieces_interleaved(void)
{
	static uint8_t p1[ZT_PACKET_MAX_LEN], p2[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN];
	static struct pieces s1, s2;
	struct zt_reasm *r;
	size_t out_len, len1 = make_packet(p1, 9928, ZT_DEFAULT_MTU);
	size_t len2 = make_packet(p2, 5000, ZT_DEFAULT_MTU);
	p2[7] ^= 0x55; /* a different packet ID */
	split(&s1, p1, len1, ZT_DEFAULT_MTU);
	split(&s2, p2, len2, ZT_DEFAULT_MTU);
	REQUIRE(s1.n == 7 && s2.n == 4);
	REQUIRE(zt_reasm_new(&r, 4, ZT_REASM_TIMEOUT_MS) == 0);
	int done = 0;
	for (int i = 6; i >= 0; i--) { /* backwards, with the other packet's pieces in between */
		int ret = feed(r, &s1, i, 10, out, &out_len);
		if (ret == ZT_REASM_COMPLETE) {
			done++;
			CHECK_EQ_INT(out_len, len1);
			CHECK_MEM(out, p1, len1);
		}
		if (i < 4 && feed(r, &s2, i, 10, out, &out_len) == ZT_REASM_COMPLETE) {
			done++;
			CHECK_EQ_INT(out_len, len2);
			CHECK_MEM(out, p2, len2);
		}
	}
	CHECK_EQ_INT(done, 2);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);
	zt_reasm_free(r);
}

static void malformed_fragments_rejected(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	struct zt_reasm *r;
	size_t out_len, len = make_packet(p, 3000, ZT_DEFAULT_MTU);
	uint8_t d[64];
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	static const uint8_t bad_numbers[] = {0x10, 0x11, 0x20, 0x22, 0x23, 0x80, 0x81, 0x77, 0xf1, 0x07};
	for (size_t k = 0; k < sizeof(bad_numbers); k++) {
		memcpy(d, s.d[1], sizeof(d));
		d[14] = bad_numbers[k];
		CHECK_EQ_INT(zt_reasm_input(r, d, sizeof(d), 0, out, sizeof(out), &out_len), -EBADMSG);
	}
	CHECK_EQ_INT(zt_reasm_input(r, s.d[1], 16, 0, out, sizeof(out), &out_len), -EBADMSG); /* empty */
	CHECK_EQ_INT(zt_reasm_input(r, s.d[1], 15, 0, out, sizeof(out), &out_len), -EBADMSG);
	CHECK_EQ_INT(zt_reasm_input(r, s.d[0], 27, 0, out, sizeof(out), &out_len), -EBADMSG); /* short head */
	memcpy(d, s.d[0], sizeof(d));
	d[18] &= (uint8_t)~ZT_FLAG_FRAGMENTED; /* a head must say it is one */
	CHECK_EQ_INT(zt_reasm_input(r, d, sizeof(d), 0, out, sizeof(out), &out_len), -EBADMSG);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);

	/* a piece count that disagrees with the first one seen */
	CHECK_EQ_INT(feed(r, &s, 1, 0, out, &out_len), ZT_REASM_PENDING);
	memcpy(d, s.d[2], sizeof(d));
	d[14] = 0x42;
	CHECK_EQ_INT(zt_reasm_input(r, d, sizeof(d), 0, out, sizeof(out), &out_len), -EBADMSG);
	CHECK_EQ_INT(feed(r, &s, 0, 0, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 2, 0, out, &out_len), ZT_REASM_COMPLETE);
	CHECK_MEM(out, p, len);
	zt_reasm_free(r);
}

static void oversized_and_small_output(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN], head[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	struct zt_reasm *r;
	size_t out_len, len = make_packet(p, 3000, ZT_DEFAULT_MTU);
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	/* a jumbo head fills the entry; the next piece would overflow it */
	memcpy(head, s.d[0], s.len[0]);
	CHECK_EQ_INT(zt_reasm_input(r, head, ZT_PACKET_MAX_LEN, 0, out, sizeof(out), &out_len),
	             ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 1, 0, out, &out_len), -EMSGSIZE);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);
	/* complete, but the caller's buffer is too small */
	CHECK_EQ_INT(feed(r, &s, 0, 0, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 1, 0, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(zt_reasm_input(r, s.d[2], s.len[2], 0, out, 2999, &out_len), -ENOBUFS);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);
	zt_reasm_free(r);
}

static void timeout_drops_incomplete(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	struct zt_reasm *r;
	size_t out_len, len = make_packet(p, 3000, ZT_DEFAULT_MTU);
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	CHECK_EQ_INT(feed(r, &s, 0, 1000, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 1, 1000 + 4999, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(zt_reasm_expire(r, 1000 + 4999), 0);
	CHECK_EQ_INT(zt_reasm_expire(r, 1000 + 5000), 1);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);
	/* the last piece alone, later, starts over instead of completing stale data */
	CHECK_EQ_INT(feed(r, &s, 2, 7000, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 0, 7001, out, &out_len), ZT_REASM_PENDING);
	/* expiry also happens lazily on input */
	CHECK_EQ_INT(feed(r, &s, 1, 12000, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(zt_reasm_pending(r), 1);
	/* a clock that goes backwards expires nothing and breaks nothing */
	CHECK_EQ_INT(zt_reasm_expire(r, INT64_MIN), 0);
	CHECK_EQ_INT(feed(r, &s, 0, INT64_MIN, out, &out_len), ZT_REASM_PENDING);
	CHECK_EQ_INT(feed(r, &s, 2, INT64_MAX, out, &out_len), ZT_REASM_PENDING);
	zt_reasm_free(r);
}

static void memory_is_bounded_under_a_flood(void)
{
	static uint8_t p[ZT_PACKET_MAX_LEN], out[ZT_PACKET_MAX_LEN];
	static struct pieces s;
	struct zt_reasm *r;
	size_t out_len, len = make_packet(p, 9928, ZT_DEFAULT_MTU);
	split(&s, p, len, ZT_DEFAULT_MTU);
	REQUIRE(zt_reasm_new(&r, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS) == 0);
	size_t mem = zt_reasm_memory(r);
	/* the bound: a packet's worth per entry plus bookkeeping */
	CHECK(mem <= ZT_REASM_ENTRIES * (ZT_PACKET_MAX_LEN + 128) + 64);
	for (uint32_t k = 0; k < 100000; k++) { /* many distinct packet IDs, never completed */
		int piece = 1 + (int)(k % 6);
		memcpy(s.d[piece], &k, sizeof(k));
		CHECK(feed(r, &s, piece, k / 100, out, &out_len) == ZT_REASM_PENDING);
		if (zt_reasm_pending(r) > ZT_REASM_ENTRIES) {
			zt_test_fail(__FILE__, __LINE__, "more entries than the table has");
			break;
		}
	}
	CHECK_EQ_INT(zt_reasm_pending(r), ZT_REASM_ENTRIES);
	CHECK_EQ_INT(zt_reasm_memory(r), mem);
	/* and a real packet still gets through, evicting the oldest junk */
	split(&s, p, len, ZT_DEFAULT_MTU);
	int last = 0;
	for (int i = 0; i < s.n; i++)
		last = feed(r, &s, i, 1000, out, &out_len);
	CHECK_EQ_INT(last, ZT_REASM_COMPLETE);
	CHECK_MEM(out, p, len);
	zt_reasm_free(r);
}

static void table_arguments(void)
{
	struct zt_reasm *r = (struct zt_reasm *)1;
	CHECK_EQ_INT(zt_reasm_new(&r, 0, 5000), -EINVAL);
	CHECK(r == NULL);
	CHECK_EQ_INT(zt_reasm_new(&r, 4, 0), -EINVAL);
	REQUIRE(zt_reasm_new(&r, 1, 1) == 0);
	CHECK_EQ_INT(zt_reasm_pending(r), 0);
	zt_reasm_free(r);
	zt_reasm_free(NULL);
}

static void warmup(void)
{
	zt_test_warm_crypto();
	zt_unhex(vec_key_ab, key_ab, sizeof(key_ab));
}

static const struct zt_test tests[] = {
    ZT_TEST(fragment_header_and_sizes),
    ZT_TEST(fragment_pieces_even),
    ZT_TEST(reassemble_stock_layout),
    ZT_TEST(fragment_counts),
    ZT_TEST(fragment_build_rejects),
    ZT_TEST(reassemble_in_every_order),
    ZT_TEST(reassemble_seven_pieces_interleaved),
    ZT_TEST(malformed_fragments_rejected),
    ZT_TEST(oversized_and_small_output),
    ZT_TEST(timeout_drops_incomplete),
    ZT_TEST(memory_is_bounded_under_a_flood),
    ZT_TEST(table_arguments),
};

int main(int argc, char **argv)
{
	return zt_test_main("fragment", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

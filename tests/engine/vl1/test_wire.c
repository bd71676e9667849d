/* Suite for vl1/wire: big-endian fields, sticky errors on both sides, exact-consumption checks. */
#include "harness.h"
#include "vl1/wire.h"

#include <string.h>

static void reads_big_endian_fields(void)
{
	static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	                            0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14};
	struct zt_rd r;
	zt_rd_init(&r, b, sizeof(b));
	CHECK_EQ_INT(zt_rd_u8(&r), 0x01);
	CHECK_EQ_INT(zt_rd_u16(&r), 0x0203);
	CHECK_EQ_INT(zt_rd_u32(&r), 0x04050607);
	CHECK(zt_rd_u40(&r) == 0x08090a0b0cULL);
	CHECK(zt_rd_u64(&r) == 0x0d0e0f1011121314ULL);
	CHECK(zt_rd_done(&r));
	CHECK_EQ_INT(zt_rd_left(&r), 0);
}

static void short_read_is_sticky(void)
{
	static const uint8_t b[] = {0xaa, 0xbb, 0xcc};
	struct zt_rd r;
	zt_rd_init(&r, b, sizeof(b));
	CHECK_EQ_INT(zt_rd_u16(&r), 0xaabb);
	CHECK_EQ_INT(zt_rd_u16(&r), 0); /* one byte left: fails */
	CHECK(r.bad);
	CHECK_EQ_INT(r.off, 2);
	CHECK_EQ_INT(zt_rd_u8(&r), 0); /* the byte is there, but the reader is already bad */
	CHECK(zt_rd_bytes(&r, 0) == NULL);
	CHECK_EQ_INT(zt_rd_left(&r), 0);
	CHECK(!zt_rd_done(&r));
}

static void bytes_copy_and_skip(void)
{
	static const uint8_t b[] = {1, 2, 3, 4, 5, 6};
	uint8_t out[4] = {9, 9, 9, 9};
	struct zt_rd r;
	zt_rd_init(&r, b, sizeof(b));
	const uint8_t *v = zt_rd_bytes(&r, 2);
	REQUIRE(v != NULL);
	CHECK(v[0] == 1 && v[1] == 2);
	zt_rd_skip(&r, 1);
	CHECK(zt_rd_copy(&r, out, 3));
	CHECK(out[0] == 4 && out[2] == 6 && out[3] == 9);
	CHECK(zt_rd_done(&r));
	CHECK(!zt_rd_copy(&r, out, 1));
	CHECK(out[0] == 0); /* zeroed on a short read, never stale */
}

static void huge_lengths_do_not_wrap(void)
{
	static const uint8_t b[8] = {0};
	struct zt_rd r;
	zt_rd_init(&r, b, sizeof(b));
	zt_rd_skip(&r, 4);
	CHECK(zt_rd_bytes(&r, SIZE_MAX - 2) == NULL);
	CHECK(r.bad);
	uint8_t out[4];
	struct zt_wr w;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u16(&w, 1);
	CHECK(zt_wr_reserve(&w, SIZE_MAX - 1) == NULL);
	CHECK(w.bad);
	CHECK_EQ_INT(w.len, 2);
}

static void null_buffers_are_empty(void)
{
	struct zt_rd r;
	zt_rd_init(&r, NULL, 100);
	CHECK(zt_rd_bytes(&r, 0) != NULL);
	CHECK(zt_rd_done(&r));
	CHECK_EQ_INT(zt_rd_u8(&r), 0);
	CHECK(r.bad);
	struct zt_wr w;
	zt_wr_init(&w, NULL, 100);
	zt_wr_bytes(&w, "", 0);
	CHECK(!w.bad);
	zt_wr_u8(&w, 1);
	CHECK(w.bad);
	CHECK_EQ_INT(w.len, 0);
}

static void writes_big_endian_fields(void)
{
	uint8_t out[32];
	static const uint8_t want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	                               0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0xde, 0xad, 0,    0};
	struct zt_wr w;
	memset(out, 0x55, sizeof(out));
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u8(&w, 0x01);
	zt_wr_u16(&w, 0x0203);
	zt_wr_u32(&w, 0x04050607);
	zt_wr_u40(&w, 0xff08090a0b0cULL); /* only the low 40 bits go out */
	zt_wr_u64(&w, 0x0d0e0f1011121314ULL);
	zt_wr_bytes(&w, "\xde\xad", 2);
	zt_wr_zero(&w, 2);
	CHECK(!w.bad);
	CHECK_EQ_INT(w.len, sizeof(want));
	CHECK_MEM(out, want, sizeof(want));
	CHECK(out[sizeof(want)] == 0x55);
}

static void overflow_is_sticky_and_partial_writes_do_not_happen(void)
{
	uint8_t out[5];
	memset(out, 0x55, sizeof(out));
	struct zt_wr w;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u32(&w, 0x01020304);
	zt_wr_u16(&w, 0xaaaa); /* does not fit: nothing written */
	CHECK(w.bad);
	CHECK_EQ_INT(w.len, 4);
	CHECK(out[4] == 0x55);
	zt_wr_u8(&w, 0xbb); /* would fit, but the writer is bad */
	CHECK(out[4] == 0x55);
	CHECK_EQ_INT(w.len, 4);
}

static void round_trip(void)
{
	uint8_t buf[64];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, 0x8877665544332211ULL);
	zt_wr_u40(&w, 0x8e4df28b72ULL);
	zt_wr_u16(&w, 9993);
	REQUIRE(!w.bad);
	struct zt_rd r;
	zt_rd_init(&r, buf, w.len);
	CHECK(zt_rd_u64(&r) == 0x8877665544332211ULL);
	CHECK(zt_rd_u40(&r) == 0x8e4df28b72ULL);
	CHECK_EQ_INT(zt_rd_u16(&r), 9993);
	CHECK(zt_rd_done(&r));
}

static const struct zt_test tests[] = {
    ZT_TEST(reads_big_endian_fields),
    ZT_TEST(short_read_is_sticky),
    ZT_TEST(bytes_copy_and_skip),
    ZT_TEST(huge_lengths_do_not_wrap),
    ZT_TEST(null_buffers_are_empty),
    ZT_TEST(writes_big_endian_fields),
    ZT_TEST(overflow_is_sticky_and_partial_writes_do_not_happen),
    ZT_TEST(round_trip),
};

int main(int argc, char **argv)
{
	return zt_test_main("wire", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}

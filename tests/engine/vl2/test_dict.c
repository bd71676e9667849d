/* Suite for vl2/dict: spec §3 (escaping, its example, lookup, integers, booleans) and §11.2 (the request
 * metadata of a stock 1.14.1 node round-trips byte for byte). */
#include "harness.h"
#include "vl2/dict.h"

#include <errno.h>
#include <string.h>

static const char metadata[] = "v=0000000000000007\n"
                               "vend=0000000000000001\n"
                               "pv=000000000000000c\n"
                               "majv=0000000000000001\n"
                               "minv=000000000000000e\n"
                               "revv=0000000000000001\n"
                               "mr=0000000000000400\n"
                               "mc=0000000000000080\n"
                               "mcr=0000000000000040\n"
                               "mt=0000000000000080\n"
                               "f=0000000000000000\n"
                               "revr=0000000000000001\n"
                               "o=linux/x86_64";

static const struct {
	const char *key;
	uint64_t value;
} metadata_ints[] = {
    {"v", 7},      {"vend", 1},  {"pv", 12},    {"majv", 1},  {"minv", 14}, {"revv", 1},
    {"mr", 0x400}, {"mc", 0x80}, {"mcr", 0x40}, {"mt", 0x80}, {"f", 0},     {"revr", 1},
};

static void metadata_11_2_parses(void)
{
	struct zt_dict d;
	char os[64];
	REQUIRE(strlen(metadata) == 263);
	zt_dict_init(&d, metadata, strlen(metadata));
	for (size_t i = 0; i < sizeof(metadata_ints) / sizeof(metadata_ints[0]); i++) {
		uint64_t v = 0xdead;
		CHECK_EQ_INT(zt_dict_get_u64(&d, metadata_ints[i].key, &v), 0);
		CHECK_EQ_INT(v, metadata_ints[i].value);
	}
	CHECK_EQ_INT(zt_dict_get_str(&d, "o", os, sizeof(os)), 0);
	CHECK(strcmp(os, "linux/x86_64") == 0);
	CHECK_EQ_INT(zt_dict_get_str(&d, "a", os, sizeof(os)), -ENOENT);
	CHECK_EQ_INT(os[0], 0);
}

static void metadata_11_2_round_trips(void)
{
	uint8_t buf[600], want[600];
	struct zt_wr w;
	struct zt_dict_wr dw;
	/* The whole NETWORK_CONFIG_REQUEST payload of §11.2, metadata written in place behind its length. */
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, 0x5a198f70327c7184ULL);
	uint8_t *mlen = zt_wr_reserve(&w, 2);
	zt_dict_wr_init(&dw, &w);
	for (size_t i = 0; i < sizeof(metadata_ints) / sizeof(metadata_ints[0]); i++)
		CHECK_EQ_INT(zt_dict_add_u64(&dw, metadata_ints[i].key, metadata_ints[i].value), 0);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "o", "linux/x86_64"), 0);
	size_t m = w.len - dw.start;
	REQUIRE(mlen && m == 263);
	mlen[0] = (uint8_t)(m >> 8);
	mlen[1] = (uint8_t)m;
	zt_wr_u64(&w, 0);
	zt_wr_u64(&w, 0);
	REQUIRE(!w.bad);
	size_t n = zt_unhex("5a198f70327c7184 0107", want, sizeof(want));
	memcpy(want + n, metadata, 263);
	n += 263;
	n += zt_unhex("0000000000000000 0000000000000000", want + n, sizeof(want) - n);
	CHECK_EQ_INT(w.len, n);
	CHECK_MEM(buf, want, n);
}

static void escaping_example_of_3(void)
{
	uint8_t val[7], buf[32], want[32], back[16];
	size_t vn = zt_unhex("040a9314eb0018", val, sizeof(val));
	struct zt_wr w;
	struct zt_dict_wr dw;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_dict_wr_init(&dw, &w);
	CHECK_EQ_INT(zt_dict_add(&dw, "I", val, vn), 0);
	size_t n = zt_unhex("493d 045c6e9314eb5c3018", want, sizeof(want));
	CHECK_EQ_INT(w.len, n);
	CHECK_MEM(buf, want, n);

	struct zt_dict d;
	size_t got;
	zt_dict_init(&d, buf, w.len);
	CHECK_EQ_INT(zt_dict_get(&d, "I", back, sizeof(back), &got), 0);
	CHECK_EQ_INT(got, vn);
	CHECK_MEM(back, val, vn);
}

static void every_byte_round_trips(void)
{
	uint8_t val[256], back[256], buf[1024];
	struct zt_wr w;
	struct zt_dict_wr dw;
	struct zt_dict d;
	size_t got;
	for (int i = 0; i < 256; i++)
		val[i] = (uint8_t)(255 - i);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_dict_wr_init(&dw, &w);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "first", "x"), 0);
	CHECK_EQ_INT(zt_dict_add(&dw, "bin", val, sizeof(val)), 0);
	CHECK_EQ_INT(zt_dict_add_bool(&dw, "last", true), 0);
	REQUIRE(!w.bad);
	/* Five bytes need escaping, so the value takes 261 bytes; no raw separator or NUL survives in it. */
	CHECK_EQ_INT(w.len, strlen("first=x\n") + strlen("bin=") + 261 + strlen("\nlast=1"));
	CHECK(memchr(buf, 0, w.len) == NULL);
	zt_dict_init(&d, buf, w.len);
	CHECK_EQ_INT(zt_dict_get(&d, "bin", back, sizeof(back), &got), 0);
	CHECK_EQ_INT(got, sizeof(val));
	CHECK_MEM(back, val, sizeof(val));
	bool b = false;
	CHECK_EQ_INT(zt_dict_get_bool(&d, "last", &b), 0);
	CHECK(b);
}

static void lookup_rules(void)
{
	static const char text[] =
	    "nwid=1\rn=name\r\nn=second\nab\n=nokey\nx=a\\qb\\\\c\\e\\r\\n\\0d\\\nk=v\0hidden=1";
	struct zt_dict d;
	char s[32];
	uint8_t v[32];
	size_t n;
	zt_dict_init(&d, text, sizeof(text) - 1);
	CHECK_EQ_INT(zt_dict_get_str(&d, "n", s, sizeof(s)), 0);        /* not confused by "nwid" */
	CHECK(strcmp(s, "name") == 0);                                  /* the first "n" wins; CR separates */
	CHECK_EQ_INT(zt_dict_get(&d, "ab", v, sizeof(v), &n), -ENOENT); /* a line without '=' is no entry */
	CHECK_EQ_INT(zt_dict_get(&d, "x", v, sizeof(v), &n), 0);
	/* unknown escape yields the byte; a backslash right before LF escapes nothing */
	CHECK_EQ_INT(n, 10);
	CHECK_MEM(v, "aqb\\c=\r\n\0d", 10);
	CHECK_EQ_INT(zt_dict_get_str(&d, "x", s, sizeof(s)), 0);
	CHECK(strcmp(s, "aqb\\c=\r\n") == 0); /* a string ends at its first NUL */
	CHECK_EQ_INT(zt_dict_get(&d, "k", v, sizeof(v), &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(zt_dict_get(&d, "hidden", v, sizeof(v), &n), -ENOENT); /* NUL ends the dictionary */
	CHECK_EQ_INT(zt_dict_get(&d, "k", NULL, 0, &n), -ENOSPC);           /* length query */
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(zt_dict_get(&d, "n", v, 2, &n), -ENOSPC);
	CHECK_EQ_INT(n, 4);
	CHECK_MEM(v, "na", 2);
	CHECK_EQ_INT(zt_dict_get_str(&d, "n", s, 3), 0); /* truncated like stock's fixed buffers */
	CHECK(strcmp(s, "na") == 0);
}

static void integers_and_booleans(void)
{
	static const char text[] = "a=FF\nb=7\nc=\nd=0x1f\ne=12zz\nf=10000000000000000\ng=t\nh=T\ni=0\nj=";
	struct zt_dict d;
	uint64_t v;
	bool b;
	zt_dict_init(&d, text, sizeof(text) - 1);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "a", &v), 0);
	CHECK_EQ_INT(v, 255);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "b", &v), 0);
	CHECK_EQ_INT(v, 7);
	v = 42;
	CHECK_EQ_INT(zt_dict_get_u64(&d, "c", &v), -ENOENT); /* empty = absent, default kept */
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "zz", &v), -ENOENT);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "d", &v), 0);
	CHECK_EQ_INT(v, 0x1f);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "e", &v), 0);
	CHECK_EQ_INT(v, 0x12);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "f", &v), 0);
	CHECK(v == UINT64_MAX); /* strtoull saturates */
	CHECK(zt_dict_get_bool(&d, "g", &b) == 0 && b);
	CHECK(zt_dict_get_bool(&d, "h", &b) == 0 && b);
	CHECK(zt_dict_get_bool(&d, "i", &b) == 0 && !b);
	b = true;
	CHECK(zt_dict_get_bool(&d, "j", &b) == 0 && !b); /* present but empty: false */
	b = true;
	CHECK(zt_dict_get_bool(&d, "nope", &b) == -ENOENT && b);
}

static void writer_limits(void)
{
	uint8_t buf[24];
	struct zt_wr w;
	struct zt_dict_wr dw;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_dict_wr_init(&dw, &w);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "", "x"), -EINVAL);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "a=b", "x"), -EINVAL);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "a\nb", "x"), -EINVAL);
	CHECK_EQ_INT(w.len, 0);
	CHECK_EQ_INT(zt_dict_add_address(&dw, "id", 0xff9620b89c1dULL), 0);
	CHECK_EQ_INT(w.len, 13);
	CHECK_MEM(buf, "id=9620b89c1d", 13);
	CHECK_EQ_INT(zt_dict_add_u64(&dw, "ts", 1), -ENOSPC);
	CHECK(w.bad);
	CHECK_EQ_INT(zt_dict_add_str(&dw, "n", ""), -ENOSPC); /* sticky */
}

static const struct zt_test tests[] = {
    ZT_TEST(metadata_11_2_parses),  ZT_TEST(metadata_11_2_round_trips),
    ZT_TEST(escaping_example_of_3), ZT_TEST(every_byte_round_trips),
    ZT_TEST(lookup_rules),          ZT_TEST(integers_and_booleans),
    ZT_TEST(writer_limits),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_dict", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}

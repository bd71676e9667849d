#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vl2/dict.h"

const char vec_controller_identity[] =
    "5a198f7032:0:8c8170dce89841bbcaaf214f84b242bbaa55cc57f21c77d718ccd3c499c7067cf6c30247fe167b7802c"
    "3f678a57baea7c1e86ccfad6192edfb595080837bb09c:04aceadfc98ae349b804cee7c93b561cda76db594e0beafe4b"
    "4792240c861b99eb1e725b750c15f99d421b4f97132d49b119eec324376c969d5ccd45f029c573";
const char vec_member_identity[] =
    "9620b89c1d:0:6fb03da23601c5366ffc6c026306e846e683f07823fa3e4b8752b218886990136d631abeb9c69ce2a08"
    "1f6d6ef4689703d4dff755e66f69bb94bdb76d1f1a2c0";

const char vec_a_com_hex[] = "0100070000000000000000000001a21f2ee00900000000001b77400000000000"
                             "0000015a198f70327c7184000000000000000000000000000000020000009620"
                             "b89c1dffffffffffffffff0000000000000003e3a5821640c97195ffffffffff"
                             "ffffff000000000000000405366d9bfefed4f4ffffffffffffffff0000000000"
                             "0000059963fdc03128e74dffffffffffffffff0000000000000006014e6b4289"
                             "371732ffffffffffffffff5a198f703212a23ce57666f73e91017ea210de39bc"
                             "d829f7bdf9cd96d205e6a5a11ddc3bc65051744b3a3c04249c499dff50fc9fe8"
                             "91927040103740fbb81152e3061d5f0b33d79bd869d9daeb0e92cf7287b0ec00"
                             "6648d6817faa0202be53a3c9f3a710d1";
const char vec_a_coo_hex[] = "5a198f70327c7184000001a21f2ee009000000000000000000000001000303fd"
                             "5a198f70327c718499939620b89c1d03fc6865fef49620b89c1d000000000001"
                             "020a9314eb0000000000000000000000009620b89c1d5a198f70320100602ef5"
                             "8c2152678861a5418610afcfa3dc06b719c295e4fac66bbd0f0d8ca36bb34213"
                             "e5abfb88ff470a2efd790bda57cd8e6fd1c1916a891e0885a4788b8aa00ed039"
                             "fb8e4d177ad3e1f922906e8a11ca8504dbb55c84f5b3ebb3f557f1ccbb1d0000";
const char vec_a_rt_hex[] = "040a93140000180000000000";
const char vec_a_i_hex[] = "06fd5a198f70327c718499939620b89c1d005806fc6865fef49620b89c1d0000"
                           "000000010028040a9314eb0018";
const char vec_a_r_hex[] = "0100";
const char vec_a_sha256_hex[] = "3d58eeee74cfc83b38ec8d34e9f8208953b0875506e0cfe81764e54078512c15";

const char vec_b_hex[] = "763d303030303030303030303030303030370a6e7769643d3561313938663730"
                         "33326538346562320a74733d303030303031613231663265653030630a63746d"
                         "643d303030303030303030303162373734300a723d3030303030303030303030"
                         "30303030310a69643d393632306238396331640a74743d303030303030303030"
                         "300a746c3d303030303030303030303030303030300a663d3030303030303030"
                         "30303030303030320a6d6c3d303030303030303030303030303032300a743d30"
                         "3030303030303030303030303030300a6e3d706c61696e0a6d74753d30303030"
                         "3030303030303030306166300a433d015c30075c305c305c305c305c305c305c"
                         "305c305c305c3001a21f2ee00c5c305c305c305c305c301b77405c305c305c30"
                         "5c305c305c305c30015a198f7032e84eb25c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c30025c305c305c309620b89c1dffffffffff"
                         "ffffff5c305c305c305c305c305c305c3003e3a5821640c97195ffffffffffff"
                         "ffff5c305c305c305c305c305c305c300405366d9bfefed4f4ffffffffffffff"
                         "ff5c305c305c305c305c305c305c30059963fdc03128e74dffffffffffffffff"
                         "5c305c305c305c305c305c305c3006014e6b4289371732ffffffffffffffff5a"
                         "198f703220d8f01b124bf72bc3353f1dc0185c725c65330c1d919b6990c97efd"
                         "60eb092a8119900284d678e0d46755679d38664c90efed24333b0998016ae964"
                         "322afd51645c72addc8bb753535ee8e6b1de5c72118cee38bae7906734e691d0"
                         "95a9e82bbba665e30a523d015c300a444e533d5c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c305c"
                         "305c305c305c305c305c305c305c305c305c305c305c305c305c300a73736f76"
                         "3d303030303030303030303030303030300a73736f653d30";
const char vec_b_sha256_hex[] = "b2d6b9c09cad6ca80d655e1906567bcbe9d6595f137fb1eef9a5b41c7066ecd2";
const char vec_b_com_sig_hex[] = "20d8f01b124bf72bc3353f1dc0180d3d330c1d919b6990c97efd60eb092a8119"
                                 "900284d678e0d46755679d38664c90efed24333b0998016ae964322afd51640d"
                                 "addc8bb753535ee8e6b1de0d118cee38bae7906734e691d095a9e82bbba665e3";

static void add_hex_blob(struct zt_dict_wr *dw, const char *key, const char *hex)
{
	uint8_t b[512];
	size_t n = zt_unhex(hex, b, sizeof(b));
	zt_dict_add(dw, key, b, n);
}

size_t vec_config_a(uint8_t *buf, size_t cap)
{
	static const char *const text[][2] = {
	    {"v", "0000000000000007"},    {"nwid", "5a198f70327c7184"}, {"ts", "000001a21f2ee009"},
	    {"ctmd", "00000000001b7740"}, {"r", "0000000000000001"},    {"id", "9620b89c1d"},
	    {"tt", "0000000000"},         {"tl", "0000000000000000"},   {"f", "0000000000000006"},
	    {"ml", "0000000000000020"},   {"t", "0000000000000000"},    {"n", "vl2spec"},
	    {"mtu", "0000000000000af0"},
	};
	uint8_t dns[138] = "vl2.example";
	struct zt_wr w;
	struct zt_dict_wr dw;
	zt_wr_init(&w, buf, cap);
	zt_dict_wr_init(&dw, &w);
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		zt_dict_add_str(&dw, text[i][0], text[i][1]);
	add_hex_blob(&dw, "C", vec_a_com_hex);
	add_hex_blob(&dw, "COO", vec_a_coo_hex);
	add_hex_blob(&dw, "RT", vec_a_rt_hex);
	add_hex_blob(&dw, "I", vec_a_i_hex);
	add_hex_blob(&dw, "R", vec_a_r_hex);
	zt_unhex("040a9314010000000000", dns + 128, 10);
	zt_dict_add(&dw, "DNS", dns, sizeof(dns));
	zt_dict_add_str(&dw, "ssov", "0000000000000000");
	zt_dict_add_str(&dw, "ssoe", "0");
	return w.bad ? 0 : w.len;
}

void vec_identity(struct zt_identity *id, const char *text)
{
	if (zt_identity_from_text(id, text, strlen(text)) != 0) {
		fprintf(stderr, "test vector identity does not parse\n");
		abort();
	}
}

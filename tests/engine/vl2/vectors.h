/* Spec §11 test vectors shared by the VL2 suites: the identities of §11.1, config A's parts (§11.3) and
 * config B's exact bytes (§11.4), all real output of a stock 1.14.1 controller. */
#ifndef ZTRUN_TESTS_VL2_VECTORS_H
#define ZTRUN_TESTS_VL2_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"

extern const char vec_controller_identity[]; /* with secret */
extern const char vec_member_identity[];     /* public only */

#define VEC_NWID_A 0x5a198f70327c7184ULL
#define VEC_NWID_B 0x5a198f7032e84eb2ULL
#define VEC_MEMBER 0x9620b89c1dULL
#define VEC_CTL    0x5a198f7032ULL

/* Config A: the binary values after unescaping, and the SHA-256 of the whole 1200-byte dictionary. */
extern const char vec_a_com_hex[], vec_a_coo_hex[], vec_a_rt_hex[], vec_a_i_hex[], vec_a_r_hex[];
extern const char vec_a_sha256_hex[];
/* Builds config A's 1200-byte dictionary from its parts, in the stock key order; returns its length. */
size_t vec_config_a(uint8_t *buf, size_t cap);

extern const char vec_b_hex[]; /* the 888 bytes of config B */
extern const char vec_b_sha256_hex[];
extern const char vec_b_com_sig_hex[]; /* config B's COM signature (96 bytes) */

/* Parses an identity string of the vectors; aborts the test run if it does not parse. */
void vec_identity(struct zt_identity *id, const char *text);

#endif

/* Spec §8 identities and keys shared by several suites (hex and text exactly as in the spec), so each
 * vector is typed once. */
#ifndef ZTRUN_TESTS_VL1_VECTORS_H
#define ZTRUN_TESTS_VL1_VECTORS_H

/* §8.3 identity A: upstream's known-good identity. */
static const char vec_id_a[] =
    "8e4df28b72:0:"
    "ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb"
    "4c420908b803a681d4daef6114d78a2d7:"
    "bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cf"
    "a7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e";
/* §8.3 identity B, used in §8.5-8.9. */
static const char vec_id_b[] =
    "2e7ed86a47:0:"
    "65df795337f947b35c05fcee0b59c5ef62a0da53e2c5851bcdfe2f7f10366f3bbf86a4cbda18a10f258a4698af64e65"
    "6ab3da25be60281f600c9c2aed421f348:"
    "7c08508817705df5338a59f7c4af973ad6fb63525e4cd0b6660a97144862c5123568802d2"
    "3ca451ee685f664e1242553c70bb5ddab623447d85cffa0428a3841";
/* §8.3 fresh identity from upstream's idtool. */
static const char vec_id_fresh[] =
    "b33ea28fcd:0:"
    "e9bdbf9280531ad4bc3746bd0bae34f917c84d6552c378dc0e19cda167c21b7ebd511c4e1c66dcff19be3be40bb43ea"
    "de95a0d1c5771b8bfde68b0d9b54d79a5:"
    "4b3a61757328f59247db50ed11afcd760abaa3c755de8e7329a5c6c8c0d6cf1f0f7a830c6"
    "089df454cc7a3e5ff2b00866293a37351e369ea04db6681da6621dd";
/* §8.5 shared key A<->B. */
static const char vec_key_ab[] = "dc6e809530ea5ec8a164eb6e34981b3958ce89c525995b920c5bf144ffe6b31e"
                                 "c5b1d14b858afb05f7bbb35c00ee2b9b";

#endif

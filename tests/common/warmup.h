/* The one warm-up of the engine's suites: libsodium's and OpenSSL's one-time allocations (algorithm
 * tables fetched and cached on first use) made before zt_test_main measures the heap, so they are not
 * counted as a test's leak. A suite's own warm-up calls it first, then builds its fixtures. */
#ifndef ZTRUN_TESTS_COMMON_WARMUP_H
#define ZTRUN_TESTS_COMMON_WARMUP_H

void zt_test_warm_crypto(void);

#endif

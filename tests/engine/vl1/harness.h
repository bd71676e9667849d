/* A tiny test runner for the VL1 suites, shaped like lwIP's unit tests: named tests, one suite per
 * module, checks that record and continue, and a fixture that fails a test that leaves heap behind. */
#ifndef ZTRUN_TESTS_VL1_HARNESS_H
#define ZTRUN_TESTS_VL1_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_test {
	const char *name;
	void (*fn)(void);
};

#define ZT_TEST(fn)                                                                                          \
	{                                                                                                    \
#fn, fn                                                                                      \
	}

/* Runs every test (or only those named on the command line) with a leak check around each one.
 * `warmup` (optional) runs once first, so libraries' one-time allocations are not counted as leaks.
 * Returns the process exit status: 0 when every check passed. */
int zt_test_main(const char *suite, const struct zt_test *tests, size_t n, void (*warmup)(void), int argc,
                 char **argv);

void zt_test_fail(const char *file, int line, const char *what);
bool zt_test_mem_eq(const char *file, int line, const char *what, const void *got, const void *want,
                    size_t n);

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond))                                                                                 \
			zt_test_fail(__FILE__, __LINE__, #cond);                                             \
	} while (0)

/* Like CHECK, but returns from the test: for preconditions later checks depend on. */
#define REQUIRE(cond)                                                                                        \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			zt_test_fail(__FILE__, __LINE__, #cond);                                             \
			return;                                                                              \
		}                                                                                            \
	} while (0)

#define CHECK_EQ_INT(got, want)                                                                              \
	do {                                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                                     \
		if (g_ != w_)                                                                                \
			zt_test_fail_int(__FILE__, __LINE__, #got, g_, w_);                                  \
	} while (0)

#define CHECK_MEM(got, want, n) (void)zt_test_mem_eq(__FILE__, __LINE__, #got, (got), (want), (n))

void zt_test_fail_int(const char *file, int line, const char *what, long long got, long long want);

/* Decodes hex (whitespace ignored) into out; aborts the process on malformed input, which is a bug in
 * the test itself. Returns the number of bytes written. */
size_t zt_unhex(const char *hex, uint8_t *out, size_t cap);

/* Deterministic "randomness" for engine calls that take a random callback: a counter-mode stream
 * seeded by `*(uint64_t *)arg`. */
void zt_test_random(void *arg, void *buf, size_t len);

#endif

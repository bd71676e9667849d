/* The one test harness of every C test in tests/ (shaped like lwIP's unit tests).
 *
 * Checks: CHECK(cond) records a failure and carries on; REQUIRE(cond) also returns from the test, for
 * preconditions later checks depend on; CHECK_EQ_INT and CHECK_MEM show what they got and wanted;
 * CHECK_MSG(cond, fmt, ...) is a named check (its name printed as "ok NAME" when it passes, with the
 * errno of the moment when it fails) and is an expression, true when the check passed. Every check is
 * counted, from any thread.
 *
 * Suites: zt_test_main runs named tests (all, or those named on the command line) with a leak check
 * around each: heap bytes in use before and after must match, and an optional guard (zt_test_guard)
 * may check more (lwIP's pools). Programs that are not a list of tests (a forked client, an app run
 * under ztrun) end with zt_check_report. */
#ifndef ZTRUN_TESTS_COMMON_HARNESS_H
#define ZTRUN_TESTS_COMMON_HARNESS_H

#include <errno.h>
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
 * `warmup` (optional) runs once first, so libraries' one-time allocations are not counted as leaks
 * (zt_test_warm_crypto in warmup.h is the one the engine's suites share). Returns the process exit
 * status: 0 when every check passed. */
int zt_test_main(const char *suite, const struct zt_test *tests, size_t n, void (*warmup)(void), int argc,
                 char **argv);

/* A check zt_test_main makes around every test besides the heap's: `before` runs before the test,
 * `after` after it and returns false (having said why) if the test left something behind. */
void zt_test_guard(void (*before)(void), bool (*after)(const char *test));

/* Prints "N checks passed, M failed" and returns the exit status: 0 when none failed. */
int zt_check_report(void);
/* Failed checks so far (of every thread). */
int zt_test_failures(void);

void zt_test_fail(const char *file, int line, const char *what);
void zt_test_fail_int(const char *file, int line, const char *what, long long got, long long want);
bool zt_test_mem_eq(const char *file, int line, const char *what, const void *got, const void *want,
                    size_t n);
void zt_test_pass(void);
bool zt_test_check_msg(bool ok, const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The errno right after a named check's condition was evaluated (see CHECK_MSG). */
extern _Thread_local int zt_test_errno;
static inline bool zt_test_cond(bool ok)
{
	zt_test_errno = errno;
	return ok;
}

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (cond)                                                                                    \
			zt_test_pass();                                                                      \
		else                                                                                         \
			zt_test_fail(__FILE__, __LINE__, #cond);                                             \
	} while (0)

#define REQUIRE(cond)                                                                                        \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			zt_test_pass();                                                                      \
		} else {                                                                                     \
			zt_test_fail(__FILE__, __LINE__, #cond);                                             \
			return;                                                                              \
		}                                                                                            \
	} while (0)

#define CHECK_EQ_INT(got, want)                                                                              \
	do {                                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                                     \
		if (g_ == w_)                                                                                \
			zt_test_pass();                                                                      \
		else                                                                                         \
			zt_test_fail_int(__FILE__, __LINE__, #got, g_, w_);                                  \
	} while (0)

#define CHECK_MEM(got, want, n) (void)zt_test_mem_eq(__FILE__, __LINE__, #got, (got), (want), (n))

/* errno is taken right after cond is evaluated: that of the call the condition made, if it made one. */
#define CHECK_MSG(cond, ...) zt_test_check_msg(zt_test_cond(!!(cond)), __FILE__, __LINE__, #cond, __VA_ARGS__)

/* Decodes hex (whitespace ignored) into out; aborts the process on malformed input, which is a bug in
 * the test itself. Returns the number of bytes written. */
size_t zt_unhex(const char *hex, uint8_t *out, size_t cap);

/* Deterministic "randomness" for engine calls that take a random callback: a counter-mode stream
 * seeded by `*(uint64_t *)arg`. */
void zt_test_random(void *arg, void *buf, size_t len);

/* How many fds this process has open (entries of /proc/self/fd, its own listing's and . and .. among
 * them: compare counts, not values), or -1. */
int zt_test_count_fds(void);

/* Re-runs this program with `lib` in LD_PRELOAD and ZT_NC_NETWORK=network (unset if NULL), unless that
 * was done already (ZTRUN_TEST_PRELOADED marks it). Returns only in the preloaded run. ASan builds
 * tolerate a preloaded library listed before their runtime. */
void zt_test_preload(char **argv, const char *lib, const char *network);

#endif

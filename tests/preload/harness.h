/* A few lines of test harness shared by the shim's tests: named checks that print one line each and
 * count failures, and the re-exec that loads the shim with LD_PRELOAD before main() runs. */
#ifndef ZTRUN_TEST_PRELOAD_HARNESS_H
#define ZTRUN_TEST_PRELOAD_HARNESS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int harness_failed, harness_passed;

#define CHECK(cond, what)                                                                                    \
	do {                                                                                                 \
		int check_errno_ = errno;                                                                    \
		if (cond) {                                                                                  \
			harness_passed++;                                                                    \
			printf("ok   %s\n", what);                                                           \
		} else {                                                                                     \
			harness_failed++;                                                                    \
			printf("FAIL %s: %s (line %d, errno %d %s)\n", what, #cond, __LINE__, check_errno_,  \
			       strerror(check_errno_));                                                      \
		}                                                                                            \
		fflush(stdout);                                                                              \
	} while (0)

static inline int harness_report(void)
{
	printf("%d passed, %d failed\n", harness_passed, harness_failed);
	return harness_failed ? 1 : 0;
}

/* Re-runs this program with the shim preloaded and ZT_NC_NETWORK=network, unless that was done
 * already (the variable ZTRUN_TEST_PRELOADED marks it). Returns only in the preloaded run. ASan
 * builds tolerate a preloaded library listed before their runtime. */
static inline void harness_preload(char **argv, const char *shim, const char *network)
{
	if (getenv("ZTRUN_TEST_PRELOADED"))
		return;
	setenv("ZTRUN_TEST_PRELOADED", "1", 1);
	setenv("LD_PRELOAD", shim, 1);
	if (network)
		setenv("ZT_NC_NETWORK", network, 1);
	else
		unsetenv("ZT_NC_NETWORK");
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];
	snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
	         asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	execv("/proc/self/exe", argv);
	perror("execv /proc/self/exe");
	exit(2);
}

#endif

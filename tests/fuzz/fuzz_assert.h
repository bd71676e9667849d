/* FUZZ_ASSERT for every fuzz target: a property the code promises did not hold, so crash and let
 * libFuzzer keep the input. */
#ifndef ZTRUN_TESTS_FUZZ_ASSERT_H
#define ZTRUN_TESTS_FUZZ_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond)                                                                                    \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);          \
			abort();                                                                             \
		}                                                                                            \
	} while (0)

#endif

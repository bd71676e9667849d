/* Shared set-up for the VL1 fuzz targets: the spec's test identities and their shared key, made once
 * per process, and a way to fail loudly when a round-trip property breaks. */
#ifndef ZTRUN_TESTS_FUZZ_COMMON_H
#define ZTRUN_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vl1/identity.h"
#include "vl1/packet.h"

struct fuzz_keys {
	struct zt_identity a, b; /* spec §8.3 identities A and B, with secrets */
	uint8_t key_ab[ZT_SHARED_KEY_LEN];
	struct zt_gmac_siv_keys *siv; /* its OpenSSL contexts change with every use */
};

const struct fuzz_keys *fuzz_keys(void);

/* A property the code promises did not hold: crash so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                                                    \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);          \
			abort();                                                                             \
		}                                                                                            \
	} while (0)

#endif

/* Shared set-up for the VL1 fuzz targets: the spec's test identities and their shared key, made once
 * per process, and a way to fail loudly when a round-trip property breaks. */
#ifndef ZTRUN_TESTS_FUZZ_COMMON_H
#define ZTRUN_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vl1/identity.h"
#include "vl1/packet.h"
#include "vl1/world.h"
#include "fuzz_assert.h"

struct fuzz_keys {
	struct zt_identity a, b; /* spec §8.3 identities A and B, with secrets */
	uint8_t key_ab[ZT_SHARED_KEY_LEN];
	struct zt_gmac_siv_keys *siv; /* its OpenSSL contexts change with every use */
};

const struct fuzz_keys *fuzz_keys(void);

/* A planet whose one root is A (its public half) at 10.0.0.1/9993, for nodes that hold A's key. */
const struct zt_world *fuzz_planet(void);

/* Random bytes for a node's or controller's random callback, the same on every run (an input must replay
 * as it ran): a 64-bit LCG whose state is *(uint64_t *)arg. */
void fuzz_random(void *arg, void *buf, size_t len);

/* For the seed writers: one file <dir>/<target>/<name>, its folder made if missing. 0 or -1. */
int fuzz_put_seed(const char *dir, const char *target, const char *name, const void *data, size_t len);

#endif

/* The node's side of a planet file, for the CLI tests: reads it with zt_world_parse as a node loading
 * its planet does, and checks it as a node would take it.
 *   world_check PLANET        parses; the signature must verify with PLANET's own updates key
 *   world_check HELD PLANET   both parse; a node holding HELD must accept PLANET (spec §6.3)
 * Prints "TYPE ID TIMESTAMP ROOTS" for PLANET and exits 0, or says why not and exits 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vl1/world.h"

static int load(const char *path, struct zt_world *w)
{
	static uint8_t buf[ZT_WORLD_MAX_LEN + 1];
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (zt_world_parse(w, buf, n) != 0) {
		fprintf(stderr, "%s: zt_world_parse refuses it\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct zt_world held, w;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: world_check [HELD] PLANET\n");
		return 2;
	}
	if (zt_crypto_init() != 0 || load(argv[argc - 1], &w) != 0)
		return 1;
	if (argc == 2 && !zt_world_verify(&w, w.updates_key)) {
		fprintf(stderr, "%s: signature does not verify with its updates key\n", argv[1]);
		return 1;
	}
	if (argc == 3) {
		if (load(argv[1], &held) != 0)
			return 1;
		int ret = zt_world_check_update(&held, &w);
		if (ret) {
			fprintf(stderr, "%s: not accepted as an update of %s: %s\n", argv[2], argv[1],
			        ret == -ESTALE  ? "not newer"
			        : ret == -EPERM ? "bad signature"
			                        : "another world");
			return 1;
		}
	}
	printf("%u %llu %llu %u\n", (unsigned)w.type, (unsigned long long)w.id, (unsigned long long)w.ts,
	       (unsigned)w.n_roots);
	return 0;
}

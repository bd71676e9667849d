#include "fuzz_common.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char id_a[] =
    "8e4df28b72:0:"
    "ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb"
    "4c420908b803a681d4daef6114d78a2d7:"
    "bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cf"
    "a7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e";
static const char id_b[] =
    "2e7ed86a47:0:"
    "65df795337f947b35c05fcee0b59c5ef62a0da53e2c5851bcdfe2f7f10366f3bbf86a4cbda18a10f258a4698af64e65"
    "6ab3da25be60281f600c9c2aed421f348:"
    "7c08508817705df5338a59f7c4af973ad6fb63525e4cd0b6660a97144862c5123568802d2"
    "3ca451ee685f664e1242553c70bb5ddab623447d85cffa0428a3841";

const struct fuzz_keys *fuzz_keys(void)
{
	/* Process-wide on purpose: key set-up is the same for every input and costs more than a run. */
	static struct fuzz_keys k;
	static struct zt_gmac_siv_keys siv;
	static int ready;
	if (!ready) {
		if (zt_crypto_init() != 0 || zt_identity_from_text(&k.a, id_a, strlen(id_a)) != 0 ||
		    zt_identity_from_text(&k.b, id_b, strlen(id_b)) != 0 ||
		    zt_identity_agree(&k.a, &k.b, k.key_ab) != 0 ||
		    zt_gmac_siv_keys_derive(&siv, k.key_ab) != 0)
			abort();
		k.siv = &siv;
		ready = 1;
	}
	return &k;
}

void fuzz_random(void *arg, void *buf, size_t len)
{
	uint64_t *s = arg;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i] = (uint8_t)(*s >> 56);
	}
}

int fuzz_put_seed(const char *dir, const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

const struct zt_world *fuzz_planet(void)
{
	static struct zt_world planet;
	if (!planet.type) {
		const struct fuzz_keys *k = fuzz_keys();
		planet.type = ZT_WORLD_TYPE_PLANET;
		planet.id = 1;
		planet.ts = 1;
		planet.n_roots = 1;
		planet.roots[0].id = k->a;
		memset(planet.roots[0].id.priv, 0, sizeof(planet.roots[0].id.priv));
		planet.roots[0].id.has_priv = false;
		planet.roots[0].n_endpoints = 1;
		planet.roots[0].endpoints[0] =
		    (struct zt_inetaddr){.family = ZT_INET_V4, .ip = {10, 0, 0, 1}, .port = 9993};
	}
	return &planet;
}

/* Worlds: the signed root lists ZeroTier calls planets and moons (spec §6) - binary form, signature,
 * the update rule, and the built-in Earth planet stock nodes ship with. */
#ifndef ZTRUN_VL1_WORLD_H
#define ZTRUN_VL1_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/inetaddr.h"
#include "vl1/wire.h"

#define ZT_WORLD_TYPE_NULL   0x00
#define ZT_WORLD_TYPE_PLANET 0x01
#define ZT_WORLD_TYPE_MOON   0x7f

#define ZT_WORLD_MAX_ROOTS     4    /* stock nodes reject more */
#define ZT_WORLD_MAX_ENDPOINTS 32   /* per root, likewise */
#define ZT_WORLD_MAX_LEN       8480 /* stock nodes' world buffer */
#define ZT_EARTH_ID            149604618ULL
#define ZT_EARTH_LEN           570

struct zt_world_root {
	struct zt_identity id; /* public only */
	uint8_t n_endpoints;
	struct zt_inetaddr endpoints[ZT_WORLD_MAX_ENDPOINTS];
};

struct zt_world {
	uint8_t type;
	uint64_t id;
	uint64_t ts; /* revision: larger is newer */
	/* Identity-layout public key whose Ed25519 half must sign the *next* revision. */
	uint8_t updates_key[ZT_IDENTITY_PUB_LEN];
	uint8_t sig[ZT_SIGNATURE_LEN];
	uint8_t n_roots;
	struct zt_world_root roots[ZT_WORLD_MAX_ROOTS];
};

/* Reads one world (e.g. from inside an OK(HELLO)). 0, or -EBADMSG: unknown type, too many roots or
 * endpoints, a root identity that is malformed or carries a secret, over ZT_WORLD_MAX_LEN, or short
 * (r->bad then set). A moon's attached dictionary is skipped. Checks no signature. */
int zt_world_read(struct zt_world *w, struct zt_rd *r);
/* The same for a buffer that must hold exactly one world (a planet file). */
int zt_world_parse(struct zt_world *w, const uint8_t *buf, size_t len);
/* Serialized form; a moon's dictionary is always written empty, as stock nodes do. */
void zt_world_write(const struct zt_world *w, struct zt_wr *wr);

/* What the signature covers: 8 x 0x7f, the world without its signature, 8 x 0xf7. Returns its length
 * or -ENOSPC. */
int zt_world_signing_message(const struct zt_world *w, uint8_t *out, size_t cap);
/* True if w->sig is a valid signature by the Ed25519 half of `key` (identity layout, 64 bytes). */
bool zt_world_verify(const struct zt_world *w, const uint8_t key[ZT_IDENTITY_PUB_LEN]);
/* Signs w with a secret key in identity layout (the seed is its second half). 0 or -EINVAL. */
int zt_world_sign(struct zt_world *w, const uint8_t secret[ZT_IDENTITY_PRIV_LEN]);

/* The update rule of spec §6.3 for a world we hold: 0 if `next` replaces `held`; -EINVAL for another
 * type or ID, -ESTALE if not strictly newer, -EPERM if not signed with held's updates key. */
int zt_world_check_update(const struct zt_world *held, const struct zt_world *next);

/* A world's signing key pair, in identity layout as stock's mkworld keeps it: public = X25519 || Ed25519
 * public halves, secret = X25519 secret || Ed25519 seed. Only the Ed25519 half signs; the X25519 half is
 * carried because the updates-key field has room for it. */
void zt_world_key_generate(uint8_t pub[ZT_IDENTITY_PUB_LEN], uint8_t secret[ZT_IDENTITY_PRIV_LEN],
                           zt_random_fn *rnd, void *rnd_arg);
/* 0 if `secret` produces `pub`, else -EINVAL (a damaged or mismatched key file). */
int zt_world_key_check(const uint8_t pub[ZT_IDENTITY_PUB_LEN], const uint8_t secret[ZT_IDENTITY_PRIV_LEN]);

/* Editing the root list within the limits stock nodes accept (spec §6.1); order is kept, since a node
 * tries roots in file order. find: the index, or -ENOENT. add copies the public half of id: 0, -EEXIST
 * (that address is already a root), -E2BIG (ZT_WORLD_MAX_ROOTS), -EINVAL (reserved address). */
int zt_world_find_root(const struct zt_world *w, uint64_t address);
int zt_world_add_root(struct zt_world *w, const struct zt_identity *id);
int zt_world_remove_root(struct zt_world *w, uint64_t address);
/* 0, -EEXIST, -E2BIG (ZT_WORLD_MAX_ENDPOINTS), -EINVAL (no IP family, or port 0). */
int zt_world_add_endpoint(struct zt_world_root *root, const struct zt_inetaddr *a);
int zt_world_remove_endpoint(struct zt_world_root *root, const struct zt_inetaddr *a);

/* The serialized world in out: its length, -ENOSPC if cap is too small, or -EMSGSIZE if it is longer than
 * ZT_WORLD_MAX_LEN (stock nodes could not hold it). */
int zt_world_encode(const struct zt_world *w, uint8_t *out, size_t cap);

/* Makes w its own next revision (spec §6.3): timestamp ts, later revisions to be signed by next_key (NULL
 * keeps the current one), signed with `secret`, which must be the key w names as its updates key - the one
 * nodes holding w check. 0, -ESTALE (ts not newer than w's) or -EPERM (secret is not w's updates key);
 * w is unchanged on error. */
int zt_world_next_revision(struct zt_world *w, uint64_t ts, const uint8_t next_key[ZT_IDENTITY_PUB_LEN],
                           const uint8_t secret[ZT_IDENTITY_PRIV_LEN]);

/* The Earth planet built into stock nodes (spec §6.4): ZT_EARTH_LEN bytes of constant data. */
const uint8_t *zt_world_earth(size_t *len);

#endif

/* Network config chunks (spec §4.4-4.5, §9.6): the signed slices a controller sends in OK(NETWORK_CONFIG_
 * REQUEST) and NETWORK_CONFIG. A parser, a writer that signs, and the member's assembler that puts the
 * verified slices of up to three concurrent updates back together. */
#ifndef ZTRUN_VL2_CONFCHUNK_H
#define ZTRUN_VL2_CONFCHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/wire.h"

#define ZT_CONFCHUNK_MAX_DATA  9740 /* what a stock controller puts in one chunk */
#define ZT_CONFASM_SLOTS       3    /* updates assembled at once (stock) */
#define ZT_CONFASM_MAX_CHUNKS  474  /* per update (stock) */
#define ZT_CONFCHUNK_FLAG_FAST 0x01 /* fast propagate */

struct zt_confchunk {
	uint64_t nwid;
	const uint8_t *data; /* L bytes of the dictionary, at `index` */
	uint16_t len;
	/* An unsigned, complete config with no trailing fields: accepted only from the controller itself,
	 * with update_id and chunk_id set by the caller to the packet ID. */
	bool legacy;
	uint8_t flags;
	uint64_t update_id;
	uint32_t total, index;
	const uint8_t *signed_part; /* [nwid .. index], what the signature covers */
	size_t signed_len;
	const uint8_t *signature; /* ZT_SIGNATURE_LEN bytes */
	uint64_t chunk_id;        /* for duplicate detection: the first 16 signature bytes folded to 8 */
};

/* Parses a chunk (the bytes after the OK's in-re fields, or NETWORK_CONFIG's payload; anything after the
 * signature is ignored). Checks index + L <= T < ZT_DICT_NETCONF_CAP and signature type 1 / length 96.
 * 0 or -EBADMSG. */
int zt_confchunk_parse(struct zt_confchunk *c, const uint8_t *p, size_t len);

/* The controller's side: writes the chunk of `dict` (`total` bytes) at `index`, `len` bytes long, and
 * signs it with `signer` (which must hold its secret). 0, -EINVAL (bad slice or no secret), -ENOSPC. */
int zt_confchunk_write(struct zt_wr *w, uint64_t nwid, const uint8_t *dict, uint32_t total, uint32_t index,
                       uint16_t len, uint8_t flags, uint64_t update_id, const struct zt_identity *signer);

struct zt_confasm_slot {
	uint64_t update_id;
	uint64_t touched;
	uint8_t *buf; /* `total` bytes while assembling */
	uint32_t total, have;
	bool done; /* completed: later chunks of this update are duplicates */
	unsigned n_chunks;
	uint64_t chunk_ids[ZT_CONFASM_MAX_CHUNKS];
};

struct zt_confasm {
	uint64_t clock;
	struct zt_confasm_slot slot[ZT_CONFASM_SLOTS];
};

void zt_confasm_init(struct zt_confasm *a);
void zt_confasm_free(struct zt_confasm *a);
/* Whether this chunk was taken already (check before spending a signature verification on it). */
bool zt_confasm_seen(const struct zt_confasm *a, const struct zt_confchunk *c);
/* Adds a chunk the caller has verified. 1: the dictionary is complete, *dict / *len point to it (valid
 * until the next call on `a`); 0: more chunks needed; -EALREADY: a duplicate; -EBADMSG: its total differs
 * from the update's other chunks, or the update has too many chunks; -ENOMEM. The least recently touched
 * slot is reused for a new update. */
int zt_confasm_add(struct zt_confasm *a, const struct zt_confchunk *c, const uint8_t **dict, size_t *len);

#endif

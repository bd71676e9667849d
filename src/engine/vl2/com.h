/* Certificates of membership (spec §6.1-6.3): the controller-signed ticket that lets two members of a
 * private network talk. Parse, serialize, issue, sign, verify, and the agreement check ("gate"). */
#ifndef ZTRUN_VL2_COM_H
#define ZTRUN_VL2_COM_H

#include <stdbool.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/wire.h"

#define ZT_COM_MAX_QUALIFIERS 8
#define ZT_COM_TYPE           0x01

/* Reserved qualifier ids; 3..6 hold the words of the member's identity hash. */
enum {
	ZT_COM_QUAL_TIMESTAMP = 0,
	ZT_COM_QUAL_NETWORK_ID = 1,
	ZT_COM_QUAL_ISSUED_TO = 2,
	ZT_COM_QUAL_IDHASH_FIRST = 3,
	ZT_COM_QUAL_IDHASH_LAST = 6,
};

struct zt_com_qualifier {
	uint64_t id, value, max_delta;
};

/* count == 0 means "no COM". */
struct zt_com {
	unsigned count;
	struct zt_com_qualifier q[ZT_COM_MAX_QUALIFIERS];
	uint64_t signer; /* 0 = unsigned; then `signature` is not on the wire */
	uint8_t signature[ZT_SIGNATURE_LEN];
};

/* Reads one record. 0, or -EBADMSG (and r->bad) for a wrong type byte, more than 8 qualifiers, ids out of
 * order, or a short record. */
int zt_com_read(struct zt_com *c, struct zt_rd *r);
void zt_com_write(const struct zt_com *c, struct zt_wr *w);
bool zt_com_equal(const struct zt_com *a, const struct zt_com *b);

/* The value of a qualifier (the first with that id), or 0 if absent. */
uint64_t zt_com_qualifier(const struct zt_com *c, uint64_t id);
static inline int64_t zt_com_timestamp(const struct zt_com *c)
{
	return (int64_t)zt_com_qualifier(c, ZT_COM_QUAL_TIMESTAMP);
}
static inline uint64_t zt_com_network_id(const struct zt_com *c)
{
	return zt_com_qualifier(c, ZT_COM_QUAL_NETWORK_ID);
}
static inline uint64_t zt_com_issued_to(const struct zt_com *c)
{
	return zt_com_qualifier(c, ZT_COM_QUAL_ISSUED_TO) & 0xffffffffffULL;
}

/* Words 0..3 of SHA-384(address as 5 bytes || 64-byte public key), big-endian: qualifiers 3..6. */
void zt_com_identity_hash(const struct zt_identity *id, uint64_t words[4]);

/* Fills the 7 qualifiers a stock controller issues (timestamp with window max_delta, network ID, member
 * address, identity hash); unsigned until zt_com_sign. */
void zt_com_issue(struct zt_com *c, int64_t timestamp, uint64_t max_delta, uint64_t nwid,
                  const struct zt_identity *member);
/* Signs the qualifier bytes. 0, or -EINVAL if `signer` has no secret or the COM has no qualifiers. */
int zt_com_sign(struct zt_com *c, const struct zt_identity *signer);
/* Checks the COM was signed by its network's controller, whose identity is `controller`.
 * 0, -EINVAL (unsigned, or signer is not nwid >> 24, or not `controller`), -EBADMSG (bad signature). */
int zt_com_verify(const struct zt_com *c, const struct zt_identity *controller);

/* Spec §6.3: does `theirs`, presented by the peer with identity `their_id`, agree with `mine`? */
bool zt_com_agrees(const struct zt_com *mine, const struct zt_com *theirs,
                   const struct zt_identity *their_id);

/* The whole gate of §6.3 for one peer. `theirs` may be NULL (no COM stored); `revoked_before` is the COM
 * revocation threshold held for that peer (0 if none). */
bool zt_com_gate(bool network_public, const struct zt_com *mine, const struct zt_com *theirs,
                 int64_t revoked_before, const struct zt_identity *their_id);

#endif

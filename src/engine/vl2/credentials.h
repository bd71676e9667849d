/* The other network credentials (spec §6.6-6.7): certificates of ownership, tags, capabilities and
 * revocations. Parse and serialize with bounds checks, build their signing form, sign and verify. */
#ifndef ZTRUN_VL2_CREDENTIALS_H
#define ZTRUN_VL2_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/wire.h"
#include "vl2/rules.h"

#define ZT_COO_MAX_THINGS      16
#define ZT_COO_THING_LEN       16
#define ZT_CAP_MAX_CUSTODY     7
#define ZT_CREDENTIAL_SIG_TYPE 1 /* the only signature type: a 96-byte C25519 signature */

enum zt_credential_type {
	ZT_CREDENTIAL_NULL = 0,
	ZT_CREDENTIAL_COM = 1,
	ZT_CREDENTIAL_CAPABILITY = 2,
	ZT_CREDENTIAL_TAG = 3,
	ZT_CREDENTIAL_COO = 4,
	ZT_CREDENTIAL_REVOCATION = 6,
};

enum zt_coo_thing {
	ZT_COO_THING_NULL = 0,
	ZT_COO_THING_MAC = 1,
	ZT_COO_THING_IPV4 = 2,
	ZT_COO_THING_IPV6 = 3,
};

/* In every struct below `signed_ok` records whether the record carried a type-1 signature: a record with
 * another signature type parses (its signature bytes are skipped) but can never verify. */

struct zt_coo {
	uint64_t nwid;
	int64_t timestamp;
	uint64_t flags;
	uint32_t id;
	uint16_t thing_count;
	uint8_t thing_type[ZT_COO_MAX_THINGS];
	uint8_t thing_value[ZT_COO_MAX_THINGS][ZT_COO_THING_LEN]; /* left-aligned, zero padded */
	uint64_t issued_to, signer;
	bool signed_ok;
	uint8_t signature[ZT_SIGNATURE_LEN];
};

struct zt_tag {
	uint64_t nwid;
	int64_t timestamp;
	uint32_t id, value;
	uint64_t issued_to, signer;
	bool signed_ok;
	uint8_t signature[ZT_SIGNATURE_LEN];
};

struct zt_capability_custody {
	uint64_t to, from;
	bool signed_ok;
	uint8_t signature[ZT_SIGNATURE_LEN];
};

struct zt_capability {
	uint64_t nwid;
	int64_t timestamp;
	uint32_t id;
	uint16_t rule_count;
	struct zt_rule rules[ZT_MAX_CAPABILITY_RULES];
	uint8_t max_custody; /* 1..7 */
	uint8_t custody_count;
	struct zt_capability_custody custody[ZT_CAP_MAX_CUSTODY];
};

struct zt_revocation {
	uint32_t id;
	uint64_t nwid;
	uint32_t credential_id;
	int64_t threshold;
	uint64_t flags; /* 0x01: fast propagate */
	uint64_t target, signer;
	uint8_t type; /* enum zt_credential_type of what is revoked */
	bool signed_ok;
	uint8_t signature[ZT_SIGNATURE_LEN];
};

#define ZT_REVOCATION_FLAG_FAST_PROPAGATE 0x01ULL

/* Readers: 0, or -EBADMSG (and r->bad) for a short or malformed record (a COO with more than 16 things, a
 * capability with more than 64 rules, a custody chain longer than its maximum, a type-1 signature whose
 * length is not 96). Trailing extra fields are skipped. Writers emit the stock form: signature type 1, 96
 * bytes, and no extra fields. */
int zt_coo_read(struct zt_coo *c, struct zt_rd *r);
void zt_coo_write(const struct zt_coo *c, struct zt_wr *w);
int zt_tag_read(struct zt_tag *t, struct zt_rd *r);
void zt_tag_write(const struct zt_tag *t, struct zt_wr *w);
int zt_capability_read(struct zt_capability *c, struct zt_rd *r);
void zt_capability_write(const struct zt_capability *c, struct zt_wr *w);
int zt_revocation_read(struct zt_revocation *v, struct zt_rd *r);
void zt_revocation_write(const struct zt_revocation *v, struct zt_wr *w);

/* Signing forms (spec §6.6): 0x7f7f7f7f7f7f7f7f, the fields without signatures, u16 0, the marker again.
 * They go into the writer; w->bad reports a short buffer. */
void zt_coo_signing_form(const struct zt_coo *c, struct zt_wr *w);
void zt_tag_signing_form(const struct zt_tag *t, struct zt_wr *w);
void zt_capability_signing_form(const struct zt_capability *c, struct zt_wr *w);
void zt_revocation_signing_form(const struct zt_revocation *v, struct zt_wr *w);

/* Sign as `signer` (which becomes the record's signer). 0, or -EINVAL without a secret. */
int zt_coo_sign(struct zt_coo *c, const struct zt_identity *signer);
int zt_tag_sign(struct zt_tag *t, const struct zt_identity *signer);
int zt_revocation_sign(struct zt_revocation *v, const struct zt_identity *signer);
/* Appends a custody entry from `from` to `to`. 0, -EINVAL (no secret), -ENOSPC (chain full). */
int zt_capability_sign(struct zt_capability *c, const struct zt_identity *from, uint64_t to);

/* Verify against the network's controller identity: 0, -EINVAL (unsigned, or the signer is not
 * nwid >> 24 or not `controller`), -EBADMSG (signature does not verify). */
int zt_coo_verify(const struct zt_coo *c, const struct zt_identity *controller);
int zt_tag_verify(const struct zt_tag *t, const struct zt_identity *controller);
int zt_revocation_verify(const struct zt_revocation *v, const struct zt_identity *controller);

/* Looks up the identity of an address; NULL if unknown (the caller then WHOISes it). */
typedef const struct zt_identity *zt_identity_lookup_fn(void *arg, uint64_t address);
/* The custody chain: the first entry from the controller, each later one from the previous holder.
 * 0, -EAGAIN (a signer's identity is unknown), -EINVAL (broken chain), -EBADMSG (bad signature). */
int zt_capability_verify(const struct zt_capability *c, zt_identity_lookup_fn *lookup, void *arg);
/* The last holder in the custody chain, 0 if none. */
uint64_t zt_capability_issued_to(const struct zt_capability *c);

/* Does the COO list this IPv4 (4 bytes), IPv6 (16) or MAC (6)? */
bool zt_coo_owns(const struct zt_coo *c, enum zt_coo_thing type, const uint8_t *value, size_t len);

#endif

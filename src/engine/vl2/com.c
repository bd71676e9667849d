#include "vl2/com.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

int zt_com_read(struct zt_com *c, struct zt_rd *r)
{
	memset(c, 0, sizeof(*c));
	if (zt_rd_u8(r) != ZT_COM_TYPE)
		goto bad;
	unsigned count = zt_rd_u16(r);
	if (count > ZT_COM_MAX_QUALIFIERS)
		goto bad;
	for (unsigned i = 0; i < count; i++) {
		c->q[i].id = zt_rd_u64(r);
		c->q[i].value = zt_rd_u64(r);
		c->q[i].max_delta = zt_rd_u64(r);
		if (i > 0 && c->q[i].id < c->q[i - 1].id)
			goto bad;
	}
	c->count = count;
	c->signer = zt_rd_u40(r);
	if (c->signer)
		zt_rd_copy(r, c->signature, sizeof(c->signature));
	if (!r->bad)
		return 0;
bad:
	r->bad = true; /* nothing after a malformed record can be trusted */
	memset(c, 0, sizeof(*c));
	return -EBADMSG;
}

static void write_qualifiers(const struct zt_com *c, struct zt_wr *w)
{
	for (unsigned i = 0; i < c->count && i < ZT_COM_MAX_QUALIFIERS; i++) {
		zt_wr_u64(w, c->q[i].id);
		zt_wr_u64(w, c->q[i].value);
		zt_wr_u64(w, c->q[i].max_delta);
	}
}

void zt_com_write(const struct zt_com *c, struct zt_wr *w)
{
	unsigned count = c->count < ZT_COM_MAX_QUALIFIERS ? c->count : ZT_COM_MAX_QUALIFIERS;
	zt_wr_u8(w, ZT_COM_TYPE);
	zt_wr_u16(w, (uint16_t)count);
	write_qualifiers(c, w);
	zt_wr_u40(w, c->signer);
	if (c->signer & 0xffffffffffULL)
		zt_wr_bytes(w, c->signature, sizeof(c->signature));
}

bool zt_com_equal(const struct zt_com *a, const struct zt_com *b)
{
	if (a->count != b->count || a->signer != b->signer)
		return false;
	for (unsigned i = 0; i < a->count && i < ZT_COM_MAX_QUALIFIERS; i++)
		if (a->q[i].id != b->q[i].id || a->q[i].value != b->q[i].value ||
		    a->q[i].max_delta != b->q[i].max_delta)
			return false;
	return !a->signer || memcmp(a->signature, b->signature, sizeof(a->signature)) == 0;
}

uint64_t zt_com_qualifier(const struct zt_com *c, uint64_t id)
{
	for (unsigned i = 0; i < c->count && i < ZT_COM_MAX_QUALIFIERS; i++)
		if (c->q[i].id == id)
			return c->q[i].value;
	return 0;
}

void zt_com_identity_hash(const struct zt_identity *id, uint64_t words[4])
{
	uint8_t msg[ZT_ADDRESS_LEN + ZT_IDENTITY_PUB_LEN], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct zt_wr w;
	struct zt_rd r;
	zt_wr_init(&w, msg, sizeof(msg));
	zt_wr_u40(&w, id->address);
	zt_wr_bytes(&w, id->pub, sizeof(id->pub));
	/* vl1/crypto.h has no plain SHA-384 yet; OpenSSL is the library it uses for this family. A failure
	 * here (out of memory inside OpenSSL) leaves a hash that matches no one, so the gate stays shut. */
	if (!EVP_Digest(msg, sizeof(msg), md, &mdlen, EVP_sha384(), NULL) || mdlen != ZT_SHA384_LEN)
		memset(md, 0, sizeof(md));
	zt_rd_init(&r, md, 32);
	for (int i = 0; i < 4; i++)
		words[i] = zt_rd_u64(&r);
}

void zt_com_issue(struct zt_com *c, int64_t timestamp, uint64_t max_delta, uint64_t nwid,
                  const struct zt_identity *member)
{
	uint64_t h[4];
	memset(c, 0, sizeof(*c));
	c->q[0] = (struct zt_com_qualifier){ZT_COM_QUAL_TIMESTAMP, (uint64_t)timestamp, max_delta};
	c->q[1] = (struct zt_com_qualifier){ZT_COM_QUAL_NETWORK_ID, nwid, 0};
	c->q[2] = (struct zt_com_qualifier){ZT_COM_QUAL_ISSUED_TO, member->address, UINT64_MAX};
	zt_com_identity_hash(member, h);
	for (int i = 0; i < 4; i++)
		c->q[3 + i] =
		    (struct zt_com_qualifier){(uint64_t)(ZT_COM_QUAL_IDHASH_FIRST + i), h[i], UINT64_MAX};
	c->count = 7;
}

/* The signed bytes: the qualifiers exactly as on the wire. */
static size_t signed_bytes(const struct zt_com *c, uint8_t buf[ZT_COM_MAX_QUALIFIERS * 24])
{
	struct zt_wr w;
	zt_wr_init(&w, buf, ZT_COM_MAX_QUALIFIERS * 24);
	write_qualifiers(c, &w);
	return w.len;
}

int zt_com_sign(struct zt_com *c, const struct zt_identity *signer)
{
	uint8_t buf[ZT_COM_MAX_QUALIFIERS * 24];
	if (!c->count || !signer->has_priv)
		return -EINVAL;
	size_t n = signed_bytes(c, buf);
	if (zt_identity_sign(signer, buf, n, c->signature) != 0)
		return -EINVAL;
	c->signer = signer->address;
	return 0;
}

int zt_com_verify(const struct zt_com *c, const struct zt_identity *controller)
{
	uint8_t buf[ZT_COM_MAX_QUALIFIERS * 24];
	if (!c->signer || c->count > ZT_COM_MAX_QUALIFIERS || c->signer != (zt_com_network_id(c) >> 24) ||
	    c->signer != controller->address)
		return -EINVAL;
	size_t n = signed_bytes(c, buf);
	return zt_identity_verify(controller, buf, n, c->signature) ? 0 : -EBADMSG;
}

/* Stock collects the other side's qualifiers in a map, so of repeated ids the last one counts. */
static bool find_last(const struct zt_com *c, uint64_t id, uint64_t *value)
{
	bool found = false;
	for (unsigned i = 0; i < c->count && i < ZT_COM_MAX_QUALIFIERS; i++) {
		if (c->q[i].id == id) {
			*value = c->q[i].value;
			found = true;
		}
	}
	return found;
}

bool zt_com_agrees(const struct zt_com *mine, const struct zt_com *theirs, const struct zt_identity *their_id)
{
	bool full_identity = false;
	uint64_t v;
	if (!mine->count || !theirs->count)
		return false;
	for (unsigned i = 0; i < mine->count && i < ZT_COM_MAX_QUALIFIERS; i++) {
		const struct zt_com_qualifier *q = &mine->q[i];
		if (q->id >= ZT_COM_QUAL_IDHASH_FIRST && q->id <= ZT_COM_QUAL_IDHASH_LAST)
			full_identity = true;
		if (!find_last(theirs, q->id, &v))
			return false;
		if ((q->value >= v ? q->value - v : v - q->value) > q->max_delta)
			return false;
	}
	if (full_identity) {
		uint64_t h[4];
		zt_com_identity_hash(their_id, h);
		for (int i = 0; i < 4; i++)
			if (!find_last(theirs, (uint64_t)(ZT_COM_QUAL_IDHASH_FIRST + i), &v) || v != h[i])
				return false;
	}
	return true;
}

bool zt_com_gate(bool network_public, const struct zt_com *mine, const struct zt_com *theirs,
                 int64_t revoked_before, const struct zt_identity *their_id)
{
	if (network_public)
		return true;
	return theirs && zt_com_timestamp(theirs) > revoked_before && zt_com_agrees(mine, theirs, their_id);
}

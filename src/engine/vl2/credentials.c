#include "vl2/credentials.h"

#include <errno.h>
#include <string.h>

#define SIGNING_MARKER 0x7f7f7f7f7f7f7f7fULL

/* The largest signing form is a capability's: 31 bytes of fields + 64 rules of at most 21 bytes + 11. */
#define SIGNING_FORM_MAX (8 + 31 + ZT_MAX_CAPABILITY_RULES * 21 + 3 + 8)

/* `[u8 type][u16 len][sig]`: type 1 must carry exactly 96 bytes; any other type is skipped. */
static void read_signature(struct zt_rd *r, bool *signed_ok, uint8_t sig[ZT_SIGNATURE_LEN])
{
	if (zt_rd_u8(r) == ZT_CREDENTIAL_SIG_TYPE) {
		if (zt_rd_u16(r) != ZT_SIGNATURE_LEN)
			r->bad = true;
		*signed_ok = zt_rd_copy(r, sig, ZT_SIGNATURE_LEN);
	} else {
		zt_rd_skip(r, zt_rd_u16(r));
		*signed_ok = false;
	}
}

static void write_signature(struct zt_wr *w, const uint8_t sig[ZT_SIGNATURE_LEN])
{
	zt_wr_u8(w, ZT_CREDENTIAL_SIG_TYPE);
	zt_wr_u16(w, ZT_SIGNATURE_LEN);
	zt_wr_bytes(w, sig, ZT_SIGNATURE_LEN);
}

static void skip_extra(struct zt_rd *r)
{
	zt_rd_skip(r, zt_rd_u16(r));
}

static int finish(struct zt_rd *r, void *obj, size_t size)
{
	if (!r->bad)
		return 0;
	memset(obj, 0, size);
	return -EBADMSG;
}

/* A credential's own fields, written: each type has one (coo_fields, tag_fields...). */
typedef void fields_fn(const void *cred, struct zt_wr *w);

/* A credential on the wire (but a capability, whose custody chain follows its fields): its fields, its
 * signature, and no extra bytes. */
static void write_signed(const void *cred, fields_fn *fields, const uint8_t sig[ZT_SIGNATURE_LEN],
                         struct zt_wr *w)
{
	fields(cred, w);
	write_signature(w, sig);
	zt_wr_u16(w, 0);
}

/* What a credential's signature covers: its fields, with no extra bytes, between two markers. */
static void signing_form(const void *cred, fields_fn *fields, struct zt_wr *w)
{
	zt_wr_u64(w, SIGNING_MARKER);
	fields(cred, w);
	zt_wr_u16(w, 0);
	zt_wr_u64(w, SIGNING_MARKER);
}

/* ---- certificate of ownership ---- */

static void coo_fields(const void *cred, struct zt_wr *w)
{
	const struct zt_coo *c = cred;
	unsigned n = c->thing_count < ZT_COO_MAX_THINGS ? c->thing_count : ZT_COO_MAX_THINGS;
	zt_wr_u64(w, c->nwid);
	zt_wr_u64(w, (uint64_t)c->timestamp);
	zt_wr_u64(w, c->flags);
	zt_wr_u32(w, c->id);
	zt_wr_u16(w, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		zt_wr_u8(w, c->thing_type[i]);
		zt_wr_bytes(w, c->thing_value[i], ZT_COO_THING_LEN);
	}
	zt_wr_u40(w, c->issued_to);
	zt_wr_u40(w, c->signer);
}

int zt_coo_read(struct zt_coo *c, struct zt_rd *r)
{
	memset(c, 0, sizeof(*c));
	c->nwid = zt_rd_u64(r);
	c->timestamp = (int64_t)zt_rd_u64(r);
	c->flags = zt_rd_u64(r);
	c->id = zt_rd_u32(r);
	c->thing_count = zt_rd_u16(r);
	if (c->thing_count > ZT_COO_MAX_THINGS)
		r->bad = true;
	for (unsigned i = 0; i < c->thing_count && !r->bad; i++) {
		c->thing_type[i] = zt_rd_u8(r);
		zt_rd_copy(r, c->thing_value[i], ZT_COO_THING_LEN);
	}
	c->issued_to = zt_rd_u40(r);
	c->signer = zt_rd_u40(r);
	read_signature(r, &c->signed_ok, c->signature);
	skip_extra(r);
	return finish(r, c, sizeof(*c));
}

void zt_coo_write(const struct zt_coo *c, struct zt_wr *w)
{
	write_signed(c, coo_fields, c->signature, w);
}

void zt_coo_signing_form(const struct zt_coo *c, struct zt_wr *w)
{
	signing_form(c, coo_fields, w);
}

bool zt_coo_owns(const struct zt_coo *c, enum zt_coo_thing type, const uint8_t *value, size_t len)
{
	if (len > ZT_COO_THING_LEN)
		return false;
	for (unsigned i = 0; i < c->thing_count && i < ZT_COO_MAX_THINGS; i++)
		if (c->thing_type[i] == type && memcmp(c->thing_value[i], value, len) == 0)
			return true;
	return false;
}

/* ---- tag ---- */

static void tag_fields(const void *cred, struct zt_wr *w)
{
	const struct zt_tag *t = cred;
	zt_wr_u64(w, t->nwid);
	zt_wr_u64(w, (uint64_t)t->timestamp);
	zt_wr_u32(w, t->id);
	zt_wr_u32(w, t->value);
	zt_wr_u40(w, t->issued_to);
	zt_wr_u40(w, t->signer);
}

int zt_tag_read(struct zt_tag *t, struct zt_rd *r)
{
	memset(t, 0, sizeof(*t));
	t->nwid = zt_rd_u64(r);
	t->timestamp = (int64_t)zt_rd_u64(r);
	t->id = zt_rd_u32(r);
	t->value = zt_rd_u32(r);
	t->issued_to = zt_rd_u40(r);
	t->signer = zt_rd_u40(r);
	read_signature(r, &t->signed_ok, t->signature);
	skip_extra(r);
	return finish(r, t, sizeof(*t));
}

void zt_tag_write(const struct zt_tag *t, struct zt_wr *w)
{
	write_signed(t, tag_fields, t->signature, w);
}

void zt_tag_signing_form(const struct zt_tag *t, struct zt_wr *w)
{
	signing_form(t, tag_fields, w);
}

/* ---- capability ---- */

static void capability_fields(const void *cred, struct zt_wr *w)
{
	const struct zt_capability *c = cred;
	unsigned n = c->rule_count < ZT_MAX_CAPABILITY_RULES ? c->rule_count : ZT_MAX_CAPABILITY_RULES;
	zt_wr_u64(w, c->nwid);
	zt_wr_u64(w, (uint64_t)c->timestamp);
	zt_wr_u32(w, c->id);
	zt_wr_u16(w, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		zt_rule_write(&c->rules[i], w);
	zt_wr_u8(w, c->max_custody);
}

int zt_capability_read(struct zt_capability *c, struct zt_rd *r)
{
	memset(c, 0, sizeof(*c));
	c->nwid = zt_rd_u64(r);
	c->timestamp = (int64_t)zt_rd_u64(r);
	c->id = zt_rd_u32(r);
	c->rule_count = zt_rd_u16(r);
	if (c->rule_count > ZT_MAX_CAPABILITY_RULES)
		r->bad = true;
	for (unsigned i = 0; i < c->rule_count && !r->bad; i++)
		if (zt_rule_read(&c->rules[i], r) != 0)
			r->bad = true;
	c->max_custody = zt_rd_u8(r);
	if (c->max_custody < 1 || c->max_custody > ZT_CAP_MAX_CUSTODY)
		r->bad = true;
	while (!r->bad) {
		uint64_t to = zt_rd_u40(r);
		if (!to)
			break;
		if (c->custody_count >= c->max_custody) {
			r->bad = true;
			break;
		}
		struct zt_capability_custody *e = &c->custody[c->custody_count++];
		e->to = to;
		e->from = zt_rd_u40(r);
		read_signature(r, &e->signed_ok, e->signature);
	}
	skip_extra(r);
	return finish(r, c, sizeof(*c));
}

void zt_capability_write(const struct zt_capability *c, struct zt_wr *w)
{
	capability_fields(c, w);
	for (unsigned i = 0; i < c->custody_count && i < ZT_CAP_MAX_CUSTODY && c->custody[i].to; i++) {
		zt_wr_u40(w, c->custody[i].to);
		zt_wr_u40(w, c->custody[i].from);
		write_signature(w, c->custody[i].signature);
	}
	zt_wr_u40(w, 0);
	zt_wr_u16(w, 0);
}

void zt_capability_signing_form(const struct zt_capability *c, struct zt_wr *w)
{
	signing_form(c, capability_fields, w);
}

uint64_t zt_capability_issued_to(const struct zt_capability *c)
{
	return c->custody_count ? c->custody[c->custody_count - 1].to : 0;
}

/* ---- revocation ---- */

static void revocation_fields(const void *cred, struct zt_wr *w)
{
	const struct zt_revocation *v = cred;
	zt_wr_u32(w, 0);
	zt_wr_u32(w, v->id);
	zt_wr_u64(w, v->nwid);
	zt_wr_u32(w, 0);
	zt_wr_u32(w, v->credential_id);
	zt_wr_u64(w, (uint64_t)v->threshold);
	zt_wr_u64(w, v->flags);
	zt_wr_u40(w, v->target);
	zt_wr_u40(w, v->signer);
	zt_wr_u8(w, v->type);
}

int zt_revocation_read(struct zt_revocation *v, struct zt_rd *r)
{
	memset(v, 0, sizeof(*v));
	zt_rd_skip(r, 4);
	v->id = zt_rd_u32(r);
	v->nwid = zt_rd_u64(r);
	zt_rd_skip(r, 4);
	v->credential_id = zt_rd_u32(r);
	v->threshold = (int64_t)zt_rd_u64(r);
	v->flags = zt_rd_u64(r);
	v->target = zt_rd_u40(r);
	v->signer = zt_rd_u40(r);
	v->type = zt_rd_u8(r);
	read_signature(r, &v->signed_ok, v->signature);
	skip_extra(r);
	return finish(r, v, sizeof(*v));
}

void zt_revocation_write(const struct zt_revocation *v, struct zt_wr *w)
{
	write_signed(v, revocation_fields, v->signature, w);
}

void zt_revocation_signing_form(const struct zt_revocation *v, struct zt_wr *w)
{
	signing_form(v, revocation_fields, w);
}

/* ---- signing and verification ---- */

static int sign_form(const void *cred, fields_fn *fields, const struct zt_identity *signer,
                     uint8_t sig[ZT_SIGNATURE_LEN])
{
	uint8_t buf[SIGNING_FORM_MAX];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	signing_form(cred, fields, &w);
	if (w.bad || !signer->has_priv)
		return -EINVAL;
	return zt_identity_sign(signer, buf, w.len, sig) == 0 ? 0 : -EINVAL;
}

static int verify_form(const void *cred, fields_fn *fields, uint64_t nwid, uint64_t signer,
                       bool signed_ok, const uint8_t sig[ZT_SIGNATURE_LEN],
                       const struct zt_identity *controller)
{
	uint8_t buf[SIGNING_FORM_MAX];
	struct zt_wr w;
	if (!signer || !signed_ok || signer != (nwid >> 24) || signer != controller->address)
		return -EINVAL;
	zt_wr_init(&w, buf, sizeof(buf));
	signing_form(cred, fields, &w);
	if (w.bad)
		return -EINVAL;
	return zt_identity_verify(controller, buf, w.len, sig) ? 0 : -EBADMSG;
}

int zt_coo_sign(struct zt_coo *c, const struct zt_identity *signer)
{
	c->signer = signer->address; /* the signer is part of what is signed */
	int rc = sign_form(c, coo_fields, signer, c->signature);
	c->signed_ok = rc == 0;
	return rc;
}

int zt_tag_sign(struct zt_tag *t, const struct zt_identity *signer)
{
	t->signer = signer->address;
	int rc = sign_form(t, tag_fields, signer, t->signature);
	t->signed_ok = rc == 0;
	return rc;
}

int zt_revocation_sign(struct zt_revocation *v, const struct zt_identity *signer)
{
	v->signer = signer->address;
	int rc = sign_form(v, revocation_fields, signer, v->signature);
	v->signed_ok = rc == 0;
	return rc;
}

int zt_capability_sign(struct zt_capability *c, const struct zt_identity *from, uint64_t to)
{
	unsigned max = c->max_custody < ZT_CAP_MAX_CUSTODY ? c->max_custody : ZT_CAP_MAX_CUSTODY;
	if (!from->has_priv || !to)
		return -EINVAL;
	if (c->custody_count >= max)
		return -ENOSPC;
	struct zt_capability_custody *e = &c->custody[c->custody_count];
	int rc = sign_form(c, capability_fields, from, e->signature);
	if (rc != 0)
		return rc;
	e->to = to;
	e->from = from->address;
	e->signed_ok = true;
	c->custody_count++;
	return 0;
}

int zt_coo_verify(const struct zt_coo *c, const struct zt_identity *controller)
{
	return verify_form(c, coo_fields, c->nwid, c->signer, c->signed_ok, c->signature, controller);
}

int zt_tag_verify(const struct zt_tag *t, const struct zt_identity *controller)
{
	return verify_form(t, tag_fields, t->nwid, t->signer, t->signed_ok, t->signature, controller);
}

int zt_revocation_verify(const struct zt_revocation *v, const struct zt_identity *controller)
{
	return verify_form(v, revocation_fields, v->nwid, v->signer, v->signed_ok, v->signature, controller);
}

int zt_capability_verify(const struct zt_capability *c, zt_identity_lookup_fn *lookup, void *arg)
{
	uint8_t buf[SIGNING_FORM_MAX];
	struct zt_wr w;
	if (c->max_custody < 1 || c->max_custody > ZT_CAP_MAX_CUSTODY || !c->custody_count)
		return -EINVAL;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_capability_signing_form(c, &w);
	if (w.bad)
		return -EINVAL;
	for (unsigned i = 0; i < c->custody_count && i < c->max_custody; i++) {
		const struct zt_capability_custody *e = &c->custody[i];
		uint64_t expected = i == 0 ? c->nwid >> 24 : c->custody[i - 1].to;
		if (!e->to || !e->from || e->from != expected || !e->signed_ok)
			return -EINVAL;
		const struct zt_identity *id = lookup(arg, e->from);
		if (!id)
			return -EAGAIN;
		if (id->address != e->from)
			return -EINVAL;
		if (!zt_identity_verify(id, buf, w.len, e->signature))
			return -EBADMSG;
	}
	return 0;
}

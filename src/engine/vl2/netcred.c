#include "vl2/netcred.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The records are large (a capability is ~2.8 KB): one set per walk, off the caller's stack. */
struct records {
	struct zt_com com;
	struct zt_capability cap;
	struct zt_tag tag;
	struct zt_revocation rev;
	struct zt_coo coo;
};

static int read_counted(struct zt_rd *r, struct records *rec, int kind, const struct zt_netcred_visitor *v,
                        void *arg)
{
	unsigned n = zt_rd_u16(r);
	if (r->bad)
		return -EBADMSG;
	for (unsigned i = 0; i < n; i++) {
		int rc = 0;
		switch (kind) {
		case ZT_CREDENTIAL_CAPABILITY:
			if (zt_capability_read(&rec->cap, r) != 0)
				return -EBADMSG;
			rc = v->capability ? v->capability(arg, &rec->cap) : 0;
			break;
		case ZT_CREDENTIAL_TAG:
			if (zt_tag_read(&rec->tag, r) != 0)
				return -EBADMSG;
			rc = v->tag ? v->tag(arg, &rec->tag) : 0;
			break;
		case ZT_CREDENTIAL_REVOCATION:
			if (zt_revocation_read(&rec->rev, r) != 0)
				return -EBADMSG;
			rc = v->revocation ? v->revocation(arg, &rec->rev) : 0;
			break;
		default:
			if (zt_coo_read(&rec->coo, r) != 0)
				return -EBADMSG;
			rc = v->coo ? v->coo(arg, &rec->coo) : 0;
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int walk(struct zt_rd *r, struct records *rec, const struct zt_netcred_visitor *v, void *arg)
{
	static const int parts[] = {ZT_CREDENTIAL_CAPABILITY, ZT_CREDENTIAL_TAG, ZT_CREDENTIAL_REVOCATION,
	                            ZT_CREDENTIAL_COO};
	/* COMs until a 0x00 byte or the end; each COM starts with its type byte 0x01 */
	while (zt_rd_left(r) > 0) {
		struct zt_rd peek = *r;
		if (zt_rd_u8(&peek) == 0) {
			zt_rd_skip(r, 1);
			break;
		}
		if (zt_com_read(&rec->com, r) != 0)
			return -EBADMSG;
		int rc = v->com ? v->com(arg, &rec->com) : 0;
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && zt_rd_left(r) > 0; i++) {
		int rc = read_counted(r, rec, parts[i], v, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int zt_netcred_read(const void *payload, size_t len, const struct zt_netcred_visitor *v, void *arg)
{
	static const struct zt_netcred_visitor none;
	struct records *rec = malloc(sizeof(*rec));
	struct zt_rd r;
	if (!rec)
		return -ENOMEM;
	zt_rd_init(&r, payload, len);
	int rc = walk(&r, rec, v ? v : &none, arg);
	free(rec);
	return rc;
}

int zt_netcred_write(const struct zt_netcred *c, struct zt_wr *w)
{
	if (c->capability_count > UINT16_MAX || c->tag_count > UINT16_MAX ||
	    c->revocation_count > UINT16_MAX || c->coo_count > UINT16_MAX)
		return -EINVAL;
	for (size_t i = 0; i < c->com_count; i++)
		zt_com_write(&c->coms[i], w);
	zt_wr_u8(w, 0);
	zt_wr_u16(w, (uint16_t)c->capability_count);
	for (size_t i = 0; i < c->capability_count; i++)
		zt_capability_write(&c->capabilities[i], w);
	zt_wr_u16(w, (uint16_t)c->tag_count);
	for (size_t i = 0; i < c->tag_count; i++)
		zt_tag_write(&c->tags[i], w);
	zt_wr_u16(w, (uint16_t)c->revocation_count);
	for (size_t i = 0; i < c->revocation_count; i++)
		zt_revocation_write(&c->revocations[i], w);
	zt_wr_u16(w, (uint16_t)c->coo_count);
	for (size_t i = 0; i < c->coo_count; i++)
		zt_coo_write(&c->coos[i], w);
	return w->bad ? -ENOSPC : 0;
}

#include "vl2/vl2_wire.h"

#include <errno.h>
#include <string.h>

static void read_mac(struct zt_rd *r, uint8_t mac[6])
{
	zt_rd_copy(r, mac, 6);
}

/* How every frame verb's payload ends: the ethertype, then the frame's payload to the end (a view, possibly
 * empty). 0, or -EBADMSG when anything read so far was short. */
static int read_ethertype_payload(struct zt_rd *r, uint16_t *ethertype, const uint8_t **payload, size_t *len)
{
	*ethertype = zt_rd_u16(r);
	*len = zt_rd_left(r);
	*payload = zt_rd_bytes(r, *len);
	return r->bad ? -EBADMSG : 0;
}

/* How EXT_FRAME and MULTICAST_FRAME begin: the network ID, the flags, and the COM that flag bit `com_bit`
 * says follows. 0, or -EBADMSG when that COM does not parse (a short read shows at the end). */
static int read_nwid_flags_com(struct zt_rd *r, uint64_t *nwid, uint8_t *flags, uint8_t com_bit,
                               struct zt_com *com, bool *has_com)
{
	*nwid = zt_rd_u64(r);
	*flags = zt_rd_u8(r);
	if (r->bad || !(*flags & com_bit))
		return 0;
	if (zt_com_read(com, r) != 0)
		return -EBADMSG;
	*has_com = true;
	return 0;
}

int zt_vl2_frame_parse(struct zt_vl2_frame *f, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(f, 0, sizeof(*f));
	zt_rd_init(&r, p, len);
	f->nwid = zt_rd_u64(&r);
	return read_ethertype_payload(&r, &f->ethertype, &f->payload, &f->len);
}

int zt_vl2_ext_frame_parse(struct zt_vl2_ext_frame *f, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(f, 0, sizeof(*f));
	zt_rd_init(&r, p, len);
	if (read_nwid_flags_com(&r, &f->nwid, &f->flags, ZT_EXT_FRAME_FLAG_COM, &f->com, &f->has_com) != 0)
		return -EBADMSG;
	read_mac(&r, f->dst);
	read_mac(&r, f->src);
	return read_ethertype_payload(&r, &f->ethertype, &f->payload, &f->len);
}

int zt_vl2_mc_frame_parse(struct zt_vl2_mc_frame *f, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(f, 0, sizeof(*f));
	zt_rd_init(&r, p, len);
	if (read_nwid_flags_com(&r, &f->nwid, &f->flags, ZT_MC_FRAME_FLAG_COM, &f->com, &f->has_com) != 0)
		return -EBADMSG;
	if (f->flags & ZT_MC_FRAME_FLAG_GATHER_LIMIT)
		f->gather_limit = zt_rd_u32(&r);
	if (f->flags & ZT_MC_FRAME_FLAG_SOURCE_MAC) {
		read_mac(&r, f->src);
		f->has_src = true;
	}
	zt_mcast_group_read(&f->group, &r);
	return read_ethertype_payload(&r, &f->ethertype, &f->payload, &f->len);
}

int zt_vl2_gather_parse(struct zt_vl2_gather *g, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(g, 0, sizeof(*g));
	zt_rd_init(&r, p, len);
	g->nwid = zt_rd_u64(&r);
	g->flags = zt_rd_u8(&r);
	zt_mcast_group_read(&g->group, &r);
	g->limit = zt_rd_u32(&r);
	if (r.bad)
		return -EBADMSG;
	/* A broken COM after a good request only loses the COM, as in stock (it reads it last). */
	if ((g->flags & ZT_GATHER_FLAG_COM) && zt_com_read(&g->com, &r) == 0)
		g->has_com = true;
	return 0;
}

static int read_list(struct zt_vl2_gather_result *res, struct zt_rd *r)
{
	res->total = zt_rd_u32(r);
	res->n = zt_rd_u16(r);
	res->addrs = zt_rd_bytes(r, (size_t)res->n * ZT_ADDRESS_LEN);
	if (r->bad) {
		res->n = 0;
		res->addrs = NULL;
		return -EBADMSG;
	}
	return 0;
}

int zt_vl2_gather_result_parse(struct zt_vl2_gather_result *res, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(res, 0, sizeof(*res));
	zt_rd_init(&r, p, len);
	res->nwid = zt_rd_u64(&r);
	zt_mcast_group_read(&res->group, &r);
	return read_list(res, &r);
}

int zt_vl2_mc_frame_ok_parse(struct zt_vl2_gather_result *res, bool *has_list, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	struct zt_com com;
	memset(res, 0, sizeof(*res));
	*has_list = false;
	zt_rd_init(&r, p, len);
	res->nwid = zt_rd_u64(&r);
	zt_mcast_group_read(&res->group, &r);
	uint8_t flags = zt_rd_u8(&r);
	if (r.bad)
		return -EBADMSG;
	if ((flags & ZT_MC_OK_FLAG_COM) && zt_com_read(&com, &r) != 0)
		return -EBADMSG;
	if (!(flags & ZT_MC_OK_FLAG_GATHER_LIST))
		return 0;
	if (read_list(res, &r) != 0)
		return -EBADMSG;
	*has_list = true;
	return 0;
}

uint64_t zt_vl2_gather_result_addr(const struct zt_vl2_gather_result *res, unsigned i)
{
	struct zt_rd r;
	if (i >= res->n)
		return 0;
	zt_rd_init(&r, res->addrs + (size_t)i * ZT_ADDRESS_LEN, ZT_ADDRESS_LEN);
	return zt_rd_u40(&r);
}

bool zt_vl2_like_next(struct zt_rd *r, uint64_t *nwid, struct zt_mcast_group *g)
{
	if (zt_rd_left(r) < 18)
		return false;
	*nwid = zt_rd_u64(r);
	zt_mcast_group_read(g, r);
	return !r->bad;
}

void zt_vl2_frame_write(struct zt_wr *w, uint64_t nwid, uint16_t ethertype, const void *payload, size_t len)
{
	zt_wr_u64(w, nwid);
	zt_wr_u16(w, ethertype);
	zt_wr_bytes(w, payload, len);
}

void zt_vl2_ext_frame_write(struct zt_wr *w, uint64_t nwid, uint8_t flags, const uint8_t dst[6],
                            const uint8_t src[6], uint16_t ethertype, const void *payload, size_t len)
{
	zt_wr_u64(w, nwid);
	zt_wr_u8(w, (uint8_t)(flags & ~ZT_EXT_FRAME_FLAG_COM));
	zt_wr_bytes(w, dst, 6);
	zt_wr_bytes(w, src, 6);
	zt_wr_u16(w, ethertype);
	zt_wr_bytes(w, payload, len);
}

void zt_vl2_mc_frame_write(struct zt_wr *w, uint64_t nwid, uint8_t flags, uint32_t gather_limit,
                           const uint8_t src[6], const struct zt_mcast_group *g, uint16_t ethertype,
                           const void *payload, size_t len)
{
	flags &= (uint8_t)~ZT_MC_FRAME_FLAG_COM;
	zt_wr_u64(w, nwid);
	zt_wr_u8(w, flags);
	if (flags & ZT_MC_FRAME_FLAG_GATHER_LIMIT)
		zt_wr_u32(w, gather_limit);
	if (flags & ZT_MC_FRAME_FLAG_SOURCE_MAC)
		zt_wr_bytes(w, src, 6);
	zt_mcast_group_write(g, w);
	zt_wr_u16(w, ethertype);
	zt_wr_bytes(w, payload, len);
}

void zt_vl2_gather_write(struct zt_wr *w, uint64_t nwid, const struct zt_mcast_group *g, uint32_t limit,
                         const struct zt_com *com)
{
	bool with_com = com && com->count;
	zt_wr_u64(w, nwid);
	zt_wr_u8(w, with_com ? ZT_GATHER_FLAG_COM : 0);
	zt_mcast_group_write(g, w);
	zt_wr_u32(w, limit);
	if (with_com)
		zt_com_write(com, w);
}

void zt_vl2_error_write(struct zt_wr *w, uint8_t in_re_verb, uint64_t in_re_id, uint8_t code, uint64_t nwid)
{
	zt_wr_u8(w, in_re_verb);
	zt_wr_u64(w, in_re_id);
	zt_wr_u8(w, code);
	zt_wr_u64(w, nwid);
}

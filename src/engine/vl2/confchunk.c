#include "vl2/confchunk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/dict.h"

int zt_confchunk_parse(struct zt_confchunk *c, const uint8_t *p, size_t len)
{
	struct zt_rd r;
	memset(c, 0, sizeof(*c));
	zt_rd_init(&r, p, len);
	c->nwid = zt_rd_u64(&r);
	c->len = zt_rd_u16(&r);
	c->data = zt_rd_bytes(&r, c->len);
	if (r.bad)
		return -EBADMSG;
	if (zt_rd_left(&r) == 0) {
		c->legacy = true;
		c->total = c->len;
		return c->total >= ZT_DICT_NETCONF_CAP ? -EBADMSG : 0;
	}
	c->flags = zt_rd_u8(&r);
	c->update_id = zt_rd_u64(&r);
	c->total = zt_rd_u32(&r);
	c->index = zt_rd_u32(&r);
	size_t signed_len = r.off;
	uint8_t sig_type = zt_rd_u8(&r);
	uint16_t sig_len = zt_rd_u16(&r);
	c->signature = zt_rd_bytes(&r, ZT_SIGNATURE_LEN);
	if (r.bad || sig_type != 1 || sig_len != ZT_SIGNATURE_LEN)
		return -EBADMSG;
	if ((uint64_t)c->index + c->len > c->total || c->total >= ZT_DICT_NETCONF_CAP)
		return -EBADMSG;
	zt_rd_init(&r, p, len);
	c->signed_part = zt_rd_bytes(&r, signed_len);
	c->signed_len = signed_len;
	uint8_t folded[8] = {0};
	for (unsigned i = 0; i < 16; i++)
		folded[i & 7] ^= c->signature[i];
	zt_rd_init(&r, folded, sizeof(folded));
	c->chunk_id = zt_rd_u64(&r);
	return 0;
}

int zt_confchunk_write(struct zt_wr *w, uint64_t nwid, const uint8_t *dict, uint32_t total, uint32_t index,
                       uint16_t len, uint8_t flags, uint64_t update_id, const struct zt_identity *signer)
{
	if ((uint64_t)index + len > total || !signer->has_priv)
		return -EINVAL;
	size_t start = w->len;
	zt_wr_u64(w, nwid);
	zt_wr_u16(w, len);
	zt_wr_bytes(w, dict + index, len);
	zt_wr_u8(w, flags);
	zt_wr_u64(w, update_id);
	zt_wr_u32(w, total);
	zt_wr_u32(w, index);
	if (w->bad)
		return -ENOSPC;
	uint8_t sig[ZT_SIGNATURE_LEN];
	if (zt_identity_sign(signer, w->p + start, w->len - start, sig) != 0)
		return -EINVAL;
	zt_wr_u8(w, 1);
	zt_wr_u16(w, ZT_SIGNATURE_LEN);
	zt_wr_bytes(w, sig, sizeof(sig));
	return w->bad ? -ENOSPC : 0;
}

void zt_confasm_init(struct zt_confasm *a)
{
	memset(a, 0, sizeof(*a));
}

void zt_confasm_free(struct zt_confasm *a)
{
	for (unsigned i = 0; i < ZT_CONFASM_SLOTS; i++)
		free(a->slot[i].buf);
	memset(a, 0, sizeof(*a));
}

static bool slot_has(const struct zt_confasm_slot *s, uint64_t chunk_id)
{
	for (unsigned j = 0; j < s->n_chunks; j++)
		if (s->chunk_ids[j] == chunk_id)
			return true;
	return false;
}

static struct zt_confasm_slot *find_slot(struct zt_confasm *a, uint64_t update_id)
{
	for (unsigned i = 0; i < ZT_CONFASM_SLOTS; i++)
		if (a->slot[i].touched && a->slot[i].update_id == update_id)
			return &a->slot[i];
	return NULL;
}

bool zt_confasm_seen(const struct zt_confasm *a, const struct zt_confchunk *c)
{
	const struct zt_confasm_slot *s = find_slot((struct zt_confasm *)a, c->update_id);
	return s && (s->done || slot_has(s, c->chunk_id));
}

int zt_confasm_add(struct zt_confasm *a, const struct zt_confchunk *c, const uint8_t **dict, size_t *len)
{
	struct zt_confasm_slot *s = find_slot(a, c->update_id);
	if (s && (s->done || slot_has(s, c->chunk_id)))
		return -EALREADY;
	if (!s) {
		s = &a->slot[0];
		for (unsigned i = 1; i < ZT_CONFASM_SLOTS; i++)
			if (a->slot[i].touched < s->touched)
				s = &a->slot[i];
		free(s->buf);
		memset(s, 0, sizeof(*s));
		s->update_id = c->update_id;
		s->total = c->total;
	}
	s->touched = ++a->clock;
	if (s->done || c->total != s->total || s->n_chunks >= ZT_CONFASM_MAX_CHUNKS)
		return -EBADMSG;
	if (!s->buf) {
		s->buf = calloc(1, s->total ? s->total : 1);
		if (!s->buf)
			return -ENOMEM;
	}
	s->chunk_ids[s->n_chunks++] = c->chunk_id;
	if (c->len)
		memcpy(s->buf + c->index, c->data, c->len);
	/* Like stock, bytes are counted, not their coverage: only the controller can sign chunks, and an
	 * overlapping set from it is its own bug. */
	s->have += c->len;
	if (s->have < s->total)
		return 0;
	s->done = true;
	*dict = s->buf;
	*len = s->total;
	return 1;
}

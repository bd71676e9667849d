#include "vl1/wire.h"

#include <string.h>

void zt_rd_init(struct zt_rd *r, const void *buf, size_t len)
{
	/* A NULL buffer reads as empty; pointing at a literal keeps `p + off` defined. */
	r->p = buf ? buf : (const void *)"";
	r->len = buf ? len : 0;
	r->off = 0;
	r->bad = false;
}

const uint8_t *zt_rd_bytes(struct zt_rd *r, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *at = r->p + r->off;
	r->off += n;
	return at;
}

static uint64_t rd_be(struct zt_rd *r, size_t n)
{
	const uint8_t *b = zt_rd_bytes(r, n);
	uint64_t v = 0;
	if (!b)
		return 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

uint8_t zt_rd_u8(struct zt_rd *r)
{
	return (uint8_t)rd_be(r, 1);
}

uint16_t zt_rd_u16(struct zt_rd *r)
{
	return (uint16_t)rd_be(r, 2);
}

uint32_t zt_rd_u32(struct zt_rd *r)
{
	return (uint32_t)rd_be(r, 4);
}

uint64_t zt_rd_u40(struct zt_rd *r)
{
	return rd_be(r, 5);
}

uint64_t zt_rd_u64(struct zt_rd *r)
{
	return rd_be(r, 8);
}

bool zt_rd_copy(struct zt_rd *r, void *dst, size_t n)
{
	const uint8_t *b = zt_rd_bytes(r, n);
	if (!b) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, b, n);
	return true;
}

void zt_rd_skip(struct zt_rd *r, size_t n)
{
	(void)zt_rd_bytes(r, n);
}

size_t zt_rd_left(const struct zt_rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}

bool zt_rd_done(const struct zt_rd *r)
{
	return !r->bad && r->off == r->len;
}

void zt_wr_init(struct zt_wr *w, void *buf, size_t cap)
{
	w->p = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->bad = false;
}

uint8_t *zt_wr_reserve(struct zt_wr *w, size_t n)
{
	if (!w->p) {
		w->bad = w->bad || n > 0;
		return NULL;
	}
	if (w->bad || n > w->cap - w->len) {
		w->bad = true;
		return NULL;
	}
	uint8_t *at = w->p + w->len;
	w->len += n;
	return at;
}

static void wr_be(struct zt_wr *w, uint64_t v, size_t n)
{
	uint8_t *b = zt_wr_reserve(w, n);
	if (!b)
		return;
	for (size_t i = n; i > 0; i--) {
		b[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

void zt_wr_u8(struct zt_wr *w, uint8_t v)
{
	wr_be(w, v, 1);
}

void zt_wr_u16(struct zt_wr *w, uint16_t v)
{
	wr_be(w, v, 2);
}

void zt_wr_u32(struct zt_wr *w, uint32_t v)
{
	wr_be(w, v, 4);
}

void zt_wr_u40(struct zt_wr *w, uint64_t v)
{
	wr_be(w, v, 5);
}

void zt_wr_u64(struct zt_wr *w, uint64_t v)
{
	wr_be(w, v, 8);
}

void zt_wr_bytes(struct zt_wr *w, const void *src, size_t n)
{
	uint8_t *b = zt_wr_reserve(w, n);
	if (b && n)
		memcpy(b, src, n);
}

void zt_wr_zero(struct zt_wr *w, size_t n)
{
	uint8_t *b = zt_wr_reserve(w, n);
	if (b && n)
		memset(b, 0, n);
}

/* Bounds-checked big-endian reader and writer: every byte ZeroTier puts on the wire goes through here.
 * Errors are sticky, so a caller reads or writes a whole structure and checks `bad` once at the end. */
#ifndef ZTRUN_VL1_WIRE_H
#define ZTRUN_VL1_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reader over bytes it does not own. Reading past the end returns 0 (or NULL for a span), sets `bad`
 * and leaves `off` where it was, so later reads keep failing instead of reading the wrong field. */
struct zt_rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

void zt_rd_init(struct zt_rd *r, const void *buf, size_t len);
uint8_t zt_rd_u8(struct zt_rd *r);
uint16_t zt_rd_u16(struct zt_rd *r);
uint32_t zt_rd_u32(struct zt_rd *r);
/* 40-bit ZeroTier address: 5 bytes, most significant first. */
uint64_t zt_rd_u40(struct zt_rd *r);
uint64_t zt_rd_u64(struct zt_rd *r);
/* A view of the next n bytes, valid while the buffer is; NULL (and bad) if fewer remain. */
const uint8_t *zt_rd_bytes(struct zt_rd *r, size_t n);
/* Copies the next n bytes into dst; on a short read dst is zeroed and false is returned. */
bool zt_rd_copy(struct zt_rd *r, void *dst, size_t n);
void zt_rd_skip(struct zt_rd *r, size_t n);
/* Bytes not yet read (0 once bad). */
size_t zt_rd_left(const struct zt_rd *r);
/* True if nothing failed and every byte was consumed: the check for "exactly this structure". */
bool zt_rd_done(const struct zt_rd *r);

/* A writer into a caller-owned buffer of `cap` bytes. Writing past `cap` writes nothing more, sets
 * `bad`, and leaves `len` at the last complete write. */
struct zt_wr {
	uint8_t *p;
	size_t cap, len;
	bool bad;
};

void zt_wr_init(struct zt_wr *w, void *buf, size_t cap);
void zt_wr_u8(struct zt_wr *w, uint8_t v);
void zt_wr_u16(struct zt_wr *w, uint16_t v);
void zt_wr_u32(struct zt_wr *w, uint32_t v);
void zt_wr_u40(struct zt_wr *w, uint64_t v);
void zt_wr_u64(struct zt_wr *w, uint64_t v);
void zt_wr_bytes(struct zt_wr *w, const void *src, size_t n);
void zt_wr_zero(struct zt_wr *w, size_t n);
/* Claims the next n bytes for the caller to fill (e.g. a MAC computed later); NULL (and bad) if full. */
uint8_t *zt_wr_reserve(struct zt_wr *w, size_t n);

#endif

#include "vl1/fragment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl1/wire.h"

bool zt_datagram_is_fragment(const uint8_t *dgram, size_t len)
{
	return len > ZT_PACKET_IDX_SRC && dgram[ZT_PACKET_IDX_SRC] == ZT_FRAGMENT_INDICATOR;
}

int zt_fragment_count(size_t len, size_t mtu)
{
	if (len < ZT_PACKET_MIN_LEN || len > ZT_PACKET_MAX_LEN || mtu < ZT_PACKET_MIN_LEN)
		return -EINVAL;
	if (len <= mtu)
		return 1;
	size_t chunk = mtu - ZT_FRAGMENT_HEADER_LEN;
	size_t pieces = 1 + (len - mtu + chunk - 1) / chunk;
	return pieces > ZT_FRAGMENTS_MAX ? -EMSGSIZE : (int)pieces;
}

/* The size of every piece of an n-piece packet but the last, which may be shorter: the bytes spread
 * evenly (stock nodes fill the head to the MTU and put the rest in the last piece; a receiver, ours
 * or stock's, takes pieces of any size). Packets of one size, as a bulk TCP stream's full frames, then
 * go out as datagrams of one size, which the host joins into one UDP GSO message across packets. */
static size_t piece_size(size_t len, int n)
{
	size_t wire = len + (size_t)(n - 1) * ZT_FRAGMENT_HEADER_LEN;
	size_t size = (wire + (size_t)n - 1) / (size_t)n;
	/* The head is a packet's header at least; at an MTU that small the last piece still gets a byte. */
	return size < ZT_PACKET_MIN_LEN ? ZT_PACKET_MIN_LEN : size;
}

int zt_fragment_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu, unsigned i)
{
	int n = zt_fragment_count(len, mtu);
	struct zt_wr w;
	if (n < 0)
		return n;
	if (i >= (unsigned)n || (n > 1 && !(pkt[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_FRAGMENTED)))
		return -EINVAL;
	zt_wr_init(&w, out, cap);
	size_t head = piece_size(len, n); /* <= mtu, since n is the fewest pieces that fit (mtu >= 28) */
	if (i == 0) {
		zt_wr_bytes(&w, pkt, head);
	} else {
		size_t chunk = head - ZT_FRAGMENT_HEADER_LEN;
		size_t start = head + (i - 1) * chunk;
		size_t take = len - start < chunk ? len - start : chunk;
		zt_wr_bytes(&w, pkt + ZT_PACKET_IDX_ID, 8);
		zt_wr_bytes(&w, pkt + ZT_PACKET_IDX_DEST, 5);
		zt_wr_u8(&w, ZT_FRAGMENT_INDICATOR);
		zt_wr_u8(&w, (uint8_t)(n << 4 | i));
		zt_wr_u8(&w, 0); /* hops */
		zt_wr_bytes(&w, pkt + start, take);
	}
	return w.bad ? -ENOSPC : (int)w.len;
}

struct reasm_entry {
	bool used;
	uint8_t id[8];
	int64_t first_seen;
	uint8_t total; /* pieces, head included; 0 until a fragment tells */
	uint8_t have;  /* bit i: piece i is stored */
	uint16_t fill; /* bytes of data[] in use: pieces are stored in arrival order */
	uint16_t off[ZT_FRAGMENTS_MAX], len[ZT_FRAGMENTS_MAX];
	uint8_t data[ZT_PACKET_MAX_LEN];
};

struct zt_reasm {
	unsigned n, pending;
	int64_t timeout;
	struct reasm_entry e[];
};

int zt_reasm_new(struct zt_reasm **out, unsigned entries, int64_t timeout_ms)
{
	*out = NULL;
	if (entries == 0 || entries > 4096 || timeout_ms <= 0)
		return -EINVAL;
	struct zt_reasm *r = calloc(1, sizeof(*r) + entries * sizeof(struct reasm_entry));
	if (!r)
		return -ENOMEM;
	r->n = entries;
	r->timeout = timeout_ms;
	*out = r;
	return 0;
}

void zt_reasm_free(struct zt_reasm *r)
{
	free(r);
}

size_t zt_reasm_memory(const struct zt_reasm *r)
{
	return sizeof(*r) + r->n * sizeof(struct reasm_entry);
}

unsigned zt_reasm_pending(const struct zt_reasm *r)
{
	return r->pending;
}

static void drop(struct zt_reasm *r, struct reasm_entry *e)
{
	if (e->used)
		r->pending--;
	e->used = false;
}

static bool expired(const struct zt_reasm *r, const struct reasm_entry *e, int64_t now)
{
	/* In unsigned arithmetic: a caller's clock is not trusted not to jump. */
	return now >= e->first_seen && (uint64_t)now - (uint64_t)e->first_seen >= (uint64_t)r->timeout;
}

unsigned zt_reasm_expire(struct zt_reasm *r, int64_t now)
{
	unsigned dropped = 0;
	for (unsigned k = 0; k < r->n; k++)
		if (r->e[k].used && expired(r, &r->e[k], now)) {
			drop(r, &r->e[k]);
			dropped++;
		}
	return dropped;
}

/* A linear scan: the table is a few dozen entries, and only fragmented packets come here. */
static struct reasm_entry *find_or_claim(struct zt_reasm *r, const uint8_t id[8], int64_t now)
{
	struct reasm_entry *free_slot = NULL, *oldest = NULL;
	for (unsigned k = 0; k < r->n; k++) {
		struct reasm_entry *e = &r->e[k];
		if (e->used && expired(r, e, now))
			drop(r, e);
		if (e->used && memcmp(e->id, id, 8) == 0)
			return e;
		if (!e->used && !free_slot)
			free_slot = e;
		if (e->used && (!oldest || e->first_seen < oldest->first_seen))
			oldest = e;
	}
	struct reasm_entry *e = free_slot ? free_slot : oldest;
	drop(r, e);
	e->used = true;
	r->pending++;
	memcpy(e->id, id, 8);
	e->first_seen = now;
	e->total = 0;
	e->have = 0;
	e->fill = 0;
	return e;
}

int zt_reasm_input(struct zt_reasm *r, const uint8_t *dgram, size_t len, int64_t now, uint8_t *out,
                   size_t cap, size_t *out_len)
{
	struct zt_rd rd;
	uint8_t id[8];
	unsigned piece, total = 0;
	const uint8_t *body;
	size_t body_len;

	*out_len = 0;
	zt_rd_init(&rd, dgram, len);
	zt_rd_copy(&rd, id, sizeof(id));
	if (zt_datagram_is_fragment(dgram, len)) {
		zt_rd_skip(&rd, 6); /* destination, indicator */
		uint8_t no = zt_rd_u8(&rd);
		zt_rd_skip(&rd, 1); /* hops */
		total = no >> 4;
		piece = no & 0xf;
		if (rd.bad || zt_rd_left(&rd) == 0 || total < 2 || total > ZT_FRAGMENTS_MAX || piece < 1 ||
		    piece >= total)
			return -EBADMSG;
		body_len = zt_rd_left(&rd);
		body = zt_rd_bytes(&rd, body_len);
	} else {
		zt_rd_skip(&rd, ZT_PACKET_IDX_FLAGS - 8);
		uint8_t flags = zt_rd_u8(&rd);
		if (rd.bad || len < ZT_PACKET_MIN_LEN || !(flags & ZT_FLAG_FRAGMENTED))
			return -EBADMSG;
		piece = 0;
		body = dgram; /* the head is stored whole */
		body_len = len;
	}

	struct reasm_entry *e = find_or_claim(r, id, now);
	if (total) {
		if (e->total && e->total != total)
			return -EBADMSG; /* keep what we have: the first count seen wins */
		e->total = (uint8_t)total;
	}
	if (e->have & (1u << piece))
		return ZT_REASM_PENDING;
	if (body_len > sizeof(e->data) - e->fill) {
		drop(r, e);
		return -EMSGSIZE;
	}
	memcpy(e->data + e->fill, body, body_len);
	e->off[piece] = e->fill;
	e->len[piece] = (uint16_t)body_len;
	e->fill = (uint16_t)(e->fill + body_len);
	e->have |= (uint8_t)(1u << piece);
	if (!e->total || e->have != (1u << e->total) - 1)
		return ZT_REASM_PENDING;

	if (cap < e->fill) {
		drop(r, e);
		return -ENOBUFS;
	}
	size_t at = 0;
	for (unsigned k = 0; k < e->total; k++) {
		memcpy(out + at, e->data + e->off[k], e->len[k]);
		at += e->len[k];
	}
	*out_len = at;
	drop(r, e);
	return ZT_REASM_COMPLETE;
}

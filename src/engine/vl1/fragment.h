/* Fragmentation of outgoing VL1 packets and a bounded reassembly table for incoming ones (spec §4.6).
 * The table's memory is fixed when it is made; its timeout runs on the caller's `now` (no clock here). */
#ifndef ZTRUN_VL1_FRAGMENT_H
#define ZTRUN_VL1_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_FRAGMENT_HEADER_LEN 16
#define ZT_FRAGMENT_INDICATOR  0xff /* byte 13: where a packet has its source address */
#define ZT_FRAGMENTS_MAX       7    /* pieces per packet, head included: what stock receivers accept */
#define ZT_DEFAULT_MTU         1432
#define ZT_REASM_TIMEOUT_MS    5000
#define ZT_REASM_ENTRIES       32

/* True if a datagram is a fragment (not a packet or a packet's head): decide this first on receipt. */
bool zt_datagram_is_fragment(const uint8_t *dgram, size_t len);

/* How many datagrams a packet of `len` bytes takes at `mtu`: 1 if it fits, else 2..7, and then the
 * caller must set ZT_FLAG_FRAGMENTED before armoring. -EMSGSIZE if it needs more than 7 pieces (at
 * the default MTU: over 9928 bytes), -EINVAL for a length or MTU no packet can have. */
int zt_fragment_count(size_t len, size_t mtu);

/* Builds datagram `i` (0 = the head, a prefix of the armored packet) into out. The packet's bytes are
 * spread evenly: every piece has the head's size but the last, which may be a few bytes shorter
 * (stock nodes send a head of `mtu` bytes; receivers take either). Returns its length, or
 * -EINVAL (i out of range, or a multi-piece packet without ZT_FLAG_FRAGMENTED), -ENOSPC, -EMSGSIZE. */
int zt_fragment_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu, unsigned i);

/* Reassembly: pieces keyed by packet ID, any order, duplicates ignored. At most `entries` packets are
 * in flight; each holds up to ZT_PACKET_MAX_LEN bytes, all allocated up front. When full, entries older
 * than the timeout go first, then the oldest (as stock nodes' ring does). */
struct zt_reasm;

/* 0, -EINVAL (no entries or over 4096, or a non-positive timeout) or -ENOMEM. */
int zt_reasm_new(struct zt_reasm **out, unsigned entries, int64_t timeout_ms);
void zt_reasm_free(struct zt_reasm *r);
/* Bytes the table holds: fixed at creation, whatever arrives. */
size_t zt_reasm_memory(const struct zt_reasm *r);
/* Packets currently partly assembled. */
unsigned zt_reasm_pending(const struct zt_reasm *r);

enum zt_reasm_result {
	ZT_REASM_PENDING = 0,  /* stored (or a duplicate): nothing to do yet */
	ZT_REASM_COMPLETE = 1, /* the whole packet is in out[0..*out_len): authenticate it as a whole */
};

/* Feeds one datagram: a fragment, or the head of a packet with ZT_FLAG_FRAGMENTED set. On completion
 * the packet goes to out (cap should be ZT_PACKET_MAX_LEN) and its entry is freed. Errors mean "drop
 * and count": -EBADMSG (malformed, or a piece count that disagrees with earlier pieces), -EMSGSIZE (the
 * pieces exceed ZT_PACKET_MAX_LEN; the entry is dropped), -ENOBUFS (cap too small; entry dropped). */
int zt_reasm_input(struct zt_reasm *r, const uint8_t *dgram, size_t len, int64_t now, uint8_t *out,
                   size_t cap, size_t *out_len);

/* Drops entries older than the timeout; call it from the background tick. Returns how many. */
unsigned zt_reasm_expire(struct zt_reasm *r, int64_t now);

#endif

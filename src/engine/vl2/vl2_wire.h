/* The payloads of VL2's frame and multicast verbs (spec §7-§8) as structs: FRAME, EXT_FRAME,
 * MULTICAST_FRAME, MULTICAST_GATHER and the gather results in OK(GATHER) / OK(MULTICAST_FRAME). Parsers
 * take the bytes after the verb (or after the OK's in-re fields) and point into them; writers are used by
 * the network layer and by tests that play a peer. */
#ifndef ZTRUN_VL2_VL2_WIRE_H
#define ZTRUN_VL2_VL2_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/wire.h"
#include "vl2/com.h"
#include "vl2/mac.h"

/* EXT_FRAME flags (spec §7.2). */
#define ZT_EXT_FRAME_FLAG_COM     0x01
#define ZT_EXT_FRAME_FLAG_ACK     0x10
#define ZT_EXT_FRAME_SUBTYPE(f)   (((f) >> 1) & 7)
#define ZT_EXT_FRAME_TEE_OUT      0x02 /* the flags stock sends for each kind of rule copy */
#define ZT_EXT_FRAME_REDIRECT_OUT 0x04
#define ZT_EXT_FRAME_WATCH_OUT    0x16
#define ZT_EXT_FRAME_TEE_IN       0x08
#define ZT_EXT_FRAME_REDIRECT_IN  0x0a
#define ZT_EXT_FRAME_WATCH_IN     0x1c

/* MULTICAST_FRAME flags (spec §8.5). */
#define ZT_MC_FRAME_FLAG_COM          0x01
#define ZT_MC_FRAME_FLAG_GATHER_LIMIT 0x02
#define ZT_MC_FRAME_FLAG_SOURCE_MAC   0x04
#define ZT_MC_FRAME_FLAG_REPLICATE    0x08

/* MULTICAST_GATHER flags and OK(MULTICAST_FRAME) flags. */
#define ZT_GATHER_FLAG_COM        0x01
#define ZT_MC_OK_FLAG_COM         0x01
#define ZT_MC_OK_FLAG_GATHER_LIST 0x02

struct zt_vl2_frame {
	uint64_t nwid;
	uint16_t ethertype;
	const uint8_t *payload;
	size_t len;
};

struct zt_vl2_ext_frame {
	uint64_t nwid;
	uint8_t flags;
	bool has_com;
	struct zt_com com; /* flags & 0x01 */
	uint8_t dst[6], src[6];
	uint16_t ethertype;
	const uint8_t *payload;
	size_t len;
};

struct zt_vl2_mc_frame {
	uint64_t nwid;
	uint8_t flags;
	bool has_com;
	struct zt_com com;
	uint32_t gather_limit; /* flags & 0x02, else 0 */
	bool has_src;
	uint8_t src[6]; /* flags & 0x04 */
	struct zt_mcast_group group;
	uint16_t ethertype;
	const uint8_t *payload;
	size_t len;
};

struct zt_vl2_gather {
	uint64_t nwid;
	uint8_t flags;
	struct zt_mcast_group group;
	uint32_t limit;
	bool has_com;
	struct zt_com com;
};

/* A list of member addresses for a group: the body of OK(MULTICAST_GATHER) after the in-re fields, and of
 * OK(MULTICAST_FRAME) after its flags (and COM). `addrs` points at n 5-byte addresses. */
struct zt_vl2_gather_result {
	uint64_t nwid;
	struct zt_mcast_group group;
	uint32_t total;
	uint16_t n;
	const uint8_t *addrs;
};

/* Each returns 0 or -EBADMSG (short, malformed inline COM, empty payload where one is needed). */
int zt_vl2_frame_parse(struct zt_vl2_frame *f, const uint8_t *p, size_t len);
int zt_vl2_ext_frame_parse(struct zt_vl2_ext_frame *f, const uint8_t *p, size_t len);
int zt_vl2_mc_frame_parse(struct zt_vl2_mc_frame *f, const uint8_t *p, size_t len);
int zt_vl2_gather_parse(struct zt_vl2_gather *g, const uint8_t *p, size_t len);
/* OK(MULTICAST_GATHER): [nwid][mac][adi][u32 total][u16 n][5n]. */
int zt_vl2_gather_result_parse(struct zt_vl2_gather_result *r, const uint8_t *p, size_t len);
/* OK(MULTICAST_FRAME): [nwid][mac][adi][flags]([COM])([u32 total][u16 n][5n] if flags & 0x02).
 * *has_list says whether a list was there (r is then filled). */
int zt_vl2_mc_frame_ok_parse(struct zt_vl2_gather_result *r, bool *has_list, const uint8_t *p, size_t len);
/* The i-th address of a result (i < n). */
uint64_t zt_vl2_gather_result_addr(const struct zt_vl2_gather_result *r, unsigned i);

/* Iterates MULTICAST_LIKE's 18-byte tuples: returns true and fills the next one while complete tuples
 * remain (a trailing partial tuple is ignored). */
bool zt_vl2_like_next(struct zt_rd *r, uint64_t *nwid, struct zt_mcast_group *g);

/* Writers. Errors surface as w->bad. */
void zt_vl2_frame_write(struct zt_wr *w, uint64_t nwid, uint16_t ethertype, const void *payload, size_t len);
void zt_vl2_ext_frame_write(struct zt_wr *w, uint64_t nwid, uint8_t flags, const uint8_t dst[6],
                            const uint8_t src[6], uint16_t ethertype, const void *payload, size_t len);
/* flags may hold GATHER_LIMIT (then gather_limit is written) and SOURCE_MAC (then src is); never COM. */
void zt_vl2_mc_frame_write(struct zt_wr *w, uint64_t nwid, uint8_t flags, uint32_t gather_limit,
                           const uint8_t src[6], const struct zt_mcast_group *g, uint16_t ethertype,
                           const void *payload, size_t len);
/* com may be NULL (or count 0): no COM attached. */
void zt_vl2_gather_write(struct zt_wr *w, uint64_t nwid, const struct zt_mcast_group *g, uint32_t limit,
                         const struct zt_com *com);
/* An ERROR about a network: the verb and packet ID it answers, the error code, the network ID. */
void zt_vl2_error_write(struct zt_wr *w, uint8_t in_re_verb, uint64_t in_re_id, uint8_t code, uint64_t nwid);

#endif

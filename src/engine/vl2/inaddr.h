/* ZeroTier's binary InetAddress record (spec §5.2): how static IPs, routes and DNS servers travel in a
 * network config. In `I` and route targets the port field carries the prefix length. */
#ifndef ZTRUN_VL2_INADDR_H
#define ZTRUN_VL2_INADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "vl1/wire.h"

enum zt_inaddr_family {
	ZT_INADDR_NIL = 0,
	ZT_INADDR_V4 = 4,
	ZT_INADDR_V6 = 6,
};

struct zt_inaddr {
	uint8_t family; /* enum zt_inaddr_family */
	uint8_t ip[16]; /* network order; an IPv4 address uses the first 4 bytes, the rest stay zero */
	uint16_t port;  /* or prefix bits */
};

/* Reads one record. The reserved types 0x01-0x03 are skipped and read as nil, as stock does.
 * 0, or -EBADMSG for an unknown type or a short record (r->bad is set on a short one). */
int zt_inaddr_read(struct zt_inaddr *a, struct zt_rd *r);
/* Writes 0x00, or the 7-byte IPv4 or 19-byte IPv6 record. */
void zt_inaddr_write(const struct zt_inaddr *a, struct zt_wr *w);

void zt_inaddr_v4(struct zt_inaddr *a, const uint8_t ip[4], uint16_t port);
void zt_inaddr_v6(struct zt_inaddr *a, const uint8_t ip[16], uint16_t port);
bool zt_inaddr_equal(const struct zt_inaddr *a, const struct zt_inaddr *b);

/* True if the first `bits` bits of a and b agree (bits is clamped to len*8). */
bool zt_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits, unsigned len);

#endif

#include "vl2/inaddr.h"

#include <errno.h>
#include <string.h>

int zt_inaddr_read(struct zt_inaddr *a, struct zt_rd *r)
{
	memset(a, 0, sizeof(*a));
	uint8_t type = zt_rd_u8(r);
	switch (type) {
	case 0x00:
		break;
	case 0x01: /* Ethernet and Bluetooth addresses: reserved, 6 bytes */
	case 0x02:
		zt_rd_skip(r, 6);
		break;
	case 0x03: /* other: length-prefixed, reserved */
		zt_rd_skip(r, zt_rd_u16(r));
		break;
	case 0x04:
		a->family = ZT_INADDR_V4;
		zt_rd_copy(r, a->ip, 4);
		a->port = zt_rd_u16(r);
		break;
	case 0x06:
		a->family = ZT_INADDR_V6;
		zt_rd_copy(r, a->ip, 16);
		a->port = zt_rd_u16(r);
		break;
	default:
		return -EBADMSG;
	}
	if (r->bad) {
		memset(a, 0, sizeof(*a));
		return -EBADMSG;
	}
	return 0;
}

void zt_inaddr_write(const struct zt_inaddr *a, struct zt_wr *w)
{
	switch (a->family) {
	case ZT_INADDR_V4:
		zt_wr_u8(w, 0x04);
		zt_wr_bytes(w, a->ip, 4);
		zt_wr_u16(w, a->port);
		break;
	case ZT_INADDR_V6:
		zt_wr_u8(w, 0x06);
		zt_wr_bytes(w, a->ip, 16);
		zt_wr_u16(w, a->port);
		break;
	default:
		zt_wr_u8(w, 0x00);
		break;
	}
}

void zt_inaddr_v4(struct zt_inaddr *a, const uint8_t ip[4], uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = ZT_INADDR_V4;
	memcpy(a->ip, ip, 4);
	a->port = port;
}

void zt_inaddr_v6(struct zt_inaddr *a, const uint8_t ip[16], uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = ZT_INADDR_V6;
	memcpy(a->ip, ip, 16);
	a->port = port;
}

bool zt_inaddr_equal(const struct zt_inaddr *a, const struct zt_inaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == ZT_INADDR_NIL)
		return true;
	return a->port == b->port && memcmp(a->ip, b->ip, a->family == ZT_INADDR_V4 ? 4 : 16) == 0;
}

bool zt_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits, unsigned len)
{
	if (bits > len * 8)
		bits = len * 8;
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff00 >> rest);
	return (a[whole] & mask) == (b[whole] & mask);
}

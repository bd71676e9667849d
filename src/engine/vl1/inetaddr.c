#include "vl1/inetaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int zt_inetaddr_read(struct zt_inetaddr *a, struct zt_rd *r)
{
	memset(a, 0, sizeof(*a));
	uint8_t type = zt_rd_u8(r);
	switch (type) {
	case 0x00:
		break;
	case 0x01: /* Ethernet and Bluetooth: reserved, skipped for forward compatibility */
	case 0x02:
		zt_rd_skip(r, 6);
		break;
	case 0x03: /* other: length-prefixed, skipped */
		zt_rd_skip(r, zt_rd_u16(r));
		break;
	case 0x04:
		zt_rd_copy(r, a->ip, 4);
		a->port = zt_rd_u16(r);
		a->family = ZT_INET_V4;
		break;
	case 0x06:
		zt_rd_copy(r, a->ip, 16);
		a->port = zt_rd_u16(r);
		a->family = ZT_INET_V6;
		break;
	default:
		r->bad = true;
	}
	if (r->bad) {
		memset(a, 0, sizeof(*a));
		return -EBADMSG;
	}
	return 0;
}

void zt_inetaddr_write(const struct zt_inetaddr *a, struct zt_wr *w)
{
	switch (a->family) {
	case ZT_INET_V4:
		zt_wr_u8(w, 0x04);
		zt_wr_bytes(w, a->ip, 4);
		zt_wr_u16(w, a->port);
		break;
	case ZT_INET_V6:
		zt_wr_u8(w, 0x06);
		zt_wr_bytes(w, a->ip, 16);
		zt_wr_u16(w, a->port);
		break;
	default:
		zt_wr_u8(w, 0x00);
	}
}

int zt_inetaddr_format(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	int af = a->family == ZT_INET_V4 ? AF_INET : a->family == ZT_INET_V6 ? AF_INET6 : -1;
	if (af < 0 || !inet_ntop(af, a->ip, ip, sizeof(ip)))
		return -EINVAL;
	int n = snprintf(out, cap, "%s/%u", ip, (unsigned)a->port);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

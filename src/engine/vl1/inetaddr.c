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

static size_t ip_len(uint8_t family)
{
	return family == ZT_INET_V4 ? 4 : family == ZT_INET_V6 ? 16 : 0;
}

bool zt_inetaddr_same_ip(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, ip_len(a->family)) == 0;
}

bool zt_inetaddr_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return zt_inetaddr_same_ip(a, b) && (a->family == ZT_INET_NONE || a->port == b->port);
}

int zt_inetaddr_from_sockaddr(struct zt_inetaddr *a, const struct sockaddr *sa, socklen_t len)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	memset(a, 0, sizeof(*a));
	if (len >= (socklen_t)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		a->family = ZT_INET_V4;
		memcpy(a->ip, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
		return 0;
	}
	if (len >= (socklen_t)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *ip = (const uint8_t *)&in6->sin6_addr;
		if (memcmp(ip, v4mapped, sizeof(v4mapped)) == 0) {
			a->family = ZT_INET_V4;
			memcpy(a->ip, ip + 12, 4);
		} else {
			a->family = ZT_INET_V6;
			memcpy(a->ip, ip, 16);
		}
		a->port = ntohs(in6->sin6_port);
		return 0;
	}
	return sa->sa_family == AF_INET || sa->sa_family == AF_INET6 ? -EINVAL : -EAFNOSUPPORT;
}

socklen_t zt_inetaddr_to_sockaddr(const struct zt_inetaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == ZT_INET_V4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->ip, 4);
		in->sin_port = htons(a->port);
		return sizeof(*in);
	}
	if (a->family == ZT_INET_V6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->ip, 16);
		in6->sin6_port = htons(a->port);
		return sizeof(*in6);
	}
	return 0;
}

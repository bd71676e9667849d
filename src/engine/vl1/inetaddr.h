/* ZeroTier's serialized IP endpoint (spec §4.5), as carried in HELLO, OK(HELLO) and worlds.
 * Reserved address types are skipped on read and come back as "no address". */
#ifndef ZTRUN_VL1_INETADDR_H
#define ZTRUN_VL1_INETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "vl1/wire.h"

enum zt_inet_family {
	ZT_INET_NONE = 0,
	ZT_INET_V4 = 4,
	ZT_INET_V6 = 6,
};

struct zt_inetaddr {
	uint8_t family; /* enum zt_inet_family */
	uint8_t ip[16]; /* network order; the first 4 bytes for IPv4 */
	uint16_t port;
};

/* "ip/port" as ZeroTier prints it, e.g. 104.194.8.134/9993; NUL-terminated. */
#define ZT_INETADDR_TEXT_MAX 54

/* 0, or -EBADMSG for an unknown type or a short read (r->bad then set). */
int zt_inetaddr_read(struct zt_inetaddr *a, struct zt_rd *r);
void zt_inetaddr_write(const struct zt_inetaddr *a, struct zt_wr *w);
/* Returns the text length, or -ENOSPC / -EINVAL (no address). */
int zt_inetaddr_format(const struct zt_inetaddr *a, char *out, size_t cap);

/* Same family, IP and port (bytes past an IPv4 address are ignored). */
bool zt_inetaddr_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b);
/* Same family and IP, any port. */
bool zt_inetaddr_same_ip(const struct zt_inetaddr *a, const struct zt_inetaddr *b);
/* Conversions for the host, which talks to the kernel in sockaddrs. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) becomes IPv4, so one peer has one address whichever socket heard it. From: 0 or
 * -EAFNOSUPPORT / -EINVAL (too short). To: the sockaddr's length, or 0 for "no address". */
int zt_inetaddr_from_sockaddr(struct zt_inetaddr *a, const struct sockaddr *sa, socklen_t len);
socklen_t zt_inetaddr_to_sockaddr(const struct zt_inetaddr *a, struct sockaddr_storage *ss);

#endif

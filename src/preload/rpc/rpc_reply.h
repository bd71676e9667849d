/* The shim's reading of the service's replies (rpc.h), as pure functions over the bytes so that they can
 * be fuzzed alone (tests/fuzz/fuzz_shim_reply.c): the reply header, and an interface entry of an
 * IFADDRS page. */
#ifndef ZTRUN_RPC_REPLY_H
#define ZTRUN_RPC_REPLY_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "rpc.h"

/* A reply message in[0..len) to the request (op, id): 1 = the reply (its result, whether it says an fd
 * comes with it, where its body starts), 0 = a stale reply (another id), -EPROTO = not a reply to this op
 * and version, or a result that is neither 0 (ZT_NC_CONNECT_HOST for CONNECT) nor an errno. */
static inline int zt_nc_reply_check(const uint8_t *in, size_t len, enum zt_nc_op op, uint32_t id,
                                    int32_t *result, bool *has_fd, size_t *body_off)
{
	struct zt_nc_buf b = {.p = (uint8_t *)in, .len = len};
	uint32_t w0 = zt_nc_get_u32(&b);
	uint32_t rid = zt_nc_get_u32(&b);
	int32_t r = (int32_t)zt_nc_get_u32(&b);
	if (b.bad || len > ZT_NC_MAX_MSG)
		return -EPROTO;
	if (rid != id)
		return 0;
	/* the positive results */
	bool known = (op == ZT_NC_CONNECT && r == ZT_NC_CONNECT_HOST) ||
	             (op == ZT_NC_CONNECT_NEW && r == ZT_NC_CONNECT_AGAIN);
	if ((w0 & 0xff) != (uint32_t)op || ((w0 >> 8) & 0xff) != ZT_NC_VERSION || (r > 0 && !known) || r < -4095)
		return -EPROTO;
	*result = r;
	*has_fd = ((w0 >> 16) & ZT_NC_REPLY_HAS_FD) != 0;
	*body_off = b.off;
	return 1;
}

/* One interface or address of the service's list (ZT_NC_IFADDRS). */
struct zt_if_entry {
	char name[ZT_NC_IFNAMSIZ];
	uint32_t index, flags, mtu;
	uint16_t family, prefix; /* family ZT_NC_IF_LINK: addr holds the MAC, prefix its length */
	uint8_t addr[16];
};

/* The next entry of an IFADDRS page: false if it is cut short, unnamed, has index 0, an unknown family
 * or a prefix longer than its address. */
static inline bool zt_nc_get_if_entry(struct zt_nc_buf *b, struct zt_if_entry *e)
{
	const void *name = zt_nc_get_bytes(b, ZT_NC_IFNAMSIZ);
	e->index = zt_nc_get_u32(b);
	e->flags = zt_nc_get_u32(b);
	e->mtu = zt_nc_get_u32(b);
	uint32_t w = zt_nc_get_u32(b);
	const void *addr = zt_nc_get_bytes(b, 16);
	if (b->bad)
		return false;
	memcpy(e->name, name, ZT_NC_IFNAMSIZ);
	e->name[ZT_NC_IFNAMSIZ - 1] = 0;
	e->family = (uint16_t)w;
	e->prefix = (uint16_t)(w >> 16);
	memcpy(e->addr, addr, 16);
	if (!e->name[0] || e->index == 0)
		return false;
	switch (e->family) {
	case AF_INET:
		return e->prefix <= 32;
	case AF_INET6:
		return e->prefix <= 128;
	case ZT_NC_IF_LINK:
		return e->prefix <= 16;
	default:
		return false;
	}
}

#endif

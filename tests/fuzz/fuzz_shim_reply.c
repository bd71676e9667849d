/* Fuzz target: the shim's reading of the socket service's replies (src/preload/rpc/rpc_reply.h and the
 * decoders of rpc.h), as the shim reads them after a request. An input is [u8 op selector][reply bytes]
 * to request id 7. A reply is ours, stale or refused; one that is ours has a result in range and a body
 * inside the message; bodies decode (addresses, option values, interface pages) without reading past
 * them, and what decodes keeps its limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"
#include "rpc_reply.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum zt_nc_op ops[] = {ZT_NC_GETSOCKNAME, ZT_NC_GETPEERNAME, ZT_NC_GETSOCKOPT, ZT_NC_IFADDRS,
	                                    ZT_NC_SOCKET,      ZT_NC_CONNECT,     ZT_NC_LISTEN};
	if (size < 1)
		return 0;
	enum zt_nc_op op = ops[data[0] % (sizeof(ops) / sizeof(ops[0]))];
	/* the message as the shim holds it: in a buffer of its own, at most ZT_NC_MAX_MSG + 1 bytes */
	size_t len = size - 1 > ZT_NC_MAX_MSG + 1 ? ZT_NC_MAX_MSG + 1 : size - 1;
	uint8_t *in = malloc(len ? len : 1);
	memcpy(in, data + 1, len);
	int32_t result = 1;
	bool has_fd = false;
	size_t off = 0;
	int r = zt_nc_reply_check(in, len, op, 7, &result, &has_fd, &off);
	FUZZ_ASSERT(r == 1 || r == 0 || r == -EPROTO);
	if (r != 1 || result < 0) {
		free(in);
		return 0;
	}
	FUZZ_ASSERT((result == 0 || (op == ZT_NC_CONNECT && result == ZT_NC_CONNECT_HOST)) && off == 12 &&
	            off <= len && len <= ZT_NC_MAX_MSG);
	/* the body, copied as zt_rpc does into a reply of ZT_NC_MAX_MSG bytes */
	uint8_t body[ZT_NC_MAX_MSG];
	size_t blen = len - off;
	memcpy(body, in + off, blen);
	free(in);
	struct zt_nc_buf b = {.p = body, .len = blen};
	if (op == ZT_NC_GETSOCKNAME || op == ZT_NC_GETPEERNAME) {
		struct zt_nc_addr a;
		zt_nc_get_addr(&b, &a);
		if (!b.bad)
			FUZZ_ASSERT(a.family == AF_INET || a.family == AF_INET6 || a.family == AF_UNSPEC);
	} else if (op == ZT_NC_GETSOCKOPT) {
		uint32_t got = zt_nc_get_u32(&b);
		const uint8_t *bytes = zt_nc_get_bytes(&b, got);
		if (!b.bad) {
			FUZZ_ASSERT(bytes && got <= blen - 4);
			uint8_t val[ZT_NC_MAX_MSG];
			memcpy(val, bytes, got);
		}
	} else if (op == ZT_NC_IFADDRS) {
		uint32_t total = zt_nc_get_u32(&b), count = zt_nc_get_u32(&b);
		(void)total;
		struct zt_if_entry e;
		for (uint32_t i = 0; !b.bad && i < count; i++) {
			if (!zt_nc_get_if_entry(&b, &e))
				continue;
			FUZZ_ASSERT(memchr(e.name, 0, sizeof(e.name)) != NULL && e.name[0] && e.index);
			FUZZ_ASSERT(e.prefix <= (e.family == AF_INET ? 32 : e.family == AF_INET6 ? 128 : 16));
		}
	}
	return 0;
}

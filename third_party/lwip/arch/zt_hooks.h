/* lwIP's hooks (LWIP_HOOK_FILENAME), forwarded to whatever ztrun's stack installed, so lwIP stays a
 * self-contained library (built from its unchanged sources) and `ztrun none`, which has no netif of its
 * own, routes as stock. */
#ifndef ZTRUN_LWIP_ARCH_ZT_HOOKS_H
#define ZTRUN_LWIP_ARCH_ZT_HOOKS_H

#include "lwip/ip4_addr.h"
#include "lwip/ip6_addr.h"

struct netif;
struct pbuf;
struct tcp_hdr;
struct tcp_pcb;

/* Each member may be NULL (then lwIP's own choice stands) and each may return NULL for "no opinion".
 * ip4_route/ip6_route run before lwIP's own route search when a source address is known (ip4: any
 * non-NULL src, ip6: unscoped src and dest); ip4_gateway/ip6_gateway give the next hop for a
 * destination outside the netif's own subnet (ip6: outside its addresses' /64). */
struct zt_lwip_route_hooks {
	struct netif *(*ip4_route)(const ip4_addr_t *src, const ip4_addr_t *dest);
	const ip4_addr_t *(*ip4_gateway)(struct netif *netif, const ip4_addr_t *dest);
	struct netif *(*ip6_route)(const ip6_addr_t *src, const ip6_addr_t *dest);
	const ip6_addr_t *(*ip6_gateway)(struct netif *netif, const ip6_addr_t *dest);
};

extern struct zt_lwip_route_hooks zt_lwip_route_hooks;

static inline struct netif *zt_lwip_hook_ip4_route(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	return zt_lwip_route_hooks.ip4_route ? zt_lwip_route_hooks.ip4_route(src, dest) : NULL;
}

static inline const ip4_addr_t *zt_lwip_hook_ip4_gateway(struct netif *netif, const ip4_addr_t *dest)
{
	return zt_lwip_route_hooks.ip4_gateway ? zt_lwip_route_hooks.ip4_gateway(netif, dest) : NULL;
}

static inline struct netif *zt_lwip_hook_ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	return zt_lwip_route_hooks.ip6_route ? zt_lwip_route_hooks.ip6_route(src, dest) : NULL;
}

static inline const ip6_addr_t *zt_lwip_hook_ip6_gateway(struct netif *netif, const ip6_addr_t *dest)
{
	return zt_lwip_route_hooks.ip6_gateway ? zt_lwip_route_hooks.ip6_gateway(netif, dest) : NULL;
}

/* TCP: syn_mss, when set, gives the MSS option a SYN or SYN-ACK of the connection advertises, lwIP's
 * choice (TCP_MSS clamped to the netif's MTU) being `mss`; it may only lower it. lwIP has no option for
 * it: LWIP_HOOK_TCP_OUT_ADD_TCPOPTS (lwipopts.h), which runs after lwIP wrote a segment's options and
 * before its checksum, rewrites the value in place. */
struct zt_lwip_tcp_hooks {
	u16_t (*syn_mss)(const struct tcp_pcb *pcb, u16_t mss);
};

extern struct zt_lwip_tcp_hooks zt_lwip_tcp_hooks;

u32_t *zt_lwip_hook_tcp_opts(struct pbuf *p, struct tcp_hdr *hdr, const struct tcp_pcb *pcb, u32_t *opts);

#endif

/* ZT_NC_IFADDRS: lwIP's netifs as the app's interfaces (rpc.h). */
#include "service_int.h"
#include "netif_int.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>

/* A network's secondary netifs (one per extra IPv4 address) are shown as part of its primary. */
static struct netif *ifaddr_primary(struct netif *n)
{
	return zt_netif_is_ours(n) ? zt_netif_lwip(n->state) : n;
}

/* The name zerotier-one gives the network's tap on Linux: "zt" and 40 bits folded from the
 * network ID in base32 (osdep/LinuxEthernetTap.cpp), so scripts written for it find theirs. */
static void ifaddr_name(struct netif *p, char name[ZT_NC_IFNAMSIZ])
{
	memset(name, 0, ZT_NC_IFNAMSIZ);
	if (p->name[0] == 'l' && p->name[1] == 'o' && !zt_netif_is_ours(p)) {
		memcpy(name, "lo", 2);
	} else if (zt_netif_is_ours(p)) {
		uint64_t nwid = ((struct zt_netif *)p->state)->cfg.nwid;
		uint64_t v = (nwid ^ (nwid >> 24)) & 0xffffffffffULL;
		name[0] = 'z';
		name[1] = 't';
		for (int i = 0; i < 8; i++)
			name[2 + i] = "abcdefghijklmnopqrstuvwxyz234567"[(v >> (35 - 5 * i)) & 0x1f];
	} else {
		snprintf(name, ZT_NC_IFNAMSIZ, "%c%c%u", p->name[0], p->name[1], (unsigned)p->num);
	}
}

static uint32_t ifaddr_flags(struct netif *p)
{
	uint32_t f = (netif_is_up(p) ? IFF_UP : 0) | (netif_is_link_up(p) ? IFF_RUNNING : 0);
	if (!zt_netif_is_ours(p) && p->name[0] == 'l' && p->name[1] == 'o')
		return f | IFF_LOOPBACK; /* as Linux shows lo: no broadcast, no multicast flag */
	if (p->flags & NETIF_FLAG_BROADCAST)
		f |= IFF_BROADCAST;
	if (p->flags & (NETIF_FLAG_IGMP | NETIF_FLAG_MLD6))
		f |= IFF_MULTICAST;
	return f;
}

/* Entry k of the list rpc.h describes (links, then IPv4, then IPv6); false past the end. */
static bool ifaddr_entry(size_t k, struct netif **owner, uint16_t *family, uint16_t *prefix, uint8_t addr[16])
{
	size_t i = 0;
	struct netif *n;
	NETIF_FOREACH(n)
	{
		if (ifaddr_primary(n) == n && i++ == k) {
			*owner = n;
			*family = ZT_NC_IF_LINK;
			*prefix = n->hwaddr_len <= 16 ? n->hwaddr_len : 0;
			memcpy(addr, n->hwaddr, *prefix);
			return true;
		}
	}
	NETIF_FOREACH(n)
	{
		if (!ip4_addr_isany_val(*netif_ip4_addr(n)) && i++ == k) {
			*owner = ifaddr_primary(n);
			*family = AF_INET;
			uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n)));
			*prefix = 0;
			while (*prefix < 32 && (mask & (0x80000000u >> *prefix)))
				(*prefix)++;
			memcpy(addr, &netif_ip4_addr(n)->addr, 4);
			return true;
		}
	}
	NETIF_FOREACH(n)
	{
		for (int a = 0; a < LWIP_IPV6_NUM_ADDRESSES; a++) {
			if (!ip6_addr_isvalid(netif_ip6_addr_state(n, a)) || i++ != k)
				continue;
			const ip6_addr_t *ip6 = netif_ip6_addr(n, a);
			*owner = ifaddr_primary(n);
			*family = AF_INET6;
			if (ip6_addr_isloopback(ip6))
				*prefix = 128;
			else if (ip6_addr_islinklocal(ip6) || !zt_netif_is_ours(n))
				*prefix = 64;
			else
				*prefix = (uint16_t)((struct zt_netif *)n->state)->v6prefix[a];
			memcpy(addr, ip6->addr, 16);
			return true;
		}
	}
	return false;
}

int zt_op_ifaddrs(struct zt_nc_buf *req, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t first = zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	struct netif *owner;
	uint16_t family, prefix;
	uint8_t addr[16];
	uint32_t total = 0;
	while (ifaddr_entry(total, &owner, &family, &prefix, addr))
		total++;
	struct zt_nc_buf b = {.p = out, .len = cap};
	zt_nc_put_u32(&b, total);
	zt_nc_put_u32(&b, 0); /* count, filled in below */
	uint32_t count = 0;
	for (uint32_t k = first; k < total && b.len - b.off >= ZT_NC_IFADDR_LEN; k++, count++) {
		memset(addr, 0, sizeof(addr));
		ifaddr_entry(k, &owner, &family, &prefix, addr);
		char name[ZT_NC_IFNAMSIZ];
		ifaddr_name(owner, name);
		zt_nc_put_bytes(&b, name, sizeof(name));
		zt_nc_put_u32(&b, netif_get_index(owner));
		zt_nc_put_u32(&b, ifaddr_flags(owner));
		zt_nc_put_u32(&b, owner->mtu ? owner->mtu
		                             : 65536); /* lwIP's loopback has no MTU; Linux says 64 KiB */
		zt_nc_put_u32(&b, (uint32_t)family | (uint32_t)prefix << 16);
		zt_nc_put_bytes(&b, addr, 16);
	}
	struct zt_nc_buf c = {.p = out + 4, .len = 4};
	zt_nc_put_u32(&c, count);
	*outlen = b.off;
	return b.bad ? -EPROTO : 0;
}

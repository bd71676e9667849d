/* IPv6 neighbour discovery beyond what lwIP does alone: stock's NDP emulation for the managed RFC4193 and
 * 6PLANE prefixes (spec §2.3, §8.7), and solicitations lwIP 2.1.3 cannot send (see ndp_assist). */
#include <string.h>

#include "lwip/nd6.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "lwip/priv/nd6_priv.h"
#include "lwip/timeouts.h"
#include "netif_int.h"

static void mac_of_member(uint8_t mac[6], uint64_t nwid, const uint8_t addr[5])
{
	mac[0] = (uint8_t)((nwid & 0xfe) | 0x02);
	if (mac[0] == 0x52)
		mac[0] = 0x32;
	for (int i = 0; i < 5; i++)
		mac[i + 1] = addr[i] ^ (uint8_t)(nwid >> (8 * (i + 1)));
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

/* The MAC behind a neighbour's IPv6 address when it lies in our own RFC4193 /88 or 6PLANE /40 prefix, whose
 * addresses embed their owner's ZeroTier address (spec §2.3); false for other addresses and for our own. */
static bool managed_mac(struct zt_netif *z, const uint8_t target[16], uint8_t mac[6])
{
	struct netif *p = &z->lnif[0];
	const uint8_t *embedded = NULL;
	for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES && !embedded; i++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(p, i)))
			continue;
		const uint8_t *own = (const uint8_t *)netif_ip6_addr(p, i)->addr;
		if (z->v6prefix[i] == 88 && own[0] == 0xfd && own[9] == 0x99 && own[10] == 0x93 &&
		    memcmp(target, own, 11) == 0)
			embedded = target + 11;
		else if (z->v6prefix[i] == 40 && own[0] == 0xfc && memcmp(target, own, 5) == 0)
			embedded = target + 5;
	}
	if (!embedded)
		return false;
	mac_of_member(mac, z->cfg.nwid, embedded);
	return memcmp(mac, z->cfg.mac, 6) != 0;
}

/* Queues for lwIP the neighbour advertisement `target`'s owner (at `mac`) would send to `to`. lwIP's own
 * loopback queue delivers it as an IPv6 packet from the event loop (netif_poll), never re-entrantly. */
static void queue_na(struct zt_netif *z, const uint8_t target[16], const uint8_t to[16], const uint8_t mac[6])
{
	uint8_t na[40 + 32] = {0x60, 0, 0, 0, 0, 32, 58, 255};
	memcpy(na + 8, target, 16);
	memcpy(na + 24, to, 16);
	uint8_t *icmp = na + 40;
	icmp[0] = 136;
	icmp[4] = 0x60; /* solicited, override */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2; /* target link-layer address option, 8 bytes */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	uint16_t c = csum_fold(csum_add(csum_add(32 + 58, na + 8, 32), icmp, 32));
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	struct pbuf *q = pbuf_alloc(PBUF_RAW, sizeof(na), PBUF_RAM);
	if (!q)
		return;
	pbuf_take(q, na, sizeof(na));
	if (netif_loop_output(&z->lnif[0], q) == ERR_OK)
		z->stats.ndp_emulated++;
	pbuf_free(q);
}

/* Stock NDP emulation (spec §8.7): a neighbour solicitation lwIP multicasts for an address in our own
 * managed prefixes is answered here, as its owner would, and nothing goes on the wire. `f` is the frame. */
bool zt_netif_ndp_emulate(struct zt_netif *z, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ZT_NETIF_ETH_HLEN;
	if (len < ZT_NETIF_ETH_HLEN + 40 + 24 || ip[6] != 58 || ip[40] != 135 || !(f[0] & 1))
		return false;
	static const uint8_t unspecified[16];
	uint8_t mac[6];
	if (memcmp(ip + 8, unspecified, 16) == 0 || !managed_mac(z, ip + 48, mac))
		return false;
	queue_na(z, ip + 48, ip + 8, mac);
	return true;
}

/* A neighbour solicitation from our link-local address, multicast to target's solicited-node group or
 * unicast to `mac` (a reachability probe), straight to frame_out. */
static void send_ns(struct zt_netif *z, const uint8_t target[16], const uint8_t *mac)
{
	struct netif *p = &z->lnif[0];
	uint8_t ns[40 + 32] = {0x60, 0, 0, 0, 0, 32, 58, 255};
	uint8_t dst_mac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
	memcpy(ns + 8, netif_ip6_addr(p, 0)->addr, 16);
	if (mac) {
		memcpy(dst_mac, mac, 6);
		memcpy(ns + 24, target, 16);
	} else {
		static const uint8_t sn[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
		memcpy(ns + 24, sn, 13);
		memcpy(ns + 37, target + 13, 3);
	}
	uint8_t *icmp = ns + 40;
	icmp[0] = 135;
	memcpy(icmp + 8, target, 16);
	icmp[24] = 1; /* source link-layer address option */
	icmp[25] = 1;
	memcpy(icmp + 26, z->cfg.mac, 6);
	uint16_t c = csum_fold(csum_add(csum_add(32 + 58, ns + 8, 32), icmp, 32));
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	z->stats.tx_frames++;
	z->cfg.frame_out(z->cfg.arg, dst_mac, z->cfg.mac, ETHTYPE_IPV6, 0, ns, sizeof(ns));
}

bool zt_netif_in_own_64(struct netif *p, const ip6_addr_t *a)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (ip6_addr_isvalid(netif_ip6_addr_state(p, i)) &&
		    ip6_addr_netcmp_zoneless(a, netif_ip6_addr(p, i)))
			return true;
	return false;
}

/* lwIP 2.1.3 solicits a neighbour only from an address in the neighbour's /64 (nd6_send_ns), so it cannot
 * resolve on-link neighbours outside every /64 of ours: other members' 6PLANE addresses (our /40), or a
 * short on-link prefix. Its neighbour entries still go INCOMPLETE (or PROBE) and wait for an
 * advertisement; this timer, and a kick at first contact (hook_ip6_gateway), supply one: synthesized
 * under NDP emulation, else by soliciting from our link-local address. It reads lwIP's neighbour table,
 * nothing else of lwIP's private state, and writes nothing there. */
static bool assist_armed, assist_kicked;

static void ndp_assist(void)
{
	for (int i = 0; i < LWIP_ND6_NUM_NEIGHBORS; i++) {
		const struct nd6_neighbor_cache_entry *e = &neighbor_cache[i];
		if ((e->state != ND6_INCOMPLETE && e->state != ND6_PROBE) || !zt_netif_is_ours(e->netif))
			continue;
		struct zt_netif *z = e->netif->state;
		const ip6_addr_t *a = &e->next_hop_address;
		if (e->netif != &z->lnif[0] || ip6_addr_islinklocal(a) || zt_netif_in_own_64(e->netif, a))
			continue;
		uint8_t mac[6];
		if (z->ndp_emulation && managed_mac(z, (const uint8_t *)a->addr, mac))
			queue_na(z, (const uint8_t *)a->addr,
			         (const uint8_t *)netif_ip6_addr(e->netif, 0)->addr, mac);
		else if (ip6_addr_isvalid(netif_ip6_addr_state(e->netif, 0)))
			send_ns(z, (const uint8_t *)a->addr, e->state == ND6_PROBE ? e->lladdr : NULL);
	}
}

static void ndp_assist_tmr(void *arg)
{
	(void)arg;
	ndp_assist();
	sys_timeout(ND6_TMR_INTERVAL, ndp_assist_tmr, NULL);
}

static void ndp_assist_kick(void *arg)
{
	(void)arg;
	assist_kicked = false;
	ndp_assist();
}

void zt_netif_ndp_soon(void)
{
	if (!assist_kicked) {
		assist_kicked = true;
		sys_timeout(0, ndp_assist_kick, NULL);
	}
}

void zt_netif_ndp_start(void)
{
	if (!assist_armed) {
		sys_timeout(ND6_TMR_INTERVAL, ndp_assist_tmr, NULL);
		assist_armed = true;
	}
}

void zt_netif_ndp_stop(void)
{
	sys_untimeout(ndp_assist_tmr, NULL);
	sys_untimeout(ndp_assist_kick, NULL);
	assist_armed = assist_kicked = false;
}

/* One lwIP netif per joined network, shaped like lwIP's ethernetif.c: frames in through ethernet_input,
 * frames out through linkoutput to the VL2 layer, ARP and NDP by lwIP itself; the network's addresses
 * (one lwIP netif per IPv4 address) and the multicast groups lwIP wants. Routing is route.c's, NDP help
 * ndp.c's. */
#include "netif_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ethernet.h"
#include "netif/ethernet.h"

struct zt_netif *zt_netif_list;

static err_t netif_linkoutput(struct netif *n, struct pbuf *p);

bool zt_netif_is_ours(const struct netif *n)
{
	return n && n->linkoutput == netif_linkoutput;
}

bool zt_netif_has_ip4(const struct netif *n)
{
	return !ip4_addr_isany_val(*netif_ip4_addr(n));
}

struct netif *zt_netif_owner4(struct zt_netif *z, const ip4_addr_t *a)
{
	for (int i = 0; i < ZT_NETIF_MAX_IP4; i++)
		if (z->lnif_used[i] && zt_netif_has_ip4(&z->lnif[i]) &&
		    ip4_addr_cmp(a, netif_ip4_addr(&z->lnif[i])))
			return &z->lnif[i];
	return NULL;
}

static unsigned clamp_mtu(unsigned mtu)
{
	return mtu < ZT_NETIF_MTU_MIN ? ZT_NETIF_MTU_MIN : mtu > ZT_NETIF_MTU_MAX ? ZT_NETIF_MTU_MAX : mtu;
}

static void mcast_changed(struct zt_netif *z)
{
	if (z->in_config) {
		z->mcast_dirty = true;
		return;
	}
	if (z->cfg.mcast_changed)
		z->cfg.mcast_changed(z->cfg.arg);
}

static err_t igmp_filter(struct netif *n, const ip4_addr_t *group, enum netif_mac_filter_action action)
{
	(void)group;
	(void)action;
	mcast_changed(n->state);
	return ERR_OK;
}

static err_t mld_filter(struct netif *n, const ip6_addr_t *group, enum netif_mac_filter_action action)
{
	(void)group;
	(void)action;
	mcast_changed(n->state);
	return ERR_OK;
}

#define GROUPS_MAX                                                                                           \
	(MEMP_NUM_IGMP_GROUP + MEMP_NUM_MLD6_GROUP + ZT_NETIF_MAX_IP4 + LWIP_IPV6_NUM_ADDRESSES + 2)

static void group_mac6(struct zt_netif_group *g, const ip6_addr_t *a)
{
	uint32_t low = lwip_ntohl(a->addr[3]);
	*g = (struct zt_netif_group){
	    {0x33, 0x33, (uint8_t)(low >> 24), (uint8_t)(low >> 16), (uint8_t)(low >> 8), (uint8_t)low}, 0};
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct zt_netif_group *a = pa, *b = pb;
	int c = memcmp(a->mac, b->mac, 6);
	if (c)
		return c;
	return a->adi < b->adi ? -1 : a->adi > b->adi;
}

size_t zt_netif_multicast_groups(const struct zt_netif *nif, struct zt_netif_group *out, size_t max)
{
	struct zt_netif_group g[GROUPS_MAX];
	size_t n = 0;
	struct zt_netif *z = (struct zt_netif *)nif;
	for (int i = 0; i < ZT_NETIF_MAX_IP4; i++) {
		if (!z->lnif_used[i])
			continue;
		struct netif *l = &z->lnif[i];
		if (zt_netif_has_ip4(l) && n < GROUPS_MAX) {
			g[n] = (struct zt_netif_group){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			                               lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(l)))};
			n++;
		}
		for (struct igmp_group *ig = netif_igmp_data(l); ig && n < GROUPS_MAX; ig = ig->next) {
			const ip4_addr_t *a = &ig->group_address;
			g[n++] = (struct zt_netif_group){
			    {0x01, 0x00, 0x5e, ip4_addr2(a) & 0x7f, ip4_addr3(a), ip4_addr4(a)}, 0};
		}
		for (struct mld_group *mg = netif_mld6_data(l); mg && n < GROUPS_MAX; mg = mg->next)
			group_mac6(&g[n++], &mg->group_address);
	}
	struct netif *p = &z->lnif[0];
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && n < GROUPS_MAX; i++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(p, i)))
			continue;
		/* the solicited-node group ff02::1:ffXX:XXXX maps to 33:33:ff:XX:XX:XX */
		ip6_addr_t sn;
		ip6_addr_set_solicitednode(&sn, netif_ip6_addr(p, i)->addr[3]);
		group_mac6(&g[n++], &sn);
	}
	if (n < GROUPS_MAX)
		g[n++] = (struct zt_netif_group){{0x33, 0x33, 0, 0, 0, 1}, 0};
	if (z->broadcast && n < GROUPS_MAX)
		g[n++] = (struct zt_netif_group){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0};
	qsort(g, n, sizeof(g[0]), group_cmp);
	size_t uniq = 0;
	for (size_t i = 0; i < n; i++) {
		if (uniq > 0 && group_cmp(&g[uniq - 1], &g[i]) == 0)
			continue;
		g[uniq++] = g[i];
	}
	if (out && max)
		memcpy(out, g, (uniq < max ? uniq : max) * sizeof(g[0]));
	return uniq;
}

static err_t netif_linkoutput(struct netif *n, struct pbuf *p)
{
	struct zt_netif *z = n->state;
	if (z->freeing)
		return ERR_IF; /* resets for the connections zt_netif_free aborts: nobody is listening */
	if (p->tot_len < ZT_NETIF_ETH_HLEN)
		return ERR_ARG;
	size_t len = p->tot_len;
	if (len - ZT_NETIF_ETH_HLEN > z->mtu) {
		z->stats.tx_too_big++;
		return ERR_IF;
	}
	const uint8_t *f;
	if (p->len == p->tot_len) {
		f = p->payload;
	} else {
		pbuf_copy_partial(p, z->txbuf, (u16_t)len, 0);
		f = z->txbuf;
	}
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	if (z->ndp_emulation && type == ETHTYPE_IPV6 && zt_netif_ndp_emulate(z, f, len))
		return ERR_OK;
	if (zt_netif_ack_hold(z, f, len))
		return ERR_OK;
	z->stats.tx_frames++;
	z->cfg.frame_out(z->cfg.arg, f, f + 6, type, 0, f + ZT_NETIF_ETH_HLEN, len - ZT_NETIF_ETH_HLEN);
	return ERR_OK;
}

static struct netif *lnif_for_ip4(struct zt_netif *z, const uint8_t *a)
{
	ip4_addr_t ip;
	memcpy(&ip.addr, a, 4);
	struct netif *n = zt_netif_owner4(z, &ip);
	return n ? n : &z->lnif[0];
}

/* Sources no frame from the network may carry. Loopback ones (127/8, ::1): lwIP accepts them for our
 * addresses, and its answers would go to the apps' private loopback. The unspecified address :: : lwIP
 * 2.1.3 answers some packets from it (ICMPv6 errors, which RFC 4443 §2.4 forbids) and queues each answer
 * on a dead neighbour entry it never frees (nd6_get_next_hop_entry's caches match :: against a cleared
 * destination and a freed neighbour): a pbuf lost per packet. Only a bare neighbour solicitation
 * (duplicate address detection) may come from ::; lwIP answers that to all-nodes. */
static bool source_ok(uint16_t ethertype, const uint8_t *p, size_t len)
{
	static const uint8_t unspecified[16], loopback[16] = {[15] = 1};
	if (ethertype == ETHTYPE_IP)
		return len < 20 || (p[12] != 127 && p[16] != 127);
	if (ethertype != ETHTYPE_IPV6 || len < 40)
		return true; /* ARP, or too short for lwIP anyway */
	if (memcmp(p + 8, loopback, 16) == 0 || memcmp(p + 24, loopback, 16) == 0)
		return false;
	if (memcmp(p + 8, unspecified, 16) != 0)
		return true;
	return len > 40 && p[6] == 58 && p[40] == 135;
}

void zt_netif_frame_in(struct zt_netif *z, const uint8_t src[6], const uint8_t dst[6], uint16_t ethertype,
                       const void *payload, size_t len)
{
	if (!(dst[0] & 1) && memcmp(dst, z->cfg.mac, 6) != 0) {
		z->stats.rx_not_for_us++;
		return;
	}
	if ((src[0] & 1) || memcmp(src, z->cfg.mac, 6) == 0 || len > ZT_NETIF_MTU_MAX ||
	    (ethertype != ETHTYPE_IP && ethertype != ETHTYPE_ARP && ethertype != ETHTYPE_IPV6)) {
		z->stats.rx_bad++;
		return;
	}
	if (!source_ok(ethertype, payload, len)) {
		z->stats.rx_bad++;
		return;
	}
	/* Secondary netifs hold one IPv4 address each: ARP for it and IPv4 to it go there, the rest to the
	 * primary (whose ip4_input also accepts packets for the secondaries' addresses). */
	const uint8_t *pl = payload;
	struct netif *n = &z->lnif[0];
	if (ethertype == ETHTYPE_ARP && len >= 28)
		n = lnif_for_ip4(z, pl + 24);
	else if (ethertype == ETHTYPE_IP && len >= 20)
		n = lnif_for_ip4(z, pl + 16);

	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(ZT_NETIF_ETH_HLEN + len), PBUF_POOL);
	if (!p) {
		z->stats.rx_nomem++;
		return;
	}
	uint8_t hdr[ZT_NETIF_ETH_HLEN];
	memcpy(hdr, dst, 6);
	memcpy(hdr + 6, src, 6);
	hdr[12] = (uint8_t)(ethertype >> 8);
	hdr[13] = (uint8_t)ethertype;
	pbuf_take(p, hdr, sizeof(hdr));
	if (len)
		pbuf_take_at(p, payload, (u16_t)len, ZT_NETIF_ETH_HLEN);
	z->stats.rx_frames++;
	if (n->input(p, n) != ERR_OK)
		pbuf_free(p);
}

static err_t lnif_init(struct netif *n)
{
	struct zt_netif *z = n->state;
	n->name[0] = 'z';
	n->name[1] = 't';
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = netif_linkoutput;
	n->mtu = (u16_t)z->mtu;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, z->cfg.mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
	if (n == &z->lnif[0])
		n->flags |= NETIF_FLAG_MLD6;
	netif_set_igmp_mac_filter(n, igmp_filter);
	netif_set_mld_mac_filter(n, mld_filter);
	/* Every frame in came inside a ZeroTier packet whose MAC (Poly1305 or GMAC) was verified, or was
	 * made by this very stack (our own address, looped back): a corrupted segment never gets this far,
	 * so TCP's and UDP's checksums are not checked again on the way in (a 16-bit sum over every byte
	 * received). They are still made on the way out - a stock peer's kernel checks them - and the IP
	 * and ICMP checksums are checked as before. */
	NETIF_SET_CHECKSUM_CTRL(n, NETIF_CHECKSUM_ENABLE_ALL &
	                               ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP));
	return ERR_OK;
}

static int lnif_add(struct zt_netif *z, int i, const ip4_addr_t *ip, const ip4_addr_t *mask)
{
	struct netif *n = &z->lnif[i];
	memset(n, 0, sizeof(*n));
	if (!netif_add(n, ip, mask, IP4_ADDR_ANY4, z, lnif_init, ethernet_input))
		return -ENOMEM;
	z->lnif_used[i] = true;
	netif_set_link_up(n);
	netif_set_up(n);
	return 0;
}

static void lnif_remove(struct zt_netif *z, int i)
{
	struct netif *n = &z->lnif[i];
	/* the group lists are freed during removal: nobody may read them from a filter callback */
	netif_set_igmp_mac_filter(n, NULL);
	netif_set_mld_mac_filter(n, NULL);
	/* lwIP leaves a removed netif's loopback queue (packets to its own addresses) behind: free it */
	struct pbuf *q = n->loop_first;
	n->loop_first = n->loop_last = NULL;
	while (q) {
		struct pbuf *end = q;
		while (end->len != end->tot_len)
			end = end->next;
		struct pbuf *next = end->next;
		end->next = NULL;
		pbuf_free(q);
		q = next;
	}
	netif_remove(n);
	z->lnif_used[i] = false;
	mcast_changed(z);
}

int zt_netif_new(struct zt_netif **out, const struct zt_netif_config *cfg)
{
	static const uint8_t zero[6];
	*out = NULL;
	if (!cfg->frame_out || (cfg->mac[0] & 1) || memcmp(cfg->mac, zero, 6) == 0)
		return -EINVAL;
	struct zt_netif *z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->cfg = *cfg;
	z->mtu = clamp_mtu(cfg->mtu);
	z->in_config = true;
	int r = lnif_add(z, 0, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	if (r < 0) {
		free(z);
		return r;
	}
	struct netif *p = &z->lnif[0];
	netif_create_ip6_linklocal_address(p, 1);
	netif_ip6_addr_set_state(p, 0, IP6_ADDR_PREFERRED); /* no duplicate detection on a ZeroTier MAC */
	z->in_config = false;
	z->next = zt_netif_list;
	zt_netif_list = z;
	zt_netif_hooks_install();
	zt_netif_ndp_start();
	*out = z;
	return 0;
}

void zt_netif_free(struct zt_netif *z)
{
	if (!z)
		return;
	for (struct zt_netif **pp = &zt_netif_list; *pp; pp = &(*pp)->next) {
		if (*pp == z) {
			*pp = z->next;
			break;
		}
	}
	if (!zt_netif_list) {
		zt_netif_hooks_remove();
		zt_netif_ndp_stop();
	}
	z->in_config = z->freeing = true; /* no callbacks while it goes */
	zt_netif_acks_drop(z);
	for (int i = ZT_NETIF_MAX_IP4 - 1; i >= 0; i--)
		if (z->lnif_used[i])
			lnif_remove(z, i);
	nd6_clear_destination_cache();
	free(z);
}

static bool ip_valid(const struct zt_netif_ip *a)
{
	return (a->family == AF_INET && a->prefix <= 32) || (a->family == AF_INET6 && a->prefix <= 128);
}

static void to_ip4(ip4_addr_t *d, const struct zt_netif_ip *a)
{
	memcpy(&d->addr, a->ip, 4);
}

static void to_ip6(ip6_addr_t *d, const struct zt_netif_ip *a)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->addr, a->ip, 16);
}

static int check_config(const struct zt_netif_ipconfig *c)
{
	for (size_t i = 0; i < c->naddrs; i++)
		if (c->addrs[i].family != 0 && !ip_valid(&c->addrs[i]))
			return -EINVAL;
	for (size_t i = 0; i < c->nroutes; i++) {
		const struct zt_netif_route *r = &c->routes[i];
		if (!ip_valid(&r->target) || (r->via.family != 0 && r->via.family != r->target.family))
			return -EINVAL;
	}
	return 0;
}

/* IPv4: an address that stays keeps its netif (only its mask may change); a gone one leaves (the
 * primary goes address-less, a secondary is removed); a new one fills the primary if it has none,
 * else a new secondary. The first copy of an address listed twice counts. */
static size_t apply_ip4(struct zt_netif *z, const struct zt_netif_ipconfig *c)
{
	size_t ignored = 0;
	for (int i = 0; i < ZT_NETIF_MAX_IP4; i++) {
		struct netif *n = &z->lnif[i];
		if (!z->lnif_used[i] || !zt_netif_has_ip4(n))
			continue;
		const struct zt_netif_ip *keep = NULL;
		for (size_t k = 0; k < c->naddrs && !keep; k++) {
			ip4_addr_t a;
			to_ip4(&a, &c->addrs[k]);
			if (c->addrs[k].family == AF_INET && ip4_addr_cmp(&a, netif_ip4_addr(n)))
				keep = &c->addrs[k];
		}
		if (keep) {
			ip4_addr_t m;
			zt_netif_mask4(&m, keep->prefix);
			if (!ip4_addr_cmp(&m, netif_ip4_netmask(n)))
				netif_set_netmask(n, &m);
		} else if (i == 0) {
			netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
		} else {
			lnif_remove(z, i);
		}
	}
	for (size_t k = 0; k < c->naddrs; k++) {
		ip4_addr_t a, m;
		to_ip4(&a, &c->addrs[k]);
		if (c->addrs[k].family != AF_INET || zt_netif_owner4(z, &a))
			continue;
		zt_netif_mask4(&m, c->addrs[k].prefix);
		if (!zt_netif_has_ip4(&z->lnif[0])) {
			netif_set_addr(&z->lnif[0], &a, &m, IP4_ADDR_ANY4);
			continue;
		}
		int slot = -1;
		for (int i = 1; i < ZT_NETIF_MAX_IP4 && slot < 0; i++)
			if (!z->lnif_used[i])
				slot = i;
		if (slot < 0 || lnif_add(z, slot, &a, &m) < 0)
			ignored++;
	}
	return ignored;
}

/* IPv6, all on the primary: slot 0 keeps the link-local address; others come and go one by one. */
static size_t apply_ip6(struct zt_netif *z, const struct zt_netif_ipconfig *c)
{
	struct netif *p = &z->lnif[0];
	size_t ignored = 0;
	for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(p, i)))
			continue;
		bool keep = false;
		for (size_t k = 0; k < c->naddrs && !keep; k++) {
			ip6_addr_t a;
			if (c->addrs[k].family != AF_INET6)
				continue;
			to_ip6(&a, &c->addrs[k]);
			if (ip6_addr_cmp_zoneless(&a, netif_ip6_addr(p, i))) {
				keep = true;
				z->v6prefix[i] = c->addrs[k].prefix;
			}
		}
		if (!keep) {
			netif_ip6_addr_set_state(p, (s8_t)i, IP6_ADDR_INVALID);
			ip_addr_set_zero_ip6(&p->ip6_addr[i]);
			z->v6prefix[i] = 0;
		}
	}
	for (size_t k = 0; k < c->naddrs; k++) {
		ip6_addr_t a;
		if (c->addrs[k].family != AF_INET6)
			continue;
		to_ip6(&a, &c->addrs[k]);
		if (ip6_addr_islinklocal(&a) || ip6_addr_ismulticast(&a) || ip6_addr_isany(&a)) {
			ignored++;
			continue;
		}
		if (netif_get_ip6_addr_match(p, &a) >= 0)
			continue;
		s8_t idx = -1;
		if (netif_add_ip6_address(p, &a, &idx) != ERR_OK || idx < 0) {
			ignored++;
			continue;
		}
		z->v6prefix[idx] = c->addrs[k].prefix;
		netif_ip6_addr_set_state(p, idx, IP6_ADDR_PREFERRED);
	}
	return ignored;
}

int zt_netif_set_config(struct zt_netif *z, const struct zt_netif_ipconfig *c)
{
	int r = check_config(c);
	if (r < 0)
		return r;
	z->in_config = true;
	size_t ignored = apply_ip4(z, c) + apply_ip6(z, c);
	zt_netif_set_routes(z, c);
	if (c->mtu) {
		z->mtu = clamp_mtu(c->mtu);
		for (int i = 0; i < ZT_NETIF_MAX_IP4; i++)
			if (z->lnif_used[i])
				z->lnif[i].mtu = (u16_t)z->mtu;
	}
	z->broadcast = c->broadcast;
	z->ndp_emulation = c->ndp_emulation;
	/* next hops and path MTUs cached per IPv6 destination may be stale now */
	nd6_clear_destination_cache();
	z->stats.addrs_ignored = ignored;
	z->in_config = false;
	z->mcast_dirty = false;
	mcast_changed(z);
	return ignored ? -ENOSPC : 0;
}

const struct zt_netif_stats *zt_netif_stats(const struct zt_netif *nif)
{
	return &nif->stats;
}

unsigned zt_netif_mtu(const struct zt_netif *nif)
{
	return nif->mtu;
}

struct netif *zt_netif_lwip(struct zt_netif *nif)
{
	return &nif->lnif[0];
}

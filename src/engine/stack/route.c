/* Routing across the netifs of every joined network, through lwIP's route hooks (arch/zt_hooks.h): the
 * longest prefix among each network's address prefixes and its routes, the lower metric between equals;
 * a socket bound to an address of one network sends on that network when it can reach the destination
 * there. Gateways must lie on a subnet of ours, as spec §5.3 says; others make a route unusable. */
#include <string.h>
#include <sys/socket.h>

#include "lwip/ip4_addr.h"
#include "lwip/ip6_addr.h"
#include "arch/zt_hooks.h"
#include "netif_int.h"

void zt_netif_mask4(ip4_addr_t *m, unsigned prefix)
{
	ip4_addr_set_u32(m, prefix == 0 ? 0 : lwip_htonl(0xffffffffu << (32 - prefix)));
}

static unsigned prefix_of_mask4(const ip4_addr_t *m)
{
	uint32_t v = lwip_ntohl(ip4_addr_get_u32(m));
	unsigned n = 0;
	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	return n;
}

static bool in_prefix4(const ip4_addr_t *a, const ip4_addr_t *net, const ip4_addr_t *mask)
{
	return ip4_addr_netcmp(a, net, mask);
}

static bool in_prefix6(const ip6_addr_t *a, const ip6_addr_t *net, unsigned prefix)
{
	for (unsigned w = 0; w < 4 && prefix > 0; w++) {
		unsigned bits = prefix >= 32 ? 32 : prefix;
		uint32_t m = lwip_htonl(0xffffffffu << (32 - bits));
		if ((a->addr[w] & m) != (net->addr[w] & m))
			return false;
		prefix -= bits;
	}
	return true;
}

struct pick4 {
	const struct netif *only; /* consider only routes through this netif */
	struct netif *netif;
	const ip4_addr_t *next_hop; /* NULL: the destination itself */
	int prefix;
	unsigned metric;
	bool src_match;
};

static void consider4(struct pick4 *best, struct netif *n, const ip4_addr_t *hop, unsigned prefix,
                      unsigned metric, const struct netif *src_nif)
{
	bool src_match = n == src_nif;
	if (best->only && n != best->only)
		return;
	if (best->netif &&
	    ((int)prefix < best->prefix ||
	     ((int)prefix == best->prefix &&
	      (metric > best->metric || (metric == best->metric && (!src_match || best->src_match))))))
		return;
	*best = (struct pick4){best->only, n, hop, (int)prefix, metric, src_match};
}

/* The lwIP netif of z on whose subnet a lies, the longest prefix if several. */
static struct netif *onlink4(struct zt_netif *z, const ip4_addr_t *a)
{
	struct netif *found = NULL;
	unsigned best = 0;
	for (int i = 0; i < ZT_NETIF_MAX_IP4; i++) {
		struct netif *n = &z->lnif[i];
		if (!z->lnif_used[i] || !zt_netif_has_ip4(n) ||
		    !in_prefix4(a, netif_ip4_addr(n), netif_ip4_netmask(n)))
			continue;
		unsigned p = prefix_of_mask4(netif_ip4_netmask(n));
		if (!found || p > best) {
			found = n;
			best = p;
		}
	}
	return found;
}

/* Best way to dest within z. src_nif (one of z's netifs or NULL) wins ties and carries on-link routes. */
static void pick_in4(struct zt_netif *z, const ip4_addr_t *dest, const struct netif *src_nif,
                     struct pick4 *best)
{
	struct netif *first = NULL;
	for (int i = 0; i < ZT_NETIF_MAX_IP4; i++) {
		struct netif *n = &z->lnif[i];
		if (!z->lnif_used[i] || !zt_netif_has_ip4(n))
			continue;
		if (!first)
			first = n;
		if (in_prefix4(dest, netif_ip4_addr(n), netif_ip4_netmask(n)))
			consider4(best, n, NULL, prefix_of_mask4(netif_ip4_netmask(n)), 0, src_nif);
	}
	for (size_t i = 0; i < z->n4; i++) {
		const struct zt_route4 *r = &z->r4[i];
		if (!in_prefix4(dest, &r->net, &r->mask))
			continue;
		if (!ip4_addr_isany_val(r->via)) {
			struct netif *n = onlink4(z, &r->via);
			if (n) /* a gateway off every subnet of ours is unusable (spec §5.3) */
				consider4(best, n, &r->via, r->prefix, r->metric, src_nif);
		} else {
			struct netif *n = src_nif ? (struct netif *)src_nif : first;
			if (n)
				consider4(best, n, NULL, r->prefix, r->metric, src_nif);
		}
	}
}

static struct netif *find_owner4(const ip4_addr_t *a)
{
	for (struct zt_netif *z = zt_netif_list; z; z = z->next) {
		struct netif *n = zt_netif_owner4(z, a);
		if (n)
			return n;
	}
	return NULL;
}

/* A socket bound to an address of one network sends on that network if it can reach dest there; else,
 * or when unbound, our own addresses are local and the longest prefix over all networks wins. */
static struct netif *hook_ip4_route(const ip4_addr_t *src, const ip4_addr_t *dest)
{
	if (!zt_netif_list)
		return NULL;
	if (ip4_addr_isloopback(dest))
		return NULL; /* lwIP's loopback netif */
	struct netif *src_nif = src && !ip4_addr_isany(src) ? find_owner4(src) : NULL;
	if (ip4_addr_ismulticast(dest) || ip4_addr_get_u32(dest) == IPADDR_BROADCAST || ip4_addr_isany(dest))
		return src_nif;
	struct pick4 best = {0};
	if (src_nif) {
		struct zt_netif *z = src_nif->state;
		struct netif *own = zt_netif_owner4(z, dest);
		if (own)
			return own;
		pick_in4(z, dest, src_nif, &best);
		if (best.netif)
			return best.netif;
	}
	struct netif *own = find_owner4(dest);
	if (own)
		return own;
	for (struct zt_netif *z = zt_netif_list; z; z = z->next)
		pick_in4(z, dest, NULL, &best);
	return best.netif;
}

/* Next hop for a destination off n's own subnet: the gateway of the best route usable on n, or the
 * destination itself for an on-link route; NULL (lwIP then reports no route) when there is none. */
static const ip4_addr_t *hook_ip4_gateway(struct netif *n, const ip4_addr_t *dest)
{
	if (!zt_netif_is_ours(n))
		return NULL;
	struct zt_netif *z = n->state;
	struct pick4 best = {.only = n};
	pick_in4(z, dest, n, &best);
	if (!best.netif)
		return NULL;
	return best.next_hop ? best.next_hop : dest;
}

struct pick6 {
	struct zt_netif *z;
	const ip6_addr_t *next_hop;
	int prefix;
	unsigned metric;
};

static void consider6(struct pick6 *best, struct zt_netif *z, const ip6_addr_t *hop, unsigned prefix,
                      unsigned metric)
{
	if (best->z &&
	    ((int)prefix < best->prefix || ((int)prefix == best->prefix && metric >= best->metric)))
		return;
	*best = (struct pick6){z, hop, (int)prefix, metric};
}

static bool onlink6(struct zt_netif *z, const ip6_addr_t *a, unsigned *prefix)
{
	bool found = false;
	struct netif *n = &z->lnif[0];
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(n, i)) ||
		    ip6_addr_islinklocal(netif_ip6_addr(n, i)))
			continue;
		if (in_prefix6(a, netif_ip6_addr(n, i), z->v6prefix[i]) &&
		    (!found || z->v6prefix[i] > *prefix)) {
			*prefix = z->v6prefix[i];
			found = true;
		}
	}
	return found;
}

static void pick_in6(struct zt_netif *z, const ip6_addr_t *dest, struct pick6 *best)
{
	unsigned p;
	if (onlink6(z, dest, &p))
		consider6(best, z, NULL, p, 0);
	for (size_t i = 0; i < z->n6; i++) {
		const struct zt_route6 *r = &z->r6[i];
		if (!in_prefix6(dest, &r->net, r->prefix))
			continue;
		if (!r->has_via)
			consider6(best, z, NULL, r->prefix, r->metric);
		else if (ip6_addr_islinklocal(&r->via) || onlink6(z, &r->via, &p))
			consider6(best, z, &r->via, r->prefix, r->metric);
	}
}

static struct zt_netif *owner6(const ip6_addr_t *a)
{
	for (struct zt_netif *z = zt_netif_list; z; z = z->next)
		if (netif_get_ip6_addr_match(&z->lnif[0], a) >= 0)
			return z;
	return NULL;
}

static struct netif *hook_ip6_route(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	if (!zt_netif_list)
		return NULL;
	if (ip6_addr_isloopback(dest))
		return NULL;
	struct zt_netif *src_z = src && !ip6_addr_isany(src) ? owner6(src) : NULL;
	if (ip6_addr_ismulticast(dest))
		return src_z ? &src_z->lnif[0] : NULL;
	struct pick6 best = {0};
	if (src_z) {
		if (netif_get_ip6_addr_match(&src_z->lnif[0], dest) >= 0)
			return &src_z->lnif[0];
		pick_in6(src_z, dest, &best);
		if (best.z)
			return &best.z->lnif[0];
	}
	struct zt_netif *own = owner6(dest);
	if (own)
		return &own->lnif[0];
	for (struct zt_netif *z = zt_netif_list; z; z = z->next)
		pick_in6(z, dest, &best);
	return best.z ? &best.z->lnif[0] : NULL;
}

/* lwIP asks only for destinations outside the /64 of each address: our prefixes may be shorter (6PLANE
 * is a /40), and routes may name a gateway. */
static const ip6_addr_t *hook_ip6_gateway(struct netif *n, const ip6_addr_t *dest)
{
	if (!zt_netif_is_ours(n))
		return NULL;
	struct zt_netif *z = n->state;
	if (n != &z->lnif[0])
		return NULL;
	struct pick6 best = {0};
	pick_in6(z, dest, &best);
	if (!best.z)
		return NULL;
	const ip6_addr_t *hop = best.next_hop ? best.next_hop : dest;
	/* lwIP is about to create a neighbour entry it may not be able to resolve on its own: see ndp_assist
	 */
	if (!ip6_addr_islinklocal(hop) && !zt_netif_in_own_64(n, hop))
		zt_netif_ndp_soon();
	return hop;
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

void zt_netif_set_routes(struct zt_netif *z, const struct zt_netif_ipconfig *c)
{
	z->n4 = z->n6 = 0;
	for (size_t i = 0; i < c->nroutes; i++) {
		const struct zt_netif_route *r = &c->routes[i];
		if (r->target.family == AF_INET && z->n4 < ZT_NETIF_MAX_ROUTES) {
			struct zt_route4 *d = &z->r4[z->n4++];
			to_ip4(&d->net, &r->target);
			zt_netif_mask4(&d->mask, r->target.prefix);
			ip4_addr_set_u32(&d->net, ip4_addr_get_u32(&d->net) & ip4_addr_get_u32(&d->mask));
			ip4_addr_set_any(&d->via);
			if (r->via.family == AF_INET)
				to_ip4(&d->via, &r->via);
			d->prefix = r->target.prefix;
			d->metric = r->metric;
		} else if (r->target.family == AF_INET6 && z->n6 < ZT_NETIF_MAX_ROUTES) {
			struct zt_route6 *d = &z->r6[z->n6++];
			to_ip6(&d->net, &r->target);
			memset(&d->via, 0, sizeof(d->via));
			d->has_via = r->via.family == AF_INET6;
			if (d->has_via) {
				to_ip6(&d->via, &r->via);
				ip6_addr_assign_zone(&d->via, IP6_UNICAST, &z->lnif[0]);
			}
			d->prefix = r->target.prefix;
			d->metric = r->metric;
		}
	}
}

bool zt_netif_reaches(const ip_addr_t *dest)
{
	if (IP_IS_V4(dest)) {
		const ip4_addr_t *d = ip_2_ip4(dest);
		return ip4_addr_isloopback(d) || ip4_addr_ismulticast(d) || ip4_addr_isany(d) ||
		       ip4_addr_get_u32(d) == IPADDR_BROADCAST || hook_ip4_route(NULL, d) != NULL;
	}
	const ip6_addr_t *d = ip_2_ip6(dest);
	return ip6_addr_isloopback(d) || ip6_addr_ismulticast(d) || ip6_addr_isany(d) ||
	       hook_ip6_route(NULL, d) != NULL;
}

void zt_netif_hooks_install(void)
{
	zt_lwip_route_hooks =
	    (struct zt_lwip_route_hooks){hook_ip4_route, hook_ip4_gateway, hook_ip6_route, hook_ip6_gateway};
}

void zt_netif_hooks_remove(void)
{
	zt_lwip_route_hooks = (struct zt_lwip_route_hooks){0};
}

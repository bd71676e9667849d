/* What netif.c, netif_acks.c, route.c and ndp.c share: the state behind a struct zt_netif. Not for other
 * modules, but tcp.c's batch of frames in (zt_netif_rx_batch_begin/end), which holds ACKs. */
#ifndef ZTRUN_NETIF_INT_H
#define ZTRUN_NETIF_INT_H

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "netif.h"

struct zt_route4 {
	ip4_addr_t net, mask, via; /* via any: on-link */
	unsigned prefix, metric;
};

struct zt_route6 {
	ip6_addr_t net, via;
	bool has_via;
	unsigned prefix, metric;
};

struct zt_netif {
	struct zt_netif_config cfg;
	/* [0] is the primary netif, always present; the others exist only while they hold an IPv4 address */
	struct netif lnif[ZT_NETIF_MAX_IP4];
	bool lnif_used[ZT_NETIF_MAX_IP4];
	unsigned v6prefix[LWIP_IPV6_NUM_ADDRESSES];
	struct zt_route4 r4[ZT_NETIF_MAX_ROUTES];
	struct zt_route6 r6[ZT_NETIF_MAX_ROUTES];
	size_t n4, n6;
	unsigned mtu;
	bool broadcast, ndp_emulation;
	bool in_config, mcast_dirty, freeing;
	struct zt_netif_stats stats;
	struct zt_netif *next;
	uint8_t txbuf[ZT_NETIF_ETH_HLEN + ZT_NETIF_MTU_MAX];
};

/* Every live netif, for the route hooks. lwIP itself is one global instance used from one thread. */
extern struct zt_netif *zt_netif_list;

/* netif.c */
bool zt_netif_is_ours(const struct netif *n); /* one of ours (primary or secondary)? */
bool zt_netif_has_ip4(const struct netif *n);
struct netif *zt_netif_owner4(struct zt_netif *z, const ip4_addr_t *a); /* the lwIP netif holding a */

/* netif_acks.c: pure TCP ACKs held while a batch of frames in runs (zt_netif_rx_batch_begin/end) */
bool zt_netif_ack_hold(struct zt_netif *z, const uint8_t *frame, size_t len); /* true: held, sent later */
void zt_netif_acks_hold(bool on); /* off: whatever is held leaves */
void zt_netif_acks_drop(struct zt_netif *z);

/* route.c: route tables and lwIP's route hooks */
void zt_netif_mask4(ip4_addr_t *m, unsigned prefix);
void zt_netif_set_routes(struct zt_netif *z, const struct zt_netif_ipconfig *c);
void zt_netif_hooks_install(void);
void zt_netif_hooks_remove(void);

/* ndp.c: NDP emulation and the neighbour resolution lwIP cannot do alone */
bool zt_netif_ndp_emulate(struct zt_netif *z, const uint8_t *frame, size_t len); /* true: answered here */
bool zt_netif_in_own_64(struct netif *p, const ip6_addr_t *a);
void zt_netif_ndp_soon(void);
void zt_netif_ndp_start(void);
void zt_netif_ndp_stop(void);

#endif

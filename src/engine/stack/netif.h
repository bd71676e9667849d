/* One lwIP network interface per joined ZeroTier network: Ethernet frames in and out through the VL2
 * layer's callback, the network's addresses, routes and MTU applied live, and the multicast groups lwIP
 * wants. */
#ifndef ZTRUN_NETIF_H
#define ZTRUN_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/opt.h"

struct netif;
struct zt_netif;

#define ZT_NETIF_MTU_MIN  1280  /* a ZeroTier network's MTU is clamped into this range (spec §2.4) */
#define ZT_NETIF_MTU_MAX  10000 /* ... and is the payload after the ethertype, not the whole frame */
#define ZT_NETIF_ETH_HLEN 14

/* lwIP keeps one IPv4 address per netif. A network assigned several gets one lwIP netif per IPv4 address
 * (same MAC, same frame callback): the first one also holds every IPv6 address, the others ("secondary")
 * only their IPv4 address. Addresses keep their netif across config changes, so connections on an
 * address that stays are never disturbed. */
#define ZT_NETIF_MAX_IP4 8
/* IPv6 slot 0 holds the link-local address lwIP derives from the MAC; the rest are the network's. */
#define ZT_NETIF_MAX_IP6    (LWIP_IPV6_NUM_ADDRESSES - 1)
#define ZT_NETIF_MAX_ROUTES 128

/* A frame leaving lwIP: `payload` (after the ethertype, at most the MTU) is valid only during the call.
 * `vlan` is always 0 (ZeroTier carries no 802.1Q tag). Called from inside lwIP: from zt_netif_frame_in,
 * zt_netif_set_config (gratuitous ARP, MLD reports), lwIP's timers (sys_check_timeouts: ARP and ND
 * retries, TCP retransmissions), the apps' socket calls, and even before zt_netif_new returns (an MLD
 * report for the link-local address). It must not call back into the netif or lwIP (no
 * zt_netif_frame_in from here; queue and deliver later). */
typedef void zt_netif_frame_out_fn(void *arg, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype,
                                   uint16_t vlan, const void *payload, size_t len);
/* The set of multicast groups the netif wants (zt_netif_multicast_groups) may have changed. Called from
 * inside lwIP (an app joining a group) or from zt_netif_set_config; it may call
 * zt_netif_multicast_groups but nothing else of the netif or lwIP. */
typedef void zt_netif_mcast_changed_fn(void *arg);

struct zt_netif_config {
	uint64_t nwid;
	uint8_t mac[6];                           /* this member's MAC on the network (spec §2.2) */
	unsigned mtu;                             /* clamped to ZT_NETIF_MTU_MIN..MAX */
	zt_netif_frame_out_fn *frame_out;         /* required */
	zt_netif_mcast_changed_fn *mcast_changed; /* optional */
	void *arg;                                /* handed to both callbacks */
};

/* An address with its prefix length, as the network config's `I` and `RT` records carry them. */
struct zt_netif_ip {
	int family;     /* AF_INET or AF_INET6; 0 = none (a route's on-link "via") */
	uint8_t ip[16]; /* network byte order; the first 4 bytes for IPv4 */
	unsigned prefix;
};

struct zt_netif_route {
	struct zt_netif_ip target; /* destination prefix; 0.0.0.0/0 or ::/0 is a default route */
	struct zt_netif_ip via;    /* gateway (prefix ignored), or family 0: directly on the network */
	unsigned metric;           /* lower wins between equally long prefixes */
};

/* What a network config says about the IP side of the interface. Arrays are the caller's, copied. */
struct zt_netif_ipconfig {
	const struct zt_netif_ip *addrs;
	size_t naddrs;
	const struct zt_netif_route *routes;
	size_t nroutes;
	unsigned mtu;       /* 0 = keep the current MTU */
	bool broadcast;     /* config flag 0x02: also want (ff:ff:ff:ff:ff:ff, 0) */
	bool ndp_emulation; /* config flag 0x04: answer our own NS for RFC4193/6PLANE peers locally */
};

/* A multicast group as ZeroTier subscribes to it (spec §8.1): an Ethernet multicast MAC and an ADI. */
struct zt_netif_group {
	uint8_t mac[6];
	uint32_t adi;
};

/* Drops are counted here, never returned as errors. */
struct zt_netif_stats {
	uint64_t rx_frames;     /* delivered into lwIP */
	uint64_t rx_not_for_us; /* unicast to another MAC */
	uint64_t rx_bad;        /* bad source MAC or IP source (loopback, ::), oversized, other ethertypes */
	uint64_t rx_nomem;      /* no pool pbuf for the copy */
	uint64_t tx_frames;     /* handed to frame_out */
	uint64_t tx_too_big;    /* payload over the MTU (lwIP fragments first, so this means a bug) */
	uint64_t ndp_emulated;  /* neighbour solicitations answered locally (ndp_emulation) */
	uint64_t addrs_ignored; /* addresses beyond ZT_NETIF_MAX_IP4/IP6 in the last config */
};

/* Creates the netif, up, with its IPv6 link-local address and no other address until
 * zt_netif_set_config. lwIP must be initialised (zt_stack_init). 0, -EINVAL (no frame_out, or a
 * multicast/zero MAC), -ENOMEM. */
int zt_netif_new(struct zt_netif **out, const struct zt_netif_config *cfg);
/* Removes the netif and its secondaries from lwIP: connections on its addresses are aborted (no reset
 * goes out: no callback runs during or after this call). NULL is ignored. Not from inside a callback. */
void zt_netif_free(struct zt_netif *nif);

/* A frame the network delivered to us (spec §2.4: MACs, ethertype, payload after the ethertype). It is
 * copied into pool pbufs and handed to lwIP at once, which may call frame_out before this returns.
 * Frames to another unicast MAC, from a multicast or our own source MAC, over ZT_NETIF_MTU_MAX, with an
 * ethertype other than IPv4, ARP and IPv6, or an IP packet from a loopback address or from :: (but
 * duplicate address detection) are dropped and counted. Any multicast destination is taken (lwIP
 * filters by its groups). Never from inside frame_out. */
void zt_netif_frame_in(struct zt_netif *nif, const uint8_t src[6], const uint8_t dst[6], uint16_t ethertype,
                       const void *payload, size_t len);
/* Around a batch of zt_netif_frame_in calls (of any netifs): the TCP data they carry is written to each
 * app socket once, at the end, not once per segment - fewer wakeups of the apps and fewer writes.
 * Nests; the outermost end writes (and may call frame_out, as lwIP's window updates leave). */
void zt_netif_rx_batch_begin(void);
void zt_netif_rx_batch_end(void);
/* After a batch: when lwIP's timers (stack.c's loop hook) must run next for the ACKs a batch left held
 * (netif_acks.c: they wait at most a millisecond for more data), or -1 when none waits. A loop hook that
 * ends batches returns it: the stack's own hook may have run before it in the same round. */
int64_t zt_netif_rx_batch_deadline(int64_t now);

/* Applies a network config live: addresses not in `c` are removed (their connections aborted), new ones
 * added, prefixes, routes, MTU and flags replaced; everything else, including connections on addresses
 * that stay, is untouched. Entries of family 0 are skipped (a config's nil records). Routes apply as
 * given: leave out a default route the app did not ask for. A route whose gateway lies on none of our
 * subnets is kept but unusable (spec §5.3). A smaller MTU also applies to open connections (their
 * segments are fragmented). 0; -EINVAL for a malformed entry (bad family or prefix; nothing applied);
 * -ENOSPC when addresses did not fit (the first ones in `c`'s order were applied, the rest counted). */
int zt_netif_set_config(struct zt_netif *nif, const struct zt_netif_ipconfig *c);

/* The multicast groups to announce (MULTICAST_LIKE, spec §8.1-8.3): every group lwIP joined (IGMP,
 * including 224.0.0.1, and MLD, including each address's solicited-node group), (ff:ff:ff:ff:ff:ff, A)
 * for each IPv4 address A, (33:33:ff:…, 0) for each IPv6 address, all-nodes 33:33:00:00:00:01, and
 * broadcast (ff:ff:ff:ff:ff:ff, 0) when enabled. Sorted (MAC, then ADI), without duplicates. Writes at
 * most `max` and returns how many there are (call with max 0 to size a buffer). */
size_t zt_netif_multicast_groups(const struct zt_netif *nif, struct zt_netif_group *out, size_t max);

const struct zt_netif_stats *zt_netif_stats(const struct zt_netif *nif);
unsigned zt_netif_mtu(const struct zt_netif *nif);
/* The primary lwIP netif (the one holding the IPv6 addresses), e.g. to bind a PCB to it. */
struct netif *zt_netif_lwip(struct zt_netif *nif);

/* Whether dest is ours to reach: loopback, multicast, broadcast or any-address, one of our addresses,
 * or inside a route or subnet of a joined network (route.c). What is not falls through to the host's
 * stack under --fallthrough. */
struct ip_addr;
bool zt_netif_reaches(const struct ip_addr *dest);

#endif

/* What a network ID and a ZeroTier address imply (spec §2.2-2.3, §8.1-8.2): a member's MAC and back, its
 * managed RFC4193 and 6PLANE IPv6 addresses, and the multicast group a subscription or a frame maps to. */
#ifndef ZTRUN_VL2_MAC_H
#define ZTRUN_VL2_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/wire.h"

#define ZT_RFC4193_PREFIX_BITS 88
#define ZT_6PLANE_PREFIX_BITS  40

/* First MAC byte of every member on `nwid`: from its lowest byte, locally administered, unicast, and
 * never 0x52 (KVM/libvirt's), which becomes 0x32. */
uint8_t zt_mac_first_octet(uint64_t nwid);
void zt_mac_from_address(uint8_t mac[6], uint64_t address, uint64_t nwid);
/* The member address behind a MAC; false (and *address untouched) when the first byte is not this
 * network's, i.e. the MAC belongs to a device behind a bridge (or is multicast). */
bool zt_mac_to_address(const uint8_t mac[6], uint64_t nwid, uint64_t *address);

bool zt_mac_is_multicast(const uint8_t mac[6]); /* includes broadcast */
bool zt_mac_is_broadcast(const uint8_t mac[6]);

/* The controller-managed IPv6 addresses of a member: fd + nwid + 9993 + address (/88), and 6PLANE
 * fc + (nwid ^ nwid >> 32) low 32 bits + address + zeros + 01 (/40). */
void zt_ipv6_rfc4193(uint8_t ip[16], uint64_t nwid, uint64_t address);
void zt_ipv6_6plane(uint8_t ip[16], uint64_t nwid, uint64_t address);

/* A multicast group: an Ethernet multicast MAC and 32 bits of "additional distinguishing information". */
struct zt_mcast_group {
	uint8_t mac[6];
	uint32_t adi;
};

/* The wire form, `[6 MAC][u32 ADI]`. Reading: 0 or -EBADMSG (short). */
int zt_mcast_group_read(struct zt_mcast_group *g, struct zt_rd *r);
void zt_mcast_group_write(const struct zt_mcast_group *g, struct zt_wr *w);
bool zt_mcast_group_equal(const struct zt_mcast_group *a, const struct zt_mcast_group *b);

/* The group a node subscribes to for each of its own addresses, so others can resolve them:
 * IPv4 X -> (ff:ff:ff:ff:ff:ff, X); IPv6 X -> (33:33:ff:X[13]:X[14]:X[15], 0). */
void zt_mcast_group_for_ipv4(struct zt_mcast_group *g, const uint8_t ip[4]);
void zt_mcast_group_for_ipv6(struct zt_mcast_group *g, const uint8_t ip[16]);

/* Ethernet MACs of IP multicast addresses, as on any Ethernet: 33:33 + the low 32 bits of an IPv6 group,
 * 01:00:5e + the low 23 bits of an IPv4 group. */
void zt_mcast_mac_of_ipv6(uint8_t mac[6], const uint8_t group[16]);
void zt_mcast_mac_of_ipv4(uint8_t mac[6], const uint8_t group[4]);
/* The solicited-node multicast address ff02::1:ffXX:XXXX of an IPv6 address. */
void zt_ipv6_solicited_node(uint8_t group[16], const uint8_t ip[16]);

/* The group an outgoing frame to a multicast or broadcast `dest` goes to (spec §8.2): an ARP request
 * (IPv4 over Ethernet) to ff:ff:ff:ff:ff:ff goes to (broadcast, target IPv4); any other broadcast to
 * (broadcast, 0) only when the network enables broadcast; other multicast to (dest, 0). `payload` is
 * what follows the Ethernet header. 0, -EINVAL (dest is unicast), -EPERM (broadcast disabled). */
int zt_mcast_group_for_frame(struct zt_mcast_group *g, const uint8_t dest[6], uint16_t ethertype,
                             const uint8_t *payload, size_t len, bool broadcast_enabled);

#endif

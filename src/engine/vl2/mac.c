#include "vl2/mac.h"

#include <errno.h>
#include <string.h>

#define ETHERTYPE_ARP 0x0806

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

uint8_t zt_mac_first_octet(uint64_t nwid)
{
	uint8_t b = (uint8_t)((nwid & 0xfe) | 0x02);
	return b == 0x52 ? 0x32 : b;
}

/* Byte i (0..4, most significant first) of the address is masked with nwid byte i+1 (counting from the
 * least significant byte). */
static uint8_t mask_byte(uint64_t nwid, int i)
{
	return (uint8_t)(nwid >> (8 * (i + 1)));
}

void zt_mac_from_address(uint8_t mac[6], uint64_t address, uint64_t nwid)
{
	mac[0] = zt_mac_first_octet(nwid);
	for (int i = 0; i < 5; i++)
		mac[i + 1] = (uint8_t)(address >> (8 * (4 - i))) ^ mask_byte(nwid, i);
}

bool zt_mac_to_address(const uint8_t mac[6], uint64_t nwid, uint64_t *address)
{
	uint64_t a = 0;
	if (mac[0] != zt_mac_first_octet(nwid))
		return false;
	for (int i = 0; i < 5; i++)
		a = a << 8 | (uint8_t)(mac[i + 1] ^ mask_byte(nwid, i));
	*address = a;
	return true;
}

bool zt_mac_is_multicast(const uint8_t mac[6])
{
	return (mac[0] & 0x01) != 0;
}

bool zt_mac_is_broadcast(const uint8_t mac[6])
{
	return memcmp(mac, broadcast_mac, 6) == 0;
}

static void put_address(uint8_t *out, uint64_t address)
{
	for (int i = 0; i < 5; i++)
		out[i] = (uint8_t)(address >> (8 * (4 - i)));
}

void zt_ipv6_rfc4193(uint8_t ip[16], uint64_t nwid, uint64_t address)
{
	ip[0] = 0xfd;
	for (int i = 0; i < 8; i++)
		ip[1 + i] = (uint8_t)(nwid >> (8 * (7 - i)));
	ip[9] = 0x99;
	ip[10] = 0x93;
	put_address(ip + 11, address);
}

void zt_ipv6_6plane(uint8_t ip[16], uint64_t nwid, uint64_t address)
{
	uint32_t h = (uint32_t)(nwid ^ (nwid >> 32));
	memset(ip, 0, 16);
	ip[0] = 0xfc;
	for (int i = 0; i < 4; i++)
		ip[1 + i] = (uint8_t)(h >> (8 * (3 - i)));
	put_address(ip + 5, address);
	ip[15] = 0x01;
}

int zt_mcast_group_read(struct zt_mcast_group *g, struct zt_rd *r)
{
	zt_rd_copy(r, g->mac, 6);
	g->adi = zt_rd_u32(r);
	if (!r->bad)
		return 0;
	memset(g, 0, sizeof(*g));
	return -EBADMSG;
}

void zt_mcast_group_write(const struct zt_mcast_group *g, struct zt_wr *w)
{
	zt_wr_bytes(w, g->mac, 6);
	zt_wr_u32(w, g->adi);
}

bool zt_mcast_group_equal(const struct zt_mcast_group *a, const struct zt_mcast_group *b)
{
	return a->adi == b->adi && memcmp(a->mac, b->mac, 6) == 0;
}

void zt_mcast_group_for_ipv4(struct zt_mcast_group *g, const uint8_t ip[4])
{
	memcpy(g->mac, broadcast_mac, 6);
	g->adi = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

void zt_mcast_group_for_ipv6(struct zt_mcast_group *g, const uint8_t ip[16])
{
	uint8_t group[16];
	zt_ipv6_solicited_node(group, ip);
	zt_mcast_mac_of_ipv6(g->mac, group);
	g->adi = 0;
}

void zt_mcast_mac_of_ipv6(uint8_t mac[6], const uint8_t group[16])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

void zt_mcast_mac_of_ipv4(uint8_t mac[6], const uint8_t group[4])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = group[1] & 0x7f;
	mac[4] = group[2];
	mac[5] = group[3];
}

void zt_ipv6_solicited_node(uint8_t group[16], const uint8_t ip[16])
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	memcpy(group, prefix, sizeof(prefix));
	memcpy(group + 13, ip + 13, 3);
}

/* Is this an ARP request for an IPv4 address over Ethernet (the only broadcast ZeroTier turns into a
 * targeted multicast)? Then `target` gets the address asked for. Like stock, only the low byte of the
 * opcode is looked at. */
static bool arp_request_target(const uint8_t *payload, size_t len, uint8_t target[4])
{
	struct zt_rd r;
	zt_rd_init(&r, payload, len);
	if (len < 28)
		return false;
	zt_rd_skip(&r, 2); /* hardware type */
	uint16_t ptype = zt_rd_u16(&r);
	uint8_t hlen = zt_rd_u8(&r), plen = zt_rd_u8(&r);
	zt_rd_skip(&r, 1);
	uint8_t op = zt_rd_u8(&r);
	zt_rd_skip(&r, 16); /* sender MAC and IP, target MAC */
	zt_rd_copy(&r, target, 4);
	return !r.bad && ptype == 0x0800 && hlen == 6 && plen == 4 && op == 1;
}

int zt_mcast_group_for_frame(struct zt_mcast_group *g, const uint8_t dest[6], uint16_t ethertype,
                             const uint8_t *payload, size_t len, bool broadcast_enabled)
{
	uint8_t target[4];
	if (!zt_mac_is_multicast(dest))
		return -EINVAL;
	memcpy(g->mac, dest, 6);
	g->adi = 0;
	if (!zt_mac_is_broadcast(dest))
		return 0;
	if (ethertype == ETHERTYPE_ARP && arp_request_target(payload, len, target)) {
		zt_mcast_group_for_ipv4(g, target);
		return 0;
	}
	return broadcast_enabled ? 0 : -EPERM;
}

/* Suite for vl2/mac: spec §2.2's MACs (both networks of §11.1, the 0x52 exception, the reverse mapping),
 * §2.3's managed IPv6 forms (and config A's `I`), and §8.1-8.2's multicast groups (ARP requests, other
 * broadcasts, IPv6 solicited-node and all-nodes, IPv4 multicast). */
#include "harness.h"
#include "vectors.h"
#include "vl2/mac.h"

#include <errno.h>
#include <string.h>

static void check_mac(uint64_t address, uint64_t nwid, const char *want_hex)
{
	uint8_t mac[6], want[6];
	uint64_t back = 0;
	zt_unhex(want_hex, want, sizeof(want));
	zt_mac_from_address(mac, address, nwid);
	CHECK_MEM(mac, want, 6);
	CHECK(zt_mac_to_address(mac, nwid, &back));
	CHECK(back == address);
}

static void member_mac_2_2(void)
{
	check_mac(VEC_MEMBER, VEC_NWID_A, "86e75c8aec92");
	check_mac(VEC_MEMBER, VEC_NWID_B, "b2d8c88aec92");
	/* lowest nwid byte 0x50 or 0x51 would give 52:..., which is avoided */
	CHECK_EQ_INT(zt_mac_first_octet(0x50), 0x32);
	CHECK_EQ_INT(zt_mac_first_octet(0x53), 0x32);
	CHECK_EQ_INT(zt_mac_first_octet(0x54), 0x56);
	CHECK_EQ_INT(zt_mac_first_octet(0x01), 0x02);
	check_mac(0xffffffffffULL, 0x5a198f7032000050ULL, "32ffffcd8f70");
}

static void reverse_mapping(void)
{
	uint8_t mac[6];
	uint64_t a = 42;
	zt_mac_from_address(mac, VEC_MEMBER, VEC_NWID_A);
	mac[0] ^= 0x04; /* another first octet: a device behind a bridge */
	CHECK(!zt_mac_to_address(mac, VEC_NWID_A, &a));
	CHECK_EQ_INT(a, 42);
	CHECK(!zt_mac_to_address((const uint8_t *)"\xff\xff\xff\xff\xff\xff", VEC_NWID_A, &a));
	CHECK(zt_mac_is_multicast((const uint8_t *)"\x33\x33\x00\x00\x00\x01"));
	CHECK(zt_mac_is_multicast((const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK(zt_mac_is_broadcast((const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
	CHECK(!zt_mac_is_broadcast((const uint8_t *)"\x33\x33\x00\x00\x00\x01"));
	zt_mac_from_address(mac, VEC_MEMBER, VEC_NWID_A);
	CHECK(!zt_mac_is_multicast(mac));
}

static void managed_ipv6_2_3(void)
{
	uint8_t ip[16], want[16];
	zt_ipv6_rfc4193(ip, VEC_NWID_A, VEC_MEMBER);
	zt_unhex("fd5a198f70327c718499939620b89c1d", want, 16);
	CHECK_MEM(ip, want, 16);
	zt_ipv6_6plane(ip, VEC_NWID_A, VEC_MEMBER);
	zt_unhex("fc6865fef49620b89c1d000000000001", want, 16);
	CHECK_MEM(ip, want, 16);
	/* the same two addresses, with their prefixes, open config A's `I` (§11.3) */
	uint8_t i[64];
	zt_unhex(vec_a_i_hex, i, sizeof(i));
	zt_ipv6_rfc4193(ip, VEC_NWID_A, VEC_MEMBER);
	CHECK_MEM(i + 1, ip, 16);
	CHECK_EQ_INT(i[17] << 8 | i[18], ZT_RFC4193_PREFIX_BITS);
	zt_ipv6_6plane(ip, VEC_NWID_A, VEC_MEMBER);
	CHECK_MEM(i + 20, ip, 16);
	CHECK_EQ_INT(i[36] << 8 | i[37], ZT_6PLANE_PREFIX_BITS);
}

static void address_resolution_groups_8_1(void)
{
	struct zt_mcast_group g;
	uint8_t ip[16], group[16], want[16];
	zt_mcast_group_for_ipv4(&g, (const uint8_t *)"\x0a\x93\x14\xeb");
	CHECK_MEM(g.mac, "\xff\xff\xff\xff\xff\xff", 6);
	CHECK(g.adi == 0x0a9314ebu);
	zt_ipv6_rfc4193(ip, VEC_NWID_A, VEC_MEMBER);
	zt_mcast_group_for_ipv6(&g, ip);
	CHECK_MEM(g.mac, "\x33\x33\xff\xb8\x9c\x1d", 6);
	CHECK_EQ_INT(g.adi, 0);
	/* it is the MAC of the address's solicited-node group ff02::1:ffb8:9c1d */
	zt_ipv6_solicited_node(group, ip);
	zt_unhex("ff0200000000000000000001ffb89c1d", want, 16);
	CHECK_MEM(group, want, 16);
	/* every 6PLANE host shares 33:33:ff:00:00:01 */
	zt_ipv6_6plane(ip, VEC_NWID_A, VEC_MEMBER);
	zt_mcast_group_for_ipv6(&g, ip);
	CHECK_MEM(g.mac, "\x33\x33\xff\x00\x00\x01", 6);
	/* all-nodes ff02::1 and IPv4 multicast 224.0.0.251 (mDNS) */
	uint8_t mac[6];
	zt_unhex("ff020000000000000000000000000001", group, 16);
	zt_mcast_mac_of_ipv6(mac, group);
	CHECK_MEM(mac, "\x33\x33\x00\x00\x00\x01", 6);
	zt_mcast_mac_of_ipv4(mac, (const uint8_t *)"\xe0\x80\x00\xfb");
	CHECK_MEM(mac, "\x01\x00\x5e\x00\x00\xfb", 6);
}

static void sender_side_mapping_8_2(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct zt_mcast_group g;
	uint8_t arp[28];
	/* who-has 10.147.20.1 tell 10.147.20.235 */
	zt_unhex("0001 0800 06 04 0001 86e75c8aec92 0a9314eb 000000000000 0a931401", arp, sizeof(arp));
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0806, arp, sizeof(arp), false), 0);
	CHECK_MEM(g.mac, bcast, 6);
	CHECK(g.adi == 0x0a931401u);
	/* a reply, a short one, or not IPv4: a plain broadcast, sent only if the network allows it */
	arp[7] = 2;
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0806, arp, sizeof(arp), false), -EPERM);
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0806, arp, sizeof(arp), true), 0);
	CHECK_EQ_INT(g.adi, 0);
	arp[7] = 1;
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0806, arp, 27, false), -EPERM);
	arp[3] = 0x01;
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0806, arp, sizeof(arp), false), -EPERM);
	CHECK_EQ_INT(zt_mcast_group_for_frame(&g, bcast, 0x0800, arp, sizeof(arp), false), -EPERM);
	/* other multicast keeps its MAC, ADI 0, whatever the broadcast flag */
	CHECK_EQ_INT(
	    zt_mcast_group_for_frame(&g, (const uint8_t *)"\x33\x33\xff\xb8\x9c\x1d", 0x86dd, NULL, 0, false),
	    0);
	CHECK_MEM(g.mac, "\x33\x33\xff\xb8\x9c\x1d", 6);
	CHECK_EQ_INT(g.adi, 0);
	CHECK_EQ_INT(
	    zt_mcast_group_for_frame(&g, (const uint8_t *)"\x86\xe7\x5c\x8a\xec\x92", 0x0800, NULL, 0, true),
	    -EINVAL);
}

static void group_wire_form(void)
{
	struct zt_mcast_group g = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0x0a931401}, h;
	uint8_t b[10];
	struct zt_wr w;
	struct zt_rd r;
	zt_wr_init(&w, b, sizeof(b));
	zt_mcast_group_write(&g, &w);
	CHECK(!w.bad && w.len == 10);
	CHECK_MEM(b, "\xff\xff\xff\xff\xff\xff\x0a\x93\x14\x01", 10);
	zt_rd_init(&r, b, 10);
	CHECK_EQ_INT(zt_mcast_group_read(&h, &r), 0);
	CHECK(zt_mcast_group_equal(&g, &h));
	zt_rd_init(&r, b, 9);
	CHECK_EQ_INT(zt_mcast_group_read(&h, &r), -EBADMSG);
}

static const struct zt_test tests[] = {
    ZT_TEST(member_mac_2_2),          ZT_TEST(reverse_mapping),
    ZT_TEST(managed_ipv6_2_3),        ZT_TEST(address_resolution_groups_8_1),
    ZT_TEST(sender_side_mapping_8_2), ZT_TEST(group_wire_form),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_mac", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}

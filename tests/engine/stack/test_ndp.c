/* Suite for stack/ndp.c: stock's NDP emulation for the managed RFC4193 and 6PLANE prefixes (spec §8.7),
 * and the solicitations lwIP cannot send alone, on two netifs wired back to back (netif_fixture.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/igmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/prot/icmp6.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "netif_fixture.h"
#include "stack/stack.h"
#include "vl2/mac.h"

/* NDP emulation (spec §8.7): A, with the flag, never solicits B's RFC4193 or 6PLANE address on the wire;
 * it learns B's MAC from the address itself. B, without it, solicits A as usual and A answers. */
static void test_ndp_emulation(void)
{
	CHECK(wire_init(&W, NWID, mac_a, mac_b, 2800) == 0);
	struct zt_netif_ip a[] = {ipn(rfc_a, 88), ipn(plane_a, 40)};
	struct zt_netif_ip b[] = {ipn(rfc_b, 88), ipn(plane_b, 40)};
	struct zt_netif_ipconfig ca = {.addrs = a, .naddrs = 2, .ndp_emulation = true};
	struct zt_netif_ipconfig cb = {.addrs = b, .naddrs = 2};
	CHECK(zt_netif_set_config(W.end[0].nif, &ca) == 0);
	CHECK(zt_netif_set_config(W.end[1].nif, &cb) == 0);
	wire_pump(&W);
	size_t since = W.nlog;
	CHECK(ping_answered(rfc_a, rfc_b));
	CHECK(ping_answered(plane_a, plane_b));
	CHECK(wire_count(&W, 0, since, is_ns, NULL) == 0);
	CHECK(wire_count(&W, 1, since, is_ns, NULL) >= 1);
	CHECK(wire_count(&W, 0, since, is_na, NULL) >= 1);
	CHECK(zt_netif_stats(W.end[0].nif)->ndp_emulated == 2);
	/* a third member's address in the prefix maps to its MAC: the echo goes there, unanswered */
	since = W.nlog;
	CHECK(ping6(rfc_a, rfc_c, 1) == ERR_OK);
	wire_settle(&W, 20);
	uint8_t mac_c[6];
	zt_mac_from_address(mac_c, ZT_C, NWID);
	struct ip_match to_c = {IP6_NEXTH_ICMP6, ICMP6_TYPE_EREQ, rfc_c, rfc_a, mac_c};
	CHECK(wire_count(&W, 0, since, is_ip, &to_c) == 1);
	CHECK(wire_count(&W, 0, since, is_ns, NULL) == 0);
	/* without emulation on either side, 6PLANE neighbours (outside each other's /64, which lwIP alone
	 * cannot solicit) are still resolved: both solicit from their link-local addresses */
	ca.ndp_emulation = false;
	CHECK(zt_netif_set_config(W.end[0].nif, &ca) == 0);
	struct netif *n;
	NETIF_FOREACH(n)
	{
		nd6_cleanup_netif(n);
	}
	since = W.nlog;
	CHECK(ping_answered(plane_a, plane_b));
	CHECK(ping_answered(plane_b, plane_a));
	CHECK(wire_count(&W, 0, since, is_ns, NULL) >= 1 && wire_count(&W, 1, since, is_ns, NULL) >= 1);
	ca.ndp_emulation = true;
	/* outside the managed prefixes, A solicits as usual */
	struct zt_netif_ip a2[] = {ipn(rfc_a, 88), ipn("fd00:7::1", 64)};
	struct zt_netif_ip b2[] = {ipn(rfc_b, 88), ipn("fd00:7::2", 64)};
	ca.addrs = a2;
	cb.addrs = b2;
	CHECK(zt_netif_set_config(W.end[0].nif, &ca) == 0);
	CHECK(zt_netif_set_config(W.end[1].nif, &cb) == 0);
	since = W.nlog;
	CHECK(ping_answered("fd00:7::1", "fd00:7::2"));
	CHECK(wire_count(&W, 0, since, is_ns, NULL) == 1);
	wire_free(&W);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(test_ndp_emulation),
	};
	return netif_suite_main("stack_ndp", tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}

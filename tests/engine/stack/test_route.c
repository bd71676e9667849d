/* Suite for stack/route.c: the routes of a network's config through lwIP's route hooks, on two netifs
 * wired back to back (netif_fixture.h). */
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

/* A's routes: 10.9.0.0/16 via .254 (B's second address), 10.9.5.0/24 via .253 (nobody), 192.168.50.0/24
 * via a gateway off every subnet (unusable), fd99::/16 via B's RFC4193 address. */
static void test_routes(void)
{
	CHECK(wire_init(&W, NWID, mac_a, mac_b, 2800) == 0);
	struct zt_netif_ip a[] = {ipn("10.0.0.1", 24), ipn(rfc_a, 88)};
	struct zt_netif_ip b[] = {ipn("10.0.0.2", 24), ipn("10.0.0.254", 24), ipn(rfc_b, 88)};
	struct zt_netif_route r[] = {route("10.0.0.0", 24, NULL, 0), route("10.9.0.0", 16, "10.0.0.254", 0),
	                             route("10.9.5.0", 24, "10.0.0.253", 0),
	                             route("192.168.50.0", 24, "10.77.0.1", 0),
	                             route("fd99::", 16, rfc_b, 0)};
	CHECK(configure(0, a, 2, r, 5, 0) == 0);
	CHECK(configure(1, b, 3, NULL, 0, 0) == 0);
	wire_pump(&W);

	/* B answers for its second address from that address */
	CHECK(ping_answered("10.0.0.1", "10.0.0.254"));

	size_t since = W.nlog;
	CHECK(ping4("10.0.0.1", "10.9.1.1", 1) == ERR_OK);
	wire_settle(&W, 20);
	struct ip_match via254 = {IP_PROTO_ICMP, ICMP_ECHO, "10.9.1.1", "10.0.0.1", mac_b};
	CHECK(wire_count(&W, 0, since, is_ip, &via254) == 1);
	struct arp_match who253 = {1, "10.0.0.253", NULL}, who_dest = {1, "10.9.1.1", NULL};
	CHECK(wire_count(&W, 0, since, is_arp, &who_dest) == 0);

	since = W.nlog;
	CHECK(ping4("10.0.0.1", "10.9.5.7", 2) == ERR_OK); /* the longer prefix wins */
	wire_settle(&W, 20);
	CHECK(wire_count(&W, 0, since, is_arp, &who253) == 1);
	struct ip_match any_echo = {IP_PROTO_ICMP, ICMP_ECHO, "10.9.5.7", NULL, NULL};
	CHECK(wire_count(&W, 0, since, is_ip, &any_echo) == 0); /* waits for .253 to answer */

	since = W.nlog;
	CHECK(ping4("10.0.0.1", "192.168.50.1", 3) == ERR_RTE);
	CHECK(ping4("10.0.0.1", "172.16.0.1", 4) == ERR_RTE);
	wire_settle(&W, 10);
	CHECK(W.nlog == since);

	since = W.nlog;
	CHECK(ping6(rfc_a, "fd99::5", 5) == ERR_OK);
	wire_settle(&W, 20);
	struct ip_match via_b6 = {IP6_NEXTH_ICMP6, ICMP6_TYPE_EREQ, "fd99::5", rfc_a, mac_b};
	CHECK(wire_count(&W, 0, since, is_ip, &via_b6) == 1);
	CHECK(ping6(rfc_a, "fd98::5", 6) == ERR_RTE);

	/* routes replaced live: 10.9.0.0/16 now via .2 */
	struct zt_netif_route r2[] = {route("10.9.0.0", 16, "10.0.0.2", 0)};
	CHECK(configure(0, a, 2, r2, 1, 0) == 0);
	since = W.nlog;
	CHECK(ping4("10.0.0.1", "10.9.5.7", 7) == ERR_OK);
	wire_settle(&W, 20);
	CHECK(wire_count(&W, 0, since, is_arp, &who253) == 0);
	struct ip_match echo_b = {IP_PROTO_ICMP, ICMP_ECHO, "10.9.5.7", "10.0.0.1", mac_b};
	CHECK(wire_count(&W, 0, since, is_ip, &echo_b) == 1);

	/* B drops its second address: that secondary netif goes, .2 stays */
	struct zt_netif_ip b2[] = {ipn("10.0.0.2", 24), ipn(rfc_b, 88)};
	CHECK(configure(1, b2, 2, NULL, 0, 0) == 0);
	CHECK(!ping_answered("10.0.0.1", "10.0.0.254"));
	CHECK(ping_answered("10.0.0.1", "10.0.0.2"));
	wire_free(&W);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(test_routes),
	};
	return netif_suite_main("stack_route", tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}

/* Suite for vl2 frames on the simulated wire: ARP both ways (broadcast mapped to the ADI group, GATHER
 * at the controller or the root, MULTICAST_FRAME, unicast reply) and pings both ways; multicast to
 * subscribers only; multicast limit 0 and broadcast off; rules dropping on the sender and on the receiver,
 * and no rules at all; EXT_FRAME with an ACK; loopback to our own MAC; bad outbound frames. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl2/vl2_wire.h"
#include "vtest.h"
#include "warmup.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const uint8_t *ip(uint8_t net, uint8_t host)
{
	static uint8_t b[8][4];
	static unsigned k;
	uint8_t *p = b[k++ % 8];
	p[0] = 10;
	p[1] = 147;
	p[2] = net;
	p[3] = host;
	return p;
}

static void arp_and_ping(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 2}, 2);
	REQUIRE(net);
	uint8_t mac_b[6], want[6];
	REQUIRE(vsim_arp(&vt, vt_node(VT_A), net->nwid, ip(1, 11), mac_b, 5000));
	vsim_mac(vt_node(VT_B), net->nwid, want);
	CHECK_MEM(mac_b, want, 6);
	/* A asked the controller (its multicast service) who holds 10.147.1.11. */
	struct zt_vl2_counters a = vsim_counters(vt_node(VT_A)), b;
	CHECK(a.gathers_sent >= 1);
	CHECK(a.gather_answers_in >= 1);
	CHECK(a.tx_multicast >= 1);
	CHECK(a.credentials_sent >= 1);
	CHECK(vt_ping(VT_A, net->nwid, ip(1, 11), 3000));
	CHECK(vt_ping(VT_B, net->nwid, ip(1, 10), 3000));
	CHECK(vt_ping(VT_A, net->nwid, ip(1, 11), 3000));
	a = vsim_counters(vt_node(VT_A));
	b = vsim_counters(vt_node(VT_B));
	CHECK(a.tx_frames >= 2 && b.tx_frames >= 2);
	CHECK(b.rx_multicast >= 1);
	CHECK_EQ_INT(a.drop_gate + b.drop_gate, 0);
	CHECK_EQ_INT(a.drop_rules_in + b.drop_rules_in + a.drop_rules_out + b.drop_rules_out, 0);
	/* Credentials went once each way, not once per frame. */
	CHECK(a.credentials_sent <= 3 && b.credentials_sent <= 3);
	vt_teardown();
}

static void arp_through_root(void)
{
	/* The controller does not serve multicast here; the root (running vl2) answers GATHERs for anyone. */
	struct fx_network *net =
	    vt_world(&(struct vt_opts){.members = 2, .root_vl2 = true, .no_controller_mc = true}, 2);
	REQUIRE(net);
	CHECK(vt_ping(VT_A, net->nwid, ip(1, 11), 6000));
	struct zt_vl2_counters r = vsim_counters(vt_node(VT_ROOT));
	CHECK(r.gathers_in >= 1);
	CHECK(r.likes_in >= 2);
	vt_teardown();
}

static void deferred_stack(void)
{
	/* The host answers after frame_out returns (queued), not from inside it. */
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 2}, 2);
	REQUIRE(net);
	vt_node(VT_A)->reenter = false;
	vt_node(VT_B)->reenter = false;
	CHECK(vt_ping(VT_A, net->nwid, ip(1, 11), 6000));
	CHECK(vt_ping(VT_B, net->nwid, ip(1, 10), 6000));
	vt_teardown();
}

static void multicast_to_subscribers(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 4}, 4);
	REQUIRE(net);
	const uint8_t group[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	CHECK_EQ_INT(vsim_subscribe(vt_node(VT_B), net->nwid, group, 0), 0);
	CHECK_EQ_INT(vsim_subscribe(vt_node(VT_C), net->nwid, group, 0), 0);
	CHECK_EQ_INT(vsim_subscribe(vt_node(VT_C), net->nwid, bcast, 0), 0);
	CHECK_EQ_INT(vsim_subscribe(vt_node(VT_C), net->nwid, (const uint8_t[6]){0x02, 0, 0, 0, 0, 1}, 0),
	             -EINVAL);
	vsim_run(&vt, 500);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, group, 0x0800, "multicast!", 10), 0);
	vsim_run(&vt, 2000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_B), net->nwid, 0x0800), 1);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_C), net->nwid, 0x0800), 1);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_D), net->nwid, 0x0800), 0);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_A), net->nwid, 0x0800), 0);
	/* The receivers saw the group's MAC as destination, A's MAC as source. */
	const struct vsim_frame *f = &vt_node(VT_B)->frames[(vt_node(VT_B)->n_frames - 1) % VSIM_LOG];
	uint8_t mac_a[6];
	vsim_mac(vt_node(VT_A), net->nwid, mac_a);
	CHECK_MEM(f->dst, group, 6);
	CHECK_MEM(f->src, mac_a, 6);
	uint64_t members[8];
	struct zt_mcast_group g = {.adi = 0};
	memcpy(g.mac, group, 6);
	CHECK_EQ_INT(zt_vl2_multicast_members(vt_node(VT_A)->vl2, net->nwid, &g, members, 8, vt.sim.now), 2);
	/* The next one goes straight to the known members. */
	unsigned gathers = vsim_counters(vt_node(VT_A)).gathers_sent;
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, group, 0x0800, "again", 5), 0);
	vsim_run(&vt, 500);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_B), net->nwid, 0x0800), 2);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_C), net->nwid, 0x0800), 2);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_A)).gathers_sent, gathers);
	/* Unsubscribed: C's LIKE is not refreshed, but it stays listed until it expires (600 s). */
	CHECK_EQ_INT(zt_vl2_multicast_unsubscribe(vt_node(VT_C)->vl2, net->nwid, group, 0), 0);
	CHECK_EQ_INT(zt_vl2_multicast_unsubscribe(vt_node(VT_C)->vl2, net->nwid, group, 0), -ENOENT);
	/* A broadcast (not ARP) reaches everyone subscribed to broadcast: all members, since it is on. */
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, bcast, 0x88b5, "bcast", 5), 0);
	vsim_run(&vt, 2000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_B), net->nwid, 0x88b5), 1);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_D), net->nwid, 0x88b5), 1);
	vt_teardown();
}

static void multicast_set_and_ipv6_group(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 3}))
		return;
	struct fx_network *net = vt_network(1, 3);
	/* B also holds its RFC4193 address: its solicited-node group is announced without the host asking */
	struct fx_member *mb = fx_find(net, vt_addr(VT_B));
	mb->ips[1].family = ZT_INET_V6;
	zt_ipv6_rfc4193(mb->ips[1].ip, net->nwid, vt_addr(VT_B));
	mb->ips[1].port = 88;
	mb->n_ips = 2;
	net->flags |= ZT_NETCONF_FLAG_NDP_EMULATION;
	for (unsigned i = 0; i < 3; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	for (unsigned i = 0; i < 3; i++)
		REQUIRE(vt_wait_status(VT_A + i, net->nwid, ZT_VL2_STATUS_OK, 5000));
	struct zt_vl2_network_info info;
	REQUIRE(zt_vl2_network(vt_node(VT_B)->vl2, net->nwid, &info) == 0);
	CHECK(info.ndp_emulation);
	struct zt_mcast_group sn;
	zt_mcast_group_for_ipv6(&sn, mb->ips[1].ip);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, sn.mac, 0x86dd, "neighbour solicitation", 22), 0);
	vsim_run(&vt, 2000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_B), net->nwid, 0x86dd), 1);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_C), net->nwid, 0x86dd), 0);
	/* C's host replaces its whole set; a new group is announced at once. */
	const struct zt_mcast_group set1[2] = {{{0x01, 0x00, 0x5e, 0, 0, 1}, 0},
	                                       {{0x33, 0x33, 0, 0, 0, 1}, 0}};
	const struct zt_mcast_group set2[1] = {{{0x01, 0x00, 0x5e, 0, 0, 0xfb}, 0}};
	CHECK_EQ_INT(zt_vl2_multicast_set(vt_node(VT_C)->vl2, net->nwid, set1, 2, vt.sim.now), 0);
	vt_settle(VT_C);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, set1[1].mac, 0x86dd, "all nodes", 9), 0);
	vsim_run(&vt, 2000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_C), net->nwid, 0x86dd), 1);
	CHECK_EQ_INT(zt_vl2_multicast_set(vt_node(VT_C)->vl2, net->nwid, set2, 1, vt.sim.now), 0);
	vt_settle(VT_C);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, set2[0].mac, 0x0800, "mdns", 4), 0);
	vsim_run(&vt, 2000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_C), net->nwid, 0x0800), 1);
	const struct zt_mcast_group bad[1] = {{{0x02, 0, 0, 0, 0, 1}, 0}};
	CHECK_EQ_INT(zt_vl2_multicast_set(vt_node(VT_C)->vl2, net->nwid, bad, 1, vt.sim.now), -EINVAL);
	vt_teardown();
}

static void multicast_off(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 2}))
		return;
	struct fx_network *net = vt_network(1, 2);
	net->ml = 0;
	net->flags = 0; /* no broadcast either */
	for (unsigned i = 0; i < 2; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	uint8_t mac[6];
	CHECK(!vsim_arp(&vt, vt_node(VT_A), net->nwid, ip(1, 11), mac, 3000));
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, bcast, 0x0806, "xxxx", 4), -EPERM);
	CHECK(vsim_counters(vt_node(VT_A)).drop_multicast_off >= 2);
	/* Unicast still works once the MAC is known. */
	uint8_t mac_b[6], pkt[64];
	vsim_mac(vt_node(VT_B), net->nwid, mac_b);
	size_t len = vsim_ping(pkt, ip(1, 10), ip(1, 11), 1);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, mac_b, 0x0800, pkt, len), 0);
	vsim_run(&vt, 1000);
	CHECK_EQ_INT(vsim_count_frames(vt_node(VT_B), net->nwid, 0x0800), 1);
	vt_teardown();
}

static void broadcast_off(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 2}))
		return;
	struct fx_network *net = vt_network(1, 2);
	net->flags = 0;
	for (unsigned i = 0; i < 2; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, bcast, 0x88b5, "bcast", 5), -EPERM);
	/* ARP requests are not "broadcast": they go to the target's group. */
	CHECK(vt_ping(VT_A, net->nwid, ip(1, 11), 6000));
	vt_teardown();
}

static struct zt_rule rule(uint8_t t)
{
	struct zt_rule r;
	memset(&r, 0, sizeof(r));
	r.t = t;
	return r;
}

static void rules_drop_outbound(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 2}))
		return;
	struct fx_network *net = vt_network(1, 2);
	/* drop UDP to port 9999, accept the rest */
	net->rules[0] = rule(ZT_RULE_MATCH_IP_PROTOCOL);
	net->rules[0].v.ip_protocol = 17;
	net->rules[1] = rule(ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
	net->rules[1].v.port[0] = net->rules[1].v.port[1] = 9999;
	net->rules[2] = rule(ZT_RULE_ACTION_DROP);
	net->rules[3] = rule(ZT_RULE_ACTION_ACCEPT);
	net->n_rules = 4;
	for (unsigned i = 0; i < 2; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	CHECK_EQ_INT(vt_udp(VT_A, net->nwid, ip(1, 11), 1234), 0);
	CHECK_EQ_INT(vt_udp(VT_A, net->nwid, ip(1, 11), 9999), -EPERM);
	vsim_run(&vt, 500);
	CHECK_EQ_INT(vt_node(VT_B)->udp_in, 1);
	CHECK_EQ_INT(vt_node(VT_B)->last_udp_port, 1234);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_A)).drop_rules_out, 1);
	vt_teardown();
}

static void no_rules_drop_all(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 2}))
		return;
	struct fx_network *net = vt_network(1, 2);
	net->no_rules = true;
	for (unsigned i = 0; i < 2; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	uint8_t mac[6], mac_b[6];
	CHECK(!vsim_arp(&vt, vt_node(VT_A), net->nwid, ip(1, 11), mac, 3000));
	vsim_mac(vt_node(VT_B), net->nwid, mac_b);
	CHECK_EQ_INT(vsim_frame(vt_node(VT_A), net->nwid, mac_b, 0x0800, "x", 1), -EPERM);
	CHECK(vsim_counters(vt_node(VT_A)).drop_rules_out >= 2);
	vt_teardown();
}

/* X, a raw VL1 node holding a valid COM, sends B what a peer with laxer rules would. */
static void rules_drop_inbound_and_ext_frame(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 2, .raw_x = true}))
		return;
	struct fx_network *net = vt_network(1, 2);
	fx_member(net, vt_addr(vt_x), 50);
	net->rules[0] = rule(ZT_RULE_MATCH_IP_PROTOCOL);
	net->rules[0].v.ip_protocol = 17;
	net->rules[1] = rule(ZT_RULE_MATCH_IP_DEST_PORT_RANGE);
	net->rules[1].v.port[0] = net->rules[1].v.port[1] = 9999;
	net->rules[2] = rule(ZT_RULE_ACTION_DROP);
	net->rules[3] = rule(ZT_RULE_ACTION_ACCEPT);
	net->n_rules = 4;
	(void)vsim_join(vt_node(VT_B), net->nwid);
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	vt_raw_push_com(VT_B, net, vt.sim.now);
	vsim_run(&vt, 300);
	uint8_t pkt[128], buf[256];
	struct zt_wr w;
	size_t len = vsim_udp(pkt, sizeof(pkt), ip(1, 50), ip(1, 11), 5, 9999, "no", 2);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_frame_write(&w, net->nwid, 0x0800, pkt, len);
	CHECK(vt_raw_send(VT_B, ZT_VERB_FRAME, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_B)->udp_in, 0);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_B)).drop_rules_in, 1);
	/* The same as EXT_FRAME to port 7, asking for an ACK. */
	uint8_t mac_b[6], mac_x[6];
	vsim_mac(vt_node(VT_B), net->nwid, mac_b);
	zt_mac_from_address(mac_x, vt_addr(vt_x), net->nwid);
	len = vsim_udp(pkt, sizeof(pkt), ip(1, 50), ip(1, 11), 5, 7, "ok", 2);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_ext_frame_write(&w, net->nwid, ZT_EXT_FRAME_FLAG_ACK, mac_b, mac_x, 0x0800, pkt, len);
	/* X's node did not ask for that OK (stock nodes never set the flag, nor remember EXT_FRAMEs), so it
	 * arrives and is dropped as unsolicited: that it arrived is what we can see. */
	uint64_t unsolicited = sim_counters(&vt.sim.nodes[vt_x]).drop_unsolicited;
	CHECK(vt_raw_send(VT_B, ZT_VERB_EXT_FRAME, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_B)->udp_in, 1);
	CHECK_EQ_INT(sim_counters(&vt.sim.nodes[vt_x]).drop_unsolicited, unsolicited + 1);
	/* An EXT_FRAME claiming someone else's source MAC is dropped (X is no bridge). */
	uint8_t other[6];
	zt_mac_from_address(other, vt_addr(VT_A), net->nwid);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_ext_frame_write(&w, net->nwid, 0, mac_b, other, 0x0800, pkt, len);
	unsigned drops = vsim_counters(vt_node(VT_B)).drop_mac;
	CHECK(vt_raw_send(VT_B, ZT_VERB_EXT_FRAME, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_B)->udp_in, 1);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_B)).drop_mac, drops + 1);
	vt_teardown();
}

static void loopback_and_bad_frames(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 1}, 1);
	REQUIRE(net);
	struct vsim_node *a = vt_node(VT_A);
	uint8_t me[6], other[6] = {0x0a, 1, 2, 3, 4, 5}; /* this network's MACs start 0x02 */
	vsim_mac(a, net->nwid, me);
	CHECK_EQ_INT(vsim_frame(a, net->nwid, me, 0x0800, "self", 4), 0);
	CHECK_EQ_INT(vsim_count_frames(a, net->nwid, 0x0800), 1);
	CHECK_EQ_INT(vsim_counters(a).tx_loopback, 1);
	/* A MAC that is not this network's: a device behind a bridge, which we never reach. */
	CHECK_EQ_INT(vsim_frame(a, net->nwid, other, 0x0800, "x", 1), -EHOSTUNREACH);
	/* Not our source MAC. */
	CHECK_EQ_INT(zt_vl2_frame_in(a->vl2, net->nwid, other, me, 0x0800, 0, "x", 1, vt.sim.now),
	             -EADDRNOTAVAIL);
	CHECK_EQ_INT(zt_vl2_frame_in(a->vl2, net->nwid, me, me, 0x0800, 5, "x", 1, vt.sim.now), -EINVAL);
	static uint8_t big[3000];
	CHECK_EQ_INT(vsim_frame(a, net->nwid, me, 0x0800, big, sizeof(big)), -EMSGSIZE);
	CHECK_EQ_INT(vsim_frame(a, 0x1234, me, 0x0800, "x", 1), -ENOENT);
	vt_teardown();
}

static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(arp_and_ping),
	    ZT_TEST(arp_through_root),
	    ZT_TEST(deferred_stack),
	    ZT_TEST(multicast_to_subscribers),
	    ZT_TEST(multicast_set_and_ipv6_group),
	    ZT_TEST(multicast_off),
	    ZT_TEST(broadcast_off),
	    ZT_TEST(rules_drop_outbound),
	    ZT_TEST(no_rules_drop_all),
	    ZT_TEST(rules_drop_inbound_and_ext_frame),
	    ZT_TEST(loopback_and_bad_frames),
	};
	return zt_test_main("vl2_frames", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

/* Suite for vl2 credentials on the simulated wire: a peer with no COM is refused with ERROR
 * NEED_MEMBERSHIP_CERTIFICATE and its frame delivered once the COM comes; forged, foreign and borrowed
 * COMs are refused; a receiver that lost our COM asks and gets it again; a revoked member is cut off
 * (and the revocation propagates); a member that stops refreshing loses access when the COM window
 * passes; LIKEs from ungated peers are ignored; a node without a controller answers requests
 * UNSUPPORTED_OPERATION. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl2/netcred.h"
#include "vl2/vl2_wire.h"
#include "vtest.h"
#include "warmup.h"

static const uint8_t ip_a[4] = {10, 147, 1, 10}, ip_b[4] = {10, 147, 1, 11}, ip_c[4] = {10, 147, 1, 12},
                     ip_x[4] = {10, 147, 1, 50};

/* X sends A a UDP FRAME to port 7. */
static void x_frame(const struct fx_network *net, unsigned to, const uint8_t dst_ip[4])
{
	uint8_t pkt[64], buf[128];
	struct zt_wr w;
	size_t len = vsim_udp(pkt, sizeof(pkt), ip_x, dst_ip, 5, 7, "hi", 2);
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_frame_write(&w, net->nwid, 0x0800, pkt, len);
	CHECK(vt_raw_send(to, ZT_VERB_FRAME, buf, w.len) >= 0);
}

static unsigned x_errors(uint8_t code)
{
	const struct sim_node *x = &vt.sim.nodes[vt_x];
	unsigned k = 0, n = x->n_replies < SIM_LOG ? x->n_replies : SIM_LOG;
	for (unsigned i = 0; i < n; i++)
		k += x->replies[i].verb == ZT_VERB_ERROR && x->replies[i].code == code;
	return k;
}

static void no_com_then_com(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 1, .raw_x = true}, 1);
	REQUIRE(net);
	fx_member(net, vt_addr(vt_x), 50);
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 0);
	CHECK_EQ_INT(x_errors(ZT_ERR_NEED_MEMBERSHIP_CERTIFICATE), 1);
	const struct sim_reply *r = sim_last_reply(&vt.sim.nodes[vt_x]);
	REQUIRE(r);
	CHECK_EQ_INT(r->in_re_verb, ZT_VERB_FRAME);
	struct zt_vl2_counters c = vsim_counters(vt_node(VT_A));
	CHECK_EQ_INT(c.drop_gate, 1);
	CHECK_EQ_INT(c.need_com_sent, 1);
	CHECK_EQ_INT(c.held, 1);
	/* The COM arrives within 5 s: the held frame is delivered then. */
	vt_raw_push_com(VT_A, net, vt.sim.now);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 1);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_A)).held_replayed, 1);
	/* From now on frames pass at once. */
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 2);
	vt_teardown();
}

static void held_frame_expires(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 1, .raw_x = true}, 1);
	REQUIRE(net);
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 6000);
	vt_raw_push_com(VT_A, net, vt.sim.now);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 0);
	CHECK_EQ_INT(vsim_counters(vt_node(VT_A)).held_expired, 1);
	vt_teardown();
}

static void push_netcred(unsigned to, const struct zt_com *com)
{
	uint8_t buf[512];
	struct zt_wr w;
	struct zt_netcred c = {.coms = com, .com_count = 1};
	zt_wr_init(&w, buf, sizeof(buf));
	if (zt_netcred_write(&c, &w) != 0)
		abort();
	CHECK(vt_raw_send(to, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len) >= 0);
}

static void bad_coms_refused(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 2, .raw_x = true}, 1);
	REQUIRE(net);
	const struct zt_identity *x = &vt.sim.nodes[vt_x].id;
	struct zt_com com;
	/* signed by X, claiming the controller as signer */
	zt_com_issue(&com, vt.sim.now, (uint64_t)net->ctmd, net->nwid, x);
	REQUIRE(zt_com_sign(&com, x) == 0);
	com.signer = vfx.id.address;
	push_netcred(VT_A, &com);
	vsim_run(&vt, 1100);
	/* B's genuine COM, relayed by X: stored as B's (anyone may relay a COM), but it does not make X pass
	 */
	fx_com(&vfx, net, &vt.sim.nodes[VT_B].id, vt.sim.now, &com);
	push_netcred(VT_A, &com);
	vsim_run(&vt, 1100);
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 0);
	CHECK(vsim_counters(vt_node(VT_A)).credentials_rejected >= 1);
	/* a COM of another network of the same controller */
	struct fx_network *other = fx_network(&vfx, 2);
	fx_com(&vfx, other, x, vt.sim.now, &com);
	push_netcred(VT_A, &com);
	vsim_run(&vt, 1100);
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 0);
	/* a COM far older than A's (outside the 30 min window) */
	fx_com(&vfx, net, x, vt.sim.now - 2 * ZT_CTMD_DEFAULT, &com);
	push_netcred(VT_A, &com);
	vsim_run(&vt, 1100);
	x_frame(net, VT_A, ip_a);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 0);
	/* and finally a good one */
	fx_com(&vfx, net, x, vt.sim.now, &com);
	push_netcred(VT_A, &com);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vt_node(VT_A)->udp_in, 3); /* the three frames held meanwhile (each within 5 s) */
	vt_teardown();
}

static void receiver_lost_our_com(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 2}, 2);
	REQUIRE(net);
	REQUIRE(vt_ping(VT_A, net->nwid, ip_b, 6000));
	/* B restarts: it forgets A's COM, while A believes it pushed it a moment ago. */
	vsim_detach(&vt, VT_B);
	REQUIRE(sim_start_node(&vt.sim, &vt.sim.nodes[VT_B]) == 0);
	vsim_attach(&vt, VT_B, true);
	REQUIRE(vsim_join(vt_node(VT_B), net->nwid) == 0);
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	vsim_run(&vt, 3000);
	unsigned need_before = vsim_counters(vt_node(VT_A)).need_com_in;
	CHECK(vt_ping(VT_A, net->nwid, ip_b, 3000));
	struct zt_vl2_counters a = vsim_counters(vt_node(VT_A)), b = vsim_counters(vt_node(VT_B));
	CHECK(a.need_com_in > need_before);
	CHECK(b.need_com_sent >= 1);
	CHECK(b.held_replayed >= 1);
	vt_teardown();
}

static void revoked_member_cut_off(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 3}, 3);
	REQUIRE(net);
	REQUIRE(vt_ping(VT_C, net->nwid, ip_a, 6000));
	REQUIRE(vt_ping(VT_C, net->nwid, ip_b, 6000));
	fx_revoke(&vfx, net, vt_addr(VT_C), NULL, vt.sim.now);
	vt_settle(VT_CTL);
	vsim_run(&vt, 500);
	CHECK(vsim_counters(vt_node(VT_A)).revocations_in >= 1);
	CHECK(vsim_counters(vt_node(VT_B)).revocations_in >= 1);
	CHECK(!vt_ping(VT_C, net->nwid, ip_a, 3000));
	CHECK(!vt_ping(VT_C, net->nwid, ip_b, 3000));
	CHECK(vsim_counters(vt_node(VT_A)).drop_gate >= 1);
	/* A and B still talk. */
	CHECK(vt_ping(VT_A, net->nwid, ip_b, 3000));
	/* C's next request is refused. */
	CHECK(vt_wait_status(VT_C, net->nwid, ZT_VL2_STATUS_ACCESS_DENIED, 65000));
	/* C keeps its old config (and addresses), as stock does, but nobody talks to it. */
	CHECK(vsim_net(vt_node(VT_C), net->nwid)->has_config);
	CHECK(!vt_ping(VT_C, net->nwid, ip_a, 3000));
	vt_teardown();
}

static void com_window_passes(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 3}))
		return;
	struct fx_network *net = vt_network(1, 3);
	net->ctmd = ZT_CTMD_MIN; /* 5 minutes */
	for (unsigned i = 0; i < 3; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	for (unsigned i = 0; i < 3; i++)
		REQUIRE(vt_wait_status(VT_A + i, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_ping(VT_C, net->nwid, ip_a, 6000));
	/* C is deauthorised without a revocation: it just stops getting configs (and fresh COMs). */
	fx_find(net, vt_addr(VT_C))->authorized = false;
	vsim_run(&vt, 2 * 60000);
	CHECK_EQ_INT(vsim_status(vt_node(VT_C), net->nwid), ZT_VL2_STATUS_ACCESS_DENIED);
	CHECK(vt_ping(VT_C, net->nwid, ip_a, 3000)); /* still within the window */
	CHECK(vt_ping(VT_A, net->nwid, ip_c, 3000));
	vsim_run(&vt, 4 * 60000);
	/* Now A's COM is more than 5 minutes newer than C's: both refuse each other. */
	CHECK(!vt_ping(VT_C, net->nwid, ip_a, 3000));
	CHECK(!vt_ping(VT_A, net->nwid, ip_c, 3000));
	CHECK(vt_ping(VT_A, net->nwid, ip_b, 3000));
	vt_teardown();
}

static void ungated_like_ignored(void)
{
	struct fx_network *net = vt_world(&(struct vt_opts){.members = 1, .raw_x = true}, 1);
	REQUIRE(net);
	fx_member(net, vt_addr(vt_x), 50);
	uint8_t buf[32];
	struct zt_wr w;
	struct zt_mcast_group g = {.mac = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x42}, .adi = 0};
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, net->nwid);
	zt_mcast_group_write(&g, &w);
	CHECK(vt_raw_send(VT_A, ZT_VERB_MULTICAST_LIKE, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	uint64_t m[4];
	CHECK_EQ_INT(zt_vl2_multicast_members(vt_node(VT_A)->vl2, net->nwid, &g, m, 4, vt.sim.now), 0);
	vt_raw_push_com(VT_A, net, vt.sim.now);
	vsim_run(&vt, 300);
	CHECK(vt_raw_send(VT_A, ZT_VERB_MULTICAST_LIKE, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(zt_vl2_multicast_members(vt_node(VT_A)->vl2, net->nwid, &g, m, 4, vt.sim.now), 1);
	CHECK(m[0] == vt_addr(vt_x));
	vt_teardown();
}

static void request_to_non_controller(void)
{
	if (!vt_setup(&(struct vt_opts){.members = 1, .raw_x = true}))
		return;
	uint8_t buf[64];
	struct zt_wr w;
	uint64_t nwid = vt_addr(VT_A) << 24 | 5;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, nwid);
	zt_wr_u16(&w, 0);
	CHECK(vt_raw_send(VT_A, ZT_VERB_NETWORK_CONFIG_REQUEST, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(x_errors(ZT_ERR_UNSUPPORTED_OPERATION), 1);
	/* The controller node's vl2 hands requests for its networks to the controller, ignores others. */
	unsigned before = vfx.requests;
	CHECK(vt_raw_send(VT_CTL, ZT_VERB_NETWORK_CONFIG_REQUEST, buf, w.len) >= 0);
	vsim_run(&vt, 300);
	CHECK_EQ_INT(vfx.requests, before);
	CHECK_EQ_INT(x_errors(ZT_ERR_UNSUPPORTED_OPERATION), 1);
	vt_teardown();
}

static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(no_com_then_com),       ZT_TEST(held_frame_expires),        ZT_TEST(bad_coms_refused),
	    ZT_TEST(receiver_lost_our_com), ZT_TEST(revoked_member_cut_off),    ZT_TEST(com_window_passes),
	    ZT_TEST(ungated_like_ignored),  ZT_TEST(request_to_non_controller),
	};
	return zt_test_main("vl2_creds", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}

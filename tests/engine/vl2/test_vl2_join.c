/* Suite for vl2 joining on the simulated wire: status REQUESTING -> OK with the config's addresses, routes,
 * MTU and name; the stock request metadata; ACCESS_DENIED then authorised; NOT_FOUND (no network, or a
 * node that is no controller); configs in many chunks out of order; a stored config used at the next
 * start; leave; a config update applied live; the controller's own member via the local short cut. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl1/packet.h"
#include "vl2/dict.h"
#include "vtest.h"
#include "warmup.h"

static const uint8_t ip_a[4] = {10, 147, 1, 10}, ip_b[4] = {10, 147, 1, 11};

static void join_ok(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 2}));
	struct fx_network *net = vt_network(1, 2);
	struct vsim_node *a = vt_node(VT_A);
	CHECK_EQ_INT(vsim_join(a, net->nwid), 0);
	CHECK_EQ_INT(vsim_join(a, net->nwid), -EEXIST);
	struct vsim_net *n = vsim_net(a, net->nwid);
	REQUIRE(n);
	CHECK(n->up);
	CHECK_EQ_INT(n->history[0], ZT_VL2_STATUS_REQUESTING_CONFIGURATION);
	CHECK(!n->has_config);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	CHECK(n->has_config);
	CHECK(!n->from_state);
	CHECK_EQ_INT(n->mtu, 2800);
	CHECK_EQ_INT(n->multicast_limit, 32);
	CHECK(n->broadcast);
	CHECK(!strcmp(n->name, "fixture"));
	CHECK_EQ_INT(n->revision, 1);
	REQUIRE(n->n_addrs == 1 && n->n_routes == 1);
	CHECK_EQ_INT(n->addrs[0].family, ZT_INET_V4);
	CHECK_MEM(n->addrs[0].ip, ip_a, 4);
	CHECK_EQ_INT(n->addrs[0].port, 24);
	CHECK_EQ_INT(n->routes[0].target.port, 24);
	CHECK_EQ_INT(n->routes[0].via.family, ZT_INET_NONE);

	/* The request carried the stock metadata set (spec §11.2). */
	struct fx_member *m = fx_find(net, vt_addr(VT_A));
	REQUIRE(m && m->metadata_len);
	uint8_t want[1024];
	struct zt_wr w;
	zt_wr_init(&w, want, sizeof(want));
	CHECK_EQ_INT(zt_vl2_request_metadata(&w, NULL), 0);
	CHECK_EQ_INT(m->metadata_len, w.len);
	CHECK_MEM(m->metadata, want, w.len);
	struct zt_dict d;
	uint64_t revr = 0, v = 0;
	zt_dict_init(&d, m->metadata, m->metadata_len);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "revr", &revr), 0);
	CHECK_EQ_INT(revr, 1);
	CHECK_EQ_INT(zt_dict_get_u64(&d, "v", &v), 0);
	CHECK_EQ_INT(v, 7);

	/* The config was stored as networks.d/<nwid>.conf. */
	REQUIRE(a->n_objs == 1);
	CHECK(a->objs[0].id == net->nwid);
	CHECK(a->objs[0].len > 100);

	/* The info query agrees with what the callback said. */
	struct zt_vl2_network_info info;
	REQUIRE(zt_vl2_network(a->vl2, net->nwid, &info) == 0);
	CHECK_EQ_INT(info.status, ZT_VL2_STATUS_OK);
	CHECK(info.config && info.config->issued_to == vt_addr(VT_A));
	uint64_t ids[4];
	CHECK_EQ_INT(zt_vl2_networks(a->vl2, ids, 4), 1);
	CHECK(ids[0] == net->nwid);

	/* It refreshes about once a minute. */
	unsigned before = m->requests;
	vsim_run(&vt, 130000);
	CHECK(m->requests >= before + 2 && m->requests <= before + 3);
	CHECK_EQ_INT(vsim_status(a, net->nwid), ZT_VL2_STATUS_OK);
	vt_teardown();
}

static void denied_then_authorized(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 1}));
	struct fx_network *net = vt_network(2, 0);
	struct vsim_node *a = vt_node(VT_A);
	CHECK_EQ_INT(vsim_join(a, net->nwid), 0);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_ACCESS_DENIED, 5000));
	CHECK(!vsim_net(a, net->nwid)->has_config);
	/* It keeps asking (every 5 s): the operator authorises it and the next request gets the config. */
	struct fx_member *m = fx_find(net, vt_addr(VT_A));
	REQUIRE(m);
	unsigned asked = m->requests;
	vsim_run(&vt, 11000);
	CHECK(m->requests >= asked + 2);
	fx_member(net, vt_addr(VT_A), 10);
	CHECK(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 7000));
	CHECK_EQ_INT(vsim_net(a, net->nwid)->n_addrs, 1);
	vt_teardown();
}

static void not_found(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 2}));
	struct vsim_node *a = vt_node(VT_A);
	uint64_t nwid = vt_addr(VT_CTL) << 24 | 0x77;
	CHECK_EQ_INT(vsim_join(a, nwid), 0);
	CHECK(vt_wait_status(VT_A, nwid, ZT_VL2_STATUS_NOT_FOUND, 5000));
	/* A node with no controller answers UNSUPPORTED_OPERATION, which means not found too. */
	uint64_t nwid_b = vt_addr(VT_B) << 24 | 1;
	CHECK_EQ_INT(vsim_join(a, nwid_b), 0);
	CHECK(vt_wait_status(VT_A, nwid_b, ZT_VL2_STATUS_NOT_FOUND, 5000));
	/* Bad IDs. */
	CHECK_EQ_INT(zt_vl2_join(a->vl2, 0, vt.sim.now), -EINVAL);
	CHECK_EQ_INT(zt_vl2_join(a->vl2, 0xff00000000000001ULL, vt.sim.now), -EINVAL);
	vt_teardown();
}

static void chunked_config(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 1}));
	struct fx_network *net = vt_network(3, 1);
	vfx.chunk_size = 97; /* a dozen chunks, sent last first */
	CHECK_EQ_INT(vsim_join(vt_node(VT_A), net->nwid), 0);
	CHECK(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	struct zt_vl2_counters c = vsim_counters(vt_node(VT_A));
	CHECK(c.config_chunks >= 10);
	CHECK_EQ_INT(c.config_chunks_bad, 0);
	vt_teardown();
}

static void stored_config_reused(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 1}));
	struct fx_network *net = vt_network(4, 1);
	CHECK_EQ_INT(vsim_join(vt_node(VT_A), net->nwid), 0);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	/* Restart A with the same home: the stored config is there at once, then a fresh one replaces it. */
	vsim_detach(&vt, VT_A);
	REQUIRE(sim_start_node(&vt.sim, &vt.sim.nodes[VT_A]) == 0);
	struct vsim_node *a = vsim_attach(&vt, VT_A, true);
	vfx.silent = true;
	CHECK_EQ_INT(vsim_join(a, net->nwid), 0);
	struct vsim_net *n = vsim_net(a, net->nwid);
	REQUIRE(n);
	CHECK_EQ_INT(n->n_events, 1); /* UP carries it */
	CHECK_EQ_INT(n->status, ZT_VL2_STATUS_OK);
	CHECK(n->has_config && n->from_state);
	CHECK_EQ_INT(n->n_addrs, 1);
	vsim_run(&vt, 3000);
	CHECK(n->from_state);
	vfx.silent = false;
	vsim_run(&vt, 12000);
	CHECK(!n->from_state);
	CHECK_EQ_INT(n->status, ZT_VL2_STATUS_OK);
	vt_teardown();
}

static void leave(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 1}));
	struct fx_network *net = vt_network(5, 1);
	struct vsim_node *a = vt_node(VT_A);
	CHECK_EQ_INT(vsim_join(a, net->nwid), 0);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	CHECK_EQ_INT(vsim_leave(a, net->nwid), 0);
	CHECK(!vsim_net(a, net->nwid)->up);
	CHECK_EQ_INT(a->n_objs, 0);
	CHECK_EQ_INT(vsim_leave(a, net->nwid), -ENOENT);
	uint8_t dst[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	CHECK_EQ_INT(vsim_frame(a, net->nwid, dst, 0x0806, "x", 1), -ENOENT);
	unsigned asked = fx_find(net, vt_addr(VT_A))->requests;
	vsim_run(&vt, 70000);
	CHECK_EQ_INT(fx_find(net, vt_addr(VT_A))->requests, asked);
	vt_teardown();
}

static void config_update_live(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 2}));
	struct fx_network *net = vt_network(1, 2);
	CHECK_EQ_INT(vsim_join(vt_node(VT_A), net->nwid), 0);
	CHECK_EQ_INT(vsim_join(vt_node(VT_B), net->nwid), 0);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_wait_status(VT_B, net->nwid, ZT_VL2_STATUS_OK, 5000));
	REQUIRE(vt_ping(VT_B, net->nwid, ip_a, 6000));
	/* The operator gives A a new address and the network a new route; the controller pushes. */
	struct vsim_net *n = vsim_net(vt_node(VT_A), net->nwid);
	unsigned updates = n->n_updates;
	fx_member(net, vt_addr(VT_A), 20);
	net->revision = 2;
	net->n_routes = 2;
	memset(&net->routes[1], 0, sizeof(net->routes[1]));
	net->routes[1].target.family = ZT_INET_V4;
	net->routes[1].target.ip[0] = 10;
	net->routes[1].target.ip[1] = 99;
	net->routes[1].target.port = 16;
	net->routes[1].via.family = ZT_INET_V4;
	memcpy(net->routes[1].via.ip, ip_b, 4);
	CHECK_EQ_INT(fx_push(&vfx, net, vt_addr(VT_A), vt.sim.now), 0);
	vt_settle(VT_CTL);
	vsim_run(&vt, 200);
	CHECK(n->n_updates > updates);
	CHECK_EQ_INT(n->revision, 2);
	REQUIRE(n->n_addrs == 1 && n->n_routes == 2);
	CHECK_EQ_INT(n->addrs[0].ip[3], 20);
	CHECK_EQ_INT(n->routes[1].target.port, 16);
	CHECK_MEM(n->routes[1].via.ip, ip_b, 4);
	/* The new address resolves at once: A announced its new ARP group when the config arrived. */
	const uint8_t ip_new[4] = {10, 147, 1, 20};
	CHECK(vt_ping(VT_B, net->nwid, ip_new, 3000));
	vt_teardown();
}

static void controller_joins_own_network(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 1}));
	struct fx_network *net = vt_network(6, 1);
	fx_member(net, vt_addr(VT_CTL), 1);
	struct vsim_node *ctl = vt_node(VT_CTL);
	CHECK_EQ_INT(vsim_join(ctl, net->nwid), 0);
	/* No wire: the local controller answered inside join. */
	CHECK_EQ_INT(vsim_status(ctl, net->nwid), ZT_VL2_STATUS_OK);
	CHECK(vfx.local_requests == 1);
	CHECK_EQ_INT(vsim_net(ctl, net->nwid)->n_addrs, 1);
	CHECK_EQ_INT(vsim_join(vt_node(VT_A), net->nwid), 0);
	REQUIRE(vt_wait_status(VT_A, net->nwid, ZT_VL2_STATUS_OK, 5000));
	const uint8_t ip_ctl[4] = {10, 147, 6, 1}, ip_a6[4] = {10, 147, 6, 10};
	CHECK(vt_ping(VT_A, net->nwid, ip_ctl, 6000));
	CHECK(vt_ping(VT_CTL, net->nwid, ip_a6, 6000));
	/* It keeps refreshing locally. */
	vsim_run(&vt, 65000);
	CHECK(vfx.local_requests >= 2);
	/* Not authorised: access denied, through the same short cut. */
	fx_find(net, vt_addr(VT_CTL))->authorized = false;
	vsim_run(&vt, 65000);
	CHECK_EQ_INT(vsim_status(ctl, net->nwid), ZT_VL2_STATUS_ACCESS_DENIED);
	vt_teardown();
}

static bool ping_retry(unsigned from, uint64_t nwid, const uint8_t ip[4])
{
	for (int i = 0; i < 10; i++) {
		struct vsim_node *vn = vt_node(from);
		vn->n_arp = 0; /* as a stack whose ARP entry timed out: ask again */
		if (vt_ping(from, nwid, ip, 2000))
			return true;
	}
	return false;
}

/* 10% loss and reordering (5..60 ms): joins still complete, and frames get through the credential
 * dance whichever of COM and frame arrives first (a relayed packet crosses the lossy wire twice). */
static void lossy_wire(void)
{
	REQUIRE(vt_setup(&(struct vt_opts){.members = 3}));
	struct fx_network *net = vt_network(1, 3);
	vfx.chunk_size = 300;
	vt.sim.loss_permille = 100;
	vt.sim.delay_min = 5;
	vt.sim.delay_max = 60;
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_INT(vsim_join(vt_node(VT_A + i), net->nwid), 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK(vt_wait_status(VT_A + i, net->nwid, ZT_VL2_STATUS_OK, 60000));
	const uint8_t ip_c[4] = {10, 147, 1, 12};
	CHECK(ping_retry(VT_A, net->nwid, ip_b));
	CHECK(ping_retry(VT_B, net->nwid, ip_c));
	CHECK(ping_retry(VT_C, net->nwid, ip_a));
	vt_teardown();
}

/* The metadata a member sends with its config request (spec §11.2). */
static void request_metadata_11_2(void)
{
	/* The stock 1.14 set (`pv` 12, as our HELLO says: vl1/node.h). */
	static const char want[] =
	    "v=0000000000000007\nvend=0000000000000001\npv=000000000000000c\n"
	    "majv=0000000000000001\nminv=000000000000000e\nrevv=0000000000000001\n"
	    "mr=0000000000000400\nmc=0000000000000080\nmcr=0000000000000040\n"
	    "mt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\no=linux/x86_64";
	uint8_t buf[1024];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	REQUIRE(zt_vl2_request_metadata(&w, NULL) == 0);
	CHECK_EQ_INT(w.len, 263);
	CHECK_EQ_INT(w.len, sizeof(want) - 1);
	CHECK_MEM(buf, want, sizeof(want) - 1);
	zt_wr_init(&w, buf, 100);
	CHECK_EQ_INT(zt_vl2_request_metadata(&w, NULL), -ENOSPC);
	CHECK(!strcmp(zt_vl2_status_name(ZT_VL2_STATUS_ACCESS_DENIED), "ACCESS_DENIED"));
	CHECK(!strcmp(zt_vl2_status_name((enum zt_vl2_status)99), "UNKNOWN"));
}

static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(request_metadata_11_2),
	    ZT_TEST(join_ok),
	    ZT_TEST(denied_then_authorized),
	    ZT_TEST(not_found),
	    ZT_TEST(chunked_config),
	    ZT_TEST(stored_config_reused),
	    ZT_TEST(leave),
	    ZT_TEST(config_update_live),
	    ZT_TEST(controller_joins_own_network),
	    ZT_TEST(lossy_wire),
	};
	return zt_test_main("vl2_join", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
